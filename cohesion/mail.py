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

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
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
    `headers` and each placeholder of `replace` put in its value (escaped in the HTML)."""

    def text(body: str, escaped: bool = False) -> str:
        for placeholder, value in replace.items():
            if escaped:
                placeholder, value = escape(placeholder), escape(value)
            body = body.replace(placeholder, value)
        return body

    copy = EmailMultiAlternatives(
        subject=message.subject,
        body=text(message.body),
        from_email=message.from_email,
        to=to,
        headers={**message.extra_headers, **headers},
        attachments=list(message.attachments),
    )
    for content, mimetype in message.alternatives:
        copy.attach_alternative(text(content, escaped=mimetype == "text/html"), mimetype)
    return copy


def send(name: str, context: dict, *, to: list[str], language: str | None, **options) -> None:
    """Builds the email (see build) and sends it."""
    build(name, context, to=to, language=language, **options).send()
