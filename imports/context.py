"""What every handler of a run shares: the parsed sheets and rows (``Sheet``, ``Row``) and the
``Context`` — who imports, their scope, the schools and teachers loaded once, the report and
how errors, samples and changes are put in it — and how values are shown (``display``)."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any, Callable, Iterable

from django.utils import timezone

from backend import audit
from core.i18n import data_language
from core.roles import can_see_identity
from backend.scoping import Scope
from workforce import rules
from core.identity import IdNumberError, mask_birth_date, mask_id_number, parse_id_number
from workforce.models import District, School, Teacher

from . import values as v
from .kinds import Column, Kind
from .mappings import Vocabulary, normalise as _normalise
from .new_teachers import NewTeachers
from .readers import normalise_header
from .report import STORED_CHANGES, ImportReport, RowError, SheetReport

CHUNK = 2000              # ids per ``__in`` query
CLI_USERNAME = "命令行"
EMPTY = "（空）"
SAMPLE_ROWS = 10          # new rows of each kind the preview shows as they will be stored


def normalise_value(raw: Any) -> str:
    return _normalise(raw, header=False)


def key_of(text: Any) -> str:
    """Comparison key of a name (school, type): no spaces, full-width folded, case-folded."""
    return normalise_header(text)


def month_of(d: dt.date | None) -> int | None:
    return None if d is None else d.year * 12 + d.month


_LABELS: dict = {}  # (choices, code) → label in the data language


def label_of(choices, code) -> str:
    """A code's label in the data language (``core.i18n``: an import runs in it), each code
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


def chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


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
        self.show_identity = user is None or can_see_identity(user)
        self.username = getattr(user, "username", "") or CLI_USERNAME
        self._schools_loaded = False
        self._city_district_ids: set[int] | None = None
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
        # a run that may commit (not a preview) sets this: opens its transaction before the
        # reading is done, for a roster checked and written as it is read (TeacherHandler.stream)
        self.begin_commit: Callable[[], None] | None = None

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
                text = label_of(column.choices, value)
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
                "choices": choice_pairs(column),
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
        self.schools_by_name[key_of(school.name)].append(school)

    def in_scope(self, school: School) -> bool:
        kind = self.scope.kind
        if self.scope.covers_all:
            return True
        if kind == "city":  # one city of a province: its districts' schools only
            if self._city_district_ids is None:
                self._city_district_ids = set(
                    District.objects.filter(city_id=self.scope.city_id).values_list("pk", flat=True))
            return school.district_id in self._city_district_ids
        if kind == "district":
            return school.district_id == self.scope.district_id
        if kind == "school":
            return school.pk is not None and school.pk == self.scope.school_id
        return False

    def find_school(self, row: Row, code_key: str, name_key: str, *, required_label: str = "学校"):
        """The school a row names by 学校标识码 or by name. Returns a School, None when the row
        names none, or False after reporting an error."""
        school, problem = self.lookup_school(row.values.get(code_key), row.values.get(name_key), code_key, name_key)
        if problem is not None:
            self.error(row, *problem)
            return False
        return school

    def school_named(self, row: Row, key: str, name: str):
        school, problem = self.lookup_school(None, name, key, key)
        if problem is not None:
            self.error(row, *problem)
            return False
        return school

    def lookup_school(self, code, name, code_key: str, name_key: str):
        """(the school named by 学校标识码 ``code`` or by ``name`` — None when neither is given —,
        None), or (None, (column, value, message)) when they name none or several: the one rule
        for the row checks (``find_school``) and the import's quick path for clean rows."""
        self.load_schools()
        if code:
            school = self.school_by_code.get(code)
            if school is None:
                return None, (code_key, code, f"学校标识码“{code}”在系统中不存在，请核对或先导入该学校")
            if name and key_of(name) != key_of(school.name):
                return None, (name_key, name, f"学校名称与学校标识码 {code} 对应的“{school.name}”不一致")
            return school, None
        if not name:
            return None, None
        if re.fullmatch(r"\d{10}", name):
            school = self.school_by_code.get(name)
            if school is not None:
                return school, None
        found = self.schools_by_name.get(key_of(name), [])
        if len(found) > 1 and self.scope.kind == "district":
            mine = [s for s in found if s.district_id == self.scope.district_id]
            found = mine or found
        if not found:
            return None, (name_key, name, f"学校“{name}”在系统中不存在，请核对名称或改填学校标识码")
        if len(found) > 1:
            return None, (name_key, name, f"系统中有 {len(found)} 所学校名为“{name}”，请改填学校标识码")
        return found[0], None

    # ---- teachers: existing ones loaded in chunks of id_number__in
    def load_teachers(self, numbers: Iterable[str]) -> None:
        wanted = [n for n in set(numbers) if n and n not in self._looked_up]
        self._looked_up.update(wanted)
        for chunk in chunks(sorted(wanted)):
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
        if name and key_of(name) != key_of(teacher.name):
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
        return label_of(choices, value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def choice_pairs(column: Column | None) -> list[tuple[str, str]]:
    """(code, label) of what a coded or 是/否 column may hold, for the mapping step's choice."""
    if column is None:
        return []
    if column.type == "bool":
        return [("是", "是"), ("否", "否")]
    return [(str(code), str(label)) for code, label in (column.choices.choices if column.choices else []) if code != ""]
