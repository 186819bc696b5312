"""A programme's IATI activity file (IATI Standard 2.03): one `iati-activity` with who runs and
funds it, where (its communities, by KATOTTH code), in which sector, and its results: the
indicator performance tracking table (dashboards.iptt), indicator by indicator and period by
period, the very numbers of the IPTT the same reader sees.

Small counts: a file for the programme's coordinators carries exact figures, like their IPTT;
a donor's file and the public one carry the donor-level protection. Where the protected IPTT
shows a mark ("<5", "x") the file leaves that period's `<actual>` out: IATI wants a number in
@value, and a mark is not one (nor may a number stand in for it). The target stays.

Nothing is made up: without the programme's IATI activity identifier and the implementing
partner's IATI organisation identifier and type, `missing` says what to fill in and no file is
built. Every file is checked against the vendored schema (schema/README.md) before it leaves.
"""

import datetime
import functools
from decimal import Decimal
from pathlib import Path

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree

from cohesion import clock
from cohesion.privacy import is_withheld
from dashboards import iptt
from dashboards.indicators import PERCENT

VERSION = "2.03"
SCHEMA = Path(__file__).resolve().parent / "schema" / "iati-activities-schema.xsd"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGUAGES = ("en", "uk")  # English first: the activity's default language

# Codelists of the IATI Standard 2.03.
ROLE_FUNDING, ROLE_IMPLEMENTING = "1", "4"  # OrganisationRole
STATUS_PIPELINE, STATUS_IMPLEMENTATION, STATUS_CLOSED = "1", "2", "4"  # ActivityStatus
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"  # ActivityDateType
# Sector, DAC 5-digit (vocabulary 1): 15220 "Civilian peace-building, conflict prevention and
# resolution" is what the programmes do: local working groups of council, police, emergency
# service, civil society, veterans and young people that plan community safety and cohesion
# together. 15130 "Legal and judicial development" would fit work on the justice and police
# institutions themselves, which these programmes do not reform.
SECTOR_VOCABULARY, SECTOR = "1", "15220"
# Locations: IATI's GeographicVocabulary (A1-A4, G1, G2) has no entry for a national codifier
# such as KATOTTH, nor for OCHA's P-codes, and a code from one vocabulary may not be given as
# another's. So a hromada is told by its KATOTTH code in `location/@ref` (the reporting
# organisation's own reference for the place) and, for readers, in its description beside its
# P-code; no `location-id` or `administrative` element claims a vocabulary the code is not
# from. The place is an administrative region (location class 1, feature ADM3) where the
# activity happens (reach 1); a point given for a hromada is approximate (exactness 2).
LOCATION_REACH_ACTIVITY, EXACTNESS_APPROXIMATE, CLASS_ADMINISTRATIVE = "1", "2", "1"
FEATURE_ADM3 = "ADM3"
WGS84 = "http://www.opengis.net/def/crs/EPSG/0/4326"
RESULT_OUTPUT = "1"  # ResultType: working groups, meetings, plans and participants are outputs
MEASURE_UNIT, MEASURE_PERCENTAGE = "1", "2"  # IndicatorMeasure


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def missing(programme) -> list[str]:
    """What must be filled in before the programme's IATI file can be built, in the active
    language (empty when nothing is missing)."""
    partner = programme.implementing_partner
    problems = []
    if not programme.iati_identifier:
        problems.append(_("the programme's IATI activity identifier"))
    if not partner.iati_identifier:
        problems.append(
            _("the IATI organisation identifier of %(organisation)s") % {"organisation": partner}
        )
    if not partner.iati_type:
        problems.append(
            _("the IATI organisation type of %(organisation)s") % {"organisation": partner}
        )
    if (
        programme.iati_identifier
        and partner.iati_identifier
        and not programme.iati_identifier.startswith(f"{partner.iati_identifier}-")
    ):
        problems.append(
            _(
                "an IATI activity identifier that begins with the implementing partner's "
                "organisation identifier and a hyphen (%(prefix)s-…)"
            )
            % {"prefix": partner.iati_identifier}
        )
    return problems


def _narratives(parent, texts: dict[str, str]) -> None:
    for language in LANGUAGES:
        if texts.get(language):
            narrative = etree.SubElement(parent, "narrative")
            narrative.set(XML_LANG, language)
            narrative.text = texts[language]


def _in_each_language(value) -> dict[str, str]:
    """A translatable text (a lazy string) in English and Ukrainian."""
    texts = {}
    for language in LANGUAGES:
        with translation.override(language):
            texts[language] = str(value)
    return texts


def _number(value) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def _organisation(parent, tag: str, organisation, **attributes) -> None:
    element = etree.SubElement(parent, tag)
    if organisation.iati_identifier:
        element.set("ref", organisation.iati_identifier)
    if organisation.iati_type:
        element.set("type", organisation.iati_type)
    for name, value in attributes.items():
        element.set(name, value)
    _narratives(element, {"en": organisation.name_en, "uk": organisation.name_uk})


def _status(programme, today: datetime.date) -> str:
    if today < programme.start_date:
        return STATUS_PIPELINE
    return STATUS_CLOSED if programme.completed_by(today) else STATUS_IMPLEMENTATION


def _dates(activity, programme, today: datetime.date) -> None:
    # IATI refuses actual dates in the future: an actual start once begun, an actual end once
    # the programme is completed (its last day, early or planned).
    dates = [(PLANNED_START, programme.start_date), (PLANNED_END, programme.end_date)]
    if programme.start_date <= today:
        dates.insert(1, (ACTUAL_START, programme.start_date))
    if programme.completed_by(today):
        dates.append((ACTUAL_END, programme.ends_on))
    for kind, day in dates:
        etree.SubElement(activity, "activity-date", {"type": kind, "iso-date": day.isoformat()})


def _location(activity, community) -> None:
    """A community by its KATOTTH code (and P-code once loaded): no people, only the place."""
    location = etree.SubElement(activity, "location")
    if community.katotth_code:
        location.set("ref", community.katotth_code)
    etree.SubElement(location, "location-reach", code=LOCATION_REACH_ACTIVITY)
    names, codes = {}, {}
    for language in LANGUAGES:
        with translation.override(language):
            names[language] = community.full_name  # "Bilozerska hromada"
            parts = []
            if community.katotth_code:
                parts.append(_("KATOTTH code %(code)s") % {"code": community.katotth_code})
            if community.pcode:
                parts.append(_("OCHA P-code %(code)s") % {"code": community.pcode})
            codes[language] = "; ".join(parts)
    _narratives(etree.SubElement(location, "name"), names)
    if any(codes.values()):
        _narratives(etree.SubElement(location, "description"), codes)
    if community.latitude is not None and community.longitude is not None:
        point = etree.SubElement(location, "point", srsName=WGS84)
        etree.SubElement(point, "pos").text = f"{community.latitude} {community.longitude}"
        etree.SubElement(location, "exactness", code=EXACTNESS_APPROXIMATE)
    etree.SubElement(location, "location-class", code=CLASS_ADMINISTRATIVE)
    etree.SubElement(location, "feature-designation", code=FEATURE_ADM3)


def _results(activity, programme, table: iptt.Table) -> None:
    """One output result per section of the IPTT, one indicator per row, one period per
    reporting period: the table's targets and actuals, withheld actuals left out."""
    sections: dict[str, list[iptt.Row]] = {}
    for row in table.rows:
        sections.setdefault(str(row.indicator.section), []).append(row)
    for rows in sections.values():
        result = etree.SubElement(activity, "result", type=RESULT_OUTPUT)
        _narratives(etree.SubElement(result, "title"), _in_each_language(rows[0].indicator.section))
        for row in rows:
            _indicator(result, programme, table, row)


def _indicator(result, programme, table: iptt.Table, row: iptt.Row) -> None:
    indicator = row.indicator
    measure = MEASURE_PERCENTAGE if indicator.unit == PERCENT else MEASURE_UNIT
    element = etree.SubElement(result, "indicator", measure=measure, ascending="1")
    _narratives(etree.SubElement(element, "title"), _in_each_language(indicator.label))
    _narratives(etree.SubElement(element, "description"), _in_each_language(indicator.definition))
    if row.baseline is not None:
        etree.SubElement(
            element,
            "baseline",
            year=str(programme.start_date.year),
            value=_number(row.baseline),
            **{"iso-date": programme.start_date.isoformat()},
        )
    for period, cell in zip(table.periods, row.cells, strict=True):
        shown = cell.actual is not None and not is_withheld(cell.actual)
        if cell.target is None and not shown:
            continue
        element_period = etree.SubElement(element, "period")
        etree.SubElement(element_period, "period-start", {"iso-date": period.start.isoformat()})
        etree.SubElement(element_period, "period-end", {"iso-date": period.end.isoformat()})
        if cell.target is not None:
            etree.SubElement(element_period, "target", value=_number(cell.target))
        if shown:
            etree.SubElement(element_period, "actual", value=_number(cell.actual))


def activity_file(programme, *, protected: bool, now: datetime.datetime | None = None) -> bytes:
    """The programme's `iati-activities` document, valid against the 2.03 schema; its results
    are the IPTT the reader sees (`protected` for everyone but its coordinators). The caller
    has checked `missing` first."""
    now = now or clock.now()
    today = clock.day_of(now)
    partner = programme.implementing_partner
    root = etree.Element(
        "iati-activities", version=VERSION, **{"generated-datetime": now.isoformat()}
    )
    activity = etree.SubElement(
        root, "iati-activity", {"last-updated-datetime": now.isoformat(), XML_LANG: "en"}
    )
    etree.SubElement(activity, "iati-identifier").text = programme.iati_identifier
    _organisation(activity, "reporting-org", partner)
    _narratives(
        etree.SubElement(activity, "title"), {"en": programme.title_en, "uk": programme.title_uk}
    )
    # A description is required: the title says what the programme is when no summary does.
    description = etree.SubElement(activity, "description", type="1")
    _narratives(
        description,
        {
            "en": programme.summary_en or programme.title_en,
            "uk": programme.summary_uk or programme.title_uk,
        },
    )
    _organisation(activity, "participating-org", partner, role=ROLE_IMPLEMENTING)
    for donor in programme.donors.order_by("name_en"):
        _organisation(activity, "participating-org", donor, role=ROLE_FUNDING)
    etree.SubElement(activity, "activity-status", code=_status(programme, today))
    _dates(activity, programme, today)
    etree.SubElement(activity, "recipient-country", code="UA", percentage="100")
    # The communities enrolled now: a withdrawn one is no longer where the activity happens.
    for enrolment in programme.enrolments.current().select_related(
        "community__region", "community__raion"
    ):
        _location(activity, enrolment.community)
    etree.SubElement(
        activity, "sector", vocabulary=SECTOR_VOCABULARY, code=SECTOR, percentage="100"
    )
    _results(activity, programme, iptt.build(programme, protected=protected, today=today))
    document = etree.ElementTree(root)
    schema().assertValid(document)
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def download(programme, *, protected: bool) -> HttpResponse:
    """The file as an attachment (the caller has checked access and `missing`)."""
    response = HttpResponse(
        activity_file(programme, protected=protected), content_type="application/xml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="iati-programme-{programme.pk}.xml"'
    return response
