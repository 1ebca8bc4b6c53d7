"""The .xlsx files the import pages hand out: a template per kind and the error report.

* ``template(kind)``: the kind's columns in order, required ones marked ``*`` (and red), a
  dropdown (openpyxl ``DataValidation``) for every coded or 是/否 column fed from a hidden
  sheet of options, the ID and code columns formatted as text (``@``) so Excel keeps every
  digit, and a sheet of instructions.
* ``error_report(run, masked=...)``: the rows of the uploaded file (read again from the copy kept
  for the run), an error column first, each bad cell filled red with the message as a comment.
  ``masked`` (for users without the identity right, the uploader too): every 身份证件号 masked —
  the cells of the ID columns (found by their headers) whatever they hold, an ID typed as a
  number, and an ID inside any text — and the birth dates down to their year.

Every text written goes through ``core.spreadsheets.escape_cell`` (no formula injection).
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.masking import mask_text
from core.spreadsheets import escape_cell
from core.identity import mask_birth_date, mask_id_number

from .kinds import KINDS
from .limits import upload_limits
from .readers import open_workbook
from .synonyms import HEADER_INDEXES, lookup_header

TEMPLATE_ROWS = 2000  # rows pre-formatted as text and given dropdowns
RED = PatternFill("solid", fgColor="FFC7CE")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
TEXT_TYPES = ("id",)
TEXT_KEYS = {"school_code", "code", "staff_no", "id_number"}
OPTIONS_SHEET = "选项"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _star(column) -> bool:
    return column.required or column.key in {"sex", "birth_date"}


def template(kind_name: str) -> bytes:
    kind = KINDS[kind_name]
    wb = Workbook()
    ws = wb.active
    ws.title = kind.template_title
    options = wb.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    options["A1"] = "下拉选项（请勿修改）"
    option_col = 0
    for index, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=("*" if _star(column) else "") + column.label)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if _star(column):
            cell.font = REQUIRED_FONT
        if column.hint:
            cell.comment = Comment(column.hint, "系统")
        ws.column_dimensions[letter].width = max(10, min(28, len(column.label) * 2 + 4))
        labels = column.choice_labels()
        if labels:
            option_col += 1
            o_letter = get_column_letter(option_col)
            for r, label in enumerate(labels, start=2):
                options.cell(row=r, column=option_col, value=label)
            rule = DataValidation(type="list", formula1=f"={OPTIONS_SHEET}!${o_letter}$2:${o_letter}${len(labels) + 1}",
                                  allow_blank=not column.required, showErrorMessage=True,
                                  errorTitle="请从下拉列表选择", error=f"“{column.label}”只能填写下拉列表中的值")
            rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            ws.add_data_validation(rule)
        if column.type in TEXT_TYPES or column.key in TEXT_KEYS:
            for r in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row=r, column=index).number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填表说明")
    notes.column_dimensions["A"].width = 100
    lines = [f"{kind.label}导入模板", "",
             "带 * 的列为必填；有下拉箭头的列请从列表中选择（也接受常见写法，如“本科”“大专”“在编”）。",
             "身份证件号列已设为文本格式：请直接输入或粘贴 18 位号码，不要设为数字。",
             "日期可写成 198001、1980-01、1980年1月 或 1980-01-15；年月列只比较到月。",
             "可以保留标题行、序号列；空行会被跳过。", *kind.notes]
    for r, line in enumerate(lines, start=1):
        notes.cell(row=r, column=1, value=line)
    notes["A1"].font = Font(bold=True, size=14)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def error_report(run, *, masked: bool = True) -> bytes:
    """The uploaded rows of every sheet that has errors, with an error column and the bad cells
    marked. Needs the kept upload; errors come from ``run.report``. ``masked``: see the module's
    docstring."""
    errors = run.report.get("errors", [])
    by_sheet: dict[str, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for e in errors:
        by_sheet[e["sheet"]][e["row"]].append(e)
    header_rows = {s.get("name"): s.get("header_row") for s in run.report.get("sheets", [])}
    wb = Workbook(write_only=True)
    summary = wb.create_sheet("错误汇总")
    summary.append(["工作表", "行号", "列", "值", "错误"])
    for e in errors:
        value = e["value"]
        if masked:
            key = _identity_key(e["column"])
            value = _masked(value, key)
        summary.append([escape_cell(e["sheet"]), e["row"], escape_cell(e["column"]), escape_cell(value),
                        escape_cell(mask_text(e["message"]) if masked else e["message"])])
    if run.upload:
        with run.upload.open("rb") as fh, open_workbook(fh, run.file_name, **upload_limits()) as book:
            for name in book.sheet_names:
                rows_with_errors = by_sheet.get(name)
                if not rows_with_errors:
                    continue
                _copy_sheet(wb, book, name, rows_with_errors, header_rows.get(name) if masked else None, masked)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _identity_key(header) -> str | None:
    """"id_number" or "birth_date" when ``header`` names a 身份证件号 or 出生日期 column of any kind."""
    for index in HEADER_INDEXES.values():
        key = lookup_header(header, index)
        if key in ("id_number", "birth_date"):
            return key
    return None


def _masked(value, key: str | None):
    """``value`` as a user without the identity right may see it (``key``: its column's)."""
    if value is None or value == "":
        return value
    if key == "birth_date":
        if isinstance(value, (dt.date, dt.datetime)):
            return mask_birth_date(value)
        year = re.match(r"\s*(\d{4})", _text(value))
        return f"{year.group(1)}-**-**" if year else "****-**-**"
    if key == "id_number":
        return mask_id_number(_text(value).strip())
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value and abs(value) >= 1e14:
        return mask_id_number(_text(value))  # an ID typed as a number (15 digits and more)
    return value


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _copy_sheet(wb, book, name: str, rows_with_errors: dict[int, list[dict]], header_row: int | None = None,
                masked: bool = False) -> None:
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet(name[:31])
    keys: dict[int, str] = {}  # column index → "id_number" / "birth_date", from the header row
    for number, cells in book.iter_rows(name):
        if masked and (number == header_row or header_row is None):  # unknown: the first row naming one
            found = {i: k for i, k in ((i, _identity_key(v)) for i, v in enumerate(cells)) if k}
            if found or number == header_row:
                keys, header_row = found, number
        problems = rows_with_errors.get(number, [])
        bad_cols = {p["col"]: p["message"] for p in problems if p.get("col") is not None}
        message = "；".join(f"{p['column']}：{p['message']}" if p["column"] else p["message"] for p in problems)
        if masked:
            message = mask_text(message)
        first = WriteOnlyCell(ws, value=escape_cell(message) if message else ("错误说明" if number == 1 else None))
        if message:
            first.fill = RED
        row = [first]
        for index, value in enumerate(cells):
            if masked and number != header_row:
                value = _masked(value, keys.get(index))
            if isinstance(value, str):
                value = escape_cell(value)
            cell = WriteOnlyCell(ws, value=value if value != "" else None)
            if index in bad_cols:
                cell.fill = RED
                cell.comment = Comment(mask_text(bad_cols[index]) if masked else bad_cols[index], "系统")
            row.append(cell)
        ws.append(row)
