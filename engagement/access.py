"""Who may load or change the engagement work of a programme: youth leaders and their support,
the veteran registry, needs assessments and opportunities, trainings and exchange visits.

Everything here is kept by the programme's coordinators (`manage`). Donors follow it as figures
(youth leaders and participants are people: not for them); the leader of a group follows the
work of their own community."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.roles import user_roles
from cohesion.access import access_function
from communities.access import access_programme, manages_programme
from engagement.models import (
    Event,
    NeedsAssessment,
    Opportunity,
    Participant,
    VeteranOrganisation,
    YouthLeader,
    YouthSupport,
)
from workinggroups.access import people_visible_to
from workinggroups.models import WorkingGroup


def sees_people_of(user, programme) -> bool:
    """Names on the programme's engagement pages (youth leaders, participants) and contact
    persons in the veteran registry: its coordinators and group leaders, never its donors."""
    return user_roles(user).sees_people_of(programme.pk)


def matching_scope(user, programme):
    """The communities whose veterans' needs the user follows: all of them (None) for the
    programme's coordinators and donors, a leader's own group's community otherwise."""
    roles = user_roles(user)
    if roles.coordinates(programme.pk) or roles.funds(programme.pk):
        return None
    return WorkingGroup.objects.filter(pk__in=roles.leader_of, programme=programme).values(
        "community_id"
    )


def _row(model, user, pk: int, *, manage: bool, related=()):
    row = get_object_or_404(
        model.objects.visible_to(user).select_related("programme", *related), pk=pk
    )
    if manage and not manages_programme(user, row.programme):
        raise PermissionDenied
    return row


@access_function
def access_youth_leader(user, pk: int, *, manage: bool = False) -> YouthLeader:
    """A youth leader: the programme's coordinators and the leaders of groups in their
    community (404 otherwise); `manage` needs a coordinator (403)."""
    return _row(
        YouthLeader, user, pk, manage=manage, related=("person", "community", "organisation")
    )


@access_function
def access_youth_support(user, pk: int, *, manage: bool = False) -> YouthSupport:
    """Support given to a youth leader the user sees (404 otherwise); `manage` needs a
    coordinator of the programme (403)."""
    support = get_object_or_404(
        YouthSupport.objects.filter(
            youth_leader__in=YouthLeader.objects.visible_to(user)
        ).select_related("youth_leader__programme"),
        pk=pk,
    )
    if manage and not manages_programme(user, support.youth_leader.programme):
        raise PermissionDenied
    return support


@access_function
def access_veteran_organisation(user, pk: int, *, manage: bool = False) -> VeteranOrganisation:
    return _row(VeteranOrganisation, user, pk, manage=manage, related=("community", "organisation"))


@access_function
def access_assessment(user, pk: int, *, manage: bool = False) -> NeedsAssessment:
    return _row(NeedsAssessment, user, pk, manage=manage, related=("community", "conducted_by"))


@access_function
def access_opportunity(user, pk: int, *, manage: bool = False) -> Opportunity:
    return _row(Opportunity, user, pk, manage=manage, related=("provider",))


@access_function
def access_event(user, pk: int, *, manage: bool = False) -> Event:
    """A training or visit: the programme's coordinators and donors, and the leaders of the
    groups taking part (404 otherwise); `manage` (the list, the sign-in sheet) needs a
    coordinator (403)."""
    return _row(Event, user, pk, manage=manage, related=("host_community",))


@access_function
def access_participant(user, pk: int, *, manage: bool = False) -> Participant:
    """A participant of an event the user sees (404 otherwise), if the user may see that
    person (a leader sees their own group's people, a donor nobody: 404); `manage` (the list
    is kept by the programme's coordinators): 403 for anyone else who sees the event."""
    participant = get_object_or_404(
        Participant.objects.filter(event__in=Event.objects.visible_to(user)).select_related(
            "event__programme", "person"
        ),
        pk=pk,
    )
    if manage and not manages_programme(user, participant.event.programme):
        raise PermissionDenied
    if not people_visible_to(user).filter(pk=participant.person_id).exists():
        raise Http404
    return participant


ACCESS = {
    YouthLeader: access_youth_leader,
    VeteranOrganisation: access_veteran_organisation,
    NeedsAssessment: access_assessment,
    Opportunity: access_opportunity,
    Event: access_event,
}


@access_function
def access_for_editing(user, model, pk: int | None, programme_pk: int | None):
    """The row being edited, for a coordinator of its programme (404/403 otherwise), or None
    for a new one in the programme `programme_pk` they coordinate; and the programme."""
    if pk is not None:
        row = ACCESS[model](user, pk, manage=True)
        return row, row.programme
    return None, access_programme(user, programme_pk, manage=True)
