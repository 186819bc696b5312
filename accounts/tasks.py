from celery import shared_task
from django.conf import settings
from django.urls import reverse

from accounts.models import Invitation, User
from cohesion import mail


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
    context = {
        "invitation": invitation,
        "url": settings.SITE_URL.rstrip("/") + reverse("accounts:invitation_link", args=[token]),
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    # Someone invited to a further role has an account, and chose its language; someone new
    # has chosen none yet (the inviter's language says nothing about theirs).
    language = (
        User.objects.filter(email__iexact=invitation.email)
        .values_list("language", flat=True)
        .first()
    )
    mail.send("invitation", context, to=[invitation.email], language=language)
