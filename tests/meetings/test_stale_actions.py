"""Overdue means something: weekly digests and the leader's page list the overdue actions of
running programmes; an action overdue for longer than ACTION_STALE_AFTER_DAYS (90 by default)
is stale, listed in one digest only, and the leader closes or re-dates it in one click."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Role
from meetings import reminders
from meetings.models import ActionItem, Reminder
from tests.factories import (
    ActionItemFactory,
    MembershipFactory,
    RoleAssignmentFactory,
    UserFactory,
    WorkingGroupFactory,
)
from workinggroups.models import Membership, WorkingGroup

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")
# Monday 16 November 2026, 09:00 in Kyiv.
NOW = datetime.datetime(2026, 11, 16, 9, tzinfo=KYIV)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _clock_at_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def team():
    """An active group of a programme running in 2026-27, its leader with an email."""
    group = WorkingGroupFactory(
        status=WorkingGroup.Status.ACTIVE,
        programme__start_date=datetime.date(2026, 1, 1),
        programme__end_date=datetime.date(2027, 12, 31),
    )
    leader = MembershipFactory(
        group=group,
        role=Membership.Role.LEADER,
        person__email="leader@example.org",
        person__user=UserFactory(language="en"),  # the digests are written in English
    )
    return group, leader


def digest_now(mailoutbox, when=NOW):
    """Plans and delivers this week's digests at `when`; the texts of the messages sent."""
    sent_before = len(mailoutbox)
    ids = reminders.plan_overdue_digests()
    for pk in ids:
        reminders.deliver(pk)
    return [m.body for m in mailoutbox[sent_before:]]


def test_a_stale_action_is_listed_in_one_digest_and_then_left_to_the_leader(
    team, mailoutbox, time_machine
):
    group, leader = team
    recent = ActionItemFactory(group=group, owner=leader, description="Лист до ДСНС",
                               due_on=days_ago(3))  # fmt: skip
    stale = ActionItemFactory(group=group, owner=leader, description="Карта освітлення",
                              due_on=days_ago(91))  # fmt: skip
    on_time = ActionItemFactory(group=group, owner=leader, description="Вчасна дія",
                                due_on=days_ago(0))  # fmt: skip

    [first] = digest_now(mailoutbox)
    assert "Лист до ДСНС" in first and "Карта освітлення" in first
    assert "more than 90 days" in first
    assert f"#action-{stale.pk}" in first
    assert "Вчасна дія" not in first  # due today is not overdue yet
    stale.refresh_from_db()
    assert stale.stale_reported_on == TODAY

    # Next week: the overdue action again, the stale one not.
    time_machine.move_to(NOW + datetime.timedelta(days=7), tick=False)
    [second] = digest_now(mailoutbox)
    assert "Лист до ДСНС" in second
    assert "Карта освітлення" not in second

    # With the recent one done too, a stale action already reported gives no digest at all.
    ActionItem.objects.filter(pk__in=[recent.pk, on_time.pk]).update(status=ActionItem.Status.DONE)
    time_machine.move_to(NOW + datetime.timedelta(days=14), tick=False)
    assert digest_now(mailoutbox) == []


def test_an_action_going_stale_is_reported_in_the_week_it_does(team, mailoutbox, time_machine):
    group, leader = team
    ActionItemFactory(group=group, owner=leader, description="Карта освітлення",
                      due_on=days_ago(85))  # fmt: skip
    [overdue] = digest_now(mailoutbox)
    assert "past their due date" in overdue and "more than 90 days" not in overdue
    time_machine.move_to(NOW + datetime.timedelta(days=7), tick=False)
    [stale] = digest_now(mailoutbox)
    assert "more than 90 days" in stale and "Карта освітлення" in stale


def test_a_re_dated_action_that_goes_stale_again_is_reported_again(
    team, mailoutbox, time_machine, client
):
    group, leader = team
    action = ActionItemFactory(group=group, owner=leader, due_on=days_ago(100))
    assert len(digest_now(mailoutbox)) == 1
    leader_user = _leader_account(leader)
    client.force_login(leader_user)
    response = client.post(
        reverse("meetings:action_redate", args=[action.pk]),
        {"due_on": (TODAY + datetime.timedelta(days=10)).isoformat()},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.due_on, action.stale_reported_on) == (TODAY + datetime.timedelta(days=10), None)
    # 101 days past the new date it is stale again, and listed again.
    time_machine.move_to(NOW + datetime.timedelta(days=111), tick=False)
    [again] = digest_now(mailoutbox)
    assert "more than 90 days" in again


def test_the_stale_limit_is_a_setting(team, mailoutbox, settings):
    settings.ACTION_STALE_AFTER_DAYS = 30
    group, leader = team
    ActionItemFactory(group=group, owner=leader, description="Карта освітлення",
                      due_on=days_ago(31))  # fmt: skip
    [text] = digest_now(mailoutbox)
    assert "more than 30 days" in text


def test_no_digest_for_a_completed_programme(team, mailoutbox):
    group, leader = team
    ActionItemFactory(group=group, owner=leader, due_on=days_ago(3))
    ActionItemFactory(group=group, owner=leader, due_on=days_ago(200))
    ended = WorkingGroupFactory(
        status=WorkingGroup.Status.ACTIVE,
        programme__start_date=datetime.date(2023, 1, 1),
        programme__end_date=datetime.date(2024, 12, 31),
    )
    ended_leader = MembershipFactory(
        group=ended, role=Membership.Role.LEADER, person__email="former@example.org"
    )
    ActionItemFactory(group=ended, owner=ended_leader, due_on=datetime.date(2024, 12, 1))
    ActionItemFactory(group=ended, owner=ended_leader, due_on=days_ago(3))
    digest_now(mailoutbox)
    assert [m.to for m in mailoutbox] == [["leader@example.org"]]
    assert not Reminder.objects.filter(group=ended).exists()


def _leader_account(membership):
    """An account leading the membership's group."""
    return RoleAssignmentFactory(
        role=Role.LEADER,
        programme=membership.group.programme,
        working_group=membership.group,
        user__email="leader.account@example.org",
    ).user


# The leader's page ------------------------------------------------------------------------------


def test_page_lists_stale_actions_apart_with_close_and_re_date(team, client):
    group, leader = team
    stale = ActionItemFactory(group=group, owner=leader, due_on=days_ago(91))
    overdue = ActionItemFactory(group=group, owner=leader, due_on=days_ago(90))
    client.force_login(_leader_account(leader))
    page = client.get(reverse("meetings:group_meetings", args=[group.pk]))
    assert [a.pk for a in page.context["stale_actions"]] == [stale.pk]
    assert [(a.pk, a.state) for a in page.context["open_actions"]] == [(overdue.pk, "overdue")]
    text = page.text
    assert reverse("meetings:action_redate", args=[stale.pk]) in text
    assert reverse("meetings:action_status", args=[stale.pk]) in text
    # One click closes it.
    client.post(reverse("meetings:action_status", args=[stale.pk]), {"status": "dropped"})
    stale.refresh_from_db()
    assert (stale.status, stale.closed_on) == (ActionItem.Status.DROPPED, TODAY)


def test_a_completed_programmes_page_flags_nothing_overdue(client):
    group = WorkingGroupFactory(
        status=WorkingGroup.Status.INDEPENDENT,
        programme__start_date=datetime.date(2023, 1, 1),
        programme__end_date=datetime.date(2024, 12, 31),
    )
    leader = MembershipFactory(group=group, role=Membership.Role.LEADER)
    action = ActionItemFactory(group=group, owner=leader, due_on=datetime.date(2024, 11, 1))
    client.force_login(_leader_account(leader))
    page = client.get(reverse("meetings:group_meetings", args=[group.pk]))
    assert page.context["stale_actions"] == []
    assert [(a.pk, a.state) for a in page.context["open_actions"]] == [(action.pk, "due")]
    assert "overdue since" not in page.text


@pytest.mark.parametrize(
    ("due_on", "message"),
    [
        ("2026-11-15", "cannot be in the past"),
        ("2029-01-01", "at most two years ahead"),
        ("not a date", "Enter a valid date"),
        ("", "This field is required"),
    ],
)
def test_a_bad_new_due_date_is_refused_with_a_message_and_changes_nothing(
    team, client, due_on, message
):
    group, leader = team
    action = ActionItemFactory(group=group, owner=leader, due_on=days_ago(100))
    client.force_login(_leader_account(leader))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("meetings:action_redate", args=[action.pk]), {"due_on": due_on}, follow=True
    )
    assert response.status_code == 200
    assert message in response.text
    action.refresh_from_db()
    assert action.due_on == days_ago(100)


def test_a_closed_action_is_not_re_dated(team, client):
    group, leader = team
    action = ActionItemFactory(group=group, owner=leader, due_on=days_ago(100), status="done")
    client.force_login(_leader_account(leader))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("meetings:action_redate", args=[action.pk]),
        {"due_on": (TODAY + datetime.timedelta(days=5)).isoformat()},
        follow=True,
    )
    assert "Only an open action" in response.text
    action.refresh_from_db()
    assert action.due_on == days_ago(100)
