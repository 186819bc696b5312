"""A working group's recommendations to a local authority, and what became of them.

A group is a consultative body of its local authorities: it adopts a recommendation at a
meeting (often as one of the meeting's decisions) and sends it to a body of the directory (a
council, a military administration, the police, the State Emergency Service). The body answers
(accepted, partly accepted, rejected) or lets the deadline pass; what was done follows as dated
implementation steps. The stage a recommendation is at is derived from these facts and the
clock (`RecommendationQuerySet.with_stage`), never stored: "no answer by the deadline" would
otherwise go stale the day after the deadline."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cohesion import clock
from cohesion.storage import private_storage


class Stage(models.TextChoices):
    """Where a recommendation is in its life; derived, never stored."""

    ADOPTED = "adopted", _("Adopted, not sent yet")
    SENT = "sent", _("Sent, awaiting an answer")
    OVERDUE = "overdue", _("No answer by the deadline")
    ANSWERED = "answered", _("Answered")
    IMPLEMENTED = "implemented", _("Implemented")


class Implementation(models.TextChoices):
    IMPLEMENTED = "implemented", _("Implemented")
    PARTLY = "partly", _("Partly implemented")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")


class RecommendationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The recommendations of the groups the user manages (their leader, the programme's
        coordinators). Donors see none: they get the programme's figures only."""
        from workinggroups.models import WorkingGroup

        return self.filter(group__in=WorkingGroup.objects.managed_by(user))

    def managed_by(self, user):
        return self.visible_to(user)

    def with_stage(self, today: datetime.date):
        """Each row's `stage` (Stage) on `today`: the one place the stage is worked out."""
        return self.annotate(
            stage=Case(
                When(implementation=Implementation.IMPLEMENTED, then=Value(Stage.IMPLEMENTED)),
                When(answer__isnull=False, then=Value(Stage.ANSWERED)),
                When(sent_on__isnull=True, then=Value(Stage.ADOPTED)),
                When(answer_due_on__lt=today, then=Value(Stage.OVERDUE)),
                default=Value(Stage.SENT),
                output_field=models.CharField(),
            )
        )


class Recommendation(models.Model):
    """A recommendation a group adopted at a meeting, addressed to one body."""

    group = models.ForeignKey(
        "workinggroups.WorkingGroup",
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("working group"),
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("adopted at"),
    )
    # A meeting's decisions are written again when its record is corrected: the link is then
    # lost (the recommendation keeps its own text and its meeting).
    decision = models.ForeignKey(
        "meetings.Decision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendations",
        verbose_name=_("decision"),
    )
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text of the recommendation"))
    addressee = models.ForeignKey(
        "communities.Organisation",
        on_delete=models.PROTECT,
        related_name="recommendations_received",
        verbose_name=_("addressed to"),
    )
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    letter_number = models.CharField(_("letter number"), max_length=60, blank=True)
    answer_due_on = models.DateField(_("answer due by"), null=True, blank=True)
    # The latest implementation step's status, kept by the service that records steps.
    implementation = models.CharField(
        _("implementation"), max_length=16, choices=Implementation.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=clock.now)

    history = HistoricalRecords(excluded_fields=["created_at"])
    objects = RecommendationQuerySet.as_manager()

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["-meeting__starts_at", "-pk"]
        indexes = [models.Index(fields=["group", "sent_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_on__isnull=True, answer_due_on__isnull=True)
                | Q(sent_on__isnull=False, answer_due_on__gte=models.F("sent_on")),
                name="recommendation_deadline_after_sending",
                violation_error_message=_("The answer is due on or after the day it was sent."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("recommendations:detail", args=[self.pk])

    def stage_on(self, today: datetime.date) -> str:
        """The stage of this one row, by the same rule as `with_stage`."""
        if self.implementation == Implementation.IMPLEMENTED:
            return Stage.IMPLEMENTED
        if getattr(self, "answer", None) is not None:
            return Stage.ANSWERED
        if self.sent_on is None:
            return Stage.ADOPTED
        return Stage.OVERDUE if self.answer_due_on < today else Stage.SENT


class Answer(models.Model):
    """The body's answer to a recommendation, with its document kept privately."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        PARTLY = "partly", _("Partly accepted")
        REJECTED = "rejected", _("Rejected")

    ACCEPTING = (Outcome.ACCEPTED, Outcome.PARTLY)

    recommendation = models.OneToOneField(
        Recommendation,
        on_delete=models.CASCADE,
        related_name="answer",
        verbose_name=_("recommendation"),
    )
    outcome = models.CharField(_("answer"), max_length=12, choices=Outcome.choices)
    received_on = models.DateField(_("answer received on"))
    summary = models.TextField(_("what the answer says"), blank=True)
    document = models.FileField(
        _("answer document"),
        upload_to="recommendations/answers/%Y/",
        storage=private_storage,
        blank=True,
    )
    document_name = models.CharField(_("file name"), max_length=255, blank=True)
    document_type = models.CharField(_("type"), max_length=100, blank=True)
    document_size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("answer to a recommendation")
        verbose_name_plural = _("answers to recommendations")

    def __str__(self):
        return f"{self.recommendation} · {self.get_outcome_display()}"

    @property
    def in_time(self) -> bool:
        due = self.recommendation.answer_due_on
        return due is not None and self.received_on <= due


class ImplementationStep(models.Model):
    """What was done about a recommendation, on a day."""

    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("recommendation"),
    )
    on = models.DateField(_("date"))
    text = models.TextField(_("what was done"))
    status = models.CharField(_("status"), max_length=16, choices=Implementation.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now)

    history = HistoricalRecords(excluded_fields=["recorded_at"])

    class Meta:
        verbose_name = _("implementation step")
        verbose_name_plural = _("implementation steps")
        ordering = ["recommendation", "on", "recorded_at", "pk"]

    def __str__(self):
        return f"{self.on} · {self.get_status_display()}"
