"""The pages of the read API: a user's personal tokens (made, listed, revoked) and the API's
browsable documentation. Who may hold a token is decided in api/access.py."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from api.access import access_api_token, may_create_tokens
from api.forms import ApiTokenForm
from api.models import ApiToken
from api.services import api_token_create, api_token_revoke


@never_cache
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's tokens, and a form for a new one whose secret is shown on this response
    alone (never stored, never shown again)."""
    allowed = may_create_tokens(request.user)
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and allowed and form.is_valid():
        _token, secret = api_token_create(
            user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
        )
        form = ApiTokenForm()
    context = {
        "tokens": ApiToken.objects.visible_to(request.user),
        "form": form,
        "allowed": allowed,
        "secret": secret,
    }
    return render(request, "api/token_list.html", context)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = access_api_token(request.user, pk)
    api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("api:tokens")


def docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI over the schema, from our own static files (no CDN, no inline script)."""
    return render(request, "api/docs.html", {"schema_url": reverse("api-v1:openapi-json")})
