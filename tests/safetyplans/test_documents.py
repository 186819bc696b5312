"""The PDF of an approved plan: queued once on approval, rendered once by a worker after the
commit, stored with its checksum, claimed by one worker at a time (a dead worker's claim is
taken over), retried then marked failed, polled by an HTMX fragment and downloaded only by
the people who may see the plan."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from safetyplans import pdf, services
from safetyplans.models import PlanDocument, PlanVersion
from safetyplans.tasks import (
    MAX_ATTEMPTS,
    STALE_AFTER,
    render_plan_document,
    render_waiting_documents,
)
from tests.factories import plan_in_state

pytestmark = pytest.mark.django_db

STUB_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def plan_media(private_media, monkeypatch):
    """The PDFs and decisions go to the temporary private media: their storages were built from
    the setting at import time, so they are rebuilt by the app's own factory."""
    from cohesion.storage import private_storage

    for model, name in ((PlanDocument, "file"), (PlanVersion, "decision_file")):
        monkeypatch.setattr(model._meta.get_field(name), "storage", private_storage())
    return private_media


@pytest.fixture
def renders(monkeypatch):
    """A stand-in for WeasyPrint where the claim, not the drawing, is under test (a real
    rendering is tested once below and in test_pdf.py). Records the progress seen meanwhile."""
    seen = []

    def fake_html_to_pdf(html, fetcher=None):
        document = PlanDocument.objects.order_by("-pk").first()
        seen.append((document.status, document.progress))
        return STUB_PDF

    monkeypatch.setattr(pdf, "html_to_pdf", fake_html_to_pdf)
    return seen


@pytest.fixture
def broken(monkeypatch):
    def fail(html, fetcher=None):
        raise RuntimeError("Pango could not load a font")

    monkeypatch.setattr(pdf, "html_to_pdf", fail)


@pytest.fixture
def approved(group, coordinator):
    """An approved version whose PDF was queued but (no commit in a test) never rendered."""
    _plan, version = plan_in_state("approved", group=group, by=coordinator)
    return version


def ready(document: PlanDocument, data: bytes = STUB_PDF) -> PlanDocument:
    services.document_store(document, data)
    document.refresh_from_db()
    return document


def stored_bytes(document: PlanDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


# --- queued on approval, rendered once ------------------------------------------------------


def pdf_callbacks(callbacks) -> list:
    """The after-commit callbacks that queue a PDF (others keep the dashboards fresh)."""
    return [c for c in callbacks if getattr(c, "task", None) is render_plan_document]


def test_approval_queues_one_ukrainian_pdf_rendered_after_the_commit(
    group, coordinator, plan_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _plan, version = plan_in_state("approved", group=group, by=coordinator)
        [document] = PlanDocument.objects.all()
        # Nothing is rendered inside the approving transaction.
        assert (document.version, document.language, document.status) == (version, "uk", "queued")
        assert not document.file

    assert len(pdf_callbacks(callbacks)) == 1
    document.refresh_from_db()
    assert (document.status, document.progress, document.attempts) == ("ready", 100, 1)
    data = stored_bytes(document)
    assert data.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert document.rendered_at is not None
    assert document.error == ""
    assert (plan_media / document.file.name).is_file()


def test_a_rendered_pdf_is_not_rendered_again(approved, renders):
    [document] = approved.documents.all()
    assert render_plan_document(document.pk) == "ready"
    document.refresh_from_db()
    name, sha, data = document.file.name, document.sha256, stored_bytes(document)

    assert render_plan_document(document.pk) == "not claimed"

    document.refresh_from_db()
    assert (document.file.name, document.sha256, stored_bytes(document)) == (name, sha, data)
    assert document.attempts == 1
    assert len(renders) == 1


def test_requesting_the_same_language_again_returns_the_same_pdf(
    approved, django_capture_on_commit_callbacks
):
    [document] = approved.documents.all()
    ready(document)
    with django_capture_on_commit_callbacks() as callbacks:
        again = services.document_request(version=approved, language="uk")
    assert again.pk == document.pk
    assert callbacks == []
    assert PlanDocument.objects.count() == 1


def test_requesting_english_adds_a_second_pdf(approved, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        english = services.document_request(version=approved, language="en")
    assert len(callbacks) == 1
    assert sorted(approved.documents.values_list("language", flat=True)) == ["en", "uk"]
    assert (english.language, english.status) == ("en", "queued")


def test_an_unknown_language_is_refused(approved):
    with pytest.raises(ValidationError):
        services.document_request(version=approved, language="de")
    assert list(approved.documents.values_list("language", flat=True)) == ["uk"]


@pytest.mark.parametrize("status", ["draft", "in_review", "returned"])
def test_a_version_that_is_not_approved_cannot_be_printed(group, status):
    _plan, version = plan_in_state(status, group=group)
    with pytest.raises(ValidationError):
        services.document_request(version=version, language="uk")
    assert not PlanDocument.objects.exists()


def test_a_superseded_version_can_still_be_printed(group):
    _plan, superseded = plan_in_state("superseded", group=group)
    document = services.document_request(version=superseded, language="en")
    assert document.version == superseded


# --- claiming -------------------------------------------------------------------------------


def test_a_stale_claim_of_a_dead_worker_is_taken_over(approved, renders):
    [document] = approved.documents.all()
    long_ago = timezone.now() - STALE_AFTER - datetime.timedelta(minutes=1)
    PlanDocument.objects.filter(pk=document.pk).update(status="rendering", started_at=long_ago)

    assert render_plan_document(document.pk) == "ready"

    document.refresh_from_db()
    assert (document.status, document.progress) == ("ready", 100)
    assert document.started_at > long_ago
    assert stored_bytes(document) == STUB_PDF


def test_a_recent_claim_is_left_to_its_worker(approved, renders):
    [document] = approved.documents.all()
    recently = timezone.now() - datetime.timedelta(minutes=1)
    PlanDocument.objects.filter(pk=document.pk).update(
        status="rendering", started_at=recently, progress=40
    )

    assert render_plan_document(document.pk) == "not claimed"

    document.refresh_from_db()
    assert (document.status, document.progress, document.started_at) == (
        "rendering",
        40,
        recently,
    )
    assert renders == []


def test_the_worker_reports_progress_while_rendering(approved, renders):
    [document] = approved.documents.all()
    render_plan_document(document.pk)
    assert renders == [("rendering", 40)]


def test_a_document_removed_meanwhile_is_skipped(approved, renders):
    [document] = approved.documents.all()
    document_id = document.pk
    document.delete()
    assert render_plan_document(document_id) == "not claimed"
    assert renders == []


# --- failures -------------------------------------------------------------------------------


def test_a_failed_rendering_is_queued_for_retry_then_failed_after_max_attempts(approved, broken):
    [document] = approved.documents.all()
    for attempt in range(1, MAX_ATTEMPTS):
        # Called directly, the retry re-raises the error; a worker would retry later.
        with pytest.raises(RuntimeError):
            render_plan_document(document.pk)
        document.refresh_from_db()
        assert (document.status, document.attempts, document.progress) == ("queued", attempt, 0)
        assert document.error == "RuntimeError: Pango could not load a font"

    assert render_plan_document(document.pk) == "failed"

    document.refresh_from_db()
    assert (document.status, document.attempts, document.progress) == (
        "failed",
        MAX_ATTEMPTS,
        0,
    )
    assert "Pango could not load a font" in document.error
    assert not document.file


def test_a_failing_render_after_approval_does_not_break_the_committed_approval(
    group, coordinator, broken, django_capture_on_commit_callbacks
):
    """The render is queued with on_commit(robust=True): whatever the worker (or the broker)
    does, the approval stands and the error stays on the document for the next attempt."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _plan, version = plan_in_state("approved", group=group, by=coordinator)
    assert len(pdf_callbacks(callbacks)) == 1
    version.refresh_from_db()
    assert version.status == "approved"
    [document] = PlanDocument.objects.all()
    assert document.status in ("queued", "failed")
    assert document.error == "RuntimeError: Pango could not load a font"


def test_a_failed_pdf_offers_to_try_again_and_trying_again_renders_it(
    as_user, coordinator, approved, monkeypatch, django_capture_on_commit_callbacks
):
    [document] = approved.documents.all()
    PlanDocument.objects.filter(pk=document.pk).update(
        status="failed", attempts=MAX_ATTEMPTS, error="RuntimeError: boom"
    )
    client = as_user(coordinator)
    fragment = client.get(reverse("safetyplans:document_status", args=[document.pk]))
    html = fragment.content.decode()
    request_url = reverse("safetyplans:document_request", args=[approved.plan_id, approved.number])
    with translation.override("uk"):
        try_again = gettext("Try again")
    assert try_again in html
    assert f'action="{request_url}"' in html
    assert 'name="language" value="uk"' in html
    assert "hx-trigger" not in html

    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, fetcher=None: STUB_PDF)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(request_url, {"language": "uk"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.status, document.error) == ("ready", "")
    assert PlanDocument.objects.count() == 1


def test_waiting_documents_are_requeued_and_recent_ones_left_alone(approved, renders):
    [old_queued] = approved.documents.all()
    now = timezone.now()
    PlanDocument.objects.filter(pk=old_queued.pk).update(
        requested_at=now - datetime.timedelta(minutes=6)
    )
    recent = PlanDocument.objects.create(version=approved, language="en")

    assert render_waiting_documents() == 1

    old_queued.refresh_from_db()
    recent.refresh_from_db()
    assert old_queued.status == "ready"
    assert recent.status == "queued"


def test_a_dead_workers_claim_is_requeued(approved, renders):
    [document] = approved.documents.all()
    PlanDocument.objects.filter(pk=document.pk).update(
        status="rendering", started_at=timezone.now() - STALE_AFTER - datetime.timedelta(seconds=5)
    )
    assert render_waiting_documents() == 1
    document.refresh_from_db()
    assert document.status == "ready"


# --- the HTMX fragment ----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["queued", "rendering"])
def test_status_fragment_polls_with_a_progress_bar_until_ready(
    as_user, coordinator, approved, status
):
    [document] = approved.documents.all()
    PlanDocument.objects.filter(pk=document.pk).update(status=status, progress=40)
    url = reverse("safetyplans:document_status", args=[document.pk])

    response = as_user(coordinator).get(url, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<progress class="w-100" max="100" value="40"' in html
    assert 'hx-trigger="every 2s"' in html
    assert f'hx-get="{url}"' in html
    assert f'href="{reverse("safetyplans:document", args=[document.pk])}"' not in html
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_status_fragment_shows_the_download_link_and_stops_polling_when_ready(
    as_user, coordinator, approved
):
    document = ready(approved.documents.get())

    response = as_user(coordinator).get(
        reverse("safetyplans:document_status", args=[document.pk]),
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert f'href="{reverse("safetyplans:document", args=[document.pk])}"' in html
    assert "hx-trigger" not in html
    assert "<progress" not in html
    assert document.sha256[:12] in html


def test_status_fragment_of_another_programme_is_not_found(as_user, other_coordinator, approved):
    [document] = approved.documents.all()
    response = as_user(other_coordinator).get(
        reverse("safetyplans:document_status", args=[document.pk])
    )
    assert response.status_code == 404


# --- downloading ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "leader", "donor", "admin_user"])
def test_the_pdf_is_downloaded_as_an_attachment_by_those_who_see_the_plan(
    request, as_user, approved, role
):
    document = ready(approved.documents.get())
    client = as_user(request.getfixturevalue(role))

    response = client.get(reverse("safetyplans:document", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    expected = f"safety-plan-{approved.plan_id}-v{approved.number}-uk.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == STUB_PDF


@pytest.mark.parametrize("role", ["other_coordinator", "other_leader"])
def test_the_pdf_is_not_found_for_people_outside_the_plan(request, as_user, approved, role):
    document = ready(approved.documents.get())
    client = as_user(request.getfixturevalue(role))
    assert client.get(reverse("safetyplans:document", args=[document.pk])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, approved):
    document = ready(approved.documents.get())
    url = reverse("safetyplans:document", args=[document.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("status", ["queued", "rendering", "failed"])
def test_a_pdf_that_is_not_ready_is_not_found(as_user, coordinator, approved, status):
    [document] = approved.documents.all()
    PlanDocument.objects.filter(pk=document.pk).update(status=status)
    response = as_user(coordinator).get(reverse("safetyplans:document", args=[document.pk]))
    assert response.status_code == 404
