"""The national template (全国教师管理信息系统) as a download (issue 15, item 4): the
basic-information sheet 教职工基础信息 and its sub-sheets 学习经历, 专业技术职务, 交流轮岗,
国内培训, 荣誉 — each in the column order of the import's own template (``imports.kinds``, read
only: the headers and codes our import, and the national system, understand) with coded values
written by their national names, 是/否, and year-months as ``198001``.

The full 身份证件号 and birth date are written only for users with the identity right (the file
is then ready for upload); for anyone else they are masked, and the file says so.
No formula reaches Excel: a text that ``backend.spreadsheets.escape_cell`` would escape (it
starts with ``= + - @``) is written as a text cell with Excel's quote prefix (the apostrophe Excel
itself puts before such text) instead of an apostrophe in the value — Excel shows it as text and
never evaluates it, and the value stays exactly the record's, so the file goes back into the
national system, or our import, unchanged (``escape_cell``'s apostrophe would be read as part of
the 备注).
"""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from backend.i18n import in_data_language
from backend.spreadsheets import escape_cell
from imports.kinds import KINDS
from training.models import CreditRecord
from workforce.identity import mask_birth_date, mask_id_number
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


def cell(col, value, *, model=None, full_identity: bool = True):
    """One value as the national sheet writes it."""
    if value is None or value == "":
        return None
    if col.type == "id":
        return value if full_identity else mask_id_number(value)
    if col.key == "birth_date" and not full_identity:
        return mask_birth_date(value)
    if col.type == "bool":
        return "是" if value else "否"
    if col.type == "month" and isinstance(value, dt.date):
        return f"{value:%Y%m}"
    if col.type == "date" and isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if col.type == "choice" and col.choices is not None:
        return str(dict(col.choices.choices).get(value, value))
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def _text_cell(ws, value):
    """``value`` as a cell no spreadsheet evaluates (see the module)."""
    if isinstance(value, str) and escape_cell(value) != value:
        cell_ = WriteOnlyCell(ws, value=value)
        cell_.data_type, cell_.quotePrefix = "s", True
        return cell_
    return escape_cell(value)


def _row(ws, cols, record, special: dict, full: bool):
    out = []
    for col in cols:
        if col.key in special:
            value = special[col.key](record)
        else:
            value = getattr(record, col.field or col.key, None)
        out.append(_text_cell(ws, cell(col, value, full_identity=full)))
    return out


def _teacher_identity(get):
    return {"name": lambda r: get(r).name, "id_number": lambda r: get(r).id_number,
            "staff_no": lambda r: get(r).staff_no}


@in_data_language
def workbook(teachers, *, full_identity: bool) -> tuple[bytes, int]:
    """The workbook for ``teachers`` (a queryset already cut to the user's scope and choice);
    returns (bytes, number of teachers). Queries: one a sheet a chunk of teachers."""
    wb = Workbook(write_only=True)
    ids = list(teachers.order_by("school__code", "pk").values_list("pk", flat=True))
    sheets = {}
    for kind, title in SHEETS:
        ws = wb.create_sheet(title)
        cols = columns(kind)
        ws.append([escape_cell(("*" if col.required else "") + col.label) for col in cols])
        sheets[kind] = (ws, cols)
    if not full_identity:
        note = wb.create_sheet("说明")
        note.append([escape_cell("身份证件号与出生日期已遮蔽：本文件不能直接上传全国系统。请由有完整证件号权限的人员导出。")])
    by_teacher = lambda r: r.teacher  # noqa: E731
    specials = {
        "teachers": {"school_code": lambda t: t.school.code, "school_name": lambda t: t.school.name},
        "education": _teacher_identity(by_teacher),
        "titles": _teacher_identity(by_teacher),
        "rotations": {**_teacher_identity(by_teacher), "exchange_type": lambda e: e.exchange_type.name,
                      "from_school": lambda e: e.from_name or (e.from_school.name if e.from_school_id else ""),
                      "to_school": lambda e: e.to_name or (e.to_school.name if e.to_school_id else "")},
        "training": {**_teacher_identity(by_teacher), "training_year": lambda r: r.year,
                     "programme": lambda r: r.title},
        "honours": {**_teacher_identity(by_teacher), "honour_level": lambda a: a.honour_type.level,
                    "honour_title": lambda a: a.honour_type.name},
    }
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        querysets = {
            "teachers": Teacher.objects.filter(pk__in=chunk).select_related("school").order_by("school__code", "pk"),
            "education": EducationRecord.objects.filter(teacher_id__in=chunk).select_related("teacher")
            .order_by("teacher__school__code", "teacher_id", "end", "pk"),
            "titles": TitleAppointment.objects.filter(teacher_id__in=chunk).select_related("teacher")
            .order_by("teacher__school__code", "teacher_id", "appointed_on", "pk"),
            "rotations": Exchange.objects.filter(teacher_id__in=chunk)
            .select_related("teacher", "exchange_type", "from_school", "to_school")
            .order_by("teacher__school__code", "teacher_id", "start", "pk"),
            "training": CreditRecord.objects.filter(teacher_id__in=chunk, status=CreditRecord.Status.APPROVED)
            .select_related("teacher").order_by("teacher__school__code", "teacher_id", "year", "pk"),
            "honours": Award.objects.filter(teacher_id__in=chunk).select_related("teacher", "honour_type")
            .order_by("teacher__school__code", "teacher_id", "awarded_on", "pk"),
        }
        for kind, _title in SHEETS:
            ws, cols = sheets[kind]
            for record in querysets[kind]:
                ws.append(_row(ws, cols, record, specials[kind], full_identity))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), len(ids)

