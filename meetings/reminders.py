"""Reminder emails: planning them as rows and delivering each row once.

Planning inserts one Reminder row per kind, subject and recipient; the unique constraint on
those three makes a repeated or overlapping run insert nothing new. Delivery claims a row with
one conditional UPDATE, so of two workers holding the same id only one sends.

Time comes from the one clock (cohesion.clock), read once per call. A delivery decides with the
notion of time of the planning that queued it, whichever process or day it runs in: what is
overdue and whether the programme is still running are judged on the day the row was planned
(its created_at). Only what is about the moment of sending reads the clock again: whether a
meeting is still ahead, claims and their timeouts, and when the row was sent.
"""

import calendar
import datetime
import json
import select
import smtplib

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, transaction
from django.db import connection as database
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import pq

from cohesion import clock, jobs, mail
from communities.models import Programme, completed_q
from meetings import ical, services
from meetings.models import ActionItem, EmailOptOut, Meeting, Reminder, stale_before
from workinggroups.models import Membership, Person, WorkingGroup

# The claim and sweep windows are settings (REMINDER_CLAIM_TIMEOUT, REMINDER_QUEUE_GRACE,
# REMINDER_RETRY_LOST_AFTER; see cohesion/settings.py and the README).
# A row that killed this many workers is not tried again (see reminders_requeue_stalled).
MAX_ATTEMPTS = 6
# The record-missing reminder looks back this far, so that a beat missed for a few days still
# reminds, but switching reminders on does not nag about last year's meetings.
RECORD_LOOKBACK_DAYS = 7
UNSUBSCRIBE_SALT = "reminder-unsubscribe"
UNSUBSCRIBE_MAX_AGE = datetime.timedelta(days=365)
# Transient failures worth retrying; smtplib.SMTPException is an OSError, named for clarity.
RETRYABLE = (OSError, smtplib.SMTPException)

Kind = Reminder.Kind
Status = Reminder.Status
PAUSED = WorkingGroup.PAUSED
CALLED_OFF = (Meeting.Status.CANCELLED, Meeting.Status.POSTPONED)


def _quiet(today: datetime.date, prefix: str = "group__") -> Q:
    """Groups that get no reminders of any kind: those holding no meetings, and every group
    of a programme that has been completed (closed early or past its end date)."""
    return Q(**{f"{prefix}status__in": PAUSED}) | completed_q(today, f"{prefix}programme__")


# Planning ----------------------------------------------------------------------------------


def plan_announcements() -> list[int]:
    """Plans the announcement of every planned meeting starting within
    MEETING_ANNOUNCE_DAYS_BEFORE days to each current member; returns the ids to deliver."""
    now = clock.now()
    horizon = now + datetime.timedelta(days=settings.MEETING_ANNOUNCE_DAYS_BEFORE)
    meeting_ids = (
        Meeting.objects.filter(
            status=Meeting.Status.PLANNED, starts_at__gt=now, starts_at__lte=horizon
        )
        .exclude(_quiet(timezone.localdate(now)))
        .order_by("pk")  # the same order in every worker: row locks cannot deadlock
        .values_list("pk", flat=True)
    )
    ids: list[int] = []
    for meeting_id in meeting_ids:
        ids += _announce(meeting_id, now)
    return ids


@transaction.atomic
def meeting_send_agenda(*, meeting: Meeting, by=None) -> list[int]:
    """The leader's "send the agenda now": announces the meeting to every current member at
    once (each still only once) and queues the emails after commit."""
    from meetings.tasks import queue_deliveries

    now = clock.now()
    if meeting.status != Meeting.Status.PLANNED or meeting.starts_at <= now:
        raise ValidationError(_("Only a meeting that is planned and still ahead is announced."))
    # Read afresh: the caller's copy may predate the group's latest status change.
    group = WorkingGroup.objects.select_related("programme").get(pk=meeting.group_id)
    if group.status in PAUSED:
        raise ValidationError(_("The group is not meeting at present."))
    if group.programme.completed_by(timezone.localdate(now)):
        raise ValidationError(
            _("The programme has ended: Cohesion no longer writes to the group's members.")
        )
    if not any(recipient(m.person)[0] for m in _members(meeting.group_id)):
        raise ValidationError(_("No current member of the group has an email address."))
    ids = _announce(meeting.pk, now)
    queue_deliveries(ids)
    meeting.refresh_from_db(fields=["agenda_sent_at"])
    return ids


def _announce(meeting_id: int, now: datetime.datetime) -> list[int]:
    with transaction.atomic():
        # The lock keeps two workers from carrying the same open action into the agenda twice.
        meeting = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting_id)
        if meeting.status != Meeting.Status.PLANNED:
            return []
        services.meeting_carry_open_actions(meeting=meeting)
        members = _members(meeting.group_id)
        rows = [
            _row(Kind.ANNOUNCEMENT, f"meeting:{meeting.pk}", member.person, meeting.group_id,
                 meeting_id=meeting.pk, now=now)
            for member in members
        ]  # fmt: skip
        if not any(rows):
            return []  # nobody to write to: the agenda stays "not sent"
        ids = _plan(Kind.ANNOUNCEMENT, rows)
        Meeting.objects.filter(pk=meeting.pk, agenda_sent_at__isnull=True).update(
            agenda_sent_at=now
        )
    return ids


# Change notices ----------------------------------------------------------------------------
#
# A change to an announced meeting is told to its members once per calendar SEQUENCE, after
# CHANGE_NOTICE_DELAY: a notice still waiting when the meeting changes again is superseded (not
# sent), and the new one tells what the member had been told before the first of them, so a
# meeting moved twice in a minute is told once, from where it was to where it now is.


def told(meeting: Meeting) -> dict:
    """When and where the meeting is, as its members are told it: what a change notice
    compares and keeps (JSON) as the "before"."""
    return {
        "starts_at": meeting.starts_at.astimezone(datetime.UTC).isoformat(),
        "duration_minutes": meeting.duration_minutes,
        "format": meeting.format,
        "place": meeting.place,
        "online_link": meeting.online_link,
    }


def notify_change(*, meeting: Meeting, before: dict, now: datetime.datetime) -> list[int]:
    """Plans one notice per current member with an address of a change just made to an
    announced meeting (locked by the caller, its SEQUENCE raised; `before` is told() of it
    before the change) and queues them for CHANGE_NOTICE_DELAY after the commit; returns
    their ids. A meeting never announced, or whose time has passed, is nobody's news."""
    from meetings.tasks import queue_deliveries

    if meeting.agenda_sent_at is None:
        return []  # its announcement, when it goes, tells the meeting as it then stands
    if max(meeting.starts_at, _start(before)) <= now:
        return []
    key = f"meeting:{meeting.pk}:seq:{meeting.sequence}"
    # Notices of earlier changes still waiting are superseded. Locked, so that a worker cannot
    # claim one meanwhile (its claim waits for this commit, then finds it skipped).
    waiting = list(
        Reminder.objects.select_for_update()
        .filter(kind=Kind.CHANGE_NOTICE, meeting_id=meeting.pk, status=Status.PENDING)
        .order_by("pk")
        .values_list("pk", "email", "previous")
    )
    Reminder.objects.filter(pk__in=[pk for pk, _email, _previous in waiting]).update(
        status=Status.SKIPPED, last_error="Not sent: superseded by a later change."
    )
    # The member was never told what a superseded notice said: they still know the meeting as
    # the earliest of them found it.
    knew: dict[str, dict] = {}
    for _pk, email, previous in waiting:
        knew.setdefault(email, previous)
    called_off, now_told = meeting.status in CALLED_OFF, told(meeting)
    not_before = now + datetime.timedelta(seconds=settings.CHANGE_NOTICE_DELAY)
    rows = []
    for member in _members(meeting.group_id):
        row = _row(Kind.CHANGE_NOTICE, key, member.person, meeting.group_id,
                   meeting_id=meeting.pk, now=now)  # fmt: skip
        if row is None:
            continue
        row.previous, row.not_before = knew.get(row.email, before), not_before
        if called_off or row.previous != now_told:  # moved and moved back: nothing to tell
            rows.append(row)
    ids = _plan(Kind.CHANGE_NOTICE, rows)
    queue_deliveries(ids, countdown=settings.CHANGE_NOTICE_DELAY)
    return ids


def _start(told_state: dict) -> datetime.datetime:
    return datetime.datetime.fromisoformat(told_state["starts_at"])


def _sequence(reminder: Reminder) -> int:
    return int(reminder.subject_key.rsplit(":", 1)[1])


def _members(group_id: int):
    return (
        Membership.objects.current()
        .filter(group_id=group_id)
        .select_related("person__user")
        .order_by("pk")
    )


def plan_record_missing() -> list[int]:
    """From the day after a meeting that is still "planned" (nothing logged), plans one
    reminder to its group's leader; returns the ids to deliver."""
    now = clock.now()
    today = timezone.localdate(now)
    meetings = list(
        Meeting.objects.filter(
            # Nothing logged, or attendance logged without minutes: both need the leader.
            Q(status=Meeting.Status.PLANNED) | Q(status=Meeting.Status.HELD, minutes=""),
            starts_at__gte=clock.start_of(today - datetime.timedelta(days=RECORD_LOOKBACK_DAYS)),
            starts_at__lt=clock.start_of(today),
        )
        .exclude(_quiet(today))
        .order_by("pk")
    )
    leaders = _leaders({meeting.group_id for meeting in meetings})
    rows = [
        _row(Kind.RECORD_MISSING, f"meeting:{meeting.pk}", leaders[meeting.group_id].person,
             meeting.group_id, meeting_id=meeting.pk, now=now)
        for meeting in meetings
        if meeting.group_id in leaders
    ]  # fmt: skip
    return _plan(Kind.RECORD_MISSING, rows)


def plan_no_meeting() -> list[int]:
    """From NO_MEETING_REMINDER_DAY of the month, plans one reminder to the leader of each
    active or re-established group with no meeting planned or held this month."""
    now = clock.now()
    today = timezone.localdate(now)
    last_day = calendar.monthrange(today.year, today.month)[1]
    if today.day < min(settings.NO_MEETING_REMINDER_DAY, last_day):
        return []
    month_start = today.replace(day=1)
    next_month = month_start + datetime.timedelta(days=last_day)
    covered = Meeting.objects.filter(
        status__in=[Meeting.Status.PLANNED, Meeting.Status.HELD],
        starts_at__gte=clock.start_of(month_start),
        starts_at__lt=clock.start_of(next_month),
    ).values("group_id")
    # Only groups of programmes running today: a group whose programme has ended is not
    # expected to meet, as in the compliance grid.
    group_ids = list(
        WorkingGroup.objects.filter(
            status__in=WorkingGroup.OPERATING,
            programme__in=Programme.objects.running(today),
        )
        .exclude(pk__in=covered)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    leaders = _leaders(group_ids)
    rows = [
        _row(Kind.NO_MEETING_PLANNED, f"group:{group_id}:{today:%Y-%m}",
             leaders[group_id].person, group_id, now=now)
        for group_id in group_ids
        if group_id in leaders
    ]  # fmt: skip
    return _plan(Kind.NO_MEETING_PLANNED, rows)


def plan_overdue_digests() -> list[int]:
    """Plans this ISO week's digest to the leader of each group of a running programme that
    has overdue open actions, or stale ones it has not been told of yet; returns the ids to
    deliver."""
    now = clock.now()
    today = timezone.localdate(now)
    year, week, _weekday = today.isocalendar()
    group_ids = sorted(
        set(
            ActionItem.objects.to_digest(today)
            .exclude(_quiet(today))
            .values_list("group_id", flat=True)
        )
    )
    leaders = _leaders(group_ids)
    rows = [
        _row(Kind.OVERDUE_DIGEST, f"group:{group_id}:{year}-W{week:02d}",
             leaders[group_id].person, group_id, now=now)
        for group_id in group_ids
        if group_id in leaders
    ]  # fmt: skip
    return _plan(Kind.OVERDUE_DIGEST, rows)


def reminders_requeue_stalled() -> list[int]:
    """The ids of rows whose delivery was lost (queue message gone, worker died mid-send);
    a row that has already been tried MAX_ATTEMPTS times is marked failed instead."""
    now = clock.now()
    lost = now - datetime.timedelta(seconds=settings.REMINDER_QUEUE_GRACE)
    retry_lost = now - datetime.timedelta(seconds=settings.REMINDER_RETRY_LOST_AFTER)
    dead = now - _claim_timeout()
    stalled = Reminder.objects.filter(
        # A row held back (a change notice) is lost the grace after it was due, not planned.
        Q(status=Status.PENDING, attempts=0, not_before__isnull=True, created_at__lt=lost)
        | Q(status=Status.PENDING, attempts=0, not_before__lt=lost)
        | Q(status=Status.PENDING, attempts__gt=0, claimed_at__lt=retry_lost)
        | jobs.claimed_before(Status.SENDING, dead, claimed_at="claimed_at")
    )
    stalled.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, last_error="Gave up after repeated interrupted attempts."
    )
    return list(
        stalled.filter(attempts__lt=MAX_ATTEMPTS).order_by("pk").values_list("pk", flat=True)
    )


def _leaders(group_ids) -> dict[int, Membership]:
    """Each group's current leader membership (at most one per group, by constraint)."""
    return {
        membership.group_id: membership
        for membership in Membership.objects.current()
        .filter(role=Membership.Role.LEADER, group_id__in=group_ids)
        .select_related("person__user")
    }


def recipient(person: Person) -> tuple[str, str]:
    """The address (the person's own, else their account's, lower-cased) and language (their
    account's choice, else the site's) to write to; an empty address means none."""
    user = person.user
    email = (person.email or (user.email if user else "")).strip().lower()
    return email, mail.recipient_language(user.language if user else "")


def _row(kind, subject_key, person, group_id, *, meeting_id=None, now) -> Reminder | None:
    email, language = recipient(person)
    if not email:
        return None
    return Reminder(
        kind=kind,
        subject_key=subject_key,
        email=email,
        group_id=group_id,
        meeting_id=meeting_id,
        person=person,
        language=language,
        created_at=now,
    )


def _plan(kind: str, rows: list[Reminder | None]) -> list[int]:
    """Inserts the rows that do not exist yet (opted-out addresses as "skipped") and returns
    the ids of this plan's rows that are still waiting for their first attempt."""
    rows = [row for row in rows if row is not None]
    if not rows:
        return []
    opted_out = opted_out_among({row.email for row in rows})
    for row in rows:
        if row.email in opted_out:
            row.status = Status.SKIPPED
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Reminder.objects.filter(
            kind=kind,
            subject_key__in={row.subject_key for row in rows},
            email__in={row.email for row in rows},
            status=Status.PENDING,
            attempts=0,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def opted_out_among(emails: set[str]) -> set[str]:
    """The addresses (lower-cased) among `emails` that unsubscribed."""
    return set(
        EmailOptOut.objects.annotate(address=Lower("email"))
        .filter(address__in={email.lower() for email in emails})
        .values_list("address", flat=True)
    )


# Unsubscribing -----------------------------------------------------------------------------


def unsubscribe_token(email: str) -> str:
    return signing.dumps(email.strip().lower(), salt=UNSUBSCRIBE_SALT)


def email_for_token(token: str) -> str:
    """The address a token was made for; raises signing.BadSignature (or its subclass
    SignatureExpired) for a tampered or expired token."""
    email = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    if not isinstance(email, str) or "@" not in email:
        raise signing.BadSignature("Not an address.")
    return email


def unsubscribe_url(email: str) -> str:
    return _absolute(reverse("meetings:unsubscribe", args=[unsubscribe_token(email)]))


@transaction.atomic
def email_opt_out(*, email: str) -> EmailOptOut:
    """Stops all reminders to the address, including those already planned."""
    email = email.strip().lower()
    opt_out, _created = EmailOptOut.objects.get_or_create(email=email)
    Reminder.objects.filter(email=email, status=Status.PENDING).update(status=Status.SKIPPED)
    return opt_out


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# Delivery ----------------------------------------------------------------------------------


def _claim_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT)


def deliver(reminder_id: int) -> bool:
    """Sends one reminder if this call wins the claim on its row; True when it was sent.
    A transient failure puts the row back to pending and re-raises, for Celery to retry."""
    now = clock.now()
    if not jobs.claim(
        Reminder, reminder_id, waiting=Status.PENDING, running=Status.SENDING,
        now=now, timeout=_claim_timeout(), claimed_at="claimed_at", not_before="not_before",
        attempts=F("attempts") + 1,
    ):  # fmt: skip
        return False  # gone, done, not due yet, or being sent by another worker right now
    reminder = _claimed([reminder_id]).first()
    if reminder is None:
        return False  # deleted (with its meeting, say) since the claim
    return send_claimed(
        reminder, now=now, claimed_at=now, opted_out=opted_out_among({reminder.email})
    )


def claim_batch(reminder_ids: list[int], *, now) -> tuple[list[Reminder], set[str]]:
    """Claims a batch of rows in one statement and reads those this call won, with the
    opted-out addresses among them: three queries for the batch, where claiming row by row
    took three a reminder."""
    won = jobs.claim_many(
        Reminder, reminder_ids, waiting=Status.PENDING, running=Status.SENDING, now=now,
        timeout=_claim_timeout(), not_before="not_before",
    )  # fmt: skip
    rows = list(_claimed(won).order_by("pk")) if won else []
    return rows, opted_out_among({row.email for row in rows})


def claim_timeout() -> datetime.timedelta:
    return _claim_timeout()


def renew_batch(reminder_ids: list[int], *, held_since, now) -> set[int]:
    """Renews a batch's claim on the rows it has not sent yet; the ids it still holds."""
    return set(
        jobs.renew_many(
            Reminder, reminder_ids, running=Status.SENDING, held_since=held_since, now=now
        )
    )


def _claimed(ids):
    return Reminder.objects.select_related("group__programme", "meeting__group").filter(pk__in=ids)


def send_claimed(reminder: Reminder, *, now, claimed_at, opted_out: set[str]) -> bool:
    """Sends a reminder this worker has claimed, alone, and marks it sent at once (a batch
    goes through meetings.tasks.deliver_reminders). A transient failure puts the row back to
    pending and re-raises, for Celery to retry."""
    prepared = prepare(reminder, now=now, claimed_at=claimed_at, opted_out=opted_out)
    if prepared is None:
        return False
    message, context = prepared
    try:
        message.send()
    except Exception as exc:
        record_failure(reminder.pk, exc, claimed_at=claimed_at)
        raise
    record_sent(reminder, context, now=now, claimed_at=claimed_at)
    return True


def prepare(
    reminder: Reminder, *, now, claimed_at, opted_out: set[str], memo: dict | None = None
) -> tuple[EmailMultiAlternatives, dict] | None:
    """The email of a reminder this worker has claimed and what it was made from, or None when
    it is no longer to be sent (the row is marked skipped). An error making it is recorded as
    record_failure does and raised. A batch passes a `memo` that keeps what every member of a
    meeting is sent alike (the email itself, its calendar invitation and pre-reads) per
    language."""
    if reminder.email.lower() in opted_out:
        _finish(reminder.pk, Status.SKIPPED, claimed_at=claimed_at)
        return None
    reason = _not_needed(reminder, now)
    if reason:
        _finish(reminder.pk, Status.SKIPPED, error=reason, claimed_at=claimed_at)
        return None
    try:
        context = _context(reminder, memo)
        return _message(reminder, context, memo), context
    except Exception as exc:
        record_failure(reminder.pk, exc, claimed_at=claimed_at)
        raise


def record_sent(reminder: Reminder, context: dict, *, now, claimed_at, marks=None) -> None:
    """Marks a sent reminder as sent, at once (a worker killed after this leaves the rest of
    its batch claimed, for the sweep to hand on: none is sent twice); through a batch's
    SentMarks if given."""
    if marks is None:
        _mark_sent(reminder.pk, claimed_at=claimed_at, now=now)
    else:
        marks.mark(reminder.pk, claimed_at=claimed_at, now=now)
    if reminder.kind == Kind.OVERDUE_DIGEST:
        if marks is not None:
            marks.settle()
        # A stale action is listed in one digest only; re-dating it starts afresh, also when
        # the leader re-dates it while this digest is on its way.
        planned_on = clock.day_of(reminder.created_at)
        ActionItem.objects.filter(
            pk__in=[action["pk"] for action in context["stale"]],
            stale_reported_on__isnull=True,
            due_on__lt=stale_before(planned_on),
        ).update(stale_reported_on=planned_on)


def record_failure(reminder_id: int, error: BaseException, *, claimed_at) -> bool:
    """Records a failed send; True when the failure is transient (the row is back to pending,
    to be retried), False when retrying would only fail again (a template or data error: the
    row is marked failed, for coordinators to see)."""
    transient = isinstance(error, RETRYABLE)
    status = Status.PENDING if transient else Status.FAILED
    _finish(reminder_id, status, error=_describe(error), claimed_at=claimed_at)
    return transient


def _mark_sent(reminder_id: int, *, claimed_at, now) -> None:
    """Marks a sent row, only while the claim is still this worker's (a stalled batch's rows
    are another's). One UPDATE a message, in plain SQL: building it through the ORM cost a
    quarter of what sending the email over SMTP does."""
    moment = database.ops.adapt_datetimefield_value  # as the ORM stores them
    with database.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Reminder._meta.db_table} SET status = %s, sent_at = %s, last_error = '' "
            "WHERE id = %s AND status = %s AND claimed_at = %s",
            [Status.SENT, moment(now), reminder_id, Status.SENDING, moment(claimed_at)],
        )


class SentMarks:
    """A batch's sent marks on PostgreSQL, each written to the server without waiting for its
    reply, which is read before the connection is used again (`settle`): the mark's round trip
    overlaps the next email's way to the mail server. A worker killed after writing it still
    has it done, as the server has the whole statement; a database that fails meanwhile may
    leave two emails unmarked where the synchronous mark left one. Elsewhere the mark is
    _mark_sent's."""

    def __init__(self):
        self.waiting = False

    def mark(self, reminder_id: int, *, claimed_at, now) -> None:
        self.settle()
        if database.vendor != "postgresql":
            _mark_sent(reminder_id, claimed_at=claimed_at, now=now)
            return
        database.ensure_connection()
        pgconn = database.connection.pgconn
        query = (
            f"UPDATE {Reminder._meta.db_table} SET status = $1, sent_at = $2, last_error = '' "
            "WHERE id = $3 AND status = $4 AND claimed_at = $5"
        )
        values = [Status.SENT, now.isoformat(), reminder_id, Status.SENDING, claimed_at.isoformat()]
        pgconn.send_query_params(query.encode(), [str(value).encode() for value in values])
        while pgconn.flush():  # a non-blocking connection: until the whole statement is out
            select.select([], [pgconn.socket], [])
        self.waiting = True
        if database.queries_logged:  # shown where Django's own queries are (DEBUG, tests)
            database.queries_log.append({"sql": f"{query} -- {values}", "time": "0.000"})

    def settle(self) -> None:
        if not self.waiting:
            return
        self.waiting = False
        pgconn = database.connection.pgconn
        failure = None
        while (result := pgconn.get_result()) is not None:
            if result.status != pq.ExecStatus.COMMAND_OK:
                failure = result.error_message.decode(errors="replace")
        if failure:
            raise DatabaseError(failure)


def reminder_give_up(*, reminder_id: int, error: BaseException | str = "") -> None:
    """Marks a reminder whose retries ran out as failed, so that coordinators see it."""
    Reminder.objects.filter(pk=reminder_id, status__in=[Status.PENDING, Status.SENDING]).update(
        status=Status.FAILED, last_error=_describe(error)
    )


def _finish(reminder_id: int, status: str, *, error: str = "", claimed_at=None) -> None:
    rows = Reminder.objects.filter(pk=reminder_id, status=Status.SENDING)
    if claimed_at is not None:
        rows = rows.filter(claimed_at=claimed_at)
    rows.update(status=status, last_error=error)


def _describe(error: BaseException | str) -> str:
    if isinstance(error, BaseException):
        error = f"{type(error).__name__}: {error}"
    return error[:500]


def _not_needed(reminder: Reminder, now: datetime.datetime) -> str:
    """Why the reminder no longer applies (things changed since it was planned), or ""."""
    group, meeting = reminder.group, reminder.meeting
    planned_on = clock.day_of(reminder.created_at)
    if group.status in PAUSED:
        return "Not sent: the group is not meeting at present."
    if group.programme.completed_by(planned_on):
        return "Not sent: the programme has ended."
    if reminder.kind == Kind.ANNOUNCEMENT:
        if meeting is None or meeting.status != Meeting.Status.PLANNED or meeting.starts_at <= now:
            return "Not sent: the meeting is no longer ahead and planned."
    elif reminder.kind == Kind.RECORD_MISSING:
        if meeting is None or not meeting.needs_record:
            return "Not sent: the meeting has been logged or called off."
    elif reminder.kind == Kind.NO_MEETING_PLANNED:
        year, month = map(int, reminder.subject_key.rsplit(":", 1)[1].split("-"))
        start = datetime.date(year, month, 1)
        end = start + datetime.timedelta(days=calendar.monthrange(year, month)[1])
        if group.meetings.filter(
            status__in=[Meeting.Status.PLANNED, Meeting.Status.HELD],
            starts_at__gte=clock.start_of(start),
            starts_at__lt=clock.start_of(end),
        ).exists():
            return "Not sent: a meeting has been planned for the month."
    elif (
        reminder.kind == Kind.OVERDUE_DIGEST
        and not group.action_items.to_digest(planned_on).exists()
    ):
        return "Not sent: no overdue actions left."
    elif reminder.kind == Kind.CHANGE_NOTICE:
        # A notice claimed before the change that superseded it committed.
        if meeting is None or _sequence(reminder) != meeting.sequence:
            return "Not sent: superseded by a later change."
        if meeting.status == Meeting.Status.HELD:
            return "Not sent: the meeting has been held."
        if max(meeting.starts_at, _start(reminder.previous or told(meeting))) <= now:
            return "Not sent: the meeting's time has passed."
    return ""


# What a reminder's email says of its meeting is the same for every member: kept in a batch.
PER_MEETING = {Kind.ANNOUNCEMENT, Kind.RECORD_MISSING, Kind.CHANGE_NOTICE}


def _alike(reminder: Reminder) -> tuple:
    """What makes the emails of two members say the same: their meeting, and for a change
    notice the change and what the member had been told before it (the same for all of them
    but in a race with a send)."""
    if reminder.kind == Kind.CHANGE_NOTICE:
        previous = json.dumps(reminder.previous, sort_keys=True)
        return (reminder.meeting_id, reminder.subject_key, previous)
    return (reminder.meeting_id,)


def _context(reminder: Reminder, memo: dict | None) -> dict:
    if memo is None or reminder.kind not in PER_MEETING:
        return CONTEXTS[reminder.kind](reminder)
    key = ("context", reminder.kind, *_alike(reminder))
    if key not in memo:
        memo[key] = CONTEXTS[reminder.kind](reminder)
    return memo[key]


# Stands for the recipient's own unsubscribe link in an email built once for many.
RECIPIENT_LINK = "https://recipient.invalid/unsubscribe"
# Stands for a token in the unsubscribe address (tokens are URL-safe: put in as they are).
TOKEN_STAND_IN = "token-stand-in"


def _message(
    reminder: Reminder, kind_context: dict, memo: dict | None = None
) -> EmailMultiAlternatives:
    """The email in the recipient's language: the unsubscribe link and headers, and for an
    announcement the iCalendar invitation and the pre-reads. In a batch, what the members of
    a meeting are sent is built once per language, their own unsubscribe link put in after."""
    if memo is None:
        link = unsubscribe_url(reminder.email)
    else:
        # The address's path resolved once a batch, each recipient's token put in.
        if "unsubscribe" not in memo:
            path = reverse("meetings:unsubscribe", args=[TOKEN_STAND_IN])
            memo["unsubscribe"] = _absolute(path).split(TOKEN_STAND_IN)
        before, after = memo["unsubscribe"]
        link = f"{before}{unsubscribe_token(reminder.email)}{after}"
    headers = {
        # RFC 8058 one-click unsubscribe; the view accepts the POST without CSRF.
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    if memo is None or reminder.kind not in PER_MEETING:
        return _build(reminder, kind_context, link=link, to=[reminder.email], headers=headers)
    key = ("message", reminder.kind, *_alike(reminder), mail.recipient_language(reminder.language))
    if key not in memo:
        memo[key] = _build(reminder, kind_context, link=RECIPIENT_LINK, to=[], headers={})
    return mail.copy_for(
        memo[key], to=[reminder.email], headers=headers, replace={RECIPIENT_LINK: link}
    )


def _build(reminder: Reminder, kind_context: dict, *, link: str, to, headers):
    context = {
        "reminder": reminder,
        "group": reminder.group,
        "unsubscribe_url": link,
        "site_url": settings.SITE_URL.rstrip("/"),
        **kind_context,
    }

    def attachments() -> list[mail.Attachment]:
        if reminder.kind not in (Kind.ANNOUNCEMENT, Kind.CHANGE_NOTICE):
            return []
        # Called with the recipient's language active: the invitation's text is theirs. A
        # change notice's is the same event (UID) with the feed's higher SEQUENCE, so that
        # calendar apps move it or mark it cancelled; it keeps the agenda as its description.
        invitation = ical.invitation(reminder.meeting, description=_agenda_text(context["agenda"]))
        files = [("meeting.ics", invitation, "text/calendar; method=PUBLISH; charset=utf-8")]
        if reminder.kind == Kind.ANNOUNCEMENT:
            files += _prereads(reminder.meeting)
        return files

    return mail.build(
        f"meeting_{reminder.kind}",
        context,
        to=to,
        language=reminder.language,
        headers=headers,
        attachments=attachments,
    )


def _prereads(meeting: Meeting) -> list[mail.Attachment]:
    """The members get the pre-reads with the announcement (most have no account to fetch
    them), up to PREREAD_ATTACH_MAX_BYTES in all; larger sets stay with the leader."""
    budget = settings.PREREAD_ATTACH_MAX_BYTES
    files = []
    for preread in meeting.prereads.order_by("uploaded_at"):
        if preread.size > budget:
            continue
        try:
            with preread.file.open("rb") as handle:
                content = handle.read()
        except FileNotFoundError:
            continue
        files.append((preread.original_name, content, preread.content_type))
        budget -= preread.size
    return files


def _agenda_text(agenda: list[str]) -> str:
    if not agenda:
        return ""
    return _("Agenda") + ":\n" + "\n".join(f"{n}. {title}" for n, title in enumerate(agenda, 1))


def _announcement_context(reminder: Reminder) -> dict:
    # Only what a member needs to come prepared: nobody's names or contacts.
    meeting = reminder.meeting
    return {
        "meeting": meeting,
        "starts_at": timezone.localtime(meeting.starts_at),
        "ends_at": timezone.localtime(meeting.ends_at),
        "agenda": list(meeting.agenda_items.values_list("title", flat=True)),
        "prereads": list(meeting.prereads.values_list("original_name", flat=True)),
    }


def _change_context(reminder: Reminder) -> dict:
    """The meeting as the member knew it and as it is now, and what of it changed; nobody's
    names or contacts."""
    meeting = reminder.meeting

    def shown(state: dict) -> dict:
        starts_at = timezone.localtime(_start(state))
        return {
            "starts_at": starts_at,
            "ends_at": timezone.localtime(
                starts_at + datetime.timedelta(minutes=state["duration_minutes"])
            ),
            "format": Meeting.Format(state["format"]).label,
            "place": state["place"],
            "online_link": state["online_link"],
        }

    before, after = reminder.previous or told(meeting), told(meeting)
    when = ("starts_at", "duration_minutes")
    return {
        "meeting": meeting,
        "called_off": meeting.status in CALLED_OFF,
        "cancelled": meeting.status == Meeting.Status.CANCELLED,
        "was": shown(before),
        "now": shown(after),
        "time_changed": [before[f] for f in when] != [after[f] for f in when],
        "format_changed": before["format"] != after["format"],
        "place_changed": before["place"] != after["place"],
        "link_changed": before["online_link"] != after["online_link"],
        "agenda": list(meeting.agenda_items.values_list("title", flat=True)),
    }


def _record_missing_context(reminder: Reminder) -> dict:
    meeting = reminder.meeting
    return {
        "meeting": meeting,
        "starts_at": timezone.localtime(meeting.starts_at),
        "log_url": _absolute(reverse("meetings:log", args=[meeting.pk])),
        "meeting_url": _absolute(meeting.get_absolute_url()),
    }


def _no_meeting_context(reminder: Reminder) -> dict:
    year, month = map(int, reminder.subject_key.rsplit(":", 1)[1].split("-"))
    return {
        "month": datetime.date(year, month, 1),
        "schedule_url": _absolute(reverse("meetings:create", args=[reminder.group_id])),
    }


def _overdue_digest_context(reminder: Reminder) -> dict:
    """Actions overdue up to ACTION_STALE_AFTER_DAYS, and stale ones (overdue for longer) not
    yet listed in an earlier digest, each with a link to close or re-date it, as they stood on
    the day the digest was planned."""
    # The leader needs to know whom to ask about each action: the owner's name, not contacts.
    today = clock.day_of(reminder.created_at)
    group_url = _absolute(reverse("meetings:group_meetings", args=[reminder.group_id]))

    def listed(actions):
        return [
            {
                "pk": action.pk,
                "description": action.description,
                "owner": action.owner.person.full_name,
                "due_on": action.due_on,
                "days_overdue": (today - action.due_on).days,
                "url": f"{group_url}#action-{action.pk}",
            }
            for action in actions.select_related("owner__person").order_by("due_on", "pk")
        ]

    actions = reminder.group.action_items
    overdue = listed(actions.overdue(today))
    stale = listed(actions.stale(today).filter(stale_reported_on__isnull=True))
    return {
        "actions": overdue,
        "stale": stale,
        "total": len(overdue) + len(stale),
        "stale_after_days": settings.ACTION_STALE_AFTER_DAYS,
        "group_url": group_url,
    }


CONTEXTS = {
    Kind.ANNOUNCEMENT: _announcement_context,
    Kind.RECORD_MISSING: _record_missing_context,
    Kind.NO_MEETING_PLANNED: _no_meeting_context,
    Kind.OVERDUE_DIGEST: _overdue_digest_context,
    Kind.CHANGE_NOTICE: _change_context,
}
