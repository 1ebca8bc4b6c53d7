"""Formula injection: text that starts like a formula is written as text, never evaluated."""
import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from core.spreadsheets import escape_cell, escape_row


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1:A9)", "-2+3", "@SUM(1)", "\t=1", "\r=1",
                                  '=HYPERLINK("http://evil.example","点我")', "=cmd|' /C calc'!A0"])
def test_formula_like_text_gets_a_leading_apostrophe(text):
    assert escape_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["张三", "a=b", "1+1", " 正常文本", "", 12, -3, 4.5, None, True, dt.date(2025, 9, 1)])
def test_other_values_are_left_alone(value):
    assert escape_cell(value) == value


def test_escaped_cells_stay_text_in_a_real_workbook():
    book = Workbook()
    sheet = book.active
    sheet.append(escape_row(["=1+2", "+SUM(A1)", "@x", "-1+1", "安全", -5]))
    sheet.append(["=1+2"])  # what an unescaped write would do
    buffer = io.BytesIO()
    book.save(buffer)
    reread = load_workbook(io.BytesIO(buffer.getvalue()))
    first = [cell for cell in reread.active[1]]
    assert all(cell.data_type != "f" for cell in first)
    assert [c.value for c in first] == ["'=1+2", "'+SUM(A1)", "'@x", "'-1+1", "安全", -5]
    assert reread.active["A2"].data_type == "f"  # the test can tell the difference
