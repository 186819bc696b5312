"""The veteran sphere of each community: organisations, needs assessments and the
opportunities that answer them."""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import user_roles
from cohesion import clock
from engagement.models.scope import ProgrammeScopedQuerySet


class VeteranOrganisation(models.Model):
    """An initiative group, union, council or organisation working for veterans in a
    community, and how far the programme's relationship with it has come."""

    class Kind(models.TextChoices):
        INITIATIVE_GROUP = "initiative_group", _("Veterans' initiative group")
        UNION = "union", _("Veterans' union")
        COUNCIL = "council", _("Veterans' council")
        ORGANISATION = "organisation", _("Veterans' organisation")
        SERVICE = "service", _("Organisation working for veterans")

    class Relationship(models.TextChoices):
        IDENTIFIED = "identified", _("Identified")
        CONTACTED = "contacted", _("Contacted")
        ENGAGED = "engaged", _("Engaged")
        PARTNER = "partner", _("Partner")

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.PROTECT,
        related_name="veteran_organisations",
        verbose_name=_("programme"),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="veteran_organisations",
        verbose_name=_("community"),
    )
    organisation = models.ForeignKey(
        "communities.Organisation",
        on_delete=models.PROTECT,
        related_name="veteran_registry",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    relationship = models.CharField(
        _("relationship"),
        max_length=12,
        choices=Relationship.choices,
        default=Relationship.IDENTIFIED,
    )
    # A named contact is personal data: coordinators and the community's leaders only.
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    services = models.TextField(_("services offered"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_on = models.DateField(_("updated on"), default=clock.today)

    objects = ProgrammeScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("veteran organisation")
        verbose_name_plural = _("veteran organisations")
        ordering = ["community__name_uk", "organisation__name_uk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "community", "organisation"],
                name="veteran_organisation_once",
                violation_error_message=_("This organisation is already in the registry."),
            ),
        ]

    def __str__(self):
        return str(self.organisation)

    def get_absolute_url(self):
        return reverse("engagement:veteran_organisation", args=[self.pk])


class NeedCategory(models.TextChoices):
    EMPLOYMENT = "employment", _("Employment")
    HOUSING = "housing", _("Housing")
    HEALTH = "health", _("Health and rehabilitation")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    LEGAL_AID = "legal_aid", _("Legal aid")
    EDUCATION = "education", _("Education and retraining")
    REINTEGRATION = "reintegration", _("Social reintegration")
    FAMILY = "family", _("Family support")
    ACCESSIBILITY = "accessibility", _("Accessibility")
    OTHER = "other", _("Other")


class NeedsAssessment(models.Model):
    """A periodic assessment of veterans' needs in one community."""

    class Method(models.TextChoices):
        SURVEY = "survey", _("Survey")
        FOCUS_GROUP = "focus_group", _("Focus group")
        INTERVIEWS = "interviews", _("Interviews")
        MIXED = "mixed", _("Mixed methods")

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.PROTECT,
        related_name="needs_assessments",
        verbose_name=_("programme"),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="needs_assessments",
        verbose_name=_("community"),
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    respondents = models.PositiveIntegerField(_("respondents"))
    conducted_by = models.ForeignKey(
        "communities.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conducted by"),
    )
    summary = models.TextField(_("summary"), blank=True)

    objects = ProgrammeScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        ordering = ["community__name_uk", "-period_end"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="needs_assessment_period_ordered",
                violation_error_message=_("The end is before the start."),
            ),
        ]

    def __str__(self):
        return _("Needs of veterans in %(community)s, %(start)s–%(end)s") % {
            "community": self.community.full_name,
            "start": f"{self.period_start:%m.%Y}",
            "end": f"{self.period_end:%m.%Y}",
        }

    def get_absolute_url(self):
        return reverse("engagement:assessment", args=[self.pk])


class AssessedNeed(models.Model):
    class Severity(models.IntegerChoices):
        LOW = 1, pgettext_lazy("severity", "Low")
        MEDIUM = 2, pgettext_lazy("severity", "Medium")
        HIGH = 3, pgettext_lazy("severity", "High")
        CRITICAL = 4, pgettext_lazy("severity", "Critical")

    assessment = models.ForeignKey(
        NeedsAssessment,
        on_delete=models.CASCADE,
        related_name="needs",
        verbose_name=_("needs assessment"),
    )
    category = models.CharField(_("need"), max_length=16, choices=NeedCategory.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("assessed need")
        verbose_name_plural = _("assessed needs")
        ordering = ["assessment", "-severity", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "category"],
                name="assessed_need_once",
                violation_error_message=_("This need is already in the assessment."),
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=4), name="assessed_need_severity"
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} ({self.get_severity_display()})"


class OpportunityQuerySet(ProgrammeScopedQuerySet):
    def visible_to(self, user):
        """Opportunities are public offers: everyone with a role in the programme sees them."""
        if not user.is_authenticated:
            return self.none()
        roles = user_roles(user)
        if roles.is_admin:
            return self.all()
        return self.filter(programme_id__in=roles.coordinator_of | roles.donor_of | roles.leader_in)


class Opportunity(models.Model):
    """A programme, service, employer or grant open to veterans in some communities."""

    class Kind(models.TextChoices):
        PROGRAMME = "programme", _("Programme")
        SERVICE = "service", _("Service")
        EMPLOYER = "employer", _("Employer")
        GRANT = "grant", _("Grant")

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.PROTECT,
        related_name="veteran_opportunities",
        verbose_name=_("programme"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
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
    # Empty means every community of the programme.
    communities = models.ManyToManyField(
        "communities.Community",
        blank=True,
        related_name="veteran_opportunities",
        verbose_name=_("communities covered"),
        help_text=_("Leave empty if it is open in every community of the programme."),
    )
    starts_on = models.DateField(_("open from"))
    ends_on = models.DateField(_("open until"), null=True, blank=True)
    link = models.URLField(_("link"), blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="opportunity_period_ordered",
                violation_error_message=_("The end is before the start."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("engagement:opportunity", args=[self.pk])

    @property
    def provider_name(self) -> str:
        return str(self.provider) if self.provider_id else self.provider_other


class OpportunityNeed(models.Model):
    """A need category an opportunity answers."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="needs", verbose_name=_("opportunity")
    )
    category = models.CharField(_("need"), max_length=16, choices=NeedCategory.choices)

    class Meta:
        verbose_name = _("need answered")
        verbose_name_plural = _("needs answered")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "category"], name="opportunity_need_once"
            ),
        ]

    def __str__(self):
        return self.get_category_display()
