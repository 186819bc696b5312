"""Indicators computed from the records, never typed in: groups, meetings, participants,
safety plans and engagement, for a programme over a period, optionally for one community.

Everything is aggregated in the database in a fixed number of queries, whatever the size of the
programme; `dashboard_data` is cached per programme (see dashboards.cache)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from cohesion import clock
from cohesion.collation import ukrainian_key
from engagement.models import (
    Event,
    NeedsAssessment,
    Participant,
    VeteranOrganisation,
    YouthLeader,
    YouthSupport,
)
from meetings.selectors import (
    MonthTotals,
    by_month,
    compliance,
    compliance_rate,
    month_starts,
    monthly_totals,
    status_on,
)
from recommendations.selectors import decision_figures, recommendation_figures
from safetyplans.models import ActionTracking, ActionUpdate, PlanVersion, SafetyPlan
from workinggroups.models import GroupStatusChange, Membership, Person, WorkingGroup
from workinggroups.selectors import age_bands_for

COUNT, PERCENT = "count", "percent"


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    section: str
    # One line that says how the figure is counted and on which day: shown beside it on the
    # dashboard and in the report.
    definition: str
    unit: str = COUNT
    # Counts people: shown to donors with small counts hidden.
    personal: bool = False
    # The figure this one is a part of (decisions with veterans present, of the decisions
    # taken): shown to donors hidden with the rest it leaves, as parts of participants are.
    part_of: str = ""
    # A share's part and whole: withheld from donors when either would be.
    share_of: tuple[str, str] | None = None


GROUPS, MEETINGS, PEOPLE, PLANS, ENGAGEMENT, DECISIONS = (
    _("Working groups"),
    _("Meetings"),
    _("Participants"),
    _("Safety plans"),
    _("Youth, veterans, trainings"),
    _("Decisions and recommendations"),
)
# Figures "on the last day" are taken on the period's last day, or today while the period is
# still running (Period.as_of); ages are reached in the year of that day.
INDICATORS = [
    Indicator(
        "groups_established", _("Working groups established"), GROUPS,
        _("Groups of the programme established by the period's last day."),
    ),
    Indicator(
        "groups_active", _("Working groups active"), GROUPS,
        _("Groups active or re-established on the last day, from their dated status history."),
    ),
    Indicator(
        "groups_all_categories", _("Groups with every required category"), GROUPS,
        _("Groups whose members on the last day include every category the programme requires."),
    ),
    Indicator(
        "meetings_held", _("Meetings held"), MEETINGS,
        _("Meetings logged as held within the period."),
    ),
    Indicator(
        "meetings_expected", _("Meetings expected"), MEETINGS,
        _("One meeting a month for each group operating that month, over the period's months."),
    ),
    Indicator(
        "compliance_rate", _("Monthly compliance"), MEETINGS,
        _("Expected monthly meetings that were held, in per cent."), PERCENT,
    ),
    Indicator(
        "participants", _("Unique participants"), PEOPLE,
        _("People who took part in the period (group members, people present at trainings and "
          "visits, youth leaders), each counted once."),
        personal=True,
    ),
    Indicator(
        "participants_women", _("Women taking part"), PEOPLE,
        _("Women among the unique participants."), personal=True,
    ),
    Indicator(
        "participants_youth", _("Young people taking part"), PEOPLE,
        _("Unique participants up to the programme's youth age in the year of the last day."),
        personal=True,
    ),
    Indicator(
        "participants_veterans", _("Veterans taking part"), PEOPLE,
        _("Veterans among the unique participants."), personal=True,
    ),
    Indicator(
        "participants_idp", _("Internally displaced people taking part"), PEOPLE,
        _("Internally displaced people among the unique participants."), personal=True,
    ),
    Indicator(
        "participants_disability", _("People with disabilities taking part"), PEOPLE,
        _("People with disabilities among the unique participants."), personal=True,
    ),
    Indicator(
        "women_share", _("Share of women in the groups"), PEOPLE,
        _("Women among the groups' members on the last day, in per cent."), PERCENT,
    ),
    Indicator(
        "youth_share", _("Share of young people in the groups"), PEOPLE,
        _("Young people among the groups' members on the last day, in per cent."), PERCENT,
    ),
    Indicator(
        "plans_approved", _("Safety plans approved"), PLANS,
        _("Plans with a version approved by the council by the period's last day."),
    ),
    Indicator(
        "plans_in_preparation", _("Safety plans in preparation"), PLANS,
        _("Plans without an approved version by the period's last day."),
    ),
    Indicator(
        "plan_actions_done", _("Plan actions done"), PLANS,
        _("Actions of approved plans whose latest update by the last day says done."),
    ),
    Indicator(
        "plan_actions_overdue", _("Plan actions overdue"), PLANS,
        _("Actions of approved plans past their end date, neither done nor cancelled, on the "
          "last day."),
    ),
    Indicator(
        "trainings", _("Trainings held"), ENGAGEMENT,
        _("Trainings held on days within the period."),
    ),
    Indicator(
        "exchange_visits", _("Exchange visits held"), ENGAGEMENT,
        _("Exchange visits held on days within the period."),
    ),
    Indicator(
        "event_participants", _("Participants of trainings and visits"), ENGAGEMENT,
        _("People present at trainings and exchange visits in the period, each counted once."),
        personal=True,
    ),
    Indicator(
        "youth_leaders_supported", _("Youth leaders supported"), ENGAGEMENT,
        _("Youth leaders with support under way at some time in the period."), personal=True,
    ),
    Indicator(
        "veteran_orgs_engaged", _("Veteran organisations engaged"), ENGAGEMENT,
        _("Veteran organisations in the registry marked engaged or partner, as they stand today."),
    ),
    Indicator(
        "needs_assessments", _("Veterans' needs assessments done"), ENGAGEMENT,
        _("Needs assessments whose period ended within the period."),
    ),
    # Decisions and who was present when they were taken, and the recommendations to local
    # authorities: one definition each, in recommendations.selectors. Small counts of
    # decisions could point at who attended, and of recommendations at one group's work:
    # donors see them protected.
    Indicator(
        "decisions_taken", _("Decisions taken"), DECISIONS,
        _("Decisions recorded at meetings held within the period."), personal=True,
    ),
    Indicator(
        "decisions_with_veterans", _("Decisions taken with veterans present"), DECISIONS,
        _("Decisions whose meeting had at least one veteran or serviceperson among the members "
          "present."), personal=True, part_of="decisions_taken",
    ),
    Indicator(
        "decisions_with_youth", _("Decisions taken with young people present"), DECISIONS,
        _("Decisions whose meeting had a member up to the programme's youth age present."),
        personal=True, part_of="decisions_taken",
    ),
    Indicator(
        "decisions_with_idp", _("Decisions taken with internally displaced people present"),
        DECISIONS,
        _("Decisions whose meeting had an internally displaced member present."),
        personal=True, part_of="decisions_taken",
    ),
    Indicator(
        "decisions_with_women", _("Decisions taken with women present"), DECISIONS,
        _("Decisions whose meeting had a woman among the members present."),
        personal=True, part_of="decisions_taken",
    ),
    Indicator(
        "decisions_with_disability", _("Decisions taken with people with disabilities present"),
        DECISIONS,
        _("Decisions whose meeting had a member with a disability present."),
        personal=True, part_of="decisions_taken",
    ),
    Indicator(
        "decisions_veterans_share", _("Share of decisions taken with veterans present"),
        DECISIONS,
        _("Decisions taken with veterans present, of the decisions taken, in per cent."),
        PERCENT, share_of=("decisions_with_veterans", "decisions_taken"),
    ),
    Indicator(
        "decisions_youth_share", _("Share of decisions taken with young people present"),
        DECISIONS,
        _("Decisions taken with young people present, of the decisions taken, in per cent."),
        PERCENT, share_of=("decisions_with_youth", "decisions_taken"),
    ),
    Indicator(
        "recommendations_adopted", _("Recommendations to local authorities"), DECISIONS,
        _("Recommendations adopted at meetings within the period."), personal=True,
    ),
    Indicator(
        "recommendations_sent", _("Recommendations sent"), DECISIONS,
        _("Of those, sent to the body they address by the last day."),
        personal=True, part_of="recommendations_adopted",
    ),
    Indicator(
        "recommendations_answered_in_time", _("Recommendations answered in time"), DECISIONS,
        _("Of those, answered by the deadline set when sent, the answer received by the last "
          "day."), personal=True, part_of="recommendations_adopted",
    ),
    Indicator(
        "recommendations_overdue", _("Recommendations without an answer by the deadline"),
        DECISIONS,
        _("Of those, sent, past their deadline on the last day and still without an answer."),
        personal=True, part_of="recommendations_adopted",
    ),
    Indicator(
        "recommendations_accepted", _("Recommendations accepted"), DECISIONS,
        _("Of those, accepted in full by the body, by the last day."),
        personal=True, part_of="recommendations_adopted",
    ),
    Indicator(
        "recommendations_partly_accepted", _("Recommendations partly accepted"), DECISIONS,
        _("Of those, accepted in part by the body, by the last day."),
        personal=True, part_of="recommendations_adopted",
    ),
    Indicator(
        "recommendations_implemented", _("Recommendations implemented"), DECISIONS,
        _("Of those, whose latest implementation step by the last day says implemented."),
        personal=True, part_of="recommendations_adopted",
    ),
]  # fmt: skip
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}
OPERATING = (WorkingGroup.Status.ACTIVE, WorkingGroup.Status.REESTABLISHED)
SEXES = [s for s, _label in Person.Sex.choices]


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def start_at(self) -> datetime.datetime:
        return clock.start_of(self.start)

    @property
    def end_at(self) -> datetime.datetime:
        """The first moment after the period."""
        day = self.end + datetime.timedelta(days=1)
        return clock.start_of(day)

    @property
    def months(self) -> list[datetime.date]:
        return month_starts(self.start, self.end)

    def as_of(self, today: datetime.date) -> datetime.date:
        """The day the period's "on the last day" figures are taken: its last day, or today
        while it is still running."""
        return min(self.end, today)

    @classmethod
    def of(cls, programme, today=None) -> "Period":
        """The programme's whole period, up to today."""
        today = today or clock.today()
        end = min(programme.ends_on, today)
        return cls(programme.start_date, max(end, programme.start_date))


@dataclass
class DashboardData:
    values: dict
    months: list  # first days of the months in the period
    meetings_by_month: list  # (held, expected) per month
    by_sex_and_band: list  # rows: sex; columns: age bands (+ unknown age)
    band_labels: list
    by_category: list  # (category name, people)
    heatmap: list  # (label, url or None, [state or rate per month])
    heatmap_by: str  # "group" or "region"
    communities: list  # for the map: name, lat, lon, status, url
    extra: dict = field(default_factory=dict)


def _groups(programme, community):
    groups = WorkingGroup.objects.filter(programme=programme)
    if community is not None:
        groups = groups.filter(community=community)
    return groups


def _members_during(groups, period: Period):
    return Membership.objects.filter(group__in=groups, joined_on__lte=period.end).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=period.start)
    )


def _members_on(groups, day: datetime.date):
    return Membership.objects.filter(group__in=groups, joined_on__lte=day).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=day)
    )


def _events(programme, period: Period, community):
    events = Event.objects.filter(
        programme=programme,
        status=Event.Status.HELD,
        starts_on__lte=period.end,
        ends_on__gte=period.start,
    )
    if community is not None:
        events = events.filter(
            Q(host_community=community) | Q(visiting_communities=community)
        ).distinct()
    return events


def people_during(programme, period: Period, community=None):
    """Everyone who took part in the period, once: members of the groups, people present at
    trainings and visits, and youth leaders accompanied."""
    groups = _groups(programme, community)
    present = Participant.objects.filter(
        event__in=_events(programme, period, community), attendance=Participant.Attendance.PRESENT
    )
    if community is not None:
        present = present.filter(community=community)
    leaders = YouthLeader.objects.filter(programme=programme, since__lte=period.end).filter(
        Q(until__isnull=True) | Q(until__gte=period.start)
    )
    if community is not None:
        leaders = leaders.filter(community=community)
    return Person.objects.filter(
        Q(pk__in=_members_during(groups, period).values("person_id"))
        | Q(pk__in=present.values("person_id"))
        | Q(pk__in=leaders.values("person_id"))
    )


def _band_filter(band, year: int) -> Q:
    condition = Q(birth_year__lte=year - band.min_age)
    if band.max_age is not None:
        condition &= Q(birth_year__gte=year - band.max_age)
    return condition


def _people_figures(programme, period: Period, community, bands) -> tuple[dict, list]:
    """Counts of people by sex × age band and by marker, in one query."""
    year = period.end.year
    youth = Q(birth_year__gte=year - programme.youth_max_age)
    aggregates = {
        "participants": Count("pk"),
        "participants_women": Count("pk", filter=Q(sex=Person.Sex.FEMALE)),
        "participants_youth": Count("pk", filter=youth),
        "participants_veterans": Count("pk", filter=Q(is_veteran=True)),
        "participants_idp": Count("pk", filter=Q(is_idp=True)),
        "participants_disability": Count("pk", filter=Q(has_disability=True)),
    }
    for sex in SEXES:
        for index, band in enumerate(bands):
            aggregates[f"{sex}:{index}"] = Count("pk", filter=Q(sex=sex) & _band_filter(band, year))
        aggregates[f"{sex}:unknown"] = Count("pk", filter=Q(sex=sex, birth_year__isnull=True))
    counts = people_during(programme, period, community).aggregate(**aggregates)
    table = [
        [counts[f"{sex}:{index}"] for index in range(len(bands))] + [counts[f"{sex}:unknown"]]
        for sex in SEXES
    ]
    return {k: counts[k] for k in aggregates if ":" not in k}, table


def people_by_age_band(programme, period: Period, community=None) -> tuple[list[tuple], int]:
    """(band label, people, is youth) for the programme's age bands, and the people of unknown
    age: the column totals of the dashboard's table by sex and age band, the same people
    (people_during) aged in the same year. A band is youth when it ends at or below the
    programme's youth age. One query."""
    bands = age_bands_for(programme)
    _values, table = _people_figures(programme, period, community, bands)
    totals = [sum(column) for column in zip(*table, strict=True)]
    rows = [
        (
            band.label,
            totals[index],
            band.max_age is not None and band.max_age <= programme.youth_max_age,
        )
        for index, band in enumerate(bands)
    ]
    return rows, totals[-1]


def meetings_held_by_month(programme, period: Period, community=None) -> dict:
    """Meetings held in each month of the period (first day of the month: count): the
    indicator "Meetings held", month by month, as the public page shows it. One query."""
    # Cut at the period's end, not today: the months are the period's.
    totals = monthly_totals(
        programme,
        _groups(programme, community).values("pk"),
        first=period.start,
        last=period.end,
        today=period.end,
    )
    return {month: totals[month].meetings if month in totals else 0 for month in period.months}


def _composition(programme, groups, day: datetime.date) -> dict:
    """Shares of women and youth among the members on `day`, and the groups with every
    required category, counted in the database. Three queries."""
    members = _members_on(groups, day)
    # Each member once, as a semi-join: three DISTINCT counts sorted the memberships three times.
    counts = Person.objects.filter(pk__in=members.values("person_id")).aggregate(
        total=Count("pk"),
        women=Count("pk", filter=Q(sex=Person.Sex.FEMALE)),
        youth=Count("pk", filter=Q(birth_year__gte=day.year - programme.youth_max_age)),
    )
    required = list(programme.required_categories.values_list("pk", flat=True))
    if required:
        members = members.filter(category_id__in=required)
    complete = (
        members.values("group_id")
        .annotate(found=Count("category_id", distinct=True))
        .filter(found=len(required))
        if required
        else members.values("group_id").distinct()
    )
    total, women, young = counts["total"], counts["women"], counts["youth"]
    return {
        "women_share": round(100 * women / total) if total else None,
        "youth_share": round(100 * young / total) if total else None,
        # The counts behind the shares, for protecting them (never shown themselves).
        "extra": {"members": total, "women_members": women, "youth_members": young},
        "groups_all_categories": complete.count(),
    }


def _plans(programme, period: Period, community, today) -> dict:
    plans = SafetyPlan.objects.filter(group__programme=programme)
    if community is not None:
        plans = plans.filter(group__community=community)
    approved_by_end = PlanVersion.objects.filter(
        plan=OuterRef("pk"),
        status__in=PlanVersion.FROZEN,
        decision_date__lte=period.end,
    )
    figures = plans.aggregate(
        plans_approved=Count("pk", filter=Q(Exists(approved_by_end))),
        plans_in_preparation=Count("pk", filter=~Q(Exists(approved_by_end))),
    )
    cutoff = period.as_of(today)
    # Each action as it stood at the end of the period: its latest dated update by then (not
    # started without one), for plans approved by then. Today that is its status as it is,
    # which the plans overview shows too (and reading it is cheaper than the history).
    then = (
        F("status")
        if cutoff >= today
        else Coalesce(
            Subquery(
                ActionUpdate.objects.filter(tracking=OuterRef("pk"), on__lte=cutoff)
                .order_by("-on", "-recorded_at")
                .values("status")[:1]
            ),
            Value(ActionTracking.Status.NOT_STARTED),
        )
    )
    # Counted by (status then, late) groups: the status, a subquery per action, is computed
    # once per action that way; two filtered counts over it made PostgreSQL run it twice.
    groups = (
        ActionTracking.objects.filter(
            plan__in=plans.filter(Exists(approved_by_end)),
            action__version__status=PlanVersion.Status.APPROVED,
        )
        .annotate(
            status_then=then,
            late=ExpressionWrapper(Q(action__ends_on__lt=cutoff), output_field=BooleanField()),
        )
        .values_list("status_then", "late")
        .annotate(n=Count("pk"))
        .order_by()
    )
    figures.update(plan_actions_done=0, plan_actions_overdue=0)
    for status, late, n in groups:
        if status == ActionTracking.Status.DONE:
            figures["plan_actions_done"] += n
        elif late and status not in ActionTracking.CLOSED:
            figures["plan_actions_overdue"] += n
    return figures


def _engagement(programme, period: Period, community) -> dict:
    events = _events(programme, period, community)
    figures = events.aggregate(
        trainings=Count("pk", filter=Q(kind=Event.Kind.TRAINING), distinct=True),
        exchange_visits=Count("pk", filter=Q(kind=Event.Kind.EXCHANGE_VISIT), distinct=True),
    )
    present = Participant.objects.filter(
        event__in=events.filter(kind__in=[Event.Kind.TRAINING, Event.Kind.EXCHANGE_VISIT]),
        attendance=Participant.Attendance.PRESENT,
    )
    if community is not None:
        present = present.filter(community=community)
    figures["event_participants"] = present.values("person_id").distinct().count()
    supported = YouthSupport.objects.filter(
        youth_leader__programme=programme,
        starts_on__lte=period.end,
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start))
    if community is not None:
        supported = supported.filter(youth_leader__community=community)
    figures["youth_leaders_supported"] = supported.values("youth_leader_id").distinct().count()
    registry = VeteranOrganisation.objects.filter(
        programme=programme,
        relationship__in=[
            VeteranOrganisation.Relationship.ENGAGED,
            VeteranOrganisation.Relationship.PARTNER,
        ],
    )
    assessments = NeedsAssessment.objects.filter(
        programme=programme, period_end__gte=period.start, period_end__lte=period.end
    )
    if community is not None:
        registry = registry.filter(community=community)
        assessments = assessments.filter(community=community)
    figures["veteran_orgs_engaged"] = registry.count()
    figures["needs_assessments"] = assessments.count()
    return figures


def _active_on(groups, day: datetime.date) -> int:
    """Groups operating (active or re-established) on `day`, from their dated status history;
    a group with no history counts by its present status. One query."""
    histories: dict[int, list] = {g.pk: [] for g in groups}
    # Light rows (changed_on, status), not model instances: 3,000 of them at national scale.
    changes = (
        GroupStatusChange.objects.filter(group__in=_group_ids(groups))
        .order_by("changed_on", "recorded_at", "pk")
        .values_list("group_id", "changed_on", "status", named=True)
    )
    for change in changes:
        histories[change.group_id].append(change)
    active = 0
    for group in groups:
        history = histories[group.pk]
        status = status_on(history, day) if history else group.status
        active += status in OPERATING
    return active


def _group_ids(groups):
    """The rows' groups as a subquery (an IN list of 1,500 ids is slower to plan and send)."""
    return getattr(groups, "ids", [g.pk for g in groups])


class _Groups(list):
    """The programme's groups as light rows (no model instances: at national scale building
    them was a fifth of the page), with the query that selects them."""

    def __init__(self, rows, ids):
        super().__init__(rows)
        self.ids = ids


def _group_rows(programme, community) -> _Groups:
    groups = _groups(programme, community)
    rows = groups.order_by("community__name_uk").values_list(
        "pk",
        "status",
        "established_on",
        "community_id",
        "community__name_uk",
        "community__name_en",
        "community__latitude",
        "community__longitude",
        "community__region_id",
        "community__region__name_uk",
        "community__region__name_en",
        named=True,
    )
    return _Groups(rows, groups.values("pk"))


def _meetings(programme, groups: _Groups, period, *, today) -> tuple[dict, list]:
    """The meetings' totals by month and the rows of the compliance heatmap: one per group, or
    one per region when there are too many groups to read (then each cell is the region's
    rate that month). Summed in the database from the per-group, per-month summary: one
    query, or two for a handful of groups."""
    from cohesion.i18n import picker

    if len(groups) <= HEATMAP_GROUP_LIMIT:
        totals = monthly_totals(
            programme, groups.ids, first=period.start, last=period.end, today=today
        )
        objects = (
            WorkingGroup.objects.filter(pk__in=groups.ids)
            .select_related("community")
            .order_by("community__name_uk")
        )
        grid = compliance(programme, objects, first=period.start, last=period.end, today=today)
        return totals, [
            (row.group.community.name, row.group.community_id, list(row.cells)) for row in grid.rows
        ]
    totals = monthly_totals(
        programme,
        groups.ids,
        first=period.start,
        last=period.end,
        today=today,
        by="group__community__region_id",
    )
    a_group_in = {g.community__region_id: g for g in groups}
    name_of = picker()
    regions = {
        region_id: name_of(g.community__region__name_uk, g.community__region__name_en)
        for region_id, g in a_group_in.items()
    }
    rows = []
    for region_id, name in sorted(regions.items(), key=lambda item: ukrainian_key(item[1])):
        found = [totals.get((region_id, month)) for month in period.months]
        rows.append((name, None, [t.rate if t else None for t in found]))
    return by_month(totals), rows


HEATMAP_GROUP_LIMIT = 40


def dashboard_data(programme, period: Period, community=None, *, today=None):
    """All the dashboard's numbers. About 20 queries whatever the number of groups, meetings
    or people; meetings come from the per-group, per-month summary."""
    from cohesion.i18n import pick, picker

    today = today or clock.today()
    groups = _group_rows(programme, community)
    values: dict = {}
    established = [g for g in groups if g.established_on and g.established_on <= period.end]
    values["groups_established"] = len(established)
    status_day = min(period.end, today)
    values["groups_active"] = _active_on(groups, status_day)
    months = month_starts(period.start, min(period.end, today))
    totals, heatmap = _meetings(programme, groups, period, today=today)
    monthly = [totals.get(month, MonthTotals()) for month in months]
    values["meetings_held"] = sum(t.meetings for t in monthly)
    values["meetings_expected"] = sum(t.expected for t in monthly)
    values["compliance_rate"] = compliance_rate(totals)
    bands = age_bands_for(programme)
    people, sex_band = _people_figures(programme, period, community, bands)
    values.update(people)
    composition = _composition(programme, groups.ids, status_day)
    extra = composition.pop("extra")
    values.update(composition)
    plan_figures = _plans(programme, period, community, today)
    values.update(plan_figures)
    values.update(_engagement(programme, period, community))
    values.update(decision_figures(programme, period, community))
    values.update(recommendation_figures(programme, period, community, today=today))
    by_category = list(
        _members_during(groups.ids, period)
        .values("category__name_uk", "category__name_en")
        .annotate(n=Count("person_id", distinct=True))
        .order_by("category__position")
    )
    completed = programme.completed_by(today)
    name_of = picker()
    labels: dict[str, str] = {}  # a status's label, translated once for the 1,500 markers
    communities = []
    for g in groups:
        if g.community__latitude is None or g.community__longitude is None:
            continue
        shown = WorkingGroup.status_shown(g.status, completed)
        if shown not in labels:
            labels[shown] = str(WorkingGroup.status_shown_label(shown))
        communities.append(
            {
                "name": name_of(g.community__name_uk, g.community__name_en),
                "lat": float(g.community__latitude),
                "lon": float(g.community__longitude),
                "status": shown,
                "status_label": labels[shown],
                "id": g.community_id,
            }
        )
    return DashboardData(
        values=values,
        months=months,
        meetings_by_month=[(t.held, t.expected) for t in monthly],
        by_sex_and_band=sex_band,
        band_labels=[band.label for band in bands],
        by_category=[
            (pick(row["category__name_uk"], row["category__name_en"]), row["n"])
            for row in by_category
        ],
        heatmap=heatmap,
        heatmap_by="group" if len(groups) <= HEATMAP_GROUP_LIMIT else "region",
        communities=communities,
        extra=extra,
    )
