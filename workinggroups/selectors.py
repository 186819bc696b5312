"""Reads across models: the composition scorecard of groups against their programme's rules."""

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from cohesion import clock
from communities.models import Programme, StakeholderCategory
from workinggroups.models import AgeBand, CompositionTarget, Membership, Person
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
