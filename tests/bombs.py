"""Files built to hurt, made the way an attacker makes them: genuine zips that expand far beyond
their size, sheets that declare more than they hold, and a measure of what reading one costs."""

import functools
import io
import resource
import time
import tracemalloc
import zipfile

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
PACKAGE = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f"<workbook {NS} "
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Members" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
    ),
}


def xlsx(chunks, *, extra: dict | None = None) -> bytes:
    """An XLSX whose first sheet's XML is the given chunks (bytes or str), streamed into the
    zip so that a sheet of hundreds of megabytes never exists in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in {**PACKAGE, **(extra or {})}.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for chunk in chunks:
                sheet.write(chunk.encode() if isinstance(chunk, str) else chunk)
    return buffer.getvalue()


def sheet(rows_xml, *, dimension: str = "") -> list:
    head = f"<worksheet {NS}>" + (f'<dimension ref="{dimension}"/>' if dimension else "")
    return [head, "<sheetData>", *rows_xml, "</sheetData></worksheet>"]


@functools.cache
def full_size_declared() -> bytes:
    """A few kilobytes declaring every cell of the largest sheet Excel allows."""
    rows = ['<row r="1"><c r="A1" t="inlineStr"><is><t>Full name</t></is></c></row>',
            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>']  # fmt: skip
    return xlsx(sheet(rows, dimension="A1:XFD1048576"))


@functools.cache
def one_huge_string(megabytes: int) -> bytes:
    """A sheet whose one cell expands to `megabytes` of text."""

    def chunks():
        yield f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        block = b"x" * (1 << 20)
        for _ in range(megabytes):
            yield block
        yield "</t></is></c></row></sheetData></worksheet>"

    return xlsx(chunks())


@functools.cache
def many_rows(count: int) -> bytes:
    """A sheet of `count` rows, header included, all alike below it (row and cell references
    are optional in the format, and leaving them out lets the rows compress to nothing)."""

    def rows():
        yield '<row><c t="inlineStr"><is><t>Full name</t></is></c></row>'
        for _ in range(count - 1):
            yield "<row><c><v>1</v></c></row>"

    return xlsx(sheet(rows()))


@functools.cache
def zip_bomb(inner_name: str, megabytes: int) -> bytes:
    """A genuine zip whose one entry expands to `megabytes` of zeros (about 1,000 to 1)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(inner_name, "w", force_zip64=True) as entry,
    ):
        block = bytes(1 << 20)
        for _ in range(megabytes):
            entry.write(block)
    return buffer.getvalue()


class Cost:
    """What a call cost. Timed alone (tracing allocations slows Python several times):
    `seconds` on the wall and `cpu_seconds` of this process (what a judgement should use: the
    wall clock of a loaded CI machine says more about the machine than about the code). With
    memory=True: the peak of Python's allocations during the call, where a parsed sheet or a
    decompressed entry would live (`peak_mb`), and the growth of the process's peak RSS
    (`rss_growth_mb`, which sees C allocations too)."""

    def __init__(self, *, memory: bool = False):
        self.memory = memory

    def __enter__(self):
        self._rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if self.memory:
            tracemalloc.start()
        self._started = time.perf_counter()
        self._cpu = time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._started
        self.cpu_seconds = time.process_time() - self._cpu
        if self.memory:
            self.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        self.rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self._rss) / 1024
        return False
