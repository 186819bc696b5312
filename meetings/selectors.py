"""Reads over meetings: monthly compliance (did each group hold its meeting, month by month?),
read from the per-group, per-month summary (meetings.summary), and the state of a group's open
actions."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from cohesion import clock
from meetings.models import ActionItem, GroupMonth, Reminder
from workinggroups.models import GroupStatusChange, WorkingGroup

HELD, PLANNED, MISSED, DUE, NOT_EXPECTED = "held", "planned", "missed", "due", "not_expected"
LABELS = {
    HELD: _("held"),
    PLANNED: _("planned"),
    MISSED: _("missed"),
    DUE: _("due this month"),
    NOT_EXPECTED: _("not expected"),
}
OPERATING = WorkingGroup.OPERATING


def month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def status_on(changes: list[GroupStatusChange], day: datetime.date) -> str | None:
    """The group's status on a day, from its dated history (None before the first record)."""
    status = None
    for change in changes:  # sorted by date
        if change.changed_on > day:
            break
        status = change.status
    return status


@dataclass
class GroupRow:
    group: WorkingGroup
    cells: list[str] = field(default_factory=list)

    @property
    def expected(self) -> int:
        return sum(cell in (HELD, MISSED) for cell in self.cells)

    @property
    def held(self) -> int:
        return self.cells.count(HELD)

    @property
    def rate(self) -> float | None:
        """Held over expected months; months the group was suspended, ceased or not yet
        formed are left out, and so is the current month until it is held."""
        return round(100 * self.held / self.expected) if self.expected else None


@dataclass
class Compliance:
    months: list[datetime.date]
    rows: list[GroupRow]

    @property
    def rate(self) -> float | None:
        expected = sum(row.expected for row in self.rows)
        held = sum(row.held for row in self.rows)
        return round(100 * held / expected) if expected else None


def _cell(month, operating, held, planned, *, this_month, completed) -> str:
    if held:
        return HELD
    if not operating:
        return NOT_EXPECTED
    if planned and month >= this_month and not completed:
        return PLANNED
    if month == this_month and not completed:
        return DUE
    return MISSED


def compliance(programme, groups, *, first=None, last=None, today=None) -> Compliance:
    """The grid of groups by months, read from the per-group, per-month summary
    (meetings.summary). Two queries whatever the number of groups: the groups (passed in) and
    their months.

    A month is expected when the group was active or re-established on its 15th, within the
    programme; it is held when a meeting of the group was held in it, planned when one is
    still planned, missed when it has passed without either, and due while it is the current
    month. Meetings outside the programme's days are not the programme's, and once it is
    completed nothing is planned or due any more."""
    today = today or clock.today()
    first = first or programme.start_date
    last = min(last or programme.ends_on, today)
    completed = programme.completed_by(today)
    months = month_starts(first, last) if first <= last else []
    groups = list(groups)
    found: dict[tuple[int, datetime.date], tuple] = {}
    if months and groups:
        for group_id, month, operating, held, planned in GroupMonth.objects.filter(
            group_id__in=[group.pk for group in groups], month__gte=months[0], month__lte=months[-1]
        ).values_list("group_id", "month", "operating", "held", "planned"):
            found[group_id, month] = (operating, held, planned)
    this_month = today.replace(day=1)
    nothing = (False, 0, 0)
    rows = []
    for group in groups:
        row = GroupRow(group)
        row.cells = [
            _cell(
                month,
                *found.get((group.pk, month), nothing),
                this_month=this_month,
                completed=completed,
            )
            for month in months
        ]
        rows.append(row)
    return Compliance(months=months, rows=rows)


@dataclass
class MonthTotals:
    """A month's meetings over many groups, from the summary."""

    held: int = 0  # groups that held their meeting (a cell "held")
    expected: int = 0  # groups whose meeting counts: held or missed
    meetings: int = 0  # meetings held (a group may hold two)
    present: int = 0  # members present at the held meetings

    @property
    def rate(self) -> int | None:
        return round(100 * self.held / self.expected) if self.expected else None


def monthly_totals(programme, groups, *, first, last, today, by: str | None = None) -> dict:
    """The compliance grid's column totals, summed in the database: {month: MonthTotals} for
    the `groups` (a queryset), or {(value of `by`, month): MonthTotals} split by a field of
    the summary row (a region, say). The same cells as `compliance`, counted. One query."""
    last = min(last, today)
    if first > last:
        return {}
    this_month = today.replace(day=1)
    # The current month counts once held, or, the programme completed, once missed.
    counted = Q(operating=True)
    if not programme.completed_by(today):
        counted &= Q(month__lt=this_month)
    rows = (
        GroupMonth.objects.filter(
            group__in=groups, month__gte=first.replace(day=1), month__lte=last
        )
        .values_list(*([by] if by else []), "month")
        .annotate(
            groups_held=Count("pk", filter=Q(held__gt=0)),
            expected=Count("pk", filter=Q(held__gt=0) | counted),
            meetings=Sum("held"),
            present=Sum("present"),
        )
        .order_by()
    )
    totals = {}
    for *key, groups_held, expected, meetings, present in rows:
        totals[tuple(key) if by else key[0]] = MonthTotals(groups_held, expected, meetings, present)
    return totals


def by_month(totals: dict) -> dict:
    """Totals split by (value, month) summed into {month: MonthTotals}."""
    months: dict = {}
    for (_value, month), found in totals.items():
        total = months.setdefault(month, MonthTotals())
        total.held += found.held
        total.expected += found.expected
        total.meetings += found.meetings
        total.present += found.present
    return months


def compliance_rate(totals: dict) -> int | None:
    """The rate over all the months and groups of `monthly_totals`."""
    held = sum(t.held for t in totals.values())
    expected = sum(t.expected for t in totals.values())
    return round(100 * held / expected) if expected else None


def open_actions(group: WorkingGroup, today: datetime.date) -> list[ActionItem]:
    """The group's open actions, soonest due first, each with `state`: "stale" (overdue for
    longer than ACTION_STALE_AFTER_DAYS), "overdue" or "due". Nothing is overdue in a completed
    programme: its deadlines ended with it."""
    deadlines_on = group.programme.deadlines_on(today)
    actions = list(
        group.action_items.open().select_related("owner__person").order_by("due_on", "pk")
    )
    for action in actions:
        action.state = "due"
        if deadlines_on and action.is_stale(deadlines_on):
            action.state = "stale"
        elif deadlines_on and action.is_overdue(deadlines_on):
            action.state = "overdue"
    return actions


def reminders_of(programme):
    """The reminders of the programme's groups, with what their page shows."""
    return Reminder.objects.filter(group__programme=programme).select_related(
        "group__community", "meeting"
    )
