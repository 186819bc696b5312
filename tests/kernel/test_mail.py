"""Emails are built one way (cohesion.mail): three templates rendered in the recipient's
language, which is their choice, else the site's; plain-text parts are not HTML-escaped."""

import pytest
from django.utils import translation

from cohesion import mail


def declined(language, **options):
    context = {"name": "Ann O'Neil & Co", "programme": "Safe Hromada", "reason": "Full."}
    return mail.build("application_declined", context, to=["ann@example.org"],
                      language=language, **options)  # fmt: skip


@pytest.mark.parametrize(
    ("choice", "language"),
    [("en", "en"), ("uk", "uk"), ("en-gb", "en"), ("", "uk"), (None, "uk"), ("de", "uk")],
)
def test_the_recipients_choice_counts_if_the_site_offers_it_else_the_sites_language(
    choice, language
):
    assert mail.recipient_language(choice) == language


def test_an_email_is_written_in_the_recipients_language_whatever_is_active():
    with translation.override("uk"):
        english = declined("en")
    with translation.override("en"):
        ukrainian = declined("")
    assert english.subject == "Your application: Safe Hromada"
    assert english.body.startswith("Dear Ann O'Neil & Co,")
    assert ukrainian.subject.startswith("Ваша заявка")
    assert "Safe Hromada" in ukrainian.alternatives[0][0]


def test_subject_and_text_body_keep_what_was_typed_and_the_html_body_escapes_it():
    message = declined("en")
    assert "Ann O'Neil & Co" in message.body
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert "Ann O&#x27;Neil &amp; Co" in html
    assert "O'Neil" not in html


def test_the_subject_is_one_line():
    message = mail.build("application_declined",
                         {"name": "A", "programme": "Safe\nHromada  2025", "reason": ""},
                         to=["a@example.org"], language="en")  # fmt: skip
    assert message.subject == "Your application: Safe Hromada 2025"


def test_headers_and_attachments_are_added_and_attachments_are_made_in_its_language(settings):
    message = declined(
        "en",
        headers={"Auto-Submitted": "auto-generated"},
        attachments=lambda: [("language.txt", translation.get_language(), "text/plain")],
    )
    assert message.extra_headers == {"Auto-Submitted": "auto-generated"}
    assert message.attachments == [("language.txt", "en", "text/plain")]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.to == ["ann@example.org"]


def test_send_delivers_the_built_email(mailoutbox):
    mail.send("application_declined", {"name": "A", "programme": "P", "reason": "R"},
              to=["a@example.org"], language="en")  # fmt: skip
    assert [m.subject for m in mailoutbox] == ["Your application: P"]
