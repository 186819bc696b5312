"""Claiming a job row (cohesion.jobs): one conditional UPDATE, so that of two workers given
the same job one does it, and a claim left by a dead worker is taken over after a timeout."""

import datetime

import pytest
from django.db.models import F

from cohesion import clock, jobs
from dashboards.models import Export
from meetings.models import Reminder
from tests.factories import ReminderFactory

pytestmark = pytest.mark.django_db

TIMEOUT = datetime.timedelta(minutes=15)
QUEUED, RUNNING = Export.Status.QUEUED, Export.Status.RUNNING


@pytest.fixture
def export(programme):
    return Export.objects.create(
        programme=programme,
        kind=Export.Kind.TABLE_CSV,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 3, 31),
    )


def claim(pk, now, **changes):
    return jobs.claim(Export, pk, waiting=QUEUED, running=RUNNING, now=now, timeout=TIMEOUT,
                      **changes)  # fmt: skip


def test_a_waiting_job_is_claimed_once_with_the_changes_in_the_same_update(export):
    now = clock.now()
    assert claim(export.pk, now, progress=5) is True
    assert claim(export.pk, now) is False  # the second worker
    export.refresh_from_db()
    assert (export.status, export.started_at, export.progress) == (RUNNING, now, 5)


def test_a_claim_older_than_the_timeout_is_taken_over_and_a_recent_one_is_not(export):
    now = clock.now()
    Export.objects.filter(pk=export.pk).update(status=RUNNING, started_at=now - TIMEOUT)
    assert claim(export.pk, now) is False  # exactly the timeout: the worker may still be busy
    Export.objects.filter(pk=export.pk).update(
        started_at=now - TIMEOUT - datetime.timedelta(seconds=1)
    )
    assert claim(export.pk, now) is True
    export.refresh_from_db()
    assert export.started_at == now


@pytest.mark.parametrize("status", [Export.Status.READY, Export.Status.FAILED])
def test_a_finished_job_is_not_claimed(export, status):
    Export.objects.filter(pk=export.pk).update(status=status)
    assert claim(export.pk, clock.now()) is False
    assert Export.objects.get(pk=export.pk).status == status


def test_a_deleted_job_is_not_claimed(export):
    export.delete()
    assert claim(export.pk, clock.now()) is False


def test_the_claim_time_field_and_a_counter_can_be_named():
    reminder = ReminderFactory()
    now = clock.now()
    claimed = jobs.claim(
        Reminder, reminder.pk, waiting=Reminder.Status.PENDING, running=Reminder.Status.SENDING,
        now=now, timeout=TIMEOUT, claimed_at="claimed_at", attempts=F("attempts") + 1,
    )  # fmt: skip
    assert claimed is True
    reminder.refresh_from_db()
    assert (reminder.status, reminder.claimed_at, reminder.attempts) == ("sending", now, 1)
    second = datetime.timedelta(seconds=1)
    for cutoff, rows in [(now, []), (now + second, [reminder])]:
        dead = jobs.claimed_before(Reminder.Status.SENDING, cutoff, claimed_at="claimed_at")
        assert list(Reminder.objects.filter(dead)) == rows


def test_a_row_held_back_is_not_claimed_before_its_time_alone_or_in_a_batch():
    now = clock.now()
    later = now + datetime.timedelta(minutes=2)
    held, free = ReminderFactory(not_before=later), ReminderFactory()
    waiting, running = Reminder.Status.PENDING, Reminder.Status.SENDING

    def claim_batch(at):
        return jobs.claim_many(
            Reminder, [held.pk, free.pk], waiting=waiting, running=running, now=at,
            timeout=TIMEOUT, not_before="not_before",
        )  # fmt: skip

    assert claim_batch(now) == [free.pk]
    assert jobs.claim(
        Reminder, held.pk, waiting=waiting, running=running, now=now, timeout=TIMEOUT,
        claimed_at="claimed_at", not_before="not_before",
    ) is False  # fmt: skip
    held.refresh_from_db()
    assert (held.status, held.attempts) == (waiting, 0)  # nothing counted against it
    assert claim_batch(later) == [held.pk]
