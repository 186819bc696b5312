"""Public safety plans: a plan per community (working group) and period, drafted in versions,
reviewed by the programme's coordinators and approved by the local council. An approved
version is frozen; its actions are then followed in ActionTracking, apart from the plan text."""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cohesion import clock
from cohesion.storage import private_storage


class FrozenPlanError(ValidationError):
    """Raised by every attempt to change an approved (or superseded) version."""

    def __init__(self):
        super().__init__(
            _("This version of the plan is approved and frozen. Revise the plan to change it."),
            code="frozen",
        )


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Returned for revision")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class SafetyPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Plans of the groups the user may see: coordinators and donors of the programme, the
        group's leader, administrators."""
        from workinggroups.models import WorkingGroup

        return self.filter(group__in=WorkingGroup.objects.visible_to(user))

    def managed_by(self, user):
        """Plans the user may draft: their group's (leader) or their programme's (coordinator)."""
        from workinggroups.models import WorkingGroup

        return self.filter(group__in=WorkingGroup.objects.managed_by(user))


class SafetyPlan(models.Model):
    """The public safety plan of one community in one programme for one period."""

    group = models.ForeignKey(
        "workinggroups.WorkingGroup",
        on_delete=models.PROTECT,
        related_name="safety_plans",
        verbose_name=_("working group"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    # Kept by the services so that lists need no subquery: the newest version's status and
    # the version in force.
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=VersionStatus.choices,
        default=VersionStatus.DRAFT,
        editable=False,
    )
    approved_version = models.ForeignKey(
        "safetyplans.PlanVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("approved version"),
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

    objects = SafetyPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("safety plan")
        verbose_name_plural = _("safety plans")
        ordering = ["group", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "period_start"],
                name="safety_plan_one_per_group_period",
                violation_error_message=_("The community already has a plan for this period."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")),
                name="safety_plan_period_ordered",
                violation_error_message=_("The period must end after it starts."),
            ),
        ]

    def __str__(self):
        return _("Public safety plan of %(community)s, %(start)s–%(end)s") % {
            "community": self.group.community.full_name,
            "start": self.period_start.year,
            "end": self.period_end.year,
        }

    def get_absolute_url(self):
        return reverse("safetyplans:detail", args=[self.pk])

    @property
    def community(self):
        return self.group.community

    @property
    def programme(self):
        return self.group.programme


class PlanVersion(models.Model):
    Status = VersionStatus

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    OPEN = (Status.DRAFT, Status.IN_REVIEW, Status.RETURNED)
    FROZEN = (Status.APPROVED, Status.SUPERSEDED)

    plan = models.ForeignKey(
        SafetyPlan, on_delete=models.CASCADE, related_name="versions", verbose_name=_("plan")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revised from"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    context_summary = models.TextField(_("context"), blank=True)
    # Raised on every saved change of the version's own fields: a save that carries an older
    # number was typed over someone else's change and is refused as a conflict.
    revision = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comments = models.TextField(_("reviewer's comments"), blank=True)
    approving_body = models.CharField(_("approved by (body)"), max_length=300, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    decision_file = models.FileField(
        _("signed decision"), upload_to="decisions/%Y/", storage=private_storage, blank=True
    )
    decision_file_name = models.CharField(_("file name"), max_length=255, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_once"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status="approved"),
                name="plan_one_approved_version",
                violation_error_message=_("A plan has one approved version in force."),
            ),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status__in=["draft", "in_review", "returned"]),
                name="plan_one_open_version",
                violation_error_message=_("The plan already has a version being drafted."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "superseded"])
                | (~Q(approving_body="") & ~Q(decision_number="") & Q(decision_date__isnull=False)),
                name="plan_version_approval_recorded",
                violation_error_message=_(
                    "An approved plan needs the approving body, decision number and date."
                ),
            ),
        ]

    def __str__(self):
        return _("%(plan)s, version %(number)s") % {"plan": self.plan, "number": self.number}

    def save(self, *args, **kwargs):
        # A version read as approved may only be marked superseded; nothing else about it
        # changes, whoever asks (services, admin, shell), and it never thaws.
        if getattr(self, "_loaded_status", None) in self.FROZEN:
            update_fields = kwargs.get("update_fields")
            if (
                update_fields is None
                or not set(update_fields) <= {"status", "superseded_at"}
                or self.status != self.Status.SUPERSEDED
            ):
                raise FrozenPlanError
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    def get_absolute_url(self):
        return reverse("safetyplans:version", args=[self.plan_id, self.number])

    def delete(self, *args, **kwargs):
        if getattr(self, "_loaded_status", self.status) in self.FROZEN:
            raise FrozenPlanError
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.status
        return instance

    @property
    def is_frozen(self) -> bool:
        return self.status in self.FROZEN

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class FrozenGuardMixin:
    """Priorities and actions of an approved version cannot be saved or deleted."""

    def _refuse_if_frozen(self):
        if PlanVersion.objects.filter(pk=self.version_id, status__in=PlanVersion.FROZEN).exists():
            raise FrozenPlanError

    def save(self, *args, **kwargs):
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)


class Priority(FrozenGuardMixin, models.Model):
    class Category(models.TextChoices):
        STREET_LIGHTING = "street_lighting", _("Street lighting")
        ROAD_SAFETY = "road_safety", _("Road safety")
        DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic violence")
        YOUTH_LEISURE = "youth_leisure", _("Youth leisure")
        EMERGENCY = "emergency", _("Emergency preparedness and shelters")
        EXPLOSIVE_ORDNANCE = "explosive_ordnance", _("Explosive-ordnance risk")
        ONLINE_FRAUD = "online_fraud", _("Online fraud")
        SOCIAL_COHESION = "social_cohesion", _("Social cohesion")
        OTHER = "other", _("Other")

    class Evidence(models.TextChoices):
        SAFETY_AUDIT = "safety_audit", _("Safety audit")
        SURVEY = "survey", _("Survey")
        MEETING_DECISION = "meeting_decision", _("Working group decision")
        STATISTICS = "statistics", _("Police or council statistics")
        OTHER = "other", _("Other")

    class RiskLevel(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    version = models.ForeignKey(
        PlanVersion, on_delete=models.CASCADE, related_name="priorities", verbose_name=_("version")
    )
    # The same priority across versions, for comparing them.
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    issue = models.CharField(_("issue"), max_length=300)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    description = models.TextField(_("description"), blank=True)
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 = rare, 5 = almost certain"),
    )
    impact = models.PositiveSmallIntegerField(
        _("impact"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 = negligible, 5 = severe"),
    )
    evidence = models.CharField(_("evidence"), max_length=20, choices=Evidence.choices)
    evidence_note = models.TextField(_("about the evidence"), blank=True)
    evidence_decision = models.ForeignKey(
        "meetings.Decision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("meeting decision"),
    )
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="priority_key_once"),
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                name="priority_scores_1_to_5",
            ),
        ]

    def __str__(self):
        return self.issue

    @property
    def risk_score(self) -> int:
        return self.likelihood * self.impact

    @property
    def risk_level(self) -> str:
        return risk_level(self.likelihood, self.impact)

    def get_risk_level_display(self) -> str:
        return self.RiskLevel(self.risk_level).label


def risk_level(likelihood: int, impact: int) -> str:
    """The usual 5 × 5 matrix: 1–4 low, 5–9 medium, 10–16 high, 20–25 critical."""
    score = likelihood * impact
    if score >= 20:
        return Priority.RiskLevel.CRITICAL
    if score >= 10:
        return Priority.RiskLevel.HIGH
    if score >= 5:
        return Priority.RiskLevel.MEDIUM
    return Priority.RiskLevel.LOW


class Action(FrozenGuardMixin, models.Model):
    class Funding(models.TextChoices):
        LOCAL_BUDGET = "local_budget", _("Community budget")
        STATE_BUDGET = "state_budget", _("State or regional budget")
        PROGRAMME = "programme", _("Programme grant")
        DONOR = "donor", _("Other donor")
        PRIVATE = "private", _("Business or private")
        NONE = "none", _("No cost")
        OTHER = "other", _("Other")

    version = models.ForeignKey(
        PlanVersion, on_delete=models.CASCADE, related_name="actions", verbose_name=_("version")
    )
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    priority = models.ForeignKey(
        Priority, on_delete=models.CASCADE, related_name="actions", verbose_name=_("priority")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    activity = models.CharField(_("activity"), max_length=500)
    responsible = models.ForeignKey(
        "communities.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible organisation"),
    )
    responsible_other = models.CharField(
        _("responsible (if not in the directory)"), max_length=300, blank=True
    )
    partners = models.ManyToManyField(
        "communities.Organisation", blank=True, related_name="+", verbose_name=_("partners")
    )
    partners_other = models.CharField(_("other partners"), max_length=500, blank=True)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    budget_uah = models.DecimalField(
        _("budget, UAH"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    funding_source = models.CharField(
        _("funding source"), max_length=16, choices=Funding.choices, blank=True
    )
    indicator = models.CharField(_("indicator"), max_length=300)
    decisions = models.ManyToManyField(
        "meetings.Decision",
        blank=True,
        related_name="plan_actions",
        verbose_name=_("from meeting decisions"),
    )
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = pgettext_lazy("safety plan", "action")
        verbose_name_plural = pgettext_lazy("safety plan", "actions")
        ordering = ["version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="action_key_once"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="action_ends_after_start",
                violation_error_message=_("An action ends on or after its start."),
            ),
            models.CheckConstraint(
                condition=Q(budget_uah__isnull=True) | Q(budget_uah__gte=0),
                name="action_budget_not_negative",
            ),
        ]

    def __str__(self):
        return self.activity

    @property
    def responsible_name(self) -> str:
        return str(self.responsible) if self.responsible_id else self.responsible_other


@receiver(m2m_changed, sender=Action.partners.through)
@receiver(m2m_changed, sender=Action.decisions.through)
def _refuse_frozen_links(sender, instance, action, reverse, pk_set, **kwargs):
    """Links of a frozen action change from neither side (action.decisions.add(...) nor
    decision.plan_actions.add(action))."""
    if not action.startswith("pre_"):
        return
    if not reverse:
        instance._refuse_if_frozen()
        return
    actions = Action.objects.filter(version__status__in=PlanVersion.FROZEN)
    if pk_set is not None:
        actions = actions.filter(pk__in=pk_set)
    else:  # clear() from the other side: every action linked to `instance`
        linked = sender.objects.filter(**{f"{_other_side(sender)}_id": instance.pk})
        actions = actions.filter(pk__in=linked.values("action_id"))
    if actions.exists():
        raise FrozenPlanError


def _other_side(through) -> str:
    """The name of the through model's foreign key that does not point at Action."""
    return next(
        f.name
        for f in through._meta.get_fields()
        if f.is_relation and f.many_to_one and f.related_model is not Action
    )


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

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-on", "-recorded_at"]

    def __str__(self):
        return f"{self.on:%d.%m.%Y} · {self.get_status_display()}"


class PlanDocument(models.Model):
    """The PDF of an approved version in one language, rendered once by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be rendered")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", pgettext_lazy("PDF", "Failed")

    version = models.ForeignKey(
        PlanVersion, on_delete=models.CASCADE, related_name="documents", verbose_name=_("version")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    file = models.FileField(
        _("file"), upload_to="plans/%Y/", storage=private_storage, blank=True, editable=False
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    size = models.PositiveIntegerField(_("size"), null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=clock.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan PDF")
        verbose_name_plural = _("plan PDFs")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language"], name="plan_document_once_per_language"
            ),
        ]

    def __str__(self):
        return f"{self.version} · {self.language}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY
