"""Who sees a programme's engagement rows: the scope the querysets share."""

from django.db import models
from django.db.models import Exists, OuterRef, Q

from accounts.roles import user_roles


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
