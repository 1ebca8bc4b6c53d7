"""Writes of careers (issue 16): 年度考核, 职称评审 rounds, nominations and their review.

Like ``workforce.services``: atomic, keyword-only, validated, the user's scope checked, an audit
row for every write (``backend.audit``; a teacher's records filed under the teacher). Refusals
are ``ValidationError`` (Chinese reasons) or ``PermissionDenied``. The final approval of a
nomination appoints the title through ``workforce.services.title_promote`` — the service the
import and the admin use — so its rules (the 一票否决, the order of appointments, dates) hold.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from backend import audit
from backend.rights import can
from backend.scoping import scope_for
from core.capabilities import Capability as C
from workforce import choices as wc
from workforce import services as ws
from workforce.models import School, Teacher
from workforce.rules import refuse

from . import rules, selectors
from .choices import SERIES_STAGES, AssessmentResult, Series
from .models import Assessment, PromotionNomination, PromotionRound

S = PromotionNomination.Status


# ---------------------------------------------------------------- who may do what (the rights table)
def may_assess(user) -> bool:
    """HR enters 年度考核 results of teachers in their scope."""
    return can(user, C.ASSESSMENT_RECORD)


def may_open_round(user) -> bool:
    return can(user, C.PROMOTION_OPEN)


def may_nominate(user) -> bool:
    """Schools put their teachers forward (city and district HR may for a school in scope too)."""
    return can(user, C.PROMOTION_NOMINATE)


def may_review_district(user) -> bool:
    return can(user, C.PROMOTION_REVIEW_DISTRICT)


def may_review_city(user) -> bool:
    return can(user, C.PROMOTION_REVIEW_CITY)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _in_scope(user, teacher: Teacher) -> None:
    if not Teacher.objects.for_scope(scope_for(user)).filter(pk=teacher.pk).exists():
        raise PermissionDenied("该教师不在您的管理范围内。")


# ---------------------------------------------------------------- 年度考核
def assessment_record(*, teacher: Teacher, year: int, result: str, user, request=None, source: str = "web",
                      run_ref: str = "") -> Assessment:
    """Enter (or change) one teacher's result of ``year``; the school's 优秀 cap is checked."""
    return assessment_record_many(rows=[(teacher, year, result)], user=user, request=request, source=source,
                                  run_ref=run_ref)[0]


def _row_problems(teacher, year, result, this_year: int) -> list[tuple[str, str]]:
    """(field, message) of one row on its own."""
    out = []
    if result not in AssessmentResult.values:
        out.append(("result", f"考核结果“{result}”无效。"))
    if not (2000 <= int(year) <= this_year):
        out.append(("year", f"考核年度 {year} 无效（不能晚于今年）。"))
    return out


def _write_assessments(rows, *, user, request, source, run_ref):
    """Inside a transaction: lock and write ``rows`` (valid on their own), returning (saved,
    audit entries, outcome of each row — new/changed/unchanged, the cap's problems by (school id,
    year)). The caller decides whether to keep it."""
    ids = [t.pk for t, _y, _r in rows]
    locked = {t.pk: t for t in Teacher.objects.select_for_update(of=("self",)).filter(pk__in=ids)
              .select_related("school")}
    in_scope = set(Teacher.objects.for_scope(scope_for(user)).filter(pk__in=ids).values_list("pk", flat=True))
    if in_scope != set(ids):
        raise PermissionDenied("该教师不在您的管理范围内。")
    existing = {(a.teacher_id, a.year): a for a in Assessment.objects.select_for_update()
                .filter(teacher_id__in=ids, year__in={y for _t, y, _r in rows})}
    saved, entries, outcomes, touched = [], [], [], set()
    for teacher, year, result in rows:
        t = locked[teacher.pk]
        old = existing.get((t.pk, year))
        if old is not None and old.result == result:
            saved.append(old)
            outcomes.append("unchanged")
            continue
        if old is None:
            row = Assessment(teacher=t, year=year, result=result, school=t.school, recorded_by=user if user.pk else None)
            action, changes = audit.CREATE, None
            outcomes.append("new")
        else:
            row = old
            before = Assessment(pk=old.pk, teacher=t, year=year, result=old.result, school_id=old.school_id)
            row.result, row.recorded_by = result, (user if user.pk else None)
            action, changes = audit.UPDATE, audit.diff(before, row, fields=["result"])
            outcomes.append("changed")
        row.full_clean(exclude=["teacher", "school", "recorded_by"], validate_unique=False)
        row.save()
        changes = changes if changes is not None else audit.snapshot(row)
        entries.append(audit.entry(action, user=user, request=request, obj=row, parent=t, changes=changes,
                                   source=source, run_ref=run_ref, message="登记年度考核"))
        touched.add((row.school_id, year))
        saved.append(row)
    # the cap of every school and year the change touched, on the result as a whole
    problems = {}
    names = dict(School.objects.filter(pk__in={sid for sid, _y in touched}).values_list("pk", "name"))
    figures = selectors.cap_figures(touched)
    for school_id, year in sorted(touched):
        excellent, base, share = figures[(school_id, year)]
        found = rules.excellent_within_cap(
            excellent_after=excellent, teachers=base, share=share, school_name=names[school_id], year=year)
        if found:
            problems[(school_id, year)] = found
    return saved, entries, outcomes, problems


def assessment_record_many(*, rows: Iterable[tuple[Teacher, int, str]], user, request=None, source: str = "web",
                           run_ref: str = "", dry_run: bool = False) -> list[Assessment]:
    """Enter many results at once (a page of the list): all or nothing, the 优秀 cap of every
    school and year checked on the result as a whole, each refusal named."""
    _require(may_assess(user), "只有人事部门可以登记年度考核结果。")
    rows = list(rows)
    this_year = timezone.localdate().year
    errors = [f"{t.name}：{message}" for t, y, r in rows for _f, message in _row_problems(t, y, r, this_year)]
    if len({(t.pk, y) for t, y, _r in rows}) != len(rows):
        errors.append("同一教师同一年度出现两次。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        saved, entries, _outcomes, problems = _write_assessments(rows, user=user, request=request, source=source,
                                                                 run_ref=run_ref)
        if problems:
            refuse([p for found in problems.values() for p in found])
        if dry_run:
            transaction.set_rollback(True)
            return saved
        audit.record_many(entries)
    return saved


def assessment_import_rows(*, rows: list[tuple[Teacher, int, str]], user, run_ref: str = "",
                           dry_run: bool = False) -> dict:
    """The 年度考核 import's path (``imports.handlers.assessment``): the same checks and writes as
    the page, answered per row — ``errors`` [(index, field, message)], ``new`` / ``changed`` /
    ``unchanged`` [index]. The cap's refusal is given on every 优秀 row of the school and year.
    Nothing is written when ``dry_run`` or when any row is refused."""
    _require(may_assess(user), "只有人事部门可以导入年度考核结果。")
    this_year = timezone.localdate().year
    errors = [(i, f, m) for i, (t, y, r) in enumerate(rows) for f, m in _row_problems(t, y, r, this_year)]
    seen: dict[tuple[int, int], int] = {}
    for i, (t, y, _r) in enumerate(rows):
        if (t.pk, y) in seen:
            errors.append((i, "year", f"与第 {seen[(t.pk, y)] + 1} 条重复（同一教师、同一年度）"))
        seen.setdefault((t.pk, y), i)
    bad = {i for i, _f, _m in errors}
    good = [i for i in range(len(rows)) if i not in bad]
    out = {"errors": errors, "new": [], "changed": [], "unchanged": []}
    with transaction.atomic():
        _saved, entries, outcomes, problems = _write_assessments(
            [rows[i] for i in good], user=user, request=None, source="import", run_ref=run_ref)
        for i, outcome in zip(good, outcomes):
            out[outcome].append(i)
        for i in good:
            teacher, year, result = rows[i]
            for p in problems.get((teacher.school_id, year), []) if result == AssessmentResult.EXCELLENT else []:
                errors.append((i, "result", p.message))
        if dry_run or errors:
            transaction.set_rollback(True)
        else:
            audit.record_many(entries)
    errors.sort()
    return out


# ---------------------------------------------------------------- 职称评审
def round_open(*, year: int, series: str, levels: list[str], reference_date: dt.date | None = None, user,
               request=None, source: str = "web") -> PromotionRound:
    """City HR opens a round of ``series`` for ``levels`` (codes of ``wc.Title``)."""
    _require(may_open_round(user), "只有市教育局人事科可以发起职称评审。")
    if series not in Series.values:
        raise ValidationError({"series": "请选择评审系列。"})
    levels = [code for code in dict.fromkeys(levels) if code]
    reqs = selectors.requirements(series)
    if not levels:
        raise ValidationError({"levels": "请至少选择一个评审层级。"})
    unknown = [str(dict(wc.Title.choices).get(code, code)) for code in levels if code not in reqs]
    if unknown:
        raise ValidationError({"levels": "以下职称在该系列没有申报条件（职称申报年限），不能评审：" + "、".join(unknown)})
    with transaction.atomic():
        if PromotionRound.objects.filter(year=year, series=series).exists():
            raise ValidationError({"year": f"{year} 年度{Series(series).label}职称评审已发起。"})
        rnd = PromotionRound(year=year, series=series, levels=levels,
                             reference_date=reference_date or dt.date(year, 12, 31), opened_by=user if user.pk else None)
        rnd.full_clean()
        rnd.save()
        audit.record(audit.CREATE, user=user, request=request, obj=rnd, changes=audit.snapshot(rnd), source=source,
                     message="发起职称评审")
    return rnd


def round_close(*, rnd: PromotionRound, user, request=None, source: str = "web") -> PromotionRound:
    _require(may_open_round(user), "只有市教育局人事科可以结束职称评审。")
    with transaction.atomic():
        locked = PromotionRound.objects.select_for_update().get(pk=rnd.pk)
        locked.status = PromotionRound.Status.CLOSED
        locked.save(update_fields=["status"])
        audit.record(audit.UPDATE, user=user, request=request, obj=locked, source=source, message="结束职称评审",
                     changes={"status": {"label": "状态", "old": "申报中", "new": "已结束"}})
    return locked


def _failed_text(checks) -> str:
    return "；".join(f"{c.name}：{c.message}" for c in rules.failed(checks))


def nominate(*, rnd: PromotionRound, teacher: Teacher, user, title: str | None = None, request=None,
             source: str = "web") -> PromotionNomination:
    """Put a teacher of the user's scope forward in an open round; refused, naming every failed
    check, when the record does not meet the conditions."""
    _require(may_nominate(user), "只有人事部门可以推荐职称申报。")
    with transaction.atomic():
        rnd = PromotionRound.objects.select_for_update().get(pk=rnd.pk)
        if rnd.status != PromotionRound.Status.OPEN:
            raise ValidationError("该职称评审已结束，不再受理推荐。")
        teacher = Teacher.objects.select_for_update(of=("self",)).select_related("school").get(pk=teacher.pk)
        _in_scope(user, teacher)
        if teacher.teaching_stage not in SERIES_STAGES[rnd.series]:
            raise ValidationError({"teacher": f"该教师任教学段为{teacher.get_teaching_stage_display()}，不属于{rnd.get_series_display()}系列。"})
        current = selectors.current_titles([teacher.pk], rnd.reference_date).get(teacher.pk)
        title = title or selectors.next_title(rnd.series, current[0] if current else None, rnd.levels)
        if title is not None and title not in rnd.levels:
            raise ValidationError({"title": "本轮评审不受理该职称。"})
        existing = PromotionNomination.objects.filter(round=rnd, teacher=teacher).first()
        if existing is not None and existing.status != S.RETURNED:
            raise ValidationError({"teacher": f"该教师已在本轮推荐（{existing.get_status_display()}）。"})
        checks = selectors.eligibility(rnd, [teacher], {teacher.pk: title},
                                       exclude_nomination=existing.pk if existing else None)[teacher.pk]
        if rules.failed(checks):
            raise ValidationError("不符合申报条件——" + _failed_text(checks))
        row = existing or PromotionNomination(round=rnd, teacher=teacher)
        row.title, row.status, row.return_reason = title, S.SUBMITTED, ""
        row.nominated_by, row.district_by, row.city_by = (user if user.pk else None), None, None
        row.full_clean(exclude=["teacher", "round", "nominated_by", "district_by", "city_by", "appointment"],
                       validate_unique=False)
        row.save()
        audit.record(audit.CREATE if existing is None else audit.UPDATE, user=user, request=request, obj=row,
                     parent=teacher, changes=audit.snapshot(row), source=source,
                     message=f"推荐参加{rnd}职称评审（{row.get_title_display()}）")
    return row


def _locked_nomination(nomination: PromotionNomination, user) -> PromotionNomination:
    row = (PromotionNomination.objects.select_for_update(of=("self",))
           .select_related("round", "teacher", "teacher__school").get(pk=nomination.pk))
    _in_scope(user, row.teacher)
    if row.nominated_by_id is not None and row.nominated_by_id == user.pk:
        raise ValidationError("不能审核本人推荐的职称申报。")
    if user.teacher_id and user.teacher_id == row.teacher_id:
        raise ValidationError("不能审核本人的职称申报。")
    return row


def nomination_approve(*, nomination: PromotionNomination, user, request=None, source: str = "web",
                       on: dt.date | None = None) -> PromotionNomination:
    """District HR passes a submitted nomination to the city; city HR approves one the district
    passed, which appoints the title (``title_promote``) on ``on`` (today). The checks are run
    again at each step: the record may have changed since the school put the teacher forward."""
    _require(may_review_district(user), "只有区县或市教育局人事可以审核职称申报。")
    with transaction.atomic():
        row = _locked_nomination(nomination, user)
        stage = row.status
        if stage == S.SUBMITTED:
            pass
        elif stage == S.DISTRICT_APPROVED:
            _require(may_review_city(user), "该申报已通过区县审核，须由市教育局人事科审核。")
        else:
            raise ValidationError(f"该申报{row.get_status_display()}，不能再审核。")
        checks = selectors.eligibility(row.round, [row.teacher], {row.teacher_id: row.title},
                                       exclude_nomination=row.pk)[row.teacher_id]
        if rules.failed(checks):
            raise ValidationError("不符合申报条件——" + _failed_text(checks))
        old_status = row.get_status_display()
        if stage == S.SUBMITTED:
            row.status, row.district_by = S.DISTRICT_APPROVED, user
            row.save(update_fields=["status", "district_by"])
            message = "职称申报通过区县审核"
        else:
            appointment = ws.title_promote(teacher=row.teacher, title=row.title, appointed_on=on or timezone.localdate(),
                                           user=user, request=request, source=source)
            row.status, row.city_by, row.appointment = S.APPROVED, user, appointment
            row.save(update_fields=["status", "city_by", "appointment"])
            message = "职称申报通过市级审核，聘任职称"
        audit.record(audit.UPDATE, user=user, request=request, obj=row, parent=row.teacher, source=source,
                     message=message, changes={"status": {"label": "状态", "old": old_status,
                                                          "new": row.get_status_display()},
                                               "nominated_by": getattr(row.nominated_by, "username", "")})
    return row


def nomination_return(*, nomination: PromotionNomination, reason: str, user, request=None,
                      source: str = "web") -> PromotionNomination:
    """District or city HR sends a nomination under review back to the school, with a reason."""
    _require(may_review_district(user), "只有区县或市教育局人事可以退回职称申报。")
    if not reason.strip():
        raise ValidationError({"reason": "请填写退回原因。"})
    with transaction.atomic():
        row = _locked_nomination(nomination, user)
        if row.status == S.DISTRICT_APPROVED and not may_review_city(user):
            raise PermissionDenied("该申报已通过区县审核，须由市教育局人事科处理。")
        if row.status not in (S.SUBMITTED, S.DISTRICT_APPROVED):
            raise ValidationError(f"该申报{row.get_status_display()}，不能退回。")
        old_status = row.get_status_display()
        row.status, row.return_reason = S.RETURNED, reason.strip()[:200]
        row.save(update_fields=["status", "return_reason"])
        audit.record(audit.UPDATE, user=user, request=request, obj=row, parent=row.teacher, source=source,
                     message="退回职称申报", changes={"status": {"label": "状态", "old": old_status, "new": row.get_status_display()},
                                                "return_reason": {"label": "退回原因", "old": "", "new": row.return_reason}})
    return row
