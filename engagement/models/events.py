"""Events (trainings, exchange visits, internships, forums) and their participants."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import user_roles
from engagement.models.scope import ProgrammeScopedQuerySet, led_here


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
