"""Reminder tasks: the beat tasks plan rows and queue their delivery after commit, one task
per batch of rows; a row whose send failed for a transient reason is retried alone. All of them
may run twice or at once without sending twice, and deliver_pending_reminders queues what a
broker outage or a dead worker left (windows: REMINDER_* in cohesion/settings.py).
Below them, the rendering of meeting protocols, claimed and swept as the plan PDFs are."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection
from django.db.models import F

from cohesion import clock, jobs, mail
from cohesion.broker import dispatch, dispatch_on_commit
from meetings import reminders

logger = logging.getLogger(__name__)

# Rows per delivery task: one task for a meeting's members, several for a national beat, so
# that both workers share the sending.
BATCH = 100


def queue_deliveries(reminder_ids: list[int], *, countdown: float | None = None) -> None:
    """Queues the delivery of the rows, one task for all of them, once they are committed (a
    worker must see them), `countdown` seconds later for rows held back that long. If the
    broker does not answer within its short timeouts the rows stay pending and
    deliver_pending_reminders queues them later: the caller's request never waits on it."""
    ids = list(reminder_ids)
    for start in range(0, len(ids), BATCH):
        dispatch_on_commit(deliver_reminders, ids[start : start + BATCH], countdown=countdown)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def deliver_reminders(reminder_ids: list[int]) -> int:
    """Sends each reminder of the batch at most once: one claim and one read for the batch,
    one mail connection (each email's commands pipelined behind the end of the previous one:
    see cohesion.mail.send_each), what the members of one meeting are sent built once per
    language. Each one's sent mark is written to the database before the next one's content
    goes (reminders.SentMarks), so a worker killed mid-batch leaves at most one sent and
    unmarked. One that fails for a transient reason is handed to deliver_reminder, which
    retries it alone with backoff."""
    held_since = clock.now()
    claimed, opted_out = reminders.claim_batch(reminder_ids, now=held_since)
    if not claimed:
        return 0
    batch = _Batch(claimed, opted_out, held_since)
    connection = get_connection()
    _open_quietly(connection)
    try:
        while True:
            for (reminder, context), error in mail.send_each(connection, batch.ready()):
                batch.record(reminder, context, error)
                if not batch.keeps_next():
                    # Its commands are out but not its content: dropping the connection is
                    # the one way to take them back.
                    _close_quietly(connection)
            if batch.done:
                break
            # The connection was lost (the message on it is retried alone): a new one for the
            # rest.
            _close_quietly(connection)
            _open_quietly(connection)
    finally:
        _close_quietly(connection)
        batch.marks.settle()
    return batch.sent


class _Batch:
    """A batch's claimed rows, each made into its email when the connection asks for it (one
    ahead of the one being sent). The claim is renewed between two emails when a third of
    its time has passed, never while an email is on its way: a slow batch keeps its rows,
    and a row the sweep gave to another worker meanwhile is that worker's alone, also the
    one made ready ahead."""

    def __init__(self, claimed, opted_out, held_since):
        self.claimed, self.opted_out, self.held_since = claimed, opted_out, held_since
        self.held = {reminder.pk for reminder in claimed}
        self.renew_after = reminders.claim_timeout() / 3
        self.memo: dict = {}
        self.marks = reminders.SentMarks()
        self.next = 0
        self.ahead = self.last = None  # the rows last made ready and last recorded
        self.sent = 0
        self.done = False

    def ready(self):
        while self.next < len(self.claimed):
            reminder = self.claimed[self.next]
            self.next += 1
            self.marks.settle()
            if reminder.pk not in self.held:
                continue
            try:
                prepared = reminders.prepare(
                    reminder, now=clock.now(), claimed_at=self.held_since,
                    opted_out=self.opted_out, memo=self.memo,
                )  # fmt: skip
            except reminders.RETRYABLE:
                dispatch(deliver_reminder, reminder.pk)
                continue
            except Exception:  # marked failed by prepare(): the others go on
                logger.exception("reminder %s failed", reminder.pk)
                continue
            if prepared is not None:
                message, context = prepared
                self.ahead = reminder.pk
                yield (reminder, context), message
        self.done = True

    def record(self, reminder, context, error) -> None:
        self.last = reminder.pk
        if reminder.pk not in self.held:
            return  # another worker's since: what happened to it here is not to be recorded
        if error is None:
            reminders.record_sent(
                reminder, context, now=clock.now(), claimed_at=self.held_since, marks=self.marks
            )
            self.sent += 1
        else:
            self.marks.settle()
            if reminders.record_failure(reminder.pk, error, claimed_at=self.held_since):
                dispatch(deliver_reminder, reminder.pk)
            else:
                logger.error("reminder %s failed", reminder.pk, exc_info=error)
        now = clock.now()  # the mark may have taken long
        if now - self.held_since >= self.renew_after:
            self.marks.settle()
            self.held = reminders.renew_batch(list(self.held), held_since=self.held_since, now=now)
            self.held_since = now

    def keeps_next(self) -> bool:
        """Whether the row made ready ahead (if it is not the one just recorded) is still
        this batch's to send."""
        return self.ahead in (None, self.last) or self.ahead in self.held


def _open_quietly(connection) -> None:
    # Opened here, the connection stays open from one message to the next. If the mail
    # server does not answer, each message tries for itself and is retried on its own.
    try:
        connection.open()
    except reminders.RETRYABLE:
        logger.warning("mail server not answering; each reminder will try on its own")


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # a connection already dead has nothing left to close
        logger.info("closing the mail connection failed", exc_info=True)


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


# --- protocols ---------------------------------------------------------------------------------

# A rendering claimed longer ago than this belongs to a dead worker (one is killed after 150 s).
PROTOCOL_STALE_AFTER = datetime.timedelta(seconds=settings.PLAN_PDF_CLAIM_TIMEOUT)
PROTOCOL_ATTEMPTS = 3


@shared_task(bind=True, acks_late=True, soft_time_limit=120, time_limit=150, max_retries=2)
def render_protocol(self, protocol_id: int) -> str:
    """Renders one version of a protocol once: of two workers given it, one claims it; a
    failure is tried again with backoff up to PROTOCOL_ATTEMPTS times, then marked failed."""
    from meetings import protocols
    from meetings.models import Protocol
    from safetyplans.pdf import html_to_pdf

    if not jobs.claim(
        Protocol, protocol_id,
        waiting=Protocol.Status.QUEUED, running=Protocol.Status.RENDERING,
        now=clock.now(), timeout=PROTOCOL_STALE_AFTER, progress=10, attempts=F("attempts") + 1,
    ):  # fmt: skip
        return "not claimed"
    protocol = Protocol.objects.filter(pk=protocol_id).first()
    if protocol is None:  # deleted with its meeting meanwhile
        return "gone"
    if protocol.attempts > PROTOCOL_ATTEMPTS:
        # Its workers died every time (killed for memory, say): no endless loop of tries.
        Protocol.objects.filter(pk=protocol_id).update(
            status=Protocol.Status.FAILED, progress=0, error="no worker finished it"
        )
        return "failed"
    try:
        html, recorded_at = protocols.protocol_html(protocol)
        _protocol_progress(protocol_id, 50)
        data = html_to_pdf(html)
        _protocol_progress(protocol_id, 90)
        protocols.protocol_store(protocol, data, record_logged_at=recorded_at)
    except Exception as error:
        logger.exception("rendering protocol %s failed", protocol_id)
        failed = protocol.attempts >= PROTOCOL_ATTEMPTS
        Protocol.objects.filter(pk=protocol_id, status=Protocol.Status.RENDERING).update(
            status=Protocol.Status.FAILED if failed else Protocol.Status.QUEUED,
            progress=0,
            error=f"{type(error).__name__}: {error}"[:500],
        )
        if not failed and not self.request.is_eager:
            raise self.retry(exc=error, countdown=30 * 2 ** (protocol.attempts - 1)) from error
        # Eager (no broker): it stays queued and the sweep tries it again.
        return "failed"
    return "ready"


def _protocol_progress(protocol_id: int, value: int) -> None:
    from meetings.models import Protocol

    Protocol.objects.filter(pk=protocol_id, status=Protocol.Status.RENDERING).update(progress=value)


@shared_task
def render_waiting_protocols() -> int:
    """Queues protocols left waiting (a broker that was down) or claimed by a dead worker."""
    from meetings.models import Protocol

    ids = jobs.left_waiting(
        Protocol, waiting=Protocol.Status.QUEUED, running=Protocol.Status.RENDERING,
        now=clock.now(), timeout=PROTOCOL_STALE_AFTER,
    )  # fmt: skip
    for protocol_id in ids:
        dispatch(render_protocol, protocol_id)
    return len(ids)
