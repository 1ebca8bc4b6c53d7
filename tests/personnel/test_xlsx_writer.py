"""The streaming .xlsx writer of the national template: what Excel (openpyxl here) and our
import's reader (calamine) read back is what was written."""
import io
from decimal import Decimal

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from core.spreadsheets import Workbook

ROWS = [["姓名", "备注", "学时"],
        ["张三", "=HYPERLINK(\"http://x\")", 24],
        [" 前后空格 ", "A & B <c> \"d\"", Decimal("1.5")],
        ["控制\x01字符", None, 0],
        ["-1", "@SUM(A1)", 2.25]]


def written() -> bytes:
    wb = Workbook()
    ws = wb.create_sheet("教职工基础信息")
    for row in ROWS:
        ws.append(row)
    wb.create_sheet("空表")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_excel_reads_back_text_numbers_and_no_formula():
    book = load_workbook(io.BytesIO(written()))
    assert book.sheetnames == ["教职工基础信息", "空表"]
    ws = book["教职工基础信息"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[1] == ["张三", "=HYPERLINK(\"http://x\")", 24]
    assert values[2] == [" 前后空格 ", "A & B <c> \"d\"", 1.5]
    assert values[3] == ["控制字符", None, 0]
    formula = ws["B2"]
    assert (formula.data_type, formula.quotePrefix) == ("s", True)  # text, never evaluated
    assert ws["A5"].quotePrefix and ws["A5"].value == "-1"
    assert not ws["A2"].quotePrefix


def test_calamine_reads_the_same():
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(written())).get_sheet_by_name("教职工基础信息").to_python()
    assert sheet[1][:2] == ["张三", "=HYPERLINK(\"http://x\")"] and sheet[1][2] == 24
    assert sheet[2][0] == " 前后空格 " and sheet[2][1] == "A & B <c> \"d\""
