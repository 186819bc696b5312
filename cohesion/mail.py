"""Emails, built one way, in the recipient's language.

An email named `name` is three templates: templates/emails/<name>_subject.txt,
<name>_body.txt and <name>_body.html, all rendered with the recipient's language active.

The language is the recipient's choice (their account's language, or the language an applicant
used on the public form), else settings.LANGUAGE_CODE; a choice the site does not offer counts
as none (recipient_language). A caller passes the choice as it is stored, empty or not.

The subject and the text body are plain text, rendered without HTML escaping (a name with an
apostrophe or an ampersand stays as typed); the subject is one line. The HTML body is escaped
as every page is.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import DNS_NAME, make_msgid
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.html import escape

# (file name, content, MIME type), as EmailMessage.attach takes them.
Attachment = tuple[str, bytes | str, str]


def recipient_language(choice: str | None) -> str:
    """The language to write to someone in: their choice if the site offers it, else
    settings.LANGUAGE_CODE."""
    if choice:
        try:
            return translation.get_supported_language_variant(choice)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


def _plain(template_name: str, context: dict) -> str:
    # The backend's Template.render would escape with the engine's autoescape setting.
    return get_template(template_name).template.render(Context(context, autoescape=False))


def build(
    name: str,
    context: dict,
    *,
    to: list[str],
    language: str | None,
    headers: dict[str, str] | None = None,
    attachments: Iterable[Attachment] | Callable[[], Iterable[Attachment]] = (),
) -> EmailMultiAlternatives:
    """The email `name` to `to`, in `language` (the recipient's choice, see
    recipient_language), with extra headers and attachments. `attachments` may be a function
    returning them: it is called with the recipient's language active, for an attachment
    with text of its own (a calendar invitation's description, say)."""
    template = f"emails/{name}"
    with translation.override(recipient_language(language)):
        message = EmailMultiAlternatives(
            subject=" ".join(_plain(f"{template}_subject.txt", context).split()),
            body=_plain(f"{template}_body.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
            headers=headers,
        )
        message.attach_alternative(render_to_string(f"{template}_body.html", context), "text/html")
        for filename, content, mimetype in attachments() if callable(attachments) else attachments:
            message.attach(filename, content, mimetype)
    return message


def copy_for(
    message: EmailMultiAlternatives, *, to: list[str], headers: dict, replace: dict[str, str]
) -> EmailMultiAlternatives:
    """A copy of an email built once for many recipients, addressed to `to`, with their own
    `headers` and each placeholder of `replace` put in its value (escaped in the HTML). Its
    MIME form is the original's, flattened once, with the recipient's values put in the bytes
    (see PreparedCopy): flattening each copy anew was the larger part of a reminder's cost."""

    def text(body: str, escaped: bool = False) -> str:
        for placeholder, value in replace.items():
            if escaped:
                placeholder, value = escape(placeholder), escape(value)
            body = body.replace(placeholder, value)
        return body

    copy = PreparedCopy(
        subject=message.subject,
        body=text(message.body),
        from_email=message.from_email,
        to=to,
        headers={**message.extra_headers, **headers},
        attachments=list(message.attachments),
    )
    for content, mimetype in message.alternatives:
        copy.attach_alternative(text(content, escaped=mimetype == "text/html"), mimetype)
    copy.prepared = (message, dict(headers), dict(replace))
    return copy


# Where a recipient's own values go in an email flattened once for many (PreparedCopy).
_STAND_IN_TO = "recipient@recipient.invalid"
_STAND_IN_ID = "<message-id@recipient.invalid>"
_STAND_IN_DATE = "date.recipient.invalid"


def _stand_in_header(index: int) -> str:
    return f"header-{index}.recipient.invalid"


class PreparedCopy(EmailMultiAlternatives):
    """A copy_for() copy. Its attributes are the recipient's, as any email's; its MIME form is
    the original's flattened once (kept on the original, with stand-ins for the recipient's
    address, headers, message id, date and placeholders) and the recipient's values put in its
    bytes. When that could change more than the values (an address or value that would need
    encoding, a body the MIME encoding wraps or encodes), the copy is flattened as any email."""

    prepared: tuple | None = None

    def message(self):
        raw = self._from_flattened()
        return _Flattened(raw) if raw is not None else super().message()

    def _from_flattened(self) -> bytes | None:
        if self.prepared is None or len(self.to) != 1 or self.cc or self.bcc:
            return None
        original, headers, replace = self.prepared
        values = {
            _STAND_IN_TO: self.to[0],
            _STAND_IN_ID: make_msgid(domain=DNS_NAME),
            _STAND_IN_DATE: formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
        }
        for index, value in enumerate(headers.values()):
            values[_stand_in_header(index)] = value
        for placeholder, value in replace.items():
            if escape(value) != value:  # would read otherwise in the HTML
                return None
            values[placeholder] = value
        if not all(value.isascii() and value.isprintable() for value in values.values()):
            return None
        flattened = _flattened(original, tuple(headers), tuple(replace))
        if flattened is None:
            return None
        # In one pass: a value is never searched for stand-ins itself.
        found = re.compile(b"|".join(re.escape(stand_in.encode()) for stand_in in values))
        return found.sub(lambda match: values[match.group().decode()].encode(), flattened)


def _flattened(original: EmailMultiAlternatives, header_names: tuple, placeholders: tuple):
    """The original's bytes with stand-ins, flattened once and kept on it; None when a
    stand-in does not come out verbatim, as often as it was put in."""
    kept = original.__dict__.setdefault("_flattened", {})
    key = (header_names, placeholders)
    if key not in kept:
        stand_ins = {name: _stand_in_header(i) for i, name in enumerate(header_names)}
        template = EmailMultiAlternatives(
            subject=original.subject,
            body=original.body,
            from_email=original.from_email,
            to=[_STAND_IN_TO],
            headers={
                **original.extra_headers,
                **stand_ins,
                "Date": _STAND_IN_DATE,
                "Message-ID": _STAND_IN_ID,
            },
            attachments=list(original.attachments),
        )
        for content, mimetype in original.alternatives:
            template.attach_alternative(content, mimetype)
        raw = template.message().as_bytes(linesep="\r\n")
        expected = {
            _STAND_IN_TO: 1,
            _STAND_IN_ID: 1,
            _STAND_IN_DATE: 1,
            **{stand_in: 1 for stand_in in stand_ins.values()},
        }
        for placeholder in placeholders:
            expected[placeholder] = original.body.count(placeholder) + sum(
                content.count(escape(placeholder)) for content, _type in original.alternatives
            )
        intact = all(raw.count(s.encode()) == n for s, n in expected.items())
        kept[key] = raw if intact else None
    return kept[key]


class _Flattened:
    """An email's bytes, as Django's mail backends ask for them (`as_bytes`); anything else
    is asked of the parsed message."""

    def __init__(self, raw: bytes):
        self.raw = raw

    def as_bytes(self, unixfrom=False, linesep="\n") -> bytes:
        return self.raw if linesep == "\r\n" else self.raw.replace(b"\r\n", linesep.encode())

    def as_string(self, unixfrom=False, linesep="\n") -> str:
        return self.as_bytes(linesep=linesep).decode("utf-8", errors="replace")

    def __getattr__(self, name):
        import email

        return getattr(email.message_from_bytes(self.raw), name)


def send(name: str, context: dict, *, to: list[str], language: str | None, **options) -> None:
    """Builds the email (see build) and sends it."""
    build(name, context, to=to, language=language, **options).send()


def send_each(connection, messages: Iterable[tuple]) -> Iterator[tuple]:
    """Sends (key, email) pairs over an open `connection`, yielding (key, error or None) for
    each as soon as its fate is known and before the next one goes, so that a caller can
    record each as sent first. The SMTP backend (cohesion.smtp) pipelines the next one's
    commands behind each; any other backend sends them one at a time. Ends early after an
    error that lost the connection: the caller reconnects and goes on with the rest."""
    pipelined = getattr(connection, "send_each", None)
    if pipelined is not None:
        yield from pipelined(messages)
        return
    for key, message in messages:
        message.connection = connection
        try:
            message.send()
        except Exception as error:  # the caller tells the transient from the lasting
            yield key, error
        else:
            yield key, None
