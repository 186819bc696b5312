"""Applications to take part, sent from a programme's public page and reviewed by its
coordinators. Personal data lives here only while an application waits: a declined one is
deleted, an accepted one keeps no more than the link to the member it became, and one nobody
reviewed is deleted after APPLICATION_RETENTION_DAYS."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import user_roles
from cohesion import clock
from cohesion.collation import UKRAINIAN


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The applications of the programmes a user coordinates (administrators: all)."""
        if not user.is_authenticated:
            return self.none()
        roles = user_roles(user)
        if roles.is_admin:
            return self.all()
        return self.filter(programme_id__in=roles.coordinator_of)

    def waiting(self):
        return self.filter(status=Application.Status.NEW)


class Application(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("Waiting for review")
        ACCEPTED = "accepted", _("Accepted")

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("programme"),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("community"),
    )
    full_name = models.CharField(_("full name"), max_length=200, blank=True, db_collation=UKRAINIAN)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    category = models.ForeignKey(
        "communities.StakeholderCategory",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("how you would take part"),
    )
    organisation_name = models.CharField(_("organisation"), max_length=300, blank=True)
    # Only if the applicant wishes to say so. Youth is computed from the year of birth against
    # the programme's age limit; the tick is what they said, kept so that the coordinator can
    # ask for the year when none came with it.
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    is_youth = models.BooleanField(_("young person"), default=False)
    is_veteran = models.BooleanField(_("veteran or serviceperson"), default=False)
    motivation = models.TextField(_("why you want to take part"), blank=True)
    consent_at = models.DateTimeField(_("consent given at"))
    language = models.CharField(_("language"), max_length=8, default="uk")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    decided_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # When the programme's coordinators were told of it (the daily digest), once.
    announced_at = models.DateTimeField(_("coordinators told at"), null=True, blank=True)
    membership = models.OneToOneField(
        "workinggroups.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("membership"),
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["programme", "status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="accepted") | ~Q(phone="") | ~Q(email=""),
                name="application_has_contact",
                violation_error_message=_("Give a phone number or an email address."),
            ),
        ]

    def __str__(self):
        return self.full_name or _("Application %(number)s") % {"number": self.pk}

    def get_absolute_url(self):
        return reverse("participation:application", args=[self.pk])
