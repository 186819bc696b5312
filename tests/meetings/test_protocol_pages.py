"""The protocol on the meeting's page: the leader or a coordinator asks for a version, the
page polls its status and offers the download, says when the record changed since the latest
version; and the signed scan attached back, checked by its content, replaced, served only to
those who manage the meeting. Who else is refused: test_meeting_access."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings import protocols
from meetings.models import Protocol, SignedProtocol
from meetings.protocols import protocol_request
from meetings.services import meeting_log
from meetings.tasks import render_protocol
from tests.factories import MeetingFactory
from tests.meetings import test_protocol_pdf as pdf_tests
from tests.meetings.test_protocol_pdf import DECISIONS, JPEG, MINUTES, PNG, STUB_PDF, rendered

pytestmark = pytest.mark.django_db

# The recorded meeting and the stand-in for WeasyPrint of the PDF's tests.
held = pdf_tests.held
stub_pdf = pdf_tests.stub_pdf


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


# --- the meeting's page -----------------------------------------------------------------------


def request_url(meeting):
    return reverse("meetings:protocol_request", args=[meeting.pk])


def test_the_leader_asks_for_a_protocol_and_the_page_polls_it(as_user, leader, held, stub_pdf):
    client = as_user(leader)
    response = client.post(request_url(held), {"languages": "uk_en"})
    assert response.status_code == 302
    assert response.url == held.get_absolute_url() + "#protocol"
    assert messages_of(response) == [("success", "Протокол готується.")]
    protocol = Protocol.objects.get()
    assert (protocol.languages, protocol.requested_by, protocol.version) == ("uk_en", leader, 1)
    page = client.get(held.get_absolute_url())
    status_url = reverse("meetings:protocol_status", args=[protocol.pk])
    assert f'hx-get="{status_url}"' in page.text
    assert "У черзі 0%" in client.get(status_url).text  # "Waiting": in the catalogue
    render_protocol(protocol.pk)
    fragment = client.get(status_url)
    assert "hx-get" not in fragment.text
    assert reverse("meetings:protocol_download", args=[protocol.pk]) in fragment.text
    assert "no-store" in fragment["Cache-Control"]
    download = client.get(reverse("meetings:protocol_download", args=[protocol.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == STUB_PDF
    assert "attachment" in download["Content-Disposition"]


def test_a_version_not_ready_is_not_downloaded(as_user, leader, held):
    protocol = protocol_request(meeting=held, languages="uk")
    url = reverse("meetings:protocol_download", args=[protocol.pk])
    assert as_user(leader).get(url).status_code == 404


def test_the_page_says_when_the_record_changed_and_a_new_request_makes_version_2(
    as_user, coordinator, held, stub_pdf
):
    client = as_user(coordinator)
    first = rendered(held)
    assert "data-record-changed" not in client.get(held.get_absolute_url()).text
    members = {m.person.full_name: m for m in held.group.memberships.select_related("person")}
    meeting_log(
        meeting=held,
        attendance={m.pk: "present" for m in members.values()},
        guests={},
        minutes=MINUTES,
        decisions=[*DECISIONS, "Третє рішення"],
        new_actions=[],
    )
    page = client.get(held.get_absolute_url())
    assert "data-record-changed" in page.text
    client.post(request_url(held), {"languages": "uk"})
    second = Protocol.objects.exclude(pk=first.pk).get()
    assert (second.version, second.requested_by) == (2, coordinator)
    render_protocol(second.pk)
    page = client.get(held.get_absolute_url())
    assert "data-record-changed" not in page.text
    assert [p.version for p in page.context["protocols"]] == [2, 1]


@pytest.mark.parametrize("data", [{}, {"languages": "fr"}, {"languages": ""}])
def test_an_odd_language_changes_nothing_and_says_so(as_user, leader, held, data):
    response = as_user(leader).post(request_url(held), data)
    assert response.status_code == 302
    assert messages_of(response) == [("error", "Оберіть мову протоколу.")]
    assert not Protocol.objects.exists()


def test_asking_for_a_planned_meetings_protocol_changes_nothing(as_user, leader, group):
    planned = MeetingFactory(group=group)
    response = as_user(leader).post(request_url(planned), {"languages": "uk"})
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert not Protocol.objects.exists()


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_meeting_page_query_count_is_the_same_for_1_and_many_versions(
    as_user, leader, held, stub_pdf
):
    client = as_user(leader)
    url = held.get_absolute_url()
    rendered(held)
    protocols.signed_protocol_attach(meeting=held, upload=SimpleUploadedFile("s.png", PNG))
    client.get(url)
    one = queries(client, url)
    for _ in range(7):
        rendered(held)
    assert held.protocols.count() == 8
    assert queries(client, url) == one
    assert len(client.get(url).context["protocols"]) == 5


# --- the signed scan --------------------------------------------------------------------------


def upload_url(meeting):
    return reverse("meetings:signed_protocol_upload", args=[meeting.pk])


def stored(root):
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Протокол підписаний.pdf", STUB_PDF, "application/pdf"),
        ("scan.JPG", JPEG, "image/jpeg"),
        ("scan.png", PNG, "image/png"),
    ],
)
def test_the_signed_scan_is_stored_privately_and_listed(
    as_user, leader, held, private_media, name, content, content_type
):
    client = as_user(leader)
    upload = SimpleUploadedFile(name, content, "application/octet-stream")
    response = client.post(upload_url(held), {"file": upload})
    assert messages_of(response) == [("success", "Підписаний протокол додано.")]
    scan = SignedProtocol.objects.get()
    assert (scan.meeting, scan.original_name, scan.content_type) == (held, name, content_type)
    assert (scan.size, scan.uploaded_by) == (len(content), leader)
    assert scan.uploaded_at is not None
    [path] = stored(private_media)
    assert path == private_media / scan.file.name
    assert name.rsplit(".", 1)[0] not in scan.file.name
    page = client.get(held.get_absolute_url())
    assert name in page.text
    download = client.get(reverse("meetings:signed_protocol_download", args=[scan.pk]))
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == content_type
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_new_scan_replaces_the_old_one_and_its_file(
    as_user, leader, coordinator, held, private_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        as_user(leader).post(upload_url(held), {"file": SimpleUploadedFile("a.pdf", STUB_PDF)})
    first = SignedProtocol.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        as_user(coordinator).post(upload_url(held), {"file": SimpleUploadedFile("b.png", PNG)})
    scan = SignedProtocol.objects.get()
    assert scan.pk == first.pk
    assert (scan.original_name, scan.uploaded_by) == ("b.png", coordinator)
    assert stored(private_media) == [private_media / scan.file.name]


REFUSED = {
    "word": ("protocol.docx", b"PK\x03\x04" + bytes(40)),
    "exe_named_pdf": ("protocol.pdf", b"MZ\x90\x00" + bytes(60)),
    "exe_named_png": ("scan.png", b"MZ\x90\x00" + bytes(60)),
    "pdf_named_jpg": ("scan.jpg", STUB_PDF),
    "html_named_pdf": ("scan.pdf", b"<html><body>%PDF-</body></html>"),
    "no_extension": ("scan", STUB_PDF),
    "empty": ("scan.pdf", b""),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_scan_changes_nothing_and_says_why(as_user, leader, held, private_media, case):
    client = as_user(leader)
    client.post(upload_url(held), {"file": SimpleUploadedFile("old.pdf", STUB_PDF)})
    before = (list(SignedProtocol.objects.values()), stored(private_media))
    name, content = REFUSED[case]
    response = client.post(upload_url(held), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302
    [(level, text)] = messages_of(response)[1:]
    assert level == "error" and text
    assert (list(SignedProtocol.objects.values()), stored(private_media)) == before


def test_a_scan_too_big_is_refused(as_user, leader, held, private_media, settings):
    settings.PROTOCOL_SCAN_MAX_BYTES = 1000
    big = SimpleUploadedFile("scan.pdf", STUB_PDF + bytes(1000))
    response = as_user(leader).post(upload_url(held), {"file": big})
    assert messages_of(response) == [("error", "Файл більший за 1000\xa0байтів.")]
    assert not SignedProtocol.objects.exists()
    assert stored(private_media) == []


def test_no_file_is_refused(as_user, leader, held):
    response = as_user(leader).post(upload_url(held), {})
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert not SignedProtocol.objects.exists()


def test_a_planned_meeting_takes_no_signed_protocol(as_user, leader, group, private_media):
    planned = MeetingFactory(group=group)
    as_user(leader).post(upload_url(planned), {"file": SimpleUploadedFile("s.pdf", STUB_PDF)})
    assert not SignedProtocol.objects.exists()
    assert stored(private_media) == []
