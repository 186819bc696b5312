"""The library of measures: what approved plans did about an issue, written up by the
programme's coordinators for other communities to reuse. A measure names no person."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cohesion import clock
from safetyplans.models.content import Action, Priority


class MeasureQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Measures of the programmes the user holds a role in (coordinator, leader, donor)."""
        from communities.models import Programme

        return self.filter(programme__in=Programme.objects.visible_to(user))

    def search(self, text: str):
        """Measures whose text holds `text`, case and apostrophes aside."""
        from communities.models import search_key

        key = search_key(text)
        return self.filter(search_text__contains=key) if key else self


class Measure(models.Model):
    """A reusable measure, made from an action of an approved plan."""

    source_action = models.OneToOneField(
        Action,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="measure",
        verbose_name=_("from the plan action"),
    )
    # Kept on the measure itself: the library is searched and shown without the plans.
    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.PROTECT,
        related_name="measures",
        verbose_name=_("programme"),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("community"),
    )
    category = models.CharField(_("issue category"), max_length=24, choices=Priority.Category)
    issue = models.CharField(_("issue"), max_length=300, blank=True)
    activity = models.CharField(_("what was done"), max_length=500)
    cost_uah = models.DecimalField(
        _("cost, UAH"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    funding_source = models.CharField(
        _("funding source"), max_length=16, choices=Action.Funding, blank=True
    )
    indicator = models.CharField(_("indicator"), max_length=300)
    result = models.TextField(_("result"))
    # Case-folded text of the fields above, written by the services, for the search.
    search_text = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), default=clock.now)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("library measure")
        verbose_name_plural = _("library measures")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_uah__isnull=True) | Q(cost_uah__gte=0),
                name="measure_cost_not_negative",
            ),
        ]

    def __str__(self):
        return self.activity
