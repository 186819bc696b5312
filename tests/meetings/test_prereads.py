"""Pre-reads: checked by their content (not the name or the browser's word), stored privately
under a random name, served as attachments only to those who manage the meeting, and deleted
from disk when removed."""

import io
import re
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings.models import PreRead
from meetings.services import preread_add
from tests import bombs
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)


def zipped(**entries) -> bytes:
    """A zip such as every OOXML and ODF file is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name.replace("__", "/"), data)
    return buffer.getvalue()


ZIP = zipped(**{"[Content_Types].xml": "<Types/>", "word__document.xml": "<w:document/>"})
TEXT = "Порядок денний:\n1. Освітлення\n2. Укриття\n".encode()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

RANDOM_NAME = re.compile(r"^prereads/\d{4}/\d{2}/[0-9a-f]{32}\.[a-z]+$")


@pytest.fixture
def meeting(group):
    return MeetingFactory(group=group)


def upload_url(meeting):
    return reverse("meetings:preread_upload", args=[meeting.pk])


def stored_files(root):
    return sorted(path for path in root.rglob("*") if path.is_file())


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Проєкт рішення.pdf", PDF, "application/pdf"),
        ("схема.PNG", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("plan.docx", ZIP, DOCX),
        ("notes.txt", TEXT, "text/plain; charset=utf-8"),
        # A two-byte letter cut by the 2048-byte sniffing window is still text.
        ("long.txt", ("a" + "ї" * 1500).encode(), "text/plain; charset=utf-8"),
    ],
)
def test_a_valid_preread_is_stored_privately_under_a_random_name(
    as_user, leader, meeting, private_media, name, content, content_type
):
    # The browser's claimed type is ignored: the content decides.
    upload = SimpleUploadedFile(name, content, "application/octet-stream")
    response = as_user(leader).post(upload_url(meeting), {"file": upload})
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["success"]
    preread = PreRead.objects.get()
    assert (preread.meeting, preread.original_name, preread.size, preread.uploaded_by) == (
        meeting,
        name,
        len(content),
        leader,
    )
    assert preread.content_type == content_type
    assert RANDOM_NAME.match(preread.file.name), preread.file.name
    stem = name.rsplit(".", 1)[0]
    assert stem not in preread.file.name
    [path] = stored_files(private_media)
    assert path == private_media / preread.file.name
    assert path.read_bytes() == content


def test_two_uploads_of_the_same_name_get_different_files(meeting, private_media):
    first = preread_add(meeting=meeting, upload=SimpleUploadedFile("a.pdf", PDF))
    second = preread_add(meeting=meeting, upload=SimpleUploadedFile("a.pdf", PDF))
    assert first.file.name != second.file.name
    assert len(stored_files(private_media)) == 2


def test_a_path_in_the_name_is_dropped(meeting, private_media):
    preread = preread_add(meeting=meeting, upload=SimpleUploadedFile("../../etc/zvit.pdf", PDF))
    assert preread.original_name == "zvit.pdf"
    [path] = stored_files(private_media)
    assert path.is_relative_to(private_media)


REFUSED = {
    "executable": ("setup.exe", b"MZ\x90\x00" + bytes(60)),
    "html": ("page.html", b"<html><script>alert(1)</script></html>"),
    "svg": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "javascript": ("run.js", b"alert(1)"),
    "no_extension": ("README", TEXT),
    "png_named_pdf": ("zvit.pdf", PNG),
    "pdf_named_png": ("photo.png", PDF),
    "html_named_pdf": ("zvit.pdf", b"<html><body>%PDF-</body></html>"),
    "text_named_docx": ("plan.docx", TEXT),
    "exe_named_jpg": ("photo.jpg", b"MZ\x90\x00" + bytes(60)),
    "binary_named_txt": ("notes.txt", b"abc\x00\x01\x02"),
    "cp1251_txt": ("notes.txt", "Порядок денний".encode("cp1251")),
    "damaged_docx": ("plan.docx", b"PK\x03\x04\x14\x00\x06\x00" + bytes(30)),
    # 200 MB of zeros in 200 KB: passes the size limit, would fill the disk of whoever opens it.
    "zip_bomb_docx": ("plan.docx", bombs.zip_bomb("word/document.xml", 200)),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_file_of_the_wrong_type_is_refused_with_a_message(
    as_user, leader, meeting, private_media, case
):
    name, content = REFUSED[case]
    upload = SimpleUploadedFile(name, content, "application/pdf")
    response = as_user(leader).post(upload_url(meeting), {"file": upload})
    assert response.status_code == 302
    assert response.url == meeting.get_absolute_url()
    [(level, text)] = messages_of(response)
    assert level == "error"
    assert text.strip()
    assert not PreRead.objects.exists()
    assert stored_files(private_media) == []


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_service_refuses_the_wrong_type_with_a_message(meeting, private_media, case):
    name, content = REFUSED[case]
    with pytest.raises(ValidationError) as error:
        preread_add(meeting=meeting, upload=SimpleUploadedFile(name, content))
    assert error.value.messages[0].strip()
    assert not PreRead.objects.exists()
    assert stored_files(private_media) == []


def test_an_empty_file_is_refused(as_user, leader, meeting, private_media):
    response = as_user(leader).post(
        upload_url(meeting), {"file": SimpleUploadedFile("empty.pdf", b"")}
    )
    assert [level for level, _text in messages_of(response)] == ["error"]
    with pytest.raises(ValidationError):
        preread_add(meeting=meeting, upload=SimpleUploadedFile("empty.txt", b""))
    assert not PreRead.objects.exists()
    assert stored_files(private_media) == []


def test_a_missing_file_is_refused(as_user, leader, meeting, private_media):
    response = as_user(leader).post(upload_url(meeting), {})
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert not PreRead.objects.exists()


def test_a_file_over_the_size_limit_is_refused(as_user, leader, meeting, private_media, settings):
    settings.PREREAD_MAX_BYTES = len(PDF)
    client = as_user(leader)
    too_big = SimpleUploadedFile("big.pdf", PDF + b"x")
    response = client.post(upload_url(meeting), {"file": too_big})
    [(level, text)] = messages_of(response)
    assert (level, bool(text.strip())) == ("error", True)
    assert not PreRead.objects.exists()
    assert stored_files(private_media) == []
    # Exactly at the limit is fine.
    client.post(upload_url(meeting), {"file": SimpleUploadedFile("fits.pdf", PDF)})
    assert PreRead.objects.get().size == len(PDF)


@pytest.fixture
def preread(meeting, private_media):
    return preread_add(meeting=meeting, upload=SimpleUploadedFile("Проєкт рішення.pdf", PDF))


def download_url(preread):
    return reverse("meetings:preread_download", args=[preread.pk])


@pytest.mark.parametrize("role", ["leader", "coordinator", "admin_user"])
def test_a_preread_is_downloaded_as_an_attachment_with_its_original_name(
    request, as_user, preread, role
):
    response = as_user(request.getfixturevalue(role)).get(download_url(preread))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # The non-ASCII name travels RFC 5987-encoded.
    assert "filename*=utf-8''%D0%9F%D1%80%D0%BE%D1%94%D0%BA%D1%82" in disposition
    assert preread.file.name.rsplit("/", 1)[1] not in disposition
    assert "no-store" in response["Cache-Control"]


def test_an_ascii_name_is_given_as_is(as_user, leader, meeting, private_media):
    preread = preread_add(meeting=meeting, upload=SimpleUploadedFile("agenda.pdf", PDF))
    response = as_user(leader).get(download_url(preread))
    assert response["Content-Disposition"] == 'attachment; filename="agenda.pdf"'
    # Read to the end: the client then closes the file (never call close() by hand here: it
    # would close the test's database connection on PostgreSQL).
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("role", ["donor", "other_leader", "other_coordinator"])
def test_others_get_404_for_a_preread(request, as_user, preread, role):
    response = as_user(request.getfixturevalue(role)).get(download_url(preread))
    assert response.status_code == 404
    assert PDF not in response.content


def test_anonymous_visitors_are_sent_to_sign_in_for_a_preread(client, preread):
    response = client.get(download_url(preread))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_preread_whose_file_is_gone_is_404(as_user, leader, preread):
    preread.file.storage.delete(preread.file.name)
    assert as_user(leader).get(download_url(preread)).status_code == 404


def test_removing_a_preread_deletes_its_file(as_user, leader, preread, private_media):
    [path] = stored_files(private_media)
    url = reverse("meetings:preread_delete", args=[preread.pk])
    response = as_user(leader).post(url)
    assert response.url == preread.meeting.get_absolute_url()
    assert not PreRead.objects.exists()
    assert not path.exists()


@pytest.mark.parametrize("role", ["donor", "other_leader", "other_coordinator"])
def test_others_cannot_remove_a_preread(request, as_user, preread, private_media, role):
    url = reverse("meetings:preread_delete", args=[preread.pk])
    assert as_user(request.getfixturevalue(role)).post(url).status_code == 404
    assert PreRead.objects.get() == preread
    assert len(stored_files(private_media)) == 1


@pytest.mark.parametrize(("role", "status"), [("donor", 403), ("other_leader", 404)])
def test_others_cannot_upload(request, as_user, meeting, private_media, role, status):
    upload = SimpleUploadedFile("zvit.pdf", PDF)
    response = as_user(request.getfixturevalue(role)).post(upload_url(meeting), {"file": upload})
    assert response.status_code == status
    assert not PreRead.objects.exists()
    assert stored_files(private_media) == []
