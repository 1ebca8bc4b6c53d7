"""Bases the kinds share: rows that belong to a school (``PerSchoolHandler``: enrolment,
approved quotas) and a teacher's sub-records (``SubRecordHandler``; ``KeyedRecordHandler`` for a
record identified by teacher × a coded value × a month: 学习经历, 专业技术职务)."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

from backend import audit
from backend.rights import can
from core.capabilities import Capability
from workforce import rules
from core.identity import mask_id_number
from workforce.models import School, Teacher

from ..bulk import fast_update, write_history
from ..context import Row, Sheet, chunks, label_of, month_of
from . import Handler


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


class SubRecordHandler(Handler):
    """A teacher's sub-record sheet: rows name their teacher by 身份证件号."""

    model = None
    snapshot_fields: tuple[str, ...] = ()
    month_fields: tuple[str, ...] = ()

    def allowed(self):
        if self.ctx.user is None or can(self.ctx.user, Capability.IMPORTS_RUN):
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
        for chunk in chunks(ids):
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
                existing[(r.teacher_id, getattr(r, self.key_field), month_of(getattr(r, self.key_month)))] = r
        self.new, self.updates, self.changes = [], [], []
        seen = {}
        self.prepare(pairs)
        # the records rows name by their key: no other row falls back on them
        taken = set()
        for row, teacher in pairs:
            record = existing.get((teacher.pk, row.values.get(self.key_field), month_of(row.values.get(self.key_month))))
            if record is not None:
                taken.add(id(record))
        for row, teacher in pairs:
            vals = row.values
            if not all(vals.get(name) for name in self.record_fields):
                continue
            ctx.problems(row, self.dates(vals))
            self.check_values(row, vals)
            value, month = vals[self.key_field], month_of(vals.get(self.key_month))
            if (teacher.id_number, value, month) in seen:
                ctx.error(row, self.key_field, label_of(self.key_choices, value),
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
