"""Readers, header detection and header synonyms, on real files built in tmp_path.

No database: run with ``pytest tests/imports -p no:django`` or with pytest-django active.
"""

import csv
import datetime
import io
import struct
import zipfile

import openpyxl
import pytest

from imports.readers import (
    UnreadableFile,
    _GridExtent,
    column_letter,
    detect_header_row,
    iter_sheets,
    normalise_header,
    open_workbook,
)
from imports.synonyms import (
    HEADER_INDEXES,
    detect_sheet_kind,
    header_matcher,
    lookup_header,
    map_headers,
)

TEACHER_HEADERS = header_matcher("teacher")

ROSTER_HEADERS = ["序号", "学校名称", "*姓名", "*性别", "*身份证件号", "*出生日期",
                  "*参加工作年月", "备注"]

# The basic-information sheet of the national system, in order (DOMAIN.md).
NATIONAL_HEADERS = [
    "*姓名", "曾用名", "*性别", "教职工号", "*国籍/地区", "*身份证件类型", "*身份证件号",
    "*出生日期", "籍贯", "出生地", "*民族", "*政治面貌", "婚姻状况", "健康状况", "*参加工作年月",
    "*进本校年月", "*教职工来源", "*教职工类别", "*是否在编", "*用人形式", "*签订合同情况",
    "*是否全日制师范类专业毕业", "*是否受过特教专业培养培训", "*是否有特殊教育从业证书",
    "*信息技术应用能力", "*是否属于免费（公费）师范生", "*是否参加基层服务项目",
    "参加基层服务项目起始年月", "参加基层服务项目结束年月", "*是否是特级教师",
    "*是否是县级及以上骨干教师", "*是否心理健康教育教师", "*人员状态", "备注",
]


# --------------------------------------------------------------------------- builders

def build_roster_xlsx(path, *, extra_sheet=True):
    """A district roster as HR offices send it.

    Row 1 merged title, row 2 sub-title, row 3 headers with '*', row 4 data (formula in
    备注), row 5 blank, rows 6-7 data with the school name merged over B6:B7, rows 8-9
    pre-numbered empty rows (only 序号).
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "教职工基础信息"
    ws["A1"] = "XX区2025年教职工花名册"
    ws.merge_cells("A1:H1")
    ws["A2"] = "填报单位：XX区教育局　　填报日期：2025年9月"
    for col, header in enumerate(ROSTER_HEADERS, start=1):
        ws.cell(row=3, column=col, value=header)
    rows = {
        4: [1, "海州实验小学", "张三", "男", "320702198001151234",
            datetime.date(1980, 1, 15), "198001", "=1+1"],
        6: [2, "新浦中学", "李四", "女", "32070219850203122X",
            datetime.datetime(1985, 2, 3), 198502, None],
        7: [3, None, "王五", "男", "320702199002021235", "1990-02-02", "2012.9", None],
        8: [4],
        9: [5],
    }
    for r, values in rows.items():
        for col, value in enumerate(values, start=1):
            ws.cell(row=r, column=col, value=value)
    for r in (4, 6, 7):
        ws.cell(row=r, column=5).number_format = "@"  # ID column as text
    ws.cell(row=4, column=6).number_format = "yyyy-mm-dd"
    ws.cell(row=6, column=6).number_format = "yyyy-mm-dd"
    text_formula = ws.cell(row=6, column=8, value="=SUM(A1:A2)")
    text_formula.data_type = "s"  # a text cell that merely starts with '='
    ws.merge_cells("B6:B7")
    if extra_sheet:
        notes = wb.create_sheet("填表说明")
        notes["A1"] = "1. 带*号的为必填项"
        notes["A2"] = "2. 日期格式为 198001"
    wb.save(path)
    return path


def rewrite_member(path, member, change):
    """Rewrite one part of a zip file in place."""
    with zipfile.ZipFile(path) as zin:
        parts = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            zout.writestr(info.filename, change(data) if info.filename == member else data)


def read_sheet(path, filename=None, known=TEACHER_HEADERS, **kwargs):
    with open_workbook(path, filename or path.name, **kwargs) as workbook:
        sheets = []
        for sheet in iter_sheets(workbook, known):
            sheets.append((sheet, list(sheet.rows)))
        return workbook.engine, sheets


# --------------------------------------------------------------------------- xlsx

def test_xlsx_roster_header_rows_and_values(tmp_path):
    path = build_roster_xlsx(tmp_path / "花名册.xlsx")
    engine, sheets = read_sheet(path)
    assert engine == "calamine"
    (sheet, rows), (notes, note_rows) = sheets
    assert sheet.name == "教职工基础信息"
    assert sheet.header_row == 3
    assert sheet.headers == ROSTER_HEADERS
    assert sheet.row_number_column == 0
    # Row 5 is blank, rows 8-9 only hold a 序号: skipped. Numbers are Excel's.
    assert [number for number, _ in rows] == [4, 6, 7]
    first = dict(zip(ROSTER_HEADERS, rows[0][1]))
    assert first["*身份证件号"] == "320702198001151234"
    assert first["*出生日期"] == datetime.date(1980, 1, 15)
    assert first["*参加工作年月"] == "198001"
    # A formula without a cached value is not evaluated: it reads as blank.
    assert first["备注"] == ""
    second = dict(zip(ROSTER_HEADERS, rows[1][1]))
    assert second["*出生日期"] == datetime.date(1985, 2, 3)
    assert second["*参加工作年月"] == 198502
    assert second["备注"] == "=SUM(A1:A2)"  # text that starts with '=' stays text
    # The school name merged over B6:B7 reaches both rows.
    assert sheet.merged_filled
    assert rows[1][1][1] == "新浦中学"
    assert rows[2][1][1] == "新浦中学"
    # The instructions sheet has no header row.
    assert notes.name == "填表说明"
    assert notes.header_row is None and notes.headers == [] and note_rows == []


def test_xlsx_formula_cached_value_is_read(tmp_path):
    path = build_roster_xlsx(tmp_path / "roster.xlsx", extra_sheet=False)
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda xml: xml.replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>"))
    _, [(sheet, rows)] = read_sheet(path)
    assert rows[0][1][7] == 2


def test_xlsx_openpyxl_engine_reads_the_same_rows(tmp_path):
    path = build_roster_xlsx(tmp_path / "roster.xlsx", extra_sheet=False)
    engine, [(sheet, rows)] = read_sheet(path, engine="openpyxl")
    assert engine == "openpyxl"
    assert sheet.header_row == 3
    assert [number for number, _ in rows] == [4, 6, 7]
    assert rows[0][1][4] == "320702198001151234"
    assert rows[0][1][5] == datetime.date(1980, 1, 15)
    assert rows[0][1][7] == ""
    assert rows[1][1][7] == "=SUM(A1:A2)"
    # Read-only openpyxl reports no merged areas: the lower cell stays blank.
    assert rows[2][1][1] == ""


def test_xlsx_table_not_starting_at_a1(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for col, header in enumerate(["*姓名", "*身份证件号", "*性别"], start=3):
        ws.cell(row=3, column=col, value=header)
    ws.cell(row=4, column=3, value="张三")
    ws.cell(row=4, column=4, value="320702198001151234")
    ws.cell(row=4, column=5, value="男")
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    _, [(sheet, rows)] = read_sheet(path)
    assert sheet.header_row == 3
    assert sheet.headers == ["", "", "*姓名", "*身份证件号", "*性别"]
    assert sheet.first_column == 2 and column_letter(sheet.first_column) == "C"
    assert rows == [(4, ["", "", "张三", "320702198001151234", "男"])]


def test_xlsx_from_file_object_and_hidden_sheet(tmp_path):
    path = build_roster_xlsx(tmp_path / "roster.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["填表说明"].sheet_state = "hidden"
    wb.save(path)
    with open(path, "rb") as fh:
        data = io.BytesIO(fh.read())
    with open_workbook(data, "上传的花名册.xlsx") as workbook:
        infos = workbook.sheets()
        assert [(i.name, i.visible) for i in infos] == [("教职工基础信息", True), ("填表说明", False)]
        sheets = list(iter_sheets(workbook, TEACHER_HEADERS, include_hidden=False))
        assert [s.name for s in sheets] == ["教职工基础信息"]
        assert [n for n, _ in sheets[0].rows] == [4, 6, 7]
    assert not data.closed  # the caller's file object is left open


def test_raw_rows_keep_everything(tmp_path):
    path = build_roster_xlsx(tmp_path / "roster.xlsx", extra_sheet=False)
    with open_workbook(path, "roster.xlsx") as workbook:
        rows = list(workbook.iter_rows("教职工基础信息"))
    assert [n for n, _ in rows] == list(range(1, 10))
    assert rows[0][1][0] == "XX区2025年教职工花名册"
    assert rows[4][1] == [""] * 8


def test_django_style_upload_with_temporary_path(tmp_path):
    path = build_roster_xlsx(tmp_path / "tmpab12.upload.xlsx", extra_sheet=False)

    class TemporaryUpload:
        name = "花名册.xlsx"

        def temporary_file_path(self):
            return str(path)

    with open_workbook(TemporaryUpload(), "花名册.xlsx") as workbook:
        [sheet] = iter_sheets(workbook, TEACHER_HEADERS)
        assert [n for n, _ in sheet.rows] == [4, 6, 7]


# --------------------------------------------------------------------------- xls

def build_roster_xls(path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("花名册")
    ws.write_merge(0, 0, 0, 4, "XX区2025年教职工花名册")
    ws.write(1, 0, "填报单位：新浦中学")
    for col, header in enumerate(["序号", "*姓名", "*身份证件号", "*出生日期", "*是否在编"]):
        ws.write(2, col, header)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write(3, 0, 1)
    ws.write(3, 1, "张三")
    ws.write(3, 2, "320702198001151234")
    ws.write(3, 3, datetime.date(1980, 1, 15), date_style)
    ws.write(3, 4, "是")
    # row 5 (index 4) blank
    ws.write(5, 0, 2)
    ws.write(5, 1, "李四")
    ws.write(5, 2, 320702198502031220)  # an ID that Excel turned into a number
    ws.write(5, 3, 198502)
    ws.write(5, 4, True)
    ws.write(6, 0, 3)  # pre-numbered empty row
    book.save(str(path))
    return path


@pytest.mark.parametrize("engine", ["calamine", "xlrd"])
def test_xls_roster(tmp_path, engine):
    path = build_roster_xls(tmp_path / "花名册.xls")
    used, [(sheet, rows)] = read_sheet(path, engine=engine)
    assert used == engine
    assert sheet.header_row == 3
    assert sheet.headers == ["序号", "*姓名", "*身份证件号", "*出生日期", "*是否在编"]
    assert [n for n, _ in rows] == [4, 6]
    first, second = rows[0][1], rows[1][1]
    assert first[1:] == ["张三", "320702198001151234", datetime.date(1980, 1, 15), "是"]
    assert isinstance(second[2], float)  # the numeric ID arrives as a number
    assert second[3] == 198502
    assert second[4] is True


# --------------------------------------------------------------------------- csv

CSV_ROWS = [
    ["XX区2025年教职工花名册"],
    ["填报单位：XX区教育局"],
    [],
    ["*姓名", "*身份证件号", "*出生日期", "*人员状态"],
    ["张三", "320702198001151234", "1980-01-15", "在本单位任职"],
    ["", "", "", ""],
    ["李四", "32070219850203122X", "1985年2月", "100"],
]


def write_csv(path, encoding, rows=CSV_ROWS):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030", "utf-16"])
def test_csv_encodings(tmp_path, encoding):
    path = write_csv(tmp_path / "roster.csv", encoding)
    engine, [(sheet, rows)] = read_sheet(path)
    assert engine == "csv"
    assert sheet.name == "roster"
    assert sheet.header_row == 4
    assert sheet.headers == ["*姓名", "*身份证件号", "*出生日期", "*人员状态"]
    assert rows == [
        (5, ["张三", "320702198001151234", "1980-01-15", "在本单位任职"]),
        (7, ["李四", "32070219850203122X", "1985年2月", "100"]),
    ]


def test_csv_skips_rows_numbered_in_first_column_and_pads_short_rows(tmp_path):
    rows = [["姓名", "身份证件号", "性别"], ["张三", "320702198001151234"], ["2"], ["3", "", ""]]
    path = write_csv(tmp_path / "short.csv", "utf-8", rows)
    _, [(sheet, data)] = read_sheet(path)
    assert sheet.row_number_column is None
    assert data == [(2, ["张三", "320702198001151234", ""])]


def test_csv_from_non_seekable_stream(tmp_path):
    raw = write_csv(tmp_path / "roster.csv", "gbk").read_bytes()

    class Stream:
        def __init__(self):
            self._inner = io.BytesIO(raw)

        def read(self, n=-1):
            return self._inner.read(n)

        def seekable(self):
            return False

    with open_workbook(Stream(), "roster.csv") as workbook:
        [sheet] = iter_sheets(workbook, TEACHER_HEADERS)
        assert [n for n, _ in sheet.rows] == [5, 7]


def test_csv_that_is_not_text(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"\x81\x30\xff\xfe\x00\x01binary\x00\x00" * 50)
    with pytest.raises(UnreadableFile, match="data.csv"):
        open_workbook(path, "data.csv")


# --------------------------------------------------------------------------- hostile files

def test_oversize_file_refused(tmp_path):
    path = build_roster_xlsx(tmp_path / "big.xlsx")
    with pytest.raises(UnreadableFile, match=r"“big.xlsx”太大"):
        open_workbook(path, "big.xlsx", max_size=1024)


def test_empty_file_refused(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(UnreadableFile, match="empty.xlsx.*空文件"):
        open_workbook(path, "empty.xlsx")


def test_unsupported_extension_refused(tmp_path):
    path = tmp_path / "roster.xlsb"
    path.write_bytes(b"whatever")
    with pytest.raises(UnreadableFile, match="roster.xlsb.*只能上传"):
        open_workbook(path, "roster.xlsb")


def test_text_file_named_xlsx_refused(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("姓名,身份证件号\n张三,320702198001151234\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="roster.xlsx.*纯文本") as info:
        open_workbook(path, "roster.xlsx")
    assert "另存为 .xlsx" in info.value.message


def test_html_named_xls_refused(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>姓名</td></tr></table></body></html>",
                    encoding="utf-8")
    with pytest.raises(UnreadableFile, match="export.xls.*网页"):
        open_workbook(path, "export.xls")


def test_xlsx_named_xls_and_xls_named_xlsx_refused(tmp_path):
    xlsx = build_roster_xlsx(tmp_path / "a.xlsx")
    with pytest.raises(UnreadableFile, match=r"a.xls.*改为 \.xlsx"):
        open_workbook(xlsx, "a.xls")
    ole = tmp_path / "b.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(UnreadableFile, match="b.xlsx.*旧版 .xls 格式或设置了打开密码"):
        open_workbook(ole, "b.xlsx")
    with pytest.raises(UnreadableFile, match="c.csv.*扩展名改为"):
        open_workbook(xlsx, "c.csv")


def test_zip_that_is_not_a_workbook_refused(tmp_path):
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    with pytest.raises(UnreadableFile, match="report.xlsx.*不是 Excel 工作簿"):
        open_workbook(path, "report.xlsx")


def test_corrupt_workbook_refused(tmp_path):
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "this is not xml")
    with pytest.raises(UnreadableFile, match="broken.xlsx.*无法读取") as info:
        open_workbook(path, "broken.xlsx")
    assert "calamine" in info.value.detail and "openpyxl" in info.value.detail


def add_zeros_member(path, member, size):
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        with zf.open(member, "w", force_zip64=True) as out:
            block = b"\x00" * (1024 * 1024)
            for _ in range(size // len(block)):
                out.write(block)


def test_zip_bomb_by_ratio_refused(tmp_path):
    path = build_roster_xlsx(tmp_path / "bomb.xlsx")
    add_zeros_member(path, "xl/media/image1.bin", 20 * 1024 * 1024)
    assert path.stat().st_size < 200_000
    with pytest.raises(UnreadableFile, match="bomb.xlsx.*压缩比异常.*压缩炸弹"):
        open_workbook(path, "bomb.xlsx")


def test_zip_bomb_by_total_size_refused(tmp_path):
    path = build_roster_xlsx(tmp_path / "bomb.xlsx")
    with pytest.raises(UnreadableFile, match="bomb.xlsx.*解压后.*超过上限"):
        open_workbook(path, "bomb.xlsx", max_uncompressed=2000)


def test_zip_bomb_with_lying_sizes_refused(tmp_path):
    """Declared sizes are small, the deflate stream is not: found by inflating."""
    path = build_roster_xlsx(tmp_path / "liar.xlsx")
    member = "xl/media/image1.bin"
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, b"\x00" * (8 * 1024 * 1024))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
        central = zf.start_dir
    lie = 1000
    struct.pack_into("<I", data, info.header_offset + 22, lie)  # local header
    pos = central
    while data[pos:pos + 4] == b"PK\x01\x02":  # central directory
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        if bytes(data[pos + 46:pos + 46 + name_len]) == member.encode():
            struct.pack_into("<I", data, pos + 24, lie)
        pos += 46 + name_len + extra_len + comment_len
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(member).file_size == lie
    with pytest.raises(UnreadableFile, match="liar.xlsx.*实际大小超过了声明的大小"):
        open_workbook(path, "liar.xlsx")


BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
)


def test_xml_entity_expansion_refused(tmp_path):
    path = build_roster_xlsx(tmp_path / "laughs.xlsx")

    def add_doctype(xml):
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return BILLION_LAUGHS + body.replace(b"XX\xe5\x8c\xba", b"&lol3;", 1)

    rewrite_member(path, "xl/worksheets/sheet1.xml", add_doctype)
    with pytest.raises(UnreadableFile, match="laughs.xlsx.*sheet1.xml.*DOCTYPE"):
        open_workbook(path, "laughs.xlsx")


def test_xml_doctype_hidden_behind_a_long_comment_refused(tmp_path):
    path = build_roster_xlsx(tmp_path / "sneaky.xlsx")
    rewrite_member(path, "xl/workbook.xml",
                   lambda xml: b"<!--" + b" " * 10_000 + b"-->" + BILLION_LAUGHS + xml)
    with pytest.raises(UnreadableFile, match="sneaky.xlsx.*workbook.xml"):
        open_workbook(path, "sneaky.xlsx")


def test_sheet_grid_with_far_corner_refused(tmp_path):
    """calamine would allocate A1:XFD1048576 densely (550 GB) and abort the process."""
    path = build_roster_xlsx(tmp_path / "corner.xlsx")
    far_cell = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda xml: xml.replace(b"</sheetData>", far_cell))
    with pytest.raises(UnreadableFile, match=r"corner.xlsx.*1,048,576 行 × 16,384 列.*超过上限"):
        open_workbook(path, "corner.xlsx")


def test_sheet_grid_widened_by_cells_without_reference_refused(tmp_path):
    path = build_roster_xlsx(tmp_path / "wide.xlsx")
    wide_row = b'<row r="5000">' + b"<c/>" * 500 + b"</row></sheetData>"
    rewrite_member(path, "xl/worksheets/sheet1.xml",
                   lambda xml: xml.replace(b"</sheetData>", wide_row))
    with pytest.raises(UnreadableFile, match="wide.xlsx.*5,000 行 × 50[0-9] 列"):
        open_workbook(path, "wide.xlsx", max_cells=1_000_000)
    open_workbook(path, "wide.xlsx", max_cells=None).close()  # the check can be turned off


def test_sheet_grid_of_prefixed_rows_and_cells_refused(tmp_path):
    """calamine reads <x:row> and <x:c> (a namespace prefix, as some generators write): rows
    and cells without a reference there count as much as without the prefix."""
    path = build_roster_xlsx(tmp_path / "prefixed.xlsx")
    rows = b"<x:row><x:c><x:v>1</x:v></x:c></x:row>" * 3000
    far = b'<x:row><x:c r="XFD1"><x:v>1</x:v></x:c></x:row>'
    rewrite_member(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        b"</sheetData>", b'</sheetData><x:sheetData xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + far + rows + b"</x:sheetData>"))
    with pytest.raises(UnreadableFile, match="prefixed.xlsx.*3,0[0-9]{2} 行 × 16,[0-9]{3} 列.*超过上限"):
        open_workbook(path, "prefixed.xlsx", max_cells=10_000_000)


@pytest.mark.parametrize("xml, grid", [
    (b'<x:row r="3"><x:c r="B3" s="1"><x:v>1</x:v></x:c><x:c r="AH3"/></x:row>', (3, 34)),
    (b"<x:row><x:c/><x:c/></x:row><x:row/>", (2, 2)),
    (b'<row r="3"><c r="B3" s="1"><v>1</v></c><c r="AH3"/></row>', (3, 34)),
    (b'<row r="1"><c r="A1"/></row><row r="1048576"><c r="XFD1048576"/></row>', (1048576, 16384)),
    (b'<row r="2"><c\nr="ZZ7"/></row>', (7, 702 + 1)),     # unusual spacing: counted as ref-less
    (b"<row><c/><c/><c/></row><row><c><v>1</v></c></row>", (2, 3)),
    (b'<row r="99999999"/>', (1 << 40, 0)),
    (b'<c r="ABCD1"/>', (0, 1 << 40)),  # four letters: beyond any sheet
    (b'<selection activeCell="ZZ9" sqref="ZZ9"/><mergeCell ref="A1:ZZ2"/>', (0, 0)),
])
def test_grid_extent(xml, grid):
    extent = _GridExtent()
    extent.feed(xml)
    assert extent.finish() == grid


def test_grid_extent_across_window_boundaries():
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="C%d"/></row>' % (r, r, r)
                    for r in range(1, 300))
    xml = rows + b'<row r="300"><c r="AB300"/></row>'
    for window in (17, 50, 64, 1000):
        extent = _GridExtent()
        extent.WINDOW = window
        for i in range(0, len(xml), 7):
            extent.feed(xml[i:i + 7])
        assert extent.finish() == (300, 28)


# --------------------------------------------------------------------------- headers

@pytest.mark.parametrize("raw, expected", [
    ("*身份证件号 ", "身份证件号"),
    ("＊身份证件号", "身份证件号"),
    ("身份\u3000证件号\xa0", "身份证件号"),
    ("*是否属于免费（公费）师范生", "是否属于免费(公费)师范生"),
    ("出生日期\n(YYYYMMDD)", "出生日期(yyyymmdd)"),
    ("是否“双师型”教师", '是否双师型教师'),
    ('是否"双师型"教师', '是否双师型教师'),
    ("ＮＯ．", "no."),
    (None, ""),
    (2025.0, "2025"),
])
def test_normalise_header(raw, expected):
    assert normalise_header(raw) == expected


def test_header_row_needs_two_known_headers_and_prefers_the_best_row():
    rows = [
        ["XX区2025年教职工花名册"],
        ["学校名称：新浦中学", "", "姓名"],  # one known header only
        ["说明", "姓名", "性别"],
        ["序号", "*姓名", "*性别", "*身份证件号"],
        ["1", "张三", "男", "320702198001151234"],
    ]
    assert detect_header_row(rows, TEACHER_HEADERS) == 3
    assert detect_header_row(rows[:2], TEACHER_HEADERS) is None
    assert detect_header_row(rows, {"姓名", "*身份证件号"}) == 3
    assert detect_header_row(rows, {"姓名", "性别"}) == 2  # tie: the first wins


def test_every_domain_column_has_a_key():
    mapping, unknown = map_headers(NATIONAL_HEADERS)
    assert unknown == []
    assert list(mapping.values()) == [
        "name", "former_name", "sex", "staff_no", "nationality", "id_type", "id_number",
        "birth_date", "native_place", "birthplace", "ethnicity", "political_status",
        "marital_status", "health", "work_start", "school_entry", "source", "staff_category",
        "on_establishment", "employment_form", "contract", "normal_graduate",
        "special_ed_trained", "special_ed_cert", "it_ability", "free_normal",
        "grassroots_service", "grassroots_start", "grassroots_end", "special_grade",
        "backbone", "mental_health", "status", "remarks",
    ]
    extras = ["是否全日制学前教育专业毕业", "是否受过学前教育专业培养培训", '是否"双师型"教师',
              "是否具备职业技能等级证书", "企业工作(实践)时长", "学校标识码", "学校名称",
              "任教学段", "任教学科", "序号",
              # a 花名册's 学历 and 职称 columns (tests/imports/test_roster_education_titles.py)
              "最高学历", "最高学位", "毕业院校", "所学专业", "毕业时间", "专业技术职务", "任职时间"]
    mapping, unknown = map_headers(extras)
    assert unknown == []
    assert set(mapping.values()) == {
        "preschool_major", "preschool_trained", "dual_qualified", "vocational_cert",
        "enterprise_months", "school_code", "school_name", "teaching_stage", "subject", "row_no",
        "highest_education", "highest_degree", "graduated_from", "graduated_major", "graduated_on",
        "current_title", "title_appointed_on"}
    assert set(HEADER_INDEXES["teacher"].values()) == set(mapping.values()) | set(map_headers(NATIONAL_HEADERS)[0].values())


def test_map_headers_variants_duplicates_and_unknowns():
    mapping, unknown = map_headers(
        ["序号", "姓 名", "身份证号码", "*身份证件号", None, "", "出生年月\n(格式:198001)", "工资"])
    assert mapping == {0: "row_no", 1: "name", 2: "id_number", 6: "birth_date"}
    assert unknown == ["*身份证件号", "工资"]
    assert HEADER_INDEXES["teacher"]["公民身份号码"] == "id_number"
    assert lookup_header("企业工作（实践）时长（小时）") == "enterprise_months"


def test_sub_sheet_headers():
    mapping, unknown = map_headers(
        ["姓名", "身份证件号", "学历", "学位层次", "学位名称", "学习方式", "学习单位", "所学专业",
         "是否师范类专业", "最高学历标识", "第一学历标识", "入学年月", "毕业年月"], "education")
    assert unknown == [] and len(mapping) == 13
    mapping, unknown = map_headers(
        ["身份证件号", "交流轮岗类型", "是否调动人事关系", "开始年月", "结束年月", "原单位名称",
         "交流轮岗单位名称"], "exchange")
    assert unknown == [] and mapping[5] == "from_school" and mapping[6] == "to_school"
    mapping, unknown = map_headers(
        ["身份证件号", "培训年度", "培训类别", "项目名称", "培训机构", "培训方式", "培训获得学时",
         "学分"], "training")
    assert unknown == [] and mapping[6] == "hours"
    mapping, unknown = map_headers(["身份证件号", "荣誉级别", "荣誉称号", "荣誉日期", "授予单位"],
                                   "honour")
    assert unknown == []
    mapping, unknown = map_headers(["学校标识码", "学校名称", "所属区县", "学校类型", "办学性质",
                                    "城乡类型", "村小/教学点"], "school")
    assert unknown == [] and len(mapping) == 7
    mapping, unknown = map_headers(["学校标识码", "学年", "学段", "在校生数", "班级数"], "enrolment")
    assert unknown == [] and len(mapping) == 5
    assert set(HEADER_INDEXES) >= {"teacher", "education", "exchange", "training", "honour", "title", "school",
                                   "enrolment", "quota"}
    assert detect_sheet_kind(["姓名", "身份证件号", "学历", "学位层次", "所学专业"]) == "education"
    assert detect_sheet_kind(NATIONAL_HEADERS) == "teacher"
    assert detect_sheet_kind(["工资", "奖金"]) is None


def test_column_letter():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_a_rows_filled_cells_are_counted_alike_on_the_quick_path():
    """``_filled_cells``'s quick path for a row whose first two cells are filled gives what the
    cell-by-cell count gives, for every kind of cell the readers return."""
    import datetime as dt
    import random

    from imports.readers import _filled_cells

    def counted(cells):
        count, first = 0, -1
        for index, value in enumerate(cells):
            if value == "" or value is None or (type(value) is str and value.isspace()):
                continue
            first = index if count == 0 else first
            count += 1
            if count == 2:
                break
        return count, first

    kinds = ["", None, " ", "\u3000", "张三", 0, 0.0, 1, False, True, dt.date(2020, 1, 1), " 1 "]
    rnd = random.Random(13)
    for _ in range(20_000):
        cells = [rnd.choice(kinds) for _ in range(rnd.randrange(0, 5))]
        assert _filled_cells(cells) == counted(cells), cells
