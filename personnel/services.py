"""Writes of change requests (issue 15, item 1): propose, forward, approve, return — and the
direct edits a role may make. Every function is atomic, keyword-only, checks who may do it
(``personnel.permissions``) and leaves audit rows through ``backend.audit``. Refusals are
``PermissionDenied`` (who) or ``ValidationError`` (what), in Chinese.

Approval applies the change through the audited writes of the record: a field of the teacher
(``teacher_field_set``, with its history row), a 学习经历 (``education_add``), a 专业技术职务
(``workforce.services.title_promote``) or an honour (``workforce.services.award_grant``), in the
same transaction as the decision — all or nothing.
"""
from __future__ import annotations

import copy
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from backend import audit
from backend.rights import can
from core.capabilities import Capability
from core.i18n import in_data_language
from training.evidence import check_evidence
from workforce import choices as c
from workforce import rules
from workforce import services as workforce_services
from workforce.models import EducationRecord, HonourType, Teacher

from . import fields as f
from . import permissions as perm
from .models import ChangeRequest, ReviewRule

Status = ChangeRequest.Status
Kind = ChangeRequest.Kind


def _refuse(message: str, field: str | None = None):
    raise ValidationError({field: message} if field else message)


def _snapshot(cr: ChangeRequest) -> dict:
    shown = copy.copy(cr)
    shown.evidence = None
    data = audit.snapshot(shown)
    data.pop("old_value", None)
    data.pop("new_value", None)
    return data


def _attach(cr: ChangeRequest, evidence) -> None:
    if evidence:
        check_evidence(evidence)
        cr.evidence_name = (evidence.name or "")[-150:]
        cr.evidence.save(evidence.name, evidence, save=False)


def _first_status(user) -> str:
    """A teacher's proposal waits for the school to forward it; HR's goes to review."""
    if not can(user, Capability.RECORDS_EDIT):  # a proposer who edits no records: the school forwards it
        return Status.AT_SCHOOL
    return Status.PENDING


# ---------------------------------------------------------------- direct writes of a record
def teacher_field_set(*, teacher: Teacher, field: str, value, user, request=None, source: str = "web",
                      message: str = "", extra: dict | None = None) -> Teacher:
    """Change one field of the teacher's record: validated (``Teacher.full_clean``), saved, and
    its history row written (old → new, who). The caller holds the transaction and the rights."""
    f.model_field(field)
    locked = Teacher.objects.select_for_update(of=("self",)).select_related("school").get(pk=teacher.pk)
    old = copy.copy(locked)
    setattr(locked, field, value)
    try:
        locked.full_clean(validate_unique=False)
    except ValidationError as error:
        messages = error.message_dict.get(field) or error.messages
        raise ValidationError({field: messages}) from None
    locked.save(update_fields=[field, "updated_at"])
    changes = audit.diff(old, locked, fields=[field])
    if changes:
        audit.record(audit.UPDATE, user=user, request=request, obj=locked, changes={**changes, **(extra or {})},
                     source=source, message=message or "修改教师信息")
    return locked


def education_add(*, teacher: Teacher, values: dict, user, request=None, source: str = "web",
                  message: str = "", extra: dict | None = None) -> EducationRecord:
    """Add a 学习经历 (the rules of the record: ``EducationRecord.clean``). Flagged 最高学历, it
    takes the flag from the teacher's other records (one 最高学历 a teacher)."""
    record = EducationRecord(teacher=teacher, **values)
    record.full_clean()
    record.save()
    entries = [audit.entry(audit.CREATE, user=user, request=request, obj=record, parent=teacher,
                           changes={**audit.snapshot(record), **(extra or {})}, source=source,
                           message=message or "新增学习经历")]
    if record.is_highest:
        for other in EducationRecord.objects.filter(teacher=teacher, is_highest=True).exclude(pk=record.pk):
            before = copy.copy(other)
            other.is_highest = False
            other.save(update_fields=["is_highest"])
            entries.append(audit.entry(audit.UPDATE, user=user, request=request, obj=other, parent=teacher,
                                       changes=audit.diff(before, other, fields=["is_highest"]), source=source,
                                       message="最高学历标识移至新学习经历"))
    audit.record_many(entries)
    return record


# ---------------------------------------------------------------- proposing
def _locked_teacher(teacher: Teacher) -> Teacher:
    return Teacher.objects.select_for_update(of=("self",)).select_related("school__district").get(pk=teacher.pk)


def _no_open_duplicate(teacher: Teacher, field: str) -> None:
    if ChangeRequest.objects.open().filter(teacher=teacher, kind=Kind.FIELD, field=field).exists():
        _refuse(f"“{f.label(field)}”已有一项待审核的变更申请，请等待审核结果。", "field")


def field_change_request(*, teacher: Teacher, field: str, value, user, reason: str = "", evidence=None,
                         request=None, source: str = "web") -> ChangeRequest:
    """Ask to change one field of a teacher's record (old → new), with evidence and a reason."""
    if not perm.may_propose(user, teacher):
        raise PermissionDenied("您不能为该教师提出变更。")
    f.model_field(field)
    with transaction.atomic():
        locked = _locked_teacher(teacher)
        old = getattr(locked, field)
        if f.same(old, value):
            _refuse("新值与现有信息相同，无需申请。", "value")
        # the new value must be one the record can hold: checked now, and again on approval
        trial = copy.copy(locked)
        setattr(trial, field, value)
        try:
            trial.full_clean(validate_unique=False)
        except ValidationError as error:
            _refuse("；".join(error.message_dict.get(field) or error.messages), "value")
        _no_open_duplicate(locked, field)
        cr = ChangeRequest(
            teacher=locked, kind=Kind.FIELD, field=field, field_label=f.label(field),
            old_value=f.to_json(old), new_value=f.to_json(value), old_display=f.shown(field, old)[:300],
            new_display=f.shown(field, value)[:500], reason=reason.strip()[:300], status=_first_status(user),
            requester=user,
        )
        _attach(cr, evidence)
        cr.full_clean(exclude=["evidence", "requester"])
        cr.save()
        audit.record(audit.CREATE, user=user, request=request, obj=cr, object_repr=f"{locked} {cr}",
                     changes=_snapshot(cr), source=source, message="提出档案变更申请")
    return cr


def record_add_request(*, teacher: Teacher, kind: str, values: dict, user, reason: str = "", evidence=None,
                       request=None, source: str = "web") -> ChangeRequest:
    """Ask to add a record: a new degree (学习经历), a title (专业技术职务) or an honour."""
    if not perm.may_propose(user, teacher):
        raise PermissionDenied("您不能为该教师提出变更。")
    if kind not in (Kind.EDUCATION, Kind.TITLE, Kind.HONOUR):
        _refuse("未知的申请类别。")
    today = timezone.localdate()
    if kind == Kind.EDUCATION:
        rules.refuse(rules.education_record(education=values.get("education"), degree=values.get("degree") or "none",
                                            start=values.get("start"), end=values.get("end"), today=today))
    elif kind == Kind.TITLE:
        rules.refuse(rules.title_dates(values.get("appointed_on"), None, today))
    else:
        rules.refuse(rules.award_dates(values.get("awarded_on"), today))
        if values["honour_type"].is_team:
            _refuse("团队/工作室类荣誉不按个人申请。", "honour_type")
    stored = {k: (v.pk if isinstance(v, HonourType) else f.to_json(v)) for k, v in values.items()}
    with transaction.atomic():
        locked = _locked_teacher(teacher)
        cr = ChangeRequest(
            teacher=locked, kind=kind, field=f.RECORD_KEYS[kind], field_label=str(Kind(kind).label),
            new_value=stored, new_display=in_data_language(f.record_display)(kind, values)[:500], reason=reason.strip()[:300],
            status=_first_status(user), requester=user,
        )
        _attach(cr, evidence)
        cr.full_clean(exclude=["evidence", "requester"])
        cr.save()
        audit.record(audit.CREATE, user=user, request=request, obj=cr, object_repr=f"{locked} {cr}",
                     changes=_snapshot(cr), source=source, message="提出档案补充申请")
    return cr


def teacher_edit(*, teacher: Teacher, changes: dict, user, reason: str = "", evidence=None, request=None,
                 source: str = "web") -> tuple[list[str], list[ChangeRequest]]:
    """HR edits a teacher's record: district and city HR change it directly; school HR changes
    directly only the fields the review rules allow, the others become change requests. Returns
    (fields changed, requests made)."""
    if not perm.may_edit(user, teacher):
        raise PermissionDenied("该教师不在您的管理范围内。")
    changed = {name: value for name, value in changes.items() if not f.same(getattr(teacher, name), value)}
    for name in changed:
        f.model_field(name)
    direct = perm.edits_directly(user)
    needs = ReviewRule.table()
    applied, requests = [], []
    with transaction.atomic():
        for name, value in changed.items():
            if direct or not needs.get(name, True):
                teacher_field_set(teacher=teacher, field=name, value=value, user=user, request=request, source=source)
                applied.append(name)
            else:
                requests.append(field_change_request(teacher=teacher, field=name, value=value, user=user,
                                                     reason=reason, evidence=evidence, request=request, source=source))
    return applied, requests


# ---------------------------------------------------------------- forwarding and review
def _locked_request(cr: ChangeRequest) -> ChangeRequest:
    return (ChangeRequest.objects.select_for_update(of=("self",))
            .select_related("teacher__school__district", "requester").get(pk=cr.pk))


def _decision_audit(cr, user, request, old_status, message, source, **extra):
    audit.record(audit.UPDATE, user=user, request=request, obj=cr, object_repr=f"{cr.teacher} {cr}",
                 changes={"status": {"label": "状态", "old": str(Status(old_status).label),
                                     "new": cr.get_status_display()},
                          "requester": getattr(cr.requester, "username", ""), **extra},
                 source=source, message=message)


def request_forward(*, change_request: ChangeRequest, user, request=None, source: str = "web") -> ChangeRequest:
    """The school forwards (报送) a teacher's proposal to review."""
    with transaction.atomic():
        cr = _locked_request(change_request)
        if not perm.may_forward(user, cr):
            raise PermissionDenied("该申请不在您的管理范围内。")
        if cr.status != Status.AT_SCHOOL:
            _refuse(f"该申请{cr.get_status_display()}，不能报送。")
        cr.status, cr.forwarded_by, cr.forwarded_at = Status.PENDING, user, timezone.now()
        cr.save(update_fields=["status", "forwarded_by", "forwarded_at"])
        _decision_audit(cr, user, request, Status.AT_SCHOOL, "学校报送档案变更申请", source)
    return cr


def request_return(*, change_request: ChangeRequest, reason: str, user, request=None,
                   source: str = "web") -> ChangeRequest:
    """Return a request with a reason: the school a teacher's proposal, the reviewer any open one."""
    reason = (reason or "").strip()
    if not reason:
        _refuse("退回须填写原因。", "return_reason")
    with transaction.atomic():
        cr = _locked_request(change_request)
        if cr.status == Status.AT_SCHOOL:
            allowed = perm.may_forward(user, cr) and not perm.own_request(user, cr)
        else:
            allowed = perm.reviews_school(user, cr.teacher.school)
        if not allowed:
            raise PermissionDenied("您不能审核该申请。")
        if not cr.is_open:
            _refuse(f"该申请已于 {cr.decided_at:%Y-%m-%d} {cr.get_status_display()}，不能再审核。")
        if perm.own_request(user, cr):
            _refuse("不能审核本人提出或关于本人的申请。")
        old = cr.status
        cr.status, cr.reviewer, cr.decided_at, cr.return_reason = Status.RETURNED, user, timezone.now(), reason[:300]
        cr.save(update_fields=["status", "reviewer", "decided_at", "return_reason"])
        _decision_audit(cr, user, request, old, "退回档案变更申请", source, return_reason=reason)
    return cr


def _apply(cr: ChangeRequest, user, request, source: str) -> None:
    extra = {"_change_request": cr.pk, "_requested_by": getattr(cr.requester, "username", ""),
             "_approved_by": user.username}
    note = f"变更申请 #{cr.pk} 审核通过（{extra['_requested_by']} 申请，{user.username} 审核）"
    teacher = cr.teacher
    if cr.kind == Kind.FIELD:
        current = Teacher.objects.filter(pk=teacher.pk).values_list(cr.field, flat=True).get()
        if not f.same(current, f.from_json(cr.field, cr.old_value)):
            _refuse(f"申请提出后“{cr.field_label}”已被修改（现为 {f.shown(cr.field, current)}），请退回后重新申请。")
        teacher_field_set(teacher=teacher, field=cr.field, value=f.from_json(cr.field, cr.new_value), user=user,
                          request=request, source=source, message=note, extra=extra)
        return
    values = dict(cr.new_value or {})
    for name in ("start", "end", "appointed_on", "awarded_on"):
        if values.get(name):
            values[name] = dt.date.fromisoformat(values[name])
    if cr.kind == Kind.EDUCATION:
        education_add(teacher=teacher, values=values, user=user, request=request, source=source, message=note,
                      extra=extra)
    elif cr.kind == Kind.TITLE:
        workforce_services.title_promote(teacher=teacher, title=values["title"], appointed_on=values["appointed_on"],
                                         user=user, request=request, source=source)
    else:
        honour = HonourType.objects.get(pk=values["honour_type"])
        workforce_services.award_grant(honour_type=honour, awarded_on=values["awarded_on"], teacher=teacher,
                                       awarding_body=values.get("awarding_body", ""), user=user, request=request,
                                       source=source)


def request_approve(*, change_request: ChangeRequest, user, request=None, source: str = "web") -> ChangeRequest:
    """Approve a request under review: the change is applied with its history and the decision
    recorded, in one transaction. Refused out of scope, once decided, and for one's own request."""
    with transaction.atomic():
        cr = _locked_request(change_request)
        if not perm.reviews_school(user, cr.teacher.school):
            raise PermissionDenied("该申请不在您的审核范围内（区县审核本区县学校，市直学校由市教育局审核）。")
        if not cr.is_open:
            when = f"已于 {cr.decided_at:%Y-%m-%d} " if cr.decided_at else ""
            _refuse(f"该申请{when}{cr.get_status_display()}，不能再审核。")
        if cr.status == Status.AT_SCHOOL:
            _refuse("该申请尚未由学校报送。")
        if perm.own_request(user, cr):
            _refuse("不能审核本人提出或关于本人的申请：须由另一位审核人审核。")
        _apply(cr, user, request, source)
        cr.status, cr.reviewer, cr.decided_at = Status.APPROVED, user, timezone.now()
        cr.save(update_fields=["status", "reviewer", "decided_at"])
        _decision_audit(cr, user, request, Status.PENDING, "审核通过档案变更申请", source)
    return cr
