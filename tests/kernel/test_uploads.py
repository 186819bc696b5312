"""Spreadsheets read in bounded memory and time: judged on what they declare before they are
parsed, read as a stream, refused past the limits with a message that says what to do."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cohesion.uploads import check_zip, read_csv, read_xlsx
from tests import bombs

LIMITS = {"max_rows": 2000, "max_columns": 50}
# Excel's dates have no time zone: the reader gives them as Excel holds them.
MARCH_1 = datetime.datetime(2024, 3, 1)  # noqa: DTZ001


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def workbook_bytes(rows, *, date1904=False) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.epoch = openpyxl.utils.datetime.MAC_EPOCH if date1904 else workbook.epoch
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refusal(content: bytes, **limits) -> str:
    with pytest.raises(ValidationError) as error:
        read_xlsx(io.BytesIO(content), **(limits or LIMITS))
    [message] = error.value.messages
    return message


def test_an_excel_sheet_is_read_with_its_text_numbers_and_dates():
    content = workbook_bytes(
        [
            ["ПІБ", "Рік народження", "Дата вступу", "Ветеран"],
            ["Олена Петренко", 1990, datetime.date(2024, 3, 1), True],
            ["Іван Коваль", 1985.5, None, False],
        ]
    )
    assert read_xlsx(io.BytesIO(content), **LIMITS) == [
        ["ПІБ", "Рік народження", "Дата вступу", "Ветеран"],
        ["Олена Петренко", 1990, MARCH_1, True],
        ["Іван Коваль", 1985.5, None, False],
    ]


def test_dates_of_a_workbook_counting_from_1904_are_right():
    content = workbook_bytes([["Дата"], [datetime.date(2024, 3, 1)]], date1904=True)
    assert read_xlsx(io.BytesIO(content), **LIMITS)[1] == [MARCH_1]


def test_empty_rows_between_are_kept_and_those_at_the_end_dropped():
    content = workbook_bytes([["a"], [None], ["b"], [None], [None]])
    assert read_xlsx(io.BytesIO(content), **LIMITS) == [["a"], [None], ["b"]]


def test_exactly_the_row_limit_is_read_and_one_more_is_refused():
    rows = [["ПІБ"]] + [[f"Особа {n}"] for n in range(10)]
    assert len(read_xlsx(io.BytesIO(workbook_bytes(rows)), max_rows=10, max_columns=5)) == 11
    rows.append(["Зайва особа"])
    message = refusal(workbook_bytes(rows), max_rows=10, max_columns=5)
    assert "more than 10 rows" in message


def test_a_value_beyond_the_column_limit_is_refused_with_what_to_do():
    message = refusal(workbook_bytes([["a"] * 6]), max_rows=10, max_columns=5)
    assert "more than 5 columns" in message
    assert "new sheet" in message


def test_a_sheet_declaring_every_cell_excel_allows_is_refused_before_it_is_read():
    content = bombs.full_size_declared()
    assert len(content) < 10_000
    with bombs.Cost(memory=True) as cost:
        message = refusal(content)
    assert "columns" in message
    assert cost.peak_mb < 5


def test_a_sheet_that_holds_a_cell_far_below_its_declared_size_is_refused():
    rows = ['<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>',
            '<row r="1048576"><c r="A1048576"><v>1</v></c></row>']  # fmt: skip
    assert "rows" in refusal(bombs.xlsx(bombs.sheet(rows, dimension="A1:A2")))


def test_a_row_of_millions_of_empty_formatted_cells_is_refused_at_once():
    content = bombs.xlsx(bombs.sheet(['<row r="1">', '<c s="1"/>' * 2_000_000, "</row>"]))
    with bombs.Cost() as cost:
        assert "columns" in refusal(content)
    assert cost.cpu_seconds < 3, cost.cpu_seconds  # parsing it would take far longer


def test_a_megabyte_expanding_to_a_gigabyte_is_refused_at_once_in_flat_memory():
    content = bombs.one_huge_string(1024)
    assert len(content) < 2 * 1024 * 1024  # under the upload limit
    with bombs.Cost() as timed:
        message = refusal(content)
    with bombs.Cost(memory=True) as cost:
        refusal(content)
    assert "would take 1.0\xa0GB" in message
    assert timed.cpu_seconds < 3, timed.cpu_seconds  # parsing it would take far longer
    assert cost.peak_mb < 200
    assert cost.rss_growth_mb < 200


def test_a_sheet_of_750_000_rows_is_refused_at_once_in_flat_memory():
    content = bombs.many_rows(750_000)
    assert len(content) < 2 * 1024 * 1024
    with bombs.Cost() as timed:
        refusal(content)
    with bombs.Cost(memory=True) as cost:
        refusal(content)
    assert timed.cpu_seconds < 3, timed.cpu_seconds  # parsing it would take far longer
    assert cost.peak_mb < 200


def test_a_sheet_within_the_expanded_limit_but_past_the_rows_stops_at_the_limit():
    # 30,000 rows expand to about 1.5 MB, well inside what may be opened: the rows are counted
    # as they stream and the reading stops at the first row past the limit.
    content = bombs.many_rows(30_000)
    with bombs.Cost(memory=True) as cost:
        assert "more than 2000 rows" in refusal(content)
    assert cost.peak_mb < 20


def test_a_document_type_declaration_is_refused_so_no_entity_can_expand():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n else "&lol;" * 10}">' for n in range(9)
        )
        + "]>"
    )
    content = bombs.xlsx(
        [
            laughs,
            *bombs.sheet(['<row r="1"><c r="A1" t="inlineStr"><is><t>&lol8;</t></is></c></row>']),
        ]
    )
    assert "spreadsheet does not" in refusal(content)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old Excel file (.xls)"),
        (b"ID;PWXL\r\n", "not an Excel"),
        (b"PK\x03\x04" + bytes(60), "damaged"),
        (bombs.xlsx([], extra={"xl/workbook.xml": f"<workbook {bombs.NS}/>"}), "no sheet"),
    ],
    ids=["xls-or-password", "not-a-zip", "damaged-zip", "no-sheet"],
)
def test_files_that_are_not_readable_sheets_are_refused_with_what_to_do(content, words):
    with pytest.raises(ValidationError) as error:
        read_xlsx(io.BytesIO(content), **LIMITS)
    assert words in error.value.messages[0]


def test_a_zip_of_too_many_parts_is_refused():
    content = bombs.xlsx(bombs.sheet([]), extra={f"xl/media/{n}.xml": "" for n in range(30)})
    with pytest.raises(ValidationError) as error:
        check_zip(io.BytesIO(content), max_expanded=10**9, max_entries=20)
    assert "parts" in error.value.messages[0]


def test_a_csv_is_read_within_the_same_limits():
    text = "ПІБ;Стать\nОлена;ж\n\nІван;ч;;\n"
    assert read_csv(text, delimiter=";", max_rows=2, max_columns=2) == [
        ["ПІБ", "Стать"],
        ["Олена", "ж"],
        [],  # kept, so that rows are numbered as the file numbers them
        ["Іван", "ч"],
    ]
    with pytest.raises(ValidationError, match="more than 1 row"):
        read_csv(text, delimiter=";", max_rows=1, max_columns=2)
    with pytest.raises(ValidationError, match="more than 2 columns"):
        read_csv("a;b;c\n", delimiter=";", max_rows=2, max_columns=2)
