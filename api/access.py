"""Who may hold and revoke API tokens. What a token reads is decided by each app's access
module, for the token's holder, exactly as for their pages."""

from django.conf import settings
from django.shortcuts import get_object_or_404

from accounts.roles import user_roles
from api.models import ApiToken
from cohesion.access import access_function


@access_function
def access_api_token(user, pk: int) -> ApiToken:
    """One of the user's own tokens (404 for anyone else's, administrators' included)."""
    return get_object_or_404(ApiToken.objects.visible_to(user), pk=pk)


def may_create_tokens(user) -> bool:
    """Anyone signed in, but staff (who read personal data) only with a second factor set up,
    as the site asks of them (accounts.middleware.RequireStaffMFAMiddleware)."""
    if not user.is_authenticated:
        return False
    roles = user_roles(user)
    return not settings.MFA_REQUIRED_FOR_STAFF or not roles.needs_mfa or roles.has_totp
