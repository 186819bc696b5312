"""Reminder tasks: the beat tasks plan rows and queue their delivery after commit; one
delivery task per row sends it. All of them may run twice or at once without sending twice."""

from celery import shared_task
from django.db import transaction

from meetings import reminders


def queue_deliveries(reminder_ids: list[int]) -> None:
    """Queues one delivery per row once the rows are committed (a worker must see them).
    Robust: if the broker is down the error is logged, not raised into the caller's request;
    the rows stay pending and deliver_pending_reminders picks them up later."""
    for reminder_id in reminder_ids:
        # A named function, not a partial: Django logs a robust callback's failure by its
        # __qualname__, which a partial lacks.
        def deliver(reminder_id=reminder_id):
            deliver_reminder.delay(reminder_id)

        transaction.on_commit(deliver, robust=True)


@shared_task
def announce_upcoming_meetings() -> int:
    """Announces meetings due within MEETING_ANNOUNCE_DAYS_BEFORE days, once per member."""
    ids = reminders.plan_announcements()
    queue_deliveries(ids)
    return len(ids)


@shared_task
def remind_missing_records() -> int:
    """Reminds leaders, once per meeting, of a past meeting whose record is not logged."""
    ids = reminders.plan_record_missing()
    queue_deliveries(ids)
    return len(ids)


@shared_task
def remind_unplanned_months() -> int:
    """Reminds leaders, once per month, of an operating group with no meeting this month."""
    ids = reminders.plan_no_meeting()
    queue_deliveries(ids)
    return len(ids)


@shared_task
def send_overdue_digests() -> int:
    """Sends each leader, once per ISO week, the digest of their group's overdue actions."""
    ids = reminders.plan_overdue_digests()
    queue_deliveries(ids)
    return len(ids)


@shared_task
def deliver_pending_reminders() -> int:
    """Re-queues rows whose delivery was lost: a vanished queue message or a dead worker."""
    ids = reminders.reminders_requeue_stalled()
    queue_deliveries(ids)
    return len(ids)


@shared_task(
    bind=True,
    autoretry_for=reminders.RETRYABLE,
    # 30 s, 1, 2, 4, 8 min (each jittered): rides out a mail server restart, where the
    # default factor of 1 s would give up within half a minute.
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
    # Far below the 15-minute claim, so that no other worker takes over a send in progress.
    soft_time_limit=120,
    time_limit=180,
)
def deliver_reminder(self, reminder_id: int) -> bool:
    """Sends one reminder at most once; transient SMTP errors are retried with backoff and
    the row is marked failed when the retries run out. Does nothing if the row is gone."""
    try:
        return reminders.deliver(reminder_id)
    except reminders.RETRYABLE as exc:
        if self.request.retries >= self.max_retries:
            reminders.reminder_give_up(reminder_id=reminder_id, error=exc)
        raise
