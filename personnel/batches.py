"""School HR's bulk imports under review as one batch (issue 15, item 1). Whether they are is
data: the ``ReviewRule`` ``bulk_import`` city HR turns on in the admin (off: written at once).

The import asks (``imports.hooks``, registered in ``personnel/apps.py``): a school HR's import
that would commit is checked in full — every row, every error, as a commit would be — and kept
here (``submit``) with its file, the answers it was checked with and the rows it changes; nothing
is written. District HR (city HR for 市直 schools) approves the whole batch (``batch_approve``:
the same file is run again as its requester, in one transaction with its history, and refused if
it would no longer write what was reviewed) or returns it with a reason (``batch_return``).
Every write is atomic and audited; refusals are ``PermissionDenied`` / ``ValidationError``.
"""
from __future__ import annotations

import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from backend import audit
from backend.rights import can
from core.capabilities import Capability

from . import permissions as perm
from .models import BULK_IMPORT_KEY, ImportBatch, ImportBatchRow, ReviewRule

Status = ImportBatch.Status


def _refuse(message: str, field: str | None = None):
    raise ValidationError({field: message} if field else message)


def wanted(user, source: str) -> bool:
    """School HR's import waits for review when city HR has set the rule (``imports.hooks.Review``):
    who edits records but not the reviewed fields directly — as in the admin (``personnel.admin``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not can(user, Capability.RECORDS_EDIT) or can(user, Capability.PERSONNEL_EDIT_DIRECTLY):
        return False
    # Off unless city HR turns it on: a missing row reads as the migration seeds it (imports are
    # written at once, as before), unlike a field's rule, whose missing row means review.
    return ReviewRule.table().get(BULK_IMPORT_KEY, False)


def _rows(batch: ImportBatch, report) -> list[ImportBatchRow]:
    """The rows the check found: every changed record as old → new (as many as the run keeps), and
    the new records as they will be stored (the preview's sample)."""
    rows = [ImportBatchRow(batch=batch, sheet=c["sheet"][:100], row=c["row"], outcome="changed",
                           record=str(c["record"])[:300], fields=c["fields"]) for c in report.changes]
    for kind, sample in report.samples.items():
        for values in sample["rows"]:
            rows.append(ImportBatchRow(batch=batch, sheet=str(kind)[:100], row=0, outcome="new", record=str(kind)[:300],
                                       fields=[{"label": label, "new": values.get(label, "")}
                                               for label in sample["columns"] if values.get(label, "") != ""]))
    return rows


def submit(*, report, run_id, file, filename, user, kind=None, school=None, mapping=None, fills=None,
           source: str = "web", **kwargs) -> str:
    """Keep a checked import as a batch for review; returns what the officer is told (Chinese)."""
    from imports.models import ImportRun

    run = ImportRun.objects.filter(pk=run_id).first()
    school_id = (run.school_id if run is not None else None) or user.school_id
    name = os.path.basename(str(filename)) or "import.xlsx"
    with transaction.atomic():
        batch = ImportBatch(school_id=school_id, requester=user, file_name=name[:255], kind=(kind or "")[:60],
                            answers={"mapping": mapping or {}, "fills": fills or {}}, submitted_run=run,
                            rows_total=report.rows, new=report.new, changed=report.changed,
                            unchanged=report.unchanged)
        if isinstance(file, (str, os.PathLike)):
            with open(file, "rb") as fh:
                batch.file.save(name, File(fh), save=False)
        else:
            file.seek(0)
            batch.file.save(name, File(file), save=False)
        batch.save()
        ImportBatchRow.objects.bulk_create(_rows(batch, report))
        audit.record(audit.CREATE, user=user, obj=batch, object_repr=f"{batch.school_id} {batch}", source=source,
                     changes={"file": name, "rows": report.rows, "new": report.new, "changed": report.changed},
                     message="学校批量导入提交审核")
    return (f"已提交区县审核（批次 #{batch.pk}：新增 {report.new}，修改 {report.changed}）："
            f"审核通过后整批写入，退回则不写入。")


def _locked(batch: ImportBatch) -> ImportBatch:
    return ImportBatch.objects.select_for_update(of=("self",)).select_related("school__district", "requester").get(
        pk=batch.pk)


def _may_decide(user, batch: ImportBatch) -> None:
    if not perm.reviews_school(user, batch.school):
        raise PermissionDenied("该批次不在您的审核范围内（区县审核本区县学校，市直学校由市教育局审核）。")
    if batch.status != Status.PENDING:
        when = f"已于 {batch.decided_at:%Y-%m-%d} " if batch.decided_at else ""
        _refuse(f"该批次{when}{batch.get_status_display()}，不能再审核。")
    if batch.requester_id == user.pk:
        _refuse("不能审核本人提交的批次：须由另一位审核人审核。")


def _decision_audit(batch, user, request, message, source, **extra):
    audit.record(audit.UPDATE, user=user, request=request, obj=batch, object_repr=str(batch), source=source,
                 changes={"status": {"label": "状态", "old": str(Status.PENDING.label),
                                     "new": batch.get_status_display()},
                          "requester": getattr(batch.requester, "username", ""), **extra},
                 message=message)


def batch_approve(*, batch: ImportBatch, user, request=None, source: str = "web") -> ImportBatch:
    """Approve the whole batch: its file is imported as its requester (their school's scope), with
    the answers it was checked with, in this transaction — with the history of every record,
    under the run — and the decision recorded. All or nothing: refused (nothing written) when the
    file no longer imports without error or would write other counts than were reviewed."""
    from imports.hooks import REVIEW_SOURCE
    from imports.run import import_run

    with transaction.atomic():
        locked = _locked(batch)
        _may_decide(user, locked)
        if locked.requester is None or not locked.requester.is_active:
            _refuse("提交人的账号已停用：该批次不能按其学校的范围导入，请退回。")
        answers = locked.answers or {}
        report = import_run(file=locked.file.path, filename=locked.file_name, kind=locked.kind or None,
                            user=locked.requester, school=locked.school, dry_run=False, source=REVIEW_SOURCE,
                            mapping=answers.get("mapping") or None, fills=answers.get("fills") or None)
        if not report.committed:
            first = "；".join(f"“{e.sheet}”第{e.row}行" + (f"“{e.column}”列" if e.column else "") + f"：{e.message}"
                             for e in report.errors[:3]) or report.message
            more = f"等 {len(report.errors)} 处" if len(report.errors) > 3 else ""
            _refuse(f"该批次的文件“{locked.file_name}”现在不能导入（{first}{more}），请退回后由学校修改重新提交。")
        if (report.new, report.changed) != (locked.new, locked.changed):
            _refuse(f"提交后数据已有变化（现为新增 {report.new}、修改 {report.changed}，审核的是新增 {locked.new}、"
                    f"修改 {locked.changed}），请退回后由学校重新提交。")
        locked.status, locked.reviewer, locked.decided_at = Status.APPROVED, user, timezone.now()
        locked.applied_run_id = report.run_id
        locked.save(update_fields=["status", "reviewer", "decided_at", "applied_run"])
        _decision_audit(locked, user, request, "审核通过学校批量导入", source, run=report.run_id)
    return locked


def batch_return(*, batch: ImportBatch, reason: str, user, request=None, source: str = "web") -> ImportBatch:
    """Return the batch with a reason: nothing of it is written."""
    reason = (reason or "").strip()
    if not reason:
        _refuse("退回须填写原因。", "return_reason")
    with transaction.atomic():
        locked = _locked(batch)
        _may_decide(user, locked)
        locked.status, locked.reviewer, locked.decided_at = Status.RETURNED, user, timezone.now()
        locked.return_reason = reason[:300]
        locked.save(update_fields=["status", "reviewer", "decided_at", "return_reason"])
        _decision_audit(locked, user, request, "退回学校批量导入", source, return_reason=reason)
    return locked


def batches_for(user):
    """The batches in the user's scope (school HR: their school's; district: its schools')."""
    from backend.scoping import scope_for

    return ImportBatch.objects.for_scope(scope_for(user)).select_related("school__district", "requester", "reviewer")
