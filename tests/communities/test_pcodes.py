"""OCHA's P-codes beside the KATOTTH codes: loaded from the COD-AB admin-boundaries table an
administrator downloads (CSV or XLSX, in its own shape), matched on KATOTTH or else on oblast,
raion and name; what cannot be matched without doubt is reported and left blank."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from communities.models import Community, Raion, Region
from communities.pcodes import name_key, pcodes_load
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db

# The COD-AB table's columns (ukr_admbnda_adm3 on HDX), in its order.
HEADER = [
    "ADM3_EN", "ADM3_UA", "ADM3_RU", "ADM3_PCODE", "ADM3_REF", "ADM2_EN", "ADM2_UA", "ADM2_RU",
    "ADM2_PCODE", "ADM1_EN", "ADM1_UA", "ADM1_RU", "ADM1_PCODE", "ADM0_EN", "ADM0_UA",
    "ADM0_RU", "ADM0_PCODE", "date", "validOn", "validTo",
]  # fmt: skip
ZHYTOMYR = ["Zhytomyrska", "Житомирська", "Житомирская", "UA18"]
ZHYTOMYRSKYI = ["Zhytomyrskyi", "Житомирський", "Житомирский", "UA1804"]
BERDYCHIVSKYI = ["Berdychivskyi", "Бердичівський", "Бердичевский", "UA1802"]
UKRAINE = ["Ukraine", "Україна", "Украина", "UA", "2024-04-16", "2024-04-16", ""]


def row(en, uk, pcode, raion=ZHYTOMYRSKYI):
    return [en, uk, "", pcode, "", *raion, *ZHYTOMYR, *UKRAINE]


ROWS = [
    row("Andrushivska", "Андрушівська", "UA1804001"),
    # The file's apostrophe is the typewriter one; the codifier's is U+02BC.
    row("Marianivska", "Мар'янівська", "UA1804013"),
    # Two communities of the directory have this name in the raion: not guessed between.
    row("Vyshneva", "Вишнева", "UA1804021"),
    # No such community in the directory.
    row("Nevidoma", "Невідома", "UA1804099"),
    row("Berdychivska", "Бердичівська", "UA1802001", raion=BERDYCHIVSKYI),
]


@pytest.fixture
def directory():
    zhytomyr = Region.objects.create(
        code="UA18000000000041385", name_uk="Житомирська область", name_en="Zhytomyrska oblast"
    )
    zhytomyrskyi = Raion.objects.create(
        region=zhytomyr, code="UA18040000000096370",
        name_uk="Житомирський район", name_en="Zhytomyrskyi raion",
    )  # fmt: skip
    berdychivskyi = Raion.objects.create(
        region=zhytomyr, code="UA18020000000048012",
        name_uk="Бердичівський район", name_en="Berdychivskyi raion",
    )  # fmt: skip

    def community(name_uk, name_en, code, raion=zhytomyrskyi):
        return CommunityFactory(
            region=zhytomyr, raion=raion, name_uk=name_uk, name_en=name_en, katotth_code=code
        )

    return {
        "andrushivska": community("Андрушівська", "Andrushivska", "UA18040010000049312"),
        "marianivska": community("Марʼянівська", "Marianivska", "UA18040130000024211"),
        "vyshneva": community("Вишнева", "Vyshneva", "UA18040210000011111"),
        "vyshneva_by_hand": community("Вишнева", "Vyshneva", None),
        "berdychivska": community(
            "Бердичівська", "Berdychivska", "UA18020010000059436", raion=berdychivskyi
        ),
        "elsewhere": community("Іршанська", "Irshanska", "UA18040070000075539"),
        "region": zhytomyr,
        "zhytomyrskyi": zhytomyrskyi,
        "berdychivskyi": berdychivskyi,
    }


def write_csv(tmp_path, rows, header=HEADER, name="ukr_admbnda_adm3.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes(("\ufeff" + buffer.getvalue()).encode("utf-8"))
    return path


def write_excel_csv(tmp_path, rows, header=HEADER):
    """The table opened in Excel on a Ukrainian Windows and saved again as "CSV": Windows-1251
    and semicolons, the modifier apostrophe (not in that code page) typed as "'"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows([[str(v).replace("ʼ", "'") for v in values] for values in rows])
    path = tmp_path / "ukr_admbnda_adm3.csv"
    path.write_bytes(buffer.getvalue().encode("cp1251"))
    return path


def write_xlsx(tmp_path, rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "ukr_admbnda_adm3"
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    path = tmp_path / "ukr_admbnda_adm3.xlsx"
    book.save(path)
    return path


def pcodes(directory) -> dict[str, str]:
    return {key: type(unit).objects.get(pk=unit.pk).pcode for key, unit in directory.items()}


EXPECTED = {
    "andrushivska": "UA1804001",
    "marianivska": "UA1804013",
    "vyshneva": "",
    "vyshneva_by_hand": "",
    "berdychivska": "UA1802001",
    "elsewhere": "",
    "region": "UA18",
    "zhytomyrskyi": "UA1804",
    "berdychivskyi": "UA1802",
}


def test_names_are_compared_without_case_apostrophes_hyphens_or_the_kind_of_unit():
    assert name_key("Марʼянівська") == name_key("мар'янівська") == name_key("Мар’янівська")
    assert name_key("Novohrad-Volynska") == name_key("novohrad volynska")
    assert name_key("Житомирська область") == name_key("Житомирська")
    assert name_key("Zhytomyrskyi raion") == name_key("ZHYTOMYRSKYI")


def test_a_csv_table_in_ukrainian_gives_pcodes_to_what_it_matches_and_reports_the_rest(
    tmp_path, directory
):
    result = pcodes_load(path=write_csv(tmp_path, ROWS))
    assert pcodes(directory) == EXPECTED
    assert result.changed == {1: 1, 2: 2, 3: 3}
    assert [(p.line, p.text) for p in result.unmatched] == [
        (5, "Житомирська / Житомирський / Невідома")
    ]
    assert [(p.line, p.text) for p in result.ambiguous] == [
        (4, "Житомирська / Житомирський / Вишнева")
    ]


def test_a_table_saved_again_by_excel_in_windows_1251_with_semicolons_matches_the_same(
    tmp_path, directory
):
    result = pcodes_load(path=write_excel_csv(tmp_path, ROWS))
    assert pcodes(directory) == EXPECTED
    assert [p.line for p in result.unmatched] == [5]
    assert [p.line for p in result.ambiguous] == [4]


def test_an_xlsx_table_with_english_names_only_matches_the_same(tmp_path, directory):
    english = []
    for values in ROWS:
        values = list(values)
        for column in ("ADM3_UA", "ADM2_UA", "ADM1_UA", "ADM3_RU", "ADM2_RU", "ADM1_RU"):
            values[HEADER.index(column)] = ""
        english.append(values)
    # The English name as OCHA spells it, with an apostrophe of its own.
    english[1][0] = "Mar'ianivska"
    result = pcodes_load(path=write_xlsx(tmp_path, english))
    assert pcodes(directory) == EXPECTED
    assert [p.line for p in result.unmatched] == [5]
    assert [p.line for p in result.ambiguous] == [4]


def test_a_second_run_changes_nothing(tmp_path, directory):
    path = write_csv(tmp_path, ROWS)
    pcodes_load(path=path)
    stamps = dict(Community.objects.values_list("pk", "updated_at"))
    result = pcodes_load(path=path)
    assert result.changed == {1: 0, 2: 0, 3: 0}
    assert result.unchanged == {1: 1, 2: 2, 3: 3}
    assert pcodes(directory) == EXPECTED
    assert dict(Community.objects.values_list("pk", "updated_at")) == stamps


def test_no_pcode_is_invented_before_a_table_is_loaded(directory):
    assert set(pcodes(directory).values()) == {""}


def test_a_katotth_column_is_matched_before_the_names(tmp_path, directory):
    header = [*HEADER, "ADM3_KATOTTH"]
    rows = [
        # Spelt differently from the directory: the code decides.
        [*row("Andrushivka", "Андрушівка", "UA1804001"), "UA18040010000049312"],
        [*row("Irshanska", "Іршанська", "UA1804007"), "UA18040070000099999"],
    ]
    result = pcodes_load(path=write_csv(tmp_path, rows, header=header))
    assert Community.objects.get(pk=directory["andrushivska"].pk).pcode == "UA1804001"
    # A code the directory does not have is reported, even though the name would match.
    assert Community.objects.get(pk=directory["elsewhere"].pk).pcode == ""
    assert [p.line for p in result.unmatched] == [3]
    assert "UA18040070000099999" in result.unmatched[0].text


def test_a_pcode_given_to_two_communities_is_given_to_neither(tmp_path, directory):
    rows = [
        row("Andrushivska", "Андрушівська", "UA1804001"),
        row("Irshanska", "Іршанська", "UA1804001"),
    ]
    result = pcodes_load(path=write_csv(tmp_path, rows))
    assert Community.objects.get(pk=directory["andrushivska"].pk).pcode == "UA1804001"
    assert Community.objects.get(pk=directory["elsewhere"].pk).pcode == ""
    assert [p.line for p in result.ambiguous] == [3]


def test_the_command_reports_what_it_set_and_what_it_could_not_match(tmp_path, directory):
    out = io.StringIO()
    call_command("load_pcodes", str(write_csv(tmp_path, ROWS)), stdout=out)
    text = out.getvalue()
    assert "communities: 3 set, 0 unchanged" in text
    assert "not matched (1)" in text and "5: Житомирська / Житомирський / Невідома" in text
    assert "ambiguous (1)" in text and "4: Житомирська / Житомирський / Вишнева" in text


def test_the_command_refuses_a_file_that_is_not_a_table(tmp_path, directory):
    from django.core.management.base import CommandError

    path = tmp_path / "boundaries.shp"
    path.write_bytes(b"\x00\x00\x27\x0a")
    with pytest.raises(CommandError):
        call_command("load_pcodes", str(path))
    assert set(pcodes(directory).values()) == {""}


def test_the_community_page_and_the_directory_show_the_pcode_beside_katotth(
    as_user, coordinator, directory, tmp_path
):
    pcodes_load(path=write_csv(tmp_path, ROWS))
    client = as_user(coordinator)
    community = directory["andrushivska"]
    page = client.get(reverse("communities:community_detail", args=[community.pk])).text
    # (The KATOTTH code begins with the same characters: the P-code is looked for whole.)
    assert ">UA18040010000049312<" in page and ">UA1804001<" in page
    listing = client.get(reverse("communities:community_list"), {"q": "Андрушівська"}).text
    assert "UA1804001</small>" in listing
    # Where no P-code was loaded, none is shown.
    other = client.get(reverse("communities:community_detail", args=[directory["vyshneva"].pk]))
    with translation.override("uk"):  # the coordinator reads the site in Ukrainian
        label = translation.gettext("P-code")
    assert ">UA1804021<" not in other.text and label in other.text
