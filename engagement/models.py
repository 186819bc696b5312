"""Engagement: youth leaders and the support they receive, the veteran sphere of each community
(organisations, needs assessments, opportunities) and events (trainings, exchange visits,
internships, forums) with their participants."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import user_roles
from cohesion import clock


def led_here(user, *, programme="programme", community="community"):
    """True for rows whose programme and community are those of a group the user leads: a
    leader follows the youth, veteran and event work of their own community."""
    from workinggroups.models import WorkingGroup

    return Exists(
        WorkingGroup.objects.filter(
            pk__in=user_roles(user).leader_of,
            programme=OuterRef(programme),
            community=OuterRef(community),
        )
    )


class ProgrammeScopedQuerySet(models.QuerySet):
    """Rows of a programme in one community: coordinators and donors of the programme see them,
    and the leader of the programme's group in that community."""

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        roles = user_roles(user)
        if roles.is_admin:
            return self.all()
        return self.filter(
            Q(programme_id__in=roles.coordinator_of | roles.donor_of) | led_here(user)
        )

    def managed_by(self, user):
        """Rows the user may change: coordinators of the programme (and administrators)."""
        if not user.is_authenticated:
            return self.none()
        roles = user_roles(user)
        if roles.is_admin:
            return self.all()
        return self.filter(programme_id__in=roles.coordinator_of)


# --- youth ----------------------------------------------------------------------------------


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


# --- veteran sphere -------------------------------------------------------------------------


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


# --- events ---------------------------------------------------------------------------------


class EventQuerySet(ProgrammeScopedQuerySet):
    def visible_to(self, user):
        """Coordinators and donors of the programme; the leaders of the groups taking part (a
        group named on the event, or the programme's group in the host or a visiting
        community)."""
        if not user.is_authenticated:
            return self.none()
        roles = user_roles(user)
        if roles.is_admin:
            return self.all()
        from workinggroups.models import WorkingGroup

        led = WorkingGroup.objects.filter(pk__in=roles.leader_of)
        visiting = Event.visiting_communities.through.objects.filter(
            event_id=OuterRef("pk"),
            community_id__in=led.filter(programme=OuterRef(OuterRef("programme"))).values(
                "community_id"
            ),
        )
        named = Event.groups.through.objects.filter(
            event_id=OuterRef("pk"), workinggroup_id__in=roles.leader_of
        )
        return self.filter(
            Q(programme_id__in=roles.coordinator_of | roles.donor_of)
            | Exists(named)
            | led_here(user, community="host_community")
            | Exists(visiting)
        )


class Topic(models.TextChoices):
    FUNDRAISING = "fundraising", _("Fundraising")
    COMMUNICATIONS = "communications", _("External communications")
    PROJECT_MANAGEMENT = "project_management", _("Project management")
    FINANCIAL_MANAGEMENT = "financial_management", _("Financial management")
    PUBLIC_SAFETY = "public_safety", _("Public safety")
    CONFLICT_RESOLUTION = "conflict_resolution", _("Conflict resolution")
    OTHER = "other", _("Other")


class Event(models.Model):
    """A training, exchange visit, internship or forum for the groups' members."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        EXCHANGE_VISIT = "exchange_visit", _("Exchange visit")
        INTERNSHIP = "internship", _("Internship")
        FORUM = "forum", _("Forum")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", pgettext_lazy("event", "Held")
        CANCELLED = "cancelled", _("Cancelled")

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("programme"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    other_topic = models.CharField(_("other topic"), max_length=200, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    host_community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="hosted_events",
        verbose_name=_("host community"),
    )
    visiting_communities = models.ManyToManyField(
        "communities.Community",
        blank=True,
        related_name="visited_events",
        verbose_name=_("visiting communities"),
    )
    groups = models.ManyToManyField(
        "workinggroups.WorkingGroup",
        blank=True,
        related_name="events",
        verbose_name=_("working groups taking part"),
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    facilitator = models.CharField(_("facilitator"), max_length=300, blank=True)
    facilitator_organisation = models.ForeignKey(
        "communities.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("facilitating organisation"),
    )
    report = models.TextField(_("short report"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_on", "pk"]
        indexes = [models.Index(fields=["programme", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="event_period_ordered",
                violation_error_message=_("The end is before the start."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("engagement:event", args=[self.pk])


class EventTopic(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="topics", verbose_name=_("event")
    )
    topic = models.CharField(_("topic"), max_length=24, choices=Topic.choices)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            models.UniqueConstraint(fields=["event", "topic"], name="event_topic_once"),
        ]

    def __str__(self):
        return self.get_topic_display()


SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(10)]


class Participant(models.Model):
    """A person at an event: registered, then present or absent, with optional self-assessment
    scores (1–10) before and after."""

    class Attendance(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="participants", verbose_name=_("event")
    )
    person = models.ForeignKey(
        "workinggroups.Person",
        on_delete=models.PROTECT,
        related_name="event_participations",
        verbose_name=_("person"),
    )
    # Where they came from, kept as at the event: people move and groups change.
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("community"),
    )
    group = models.ForeignKey(
        "workinggroups.WorkingGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("working group"),
    )
    attendance = models.CharField(
        _("attendance"), max_length=12, choices=Attendance.choices, default=Attendance.REGISTERED
    )
    score_before = models.PositiveSmallIntegerField(
        _("self-assessment before"), null=True, blank=True, validators=SCORE_VALIDATORS
    )
    score_after = models.PositiveSmallIntegerField(
        _("self-assessment after"), null=True, blank=True, validators=SCORE_VALIDATORS
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["event", "community__name_uk", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person"],
                name="participant_once_per_event",
                violation_error_message=_("This person is already on the list."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(score_before__isnull=True) | Q(score_before__gte=1, score_before__lte=10)
                )
                & (Q(score_after__isnull=True) | Q(score_after__gte=1, score_after__lte=10)),
                name="participant_scores_1_to_10",
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.event}"
