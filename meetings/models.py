import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cohesion import clock

# Also imported from here by the historical migrations of meetings, safetyplans and dashboards.
from cohesion.storage import private_storage


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Meetings of the groups the user may see (donors included: they follow whether a
        meeting happened, not who came)."""
        from workinggroups.models import WorkingGroup

        return self.filter(group__in=WorkingGroup.objects.visible_to(user))

    def managed_by(self, user):
        """Meetings the user may plan and record: their programme's (coordinator) or their own
        group's (leader)."""
        from workinggroups.models import WorkingGroup

        return self.filter(group__in=WorkingGroup.objects.managed_by(user))

    def upcoming(self):
        return self.filter(status=Meeting.Status.PLANNED, starts_at__gte=clock.now())


class Meeting(models.Model):
    """A group's meeting, planned and then held, cancelled or postponed."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")
        POSTPONED = "postponed", _("Postponed")

    class Reason(models.TextChoices):
        AIR_RAID = "air_raid", _("Air-raid alert")
        POWER_OUTAGE = "power_outage", _("Power outage")
        SECURITY = "security", _("Security situation")
        OTHER = "other", _("Other")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("In person and online")

    group = models.ForeignKey(
        "workinggroups.WorkingGroup",
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("working group"),
    )
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    format = models.CharField(
        _("format"), max_length=12, choices=Format.choices, default=Format.IN_PERSON
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    status_reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices, blank=True)
    status_note = models.CharField(_("note"), max_length=300, blank=True)
    # Sanitised HTML (nh3) written by the service, never raw user input.
    minutes = models.TextField(_("minutes"), blank=True)
    agenda_sent_at = models.DateTimeField(_("agenda sent at"), null=True, blank=True)
    # iCalendar SEQUENCE: raised on every change so calendar apps take the new time or place.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    recorded_at = models.DateTimeField(_("record logged at"), null=True, blank=True)
    # The key of the record form that saved the record, made on the phone when the form was
    # opened: a record sent again (a phone that lost the answer, Background Sync retrying) is
    # recognised and nothing is saved twice.
    record_key = models.UUIDField(
        _("record key"), null=True, blank=True, unique=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    # Who changed what, for the programme's activity page. Left out: the calendar's sequence
    # and the moments of logging, which change on every save and say nothing to a reader.
    history = HistoricalRecords(
        excluded_fields=["sequence", "recorded_at", "record_key", "created_at"]
    )
    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["group", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=720),
                name="meeting_duration_sensible",
                violation_error_message=_("A meeting lasts between 5 minutes and 12 hours."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["cancelled", "postponed"]) | ~Q(status_reason=""),
                name="meeting_cancellation_has_reason",
                violation_error_message=_("Give the reason for cancelling or postponing."),
            ),
        ]

    def __str__(self):
        return f"{self.group} · {timezone.localtime(self.starts_at):%d.%m.%Y %H:%M}"

    def get_absolute_url(self):
        return reverse("meetings:detail", args=[self.pk])

    @property
    def ends_at(self):
        return self.starts_at + timezone.timedelta(minutes=self.duration_minutes)

    @property
    def is_past(self) -> bool:
        return self.starts_at < clock.now()

    @property
    def needs_record(self) -> bool:
        """Its time has passed and nobody has logged what happened, or the minutes are missing."""
        if not self.is_past:
            return False
        return self.status == self.Status.PLANNED or (
            self.status == self.Status.HELD and not self.minutes.strip()
        )


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("meeting")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("item"), max_length=300)
    # What was said and agreed on this item, recorded with the meeting (structured minutes).
    outcome = models.TextField(_("outcome"), blank=True)
    # An open action carried over from an earlier meeting.
    action_item = models.ForeignKey(
        "meetings.ActionItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("open action"),
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "action_item"],
                condition=Q(action_item__isnull=False),
                name="agenda_item_action_once",
            ),
        ]

    def __str__(self):
        return self.title


class StoredFile(models.Model):
    """A file a user uploaded to a meeting, kept privately: who, when, what it was called and
    what it is (its content checked against its name)."""

    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=clock.now)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name


class PreRead(StoredFile):
    """A document for members to read before the meeting, stored privately."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="prereads", verbose_name=_("meeting")
    )
    file = models.FileField(_("file"), upload_to="prereads/%Y/%m/", storage=private_storage)

    class Meta:
        verbose_name = _("pre-read")
        verbose_name_plural = _("pre-reads")
        ordering = ["meeting", "uploaded_at"]


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting")
    )
    membership = models.ForeignKey(
        "workinggroups.Membership",
        on_delete=models.PROTECT,
        related_name="attendance",
        verbose_name=_("member"),
    )
    status = models.CharField(_("attendance"), max_length=8, choices=Status.choices)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "membership"], name="attendance_once_per_member"
            ),
        ]

    def __str__(self):
        return f"{self.membership.person} · {self.get_status_display()}"


class GuestCount(models.Model):
    """Guests are counted by stakeholder category, without names."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="guests", verbose_name=_("meeting")
    )
    category = models.ForeignKey(
        "communities.StakeholderCategory",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("stakeholder category"),
    )
    count = models.PositiveSmallIntegerField(_("guests"))

    class Meta:
        verbose_name = _("guests")
        verbose_name_plural = _("guests")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "category"], name="guest_count_once"),
        ]

    def __str__(self):
        return f"{self.category}: {self.count}"


class Decision(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("meeting")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("decision"))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "position", "pk"]

    def __str__(self):
        return self.text[:80]


def stale_before(today: datetime.date) -> datetime.date:
    """Open actions due before this day are stale: overdue for more than
    ACTION_STALE_AFTER_DAYS, listed once and then left to the leader to close or re-date."""
    return today - datetime.timedelta(days=settings.ACTION_STALE_AFTER_DAYS)


class ActionItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ActionItem.Status.OPEN)

    def overdue(self, today: datetime.date):
        """Open and past due, but not yet stale."""
        return self.open().filter(due_on__lt=today, due_on__gte=stale_before(today))

    def stale(self, today: datetime.date):
        return self.open().filter(due_on__lt=stale_before(today))

    def to_digest(self, today: datetime.date):
        """What a weekly digest lists: overdue actions, and stale ones not listed before."""
        return self.open().filter(
            Q(due_on__lt=today, due_on__gte=stale_before(today))
            | Q(due_on__lt=stale_before(today), stale_reported_on__isnull=True)
        )


class ActionItem(models.Model):
    """A follow-up agreed at a meeting; open ones are carried into the next agenda."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    group = models.ForeignKey(
        "workinggroups.WorkingGroup",
        on_delete=models.CASCADE,
        related_name="action_items",
        verbose_name=_("working group"),
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("agreed at"),
    )
    description = models.CharField(_("action"), max_length=500)
    owner = models.ForeignKey(
        "workinggroups.Membership",
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # The day a digest listed it as stale; cleared when it is re-dated.
    stale_reported_on = models.DateField(_("reported as stale on"), null=True, blank=True)

    # The digest's bookkeeping (stale_reported_on) is no one's change.
    history = HistoricalRecords(excluded_fields=["stale_reported_on"])
    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["group", "status", "due_on"])]

    def __str__(self):
        return self.description

    def is_overdue(self, today: datetime.date) -> bool:
        return self.status == self.Status.OPEN and stale_before(today) <= self.due_on < today

    def is_stale(self, today: datetime.date) -> bool:
        return self.status == self.Status.OPEN and self.due_on < stale_before(today)


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A group's private calendar subscription: whoever has the URL sees the group's meeting
    times, so the leader can revoke it and get a new one."""

    group = models.OneToOneField(
        "workinggroups.WorkingGroup",
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("working group"),
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    renewed_at = models.DateTimeField(_("renewed at"), default=clock.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.group)


class Reminder(models.Model):
    """One email to one person for one reason. The unique constraint on kind, subject and
    recipient is what makes every reminder go out exactly once, however often or however
    concurrently the tasks run.

    A change notice (a planned meeting moved, its place or link changed, or called off after
    its announcement) is a row of this model too, not one of its own: it goes to the same
    members, is claimed, batched, retried, swept, unsubscribed from and listed for
    coordinators exactly as the reminders are. Its subject is the meeting and its calendar
    SEQUENCE, so each member is told of each change once; the two fields only it uses say
    what the member had been told before (`previous`) and hold it back a moment
    (`not_before`), so that a second change soon after supersedes it."""

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("Meeting announcement")
        RECORD_MISSING = "record_missing", _("Meeting record missing")
        NO_MEETING_PLANNED = "no_meeting", _("No meeting planned this month")
        OVERDUE_DIGEST = "overdue_digest", _("Weekly digest of overdue actions")
        CHANGE_NOTICE = "change_notice", _("Meeting changed or called off")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent (unsubscribed or no longer needed)")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # What the reminder is about, e.g. "meeting:42", "group:7:2026-11", "group:7:2026-W47";
    # for a change notice the meeting and its SEQUENCE, "meeting:42:seq:3".
    subject_key = models.CharField(_("subject"), max_length=100)
    email = models.EmailField(_("recipient"))
    group = models.ForeignKey(
        "workinggroups.WorkingGroup",
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("working group"),
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("meeting"),
    )
    person = models.ForeignKey(
        "workinggroups.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    language = models.CharField(_("language"), max_length=8, default="uk")
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Not claimed before this moment (a change notice waits CHANGE_NOTICE_DELAY seconds).
    not_before = models.DateTimeField(_("not sent before"), null=True, blank=True)
    # A change notice's "before": the meeting as the member had last been told of it
    # (meetings.reminders.told), with its start as an ISO 8601 string.
    previous = models.JSONField(_("as told before"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key", "email"], name="reminder_exactly_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.email}"


class EmailOptOut(models.Model):
    """An address that asked, through the signed link in a reminder, not to get reminders."""

    email = models.EmailField(_("email"), unique=True)
    created_at = models.DateTimeField(_("unsubscribed at"), default=clock.now)

    class Meta:
        verbose_name = _("unsubscribed address")
        verbose_name_plural = _("unsubscribed addresses")

    def __str__(self):
        return self.email


class CalendarMonth(models.Model):
    """The months from 1990 to 2100: the summary's triggers build a group's months from them
    (SQLite cannot generate a series inside a trigger). Filled by
    meetings.summary.fill_calendar after every migrate."""

    month = models.DateField(primary_key=True)
    year = models.PositiveSmallIntegerField()
    # The day a month's status is taken on (a group operating on the 15th is expected to meet).
    middle = models.DateField()
    last_day = models.DateField()

    class Meta:
        ordering = ["month"]

    def __str__(self):
        return f"{self.month:%Y-%m}"


class GroupMonth(models.Model):
    """One group's month, summarised: kept by database triggers in the same transaction as any
    change to the meetings, attendance, status history, people or programme it comes from
    (meetings.summary), so that the compliance grid and the indicators read one row per group
    and month instead of every meeting and attendance. Never written by the application."""

    # No constraint and no cascade: the rows are the database's to keep (a trigger removes a
    # deleted group's), and Django's deletion collector must not refresh them half-way.
    group = models.ForeignKey(
        "workinggroups.WorkingGroup",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    month = models.DateField()
    # Active or re-established on the month's 15th, within the programme: a meeting is due.
    operating = models.BooleanField()
    held = models.PositiveIntegerField()
    planned = models.PositiveIntegerField()
    cancelled = models.PositiveIntegerField()
    postponed = models.PositiveIntegerField()
    # Members present at the month's held meetings (one per member and meeting).
    present = models.PositiveIntegerField()
    present_women = models.PositiveIntegerField()
    present_men = models.PositiveIntegerField()
    # Up to the programme's youth age in the year of the meeting.
    present_youth = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "month"], name="group_month_once"),
        ]
        indexes = [models.Index(fields=["month", "group"])]

    def __str__(self):
        return f"{self.group_id} · {self.month:%Y-%m}"


class SheetExport(models.Model):
    """A group's attendance sheet taken out (its members' names and roles, for the meeting
    room): the names left the system, so who took them and when is kept."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        PDF = "pdf", _("PDF")

    group = models.ForeignKey(
        "workinggroups.WorkingGroup",
        on_delete=models.CASCADE,
        related_name="sheet_exports",
        verbose_name=_("working group"),
    )
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    exported_at = models.DateTimeField(_("taken at"), default=clock.now)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)

    class Meta:
        verbose_name = _("attendance sheet taken")
        verbose_name_plural = _("attendance sheets taken")
        ordering = ["-exported_at"]

    def __str__(self):
        return f"{self.group_id} · {self.exported_at:%Y-%m-%d %H:%M}"


class Protocol(models.Model):
    """One version of a held meeting's protocol as a PDF, in the form a council expects,
    rendered on a worker. A new request makes a new version; `record_logged_at` is the
    meeting's record it was made from, so the page can say when the record changed since."""

    class Languages(models.TextChoices):
        UK = "uk", _("Ukrainian")
        UK_EN = "uk_en", _("Ukrainian and English side by side")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RENDERING = "rendering", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be made")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="protocols", verbose_name=_("meeting")
    )
    version = models.PositiveSmallIntegerField(_("version"))
    # The protocol's number in the group's series: its held meetings up to this one.
    number = models.PositiveIntegerField(_("protocol number"))
    languages = models.CharField(
        _("language"), max_length=8, choices=Languages.choices, default=Languages.UK
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    file = models.FileField(
        _("file"), upload_to="protocols/%Y/", storage=private_storage, blank=True, editable=False
    )
    size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    # The meeting's recorded_at when the worker read the record (at the request until then).
    record_logged_at = models.DateTimeField(_("record logged at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=clock.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting protocol")
        verbose_name_plural = _("meeting protocols")
        ordering = ["meeting", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="protocol_version_once"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return f"{self.meeting_id} · {self.version}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RENDERING)

    def record_changed(self, meeting: Meeting) -> bool:
        """The meeting's record was logged again after this version read it."""
        return meeting.recorded_at != self.record_logged_at


class SignedProtocol(StoredFile):
    """The scan of the protocol as signed by the chair and the secretary, attached back to the
    meeting; one per meeting, replaced by the next upload."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="signed_protocol", verbose_name=_("meeting")
    )
    file = models.FileField(_("file"), upload_to="protocols/signed/%Y/", storage=private_storage)

    class Meta:
        verbose_name = _("signed protocol")
        verbose_name_plural = _("signed protocols")
