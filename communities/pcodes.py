"""OCHA's P-codes (COD-AB) beside the KATOTTH codes, from the admin-boundaries table an
administrator downloads from HDX (data.humdata.org/dataset/cod-ab-ukr), CSV or XLSX.

The table has a row per unit of its deepest level and, on each row, the unit and its parents:
ADM3_EN, ADM3_UA, ADM3_PCODE, ADM2_EN, ADM2_UA, ADM2_PCODE, ADM1_EN, ADM1_UA, ADM1_PCODE, ...
A row is matched on its KATOTTH code when the table has a column for it, otherwise on the
oblast, raion and name, compared without case, apostrophes, hyphens or the words "oblast",
"raion", "hromada". A row that matches nothing, or more than one unit, is reported and left
alone: a P-code is only ever copied from the table, never guessed or worked out.
"""

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cohesion.text import clean_line
from communities.models import Community, Raion, Region

LEVELS = (1, 2, 3)
# Words that name the kind of unit, not the unit: "Вінницька область" is "Вінницька".
_KIND_WORDS = {"область", "oblast", "обл", "район", "raion", "р-н", "громада", "hromada"}
_APOSTROPHES = "'’ʼ`‘ʹ"
_HYPHENS = re.compile(r"[-‐‑‒–—]")


def name_key(text) -> str:
    """A name as compared: case-folded, without apostrophes, hyphens as spaces, and without
    the word for the kind of unit."""
    text = clean_line(str(text or "")).casefold()
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "")
    words = _HYPHENS.sub(" ", text).replace(".", " ").split()
    return " ".join(word for word in words if word not in _KIND_WORDS)


@dataclass
class Problem:
    line: int
    text: str

    def __str__(self):
        return f"{self.line}: {self.text}"


@dataclass
class Result:
    # Per level (1 oblasts, 2 raions, 3 communities): how many got a P-code, how many had it.
    changed: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    unchanged: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    unmatched: list[Problem] = field(default_factory=list)
    ambiguous: list[Problem] = field(default_factory=list)


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8 or Windows-1251; comma, semicolon or tab) or XLSX table, by
    upper-cased header."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    elif suffix == ".csv":
        # As HDX serves it (UTF-8, commas), or as Excel saves it again on a Ukrainian Windows
        # (Windows-1251, semicolons): read as the members' import reads a list.
        from workinggroups.imports import csv_delimiter, decode_csv

        try:
            text, _encoding = decode_csv(path.read_bytes())
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from error
        rows = list(csv.reader(io.StringIO(text), delimiter=csv_delimiter(text)))
    else:
        raise ValueError(_("A P-code table is a .csv or .xlsx file."))
    if not rows:
        return []
    header = [clean_line(str(cell or "")).upper() for cell in rows[0]]
    return [
        {
            name: clean_line("" if value is None else str(value))
            for name, value in zip(header, row, strict=False)
        }
        for row in rows[1:]
        if any(value not in (None, "") for value in row)
    ]


def _katotth_column(header: list[str]) -> str | None:
    """The column of the deepest level's KATOTTH code, if the table has one."""
    columns = [name for name in header if "KATOT" in name]
    deepest = [name for name in columns if name.startswith("ADM3")]
    return (deepest or columns or [None])[0]


def _names(row: dict, level: int) -> set[str]:
    return {
        name_key(row.get(f"ADM{level}_{suffix}", ""))
        for suffix in ("UA", "EN", "RU", "NAME")
        if row.get(f"ADM{level}_{suffix}")
    }


def _by_name(candidates, names: set[str]) -> list:
    return [unit for unit in candidates if {name_key(unit.name_uk), name_key(unit.name_en)} & names]


def _describe(row: dict, level: int) -> str:
    return " / ".join(
        row.get(f"ADM{n}_UA") or row.get(f"ADM{n}_EN") or "?" for n in range(1, level + 1)
    )


@transaction.atomic
def pcodes_load(*, path: Path) -> Result:
    """Copies the P-codes of the table onto the units it matches without doubt; a second run
    of the same table changes nothing."""
    rows = read_table(path)
    result = Result()
    if not rows:
        return result
    header = list(rows[0])
    deepest = max((n for n in LEVELS if f"ADM{n}_PCODE" in header), default=0)
    if not deepest:
        raise ValueError(_("The table has no ADM1_PCODE, ADM2_PCODE or ADM3_PCODE column."))
    katotth = _katotth_column(header) if deepest == 3 else None

    regions = list(Region.objects.all())
    raions = defaultdict(list)
    for raion in Raion.objects.all():
        raions[raion.region_id].append(raion)
    communities = defaultdict(list)
    by_katotth = {}
    for community in Community.objects.all():
        communities[(community.region_id, community.raion_id)].append(community)
        if community.katotth_code:
            by_katotth[community.katotth_code.upper()] = community
    models = {1: Region, 2: Raion, 3: Community}
    units = {1: {r.pk: r for r in regions}, 2: {}, 3: {}}
    for members in raions.values():
        units[2].update({r.pk: r for r in members})
    for members in communities.values():
        units[3].update({c.pk: c for c in members})

    # P-codes proposed for each unit, with the lines that propose them.
    proposed: dict[int, dict[int, dict[str, list[int]]]] = {n: defaultdict(dict) for n in LEVELS}

    def propose(level, unit, line, row):
        code = row.get(f"ADM{level}_PCODE", "").upper()
        if unit is not None and code:
            proposed[level][unit.pk].setdefault(code, []).append(line)

    for line, row in enumerate(rows, start=2):
        found = {}  # level -> unit
        if katotth and row.get(katotth):
            community = by_katotth.get(row[katotth].upper())
            if community is None:
                result.unmatched.append(
                    Problem(line, _("KATOTTH code %(code)s is not in the directory")
                            % {"code": row[katotth]})
                )  # fmt: skip
                continue
            found = {1: units[1][community.region_id], 3: community}
            if community.raion_id:
                found[2] = units[2][community.raion_id]
        else:
            candidates = {1: regions}
            for level in range(1, deepest + 1):
                if level == 2:
                    candidates[2] = raions[found[1].pk]
                elif level == 3:
                    parent = found.get(2)
                    candidates[3] = communities[(found[1].pk, parent.pk if parent else None)]
                matches = _by_name(candidates[level], _names(row, level))
                if len(matches) == 1:
                    found[level] = matches[0]
                    continue
                problems = result.ambiguous if matches else result.unmatched
                problems.append(Problem(line, _describe(row, level)))
                break
            if deepest not in found:
                # The row's parents are not proposed either: a row is taken whole or not at all.
                continue
        for level, unit in found.items():
            propose(level, unit, line, row)

    for level in LEVELS:
        taken = _held_codes(models[level])
        for pk, codes in proposed[level].items():
            unit = units[level][pk]
            if len(codes) > 1:
                lines = sorted(n for lines in codes.values() for n in lines)
                result.ambiguous.append(
                    Problem(lines[0], _("%(unit)s: several P-codes (%(codes)s)")
                            % {"unit": unit.name, "codes": ", ".join(sorted(codes))})
                )  # fmt: skip
                continue
            (code,) = codes
            if unit.pcode == code:
                result.unchanged[level] += 1
                continue
            holder = taken.get(code)
            if holder is not None and holder != pk:
                result.ambiguous.append(
                    Problem(codes[code][0], _("%(code)s is already the P-code of %(unit)s")
                            % {"code": code, "unit": units[level][holder].name})
                )  # fmt: skip
                continue
            taken.pop(unit.pcode, None)
            taken[code] = pk
            unit.pcode = code
            unit.save(update_fields=["pcode"])
            result.changed[level] += 1
    result.unmatched.sort(key=lambda problem: problem.line)
    result.ambiguous.sort(key=lambda problem: problem.line)
    return result


def _held_codes(model) -> dict[str, int]:
    return dict(model.objects.exclude(pcode="").values_list("pcode", "pk"))
