"""教职工基础信息 and 花名册: teachers matched by 身份证件号, a chunk of rows at a time."""
from __future__ import annotations

import datetime as dt
from operator import itemgetter
from typing import Any, Callable

import numpy as np
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_noop

from backend import audit
from workforce import choices as c
from workforce import hooks
from workforce import rules
from core.identity import CHECK_CHARS, WEIGHTS, IdNumberError, ResidentId, mask_id_number, parse_id_number
from workforce.models import School, Teacher

from ..bulk import fast_update, insert_history, key_in
from ..context import CHUNK, EMPTY, Context, Row, Sheet, chunks, display, key_of, label_of, month_of
from ..kinds import Column, Kind
from ..loading import column_readers, loader
from ..models import ImportRun
from ..new_teachers import NewTeachers

# A streamed roster's new teachers are written this many at a time with their history and
# records, then let go (``TeacherHandler.stream``).
STREAM_GROUP = 50_000
from . import Handler, changed_fields, register
from .roster_records import RosterRecords

KIND = Kind(
    name="teachers",
    sheet_kind="teacher",
    label=gettext_noop("教职工基础信息 / 花名册"),
    template_title="教职工基础信息",
    columns=(
        Column("school_code", "学校标识码", max_length=10, hint="10位学校标识码；或填学校名称",
               headers=("学校代码", "单位标识码", "学校识别码", "学校编码")),
        Column("school_name", "学校名称", max_length=100, headers=("单位名称", "学校", "所在学校", "任职学校", "工作单位", "所在单位")),
        Column("name", "姓名", required=True, max_length=50, field="name", headers=("教师姓名", "教职工姓名", "职工姓名", "人员姓名")),
        Column("former_name", "曾用名", max_length=50, field="former_name"),
        # 性别 and 出生日期 are starred in the template; for a resident ID they follow from the
        # number when a roster lacks them (and must agree with it when present).
        Column("sex", "性别", "choice", choices=c.Sex, synonyms="sex", field="sex"),
        Column("staff_no", "教职工号", max_length=30, field="staff_no", headers=("工号", "教工号", "职工号", "教职工编号", "人员编号")),
        Column("nationality", "国籍/地区", max_length=30, field="nationality",
               headers=("国籍", "国籍地区", "国籍(地区)", "国家/地区", "国家地区")),
        Column("id_type", "身份证件类型", "choice", choices=c.IdType, synonyms="id_type", field="id_type",
               headers=("证件类型", "身份证类型")),
        Column("id_number", "身份证件号", "id", required=True, field="id_number", hint="18位，设为文本格式",
               headers=("身份证件号码", "身份证号", "身份证号码", "公民身份号码", "公民身份证号", "公民身份证号码", "证件号码", "证件号", "身份证")),
        Column("birth_date", "出生日期", "date", field="birth_date", hint="如 198001 或 1980-01-15",
               headers=("出生年月", "出生年月日", "生日")),
        Column("native_place", "籍贯", max_length=60, field="native_place"),
        Column("birthplace", "出生地", max_length=60, field="birthplace", headers=("出生地点",)),
        Column("ethnicity", "民族", max_length=20, field="ethnicity"),
        Column("political_status", "政治面貌", max_length=30, field="political_status", headers=("政治面目",)),
        Column("marital_status", "婚姻状况", max_length=10, field="marital_status", headers=("婚姻状态", "婚否")),
        Column("health", "健康状况", max_length=20, field="health", headers=("健康状态", "身体状况")),
        Column("work_start", "参加工作年月", "month", field="work_start", hint="如 200809",
               headers=("参加工作时间", "参加工作日期", "参加工作年份", "参工时间", "工作时间")),
        Column("school_entry", "进本校年月", "month", field="school_entry", measure=True, hint="如 201209",
               headers=("进本校时间", "进入本校年月", "进入本校时间", "进本单位年月", "来校时间", "进校时间", "到校时间", "调入本校时间")),
        Column("source", "教职工来源", "choice", choices=c.StaffSource, synonyms="source", field="source",
               headers=("来源", "人员来源")),
        Column("staff_category", "教职工类别", "choice", choices=c.StaffCategory, synonyms="staff_category", field="staff_category", measure=True,
               headers=("教职工类型",)),
        Column("on_establishment", "是否在编", "bool", field="on_establishment", measure=True,
               headers=("是否在编人员", "在编情况", "编制情况", "是否有编制")),
        Column("employment_form", "用人形式", "choice", choices=c.EmploymentForm, synonyms="employment_form", field="employment_form",
               headers=("用工形式", "用人方式")),
        Column("contract", "签订合同情况", "choice", choices=c.Contract, synonyms="contract", field="contract",
               headers=("合同签订情况", "签订合同", "合同情况", "合同类型")),
        Column("normal_graduate", "是否全日制师范类专业毕业", "bool", field="normal_graduate",
               headers=("是否全日制师范专业毕业", "是否师范类专业毕业", "是否师范专业毕业", "全日制师范类专业毕业")),
        Column("special_ed_trained", "是否受过特教专业培养培训", "bool", field="special_ed_trained",
               headers=("是否受过特殊教育专业培养培训", "是否受过特教培训", "是否受过特殊教育培训")),
        Column("special_ed_cert", "是否有特殊教育从业证书", "bool", field="special_ed_cert", headers=("是否有特教从业证书", "特殊教育从业证书")),
        Column("it_ability", "信息技术应用能力", "choice", choices=c.ItAbility, synonyms="it_ability", field="it_ability",
               headers=("信息技术能力",)),
        Column("free_normal", "是否属于免费（公费）师范生", "bool", field="free_normal",
               headers=("是否属于免费师范生", "是否属于公费师范生", "是否免费(公费)师范生", "是否免费师范生", "是否公费师范生", "免费(公费)师范生")),
        Column("grassroots_service", "是否参加基层服务项目", "bool", field="grassroots_service",
               headers=("是否参加过基层服务项目", "参加基层服务项目")),
        Column("grassroots_start", "参加基层服务项目起始年月", "month", field="grassroots_start",
               headers=("参加基层服务项目开始年月", "基层服务项目起始年月", "基层服务项目开始年月", "基层服务起始年月")),
        Column("grassroots_end", "参加基层服务项目结束年月", "month", field="grassroots_end", headers=("基层服务项目结束年月", "基层服务结束年月")),
        Column("special_grade", "是否是特级教师", "bool", field="special_grade", headers=("是否特级教师", "特级教师")),
        Column("backbone", "是否是县级及以上骨干教师", "bool", field="backbone",
               headers=("是否县级及以上骨干教师", "是否是骨干教师", "是否骨干教师", "县级及以上骨干教师", "骨干教师")),
        Column("mental_health", "是否心理健康教育教师", "bool", field="mental_health", headers=("是否是心理健康教育教师", "心理健康教育教师")),
        Column("status", "人员状态", "choice", choices=c.PersonnelStatus, synonyms="status", field="status",
               headers=("当前状态", "在岗状态", "任职状态")),
        Column("remarks", "备注", max_length=2000, field="remarks", headers=("说明",)),
        # roster columns
        Column("teaching_stage", "任教学段", "choice", choices=c.Stage, synonyms="stage", field="teaching_stage",
               hint="学校只有一个学段时可不填",
               headers=("学段", "任课学段")),
        Column("subject", "任教学科", max_length=30, field="subject", headers=("学科", "任教科目", "任课学科", "主要任教学科")),
        # 幼儿园 variant
        Column("preschool_major", "是否全日制学前教育专业毕业", "bool", field="preschool_major",
               headers=("是否学前教育专业毕业", "全日制学前教育专业毕业")),
        Column("preschool_trained", "是否受过学前教育专业培养培训", "bool", field="preschool_trained", headers=("是否受过学前教育培训",)),
        # 中职 variant
        Column("dual_qualified", "是否“双师型”教师", "bool", field="dual_qualified", headers=("是否双师型", "双师型教师")),
        Column("vocational_cert", "是否具备职业技能等级证书", "bool", field="vocational_cert",
               headers=("是否具有职业技能等级证书", "是否有职业技能等级证书", "职业技能等级证书")),
        Column("enterprise_months", "企业工作(实践)时长", "int", field="enterprise_months", minimum=0, maximum=600, hint="月数",
               headers=("企业工作(实践)时长(月)", "企业工作时长", "企业实践时长", "企业工作实践时长")),
        # A 花名册's education and title columns (DOMAIN.md, "What a real 花名册 carries"): no field of
        # the teacher; they become the teacher's highest 学习经历 (最高学历标识) and current 专业技术职务,
        # read as the 学习经历 and 专业技术职务 kinds read them (``roster_records.RosterRecords``). A
        # 学习经历 or 专业技术职务 sheet has them too: they do not make a sheet a roster (``detects``).
        Column("highest_education", "最高学历", "choice", choices=c.Education, synonyms="education",
               hint="如 大学本科、硕士研究生", detects=False,
               headers=("学历", "最高学历层次", "学历层次", "现学历", "最后学历")),
        Column("highest_degree", "最高学位", "choice", choices=c.Degree, synonyms="degree",
               hint="博士、硕士、学士或无", detects=False,
               headers=("学位", "最高学位层次", "学位层次", "现学位")),
        Column("graduated_from", "毕业院校", max_length=100, detects=False,
               headers=("毕业学校", "最高学历毕业院校", "最高学历毕业学校", "毕业院校名称", "毕业学校名称")),
        Column("graduated_major", "所学专业", max_length=100, detects=False,
               headers=("专业", "毕业专业", "最高学历所学专业", "最高学历专业", "所学专业名称")),
        Column("graduated_on", "毕业年月", "month", hint="最高学历的毕业年月，如 201007", detects=False,
               headers=("毕业时间", "毕业日期", "最高学历毕业年月", "最高学历毕业时间")),
        Column("current_title", "专业技术职务", "choice", choices=c.Title, synonyms="title",
               hint="现聘职称；2015年前的旧称（中学高级、小学高级等）按新职称对应导入", detects=False,
               headers=("职称", "现聘专业技术职务", "现任专业技术职务", "聘任专业技术职务", "专业技术职务名称", "专业技术职称", "现聘职称", "现职称", "专技职务")),
        Column("title_appointed_on", "聘任年月", "month", hint="现聘职称的聘任年月，如 201809；职称须有聘任年月才能记录", detects=False,
               headers=("聘任时间", "任职时间", "取得时间", "任职年月", "聘任日期", "取得年月", "现聘年月", "职称聘任时间", "职称取得时间", "任现职时间", "现职称聘任时间", "专业技术职务聘任时间", "专业技术职务任职时间")),
    ),
    aliases=("teacher", "roster", "教师", "花名册", "教职工基础信息", "基础信息"),
    sheet_titles=("教职工基础信息", "基础信息", "教职工信息", "花名册", "教师花名册"),
    row_no=("序号", "行号", "NO.", "No"),
    notes=(
        "全国教师管理信息系统导出的“教职工基础信息”表（含幼儿园、中职版本）或本单位花名册均可导入。",
        "按身份证件号匹配：已有的教师更新，新的教师新增；同一文件再次导入不会重复。",
        "文件中空着的单元格不会清空系统中已有的内容。",
        "花名册没有“任教学段”列时，按学校唯一的学段填写；学校有多个学段时须填写。",
        "没有学校列时，学校人事导入本校；区县、市级人事请在页面上选择学校。",
        "花名册中的最高学历、最高学位、毕业院校、所学专业、毕业年月记为教师的最高学历（学习经历），专业技术职务和聘任年月记为现聘职称；同一文件再次导入不会重复，之后导入的学习经历、专业技术职务表补全这些记录而不重复。",
    ),
    order=40,
    precedence=10,
)


# the fields ``rules.teacher_dates`` reads, each on its own and in this order
DATED = ("birth_date", *rules.HAPPENED_MONTHS)
TEACHER_MONTH_FIELDS = ("work_start", "school_entry", "grassroots_start", "grassroots_end")
CREATION_FIELDS = ("school_id", "teaching_stage", "staff_category")  # name and masked ID are the entry's object


_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)


def resident_ids(numbers: list, births: dict) -> list:
    """``parse_id_number`` of each usual resident ID of a chunk — 18 ASCII characters, 17
    digits then a digit or X, a date that exists from 1900 on, the right check digit — with the
    check digits of the chunk worked out at once (numpy); None for anything else (a blank, a
    number to normalise, one with something wrong: ``parse_id_number`` then). ``births``: the
    dates of the ``YYYYMMDD`` digits seen before (None for one that is not a date)."""
    out: list = [None] * len(numbers)
    usual = [i for i, number in enumerate(numbers) if number.__class__ is str and len(number) == 18
             and number.isascii() and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")]
    if not usual:
        return out
    digits = np.frombuffer("".join([numbers[i][:17] for i in usual]).encode(), dtype=np.uint8).reshape(-1, 17)
    checks = ((digits - 48).astype(np.int64) @ _WEIGHTS) % 11
    expected = [CHECK_CHARS[n] for n in checks.tolist()]
    for i, check in zip(usual, expected):
        number = numbers[i]
        if number[17] != check:
            continue
        day = number[6:14]
        birth = births.get(day, False)
        if birth is False:
            try:
                birth = dt.date(int(day[:4]), int(day[4:6]), int(day[6:8]))
            except ValueError:
                birth = None
            if birth is not None and birth.year < 1900:
                birth = None
            births[day] = birth
        if birth is None:
            continue
        out[i] = ResidentId(number, birth, "1" if number[16] in "13579" else "2", number[:6])
    return out


class _Named:
    """What ``Teacher.__str__`` reads, for naming a new teacher in its history without building
    the model instance."""

    __slots__ = ("name", "id_number")

    def __init__(self, name, id_number):
        self.name, self.id_number = name, id_number


class TeacherHandler(Handler):
    """Teachers, matched by 身份证件号, a chunk of rows at a time: the IDs of the chunk (and
    duplicates within the file), the existing teachers of the chunk in one query, each row
    checked. A new teacher is kept only as the row to INSERT, a changed one as the changed
    fields; a checked row keeps only its outcome."""


    def __init__(self, ctx: Context):
        super().__init__(ctx)
        # sheet name → (row, 身份证件号, parsed ID) of the first row of each ID, as read
        self.identified: dict[str, list[tuple[Row, str, Any]]] = {}
        self.seen: dict[str, Row] = {}  # 身份证件号 → its first row in the file
        self.streaming: Sheet | None = None  # the sheet checked and written as it is read (``stream``)
        self.stream_fields = None

    def allowed(self):
        return None

    def _begin(self) -> None:
        ctx = self.ctx
        ctx.load_schools()
        self.new = ctx.new_teachers
        self.updates: list[Teacher] = []
        self.changes: list[dict] = []
        self.created_fields: set[str] = {"school_id", "teaching_stage"}
        self.attnames = [f.attname for f in Teacher._meta.concrete_fields]

    @staticmethod
    def fields(sheet: Sheet) -> list[tuple[int, str]]:
        """(position in a row's data, field) of the sheet's columns that fill a field, but the ID."""
        by_key = sheet.kind.by_key
        return [(i, by_key[key].field) for i, key in enumerate(sheet.keys)
                if key in by_key and by_key[key].field and key != "id_number"]

    # ---- a roster checked and written as it is read (a province's: bounded memory)
    def stream(self, sheet: Sheet) -> None:
        """Check ``sheet`` a batch at a time as it is read (``read``) and write it as it goes,
        inside the run's one transaction (``ctx.begin_commit``), letting each batch go: a
        roster of 500,000 teachers is never held whole. The run chooses this for a long roster
        that is the file's only sheet to import (``imports.run``); an error turns up → nothing
        more is written and the transaction is rolled back, as for any run. The new teachers
        are written ``STREAM_GROUP`` at a time with their history and records (``write_new``)."""
        self._begin()
        self.streaming = sheet
        self.ctx.begin_commit()

    def _stream_rows(self, sheet: Sheet, rows: list[Row]) -> None:
        ctx = self.ctx
        if self.stream_fields is None:  # the sheet's data is complete once its first batch is read
            self.stream_fields = self.fields(sheet)
            self.new.touch(self.stream_fields)
            self.new.prepare(self.stream_fields)
            self.roster = RosterRecords(ctx) if RosterRecords.KEYS & set(sheet.keys) else None
        self.check_chunk(self.identify(sheet, rows, self.seen), self.stream_fields, None,
                         stream=all(school.pk is not None for school in ctx.school_by_code.values()))
        tally = sheet.report
        for row in rows:  # counted now (the rows are let go): as ``run._count`` counts them
            tally.tally(row.outcome, row.bad)
            row.release()
        if ctx.report.errors:  # nothing will be written: the new teachers read so far are let go
            self.new.drop()
            if self.roster is not None:
                self.roster.drop_created()
        elif len(self.new) >= STREAM_GROUP:
            self.write_new()

    def check_chunk(self, chunk: list[tuple[Row, str, Any]], fields, known: set[str] | None, stream: bool) -> None:
        """Check a chunk of identified rows (the teachers of ``known`` loaded, one query; all of
        them when None), then send its new teachers to the writer (``stream``) unless an error
        has turned up."""
        ctx = self.ctx
        numbers = [number for _row, number, _parsed in chunk if known is None or number in known]
        existing = {}
        if numbers:
            with self.new.reading() as db:
                existing = self.load_existing(numbers, db)
        placed = self.new_lane(chunk, existing)
        roster = self.roster
        for (row, number, parsed), place in zip(chunk, placed):
            found = existing.get(number) if existing else None
            if place is None or row.bad:
                self.check_row(row, number, parsed, found, fields)
            else:  # a new teacher whose checks all pass (``new_lane``): as check_row would add it
                self.add_new(row, number, parsed, *place)
            if roster is not None:
                roster.take(row, number, found)
            row.release()
        if self.roster is not None and self.roster.waiting:
            with self.new.lock():  # the records of the chunk's teachers already in the system: a query a kind
                self.roster.resolve()
        if stream and not ctx.report.errors:  # after an error, nothing will be committed
            self.new.send()

    def check(self):
        ctx = self.ctx
        if self.streaming is not None:  # checked as it was read
            if self.roster is not None:
                self.roster.report()
            return
        self._begin()
        total = sum(len(s.rows) for s in self.sheets)
        done = 0
        ctx.tick(0, total, ImportRun.Phase.CHECKING)
        plans = []
        for sheet in self.sheets:
            if sheet.refused:
                continue
            fields = self.fields(sheet)
            self.new.touch(fields)
            plans.append((sheet, fields))
        # which IDs are in the system, before any row is sent: a new roster then needs the
        # connection no more while the writer has it
        known = self.known_numbers([number for sheet, _f in plans for _r, number, _p in self.identified.get(sheet.name, [])])
        # INSERT while checking (see NewTeachers), unless the rows wait for schools this file creates
        stream = ctx.committing and all(school.pk is not None for school in ctx.school_by_code.values())
        if stream:
            self.new.fix(self.alike(plans))
        # the roster's 学历 and 职称 columns: the teachers' highest 学习经历 and current 专业技术职务
        self.roster = RosterRecords(ctx) if any(RosterRecords.KEYS & set(sheet.keys) for sheet, _f in plans) else None
        for sheet, fields in plans:
            self.new.prepare(fields)
            firsts = self.identified.get(sheet.name, [])
            for start in range(0, len(firsts), CHUNK):
                chunk = firsts[start:start + CHUNK]
                self.check_chunk(chunk, fields, known, stream)
                done += len(chunk)
                ctx.tick(done, total, ImportRun.Phase.CHECKING)
            for sheet_row in sheet.rows:
                sheet_row.release()
        if self.roster is not None:
            self.roster.report()

    @staticmethod
    def alike(plans: list[tuple[Sheet, list[tuple[int, str]]]]) -> dict[str, Any]:
        """field → the value every row of every sheet gives it, for the fields each sheet fills
        with one value throughout (a blank cell keeps the default: such a field is not one)."""
        out: dict[str, Any] = {}
        for number, (sheet, fields) in enumerate(plans):
            datas = [row.data for row in sheet.rows if row.data is not None]
            if not datas:
                continue
            found = {}
            for i, name in fields:
                column = list(map(itemgetter(i), datas))
                value = column[0]
                # every value equal to the first (a count in C, not a set of 50,000 names)
                if value is not None and column.count(value) == len(column):
                    found[name] = value
            if number == 0:
                out = found
            else:
                out = {name: value for name, value in out.items()
                       if name in found and found[name] == value and type(found[name]) is type(value)}
        return out

    def read(self, sheet: Sheet, rows: list[Row]) -> None:
        """Identify the rows as they are read (see ``Handler.read``); a sheet streamed
        (``stream``): check and write them."""
        if sheet is self.streaming:
            self._stream_rows(sheet, rows)
            return
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
        quick = resident_ids([row.data[id_at] for row in chunk], self.__dict__.setdefault("_births", {}))
        for row, parsed in zip(chunk, quick):
            data = row.data
            number = data[id_at]
            if number is None:
                continue
            if (resident if type_at is None else data[type_at]) == resident:
                if parsed is None:  # not the usual number: parse_id_number says what is wrong, if anything
                    try:
                        parsed = parse_id_number(number)
                    except IdNumberError as exc:
                        ctx.error(row, "id_number", number, str(exc))
                        continue
                number = parsed.number
            else:
                parsed = None
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
            for chunk in chunks(numbers):
                condition, params = key_in(connection, column, chunk)
                cursor.execute(f"SELECT {column} FROM {table} WHERE {condition}", params)
                found.update(number for (number,) in cursor.fetchall())
        return found

    def load_existing(self, numbers: list[str], db=connection) -> dict[str, dict]:
        """The teachers already in the system with these numbers (one query), as field → value.

        The ORM's ``values_list`` converts every value of every row (a date from SQLite's text,
        a boolean from its 0/1): 30 µs a teacher of 58 fields. Here the database's values go
        through the same converters, each distinct value of a column once (``loading.column_readers``)."""
        names = self.attnames
        readers = self._column_readers()
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in Teacher._meta.concrete_fields)
        table, key = qn(Teacher._meta.db_table), qn(Teacher._meta.get_field("id_number").column)
        condition, params = key_in(db, key, numbers)
        out = {}
        with db.cursor() as cursor:  # ``db``: the run's connection, or NewTeachers.reading's second one
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
        """``loader(Teacher)``, once a run."""
        if not hasattr(self, "_loaded"):
            self._loaded = loader(Teacher)
        return self._loaded

    def _column_readers(self) -> list[tuple[str, Callable]]:
        """``column_readers(Teacher)``, once a run."""
        if not hasattr(self, "_readers"):
            self._readers = column_readers(Teacher)
        return self._readers

    def new_lane(self, chunk: list[tuple[Row, str, Any]], existing: dict) -> list:
        """For each row of ``chunk``: (school, stage) when it is a new teacher with a resident ID
        whose every check in ``check_row`` passes — nothing to report, the teacher added to that
        school and stage — else None (the row goes through ``check_row``, which reports what it
        finds). The same checks as ``check_row``'s, read from the rows' data by position and each
        distinct school cell, stage and pair of months worked out once a chunk, not a dict and a
        dozen calls a row: a city's first roster is 50,000 new teachers."""
        out = [None] * len(chunk)
        if not chunk:
            return out
        ctx = self.ctx
        keys = chunk[0][0].sheet.keys
        width = len(keys)
        at = {key: i for i, key in enumerate(keys)}
        blank = width  # a key the sheet lacks reads the None appended to a row's data

        def pos(key):
            return at.get(key, blank)
        sex_at, birth_at, month_only_at = pos("sex"), pos("birth_date"), pos("_birth_month_only")
        place_of = itemgetter(pos("school_code"), pos("school_name"), pos("teaching_stage"))
        months_of = itemgetter(pos("work_start"), pos("school_entry"), pos("grassroots_start"), pos("grassroots_end"))
        dated_at = [(name, at[name]) for name in DATED if name in at]
        dated, today = self.dated, ctx.today
        places: dict = {}
        pairs = self.__dict__.setdefault("_month_pairs", {})
        tail = (None,)
        for n, (row, number, parsed) in enumerate(chunk):
            if parsed is None or (existing and number in existing) or row.bad:
                continue
            data = row.data + tail
            sex = data[sex_at]
            if sex and sex != parsed.sex:
                continue
            birth = data[birth_at]
            if birth and not (month_of(birth) == month_of(parsed.birth_date) if data[month_only_at]
                              else birth == parsed.birth_date):
                continue
            cells = place_of(data)
            place = places.get(cells, False)
            if place is False:
                place = places[cells] = self._place(*cells)
            if place is None:
                continue
            clean = True
            for name, i in dated_at:
                value = data[i]
                if value is not None:
                    problems = dated.get((name, value))
                    if problems is None:
                        problems = dated[(name, value)] = rules.teacher_dates({name: value}, today)
                    if problems:
                        clean = False
                        break
            if not clean:
                continue
            work_start, entry, g_start, g_end = months = months_of(data)
            if work_start is not None and rules.work_start_age(parsed.birth_date, work_start):
                continue
            found = pairs.get(months)
            if found is None:
                found = pairs[months] = bool(
                    (rules.school_entry_after_work_start(work_start, entry)
                     if entry is not None or work_start is not None else ())
                    or rules.grassroots_period(g_start, g_end))
            if found:
                continue
            out[n] = place
        return out

    def _place(self, code, name, stage):
        """(school, stage) of a new teacher's school cells and 任教学段 when ``check_row`` finds
        nothing wrong with them (the school known, in scope, the stage one of the school's or
        the school's only one), else None."""
        ctx = self.ctx
        school, problem = ctx.lookup_school(code, name, "school_code", "school_name")  # find_school's rule
        if problem is not None:
            return None
        if school is None:
            school = ctx.default_school
        if school is None or not ctx.in_scope(school):
            return None
        stages = ctx.stages_of(school)
        if stage:
            if self.stage_problems(stage, school, stages):
                return None
        elif len(stages) == 1:
            stage = stages[0]
        else:
            return None
        return school, stage

    def add_new(self, row: Row, number: str, parsed, school: School, stage: str) -> None:
        """A new teacher from a row whose checks passed (``check_row``'s last step)."""
        if "staff_category" not in self.created_fields and row.values.get("staff_category") is not None:
            self.created_fields.add("staff_category")
        self.new.add(row.data, number, school, stage, parsed)
        if self.sampling():
            self.count(row, "new", **{"学校": school.name, "任教学段": label_of(c.Stage, stage)})
        else:
            row.outcome = "new"

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
                ctx.error(row, "sex", label_of(c.Sex, sex), f"性别与身份证件号不符（证件号为{label_of(c.Sex, parsed.sex)}性）")
            birth = vals.get("birth_date")
            if birth:
                month_only = vals.get("_birth_month_only")
                agrees = month_of(birth) == month_of(parsed.birth_date) if month_only else birth == parsed.birth_date
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
            problems = self.stage_problems(stage, school, stages)
            if problems:
                ctx.problems(row, problems, {"teaching_stage": ("teaching_stage", label_of(c.Stage, stage))})
        elif existing is not None and (not stages or existing["teaching_stage"] in stages):
            stage = existing["teaching_stage"]
        elif len(stages) == 1:
            stage = stages[0]
        else:
            listed = "、".join(label_of(c.Stage, s) for s in stages) or "未设置"
            ctx.error(row, "teaching_stage", "", f"“{school.name}”有多个学段（{listed}），请填写任教学段")
        wanted["teaching_stage"] = stage
        # dates that cannot be
        # the rules of the record (workforce.rules): a cell of the row against the record as the
        # row leaves it; a rule whose cells the row leaves blank is not asked again
        dated = self.dated
        for name in DATED:
            value = vals.get(name)
            if value is not None:
                problems = dated.get((name, value))
                if problems is None:
                    problems = dated[(name, value)] = rules.teacher_dates({name: value}, ctx.today)
                if problems:
                    ctx.problems(row, problems)
        old = existing or {}
        given = wanted if existing is not None else vals
        birth = (parsed.birth_date if parsed is not None else given.get("birth_date")) or old.get("birth_date")
        work_start = given.get("work_start") or old.get("work_start")
        entry = given.get("school_entry") or old.get("school_entry")
        g_start = given.get("grassroots_start") or old.get("grassroots_start")
        g_end = given.get("grassroots_end") or old.get("grassroots_end")
        problems = [
            *(rules.work_start_age(birth, work_start) if vals.get("work_start") else ()),
            *(rules.school_entry_after_work_start(work_start, entry)
              if vals.get("school_entry") or vals.get("work_start") else ()),
            *rules.grassroots_period(g_start, g_end),
        ]
        if problems:
            ctx.problems(row, problems, {"work_start": ("work_start", work_start), "school_entry": ("school_entry", entry),
                                         "grassroots_end": ("grassroots_end", g_end)})
        if row.bad or stage is None:
            return
        if existing is None:
            self.add_new(row, number, parsed, school, stage)
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

    def stage_problems(self, stage: str, school: School, stages: list[str]) -> list:
        """``rules.stage_in_school`` for a stage at a school, worked out once a run for each pair
        (``stages`` is the school's list, ``Context.stages_of``: one object a school)."""
        memo = self.__dict__.setdefault("_stage_memo", {})
        key = (stage, id(stages))
        found = memo.get(key)
        if found is None:
            found = memo[key] = (rules.stage_in_school(stage, school.name, stages), stages)
        return found[0]

    @property
    def dated(self) -> dict:
        """(field, value) → ``rules.teacher_dates`` of that value alone (the rule reads each of
        ``DATED`` on its own): each distinct date of a column worked out once a run."""
        return self.__dict__.setdefault("_dated", {})

    @staticmethod
    def compare_values(existing: dict, wanted: dict) -> dict[str, tuple[Any, Any]]:
        """Fields of an existing teacher that ``wanted`` changes → (old, new); year-month
        fields compare at month precision."""
        return changed_fields(wanted, existing.__getitem__, TEACHER_MONTH_FIELDS)

    def write_new(self) -> dict[str, int]:
        """The new teachers not written yet: INSERTed (what ``check`` has not sent yet), their
        keys read back, their creation's history written; for a streamed roster (``stream``) the
        records they were created with too, then they are let go. Returns 身份证件号 → key."""
        new = self.new
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
        # handed to the writer thread without waiting for it (bulk.drain): on a streamed roster
        # the next group is checked while these are written, the next group's teachers after them
        insert_history(self.history_entry(audit.CREATE), history, wait=False)
        if self.streaming is not None:
            if self.roster is not None:
                self.roster.write_created(pks, wait=False)
            new.let_go()
        return pks

    def write(self):
        new = self.new
        pks: dict[str, int] = {}
        if len(new):
            pks = self.write_new()
        if self.roster is not None:  # the new records, while the writer writes the history before them
            self.roster.write_created(pks, wait=False)
        new.flush()  # all written (bulk.drain) before this thread uses the connection again
        if self.updates:
            names = sorted({n for ch in self.changes for n in ch["changed"]} | {"updated_at"})
            now = timezone.now()
            for t in self.updates:
                t.updated_at = now
            fast_update(Teacher, self.updates, names)
            insert_history(self.history_entry(audit.UPDATE),
                           ((str(t.pk), str(t), self.update_changes(ch)) for t, ch in zip(self.updates, self.changes)))
            hooks.teachers_moved_now(self.moves(), user=self.ctx.user, source="import")
        if self.roster is not None:
            self.roster.write_updated()

    def moves(self) -> list[hooks.TeacherMove]:
        """The changed teachers whose school this file changed: for the school history
        (``workforce.hooks.teachers_moved``), from the new 进本校年月 or, without one, today."""
        today = timezone.localdate()
        out = []
        for teacher, change in zip(self.updates, self.changes):
            moved = change["changed"].get("school_id")
            if moved is None or moved[0] is None:
                continue
            entry = change["changed"].get("school_entry")
            out.append(hooks.TeacherMove(teacher_id=teacher.pk, from_school_id=moved[0],
                                         from_entry=entry[0] if entry else teacher.school_entry,
                                         to_school_id=teacher.school.pk,
                                         on=teacher.school_entry if entry and teacher.school_entry else today))
        return out

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


register(KIND, TeacherHandler)
