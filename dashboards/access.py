"""Who may see a programme's progress and its exports. Dashboards are for the programme's
coordinators and donors (and administrators); a donor, and anyone but a coordinator, sees small
counts of people protected."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.roles import user_roles
from cohesion.access import access_function
from communities.access import access_programme, sees_exact_counts
from dashboards.models import Export


@access_function
def access_dashboard(user, pk: int, *, manage: bool = False, select=()):
    """The programme whose progress the user follows: 404 for a programme they have no part
    in, 403 for one they only lead a group of; `manage` (targets) needs a coordinator.
    `select` names related rows to load with it."""
    programme = access_programme(user, pk, manage=manage, select=select)
    if not follows_progress(user, programme):
        raise PermissionDenied
    return programme


@access_function
def access_export(user, pk: int, *, retry: bool = False) -> Export:
    """An export the user asked for, or one of the programme's protected exports they may see
    (404 otherwise: exact exports are never a donor's); `retry` (asking again for one that
    failed) is for whoever asked for it and the programme's coordinators (403 for others)."""
    export = get_object_or_404(Export.objects.visible_to(user).select_related("programme"), pk=pk)
    if retry and not (
        export.requested_by_id == user.pk or user_roles(user).coordinates(export.programme_id)
    ):
        raise PermissionDenied
    return export


def kind_by_role(user, pk: int) -> bool | None:
    """Whether the user sees programme `pk`'s figures protected, known from their roles alone
    (no query for the programme: a role is deleted with its programme), for a page kept whole
    (dashboards.page.whole_page_key); None when only the programme's row can tell (an
    administrator, a group's leader, a stranger): access_dashboard answers them."""
    roles = user_roles(user)
    if pk in roles.coordinator_of:
        return False
    if pk in roles.donor_of:
        return not roles.coordinates(pk)
    return None


def follows_progress(user, programme) -> bool:
    """Whether the user may open the programme's progress pages and exports."""
    roles = user_roles(user)
    return roles.coordinates(programme.pk) or roles.funds(programme.pk)


def protected_for(user, programme) -> bool:
    """Everyone but the programme's coordinators sees small counts protected."""
    return not sees_exact_counts(user, programme)
