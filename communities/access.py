"""Who may load or change programmes, communities and organisations."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.roles import user_roles
from cohesion.access import access_function
from communities.models import Community, Enrolment, Organisation, Programme


@access_function
def access_programme(user, pk: int, *, manage: bool = False, select=(), prefetch=()) -> Programme:
    """The programme if the user holds a role in it (404 otherwise); `manage` needs one of its
    coordinators (403 otherwise). `select` and `prefetch` name related rows to load with it."""
    programme = get_object_or_404(
        Programme.objects.visible_to(user).select_related(*select).prefetch_related(*prefetch),
        pk=pk,
    )
    if manage and not user_roles(user).coordinates(programme.pk):
        raise PermissionDenied
    return programme


@access_function
def access_enrolment(user, programme_pk: int, pk: int, *, manage: bool = False) -> Enrolment:
    """A current enrolment of a programme the user holds a role in (404 otherwise); `manage`
    (withdrawing the community) needs one of its coordinators (403 otherwise)."""
    programme = access_programme(user, programme_pk, manage=manage)
    return get_object_or_404(
        programme.enrolments.current().select_related("community", "programme"), pk=pk
    )


@access_function
def access_community(user, pk: int, *, manage: bool = False) -> Community:
    """A community of the directory the user sees (404 otherwise); `manage` (its status,
    population, coordinates) needs a coordinator of a programme it is enrolled in now."""
    community = get_object_or_404(
        Community.objects.visible_to(user).select_related("region", "raion"), pk=pk
    )
    if manage and not manages_community(user, community):
        raise PermissionDenied
    return community


@access_function
def access_organisation(user, pk: int, *, manage: bool = False) -> Organisation:
    """An organisation of the directory (any signed-in user reads it; 404 otherwise); `manage`
    needs a coordinator whom no other programme's reliance on it forbids (403 otherwise)."""
    organisation = get_object_or_404(
        Organisation.objects.visible_to(user).select_related("community__region"), pk=pk
    )
    if manage and not manages_organisation(user, organisation):
        raise PermissionDenied
    return organisation


def manages_programme(user, programme: Programme) -> bool:
    return user_roles(user).coordinates(programme.pk)


def sees_exact_counts(user, programme: Programme) -> bool:
    """Counts of people from 1 to 4 could point at a person in a small community: only the
    programme's coordinators see them exact; everyone else sees them protected."""
    return user_roles(user).coordinates(programme.pk)


def funds_programme(user, programme: Programme) -> bool:
    return user_roles(user).funds(programme.pk)


def may_create_programme(user) -> bool:
    """Programmes are set up by administrators."""
    return user_roles(user).is_admin


def may_create_organisation(user) -> bool:
    """Coordinators add to the directory of organisations."""
    return user_roles(user).is_coordinator


def manages_community(user, community: Community) -> bool:
    roles = user_roles(user)
    return roles.is_admin or any(
        roles.coordinates(programme_id)
        for programme_id in community.enrolments.current().values_list("programme_id", flat=True)
    )


def manages_organisation(user, organisation: Organisation) -> bool:
    return Organisation.objects.editable_by(user).filter(pk=organisation.pk).exists()


def communities_with_programmes(user):
    """The directory's communities the user sees that some programme works in now: where the
    organisations that take part are found."""
    return Community.objects.visible_to(user).filter(
        pk__in=Enrolment.objects.current().values("community_id")
    )
