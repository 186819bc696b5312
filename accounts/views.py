"""Access itself: invitations, the people with access to a programme, the invitation link, the
profile and the language switch. Who may manage access is decided in accounts/access.py."""

import contextlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts.access import (
    access_invitation,
    access_invitation_by_token,
    access_role_assignment,
    programmes_user_invites_to,
)
from accounts.forms import AcceptInvitationForm, InvitationForm
from accounts.models import Invitation
from accounts.services import (
    InvitationUnusable,
    invitation_accept,
    invitation_create,
    invitation_has_account,
    invitation_revoke,
    role_assignment_remove,
    user_set_language,
)


def invitation_list(request: HttpRequest) -> HttpResponse:
    programmes = programmes_user_invites_to(request.user)
    form = InvitationForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = invitation_create(invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("accounts:invitation_list")
    invitations = Invitation.objects.visible_to(request.user).select_related(
        "programme", "invited_by", "working_group"
    )[:200]
    context = {
        "form": form,
        "invitations": invitations,
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    return render(request, "accounts/invitation_list.html", context)


@require_POST
def invitation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = access_invitation(request.user, pk)
    try:
        invitation_revoke(invitation=invitation)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The invitation has been revoked."))
    return redirect("accounts:invitation_list")


@require_POST
def role_assignment_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = access_role_assignment(request.user, pk)
    try:
        role_assignment_remove(assignment=assignment)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("%(person)s no longer has access as %(role)s.")
            % {"person": assignment.user, "role": assignment.get_role_display()},
        )
    return redirect(assignment.programme)


INVITATION_SESSION_KEY = "invitation_token"


@login_not_required
def invitation_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: keeps the token in the session and moves on to a URL without it, so
    that access logs and Referer headers never carry a usable token."""
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("accounts:invitation_accept")


@login_not_required
@never_cache  # shows the invited person's email to someone not signed in yet
def invitation_accept_view(request: HttpRequest) -> HttpResponse:
    token = request.session.get(INVITATION_SESSION_KEY, "")
    try:
        invitation = access_invitation_by_token(token)
    except InvitationUnusable as unusable:
        return _invitation_unusable(request, unusable)
    user = request.user if request.user.is_authenticated else None
    wrong_account = user is not None and user.email.lower() != invitation.email.lower()
    has_account = invitation_has_account(invitation)
    form = None
    if not (has_account or wrong_account):
        form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and not wrong_account and (form is None or form.is_valid()):
        data = form.cleaned_data if form else {}
        try:
            account = invitation_accept(
                token=token,
                user=user,
                full_name=data.get("full_name", ""),
                password=data.get("password1", ""),
            )
        except InvitationUnusable as unusable:
            return _invitation_unusable(request, unusable)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            if user is None:
                login(request, account, backend="accounts.backends.ModelBackend")
            messages.success(request, _("Welcome to Cohesion."))
            return redirect("home")
    context = {
        "invitation": invitation,
        "form": form,
        "has_account": has_account,
        "wrong_account": wrong_account,
    }
    return render(request, "accounts/invitation_accept.html", context)


def _invitation_unusable(request: HttpRequest, unusable: InvitationUnusable) -> HttpResponse:
    request.session.pop(INVITATION_SESSION_KEY, None)
    return render(
        request, "accounts/invitation_unusable.html", {"reason": unusable.reason}, status=410
    )


def profile(request: HttpRequest) -> HttpResponse:
    assignments = request.user.role_assignments.select_related("programme")
    return render(request, "accounts/profile.html", {"assignments": assignments})


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered on the account of a signed-in user."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        # Django's view has already ignored an unknown language; so do we.
        with contextlib.suppress(ValidationError):
            user_set_language(user=request.user, language=language)
    return response
