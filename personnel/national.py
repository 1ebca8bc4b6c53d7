"""The national template (全国教师管理信息系统) as a download (issue 15, item 4): the
basic-information sheet 教职工基础信息 and its sub-sheets 学习经历, 专业技术职务, 交流轮岗,
国内培训, 荣誉 — each in the column order of the import's own template (``imports.kinds``, read
only: the headers and codes our import, and the national system, understand) with coded values
written by their national names, 是/否, and year-months as ``198001``.

The full 身份证件号 and birth date are written only for users with the identity right (the file
is then ready for upload); for anyone else they are masked, and the file says so.
Written by ``core.spreadsheets.Workbook`` (rows as XML text: a city's template in seconds, not minutes
with openpyxl). No formula reaches Excel: every text is a text cell, and one that
``core.spreadsheets.escape_cell`` would escape (it starts with ``= + - @``) carries Excel's quote
prefix (the apostrophe Excel itself puts before such text) instead of an apostrophe in the value —
Excel shows it as text and never evaluates it, and the value stays exactly the record's, so the
file goes back into the national system, or our import, unchanged (``escape_cell``'s apostrophe
would be read as part of the 备注).
"""
from __future__ import annotations

import datetime as dt
import io
import operator
from decimal import Decimal


from core.i18n import in_data_language
from core.spreadsheets import Workbook, escape_cell
from imports.kinds import KINDS
from training.models import CreditRecord
from core.identity import mask_birth_date, mask_id_number
from workforce.models import Award, EducationRecord, Exchange, Teacher, TitleAppointment

SCHOOL_KEYS = ("school_code", "school_name")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000
# the sheets, in the national system's order: kind of imports.kinds → sheet title
SHEETS = [("teachers", "教职工基础信息"), ("education", "学习经历"), ("titles", "专业技术职务"),
          ("rotations", "交流轮岗"), ("training", "国内培训"), ("honours", "荣誉")]


def columns(kind: str):
    """The columns of a sheet: the import's, in its order. The basic sheet keeps the school and
    the teacher's own fields, not a roster's 学历/职称 columns (no field of the teacher: those
    records are their own sheets here)."""
    cols = KINDS[kind].columns
    if kind == "teachers":
        return [col for col in cols if col.field or col.key in SCHOOL_KEYS]
    return list(cols)


def converter(col, *, full_identity: bool = True):
    """The function writing one column's values as the national sheet does (worked out once a
    column: choices by their national name, 是/否, year-months as 198001, IDs masked unless
    ``full_identity``); blank stays blank."""
    if col.type == "id":
        return (lambda v: v or None) if full_identity else (lambda v: mask_id_number(v) if v else None)
    if col.key == "birth_date" and not full_identity:
        return lambda v: mask_birth_date(v) if v else None
    if col.type == "bool":
        return lambda v: None if v is None else ("是" if v else "否")
    if col.type == "month":
        return lambda v: f"{v:%Y%m}" if isinstance(v, dt.date) else (v or None)
    if col.type == "date":
        return lambda v: f"{v:%Y-%m-%d}" if isinstance(v, dt.date) else (v or None)
    if col.type == "choice" and col.choices is not None:
        names = {code: str(label) for code, label in col.choices.choices}
        return lambda v: names.get(v, v) if v not in (None, "") else None
    return _plain


def _plain(value):
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def cell(col, value, *, full_identity: bool = True):
    """One value as the national sheet writes it (``converter`` of its column)."""
    return converter(col, full_identity=full_identity)(value)


# column key → the value's path from the sheet's record (default: the column's field); a pair
# is "the first, else the second" (an exchange's school as named on it, else its school's name)
_IDENTITY = {"name": "teacher__name", "id_number": "teacher__id_number", "staff_no": "teacher__staff_no"}
PATHS = {
    "teachers": {"school_code": "school__code", "school_name": "school__name"},
    "education": _IDENTITY,
    "titles": _IDENTITY,
    "rotations": {**_IDENTITY, "exchange_type": "exchange_type__name",
                  "from_school": ("from_name", "from_school__name"), "to_school": ("to_name", "to_school__name")},
    "training": {**_IDENTITY, "training_year": "year", "programme": "title"},
    "honours": {**_IDENTITY, "honour_level": "honour_type__level", "honour_title": "honour_type__name"},
}


def _plan(kind: str, cols, full: bool):
    """The paths to read (one ``values_list``) and, per column, (getter of a row, converter)."""
    paths: list[str] = []

    def at(path: str) -> int:
        if path not in paths:
            paths.append(path)
        return paths.index(path)

    getters = []
    for col in cols:
        path = PATHS[kind].get(col.key) or col.field or col.key
        if isinstance(path, tuple):
            first, second = at(path[0]), at(path[1])
            get = lambda row, first=first, second=second: row[first] or row[second]  # noqa: E731
        else:
            get = operator.itemgetter(at(path))
        getters.append((get, converter(col, full_identity=full)))
    return paths, getters


def _records(kind: str, chunk: list[int]):
    """The chunk's records of a sheet, in the order of the file (school, teacher, date)."""
    if kind == "teachers":
        return Teacher.objects.filter(pk__in=chunk).order_by("school__code", "pk")
    model, when, extra = {
        "education": (EducationRecord, "end", {}), "titles": (TitleAppointment, "appointed_on", {}),
        "rotations": (Exchange, "start", {}), "honours": (Award, "awarded_on", {}),
        "training": (CreditRecord, "year", {"status": CreditRecord.Status.APPROVED}),
    }[kind]
    return model.objects.filter(teacher_id__in=chunk, **extra).order_by("teacher__school__code", "teacher_id", when, "pk")


@in_data_language
def workbook(teachers, *, full_identity: bool) -> tuple[bytes, int]:
    """The workbook for ``teachers`` (a queryset already cut to the user's scope and choice);
    returns (bytes, number of teachers). Queries: one a sheet a chunk of teachers, read as plain
    rows (``values_list``: no model instances for a city's millions of values)."""
    book = Workbook()
    ids = list(teachers.order_by("school__code", "pk").values_list("pk", flat=True))
    sheets = {}
    for kind, title in SHEETS:
        ws = book.create_sheet(title)
        cols = columns(kind)
        ws.append([escape_cell(("*" if col.required else "") + col.label) for col in cols])
        sheets[kind] = (ws, *_plan(kind, cols, full_identity))
    if not full_identity:
        note = book.create_sheet("说明")
        note.append([escape_cell("身份证件号与出生日期已遮蔽：本文件不能直接上传全国系统。请由有完整证件号权限的人员导出。")])
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for kind, _title in SHEETS:
            ws, paths, getters = sheets[kind]
            for row in _records(kind, chunk).values_list(*paths):
                ws.append([convert(get(row)) for get, convert in getters])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), len(ids)

