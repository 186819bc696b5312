from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import user_roles
from cohesion.i18n import BilingualNameMixin


class WorkingGroupQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see all; coordinators and donors their programmes' groups; leaders
        only the groups they lead."""
        if not user.is_authenticated:
            return self.none()
        roles = user_roles(user)
        if roles.is_admin:
            return self.all()
        return self.filter(
            Q(programme_id__in=roles.coordinator_of | roles.donor_of) | Q(pk__in=roles.leader_of)
        )


class WorkingGroup(BilingualNameMixin, models.Model):
    """The standing group of a programme in one community. Its people, lifecycle and meetings
    are built on this record."""

    programme = models.ForeignKey(
        "communities.Programme",
        on_delete=models.PROTECT,
        related_name="working_groups",
        verbose_name=_("programme"),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="working_groups",
        verbose_name=_("community"),
    )
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    established_on = models.DateField(_("established on"), null=True, blank=True)

    objects = WorkingGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["programme", "community__name_uk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "community"],
                name="working_group_one_per_programme_community",
                violation_error_message=_(
                    "This community already has a working group in the programme."
                ),
            ),
        ]

    def __str__(self):
        return self.name
