"""How approved actions are going: status, progress and dated updates, kept apart from the
frozen plan text."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from cohesion import clock
from safetyplans.models.content import Action
from safetyplans.models.plans import SafetyPlan


class ActionTracking(models.Model):
    """How an approved action is going. Kept apart from the frozen plan text, and carried to
    the same action (by key) when a revised version is approved."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DELAYED = "delayed", _("Delayed")
        CANCELLED = "cancelled", _("Cancelled")

    CLOSED = (Status.DONE, Status.CANCELLED)

    plan = models.ForeignKey(
        SafetyPlan, on_delete=models.CASCADE, related_name="trackings", verbose_name=_("plan")
    )
    key = models.UUIDField(editable=False)
    # The action in the approved version in force (or, once dropped from a revision, in the
    # last version that had it).
    action = models.OneToOneField(
        Action,
        on_delete=models.CASCADE,
        related_name="tracking",
        verbose_name=pgettext_lazy("safety plan", "action"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress, %"), default=0, validators=[MaxValueValidator(100)]
    )
    updated_on = models.DateField(_("updated on"), null=True, blank=True)

    # The date of the latest update is in the update itself (ActionUpdate).
    history = HistoricalRecords(excluded_fields=["key", "updated_on"])

    class Meta:
        verbose_name = _("action progress")
        verbose_name_plural = _("action progress")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="tracking_once_per_action"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="tracking_progress_pct"),
        ]

    def __str__(self):
        return f"{self.action} · {self.get_status_display()}"

    def is_overdue(self, today: datetime.date) -> bool:
        return self.status not in self.CLOSED and self.action.ends_on < today


class ActionUpdate(models.Model):
    """A dated note on an action's implementation."""

    tracking = models.ForeignKey(
        ActionTracking,
        on_delete=models.CASCADE,
        related_name="updates",
        verbose_name=pgettext_lazy("safety plan", "action"),
    )
    on = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=12, choices=ActionTracking.Status.choices)
    progress = models.PositiveSmallIntegerField(_("progress, %"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now)
    # The working group meeting at which the progress was reported, if it was.
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_progress",
        verbose_name=_("reported at the meeting"),
    )

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-on", "-recorded_at"]
        indexes = [
            # An action's status on a past day (the dashboard's plan actions for a closed
            # period): its latest update by then, read from the index alone.
            models.Index(
                fields=["tracking", "-on", "-recorded_at"],
                name="update_latest_by_day",
                include=["status"],
            ),
        ]

    def __str__(self):
        return f"{self.on:%d.%m.%Y} · {self.get_status_display()}"
