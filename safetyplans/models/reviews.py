"""Review rounds: each time a coordinator returns a version, what they said and what they saw."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cohesion import clock
from safetyplans.models.plans import PlanVersion


class ReviewRound(models.Model):
    """A return of a version for revision: the reviewer's comments and a snapshot of the
    version's content as the reviewer saw it, so that the next submission can be read as the
    changes since the comments. Written once, by version_return; never edited."""

    version = models.ForeignKey(
        PlanVersion,
        on_delete=models.CASCADE,
        related_name="review_rounds",
        verbose_name=_("version"),
    )
    number = models.PositiveSmallIntegerField(_("round"))
    comments = models.TextField(_("reviewer's comments"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    returned_at = models.DateTimeField(_("returned at"), default=clock.now)
    # {"context": str, "priorities": {key: {...}}, "actions": {key: {...}}}: field values as
    # stored (see safetyplans.snapshots), keyed by the items' stable keys.
    snapshot = models.JSONField(_("content as reviewed"), default=dict, editable=False)

    # Who returned the version, when and with what comments is the decision on the record;
    # the snapshot is a copy of content whose own history is kept.
    history = HistoricalRecords(excluded_fields=["snapshot"])

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ["version", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="review_round_once"),
        ]

    def __str__(self):
        return _("Review %(number)s of %(version)s") % {
            "number": self.number,
            "version": self.version,
        }
