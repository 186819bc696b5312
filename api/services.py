"""Personal API tokens: made, revoked and checked here."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction

from api.access import may_create_tokens
from api.models import ApiToken, hash_secret
from cohesion import clock

# last_used_at is written at most this often per token: an aggregator's crawl of a thousand
# pages costs one write, not a thousand.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


@transaction.atomic
def api_token_create(
    *, user, name: str, expires_at: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for the user and its secret, which is never stored and never shown again.
    Staff who must use a second factor and have not set it up get none (PermissionDenied)."""
    if not may_create_tokens(user):
        raise PermissionDenied
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        secret_hash=hash_secret(secret),
        prefix=secret[:12],
        created_at=clock.now(),
        expires_at=expires_at,
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    """The token stops working at once; it stays listed as revoked."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The usable token with this secret, its holder active and still allowed tokens (None
    otherwise): staff who removed their second factor since, or were given a staff role
    without one, are refused as the site refuses them. One query (with the holder's roles
    and, for staff, their second factor), and an update of last_used_at when the last one is
    older than LAST_USED_RESOLUTION."""
    if not secret:
        return None
    now = clock.now()
    token = (
        ApiToken.objects.usable(now)
        .filter(secret_hash=hash_secret(secret), user__is_active=True)
        .select_related("user")
        .first()
    )
    if token is None or not may_create_tokens(token.user):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
