"""Targets coordinators set for a programme's indicators, and the exports made from them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import user_roles
from cohesion import clock
from cohesion.storage import private_storage


class IndicatorTarget(models.Model):
    """What a programme aims for on one indicator over its whole life (its life-of-programme
    target), and where it started from (its baseline): the first columns of the IPTT."""

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="indicator_targets",
        verbose_name=_("programme"),
    )
    indicator = models.CharField(_("indicator"), max_length=40)
    target = models.DecimalField(
        _("life-of-programme target"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    baseline = models.DecimalField(
        _("baseline"), max_digits=12, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "indicator"], name="indicator_target_once"
            ),
            models.CheckConstraint(condition=Q(target__gt=0), name="indicator_target_positive"),
            models.CheckConstraint(
                condition=Q(baseline__gte=0), name="indicator_baseline_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.target}"


class TrackingPlan(models.Model):
    """How a programme's indicator performance tracking table (IPTT) divides its life: by
    year, quarter or month (calendar periods, the first and last cut by the programme's own
    dates)."""

    class Frequency(models.TextChoices):
        YEAR = "year", _("Years")
        QUARTER = "quarter", _("Quarters")
        MONTH = "month", _("Months")

    programme = models.OneToOneField(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="tracking_plan",
        verbose_name=_("programme"),
    )
    frequency = models.CharField(
        _("reporting periods"), max_length=8, choices=Frequency.choices, default=Frequency.QUARTER
    )

    class Meta:
        verbose_name = _("tracking plan")
        verbose_name_plural = _("tracking plans")

    def __str__(self):
        return f"{self.programme_id}: {self.frequency}"


class PeriodTarget(models.Model):
    """The target of one indicator for one reporting period of the IPTT."""

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="period_targets",
        verbose_name=_("programme"),
    )
    indicator = models.CharField(_("indicator"), max_length=40)
    # The first day of the reporting period it is for.
    period_start = models.DateField(_("period from"))
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=1)

    class Meta:
        verbose_name = _("period target")
        verbose_name_plural = _("period targets")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "indicator", "period_start"], name="period_target_once"
            ),
            models.CheckConstraint(condition=Q(target__gt=0), name="period_target_positive"),
        ]

    def __str__(self):
        return f"{self.indicator} {self.period_start:%m.%Y}: {self.target}"


class IndicatorComment(models.Model):
    """What a coordinator says about one indicator for one reporting period (why a figure
    is low, what changed): printed beside the figure in the progress report of that period."""

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="indicator_comments",
        verbose_name=_("programme"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    indicator = models.CharField(_("indicator"), max_length=40)
    text = models.TextField(_("comment"), max_length=1000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    updated_at = models.DateTimeField(_("written at"), default=clock.now)

    class Meta:
        verbose_name = _("indicator comment")
        verbose_name_plural = _("indicator comments")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period_start", "period_end", "indicator"],
                name="indicator_comment_once_a_period",
            )
        ]

    def __str__(self):
        return f"{self.indicator} {self.period_start:%m.%Y}–{self.period_end:%m.%Y}"


class FiguresVersion(models.Model):
    """How often the records a programme's figures come from have changed (programme 0: every
    programme's). Kept by database triggers (dashboards.versioning), never by the code."""

    programme_id = models.BigIntegerField(_("programme"), primary_key=True)
    version = models.BigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("figures' version")
        verbose_name_plural = _("figures' versions")

    def __str__(self):
        return f"{self.programme_id}: {self.version}"


class StoredFigures(models.Model):
    """A programme's computed dashboard figures, kept in the database under their cache key
    (dashboards.cache). Redis keeps its copies DASHBOARD_CACHE_SECONDS and nothing across a
    restart (it runs without persistence: a power cut empties it); these rows survive both,
    so figures whose records have not changed are not computed again. The key carries the
    figures' version: a row can be out of date, never served stale. Written by the
    application only (the value is a pickle: never from a user's input)."""

    key = models.CharField(max_length=250, unique=True)
    programme_id = models.BigIntegerField(db_index=True)
    version = models.CharField(max_length=60)
    value = models.BinaryField()
    stored_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stored figures")
        verbose_name_plural = _("stored figures")

    def __str__(self):
        return self.key


class ExportQuerySet(models.QuerySet):
    def can_still_finish(self):
        """Waiting or being built by a worker that is alive: what counts against a user's
        limit. A build claimed longer ago than EXPORT_CLAIM_TIMEOUT has lost its worker (the
        sweep will queue it again) and a failed one is done with."""
        import datetime

        stale = clock.now() - datetime.timedelta(seconds=settings.EXPORT_CLAIM_TIMEOUT)
        return self.filter(
            Q(status=Export.Status.QUEUED) | Q(status=Export.Status.RUNNING, started_at__gte=stale)
        )

    def visible_to(self, user):
        """Coordinators see every export of their programmes; donors only those made for
        donors (small counts suppressed)."""
        if not user.is_authenticated:
            return self.none()
        roles = user_roles(user)
        if roles.is_admin:
            return self.all()
        return self.filter(
            Q(programme_id__in=roles.coordinator_of)
            | Q(programme_id__in=roles.donor_of, suppressed=True)
        )


class Export(models.Model):
    class Kind(models.TextChoices):
        TABLE_CSV = "table_csv", _("Indicator table by community and month (CSV)")
        TABLE_XLSX = "table_xlsx", _("Indicator table by community and month (XLSX)")
        REPORT_PDF = "report_pdf", _("Progress report (PDF)")
        IPTT_XLSX = "iptt_xlsx", _("Indicator performance tracking table (XLSX)")
        GRID_CSV = "grid_csv", _("Monthly compliance of every group (CSV)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", pgettext_lazy("export", "Failed")

    # The kinds that are a plain table and can carry a row of HXL hashtags.
    TAGGABLE = frozenset({Kind.TABLE_CSV, Kind.TABLE_XLSX, Kind.GRID_CSV})

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="exports",
        verbose_name=_("programme"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    language = models.CharField(_("language"), max_length=8, default="uk")
    # Made for a donor: counts from 1 to 4 and the cells that would reveal them are hidden.
    suppressed = models.BooleanField(_("small counts hidden"), default=True)
    # A row of HXL hashtags under the header (hxlstandard.org), for OCHA and the clusters.
    hxl = models.BooleanField(_("HXL hashtags"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/", storage=private_storage, blank=True)
    size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=clock.now)
    # Tries so far; a failed try is repeated after `retry_at`, up to EXPORT_ATTEMPTS.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    retry_at = models.DateTimeField(_("next try at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.period_start:%m.%Y}–{self.period_end:%m.%Y}"

    def get_absolute_url(self):
        return reverse("dashboards:export_download", args=[self.pk])

    @property
    def extension(self) -> str:
        return {
            "table_csv": "csv",
            "table_xlsx": "xlsx",
            "report_pdf": "pdf",
            "iptt_xlsx": "xlsx",
            "grid_csv": "csv",
        }[self.kind]

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_retrying(self) -> bool:
        """Failed once and waiting for another try."""
        return self.status == self.Status.QUEUED and self.retry_at is not None
