"""Every safety-plan page against every role. Anonymous visitors go to sign-in; a leader of
another group and a coordinator of another programme get 404 (the programme overview excepted:
the other leader is in the programme, so 403); donors follow the approved versions, their
comparison and PDF, but see no draft or version in review, no reviewer's comments, no
"submitted by" and no scan of the signed decision, and record no progress; the group's leader
and the programme's coordinators reach everything, the overview being for coordinators."""

import datetime
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from safetyplans import services
from safetyplans.models import ActionTracking, ActionUpdate, PlanDocument, PlanVersion
from tests.factories import ActionFactory, PriorityFactory, SafetyPlanFactory, plan_in_state

pytestmark = pytest.mark.django_db

COMMENTS = "Рецензент: бюджет на ліхтарі не збігається з кошторисом"
V2_CONTEXT = "Громада прийняла 300 внутрішньо переміщених осіб"
V3_CONTEXT = "Чернетка: нова редакція після виборів старост"
PLAN_PDF = b"%PDF-1.7\n% the rendered plan\n%%EOF\n"
DECISION_PDF = b"%PDF-1.4\n% scan of the signed decision\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would take most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def plan_media(settings, tmp_path, monkeypatch):
    """Decisions and PDFs in a temporary PRIVATE_MEDIA_ROOT: their fields built their storage
    at import time, so it is rebuilt by the app's own factory."""
    from cohesion.storage import private_storage

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    for model, name in ((PlanVersion, "decision_file"), (PlanDocument, "file")):
        monkeypatch.setattr(model._meta.get_field(name), "storage", private_storage())
    return settings.PRIVATE_MEDIA_ROOT


def approve(version, by, number):
    return services.version_approve(
        version=version,
        approving_body="Сесія сільської ради",
        decision_number=number,
        decision_date=datetime.date(2024, 2, 1),
        decision_file=SimpleUploadedFile(f"rishennia-{number}.pdf", DECISION_PDF),
        by=by,
    )


@pytest.fixture
def world(programme, group, leader, coordinator, plan_media):
    """A plan whose version 1 was returned once, then approved; version 2 (new context)
    approved in its place with its PDF rendered; version 3 sent for review by the leader."""
    plan = SafetyPlanFactory(group=group)
    v1 = plan.versions.get()
    ActionFactory(priority=PriorityFactory(version=v1))
    services.version_submit(version=v1, by=leader)
    services.version_return(version=v1, comments=COMMENTS, by=coordinator)
    services.version_submit(version=v1, by=leader)
    approve(v1, coordinator, "12-VIII")
    v2 = services.plan_revise(plan=plan, by=leader)
    services.version_update(version=v2, revision=v2.revision, context_summary=V2_CONTEXT)
    services.version_submit(version=v2, by=leader)
    v2 = approve(v2, coordinator, "31-VIII")
    document = PlanDocument.objects.get(version=v2, language=settings.LANGUAGE_CODE)
    services.document_store(document, PLAN_PDF)
    v3 = services.plan_revise(plan=plan, by=coordinator)
    services.version_update(version=v3, revision=v3.revision, context_summary=V3_CONTEXT)
    services.version_submit(version=v3, by=leader)
    plan.refresh_from_db()
    return SimpleNamespace(
        programme=programme,
        group=group,
        plan=plan,
        v1=PlanVersion.objects.get(pk=v1.pk),
        v2=v2,
        v3=PlanVersion.objects.get(pk=v3.pk),
        document=document,
        tracking=ActionTracking.objects.get(action__version=v2),
        leader=leader,
    )


def pages(w):
    plan = w.plan
    return {
        "group_plans": reverse("safetyplans:group_plans", args=[w.group.pk]),
        "detail": reverse("safetyplans:detail", args=[plan.pk]),
        "version_in_force": reverse("safetyplans:version", args=[plan.pk, 2]),
        "version_superseded": reverse("safetyplans:version", args=[plan.pk, 1]),
        "version_in_review": reverse("safetyplans:version", args=[plan.pk, 3]),
        "compare": reverse("safetyplans:compare", args=[plan.pk, 2]),
        "compare_in_review": reverse("safetyplans:compare", args=[plan.pk, 3]),
        "compare_with_review": reverse("safetyplans:compare", args=[plan.pk, 2]) + "?with=3",
        "overview": reverse("safetyplans:overview", args=[w.programme.pk]),
        "document": reverse("safetyplans:document", args=[w.document.pk]),
        "document_status": reverse("safetyplans:document_status", args=[w.document.pk]),
        "decision": reverse("safetyplans:decision", args=[plan.pk, 2]),
        "track": reverse("safetyplans:track", args=[w.tracking.pk]),
    }


PAGES = [
    "group_plans",
    "detail",
    "version_in_force",
    "version_superseded",
    "version_in_review",
    "compare",
    "compare_in_review",
    "compare_with_review",
    "overview",
    "document",
    "document_status",
    "decision",
    "track",
]
ALL_OK = (200,) * len(PAGES)
# The status code of each page in PAGES, by role.
EXPECTED = {
    "admin_user": ALL_OK,
    "coordinator": ALL_OK,
    "leader": (200, 200, 200, 200, 200, 200, 200, 200, 403, 200, 200, 200, 200),
    "donor": (200, 200, 200, 200, 404, 200, 404, 404, 403, 200, 200, 403, 403),
    "other_leader": (404, 404, 404, 404, 404, 404, 404, 404, 403, 404, 404, 404, 404),
    "other_coordinator": (404,) * len(PAGES),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_plan_pages_by_role(request, as_user, world, role):
    client = as_user(request.getfixturevalue(role))
    urls = pages(world)
    got = tuple(client.get(urls[name]).status_code for name in PAGES)
    assert dict(zip(PAGES, got, strict=True)) == dict(zip(PAGES, EXPECTED[role], strict=True))


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for name, url in pages(world).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("account_login")), name


@pytest.mark.parametrize("role", ["donor", "leader", "coordinator"])
def test_the_plan_pdf_is_downloaded_as_rendered(request, as_user, world, role):
    response = as_user(request.getfixturevalue(role)).get(pages(world)["document"])
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="safety-plan-{world.plan.pk}-v2-{settings.LANGUAGE_CODE}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PLAN_PDF


@pytest.mark.parametrize("role", ["leader", "coordinator"])
def test_the_signed_decision_is_downloaded_by_the_people_working_on_the_plan(
    request, as_user, world, role
):
    response = as_user(request.getfixturevalue(role)).get(pages(world)["decision"])
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="rishennia-31-VIII.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == DECISION_PDF


def test_donor_gets_no_scan_of_the_signed_decision(as_user, donor, world):
    client = as_user(donor)
    for number in (1, 2):
        response = client.get(reverse("safetyplans:decision", args=[world.plan.pk, number]))
        assert response.status_code == 403, number
        assert DECISION_PDF not in response.content


def test_a_pdf_not_rendered_yet_cannot_be_downloaded(as_user, coordinator, world):
    queued = services.document_request(version=world.v2, language="en")
    assert queued.status == PlanDocument.Status.QUEUED
    response = as_user(coordinator).get(reverse("safetyplans:document", args=[queued.pk]))
    assert response.status_code == 404


# --- what donors see ------------------------------------------------------------------------


def test_donor_follows_the_approved_versions_and_nothing_else(as_user, donor, world):
    client = as_user(donor)
    urls = pages(world)
    hidden = [
        COMMENTS,
        V3_CONTEXT,
        escape(str(world.leader)),
        urls["version_in_review"],
        reverse("safetyplans:decision", args=[world.plan.pk, 1]),
        urls["decision"],
        urls["track"],
    ]
    for name in ("group_plans", "detail", "version_in_force", "version_superseded", "compare"):
        page = client.get(urls[name])
        assert page.status_code == 200, name
        for text in hidden:
            assert text not in page.text, (name, text)
    detail = client.get(urls["detail"])
    assert detail.context["version"] == world.v2
    assert [v.number for v in detail.context["versions"]] == [2, 1]
    assert detail.context["open_version"] is None
    assert V2_CONTEXT in detail.text
    compare = client.get(urls["compare"])
    assert (compare.context["diff"].old, compare.context["diff"].new) == (world.v1, world.v2)
    assert [v.number for v in compare.context["versions"]] == [2, 1]


def test_leader_and_coordinator_see_the_decision_link_and_the_version_in_review(
    as_user, leader, coordinator, world
):
    urls = pages(world)
    for user in (leader, coordinator):
        client = as_user(user)
        detail = client.get(urls["detail"])
        assert urls["decision"] in detail.text
        assert urls["version_in_review"] in detail.text
        assert urls["track"] in detail.text
        in_review = client.get(urls["version_in_review"])
        assert V3_CONTEXT in in_review.text
        assert escape(str(leader)) in in_review.text


@pytest.mark.parametrize(
    ("state", "secret"),
    [
        ("returned", lambda version: version.review_comments),
        ("in_review", lambda version: escape(str(version.submitted_by))),
    ],
    ids=["review comments", "submitted by"],
)
def test_donor_sees_no_review_comments_or_submitter_on_the_plan_page(
    as_user, leader, donor, coordinator, group, state, secret
):
    plan, version = plan_in_state(state, group=group, by=leader)
    text = secret(version)
    assert text
    # The people working on the plan see it...
    for user in (leader, coordinator):
        assert text in as_user(user).get(plan.get_absolute_url()).text
    # ...the donor neither sees it nor the version it belongs to.
    page = as_user(donor).get(plan.get_absolute_url())
    assert page.status_code == 200
    assert text not in page.text
    assert page.context["version"] is None
    assert version.get_absolute_url() not in page.text


def test_donor_sees_no_review_comments_left_on_an_approved_version(as_user, donor, world):
    # Version 1 was returned with comments before it was approved: they stay on the record.
    assert world.v1.review_comments == COMMENTS
    page = as_user(donor).get(pages(world)["version_superseded"])
    assert page.status_code == 200
    assert COMMENTS not in page.text


# --- the programme overview -----------------------------------------------------------------


def test_coordinator_overview_lists_every_plan_of_the_programme(
    as_user, coordinator, other_group, world
):
    other_plan, _version = plan_in_state("draft", group=other_group)
    page = as_user(coordinator).get(pages(world)["overview"])
    assert page.status_code == 200
    rows = {plan.pk: plan for plan in page.context["plans"]}
    assert set(rows) == {world.plan.pk, other_plan.pk}
    assert rows[world.plan.pk].status == "in_review"
    assert rows[world.plan.pk].approved_version == world.v2
    assert rows[world.plan.pk].actions_count == 1
    assert dict((s, n) for s, _label, n in page.context["counts"]) == {
        "draft": 1,
        "in_review": 1,
        "returned": 0,
        "approved": 0,
        "superseded": 0,
    }


# --- recording progress ---------------------------------------------------------------------

TRACK = {
    "leader": 302,
    "coordinator": 302,
    "admin_user": 302,
    "donor": 403,
    "other_leader": 404,
    "other_coordinator": 404,
}


@pytest.mark.parametrize("role", sorted(TRACK))
def test_progress_is_recorded_by_the_leader_and_coordinators_only(request, as_user, world, role):
    user = request.getfixturevalue(role)
    response = as_user(user).post(
        pages(world)["track"],
        {"status": "in_progress", "progress": "35", "on": "2024-03-20", "note": "Закуплено"},
    )
    assert response.status_code == TRACK[role]
    world.tracking.refresh_from_db()
    if TRACK[role] == 302:
        assert response.url == f"{world.plan.get_absolute_url()}#action-{world.v2.actions.get().pk}"
        update = ActionUpdate.objects.get(tracking=world.tracking)
        assert (update.status, update.progress, update.recorded_by) == ("in_progress", 35, user)
        assert (world.tracking.status, world.tracking.progress) == ("in_progress", 35)
    else:
        assert not ActionUpdate.objects.exists()
        assert (world.tracking.status, world.tracking.progress) == ("not_started", 0)
