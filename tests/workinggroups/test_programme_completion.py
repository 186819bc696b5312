"""Programmes come to an end. Past its end date, or closed early by its coordinator, a
programme is completed: the coordinator records for each group whether it continues on its own
or is closed (a dated status change with a reason); no reminders or digests go out for it; its
records stay readable and reportable; the public page says when it was completed."""

import datetime
import html
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from communities.models import Programme
from meetings import reminders
from meetings.models import Meeting, Reminder
from meetings.selectors import compliance
from safetyplans.selectors import version_content
from tests.conftest import give_totp
from tests.factories import (
    ActionItemFactory,
    EnrolmentFactory,
    MeetingFactory,
    MembershipFactory,
    ProgrammeFactory,
    RoleAssignmentFactory,
    WorkingGroupFactory,
    plan_in_state,
)
from workinggroups.models import GroupStatusChange, Membership, WorkingGroup
from workinggroups.services import programme_complete, working_group_change_status

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")
# Tuesday 10 November 2026, 09:00 in Kyiv: the programme below runs from 2026 to 2027.
NOW = datetime.datetime(2026, 11, 10, 9, tzinfo=KYIV)
TODAY = NOW.date()
YESTERDAY = TODAY - datetime.timedelta(days=1)
S = WorkingGroup.Status
CONTINUES, CLOSED = WorkingGroup.Outcome.CONTINUES, WorkingGroup.Outcome.CLOSED


@pytest.fixture(autouse=True)
def _clock_at_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def leader_account(group, email):
    return RoleAssignmentFactory(
        role=Role.LEADER, programme=group.programme, working_group=group, user__email=email
    ).user


@pytest.fixture
def world():
    """A programme running from January 2026 to December 2027, its coordinator (with TOTP)
    and donor, and two active groups, each with a leader (with an account and an email), a
    member with an email, a meeting planned for the week after NOW, one two days before NOW
    not logged, and an overdue action."""
    programme = ProgrammeFactory(
        start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2027, 12, 31), is_public=True
    )
    coordinator = give_totp(
        RoleAssignmentFactory(programme=programme, user__email="coord@example.org").user
    )
    donor = RoleAssignmentFactory(
        programme=programme, role=Role.DONOR, user__email="donor@example.org"
    ).user
    groups, leaders = [], []
    for name in ("Continuing", "Closing"):
        group = WorkingGroupFactory(programme=programme, status=S.ACTIVE, name_en=name)
        GroupStatusChange.objects.create(
            group=group, status=S.ACTIVE, changed_on=datetime.date(2026, 1, 15), reason="launch"
        )
        leader = MembershipFactory(
            group=group, role=Membership.Role.LEADER, person__email=f"{name}@example.org"
        )
        MembershipFactory(group=group, person__email=f"member.{name}@example.org")
        MeetingFactory(group=group, starts_at=NOW + datetime.timedelta(days=2))
        MeetingFactory(group=group, starts_at=NOW - datetime.timedelta(days=2))
        ActionItemFactory(group=group, owner=leader, due_on=TODAY - datetime.timedelta(days=3))
        groups.append(group)
        leaders.append(leader_account(group, f"{name.lower()}.leader@example.org"))
    return programme, coordinator, donor, groups, leaders


def close_today(world) -> None:
    """The coordinator closes the programme today: the first group continues, the second
    closes."""
    programme, coordinator, _donor, (continuing, closing), _leaders = world
    programme_complete(
        programme=programme,
        closed_on=YESTERDAY,
        closure_reason="Кінець фінансування",
        outcomes={continuing.pk: (CONTINUES, ""), closing.pk: (CLOSED, "")},
        by=coordinator,
    )


def planned_reminders():
    """The announcements, record reminders and digests the beat would plan now."""
    ids = reminders.plan_announcements() + reminders.plan_record_missing()
    ids += reminders.plan_overdue_digests()
    return ids


def test_closing_a_running_programme_early_records_each_groups_outcome(world):
    programme, coordinator, _donor, (continuing, closing), _leaders = world
    assert programme.running_on(TODAY)
    programme_complete(
        programme=programme,
        closed_on=YESTERDAY,
        closure_reason="Донор припинив фінансування",
        outcomes={continuing.pk: (CONTINUES, "При селищній раді"), closing.pk: (CLOSED, "")},
        by=coordinator,
    )
    programme.refresh_from_db()
    assert programme.closed_on == YESTERDAY and programme.ends_on == YESTERDAY
    # Completed the day after its last day, as a programme that reaches its end date.
    assert programme.completed_by(TODAY) and not programme.running_on(TODAY)
    assert not programme.completed_by(YESTERDAY)
    assert programme.end_date == datetime.date(2027, 12, 31)  # the planned period is kept
    for group, status, note in ((continuing, S.INDEPENDENT, "При селищній раді"),
                                (closing, S.CEASED, "")):  # fmt: skip
        group.refresh_from_db()
        change = group.status_changes.order_by("-changed_on", "-recorded_at").first()
        assert group.status == status
        # Until the end of its last day the group worked within the programme.
        assert (change.status, change.changed_on, change.reason, change.note) == (
            status,
            TODAY,
            GroupStatusChange.Reason.PROGRAMME_ENDED,
            note,
        )
        assert change.recorded_by == coordinator


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"outcomes": "one"}, "every working group"),
        ({"closed_on": None}, "last day"),
        ({"closed_on": TODAY}, "before today"),
        ({"closed_on": datetime.date(2025, 12, 31)}, "within the programme period"),
        ({"closure_reason": "  "}, "closes early"),
    ],
)
def test_closing_early_refuses_what_is_missing_or_wrong_and_changes_nothing(
    world, changes, message
):
    programme, coordinator, _donor, (continuing, closing), _leaders = world
    arguments = {
        "programme": programme,
        "closed_on": YESTERDAY,
        "closure_reason": "Кінець фінансування",
        "outcomes": {continuing.pk: (CONTINUES, ""), closing.pk: (CLOSED, "")},
        "by": coordinator,
        **changes,
    }
    if arguments["outcomes"] == "one":
        arguments["outcomes"] = {continuing.pk: (CONTINUES, "")}
    with translation.override("en"), pytest.raises(ValidationError) as error:
        programme_complete(**arguments)
    assert message in " ".join(error.value.messages)
    programme.refresh_from_db()
    assert programme.closed_on is None
    assert set(WorkingGroup.objects.values_list("status", flat=True)) == {S.ACTIVE}
    assert GroupStatusChange.objects.count() == 2


def test_past_its_end_a_programme_is_completed_and_outcomes_come_a_few_at_a_time(
    world, time_machine
):
    programme, _coordinator, _donor, (continuing, closing), _leaders = world
    time_machine.move_to(datetime.datetime(2028, 3, 1, 12, tzinfo=KYIV), tick=False)
    programme.refresh_from_db()
    assert programme.completed_by(datetime.date(2028, 3, 1))
    assert programme.closed_on is None
    programme_complete(programme=programme, outcomes={continuing.pk: (CONTINUES, "")}, by=None)
    continuing.refresh_from_db()
    assert continuing.status == S.INDEPENDENT
    # Dated the day after the programme's end date, though recorded in March.
    assert continuing.status_changes.latest("changed_on").changed_on == datetime.date(2028, 1, 1)
    closing.refresh_from_db()
    assert closing.status == S.ACTIVE and closing.shown_status == "completed"
    # A completed programme is not closed again, and a decided group gets no second outcome.
    with translation.override("en"), pytest.raises(ValidationError, match="completed already"):
        programme_complete(
            programme=programme, closed_on=datetime.date(2027, 6, 1), outcomes={}, by=None
        )
    with translation.override("en"), pytest.raises(ValidationError, match="still working"):
        programme_complete(programme=programme, outcomes={continuing.pk: (CLOSED, "")}, by=None)


def test_after_the_last_day_a_group_can_pause_close_or_go_on_but_not_start_again(world):
    programme, coordinator, _donor, (continuing, closing), _leaders = world
    programme_complete(
        programme=programme,
        closed_on=datetime.date(2026, 10, 31),
        closure_reason="Кінець фінансування",
        outcomes={continuing.pk: (CONTINUES, ""), closing.pk: (CLOSED, "")},
        by=coordinator,
    )

    def change(group, status, day):
        return working_group_change_status(
            group=group, status=status, changed_on=day, reason="other", by=coordinator
        )

    # The group that continues may pause, go on again and close later, each dated.
    change(continuing, S.SUSPENDED, datetime.date(2026, 11, 3))
    change(continuing, S.INDEPENDENT, datetime.date(2026, 11, 5))
    assert change(continuing, S.CEASED, TODAY).status == S.CEASED
    with translation.override("en"):
        with pytest.raises(ValidationError, match="suspended, close or continue on its own"):
            change(closing, S.REESTABLISHED, TODAY)
        # Within the programme's period a group cannot be "on its own".
        running = WorkingGroupFactory(programme=ProgrammeFactory(), status=S.SUSPENDED)
        with pytest.raises(ValidationError, match="only after the programme's last day"):
            change(running, S.INDEPENDENT, datetime.date(2024, 6, 1))


def test_no_reminders_or_digests_for_a_completed_programme(world, mailoutbox):
    _programme, _coordinator, _donor, (continuing, _closing), _leaders = world
    before = planned_reminders()
    assert {r.kind for r in Reminder.objects.filter(pk__in=before)} == {
        Reminder.Kind.ANNOUNCEMENT,
        Reminder.Kind.RECORD_MISSING,
        Reminder.Kind.OVERDUE_DIGEST,
    }
    close_today(world)
    # Rows planned before the programme closed are not sent...
    for pk in before:
        assert reminders.deliver(pk) is False
    assert mailoutbox == []
    assert set(
        Reminder.objects.filter(pk__in=before).values_list("status", "last_error").distinct()
    ) == {
        (Reminder.Status.SKIPPED, "Not sent: the programme has ended."),
        (Reminder.Status.SKIPPED, "Not sent: the group is not meeting at present."),
    }
    # ...and nothing new is planned.
    Reminder.objects.all().delete()
    assert planned_reminders() == []
    meeting = continuing.meetings.filter(starts_at__gt=NOW).get()
    with translation.override("en"), pytest.raises(ValidationError, match="programme has ended"):
        reminders.meeting_send_agenda(meeting=meeting)


def test_the_monthly_reminder_stops_when_a_programme_closes(world, time_machine):
    programme, *_ = world
    Meeting.objects.all().delete()
    time_machine.move_to(datetime.datetime(2026, 11, 20, 9, tzinfo=KYIV), tick=False)
    assert len(reminders.plan_no_meeting()) == 2
    Reminder.objects.all().delete()
    Programme.objects.filter(pk=programme.pk).update(
        closed_on=datetime.date(2026, 11, 19), closure_reason="Кінець фінансування"
    )
    assert reminders.plan_no_meeting() == []


def test_a_continuing_groups_leader_keeps_access_and_logs_meetings(world, client):
    _programme, _coordinator, _donor, (continuing, closing), (leader, closed_leader) = world
    close_today(world)
    client.force_login(leader)
    for url in (
        reverse("workinggroups:detail", args=[continuing.pk]),
        reverse("meetings:group_meetings", args=[continuing.pk]),
        reverse("meetings:create", args=[continuing.pk]),
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("meetings:group_meetings", args=[continuing.pk]))
    assert page.context["proposed"] is not None  # next month's meeting, one click away
    unlogged = continuing.meetings.get(starts_at__lt=NOW)
    assert client.get(reverse("meetings:log", args=[unlogged.pk])).status_code == 200
    # The closed group's records stay readable to its leader; it plans no more meetings.
    client.force_login(closed_leader)
    assert client.get(reverse("workinggroups:detail", args=[closing.pk])).status_code == 200
    response = client.post(
        reverse("meetings:create", args=[closing.pk]),
        {"starts_at": "2026-12-01T15:00", "duration_minutes": "90", "format": "in_person",
         "place": "Школа", "online_link": "", "agenda": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert not closing.meetings.filter(starts_at__date=datetime.date(2026, 12, 1)).exists()


def test_a_completed_programme_stays_readable_and_reportable(world, client):
    programme, coordinator, donor, _groups, _leaders = world
    close_today(world)
    for user in (coordinator, donor):
        client.force_login(user)
        for url in (
            reverse("communities:programme_detail", args=[programme.pk]),
            reverse("workinggroups:group_list", args=[programme.pk]),
            reverse("meetings:compliance", args=[programme.pk]),
            reverse("dashboards:dashboard", args=[programme.pk]),
        ):
            assert client.get(url).status_code == 200, (user, url)


# The page -------------------------------------------------------------------------------------


def completion_url(programme):
    return reverse("workinggroups:programme_complete", args=[programme.pk])


def test_coordinator_closes_the_programme_early_from_its_page(world, client):
    programme, coordinator, _donor, (continuing, closing), _leaders = world
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    detail = client.get(reverse("communities:programme_detail", args=[programme.pk]))
    assert completion_url(programme) in detail.text
    page = client.get(completion_url(programme))
    assert page.status_code == 200
    assert "Close the programme early" in page.text
    response = client.post(
        completion_url(programme),
        {
            "closed_on": YESTERDAY.isoformat(),
            "closure_reason": "Донор припинив фінансування",
            f"outcome_{continuing.pk}": "continues",
            f"note_{continuing.pk}": "При селищній раді",
            f"outcome_{closing.pk}": "closed",
        },
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.closed_on == YESTERDAY
    detail = html.unescape(
        client.get(reverse("communities:programme_detail", args=[programme.pk])).text
    )
    assert "completed on 9 November 2026 (closed early)" in detail
    assert "Донор припинив фінансування" in detail
    public = html.unescape(client.get(reverse("participation:programme", args=[programme.pk])).text)
    assert "completed on 9 November 2026 (closed early)" in public
    assert "Continues on its own" in public and ">Active<" not in public
    assert "Become a participant" not in public


@pytest.mark.parametrize(
    "changes",
    [
        {"outcome_second": ""},  # a group without an outcome
        {"closed_on": ""},
        {"closed_on": "not a date"},
        {"closed_on": "2026-11-10"},  # today: the programme would be completed tomorrow
        {"closure_reason": ""},
        {"outcome_first": "merged"},  # not a choice
        {"outcome_first": "x" * 10_000},
    ],
)
def test_odd_input_on_the_page_changes_nothing_and_never_gives_a_500(world, client, changes):
    programme, coordinator, _donor, (first, second), _leaders = world
    data = {
        "closed_on": YESTERDAY.isoformat(),
        "closure_reason": "Кінець фінансування",
        f"outcome_{first.pk}": "continues",
        f"outcome_{second.pk}": "closed",
    }
    for key, value in changes.items():
        data[key.replace("_first", f"_{first.pk}").replace("_second", f"_{second.pk}")] = value
    client.force_login(coordinator)
    response = client.post(completion_url(programme), data)
    assert response.status_code == 200
    programme.refresh_from_db()
    assert programme.closed_on is None
    assert set(WorkingGroup.objects.values_list("status", flat=True)) == {S.ACTIVE}


def test_only_the_programmes_coordinator_opens_the_page(world, client, other_coordinator):
    programme, _coordinator, donor, _groups, (leader, _other) = world
    for user, status in ((leader, 403), (donor, 403), (other_coordinator, 404)):
        client.force_login(user)
        assert client.get(completion_url(programme)).status_code == status, user
        response = client.post(
            completion_url(programme), {"closed_on": YESTERDAY.isoformat(), "closure_reason": "x"}
        )
        assert response.status_code == status
    client.logout()
    assert client.get(completion_url(programme)).status_code == 302
    programme.refresh_from_db()
    assert programme.closed_on is None


def test_after_the_end_date_the_page_records_outcomes_and_lists_those_recorded(
    world, client, time_machine
):
    programme, coordinator, _donor, (continuing, closing), _leaders = world
    time_machine.move_to(datetime.datetime(2028, 2, 1, 10, tzinfo=KYIV), tick=False)
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    detail = client.get(reverse("communities:programme_detail", args=[programme.pk]))
    assert "record what becomes of 2 working groups" in html.unescape(detail.text)
    response = client.post(
        completion_url(programme), {f"outcome_{continuing.pk}": "continues"}, follow=True
    )
    assert response.status_code == 200
    page = html.unescape(client.get(completion_url(programme)).text)
    assert "Continues on its own" in page and "since 1 January 2028" in page
    assert f"outcome_{closing.pk}" in page and f"outcome_{continuing.pk}" not in page
    # Nothing chosen is refused with a message.
    response = client.post(completion_url(programme), {})
    assert "at least one group" in response.text


def test_the_page_costs_the_same_queries_for_2_groups_and_20(world, client):
    programme, coordinator, *_ = world
    client.force_login(coordinator)
    client.get(completion_url(programme))

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(completion_url(programme)).status_code == 200
        return len(captured)

    two = count()
    for _ in range(18):
        EnrolmentFactory(programme=programme)
        WorkingGroupFactory(
            programme=programme,
            status=S.ACTIVE,
            community=programme.enrolments.order_by("-pk").first().community,
        )
    assert count() == two


# Pages of a completed programme chase no deadline ---------------------------------------------


def test_plan_pages_flag_overdue_actions_while_the_programme_runs_only(
    time_machine, coordinator, group, client
):
    # The default programme runs 2023-2024; the plan's action ran March to June 2024.
    _plan, version = plan_in_state("approved", group=group, by=coordinator)
    plan = version.plan
    client.force_login(coordinator)

    def seen(moment):
        time_machine.move_to(datetime.datetime(*moment, 12, tzinfo=KYIV), tick=False)
        content = version_content(version)
        overview = client.get(reverse("safetyplans:overview", args=[group.programme_id]))
        page = client.get(plan.get_absolute_url())
        return (
            len(content.overdue),
            content.progress.overdue,
            overview.context["overdue_total"],
            len(page.context["content"].overdue),
        )

    assert seen((2024, 7, 1)) == (1, 1, 1, 1)
    assert seen((2025, 2, 1)) == (0, 0, 0, 0)


def test_compliance_stops_at_a_programme_closed_early(world, time_machine):
    programme, coordinator, _donor, (continuing, closing), _leaders = world
    Meeting.objects.all().delete()
    for group in (continuing, closing):
        MeetingFactory(group=group, starts_at=datetime.datetime(2026, 9, 8, 15, tzinfo=KYIV),
                       status="held")  # fmt: skip
    # The continuing group met on its own after the programme's last day, 12 October.
    MeetingFactory(group=continuing, starts_at=datetime.datetime(2026, 10, 20, 15, tzinfo=KYIV),
                   status="held")  # fmt: skip
    programme_complete(
        programme=programme,
        closed_on=datetime.date(2026, 10, 12),
        closure_reason="Кінець фінансування",
        outcomes={continuing.pk: (CONTINUES, ""), closing.pk: (CLOSED, "")},
        by=coordinator,
    )
    programme.refresh_from_db()
    grid = compliance(programme, [continuing, closing], first=datetime.date(2026, 9, 1))
    assert grid.months == [datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)]
    # September held; October ended before its 15th within the programme: not expected, and
    # the meeting of 20 October is the group's own, not the programme's.
    assert [row.cells for row in grid.rows] == [["held", "not_expected"]] * 2


def test_a_reminder_decides_as_of_the_day_it_was_planned(world, time_machine, mailoutbox):
    """Planned on the programme's last day, a reminder is still sent when its delivery runs
    the next day (a queue backlog, a retry): the delivery judges with the planning's time."""
    programme, *_ = world
    Programme.objects.filter(pk=programme.pk).update(end_date=TODAY)
    ids = reminders.plan_record_missing()
    assert len(ids) == 2
    time_machine.move_to(NOW + datetime.timedelta(days=1), tick=False)
    assert reminders.plan_record_missing() == []  # completed: nothing new planned
    assert [reminders.deliver(pk) for pk in ids] == [True, True]
    assert len(mailoutbox) == 2
