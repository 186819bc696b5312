from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Invitation


@shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def send_invitation_email(invitation_id: int, token: str) -> None:
    """Emails an invitation link; does nothing if the invitation is gone or no longer pending."""
    invitation = (
        Invitation.objects.select_related("programme", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        return
    language = (invitation.invited_by and invitation.invited_by.language) or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "invitation": invitation,
            "url": settings.SITE_URL.rstrip("/")
            + reverse("accounts:invitation_link", args=[token]),
            "valid_days": settings.INVITATION_VALID_DAYS,
        }
        subject = render_to_string("emails/invitation_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/invitation_body.txt", context),
            to=[invitation.email],
        )
        message.attach_alternative(
            render_to_string("emails/invitation_body.html", context), "text/html"
        )
        message.send()
