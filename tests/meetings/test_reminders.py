"""Reminders go out exactly once, at the right time, to the right person, in their language,
and say nothing about other people. Tests hold the process clock where they need it, so that
the delivery tasks see the same time as the planning that queued them."""

import datetime
import os
import smtplib
import socket
import threading
import time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from cohesion.celery import app as celery_app
from meetings import reminders, tasks
from meetings.models import EmailOptOut, Meeting, Reminder
from tests import workers as tests_workers
from tests.factories import (
    ActionItemFactory,
    AgendaItemFactory,
    MeetingFactory,
    MembershipFactory,
    ReminderFactory,
    UserFactory,
    WorkingGroupFactory,
)
from workinggroups.models import Membership, WorkingGroup

pytestmark = pytest.mark.django_db

Kind = Reminder.Kind
Status = Reminder.Status
LEADER = Membership.Role.LEADER


KYIV = ZoneInfo("Europe/Kyiv")


def kyiv(year, month, day, hour=9, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=KYIV)


# Monday 16 November 2026, 09:00 in Kyiv: ISO week 47.
NOW = kyiv(2026, 11, 16)


@pytest.fixture(autouse=True)
def _clock_at_now(time_machine):
    """Every test here starts with the clock held at NOW, whatever the date it runs on; tests
    move it further with `at`."""
    time_machine.move_to(NOW, tick=False)


# A programme running in November 2026, when these tests travel to: reminders go out only for
# the groups of running programmes.
RUNNING = {
    "programme__start_date": datetime.date(2026, 1, 1),
    "programme__end_date": datetime.date(2027, 12, 31),
}


def meeting_tomorrow():
    """A meeting of an active group of a running programme, a day after NOW."""
    group = WorkingGroupFactory(status=WorkingGroup.Status.ACTIVE, **RUNNING)
    return MeetingFactory(group=group, starts_at=NOW + datetime.timedelta(days=1))


@pytest.fixture
def team():
    """An active group with a leader, three members with contacts, one without an email and
    one who left."""
    group = WorkingGroupFactory(
        status=WorkingGroup.Status.ACTIVE, name_uk="Мар'янівська група", **RUNNING
    )
    leader = MembershipFactory(
        group=group,
        role=LEADER,
        person__full_name="Олена Лідерка",
        person__email="Leader@Example.org",
        person__phone="+380501112233",
    )
    members = [
        MembershipFactory(
            group=group,
            person__full_name=f"Член Групи {n}",
            person__email=f"member{n}@example.org",
            person__phone=f"+38067000000{n}",
        )
        for n in range(3)
    ]
    MembershipFactory(group=group, person__email="", person__phone="+380931234567")
    MembershipFactory(
        group=group, person__email="former@example.org", left_on=datetime.date(2024, 5, 1)
    )
    return {"group": group, "leader": leader, "members": members}


def emails_of(kind):
    return sorted(Reminder.objects.filter(kind=kind).values_list("email", flat=True))


def at(when, function, *args, **kwargs):
    """Calls `function` with the process clock held at `when`."""
    with time_machine.travel(when, tick=False):
        return function(*args, **kwargs)


def deliver_all(ids, now=NOW):
    return [at(now, reminders.deliver, pk) for pk in ids]


# Announcements -------------------------------------------------------------------------------

TEAM_EMAILS = ["leader@example.org", "member0@example.org", "member1@example.org",
               "member2@example.org"]  # fmt: skip


def test_announcement_goes_to_each_current_member_with_an_email_three_days_before(team):
    # Three days before to the hour: the beat runs hourly.
    meeting = MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 19, 9))
    assert at(NOW - datetime.timedelta(hours=1), reminders.plan_announcements) == []
    ids = at(NOW, reminders.plan_announcements)
    assert emails_of(Kind.ANNOUNCEMENT) == TEAM_EMAILS
    assert set(Reminder.objects.values_list("subject_key", flat=True)) == {f"meeting:{meeting.pk}"}
    assert sorted(ids) == sorted(Reminder.objects.values_list("pk", flat=True))
    meeting.refresh_from_db()
    assert meeting.agenda_sent_at == NOW


def test_the_announcement_day_is_a_setting(team, settings):
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 21, 9))
    assert at(NOW, reminders.plan_announcements) == []
    settings.MEETING_ANNOUNCE_DAYS_BEFORE = 6
    assert len(at(NOW, reminders.plan_announcements)) == 4


def test_past_called_off_and_paused_groups_meetings_are_not_announced(team):
    group = team["group"]
    MeetingFactory(group=group, starts_at=NOW - datetime.timedelta(hours=1))
    MeetingFactory(
        group=group,
        starts_at=NOW + datetime.timedelta(days=1),
        status=Meeting.Status.CANCELLED,
        status_reason=Meeting.Reason.AIR_RAID,
    )
    suspended = WorkingGroupFactory(status=WorkingGroup.Status.SUSPENDED, **RUNNING)
    MembershipFactory(group=suspended, person__email="someone@example.org")
    MeetingFactory(group=suspended, starts_at=NOW + datetime.timedelta(days=1))
    assert at(NOW, reminders.plan_announcements) == []


def test_planning_twice_creates_each_reminder_once(team):
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15))
    first = at(NOW, reminders.plan_announcements)
    second = at(NOW + datetime.timedelta(hours=1), reminders.plan_announcements)
    assert Reminder.objects.count() == 4
    # Rows not yet tried come back, to be queued again: harmless, delivery claims each once.
    assert sorted(first) == sorted(second)
    deliver_all(first)
    assert at(NOW + datetime.timedelta(hours=2), reminders.plan_announcements) == []


def test_running_the_beat_task_twice_sends_each_announcement_once(
    team, mailoutbox, django_capture_on_commit_callbacks
):
    MeetingFactory(group=team["group"], starts_at=timezone.now() + datetime.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.announce_upcoming_meetings.delay()
        tasks.announce_upcoming_meetings.delay()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.announce_upcoming_meetings.delay()
    assert sorted(m.to[0] for m in mailoutbox) == TEAM_EMAILS
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.SENT}


def test_open_actions_are_carried_into_the_announced_agenda(team, mailoutbox):
    meeting = MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15))
    AgendaItemFactory(meeting=meeting, title="Безпека на зупинках")
    ActionItemFactory(
        group=team["group"], owner=team["members"][0], description="Зустрітися з поліцією"
    )
    deliver_all(at(NOW, reminders.plan_announcements))
    titles = list(meeting.agenda_items.values_list("title", flat=True))
    assert titles[0] == "Безпека на зупинках"
    assert "Зустрітися з поліцією" in titles[1]
    body = mailoutbox[0].body
    assert "Безпека на зупинках" in body
    assert "Зустрітися з поліцією" in body


def test_send_agenda_now_announces_at_once_and_only_once(
    team, mailoutbox, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 28, 15))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.meeting_send_agenda(meeting=meeting)
    assert len(mailoutbox) == 4
    assert meeting.agenda_sent_at == NOW
    # A member who joins later gets the announcement from the beat; nobody gets it twice.
    MembershipFactory(group=team["group"], person__email="newcomer@example.org")
    ids = at(kyiv(2026, 11, 26), reminders.plan_announcements)
    deliver_all(ids, now=kyiv(2026, 11, 26))
    assert [m.to for m in mailoutbox[4:]] == [["newcomer@example.org"]]
    meeting.refresh_from_db()
    assert meeting.agenda_sent_at == NOW


def test_send_agenda_now_refuses_a_meeting_that_is_not_ahead(team):
    past = MeetingFactory(group=team["group"], starts_at=NOW - datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        reminders.meeting_send_agenda(meeting=past)
    assert not Reminder.objects.exists()


def test_a_meeting_nobody_can_be_written_to_about_stays_unannounced():
    group = WorkingGroupFactory(status=WorkingGroup.Status.ACTIVE, **RUNNING)
    MembershipFactory(group=group, role=LEADER, person__email="")
    meeting = MeetingFactory(group=group, starts_at=kyiv(2026, 11, 18, 15))
    assert at(NOW, reminders.plan_announcements) == []
    with pytest.raises(ValidationError):
        reminders.meeting_send_agenda(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.agenda_sent_at is None


def test_a_meeting_called_off_after_planning_is_not_announced(team, mailoutbox):
    meeting = MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15))
    ids = at(NOW, reminders.plan_announcements)
    Meeting.objects.filter(pk=meeting.pk).update(status="cancelled", status_reason="air_raid")
    deliver_all(ids)
    assert mailoutbox == []
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.SKIPPED}


# What an email says --------------------------------------------------------------------------


def test_announcement_says_nothing_about_other_members(team, mailoutbox):
    meeting = MeetingFactory(
        group=team["group"],
        starts_at=kyiv(2026, 11, 18, 15),
        format=Meeting.Format.HYBRID,
        online_link="https://meet.example.org/abc",
    )
    meeting.prereads.create(
        file="prereads/x.pdf", original_name="Звіт поліції.pdf", content_type="application/pdf",
        size=10,
    )  # fmt: skip
    ActionItemFactory(group=team["group"], owner=team["members"][1])
    deliver_all(at(NOW, reminders.plan_announcements))
    assert len(mailoutbox) == 4
    people = [team["leader"], *team["members"]]
    for message in mailoutbox:
        text = message.body + message.alternatives[0][0] + message.attachments[0][1]
        assert "Звіт поліції.pdf" in text
        assert "https://meet.example.org/abc" in text
        for membership in people:
            person = membership.person
            assert person.phone not in text
            assert person.full_name not in text
            if person.email.lower() != message.to[0]:
                assert person.email.lower() not in text.lower()


def test_text_part_is_not_html_escaped(team, mailoutbox):
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15), place='Кафе "Сад"')
    deliver_all(at(NOW, reminders.plan_announcements))
    message = mailoutbox[0]
    assert "Мар'янівська група" in message.subject
    assert "Мар'янівська група" in message.body
    assert 'Кафе "Сад"' in message.body
    assert "Кафе &quot;Сад&quot;" in message.alternatives[0][0]


def test_announcement_carries_a_kyiv_time_invitation(team, mailoutbox):
    meeting = MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15))
    AgendaItemFactory(meeting=meeting, title="Звіт за жовтень")
    deliver_all(at(NOW, reminders.plan_announcements))
    message = mailoutbox[0]
    name, content, mimetype = message.attachments[0]
    assert name == "meeting.ics"
    assert mimetype == "text/calendar; method=PUBLISH; charset=utf-8"
    calendar = Calendar.from_ical(content)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Kyiv"]
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Kyiv"
    assert start == meeting.starts_at
    assert "Звіт за жовтень" in str(event["DESCRIPTION"])
    assert calendar["METHOD"] == "PUBLISH"


def test_announcement_carries_the_prereads_within_the_size_budget(
    team, mailoutbox, settings, private_media
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meetings.services import preread_add

    meeting = MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15))
    small = b"%PDF-1.4 short"
    preread_add(meeting=meeting, upload=SimpleUploadedFile("План.pdf", small, "application/pdf"))
    big = b"%PDF-1.4 " + b"x" * 2000
    preread_add(meeting=meeting, upload=SimpleUploadedFile("Звіт.pdf", big, "application/pdf"))
    settings.PREREAD_ATTACH_MAX_BYTES = len(small) + 100  # room for the first only
    deliver_all(at(NOW, reminders.plan_announcements))
    attachments = {name: content for name, content, _type in mailoutbox[0].attachments}
    assert attachments["План.pdf"] == small
    assert "Звіт.pdf" not in attachments
    assert "Звіт.pdf" in mailoutbox[0].body  # still named, for the leader to share


def test_email_is_in_the_recipients_language(team, mailoutbox):
    team["members"][0].person.user = UserFactory(language="en")
    team["members"][0].person.save(update_fields=["user"])
    team["group"].name_en = "Maryanivka group"
    team["group"].save(update_fields=["name_en"])
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15))
    deliver_all(at(NOW, reminders.plan_announcements))
    by_address = {m.to[0]: m for m in mailoutbox}
    english, ukrainian = by_address["member0@example.org"], by_address["member1@example.org"]
    assert Reminder.objects.get(email="member0@example.org").language == "en"
    assert english.subject == "Maryanivka group: meeting on 18 November, 15:00"
    assert "You are invited to the meeting" in english.body
    assert "Wednesday, 18 November 2026" in english.body
    assert ukrainian.subject.startswith("Мар'янівська група")
    assert "18 листопада 2026" in ukrainian.body
    assert "November" not in ukrainian.body


def test_every_email_has_text_and_html_and_an_unsubscribe_link(team, mailoutbox, client):
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15))
    deliver_all(at(NOW, reminders.plan_announcements))
    message = next(m for m in mailoutbox if m.to == ["member0@example.org"])
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url in message.body
    assert url in html
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert reminders.email_for_token(token) == "member0@example.org"


def test_in_a_batch_each_member_gets_their_own_unsubscribe_link(team, mailoutbox):
    """The batch resolves the link's path once and puts each member's token in."""
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15))
    ids = at(NOW, reminders.plan_announcements)
    assert at(NOW, tasks.deliver_reminders, ids) == len(TEAM_EMAILS)

    assert sorted(m.to[0] for m in mailoutbox) == sorted(TEAM_EMAILS)
    for sent in mailoutbox:
        link = sent.extra_headers["List-Unsubscribe"].strip("<>")
        alone = at(NOW, reminders.unsubscribe_url, sent.to[0])
        assert link == alone
        assert link in sent.body
        assert reminders.email_for_token(link.rstrip("/").rsplit("/", 1)[1]) == sent.to[0]


# Record missing ------------------------------------------------------------------------------


def test_leader_is_reminded_the_day_after_a_meeting_left_unlogged(team, mailoutbox):
    meeting = MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 15, 18))
    assert at(kyiv(2026, 11, 15, 21), reminders.plan_record_missing) == []
    ids = at(NOW, reminders.plan_record_missing)
    assert emails_of(Kind.RECORD_MISSING) == ["leader@example.org"]
    assert Reminder.objects.get().subject_key == f"meeting:{meeting.pk}"
    assert at(NOW + datetime.timedelta(days=1), reminders.plan_record_missing) == ids
    deliver_all(ids)
    assert at(NOW + datetime.timedelta(days=2), reminders.plan_record_missing) == []
    assert [m.to for m in mailoutbox] == [["leader@example.org"]]
    body = mailoutbox[0].body
    assert reverse("meetings:log", args=[meeting.pk]) in body
    assert "member0@example.org" not in body


def test_no_record_reminder_for_a_logged_meeting_or_a_suspended_group(team):
    group = team["group"]
    MeetingFactory(
        group=group,
        starts_at=kyiv(2026, 11, 15, 18),
        status=Meeting.Status.HELD,
        minutes="<p>Протокол</p>",
    )
    suspended = WorkingGroupFactory(status=WorkingGroup.Status.SUSPENDED, **RUNNING)
    MembershipFactory(group=suspended, role=LEADER, person__email="s@example.org")
    MeetingFactory(group=suspended, starts_at=kyiv(2026, 11, 15, 18))
    assert at(NOW, reminders.plan_record_missing) == []


def test_a_held_meeting_without_minutes_still_needs_its_record(team):
    MeetingFactory(
        group=team["group"], starts_at=kyiv(2026, 11, 15, 18), status=Meeting.Status.HELD
    )
    assert len(at(NOW, reminders.plan_record_missing)) == 1


def test_leader_without_a_personal_email_is_written_to_at_their_account(team):
    person = team["leader"].person
    person.email = ""
    person.user = UserFactory(email="leader.account@example.org", language="en")
    person.save(update_fields=["email", "user"])
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 15, 18))
    at(NOW, reminders.plan_record_missing)
    reminder = Reminder.objects.get()
    assert (reminder.email, reminder.language) == ("leader.account@example.org", "en")


def test_a_group_without_a_leader_gets_no_record_reminder(team):
    Membership.objects.filter(pk=team["leader"].pk).update(left_on=datetime.date(2026, 1, 1))
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 15, 18))
    assert at(NOW, reminders.plan_record_missing) == []


# No meeting this month -----------------------------------------------------------------------


def test_no_meeting_reminder_from_the_configured_day_of_the_month(team, settings):
    group = team["group"]
    assert settings.NO_MEETING_REMINDER_DAY == 10
    assert at(kyiv(2026, 11, 9, 23, 59), reminders.plan_no_meeting) == []
    ids = at(kyiv(2026, 11, 10), reminders.plan_no_meeting)
    assert len(ids) == 1
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.email) == (Kind.NO_MEETING_PLANNED, "leader@example.org")
    assert reminder.subject_key == f"group:{group.pk}:2026-11"
    assert at(kyiv(2026, 11, 11), reminders.plan_no_meeting) == ids
    settings.NO_MEETING_REMINDER_DAY = 20
    assert at(kyiv(2026, 12, 19), reminders.plan_no_meeting) == []
    assert len(at(kyiv(2026, 12, 20), reminders.plan_no_meeting)) == 1
    assert Reminder.objects.count() == 2


def test_no_meeting_reminder_on_the_last_day_when_the_setting_is_past_it(team, settings):
    settings.NO_MEETING_REMINDER_DAY = 31
    assert at(kyiv(2027, 2, 27), reminders.plan_no_meeting) == []
    assert len(at(kyiv(2027, 2, 28), reminders.plan_no_meeting)) == 1


def test_a_group_with_a_meeting_planned_or_held_this_month_is_not_reminded(team):
    group = team["group"]
    MeetingFactory(group=group, starts_at=kyiv(2026, 11, 25, 15))
    assert at(NOW, reminders.plan_no_meeting) == []
    Meeting.objects.update(status=Meeting.Status.HELD, starts_at=kyiv(2026, 11, 2, 15))
    assert at(NOW, reminders.plan_no_meeting) == []
    # A meeting in the last hour of the previous month (Kyiv time) does not count.
    Meeting.objects.update(starts_at=kyiv(2026, 10, 31, 23, 30))
    assert len(at(NOW, reminders.plan_no_meeting)) == 1


def test_a_cancelled_meeting_leaves_the_month_without_a_meeting(team):
    MeetingFactory(
        group=team["group"],
        starts_at=kyiv(2026, 11, 5, 15),
        status=Meeting.Status.CANCELLED,
        status_reason=Meeting.Reason.AIR_RAID,
    )
    assert len(at(NOW, reminders.plan_no_meeting)) == 1


@pytest.mark.parametrize("status", ["suspended", "ceased", "forming"])
def test_groups_not_operating_get_no_monthly_reminder(team, status):
    WorkingGroup.objects.filter(pk=team["group"].pk).update(status=status)
    assert at(NOW, reminders.plan_no_meeting) == []


def test_a_group_whose_programme_has_ended_is_not_reminded(team, settings):
    settings.NO_MEETING_REMINDER_DAY = 10
    programme = team["group"].programme
    programme.start_date, programme.end_date = (
        datetime.date(2023, 1, 1),
        datetime.date(2024, 12, 31),
    )
    programme.save()
    assert at(kyiv(2026, 11, 16), reminders.plan_no_meeting) == []


def test_re_established_group_gets_the_monthly_reminder(team, mailoutbox):
    WorkingGroup.objects.filter(pk=team["group"].pk).update(status="reestablished")
    deliver_all(at(NOW, reminders.plan_no_meeting))
    assert [m.to for m in mailoutbox] == [["leader@example.org"]]
    assert reverse("meetings:create", args=[team["group"].pk]) in mailoutbox[0].body


def test_a_meeting_planned_before_delivery_cancels_the_monthly_reminder(team, mailoutbox):
    ids = at(NOW, reminders.plan_no_meeting)
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 25, 15))
    deliver_all(ids)
    assert mailoutbox == []
    assert Reminder.objects.get().status == Status.SKIPPED


# Weekly digest of overdue actions --------------------------------------------------------------


def test_weekly_digest_lists_overdue_actions_with_owner_names_but_no_contacts(team, mailoutbox):
    group = team["group"]
    leader = team["leader"].person
    leader.user = UserFactory(language="en")
    leader.save(update_fields=["user"])
    owner = team["members"][2]
    ActionItemFactory(
        group=group, owner=owner, description="Скласти карту освітлення", due_on=NOW.date()
    )
    assert at(NOW, reminders.plan_overdue_digests) == []
    ids = at(NOW + datetime.timedelta(days=1), reminders.plan_overdue_digests)
    reminder = Reminder.objects.get()
    assert (reminder.email, reminder.subject_key) == (
        "leader@example.org",
        f"group:{group.pk}:2026-W47",
    )
    # The same ISO week plans nothing new; the next week plans the next digest.
    assert at(kyiv(2026, 11, 22, 23), reminders.plan_overdue_digests) == ids
    deliver_all(ids, now=NOW + datetime.timedelta(days=1))
    assert at(kyiv(2026, 11, 22, 23), reminders.plan_overdue_digests) == []
    assert len(at(kyiv(2026, 11, 23), reminders.plan_overdue_digests)) == 1
    message = mailoutbox[0]
    text = message.body + message.alternatives[0][0]
    assert "Скласти карту освітлення" in text
    assert owner.person.full_name in text
    assert owner.person.email not in text
    assert owner.person.phone not in text
    assert "due 16 November 2026 (1 day overdue)" in text
    assert message.subject == f"{group.name_en}: 1 overdue action"


def test_done_and_dropped_actions_and_paused_groups_get_no_digest(team):
    owner = team["members"][0]
    ActionItemFactory(group=team["group"], owner=owner, due_on=NOW.date(), status="done")
    ActionItemFactory(group=team["group"], owner=owner, due_on=NOW.date(), status="dropped")
    ceased = WorkingGroupFactory(status=WorkingGroup.Status.CEASED, **RUNNING)
    MembershipFactory(group=ceased, role=LEADER, person__email="c@example.org")
    ActionItemFactory(group=ceased, due_on=datetime.date(2026, 11, 1))
    assert at(NOW, reminders.plan_overdue_digests) == []


# Opting out ------------------------------------------------------------------------------------


def test_unsubscribed_addresses_are_skipped(team, mailoutbox):
    EmailOptOut.objects.create(email="MEMBER1@example.org")
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15))
    ids = at(NOW, reminders.plan_announcements)
    assert Reminder.objects.get(email="member1@example.org").status == Status.SKIPPED
    assert len(ids) == 3
    deliver_all(ids)
    assert "member1@example.org" not in [m.to[0] for m in mailoutbox]


def test_unsubscribing_after_planning_still_stops_the_email(team, mailoutbox):
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15))
    ids = at(NOW, reminders.plan_announcements)
    EmailOptOut.objects.create(email="member2@example.org")
    deliver_all(ids)
    assert sorted(m.to[0] for m in mailoutbox) == [
        "leader@example.org", "member0@example.org", "member1@example.org"
    ]  # fmt: skip
    assert Reminder.objects.get(email="member2@example.org").status == Status.SKIPPED


def test_unsubscribe_link_asks_then_records_the_opt_out(team, mailoutbox, client):
    MeetingFactory(group=team["group"], starts_at=kyiv(2026, 11, 18, 15))
    deliver_all(at(NOW, reminders.plan_announcements))
    message = next(m for m in mailoutbox if m.to == ["member0@example.org"])
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = urlsplit(url).path
    response = client.get(path)
    assert response.status_code == 200
    assert "member0@example.org" in response.text
    assert not EmailOptOut.objects.exists()
    response = client.post(path)
    assert response.status_code == 200
    assert list(EmailOptOut.objects.values_list("email", flat=True)) == ["member0@example.org"]
    # Posting again (a mail client's one-click, say) changes nothing.
    client.post(path)
    assert EmailOptOut.objects.count() == 1


def test_one_click_unsubscribe_needs_no_csrf_token(team):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    token = reminders.unsubscribe_token("member0@example.org")
    response = client.post(reverse("meetings:unsubscribe", args=[token]))
    assert response.status_code == 200
    assert EmailOptOut.objects.filter(email="member0@example.org").exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_unsubscribe_link_is_refused(client, method):
    token = reminders.unsubscribe_token("member0@example.org")
    forged = signing.dumps("someone.else@example.org", salt="another-salt")
    for bad in (token[:-2] + "xx", forged, "nonsense"):
        response = getattr(client, method)(reverse("meetings:unsubscribe", args=[bad]))
        assert response.status_code == 400
        assert "not valid" in response.text or "недійсне" in response.text
    assert not EmailOptOut.objects.exists()


def test_an_expired_unsubscribe_link_is_refused(client, monkeypatch):
    token = reminders.unsubscribe_token("member0@example.org")
    monkeypatch.setattr(reminders, "UNSUBSCRIBE_MAX_AGE", datetime.timedelta(seconds=-1))
    response = client.post(reverse("meetings:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert not EmailOptOut.objects.exists()


# Delivery: claims, dead workers, retries -------------------------------------------------------


def test_a_sent_reminder_is_not_sent_again(mailoutbox):
    reminder = ReminderFactory(meeting=meeting_tomorrow())
    assert reminders.deliver(reminder.pk) is True
    assert reminders.deliver(reminder.pk) is False
    tasks.deliver_reminder.delay(reminder.pk)
    assert len(mailoutbox) == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.SENT, 1)
    assert reminder.sent_at is not None


def test_a_worker_that_died_mid_send_is_taken_over_after_fifteen_minutes(mailoutbox):
    now = timezone.now()
    meeting = meeting_tomorrow()
    fresh = ReminderFactory(
        meeting=meeting, status=Status.SENDING, claimed_at=now - datetime.timedelta(minutes=5),
        attempts=1,
    )  # fmt: skip
    dead = ReminderFactory(
        meeting=meeting, status=Status.SENDING, claimed_at=now - datetime.timedelta(minutes=16),
        attempts=1,
    )  # fmt: skip
    assert at(now, reminders.deliver, fresh.pk) is False
    assert at(now, reminders.deliver, dead.pk) is True
    assert [m.to for m in mailoutbox] == [[dead.email]]
    fresh.refresh_from_db()
    dead.refresh_from_db()
    assert (fresh.status, fresh.attempts) == (Status.SENDING, 1)
    assert (dead.status, dead.attempts) == (Status.SENT, 2)


def test_the_sweeper_requeues_lost_and_abandoned_rows(
    mailoutbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    meeting = meeting_tomorrow()
    minutes = datetime.timedelta(minutes=1)
    lost = ReminderFactory(meeting=meeting, created_at=now - 11 * minutes)
    just_planned = ReminderFactory(meeting=meeting, created_at=now - 2 * minutes)
    dead = ReminderFactory(meeting=meeting, status=Status.SENDING, claimed_at=now - 20 * minutes,
                           attempts=1)  # fmt: skip
    hopeless = ReminderFactory(meeting=meeting, status=Status.SENDING, attempts=6,
                               claimed_at=now - 20 * minutes)  # fmt: skip
    ReminderFactory(meeting=meeting, status=Status.SENT, created_at=now - 60 * minutes)
    ReminderFactory(meeting=meeting, status=Status.FAILED, created_at=now - 60 * minutes)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deliver_pending_reminders.delay().get() == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([lost.email, dead.email])
    hopeless.refresh_from_db()
    just_planned.refresh_from_db()
    assert hopeless.status == Status.FAILED
    assert just_planned.status == Status.PENDING


class FlakyBackend(BaseEmailBackend):
    """A mail server that fails the first `failures` messages."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return len(messages)


@pytest.fixture
def flaky_mail(settings):
    """`flaky_mail(n)`: the mail server fails the next n messages. Eager tasks stop raising
    Retry to the caller, so that Celery runs the retries in place as a worker would."""
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.calls = 0
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False

    def fail(times):
        FlakyBackend.failures = times

    yield fail
    celery_app.conf.task_eager_propagates = propagates


def test_a_failed_send_is_retried(flaky_mail):
    flaky_mail(2)
    reminder = ReminderFactory(meeting=meeting_tomorrow())
    result = tasks.deliver_reminder.delay(reminder.pk)
    assert result.get() is True
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, FlakyBackend.calls) == (Status.SENT, 3, 3)
    assert reminder.last_error == ""


def test_a_send_that_keeps_failing_ends_failed_and_visible(flaky_mail):
    flaky_mail(100)
    reminder = ReminderFactory(meeting=meeting_tomorrow())
    result = tasks.deliver_reminder.delay(reminder.pk)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        result.get()
    reminder.refresh_from_db()
    # The first attempt and max_retries=5 retries.
    assert (reminder.status, reminder.attempts, FlakyBackend.calls) == (Status.FAILED, 6, 6)
    assert "SMTPServerDisconnected" in reminder.last_error
    assert list(Reminder.objects.filter(status=Status.FAILED)) == [reminder]


def test_between_retries_the_row_waits_as_pending_with_the_error(flaky_mail):
    flaky_mail(1)
    reminder = ReminderFactory(meeting=meeting_tomorrow())
    with pytest.raises(smtplib.SMTPServerDisconnected):
        reminders.deliver(reminder.pk)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.PENDING, 1)
    assert "Connection unexpectedly closed" in reminder.last_error


def test_the_delivery_task_does_nothing_when_the_row_is_gone(mailoutbox):
    assert tasks.deliver_reminder.delay(987654).get() is False
    assert mailoutbox == []


# Concurrency (PostgreSQL) ----------------------------------------------------------------------


def seen_from_another_connection(pk: int) -> str:
    import psycopg

    with psycopg.connect(tests_workers.database_url(), autocommit=True) as other:
        return other.execute("SELECT status FROM meetings_reminder WHERE id = %s", [pk]).fetchone()[
            0
        ]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent connections"
)
@pytest.mark.django_db(transaction=True)
def test_a_sent_mark_a_worker_wrote_before_it_was_killed_still_lands():
    """A batch does not wait for its mark's reply before the next email goes: a worker killed
    then (its connection cut, the reply never read) leaves the row marked all the same."""
    reminder = ReminderFactory(meeting=meeting_tomorrow(), status=Status.SENDING, claimed_at=NOW)
    marks = reminders.SentMarks()
    marks.mark(reminder.pk, claimed_at=NOW, now=NOW)
    # What the kernel does to a killed process's socket (no Terminate message, no reply read).
    cut = socket.socket(fileno=os.dup(connection.connection.pgconn.socket))
    cut.shutdown(socket.SHUT_RDWR)
    cut.close()
    marks.waiting = False  # the worker is gone: nobody reads the reply
    connection.close()

    deadline = time.monotonic() + 10
    while seen_from_another_connection(reminder.pk) != Status.SENT:
        assert time.monotonic() < deadline, "the mark was lost with its worker"
        time.sleep(0.05)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent connections"
)
@pytest.mark.django_db(transaction=True)
def test_a_sent_mark_that_failed_raises_when_settled_and_the_connection_goes_on():
    import psycopg

    reminder = ReminderFactory(meeting=meeting_tomorrow(), status=Status.SENDING, claimed_at=NOW)
    with psycopg.connect(tests_workers.database_url()) as holder:
        holder.execute("SELECT 1 FROM meetings_reminder WHERE id = %s FOR UPDATE", [reminder.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '50ms'")
        marks = reminders.SentMarks()
        marks.mark(reminder.pk, claimed_at=NOW, now=NOW)
        with pytest.raises(DatabaseError, match="lock timeout"):
            marks.settle()
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")
    reminder.refresh_from_db()
    assert reminder.status == Status.SENDING
    marks.mark(reminder.pk, claimed_at=NOW, now=NOW)
    marks.settle()
    reminder.refresh_from_db()
    assert reminder.status == Status.SENT


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent connections"
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_planning_and_delivering_at_once_send_each_email_once(mailoutbox):
    group = WorkingGroupFactory(status=WorkingGroup.Status.ACTIVE, **RUNNING)
    MembershipFactory(group=group, role=LEADER, person__email="leader@example.org")
    members = MembershipFactory.create_batch(25, group=group)
    for n, membership in enumerate(members):
        membership.person.email = f"m{n}@example.org"
        membership.person.save(update_fields=["email"])
    soon = timezone.now() + datetime.timedelta(days=1)
    meetings = [MeetingFactory(group=group, starts_at=soon + datetime.timedelta(hours=h))
                for h in range(3)]  # fmt: skip
    ActionItemFactory.create_batch(3, group=group, owner=members[0])
    start = threading.Barrier(4)
    errors = []

    def worker():
        try:
            start.wait(timeout=10)
            # Autocommit: on_commit runs at once and the eager task delivers in this thread.
            tasks.announce_upcoming_meetings()
            tasks.deliver_pending_reminders()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    expected = 26 * len(meetings)
    assert Reminder.objects.count() == expected
    assert Reminder.objects.filter(status=Status.SENT).count() == expected
    assert len(mailoutbox) == expected
    pairs = {(m.to[0], m.subject) for m in mailoutbox}
    assert len(pairs) == expected
    for meeting in meetings:
        # Each open action carried into each agenda exactly once.
        assert meeting.agenda_items.filter(action_item__isnull=False).count() == 3


def test_a_batch_of_announcements_goes_over_one_mail_connection(settings):
    from tests.workers import SmtpServer

    group = WorkingGroupFactory(status=WorkingGroup.Status.ACTIVE, **RUNNING)
    MembershipFactory(group=group, role=LEADER, person__email="leader@example.org")
    for n in range(20):
        MembershipFactory(group=group, person__email=f"m{n}@example.org")
    MeetingFactory(group=group, starts_at=kyiv(2026, 11, 18, 15))
    ids = at(NOW, reminders.plan_announcements)
    assert len(ids) == 21

    with SmtpServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        assert tasks.deliver_reminders.run(ids) == 21

    assert len(smtp.inbox.messages) == 21
    # One SMTP session for the batch, not one a member.
    assert len(set(smtp.inbox.peers)) == 1
    # Each member still gets the invitation, and exactly once.
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(
        ["leader@example.org", *[f"m{n}@example.org" for n in range(20)]]
    )
    assert all(
        any(part.get_content_type() == "text/calendar" for part in m.walk())
        for m in smtp.inbox.messages
    )
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}


def a_meeting_with_members(count: int, *, english: int = 0):
    """A meeting two days after NOW, a leader and `count` members, the last `english` of whom
    read English; their announcements planned."""
    group = WorkingGroupFactory(status=WorkingGroup.Status.ACTIVE, **RUNNING)
    MembershipFactory(group=group, role=LEADER, person__email="leader@example.org")
    for n in range(count):
        user = UserFactory(language="en") if n >= count - english else None
        MembershipFactory(group=group, person__email=f"m{n}@example.org", person__user=user)
    MeetingFactory(group=group, starts_at=kyiv(2026, 11, 18, 15))
    return at(NOW, reminders.plan_announcements)


def test_a_batch_costs_one_claim_and_one_read_and_a_mark_per_reminder(mailoutbox):
    def delivering(ids) -> int:
        with CaptureQueriesContext(connection) as done:
            assert at(NOW, tasks.deliver_reminders.run, ids) == len(ids)
        return len(done.captured_queries)

    few = delivering(a_meeting_with_members(4))
    many = delivering(a_meeting_with_members(24))
    # Twenty more reminders: twenty more rows marked sent, nothing else a reminder.
    assert many - few == 20
    assert len(mailoutbox) == 5 + 25


def test_a_meetings_email_is_rendered_once_per_language_and_each_gets_its_own_link(
    mailoutbox, monkeypatch
):
    from cohesion import mail

    built = []
    real_build = mail.build

    def counting(name, context, **kwargs):
        built.append((name, kwargs["language"]))
        return real_build(name, context, **kwargs)

    monkeypatch.setattr(mail, "build", counting)
    ids = a_meeting_with_members(12, english=3)

    at(NOW, tasks.deliver_reminders.run, ids)

    assert len(built) == 2  # Ukrainian and English, for 13 recipients
    assert len(mailoutbox) == 13
    english = [m for m in mailoutbox if m.to[0] in {"m9@example.org", "m10@example.org"}]
    assert all("Agenda" in m.body or "invited" in m.body for m in english)
    for message in mailoutbox:
        link = reminders.unsubscribe_url(message.to[0])
        html = message.alternatives[0][0]
        assert link in message.body and link in html
        assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
        assert reminders.RECIPIENT_LINK not in message.body + html
        assert [a[0] for a in message.attachments] == ["meeting.ics"]
    # Nobody's link is in anyone else's email.
    assert len({reminders.unsubscribe_url(m.to[0]) for m in mailoutbox}) == 13


def test_rows_another_worker_holds_are_left_to_it_by_a_batch(mailoutbox):
    ids = a_meeting_with_members(3)
    taken = ids[1]
    Reminder.objects.filter(pk=taken).update(status=Status.SENDING, claimed_at=NOW)

    assert at(NOW, tasks.deliver_reminders.run, ids) == 3
    assert Reminder.objects.get(pk=taken).status == Status.SENDING
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        Reminder.objects.exclude(pk=taken).values_list("email", flat=True)
    )


@pytest.fixture(params=["locmem", "smtp-pipelined"])
def outbox(request, settings):
    """The recipients of what was sent, as a list: over Django's test backend, or over SMTP
    to a server offering PIPELINING (each email's commands then go out behind the end of the
    previous one, before its sent mark)."""
    if request.param == "locmem":
        from django.core import mail

        yield lambda: [m.to[0] for m in mail.outbox]
        return
    from tests.workers import SmtpServer

    with SmtpServer() as smtp:
        settings.EMAIL_BACKEND = "cohesion.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield lambda: [recipients[0] for _sender, recipients in smtp.inbox.envelopes]


def test_a_batch_outlived_by_its_claim_leaves_the_rows_another_worker_took_over(
    outbox, monkeypatch, settings
):
    """A batch slowed past the claim timeout (a slow mail server): the sweep hands its unsent
    rows to another worker, which sends them; the first batch, renewing its claim, finds
    them gone and sends none of them again, not even the one whose commands were already on
    their way."""
    ids = a_meeting_with_members(3)
    real_record = reminders.record_sent
    travels = []

    def slow_then_taken_over(reminder, context, **kwargs):
        real_record(reminder, context, **kwargs)
        if kwargs.get("marks"):  # the other worker's queries go over this same connection
            kwargs["marks"].settle()
        if not travels:
            later = NOW + datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT + 60)
            travels.append(time_machine.travel(later, tick=False))
            travels[0].start()
            # Another worker, given the rows by the sweep, sends what is left.
            for pk in ids:
                reminders.deliver(pk)

    monkeypatch.setattr(reminders, "record_sent", slow_then_taken_over)
    try:
        assert at(NOW, tasks.deliver_reminders.run, ids) == 1
    finally:
        for travel in travels:
            travel.stop()
    recipients = outbox()
    assert sorted(recipients) == sorted(set(recipients))  # nobody twice
    assert len(recipients) == 4
    assert set(Reminder.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        Status.SENT
    }


@pytest.fixture
def smtp_relay(settings):
    """`smtp_relay(**inbox)`: the settings' mail goes over SMTP (cohesion.smtp, pipelining)
    to a server started with those options (tests.workers.Inbox). Eager retries run in place
    without raising to the caller, as in a worker."""
    from tests.workers import SmtpServer

    servers = []

    def start(**inbox):
        server = SmtpServer(**inbox).__enter__()
        servers.append(server)
        settings.EMAIL_BACKEND = "cohesion.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        return server.inbox

    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield start
    celery_app.conf.task_eager_propagates = propagates
    for server in servers:
        server.__exit__(None, None, None)


def test_a_refused_member_of_a_pipelined_batch_is_retried_alone_and_the_others_go_on(smtp_relay):
    ids = a_meeting_with_members(4)
    inbox = smtp_relay(refuse={"m1@example.org"})

    assert at(NOW, tasks.deliver_reminders.run, ids) == 4

    statuses = dict(Reminder.objects.values_list("email", "status"))
    assert statuses.pop("m1@example.org") == Status.FAILED  # its own retries ran out
    assert set(statuses.values()) == {Status.SENT}
    refused = Reminder.objects.get(email="m1@example.org")
    # The batch's attempt, then its own first and five retries.
    assert (refused.attempts, "SMTPRecipientsRefused" in refused.last_error) == (7, True)
    assert sorted(recipients[0] for _sender, recipients in inbox.envelopes) == sorted(statuses)
    # The batch kept its one session: the retries came on sessions of their own.
    assert len(set(inbox.peers)) == 1


def test_a_mail_connection_lost_mid_batch_hands_its_messages_to_retries_and_the_rest_go_on(
    smtp_relay,
):
    """The server hangs up on the second member's email: it and the email whose commands were
    already queued behind it are retried alone (the first for good, the second sent on its
    own); the rest of the batch goes on a new connection. Nobody gets an email twice."""
    ids = a_meeting_with_members(4)
    order = list(Reminder.objects.filter(pk__in=ids).order_by("pk").values_list("email", flat=True))
    inbox = smtp_relay(data_replies={order[1]: "421 4.3.2 Shutting down"})

    assert at(NOW, tasks.deliver_reminders.run, ids) == 3

    recipients = [recipients[0] for _sender, recipients in inbox.envelopes]
    assert sorted(recipients) == sorted(order[:1] + order[2:])
    statuses = dict(Reminder.objects.values_list("email", "status"))
    assert statuses.pop(order[1]) == Status.FAILED
    assert set(statuses.values()) == {Status.SENT}
    assert Reminder.objects.get(email=order[2]).attempts == 2  # queued, lost, sent alone
    # The first session, the retries' own, and the batch's second for the last two members.
    assert inbox.peers.count(inbox.peers[-1]) == 2
