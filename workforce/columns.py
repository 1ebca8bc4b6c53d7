"""The columns of the workflow lists, each declared once and shared by the page's table and its
``?format=xlsx`` download (``core.spreadsheets.Column``): a Chinese header (lazily translated: the
page in the user's language, the file in Chinese), how the value is read from a row, and the mask
of personal data — the 身份证件号 is masked for everyone on pages and in downloads (issue 7;
revealing one is /accounts/reveal/, with a reason).

Values are read at call time with ``gettext``: a page in English says "Yes", the download
(produced in the data language, ``core.i18n``) 是.
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.identity import mask_id_number
from core.spreadsheets import Column

from . import choices as c
from . import quota

MISSING = "无数据"  # a missing quota figure: never 0 or the headcount (DOMAIN.md "Staffing quota")


def yes(flag) -> str:
    return _("是") if flag else _("否")


def month(value) -> str:
    """A 年月 as ``yyyy-mm`` (DOMAIN.md: month columns compare at month precision)."""
    return f"{value:%Y-%m}" if value else ""


def _name(obj) -> str:
    """A reference row's name (honour or exchange type) in the active language."""
    return _(obj.name) if obj is not None else ""


ID = gettext_lazy("身份证件号")


# ---------------------------------------------------------------- rotation
def _backbone(t) -> str:
    if t.is_backbone:
        return _("是")
    return _("否（师德限制期内不计）") if getattr(t, "is_vetoed", False) else _("否")


ELIGIBLE = [
    Column(gettext_lazy("姓名"), "name"),
    Column(ID, "id_number", mask=mask_id_number),
    Column(gettext_lazy("学校标识码"), "school.code"),
    Column(gettext_lazy("学校"), "school.name"),
    Column(gettext_lazy("城乡"), "school.get_location_display"),
    Column(gettext_lazy("任教学段"), "get_teaching_stage_display"),
    Column(gettext_lazy("进本校年月"), lambda t: month(t.school_entry)),
    Column(gettext_lazy("骨干"), _backbone),
    Column(gettext_lazy("本学年已交流"), lambda t: yes(t.has_rotated)),
]


def exchanges(day) -> list[Column]:
    """The exchanges of a school year; 骨干 is judged on its 1 September (``day``)."""
    return [
        Column(gettext_lazy("姓名"), "teacher.name"),
        Column(ID, "teacher.id_number", mask=mask_id_number),
        Column(gettext_lazy("交流轮岗类型"), lambda e: _name(e.exchange_type)),
        Column(gettext_lazy("计入比例"), lambda e: yes(e.exchange_type.counts)),
        Column(gettext_lazy("调动人事关系"), lambda e: yes(e.moves_personnel)),
        Column(gettext_lazy("开始日期"), "start"),
        Column(gettext_lazy("结束日期"), "end"),
        Column(gettext_lazy("原单位"), lambda e: e.from_school.name if e.from_school else e.from_name),
        Column(gettext_lazy("交流轮岗单位"), lambda e: e.to_school.name if e.to_school else e.to_name),
        Column(_("骨干（%(d)s，师德限制期内不计）") % {"d": f"{day:%Y-%m-%d}"}, lambda e: yes(e.is_backbone)),
    ]


ROTATION_SCHOOLS = [
    Column(gettext_lazy("学校标识码"), lambda s: s["school__code"]),
    Column(gettext_lazy("学校"), lambda s: s["school__name"]),
    Column(gettext_lazy("城乡"), lambda s: c.Location(s["school__location"]).label),
    Column(gettext_lazy("义务教育专任教师"), lambda s: s["all"]),
    Column(gettext_lazy("应交流"), lambda s: s["eligible"]),
    Column(gettext_lazy("已交流"), lambda s: s["rotated"]),
    Column(gettext_lazy("未交流"), lambda s: s["waiting"]),
]

# a list of (label, value) pairs: the plan's figures
PAIRS = [Column(gettext_lazy("项目"), lambda p: p[0]), Column(gettext_lazy("数值"), lambda p: p[1])]


# ---------------------------------------------------------------- honours and ethics
def _holder(a) -> str:
    return a.teacher.name if a.teacher_id else a.team_name


def _award_school(a) -> str:
    if a.teacher_id:
        return a.teacher.school.name
    return a.school.name if a.school_id else ""


AWARDS = [
    Column(gettext_lazy("称号"), lambda a: _name(a.honour_type)),
    Column(gettext_lazy("获得者"), _holder),
    Column(ID, lambda a: a.teacher.id_number if a.teacher_id else "", mask=mask_id_number),
    Column(gettext_lazy("学校"), _award_school),
    Column(gettext_lazy("团队/工作室"), "team_name"),
    Column(gettext_lazy("授予日期"), "awarded_on"),
    Column(gettext_lazy("到期日期"), lambda a: a.expires_on or _("长期")),
    Column(gettext_lazy("撤销日期"), "revoked_on"),
    Column(gettext_lazy("撤销原因"), "revoke_reason"),
    Column(gettext_lazy("授予单位"), "awarding_body"),
]

CANDIDATES = [
    Column(gettext_lazy("姓名"), "name"),
    Column(ID, "id_number", mask=mask_id_number),
    Column(gettext_lazy("学校标识码"), "school.code"),
    Column(gettext_lazy("学校"), "school.name"),
    Column(gettext_lazy("任教学段"), "get_teaching_stage_display"),
    Column(gettext_lazy("可推荐"), lambda t: _("否（一票否决）") if t.is_vetoed else _("是")),
]

CONFLICTS = [
    Column(gettext_lazy("称号"), lambda a: _name(a.honour_type)),
    Column(gettext_lazy("姓名"), "teacher.name"),
    Column(ID, "teacher.id_number", mask=mask_id_number),
    Column(gettext_lazy("学校"), "teacher.school.name"),
    Column(gettext_lazy("授予日期"), "awarded_on"),
    Column(gettext_lazy("到期日期"), "expires_on"),
    Column(gettext_lazy("当前处于限制期"), lambda a: yes(a.banned_now)),
    Column(gettext_lazy("授予时处于限制期"), lambda a: yes(a.granted_in_ban)),
]

ETHICS_CASES = [
    Column(gettext_lazy("姓名"), "teacher.name"),
    Column(ID, "teacher.id_number", mask=mask_id_number),
    Column(gettext_lazy("学校"), "teacher.school.name"),
    Column(gettext_lazy("处理等级"), lambda e: _name(e.severity)),
    Column(gettext_lazy("发生日期"), "occurred_on"),
    Column(gettext_lazy("认定日期"), "decided_on"),
    Column(gettext_lazy("查实"), lambda e: yes(e.substantiated)),
    Column(gettext_lazy("限制期至"), "ban_until"),
]

# a row of the progress table: selectors.honours_by_district's dicts; districts follow as columns
PROGRESS = [
    Column(gettext_lazy("指标"), lambda t: _(t["name"])),
    Column(gettext_lazy("口径"), lambda t: t["kind_label"]),
    Column(gettext_lazy("目标"), lambda t: "" if t["target"] is None else int(t["target"])),
    Column(gettext_lazy("现有"), lambda t: t["count"]),
    Column(gettext_lazy("是否达成"), lambda t: "" if t["met"] is None else (_("达成") if t["met"] else _("未达成"))),
    Column(gettext_lazy("差距"), lambda t: "" if t["target"] is None else t["gap"]),
]


def progress(districts) -> list[Column]:
    return PROGRESS + [Column(d.name, lambda t, i=i: t["by_district"][i]) for i, d in enumerate(districts)]


HONOUR_TYPES = [
    Column(gettext_lazy("代码"), "code"),
    Column(gettext_lazy("称号"), _name),
    Column(gettext_lazy("级别"), "get_level_display"),
    Column(gettext_lazy("视同骨干"), lambda t: yes(t.makes_backbone)),
    Column(gettext_lazy("有效期（年）"), lambda t: t.validity_years or _("长期")),
    Column(gettext_lazy("团队"), lambda t: yes(t.is_team)),
    Column(gettext_lazy("有效授予数"), "active"),
]


# ---------------------------------------------------------------- quota
# The figures of a quota line (quota.QuotaRow), in the order of the page, the export and the JSON.
QUOTA_FIELDS = ("standard", "approved", "actual", "shortage", "surplus", "vacancies", "overstaffed")
QUOTA_FIGURES = [
    Column(gettext_lazy("标准编制"), "standard"),
    Column(gettext_lazy("核定编制"), "approved"),
    Column(gettext_lazy("实有在编"), "actual"),
    Column(gettext_lazy("编制缺口（标准−核定>0）"), "shortage"),
    Column(gettext_lazy("编制富余（核定−标准>0）"), "surplus"),
    Column(gettext_lazy("空编（核定−在编）"), "vacancies"),
    Column(gettext_lazy("超编（在编−核定）"), "overstaffed"),
]
QUOTA_HEADERS = [column.header for column in QUOTA_FIGURES]
QUOTA_SUM_HEADERS = [gettext_lazy("学校数"), gettext_lazy("未核定编制的学校"), *QUOTA_HEADERS]


def _figure(column: Column) -> Column:
    """A quota figure for the .xlsx: a missing figure reads 无数据, never 0 or the headcount."""
    return Column(column.header, lambda row: MISSING if column.of(row) is None else column.of(row))


QUOTA_DISTRICTS = [
    Column(gettext_lazy("区划代码"), "code"),
    Column(gettext_lazy("区县"), "name"),
    Column(gettext_lazy("学校数"), "schools"),
    Column(gettext_lazy("未核定编制的学校"), "schools_without_approved"),
    *[_figure(column) for column in QUOTA_FIGURES],
]
QUOTA_SCHOOLS = [
    Column(gettext_lazy("学校标识码"), "code"),
    Column(gettext_lazy("学校"), "name"),
    Column(gettext_lazy("区县"), "district_name"),
    *[_figure(column) for column in QUOTA_FIGURES],
    Column(gettext_lazy("已核定编制"), lambda s: _("是") if s.approved_recorded else _("否（无核定编制，不计算缺口与空编）")),
    Column(gettext_lazy("标准编制计算"), "basis"),
]

PROPOSAL_STEPS = [
    Column(gettext_lazy("序号"), "order"),
    Column(gettext_lazy("步骤"), lambda st: quota.PHASE[st.kind]),
    Column(gettext_lazy("调出方"), "source"),
    Column(gettext_lazy("调入方"), "target"),
    Column(gettext_lazy("编制数"), "posts"),
    Column(gettext_lazy("说明"), "explanation"),
]
PROPOSAL_SCHOOLS = [
    Column(gettext_lazy("区县"), "district.name"),
    Column(gettext_lazy("学校标识码"), "school.code"),
    Column(gettext_lazy("学校"), "school.name"),
    Column(gettext_lazy("标准编制"), "standard"),
    Column(gettext_lazy("测算时核定编制"), "approved_before"),
    Column(gettext_lazy("实有在编"), "actual"),
    Column(gettext_lazy("编制缺口"), "shortage"),
    Column(gettext_lazy("编制富余"), "surplus"),
    Column(gettext_lazy("区县内调入"), "transfer_in"),
    Column(gettext_lazy("区县内调出"), "transfer_out"),
    Column(gettext_lazy("周转编制"), "allocated"),
    Column(gettext_lazy("调整后核定编制"), "approved_after"),
    Column(gettext_lazy("仍缺"), "remaining"),
]
PROPOSAL_DISTRICTS = [
    Column(gettext_lazy("区县"), "district.name"),
    Column(gettext_lazy("编制缺口"), "shortage"),
    Column(gettext_lazy("编制富余"), "surplus"),
    Column(gettext_lazy("区县内调剂"), "transfer_in"),
    Column(gettext_lazy("周转编制"), "allocated"),
]
LINES = [Column(gettext_lazy("说明"), lambda line: line)]
