"""What a version says: its priorities and actions, frozen once the version is approved."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from safetyplans.models.plans import FrozenPlanError, PlanVersion


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

    # The key ties versions together, the revision checks conflicts, the position is order.
    history = HistoricalRecords(excluded_fields=["key", "revision", "position"])

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
    # The library measure this action was copied from, kept through revisions.
    copied_from = models.ForeignKey(
        "safetyplans.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copied from the measure"),
    )
    revision = models.PositiveIntegerField(default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["key", "revision", "position"])

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
