"""The meeting services: planning (with the open actions carried into the agenda), proposing
next month's date, calling a meeting off, logging what happened, sanitising the minutes and
closing actions."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from meetings.models import ActionItem, AgendaItem, Attendance, Decision, GuestCount, Meeting
from meetings.services import (
    action_item_set_status,
    meeting_call_off,
    meeting_carry_open_actions,
    meeting_log,
    meeting_schedule,
    meeting_update,
    members_on,
    propose_next,
    sanitise_minutes,
)
from tests.factories import (
    ActionItemFactory,
    MeetingFactory,
    MembershipFactory,
    WorkingGroupFactory,
    category_by_code,
)
from workinggroups.models import WorkingGroup

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")


def kyiv(*args) -> datetime.datetime:
    """An aware datetime from Kyiv wall-clock time."""
    return datetime.datetime(*args, tzinfo=KYIV)


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


@pytest.fixture
def active(group):
    group.status = WorkingGroup.Status.ACTIVE
    group.save(update_fields=["status"])
    return group


@pytest.fixture
def travel(monkeypatch):
    """`travel(moment)`: from now on `timezone.now()` (and so `localdate()`) is `moment`."""

    def to(moment: datetime.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return to


def schedule(group, **changes):
    return meeting_schedule(
        **{"group": group, "starts_at": in_days(7), "place": "Бібліотека", **changes}
    )


# Planning ----------------------------------------------------------------------------------


def test_schedule_plans_a_meeting_with_the_leaders_agenda_in_order(active, leader):
    meeting = schedule(active, agenda=["  Безпека  ", "", "Освітлення"], by=leader)
    assert (meeting.status, meeting.place, meeting.created_by) == ("planned", "Бібліотека", leader)
    assert list(meeting.agenda_items.values_list("title", flat=True)) == ["Безпека", "Освітлення"]


def test_schedule_refuses_a_time_in_the_past(active):
    with pytest.raises(ValidationError) as error:
        schedule(active, starts_at=in_days(-1 / 12))  # two hours ago
    assert "starts_at" in error.value.message_dict
    assert not Meeting.objects.exists()


def test_schedule_accepts_a_meeting_that_began_moments_ago(active):
    # Entered at the start of the meeting itself: up to an hour's grace.
    assert schedule(active, starts_at=in_days(-1 / 96)).pk


@pytest.mark.parametrize("place", ["", "   "])
def test_schedule_requires_a_place_for_an_in_person_meeting(active, place):
    with pytest.raises(ValidationError) as error:
        schedule(active, place=place)
    assert "place" in error.value.message_dict
    assert not Meeting.objects.exists()


def test_schedule_requires_a_link_for_an_online_meeting(active):
    with pytest.raises(ValidationError) as error:
        schedule(active, format=Meeting.Format.ONLINE, place="")
    assert "online_link" in error.value.message_dict
    assert not Meeting.objects.exists()
    online = schedule(
        active, format=Meeting.Format.ONLINE, place="", online_link="https://meet.example.org/x"
    )
    assert online.place == ""


def test_schedule_requires_both_place_and_link_for_a_hybrid_meeting(active):
    for place, link in (("", "https://meet.example.org/x"), ("Бібліотека", "")):
        with pytest.raises(ValidationError):
            schedule(active, format=Meeting.Format.HYBRID, place=place, online_link=link)
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("status", [WorkingGroup.Status.SUSPENDED, WorkingGroup.Status.CEASED])
def test_schedule_refuses_a_suspended_or_ceased_group(group, status):
    group.status = status
    group.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        schedule(group)
    assert not Meeting.objects.exists()


def test_schedule_carries_the_groups_open_actions_after_the_leaders_items(active):
    late = ActionItemFactory(group=active, due_on=datetime.date(2024, 3, 1))
    early = ActionItemFactory(group=active, due_on=datetime.date(2024, 2, 1))
    ActionItemFactory(group=active, status=ActionItem.Status.DONE)
    ActionItemFactory(group=active, status=ActionItem.Status.DROPPED)
    ActionItemFactory()  # another group's
    meeting = schedule(active, agenda=["Безпека"])
    items = list(meeting.agenda_items.all())
    assert [item.action_item_id for item in items] == [None, early.pk, late.pk]
    assert early.description in items[1].title


def test_carrying_open_actions_twice_adds_nothing(active):
    ActionItemFactory.create_batch(2, group=active)
    meeting = schedule(active)
    assert meeting.agenda_items.count() == 2
    assert meeting_carry_open_actions(meeting=meeting) == 0
    assert meeting.agenda_items.count() == 2
    ActionItemFactory(group=active)  # agreed since: carried next time, alone
    assert meeting_carry_open_actions(meeting=meeting) == 1
    assert meeting_carry_open_actions(meeting=meeting) == 0
    assert meeting.agenda_items.count() == 3


# Proposing next month's date ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "today", "proposed"),
    [
        # The second Tuesday at 15:00 stays the second Tuesday at 15:00 (across the end of
        # summer time: 15:00 is Kyiv wall-clock time, not a fixed UTC offset).
        (kyiv(2024, 10, 8, 15, 0), datetime.date(2024, 10, 9), kyiv(2024, 11, 12, 15, 0)),
        # Across the end of the year.
        (kyiv(2024, 12, 10, 15, 0), datetime.date(2024, 12, 11), kyiv(2025, 1, 14, 15, 0)),
        # A fifth Tuesday becomes the fourth, which every month has.
        (kyiv(2024, 10, 29, 18, 30), datetime.date(2024, 10, 30), kyiv(2024, 11, 26, 18, 30)),
        (kyiv(2024, 12, 31, 10, 0), datetime.date(2025, 1, 1), kyiv(2025, 1, 28, 10, 0)),
        # Next month's date already gone: the first one still ahead.
        (kyiv(2024, 10, 8, 15, 0), datetime.date(2024, 11, 20), kyiv(2024, 12, 10, 15, 0)),
        (kyiv(2024, 1, 9, 15, 0), datetime.date(2024, 5, 1), kyiv(2024, 5, 14, 15, 0)),
    ],
)
def test_propose_next_keeps_the_weekday_of_the_month_and_the_time(active, last, today, proposed):
    MeetingFactory(group=active, starts_at=last, status=Meeting.Status.HELD)
    assert propose_next(active, today=today) == proposed


def test_propose_next_ignores_cancelled_meetings(active):
    MeetingFactory(group=active, starts_at=kyiv(2024, 10, 8, 15, 0), status="held")
    MeetingFactory(
        group=active, starts_at=kyiv(2024, 10, 24, 9, 0), status="cancelled", status_reason="other"
    )
    assert propose_next(active, today=datetime.date(2024, 10, 25)) == kyiv(2024, 11, 12, 15, 0)


def test_propose_next_follows_the_clock_when_travelling(active, travel):
    MeetingFactory(group=active, starts_at=kyiv(2024, 10, 8, 15, 0), status="held")
    travel(kyiv(2025, 2, 20, 12, 0))
    # The second Tuesday of February 2025 (the 11th) has passed: March's, the 11th.
    assert propose_next(active) == kyiv(2025, 3, 11, 15, 0)


def test_propose_next_without_meetings_is_a_week_ahead_at_three(active, travel):
    travel(kyiv(2025, 2, 20, 12, 0))
    assert propose_next(active) == kyiv(2025, 2, 27, 15, 0)


# Editing and calling off ----------------------------------------------------------------------


def test_update_changes_a_planned_meeting_only(active):
    meeting = MeetingFactory(group=active)
    meeting_update(meeting=meeting, place="Школа", duration_minutes=60)
    meeting.refresh_from_db()
    assert (meeting.place, meeting.duration_minutes) == ("Школа", 60)
    held = MeetingFactory(group=active, starts_at=in_days(-3), status="held")
    with pytest.raises(ValidationError):
        meeting_update(meeting=held, place="Інше")
    held.refresh_from_db()
    assert held.place != "Інше"


@pytest.mark.parametrize(
    "fields",
    [
        {"format": "in_person", "place": "", "online_link": ""},
        {"format": "online", "place": "", "online_link": ""},
    ],
)
def test_update_keeps_the_place_and_link_rules(active, fields):
    meeting = MeetingFactory(group=active)
    with pytest.raises(ValidationError):
        meeting_update(meeting=meeting, **fields)


@pytest.mark.parametrize("status", ["cancelled", "postponed"])
def test_call_off_records_the_status_and_reason(active, status):
    meeting = MeetingFactory(group=active)
    meeting_call_off(meeting=meeting, status=status, reason="air_raid", note="  Тривога ")
    meeting.refresh_from_db()
    assert (meeting.status, meeting.status_reason, meeting.status_note) == (
        status,
        "air_raid",
        "Тривога",
    )


@pytest.mark.parametrize(
    ("status", "reason"),
    [("cancelled", ""), ("cancelled", "boredom"), ("held", "air_raid"), ("planned", "other")],
)
def test_call_off_needs_a_reason_and_a_calling_off_status(active, status, reason):
    meeting = MeetingFactory(group=active)
    with pytest.raises(ValidationError):
        meeting_call_off(meeting=meeting, status=status, reason=reason)
    meeting.refresh_from_db()
    assert (meeting.status, meeting.status_reason) == ("planned", "")


@pytest.mark.parametrize("status", ["held", "cancelled", "postponed"])
def test_call_off_only_from_planned(active, status):
    meeting = MeetingFactory(
        group=active,
        starts_at=in_days(-2),
        status=status,
        status_reason="" if status == "held" else "power_outage",
    )
    with pytest.raises(ValidationError):
        meeting_call_off(meeting=meeting, status="cancelled", reason="air_raid")
    meeting.refresh_from_db()
    assert meeting.status == status
    assert meeting.status_reason != "air_raid"


# Logging what happened ------------------------------------------------------------------------


@pytest.fixture
def met(active):
    """A meeting of `active` ten days ago with three members: two of long standing and one
    who left on the very day of the meeting (still a member that day)."""
    meeting = MeetingFactory(group=active, starts_at=in_days(-10))
    day = timezone.localtime(meeting.starts_at).date()
    olena = MembershipFactory(group=active, person__full_name="Олена")
    petro = MembershipFactory(group=active, person__full_name="Петро")
    leaving = MembershipFactory(group=active, person__full_name="Ярина", left_on=day)
    meeting.members = [olena, petro, leaving]
    return meeting


def log(meeting, **changes):
    olena, petro, leaving = meeting.members
    return meeting_log(
        **{
            "meeting": meeting,
            "attendance": {olena.pk: "present", petro.pk: "absent", leaving.pk: "excused"},
            "guests": {category_by_code("police").pk: 2, category_by_code("youth").pk: 0},
            "minutes": "Обговорили <b>освітлення</b><script>alert(1)</script>",
            "decisions": ["Звернутися до ОВА", "  ", "Провести толоку"],
            "new_actions": [
                {
                    "description": "  Написати лист  ",
                    "owner": petro,
                    "due_on": datetime.date(2030, 1, 1),
                }
            ],
            **changes,
        }
    )


def record(meeting):
    return (
        sorted(meeting.attendance.values_list("membership__person__full_name", "status")),
        sorted(meeting.guests.values_list("category__code", "count")),
        list(meeting.decisions.values_list("text", flat=True)),
        list(meeting.action_items.values_list("description", "owner__person__full_name")),
    )


def test_log_records_attendance_guests_minutes_decisions_and_actions(met, leader):
    before = timezone.now()
    log(met, by=leader)
    met.refresh_from_db()
    assert met.status == Meeting.Status.HELD
    assert met.recorded_at >= before
    assert met.minutes == "Обговорили <b>освітлення</b>"
    assert record(met) == (
        [("Олена", "present"), ("Петро", "absent"), ("Ярина", "excused")],
        [("police", 2)],  # a zero is no guests at all
        ["Звернутися до ОВА", "Провести толоку"],
        [("Написати лист", "Петро")],
    )
    action = met.action_items.get()
    assert (action.group, action.status, action.due_on) == (
        met.group,
        "open",
        datetime.date(2030, 1, 1),
    )


def test_logging_again_keeps_the_decisions_that_stay_and_what_cites_them(met, leader):
    """Plan actions and recommendations cite decisions: correcting the record (a decision
    moved, one reworded, one dropped, one added) must not cut those links."""
    log(met, by=leader, decisions=["Звернутися до ОВА", "Провести толоку", "Скликати збори"])
    appeal, cleanup, assembly = met.decisions.order_by("position")
    log(
        met,
        by=leader,
        new_actions=[],
        decisions=["Провести толоку", "Звернутися до ОВА письмово", "Полагодити ліхтарі"],
    )
    after = list(met.decisions.order_by("position"))
    assert [d.text for d in after] == [
        "Провести толоку", "Звернутися до ОВА письмово", "Полагодити ліхтарі",
    ]  # fmt: skip
    assert after[0].pk == cleanup.pk  # unchanged text: the same decision, moved
    assert after[1].pk == appeal.pk  # reworded in its place: the same decision
    assert after[2].pk == assembly.pk  # the third changed too: takes the third's place
    log(met, by=leader, new_actions=[], decisions=["Провести толоку"])
    assert list(met.decisions.values_list("pk", flat=True)) == [cleanup.pk]
    assert not Decision.objects.filter(pk__in=[appeal.pk, assembly.pk]).exists()


def test_members_on_the_day_are_those_whose_attendance_is_recorded(met):
    MembershipFactory(group=met.group, joined_on=timezone.localdate())  # joined since
    day = timezone.localtime(met.starts_at).date()
    MembershipFactory(group=met.group, left_on=day - datetime.timedelta(days=1))  # left before
    MembershipFactory(group=met.group, joined_on=day)  # joined that day
    on_day = set(members_on(met))
    assert set(met.members) <= on_day
    assert len(on_day) == 4


@pytest.mark.parametrize("when", ["joined_after", "left_before", "other_group"])
def test_log_refuses_attendance_of_someone_not_a_member_that_day(met, when):
    day = timezone.localtime(met.starts_at).date()
    stranger = {
        "joined_after": lambda: MembershipFactory(
            group=met.group, joined_on=day + datetime.timedelta(days=1)
        ),
        "left_before": lambda: MembershipFactory(
            group=met.group, left_on=day - datetime.timedelta(days=1)
        ),
        "other_group": lambda: MembershipFactory(),
    }[when]()
    olena = met.members[0]
    with pytest.raises(ValidationError):
        log(met, attendance={olena.pk: "present", stranger.pk: "present"})
    assert_nothing_logged(met)


def assert_nothing_logged(meeting):
    meeting.refresh_from_db()
    assert (meeting.status, meeting.minutes, meeting.recorded_at) == ("planned", "", None)
    for model in (Attendance, GuestCount, Decision, ActionItem):
        assert not model.objects.filter(meeting=meeting).exists(), model


@pytest.mark.parametrize("count", [-1, 501, 10**6])
def test_log_refuses_guest_numbers_out_of_bounds(met, count):
    with pytest.raises(ValidationError):
        log(met, guests={category_by_code("police").pk: count})
    assert_nothing_logged(met)


def test_log_accepts_up_to_500_guests_per_category(met):
    log(met, guests={category_by_code("police").pk: 500, category_by_code("cso").pk: 1})
    assert sorted(met.guests.values_list("count", flat=True)) == [1, 500]


def test_log_refuses_an_unknown_guest_category(met):
    with pytest.raises(ValidationError):
        log(met, guests={999_999: 1})
    assert_nothing_logged(met)


def test_log_refuses_an_unknown_attendance_status(met):
    with pytest.raises(ValidationError):
        log(met, attendance={met.members[0].pk: "asleep"})
    assert_nothing_logged(met)


def test_log_refuses_a_meeting_without_participants(met):
    olena, petro, leaving = met.members
    nobody = {olena.pk: "absent", petro.pk: "excused", leaving.pk: "absent"}
    with pytest.raises(ValidationError):
        log(met, attendance=nobody, guests={})
    assert_nothing_logged(met)
    # Guests alone are participants.
    log(met, attendance=nobody, guests={category_by_code("police").pk: 3})
    assert met.guests.get().count == 3


@pytest.mark.parametrize("when", ["joined_after", "left_before", "other_group"])
def test_an_actions_owner_must_be_a_member_on_the_day(met, when):
    day = timezone.localtime(met.starts_at).date()
    owner = {
        "joined_after": lambda: MembershipFactory(group=met.group, joined_on=timezone.localdate()),
        "left_before": lambda: MembershipFactory(
            group=met.group, left_on=day - datetime.timedelta(days=1)
        ),
        "other_group": lambda: MembershipFactory(),
    }[when]()
    action = {"description": "Щось зробити", "owner": owner, "due_on": datetime.date(2030, 1, 1)}
    with pytest.raises(ValidationError):
        log(met, new_actions=[action])
    # The whole record is refused, not just the action.
    assert_nothing_logged(met)


def test_a_record_leaving_a_member_unmarked_is_refused_on_every_path(met):
    # The form says so on the page; the service refuses too, whoever calls it.
    olena, petro, _leaving = met.members
    with pytest.raises(ValidationError):
        log(met, attendance={olena.pk: "present", petro.pk: "present"})
    assert_nothing_logged(met)


def test_logging_again_replaces_the_record(met):
    olena, petro, leaving = met.members
    log(met)
    log(
        met,
        attendance={olena.pk: "absent", petro.pk: "present", leaving.pk: "excused"},
        guests={category_by_code("youth").pk: 4},
        minutes="Виправлено",
        decisions=["Лише одне рішення"],
        new_actions=[],
    )
    met.refresh_from_db()
    assert met.minutes == "<p>Виправлено</p>"
    assert record(met) == (
        [("Олена", "absent"), ("Петро", "present"), ("Ярина", "excused")],
        [("youth", 4)],
        ["Лише одне рішення"],
        # Actions already agreed stay: they may be carried into agendas by now.
        [("Написати лист", "Петро")],
    )
    assert Attendance.objects.count() == 3


def test_log_refuses_a_meeting_that_has_not_started(active, travel):
    meeting = MeetingFactory(group=active, starts_at=in_days(3))
    olena = MembershipFactory(group=active)
    attendance = {olena.pk: "present"}
    with pytest.raises(ValidationError):
        meeting_log(
            meeting=meeting,
            attendance=attendance,
            guests={},
            minutes="",
            decisions=[],
            new_actions=[],
        )
    assert_nothing_logged(meeting)
    travel(meeting.starts_at + datetime.timedelta(minutes=30))
    meeting_log(
        meeting=meeting, attendance=attendance, guests={}, minutes="", decisions=[], new_actions=[]
    )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD


@pytest.mark.parametrize("status", ["cancelled", "postponed"])
def test_log_refuses_a_meeting_that_was_called_off(met, status):
    meeting_call_off(meeting=met, status=status, reason="air_raid")
    with pytest.raises(ValidationError):
        log(met)
    met.refresh_from_db()
    assert (met.status, met.recorded_at) == (status, None)
    assert not Attendance.objects.filter(meeting=met).exists()


# Minutes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Привіт</p><script>alert(1)</script>", "<p>Привіт</p>"),
        ("<p>Укриття</p><style>p { display: none }</style>", "<p>Укриття</p>"),
        ('<img src="x" onerror="alert(1)">Текст', "Текст"),
        ('<p onclick="steal()">Текст</p>', "<p>Текст</p>"),
        ('<svg onload="alert(1)"></svg><iframe src="//evil"></iframe>Так', "Так"),
        (
            '<a href="javascript:alert(1)">клік</a>',
            '<a rel="noopener noreferrer nofollow">клік</a>',
        ),
        (
            '<a href="JaVaScRiPt:alert(1)">клік</a>',
            '<a rel="noopener noreferrer nofollow">клік</a>',
        ),
        (
            '<a href="https://gov.ua" onmouseover="x()">Сайт</a>',
            '<a href="https://gov.ua" rel="noopener noreferrer nofollow">Сайт</a>',
        ),
    ],
)
def test_sanitise_minutes_strips_what_could_run(dirty, clean):
    assert sanitise_minutes(dirty) == clean


def test_sanitise_minutes_keeps_cyrillic_paragraphs_and_lists():
    html = (
        "<h3>Рішення</h3><p>Освітлення вулиці Шевченка — <strong>терміново</strong>.</p>"
        "<ul><li>Їжак</li><li>Ґанок</li></ul>"
    )
    assert sanitise_minutes(html) == html


def test_sanitise_minutes_turns_plain_text_into_paragraphs():
    text = "Перший абзац\n\nДругий абзац\nз новим рядком & символами"
    assert sanitise_minutes(text) == (
        "<p>Перший абзац</p>\n\n<p>Другий абзац<br>з новим рядком &amp; символами</p>"
    )


@pytest.mark.parametrize("text", ["", "   ", "\x00", None])
def test_sanitise_minutes_of_nothing_is_empty(text):
    assert sanitise_minutes(text) == ""


def test_sanitise_minutes_drops_nul_characters():
    assert sanitise_minutes("Ріш\x00ення") == "<p>Рішення</p>"


def test_plain_text_minutes_with_a_less_than_sign_keep_their_paragraphs():
    cleaned = sanitise_minutes("Прийшло <5 людей\n\nНаступного разу більше")
    assert cleaned.count("<p>") == 2
    assert "&lt;5" in cleaned


# Actions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["done", "dropped"])
def test_closing_an_action_dates_it_and_reopening_clears_the_date(status, travel):
    action = ActionItemFactory()
    travel(kyiv(2025, 3, 5, 0, 30))  # the 5th in Kyiv, still the 4th in UTC
    action_item_set_status(action=action, status=status)
    action.refresh_from_db()
    assert (action.status, action.closed_on) == (status, datetime.date(2025, 3, 5))
    action_item_set_status(action=action, status="open")
    action.refresh_from_db()
    assert (action.status, action.closed_on) == ("open", None)


def test_an_unknown_action_status_is_refused():
    action = ActionItemFactory()
    with pytest.raises(ValidationError):
        action_item_set_status(action=action, status="forgotten")
    action.refresh_from_db()
    assert (action.status, action.closed_on) == ("open", None)


def test_a_closed_action_is_no_longer_carried(active):
    done = ActionItemFactory(group=active)
    action_item_set_status(action=done, status="done")
    still_open = ActionItemFactory(group=active)
    meeting = schedule(active)
    assert list(
        AgendaItem.objects.filter(meeting=meeting).values_list("action_item", flat=True)
    ) == [still_open.pk]


def test_other_groups_are_untouched_by_a_log(met):
    other = WorkingGroupFactory(programme=met.group.programme, status="active")
    other_meeting = MeetingFactory(group=other, starts_at=in_days(-10))
    log(met)
    assert not Attendance.objects.filter(meeting=other_meeting).exists()
    assert not ActionItem.objects.filter(group=other).exists()
