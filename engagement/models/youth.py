"""Youth leaders and the support they receive."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import user_roles
from engagement.models.scope import ProgrammeScopedQuerySet, led_here


class YouthLeaderQuerySet(ProgrammeScopedQuerySet):
    def visible_to(self, user):
        """Youth leaders are people: coordinators of the programme and the leaders of the
        groups in their community; donors get counts only."""
        if not user.is_authenticated:
            return self.none()
        roles = user_roles(user)
        if roles.is_admin:
            return self.all()
        return self.filter(Q(programme_id__in=roles.coordinator_of) | led_here(user))


class YouthLeader(models.Model):
    """A young person the programme accompanies as a leader in their community."""

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.PROTECT,
        related_name="youth_leaders",
        verbose_name=_("programme"),
    )
    person = models.ForeignKey(
        "workinggroups.Person",
        on_delete=models.PROTECT,
        related_name="youth_leaderships",
        verbose_name=_("person"),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="youth_leaders",
        verbose_name=_("community"),
    )
    organisation = models.ForeignKey(
        "communities.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="youth_leaders",
        verbose_name=_("youth organisation"),
    )
    focus = models.CharField(
        _("focus"), max_length=300, help_text=_("What they work on, e.g. volunteering, sport.")
    )
    since = models.DateField(_("accompanied since"))
    until = models.DateField(_("accompanied until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = YouthLeaderQuerySet.as_manager()

    class Meta:
        verbose_name = _("youth leader")
        verbose_name_plural = _("youth leaders")
        ordering = ["community__name_uk", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "person"],
                name="youth_leader_once_per_programme",
                violation_error_message=_("This person is already a youth leader here."),
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                name="youth_leader_period_ordered",
                violation_error_message=_("The end is before the start."),
            ),
        ]

    def __str__(self):
        return str(self.person)

    def get_absolute_url(self):
        return reverse("engagement:youth_leader", args=[self.pk])


class YouthSupport(models.Model):
    """Support a youth leader received: a training, an internship, mentoring, a small grant."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        INTERNSHIP = "internship", _("Internship")
        MENTORING = "mentoring", _("Mentoring")
        SMALL_GRANT = "small_grant", _("Small grant")
        EQUIPMENT = "equipment", _("Equipment")
        STUDY_VISIT = "study_visit", _("Study visit")

    youth_leader = models.ForeignKey(
        YouthLeader,
        on_delete=models.CASCADE,
        related_name="supports",
        verbose_name=_("youth leader"),
    )
    kind = models.CharField(_("kind of support"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("what"), max_length=300)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True)
    provider = models.ForeignKey(
        "communities.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider"),
    )
    provider_other = models.CharField(
        _("provider (if not in the directory)"), max_length=300, blank=True
    )
    amount_uah = models.DecimalField(
        _("amount, UAH"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    outcome = models.TextField(_("outcome"), blank=True)
    event = models.ForeignKey(
        "engagement.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="youth_supports",
        verbose_name=_("event"),
    )

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("support")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="youth_support_period_ordered",
                violation_error_message=_("The end is before the start."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def provider_name(self) -> str:
        return str(self.provider) if self.provider_id else self.provider_other
