"""Large .xlsx worksheets read in parts (imports.xlsx_parts) give what reading them whole gives.

The size thresholds are lowered with monkeypatch so that small files built in tmp_path are cut
into many parts. No database needed.
"""

import datetime
import re
import sys
import threading
import zipfile

import openpyxl
import pytest
import python_calamine

from imports import readers, xlsx_parts
from imports.readers import _OUTSIDE_FAST_GRID, UnreadableFile, iter_sheets, open_workbook
from imports.synonyms import header_matcher
from imports.xlsx_parts import split_sheet
from tests.imports.helpers import helper_threads, to_shared_strings

TEACHER_HEADERS = header_matcher("teacher")
HEADERS = ["序号", "学校名称", "*姓名", "*性别", "*身份证件号", "*出生日期", "*参加工作年月", "备注"]
DATA_ROWS = 2500                     # Excel rows 3 .. 2502
BLANK_ROW = 1203                     # nothing at all in this row
MERGED_UNTIL = 1100                  # 学校名称 merged over groups of 7 rows from row 3 to here
NO_NUMBER = range(1500, 1900)        # 序号 empty: these rows' data start in column B
ONLY_NUMBER = range(2480, 2503)      # pre-numbered empty rows: only 序号 filled
PART_BYTES = 20_000


def build_big_roster(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "教职工基础信息"
    ws["A1"] = "XX市2025年教职工花名册"
    ws.merge_cells("A1:H1")
    for col, header in enumerate(HEADERS, start=1):
        ws.cell(row=2, column=col, value=header)
    for r in range(3, DATA_ROWS + 3):
        i = r - 2
        if r == BLANK_ROW:
            continue
        if r not in NO_NUMBER:
            ws.cell(row=r, column=1, value=i)
        if r in ONLY_NUMBER:
            continue
        if r > MERGED_UNTIL or (r - 3) % 7 == 0:  # merged areas keep only their top cell
            ws.cell(row=r, column=2, value=f"第{i // 7}中学")
        birth = datetime.datetime(1960 + i % 40, 1 + i % 12, 1 + i % 28, 9 if i % 50 == 0 else 0)
        values = [f"教师{i:05d}", "男" if i % 2 else "女", f"320702{birth:%Y%m%d}{i % 1000:03d}{i % 10}",
                  birth, 198001 + i % 400, "调入" if i % 5 == 0 else (i * 1.5 if i % 7 == 0 else None)]
        for col, value in enumerate(values, start=3):
            ws.cell(row=r, column=col, value=value)
        ws.cell(row=r, column=5).number_format = "@"
        ws.cell(row=r, column=6).number_format = "yyyy-mm-dd"
    for top in range(3, MERGED_UNTIL - 6, 7):
        ws.merge_cells(start_row=top, start_column=2, end_row=top + 6, end_column=2)
    notes = wb.create_sheet("填表说明")
    notes["A1"] = "1. 带*号的为必填项"
    wb.save(path)
    return path


def read_sheets(path, monkeypatch, *, parted):
    """(sheet summaries, number of parts per parted sheet)."""
    monkeypatch.setattr(xlsx_parts, "SPLIT_MIN_BYTES", 1 if parted else 1 << 40)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", PART_BYTES)
    monkeypatch.setattr(xlsx_parts, "SHARED_STRINGS_SHARE", 0)  # many parts, however many shared strings
    out = []
    with open_workbook(path, path.name) as workbook:
        for sheet in iter_sheets(workbook, TEACHER_HEADERS):
            rows = []
            for number, cells in sheet.rows:
                # A part's grid is only as wide as its own cells, so rows may differ from the
                # whole sheet's in trailing "" padding only: compared without it.
                while cells and cells[-1] == "":
                    cells = cells[:-1]
                rows.append((number, cells))
            out.append((sheet.name, sheet.header_row, sheet.headers, sheet.last_row,
                        sheet.first_column, sheet.row_number_column, sheet.merged_filled, rows))
        parts = [p.part_count for p in workbook._engine.parted]
    return out, parts


@pytest.mark.parametrize("texts", ["inline", "shared"])
def test_parted_read_equals_whole_read(tmp_path, monkeypatch, texts):
    path = build_big_roster(tmp_path / "全市花名册.xlsx")
    if texts == "shared":  # as Excel and LibreOffice save a workbook
        assert to_shared_strings(path) > DATA_ROWS
    whole, whole_parts = read_sheets(path, monkeypatch, parted=False)
    parted, parts = read_sheets(path, monkeypatch, parted=True)
    assert whole_parts == [] and len(parts) == 1 and parts[0] >= 20  # only the big sheet is cut

    # Some part boundary falls strictly inside a merged 学校名称 area.
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    _, parts, _, _ = split_sheet(xml, PART_BYTES)
    firsts = [int(re.match(rb'\s*<row r="(\d+)"', part).group(1)) for part in parts]
    assert any(r < MERGED_UNTIL - 6 and (r - 3) % 7 != 0 for r in firsts)

    # The whole read is what the user expects, so the comparison means something.
    (name, header_row, headers, last_row, _, number_column, merged, rows), notes = whole
    assert (name, header_row, headers, number_column, merged) == ("教职工基础信息", 2, HEADERS, 0, True)
    assert last_row == DATA_ROWS + 2
    numbers = [n for n, _ in rows]
    assert numbers == [r for r in range(3, DATA_ROWS + 3) if r != BLANK_ROW and r not in ONLY_NUMBER]
    by_number = dict(rows)
    assert by_number[5][1] == by_number[3][1] == "第0中学"                      # merged fill
    assert by_number[52][4:6] == ["320702197003230500", datetime.datetime(1970, 3, 23, 9)]
    assert by_number[53][4:7] == ["320702197104240511", datetime.date(1971, 4, 24), 198052]
    assert by_number[1600][:3] == ["", "第228中学", "教师01598"]                  # starts in B
    assert notes[0] == "填表说明" and notes[1] is None

    assert parted == whole


@pytest.mark.parametrize("texts", ["inline", "shared"])
def test_a_sheet_too_large_to_keep_is_inflated_again_part_by_part_and_reads_the_same(tmp_path, monkeypatch, texts):
    """A province's roster (1 GB of XML) is not kept after the check: where its rows can be cut is
    noted, and it is inflated again from the zip a part at a time as it is read — the same rows,
    no part held longer than its parse."""
    path = build_big_roster(tmp_path / "全省花名册.xlsx")
    if texts == "shared":
        to_shared_strings(path)
    whole, _ = read_sheets(path, monkeypatch, parted=False)
    monkeypatch.setattr(readers, "RETAIN_MAX_BYTES", 0)  # nothing kept
    inflated = []
    take = xlsx_parts.StreamedRuns.take

    def counted(self, index):
        inflated.append(index)
        return take(self, index)
    monkeypatch.setattr(xlsx_parts.StreamedRuns, "take", counted)
    streamed, parts = read_sheets(path, monkeypatch, parted=True)
    assert len(parts) == 1 and parts[0] >= 20 and sorted(inflated) == list(range(parts[0]))
    assert streamed == whole


def test_a_sheet_changed_after_its_check_is_not_read(tmp_path, monkeypatch):
    """The parts inflated again are checked against what the check saw (length and CRC of each
    run of rows): a sheet that differs is refused, not parsed unchecked."""
    path = build_big_roster(tmp_path / "全省花名册.xlsx")
    monkeypatch.setattr(readers, "RETAIN_MAX_BYTES", 0)
    monkeypatch.setattr(xlsx_parts, "SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", PART_BYTES)
    monkeypatch.setattr(xlsx_parts, "SHARED_STRINGS_SHARE", 0)
    chunks = readers._CalamineEngine._chunks

    for cell in (b"<v>1</v>", b"<v>2400</v>"):  # the first part, a part far down
        def altered(self, name, cell=cell):
            original = chunks(self, name)
            return lambda: (data.replace(cell, b"<v>7</v>") for data in original())
        monkeypatch.setattr(readers._CalamineEngine, "_chunks", altered)
        with pytest.raises(UnreadableFile, match="全省花名册.xlsx"):
            with open_workbook(path, path.name) as workbook:
                for sheet in iter_sheets(workbook, TEACHER_HEADERS):
                    list(sheet.rows)
        assert helper_threads("xlsx-parts") == []


# --------------------------------------------------------------------------- split_sheet

def row(n, *, ref=True):
    head = b'<row r="%d">' % n if ref else b"<row>"
    return head + b'<c r="A%d"><v>%d</v></c></row>' % (n, n)


def sheet_xml(body):
    return (b'<?xml version="1.0"?><worksheet><dimension ref="A1:A9"/><sheetData>' + body
            + b'</sheetData><mergeCells count="1"><mergeCell ref="A2:A3"/></mergeCells></worksheet>')


def test_split_sheet_covers_every_row_once_in_order():
    body = b"\n".join(row(n) for n in (1, 2, 3, 5, 8, 9, 12)) + b'\n<row r="13" spans="1:1"/>\n'
    xml = sheet_xml(body)
    prefix, parts, suffix, last_row = split_sheet(xml, 30)
    assert len(parts) >= 3 and last_row == 13
    assert prefix == xml[:xml.index(b"<sheetData>") + len(b"<sheetData>")]
    assert suffix == xml[xml.index(b"</sheetData>"):]
    assert all(part.lstrip()[:8] == b'<row r="' for part in parts)
    assert prefix + b"".join(parts) + suffix == xml  # nothing lost, nothing added
    joined = b"".join(parts)
    assert re.findall(rb'<row r="(\d+)"', joined) == [b"1", b"2", b"3", b"5", b"8", b"9", b"12", b"13"]
    assert re.sub(rb"\s", b"", joined) == re.sub(rb"\s", b"", body)


THREE_ROWS = len(row(1)) * 2 + 10  # rows 1-9 are equally long: a cut after every third row


@pytest.mark.parametrize("xml, part_bytes", [
    pytest.param(sheet_xml(row(1) + row(5) + row(2) + row(6)), 1, id="out-of-order-across-a-cut"),
    pytest.param(sheet_xml(row(1) + row(2) + row(3, ref=False) + row(4)), 1, id="row-without-r-at-a-cut"),
    pytest.param(b"<worksheet>" + row(1) + row(2) + b"</worksheet>", 1, id="no-sheetData"),
    pytest.param(b"<worksheet><sheetData/></worksheet>", 1, id="empty-sheetData"),
    pytest.param(sheet_xml(row(1) + row(2) + row(3)), THREE_ROWS, id="one-part-only"),
    pytest.param(sheet_xml(b"".join(row(n) for n in (1, 3, 4, 5, 2, 6, 7, 8, 9))), THREE_ROWS,
                 id="out-of-order-inside-a-part"),
])
def test_split_sheet_declines_what_it_cannot_cut_exactly(xml, part_bytes):
    assert split_sheet(xml, part_bytes) is None


# --------------------------------------------------------------------------- hand-built files

_CT = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
       '.spreadsheetml.sheet.main+xml"/></Types>')
_RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/{kind}" Target="{target}"/></Relationships>')
_WORKBOOK = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<sheets><sheet name="教职工" sheetId="1" r:id="rId1"/></sheets></workbook>')


def hand_xlsx(path, rows: bytes):
    """A minimal workbook with one sheet 教职工 whose <sheetData> holds ``rows``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CT)
        archive.writestr("_rels/.rels", _RELS.format(kind="officeDocument", target="xl/workbook.xml"))
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels",
                         _RELS.format(kind="worksheet", target="worksheets/sheet1.xml"))
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml(rows))
    return path


WIDTH = 200  # every hand-built row is padded to this many bytes


def text_row(n, *texts):
    cells = "".join(f'<c r="{chr(65 + i)}{n}" t="inlineStr"><is><t>{t}</t></is></c>'
                    for i, t in enumerate(texts))
    xml = f'<row r="{n}">{cells}'.encode()
    return xml + b" " * (WIDTH - len(xml) - 6) + b"</row>"


@pytest.mark.parametrize("order", [
    pytest.param([1, 3, 5, 2, 4, 6, 7, 8, 9], id="5-then-2-across-a-cut"),
    pytest.param([1, 3, 4, 5, 2, 6, 7, 8, 9], id="5-then-2-inside-a-part"),
])
def test_rows_out_of_order_are_read_like_calamine_reads_them(tmp_path, monkeypatch, order):
    rows = [text_row(n, "姓名", "身份证件号") if n == 1 else
            text_row(n, f"教师{n}", f"32070219800115{n:04d}") for n in order]
    assert {len(r) for r in rows} == {WIDTH}  # so the parts are order[0:3], order[3:6], order[6:9]
    body = b"".join(rows)
    path = hand_xlsx(tmp_path / "乱序.xlsx", body)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", WIDTH * 5 // 2)  # three rows a part
    results = []
    for split_min in (1 << 40, 1):
        monkeypatch.setattr(xlsx_parts, "SPLIT_MIN_BYTES", split_min)
        with open_workbook(path, path.name) as workbook:
            [sheet] = iter_sheets(workbook, TEACHER_HEADERS)
            results.append((sheet.header_row, sheet.headers, list(sheet.rows)))
            raw = [cells for _, cells in workbook.iter_rows("教职工")]
    assert results[0][2] == [(n, [f"教师{n}", f"32070219800115{n:04d}"]) for n in range(2, 10)]
    assert results[1] == results[0]
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    assert raw == book.get_sheet_by_name("教职工").to_python(skip_empty_area=False)
    book.close()


# --------------------------------------------------------------------------- closing early


def test_closing_early_stops_the_background_threads(tmp_path, monkeypatch):
    path = build_big_roster(tmp_path / "全市花名册.xlsx")
    monkeypatch.setattr(xlsx_parts, "SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", 5_000)
    monkeypatch.setattr(xlsx_parts, "SHARED_STRINGS_SHARE", 0)
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError, match="第 5 行有误"):
        with open_workbook(path, path.name) as workbook:
            sheet = next(iter_sheets(workbook, TEACHER_HEADERS))
            for count, (number, _cells) in enumerate(sheet.rows, start=1):
                if count == 3:
                    assert workbook._engine.parted[0].part_count > 50  # far from the end
                    assert helper_threads("xlsx-parts")                            # still parsing ahead
                    assert sys.getswitchinterval() < before
                    raise RuntimeError(f"第 {number} 行有误")  # the import stops here
    assert helper_threads("xlsx-parts") == []
    assert sys.getswitchinterval() == before


# --------------------------------------------------------------------------- grid check

@pytest.mark.parametrize("xml, outside", [
    (b'<row r="12"><c r="AJ12" t="s"><v>1</v></c></row>', False),
    (b'<row r="99999" spans="1:52"><c r="AZ99999"/></row><cols><col min="1" max="2"/></cols>', False),
    (b'<row r="1"><c r="BA1"><v>1</v></c></row>', True),       # beyond AZ
    (b'<row r="123456"><c r="A1"/></row>', True),             # six-digit row
    (b'<row r="1"><c r="A123456"/></row>', True),             # six-digit row in a cell reference
    (b'<row r="1"><c><v>1</v></c></row>', True),              # cell without r
    (b'<row r="1"><c s="1" r="A1"/></row>', True),            # r not first
    (b'<row><c r="A1"/></row>', True),                        # row without r
    (b'<row spans="1:2" r="1"><c r="A1"/></row>', True),
])
def test_fast_grid_check(xml, outside):
    assert (_OUTSIDE_FAST_GRID.search(xml) is not None) == outside


@pytest.mark.parametrize("xml, digits, outside", [
    (b'<row r="123456"><c r="AZ123456"/></row>', 6, False),   # a province's roster: six-digit rows
    (b'<row r="123456"><c r="AZ123456"/></row>', 5, True),
    (b'<row r="1234567"><c r="A1234567"/></row>', 6, True),
    (b'<row r="1"><c r="BA1"/></row>', 7, True),                # beyond AZ whatever the rows
    (b'<dimension ref="A1:AZ999999"/>', 6, False),
    (b'<dimension ref="A1:AZ1000000"/>', 6, True),
])
def test_fast_grid_check_with_longer_row_numbers(xml, digits, outside):
    """Where the operator's limit allows a larger grid, the check vouches for longer row
    numbers: 6 digits from 52 million cells (AZ999999), never more columns."""
    assert (readers._outside_grid(digits).search(xml) is not None) == outside
    assert readers._fast_digits(readers._fast_grid_cells(digits)) == digits
    assert readers._fast_digits(readers._fast_grid_cells(digits) - 1) in (None, digits - 1)


@pytest.mark.parametrize("max_cells", [readers.DEFAULT_MAX_CELLS, 100_000_000])
@pytest.mark.parametrize("split_min, retain", [(1 << 40, None), (1, None), (1, 0)])
def test_far_corner_refused_on_the_big_sheet_path_too(tmp_path, monkeypatch, split_min, retain, max_cells):
    """Whole, in parts kept, and in parts too large to keep (measured as the part is inflated
    and cut: by the exact scan, or by the fast check and then the exact scan when the limit is
    a province's)."""
    if retain is not None:
        monkeypatch.setattr(readers, "RETAIN_MAX_BYTES", retain)
    monkeypatch.setattr(xlsx_parts, "SPLIT_MIN_BYTES", split_min)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", WIDTH)
    body = b"".join(text_row(n, "姓名", f"教师{n}") for n in range(1, 6))
    path = hand_xlsx(tmp_path / "远角.xlsx", body + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    with pytest.raises(UnreadableFile, match=r"远角.xlsx.*1,048,576 行 × 16,384 列.*单元格"):
        open_workbook(path, path.name, max_cells=max_cells).close()


def test_a_province_roster_too_large_to_keep_is_vouched_for_by_the_fast_check(tmp_path, monkeypatch):
    """Six-digit rows, the limit raised as a province's operator raises it: the sheet streamed by
    is checked by the fast check alone (no exact scan) and read as it is."""
    monkeypatch.setattr(readers, "RETAIN_MAX_BYTES", 0)
    monkeypatch.setattr(xlsx_parts, "SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(xlsx_parts, "PART_BYTES", WIDTH)
    scans = []
    monkeypatch.setattr(readers, "_exact_grid", lambda *args: scans.append(args) or (0, 0))
    rows = [text_row(1, "姓名", "身份证件号")] + [text_row(n, f"教师{n}", f"32070619880309{n:04d}") for n in range(200_000, 200_006)]
    path = hand_xlsx(tmp_path / "全省.xlsx", b"".join(rows))
    with open_workbook(path, path.name, max_cells=100_000_000) as workbook:
        sheet = next(iter_sheets(workbook, TEACHER_HEADERS))
        assert [cells[0] for _n, cells in sheet.rows] == [f"教师{n}" for n in range(200_000, 200_006)]
    assert scans == []


def test_a_sheet_whose_first_part_will_not_parse_is_read_whole(tmp_path, monkeypatch):
    """If a part cannot be read on its own (say, a part of the workbook the part books leave
    out is needed), the officer still gets the sheet: read whole, as before parts existed."""
    path = build_big_roster(tmp_path / "全市花名册.xlsx")
    whole, _ = read_sheets(path, monkeypatch, parted=False)

    def fails(self, index):
        raise ValueError("calamine: cannot read this part")
    monkeypatch.setattr(xlsx_parts.PartedSheet, "_parse", fails)
    parted, parts = read_sheets(path, monkeypatch, parted=True)
    assert parts == [] and parted == whole and helper_threads("xlsx-parts") == []


def test_split_sheet_keeps_line_breaks_between_rows_and_before_the_end():
    """Pretty-printed XML (a line break after each row) is cut as well, and nothing is lost."""
    body = b"".join(row(n) + b"\n" for n in range(1, 10))
    xml = sheet_xml(b"\n" + body)
    prefix, parts, suffix, last_row = split_sheet(xml, THREE_ROWS)
    assert len(parts) >= 2 and last_row == 9
    assert prefix + b"".join(parts) + suffix == xml


def test_merge_parts_joins_neighbouring_runs_and_loses_nothing():
    xml = sheet_xml(b"".join(row(n) for n in range(1, 19)))
    cut = split_sheet(xml, THREE_ROWS)
    prefix, parts, suffix, last_row = xlsx_parts.merge_parts(cut, 2 * THREE_ROWS, keep=2)
    assert len(parts) < len(cut[1]) and all(len(p) >= 2 * THREE_ROWS for p in parts[2:-1])
    assert parts[:2] == cut[1][:2]  # the first two stay small: reading starts soon
    assert prefix + b"".join(parts) + suffix == xml and last_row == 18
    assert xlsx_parts.merge_parts(cut, 0) is cut


def test_with_many_shared_strings_the_parts_are_fewer_and_the_read_the_same(tmp_path, monkeypatch):
    """calamine reads a workbook's shared strings again for every part: parts are at least twice
    their size, so a roster of unique names and IDs is cut into fewer, larger parts."""
    path = build_big_roster(tmp_path / "全市花名册.xlsx")
    to_shared_strings(path)
    whole, _ = read_sheets(path, monkeypatch, parted=False)
    many, many_parts = read_sheets(path, monkeypatch, parted=True)
    assert many == whole
    monkeypatch.setattr(xlsx_parts, "SHARED_STRINGS_SHARE", 2)
    with zipfile.ZipFile(path) as archive:
        shared = archive.getinfo("xl/sharedStrings.xml").file_size
    monkeypatch.setattr(xlsx_parts, "SPLIT_MIN_BYTES", 1)
    with open_workbook(path, path.name) as workbook:
        sheet = next(iter_sheets(workbook, TEACHER_HEADERS))
        parted = workbook._engine.parted[0]
        fewer = parted.part_count
        # parsed ahead: the first ones are gone; the first RAMP_PARTS stay small
        sizes = [len(part) for part in parted.parts[xlsx_parts.RAMP_PARTS:-1] if part]
        assert sum(1 for _ in sheet.rows) == len(whole[0][-1])
    assert 1 < fewer < many_parts[0] and all(size >= 2 * shared for size in sizes if size)


@pytest.mark.parametrize("reverse", [False, True])
def test_each_part_reads_the_shared_strings_it_needs_and_all_when_they_are_numbered_otherwise(
        tmp_path, monkeypatch, reverse):
    """A part's workbook carries the shared strings up to the largest index its last rows use
    (Excel and LibreOffice number them in the order they first appear). Numbered otherwise, a
    part uses a string beyond them: calamine refuses it, and that part and the rest are read
    with the whole table. Either way the read equals the whole read."""
    path = build_big_roster(tmp_path / "全市花名册.xlsx")
    to_shared_strings(path, reverse=reverse)
    whole, _ = read_sheets(path, monkeypatch, parted=False)
    monkeypatch.setattr(xlsx_parts, "TAIL_BYTES", 300)  # a row or two: the tail may miss a part's largest index
    # part index → how many shared strings its workbook carried (None: all of them). Keyed by the
    # part, not by when it was parsed: two parsers may reach a part's table in either order.
    carried: dict[int, int | None] = {}
    parsing = threading.local()  # the part the calling parser thread is on
    choose, parse = xlsx_parts.PartedSheet._shared_strings_for, xlsx_parts.PartedSheet._parse

    def parse_spied(self, index):
        parsing.index = index
        return parse(self, index)

    def spied(self, rows):
        table = choose(self, rows)
        carried[parsing.index] = None if table is None else table.count(b"</si>")
        return table
    monkeypatch.setattr(xlsx_parts.PartedSheet, "_parse", parse_spied)
    monkeypatch.setattr(xlsx_parts.PartedSheet, "_shared_strings_for", spied)
    books = []
    parse_book = xlsx_parts.PartedSheet._parse_book

    def counted(self, book, index):
        books.append(index)
        return parse_book(self, book, index)
    monkeypatch.setattr(xlsx_parts.PartedSheet, "_parse_book", counted)
    parted, parts = read_sheets(path, monkeypatch, parted=True)
    assert parted == whole and parts[0] > 10
    assert sorted(carried) == list(range(parts[0]))  # every part parsed, each chose its table once
    given = [carried[index] for index in range(parts[0])]  # in the order of the rows
    with zipfile.ZipFile(path) as archive:
        strings = archive.read("xl/sharedStrings.xml").count(b"</si>")
    trimmed = [n for n in given if n is not None]
    if reverse:  # the parts already on their way when the first one missed are read again; the rest whole
        assert 1 <= len(trimmed) <= xlsx_parts.WORKERS + xlsx_parts.AHEAD and given[-1] is None
        assert parts[0] < len(books) <= parts[0] + len(trimmed)  # read again: at least the first, at most those
    else:  # each part less than the whole table, and more the further down; none read twice
        assert len(trimmed) >= len(given) - 1 and trimmed == sorted(trimmed) and trimmed[0] < strings // 4
        assert len(books) == parts[0]


def test_only_the_first_part_is_searched_for_merged_areas(tmp_path, monkeypatch):
    """calamine reads a sheet's merged areas from its first <mergeCells>, scanning every row to
    it: a second pass over each part. The parts after the first (whose merged areas are not
    used) carry an empty one ahead of their rows, so the scan ends there; their cells and the
    merged fill are read as the whole sheet's (``test_parted_read_equals_whole_read``)."""
    seen = []
    book = xlsx_parts.PartedSheet._book

    def spy(self, part, shared=None):
        seen.append(part[:part.index(b"<sheetData>") + len(b"<sheetData>")])
        return book(self, part, shared)

    path = build_big_roster(tmp_path / "全市花名册.xlsx")
    whole, _ = read_sheets(path, monkeypatch, parted=False)
    monkeypatch.setattr(xlsx_parts.PartedSheet, "_book", spy)
    parted, parts = read_sheets(path, monkeypatch, parted=True)
    assert parts[0] >= 20 and len(seen) == parts[0]
    stop = b"<mergeCells></mergeCells><sheetData>"
    assert not seen[0].endswith(stop) and all(head.endswith(stop) for head in seen[1:])
    assert parted == whole and parted[0][6] is True  # merged 学校名称 filled as in the whole read
