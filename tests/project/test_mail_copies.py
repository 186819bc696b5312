"""An email built once for many recipients (cohesion.mail.copy_for) is flattened once: each
copy's bytes are the original's with the recipient's values put in. What a recipient gets must
be what flattening their copy anew would give: the same headers, parts and attachments, their
own address, link and message id; and where the values cannot simply be put in, the copy is
flattened as any email."""

import email
from email import policy

import pytest
from django.core.mail import EmailMultiAlternatives

from cohesion.mail import PreparedCopy, copy_for

LINK = "https://recipient.invalid/unsubscribe"
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def original(body_line: str = "Зустріч групи у четвер о 18:00.") -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject="Зустріч робочої групи: Баранівська громада",
        body=f"{body_line}\n\nВідписатися: {LINK}\n",
        from_email="Cohesion <noreply@cohesion.example>",
        to=[],
    )
    message.attach_alternative(
        f'<p>{body_line}</p><p><a href="{LINK}">Відписатися</a></p>', "text/html"
    )
    message.attach("meeting.ics", ICS, "text/calendar")
    return message


def copy(message, address: str, link: str):
    headers = {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    return copy_for(message, to=[address], headers=headers, replace={LINK: link})


def sent(message) -> email.message.EmailMessage:
    # What Django's SMTP backend sends.
    return email.message_from_bytes(
        message.message().as_bytes(linesep="\r\n"), policy=policy.default
    )


def _plain_copy(message):
    """The copy as an ordinary email, which is flattened anew."""
    plain = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=message.from_email,
        to=message.to,
        headers=message.extra_headers,
        attachments=list(message.attachments),
    )
    for content, mimetype in message.alternatives:
        plain.attach_alternative(content, mimetype)
    return plain


def parts(parsed) -> list[tuple[str, bytes]]:
    return [
        (part.get_content_type(), part.get_payload(decode=True))
        for part in parsed.walk()
        if not part.is_multipart()
    ]


HEADERS = ["Subject", "From", "To", "List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted"]


def assert_same(message):
    got, expected = sent(message), sent(_plain_copy(message))
    for name in HEADERS:
        # Folded where a long header line allows it, or not: the same value.
        assert str(got[name]).strip() == str(expected[name]).strip(), name
    assert got["Message-ID"] and got["Date"]
    assert parts(got) == parts(expected)


def test_a_copy_is_what_flattening_it_anew_gives():
    message = original()
    link = "https://cohesion.example/unsubscribe/eyJlIjoib2xlbmFAZXhhbXBsZS5vcmcifQ:1abc/"
    first = copy(message, "olena@example.org", link)
    assert first._from_flattened() is not None  # put in, not flattened anew
    assert_same(first)
    received = sent(first)
    assert received["To"] == "olena@example.org"
    assert received["List-Unsubscribe"] == f"<{link}>"
    text = dict(parts(received))
    assert link.encode() in text["text/plain"] and link.encode() in text["text/html"]
    assert b"recipient.invalid" not in first.message().as_bytes()


def test_each_copy_has_its_own_address_link_and_message_id():
    message = original()
    olena = copy(message, "olena@example.org", "https://cohesion.example/u/olena/")
    taras = copy(message, "taras@example.org", "https://cohesion.example/u/taras/")
    a, b = sent(olena), sent(taras)
    assert a["Message-ID"] != b["Message-ID"]
    assert (a["To"], b["To"]) == ("olena@example.org", "taras@example.org")
    assert b"taras" not in olena.message().as_bytes()
    assert b"olena" not in taras.message().as_bytes()


@pytest.mark.parametrize(
    ("address", "link", "body_line"),
    [
        # A link the HTML must escape.
        ("olena@example.org", "https://cohesion.example/u/?a=1&b=2", "Зустріч."),
        # An address that must be encoded.
        ("олена@приклад.укр", "https://cohesion.example/u/olena/", "Зустріч."),
        # A line longer than SMTP allows, which the MIME encoding wraps.
        ("olena@example.org", "https://cohesion.example/u/olena/", "Дуже довгий рядок " * 80),
        # A value that would inject a header.
        ("olena@example.org", "https://cohesion.example/u/\r\nBcc: eve@example.org", "Зустріч."),
    ],
)
def test_what_cannot_simply_be_put_in_is_flattened_as_any_email(address, link, body_line):
    message = copy(original(body_line), address, link)
    assert isinstance(message, PreparedCopy)
    assert message._from_flattened() is None
    if "\r\n" in link:
        with pytest.raises(ValueError):  # Django refuses it, as for any email
            message.message()
        return
    assert_same(message)
