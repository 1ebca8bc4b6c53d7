"""The rules of a teacher's record, once (issue 13 item 7): pure functions of plain values.

Each rule takes plain values — dates, codes, names, the school's stages, the ethics bans of the
teacher as ``Ban`` tuples — never a model or a query, and returns a list of ``Problem`` (the
field it is about, the Chinese message), empty when the values pass. Whoever writes a record
loads the rule's inputs and shows the problems its own way, with the same text:

* the model's ``clean`` (and so ``full_clean``, which every service and every admin form runs),
* the services (``workforce.services``), where a rule needs the database (the teacher's bans,
  the other exchanges),
* the admin forms, through the model's ``clean`` or the form's ``clean``,
* the import handlers (``imports.services``), which load the inputs of a whole file in bulk
  (the bans of all its teachers in one query a chunk) and name sheet, row and column.

Where each rule was written before, and where it is called from now
----------------------------------------------------------------------

``ethics_veto`` (师德一票否决: no honour, nomination or title promotion inside a ban period)
    was: ``honours.veto_text``/``veto_reason``/``vetoed_ids`` (services ``_locked_unvetoed``:
    ``award_grant``, ``nominate``, ``title_promote``; admin ``VetoFormMixin``) and a loop of its
    own in ``imports.HonourHandler``; the 专业技术职务 import and a 花名册's 职称 columns applied
    none (a title under a ban was committed). Now: ``honours.veto_reason`` (services, admin
    ``AwardAdminForm``/``TitleAdminForm``), ``honours.vetoed_ids``, and the import's
    ``HonourHandler``, ``TitleHandler`` and ``RosterRecords.match_title`` with the bans of the
    file's teachers loaded by ``honours.bans_by_teacher`` (one query a chunk of 2000). A record
    the system already holds is not granted again, so the import checks the rows that create
    one, as the services check what they create. The database form, for the measures, stays
    ``EthicsCaseQuerySet.banning_on`` / ``TeacherQuerySet.under_ethics_ban_q``.
``stage_in_school`` (a teaching stage the school has)
    was: ``Teacher.clean`` ("任教学段不在该校开设的学段内…"), ``imports.TeacherHandler.check_row``
    and ``imports.EnrolmentHandler.check`` ("“…”没有该学段…"). Now: ``Teacher.clean``,
    ``Enrolment.clean`` (new: the admin took any stage), ``TeacherHandler.check_row``,
    ``EnrolmentHandler.check``.
``exchange_period`` (结束年月 ≥ 开始年月), ``exchange_schools`` (交流轮岗单位 ≠ 原单位),
``exchange_after_leaving``, ``exchange_overlaps`` (no two exchanges of a teacher share a day)
    were: the ``Exchange`` constraints, ``services._validate_exchange`` and ``exchange_end``,
    ``rotation.periods_overlap`` and ``services._overlap_q`` (its database form), and
    ``imports.RotationHandler`` with texts of its own. Now: ``Exchange.clean`` (period, schools),
    ``services._validate_exchange`` (all four: ``exchange_record``/``exchange_record_many``;
    ``exchange_check`` — the admin ``ExchangeAdminForm`` — the two that need the teacher),
    ``services.exchange_end`` (period), ``RotationHandler`` (all four; the other rows of the
    same file are checked with ``periods_overlap`` too). ``rotation.periods_overlap`` is this
    module's. A planned exchange (start after today) is allowed everywhere, as the services and
    DOMAIN.md ("a planned exchange is not yet a rotation") have it; the import refused it.
``degree_for_education`` (学历/学位: 专科 and lower get no 学位)
    was: ``imports.degree_mismatch`` (``EducationHandler``, ``RosterRecords``); the admin took
    any pair. Now: ``EducationRecord.clean`` and the same two import places.
``one_highest_education`` (one 最高学历 a teacher)
    was: ``imports.EducationHandler.matched`` only. Now: it, the admin's
    ``EducationRecordAdminForm`` (the teacher's other flagged records count) and the teacher
    page's ``EducationInlineFormSet`` (the flagged rows of the page). Saving a flagged record
    through the import takes the flag from the teacher's stored records (``EducationHandler``,
    ``RosterRecords``): they are not counted there; the admin moves no flag, so there they are.
``not_in_future`` (dates that have happened: not after today; 年月 fields not after this month)
    was: ``imports.TeacherHandler.check_row``, ``SubRecordHandler.future_dates`` (学习经历,
    专业技术职务, 交流轮岗 开始年月), ``HonourHandler``, ``RosterRecords.education_of``/
    ``title_of``; the services and the admin took any date. Now: ``teacher_dates``,
    ``education_dates``, ``title_dates``, ``award_dates`` below, from ``Teacher.clean``,
    ``EducationRecord.clean``, ``TitleAppointment.clean``, ``Award.clean`` (so ``award_grant``,
    ``title_promote`` and the admin) and the same import places. Dates still to come that the
    record means are left out, as the demo city and the measures have them: a 学习经历's 毕业年月
    (a teacher studying now; the measures count finished records), the end of a 基层服务项目
    term still running, an exchange's start (planned). A 花名册's 毕业年月 of the 最高学历 it
    says the teacher has is still checked (``RosterRecords.education_of``).
``work_start_age`` (参加工作 at 14 or older), ``school_entry_after_work_start``,
``grassroots_period`` (基层服务项目 end ≥ start)
    were: ``imports.TeacherHandler.check_row`` (and the ``Teacher`` constraint for the last).
    Now: ``Teacher.clean`` (``teacher_record``) and ``TeacherHandler.check_row``.
``education_period`` (毕业年月 ≥ 入学年月), ``title_period`` (解聘年月 ≥ 聘任年月)
    were: the model constraints and ``imports.KeyedRecordHandler`` (``order_message``). Now:
    ``EducationRecord.clean``/``TitleAppointment.clean`` and ``EducationHandler``/
    ``TitleHandler`` (``dates``).
``rural_kind_only_rural`` (村小/教学点 only for 乡村 schools)
    was: the ``School`` constraint and ``imports.SchoolHandler``. Now: ``School.clean`` and
    ``SchoolHandler``.

The database constraints stay as the last guard (bulk writes skip ``clean``); a rule's problem
on a field makes ``full_clean`` skip the constraint on it, so one message is shown.

Not (yet) here: the 身份证件号 checks (``identity.parse_id_number``, already one function; the
birth date and sex agreeing with it are written in ``Teacher.clean`` and in
``imports.TeacherHandler.check_row``, with texts of their own), the 学校标识码 pattern (the field's
validator and ``imports.SchoolHandler``), names unique in a district (a constraint, checked by the
import against the file too), ``title_promote``'s order of promotions and ``award_expire``/
``award_revoke``'s dates (services only, each written once), and the training rules
(``training.rules``; the 培训年度 not after this year is the bulk import's alone).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from . import choices as c


@dataclass(frozen=True)
class Problem:
    """What a rule refuses: the field it is about ("" for the record as a whole) and why."""

    field: str
    message: str


def validation_error(problems: Iterable[Problem]) -> ValidationError:
    """The problems as one ``ValidationError``, messages keyed by field."""
    by_field: dict[str, list[str]] = {}
    for p in problems:
        by_field.setdefault(p.field or NON_FIELD_ERRORS, []).append(p.message)
    return ValidationError(by_field)


def refuse(problems: Sequence[Problem]) -> None:
    """Raise the problems (``validation_error``), if any."""
    if problems:
        raise validation_error(problems)


def _month(day: dt.date) -> int:
    return day.year * 12 + day.month


def _stage_labels(stages: Iterable[str]) -> str:
    labels = c.data_labels(c.Stage)
    return "、".join(labels.get(str(s), str(s)) for s in stages)


# ---------------------------------------------------------------- dates that have happened
FUTURE = "日期不能晚于今天"


def not_in_future(field: str, day: dt.date | None, today: dt.date, *, month: bool = False) -> list[Problem]:
    """A date that records something done is not after ``today``; a 年月 (``month``) not after
    this month."""
    if day is None:
        return []
    late = _month(day) > _month(today) if month else day > today
    return [Problem(field, FUTURE)] if late else []


def _not_before(first: dt.date | None, last: dt.date | None, field: str, message: str) -> list[Problem]:
    return [Problem(field, message)] if first is not None and last is not None and last < first else []


# ---------------------------------------------------------------- 师德一票否决
class Ban(NamedTuple):
    """A substantiated 师德失范 case as the veto reads it."""

    severity: str
    decided_on: dt.date
    ban_until: dt.date
    substantiated: bool = True


ACTIONS = {
    "award": "授予荣誉",
    "nominate": "推荐评选",
    "promote": "晋升专业技术职务",
}


def veto_message(ban: Ban, action: str) -> str:
    return (
        f"师德一票否决：该教师有查实的师德失范行为（{ban.severity}，{ban.decided_on:%Y-%m-%d} 认定），"
        f"限制期至 {ban.ban_until:%Y-%m-%d}，期内不得{ACTIONS.get(action, action)}。"
    )


def banning(bans: Iterable[Ban], on: dt.date) -> Ban | None:
    """The substantiated ban covering ``on`` (认定日期 … 限制期至, both included) that ends last."""
    covering = [b for b in bans if b.substantiated and b.decided_on <= on <= b.ban_until]
    return max(covering, key=lambda b: b.ban_until) if covering else None


def ethics_veto(bans: Iterable[Ban], on: dt.date | None, action: str, *, field: str = "teacher") -> list[Problem]:
    """一票否决 (DOMAIN.md Ethics): no honour, nomination or title promotion on ``on`` while a
    substantiated case bans the teacher."""
    ban = banning(bans, on) if on is not None else None
    return [] if ban is None else [Problem(field, veto_message(ban, action))]


# ---------------------------------------------------------------- the teacher
def stage_in_school(stage: str | None, school_name: str, stages: Sequence[str], *,
                    field: str = "teaching_stage") -> list[Problem]:
    """A teaching stage (or an enrolment's stage) is one the school has (an empty list: not known)."""
    if not stage or not stages or stage in stages:
        return []
    what = "任教学段" if field == "teaching_stage" else "学段"
    return [Problem(field, f"{what}“{_stage_labels([stage])}”不在“{school_name}”开设的学段内"
                           f"（开设：{_stage_labels(stages)}）")]


WORK_AGE = 14


def work_start_age(birth_date: dt.date | None, work_start: dt.date | None) -> list[Problem]:
    """参加工作年月 at the earliest the month of the 14th birthday."""
    if birth_date is None or work_start is None or _month(work_start) >= _month(birth_date) + WORK_AGE * 12:
        return []
    return [Problem("work_start", f"参加工作时未满{WORK_AGE}周岁，请核对参加工作年月")]


def school_entry_after_work_start(work_start: dt.date | None, school_entry: dt.date | None) -> list[Problem]:
    """进本校年月 not before the month of 参加工作年月."""
    if work_start is None or school_entry is None or _month(school_entry) >= _month(work_start):
        return []
    return [Problem("school_entry", "进本校年月早于参加工作年月")]


def grassroots_period(start: dt.date | None, end: dt.date | None) -> list[Problem]:
    return _not_before(start, end, "grassroots_end", "参加基层服务项目结束年月早于起始年月")


# 年月 fields of the teacher record that say what has happened. 参加基层服务项目结束年月 is not
# one: a teacher still serving (特岗, 三支一扶 …) has the end of the term ahead.
HAPPENED_MONTHS = ("work_start", "school_entry", "grassroots_start")


def teacher_dates(values: Mapping[str, dt.date | None], today: dt.date) -> list[Problem]:
    """出生日期 and the 年月 fields of what has happened are not in the future."""
    out = not_in_future("birth_date", values.get("birth_date"), today)
    for name in HAPPENED_MONTHS:
        out += not_in_future(name, values.get(name), today, month=True)
    return out


def teacher_record(*, teaching_stage: str | None, school_name: str, school_stages: Sequence[str],
                   birth_date: dt.date | None, work_start: dt.date | None, school_entry: dt.date | None,
                   grassroots_start: dt.date | None, grassroots_end: dt.date | None,
                   today: dt.date) -> list[Problem]:
    """Every rule of one teacher record (``Teacher.clean``)."""
    dates = {"birth_date": birth_date, "work_start": work_start, "school_entry": school_entry,
             "grassroots_start": grassroots_start, "grassroots_end": grassroots_end}
    return [
        *stage_in_school(teaching_stage, school_name, school_stages),
        *teacher_dates(dates, today),
        *work_start_age(birth_date, work_start),
        *school_entry_after_work_start(work_start, school_entry),
        *grassroots_period(grassroots_start, grassroots_end),
    ]


# ---------------------------------------------------------------- 学习经历
_EDUCATION_RANK = {code: len(c.Education.values) - i for i, code in enumerate(c.Education.values)}


def degree_for_education(education: str | None, degree: str | None, *, field: str = "degree") -> list[Problem]:
    """A 学位 goes with 本科 or a higher 学历: 专科 and lower are given none."""
    if not education or not degree or degree == c.Degree.NONE:
        return []
    if _EDUCATION_RANK.get(education, 0) >= _EDUCATION_RANK[c.Education.BACHELOR]:
        return []
    labels_d, labels_e = c.data_labels(c.Degree), c.data_labels(c.Education)
    return [Problem(field, f"学位“{labels_d.get(degree, degree)}”与学历“{labels_e.get(education, education)}”不符："
                           "专科及以下学历不授予学位，请核对")]


def education_period(start: dt.date | None, end: dt.date | None) -> list[Problem]:
    return _not_before(start, end, "end", "毕业年月早于入学年月")


def education_dates(start: dt.date | None, end: dt.date | None, today: dt.date) -> list[Problem]:
    """入学年月 not after this month; 毕业年月 not before it. A 毕业年月 still to come is a teacher
    studying now (在职学习): the measures count the record from then (``measures``: finished
    records), so it is allowed."""
    return [*not_in_future("start", start, today, month=True), *education_period(start, end)]


def education_record(*, education: str | None, degree: str | None, start: dt.date | None, end: dt.date | None,
                     today: dt.date) -> list[Problem]:
    """Every rule of one 学习经历 record on its own (``EducationRecord.clean``)."""
    return [*degree_for_education(education, degree), *education_dates(start, end, today)]


def one_highest_education(flagged: Sequence[tuple[str, dt.date | None]]) -> list[Problem]:
    """One 最高学历标识 a teacher: ``flagged`` are the (学历, 毕业年月) of the teacher's records
    that would carry it, in order."""
    if len(flagged) < 2:
        return []
    labels = c.data_labels(c.Education)
    shown = "、".join(labels.get(e, e) + (f" {end:%Y-%m}" if end else "") for e, end in flagged)
    return [Problem("is_highest", f"同一教师只能有一条最高学历（标为最高学历的有：{shown}）")]


# ---------------------------------------------------------------- 专业技术职务
def title_period(appointed_on: dt.date | None, ended_on: dt.date | None) -> list[Problem]:
    return _not_before(appointed_on, ended_on, "ended_on", "解聘年月早于聘任年月")


def title_dates(appointed_on: dt.date | None, ended_on: dt.date | None, today: dt.date) -> list[Problem]:
    """聘任年月 and 解聘年月: not after this month, the end not before the appointment."""
    return [*not_in_future("appointed_on", appointed_on, today, month=True),
            *not_in_future("ended_on", ended_on, today, month=True), *title_period(appointed_on, ended_on)]


def title_appointment(*, appointed_on: dt.date | None, today: dt.date, bans: Iterable[Ban] = (),
                      ended_on: dt.date | None = None) -> list[Problem]:
    """A new appointment: its dates and the 一票否决 on the appointment date."""
    return [*ethics_veto(bans, appointed_on, "promote"), *title_dates(appointed_on, ended_on, today)]


# ---------------------------------------------------------------- 荣誉
def award_dates(awarded_on: dt.date | None, today: dt.date) -> list[Problem]:
    return not_in_future("awarded_on", awarded_on, today)


def award(*, awarded_on: dt.date | None, today: dt.date, bans: Iterable[Ban] = ()) -> list[Problem]:
    """A new award to a teacher: the 一票否决 on the award date, and the date has happened."""
    return [*ethics_veto(bans, awarded_on, "award"), *award_dates(awarded_on, today)]


# ---------------------------------------------------------------- 交流轮岗
class Period(NamedTuple):
    """Another exchange of the teacher: its dates and how a message names it."""

    start: dt.date
    end: dt.date | None
    label: str


def periods_overlap(start: dt.date, end: dt.date | None, other_start: dt.date, other_end: dt.date | None) -> bool:
    """Two exchanges share at least one day (an end of None is still open)."""
    return (end is None or other_start <= end) and (other_end is None or other_end >= start)


def exchange_label(type_name: str, start: dt.date, end: dt.date | None) -> str:
    return f"{type_name} {start:%Y-%m-%d} 至 {f'{end:%Y-%m-%d}' if end else '未结束'}"


def exchange_period(start: dt.date | None, end: dt.date | None) -> list[Problem]:
    return _not_before(start, end, "end", "结束年月不能早于开始年月")


def exchange_schools(from_school, to_school) -> list[Problem]:
    """The exchange school is given and is not the home school (``from_school``/``to_school``:
    anything that tells schools apart — the 学校标识码 — None when not given)."""
    if to_school is None:
        return [Problem("to_school", "请填写交流轮岗单位")]
    if from_school is not None and from_school == to_school:
        return [Problem("to_school", "交流轮岗单位不能与原单位相同")]
    return []


def exchange_after_leaving(left_on: dt.date | None, start: dt.date | None) -> list[Problem]:
    if left_on is None or start is None or left_on > start:
        return []
    return [Problem("start", f"该教师已于 {left_on:%Y-%m-%d} 离开本校，不能登记交流")]


def exchange_overlaps(start: dt.date | None, end: dt.date | None, others: Iterable[Period]) -> list[Problem]:
    """Not two exchanges of a teacher at once: ``others`` are the teacher's other exchanges."""
    if start is None:
        return []
    hits = [o for o in others if periods_overlap(start, end, o.start, o.end)]
    if not hits:
        return []
    return [Problem("start", "与已有交流轮岗记录时间重叠（" + "；".join(o.label for o in hits)
                    + "），同一教师不能同时参加两项交流")]


def exchange_for_teacher(*, start: dt.date | None, end: dt.date | None, left_on: dt.date | None,
                         others: Iterable[Period]) -> list[Problem]:
    """The rules of an exchange that need the teacher (where they are, their other exchanges)."""
    return [*exchange_after_leaving(left_on, start), *exchange_overlaps(start, end, others)]


def exchange(*, start: dt.date | None, end: dt.date | None, from_school, to_school, left_on: dt.date | None = None,
             others: Iterable[Period] = ()) -> list[Problem]:
    """Every rule of one exchange."""
    return [*exchange_period(start, end), *exchange_schools(from_school, to_school),
            *exchange_for_teacher(start=start, end=end, left_on=left_on, others=others)]


# ---------------------------------------------------------------- schools
def rural_kind_only_rural(location: str | None, rural_kind: str | None) -> list[Problem]:
    if rural_kind and location != c.Location.RURAL:
        return [Problem("rural_kind", "只有乡村学校才能标为村小或教学点")]
    return []
