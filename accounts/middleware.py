from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.roles import user_roles

# Paths a staff user without a second factor may still reach: sign-in, sign-out and the MFA
# pages (all under /accounts/), the language switch, the health check and static files.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/health/", "/static/", "/join/", "/p/")


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class RequireStaffMFAMiddleware:
    """Coordinators and administrators without TOTP are sent to set it up before any data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up(request):
            url = reverse("mfa_activate_totp")
            if getattr(request, "htmx", False):
                return HttpResponse(status=204, headers={"HX-Redirect": url})
            messages.warning(
                request,
                _("Your role gives access to personal data: set up an authenticator app first."),
            )
            return redirect(url)
        return self.get_response(request)

    @staticmethod
    def _must_set_up(request) -> bool:
        if not settings.MFA_REQUIRED_FOR_STAFF:
            return False
        if request.path.startswith(MFA_EXEMPT_PREFIXES):
            return False
        user = request.user
        if not user.is_authenticated:
            return False
        roles = user_roles(user)
        return roles.needs_mfa and not roles.has_totp


class DefaultLanguageMiddleware(LocaleMiddleware):
    """Ukrainian unless the visitor chose otherwise: the language cookie set by the switcher,
    never the browser's Accept-Language, which on shared and donated machines is often English."""

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
