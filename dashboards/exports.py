"""Exports: the indicator table by community and month (CSV, XLSX) and the printable progress
report (PDF). Built on a worker (dashboards.tasks); aggregates only, and for donors with small
counts protected."""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cohesion import clock
from cohesion.collation import ukrainian_key
from cohesion.privacy import HIDDEN, is_withheld, legend, mark_for
from cohesion.text import defuse_formula
from dashboards import iptt, services, svg
from dashboards.indicators import Period, dashboard_data
from dashboards.presenters import category_table, chart_payload, indicator_rows, sex_band_table
from dashboards.suppression import part_of, protect, small
from engagement.models import Participant
from meetings.models import Attendance, Meeting
from meetings.selectors import compliance, month_starts, monthly_totals
from workinggroups.models import Person, WorkingGroup

# Additive columns: totals by community and by month are sums, so they are protected as a
# table (primary and complementary). Distinct-people columns do not add up across months or
# communities (one person, many months): they are protected cell by cell and get no totals.
ADDITIVE = ["meetings_expected", "meetings_held", "attendances", "event_attendances"]
PERSONAL_ADDITIVE = {"attendances", "event_attendances"}
DISTINCT = ["participants", "women", "youth"]


def columns() -> list[tuple[str, str]]:
    return [
        ("community", _("Community")),
        ("pcode", _("P-code")),
        ("katotth", _("KATOTTH code")),
        ("month", _("Month")),
        ("meetings_expected", _("Meetings expected")),
        ("meetings_held", _("Meetings held")),
        ("compliance", _("Monthly compliance, %")),
        ("attendances", _("Attendances at meetings")),
        ("participants", _("People at meetings")),
        ("women", _("Women at meetings")),
        ("youth", _("Young people at meetings")),
        ("event_attendances", _("Attendances at trainings and visits")),
    ]


# HXL 1.1 core hashtags and attributes (hxlstandard.org/standard/1-1final/dictionary), one a
# column. A hromada is Ukraine's third administrative level, hence #adm3. A code's vocabulary
# is a "+v_" attribute: OCHA's P-codes are the dictionary's +v_pcode (what "#adm3+code" means
# when no vocabulary is given), and KATOTTH, which the dictionary does not list, gets one of
# our own in the same shape, +v_katotth, so that either code can be asked for exactly. A
# selector "#adm3+code" takes the first matching column, so the P-code column comes first.
# Counts are +num and rates +pct; the indicator a column holds, and "+month" on the date, are
# attributes of our own in the standard's shape ([a-z][a-z0-9_]*), as HXL allows.
HXL = {
    "community": "#adm3+name",
    "pcode": "#adm3+code+v_pcode",
    "katotth": "#adm3+code+v_katotth",
    "month": "#date+month",
    "meetings_expected": "#indicator+num+meetings_expected",
    "meetings_held": "#indicator+num+meetings_held",
    "compliance": "#indicator+pct+compliance",
    "attendances": "#indicator+num+attendances",
    "participants": "#indicator+num+people",
    "women": "#indicator+num+people+f",
    "youth": "#indicator+num+people+youth",
    "event_attendances": "#indicator+num+event_attendances",
}


@dataclass
class Table:
    header: list[str]
    rows: list[list]
    # What the marks mean, printed under a protected table.
    notes: list[str] = field(default_factory=list)
    # HXL hashtags, one a column; written under the header only when the export asks for them.
    tags: list[str] = field(default_factory=list)


def _month_key(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


def indicator_table(
    programme, period: Period, community=None, *, protected: bool, progress=None
) -> Table:
    """One row per community and month, then totals by community, by month and overall."""
    progress = progress or (lambda _value: None)
    groups = WorkingGroup.objects.filter(programme=programme).select_related("community")
    if community is not None:
        groups = groups.filter(community=community)
    groups = list(groups.order_by("community__name_uk"))
    today = clock.today()
    months = month_starts(period.start, min(period.end, today))
    communities = sorted({g.community for g in groups}, key=lambda c: ukrainian_key(c.name_uk))
    index_c = {c.pk: i for i, c in enumerate(communities)}
    index_m = {m: j for j, m in enumerate(months)}

    def matrix():
        return [[0] * len(months) for _ in communities]

    data = {name: matrix() for name in ADDITIVE + DISTINCT}
    group_ids = [g.pk for g in groups]
    # Expected and held meetings and the attendances, from the summary the dashboard reads.
    for (community_id, month), totals in monthly_totals(
        programme,
        group_ids,
        first=period.start,
        last=period.end,
        today=today,
        by="group__community_id",
    ).items():
        j = index_m.get(month)
        if j is not None:
            i = index_c[community_id]
            data["meetings_expected"][i][j] += totals.expected
            data["meetings_held"][i][j] += totals.meetings
            data["attendances"][i][j] += totals.present
    progress(30)
    year = period.end.year
    youth = Q(membership__person__birth_year__gte=year - programme.youth_max_age)
    # People are counted once a month, however many of the month's held meetings they came to,
    # from the meetings the summary's attendances count: held, on the programme's days.
    first = max(period.start_at, clock.start_of(programme.start_date))
    after = min(period.end_at, clock.start_of(programme.ends_on + datetime.timedelta(days=1)))
    for community_id, month, people, women, young in (
        Attendance.objects.filter(
            status=Attendance.Status.PRESENT,
            meeting__status=Meeting.Status.HELD,
            meeting__group_id__in=group_ids,
            meeting__starts_at__gte=first,
            meeting__starts_at__lt=after,
        )
        .annotate(month=TruncMonth("meeting__starts_at"))
        .values_list("meeting__group__community_id", "month")
        .annotate(
            people=Count("membership__person_id", distinct=True),
            women=Count(
                "membership__person_id",
                distinct=True,
                filter=Q(membership__person__sex=Person.Sex.FEMALE),
            ),
            young=Count("membership__person_id", distinct=True, filter=youth),
        )
        .order_by()
    ):
        j = index_m.get(_month_key(month))
        if j is None:
            continue
        i = index_c[community_id]
        data["participants"][i][j] += people
        data["women"][i][j] += women
        data["youth"][i][j] += young
    progress(60)
    for community_id, starts_on, n in (
        Participant.objects.filter(
            event__programme=programme,
            event__starts_on__gte=period.start,
            event__starts_on__lte=period.end,
            attendance=Participant.Attendance.PRESENT,
            community_id__in=list(index_c),
        )
        .values_list("community_id", "event__starts_on")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        j = index_m.get(_month_key(starts_on))
        if j is not None:
            data["event_attendances"][index_c[community_id]][j] += n
    progress(75)
    return _rows(communities, months, data, protected=protected)


class _primary_only:
    """A table whose cells are shown as single counts (small ones hidden) and whose totals
    are left blank."""

    def __init__(self, cells):
        self.cells = cells
        self.hidden = {
            ("cell", i, j)
            for i, row in enumerate(cells)
            for j, value in enumerate(row)
            if small(value) == HIDDEN
        }

    def shown(self, key):
        if key[0] != "cell":
            return ""
        return HIDDEN if key in self.hidden else self.cells[key[1]][key[2]]


def _exact(cells):
    """A table with its totals and nothing hidden (meetings, or a coordinator's export)."""
    table = protect(cells)
    table.hidden = set()
    return table


def _rows(communities, months, data, *, protected: bool) -> Table:
    tables = {name: _exact(data[name]) for name in ADDITIVE if name not in PERSONAL_ADDITIVE}
    for name in PERSONAL_ADDITIVE:
        # Counts of people: for donors each cell stands alone, small ones hidden, and their
        # totals are not published, so that nothing can be worked out from sums.
        tables[name] = _primary_only(data[name]) if protected else _exact(data[name])

    def people(i, j) -> tuple:
        """People, women and young people at meetings in one cell. With protection, the
        people count goes with the attendances (one meeting a month: the same number), and
        women and youth are hidden when they or the rest of the people are few."""
        p, w, y = (data[name][i][j] for name in DISTINCT)
        if not protected:
            return p, w, y
        if is_withheld(small(p)) or is_withheld(tables["attendances"].shown(("cell", i, j))):
            return tuple(mark_for(value) if value else 0 for value in (p, w, y))
        return p, part_of(w, p), part_of(y, p)

    def rate(held, expected):
        if is_withheld(held) or is_withheld(expected) or not expected:
            return ""
        return round(100 * min(held, expected) / expected)

    rows = []
    for i, community in enumerate(communities):
        for j, month in enumerate(months):
            held = tables["meetings_held"].shown(("cell", i, j))
            expected = tables["meetings_expected"].shown(("cell", i, j))
            rows.append([
                *_place(community), f"{month:%Y-%m}", expected, held, rate(held, expected),
                tables["attendances"].shown(("cell", i, j)), *people(i, j),
                tables["event_attendances"].shown(("cell", i, j)),
            ])  # fmt: skip
    everything = _("all")
    for i, community in enumerate(communities):
        held = tables["meetings_held"].shown(("row", i))
        expected = tables["meetings_expected"].shown(("row", i))
        rows.append([
            *_place(community), everything, expected, held, rate(held, expected),
            tables["attendances"].shown(("row", i)), "", "", "",
            tables["event_attendances"].shown(("row", i)),
        ])  # fmt: skip
    all_communities = _("all communities")
    for j, month in enumerate(months):
        held = tables["meetings_held"].shown(("col", j))
        expected = tables["meetings_expected"].shown(("col", j))
        rows.append([
            all_communities, "", "", f"{month:%Y-%m}", expected, held, rate(held, expected),
            tables["attendances"].shown(("col", j)), "", "", "",
            tables["event_attendances"].shown(("col", j)),
        ])  # fmt: skip
    held = tables["meetings_held"].shown(("grand",))
    expected = tables["meetings_expected"].shown(("grand",))
    rows.append([
        all_communities, "", "", everything, expected, held, rate(held, expected),
        tables["attendances"].shown(("grand",)), "", "", "",
        tables["event_attendances"].shown(("grand",)),
    ])  # fmt: skip
    notes = [f"{mark} — {meaning}" for mark, meaning in legend()] if protected else []
    return Table(
        header=[label for _key, label in columns()],
        rows=rows,
        notes=notes,
        tags=[HXL[key] for key, _label in columns()],
    )


def _place(community) -> list[str]:
    """The community's name, P-code (blank until OCHA's table is loaded) and KATOTTH code."""
    return [community.name, community.pcode, community.katotth_code or ""]


def grid_table(programme, period: Period) -> Table:
    """The compliance grid of every group: one row per group, one column per month, each
    cell the month's state in words (meetings are not people: nothing to protect)."""
    from meetings.selectors import LABELS

    groups = list(
        WorkingGroup.objects.filter(programme=programme)
        .select_related("community")
        .order_by("community__name_uk")
    )
    grid = compliance(programme, groups, first=period.start, last=period.end)
    header = [
        _("Community"),
        _("P-code"),
        _("KATOTTH code"),
        *[f"{month:%Y-%m}" for month in grid.months],
        _("Monthly compliance, %"),
    ]
    rows = [
        [*_place(row.group.community), *[str(LABELS.get(cell, "")) for cell in row.cells],
         "" if row.rate is None else row.rate]
        for row in grid.rows
    ]  # fmt: skip
    # A month's state is a status of the group's meetings; the month is an attribute of the
    # column (an attribute starts with a letter: "+m2024_01").
    tags = [
        HXL["community"],
        HXL["pcode"],
        HXL["katotth"],
        *[f"#status+meetings+m{month:%Y_%m}" for month in grid.months],
        "#indicator+pct+compliance",
    ]
    return Table(header=[str(h) for h in header], rows=rows, tags=tags)


def to_csv(table: Table, *, hxl: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    if hxl:
        # HXL's hashtag row goes directly under the header row, before the first row of data.
        writer.writerow(table.tags)
    for row in table.rows:
        writer.writerow([defuse_formula(value) for value in row])
    if table.notes:
        writer.writerow([])
        for note in table.notes:
            writer.writerow([note])
    # The byte-order mark makes Excel read the Cyrillic as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Excel refuses these in a sheet's name, and names over 31 characters or wrapped in apostrophes.
SHEET_FORBIDDEN = str.maketrans({c: " " for c in ":\\/?*[]"})
SHEET_TITLE_LENGTH = 31


def sheet_title(text: str) -> str:
    """A name Excel accepts for a sheet, as close to `text` as it allows ("Херсон: 2023" gives
    "Херсон  2023" cut to 31 characters)."""
    title = " ".join(str(text).translate(SHEET_FORBIDDEN).split()).strip("'")
    return title[:SHEET_TITLE_LENGTH].strip() or "Cohesion"


def to_xlsx(table: Table, title: str, *, hxl: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(title)
    sheet.append(table.header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    if hxl:
        sheet.append(table.tags)
    for row in table.rows:
        sheet.append([defuse_formula(value) for value in row])
    if table.notes:
        sheet.append([])
        for note in table.notes:
            sheet.append([note])
    sheet.freeze_panes = "C3" if hxl else "C2"
    sheet.column_dimensions["A"].width = 28
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Months of the compliance heatmap per table in the report: 24 columns of 6 mm fit A4's width
# beside the community names; a longer programme gets one table after another.
HEAT_MONTHS_PER_TABLE = 24


def _in_parts(months: list, rows: list) -> list[tuple[list, list]]:
    """The heatmap cut into tables of at most HEAT_MONTHS_PER_TABLE months each."""
    step = HEAT_MONTHS_PER_TABLE
    return [
        (months[i : i + step], [(label, cells[i : i + step]) for label, _id, cells in rows])
        for i in range(0, max(len(months), 1), step)
    ]


def report_html(
    programme,
    period: Period,
    community,
    *,
    protected: bool,
    targets: dict,
    language: str,
) -> str:
    """The printable progress report; charts are drawn here as SVG (no script in a PDF)."""
    with translation.override(language):
        data = dashboard_data(programme, period, community)
        sex_band = sex_band_table(data, protected=protected)
        payload = chart_payload(data, sex_band)
        context = {
            "programme": programme,
            "period": period,
            "community": community,
            "protected": protected,
            "sections": indicator_rows(
                data,
                targets,
                protected=protected,
                comments={} if community else services.comments_for(programme, period),
            ),
            "donors": list(programme.donors.all()),
            "heat_parts": _in_parts(data.months, data.heatmap),
            # The tracking table, for the programme as a whole (not one community's report).
            "iptt": None
            if community
            else iptt.in_parts(iptt.build(programme, protected=protected), 4),
            "sex_band": sex_band,
            "categories": category_table(data, protected=protected),
            "data": data,
            "meetings_chart": svg.bars(
                payload["months"],
                [payload["meetings"]["expected"], payload["meetings"]["held"]],
                payload["meetings"]["labels"][::-1],
            ),
            # Drawn from the protected table itself, so each withheld bar carries its mark.
            "people_chart": svg.bars(
                payload["people"]["bands"],
                [cells for _label, cells, _total in sex_band["rows"]],
                [label for label, _cells, _total in sex_band["rows"]],
            ),
            "plans_chart": svg.bars(
                payload["plans"]["labels"], [payload["plans"]["data"]], [_("Plans")]
            ),
            "generated": timezone.localtime(clock.now()),
            "as_of": period.as_of(clock.today()),
            "percents": range(101),
            "language": language,
        }
        return render_to_string("dashboards/report.html", context)
