"""THE import path: ``import_run(...)`` — the CLI, the admin, the web upload (and the API) call it.

One pass over the file (streaming reader), every row checked, then one transaction::

    report = import_run(file=upload, filename="花名册.xlsx", user=request.user,
                        dry_run=True, source="web")
    report.new, report.changed, report.unchanged, report.errors   # RowError(sheet, row, column, value, message)

1. **Read** each visible sheet, find its header row, recognise its kind from the headers (or
   ``kind``), parse the cells a batch of rows at a time, column by column, with each column's
   parser (``imports.kinds.BatchParser``: a value seen before costs a dict lookup); a row
   keeps a tuple of its values.
2. **Check** against the database, kind by kind (schools before what refers to them, teachers
   before their sub-records), loading what is needed in a few bulk queries — the school map
   once, existing teachers in chunks of ``id_number__in`` — never a query per row.
3. **Preview** (``dry_run``) stops here: counts new / changed / unchanged / error rows, and the
   changed fields old → new. Nothing is written but the ``ImportRun``.
4. **Commit**: when reading found no error, step 2 runs inside one transaction, and the new
   teachers are INSERTed by a writer thread while the next rows are checked (``NewTeachers``);
   then everything else is written (``bulk_create``, ``fast_update``: ``imports.bulk``) with
   the history of every created or changed record (``backend.audit``, ``run_ref`` = the run).
   Any error row → the transaction is rolled back and nothing is written.

Teachers (the city-sized kind) are checked a chunk of rows at a time and keep only what the
commit needs: a new teacher the row to INSERT, a changed one its changed fields; no model
instance is built for a new teacher unless another sheet of the file refers to it.

Blank cells never clear what the system already holds; columns absent from the file are left
alone. The scope of the uploader (``backend.scoping``) bounds every row: a school's HR imports
its own school, a district's HR its district.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import time
from collections import defaultdict
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import islice, repeat
from operator import itemgetter
from decimal import Decimal
from typing import Any, Callable, Iterable, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Max
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from backend import audit
from backend.i18n import data_language, in_data_language
from backend.db import wide_statements
from backend.roles import Role, can_see_identity, is_hr
from backend.scoping import Scope, scope_for
from workforce import choices as c
from workforce import honours, rules
from workforce.identity import IdNumberError, mask_birth_date, mask_id_number, parse_id_number
from workforce.models import (
    Award, District, EducationRecord, Enrolment, Exchange, ExchangeType, HonourType, School, SchoolQuota,
    Teacher,
    TitleAppointment,
)

from . import values as v
from .bulk import InsertStream, fast_update, insert_history, insert_rows, key_in, memoised, write_history
from .concurrency import collector_paused
from .kinds import (
    KIND_ORDER, KINDS, ROSTER_EDUCATION_KEYS, ROSTER_TITLE_KEYS, Column, Kind, is_year_month, kind_for_sheet_kind,
    resolve_kind,
)
from .models import ImportRun
from .readers import UnreadableFile, iter_sheets, normalise_header, open_workbook
from .mappings import Vocabulary, normalise as _normalise
from .synonyms import HEADER_INDEXES, detect_sheet_kind, lookup_header, map_headers, says_month

__all__ = ["import_run", "ImportReport", "RowError", "ImportRefused", "CHUNK"]

CHUNK = 2000              # ids per ``__in`` query
PROGRESS_EVERY = 2000     # rows between progress reports
STORED_ERRORS = 5000      # errors kept in ImportRun.report (the CLI report has them all)
STORED_CHANGES = 2000     # changed records kept for the preview page
CLI_USERNAME = "命令行"
SQLITE_CACHE_KB = 256 * 1024  # page cache while an import writes (SQLite only)
EMPTY = "（空）"


class ImportRefused(PermissionDenied):
    """The user may not import at all (not HR)."""


# =========================================================================== report
@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    value: str
    message: str
    col: int | None = None  # 0-based column index in the sheet, for the error workbook
    unknown: bool = False   # a value the system does not know: asked in the mapping step

    def as_json(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value,
                "message": self.message}


@dataclass
class SheetReport:
    name: str
    kind: str
    header_row: int | None = None
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: int = 0


@dataclass
class ImportReport:
    kind: str = ""
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    error_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    changes_total: int = 0
    warnings: list[str] = field(default_factory=list)
    sheets: list[SheetReport] = field(default_factory=list)
    # the mapping step (issue 13): headers and values to ask about, columns left out, the saved
    # answers used
    unknown_headers: list[dict] = field(default_factory=list)
    unknown_values: dict[tuple, dict] = field(default_factory=dict)
    ignored_columns: list[dict] = field(default_factory=list)
    applied_mappings: list[dict] = field(default_factory=list)
    samples: dict[str, dict] = field(default_factory=dict)     # kind label → the first new rows as stored
    missing_columns: list[dict] = field(default_factory=list)   # measure columns to answer for the file
    filled_columns: list[dict] = field(default_factory=list)    # ... and the answers used
    # a 花名册's 学历 and 职称 columns (RosterRecords): records per kind label → {new, changed, unchanged}
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    outcome: str = ImportRun.Outcome.RUNNING
    message: str = ""
    run_id: int | None = None
    dry_run: bool = True

    @property
    def unreadable(self) -> bool:
        return self.outcome == ImportRun.Outcome.UNREADABLE

    @property
    def committed(self) -> bool:
        return self.outcome == ImportRun.Outcome.COMMITTED

    def unknown_value_list(self) -> list[dict]:
        """One line per distinct unknown value of a column: the value, the column, how many rows
        carry it and the first of them (the error report lists every row)."""
        return sorted(self.unknown_values.values(), key=lambda u: (u["sheet"], u["column"], -u["rows"], u["value"]))

    @property
    def questions(self) -> bool:
        """Headers or values the officer has to answer before the file can be committed."""
        return bool(self.unknown_headers or self.unknown_values or self.missing_columns)

    def as_json(self) -> dict:
        """The ``--report`` JSON: exactly these keys, counts summed over sheets."""
        return {"kind": self.kind, "rows": self.rows, "new": self.new, "changed": self.changed,
                "unchanged": self.unchanged, "errors": [e.as_json() for e in self.errors]}

    def as_stored(self) -> dict:
        """What ``ImportRun.report`` keeps (errors and changes capped)."""
        return {
            **self.as_json(),
            "errors": [{**e.as_json(), "col": e.col, **({"unknown": True} if e.unknown else {})}
                       for e in self.errors[:STORED_ERRORS]],
            "error_count": len(self.errors),
            "error_rows": self.error_rows,
            "changes": self.changes[:STORED_CHANGES],
            "changes_total": self.changes_total,
            "warnings": self.warnings,
            "sheets": [vars(s) for s in self.sheets],
            "unknown_headers": self.unknown_headers,
            "unknown_values": self.unknown_value_list(),
            "ignored_columns": self.ignored_columns,
            "applied_mappings": self.applied_mappings,
            "samples": [{"kind": k, "columns": v["columns"],
                         "rows": [[r.get(col, "") for col in v["columns"]] for r in v["rows"]]}
                        for k, v in self.samples.items()],
            "missing_columns": self.missing_columns,
            "filled_columns": self.filled_columns,
            "records": self.records,
            "message": self.message,
        }


# =========================================================================== helpers
def normalise_value(raw: Any) -> str:
    return _normalise(raw, header=False)


def _key(text: Any) -> str:
    """Comparison key of a name (school, type): no spaces, full-width folded, case-folded."""
    return normalise_header(text)


def _month(d: dt.date | None) -> int | None:
    return None if d is None else d.year * 12 + d.month


_LABELS: dict = {}  # (choices, code) → label in the data language


def _label(choices, code) -> str:
    """A code's label in the data language (``backend.i18n``: an import runs in it), each code
    worked out once: a lazy label's gettext — and even asking which language is active —
    costs more than the rest of a roster row's checks."""
    key = (choices, code)
    try:
        return _LABELS[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable code: not kept
        key = None
    with data_language():
        try:
            label = str(choices(code).label)
        except ValueError:
            label = str(code)
    if key is not None and len(_LABELS) < 10_000:
        _LABELS[key] = label
    return label


@contextmanager
def _wide_statements():
    """Big statements (``backend.db.wide_statements``) and, on SQLite, a big page cache."""
    cache_size = None
    try:
        if connection.vendor == "sqlite":
            # SQLite's default page cache is 2 MB: a big transaction spills it to the file, and
            # every spill syncs the journal first. 256 MB keeps a whole city's import in memory.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                cache_size = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KB}")
        with wide_statements(connection):
            yield
    finally:
        if cache_size is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# =========================================================================== parsed sheets
class Sheet:
    def __init__(self, name: str, kind: Kind, header_row: int, headers: list[str], colmap: dict[str, tuple[int, str]]):
        self.name = name
        self.kind = kind
        self.header_row = header_row
        self.headers = headers
        self.colmap = colmap  # key → (column index, header as written)
        self.keys: tuple[str, ...] = tuple(colmap)  # what each row's ``data`` holds, in order
        self.rows: list[Row] = []
        self.report = SheetReport(name, kind.name, header_row)
        self.refused = False  # a sheet-level error: every row counts as an error row

    def has(self, key: str) -> bool:
        return key in self.colmap


class Row:
    """One data row: its parsed cells as a compact tuple (``data``, in the order of
    ``sheet.keys``; None for a blank cell). ``values`` is the same as a dict (key → value,
    None for blank), built on first use. The teachers' handler lets both go once the row is
    checked (``release``), so a city roster is not held twice."""

    __slots__ = ("sheet", "number", "data", "bad", "outcome", "_values", "_extra")

    def __init__(self, sheet: Sheet, number: int, data: tuple | None = None):
        self.sheet = sheet
        self.number = number
        self.data = data
        self.bad = False
        self.outcome = ""
        self._values = None
        self._extra = None

    @property
    def values(self) -> dict:
        values = self._values
        if values is None:
            values = self._values = dict(zip(self.sheet.keys, self.data or ()))
        return values

    @property
    def extra(self) -> dict:
        if self._extra is None:
            self._extra = {}
        return self._extra

    def release(self) -> None:
        self.data = self._values = self._extra = None


# =========================================================================== the context
class Context:
    """What every handler shares: who imports, their scope, the maps loaded once, the report."""

    def __init__(self, *, user, scope: Scope, default_school: School | None, report: ImportReport,
                 run_ref: str, source: str, progress: Callable | None, vocabulary: Vocabulary | None = None,
                 fills: dict[str, str] | None = None):
        self.user = user
        self.fills = fills or {}  # "sheet_kind.key" → one value for a measure column the file lacks
        self.vocabulary = vocabulary or Vocabulary()
        self.scope = scope
        self.default_school = default_school
        self.report = report
        self.run_ref = run_ref
        self.source = source
        self.progress = progress
        self.today = timezone.localdate()
        self.this_month = _month(self.today)
        self.show_identity = user is None or can_see_identity(user)
        self.username = getattr(user, "username", "") or CLI_USERNAME
        self._schools_loaded = False
        self.school_by_code: dict[str, School] = {}
        self.school_by_pk: dict[int, School] = {}
        self.schools_by_name: dict[str, list[School]] = defaultdict(list)
        self.teachers: dict[str, Teacher] = {}      # id_number → existing teacher
        self.new_teachers = NewTeachers()  # id_number → teacher this file creates
        self._looked_up: set[str] = set()
        self._stages: dict[int, list[str]] = {}
        # kind name → 身份证件号 its sheets list (学习经历, 专业技术职务): a roster in the same file
        # leaves those teachers' 学历 (职称) to that sheet (RosterRecords)
        self.listed: dict[str, set[str]] = defaultdict(set)
        # the run commits if no error turns up: the checks run inside its transaction and may
        # write as they go (NewTeachers.send)
        self.committing = False

    def settle(self) -> None:
        """Wait for writes in flight (the teachers sent while checking) before another handler
        uses the database."""
        self.new_teachers.flush()

    # ---- errors and outcomes
    def error(self, row: Row, key: str, value: Any, message: str, *, label: str | None = None) -> None:
        sheet = row.sheet
        index, header = sheet.colmap.get(key, (None, None))
        if header is None:
            column = sheet.kind.column(key)
            header = label or (column.label if column else key)
        shown = self.shown(key, value)
        self.report.errors.append(RowError(sheet.name, row.number, header.strip(), shown, message, index))
        row.bad = True

    def problems(self, row: Row, problems: Iterable[rules.Problem], columns: dict | None = None) -> None:
        """The problems of a rule (``workforce.rules``) as the row's errors, their text as the
        rule gives it: ``columns`` maps a problem's field to the (column key, value shown) it
        names in this sheet; by default the column of the field's name with the row's value."""
        for problem in problems:
            key, value = (columns or {}).get(problem.field) or (problem.field, row.values.get(problem.field))
            self.error(row, key, value, problem.message)

    def sample(self, sample: dict, row: Row, derived: dict) -> None:
        """One new row as it will be stored, for the preview: each column's label and its value
        as the pages show it (codes as their labels, 是/否, months as 2012-09, IDs masked for a
        user without the right), the values the import derived after them."""
        kind = row.sheet.kind
        shown: dict[str, str] = {}
        for key, value in row.values.items():
            column = kind.column(key)
            if column is None or value is None or key.startswith("_"):
                continue
            if column.type == "choice" and column.choices is not None:
                text = _label(column.choices, value)
            elif column.type == "bool":
                text = "是" if value else "否"
            elif column.type == "month" and isinstance(value, dt.date):
                text = f"{value:%Y-%m}"
            else:
                text = self.shown(key, value)
            shown[column.label] = text
        for label, value in derived.items():
            shown[label] = value
        for label in shown:
            if label not in sample["columns"]:
                sample["columns"].append(label)
        sample["rows"].append(shown)

    def unknown_value(self, row: Row, key: str, raw: Any, message: str) -> None:
        """A value the system does not know: the row's error (so nothing is written and the
        error report lists the row) and one line per distinct value for the mapping step."""
        self.error(row, key, raw, message)
        self.report.errors[-1].unknown = True
        sheet = row.sheet
        shown = self.report.errors[-1].value
        group = (sheet.name, key, normalise_value(raw))
        line = self.report.unknown_values.get(group)
        if line is None:
            column = sheet.kind.column(key)
            line = self.report.unknown_values[group] = {
                "sheet": sheet.name, "sheet_kind": sheet.kind.sheet_kind, "key": key,
                "column": sheet.colmap.get(key, (None, key))[1].strip(), "value": shown, "rows": 0, "first_rows": [],
                "choices": _choice_pairs(column),
            }
        line["rows"] += 1
        if len(line["first_rows"]) < 5:
            line["first_rows"].append(row.number)

    def sheet_error(self, sheet: Sheet, column: str, message: str) -> None:
        self.report.errors.append(RowError(sheet.name, sheet.header_row or 1, column, "", message, None))
        sheet.refused = True

    def shown(self, key: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.date) and key in ("birth_date",):
            return value.isoformat() if self.show_identity else mask_birth_date(value)
        text = v.to_text(value) if not isinstance(value, str) else value
        if key == "id_number" and not self.show_identity:
            return mask_id_number(text)
        return text

    def change(self, row: Row, record: str, fields: list[tuple[str, str, str]]) -> None:
        self.report.changes_total += 1
        if len(self.report.changes) < STORED_CHANGES:
            self.report.changes.append({
                "sheet": row.sheet.name, "row": row.number, "record": record,
                "fields": [{"label": label, "old": old, "new": new} for label, old, new in fields],
            })

    def tick(self, done: int, total: int | None, phase: str) -> None:
        if self.progress is not None:
            self.progress(done, total, phase)

    # ---- schools: loaded once
    def load_schools(self) -> None:
        if self._schools_loaded:
            return
        self._schools_loaded = True
        for school in School.objects.all():
            self.add_school(school)

    def add_school(self, school: School) -> None:
        self.school_by_code[school.code] = school
        if school.pk:
            self.school_by_pk[school.pk] = school
        self.schools_by_name[_key(school.name)].append(school)

    def in_scope(self, school: School) -> bool:
        kind = self.scope.kind
        if kind == "city":
            return True
        if kind == "district":
            return school.district_id == self.scope.district_id
        if kind == "school":
            return school.pk is not None and school.pk == self.scope.school_id
        return False

    def find_school(self, row: Row, code_key: str, name_key: str, *, required_label: str = "学校"):
        """The school a row names by 学校标识码 or by name. Returns a School, None when the row
        names none, or False after reporting an error."""
        self.load_schools()
        code, name = row.values.get(code_key), row.values.get(name_key)
        if code:
            school = self.school_by_code.get(code)
            if school is None:
                self.error(row, code_key, code, f"学校标识码“{code}”在系统中不存在，请核对或先导入该学校")
                return False
            if name and _key(name) != _key(school.name):
                self.error(row, name_key, name, f"学校名称与学校标识码 {code} 对应的“{school.name}”不一致")
                return False
            return school
        if name:
            return self.school_named(row, name_key, name)
        return None

    def school_named(self, row: Row, key: str, name: str):
        self.load_schools()
        if re.fullmatch(r"\d{10}", name):
            school = self.school_by_code.get(name)
            if school is not None:
                return school
        found = self.schools_by_name.get(_key(name), [])
        if len(found) > 1 and self.scope.kind == "district":
            mine = [s for s in found if s.district_id == self.scope.district_id]
            found = mine or found
        if not found:
            self.error(row, key, name, f"学校“{name}”在系统中不存在，请核对名称或改填学校标识码")
            return False
        if len(found) > 1:
            self.error(row, key, name, f"系统中有 {len(found)} 所学校名为“{name}”，请改填学校标识码")
            return False
        return found[0]

    # ---- teachers: existing ones loaded in chunks of id_number__in
    def load_teachers(self, numbers: Iterable[str]) -> None:
        wanted = [n for n in set(numbers) if n and n not in self._looked_up]
        self._looked_up.update(wanted)
        for chunk in _chunks(sorted(wanted)):
            for teacher in Teacher.objects.filter(id_number__in=chunk):
                self.teachers[teacher.id_number] = teacher

    def stages_of(self, school: School) -> list[str]:
        """``school.stage_list``, worked out once per school of the run."""
        stages = self._stages.get(id(school))
        if stages is None:
            stages = self._stages[id(school)] = school.stage_list
        return stages

    def school_by_id(self, pk: int | None) -> School | None:
        if pk is None:
            return None
        school = self.school_by_pk.get(pk)
        if school is None:
            with self.new_teachers.lock():
                school = School.objects.get(pk=pk)
            self.add_school(school)
        return school

    def school_of(self, teacher: Teacher) -> School | None:
        if teacher.school_id is None:  # a new teacher of a school this file creates
            return Teacher._meta.get_field("school").get_cached_value(teacher, None)
        school = self.school_by_pk.get(teacher.school_id)
        if school is None:
            school = teacher.school
            self.add_school(school)
        return school

    def teacher_for(self, row: Row) -> Teacher | None:
        """The teacher a sub-record row names by 身份证件号 (and, if given, checks the 姓名)."""
        number = row.values.get("id_number")
        if not number:
            return None
        if len(number) == 18:
            try:
                number = parse_id_number(number).number
            except IdNumberError as exc:
                self.error(row, "id_number", number, str(exc))
                return None
        teacher = self.new_teachers.get(number) or self.teachers.get(number)
        if teacher is None:
            self.error(row, "id_number", number, "系统中没有身份证件号为此号码的教师，请先导入教职工基础信息")
            return None
        name = row.values.get("name")
        if name and _key(name) != _key(teacher.name):
            self.error(row, "name", name, f"姓名与该身份证件号对应的教师“{teacher.name}”不一致")
            return None
        school = self.school_of(teacher)
        if school is not None and not self.in_scope(school):
            # which school is not said: where a person works is theirs, outside this scope
            self.error(row, "id_number", number, "该教师属于其他学校，不在您的管理范围内")
            return None
        return teacher

    def audit_entry(self, action, obj, changes: dict, *, parent=None):
        """The history row of one record this run writes (``backend.audit.entry``: masked)."""
        return audit.entry(action, user=self.user, obj=obj, changes=changes, source="import", run_ref=self.run_ref,
                           username=self.username, parent=parent)


def display(column_or_field, value) -> str:
    """A value as a person reads it: labels for codes, 是/否, 2008-09 for year-months."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, School):
        return value.name
    if isinstance(value, dt.date):
        if isinstance(column_or_field, Column) and column_or_field.type == "month":
            return f"{value:%Y-%m}"
        return value.isoformat()
    choices = getattr(column_or_field, "choices", None)
    if choices is not None and isinstance(column_or_field, Column):
        return _label(choices, value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


# =========================================================================== handlers
class Handler:
    """Checks and writes the rows of one kind (all sheets of that kind in the file)."""

    kind_name = ""
    label = ""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.kind = KINDS[self.kind_name]
        self.sheets: list[Sheet] = []

    def read(self, sheet: Sheet, rows: list[Row]) -> None:
        """Rows just parsed from ``sheet`` (not refused), a batch at a time, in file order. Work
        that needs no other sheet can be done here: with a large worksheet it overlaps the
        parsing of the next part (``imports.xlsx_parts``)."""

    def required(self, sheet: Sheet) -> list[Column]:
        return self.kind.required

    def allowed(self) -> str | None:
        """None when the user may import this kind, else the reason (Chinese)."""
        return None

    @property
    def rows(self) -> Iterable[Row]:
        for sheet in self.sheets:
            if not sheet.refused:
                yield from sheet.rows

    def check(self) -> None:
        raise NotImplementedError

    def write(self) -> None:
        raise NotImplementedError

    # -- shared pieces
    def fields_of(self, row: Row) -> dict[str, Any]:
        """Model field → value for the row's filled cells of columns that fill a field."""
        out = {}
        for key, value in row.values.items():
            column = self.kind.by_key.get(key)
            if column is not None and column.field and value is not None:
                out[column.field] = value
        return out

    def compare(self, row: Row, obj, wanted: dict[str, Any], month_fields=()) -> dict[str, tuple[Any, Any]]:
        """Fields of ``obj`` that ``wanted`` changes → (old, new)."""
        changed = {}
        for name, new in wanted.items():
            if name.endswith("_obj"):
                continue
            old = getattr(obj, name)
            if name in month_fields and isinstance(old, dt.date) and isinstance(new, dt.date):
                if _month(old) == _month(new):
                    continue
            elif old == new or (old in (None, "") and new in (None, "")):
                continue
            changed[name] = (old, new)
        return changed

    def field_label(self, model, name: str) -> str:
        return str(model._meta.get_field(name).verbose_name)

    def column_for_field(self, name: str) -> Column | None:
        for column in self.kind.columns:
            if column.field == name:
                return column
        return None

    def _shown_meta(self, model, name: str):
        """(label, column or field, choice labels or None) of a field, worked out once a run."""
        cache = self.__dict__.setdefault("_shown_cache", {})
        meta = cache.get((model, name))
        if meta is None:
            field_ = model._meta.get_field(name)
            column = self.column_for_field(name) or field_
            labels = dict(field_.flatchoices) if field_.choices and not isinstance(column, Column) else None
            meta = cache[(model, name)] = (self.field_label(model, name), column, labels)
        return meta

    def shown_change(self, model, name: str, old, new) -> tuple[str, str, str]:
        label, column, labels = self._shown_meta(model, name)
        if name == "id_number" and not self.ctx.show_identity:
            return label, mask_id_number(old), mask_id_number(new)
        if name == "birth_date" and not self.ctx.show_identity:
            return label, mask_birth_date(old), mask_birth_date(new)
        if labels is not None:
            return label, labels.get(old, old or EMPTY), labels.get(new, new or EMPTY)
        return label, display(column, old), display(column, new)

    def audit_changes(self, model, changed: dict[str, tuple[Any, Any]]) -> dict:
        out = {}
        for name, (old, new) in changed.items():
            label, old_shown, new_shown = self.shown_change(model, name, old, new)
            if name in ("id_number", "birth_date"):  # audit masks the raw values itself
                old_shown, new_shown = old, new
            out[name] = {"label": label, "old": old_shown, "new": new_shown}
        return out

    def audit_snapshot(self, model, obj, names: Iterable[str]) -> dict:
        out = {}
        for name in names:
            value = getattr(obj, name)
            if value is None or value == "":
                continue
            label, _old, shown = self.shown_change(model, name, None, value)
            out[name] = {"label": label, "new": value if name in ("id_number", "birth_date") else shown}
        return out

    def count(self, row: Row, outcome: str, **derived) -> None:
        """The row's outcome; the first new rows of each kind are kept as a sample of what will
        be stored (``derived``: values the import decided, e.g. the school and stage)."""
        row.outcome = outcome
        if outcome == "new":
            sample = self.ctx.report.samples.setdefault(self.kind.label, {"columns": [], "rows": []})
            if len(sample["rows"]) < SAMPLE_ROWS:
                self.ctx.sample(sample, row, derived)


# --------------------------------------------------------------------------- schools
class SchoolHandler(Handler):
    kind_name = "schools"
    FIELDS = ("name", "district_id", "school_type", "ownership", "location", "rural_kind")

    def allowed(self):
        if self.ctx.scope.kind in ("city", "district", "school"):
            return None
        return "您没有导入学校信息的权限。"

    def check(self):
        ctx = self.ctx
        ctx.load_schools()
        districts = list(District.objects.all())
        by_name = {}
        for d in districts:
            by_name[_key(d.name)] = d
            by_name[_key(d.code)] = d
        self.new, self.updates, self.changes = [], [], {}
        seen: dict[str, Row] = {}
        names_in_file: dict[tuple[int, str], Row] = {}
        for row in self.rows:
            vals = row.values
            code = vals.get("code")
            if code is None:
                continue
            if not re.fullmatch(r"\d{10}", code):
                ctx.error(row, "code", code, "学校标识码应为10位数字")
                continue
            if code in seen:
                ctx.error(row, "code", code, f"与第 {seen[code].number} 行的学校标识码重复")
                continue
            seen[code] = row
            existing = ctx.school_by_code.get(code)
            district = None
            if vals.get("district"):
                district = by_name.get(_key(vals["district"]))
                if district is None:
                    ctx.error(row, "district", vals["district"], "区县名称不存在，可选：" + "、".join(d.name for d in districts))
                    continue
            if existing is None:
                missing = [label for key, label in (("district", "所属区县"), ("school_type", "学校类型"),
                                                    ("location", "城乡分类")) if not vals.get(key)]
                if missing:
                    ctx.error(row, "code", code, f"新学校须填写：{'、'.join(missing)}")
                    continue
            scope = ctx.scope
            target_district = district.pk if district else existing.district_id
            if scope.kind == "school" and (existing is None or existing.pk != scope.school_id):
                ctx.error(row, "code", code, "学校人事只能修改本校的学校信息")
                continue
            if scope.kind == "district" and (
                    target_district != scope.district_id or (existing and existing.district_id != scope.district_id)):
                ctx.error(row, "code", code, "该学校不在您的区县，不在您的管理范围内")
                continue
            wanted = {k: val for k, val in self.fields_of(row).items()}
            if district is not None:
                wanted["district_id"] = district.pk
            location = wanted.get("location", existing.location if existing else None)
            rural_kind = wanted.get("rural_kind", existing.rural_kind if existing else "")
            problems = rules.rural_kind_only_rural(location, rural_kind)
            if problems:
                ctx.problems(row, problems, {"rural_kind": ("rural_kind", _label(c.RuralKind, rural_kind))})
                continue
            name = wanted.get("name", existing.name if existing else "")
            name_key = (target_district, _key(name))
            clash = [s for s in ctx.schools_by_name.get(_key(name), [])
                     if s.district_id == target_district and s.code != code]
            if clash or name_key in names_in_file:
                ctx.error(row, "name", name, "同一区县已有同名学校")
                continue
            names_in_file[name_key] = row
            if existing is None:
                school = School(code=code, **wanted)
                self.new.append(school)
                ctx.add_school(school)
                row.extra["obj"] = school
                self.count(row, "new")
                continue
            changed = self.compare(row, existing, wanted)
            if not changed:
                self.count(row, "unchanged")
                continue
            for name_, (_old, new) in changed.items():
                setattr(existing, name_, new)
            self.updates.append(existing)
            self.changes[existing.code] = changed
            ctx.change(row, f"{existing.name}（{existing.code}）",
                       [self.shown_school(n, o, nv) for n, (o, nv) in changed.items()])
            self.count(row, "changed")

    def shown_school(self, name, old, new):
        if name == "district_id":
            names = {d.pk: d.name for d in District.objects.all()} if not hasattr(self, "_dn") else self._dn
            self._dn = names
            return "区县", names.get(old, EMPTY), names.get(new, EMPTY)
        return self.shown_change(School, name, old, new)

    def write(self):
        ctx = self.ctx
        if self.new:
            School.objects.bulk_create(self.new)
        if self.updates:
            fields = sorted({n for ch in self.changes.values() for n in ch})
            fast_update(School, self.updates, fields)
        entries = [ctx.audit_entry(audit.CREATE, s, self.audit_snapshot(School, s, ("code", *self.FIELDS)))
                   for s in self.new]
        entries += [ctx.audit_entry(audit.UPDATE, s, {n: {"label": self.shown_school(n, o, nv)[0],
                                                          "old": self.shown_school(n, o, nv)[1],
                                                          "new": self.shown_school(n, o, nv)[2]}
                                                      for n, (o, nv) in self.changes[s.code].items()})
                    for s in self.updates]
        write_history(entries)


# --------------------------------------------------------------------------- enrolment
class PerSchoolHandler(Handler):
    """Rows that belong to a school named by its code or name (enrolment, approved quotas)."""

    def school_of(self, row: Row) -> School | None:
        """The row's school, in the user's scope; None (with the row's error) otherwise."""
        ctx = self.ctx
        school = ctx.find_school(row, "school_code", "school_name")
        if school is None:
            school = ctx.default_school
            if school is None:
                ctx.error(row, "school_code", "", "请填写学校标识码或学校名称")
                return None
        if school is False:
            return None
        if not ctx.in_scope(school):
            ctx.error(row, "school_code" if row.sheet.has("school_code") else "school_name", school.name,
                      f"学校“{school.name}”不在您的管理范围内")
            return None
        return school

    def upsert(self, row: Row, old, wanted: dict, new: Callable[[], Any], label: str) -> None:
        """A new record (``new()``), the changes to ``old``, or nothing: counted, and the changes
        listed for the preview under ``label``."""
        if old is None:
            self.new.append(new())
            self.count(row, "new")
            return
        changed = self.compare(row, old, wanted)
        if not changed:
            self.count(row, "unchanged")
            return
        for name, (_o, value) in changed.items():
            setattr(old, name, value)
        self.updates.append(old)
        self.changes.append(changed)
        self.ctx.change(row, label, [self.shown_change(type(old), n, o, nv) for n, (o, nv) in changed.items()])
        self.count(row, "changed")

    def write_records(self, model, fields: list[str], snapshot: tuple[str, ...]) -> None:
        """INSERT the new records, UPDATE the changed ``fields``, and their history."""
        ctx = self.ctx
        if self.new:
            model.objects.bulk_create(self.new)
        if self.updates:
            fast_update(model, self.updates, fields)
        entries = [ctx.audit_entry(audit.CREATE, r, self.audit_snapshot(model, r, snapshot)) for r in self.new]
        entries += [ctx.audit_entry(audit.UPDATE, r, self.audit_changes(model, ch))
                    for r, ch in zip(self.updates, self.changes)]
        write_history(entries)


class EnrolmentHandler(PerSchoolHandler):
    kind_name = "enrolment"

    def check(self):
        ctx = self.ctx
        plans = []
        for row in self.rows:
            school = self.school_of(row)
            if school is None:
                continue
            stage = row.values.get("stage")
            problems = rules.stage_in_school(stage, school.name, school.stage_list, field="stage")
            if problems:
                ctx.problems(row, problems, {"stage": ("stage", _label(c.Stage, stage))})
                continue
            if stage is None or row.values.get("school_year") is None or row.values.get("pupils") is None:
                continue
            plans.append((row, school))
        existing = {}
        ids = sorted({s.pk for _r, s in plans if s.pk})
        for chunk in _chunks(ids):
            for e in Enrolment.objects.filter(school_id__in=chunk):
                existing[(e.school_id, e.school_year, e.stage)] = e
        self.new, self.updates, self.changes = [], [], []
        seen = {}
        for row, school in plans:
            vals = row.values
            key = (school.code, vals["school_year"], vals["stage"])
            if key in seen:
                ctx.error(row, "stage", _label(c.Stage, vals["stage"]), f"与第 {seen[key].number} 行重复（同一学校、学年、学段）")
                continue
            seen[key] = row
            if row.bad:
                continue
            old = existing.get((school.pk, vals["school_year"], vals["stage"])) if school.pk else None
            wanted = {"pupils": vals["pupils"]}
            if vals.get("classes") is not None:
                wanted["classes"] = vals["classes"]
            self.upsert(row, old, wanted,
                        lambda: Enrolment(school=school, school_year=vals["school_year"], stage=vals["stage"],
                                          classes=wanted.get("classes", 0), pupils=wanted["pupils"]),
                        f"{school.name} {vals['school_year']}-{vals['school_year'] + 1} {_label(c.Stage, vals['stage'])}")

    def write(self):
        self.write_records(Enrolment, ["pupils", "classes"], ("school_year", "stage", "pupils", "classes"))


# --------------------------------------------------------------------------- teachers
TEACHER_MONTH_FIELDS = ("work_start", "school_entry", "grassroots_start", "grassroots_end")
CREATION_FIELDS = ("school_id", "teaching_stage", "staff_category")  # name and masked ID are the entry's object


class _Named:
    """What ``Teacher.__str__`` reads, for naming a new teacher in its history without building
    the model instance."""

    __slots__ = ("name", "id_number")

    def __init__(self, name, id_number):
        self.name, self.id_number = name, id_number


class NewTeachers:
    """The teachers a file creates, by 身份证件号, kept as the rows to INSERT; a ``Teacher`` is
    built only for the few that another sheet of the file refers to (``get``).

    When the run will commit if no error turns up (``Context.committing``: inside the run's
    transaction), the rows are INSERTed while the rest of the file is still being checked:
    ``send`` hands the rows added since its last call to a writer thread (``bulk.InsertStream``),
    which works in the database while this thread checks the next rows. ``flush`` waits for it.
    An error found later rolls the transaction back, rows sent included. Until ``flush``, the
    connection is the writer's: use it only ``with lock():``."""

    def __init__(self):
        self.fields = [f for f in Teacher._meta.concrete_fields if not f.primary_key]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.defaults = [f.get_default() for f in self.fields]
        self.rows: list[list] = []
        self.schools: list[School] = []
        self.position: dict[str, int] = {}
        self.built: dict[str, Teacher] = {}
        self.touched: set[int] = set()  # positions a row may set; the others keep the default
        self.stream: InsertStream | None = None
        self.opened = False  # rows have been sent (then ``before`` is the largest key before them)
        self.sent = 0
        self.before = 0

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, number) -> bool:
        return number in self.position

    def touch(self, fields: list[tuple[int, str]]) -> None:
        """A sheet's (position in a row's data, field): the fields it may set. Every sheet is
        touched before the first row is sent (``constants`` are the columns none sets)."""
        index = self.index
        self.touched.update(index[name] for _i, name in fields if name in index)
        self.touched.update(index[name] for name in ("id_number", "school_id", "teaching_stage", "birth_date", "sex"))

    def prepare(self, fields: list[tuple[int, str]]) -> None:
        """Where each (position in a row's data, field) of the next sheet goes in the INSERT."""
        index = self.index
        self.touch(fields)
        self.pairs = [(i, index[name]) for i, name in fields if name in index]
        self.at = (index["id_number"], index["school_id"], index["teaching_stage"], index["birth_date"], index["sex"])

    def constants(self, now) -> dict[int, Any]:
        """Position → value of the columns every new row holds alike: the defaults no sheet
        sets, and the timestamps (``now``, as ``send`` sets them)."""
        out = {i: value for i, value in enumerate(self.defaults) if i not in self.touched}
        out[self.index["created_at"]] = out[self.index["updated_at"]] = now
        return out

    def add(self, data: tuple, number: str, school: School, stage: str, parsed) -> None:
        """A new teacher from a checked row: the defaults, the row's filled cells, then what
        the checks decided (the ID's birth date and sex, the school, the stage)."""
        values = self.defaults.copy()
        for i, at in self.pairs:
            value = data[i]
            if value is not None:
                values[at] = value
        id_at, school_at, stage_at, birth_at, sex_at = self.at
        values[id_at] = number
        values[school_at] = school.pk
        values[stage_at] = stage
        if parsed is not None:
            values[birth_at] = parsed.birth_date
            values[sex_at] = parsed.sex
        self.position[number] = len(self.rows)
        self.rows.append(values)
        self.schools.append(school)

    def send(self) -> None:
        """INSERT the rows added since the last call (the first call starts the writer: the
        timestamps are set then, and every sheet must have been ``touch``ed)."""
        if self.sent == len(self.rows):
            return
        if not self.opened:
            self.opened = True
            self.before = Teacher.objects.order_by().aggregate(top=Max("pk"))["top"] or 0
            index = self.index
            now = timezone.now()
            school_at = index["school_id"]
            for at in (index["created_at"], index["updated_at"]):
                self.defaults[at] = now
                for values in self.rows:
                    values[at] = now
            for values, school in zip(self.rows, self.schools):
                if values[school_at] is None:  # a school this file created: it has its key now
                    values[school_at] = school.pk
            self.stream = InsertStream(Teacher, self.fields, constants=self.constants(now))
        elif self.stream is None:
            raise RuntimeError("rows added after flush()")
        self.stream.extend(self.rows[self.sent:])
        self.sent = len(self.rows)

    def flush(self) -> None:
        """Wait until the rows sent are written; raises what the database raised."""
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.finish()

    def discard(self) -> None:
        """Stop the writer when what it wrote is to be rolled back (its errors do not matter then)."""
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - the transaction is rolled back whatever the writer met
            pass

    def lock(self):
        """Hold while using the connection between ``send`` and ``flush``."""
        return self.stream.lock if self.stream is not None else nullcontext()

    def keys(self) -> dict[str, int]:
        """身份证件号 → primary key of the rows written (read back: INSERTs return none)."""
        pks = {}
        for pk, number in Teacher.objects.filter(pk__gt=self.before).order_by().values_list("pk", "id_number"):
            if number in self.position:
                pks[number] = pk
        return pks

    def get(self, number, default=None):
        teacher = self.built.get(number)
        if teacher is not None:
            return teacher
        at = self.position.get(number)
        if at is None:
            return default
        teacher = Teacher(None, *self.rows[at])
        Teacher._meta.get_field("school").set_cached_value(teacher, self.schools[at])
        self.built[number] = teacher
        return teacher

    def value(self, at: int, name: str):
        return self.rows[at][self.index[name]]


class TeacherHandler(Handler):
    """Teachers, matched by 身份证件号, a chunk of rows at a time: the IDs of the chunk (and
    duplicates within the file), the existing teachers of the chunk in one query, each row
    checked. A new teacher is kept only as the row to INSERT, a changed one as the changed
    fields; a checked row keeps only its outcome."""

    kind_name = "teachers"

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        # sheet name → (row, 身份证件号, parsed ID) of the first row of each ID, as read
        self.identified: dict[str, list[tuple[Row, str, Any]]] = {}
        self.seen: dict[str, Row] = {}  # 身份证件号 → its first row in the file

    def allowed(self):
        return None

    def check(self):
        ctx = self.ctx
        ctx.load_schools()
        self.new = ctx.new_teachers
        self.updates: list[Teacher] = []
        self.changes: list[dict] = []
        self.created_fields: set[str] = {"school_id", "teaching_stage"}
        self.attnames = [f.attname for f in Teacher._meta.concrete_fields]
        total = sum(len(s.rows) for s in self.sheets)
        done = 0
        ctx.tick(0, total, ImportRun.Phase.CHECKING)
        plans = []
        for sheet in self.sheets:
            if sheet.refused:
                continue
            fields = [(i, sheet.kind.by_key[key].field) for i, key in enumerate(sheet.keys)
                      if key in sheet.kind.by_key and sheet.kind.by_key[key].field and key != "id_number"]
            self.new.touch(fields)
            plans.append((sheet, fields))
        # which IDs are in the system, before any row is sent: a new roster then needs the
        # connection no more while the writer has it
        known = self.known_numbers([number for sheet, _f in plans for _r, number, _p in self.identified.get(sheet.name, [])])
        # INSERT while checking (see NewTeachers), unless the rows wait for schools this file creates
        stream = ctx.committing and all(school.pk is not None for school in ctx.school_by_code.values())
        # the roster's 学历 and 职称 columns: the teachers' highest 学习经历 and current 专业技术职务
        self.roster = RosterRecords(ctx) if any(RosterRecords.KEYS & set(sheet.keys) for sheet, _f in plans) else None
        for sheet, fields in plans:
            self.new.prepare(fields)
            firsts = self.identified.get(sheet.name, [])
            for start in range(0, len(firsts), CHUNK):
                chunk = firsts[start:start + CHUNK]
                numbers = [number for _row, number, _parsed in chunk if number in known]
                existing = {}
                if numbers:
                    with self.new.lock():
                        existing = self.load_existing(numbers)
                for row, number, parsed in chunk:
                    self.check_row(row, number, parsed, existing.get(number), fields)
                    if self.roster is not None:
                        self.roster.take(row, number, existing.get(number))
                    row.release()
                if self.roster is not None and self.roster.waiting:
                    with self.new.lock():  # the records of the chunk's teachers already in the system: a query a kind
                        self.roster.resolve()
                if stream and not ctx.report.errors:  # after an error, nothing will be committed
                    self.new.send()
                done += len(chunk)
                ctx.tick(done, total, ImportRun.Phase.CHECKING)
            for sheet_row in sheet.rows:
                sheet_row.release()
        if self.roster is not None:
            self.roster.report()

    def read(self, sheet: Sheet, rows: list[Row]) -> None:
        """Identify the rows as they are read (see ``Handler.read``)."""
        self.identified.setdefault(sheet.name, []).extend(self.identify(sheet, rows, self.seen))

    def identify(self, sheet: Sheet, chunk: list[Row], seen: dict) -> list[tuple[Row, str, Any]]:
        """The ID of each row (check digit, birth date and sex read from it) and duplicates
        within the file; the first row of each ID, with its number and parsed ID."""
        ctx = self.ctx
        keys = sheet.keys
        if "id_number" not in keys:
            return []
        id_at = keys.index("id_number")
        type_at = keys.index("id_type") if "id_type" in keys else None
        resident = c.IdType.RESIDENT
        out = []
        for row in chunk:
            data = row.data
            number = data[id_at]
            if number is None:
                continue
            parsed = None
            if (resident if type_at is None else data[type_at]) == resident:
                try:
                    parsed = parse_id_number(number)
                except IdNumberError as exc:
                    ctx.error(row, "id_number", number, str(exc))
                    continue
                number = parsed.number
            first = seen.get(number)
            if first is not None:
                where = f"第 {first.number} 行" if first.sheet is row.sheet else f"工作表“{first.sheet.name}”第 {first.number} 行"
                ctx.error(row, "id_number", number, f"与{where}的身份证件号重复")
                continue
            seen[number] = row
            out.append((row, number, parsed))
        return out

    @staticmethod
    def known_numbers(numbers: list[str]) -> set[str]:
        """Which of these 身份证件号 the system holds: plain queries of the key alone, a chunk
        at a time (a new roster: each tells "none of them")."""
        qn = connection.ops.quote_name
        table, column = qn(Teacher._meta.db_table), qn(Teacher._meta.get_field("id_number").column)
        found: set[str] = set()
        with connection.cursor() as cursor:
            for chunk in _chunks(numbers):
                condition, params = key_in(connection, column, chunk)
                cursor.execute(f"SELECT {column} FROM {table} WHERE {condition}", params)
                found.update(number for (number,) in cursor.fetchall())
        return found

    def load_existing(self, numbers: list[str]) -> dict[str, dict]:
        """The teachers already in the system with these numbers (one query), as field → value.

        The ORM's ``values_list`` converts every value of every row (a date from SQLite's text,
        a boolean from its 0/1): 30 µs a teacher of 58 fields. Here the database's values go
        through the same converters, each distinct value of a column once (``_column_readers``)."""
        names = self.attnames
        readers = self._column_readers()
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in Teacher._meta.concrete_fields)
        table, key = qn(Teacher._meta.db_table), qn(Teacher._meta.get_field("id_number").column)
        condition, params = key_in(connection, key, numbers)
        out = {}
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {table} WHERE {condition}", params)
            for values in cursor.fetchall():
                record = dict(zip(names, values))
                for name, read in readers:
                    value = record[name]
                    if value is not None:
                        record[name] = read(value)
                out[record["id_number"]] = record
        return out

    @property
    def loaded(self) -> Callable:
        """``_loader(Teacher)``, once a run."""
        if not hasattr(self, "_loaded"):
            self._loaded = _loader(Teacher)
        return self._loaded

    def _column_readers(self) -> list[tuple[str, Callable]]:
        """``_column_readers(Teacher)``, once a run."""
        if not hasattr(self, "_readers"):
            self._readers = _column_readers(Teacher)
        return self._readers

    def check_row(self, row: Row, number: str, parsed, existing: dict | None, fields) -> None:
        ctx = self.ctx
        vals = row.values
        wanted = {}  # the fields the row sets (for an existing teacher; a new one is built from the row)
        if existing is not None:
            data = row.data
            for i, name in fields:
                value = data[i]
                if value is not None:
                    wanted[name] = value
        # identity: the ID decides birth date and sex; the file must agree with it
        if parsed is not None:
            sex = vals.get("sex")
            if sex and sex != parsed.sex:
                ctx.error(row, "sex", _label(c.Sex, sex), f"性别与身份证件号不符（证件号为{_label(c.Sex, parsed.sex)}性）")
            birth = vals.get("birth_date")
            if birth:
                month_only = vals.get("_birth_month_only")
                agrees = _month(birth) == _month(parsed.birth_date) if month_only else birth == parsed.birth_date
                if not agrees:
                    shown = f"{parsed.birth_date:%Y-%m-%d}" if ctx.show_identity else "证件号中的日期"
                    ctx.error(row, "birth_date", birth, f"出生日期与身份证件号不符（证件号为 {shown}）")
            wanted["birth_date"] = parsed.birth_date
            wanted["sex"] = parsed.sex
        elif existing is None:
            for key, label in (("sex", "性别"), ("birth_date", "出生日期")):
                if not vals.get(key):
                    ctx.error(row, key, "", f"非居民身份证的教师须填写{label}")
        # school and scope
        school = ctx.find_school(row, "school_code", "school_name")
        if school is False:
            return
        current = ctx.school_by_id(existing["school_id"]) if existing is not None else None
        if school is None:
            school = ctx.default_school or current
        if school is None:
            ctx.error(row, "school_code", "", "无法确定学校：请在文件中填写学校标识码或学校名称，或导入时选择学校")
            return
        school_key = "school_code" if row.sheet.has("school_code") else "school_name"
        if not ctx.in_scope(school):
            ctx.error(row, school_key, school.name, f"学校“{school.name}”不在您的管理范围内")
            return
        if current is not None and not ctx.in_scope(current):
            ctx.error(row, "id_number", number,
                      "该教师目前在其他学校，不在您的管理范围内（调入须由其所在学校所属区县或市教育局办理）")
            return
        # teaching stage
        stages = ctx.stages_of(school)
        stage = vals.get("teaching_stage")
        if stage:
            ctx.problems(row, rules.stage_in_school(stage, school.name, stages),
                         {"teaching_stage": ("teaching_stage", _label(c.Stage, stage))})
        elif existing is not None and (not stages or existing["teaching_stage"] in stages):
            stage = existing["teaching_stage"]
        elif len(stages) == 1:
            stage = stages[0]
        else:
            listed = "、".join(_label(c.Stage, s) for s in stages) or "未设置"
            ctx.error(row, "teaching_stage", "", f"“{school.name}”有多个学段（{listed}），请填写任教学段")
        wanted["teaching_stage"] = stage
        # dates that cannot be
        # the rules of the record (workforce.rules): a cell of the row against the record as the
        # row leaves it; a rule whose cells the row leaves blank is not asked again
        ctx.problems(row, rules.teacher_dates(vals, ctx.today))
        old = existing or {}
        given = wanted if existing is not None else vals
        birth = (parsed.birth_date if parsed is not None else given.get("birth_date")) or old.get("birth_date")
        work_start = given.get("work_start") or old.get("work_start")
        entry = given.get("school_entry") or old.get("school_entry")
        g_start = given.get("grassroots_start") or old.get("grassroots_start")
        g_end = given.get("grassroots_end") or old.get("grassroots_end")
        ctx.problems(row, [
            *(rules.work_start_age(birth, work_start) if vals.get("work_start") else []),
            *(rules.school_entry_after_work_start(work_start, entry)
              if vals.get("school_entry") or vals.get("work_start") else []),
            *rules.grassroots_period(g_start, g_end),
        ], {"work_start": ("work_start", work_start), "school_entry": ("school_entry", entry),
            "grassroots_end": ("grassroots_end", g_end)})
        if row.bad or stage is None:
            return
        if existing is None:
            if vals.get("staff_category") is not None:
                self.created_fields.add("staff_category")
            self.new.add(row.data, number, school, stage, parsed)
            self.count(row, "new", **{"学校": school.name, "任教学段": _label(c.Stage, stage)})
            return
        wanted["school_id"] = school.pk
        changed = self.compare_values(existing, wanted)
        if school.pk is None:  # a school this file creates
            changed["school_id"] = (existing["school_id"], None)
        if not changed:
            self.count(row, "unchanged")
            return
        teacher = self.loaded(self.attnames, [existing[n] for n in self.attnames])
        shown = []
        for name, (old_value, new) in changed.items():
            if name == "school_id":
                shown.append(("学校", current.name if current else EMPTY, school.name))
                teacher.school = school
            else:
                shown.append(self.shown_change(Teacher, name, old_value, new))
                setattr(teacher, name, new)
        ctx.teachers[number] = teacher  # the record as this file leaves it, for the other sheets
        ctx._looked_up.add(number)
        self.updates.append(teacher)
        self.changes.append({"changed": changed, "shown": shown})
        ctx.change(row, f"{teacher.name}（{mask_id_number(number)}）", shown)
        self.count(row, "changed")

    @staticmethod
    def compare_values(existing: dict, wanted: dict) -> dict[str, tuple[Any, Any]]:
        """Fields of an existing teacher that ``wanted`` changes → (old, new); year-month
        fields compare at month precision."""
        changed = {}
        for name, new in wanted.items():
            old = existing[name]
            if name in TEACHER_MONTH_FIELDS and isinstance(old, dt.date) and isinstance(new, dt.date):
                if _month(old) == _month(new):
                    continue
            elif old == new or (old in (None, "") and new in (None, "")):
                continue
            changed[name] = (old, new)
        return changed

    def write(self):
        new = self.new
        pks: dict[str, int] = {}
        if len(new):
            try:  # while the writer thread inserts (what check() has not sent yet): each creation's history, all but its key
                new.send()
                history = self.creation_history(new)
            finally:
                new.flush()
            pks = new.keys()
            for number, teacher in new.built.items():
                teacher.pk = pks[number]
                teacher.school_id = teacher.school.pk
                teacher._state.adding = False
            if self.roster is not None:  # the 学历 and 职称 each new teacher was created with
                history = self.roster.with_records(history)
            # by the id as text: the audit's object-id indexes then grow at their end
            history = sorted((str(pks[number]), shown, changes) for number, shown, changes in history)
            insert_history(self.history_entry(audit.CREATE), history)
        if self.updates:
            names = sorted({n for ch in self.changes for n in ch["changed"]} | {"updated_at"})
            now = timezone.now()
            for t in self.updates:
                t.updated_at = now
            fast_update(Teacher, self.updates, names)
            insert_history(self.history_entry(audit.UPDATE),
                           ((str(t.pk), str(t), self.update_changes(ch)) for t, ch in zip(self.updates, self.changes)))
        if self.roster is not None:
            self.roster.write(pks)

    def history_entry(self, action):
        """What every history row of this run's teachers shares (``bulk.insert_history``)."""
        ctx = self.ctx
        return audit.entry(action, user=ctx.user, object_type=Teacher._meta.label_lower, source="import",
                           run_ref=ctx.run_ref, username=ctx.username)

    def creation_history(self, new: NewTeachers) -> list[tuple[str, str, dict]]:
        """(身份证件号, the record's name, changes) of each created teacher. A creation's history
        names the record and where it went; its other initial values are the record itself as
        created (and the run keeps the file's SHA-256). Rows that set the same values share one
        ``changes`` dict (``insert_history`` serialises each once)."""
        index = new.index
        fields = [f for f in CREATION_FIELDS if f in self.created_fields or f == "school_id"]
        snapshots: dict[tuple, dict] = {}
        name_at, number_at = index["name"], index["id_number"]
        picks = [(f, index[f]) for f in fields if f != "school_id"]
        pick = itemgetter(*[at for _f, at in picks]) if picks else (lambda values: ())
        describe = Teacher.__str__
        out = []
        for values, school in zip(new.rows, new.schools):
            key = (id(school), pick(values))
            changes = snapshots.get(key)
            if changes is None:
                changes = snapshots[key] = self.snapshot_values(school, {f: values[at] for f, at in picks})
            number = values[number_at]
            out.append((number, describe(_Named(values[name_at], number)), changes))
        return out

    def snapshot_values(self, school: School, values: dict) -> dict:
        out = {"school": {"label": "学校", "new": school.name}}
        for name, value in values.items():
            if value is None or value == "":
                continue
            out[name] = {"label": self._labels[name], "new": self._display(name, value)}
        return out

    @property
    def _labels(self) -> dict:
        if not hasattr(self, "_label_cache"):
            self._label_cache = {f.attname: str(f.verbose_name) for f in Teacher._meta.concrete_fields}
        return self._label_cache

    def _display(self, name, value):
        column = self.column_for_field(name)
        if column is not None:
            return display(column, value)
        return display(None, value)

    def update_changes(self, change: dict) -> tuple[dict, ...]:
        """A changed teacher's history ``changes`` as parts for ``bulk.insert_history``, a part a
        field: equal changes (a roster a year on: the same 备注, 学段 or school for many) are the
        same dict, cleaned and serialised once."""
        parts = self.__dict__.setdefault("_update_parts", {})
        out = []
        for (name, (old, new)), (label, old_shown, new_shown) in zip(change["changed"].items(), change["shown"]):
            if name in ("id_number", "birth_date"):
                old_shown, new_shown = old, new
            key = (name, label, old_shown, new_shown)
            try:
                part = parts.get(key)
            except TypeError:  # an unhashable value: its own part
                key, part = None, None
            if part is None:
                part = {"school" if name == "school_id" else name: {"label": label, "old": old_shown, "new": new_shown}}
                if key is not None:
                    parts[key] = part
            out.append(part)
        return tuple(out)


def _column_readers(model) -> list[tuple[str, Callable]]:
    """(attname, convert) for the columns of ``model`` whose database values need converting,
    with the backend's and the field's converters, as the ORM applies them, memoised by value."""
    out = []
    for f in model._meta.concrete_fields:
        col = f.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if not converters:
            continue

        def read(value, _converters=converters, _col=col):
            for convert in _converters:
                value = convert(value, _col, connection)
            return value
        read = memoised(read, typed=False)  # a column read from the database holds one type
        out.append((f.attname, read))
    return out


def _loader(model) -> Callable[[list[str], Sequence], Any]:
    """``load(attnames, values)``: an instance of ``model`` from a row of every concrete field,
    as ``Model.from_db`` builds one but without ``Model.__init__`` (20 µs for a teacher of 58
    fields; a changed roster builds 50,000): the values set as attributes, the state of a
    loaded instance. ``from_db`` itself where something listens to ``pre_init``/``post_init``
    for the model (none of the teacher's models has such a receiver)."""
    alias = connection.alias
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return lambda names, values: model.from_db(alias, names, values)
    new = model.__new__

    def load(names, values):
        obj = new(model)
        obj.__dict__.update(zip(names, values))
        state = obj._state = ModelState()
        state.adding, state.db = False, alias
        return obj
    return load


def _records_of(model, ids: list[int], readers: list[tuple[str, Callable]]) -> dict[int, list]:
    """teacher key → the teacher's ``model`` records (one query, in the order of their keys),
    as instances loaded from the database are: the row's values through ``readers``
    (``_column_readers(model)``), each instance built by ``_loader``, and the teachers' keys
    passed as one list, not prepared one by one through the ORM's lookup: both cost more than
    the rest of re-importing an unchanged roster."""
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    at = [(names.index(name), read) for name, read in readers]
    qn = connection.ops.quote_name
    condition, params = key_in(connection, qn(model._meta.get_field("teacher").column), ids)
    out: dict[int, list] = defaultdict(list)
    load = _loader(model)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(qn(f.column) for f in fields)} FROM {qn(model._meta.db_table)} "
                       f"WHERE {condition} ORDER BY {qn(model._meta.pk.column)}", params)
        for values in cursor.fetchall():
            values = list(values)
            for i, read in at:
                if values[i] is not None:
                    values[i] = read(values[i])
            record = load(names, values)
            out[record.teacher_id].append(record)
    return out


# --------------------------------------------------------------------------- a roster's 学历 and 职称
# 学历 from the highest: 博士研究生 … 初中及以下 (the order of ``choices.Education``)
_EDUCATION_RANK = {code: len(c.Education.values) - i for i, code in enumerate(c.Education.values)}


def degree_mismatch(education: str | None, degree: str | None) -> str | None:
    """Why a 学位 cannot go with a 学历 (``rules.degree_for_education``), or None."""
    problems = rules.degree_for_education(education, degree)
    return problems[0].message if problems else None


def match_education(records, education: str, degree: str | None, month: int | None, taken=frozenset()):
    """The record among one teacher's ``records`` that a 学历 × 学位 × 毕业年月 (``month`` as
    ``_month`` gives it, None when blank) stands for, or None: the record of the same 学历 and
    毕业年月; else, when either has no 毕业年月, one of the same 学历 whose 学位 does not differ
    (the same, or 无 or blank on either side), the flagged 最高学历 first, then the latest.
    ``taken``: ids of records that other rows stand for."""
    same = [r for r in records if r.education == education and id(r) not in taken]
    exact = [r for r in same if _month(r.end) == month]
    if exact:
        return max(exact, key=lambda r: r.is_highest)
    loose = [r for r in same if (month is None or r.end is None)
             and (not degree or degree == c.Degree.NONE or r.degree in (degree, c.Degree.NONE, ""))]
    if not loose:
        return None
    return max(loose, key=lambda r: (r.is_highest, _month(r.end) or 0, r.pk or 0))


class _TeacherRef:
    """A teacher as the history of its records names it (``audit.entry(parent=…)`` reads the
    model's meta, the key and ``Teacher.__str__``), without building the model instance."""

    __slots__ = ("pk", "name", "id_number")
    _meta = Teacher._meta
    __str__ = Teacher.__str__

    def __init__(self, pk, name, id_number):
        self.pk, self.name, self.id_number = pk, name, id_number


class _Fields:
    """Attributes from a dict: one field's value for ``Handler.audit_snapshot``."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


class RosterRecords:
    """A 花名册's 学历 and 职称 columns (DOMAIN.md, "What a real 花名册 carries"): a row's
    最高学历, 最高学位, 毕业院校, 所学专业 and 毕业年月 become the teacher's highest 学习经历, its
    专业技术职务 and 任职/聘任年月 the teacher's current 专业技术职务 — as a 学习经历 or 专业技术职务
    row would record them (the same parsing, labels, history; ``TeacherHandler`` hands each checked
    row to ``take``). What an officer expects, and so what this does:

    * **Matching** — so that the same roster imported again changes nothing, and a 学习经历 or
      专业技术职务 sheet imported later completes the record instead of adding a second one. A
      学历 is the teacher's record of the same 学历 and 毕业年月; when either has no 毕业年月, the
      record of the same 学历 whose 学位 does not differ (``match_education``, which the 学习经历
      import uses too). A 职称 is the appointment of the same 职务 and 聘任年月 (the 专业技术职务
      import's key); a 职称 without a 聘任年月 is any appointment of that 职务.
    * **Blank is not a value**: a blank cell never clears what is stored. A roster without a 学位
      (or with 无) records the 学历 with 学位 无 — the model's "none" — and never lowers a 学位
      a record already has; 学习方式 is the model's default until a 学习经历 sheet says it.
    * **One 最高学历 a teacher** (the national 最高学历标识): the roster's record takes the flag
      and the teacher's other flagged record loses it — unless the teacher has a finished record
      of a higher 学历 (a roster older than the 学习经历 recorded since): the roster's 学历 is then
      recorded (or matched) without the flag, the higher record keeps it, and a 提示 counts them.
    * **The current 职称**: a new appointment ends the teacher's open appointments made before it
      (the day before, as ``workforce.services.title_promote`` does) and, when a later one is on
      record, ends the day before it. An appointment needs its 聘任年月 (the model's): a 职称 that
      has none and matches nothing is not recorded, and a 提示 names the rows. A new appointment
      of a teacher in the system is a promotion: refused inside an ethics ban (一票否决,
      ``rules.ethics_veto``, as ``title_promote`` and the 专业技术职务 import refuse it).
    * **Checks**, each a row error naming the column: a 学位 with 专科 or lower (``degree_mismatch``,
      as for a 学习经历 row), a 学位, 院校, 专业 or 毕业年月 without a 最高学历, a 聘任年月
      without a 专业技术职务, a month after this one.
    * A teacher whom the file's own 学习经历 (专业技术职务) sheet lists takes the 学历 (职称) from
      that sheet: the roster's columns are not read for them, and a 提示 says how many.

    Bulk: the records of a chunk's teachers already in the system are loaded with one query a
    kind (``resolve``); ``write`` — after the teachers, whose keys new records need — inserts
    rows (``bulk.insert_rows``) and updates with ``fast_update``. History, filed under the
    teacher, says who, when and through which run: a row a record of a teacher in the system;
    a new teacher's 学历 and 职称 are listed in the row of the teacher's creation (one row a new
    teacher: a city's first roster is 50,000 teachers and 90,000 records). Counts:
    ``ImportReport.records`` and a 提示; a row whose teacher is unchanged but whose records are
    not counts as changed, and the preview lists each record created or changed.
    """

    KEYS = frozenset((*ROSTER_EDUCATION_KEYS, *ROSTER_TITLE_KEYS))

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.education = EducationHandler(ctx)  # labels, snapshots and history as a 学习经历 row's
        self.titles = TitleHandler(ctx)
        self.refs: dict[str, _TeacherRef] = {}  # 身份证件号 → a new teacher (its key is known after the INSERT)
        self.waiting: list[tuple] = []  # (row, teacher, education, title) of teachers in the system, this chunk
        self.created: dict[type, list] = {EducationRecord: [], TitleAppointment: []}  # (teacher, field → value)
        self.described: dict[tuple, tuple] = {}  # a created record's history, once for equal values
        self.of_new: dict[str, list[dict]] = {}  # 身份证件号 of a new teacher → its records, for its creation's history
        self.listings: dict[tuple, dict] = {}  # a record as a creation's history lists it, once for equal values
        self.updated: dict[type, list] = {EducationRecord: [], TitleAppointment: []}  # (teacher, record, changed, shown)
        self.counts = {model: {"new": 0, "changed": 0, "unchanged": 0} for model in self.created}
        self.left = {EducationRecord: 0, TitleAppointment: 0}  # teachers left to the file's own sheet
        self.lower = 0  # teachers whose roster 学历 is below a finished record's
        self.undated: list[Row] = []  # rows whose 职称 has no 聘任年月 and matches nothing

    def handler(self, model) -> KeyedRecordHandler:
        return self.education if model is EducationRecord else self.titles

    # ---- reading a row
    def take(self, row: Row, number: str, existing: dict | None) -> None:
        """A roster row just checked: its 学历 and 职称 cells checked, then the records kept for
        ``resolve`` (a teacher in the system) or created (a new teacher)."""
        vals = row.values
        education = self.education_of(row, vals)
        title = self.title_of(row, vals)
        if row.bad or not row.outcome or (education is None and title is None):
            return
        listed = self.ctx.listed
        if education is not None and number in listed["education"]:
            education = None
            self.left[EducationRecord] += 1
        if title is not None and number in listed["titles"]:
            title = None
            self.left[TitleAppointment] += 1
        if education is None and title is None:
            return
        teacher = _TeacherRef(existing["id"] if existing else None, vals.get("name") or (existing or {}).get("name", ""),
                              number)
        if existing is not None:
            self.waiting.append((row, teacher, education, title))
            return
        self.refs[number] = teacher
        if education is not None:
            self.create(row, teacher, EducationRecord, {**education, "is_highest": True})
        if title is not None:
            if title["appointed_on"] is None:
                self.undated.append(row)
            else:
                self.create(row, teacher, TitleAppointment, title)

    def education_of(self, row: Row, vals: dict) -> dict | None:
        """The 学习经历 fields a row fills (None without a 最高学历), its cells checked."""
        ctx = self.ctx
        education, degree, end = vals.get("highest_education"), vals.get("highest_degree"), vals.get("graduated_on")
        if education is None:
            given = [key for key in ROSTER_EDUCATION_KEYS[1:] if vals.get(key) is not None]
            if given:
                shown = "、".join(row.sheet.colmap[key][1].strip() for key in given)
                ctx.error(row, "highest_education", "", f"已填写{shown}，请同时填写最高学历")
            return None
        message = degree_mismatch(education, degree)
        if message:
            ctx.error(row, "highest_degree", _label(c.Degree, degree), message)
        ctx.problems(row, rules.not_in_future("graduated_on", end, ctx.today, month=True))
        fields = {"education": education, "degree": degree, "institution": vals.get("graduated_from"),
                  "major": vals.get("graduated_major"), "end": end}
        return {name: value for name, value in fields.items() if value is not None}

    def title_of(self, row: Row, vals: dict) -> dict | None:
        """The 专业技术职务 a row gives (None without one), its cells checked."""
        ctx = self.ctx
        title, on = vals.get("current_title"), vals.get("title_appointed_on")
        if title is None:
            if on is not None:
                ctx.error(row, "current_title", "", "已填写聘任年月，请同时填写专业技术职务")
            return None
        ctx.problems(row, rules.not_in_future("title_appointed_on", on, ctx.today, month=True))
        return {"title": title, "appointed_on": on}

    # ---- matching the records of teachers in the system
    def resolve(self) -> None:
        """The waiting rows against their teachers' records: one query a kind for the chunk."""
        waiting, self.waiting = self.waiting, []
        ids = sorted({teacher.pk for _row, teacher, _e, _t in waiting})
        educations = self.load(EducationRecord, ids) if any(e is not None for _r, _t, e, _ti in waiting) else {}
        titles = self.load(TitleAppointment, ids) if any(t is not None for _r, _te, _e, t in waiting) else {}
        # a new appointment is a promotion: 一票否决 (rules.ethics_veto), the bans of the chunk's
        # teachers in one query — of those whose dated 职称 is not on record (none when a roster
        # is imported again)
        promoted = [teacher.pk for _r, teacher, _e, title in waiting if title is not None
                    and title["appointed_on"] is not None and not self.held(title, titles.get(teacher.pk, []))]
        self.bans = honours.bans_by_teacher(promoted) if promoted else {}
        for row, teacher, education, title in waiting:
            if education is not None:
                self.match_education(row, teacher, education, educations.get(teacher.pk, []))
            if title is not None:
                self.match_title(row, teacher, title, titles.get(teacher.pk, []))

    def load(self, model, ids: list[int]) -> dict[int, list]:
        """teacher key → the teacher's records of ``model`` (``_records_of``: one query)."""
        readers = self.__dict__.setdefault("readers", {})
        if model not in readers:
            readers[model] = _column_readers(model)
        return _records_of(model, ids, readers[model])

    @staticmethod
    def held(wanted: dict, appointments: list) -> bool:
        """The teacher holds the 职称 already: an appointment of the same 职务 and 聘任年月 (any
        of that 职务 when the row gives no 聘任年月)."""
        title, on = wanted["title"], wanted["appointed_on"]
        month = _month(on)
        return any(a.title == title and (on is None or _month(a.appointed_on) == month) for a in appointments)

    def match_education(self, row: Row, teacher: _TeacherRef, wanted: dict, records: list) -> None:
        education, degree = wanted["education"], wanted.get("degree")
        record = match_education(records, education, degree, _month(wanted.get("end")))
        if record is not None and degree == c.Degree.NONE:
            del wanted["degree"]  # 无 does not take away a 学位 the record has
        rank, today = _EDUCATION_RANK[education], self.ctx.today
        if any(r is not record and _EDUCATION_RANK.get(r.education, 0) > rank and (r.end is None or r.end <= today)
               for r in records):
            self.lower += 1  # the higher record keeps the flag
        else:
            wanted["is_highest"] = True
            for other in records:
                if other is not record and other.is_highest:
                    self.change(row, teacher, other, {"is_highest": (True, False)})
        if record is None:
            self.create(row, teacher, EducationRecord, wanted)
            return
        changed = self.education.compare(row, record, wanted, self.education.month_fields)
        if changed:
            self.change(row, teacher, record, changed)
        else:
            self.counts[EducationRecord]["unchanged"] += 1

    def match_title(self, row: Row, teacher: _TeacherRef, wanted: dict, appointments: list) -> None:
        title, on = wanted["title"], wanted["appointed_on"]
        month = _month(on)
        if self.held(wanted, appointments):
            self.counts[TitleAppointment]["unchanged"] += 1  # nothing more in a roster to change
            return
        if on is None:
            self.undated.append(row)
            return
        vetoed = rules.ethics_veto(self.bans.get(teacher.pk, ()), on, "promote", field="current_title")
        if vetoed:
            self.ctx.problems(row, vetoed, {"current_title": ("current_title", _label(c.Title, title))})
            return
        later = [a.appointed_on for a in appointments if _month(a.appointed_on) > month]
        if later:
            wanted["ended_on"] = min(later) - dt.timedelta(days=1)
        for a in appointments:
            if a.ended_on is None and _month(a.appointed_on) < month:
                self.change(row, teacher, a, {"ended_on": (None, on - dt.timedelta(days=1))})
        self.create(row, teacher, TitleAppointment, wanted)

    # ---- outcomes
    def create(self, row: Row, teacher: _TeacherRef, model, values: dict) -> None:
        """A record to create with ``values`` (fields; the teacher's key is set when written)."""
        self.created[model].append((teacher, values))
        self.counts[model]["new"] += 1
        if teacher.pk is None:  # part of a new teacher, as the teacher's other fields are: listed in its creation
            self.of_new.setdefault(teacher.id_number, []).append(self.listing(model, values))
            return
        if row.outcome == "unchanged":
            row.outcome = "changed"
        fields = [item for part in self.history(model, values) for name, item in part.items() if not name.startswith("_")]
        self.ctx.change(row, self.handler(model).record_label(teacher, f"{model._meta.verbose_name}（新增）"),
                        [(item["label"], EMPTY, item["new"]) for item in fields])

    def history(self, model, values: dict) -> tuple[dict, ...]:
        """The history ``changes`` of a record created with ``values``, as ``audit.entry`` files a
        teacher's new record (``_record``, then its values as shown), in parts for
        ``bulk.insert_history`` (their union is the changes): the record's name, then a part a
        field. A part is built once a run for its value and every equal one is the same dict, so
        the history is cleaned and serialised once a distinct name or value, not once a record
        (a city roster has thousands of distinct records, of a few dozen distinct values a
        field). A created record is named by its values, not its key."""
        key = (model, *values.items())  # a row's fields come in one order: equal values, one key
        changes = self.described.get(key)
        if changes is None:
            handler = self.handler(model)
            parts = self.__dict__.setdefault("parts", {})
            defaults = self.__dict__.setdefault("defaults", {})
            if model not in defaults:
                defaults[model] = {name: model._meta.get_field(name).get_default() for name in handler.snapshot_fields}
            name_ = self.record_repr(model, values)
            out = [parts.get((model, "_record", name_))]
            if out[0] is None:
                out[0] = parts[(model, "_record", name_)] = {
                    "_record": {"type": model._meta.label_lower, "id": "", "label": str(model._meta.verbose_name),
                                "repr": name_}}
            for name, default in defaults[model].items():
                value = values.get(name, default)
                if value is None or value == "":
                    continue
                part = parts.get((model, name, value))
                if part is None:
                    part = parts[(model, name, value)] = handler.audit_snapshot(model, _Fields({name: value}), (name,))
                out.append(part)
            changes = self.described[key] = tuple(out)
        return changes

    def listing(self, model, values: dict) -> dict:
        """A record created with a new teacher as the teacher's creation history lists it (one
        history row a new teacher, not one a record as well): under the model's name, its label
        and every value as its own history would show it, and the record's type and name —
        ``{"educationrecord": {"label": "学习经历", "new": "学历：本科，学位层次：学士，…",
        "type": "workforce.educationrecord", "repr": "本科/学士"}}``. Built once for equal values."""
        key = (model, *values.items())  # a row's fields come in one order: equal values, one key
        part = self.listings.get(key)
        if part is None:
            record, *fields = self.history(model, values)
            record = record["_record"]
            shown = "，".join(f"{item['label']}：{item['new']}" for field_ in fields for item in field_.values())
            part = self.listings[key] = {model._meta.model_name: {
                "label": record["label"], "new": shown, "type": record["type"], "repr": record["repr"]}}
        return part

    def with_records(self, history: list[tuple[str, str, dict]]) -> list[tuple[str, Any, Any]]:
        """The creation history of the new teachers (``TeacherHandler.creation_history``) with
        the records each was created with: ``changes`` and the records' listings as parts for
        ``bulk.insert_history`` (the teacher's changes are shared by many rows, a listing by
        every equal record: each is cleaned and serialised once)."""
        of_new = self.of_new
        if not of_new:
            return history
        return [(number, shown, (changes, *of_new[number]) if number in of_new else changes)
                for number, shown, changes in history]

    def record_repr(self, model, values: dict) -> str:
        """``str`` of a record created with ``values`` (the model's own ``__str__``), masked as the
        audit masks it; each choice field's ``get_FOO_display`` worked out once a value (Django's
        builds a dict of every choice, its lazy labels translated, on each call)."""
        displays = self.__dict__.setdefault("displays", {})
        record = model(**values)
        for f in model._meta.concrete_fields:
            if not f.choices:
                continue
            value = getattr(record, f.attname)
            key = (f, value)
            if key not in displays:
                displays[key] = getattr(record, f"get_{f.name}_display")()
            record.__dict__[f"get_{f.name}_display"] = lambda shown=displays[key]: shown
        return audit.mask_text(record)[:audit.MAX_REPR]

    def change(self, row: Row, teacher: _TeacherRef, record, changed: dict) -> None:
        model = type(record)
        handler = self.handler(model)
        shown = [handler.shown_change(model, name, old, new) for name, (old, new) in changed.items()]
        for name, (_old, new) in changed.items():
            setattr(record, name, new)
        self.updated[model].append((teacher, record, changed, shown))
        self.counts[model]["changed"] += 1
        if row.outcome == "unchanged":
            row.outcome = "changed"
        self.ctx.change(row, handler.record_label(teacher, str(model._meta.verbose_name)), shown)

    def report(self) -> None:
        """The counts (``ImportReport.records``) and a 提示 of what the columns did."""
        report = self.ctx.report
        done = []
        for model, counts in self.counts.items():
            label = str(model._meta.verbose_name)
            if any(counts.values()):
                report.records[label] = dict(counts)
                done.append(f"{label}新增 {counts['new']} 条、修改 {counts['changed']} 条、未变 {counts['unchanged']} 条")
        if done:
            report.warnings.append(f"花名册中的学历、职称列：{'；'.join(done)}")
        if self.lower:
            report.warnings.append(f"{self.lower} 名教师花名册中的最高学历低于系统中已有的学习经历：已按学习经历记录，"
                                   "最高学历标识仍在较高的学历上")
        if self.undated:
            rows = "、".join(f"{row.sheet.name}第 {row.number} 行" for row in self.undated[:10])
            more = f"等 {len(self.undated)} 行" if len(self.undated) > 10 else ""
            report.warnings.append(f"{rows}{more}的专业技术职务没有任职（聘任）时间，未能记录：请补充聘任年月，"
                                   "或导入专业技术职务表")
        for model, n in self.left.items():
            if n:
                label = model._meta.verbose_name
                report.warnings.append(f"本文件的{label}表列出的 {n} 名教师，{label}以该表为准，未再按花名册的列记录")

    # ---- writing
    def write(self, pks: dict[str, int]) -> None:
        """After the teachers (``pks``: 身份证件号 → key of the teachers just created): the new
        records as rows (``bulk.insert_rows``), the changed ones with ``fast_update``. History,
        filed under the teacher: a row a record of a teacher in the system (``bulk.insert_history``
        for the new ones); a new teacher's records are listed in its creation's row
        (``with_records``, written by ``TeacherHandler.write``)."""
        ctx = self.ctx
        for number, teacher in self.refs.items():
            teacher.pk = pks[number]
        for model, created in self.created.items():
            if not created:
                continue
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            defaults = [(f.attname, f.get_default()) for f in fields]
            teacher_at = [f.attname for f in fields].index("teacher_id")

            def rows(created=created, defaults=defaults, teacher_at=teacher_at):
                for teacher, values in created:
                    row = [values.get(name, default) for name, default in defaults]
                    row[teacher_at] = teacher.pk
                    yield row
            insert_rows(model, fields, rows())
            # the records of a teacher in the system: a history row each (a new teacher's are
            # listed in its creation's, ``with_records``)
            refs = self.refs
            insert_history(audit.entry(audit.CREATE, user=ctx.user, object_type=Teacher._meta.label_lower, source="import",
                                       run_ref=ctx.run_ref, username=ctx.username),
                           ((str(teacher.pk), str(teacher), self.history(model, values)) for teacher, values in created
                            if refs.get(teacher.id_number) is not teacher))
        entries = []
        for model, updated in self.updated.items():
            if not updated:
                continue
            names = sorted({name for _t, _r, changed, _s in updated for name in changed})
            fast_update(model, [record for _t, record, _c, _s in updated], names)
            entries += [ctx.audit_entry(audit.UPDATE, record, {name: {"label": label, "old": old, "new": new}
                                                               for name, (label, old, new) in zip(changed, shown)},
                                        parent=teacher)
                        for teacher, record, changed, shown in updated]
        write_history(entries)


# --------------------------------------------------------------------------- sub-records
class SubRecordHandler(Handler):
    """A teacher's sub-record sheet: rows name their teacher by 身份证件号."""

    model = None
    snapshot_fields: tuple[str, ...] = ()
    month_fields: tuple[str, ...] = ()

    def allowed(self):
        if self.ctx.user is None or is_hr(self.ctx.user):
            return None
        return "您没有导入该类数据的权限。"

    def teachers_of_rows(self) -> list[tuple[Row, Teacher]]:
        ctx = self.ctx
        ctx.load_schools()
        numbers = []
        for row in self.rows:
            number = row.values.get("id_number")
            if number:
                numbers.append(number.upper())
        ctx.load_teachers(numbers)
        out = []
        for row in self.rows:
            teacher = ctx.teacher_for(row)
            if teacher is not None:
                out.append((row, teacher))
        return out

    def existing_by_teacher(self, pairs, queryset) -> dict[int, list]:
        ids = sorted({t.pk for _r, t in pairs if t.pk})
        out: dict[int, list] = defaultdict(list)
        for chunk in _chunks(ids):
            for obj in queryset.filter(teacher_id__in=chunk):
                out[obj.teacher_id].append(obj)
        return out

    def record_label(self, teacher: Teacher, what: str) -> str:
        return f"{teacher.name}（{mask_id_number(teacher.id_number)}）{what}"

    def apply(self, row: Row, teacher: Teacher, key, existing: dict, wanted: dict, make):
        """new / changed / unchanged for a row whose natural key is ``key``; returns the record."""
        obj = existing.get(key)
        if obj is None:
            obj = make()
            self.new.append(obj)
            self.count(row, "new")
            return obj
        obj.teacher = teacher  # known: no query when the history names the teacher
        changed = self.compare(row, obj, wanted, self.month_fields)
        if not changed:
            self.count(row, "unchanged")
            return obj
        shown = [self.shown_change(self.model, n, o, nv) for n, (o, nv) in changed.items()]
        for name, (_o, new) in changed.items():
            setattr(obj, name, new)
        self.updates.append(obj)
        self.changes.append((changed, shown))
        self.ctx.change(row, self.record_label(teacher, str(self.kind.label)), shown)
        self.count(row, "changed")
        return obj

    def write(self):
        ctx = self.ctx
        model = self.model
        if self.new:
            model.objects.bulk_create(self.new)
        if self.updates:
            names = sorted({n for ch, _s in self.changes for n in ch})
            fast_update(model, self.updates, names)
        entries = [ctx.audit_entry(audit.CREATE, obj, self.audit_snapshot(model, obj, self.snapshot_fields),
                                   parent=obj.teacher) for obj in self.new]
        entries += [ctx.audit_entry(audit.UPDATE, obj, {n: {"label": label, "old": old, "new": new}
                                                        for n, (label, old, new) in zip(ch, shown)},
                                    parent=obj.teacher)
                    for obj, (ch, shown) in zip(self.updates, self.changes)]
        write_history(entries)


class KeyedRecordHandler(SubRecordHandler):
    """A sub-record identified by teacher × one coded value × one month: the same checks for
    学习经历 (学历 × 毕业年月) and 专业技术职务 (职务 × 聘任年月). Subclasses declare, and may
    match a row that names no record exactly (``fallback``), check its values together
    (``check_values``) and see every row's record before the writes (``matched``, ``finish``)."""

    key_field: str  # the coded column of the natural key
    key_choices = None  # its choices, for the value shown in an error
    key_month: str  # the month column of the natural key
    record_fields: tuple[str, ...]  # a row without these is not a record of this kind (skipped)
    duplicate_what: str

    def make(self, teacher, wanted):
        return self.model(teacher=teacher, **wanted)

    def read(self, sheet: Sheet, rows: list[Row]) -> None:
        """Note the teachers the sheet lists: a roster in the same file leaves their records of
        this kind to this sheet (``RosterRecords``)."""
        if "id_number" not in sheet.keys:
            return
        at = sheet.keys.index("id_number")
        listed = self.ctx.listed[self.kind_name]
        for row in rows:
            number = row.data[at] if row.data else None
            if number:
                listed.add(number.upper())

    def fallback(self, records: list, vals: dict, taken: set):
        """The record of ``records`` (the teacher's) a row stands for when none has its key."""
        return None

    def dates(self, vals: dict) -> list[rules.Problem]:
        """The rule of the record's dates (``workforce.rules``; fields are the columns' keys)."""
        return []

    def check_values(self, row: Row, vals: dict) -> None:
        """Errors of a row's values taken together."""

    def prepare(self, pairs: list[tuple[Row, Teacher]]) -> None:
        """Before the rows: load what ``check_new`` needs for all the file's teachers at once."""

    def check_new(self, row: Row, teacher: Teacher, vals: dict) -> None:
        """Errors of a row that creates a record (not one that matches a record in the system)."""

    def matched(self, row: Row, teacher: Teacher, record, records: list) -> None:
        """A checked row's record (new or existing), with the teacher's records in the system."""

    def finish(self) -> None:
        """After every row is matched."""

    def check(self):
        ctx = self.ctx
        pairs = self.teachers_of_rows()
        by_teacher = self.existing_by_teacher(pairs, self.model.objects.all())
        existing = {}
        for records in by_teacher.values():
            for r in records:
                existing[(r.teacher_id, getattr(r, self.key_field), _month(getattr(r, self.key_month)))] = r
        self.new, self.updates, self.changes = [], [], []
        seen = {}
        self.prepare(pairs)
        # the records rows name by their key: no other row falls back on them
        taken = set()
        for row, teacher in pairs:
            record = existing.get((teacher.pk, row.values.get(self.key_field), _month(row.values.get(self.key_month))))
            if record is not None:
                taken.add(id(record))
        for row, teacher in pairs:
            vals = row.values
            if not all(vals.get(name) for name in self.record_fields):
                continue
            ctx.problems(row, self.dates(vals))
            self.check_values(row, vals)
            value, month = vals[self.key_field], _month(vals.get(self.key_month))
            if (teacher.id_number, value, month) in seen:
                ctx.error(row, self.key_field, _label(self.key_choices, value),
                          f"与第 {seen[(teacher.id_number, value, month)].number} 行重复（同一教师、{self.duplicate_what}）")
            seen[(teacher.id_number, value, month)] = row
            if row.bad:
                continue
            wanted = self.fields_of(row)
            key = (teacher.pk, value, month)
            found = existing if teacher.pk else {}
            if teacher.pk and key not in existing:
                record = self.fallback(by_teacher.get(teacher.pk, []), vals, taken)
                if record is not None:
                    taken.add(id(record))
                    found = {key: record}
            if key not in found:
                self.check_new(row, teacher, vals)
                if row.bad:
                    continue
            record = self.apply(row, teacher, key, found, wanted,
                                lambda teacher=teacher, wanted=wanted: self.make(teacher, wanted))
            self.matched(row, teacher, record, by_teacher.get(teacher.pk, []) if teacher.pk else [])
        self.finish()


class EducationHandler(KeyedRecordHandler):
    """学习经历: teacher × 学历 × 毕业年月; a row without one side's 毕业年月 completes the record
    of the same 学历 and a 学位 that does not differ (``match_education``: a roster's record made
    without a month is completed by the 学习经历 sheet imported later, not duplicated). One
    最高学历标识 a teacher: a row that flags a record un-flags the teacher's other one."""

    kind_name = "education"
    model = EducationRecord
    snapshot_fields = ("education", "degree", "degree_name", "study_mode", "institution", "major", "start", "end")
    month_fields = ("start", "end")
    key_field, key_choices, key_month = "education", c.Education, "end"
    record_fields = ("education",)
    duplicate_what = "学历、毕业年月"

    def fallback(self, records, vals, taken):
        return match_education(records, vals["education"], vals.get("degree"), _month(vals.get("end")), taken)

    def dates(self, vals):
        return rules.education_dates(vals.get("start"), vals.get("end"), self.ctx.today)

    def check_values(self, row, vals):
        self.ctx.problems(row, rules.degree_for_education(vals.get("education"), vals.get("degree")),
                          {"degree": ("degree", _label(c.Degree, vals.get("degree")))})

    def matched(self, row, teacher, record, records):
        if record is None or not row.values.get("is_highest"):
            return
        flagged = self.__dict__.setdefault("flagged", {})
        first = flagged.get(teacher.id_number)
        if first is not None and first[1] is not record:
            # the teacher's stored flags are moved by this import (``finish``): the file's rows count
            rows = self.__dict__.setdefault("flagged_rows", {}).setdefault(teacher.id_number, [first[1]])
            rows.append(record)
            self.ctx.problems(row, rules.one_highest_education([(r.education, r.end) for r in rows]),
                              {"is_highest": ("is_highest", "是")})
            return
        flagged[teacher.id_number] = (row, record, teacher, records)

    def finish(self):
        flagged = self.__dict__.pop("flagged", {})
        self.__dict__.pop("flagged_rows", None)
        if not flagged or self.ctx.report.errors:
            return
        at = {id(obj): i for i, obj in enumerate(self.updates)}
        shown = self.shown_change(EducationRecord, "is_highest", True, False)
        for row, record, teacher, records in flagged.values():
            for other in records:
                if other is record or not other.is_highest:
                    continue
                other.is_highest = False
                other.teacher = teacher
                i = at.get(id(other))
                if i is None:
                    at[id(other)] = len(self.updates)
                    self.updates.append(other)
                    self.changes.append(({"is_highest": (True, False)}, [shown]))
                else:
                    self.changes[i][0]["is_highest"] = (True, False)
                    self.changes[i][1].append(shown)
                self.ctx.change(row, self.record_label(teacher, str(self.kind.label)), [shown])

class TitleHandler(KeyedRecordHandler):
    """专业技术职务: one appointment per teacher × title × 聘任年月; a later file may add the
    解聘年月 (changed) or correct the day within the month (unchanged)."""

    kind_name = "titles"
    model = TitleAppointment
    snapshot_fields = ("title", "appointed_on", "ended_on")
    month_fields = ("appointed_on", "ended_on")
    key_field, key_choices, key_month = "title", c.Title, "appointed_on"
    record_fields = ("title", "appointed_on")
    duplicate_what = "专业技术职务、聘任年月"

    def dates(self, vals):
        return rules.title_dates(vals.get("appointed_on"), vals.get("ended_on"), self.ctx.today)

    def prepare(self, pairs):
        self.bans = honours.bans_by_teacher(teacher.pk for _row, teacher in pairs)

    def check_new(self, row, teacher, vals):
        """A new appointment is a promotion: 一票否决 on its 聘任年月, as ``title_promote`` refuses it."""
        self.ctx.problems(row, rules.ethics_veto(self.bans.get(teacher.pk, ()), vals.get("appointed_on"), "promote"),
                          {"teacher": ("title", _label(c.Title, vals.get("title")))})


class RotationHandler(SubRecordHandler):
    kind_name = "rotations"
    model = Exchange
    snapshot_fields = ("exchange_type_id", "moves_personnel", "start", "end", "from_name", "to_name")
    month_fields = ("start", "end")

    def allowed(self):
        from workforce.services import may_record_rotation

        if self.ctx.user is None or may_record_rotation(self.ctx.user):
            return None
        return "只有市、区县教育局人事可以导入交流轮岗。"

    def check(self):
        ctx = self.ctx
        types = {_key(t.name): t for t in ExchangeType.objects.all()}
        type_names = {t.pk: t.name for t in types.values()}
        pairs = self.teachers_of_rows()
        by_teacher = self.existing_by_teacher(pairs, Exchange.objects.all())
        self.new, self.updates, self.changes = [], [], []
        in_file: dict[str, list[tuple[dt.date, dt.date | None, Row]]] = defaultdict(list)
        for row, teacher in pairs:
            vals = row.values
            kind = types.get(_key(vals.get("exchange_type") or ""))
            if vals.get("exchange_type") and kind is None:
                ctx.error(row, "exchange_type", vals["exchange_type"],
                          "交流轮岗类型不存在，可选：" + "、".join(t.name for t in types.values()))
            start, end = vals.get("start"), vals.get("end")
            home = ctx.school_of(teacher)
            from_school = home
            if vals.get("from_school"):
                from_school = ctx.school_named(row, "from_school", vals["from_school"])
            to_school = ctx.school_named(row, "to_school", vals["to_school"]) if vals.get("to_school") else None
            # the rules of an exchange (workforce.rules), as exchange_record applies them; a
            # planned exchange (a start after this month) is allowed there, so here too
            ctx.problems(row, [
                *rules.exchange_period(start, end),
                *(rules.exchange_schools(from_school.code, to_school.code) if from_school and to_school else []),
                *rules.exchange_after_leaving(teacher.left_on, start),
            ])
            if row.bad or not start or kind is None or not to_school:
                continue
            # overlaps: with the teacher's other exchanges (not the one of the same start month:
            # the same exchange, compared below) and with other rows of the file
            others = [rules.Period(o.start, o.end, rules.exchange_label(type_names.get(o.exchange_type_id, ""), o.start, o.end))
                      for o in (by_teacher.get(teacher.pk, []) if teacher.pk else []) if _month(o.start) != _month(start)]
            ctx.problems(row, rules.exchange_overlaps(start, end, others))
            for o_start, o_end, o_row in in_file[teacher.id_number]:
                if rules.periods_overlap(start, end, o_start, o_end):
                    ctx.error(row, "start", start, f"与第 {o_row.number} 行的交流时间重叠")
                    break
            in_file[teacher.id_number].append((start, end, row))
            if row.bad:
                continue
            wanted = {"exchange_type_id": kind.pk, "end": end, "from_school_id": from_school.pk if from_school else None,
                      "to_school_id": to_school.pk, "from_name": from_school.name if from_school else "",
                      "to_name": to_school.name}
            if vals.get("moves_personnel") is not None:
                wanted["moves_personnel"] = vals["moves_personnel"]
            found = {(_month(e.start)): e for e in by_teacher.get(teacher.pk, [])} if teacher.pk else {}
            user = ctx.user if ctx.user is not None and ctx.user.pk else None
            self.apply(row, teacher, _month(start), found, wanted,
                       lambda: Exchange(teacher=teacher, start=start, created_by=user, **wanted))

    def shown_change(self, model, name, old, new):
        if name == "exchange_type_id":
            names = {t.pk: t.name for t in ExchangeType.objects.all()} if not hasattr(self, "_tn") else self._tn
            self._tn = names
            return "交流轮岗类型", names.get(old, EMPTY), names.get(new, EMPTY)
        if name in ("from_school_id", "to_school_id"):
            label = "原单位" if name == "from_school_id" else "交流轮岗单位"
            return label, getattr(self.ctx.school_by_pk.get(old), "name", EMPTY), getattr(self.ctx.school_by_pk.get(new), "name", EMPTY)
        return super().shown_change(model, name, old, new)


class HonourHandler(SubRecordHandler):
    kind_name = "honours"
    model = Award
    snapshot_fields = ("honour_type", "awarded_on", "expires_on", "awarding_body")

    def allowed(self):
        from workforce.services import may_award

        if self.ctx.user is None or may_award(self.ctx.user):
            return None
        return "只有市、区县教育局人事可以导入荣誉。"

    def check(self):
        from workforce.honours import award_expiry

        ctx = self.ctx
        types = {_key(t.name): t for t in HonourType.objects.all()}
        pairs = self.teachers_of_rows()
        bans = honours.bans_by_teacher(t.pk for _r, t in pairs)  # the rule's inputs, one query a chunk
        existing = {}
        for awards in self.existing_by_teacher(pairs, Award.objects.all()).values():
            for a in awards:
                existing[(a.teacher_id, a.honour_type_id, a.awarded_on)] = a
        self.new, self.updates, self.changes = [], [], []
        seen = {}
        for row, teacher in pairs:
            vals = row.values
            title = vals.get("honour_title")
            honour = types.get(_key(title or ""))
            if title and honour is None:
                listed = "、".join(list(t.name for t in types.values())[:12])
                ctx.error(row, "honour_title", title, f"荣誉称号不在系统的荣誉类型中（如：{listed}）")
                continue
            if honour is None:
                continue
            if honour.is_team:
                ctx.error(row, "honour_title", title, "团队/工作室类荣誉不能按教师导入，请在荣誉页面登记")
            level = vals.get("honour_level")
            if level and level != honour.level:
                ctx.error(row, "honour_level", _label(c.HonourLevel, level),
                          f"“{honour.name}”的级别是{_label(c.HonourLevel, honour.level)}")
            on = vals.get("awarded_on")
            if on is None:
                continue
            # rules.award, as award_grant applies it: the 一票否决 for an award the row creates
            new = (teacher.pk, honour.pk, on) not in existing
            ctx.problems(row, rules.award(awarded_on=on, today=ctx.today, bans=bans.get(teacher.pk, ()) if new else ()),
                         {"teacher": ("honour_title", title)})
            key = (teacher.id_number, honour.pk, on)
            if key in seen:
                ctx.error(row, "honour_title", title, f"与第 {seen[key].number} 行重复")
            seen[key] = row
            if row.bad:
                continue
            wanted = {"awarding_body": vals.get("awarding_body") or ""} if row.sheet.has("awarding_body") else {}
            found = existing if teacher.pk else {}
            self.apply(row, teacher, (teacher.pk, honour.pk, on), found, wanted,
                       # the school and stage at the award: the teacher's as the file is imported
                       # (no school history to look back in), kept so a later move does not change
                       # which awards were 乡村 (DOMAIN.md, Honours; Award.clean does the same)
                       lambda: Award(teacher=teacher, honour_type=honour, awarded_on=on,
                                     expires_on=award_expiry(honour, on), school_at_award_id=teacher.school_id,
                                     stage_at_award=teacher.teaching_stage or "", **wanted))


class TrainingHandler(SubRecordHandler):
    """国内培训 rows become approved credit records; a provider's completion list (no 培训类别
    column) credits the attendees of catalogue programmes through ``training.services``."""

    kind_name = "training"

    def required(self, sheet):
        if self.is_provider_list(sheet):
            return [self.kind.column("id_number"), self.kind.column("programme")]
        return self.kind.required

    @staticmethod
    def is_provider_list(sheet: Sheet) -> bool:
        return not sheet.has("level") and not sheet.has("mode")

    def check(self):
        from training.models import CreditRecord

        ctx = self.ctx
        pairs = self.teachers_of_rows()
        self.model = CreditRecord
        records = self.existing_by_teacher(pairs, CreditRecord.objects.exclude(status=CreditRecord.Status.REJECTED))
        self.new, self.updates, self.changes = [], [], []
        self.provider_groups: dict[tuple, list[Teacher]] = defaultdict(list)
        provider_pairs = [(r, t) for r, t in pairs if self.is_provider_list(r.sheet)]
        national = [(r, t) for r, t in pairs if not self.is_provider_list(r.sheet)]
        if provider_pairs:
            self.check_provider_list(provider_pairs, records)
        self.national = self.check_national(national)

    # model field of a 国内培训 row → the column a refusal is reported in
    TRAINING_COLUMNS = {"title": "programme", "year": "training_year", "level": "level", "mode": "mode",
                        "hours": "hours", "credits": "credits", "provider": "provider", "teacher": "id_number"}

    def service_rows(self, national) -> list[dict]:
        return [{"teacher": teacher, "title": row.values["programme"], "level": row.values["level"],
                 "mode": row.values["mode"], "hours": row.values["hours"], "year": row.values["training_year"],
                 "provider": row.values.get("provider") or "", "credits": row.values.get("credits")}
                for row, teacher in national]

    def check_national(self, pairs):
        """National-sheet rows are judged by ``training.services.credit_import_rows`` — the
        training pages' own rules (duplicates, scope, validation) — in its ``dry_run`` here and
        for real in ``write``."""
        from training.services import credit_import_rows

        ctx = self.ctx
        national = [(row, teacher) for row, teacher in pairs
                    if not row.bad and row.values.get("training_year") is not None and row.values.get("programme")
                    and row.values.get("hours") is not None and row.values.get("level") and row.values.get("mode")]
        if not national:
            return []
        result = credit_import_rows(rows=self.service_rows(national), user=ctx.user, run_ref=ctx.run_ref, dry_run=True)
        fields = result["error_fields"]
        refused = [(i, fields.get(i, "title"), message) for i, message in result["errors"]]
        refused += [(i, "title", message) for i, message in result["duplicates"]]
        for index, field_name, message in sorted(refused):
            row, _teacher = national[index]
            key = self.TRAINING_COLUMNS.get(field_name, "programme")
            first = result["duplicate_of"].get(index)
            if first is not None:
                message = f"与第 {national[first][0].number} 行重复（同一教师、年度、项目）"
            ctx.error(row, key, row.values.get(key), message)
        for index in result["unchanged"]:
            self.count(national[index][0], "unchanged")
        for index in result["new"]:
            self.count(national[index][0], "new")
        return [national[index] for index in result["new"]]

    def check_provider_list(self, pairs, records):
        from training.models import CreditRecord, Programme
        from training.permissions import can_credit_provider_list

        ctx = self.ctx
        if ctx.user is None:
            for row, _t in pairs:
                ctx.error(row, "programme", row.values.get("programme"), "命令行导入培训机构名单须用 --user 指定导入人")
            return
        programmes: dict[str, list] = defaultdict(list)
        for p in Programme.objects.visible_to(ctx.user).filter(published=True):
            programmes[_key(p.name)].append(p)
        seen = {}
        for row, teacher in pairs:
            title = row.values.get("programme")
            found = programmes.get(_key(title or ""), [])
            if not found:
                ctx.error(row, "programme", title, "培训项目不在已发布的项目目录中")
                continue
            if len(found) > 1:
                ctx.error(row, "programme", title, "有多个同名培训项目，无法确定是哪一个")
                continue
            programme = found[0]
            if not can_credit_provider_list(ctx.user, programme):
                ctx.error(row, "programme", title, "只有市、区县人事部门可以导入该项目的培训机构名单")
                continue
            key = (teacher.id_number, programme.pk)
            if key in seen:
                ctx.error(row, "id_number", teacher.id_number, f"与第 {seen[key].number} 行重复")
            seen[key] = row
            if row.bad:
                continue
            mine = [r for r in records.get(teacher.pk, []) if r.programme_id == programme.pk] if teacher.pk else []
            hours = row.values.get("hours")
            self.provider_groups[(programme.pk, hours)].append(teacher)
            self.provider_programmes = getattr(self, "provider_programmes", {})
            self.provider_programmes[programme.pk] = programme
            if not mine:
                self.count(row, "new")
            elif mine[0].status == CreditRecord.Status.APPROVED:
                self.count(row, "unchanged")
            else:
                self.ctx.change(row, self.record_label(teacher, programme.name),
                                [("状态", mine[0].get_status_display(), "已通过")])
                self.count(row, "changed")

    def write(self):
        from training.services import credit_import_rows, provider_list_credit

        ctx = self.ctx
        if self.national:
            result = credit_import_rows(rows=self.service_rows(self.national), user=ctx.user, run_ref=ctx.run_ref)
            if result["errors"] or result["duplicates"] or result["created"] != len(self.national):
                # the records changed between the check and now: nothing of this import is written
                raise IntegrityError("training records changed during the import")
        for (programme_id, hours), teachers in getattr(self, "provider_groups", {}).items():
            provider_list_credit(programme=self.provider_programmes[programme_id], teachers=teachers, user=ctx.user,
                                 hours=hours, run_ref=ctx.run_ref)


class QuotaHandler(PerSchoolHandler):
    """核定编制: the approved quota of a school for a school year, as districts receive the
    approval sheets (DOMAIN.md, Staffing quota). District HR for its schools, city HR for all."""

    kind_name = "quotas"

    def allowed(self):
        if self.ctx.scope.kind in ("city", "district"):
            return None
        return "核定编制由区县或市教育局人事部门导入。"

    def check(self):
        ctx = self.ctx
        plans = [(row, school) for row in self.rows if (school := self.school_of(row)) is not None
                 and row.values.get("school_year") is not None and row.values.get("approved") is not None]
        existing = {}
        for chunk in _chunks(sorted({school.pk for _r, school in plans if school.pk})):
            for quota in SchoolQuota.objects.filter(school_id__in=chunk):
                existing[(quota.school_id, quota.school_year)] = quota
        self.new, self.updates, self.changes = [], [], []
        seen = {}
        for row, school in plans:
            vals = row.values
            key = (school.code, vals["school_year"])
            if key in seen:
                ctx.error(row, "school_year", vals["school_year"], f"与第 {seen[key].number} 行重复（同一学校、学年）")
                continue
            seen[key] = row
            if row.bad:
                continue
            wanted = {"approved": vals["approved"], **({"note": vals["note"]} if vals.get("note") else {})}
            old = existing.get((school.pk, vals["school_year"])) if school.pk else None
            self.upsert(row, old, wanted, lambda: SchoolQuota(school=school, school_year=vals["school_year"], **wanted),
                        f"{school.name} {vals['school_year']}-{vals['school_year'] + 1}")

    def write(self):
        self.write_records(SchoolQuota, ["approved", "note"], ("school_year", "approved", "note"))


HANDLERS: dict[str, type[Handler]] = {
    "schools": SchoolHandler, "enrolment": EnrolmentHandler, "quotas": QuotaHandler, "teachers": TeacherHandler,
    "education": EducationHandler, "titles": TitleHandler, "rotations": RotationHandler, "honours": HonourHandler,
    "training": TrainingHandler,
}


# =========================================================================== reading
def _any_header(normalised: str) -> bool:
    return any(lookup_header(normalised, index) is not None for index in HEADER_INDEXES.values())


def _read_sheets(workbook, forced: Kind | None, ctx: Context, handlers: dict[str, Handler]) -> None:
    report = ctx.report
    matcher = (lambda n: lookup_header(n, HEADER_INDEXES[forced.sheet_kind]) is not None) if forced else _any_header
    done = 0
    for data in iter_sheets(workbook, matcher, include_hidden=False):
        if data.header_row is None:
            continue
        kind = forced
        if kind is None:
            sheet_kind = detect_sheet_kind(data.headers, data.name)
            if sheet_kind is None:
                report.warnings.append(f"工作表“{data.name}”的表头无法识别为任何导入类别，已跳过")
                continue
            kind = kind_for_sheet_kind(sheet_kind)
        colmap = _columns(data, kind, ctx)
        sheet = Sheet(data.name, kind, data.header_row, data.headers, colmap)
        handler = handlers.setdefault(kind.name, HANDLERS[kind.name](ctx))
        handler.sheets.append(sheet)
        refusal = handler.allowed()
        if refusal:
            ctx.sheet_error(sheet, "", refusal)
        for column in handler.required(sheet):
            if column.key not in colmap:
                ctx.sheet_error(sheet, column.label, f"缺少必填列“{column.label}”")
        done = _read_rows(sheet, data, ctx, done, handler)
        sheet.report.rows = len(sheet.rows)
        report.sheets.append(sheet.report)


def _columns(data, kind: Kind, ctx: Context) -> dict[str, tuple[int, str]]:
    """Which column of the sheet fills which field: the built-in header spellings, then the
    organisation's saved answers. A header known to neither is a question for the officer
    (``report.unknown_headers``); a column not needed (by an answer, or a field this kind does
    not take) is listed in ``report.ignored_columns`` — never dropped in silence."""
    report, vocabulary = ctx.report, ctx.vocabulary
    mapping, unknown = map_headers(data.headers, kind.sheet_kind)
    colmap: dict[str, tuple[int, str]] = {}
    for index, key in mapping.items():
        if key in kind.by_key:
            colmap[key] = (index, data.headers[index])
        elif key != "row_no":
            report.ignored_columns.append({"sheet": data.name, "header": data.headers[index].strip(),
                                           "why": "本类导入不使用此列"})
    taken = set(mapping.values())
    for index, raw in enumerate(data.headers):
        header = raw.strip() if isinstance(raw, str) else raw
        if not header or index in mapping:
            continue
        answer = vocabulary.header(kind.sheet_kind, header)
        if answer is not None and answer.target and answer.target in kind.by_key and answer.target not in colmap:
            colmap[answer.target] = (index, data.headers[index])
            taken.add(answer.target)
        elif answer is not None and not answer.target:
            report.ignored_columns.append({"sheet": data.name, "header": header, "why": f"不需要（{answer.where}的设置）"})
        elif lookup_header(header, HEADER_INDEXES[kind.sheet_kind]) is not None:
            report.ignored_columns.append({"sheet": data.name, "header": header, "why": "与前面的列重复"})
        else:
            report.unknown_headers.append({
                "sheet": data.name, "sheet_kind": kind.sheet_kind, "header": header, "index": index,
                "column": _column_letter(index),
                "fields": [(c.key, c.label) for c in kind.columns if c.key not in colmap and c.key not in taken],
            })
    return colmap


def _fills(sheet: Sheet, ctx: Context) -> list[tuple[str, Any]]:
    """The officer's answers for measure columns this sheet lacks: (key, value) for each that
    holds a value ("all schools in this file are 公办"); an empty answer for a month column says
    "leave it blank" and fills nothing. Each answer used is listed in the report."""
    kind, out = sheet.kind, []
    for column in kind.columns:
        name = f"{kind.sheet_kind}.{column.key}"
        if not column.measure or column.key in sheet.colmap or name not in ctx.fills:
            continue
        raw = ctx.fills[name]
        try:
            value = column.parser(ctx.vocabulary.synonyms(kind.sheet_kind, column.key, column.built_in_synonyms())
                                  if column.type in ("choice", "bool") else None)(raw) if raw not in ("", None) else None
        except ValueError as exc:
            ctx.sheet_error(sheet, column.label, f"为“{column.label}”选择的值无效：{exc}")
            continue
        ctx.report.filled_columns.append({"sheet": sheet.name, "key": column.key, "label": column.label,
                                          "value": str(raw) if raw not in ("", None) else "（留空）"})
        if value is not None:
            out.append((column.key, value))
    return out


def _ask_for_missing_measure_columns(ctx: Context, handlers: dict) -> None:
    """A sheet that creates records but lacks a column a measure depends on (办学性质, 是否在编,
    教职工类别, 进本校年月 …) is not defaulted in silence: the officer chooses one value for the
    whole file in the mapping step (``--fill`` on the command line), or the run stops here."""
    for handler in handlers.values():
        for sheet in handler.sheets:
            if sheet.refused or not sheet.report.new:
                continue
            kind = sheet.kind
            for column in kind.columns:
                if (not column.measure or column.key in sheet.colmap
                        or f"{kind.sheet_kind}.{column.key}" in ctx.fills):
                    continue
                ctx.report.missing_columns.append({
                    "sheet": sheet.name, "sheet_kind": kind.sheet_kind, "key": column.key, "label": column.label,
                    "new": sheet.report.new, "type": column.type,
                    "choices": _choice_pairs(column) if column.type in ("choice", "bool") else [],
                })
                what = "选择一个值（适用于文件中的全部行）" if column.type in ("choice", "bool") else "确认留空"
                ctx.report.errors.append(RowError(
                    sheet.name, sheet.header_row or 1, column.label, "",
                    f"缺少“{column.label}”列：本表将新增 {sheet.report.new} 条记录，统计指标需要此列。"
                    f"请在文件中补上此列，或在预览页为它{what}（命令行：--fill {column.key}=值）"))


def _choice_pairs(column: Column | None) -> list[tuple[str, str]]:
    """(code, label) of what a coded or 是/否 column may hold, for the mapping step's choice."""
    if column is None:
        return []
    if column.type == "bool":
        return [("是", "是"), ("否", "否")]
    return [(str(code), str(label)) for code, label in (column.choices.choices if column.choices else []) if code != ""]


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


BATCH = 2000  # rows parsed together, column by column
SAMPLE_ROWS = 10  # new rows of each kind the preview shows as they will be stored


def _batched(iterable, size: int):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _read_rows(sheet: Sheet, data, ctx: Context, done: int, handler: Handler | None = None) -> int:
    """Parse the data rows of one sheet into ``sheet.rows``, a batch at a time and column by
    column: each column's parser sees the column's cells of the batch at once (see
    ``imports.kinds.BatchParser``), and a row keeps only a tuple of its parsed values.
    Errors are reported in the order of the cells (row, then column)."""
    kind = sheet.kind
    vocabulary = ctx.vocabulary

    def parser_of(column: Column):
        if column.type not in ("choice", "bool"):
            return column.batch_parser()
        return column.batch_parser(vocabulary.synonyms(kind.sheet_kind, column.key, column.built_in_synonyms()))
    specs = [(index, key, parser_of(kind.by_key[key]), kind.by_key[key].required)
             for key, (index, _h) in sheet.colmap.items()]
    birth_at = next((n for n, spec in enumerate(specs) if spec[1] == "birth_date"), None)
    if birth_at is not None:
        sheet.keys = (*sheet.keys, "_birth_month_only")
        birth_index = specs[birth_at][0]
        # 出生年月: every cell is a month, whatever its form (a typed month is stored as a date)
        month_only: dict | None = None if says_month(sheet.colmap["birth_date"][1]) else {}
    fills = _fills(sheet, ctx)
    if fills:
        sheet.keys = (*sheet.keys, *(key for key, _value in fills))
    pick = itemgetter(*[spec[0] for spec in specs]) if len(specs) > 1 else None
    # rows below the header, after those of the sheets already read (an upper bound: blank
    # rows are skipped)
    total = done + data.last_row - data.header_row if data.last_row and data.header_row else None
    rows = sheet.rows
    for batch in _batched(data.rows, BATCH):
        if pick is not None:
            columns = list(zip(*map(pick, [cells for _n, cells in batch])))
        elif specs:
            columns = [[cells[specs[0][0]] for _n, cells in batch]]
        else:
            columns = []
        parsed, problems = [], []
        for order, ((_index, key, parser, required), raws) in enumerate(zip(specs, columns)):
            values, errors = parser.many(raws)
            for i, raw, message in errors:
                problems.append((i, order, key, raw, message, parser.is_unknown(raw)))
            if vocabulary.values and vocabulary.spellings(kind.sheet_kind, key):
                vocabulary.note_values_seen(kind.sheet_kind, key, set(r for r in raws if r.__class__ is str))
            if required and None in values:
                failed = {i for i, _raw, _m in errors}
                problems.extend((i, order, key, "", "必填项为空", False)
                                for i, value in enumerate(values) if value is None and i not in failed)
            parsed.append(values)
        if birth_at is not None:
            flags = []
            for (_n, cells), birth in zip(batch, parsed[birth_at]):
                if month_only is None:
                    flags.append(None if birth is None else True)
                    continue
                if birth is None:
                    flags.append(None)
                    continue
                raw = cells[birth_index]
                key = raw if raw.__class__ is str else (raw.__class__, raw)
                flag = month_only.get(key)
                if flag is None:
                    flag = month_only[key] = is_year_month(raw)
                flags.append(flag)
            parsed.append(flags)
        for _key, value in fills:  # the officer's one value for a column the file lacks
            parsed.append([value] * len(batch))
        batch_rows = [Row(sheet, number, tuple_) for (number, _c), tuple_ in
                      zip(batch, zip(*parsed) if parsed else repeat(()))]
        if problems:
            problems.sort(key=lambda p: (p[0], p[1]))
            for i, _order, key, raw, message, unknown in problems:
                if unknown:
                    ctx.unknown_value(batch_rows[i], key, raw, message)
                else:
                    ctx.error(batch_rows[i], key, raw, message)
        rows.extend(batch_rows)
        if handler is not None and not sheet.refused:
            handler.read(sheet, batch_rows)
        done += len(batch)
        ctx.tick(done, total, ImportRun.Phase.READING)
    return done


# =========================================================================== the service
def _sha256(file) -> str:
    digest = hashlib.sha256()
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    if hasattr(file, "chunks"):
        file.seek(0)
        for chunk in file.chunks():
            digest.update(chunk)
    else:
        file.seek(0)
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _size(file) -> int:
    if isinstance(file, (str, os.PathLike)):
        return os.path.getsize(file)
    if getattr(file, "size", None) is not None:
        return file.size
    pos = file.tell()
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(pos)
    return size


def _school(school, scope: Scope) -> School | None:
    if school is None or school == "":
        if scope.kind == "school":
            return School.objects.filter(pk=scope.school_id).first()
        return None
    if isinstance(school, School):
        return school
    found = School.objects.filter(code=str(school).strip()).first()
    if found is None:
        raise ValueError(f"学校标识码“{school}”不存在")
    return found


@in_data_language  # Chinese messages, labels and audit rows, Chinese roster values matched, in any UI language
def import_run(*, file, filename: str, kind: str | None = None, user=None, school=None, dry_run: bool,
               source: str = "web", progress: Callable[[int, int | None, str], None] | None = None,
               run: ImportRun | None = None, mapping: dict | None = None,
               fills: dict[str, str] | None = None) -> ImportReport:
    """Import (or with ``dry_run`` preview) one uploaded file; returns the report.

    ``file``: a path, a binary file object or a Django ``UploadedFile``; ``filename``: the name
    the user gave (its extension decides the format). ``kind``: force one kind for every sheet
    (a name or alias of ``imports.kinds``), else each sheet's kind is recognised from its headers.
    ``user``: who imports (their scope bounds every row); None only for the command line run by
    an operator (city-wide). ``school``: a School or a 学校标识码 — where teachers go when the
    file has no school column (school HR: their own school). ``progress(done, total, phase)`` is
    called every few thousand rows. ``run``: an existing ``ImportRun`` to fill (the web preview
    and confirm), else one is created. Raises ``ImportRefused`` for users who may not import,
    ``ValueError`` for an unknown kind or school. ``mapping``: the file's own answers about
    headers and values (``imports.mappings``; the command line's ``--mapping``), used before the
    saved answers of the user's organisation. ``fills``: ``{"school.ownership": "公办"}``, one value
    for a measure column the file lacks (the mapping step's answer, kept with the run).
    """
    with collector_paused():  # millions of cells: see imports.concurrency
        return _import_run(file=file, filename=filename, kind=kind, user=user, school=school, dry_run=dry_run,
                           source=source, progress=progress, run=run, mapping=mapping, fills=fills)


def _import_run(*, file, filename: str, kind: str | None, user, school, dry_run: bool, source: str,
                progress: Callable[[int, int | None, str], None] | None, run: ImportRun | None,
                mapping: dict | None = None, fills: dict[str, str] | None = None) -> ImportReport:
    if isinstance(file, (str, os.PathLike)) and not os.path.exists(file):
        raise FileNotFoundError(file)
    if user is not None and not is_hr(user):
        raise ImportRefused("只有人事部门可以导入数据。")
    scope = scope_for(user) if user is not None else Scope("city")
    if user is not None and scope.kind == "none":
        raise ImportRefused("您的账号没有设置管理范围（区县或学校），不能导入。")
    forced = KINDS[resolve_kind(kind)] if kind else None
    default_school = _school(school, scope)
    if default_school is not None and user is not None and not School.objects.for_scope(scope).filter(pk=default_school.pk).exists():
        raise ImportRefused(f"学校“{default_school.name}”不在您的管理范围内。")
    display_name = os.path.basename(str(filename)) or "upload"
    report = ImportReport(kind=forced.name if forced else "", dry_run=dry_run)
    if run is None:
        run = ImportRun.objects.create(
            user=user if user is not None and user.pk else None, file_name=display_name[:255], file_sha256="",
            kind=report.kind, dry_run=dry_run, source=source[:10], outcome=ImportRun.Outcome.RUNNING,
            requested_kind=forced.name if forced else "", school=default_school,
        )
    else:
        run.outcome, run.dry_run, run.finished_at = ImportRun.Outcome.RUNNING, dry_run, None
        run.save(update_fields=["outcome", "dry_run", "finished_at"])
    report.run_id = run.pk
    started = time.monotonic()

    def tick(done, total, phase):
        if progress is not None:
            progress(done, total, phase)

    ctx = Context(user=user, scope=scope, default_school=default_school, report=report, run_ref=str(run.pk),
                  source=source, progress=tick, vocabulary=Vocabulary.for_scope(scope, mapping), fills=fills)
    handlers: dict[str, Handler] = {}
    max_size = getattr(settings, "IMPORT_MAX_BYTES", 50 * 1024 * 1024)
    try:
        size = _size(file)
        sha = _sha256(file) if size <= max_size else ""
        run.file_sha256 = sha
        tick(0, None, ImportRun.Phase.READING)
        with open_workbook(file, display_name, max_size=max_size) as workbook:
            _read_sheets(workbook, forced, ctx, handlers)
    except UnreadableFile as exc:
        report.outcome = ImportRun.Outcome.UNREADABLE
        report.message = exc.message
        return _finish(run, report, started)
    if not report.sheets:
        report.errors.append(RowError(display_name, 1, "", "", "文件中没有可导入的工作表：未找到包含姓名、身份证件号等表头的行"))
    report.kind = report.kind or ",".join(k for k in KIND_ORDER if k in handlers)
    report.applied_mappings = ctx.vocabulary.applied_list()
    # A run that will commit unless an error turns up checks inside its transaction, and writes
    # the new teachers while it checks (NewTeachers); an error found then rolls everything back.
    # The progress callback may itself write to the database (the web page's progress bar), so
    # it is not called inside the transaction: the run says "writing" from here on.
    ctx.committing = not dry_run and not report.errors
    if ctx.committing:
        tick(report.rows, report.rows, ImportRun.Phase.WRITING)
        ctx.progress = None
    try:
        with ExitStack() as stack:
            if ctx.committing:
                stack.enter_context(_wide_statements())
                stack.enter_context(transaction.atomic())
                stack.callback(ctx.new_teachers.flush)  # the writer thread stops before commit or rollback
            for name in KIND_ORDER:
                if name in handlers:
                    ctx.settle()
                    handlers[name].check()
            _count(report, handlers)
            _ask_for_missing_measure_columns(ctx, handlers)
            # in file order: sheet, then row (a row's own errors as they were found)
            sheet_order = {sheet.name: i for i, sheet in enumerate(report.sheets)}
            report.errors.sort(key=lambda e: (sheet_order.get(e.sheet, -1), e.row))
            if report.errors or dry_run:
                report.outcome = ImportRun.Outcome.REJECTED if report.errors else ImportRun.Outcome.PREVIEWED
                if ctx.committing:  # what was sent is rolled back
                    ctx.new_teachers.discard()
                    transaction.set_rollback(True)
            else:
                for name in KIND_ORDER:
                    if name in handlers:
                        handlers[name].write()
                audit.record(audit.IMPORT, user=user, object_type="imports.importrun", object_id=str(run.pk),
                             object_repr=display_name, source="import", run_ref=str(run.pk), username=ctx.username,
                             message=f"导入“{display_name}”：{report.rows} 行，新增 {report.new}，修改 {report.changed}，"
                                     f"未变 {report.unchanged}")
                report.outcome = ImportRun.Outcome.COMMITTED
    except (IntegrityError, DatabaseError) as exc:
        report.errors.append(RowError(display_name, 1, "", "",
                                      f"写入数据库失败，未写入任何数据（可能有人同时导入或修改了相同的记录），请重新导入。（{type(exc).__name__}）"))
        report.outcome = ImportRun.Outcome.REJECTED
    return _finish(run, report, started)


def _count(report: ImportReport, handlers: dict[str, Handler]) -> None:
    bad_rows = {(e.sheet, e.row) for e in report.errors}
    for handler in handlers.values():
        for sheet in handler.sheets:
            rep = sheet.report
            for row in sheet.rows:
                if sheet.refused or row.bad or (sheet.name, row.number) in bad_rows:
                    rep.errors += 1
                elif row.outcome == "new":
                    rep.new += 1
                elif row.outcome == "changed":
                    rep.changed += 1
                elif row.outcome == "unchanged":
                    rep.unchanged += 1
    report.rows = sum(s.rows for s in report.sheets)
    report.new = sum(s.new for s in report.sheets)
    report.changed = sum(s.changed for s in report.sheets)
    report.unchanged = sum(s.unchanged for s in report.sheets)
    report.error_rows = sum(s.errors for s in report.sheets)


def _finish(run: ImportRun, report: ImportReport, started: float) -> ImportReport:
    run.kind = report.kind[:30]
    run.outcome = report.outcome
    run.rows, run.new, run.changed, run.unchanged = report.rows, report.new, report.changed, report.unchanged
    run.errors = report.error_rows or (1 if report.errors else 0)
    run.progress = report.rows
    run.total_rows = report.rows
    run.phase = ImportRun.Phase.DONE
    run.report = {**report.as_stored(), "seconds": round(time.monotonic() - started, 2)}
    run.finished_at = timezone.now()
    run.save()
    return report
