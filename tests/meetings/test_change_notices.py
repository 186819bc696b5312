"""Members are told when an announced meeting moves, changes place or link, or is called off:
one notice each per change (calendar SEQUENCE), held back CHANGE_NOTICE_DELAY seconds so that
a meeting changed twice in a minute is told once, as it then stands; through the reminders'
rows, batches, claims, opt-outs and unsubscribe links. The clock is held at NOW; the delivery
task queued after a change is run at the moment its countdown would fire."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.urls import reverse
from icalendar import Calendar

from meetings import reminders, tasks
from meetings.models import EmailOptOut, Meeting, Reminder
from meetings.services import meeting_call_off, meeting_log, meeting_update, members_on
from tests.factories import (
    AgendaItemFactory,
    MeetingFactory,
    MembershipFactory,
    UserFactory,
    WorkingGroupFactory,
)
from workinggroups.models import Membership, WorkingGroup

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
Status = Reminder.Status
KYIV = ZoneInfo("Europe/Kyiv")


def kyiv(year, month, day, hour=9, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=KYIV)


# Monday 16 November 2026, 09:00 in Kyiv; the meeting is on Wednesday the 18th at 15:00.
NOW = kyiv(2026, 11, 16)
SECOND = datetime.timedelta(seconds=1)
RUNNING = {
    "programme__start_date": datetime.date(2026, 1, 1),
    "programme__end_date": datetime.date(2027, 12, 31),
}
TEAM_EMAILS = ["leader@example.org", "member0@example.org", "member1@example.org",
               "member2@example.org"]  # fmt: skip


@pytest.fixture(autouse=True)
def _clock_at_now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def team():
    """An active group of a running programme: a leader and three members with addresses,
    one member without, one who left."""
    group = WorkingGroupFactory(
        status=WorkingGroup.Status.ACTIVE, name_uk="Мар'янівська група",
        name_en="Maryanivka group", **RUNNING,
    )  # fmt: skip
    MembershipFactory(group=group, role=Membership.Role.LEADER, person__email="leader@example.org")
    for n in range(3):
        MembershipFactory(group=group, person__email=f"member{n}@example.org")
    MembershipFactory(group=group, person__email="", person__phone="+380931234567")
    MembershipFactory(
        group=group, person__email="former@example.org", left_on=datetime.date(2024, 5, 1)
    )
    return group


@pytest.fixture
def announced(team, mailoutbox, django_capture_on_commit_callbacks):
    """The team's meeting on the 18th at 15:00 in the library, announced to the members (the
    announcements are then cleared from the outbox)."""
    meeting = MeetingFactory(group=team, starts_at=kyiv(2026, 11, 18, 15), place="Бібліотека")
    with django_capture_on_commit_callbacks(execute=True):
        reminders.meeting_send_agenda(meeting=meeting)
    assert len(mailoutbox) == 4
    mailoutbox.clear()
    return meeting


def at(when, function, *args, **kwargs):
    with time_machine.travel(when, tick=False):
        return function(*args, **kwargs)


def changed(when, service, capture, **kwargs):
    """Runs the service at `when`; returns its after-commit callbacks (the delivery task with
    its countdown) without running them."""
    with capture(execute=False) as callbacks:
        at(when, service, **kwargs)
    return callbacks


def fire(callbacks, when):
    """Runs the queued delivery tasks at `when`, as their countdown would."""
    with time_machine.travel(when, tick=False):
        for callback in callbacks:
            callback()


def due(when):
    return when + datetime.timedelta(seconds=settings.CHANGE_NOTICE_DELAY)


def notices(**filters):
    return Reminder.objects.filter(kind=Kind.CHANGE_NOTICE, **filters)


def move(meeting, starts_at, **fields):
    return meeting_update(meeting=meeting, starts_at=starts_at, **fields)


# Moves and cancellations ---------------------------------------------------------------------


def test_a_meeting_moved_twice_in_a_minute_is_told_once_per_member_at_its_latest_time(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = changed(NOW, move, capture, meeting=announced, starts_at=kyiv(2026, 11, 19, 15))
    second = changed(
        NOW + 40 * SECOND, move, capture, meeting=announced, starts_at=kyiv(2026, 11, 19, 17)
    )
    fire(first, due(NOW))  # the first change's countdown: superseded, nothing sent
    assert mailoutbox == []
    fire(second, due(NOW + 40 * SECOND))
    assert sorted(m.to[0] for m in mailoutbox) == TEAM_EMAILS
    announced.refresh_from_db()
    assert announced.sequence == 2
    for message in mailoutbox:
        assert message.subject == "Мар'янівська група: засідання перенесено на 19 листопада, 17:00"
        # From what the members were told (the 18th at 15:00) to the latest time; the time in
        # between was never told, so it is not mentioned.
        assert "18 листопада 2026, 15:00" in message.body
        assert "19 листопада 2026, 17:00" in message.body
        assert "19 листопада 2026, 15:00" not in message.body
    first_notices = notices(subject_key=f"meeting:{announced.pk}:seq:1")
    assert set(first_notices.values_list("status", "last_error")) == {
        (Status.SKIPPED, "Not sent: superseded by a later change.")
    }
    latest = notices(subject_key=f"meeting:{announced.pk}:seq:2")
    assert set(latest.values_list("status", flat=True)) == {Status.SENT}
    # The sweep, and the tasks run again, find nothing left to send.
    later = due(NOW) + datetime.timedelta(minutes=10)
    fire(first + second, later)
    assert at(later, tasks.deliver_pending_reminders) == 0
    assert len(mailoutbox) == 4


def test_a_notice_waits_for_its_delay_and_the_sweep_sends_it_if_its_task_was_lost(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    queued = changed(
        NOW, move, django_capture_on_commit_callbacks, meeting=announced,
        starts_at=kyiv(2026, 11, 18, 16),
    )  # fmt: skip
    fire(queued, due(NOW) - SECOND)  # a task run early (an eager one, say) sends nothing
    assert mailoutbox == []
    assert set(notices().values_list("status", "attempts")) == {(Status.PENDING, 0)}
    grace = datetime.timedelta(seconds=settings.REMINDER_QUEUE_GRACE)
    assert at(due(NOW) + grace - SECOND, reminders.reminders_requeue_stalled) == []
    # Its task lost with the broker: the sweep queues it the grace after it was due.
    with django_capture_on_commit_callbacks(execute=False) as swept:
        assert at(due(NOW) + grace + SECOND, tasks.deliver_pending_reminders) == 4
    fire(swept, due(NOW) + grace + SECOND)
    assert sorted(m.to[0] for m in mailoutbox) == TEAM_EMAILS


def test_a_cancellation_after_the_announcement_is_told_once_with_the_calendar_update(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    AgendaItemFactory(meeting=announced, title="Звіт за жовтень")
    queued = changed(
        NOW, meeting_call_off, django_capture_on_commit_callbacks, meeting=announced,
        status="cancelled", reason="air_raid", note="Тривога",
    )  # fmt: skip
    fire(queued, due(NOW))
    fire(queued, due(NOW))  # its task run twice
    assert sorted(m.to[0] for m in mailoutbox) == TEAM_EMAILS
    message = mailoutbox[0]
    assert message.subject == "Мар'янівська група: засідання 18 листопада, 15:00 скасовано"
    assert "скасовано" in message.body
    assert "Тривога" in message.body
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("meeting.ics", "text/calendar; method=PUBLISH; charset=utf-8")
    calendar = Calendar.from_ical(content)
    assert calendar["METHOD"] == "PUBLISH"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Kyiv"]
    event = calendar.walk("VEVENT")[0]
    announced.refresh_from_db()
    # The same event as in the announcement and the feed, at the feed's SEQUENCE.
    assert str(event["UID"]) == f"meeting-{announced.pk}@cohesion"
    assert (event["SEQUENCE"], announced.sequence) == (1, 1)
    assert str(event["STATUS"]) == "CANCELLED"
    assert "Звіт за жовтень" in str(event["DESCRIPTION"])


def test_a_postponement_is_told_and_its_calendar_update_cancels_the_event(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    queued = changed(
        NOW, meeting_call_off, django_capture_on_commit_callbacks, meeting=announced,
        status="postponed", reason="power_outage",
    )  # fmt: skip
    fire(queued, due(NOW))
    assert len(mailoutbox) == 4
    assert "перенесено" in mailoutbox[0].subject
    event = Calendar.from_ical(mailoutbox[0].attachments[0][1]).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"


def test_a_move_then_a_cancellation_in_a_minute_is_told_once_as_the_cancellation(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = changed(NOW, move, capture, meeting=announced, starts_at=kyiv(2026, 11, 19, 15))
    second = changed(
        NOW + 30 * SECOND, meeting_call_off, capture, meeting=announced,
        status="cancelled", reason="security",
    )  # fmt: skip
    fire(first + second, due(NOW + 30 * SECOND))
    assert len(mailoutbox) == 4
    # Members knew of the 18th: that is the meeting they are told is off.
    assert all("18 листопада, 15:00 скасовано" in m.subject for m in mailoutbox)


def test_a_change_after_a_notice_went_out_is_told_from_what_that_notice_said(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    fire(changed(NOW, move, capture, meeting=announced, starts_at=kyiv(2026, 11, 19, 15)),
         due(NOW))  # fmt: skip
    later = NOW + datetime.timedelta(hours=1)
    fire(changed(later, move, capture, meeting=announced, starts_at=kyiv(2026, 11, 20, 15)),
         due(later))  # fmt: skip
    assert len(mailoutbox) == 8
    second = mailoutbox[4].body
    assert "19 листопада 2026, 15:00" in second and "20 листопада 2026, 15:00" in second
    assert "18 листопада" not in second
    assert notices(status=Status.SENT).count() == 8


def test_a_meeting_moved_and_moved_back_in_a_minute_is_not_told(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = changed(NOW, move, capture, meeting=announced, starts_at=kyiv(2026, 11, 19, 15))
    second = changed(
        NOW + 20 * SECOND, move, capture, meeting=announced, starts_at=kyiv(2026, 11, 18, 15)
    )
    fire(first + second, due(NOW + 20 * SECOND))
    assert mailoutbox == []
    assert set(notices().values_list("status", flat=True)) == {Status.SKIPPED}


def test_a_place_and_link_change_says_what_changed(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    queued = changed(
        NOW, meeting_update, django_capture_on_commit_callbacks, meeting=announced,
        format=Meeting.Format.HYBRID, place="Школа № 2", online_link="https://meet.example.org/x",
    )  # fmt: skip
    fire(queued, due(NOW))
    message = mailoutbox[0]
    assert message.subject == "Мар'янівська група: засідання 18 листопада, 15:00 змінено"
    assert "Бібліотека → Школа № 2" in message.body
    assert "— → https://meet.example.org/x" in message.body
    assert "змінилося" in message.body
    event = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")[0]
    assert (str(event["LOCATION"]), str(event["URL"])) == (
        "Школа № 2",
        "https://meet.example.org/x",
    )


def test_saving_a_meeting_unchanged_neither_raises_its_sequence_nor_stops_a_waiting_notice(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    queued = changed(NOW, move, capture, meeting=announced, starts_at=kyiv(2026, 11, 19, 15))
    changed(NOW + 10 * SECOND, move, capture, meeting=announced, starts_at=kyiv(2026, 11, 19, 15),
            place="Бібліотека")  # fmt: skip
    announced.refresh_from_db()
    assert announced.sequence == 1
    fire(queued, due(NOW))
    assert len(mailoutbox) == 4


# Who is told, and when not ---------------------------------------------------------------------


def test_a_meeting_never_announced_gets_no_notice(team, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(group=team, starts_at=kyiv(2026, 11, 25, 15))
    capture = django_capture_on_commit_callbacks
    fire(changed(NOW, move, capture, meeting=meeting, starts_at=kyiv(2026, 11, 26, 15)), due(NOW))
    fire(
        changed(NOW, meeting_call_off, capture, meeting=meeting, status="cancelled",
                reason="other"),
        due(NOW),
    )  # fmt: skip
    meeting.refresh_from_db()
    assert meeting.sequence == 2
    assert not notices().exists()


def test_a_meeting_called_off_after_its_time_is_not_told(announced):
    at(kyiv(2026, 11, 18, 18), meeting_call_off, meeting=announced, status="cancelled",
       reason="air_raid")  # fmt: skip
    assert not notices().exists()


def test_a_notice_for_a_meeting_logged_as_held_meanwhile_is_not_sent(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    # Moved an hour earlier, to right now, and logged at once, before the notice went.
    queued = changed(NOW, move, django_capture_on_commit_callbacks, meeting=announced,
                     starts_at=NOW)  # fmt: skip
    attendance = {m.pk: "present" for m in members_on(announced)}
    at(NOW + SECOND, meeting_log, meeting=announced, attendance=attendance,
       guests={}, minutes="", decisions=[], new_actions=[])  # fmt: skip
    fire(queued, due(NOW))
    assert mailoutbox == []
    assert set(notices().values_list("last_error", flat=True)) == {
        "Not sent: the meeting has been held."
    }


def test_members_without_an_address_or_unsubscribed_get_no_notice(
    announced, mailoutbox, client, django_capture_on_commit_callbacks
):
    EmailOptOut.objects.create(email="MEMBER1@example.org")
    queued = changed(NOW, move, django_capture_on_commit_callbacks, meeting=announced,
                     starts_at=kyiv(2026, 11, 19, 15))  # fmt: skip
    # Unsubscribing through the link of an earlier email, while the notice waits.
    token = reminders.unsubscribe_token("member2@example.org")
    client.post(reverse("meetings:unsubscribe", args=[token]))
    fire(queued, due(NOW))
    assert sorted(m.to[0] for m in mailoutbox) == ["leader@example.org", "member0@example.org"]
    assert notices().count() == 4  # nobody without an address, nobody who left
    assert set(notices(email__in=["member1@example.org", "member2@example.org"]).values_list(
        "status", flat=True)) == {Status.SKIPPED}  # fmt: skip
    message = next(m for m in mailoutbox if m.to == ["member0@example.org"])
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in message.body and link in message.alternatives[0][0]
    assert reminders.email_for_token(link.rstrip("/").rsplit("/", 1)[1]) == "member0@example.org"


def test_the_notice_is_in_each_members_language(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    person = Membership.objects.get(person__email="member0@example.org").person
    person.user = UserFactory(language="en")
    person.save(update_fields=["user"])
    queued = changed(NOW, move, django_capture_on_commit_callbacks, meeting=announced,
                     starts_at=kyiv(2026, 11, 19, 17), place="Школа № 2")  # fmt: skip
    fire(queued, due(NOW))
    by_address = {m.to[0]: m for m in mailoutbox}
    english, ukrainian = by_address["member0@example.org"], by_address["member1@example.org"]
    assert english.subject == "Maryanivka group: the meeting is moved to 19 November, 17:00"
    assert "Hello," in english.body
    assert 'The meeting of the working group "Maryanivka group" has changed.' in english.body
    assert (
        "When: Wednesday, 18 November 2026, 15:00–16:30 → Thursday, 19 November 2026, "
        "17:00–18:30 (Kyiv time)" in english.body
    )
    assert "Place: Бібліотека → Школа № 2" in english.body
    assert "18 November" in english.alternatives[0][0]
    # The new strings are English until the catalogue is merged; the rest is Ukrainian.
    assert ukrainian.body.startswith("Доброго дня!")
    assert "Коли: Середа, 18 листопада 2026, 15:00–16:30 → Четвер, 19 листопада 2026" in (
        ukrainian.body
    )
    assert "за київським часом" in ukrainian.body
    assert "Місце: Бібліотека → Школа № 2" in ukrainian.body
    assert "November" not in ukrainian.body


def test_a_change_through_the_edit_page_is_told(
    as_user, leader, group, mailoutbox, django_capture_on_commit_callbacks
):
    WorkingGroup.objects.filter(pk=group.pk).update(status=WorkingGroup.Status.ACTIVE)
    group.programme.start_date, group.programme.end_date = RUNNING.values()
    group.programme.save()
    MembershipFactory(group=group, person__email="member@example.org")
    meeting = MeetingFactory(group=group, starts_at=kyiv(2026, 11, 18, 15), place="Бібліотека")
    reminders.meeting_send_agenda(meeting=meeting)
    mailoutbox.clear()
    data = {"starts_at": "2026-11-19T15:00", "duration_minutes": 90, "format": "in_person",
            "place": "Бібліотека", "online_link": ""}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = as_user(leader).post(reverse("meetings:edit", args=[meeting.pk]), data)
    assert response.status_code == 302
    fire(queued, due(NOW))
    assert [m.to for m in mailoutbox] == [["member@example.org"]]
    assert "перенесено на 19 листопада, 15:00" in mailoutbox[0].subject


# Delivery: batches, claims, workers ------------------------------------------------------------


def test_a_batch_renders_a_change_once_per_language(
    announced, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    from cohesion import mail

    for n in range(3, 13):
        user = UserFactory(language="en") if n % 2 else None
        MembershipFactory(group=announced.group, person__email=f"member{n}@example.org",
                          person__user=user)  # fmt: skip
    built = []
    real_build = mail.build

    def counting(name, context, **kwargs):
        built.append((name, kwargs["language"]))
        return real_build(name, context, **kwargs)

    monkeypatch.setattr(mail, "build", counting)
    queued = changed(NOW, move, django_capture_on_commit_callbacks, meeting=announced,
                     starts_at=kyiv(2026, 11, 19, 15))  # fmt: skip
    fire(queued, due(NOW))
    assert len(mailoutbox) == 14
    assert sorted(built) == [("meeting_change_notice", "en"), ("meeting_change_notice", "uk")]
    assert len({m.extra_headers["List-Unsubscribe"] for m in mailoutbox}) == 14


def test_two_workers_given_the_same_notices_send_each_once(
    announced, mailoutbox, django_capture_on_commit_callbacks
):
    queued = changed(NOW, move, django_capture_on_commit_callbacks, meeting=announced,
                     starts_at=kyiv(2026, 11, 19, 15))  # fmt: skip
    ids = list(notices().values_list("pk", flat=True))
    # Another worker holds one of them (the sweep's copy of the task, say).
    Reminder.objects.filter(pk=ids[0]).update(status=Status.SENDING, claimed_at=due(NOW))
    assert at(due(NOW), tasks.deliver_reminders.run, ids) == 3
    fire(queued, due(NOW))
    assert at(due(NOW), reminders.deliver, ids[0]) is False
    assert len(mailoutbox) == 3
    assert Reminder.objects.get(pk=ids[0]).status == Status.SENDING


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent connections"
)
@pytest.mark.django_db(transaction=True)
def test_workers_delivering_at_once_while_the_meeting_moves_again_send_one_notice_each(
    mailoutbox, time_machine
):
    group = WorkingGroupFactory(status=WorkingGroup.Status.ACTIVE, **RUNNING)
    MembershipFactory(group=group, role=Membership.Role.LEADER, person__email="leader@x.org")
    for n in range(20):
        MembershipFactory(group=group, person__email=f"m{n}@example.org")
    meeting = MeetingFactory(group=group, starts_at=kyiv(2026, 11, 18, 15))
    Meeting.objects.filter(pk=meeting.pk).update(agenda_sent_at=NOW)
    meeting.refresh_from_db()
    # Autocommit: the eager delivery task runs at once and, the notices not due, sends nothing.
    move(meeting, kyiv(2026, 11, 19, 15))
    start = threading.Barrier(4)
    errors = []

    first = list(notices().values_list("pk", flat=True))
    # The clock is moved for the whole process, not in each thread: travels do not nest
    # across threads.
    time_machine.move_to(due(NOW), tick=False)

    def worker(index):
        try:
            start.wait(timeout=10)
            if index == 0:
                # The leader moves it again just as the first notices fall due.
                move(meeting, kyiv(2026, 11, 19, 17))
            tasks.deliver_reminders.run(first)
            tasks.deliver_pending_reminders()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    grace = datetime.timedelta(seconds=settings.REMINDER_QUEUE_GRACE)
    time_machine.move_to(due(due(NOW)) + grace + SECOND, tick=False)
    tasks.deliver_pending_reminders()
    # Each member is told of each SEQUENCE at most once, and of the latest one exactly once.
    told = [(m.to[0], sequence_of(m)) for m in mailoutbox]
    assert len(set(told)) == len(told)
    latest = notices(subject_key=f"meeting:{meeting.pk}:seq:2")
    assert latest.count() == 21
    assert set(latest.values_list("status", flat=True)) == {Status.SENT}
    assert sorted(email for email, sequence in told if sequence == 2) == sorted(
        latest.values_list("email", flat=True)
    )
    assert all("17:00" in m.subject for m in mailoutbox if sequence_of(m) == 2)
    assert not notices(status__in=[Status.PENDING, Status.SENDING]).exists()


def sequence_of(message) -> int:
    return Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")[0]["SEQUENCE"]
