"""What each viewer is shown of the computed figures: coordinators the numbers, donors (and
anyone else who may not see people) aggregates with small counts protected."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cohesion.privacy import WITHHELD, is_withheld
from dashboards.indicators import BY_CODE, INDICATORS, PERCENT, DashboardData
from dashboards.suppression import part_of, protect, protect_list, small
from workinggroups.models import Person

PLAN_STAGES = ("plans_approved", "plans_in_preparation")
SHARES = {"women_share": "women_members", "youth_share": "youth_members"}
PARTS_OF_PARTICIPANTS = {
    "participants_women", "participants_youth", "participants_veterans", "participants_idp",
    "participants_disability",
}  # fmt: skip


@dataclass
class Row:
    indicator: object
    actual: object  # a number, or "<5"
    target: object
    percent: int | None  # of the target reached, for the progress bar
    comment: str = ""  # the coordinators' word on it for the period


def indicator_rows(
    data: DashboardData, targets: dict, *, protected: bool, comments: dict | None = None
) -> list[tuple]:
    """(section, [Row]) in the order of INDICATORS, with the period's comments."""
    comments = comments or {}
    sections: dict[str, list[Row]] = {}
    participants = data.values.get("participants")
    for indicator in INDICATORS:
        actual = data.values.get(indicator.code)
        shown = actual
        if protected and indicator.code in SHARES:
            # A share of a few people gives the count back (11 of 13 is 85%): withheld, and
            # marked "x" whatever its value (a share is not a count of people).
            part = data.extra.get(SHARES[indicator.code])
            whole = data.extra.get("members")
            if (
                part is not None
                and whole
                and (is_withheld(small(whole)) or is_withheld(part_of(part, whole)))
            ):
                shown = WITHHELD
        if protected and indicator.share_of:
            part, whole = (data.values.get(code) for code in indicator.share_of)
            if whole and (is_withheld(small(whole)) or is_withheld(part_of(part, whole))):
                shown = WITHHELD
        if protected and indicator.personal:
            # Parts of the participants (women, veterans, ...) are protected with the rest
            # they leave, and so are parts of another figure; the others stand alone.
            if indicator.code in PARTS_OF_PARTICIPANTS:
                shown = part_of(actual, participants)
            elif indicator.part_of:
                shown = part_of(actual, data.values.get(indicator.part_of))
            else:
                shown = small(actual)
        target = targets.get(indicator.code)
        percent = None
        if target and isinstance(actual, int | float) and not is_withheld(shown):
            percent = min(100, round(100 * float(actual) / float(target)))
        sections.setdefault(str(indicator.section), []).append(
            Row(indicator, shown, target, percent, comments.get(indicator.code, ""))
        )
    return list(sections.items())


def sex_band_table(data: DashboardData, *, protected: bool) -> dict:
    """People by sex (rows) and age band (columns), with totals, complementary-protected."""
    cells = [list(row) for row in data.by_sex_and_band]
    table = protect(cells)
    labels = dict(Person.Sex.choices)
    columns = [*data.band_labels, _("age not known")]
    if not protected:
        table.hidden = set()
    return {
        "columns": columns,
        "rows": [
            (labels[sex], table.shown_cells()[i], table.shown(("row", i)))
            for i, sex in enumerate(labels)
        ],
        "totals": [table.shown(("col", j)) for j in range(len(columns))],
        "grand": table.shown(("grand",)),
    }


def category_table(data: DashboardData, *, protected: bool) -> list[tuple]:
    counts = [n for _name, n in data.by_category]
    if protected:
        shown, _total = protect_list(counts)
    else:
        shown = counts
    return [(name, value) for (name, _n), value in zip(data.by_category, shown, strict=True)]


def chart_payload(data: DashboardData, sex_band: dict) -> dict:
    """What the charts draw (as JSON in the page). People counts come from the protected
    table, so a hidden cell is drawn as nothing rather than as its value."""

    def number(value):
        return None if is_withheld(value) else value

    return {
        "months": [f"{m:%m.%Y}" for m in data.months],
        "meetings": {
            "held": [held for held, _expected in data.meetings_by_month],
            "expected": [expected for _held, expected in data.meetings_by_month],
            "labels": [str(_("Held")), str(_("Expected"))],
        },
        "people": {
            "bands": [str(c) for c in sex_band["columns"]],
            "series": [
                {"label": str(label), "data": [number(v) for v in values]}
                for label, values, _total in sex_band["rows"]
            ],
        },
        "plans": {
            # The plans as the indicators count them, so that chart and table agree.
            "labels": [str(BY_CODE[code].label) for code in PLAN_STAGES],
            "data": [data.values.get(code) for code in PLAN_STAGES],
        },
    }


def protect_values(values: dict) -> dict:
    """Indicator values for a donor's export: personal counts 1-4 hidden."""
    return {
        code: small(value) if BY_CODE[code].personal else value
        for code, value in values.items()
        if code in BY_CODE
    }


__all__ = ["PERCENT", "protect_values"]
