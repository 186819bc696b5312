"""Reads over meetings: monthly compliance (did each group hold its meeting, month by month?)
and the state of a group's open actions."""

import datetime
from dataclasses import dataclass, field

from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _

from cohesion import clock
from meetings.models import ActionItem, Meeting, Reminder
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


def compliance(programme, groups, *, first=None, last=None, today=None) -> Compliance:
    """The grid of groups by months. Three queries whatever the number of groups: the groups
    (passed in), their status histories and their meetings in the period.

    A month is expected when the group was active or re-established on its 15th, within the
    programme; it is held when a meeting of the group was held in it, planned when one is
    still planned, missed when it has passed without either, and due while it is the current
    month. Meetings after the programme's last day are not the programme's, and once it is
    completed nothing is planned or due any more."""
    today = today or clock.today()
    first = first or programme.start_date
    last = min(last or programme.ends_on, today)
    completed = programme.completed_by(today)
    after_programme = clock.start_of(programme.ends_on + datetime.timedelta(days=1))
    months = month_starts(first, last) if first <= last else []
    groups = list(groups)
    ids = [group.pk for group in groups]
    changes: dict[int, list] = {pk: [] for pk in ids}
    for change in GroupStatusChange.objects.filter(group_id__in=ids).order_by(
        "changed_on", "recorded_at"
    ):
        changes[change.group_id].append(change)
    meetings: dict[tuple[int, datetime.date], set[str]] = {}
    if months:
        start = clock.start_of(months[0])
        end_month = (months[-1] + datetime.timedelta(days=32)).replace(day=1)
        end = min(clock.start_of(end_month), after_programme)
        # The month of each meeting in Kyiv time, worked out by the database: at national scale
        # converting tens of thousands of timestamps in Python is most of the page's time.
        by_number = {(m.year, m.month): m for m in months}
        rows = (
            Meeting.objects.filter(group_id__in=ids, starts_at__gte=start, starts_at__lt=end)
            .annotate(year=ExtractYear("starts_at"), month_number=ExtractMonth("starts_at"))
            .values_list("group_id", "year", "month_number", "status")
            .order_by()  # the default ordering would add starts_at to the DISTINCT
            .distinct()
        )
        for group_id, year, month_number, status in rows:
            month = by_number.get((year, month_number))
            if month is not None:
                meetings.setdefault((group_id, month), set()).add(status)
    this_month = today.replace(day=1)
    rows = []
    for group in groups:
        row = GroupRow(group)
        for month in months:
            statuses = meetings.get((group.pk, month), set())
            middle = month.replace(day=15)
            if Meeting.Status.HELD in statuses:
                row.cells.append(HELD)
            elif (
                status_on(changes[group.pk], middle) not in OPERATING or middle > programme.ends_on
            ):
                row.cells.append(NOT_EXPECTED)
            elif Meeting.Status.PLANNED in statuses and month >= this_month and not completed:
                row.cells.append(PLANNED)
            elif month == this_month and not completed:
                row.cells.append(DUE)
            else:
                row.cells.append(MISSED)
        rows.append(row)
    return Compliance(months=months, rows=rows)


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
