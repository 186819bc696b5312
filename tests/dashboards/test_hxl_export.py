"""HXL: the indicator table and the compliance grid with a row of HXL hashtags directly under
the header (hxlstandard.org), for OCHA and the clusters, who join tables on P-codes. The
figures and the donors' protection are those of the untagged export."""

import io
import re

import openpyxl
import pytest
from django.urls import reverse

from dashboards.models import Export
from tests.dashboards import test_exports as base
from tests.dashboards.test_exports import (
    EXACT,
    PROTECTED,
    ask,
    csv_rows,
    download,
    in_ukrainian,
    without_codes,
)

pytestmark = pytest.mark.django_db

# The exports' data set and settings, worked out by hand there.
world = base.world
_english, _fast_passwords, media = base._english, base._fast_passwords, base.media

# A hashtag and its attributes, as the HXL 1.1 standard spells them.
HASHTAG = re.compile(r"^#[a-z][a-z0-9_]*(\s*\+[a-z][a-z0-9_]*)*$")


def xlsx_rows(content: bytes) -> list[list[str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [
        ["" if value is None else str(value) for value in row]
        for row in sheet.iter_rows(values_only=True)
    ]


def export_rows(client, world, capture, **fields) -> list[list[str]]:
    _response, export, _ = ask(client, world, capture, **fields)
    export.refresh_from_db()
    assert export.status == Export.Status.READY, export.error
    content = download(client, export)
    return xlsx_rows(content) if export.extension == "xlsx" else csv_rows(content)


@pytest.mark.parametrize("kind", ["table_csv", "table_xlsx"])
def test_hxl_table_has_a_hashtag_under_every_header_and_the_same_figures(
    as_user, coordinator, world, django_capture_on_commit_callbacks, kind
):
    client = as_user(coordinator)
    plain = export_rows(client, world, django_capture_on_commit_callbacks, kind=kind)
    tagged = export_rows(
        client, world, django_capture_on_commit_callbacks, kind=kind, hxl="on", for_donors=""
    )
    assert tagged[0] == plain[0]
    tags = tagged[1]
    assert len(tags) == len(tagged[0])
    assert all(HASHTAG.match(tag) for tag in tags), tags
    assert len(set(tags)) == len(tags)
    assert tags[:4] == ["#adm3+name", "#adm3+code+v_pcode", "#adm3+code+v_katotth", "#date+month"]
    assert tagged[2:] == plain[1:]
    assert without_codes(tagged[2:]) == in_ukrainian(EXACT)


@pytest.mark.parametrize("kind", ["table_csv", "table_xlsx"])
def test_hxl_export_for_donors_keeps_every_protection_mark_and_the_legend(
    as_user, donor, world, django_capture_on_commit_callbacks, kind
):
    client = as_user(donor)
    plain = export_rows(client, world, django_capture_on_commit_callbacks, kind=kind)
    tagged = export_rows(client, world, django_capture_on_commit_callbacks, kind=kind, hxl="on")
    assert all(HASHTAG.match(tag) for tag in tagged[1])
    assert tagged[2:] == plain[1:]
    body = tagged[2 : 2 + len(PROTECTED)]
    assert without_codes(body) == in_ukrainian(PROTECTED)
    assert tagged[-2][0].startswith("<5 — ") and tagged[-1][0].startswith("x — ")


def test_without_the_option_no_hashtag_row_is_written(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    rows = export_rows(as_user(coordinator), world, django_capture_on_commit_callbacks)
    assert not any(cell.startswith("#") for row in rows for cell in row)


def test_hxl_compliance_grid_tags_each_month(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    plain = export_rows(client, world, django_capture_on_commit_callbacks, kind="grid_csv")
    tagged = export_rows(
        client, world, django_capture_on_commit_callbacks, kind="grid_csv", hxl="on"
    )
    assert tagged[1] == [
        "#adm3+name", "#adm3+code+v_pcode", "#adm3+code+v_katotth",
        "#status+meetings+m2024_01", "#status+meetings+m2024_02", "#status+meetings+m2024_03",
        "#indicator+pct+compliance",
    ]  # fmt: skip
    assert all(HASHTAG.match(tag) for tag in tagged[1])
    assert [tagged[0], *tagged[2:]] == plain


def test_a_pdf_report_does_not_keep_the_hxl_choice(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    _response, export, _ = ask(
        as_user(coordinator), world, django_capture_on_commit_callbacks,
        kind="report_pdf", hxl="on", execute=False,
    )  # fmt: skip
    assert export.hxl is False


def test_the_pcode_is_exported_beside_the_katotth_code_and_left_blank_where_none_was_loaded(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    andrushivka = world.working_groups.get(community__name_uk="Андрушівська").community
    andrushivka.pcode = "UA1804001"
    andrushivka.save(update_fields=["pcode"])
    client = as_user(coordinator)
    for kind in ("table_csv", "table_xlsx", "grid_csv"):
        rows = export_rows(client, world, django_capture_on_commit_callbacks, kind=kind, hxl="on")
        codes = {row[0]: row[1:3] for row in rows[2:] if row and row[1:3] != ["", ""]}
        assert codes["Андрушівська"] == ["UA1804001", andrushivka.katotth_code], kind
        berdychiv = world.working_groups.get(community__name_uk="Бердичівська").community
        assert codes["Бердичівська"] == ["", berdychiv.katotth_code], kind


def test_the_exports_page_offers_the_hashtags_and_says_which_export_has_them(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    export_rows(client, world, django_capture_on_commit_callbacks, hxl="on")
    page = client.get(reverse("dashboards:exports", args=[world.pk])).text
    assert 'name="hxl"' in page
    assert "with HXL hashtags" in page
