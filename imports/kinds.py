"""What each kind of sheet holds: its columns, which are required, how each cell is read.

A :class:`Kind` is pure data: the import service (``imports.services``) reads cells with
:func:`Column.parser`, and each kind's handler there turns the values into model fields.
The templates (``imports.workbooks``) are built from the same specs, so the template an
officer downloads and the checks an upload meets cannot drift apart.

Kinds (``--kind`` on the command line; Chinese names work too):

========== ============================================== ===========================
name       sheet                                          matched by
========== ============================================== ===========================
schools    学校                                            学校标识码
enrolment  在校生、班级数                                  学校 × 学年 × 学段
teachers   教职工基础信息 (national, 幼儿园/中职 variants) 身份证件号
           and flat 花名册 with 学校 and 学段 columns
education  学习经历                                        教师 × 学历 × 毕业年月
titles     专业技术职务                                    教师 × 职务 × 聘任年月
rotations  交流轮岗                                        教师 × 开始年月
honours    荣誉                                            教师 × 称号 × 日期
training   国内培训; without 培训类别 a provider's          教师 × 培训年度 × 项目名称
           completion list of catalogue programmes
========== ============================================== ===========================

Coded columns accept the code, the label of ``workforce.choices`` or a common spelling
listed here as data (大学本科/本科, 大专/专科, 在编/是 …).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from typing import Any, Callable

from django.utils.translation import gettext_noop

from workforce import choices as c

from . import values as v
from .readers import normalise_header

__all__ = ["Column", "Kind", "KINDS", "KIND_ORDER", "resolve_kind", "kind_for_sheet_kind",
           "VALUE_SYNONYMS", "parse_school_year", "is_year_month"]


# The built-in value spellings live with the header spellings (imports.synonyms): one place.
from .synonyms import VALUE_SYNONYMS  # noqa: E402


# --------------------------------------------------------------------------- special values
_YEAR_MONTH_TEXT = re.compile(r"\d{6}|\d{4}\s*[-./年]\s*\d{1,2}\s*月?")


def is_year_month(raw: Any) -> bool:
    """True when a date cell holds only a year and month (198001, 1980-01, 1980年1月…)."""
    if isinstance(raw, bool):
        return False
    if isinstance(raw, (int, float)):
        return 100000 <= raw <= 999999 or (1900 <= raw < 2101 and raw != int(raw))
    if isinstance(raw, str):
        return bool(_YEAR_MONTH_TEXT.fullmatch(v.to_text(raw)))
    return False


_SCHOOL_YEAR_RE = re.compile(r"(\d{4})(?:\s*[-－—~至/]\s*(\d{4}))?\s*(?:学年度?|年度?)?")


def parse_school_year(raw: Any) -> int | None:
    """学年 as its first year: 2025, "2025-2026", "2025-2026学年", "2025学年" → 2025."""
    if v.is_blank(raw):
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if raw != int(raw):
            raise ValueError(f"“{v.to_text(raw)}”不是有效的学年，请写成 2025-2026")
        year, second = int(raw), None
    else:
        m = _SCHOOL_YEAR_RE.fullmatch(v.to_text(raw))
        if not m:
            raise ValueError(f"“{v.to_text(raw)[:30]}”不是有效的学年，请写成 2025-2026")
        year, second = int(m[1]), int(m[2]) if m[2] else None
    if second is not None and second != year + 1:
        raise ValueError(f"“{v.to_text(raw)}”不是有效的学年：后一年应为 {year + 1}")
    if not 2000 <= year <= 2100:
        raise ValueError(f"“{v.to_text(raw)}”不是有效的学年：年份应在 2000–2100 之间")
    return year


# --------------------------------------------------------------------------- columns
_BUILT_IN: Any = object()  # "the column's built-in spellings" (None means "none at all")


@dataclass(frozen=True)
class Column:
    """One column of a kind.

    ``key`` is the field key of ``imports.synonyms`` (how headers are recognised); ``label``
    the header our template writes; ``type`` one of text, id, date, month, bool, choice,
    int, decimal, year, school_year. ``choices`` (a ``TextChoices`` class) and ``synonyms``
    (a key of ``VALUE_SYNONYMS``) for coded columns. ``required``: the column must be in the
    sheet and filled on every row. ``field``: the model field it fills (None when the
    handler uses it otherwise).
    """

    key: str
    label: str
    type: str = "text"
    required: bool = False
    choices: Any = None
    synonyms: str | None = None
    max_length: int | None = None
    field: str | None = None
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    hint: str = ""
    # a measure depends on it (DOMAIN.md): a sheet that lacks the column and creates records is
    # asked for it (one value for the whole file, recorded with the run), never defaulted
    measure: bool = False

    def choice_labels(self) -> list[str]:
        """The labels a template offers in its dropdown (blank choices left out)."""
        if self.type == "bool":
            return ["是", "否"]
        if self.choices is None:
            return []
        return [str(label) for code, label in self.choices.choices if code != ""]

    def parser(self, synonyms: dict | None = _BUILT_IN) -> Callable[[Any], Any]:
        """A function raw cell → value (None when blank) that raises ``ValueError`` with a
        Chinese reason (``values.UnknownValue`` for a value the system does not know). Coded,
        boolean and date columns memoise by raw value: a roster holds the same few values
        thousands of times. ``synonyms``: the spellings of a coded or 是/否 column for this run
        (``imports.mappings.Vocabulary.synonyms``), else the built-in ones."""
        kind = self.type
        if kind == "text":
            limit = self.max_length

            def parse_text(raw):
                text = v.to_text(raw)
                if limit and len(text) > limit:
                    raise ValueError(f"内容过长（{len(text)} 字），最多 {limit} 字")
                return text or None
            return parse_text
        if kind == "id":
            return lambda raw: v.id_number_cell(raw) or None
        if kind in ("int", "decimal"):
            base = v.parse_int if kind == "int" else v.parse_decimal
            low, high = self.minimum, self.maximum

            def parse_number(raw):
                number = base(raw)
                if number is None:
                    return None
                if low is not None and number < low:
                    raise ValueError(f"“{v.to_text(raw)}”不能小于 {low}")
                if high is not None and number > high:
                    raise ValueError(f"“{v.to_text(raw)}”不能大于 {high}")
                return number
            return parse_number
        if kind == "date":
            base = v.parse_date
        elif kind == "month":
            def base(raw):
                return v.parse_date(raw, month_precision=True)
        elif kind == "bool":
            extra = None if synonyms is _BUILT_IN else synonyms

            def base(raw):
                return v.parse_bool(raw, extra)
        elif kind == "choice":
            choices = self.choices
            if synonyms is _BUILT_IN:
                synonyms = self.built_in_synonyms()

            def base(raw):
                return v.parse_choice(raw, choices, synonyms)
        elif kind == "year":
            def base(raw):
                year = v.parse_int(raw)
                if year is not None and not 2000 <= year <= 2100:
                    raise ValueError(f"“{v.to_text(raw)}”不是有效的年度（2000–2100）")
                return year
        elif kind == "school_year":
            base = parse_school_year
        else:  # pragma: no cover - a spec error
            raise ValueError(f"unknown column type {kind!r}")
        return _memoised(base)


    def built_in_synonyms(self) -> dict | None:
        return VALUE_SYNONYMS.get(self.synonyms or "")

    def batch_parser(self, synonyms: dict | None = _BUILT_IN) -> "BatchParser":
        """A :class:`BatchParser` for this column: a whole column of a batch of rows at once."""
        if self.type == "id":
            return BatchParser(self.parser(), memo=False, fast=_fast_id)
        base = self.parser(synonyms)
        return BatchParser(getattr(base, "unmemoised", base), memo=True)


_MEMO_LIMIT = 50_000
_MISS = object()


def _fast_id(raw):
    """The common 身份证件号 cell — 18 ASCII characters, 17 digits and a digit or X — as
    ``values.id_number_cell`` returns it, without its general path; None for anything else."""
    if raw.__class__ is str and len(raw) == 18 and raw.isascii() and raw[:17].isdigit():
        last = raw[17]
        if last.isdigit():
            return raw
        if last in "xX":
            return raw.upper()
    return None


class BatchParser:
    """Parses one column of a batch of rows: ``many(raws) -> (values, errors)``.

    A roster holds the same few values in most columns thousands of times, so text cells are
    looked up in a cache keyed by the raw text (one C-level ``map`` over the column); only the
    values not seen before go through the column's parser. Cells of other types (numbers,
    dates, booleans) are cached by (type, value), so ``1``, ``1.0`` and ``True`` stay apart.
    ``values[i]`` is None for a blank cell; ``errors`` lists ``(i, raw, message)``.
    """

    __slots__ = ("parse", "memo", "fast", "cache", "typed", "failures", "hits", "unknown")

    def __init__(self, parse: Callable[[Any], Any], *, memo: bool, fast: Callable[[Any], Any] | None = None):
        self.parse = parse
        self.memo = memo
        self.fast = fast
        self.cache: dict = {"": None}   # text → value (blank → None)
        self.typed: dict = {}           # (type, value) → value, for cells that are not text
        self.failures: dict = {}        # key → message
        self.hits = False               # the last batch was (nearly) all seen before
        self.unknown: set = set()       # keys of the cells that raised values.UnknownValue

    def is_unknown(self, raw) -> bool:
        """The cell's value is one the system does not know (a question, not a mistake)."""
        return bool(self.unknown) and (raw if raw.__class__ is str else (raw.__class__, raw)) in self.unknown

    def one(self, raw):
        if raw is None or raw == "":
            return None
        if self.fast is not None:
            value = self.fast(raw)
            if value is not None:
                return value
        key = raw if raw.__class__ is str else (raw.__class__, raw)
        message = self.failures.get(key)
        if message is not None:
            raise ValueError(message)
        try:
            value = self.parse(raw)
        except ValueError as exc:
            if len(self.failures) < _MEMO_LIMIT:
                self.failures[key] = str(exc)
                if isinstance(exc, v.UnknownValue):
                    self.unknown.add(key)
            raise
        if value == "":
            value = None
        if self.memo:
            table = self.cache if key is raw else self.typed
            if len(table) < _MEMO_LIMIT:
                table[key] = value
        return value

    def many(self, raws: list) -> tuple[list, list]:
        errors = []
        if self.memo:
            if self.hits:
                try:  # every cell seen before: one pass in C
                    return list(map(self.cache.__getitem__, raws)), errors
                except KeyError:
                    pass
            out = list(map(self.cache.get, raws, repeat(_MISS)))
            misses = 0
            cache, typed = self.cache, self.typed
            for i, value in enumerate(out):
                if value is not _MISS:
                    continue
                raw = raws[i]
                # seen earlier in this batch, or not text
                value = cache.get(raw, _MISS) if raw.__class__ is str else typed.get((raw.__class__, raw), _MISS)
                if value is not _MISS:
                    out[i] = value
                    continue
                misses += 1
                try:
                    out[i] = self.one(raw)
                except ValueError as exc:
                    out[i] = None
                    errors.append((i, raw, str(exc)))
            # a column of mostly new values (names, staff numbers) skips the one-pass try
            self.hits = misses * 4 < len(raws)
            return out, errors
        out = [None] * len(raws)
        fast, one = self.fast, self.one
        for i, raw in enumerate(raws):
            value = fast(raw) if fast is not None else None
            if value is None:
                try:
                    value = one(raw)
                except ValueError as exc:
                    errors.append((i, raw, str(exc)))
                    continue
            out[i] = value
        return out, errors


def _memoised(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    cache: dict = {}
    failures: dict = {}

    def parse_memo(raw):
        key = (raw.__class__, raw)
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable (never from the readers)
            return parse(raw)
        if key in failures:
            raise ValueError(failures[key])
        try:
            value = parse(raw)
        except ValueError as exc:
            if len(failures) < _MEMO_LIMIT:
                failures[key] = str(exc)
            raise
        if len(cache) < _MEMO_LIMIT:
            cache[key] = value
        return value
    parse_memo.unmemoised = parse
    return parse_memo


@dataclass(frozen=True)
class Kind:
    name: str          # command-line name: "teachers"
    sheet_kind: str    # key of imports.synonyms.SHEET_KINDS: "teacher"
    label: str         # 中文名 (a page shows it translated: gettext_noop marks it)
    template_title: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    by_key: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self.by_key.update({col.key: col for col in self.columns})

    def column(self, key: str) -> Column | None:
        return self.by_key.get(key)

    @property
    def required(self) -> list[Column]:
        return [col for col in self.columns if col.required]


def _text(key, label, n=None, **kw) -> Column:
    return Column(key, label, "text", max_length=n, **kw)


def _bool(key, label, field=None, **kw) -> Column:
    return Column(key, label, "bool", field=field or key, **kw)


IDENTITY_COLUMNS = (
    _text("name", "姓名", 50, hint="与身份证件号对应的教师姓名，用于核对"),
    Column("id_number", "身份证件号", "id", required=True, hint="18位，设为文本格式"),
    _text("staff_no", "教职工号", 30),
)

TEACHER_COLUMNS = (
    _text("school_code", "学校标识码", 10, hint="10位学校标识码；或填学校名称"),
    _text("school_name", "学校名称", 100),
    _text("name", "姓名", 50, required=True, field="name"),
    _text("former_name", "曾用名", 50, field="former_name"),
    # 性别 and 出生日期 are starred in the template; for a resident ID they follow from the
    # number when a roster lacks them (and must agree with it when present).
    Column("sex", "性别", "choice", choices=c.Sex, synonyms="sex", field="sex"),
    _text("staff_no", "教职工号", 30, field="staff_no"),
    _text("nationality", "国籍/地区", 30, field="nationality"),
    Column("id_type", "身份证件类型", "choice", choices=c.IdType, synonyms="id_type", field="id_type"),
    Column("id_number", "身份证件号", "id", required=True, field="id_number", hint="18位，设为文本格式"),
    Column("birth_date", "出生日期", "date", field="birth_date", hint="如 198001 或 1980-01-15"),
    _text("native_place", "籍贯", 60, field="native_place"),
    _text("birthplace", "出生地", 60, field="birthplace"),
    _text("ethnicity", "民族", 20, field="ethnicity"),
    _text("political_status", "政治面貌", 30, field="political_status"),
    _text("marital_status", "婚姻状况", 10, field="marital_status"),
    _text("health", "健康状况", 20, field="health"),
    Column("work_start", "参加工作年月", "month", field="work_start", hint="如 200809"),
    Column("school_entry", "进本校年月", "month", field="school_entry", hint="如 201209", measure=True),
    Column("source", "教职工来源", "choice", choices=c.StaffSource, synonyms="source", field="source"),
    Column("staff_category", "教职工类别", "choice", choices=c.StaffCategory, synonyms="staff_category",
           field="staff_category", measure=True),
    _bool("on_establishment", "是否在编", measure=True),
    Column("employment_form", "用人形式", "choice", choices=c.EmploymentForm, synonyms="employment_form",
           field="employment_form"),
    Column("contract", "签订合同情况", "choice", choices=c.Contract, synonyms="contract", field="contract"),
    _bool("normal_graduate", "是否全日制师范类专业毕业"),
    _bool("special_ed_trained", "是否受过特教专业培养培训"),
    _bool("special_ed_cert", "是否有特殊教育从业证书"),
    Column("it_ability", "信息技术应用能力", "choice", choices=c.ItAbility, synonyms="it_ability",
           field="it_ability"),
    _bool("free_normal", "是否属于免费（公费）师范生"),
    _bool("grassroots_service", "是否参加基层服务项目"),
    Column("grassroots_start", "参加基层服务项目起始年月", "month", field="grassroots_start"),
    Column("grassroots_end", "参加基层服务项目结束年月", "month", field="grassroots_end"),
    _bool("special_grade", "是否是特级教师"),
    _bool("backbone", "是否是县级及以上骨干教师"),
    _bool("mental_health", "是否心理健康教育教师"),
    Column("status", "人员状态", "choice", choices=c.PersonnelStatus, synonyms="status", field="status"),
    _text("remarks", "备注", 2000, field="remarks"),
    Column("teaching_stage", "任教学段", "choice", choices=c.Stage, synonyms="stage", field="teaching_stage",
           hint="学校只有一个学段时可不填"),
    _text("subject", "任教学科", 30, field="subject"),
    # 幼儿园 variant
    _bool("preschool_major", "是否全日制学前教育专业毕业"),
    _bool("preschool_trained", "是否受过学前教育专业培养培训"),
    # 中职 variant
    _bool("dual_qualified", "是否“双师型”教师"),
    _bool("vocational_cert", "是否具备职业技能等级证书"),
    Column("enterprise_months", "企业工作(实践)时长", "int", field="enterprise_months", minimum=0, maximum=600,
           hint="月数"),
    # A 花名册's education and title columns (DOMAIN.md, "What a real 花名册 carries"): no field of
    # the teacher; they become the teacher's highest 学习经历 (最高学历标识) and current 专业技术职务,
    # read as the 学习经历 and 专业技术职务 kinds read them (imports.services.RosterRecords).
    Column("highest_education", "最高学历", "choice", choices=c.Education, synonyms="education",
           hint="如 大学本科、硕士研究生"),
    Column("highest_degree", "最高学位", "choice", choices=c.Degree, synonyms="degree", hint="博士、硕士、学士或无"),
    _text("graduated_from", "毕业院校", 100),
    _text("graduated_major", "所学专业", 100),
    Column("graduated_on", "毕业年月", "month", hint="最高学历的毕业年月，如 201007"),
    Column("current_title", "专业技术职务", "choice", choices=c.Title, synonyms="title",
           hint="现聘职称；2015年前的旧称（中学高级、小学高级等）按新职称对应导入"),
    Column("title_appointed_on", "聘任年月", "month", hint="现聘职称的聘任年月，如 201809；职称须有聘任年月才能记录"),
)

# The roster columns above that carry a 学习经历 or a 专业技术职务 rather than a field of the teacher.
ROSTER_EDUCATION_KEYS = ("highest_education", "highest_degree", "graduated_from", "graduated_major", "graduated_on")
ROSTER_TITLE_KEYS = ("current_title", "title_appointed_on")

KINDS: dict[str, Kind] = {}


def _register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


_register(Kind(
    "schools", "school", gettext_noop("学校"), "学校",
    (
        Column("code", "学校标识码", "text", required=True, max_length=10, hint="10位数字"),
        _text("name", "学校名称", 100, required=True, field="name"),
        _text("district", "所属区县", 40, hint="区县名称或区划代码；新学校必填"),
        Column("school_type", "学校类型", "choice", choices=c.SchoolType, synonyms="school_type",
               field="school_type"),
        Column("ownership", "办学性质", "choice", choices=c.Ownership, synonyms="ownership", field="ownership",
               measure=True),
        Column("location", "城乡分类", "choice", choices=c.Location, synonyms="location", field="location"),
        Column("rural_kind", "村小/教学点", "choice", choices=c.RuralKind, synonyms="rural_kind",
               field="rural_kind", hint="仅乡村学校填写"),
    ),
    aliases=("school", "学校"),
))

_register(Kind(
    "enrolment", "enrolment", gettext_noop("在校生与班级数"), "在校生",
    (
        _text("school_code", "学校标识码", 10),
        _text("school_name", "学校名称", 100),
        Column("school_year", "学年", "school_year", required=True, hint="如 2025-2026"),
        Column("stage", "学段", "choice", required=True, choices=c.Stage, synonyms="stage", field="stage"),
        Column("pupils", "在校生数", "int", required=True, field="pupils", minimum=0, maximum=100000),
        Column("classes", "班级数", "int", field="classes", minimum=0, maximum=2000),
    ),
    aliases=("enrolments", "在校生", "学生数"),
))

_register(Kind(
    "quotas", "quota", gettext_noop("核定编制"), "核定编制",
    (
        _text("school_code", "学校标识码", 10),
        _text("school_name", "学校名称", 100),
        Column("school_year", "学年", "school_year", required=True, hint="如 2026-2027"),
        Column("approved", "核定编制数", "int", required=True, field="approved", minimum=0, maximum=20000),
        _text("note", "备注", 200, field="note", hint="如核定文号"),
    ),
    aliases=("quota", "编制", "核定编制"),
    notes=(
        "区县收到的编制核定表：每所学校每学年一行。按学校和学年匹配：已有的更新，新的新增。",
        "核定编制由区县或市教育局人事部门导入；用于编制缺口和空编/超编（没有核定编制的学校不计算）。",
    ),
))

_register(Kind(
    "teachers", "teacher", gettext_noop("教职工基础信息 / 花名册"), "教职工基础信息",
    TEACHER_COLUMNS,
    aliases=("teacher", "roster", "教师", "花名册", "教职工基础信息", "基础信息"),
    notes=(
        "全国教师管理信息系统导出的“教职工基础信息”表（含幼儿园、中职版本）或本单位花名册均可导入。",
        "按身份证件号匹配：已有的教师更新，新的教师新增；同一文件再次导入不会重复。",
        "文件中空着的单元格不会清空系统中已有的内容。",
        "花名册没有“任教学段”列时，按学校唯一的学段填写；学校有多个学段时须填写。",
        "没有学校列时，学校人事导入本校；区县、市级人事请在页面上选择学校。",
        "花名册中的最高学历、最高学位、毕业院校、所学专业、毕业年月记为教师的最高学历（学习经历），专业技术职务和"
        "聘任年月记为现聘职称；同一文件再次导入不会重复，之后导入的学习经历、专业技术职务表补全这些记录而不重复。",
    ),
))

_register(Kind(
    "education", "education", gettext_noop("学习经历"), "学习经历",
    (
        *IDENTITY_COLUMNS,
        Column("education", "学历", "choice", required=True, choices=c.Education, synonyms="education",
               field="education"),
        Column("degree", "学位层次", "choice", choices=c.Degree, synonyms="degree", field="degree"),
        _text("degree_name", "学位名称", 50, field="degree_name"),
        Column("study_mode", "学习方式", "choice", choices=c.StudyMode, synonyms="study_mode", field="study_mode"),
        _text("institution", "学习单位", 100, field="institution"),
        _text("major", "所学专业", 100, field="major"),
        _bool("is_normal_major", "是否师范类专业"),
        _bool("is_highest", "最高学历标识"),
        _bool("is_first", "第一学历标识"),
        Column("start", "入学年月", "month", field="start"),
        Column("end", "毕业年月", "month", field="end"),
    ),
    aliases=("学习经历", "学历"),
))

_register(Kind(
    "titles", "title", gettext_noop("专业技术职务"), "专业技术职务",
    (
        *IDENTITY_COLUMNS,
        Column("title", "专业技术职务", "choice", required=True, choices=c.Title, synonyms="title", field="title",
               hint="2015年前的旧称（中学高级、小学高级等）按新职称对应导入"),
        Column("appointed_on", "聘任年月", "month", required=True, field="appointed_on", hint="如 201809"),
        Column("ended_on", "解聘年月", "month", field="ended_on", hint="仍在聘的不填"),
    ),
    aliases=("title", "职称", "专业技术职务"),
    notes=("按身份证件号、专业技术职务和聘任年月匹配：已有的记录更新解聘年月，新的记录新增。",
           "中学高级、小学高级等2015年前的旧称按改革后的职称对应：中学高级为高级教师，中学一级、小学高级为一级教师，"
           "中学二级、小学一级为二级教师，中学三级、小学二级、小学三级为三级教师。"),
))

_register(Kind(
    "rotations", "exchange", gettext_noop("交流轮岗"), "交流轮岗",
    (
        *IDENTITY_COLUMNS,
        _text("exchange_type", "交流轮岗类型", 30, required=True),
        _bool("moves_personnel", "是否调动人事关系"),
        Column("start", "开始年月", "month", required=True, field="start"),
        Column("end", "结束年月", "month", field="end"),
        _text("from_school", "原单位名称", 100, hint="为空时为教师所在学校"),
        _text("to_school", "交流轮岗单位名称", 100, required=True),
    ),
    aliases=("rotation", "exchange", "exchanges", "交流轮岗", "交流"),
))

_register(Kind(
    "honours", "honour", gettext_noop("荣誉"), "荣誉",
    (
        *IDENTITY_COLUMNS,
        Column("honour_level", "荣誉级别", "choice", choices=c.HonourLevel, synonyms="honour_level"),
        _text("honour_title", "荣誉称号", 60, required=True, hint="须是系统中的荣誉类型名称"),
        Column("awarded_on", "荣誉日期", "date", required=True, field="awarded_on"),
        _text("awarding_body", "授予单位", 100, field="awarding_body"),
    ),
    aliases=("honour", "awards", "荣誉"),
))

_register(Kind(
    "training", "training", gettext_noop("国内培训"), "国内培训",
    (
        *IDENTITY_COLUMNS,
        Column("training_year", "培训年度", "year", required=True),
        Column("level", "培训类别", "choice", required=True, choices=c.TrainingLevel, synonyms="training_level",
               field="level"),
        _text("programme", "项目名称", 150, required=True),
        _text("provider", "培训机构", 100, field="provider"),
        Column("mode", "培训方式", "choice", required=True, choices=c.TrainingMode, synonyms="training_mode",
               field="mode"),
        Column("hours", "培训获得学时", "decimal", required=True, field="hours", minimum=Decimal(0),
               maximum=Decimal(2000)),
        Column("credits", "学分", "decimal", field="credits", minimum=Decimal(0), maximum=Decimal(1000)),
    ),
    aliases=("国内培训", "培训", "credits"),
    notes=("导入的国内培训记录视同已认定。",
           "培训机构名单（只有姓名、身份证件号、项目名称、学时）按系统中已发布的培训项目给参训教师记学时。"),
))

# The order sheets are written in: what later kinds refer to is written first.
KIND_ORDER = ["schools", "enrolment", "quotas", "teachers", "education", "titles", "rotations", "honours", "training"]

_ALIASES: dict[str, str] = {}
for _kind in KINDS.values():
    for _alias in (_kind.name, _kind.sheet_kind, *_kind.aliases):
        _ALIASES[normalise_header(_alias)] = _kind.name


def resolve_kind(text: str | None) -> str | None:
    """Kind name from a name, an alias or a Chinese name; None for blank; ValueError if unknown."""
    if text is None or not str(text).strip():
        return None
    name = _ALIASES.get(normalise_header(text))
    if name is None:
        raise ValueError(f"未知的导入类别“{text}”，可选：{'、'.join(KIND_ORDER)}")
    return name


def kind_for_sheet_kind(sheet_kind: str) -> Kind:
    for kind in KINDS.values():
        if kind.sheet_kind == sheet_kind:
            return kind
    raise KeyError(sheet_kind)
