"""A 花名册's 学历 and 职称 columns: the teacher's highest 学习经历 and current 专业技术职务
(``RosterRecords``), read as the 学习经历 and 专业技术职务 kinds read them."""
from __future__ import annotations

import datetime as dt
from operator import itemgetter
from typing import Any

from backend import audit
from workforce import choices as c
from workforce import honours, rules
from workforce.models import EducationRecord, Teacher, TitleAppointment

from ..bulk import fast_update, insert_history, insert_rows, write_history
from ..context import EMPTY, Context, Row, label_of, month_of
from ..loading import column_readers, records_of
from .education import EducationHandler, match_education
from .shared import KeyedRecordHandler
from .titles import TitleHandler

# The roster columns that carry a 学习经历 or a 专业技术职务 rather than a field of the teacher.
ROSTER_EDUCATION_KEYS = ("highest_education", "highest_degree", "graduated_from", "graduated_major", "graduated_on")
ROSTER_TITLE_KEYS = ("current_title", "title_appointed_on")


_EDUCATION_RANK = {code: len(c.Education.values) - i for i, code in enumerate(c.Education.values)}


def degree_mismatch(education: str | None, degree: str | None) -> str | None:
    """Why a 学位 cannot go with a 学历 (``rules.degree_for_education``), or None."""
    problems = rules.degree_for_education(education, degree)
    return problems[0].message if problems else None


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
    kind (``resolve``); after the teachers, whose keys new records need, ``write_created``
    inserts rows (``bulk.insert_rows``) and ``write_updated`` updates with ``fast_update``. History, filed under the
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
        self.undated: list[Row] = []  # the first rows whose 职称 has no 聘任年月 and matches nothing
        self.undated_count = 0
        self.cells: dict = {}  # sheet → how ``take`` reads its rows (``_cells``)
        self.verdicts: dict = {}  # cells → (fields, errors) (``verdict``)
        self.made: dict = {}  # (id of a verdict's values, highest) → (values, as stored, listing) (``create_new``)

    def handler(self, model) -> KeyedRecordHandler:
        return self.education if model is EducationRecord else self.titles

    # ---- reading a row
    def take(self, row: Row, number: str, existing: dict | None) -> None:
        """A roster row just checked: its 学历 and 职称 cells checked, then the records kept for
        ``resolve`` (a teacher in the system) or created (a new teacher)."""
        sheet = row.sheet
        cells = self.cells.get(sheet)
        if cells is None:
            cells = self.cells[sheet] = self._cells(sheet)
        data = row.data + (None,)
        # shared by the rows of equal cells: copied before any change
        education = self.verdict(row, (sheet, *cells[0](data)), self._education_of)
        title = self.verdict(row, (sheet, *cells[1](data)), self._title_of)
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
        teacher = _TeacherRef(existing["id"] if existing else None, data[cells[2]] or (existing or {}).get("name", ""),
                              number)
        if existing is not None:
            self.waiting.append((row, teacher, None if education is None else dict(education),
                                 None if title is None else dict(title)))
            return
        self.refs[number] = teacher
        # a new teacher's records: equal cells, the same values and listing (nothing changes them)
        listed = []
        if education is not None:
            listed.append(self.create_new(teacher, EducationRecord, education, highest=True))
        if title is not None:
            if title["appointed_on"] is None:
                self.note_undated(row)
            else:
                listed.append(self.create_new(teacher, TitleAppointment, title))
        if listed:
            of_new = self.of_new.get(number)
            if of_new is None:
                self.of_new[number] = listed
            else:
                of_new += listed

    @staticmethod
    def _cells(sheet) -> tuple:
        """How ``take`` reads a row of ``sheet`` (its data with a None after it, for the columns
        the sheet lacks): its 学历 cells, its 职称 cells (``education_of``, ``title_of``), where
        its 姓名 is."""
        keys = sheet.keys
        blank = len(keys)

        def at(key):
            return keys.index(key) if key in keys else blank
        return (itemgetter(*map(at, ROSTER_EDUCATION_KEYS)), itemgetter(*map(at, ("current_title", "title_appointed_on"))),
                at("name"))

    def note_undated(self, row: Row) -> None:
        """A row whose 职称 cannot be recorded without its 聘任年月: counted, the first ten kept
        for the 提示 (``report``)."""
        self.undated_count += 1
        if len(self.undated) < 10:
            self.undated.append(row)

    def education_of(self, row: Row, vals: dict) -> dict | None:
        """The 学习经历 fields a row fills (None without a 最高学历), its cells checked. Worked
        out once a run for equal cells (``verdict``): the same dict for each, not to be changed."""
        key = (row.sheet, *map(vals.get, ROSTER_EDUCATION_KEYS))
        return self.verdict(row, key, self._education_of)

    def _education_of(self, sheet, education, degree, institution, major, end) -> tuple[dict | None, list]:
        found = []  # (key, shown, message) of an error, or a list of problems
        if education is None:
            given = [key for key, value in zip(ROSTER_EDUCATION_KEYS[1:], (degree, institution, major, end))
                     if value is not None]
            if given:
                shown = "、".join(sheet.colmap[key][1].strip() for key in given)
                found.append(("highest_education", "", f"已填写{shown}，请同时填写最高学历"))
            return None, found
        message = degree_mismatch(education, degree)
        if message:
            found.append(("highest_degree", label_of(c.Degree, degree), message))
        if end is not None:
            problems = self.future("graduated_on", end)
            if problems:
                found.append(problems)
        fields = {"education": education, "degree": degree, "institution": institution, "major": major, "end": end}
        return {name: value for name, value in fields.items() if value is not None}, found

    def title_of(self, row: Row, vals: dict) -> dict | None:
        """The 专业技术职务 a row gives (None without one), its cells checked; as ``education_of``,
        once a run for equal cells."""
        return self.verdict(row, (row.sheet, vals.get("current_title"), vals.get("title_appointed_on")), self._title_of)

    def _title_of(self, _sheet, title, on) -> tuple[dict | None, list]:
        if title is None:
            return None, ([("current_title", "", "已填写聘任年月，请同时填写专业技术职务")] if on is not None else [])
        problems = self.future("title_appointed_on", on) if on is not None else []
        return {"title": title, "appointed_on": on}, ([problems] if problems else [])

    def verdict(self, row: Row, key: tuple, work) -> dict | None:
        """``work(*key)`` — (the fields, the row's errors and problems) — once a run for each
        distinct ``key`` (a roster repeats its 学历, 学位, 院校 and months thousands of times); the
        errors are given to each row that has them."""
        verdicts = self.verdicts
        try:
            fields, found = verdicts[key]
        except KeyError:
            fields, found = verdicts[key] = work(*key)
        except TypeError:  # an unhashable cell (never from the readers)
            fields, found = work(*key)
        if found:  # most rows: nothing to report
            self.report_found(row, found)
        return fields

    def report_found(self, row: Row, found: list) -> None:
        """A verdict's errors and problems (``verdict``), given to ``row``."""
        for item in found:
            if item.__class__ is tuple:
                self.ctx.error(row, *item)
            else:
                self.ctx.problems(row, item)

    def future(self, field: str, month) -> list:
        return rules.not_in_future(field, month, self.ctx.today, month=True)

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
        """teacher key → the teacher's records of ``model`` (``loading.records_of``: one query)."""
        readers = self.__dict__.setdefault("readers", {})
        if model not in readers:
            readers[model] = column_readers(model)
        return records_of(model, ids, readers[model])

    @staticmethod
    def held(wanted: dict, appointments: list) -> bool:
        """The teacher holds the 职称 already: an appointment of the same 职务 and 聘任年月 (any
        of that 职务 when the row gives no 聘任年月)."""
        title, on = wanted["title"], wanted["appointed_on"]
        month = month_of(on)
        return any(a.title == title and (on is None or month_of(a.appointed_on) == month) for a in appointments)

    def match_education(self, row: Row, teacher: _TeacherRef, wanted: dict, records: list) -> None:
        education, degree = wanted["education"], wanted.get("degree")
        record = match_education(records, education, degree, month_of(wanted.get("end")))
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
        month = month_of(on)
        if self.held(wanted, appointments):
            self.counts[TitleAppointment]["unchanged"] += 1  # nothing more in a roster to change
            return
        if on is None:
            self.note_undated(row)
            return
        vetoed = rules.ethics_veto(self.bans.get(teacher.pk, ()), on, "promote", field="current_title")
        if vetoed:
            self.ctx.problems(row, vetoed, {"current_title": ("current_title", label_of(c.Title, title))})
            return
        later = [a.appointed_on for a in appointments if month_of(a.appointed_on) > month]
        if later:
            wanted["ended_on"] = min(later) - dt.timedelta(days=1)
        for a in appointments:
            if a.ended_on is None and month_of(a.appointed_on) < month:
                self.change(row, teacher, a, {"ended_on": (None, on - dt.timedelta(days=1))})
        self.create(row, teacher, TitleAppointment, wanted)

    # ---- outcomes
    def create_new(self, teacher: _TeacherRef, model, values: dict, *, highest: bool = False) -> dict:
        """``create`` for a new teacher's record from a row's shared ``values`` (``education_of``,
        ``title_of``; ``highest``: with the 最高学历 flag): the values as stored and their listing
        in the teacher's creation are made once for equal values. Returns the listing, for the
        caller to file under the teacher (``of_new``)."""
        made = self.made
        found = made.get((id(values), highest))
        if found is None:
            stored = {**values, "is_highest": True} if highest else values
            found = made[(id(values), highest)] = (values, stored, self.listing(model, stored))
        self.created[model].append((teacher, found[1]))
        self.counts[model]["new"] += 1
        return found[2]

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
        blanks = self.__dict__.setdefault("blanks", {})
        blank = blanks.get(model)
        if blank is None:  # the record's values before ``values``: its defaults, as model() sets them
            proto = model()
            blank = blanks[model] = (proto, dict(proto.__dict__), [f for f in model._meta.concrete_fields if f.choices])
        # one instance a model, its values set as ``model(**values)`` sets them (each field's
        # attribute), not a model instance a record: a city roster names thousands
        record, initial, choice_fields = blank
        state = record.__dict__
        state.clear()
        state.update(initial)
        for name, value in values.items():
            setattr(record, name, value)
        for f in choice_fields:
            value = getattr(record, f.attname)
            key = (f, value)
            if key not in displays:
                displays[key] = getattr(record, f"get_{f.name}_display")()
            state[f"get_{f.name}_display"] = lambda shown=displays[key]: shown
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
            more = f"等 {self.undated_count} 行" if self.undated_count > 10 else ""
            report.warnings.append(f"{rows}{more}的专业技术职务没有任职（聘任）时间，未能记录：请补充聘任年月，"
                                   "或导入专业技术职务表")
        for model, n in self.left.items():
            if n:
                label = model._meta.verbose_name
                report.warnings.append(f"本文件的{label}表列出的 {n} 名教师，{label}以该表为准，未再按花名册的列记录")

    # ---- writing
    def write_created(self, pks: dict[str, int], *, wait: bool = True) -> None:
        """After the teachers (``pks``: 身份证件号 → key of the teachers just created): the new
        records as rows (``bulk.insert_rows``), with their history, filed under the teacher —
        a row a record of a teacher in the system (``bulk.insert_history``); a new teacher's
        records are listed in its creation's row (``with_records``, written by
        ``TeacherHandler.write_new``). Then let go: a streamed roster writes them a group of
        new teachers at a time (``TeacherHandler.write_new``). ``wait=False``: handed to the
        writer thread without waiting for it (``bulk.drain``)."""
        ctx = self.ctx
        for number, teacher in self.refs.items():
            teacher.pk = pks[number]
        for model, created in self.created.items():
            if not created:
                continue
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            defaults = [f.get_default() for f in fields]
            at = {f.attname: i for i, f in enumerate(fields)}
            teacher_at = at["teacher_id"]
            # the columns no record sets hold their default in every row: sent once a statement
            given = {name for _t, values in created for name in values}
            constants = {i: default for i, (f, default) in enumerate(zip(fields, defaults))
                         if f.attname not in given and i != teacher_at}

            def rows(created=created, defaults=defaults, teacher_at=teacher_at, at=at):
                # a new teacher's records share their values dict with every equal record
                # (``create_new``): its row is laid out once, then copied
                laid: dict[int, list] = {}
                for teacher, values in created:
                    template = laid.get(id(values))
                    if template is None:
                        template = laid[id(values)] = defaults.copy()
                        for name, value in values.items():
                            template[at[name]] = value
                    row = template.copy()
                    row[teacher_at] = teacher.pk
                    yield row
            insert_rows(model, fields, rows(), constants=constants, wait=wait)
            # the records of a teacher in the system: a history row each (a new teacher's are
            # listed in its creation's, ``with_records``)
            refs = self.refs
            insert_history(audit.entry(audit.CREATE, user=ctx.user, object_type=Teacher._meta.label_lower, source="import",
                                       run_ref=ctx.run_ref, username=ctx.username),
                           ((str(teacher.pk), str(teacher), self.history(model, values)) for teacher, values in created
                            if refs.get(teacher.id_number) is not teacher), wait=wait)
        self.drop_created()

    def drop_created(self) -> None:
        """Forget the records to create (a streamed roster that will not commit: counted, not kept)."""
        self.created = {model: [] for model in self.created}
        self.refs, self.of_new = {}, {}

    def write_updated(self) -> None:
        """The changed records (``fast_update``), each with its history row."""
        ctx = self.ctx
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
