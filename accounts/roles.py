"""Who may do what: the one place that reads role assignments."""

from dataclasses import dataclass

from django.db import connection

from accounts.models import Role, RoleAssignment

TOTP_ROW = "__totp__"  # not a role: the row saying an authenticator app is set up


@dataclass(frozen=True)
class UserRoles:
    is_admin: bool = False
    is_staff: bool = False  # may use the Django admin
    coordinator_of: frozenset[int] = frozenset()
    donor_of: frozenset[int] = frozenset()
    leader_of: frozenset[int] = frozenset()  # working group ids
    leader_in: frozenset[int] = frozenset()  # programme ids of those groups
    has_totp: bool = False  # an authenticator app set up (allauth.mfa)

    @property
    def is_coordinator(self) -> bool:
        return self.is_admin or bool(self.coordinator_of)

    @property
    def is_donor(self) -> bool:
        return bool(self.donor_of)

    @property
    def is_leader(self) -> bool:
        return bool(self.leader_of)

    @property
    def needs_mfa(self) -> bool:
        """Staff roles hold personal data of many people, so they must use a second factor."""
        return self.is_admin or self.is_staff or bool(self.coordinator_of)

    # The role questions, each answered here once. A programme or group is named by its id.

    def coordinates(self, programme_id: int) -> bool:
        """Coordinates the programme (administrators coordinate everything)."""
        return self.is_admin or programme_id in self.coordinator_of

    def funds(self, programme_id: int) -> bool:
        """Follows the programme as its donor: figures, never a person."""
        return programme_id in self.donor_of

    def leads(self, group_id: int) -> bool:
        return group_id in self.leader_of

    def leads_in(self, programme_id: int) -> bool:
        """Leads one of the programme's groups."""
        return programme_id in self.leader_in

    def manages(self, group) -> bool:
        """Coordinates the group's programme or leads the group: plans and records its
        meetings, keeps its member list, drafts its safety plan."""
        return self.coordinates(group.programme_id) or self.leads(group.pk)

    def takes_part_in(self, programme_id: int) -> bool:
        """Holds any role in the programme."""
        return (
            self.coordinates(programme_id)
            or self.funds(programme_id)
            or self.leads_in(programme_id)
        )

    def sees_people_of(self, programme_id: int) -> bool:
        """May see people named on the programme's pages (names, markers, contact persons):
        its coordinators and the leaders of its groups, never its donors. Which people a
        leader sees is narrowed further by the people's own scope."""
        return self.coordinates(programme_id) or self.leads_in(programme_id)


def user_roles(user) -> UserRoles:
    """The user's roles, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return UserRoles()
    cached = getattr(user, "_cohesion_roles", None)
    if cached is not None:
        return cached
    by_role: dict[str, set[int]] = {role: set() for role in Role.values}
    groups: set[int] = set()
    has_totp = False
    for role, programme_id, group_id in _role_rows(user.pk):
        if role == TOTP_ROW:
            has_totp = True
            continue
        by_role[role].add(programme_id)
        if group_id is not None:
            groups.add(group_id)
    roles = UserRoles(
        is_admin=user.is_superuser,
        is_staff=user.is_staff,
        coordinator_of=frozenset(by_role[Role.COORDINATOR]),
        donor_of=frozenset(by_role[Role.DONOR]),
        leader_of=frozenset(groups),
        leader_in=frozenset(by_role[Role.LEADER]),
        has_totp=has_totp,
    )
    user._cohesion_roles = roles
    return roles


def _role_rows(user_id: int) -> list[tuple]:
    """The user's assignments and, as one more row, whether an authenticator app is set up:
    one round trip for what every signed-in request checks (accounts.middleware). Written as
    SQL because it runs on every request: building it through the ORM cost more than the
    query itself (profiled under load)."""
    from allauth.mfa.models import Authenticator

    assignments = RoleAssignment._meta.db_table
    authenticators = Authenticator._meta.db_table
    sql = (
        f"SELECT role, programme_id, working_group_id FROM {assignments} WHERE user_id = %s "
        f"UNION ALL SELECT %s, NULL, NULL FROM {authenticators} WHERE user_id = %s AND type = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, TOTP_ROW, user_id, Authenticator.Type.TOTP])
        return cursor.fetchall()


def programme_ids(user, roles=None):
    """A subquery of the ids of programmes in which the user holds one of `roles` (any role)."""
    assignments = RoleAssignment.objects.filter(user=user)
    if roles is not None:
        assignments = assignments.filter(role__in=roles)
    return assignments.values("programme_id")
