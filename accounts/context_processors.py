from django.conf import settings
from django.utils.functional import SimpleLazyObject

from accounts.roles import user_roles


def roles(request):
    """`roles` for navigation; lazy so that pages which never show it run no query."""
    user = getattr(request, "user", None)
    return {
        "roles": SimpleLazyObject(lambda: user_roles(user)) if user is not None else None,
        "mfa_required": settings.MFA_REQUIRED_FOR_STAFF,
    }
