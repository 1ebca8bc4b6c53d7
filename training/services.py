"""Writes of training credits: every one atomic, validated, scoped and recorded.

Views, the admin and the import pipeline call these; none of them writes a CreditRecord itself.
Errors are ``ValidationError`` (wrong data) or ``PermissionDenied`` (wrong user), in Chinese.
Every write leaves audit rows through ``backend.audit`` (``record`` / ``record_many`` — masked,
one row per record, also for the bulk paths), as the workforce services do; ``request`` (optional)
adds the address and the source (web or admin).
"""
from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal
from typing import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop  # stored reasons: Chinese in the database, any UI language

from backend import audit
from backend.rights import can
from backend.scoping import scope_for
from core.capabilities import Capability
from workforce.models import School, Teacher

from . import rules
from .evidence import check_evidence
from .models import CreditDecision, CreditRecord, Programme, ProgrammeEnrolment
from .permissions import (
    can_change, can_credit_provider_list, can_decide, can_log_for, can_publish, city_of_programme,
    district_of_programme,
)

Status = CreditRecord.Status
Source = CreditRecord.Source


# ---------------------------------------------------------------- helpers
def _snapshot(record: CreditRecord) -> dict:
    """``audit.snapshot`` of a record without the stored evidence file: ``evidence_name`` names it
    (the private storage has no URL, and the random stored name tells a reader nothing)."""
    shown = copy.copy(record)
    shown.evidence = None
    return audit.snapshot(shown)


def _norm_title(title: str) -> str:
    return re.sub(r"\s+", "", title or "").lower()


def _check_duplicate(teacher: Teacher, *, programme: Programme | None, title: str, year: int,
                     exclude_pk: int | None = None) -> None:
    """The same programme twice for one teacher is refused; so is the same free-text title in the
    same 培训年度 (unless the earlier one was rejected)."""
    others = CreditRecord.objects.filter(teacher=teacher)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if programme is not None and others.filter(programme=programme).exists():
        raise ValidationError({"programme": _("该培训项目已登记过，不能重复登记。")}, code="duplicate")
    wanted = _norm_title(title)
    for other_title in others.exclude(status=Status.REJECTED).filter(year=year).values_list("title", flat=True):
        if _norm_title(other_title) == wanted:
            raise ValidationError({"title": _("%(year)s 年度已有同名培训记录，不能重复登记。") % {"year": year}},
                                  code="duplicate")


def _fill_from_programme(data: dict, programme: Programme | None) -> dict:
    if programme is None:
        return data
    defaults = {"title": programme.name, "provider": programme.provider, "level": programme.level,
                "mode": programme.mode, "hours": programme.hours, "start": programme.start, "end": programme.end}
    return {key: (data.get(key) if data.get(key) not in (None, "") else value) for key, value in defaults.items()} | {
        k: v for k, v in data.items() if k not in defaults
    }


def _check_programme_visible(user, teacher: Teacher, programme: Programme | None) -> None:
    if programme is None:
        return
    if programme.district_id and programme.district_id != teacher.school.district_id:
        raise ValidationError({"programme": _("该项目是其他区县的项目。")}, code="programme_scope")


# ---------------------------------------------------------------- logging and editing
@transaction.atomic
def credit_log(*, teacher: Teacher, user, title: str = "", level: str = "", mode: str = "",
               hours: Decimal | None = None, year: int | None = None, start: dt.date | None = None,
               end: dt.date | None = None, programme: Programme | None = None, provider: str = "",
               credits: Decimal | None = None, evidence=None, source: str = Source.SELF,
               run_ref: str = "", request=None) -> CreditRecord:
    """Log one training for ``teacher``. Self-logged records wait for approval; records HR
    imports from the national 国内培训 sheet (``source=import``) count as approved."""
    if not can_log_for(user, teacher):
        raise PermissionDenied(_("您不能为该教师登记培训。"))
    if source == Source.IMPORT and not can(user, Capability.TRAINING_IMPORT):
        raise PermissionDenied(_("只有人事部门可以导入已认定的培训记录。"))
    data = _fill_from_programme(
        {"title": title, "provider": provider, "level": level, "mode": mode, "hours": hours, "start": start,
         "end": end}, programme,
    )
    _check_programme_visible(user, teacher, programme)
    year = rules.derived_year(year=year, start=data["start"], end=data["end"])
    if not year:
        raise ValidationError({"year": _("请填写培训年度或培训日期。")}, code="year")
    placed = data["end"] or data["start"]
    if placed and placed.year != year:
        raise ValidationError({"year": _("培训年度与培训日期不一致。")}, code="year_mismatch")
    _check_duplicate(teacher, programme=programme, title=data["title"], year=year)
    evidence_name = ""
    if evidence:
        check_evidence(evidence)
        evidence_name = (evidence.name or "")[-150:]
    approved = source in (Source.IMPORT, Source.PROVIDER)
    record = CreditRecord(
        teacher=teacher, programme=programme, title=data["title"], provider=data["provider"] or "",
        level=data["level"], mode=data["mode"], hours=data["hours"], year=year, start=data["start"],
        end=data["end"], credits=credits, source=source, created_by=user if user.is_authenticated else None,
        status=Status.APPROVED if approved else Status.PENDING,
    )
    if approved:
        record.decided_by, record.decided_at = user, timezone.now()
        record.decision_reason = gettext_noop("人事导入，视同认定") if source == Source.IMPORT else gettext_noop("培训机构名单")
    record.full_clean(exclude=["evidence"])
    if evidence:
        record.evidence_name = evidence_name
        record.evidence.save(evidence.name, evidence, save=False)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ValidationError({"programme": _("该培训项目已登记过，不能重复登记。")}, code="duplicate")
    if approved:
        CreditDecision.objects.create(record=record, status=Status.APPROVED, reason=record.decision_reason,
                                      decided_by=user)
    audit.record(audit.CREATE if source == Source.SELF else audit.IMPORT, user=user, request=request, obj=record,
                 changes=_snapshot(record), source="web" if source == Source.SELF else "import", run_ref=run_ref,
                 message="登记培训记录" if source == Source.SELF else "导入已认定的培训记录")
    return record


def _locked_check(record: CreditRecord) -> None:
    if record.is_locked:
        raise ValidationError(_("已通过审核的记录已锁定，不能修改或删除。"), code="locked")


EDITABLE = ("title", "provider", "level", "mode", "hours", "year", "start", "end", "credits")


@transaction.atomic
def credit_update(*, record: CreditRecord, user, evidence=None, request=None, **fields) -> CreditRecord:
    """Change a pending or rejected record; it goes (back) to the queue. Approved: refused."""
    record = _locked_record(record)
    if not can_change(user, record):
        raise PermissionDenied(_("您不能修改该记录。"))
    _locked_check(record)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    old = copy.copy(record)
    for name, value in fields.items():
        setattr(record, name, value)
    record.year = rules.derived_year(year=record.year, start=record.start, end=record.end)
    placed = record.end or record.start
    if placed and placed.year != record.year:
        raise ValidationError({"year": _("培训年度与培训日期不一致。")}, code="year_mismatch")
    _check_duplicate(record.teacher, programme=None, title=record.title, year=record.year, exclude_pk=record.pk)
    if evidence:
        check_evidence(evidence)
        if record.evidence:
            record.evidence.delete(save=False)
        record.evidence_name = (evidence.name or "")[-150:]
        record.evidence.save(evidence.name, evidence, save=False)
    record.status = Status.PENDING
    record.decided_by, record.decided_at, record.decision_reason = None, None, ""
    record.full_clean(exclude=["evidence"])
    record.save()
    audit.record(audit.UPDATE, user=user, request=request, obj=record, message="修改培训记录",
                 changes=audit.diff(old, record, fields=[*fields, "evidence_name", "status", "decision_reason"]))
    return record


@transaction.atomic
def credit_delete(*, record: CreditRecord, user, request=None) -> None:
    record = _locked_record(record)
    if not can_change(user, record):
        raise PermissionDenied(_("您不能删除该记录。"))
    _locked_check(record)
    audit.record(audit.DELETE, user=user, request=request, obj=record, changes=_snapshot(record),
                 message="删除培训记录")
    if record.evidence:
        name, storage = record.evidence.name, record.evidence.storage
        transaction.on_commit(lambda: storage.delete(name))
    record.delete()


# ---------------------------------------------------------------- decisions
def _decide(record: CreditRecord, user, status: str, reason: str, request=None) -> CreditRecord:
    if not can_decide(user, record):
        raise PermissionDenied(_("您不能审核该记录。"))
    if record.status != Status.PENDING:
        raise ValidationError(_("该记录已审核（%(status)s），不能重复审核。") % {"status": record.get_status_display()},
                              code="decided")
    now = timezone.now()
    old = copy.copy(record)
    record.status, record.decided_by, record.decided_at, record.decision_reason = status, user, now, reason
    record.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    CreditDecision.objects.create(record=record, status=status, reason=reason, decided_by=user)
    audit.record(audit.UPDATE, user=user, request=request, obj=record,
                 changes=audit.diff(old, record, fields=["status", "decision_reason"]),
                 message="通过培训记录" if status == Status.APPROVED else "退回培训记录")
    return record


def _locked_record(record: CreditRecord) -> CreditRecord:
    return (CreditRecord.objects.select_for_update(of=("self",))
            .select_related("teacher__school", "programme").get(pk=record.pk))


@transaction.atomic
def credit_approve(*, record: CreditRecord, user, reason: str = "", request=None) -> CreditRecord:
    """Approve a pending record: it counts from now on and is locked."""
    return _decide(_locked_record(record), user, Status.APPROVED, reason.strip(), request)


@transaction.atomic
def credit_reject(*, record: CreditRecord, user, reason: str, request=None) -> CreditRecord:
    """Return a pending record to the teacher with a reason (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("退回时须填写理由。")}, code="reason")
    return _decide(_locked_record(record), user, Status.REJECTED, reason[:200], request)


@transaction.atomic
def credit_bulk_approve(*, record_ids: Iterable[int], user, request=None) -> int:
    """Approve many pending records at once (a few queries, whatever the number). Every record
    must be one the user may decide, or nothing is approved."""
    ids = sorted({int(pk) for pk in record_ids})
    if not ids:
        return 0
    records = list(
        CreditRecord.objects.select_for_update(of=("self",)).select_related("teacher__school", "programme")
        .filter(pk__in=ids)
    )
    if len(records) != len(ids) or not all(can_decide(user, r) for r in records):
        raise PermissionDenied(_("所选记录中有您无权审核的记录。"))
    decided = [r for r in records if r.status != Status.PENDING]
    if decided:
        raise ValidationError(_("所选记录中有 %(n)s 条已审核，请刷新后重试。") % {"n": len(decided)}, code="decided")
    now = timezone.now()
    CreditRecord.objects.filter(pk__in=ids, status=Status.PENDING).update(
        status=Status.APPROVED, decided_by=user, decided_at=now, decision_reason="",
    )
    CreditDecision.objects.bulk_create(
        [CreditDecision(record_id=pk, status=Status.APPROVED, reason=gettext_noop("批量通过"), decided_by=user)
         for pk in ids]
    )
    audit.record_many(
        audit.entry(audit.UPDATE, user=user, request=request, obj=r, message="批量通过培训记录",
                    changes={"status": {"label": "状态", "old": Status.PENDING.label, "new": Status.APPROVED.label}})
        for r in records
    )
    return len(ids)


# ---------------------------------------------------------------- catalogue
@transaction.atomic
def programme_publish(*, user, name: str, level: str, mode: str, hours: Decimal, provider: str = "",
                      start: dt.date | None = None, end: dt.date | None = None, capacity: int | None = None,
                      district=None, request=None) -> Programme:
    """City HR publishes a city programme (or any district's); district HR its own district's."""
    district = district_of_programme(user, district)
    if not can_publish(user, district.pk if district else None):
        raise PermissionDenied(_("您不能发布培训项目。"))
    programme = Programme(name=name, level=level, mode=mode, hours=hours, provider=provider, start=start, end=end,
                          capacity=capacity, district=district, city_id=city_of_programme(user, district),
                          published=True)
    programme.full_clean()
    programme.save()
    audit.record(audit.CREATE, user=user, request=request, obj=programme, changes=audit.snapshot(programme),
                 message="发布培训项目")
    return programme


@transaction.atomic
def programme_enrol(*, programme: Programme, teacher: Teacher, user, request=None) -> ProgrammeEnrolment:
    """自主选学: a teacher enrols in a published programme of the city or their district, once,
    while places are left (the programme row is locked while counting)."""
    if not can_log_for(user, teacher):
        raise PermissionDenied(_("您不能为该教师报名。"))
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if not programme.published:
        raise ValidationError(_("该项目未发布。"), code="unpublished")
    if programme.district_id and programme.district_id != teacher.school.district_id:
        raise ValidationError(_("该项目只面向%(d)s的教师。") % {"d": programme.district}, code="programme_scope")
    if programme.city_id and not programme.district_id and programme.city_id != teacher.school.district.city_id:
        raise ValidationError(_("该项目只面向%(d)s的教师。") % {"d": programme.city}, code="programme_scope")
    if ProgrammeEnrolment.objects.filter(programme=programme, teacher=teacher).exists():
        raise ValidationError(_("您已报名该项目。"), code="duplicate")
    if programme.capacity is not None:
        taken = ProgrammeEnrolment.objects.filter(programme=programme).aggregate(n=Count("pk"))["n"]
        if taken >= programme.capacity:
            raise ValidationError(_("该项目名额已满。"), code="full")
    enrolment = ProgrammeEnrolment.objects.create(programme=programme, teacher=teacher)
    audit.record(audit.CREATE, user=user, request=request, obj=enrolment, changes=audit.snapshot(enrolment),
                 message="报名培训项目")
    return enrolment


@transaction.atomic
def provider_list_credit(*, programme: Programme, teachers: Iterable[Teacher], user, hours: Decimal | None = None,
                         run_ref: str = "") -> dict:
    """A provider's completion list credits its attendees (called by the import pipeline).

    For each teacher: a pending record of this programme is approved; with no record, an
    approved one (source 机构名单) is created; an approved one is left alone. A few queries for
    the whole list (bulk writes). Returns counts and the teachers outside the user's scope."""
    if not can_credit_provider_list(user, programme):
        raise PermissionDenied(_("只有市、区县人事部门可以导入培训机构名单。"))
    teachers = list({t.pk: t for t in teachers}.values())
    in_scope = set(Teacher.objects.for_scope(scope_for(user)).filter(pk__in=[t.pk for t in teachers])
                   .values_list("pk", flat=True))
    refused = [t for t in teachers if t.pk not in in_scope]
    teachers = [t for t in teachers if t.pk in in_scope]
    existing = {r.teacher_id: r for r in CreditRecord.objects.select_for_update()
                .filter(programme=programme, teacher_id__in=[t.pk for t in teachers])}
    now = timezone.now()
    reason = gettext_noop("培训机构名单")
    to_approve = [r.pk for r in existing.values() if r.status != Status.APPROVED]
    existing_by_pk = {r.pk: r for r in existing.values()}
    if to_approve:
        CreditRecord.objects.filter(pk__in=to_approve).update(
            status=Status.APPROVED, decided_by=user, decided_at=now, decision_reason=reason)
    hours = programme.hours if hours is None else hours
    year = rules.derived_year(year=None, start=programme.start, end=programme.end) or timezone.localdate().year
    new = [
        CreditRecord(teacher=t, programme=programme, title=programme.name, provider=programme.provider,
                     level=programme.level, mode=programme.mode, hours=hours, year=year, start=programme.start,
                     end=programme.end, status=Status.APPROVED, source=Source.PROVIDER, decided_by=user,
                     decided_at=now, decision_reason=reason, created_by=user)
        for t in teachers if t.pk not in existing
    ]
    for record in new:
        record.full_clean(exclude=["teacher", "programme", "evidence", "decided_by", "created_by"],
                          validate_constraints=False)
    created = CreditRecord.objects.bulk_create(new)
    if not all(r.pk for r in created):  # backends without RETURNING: read the ids back
        created = list(CreditRecord.objects.filter(programme=programme, teacher_id__in=[r.teacher_id for r in new]))
    CreditDecision.objects.bulk_create(
        [CreditDecision(record_id=pk, status=Status.APPROVED, reason=reason, decided_by=user)
         for pk in [*to_approve, *(r.pk for r in created)]]
    )
    approved_msg, created_msg = f"培训机构名单：通过（{programme.name}）", f"培训机构名单：新增已认定记录（{programme.name}）"
    audit.record_many([
        audit.entry(audit.IMPORT, user=user, obj=programme, source="import", run_ref=run_ref,
                    message=f"导入培训机构名单：新增 {len(created)} 条，通过 {len(to_approve)} 条，范围外 {len(refused)} 人",
                    changes={"created": len(created), "approved": len(to_approve), "refused": [t.pk for t in refused]}),
        *(audit.entry(audit.UPDATE, user=user, obj=existing_by_pk[pk], source="import", run_ref=run_ref,
                      message=approved_msg, changes={"status": {"label": "状态", "old": existing_by_pk[pk].get_status_display(),
                                                                "new": Status.APPROVED.label}})
          for pk in to_approve),
        *(audit.entry(audit.IMPORT, user=user, obj=r, source="import", run_ref=run_ref, message=created_msg,
                      changes=_snapshot(r)) for r in created),
    ])
    return {"created": len(created), "approved": len(to_approve),
            "unchanged": len(existing) - len(to_approve), "refused": refused}


IMPORT_FIELDS = ("title", "provider", "level", "mode", "hours", "year", "start", "end", "credits")


@transaction.atomic
def credit_import_rows(*, rows: list[dict], user, run_ref: str = "", dry_run: bool = False) -> dict:
    """HR imports rows of the national 国内培训 sheet: they count as approved (issue 5, 3). The one
    implementation: the import pipeline (``imports.services``) calls it for its preview
    (``dry_run``) and its commit, so a rule cannot differ between the training pages and the import.

    Each row: ``teacher`` (Teacher; unsaved when the same import creates the teacher — then only
    its school's scope is checked and it has no records yet), ``title``, ``level``, ``mode``,
    ``hours``, ``year`` and optionally ``provider``, ``credits``, ``start``, ``end``. ``user`` None
    is the command line run by an operator (city-wide). Reported by row index and not written:
    teachers outside the user's scope and invalid rows (``errors``, with ``error_fields``: index →
    the field at fault), the same title (spaces and case ignored) and 培训年度 already recorded
    or twice in the file (``duplicates``); a row equal to an approved record already there
    (same level, mode and hours: the same file imported again) is ``unchanged``. The rest are
    written (unless ``dry_run``) with one INSERT per 1,000 rows, one decision each and one
    audit row each — a fixed number of queries for the whole file.
    Returns {"created", "new": [index], "unchanged": [index], "errors": [(index, message)],
    "error_fields": {index: field}, "duplicates": [(index, message)], "duplicate_of": {index: the
    earlier index of a duplicate within the rows}}.
    """
    if user is not None and not can(user, Capability.TRAINING_IMPORT):
        raise PermissionDenied(_("只有人事部门可以导入培训记录。"))
    scope = scope_for(user) if user is not None else None
    saved = {row["teacher"].pk for row in rows if row.get("teacher") is not None and row["teacher"].pk}
    unsaved_schools = {row["teacher"].school_id for row in rows
                       if row.get("teacher") is not None and not row["teacher"].pk and row["teacher"].school_id}
    if scope is None:
        in_scope, schools_in_scope = saved, unsaved_schools
    else:
        in_scope = set(Teacher.objects.for_scope(scope).filter(pk__in=saved).values_list("pk", flat=True))
        schools_in_scope = set(School.objects.for_scope(scope).filter(pk__in=unsaved_schools)
                               .values_list("pk", flat=True)) if unsaved_schools else set()
    existing = {}
    for record in (CreditRecord.objects.filter(teacher_id__in=in_scope).exclude(status=Status.REJECTED)
                   .only("teacher_id", "title", "year", "status", "level", "mode", "hours")):
        existing.setdefault((record.teacher_id, _norm_title(record.title), record.year), record)
    now, reason = timezone.now(), gettext_noop("人事导入，视同认定")
    this_year = timezone.localdate().year
    decider = user if user is not None and user.pk else None
    new, report = [], {"created": 0, "new": [], "unchanged": [], "errors": [], "error_fields": {}, "duplicates": [],
                       "duplicate_of": {}}
    seen: dict[tuple, int] = {}

    def refuse(index, field, message):
        report["errors"].append((index, message))
        report["error_fields"][index] = field

    for index, row in enumerate(rows):
        teacher = row.get("teacher")
        if teacher is None or not (teacher.pk in in_scope if teacher.pk else teacher.school_id in schools_in_scope):
            refuse(index, "teacher", _("教师不在您的管理范围内。"))
            continue
        year = rules.derived_year(year=row.get("year"), start=row.get("start"), end=row.get("end"))
        if year is not None and year > this_year:
            refuse(index, "year", _("培训年度不能晚于今年"))
            continue
        key = (teacher.pk or id(teacher), _norm_title(row.get("title", "")), year)
        if key in seen:
            report["duplicates"].append((index, _("与第 %(n)s 条重复（同一教师、年度、项目）。") % {"n": seen[key] + 1}))
            report["duplicate_of"][index] = seen[key]
            continue
        seen[key] = index
        same = existing.get(key) if teacher.pk else None
        if same is not None:
            if same.status == Status.APPROVED and (same.level, same.mode, same.hours) == (
                    row.get("level"), row.get("mode"), row.get("hours")):
                report["unchanged"].append(index)
            else:
                report["duplicates"].append((index, _("%(year)s 年度已有同名培训记录（%(status)s，%(hours)s学时），"
                                                      "导入不能修改已登记的记录。") % {
                    "year": year, "status": same.get_status_display(), "hours": same.hours}))
            continue
        record = CreditRecord(
            teacher=teacher, title=row.get("title", ""), provider=row.get("provider", "") or "",
            level=row.get("level", ""), mode=row.get("mode", ""), hours=row.get("hours"), year=year,
            start=row.get("start"), end=row.get("end"), credits=row.get("credits"), status=Status.APPROVED,
            source=Source.IMPORT, decided_by=decider, decided_at=now, decision_reason=reason, created_by=decider,
        )
        try:
            if year is None:
                raise ValidationError({"year": _("请填写培训年度或培训日期。")})
            record.clean_fields(exclude=["teacher", "programme", "evidence", "decided_by", "created_by",
                                         "decided_at", "decision_reason", "status", "source", "evidence_name"])
            record.clean()
        except ValidationError as error:
            fields = list(error.message_dict)
            refuse(index, fields[0], "；".join(
                f"{CreditRecord._meta.get_field(k).verbose_name if k != '__all__' else ''}"
                f"{'：' if k != '__all__' else ''}{'，'.join(v)}" for k, v in error.message_dict.items()))
            continue
        report["new"].append(index)
        new.append(record)
    if dry_run or not new:
        return report
    created = CreditRecord.objects.bulk_create(new, batch_size=1000)
    if not all(r.pk for r in created):  # pragma: no cover - backends without RETURNING
        raise RuntimeError("bulk_create returned no ids")
    CreditDecision.objects.bulk_create(
        [CreditDecision(record_id=r.pk, status=Status.APPROVED, reason=reason, decided_by=decider) for r in created],
        batch_size=1000,
    )
    audit.record_many(
        audit.entry(audit.IMPORT, user=user, obj=r, source="import", run_ref=run_ref, changes=_snapshot(r),
                    message="导入国内培训记录（视同认定）")
        for r in created
    )
    report["created"] = len(created)
    return report
