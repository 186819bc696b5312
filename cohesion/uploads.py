"""Uploaded files checked before anything believes them, and spreadsheets read in bounded memory.

A 2 MB XLSX can declare a sheet of 17 billion cells or expand to a gigabyte: an XLSX (like
DOCX, PPTX and ODT) is a zip of XML. So a zip is judged first on what its directory declares
(the number of entries and their uncompressed sizes; reading an entry through zipfile stops
at its declared size, so the declaration cannot lie to us), and a sheet is then read as a
stream of XML events, one cell at a time, refused the moment it passes the row or column
limit, and never held as a whole. A document type declaration is refused before the parser
sees it, so that no entity can expand (a spreadsheet has no use for one).
Every refusal is a ValidationError in the user's language saying what to do.
"""

import csv
import datetime
import io
import posixpath
import re
import zipfile
from xml.etree.ElementTree import iterparse

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# The first bytes of an OLE compound file: an Excel 97-2003 .xls, or an .xlsx saved with a
# password (Excel encrypts the whole zip into one).
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CELL_REFERENCE = re.compile(r"([A-Z]{1,3})(\d+)")


def check_size(upload, limit: int) -> None:
    if upload.size > limit:
        raise ValidationError(
            _("The file is larger than %(size)s.") % {"size": filesizeformat(limit)}
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."))


def check_zip(file, *, max_expanded: int, max_entries: int = 2000) -> zipfile.ZipFile:
    """The zip, once its directory shows it expands to at most max_expanded bytes."""
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise ValidationError(_("The file is damaged: it could not be opened.")) from error
    if len(entries) > max_entries:
        raise ValidationError(
            _("The file holds %(count)s parts; at most %(max)s are accepted.")
            % {"count": len(entries), "max": max_entries}
        )
    expanded = sum(entry.file_size for entry in entries)
    if expanded > max_expanded:
        raise ValidationError(
            _(
                "Opened, the file would take %(size)s, more than the %(max)s accepted. "
                "Remove what the list does not need (pictures, other sheets) and upload it again."
            )
            % {"size": filesizeformat(expanded), "max": filesizeformat(max_expanded)}
        )
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise ValidationError(_("The file is password-protected: save it without a password."))
    return archive


class _Guarded(io.RawIOBase):
    """An XML entry as the parser reads it, refused at the first document type or entity
    declaration, or NUL byte (UTF-16, which Excel never writes, would hide them)."""

    FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY", b"\x00")

    def __init__(self, stream):
        self._stream, self._tail = stream, b""

    def readable(self):
        return True

    def read(self, size=-1):
        chunk = self._stream.read(size)
        window = self._tail + chunk
        if any(marker in window for marker in self.FORBIDDEN):
            raise ValidationError(_("The Excel file holds something a spreadsheet does not."))
        self._tail = window[-8:]
        return chunk


# A cell, a shared string or a workbook's sheet entry holds a few elements (rich text runs at
# most a few dozen); more than this inside one is no spreadsheet a person made.
MAX_INSIDE = 1000


def _parse(archive: zipfile.ZipFile, name: str, tags=(), marks=(), *, budget: int):
    """Reads one XML entry in flat memory: yields ("end", element) when an element named in
    `tags` has ended, whole, and ("start"|"end", element) for those named in `marks`, without
    their children (a sheet's rows: their cells come as tags). Every other element is dropped
    from its parent once it has ended, so that only the open path and the tag being read are
    held; at most `budget` elements are read in all, which bounds the time a file can take."""
    stack, depth, held, count = [], 0, 0, 0
    try:
        with archive.open(name) as stream:
            for event, element in iterparse(_Guarded(stream), events=("start", "end")):
                tag = element.tag
                if event == "start":
                    count += 1
                    held += bool(depth)
                    if count > budget or held > MAX_INSIDE:
                        raise ValidationError(_("The file holds more than a list of this size."))
                    stack.append(element)
                    depth += bool(depth or tag in tags)
                    if tag in marks:
                        yield event, element
                    continue
                stack.pop()
                if tag in tags or tag in marks:
                    yield event, element
                if depth:
                    depth -= 1
                    held = held if depth else 0
                if not depth and stack:
                    stack[-1].remove(element)
    except (zipfile.BadZipFile, SyntaxError, EOFError, OSError) as error:
        # SyntaxError covers ElementTree's ParseError; BadZipFile a CRC that does not match.
        raise ValidationError(_("The Excel file is damaged: it could not be read.")) from error


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, datetime.datetime]:
    """The path of the first sheet, and the day the workbook counts dates from."""
    sheets, epoch = [], WINDOWS_EPOCH
    tags = [f"{MAIN}sheet", f"{MAIN}workbookPr"]
    for _event, element in _parse(archive, "xl/workbook.xml", tags, budget=50_000):
        if element.tag == f"{MAIN}workbookPr":
            if element.get("date1904") in ("1", "true"):
                epoch = MAC_EPOCH
        else:
            sheets.append(element.get(f"{RELATIONSHIPS}id"))
    relationship = f"{PACKAGE_RELATIONSHIPS}Relationship"
    targets = {
        element.get("Id"): element.get("Target")
        for _event, element in _parse(
            archive, "xl/_rels/workbook.xml.rels", [relationship], budget=50_000
        )
    }
    if not sheets or sheets[0] not in targets:
        raise ValidationError(_("The Excel file has no sheet."))
    target = targets[sheets[0]]
    path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return posixpath.normpath(path), epoch


def _shared_strings(archive: zipfile.ZipFile, limit: int) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    budget = limit * 5
    for _event, element in _parse(archive, "xl/sharedStrings.xml", [f"{MAIN}si"], budget=budget):
        if len(strings) >= limit:
            raise ValidationError(_("The Excel file holds more text than a list of this size."))
        # Rich text runs are joined; phonetic guides (rPh) are not part of the text.
        strings.append(
            "".join(t.text or "" for t in element.iter(f"{MAIN}t") if t not in _phonetic(element))
        )
    return strings


def _phonetic(si) -> set:
    return {t for rph in si.iter(f"{MAIN}rPh") for t in rph.iter(f"{MAIN}t")}


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """The indexes of the cell styles that show a number as a date."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    formats = dict(BUILTIN_FORMATS)
    styles = []
    in_cell_xfs = False
    tags, marks = [f"{MAIN}numFmt", f"{MAIN}xf"], [f"{MAIN}cellXfs"]
    try:
        for event, element in _parse(archive, "xl/styles.xml", tags, marks, budget=200_000):
            if element.tag == f"{MAIN}cellXfs":
                in_cell_xfs = event == "start"
            elif element.tag == f"{MAIN}numFmt":
                formats[int(element.get("numFmtId", 0))] = element.get("formatCode", "")
            elif in_cell_xfs:
                styles.append(int(element.get("numFmtId", 0)))
    except ValueError as error:
        raise ValidationError(_("The Excel file is damaged: it could not be read.")) from error
    return {index for index, number in enumerate(styles) if is_date_format(formats.get(number))}


def _refuse_rows(max_rows: int):
    return ValidationError(
        ngettext(
            "The sheet has more than %(max)s row below the header. Import it in parts.",
            "The sheet has more than %(max)s rows below the header. Import it in parts.",
            max_rows,
        )
        % {"max": max_rows}
    )


def _refuse_columns(max_columns: int):
    return ValidationError(
        _(
            "The sheet has more than %(max)s columns. Delete the columns the list does not "
            "need, or copy the list into a new sheet, and upload it again."
        )
        % {"max": max_columns}
    )


def read_xlsx(
    file, *, max_rows: int, max_columns: int, max_expanded: int = 30 * 1024 * 1024
) -> list[list]:
    """The first sheet as rows of values (str, int, float, bool, datetime or None), the header
    row first; at most max_rows rows below it and max_columns columns, or ValidationError.
    Empty rows and cells at the end are dropped."""
    file.seek(0)
    head = file.read(8)
    if head.startswith(OLE):
        raise ValidationError(
            _(
                "This is an old Excel file (.xls) or one saved with a password. Open it in "
                "Excel and save it as “Excel Workbook (.xlsx)” without a password."
            )
        )
    if not head.startswith(b"PK"):
        raise ValidationError(_("This is not an Excel (.xlsx) file."))
    archive = check_zip(file, max_expanded=max_expanded)
    try:
        sheet, epoch = _first_sheet(archive)
        archive.getinfo(sheet)
    except KeyError as error:
        raise ValidationError(_("This is not an Excel (.xlsx) file.")) from error
    strings = _shared_strings(archive, limit=(max_rows + 1) * max_columns)
    dates = _date_styles(archive)

    rows: dict[int, list] = {}
    row_number, values, column = 0, {}, 0
    row, cell, dimension = f"{MAIN}row", f"{MAIN}c", f"{MAIN}dimension"
    # Room for formatted empty cells around the list, and no more: a sheet is judged by the
    # cells it holds, not only by those with a value.
    budget = 3 * (max_rows + 1) * (max_columns + 1)
    for event, element in _parse(archive, sheet, [cell, dimension], [row], budget=budget):
        if element.tag == dimension:
            _check_dimension(element.get("ref", ""), max_rows, max_columns)
        elif element.tag == row and event == "start":
            row_number, values, column = int(element.get("r") or row_number + 1), {}, 0
            if row_number > 10 * (max_rows + 1):
                raise _refuse_rows(max_rows)
        elif element.tag == cell:
            match = CELL_REFERENCE.fullmatch(element.get("r") or "")
            column = column_index_from_string(match[1]) if match else column + 1
            if column > 4 * max_columns:  # formatted far beyond any list, or built to hurt
                raise _refuse_columns(max_columns)
            value = _value(element, strings, dates, epoch)
            if value is None or value == "":
                continue
            if column > max_columns:
                raise _refuse_columns(max_columns)
            values[column] = value
        elif values:  # the end of a row with something in it
            if row_number > max_rows + 1:
                raise _refuse_rows(max_rows)
            rows[row_number] = [values.get(index) for index in range(1, max(values) + 1)]
    if not rows:
        return []
    width = max(len(values) for values in rows.values())
    return [
        rows.get(number, []) + [None] * (width - len(rows.get(number, [])))
        # From the sheet's first row: an error names the row the spreadsheet shows.
        for number in range(1, max(rows) + 1)
    ]


def _check_dimension(ref: str, max_rows: int, max_columns: int) -> None:
    """The size the sheet declares, judged before its rows are read. Excel declares the range
    in use, formatted empty cells included, so the row limit has room for some of those."""
    last = ref.split(":")[-1].replace("$", "")
    match = CELL_REFERENCE.fullmatch(last)
    if not match:
        return
    if column_index_from_string(match[1]) > max_columns:
        raise _refuse_columns(max_columns)
    if int(match[2]) > 10 * (max_rows + 1):
        raise _refuse_rows(max_rows)


def _value(cell, strings, dates, epoch):
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{MAIN}t"))
    raw = cell.findtext(f"{MAIN}v")
    if raw is None:
        return None
    try:
        if kind == "s":
            return strings[int(raw)]
        if kind in ("str", "e"):
            return raw if kind == "str" else None
        if kind == "b":
            return raw == "1"
        if kind == "d":
            return datetime.datetime.fromisoformat(raw)
        number = float(raw)
        if int(cell.get("s", 0)) in dates:
            return from_excel(number, epoch)
        return int(number) if number.is_integer() else number
    except (ValueError, IndexError, OverflowError, TypeError):
        return raw  # shown back to the user as it is, in their row's error


def read_csv(text: str, *, delimiter: str, max_rows: int, max_columns: int) -> list[list[str]]:
    """The CSV's rows as the file numbers them (an empty row stays, empty, so that an error
    names the row a spreadsheet shows), within the same limits as a sheet; empty rows at the
    end dropped."""
    rows, filled = [], 0
    try:
        for values in csv.reader(io.StringIO(text), delimiter=delimiter):
            while values and not values[-1].strip():
                values.pop()
            filled += bool(values)
            if len(values) > max_columns:
                raise _refuse_columns(max_columns)
            if filled > max_rows + 1:
                raise _refuse_rows(max_rows)
            rows.append(values)
    except csv.Error as error:
        raise ValidationError(_("The CSV file could not be read.")) from error
    while rows and not rows[-1]:
        rows.pop()
    return rows
