"""The indicator performance tracking table (IPTT), as TolaActivity and DHIS2 users know it:
each indicator with its baseline and life-of-programme target, then, for every reporting
period (year, quarter or month, as the programme chooses), its target, actual and the share
of the target met, and the actual to date against the life-of-programme target.

Actuals are the dashboard's figures (dashboards.indicators) for each period, through the same
cache, and "to date" is the figure for the programme's whole period up to today: a count of
distinct people is not the sum of the periods' counts. Donors see them protected, marks and
all, as on the dashboard."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from cohesion import clock
from cohesion.privacy import is_withheld
from dashboards.cache import figures
from dashboards.indicators import INDICATORS, Indicator, Period
from dashboards.models import TrackingPlan
from dashboards.presenters import indicator_rows

Frequency = TrackingPlan.Frequency


def frequency_of(programme) -> str:
    plan = TrackingPlan.objects.filter(programme=programme).first()
    return plan.frequency if plan else Frequency.QUARTER


def _period_end(day: datetime.date, frequency: str) -> datetime.date:
    if frequency == Frequency.YEAR:
        return datetime.date(day.year, 12, 31)
    last_month = day.month if frequency == Frequency.MONTH else ((day.month - 1) // 3) * 3 + 3
    following = datetime.date(day.year + last_month // 12, last_month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def reporting_periods(programme, frequency: str) -> list[Period]:
    """Calendar years, quarters or months from the programme's first day to its last (the
    first and last cut by them)."""
    periods = []
    day, last = programme.start_date, programme.ends_on
    while day <= last:
        end = min(_period_end(day, frequency), last)
        periods.append(Period(day, end))
        day = end + datetime.timedelta(days=1)
    return periods


def period_label(period: Period, frequency: str) -> str:
    if frequency == Frequency.YEAR:
        return str(period.start.year)
    if frequency == Frequency.QUARTER:
        return _("Q%(quarter)s %(year)s") % {
            "quarter": (period.start.month - 1) // 3 + 1,
            "year": period.start.year,
        }
    return formats.date_format(period.start, "YEAR_MONTH_FORMAT")


@dataclass
class Cell:
    target: Decimal | None
    actual: object  # a number, a mark ("<5", "x"), or None (not begun)
    percent: int | None  # of the target met


@dataclass
class Row:
    indicator: Indicator
    baseline: Decimal | None
    target: Decimal | None  # life of programme
    cells: list[Cell]
    to_date: object
    percent: int | None  # of the life-of-programme target met to date


@dataclass
class Table:
    frequency: str
    periods: list[Period]
    labels: list[str]
    rows: list[Row]
    as_of: datetime.date
    protected: bool
    started: list[bool] = field(default_factory=list)


def percent_met(actual, target) -> int | None:
    """The share of the target met: not capped, so that 130 % says it was exceeded."""
    if not target or actual is None or is_withheld(actual):
        return None
    return round(100 * Decimal(str(actual)) / Decimal(target))


def _shown(programme, period: Period, *, protected: bool, today) -> dict:
    """The figures of one period as the viewer sees them (the dashboard's, from its cache)."""
    data, _key = figures(programme, period, today=today)
    return {
        row.indicator.code: row.actual
        for _section, rows in indicator_rows(data, {}, protected=protected)
        for row in rows
    }


def build(programme, *, protected: bool, today=None, every_indicator=False) -> Table:
    """The table for the programme: the indicators it set a baseline or target for (all of
    them, with `every_indicator` or when none is set yet)."""
    today = today or clock.today()
    frequency = frequency_of(programme)
    periods = reporting_periods(programme, frequency)
    plans = {t.indicator: t for t in programme.indicator_targets.all()}
    by_period = {(t.indicator, t.period_start): t.target for t in programme.period_targets.all()}
    started = [period.start <= today for period in periods]
    figures = [
        _shown(programme, Period(p.start, min(p.end, today)), protected=protected, today=today)
        if begun
        else {}
        for p, begun in zip(periods, started, strict=True)
    ]
    to_date = _shown(programme, Period.of(programme, today), protected=protected, today=today)
    tracked = {code for code, _start in by_period} | set(plans)
    rows = []
    for indicator in INDICATORS:
        if not every_indicator and tracked and indicator.code not in tracked:
            continue
        plan = plans.get(indicator.code)
        lop = plan.target if plan else None
        cells = []
        for period, shown in zip(periods, figures, strict=True):
            target = by_period.get((indicator.code, period.start))
            actual = shown.get(indicator.code)
            cells.append(Cell(target, actual, percent_met(actual, target)))
        actual = to_date.get(indicator.code)
        rows.append(
            Row(
                indicator,
                plan.baseline if plan else None,
                lop,
                cells,
                actual,
                percent_met(actual, lop),
            )
        )
    return Table(
        frequency=frequency,
        periods=periods,
        labels=[period_label(p, frequency) for p in periods],
        rows=rows,
        as_of=Period.of(programme, today).end,
        protected=protected,
        started=started,
    )


def in_parts(table: Table, size: int) -> list[tuple[list[str], list[tuple[Row, list[Cell]]]]]:
    """The table's periods in groups of `size`, for pages that cannot be wide (the PDF)."""
    parts = []
    for i in range(0, max(len(table.periods), 1), size):
        parts.append(
            (table.labels[i : i + size], [(row, row.cells[i : i + size]) for row in table.rows])
        )
    return parts


def to_xlsx(table: Table, title: str) -> bytes:
    """The table as a workbook: two header rows (the periods over their target, actual and
    share met), one row per indicator, the legend of the marks under it when protected."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from cohesion.privacy import legend
    from cohesion.text import defuse_formula
    from dashboards.exports import sheet_title

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(title)
    fixed = [_("Indicator"), _("Baseline"), _("Life-of-programme target"), _("Actual to date"),
             _("% met")]  # fmt: skip
    sheet.append([*fixed, *[label for label in table.labels for _ in range(3)]])
    sheet.append([""] * len(fixed) + [_("Target"), _("Actual"), _("% met")] * len(table.labels))
    for index in range(len(table.labels)):
        column = len(fixed) + 1 + 3 * index
        sheet.merge_cells(start_row=1, start_column=column, end_row=1, end_column=column + 2)
    for column in range(1, len(fixed) + 1):
        sheet.merge_cells(start_row=1, start_column=column, end_row=2, end_column=column)
    for cell in [*sheet[1], *sheet[2]]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def value(v):
        if v is None:
            return ""
        if isinstance(v, Decimal):
            return float(v)
        return defuse_formula(v)

    for row in table.rows:
        line = [str(row.indicator.label), value(row.baseline), value(row.target),
                value(row.to_date), value(row.percent)]  # fmt: skip
        for cell in row.cells:
            line += [value(cell.target), value(cell.actual), value(cell.percent)]
        sheet.append(line)
    if table.protected:
        sheet.append([])
        for mark, meaning in legend():
            sheet.append([f"{mark} — {meaning}"])
    sheet.freeze_panes = "F3"
    sheet.column_dimensions["A"].width = 42
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
