"""The answer's document: a PDF, JPEG or PNG whose content matches its name, at most
RECOMMENDATION_ANSWER_MAX_BYTES; anything else is refused with a message saying what to do,
and nothing is changed (neither the answer nor the disk)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recommendations.models import Answer
from tests.recommendations.conftest import PDF, D, at

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _in_english(leader):
    leader.language = "en"
    leader.save(update_fields=["language"])


def post_answer(client, recommendation, upload):
    return client.post(
        reverse("recommendations:answer", args=[recommendation.pk]),
        {"outcome": "rejected", "received_on": "2024-04-03", "document": upload},
    )


def files(root):
    return sorted(str(path) for path in root.rglob("*") if path.is_file())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vidpovid.exe", b"MZ\x90\x00", "Upload the answer as a PDF, JPEG or PNG file."),
        ("vidpovid.docx", b"PK\x03\x04", "Upload the answer as a PDF, JPEG or PNG file."),
        ("vidpovid.pdf", b"MZ\x90\x00 not a pdf", "does not match its type"),
        ("vidpovid.png", PDF, "does not match its type"),
        ("vidpovid.pdf", b"", "file is empty."),
    ],
)
def test_a_document_of_the_wrong_type_is_refused_and_nothing_changes(
    as_user, leader, recommendation, answer_media, name, content, message
):
    before = (
        Answer.objects.values_list("outcome", "received_on", "document").get(),
        files(answer_media),
    )
    response = post_answer(as_user(leader), recommendation, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in response.text
    after = (
        Answer.objects.values_list("outcome", "received_on", "document").get(),
        files(answer_media),
    )
    assert after == before


def test_a_document_too_large_is_refused_with_the_limit_and_nothing_changes(
    as_user, leader, recommendation, answer_media, settings
):
    settings.RECOMMENDATION_ANSWER_MAX_BYTES = 1024
    before = (Answer.objects.values_list("outcome", "document").get(), files(answer_media))
    upload = SimpleUploadedFile("vidpovid.pdf", PDF + b"0" * 2048)
    response = post_answer(as_user(leader), recommendation, upload)
    assert response.status_code == 400
    assert "The file is larger than 1.0" in response.text
    assert (Answer.objects.values_list("outcome", "document").get(), files(answer_media)) == before


def test_a_new_document_replaces_the_old_one_on_the_disk(
    as_user, leader, recommendation, answer_media, django_capture_on_commit_callbacks
):
    old = files(answer_media)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_answer(as_user(leader), recommendation, SimpleUploadedFile("skan.png", PNG))
    assert response.status_code == 302
    answer = Answer.objects.get()
    assert (answer.document_name, answer.document_type) == ("skan.png", "image/png")
    assert len(files(answer_media)) == 1
    assert files(answer_media) != old


def test_an_answer_without_a_document_keeps_the_one_it_had(
    as_user, leader, recommendation, time_machine
):
    time_machine.move_to(at(D(2024, 4, 10)), tick=False)
    document = Answer.objects.get().document.name
    response = post_answer(as_user(leader), recommendation, "")
    assert response.status_code == 302
    assert Answer.objects.get().document.name == document
    assert Answer.objects.get().outcome == "rejected"
