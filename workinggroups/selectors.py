"""Reads across models: the composition scorecard of groups against their programme's rules."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from cohesion import clock
from cohesion.history import changes_between
from communities.models import Community, Programme, StakeholderCategory
from workinggroups.models import (
    AgeBand,
    CompositionTarget,
    GroupStatusChange,
    Membership,
    Person,
    WorkingGroup,
)
from workinggroups.reference import DEFAULT_BANDS

Measure = CompositionTarget.Measure
SHORT_LABELS = {
    Measure.WOMEN_SHARE: _("Women"),
    Measure.YOUTH_SHARE: _("Young people"),
    Measure.VETERANS: _("Veterans or servicepeople"),
    Measure.IDPS: _("Internally displaced"),
    Measure.DISABILITY: _("With a disability"),
    Measure.MEMBERS: _("Members"),
}


@dataclass(frozen=True)
class Rules:
    """What a programme asks of every group's composition."""

    required: list[StakeholderCategory]
    targets: dict[str, int]
    bands: list[AgeBand]
    youth_max_age: int


def age_bands_for(programme: Programme) -> list[AgeBand]:
    """The programme's age bands, or the default ones when it has none of its own, youngest
    first. One or two queries."""
    bands = list(AgeBand.objects.filter(programme=programme))
    if not bands:
        bands = list(AgeBand.objects.filter(programme__isnull=True)) or [
            AgeBand(min_age=low, max_age=high) for low, high in DEFAULT_BANDS
        ]
    return sorted(bands, key=lambda band: band.min_age)


def composition_rules(programme: Programme) -> Rules:
    """The programme's required categories, targets and age bands (the defaults when it has
    none of its own). Three queries."""
    return Rules(
        required=list(programme.required_categories.all()),
        targets=dict(programme.composition_targets.values_list("measure", "threshold")),
        bands=age_bands_for(programme),
        youth_max_age=programme.youth_max_age,
    )


@dataclass(frozen=True)
class Check:
    label: str
    actual: float | int | None
    target: int
    is_share: bool

    @property
    def met(self) -> bool:
        return self.actual is not None and self.actual >= self.target


@dataclass
class Scorecard:
    members: int = 0
    by_sex: Counter = field(default_factory=Counter)
    youth: int = 0
    veterans: int = 0
    idps: int = 0
    disability: int = 0
    unknown_age: int = 0
    has_leader: bool = False
    by_band: list[tuple[str, int]] = field(default_factory=list)
    by_category: Counter = field(default_factory=Counter)
    covered: list[StakeholderCategory] = field(default_factory=list)
    gaps: list[StakeholderCategory] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def women(self) -> int:
        return self.by_sex[Person.Sex.FEMALE]

    @property
    def men(self) -> int:
        return self.by_sex[Person.Sex.MALE]

    @property
    def failed_checks(self) -> list[Check]:
        return [check for check in self.checks if not check.met]

    @property
    def is_complete(self) -> bool:
        return not self.gaps and not self.failed_checks


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def build_scorecard(rows: list[dict], rules: Rules, year: int) -> Scorecard:
    """The scorecard of one group from its current memberships (dicts as selected below)."""
    card = Scorecard(members=len(rows))
    band_counts = Counter()
    for row in rows:
        card.by_sex[row["person__sex"]] += 1
        card.by_category[row["category_id"]] += 1
        card.veterans += row["person__is_veteran"]
        card.idps += row["person__is_idp"]
        card.disability += row["person__has_disability"]
        card.has_leader |= row["role"] == Membership.Role.LEADER
        birth_year = row["person__birth_year"]
        if birth_year is None:
            card.unknown_age += 1
            continue
        age = year - birth_year
        card.youth += age <= rules.youth_max_age
        for index, band in enumerate(rules.bands):
            if band.contains(age):
                band_counts[index] += 1
                break
    card.by_band = [(band.label, band_counts[index]) for index, band in enumerate(rules.bands)]
    card.covered = [c for c in rules.required if card.by_category[c.pk]]
    card.gaps = [c for c in rules.required if not card.by_category[c.pk]]
    measured = {
        Measure.WOMEN_SHARE: (_share(card.women, card.members), True),
        Measure.YOUTH_SHARE: (_share(card.youth, card.members), True),
        Measure.VETERANS: (card.veterans, False),
        Measure.IDPS: (card.idps, False),
        Measure.DISABILITY: (card.disability, False),
        Measure.MEMBERS: (card.members, False),
    }
    card.checks = [
        Check(SHORT_LABELS[measure], measured[measure][0], threshold, measured[measure][1])
        for measure, threshold in rules.targets.items()
    ]
    return card


MEMBERSHIP_FIELDS = (
    "group_id",
    "category_id",
    "role",
    "person__sex",
    "person__birth_year",
    "person__is_veteran",
    "person__is_idp",
    "person__has_disability",
)


def scorecards(groups, rules: Rules) -> dict[int, Scorecard]:
    """Scorecards for groups of one programme, in one query whatever their number."""
    rows_by_group: dict[int, list[dict]] = {group.pk: [] for group in groups}
    for row in (
        Membership.objects.current()
        .filter(group_id__in=list(rows_by_group))
        .values(*MEMBERSHIP_FIELDS)
    ):
        rows_by_group[row["group_id"]].append(row)
    year = clock.today().year
    return {pk: build_scorecard(rows, rules, year) for pk, rows in rows_by_group.items()}


def residence_choices(group: WorkingGroup):
    """Communities offered as a person's residence: the programme's, where people live."""
    return Community.objects.filter(
        pk__in=group.programme.enrolments.values("community_id")
    ).select_related("region")


def person_residence_choices(person: Person):
    """Communities offered as the residence of a person on record: those of the programmes
    of the groups they sit in."""
    return Community.objects.filter(
        pk__in=person.memberships.values("group__programme__enrolments__community_id")
    )


def groups_with_outcome(programme):
    """The programme's groups whose fate after it is recorded, with the day and note of the
    change that recorded it. Two queries whatever the number of groups."""
    last = GroupStatusChange.objects.filter(group=OuterRef("pk")).order_by(
        "-changed_on", "-recorded_at"
    )
    return (
        programme.working_groups.filter(status__in=WorkingGroup.AFTER_PROGRAMME)
        .select_related("community__region")
        .annotate(
            outcome_on=Subquery(last.values("changed_on")[:1]),
            outcome_note=Subquery(last.values("note")[:1]),
        )
        .order_by("community__name_uk")
    )


def person_history(person: Person, memberships) -> list:
    """The person's and their memberships' recorded changes, newest first. Consecutive records
    of each object are compared here, so the page costs the same few queries however long the
    history (django-simple-history's prev_record would query once per record)."""
    # The newest records, so that a long history shows its latest changes; each object's
    # oldest shown record is then compared with nothing and listed as it stands.
    records = list(person.history.select_related("history_user").order_by("-history_date")[:100])
    records += list(
        Membership.history.filter(id__in=[m.pk for m in memberships])
        .select_related("history_user", "group", "category")
        .order_by("-history_date")[:200]
    )
    records.sort(key=lambda r: r.history_date)
    entries = [
        {"record": record, "changes": changes}
        for record, changes in zip(records, changes_between(records), strict=True)
    ]
    return list(reversed(entries))


def current_member_counts(group_ids) -> dict[int, int]:
    """Current members of each of these groups (group id: count), in one query."""
    return dict(
        Membership.objects.filter(group_id__in=list(group_ids), left_on__isnull=True)
        .values_list("group_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
