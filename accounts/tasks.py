"""The invitation email: an outbox job (cohesion/outbox.py), recorded with the invitation and
sent by a worker, again after a failure, and by the sweep when the broker was down."""

from django.conf import settings
from django.urls import reverse

from accounts.models import Invitation, User, hash_token
from cohesion import mail, outbox


@outbox.job
def send_invitation_email(invitation_id: int) -> None:
    """Emails an invitation link; does nothing if the invitation is gone or no longer pending."""
    invitation = (
        Invitation.objects.select_related("programme", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        return
    if not invitation.token_nonce:
        return  # made before links were derived: its email went out with the invitation
    token = Invitation.token_for(invitation.token_nonce)
    if hash_token(token) != invitation.token_hash:
        # SECRET_KEY was rotated since the invitation was made: the link it would have had
        # cannot be derived any more, and it was never sent, so this one replaces it.
        Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token(token))
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
