"""The per-group, per-month summary (meetings.summary) is kept by the database as the records
change, whatever writes them: after any sequence of writes it equals the summary rebuilt from
the records."""

import datetime
import random
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from meetings import summary
from meetings.models import Attendance, GroupMonth, Meeting
from tests.factories import (
    MeetingFactory,
    MembershipFactory,
    ProgrammeFactory,
    WorkingGroupFactory,
)
from workinggroups.models import GroupStatusChange, Membership, Person, WorkingGroup

pytestmark = pytest.mark.django_db


def kyiv(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def assert_kept_equals_rebuilt():
    kept = summary.kept()
    assert kept, "nothing summarised?"
    assert kept == summary.computed(), kept ^ summary.computed()
    # And rebuilding changes nothing.
    summary.rebuild()
    assert summary.kept() == kept


class Writer:
    """Random writes through every path the records are written by."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        day = datetime.date
        self.programmes = [
            ProgrammeFactory(start_date=day(2023, 1, 10), end_date=day(2024, 6, 20)),
            ProgrammeFactory(start_date=day(2023, 6, 1), end_date=day(2025, 5, 31)),
        ]
        self.groups = [WorkingGroupFactory(programme=p) for p in self.programmes for _ in range(2)]
        self.members = [MembershipFactory(group=g) for g in self.groups for _ in range(3)]

    def day(self) -> datetime.date:
        # Around the programmes' edges as much as inside them.
        return datetime.date(2022, 12, 20) + datetime.timedelta(days=self.rng.randrange(0, 950))

    def instant(self) -> datetime.datetime:
        # Late evening and just after midnight: a month's edge in Kyiv is not UTC's.
        return kyiv(self.day(), self.rng.choice([0, 1, 12, 22, 23]))

    def meetings(self):
        return list(Meeting.objects.order_by("pk"))

    # The writes ---------------------------------------------------------------------------

    def plan_meeting(self):
        MeetingFactory(group=self.rng.choice(self.groups), starts_at=self.instant())

    def record_meeting(self):
        meetings = self.meetings()
        if not meetings:
            return self.plan_meeting()
        meeting = self.rng.choice(meetings)
        meeting.status, meeting.status_reason = "held", ""
        meeting.save()
        for membership in Membership.objects.filter(group=meeting.group):
            Attendance.objects.update_or_create(
                meeting=meeting,
                membership=membership,
                defaults={"status": self.rng.choice(["present", "present", "absent"])},
            )

    def cancel_meeting(self):
        meetings = self.meetings()
        if meetings:
            meeting = self.rng.choice(meetings)
            meeting.status = self.rng.choice(["cancelled", "postponed", "planned"])
            meeting.status_reason = "" if meeting.status == "planned" else "air_raid"
            meeting.save()

    def move_meeting(self):
        meetings = self.meetings()
        if meetings:
            Meeting.objects.filter(pk=self.rng.choice(meetings).pk).update(starts_at=self.instant())

    def move_meeting_to_another_group(self):
        meetings = self.meetings()
        if meetings:
            meeting = self.rng.choice(meetings)
            Attendance.objects.filter(meeting=meeting).delete()
            meeting.group = self.rng.choice(self.groups)
            meeting.save()

    def delete_meeting(self):
        meetings = self.meetings()
        if meetings:
            self.rng.choice(meetings).delete()

    def bulk_create_meetings(self):
        group = self.rng.choice(self.groups)
        Meeting.objects.bulk_create(
            Meeting(group=group, starts_at=self.instant(), status="held") for _ in range(3)
        )

    def bulk_update_meetings(self):
        meetings = self.meetings()[:5]
        for meeting in meetings:
            meeting.status = "held"
            meeting.status_reason = ""
        Meeting.objects.bulk_update(meetings, ["status", "status_reason"])

    def stamp_agenda(self):
        # Not counted: changes nothing in the summary.
        Meeting.objects.update(agenda_sent_at=timezone.now())

    def change_attendance(self):
        rows = list(Attendance.objects.order_by("pk"))
        if rows:
            Attendance.objects.filter(pk=self.rng.choice(rows).pk).update(
                status=self.rng.choice(["present", "absent", "excused"])
            )

    def delete_attendance(self):
        rows = list(Attendance.objects.order_by("pk"))
        if rows:
            Attendance.objects.filter(pk__in=[r.pk for r in self.rng.sample(rows, 1)]).delete()

    def record_status(self):
        group = self.rng.choice(self.groups)
        GroupStatusChange.objects.create(
            group=group,
            status=self.rng.choice(["active", "active", "suspended", "reestablished", "ceased"]),
            changed_on=self.day(),
        )

    def redate_status(self):
        changes = list(GroupStatusChange.objects.order_by("pk"))
        if changes:
            GroupStatusChange.objects.filter(pk=self.rng.choice(changes).pk).update(
                changed_on=self.day()
            )

    def delete_status(self):
        changes = list(GroupStatusChange.objects.order_by("pk"))
        if changes:
            self.rng.choice(changes).delete()

    def change_person(self):
        person = self.rng.choice(self.members).person
        person.sex = self.rng.choice(["female", "male", "not_stated"])
        person.birth_year = self.rng.choice([None, 1960, 1999, 2004, 2008])
        person.save()

    def bulk_change_people(self):
        Person.objects.filter(pk__in=[m.person_id for m in self.members[:4]]).update(
            sex=self.rng.choice(["female", "male"])
        )

    def swap_member(self):
        # The record named the wrong person: another one, of another sex and age.
        membership = self.rng.choice(self.members)
        other = Person.objects.create(
            full_name="Інша Особа", sex=self.rng.choice(["male", "not_stated"]), birth_year=2005
        )
        Membership.objects.filter(pk=membership.pk).update(person_id=other.pk)

    def change_programme_dates(self):
        programme = self.rng.choice(self.programmes)
        programme.refresh_from_db()
        programme.end_date = programme.start_date + datetime.timedelta(
            days=self.rng.randrange(200, 900)
        )
        programme.closed_on = self.rng.choice(
            [None, programme.start_date + datetime.timedelta(100)]
        )
        programme.youth_max_age = self.rng.choice([29, 35])
        programme.save()

    def move_group(self):
        group = self.rng.choice(self.groups)
        WorkingGroup.objects.filter(pk=group.pk).update(programme=self.rng.choice(self.programmes))

    def new_group(self):
        group = WorkingGroupFactory(programme=self.rng.choice(self.programmes))
        self.groups.append(group)
        self.members.append(MembershipFactory(group=group))

    def raw_sql(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE meetings_meeting SET status = 'held', status_reason = '' "
                "WHERE id = (SELECT MIN(id) FROM meetings_meeting)"
            )

    WRITES = [
        "plan_meeting", "plan_meeting", "record_meeting", "record_meeting", "cancel_meeting",
        "move_meeting", "move_meeting_to_another_group", "delete_meeting", "bulk_create_meetings",
        "bulk_update_meetings", "stamp_agenda", "change_attendance", "delete_attendance",
        "record_status", "record_status", "redate_status", "delete_status", "change_person",
        "bulk_change_people", "swap_member", "change_programme_dates", "move_group", "new_group",
        "raw_sql",
    ]  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_kept_summary_equals_the_rebuilt_one_after_random_writes(seed):
    rng = random.Random(seed)
    writer = Writer(rng)
    done, seen = [], set()
    for step in range(1, 121):
        write = rng.choice(Writer.WRITES)
        getattr(writer, write)()
        done.append(write)
        if step % 20 == 0:
            assert summary.kept() == summary.computed(), done
        # What was compared was not all zeros.
        rows = GroupMonth.objects.all()
        seen |= {
            name
            for name, found in (
                ("held", rows.filter(held__gt=0)),
                ("present", rows.filter(present__gt=0)),
                ("women", rows.filter(present_women__gt=0)),
                ("operating", rows.filter(operating=True)),
            )
            if found.exists()
        }
    assert seen == {"held", "present", "women", "operating"}, done
    assert_kept_equals_rebuilt()


def test_a_group_deleted_takes_its_months_with_it():
    group = WorkingGroupFactory()
    assert GroupMonth.objects.filter(group=group).count() == 24  # 2023 and 2024
    group.delete()
    assert not GroupMonth.objects.filter(group_id=group.pk).exists()


def test_a_month_counts_meetings_by_the_kyiv_calendar_and_within_the_programme():
    programme = ProgrammeFactory(start_date=datetime.date(2023, 1, 10))
    group = WorkingGroupFactory(programme=programme)
    GroupStatusChange.objects.create(
        group=group, status="active", changed_on=datetime.date(2023, 1, 1)
    )
    # 00:30 on 1 February in Kyiv is still 31 January in UTC.
    MeetingFactory(group=group, starts_at=kyiv(datetime.date(2023, 2, 1), 0), status="held")
    # Before the programme's first day: not the programme's.
    MeetingFactory(group=group, starts_at=kyiv(datetime.date(2023, 1, 9), 12), status="held")
    # After its last day.
    MeetingFactory(group=group, starts_at=kyiv(datetime.date(2025, 1, 2), 12), status="held")
    months = {row.month: row for row in GroupMonth.objects.filter(group=group).order_by("month")}
    assert months[datetime.date(2023, 2, 1)].held == 1
    assert months[datetime.date(2023, 1, 1)].held == 0
    assert months[datetime.date(2023, 1, 1)].operating
    assert datetime.date(2025, 1, 1) not in months
    assert sum(row.held for row in months.values()) == 1


def test_the_rebuild_command_restores_a_summary_written_over():
    group = WorkingGroupFactory()
    MeetingFactory(group=group, starts_at=kyiv(datetime.date(2023, 5, 5), 12), status="held")
    GroupMonth.objects.filter(group=group).update(held=7)
    with pytest.raises(Exception, match="differs"):
        call_command("rebuild_summaries", "--check")
    call_command("rebuild_summaries")
    call_command("rebuild_summaries", "--check")
    assert GroupMonth.objects.get(group=group, month=datetime.date(2023, 5, 1)).held == 1


def waiting_on_a_lock(table: str) -> bool:
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
            [f"%{table}%"],
        )
        return cursor.fetchone() is not None


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent transactions"
)
@pytest.mark.django_db(transaction=True)
def test_a_person_changed_while_their_first_attendance_is_recorded_is_counted_as_changed():
    """Transaction B records a person's first attendance; transaction A, meanwhile, changes
    the person's sex. A cannot see B's attendance, so it must wait for B's group before it
    refreshes: the summary counts the person as A left them."""
    import threading

    from django.db import transaction

    # An earlier transactional test's flush took the months that migrate wrote.
    summary.fill_calendar()
    programme = ProgrammeFactory(start_date=datetime.date(2023, 1, 1))
    group = WorkingGroupFactory(programme=programme)
    membership = MembershipFactory(group=group, person__sex="female")
    meeting = MeetingFactory(group=group, starts_at=kyiv(datetime.date(2023, 5, 5), 12))
    Meeting.objects.filter(pk=meeting.pk).update(status="held")
    recorded, release, errors = threading.Event(), threading.Event(), []

    def record_attendance():  # B
        try:
            with transaction.atomic():
                Attendance.objects.create(meeting=meeting, membership=membership, status="present")
                recorded.set()
                release.wait(timeout=10)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def change_sex():  # A
        try:
            recorded.wait(timeout=10)
            Person.objects.filter(pk=membership.person_id).update(sex="male")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    b, a = threading.Thread(target=record_attendance), threading.Thread(target=change_sex)
    b.start()
    a.start()
    recorded.wait(timeout=10)
    # Until A waits on B's lock. Polled with sleeps, not a timed wait: under libfaketime (CI's
    # run with the clock ahead) a timed wait on a lock never times out.
    for _attempt in range(200):
        if waiting_on_a_lock("workinggroups_person"):
            break
        time.sleep(0.05)
    release.set()
    b.join(timeout=20)
    a.join(timeout=20)
    assert errors == []
    month = GroupMonth.objects.get(group=group, month=datetime.date(2023, 5, 1))
    assert (month.present, month.present_men, month.present_women) == (1, 1, 0)
    assert summary.kept() == summary.computed()
