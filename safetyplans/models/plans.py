"""A plan per community and period, and its versions with their review workflow."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

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

    # The status and the version in force are copies of the versions' own, whose history
    # says who moved them.
    history = HistoricalRecords(excluded_fields=["status", "approved_version", "created_at"])
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

    # The revision counter is the conflict check's, and the decision's storage path is no
    # reader's business (its file name is kept).
    history = HistoricalRecords(excluded_fields=["revision", "created_at", "decision_file"])

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
