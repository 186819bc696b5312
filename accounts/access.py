"""Who may manage access: invitations and role assignments, and the invitation link itself."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.models import Invitation, RoleAssignment
from accounts.roles import user_roles
from accounts.services import invitation_for_token
from cohesion.access import access_function
from communities.models import Programme


@access_function
def access_invitation(user, pk: int) -> Invitation:
    """An invitation to a programme the user coordinates (404 otherwise)."""
    return get_object_or_404(Invitation.objects.visible_to(user), pk=pk)


@access_function
def access_role_assignment(user, pk: int) -> RoleAssignment:
    """Someone's access to a programme the user coordinates (404 otherwise)."""
    return get_object_or_404(
        RoleAssignment.objects.visible_to(user).select_related("user", "programme"), pk=pk
    )


@access_function
def access_invitation_by_token(token: str) -> Invitation:
    """The invitation behind an emailed link: the token is the key (InvitationUnusable says
    why it cannot be used: unknown, used, revoked or expired)."""
    return invitation_for_token(token)


def may_invite_to(user, programme) -> bool:
    """People are invited to a programme by its coordinators."""
    return user_roles(user).coordinates(programme.pk)


def starts_on_groups(user) -> bool:
    """A leader's work is their group: someone who only leads lands on their groups, everyone
    else on their programmes."""
    roles = user_roles(user)
    return roles.is_leader and not (roles.is_coordinator or roles.is_donor)


def programmes_user_invites_to(user):
    """The programmes the user may invite people to: those they coordinate (403 for anyone
    who coordinates none)."""
    roles = user_roles(user)
    if not roles.is_coordinator:
        raise PermissionDenied
    programmes = Programme.objects.visible_to(user)
    if not roles.is_admin:
        programmes = programmes.filter(pk__in=roles.coordinator_of)
    return programmes
