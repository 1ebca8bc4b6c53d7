"""The grid guard of ``imports.readers`` against worksheets calamine would turn into a dense grid
of hundreds of GB (issue 12: a 1.7 KB upload aborted the server).

calamine opens whatever part the workbook's relationships point to, under any name (``.dat``,
no extension, upper case, a path with ``..``), and reads a cell reference however XML allows
it to be written. The guard must measure every part by its content. None of these tests lets
calamine (or openpyxl) open a hostile file: their openers are replaced by one that raises
``Reached`` (not an ``Exception``, so no fallback swallows it), and a broken guard fails the test
instead of the process.

No database needed.
"""
from __future__ import annotations

import io
import random
import zipfile

import pytest

from imports import readers
from imports.readers import UnreadableFile, _FastGrid, _GridExtent, _grid_size, iter_sheets, open_workbook
from imports.synonyms import header_matcher

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET = "花名册"
ROW1 = ('<row r="1"><c r="A1" t="inlineStr"><is><t>*姓名</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>*身份证件号</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>320706198803090011</t></is></c></row>')
FAR = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
HUGE_DIMENSION = '<dimension ref="A1:XFD1048576"/>'


class Reached(BaseException):
    """A reader was asked to open the file: the guard let it through."""


@pytest.fixture
def readers_must_not_open(monkeypatch):
    """calamine and openpyxl raise ``Reached`` if anything asks them to open a workbook."""
    import openpyxl
    import python_calamine

    opened = []

    def refuse(*args, **kwargs):
        opened.append(args[:1])
        raise Reached("the guard let a hostile workbook through to the reader")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", refuse)
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)
    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    return opened


def sheet_xml(rows: str, *, head: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">{head}'
            f"<sheetData>{rows}</sheetData></worksheet>").encode()


def workbook_bytes(sheet: bytes, *, target: str = "worksheets/sheet1.xml", entry: str | None = None,
                   extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .xlsx (well under 2 KB compressed) whose one worksheet, 花名册, is the zip entry
    ``entry`` (default: where ``target`` resolves), pointed to by the relationship ``target``."""
    entry = entry or f"xl/{target}"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
            'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/></Types>').encode(),
        "_rels/.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship '
                        f'Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>').encode(),
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC}">'
                            f'<sheets><sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC}/worksheet" Target="{target}"/></Relationships>').encode(),
        entry: sheet,
        **(extra or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# (relationship target, zip entry): names calamine opens as the worksheet (it looks names up
# ignoring case, and puts xl/ in front of the target without resolving "..")
HOSTILE_NAMES = {
    "dat": ("worksheets/sheet1.dat", None),
    "no extension": ("worksheets/sheet1", None),
    "upper-case XML": ("worksheets/SHEET1.XML", "XL/WORKSHEETS/SHEET1.XML"),
    "dot-dot as written": ("../xl/worksheets/data.bin", "xl/../xl/worksheets/data.bin"),
    "dot-dot resolved": ("../media/data.bin", "media/data.bin"),
    "absolute": ("/xl/worksheets/sheet1.bin", None),
}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("far", ["far cell", "huge dimension"])
def test_a_worksheet_under_any_name_is_measured_and_refused_with_its_name(name, far, readers_must_not_open):
    target, entry = HOSTILE_NAMES[name]
    sheet = sheet_xml(ROW1 + FAR) if far == "far cell" else sheet_xml(ROW1, head=HUGE_DIMENSION)
    data = workbook_bytes(sheet, target=target, entry=entry or f"xl/{target.lstrip('/').removeprefix('xl/')}")
    assert len(data) < 2048  # the size of the probe's upload
    with pytest.raises(UnreadableFile) as refused:
        open_workbook(io.BytesIO(data), "花名册.xlsx")
    assert refused.value.message == (
        "文件“花名册.xlsx”的工作表“花名册”区域达到 1,048,576 行 × 16,384 列（远处的行或列里有零星内容或格式），"
        "超过上限 10,000,000 个单元格。请删除多余的行和列后重新上传。")
    assert readers_must_not_open == []


def test_a_part_no_relationship_names_is_measured_too(readers_must_not_open):
    """A part the workbook does not (visibly) point to is measured all the same: a reader may
    resolve names otherwise than the guard does."""
    data = workbook_bytes(sheet_xml(ROW1), extra={"xl/stray/anything": sheet_xml(ROW1 + FAR)})
    with pytest.raises(UnreadableFile) as refused:
        open_workbook(io.BytesIO(data), "r.xlsx")
    assert refused.value.message.startswith("文件“r.xlsx”中的部件“xl/stray/anything”含有的单元格区域达到 1,048,576 行 × 16,384 列")
    assert readers_must_not_open == []


# The far corner XFD1048576 written however XML (and calamine) allows a cell reference.
REFERENCES = {
    "single quotes": "<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    "blanks around =": '<row r = "1048576"><c r = "XFD1048576"><v>1</v></c></row>',
    "tab and line breaks": '<row\tr="1048576"><c\nr\n=\n"XFD1048576"><v>1</v></c></row>',
    "lower-case letters": '<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "after another attribute, no blank": '<row r="2"><c s="1"r="XFD1048576"><v>1</v></c></row>',
    "a second r in the same tag": '<row r="2"><c r="A2" r=\'XFD1048576\'><v>1</v></c></row>',
    "a row without r": '<row><c r="XFD1048576"><v>1</v></c></row>',
    "leading zeros": '<row r="2"><c r="XFD000000001048576"><v>1</v></c></row>',
    "prefixed": '<x:row xmlns:x="urn:x"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
}


@pytest.mark.parametrize("name", REFERENCES)
def test_the_guards_verdict_on_references_written_every_way(name):
    """The verdict itself, part by part: the fast check must not wave these through, and the
    exact scan finds the far corner (or more)."""
    xml = sheet_xml(ROW1 + REFERENCES[name])
    rows, cols = _grid_size([xml], readers.DEFAULT_MAX_CELLS)  # None would mean "fits"
    assert rows >= 1_048_576 and cols >= 16_384 and rows * cols > readers.DEFAULT_MAX_CELLS


@pytest.mark.parametrize("name", REFERENCES)
@pytest.mark.parametrize("max_cells", [readers.DEFAULT_MAX_CELLS, 100_000_000, 10 ** 9])
def test_the_streamed_fast_check_never_vouches_for_them(name, max_cells):
    """A part too large to keep is checked as it streams by (``_FastGrid``), in windows cut
    after a tag's end, with the limit a province raises: none of these passes."""
    xml = sheet_xml(ROW1 + REFERENCES[name])
    for window in (7, 64, 1 << 22):
        check = _FastGrid(readers._fast_digits(max_cells))
        check.WINDOW = window
        for start in range(0, len(xml), 5):
            check.feed(xml[start:start + 5])
        assert not check.finish(), (name, window)


@pytest.mark.parametrize("name", REFERENCES)
def test_references_written_every_way_are_refused(name, readers_must_not_open):
    data = workbook_bytes(sheet_xml(ROW1 + REFERENCES[name]), target="worksheets/sheet1.dat")
    with pytest.raises(UnreadableFile, match="花名册.xlsx”的工作表“花名册”区域达到 .* 列.*超过上限"):
        open_workbook(io.BytesIO(data), "花名册.xlsx")
    assert readers_must_not_open == []


def test_a_worksheet_with_an_odd_name_and_a_small_grid_reads_as_usual():
    """Measuring every part refuses nothing a reader would read safely: a worksheet named .dat
    with two rows, and an SVG picture that carries a DOCTYPE (never parsed by the readers)."""
    svg = (b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
           b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="http://www.w3.org/2000/svg">'
           b'<circle r="50%"/></svg>')
    data = workbook_bytes(sheet_xml(ROW1, head='<dimension ref="A1:B2"/>'), target="worksheets/sheet1.dat",
                          extra={"xl/media/image1.svg": svg, "xl/media/image2.png": random.Random(1).randbytes(50_000)})
    with open_workbook(io.BytesIO(data), "花名册.xlsx") as workbook:
        sheet = next(iter_sheets(workbook, header_matcher("teacher")))
        assert (sheet.name, sheet.headers, list(sheet.rows)) == (
            SHEET, ["*姓名", "*身份证件号"], [(2, ["张三", "320706198803090011"])])


def _reference_extent(cells) -> tuple[int, int]:
    return max((r for r, _c in cells), default=0), max((c for _r, c in cells), default=0)


def _column(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def _random_sheet(rnd: random.Random) -> tuple[bytes, tuple[int, int]]:
    """A worksheet written with random (legal) attribute syntax, and the far corner calamine
    would place its cells at (rows and cells without r follow the previous one)."""
    def attribute(name, value):
        quote = rnd.choice("\"'")
        return (rnd.choice([" ", "\t", "\n", "  "]) + name + rnd.choice(["", " ", "\t", " " * 40]) + "="
                + rnd.choice(["", " ", "\r\n"]) + quote + str(value) + quote)

    prefix = rnd.choice(["", "x:"])
    cells, parts, row_index = [], [], 0
    for _ in range(rnd.randint(1, 25)):
        if rnd.random() < 0.7:
            row_index = min(1_048_576, row_index + rnd.choice([1, 1, 2, rnd.randint(1, 1_100_000)]))
            parts.append(f"<{prefix}row{attribute('r', row_index)}>")
        else:
            row_index += 1
            parts.append(f"<{prefix}row>")
        column = 0
        for _ in range(rnd.randint(0, 5)):
            if rnd.random() < 0.7:
                column = rnd.choice([column + 1, rnd.randint(1, 16384)])
                row = rnd.choice([row_index, rnd.randint(1, 1_048_576)])
                letters = _column(column)
                ref = attribute("r", (letters.lower() if rnd.random() < 0.3 else letters) + str(row))
                style = attribute("s", 1) if rnd.random() < 0.3 else ""
                parts.append(f"<{prefix}c{ref + style if rnd.random() < 0.5 else style + ref}>"
                             f"<{prefix}v>1</{prefix}v></{prefix}c>")
                cells.append((row, column))
            else:
                column += 1
                parts.append(f"<{prefix}c><{prefix}v>1</{prefix}v></{prefix}c>")
                cells.append((row_index, column))
        parts.append(f"</{prefix}row>")
    xmlns = ' xmlns:x="urn:x"' if prefix else ""
    xml = (f'<?xml version="1.0"?><{prefix}worksheet{xmlns}><{prefix}sheetData>' + "".join(parts)
           + f"</{prefix}sheetData></{prefix}worksheet>").encode()
    return xml, _reference_extent(cells)


@pytest.mark.parametrize("seed", range(0, 400, 40))
def test_the_guard_never_counts_fewer_rows_or_columns_than_calamine_places(seed):
    """Worksheets written every legal way (quotes, blanks, case, prefixes, references or none),
    read whole and in windows cut anywhere: the scan's grid is at least what calamine places,
    and the fast check never says "fits" for a grid that does not."""
    for rnd in (random.Random(n) for n in range(seed, seed + 40)):
        xml, (rows, cols) = _random_sheet(rnd)
        for window, step in ((None, 1 << 16), (7, 13), (257, 13)):
            extent = _GridExtent()
            if window:
                extent.WINDOW = window
            for start in range(0, len(xml), step):
                extent.feed(xml[start:start + step])
            found = extent.finish()
            assert found[0] >= rows and found[1] >= cols, (xml, found, (rows, cols))
        fast = _grid_size([xml], readers.DEFAULT_MAX_CELLS)
        assert (fast is None and rows * cols <= readers._FAST_GRID_CELLS) or (
            fast is not None and fast[0] >= rows and fast[1] >= cols), (xml, fast, (rows, cols))
        for digits in (5, 6):  # streamed by in windows cut anywhere after a ">"
            check = _FastGrid(digits)
            check.WINDOW = rnd.choice((3, 17, 100))
            for start in range(0, len(xml), 11):
                check.feed(xml[start:start + 11])
            assert not check.finish() or rows * cols <= readers._fast_grid_cells(digits), (xml, digits)
