"""Who may load or change working groups, people and memberships, and who may see whom.

People are personal data. A person is seen by the coordinators of a programme they take part
in (as a member, a youth leader or an event participant) and by the leaders of the groups
they sit or sat in; donors never see a person. The rule takes in the engagement app's youth
leaders and participants, imported here by name.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.roles import user_roles
from cohesion.access import access_function
from engagement.models import Participant, YouthLeader
from workinggroups.models import ImportJob, Membership, Person, WorkingGroup


@access_function
def access_group(user, pk: int, *, manage: bool = False, coordinate: bool = False) -> WorkingGroup:
    """The group if the user sees it (404 otherwise): its programme's coordinators and donors,
    its leader. `manage` (members, meetings, its plan) needs its leader or a coordinator;
    `coordinate` (its status and details) a coordinator (403 otherwise)."""
    group = get_object_or_404(
        WorkingGroup.objects.visible_to(user).select_related("programme", "community__region"),
        pk=pk,
    )
    roles = user_roles(user)
    if coordinate and not roles.coordinates(group.programme_id):
        raise PermissionDenied
    if manage and not roles.manages(group):
        raise PermissionDenied
    return group


@access_function
def access_import(user, pk: int, *, whole: bool = False):
    """An upload on its way in and what it goes into (the group, the event): the uploader's
    alone, for a day, while they may still change that group's members or that event's list
    (404 otherwise: an upload holds people's data). `whole` loads the file's rows too."""
    from cohesion import clock
    from workinggroups.wizard import KEEP_FOR

    if not user.is_authenticated:
        raise Http404
    jobs = ImportJob.objects.select_related("programme")
    if not whole:
        jobs = jobs.defer("content", "rows")
    job = get_object_or_404(jobs, pk=pk, created_by=user, created_at__gte=clock.now() - KEEP_FOR)
    try:
        if job.kind == ImportJob.Kind.PARTICIPANTS:
            from engagement.access import access_event

            target = access_event(user, job.target_id, manage=True)
        else:
            target = access_group(user, job.target_id, manage=True)
    except PermissionDenied as refused:
        raise Http404 from refused
    return job, target


@access_function
def access_membership(user, pk: int, *, manage: bool = False) -> Membership:
    """A membership of a group the user manages (404 otherwise: donors see none)."""
    membership = get_object_or_404(
        Membership.objects.visible_to(user).select_related(
            "person", "group__programme", "group__community"
        ),
        pk=pk,
    )
    if manage and not user_roles(user).manages(membership.group):
        raise PermissionDenied
    return membership


@access_function
def access_person(user, pk: int, *, manage: bool = False) -> Person:
    """A person the user may see (404 otherwise). `manage` (correcting the record) needs an
    administrator, a coordinator of a programme the person sits in a group of, or the leader
    of a group the person is a member of now (403 otherwise)."""
    person = get_object_or_404(people_visible_to(user).select_related("community", "user"), pk=pk)
    if manage and not manages_person(user, person):
        raise PermissionDenied
    return person


def people_visible_to(user):
    """The people the user may see: administrators everyone; coordinators the people taking
    part in their programmes (members, youth leaders, event participants); leaders the people
    of their groups, past members included; donors nobody."""
    if not user.is_authenticated:
        return Person.objects.none()
    roles = user_roles(user)
    if roles.is_admin:
        return Person.objects.all()
    return Person.objects.filter(
        Q(pk__in=Membership.objects.visible_to(user).values("person_id"))
        | Q(
            pk__in=YouthLeader.objects.filter(programme_id__in=roles.coordinator_of).values(
                "person_id"
            )
        )
        | Q(
            pk__in=Participant.objects.filter(event__programme_id__in=roles.coordinator_of).values(
                "person_id"
            )
        )
    )


def people_shown_to(user, person_ids) -> set[int]:
    """The people among `person_ids` whose names and markers (veteran, displaced, disability)
    the user may see. One query."""
    return set(people_visible_to(user).filter(pk__in=person_ids).values_list("pk", flat=True))


def manages(user, group: WorkingGroup) -> bool:
    """Leads the group or coordinates its programme: sees its members, their composition and
    markers, plans and records its meetings, keeps its member list."""
    return user_roles(user).manages(group)


def coordinates_group(user, group: WorkingGroup) -> bool:
    """Coordinates the group's programme: its status and details, its member exports."""
    return user_roles(user).coordinates(group.programme_id)


def coordinates_any(user, groups) -> bool:
    """Coordinates the programme of any of these groups (a person's page shows coordinators
    the history of the record)."""
    roles = user_roles(user)
    return any(roles.coordinates(group.programme_id) for group in groups) or roles.is_admin


def sees_composition_of(user, programme) -> bool:
    """The composition of a programme's groups is people's data: its coordinators see every
    group's, a leader their own group's (the caller narrows to `manages`)."""
    return user_roles(user).sees_people_of(programme.pk)


def may_import_members(user) -> bool:
    """Who is offered the member import (and its template): coordinators and leaders."""
    roles = user_roles(user)
    return roles.is_coordinator or roles.is_leader


def manages_person(user, person: Person) -> bool:
    roles = user_roles(user)
    return (
        roles.is_admin
        or person.memberships.filter(
            Q(group__programme_id__in=roles.coordinator_of)
            | Q(group_id__in=roles.leader_of, left_on__isnull=True)
        ).exists()
    )
