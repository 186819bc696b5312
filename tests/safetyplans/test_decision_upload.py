"""Approving a plan with the scan of the council's signed decision: a PDF, JPEG or PNG whose
bytes match its name, within the size limit, stored privately; anything else is refused in the
form and the plan stays in review. Those who work on the plan download the scan; donors do
not (it may show signatures)."""

import datetime
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from cohesion.storage import private_storage
from safetyplans.models import PlanDocument, PlanVersion
from tests.factories import plan_in_state

pytestmark = pytest.mark.django_db


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
PNG = _png_1x1()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(16)
STORED_NAME = re.compile(r"^decisions/\d{4}/decision(_[A-Za-z0-9]+)?\.(pdf|png|jpg|jpeg)$")


@pytest.fixture(autouse=True)
def decision_media(private_media, monkeypatch):
    """The decision field built its storage from the setting at import time: rebuilt here by
    the app's own factory, after private_media has moved the setting (the PDFs' too)."""
    monkeypatch.setattr(PlanVersion._meta.get_field("decision_file"), "storage", private_storage())
    monkeypatch.setattr(PlanDocument._meta.get_field("file"), "storage", private_storage())
    return private_media


@pytest.fixture
def in_review(group, leader):
    _plan, version = plan_in_state("in_review", group=group, by=leader)
    return version


def approve_url(version) -> str:
    return reverse("safetyplans:approve", args=[version.plan_id, version.number])


def decision_url(version) -> str:
    return reverse("safetyplans:decision", args=[version.plan_id, version.number])


def approval(upload=None) -> dict:
    data = {
        "approving_body": "Сесія Їжаківської сільської ради",
        "decision_number": "12/ІІ-VIII",
        "decision_date": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
    }
    if upload is not None:
        data["decision_file"] = upload
    return data


def stored_files(root):
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content"),
    [("Рішення сесії №12.pdf", PDF), ("скан.PNG", PNG), ("scan.jpeg", JPEG)],
)
def test_a_signed_decision_is_stored_privately_on_approval(
    as_user, coordinator, in_review, decision_media, name, content
):
    # The browser's claimed type is ignored: the name and the first bytes decide.
    upload = SimpleUploadedFile(name, content, "application/octet-stream")

    response = as_user(coordinator).post(approve_url(in_review), approval(upload))

    assert response.status_code == 302
    assert response.url == in_review.plan.get_absolute_url()
    version = PlanVersion.objects.get(pk=in_review.pk)
    assert version.status == "approved"
    assert version.decision_file_name == name
    assert STORED_NAME.match(version.decision_file.name), version.decision_file.name
    [path] = stored_files(decision_media)
    assert path == decision_media / version.decision_file.name
    assert path.read_bytes() == content


def limit_message(request, limit: int) -> str:
    with translation.override(request.LANGUAGE_CODE):
        return gettext("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}


REFUSED = {
    "executable": (
        "setup.exe",
        b"MZ\x90\x00" + bytes(60),
        "Upload the decision as PDF, JPEG or PNG.",
    ),
    "no_extension": ("decision", PDF, "Upload the decision as PDF, JPEG or PNG."),
    "html": ("decision.html", b"<html>%PDF-</html>", "Upload the decision as PDF, JPEG or PNG."),
    "png_named_pdf": ("scan.pdf", PNG, "The file's content does not match its type (%(ext)s)."),
    "html_named_pdf": (
        "scan.pdf",
        b"<html><body>%PDF-1.4</body></html>",
        "The file's content does not match its type (%(ext)s).",
    ),
    "pdf_named_png": ("scan.png", PDF, "The file's content does not match its type (%(ext)s)."),
    "exe_named_jpg": (
        "scan.jpg",
        b"MZ\x90\x00" + bytes(60),
        "The file's content does not match its type (%(ext)s).",
    ),
}


def expected_message(request, name: str, template: str) -> str:
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    with translation.override(request.LANGUAGE_CODE):
        message = gettext(template)
    return message % {"ext": extension} if "%(ext)s" in template else message


def assert_refused(response, in_review, decision_media, message):
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["decision_file"] == [message]
    assert message in response.content.decode().replace("&#x27;", "'")
    version = PlanVersion.objects.get(pk=in_review.pk)
    assert (version.status, version.decision_number, version.decision_file.name) == (
        "in_review",
        "",
        "",
    )
    version.plan.refresh_from_db()
    assert (version.plan.status, version.plan.approved_version) == ("in_review", None)
    assert stored_files(decision_media) == []
    assert not PlanDocument.objects.exists()


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_file_that_is_not_a_pdf_or_image_of_its_name_is_refused(
    as_user, coordinator, in_review, decision_media, case
):
    name, content, template = REFUSED[case]
    upload = SimpleUploadedFile(name, content, "application/pdf")

    response = as_user(coordinator).post(approve_url(in_review), approval(upload))

    message = expected_message(response.wsgi_request, name, template)
    assert_refused(response, in_review, decision_media, message)


def test_an_empty_file_is_refused(as_user, coordinator, in_review, decision_media):
    upload = SimpleUploadedFile("scan.pdf", b"", "application/pdf")

    response = as_user(coordinator).post(approve_url(in_review), approval(upload))

    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        # Django's own words for an empty upload.
        message = gettext("The submitted file is empty.")
    assert_refused(response, in_review, decision_media, message)


def test_a_file_over_the_limit_is_refused(
    as_user, coordinator, in_review, decision_media, settings
):
    settings.PLAN_DECISION_MAX_BYTES = len(PDF) - 1
    upload = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")

    response = as_user(coordinator).post(approve_url(in_review), approval(upload))

    message = limit_message(response.wsgi_request, len(PDF) - 1)
    assert_refused(response, in_review, decision_media, message)


def test_a_file_at_the_limit_is_accepted(as_user, coordinator, in_review, decision_media, settings):
    settings.PLAN_DECISION_MAX_BYTES = len(PDF)
    upload = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")

    response = as_user(coordinator).post(approve_url(in_review), approval(upload))

    assert response.status_code == 302
    assert PlanVersion.objects.get(pk=in_review.pk).status == "approved"
    assert len(stored_files(decision_media)) == 1


def test_the_approval_form_shows_the_limit(as_user, coordinator, in_review, settings):
    settings.PLAN_DECISION_MAX_BYTES = 5 * 1024 * 1024
    response = as_user(coordinator).get(approve_url(in_review))
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        limit = filesizeformat(5 * 1024 * 1024)
    assert limit in response.content.decode()


def test_approval_without_a_file_is_accepted(as_user, coordinator, in_review, decision_media):
    response = as_user(coordinator).post(approve_url(in_review), approval())
    assert response.status_code == 302
    version = PlanVersion.objects.get(pk=in_review.pk)
    assert (version.status, version.decision_file.name) == ("approved", "")
    assert stored_files(decision_media) == []


@pytest.mark.parametrize("role", ["leader", "donor"])
def test_only_a_coordinator_approves(request, as_user, in_review, decision_media, role):
    client = as_user(request.getfixturevalue(role))
    upload = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")

    response = client.post(approve_url(in_review), approval(upload))

    assert response.status_code == 403
    assert PlanVersion.objects.get(pk=in_review.pk).status == "in_review"
    assert stored_files(decision_media) == []


# --- downloading the scan -------------------------------------------------------------------


@pytest.fixture
def approved_with_scan(as_user, coordinator, in_review):
    upload = SimpleUploadedFile("Рішення №12.pdf", PDF, "application/pdf")
    response = as_user(coordinator).post(approve_url(in_review), approval(upload))
    assert response.status_code == 302
    return PlanVersion.objects.get(pk=in_review.pk)


@pytest.mark.parametrize("role", ["coordinator", "leader"])
def test_those_who_work_on_the_plan_download_the_signed_decision(
    request, as_user, approved_with_scan, role
):
    client = as_user(request.getfixturevalue(role))

    response = client.get(decision_url(approved_with_scan))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]  # the Ukrainian name
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_a_donor_may_not_download_the_signed_decision(as_user, donor, approved_with_scan):
    response = as_user(donor).get(decision_url(approved_with_scan))
    assert response.status_code == 403


def test_the_signed_decision_of_another_programme_is_not_found(
    as_user, other_coordinator, approved_with_scan
):
    response = as_user(other_coordinator).get(decision_url(approved_with_scan))
    assert response.status_code == 404


def test_a_version_without_a_scan_has_no_decision_to_download(
    as_user, coordinator, in_review, decision_media
):
    as_user(coordinator).post(approve_url(in_review), approval())
    response = as_user(coordinator).get(decision_url(in_review))
    assert response.status_code == 404
