"""Who may load or change meetings, their agenda, pre-reads, actions and protocols, and the two
ways in without an account: a group's private calendar address and the signed unsubscribe link.

Everyone who sees a group sees that its meetings happen (donors follow whether they are held,
never who came); its leader and the coordinators of its programme plan and record them."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.roles import user_roles
from cohesion.access import access_function
from meetings.models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Meeting,
    PreRead,
    Protocol,
    SignedProtocol,
)
from meetings.reminders import email_for_token
from workinggroups.models import WorkingGroup


@access_function
def access_meeting(user, pk: int, *, manage: bool = False) -> Meeting:
    """The meeting if its group is visible (404 otherwise); `manage` needs its group's leader
    or a coordinator of its programme (403 otherwise)."""
    meeting = get_object_or_404(
        Meeting.objects.visible_to(user).select_related("group__programme", "group__community"),
        pk=pk,
    )
    if manage and not user_roles(user).manages(meeting.group):
        raise PermissionDenied
    return meeting


@access_function
def access_agenda_item(user, pk: int, *, manage: bool = False) -> AgendaItem:
    """An agenda item of a meeting the user sees (404 otherwise), for its group's leader and
    coordinators (an item carried over from an action names the action's owner); `manage`:
    403 for anyone else who sees the meeting."""
    item = get_object_or_404(
        AgendaItem.objects.filter(meeting__in=Meeting.objects.visible_to(user)).select_related(
            "meeting__group__programme"
        ),
        pk=pk,
    )
    if not user_roles(user).manages(item.meeting.group):
        raise PermissionDenied if manage else Http404
    return item


@access_function
def access_preread(user, pk: int) -> PreRead:
    """A pre-read, for those who manage its meeting only (404 for everyone else: donors do not
    learn that a document exists)."""
    return get_object_or_404(
        PreRead.objects.filter(meeting__in=Meeting.objects.managed_by(user)).select_related(
            "meeting"
        ),
        pk=pk,
    )


@access_function
def access_action(user, pk: int, *, manage: bool = False) -> ActionItem:
    """A follow-up action of a group the user sees (404 otherwise), for its leader and the
    programme's coordinators (its owner is a person); `manage`: 403 for anyone else who sees
    the group."""
    action = get_object_or_404(
        ActionItem.objects.filter(group__in=WorkingGroup.objects.visible_to(user)).select_related(
            "group__programme"
        ),
        pk=pk,
    )
    if not user_roles(user).manages(action.group):
        raise PermissionDenied if manage else Http404
    return action


@access_function
def access_feed(token: str) -> CalendarFeed:
    """A group's calendar by its private address: the token is the only key (404 otherwise)."""
    return get_object_or_404(CalendarFeed.objects.select_related("group"), token=token)


@access_function
def access_unsubscribe(token: str) -> str:
    """The address a signed unsubscribe link was made for; signing.BadSignature otherwise."""
    return email_for_token(token)


def follows_reminders(user, programme) -> bool:
    """What the reminders did is for the programme's coordinators."""
    return user_roles(user).coordinates(programme.pk)


@access_function
def access_protocol(user, pk: int) -> Protocol:
    """A protocol's version, for those who manage its meeting only (404 for everyone else: it
    names the members present and absent)."""
    return get_object_or_404(
        Protocol.objects.filter(meeting__in=Meeting.objects.managed_by(user)).select_related(
            "meeting"
        ),
        pk=pk,
    )


@access_function
def access_signed_protocol(user, pk: int) -> SignedProtocol:
    """The scan of a signed protocol, for those who manage its meeting only (404 otherwise)."""
    return get_object_or_404(
        SignedProtocol.objects.filter(meeting__in=Meeting.objects.managed_by(user)).select_related(
            "meeting"
        ),
        pk=pk,
    )
