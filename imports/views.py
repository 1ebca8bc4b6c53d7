"""Import pages: upload → preview → confirm → the records, each step a background run.

Thin: every import goes through ``imports.services.import_run`` in the task worker
(``imports.tasks``), never inside a request; the run's page polls its progress. A run
is only ever seen by the officer who uploaded it (another user's run is a 404). The confirm
step commits the copy of the file kept on the server for that run, never a file the browser
sends again.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.masking import mask_value
from backend.downloads import xlsx_response
from backend.middleware import not_activity
from backend.models import AuditEntry
from backend.rights import can
from core.capabilities import Capability
from core.spreadsheets import content_disposition
from core.roles import can_see_identity
from backend.scoping import scope_for
from core.identity import mask_id_number
from workforce.models import Teacher

from . import tasks, workbooks
from .forms import UploadForm
from .kinds import KIND_ORDER, KINDS
from .mappings import AnswerError, file_answers, save_answers
from .models import ImportRun
from .workers import end_if_orphaned

RUNS_LISTED = 20
NOT_NEEDED_ANSWER = "__not_needed__"
LEAVE_BLANK_ANSWER = "__blank__"
TEACHERS_LISTED = 200


def may_import(user) -> bool:
    return can(user, Capability.IMPORTS_RUN) and scope_for(user).kind != "none"


def _require_importer(request) -> None:
    if not may_import(request.user):
        raise PermissionDenied(_("只有人事部门可以导入数据。"))


def _own_run(request, pk: int, *, read_only: bool = False) -> ImportRun:
    """The uploader's run. City HR may also read (not confirm) every run, as in the admin."""
    _require_importer(request)
    run = get_object_or_404(ImportRun.objects.select_related("school"), pk=pk)
    city_reader = read_only and request.user.scope.is_city
    if run.user_id != request.user.pk and not request.user.is_superuser and not city_reader:
        raise Http404
    return run


def _start(run: ImportRun, *, dry_run: bool) -> None:
    """Queue the run for the background worker (``imports.tasks``), whatever the file's size; the
    run's page shows its progress. Never inside the request (see ``imports.concurrency``)."""
    ImportRun.objects.filter(pk=run.pk).update(outcome=ImportRun.Outcome.QUEUED, progress=0, phase="")
    (tasks.preview_run if dry_run else tasks.commit_run).enqueue(run.pk)


@login_required
def index(request):
    _require_importer(request)
    scope = scope_for(request.user)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, scope=scope)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            run = ImportRun(user=request.user, file_name=upload.name[-255:], file_sha256="", dry_run=True,
                            source="web", outcome=ImportRun.Outcome.QUEUED,
                            requested_kind=form.cleaned_data.get("kind") or "",
                            school=form.cleaned_data.get("school"))
            run.upload.save(upload.name, upload, save=False)
            run.save()
            _start(run, dry_run=True)
            return redirect("imports:run", pk=run.pk)
    else:
        form = UploadForm(scope=scope)
    runs = list(ImportRun.objects.filter(user=request.user).select_related("school")[:RUNS_LISTED])
    for run in runs:
        if not run.is_finished:
            end_if_orphaned(run)
    return render(request, "imports/index.html", {
        "form": form, "runs": runs, "kinds": [KINDS[k] for k in KIND_ORDER],
    })


@login_required
def run_detail(request, pk: int):
    run = _own_run(request, pk, read_only=True)
    end_if_orphaned(run)
    report = run.report or {}
    may_reveal = can_see_identity(request.user)
    if not may_reveal:  # the report holds what its uploader may see: a reader without the right sees IDs masked
        report = mask_value(report)
    elif run.outcome == ImportRun.Outcome.COMMITTED and report.get("samples"):
        # written: the sample rows are teachers in the system now, listed masked like the list below
        report = {**report, "samples": [_masked_sample(sample) for sample in report["samples"]]}
    teachers = []
    if run.outcome == ImportRun.Outcome.COMMITTED:
        ids = (AuditEntry.objects.filter(run_ref=str(run.pk), object_type="workforce.teacher")
               .values_list("object_id", flat=True).distinct()[:TEACHERS_LISTED])
        teachers = list(Teacher.objects.filter(pk__in=[int(i) for i in ids if i.isdigit()])
                        .select_related("school").order_by("school__code", "name"))
        for t in teachers:  # masked for everyone (issue 12): a full number only on the reveal page, with a reason, audited
            t.shown_id = mask_id_number(t.id_number)
            t.reveal_url = reverse("reveal_identity", args=[t.pk]) if may_reveal else ""
    return render(request, "imports/run.html", {
        "run": run, "report": report, "errors": [e for e in report.get("errors", []) if not e.get("unknown")][:500],
        "not_needed": NOT_NEEDED_ANSWER, "leave_blank": LEAVE_BLANK_ANSWER,
        "other_errors": report.get("error_count", 0) - sum(u["rows"] for u in report.get("unknown_values", [])),
        "questions": bool(report.get("unknown_headers") or report.get("unknown_values")
                          or report.get("missing_columns")),
        "changes": report.get("changes", [])[:300], "teachers": teachers,
        "progress_url": reverse("imports:run_progress", args=[run.pk]),
    })


def _masked_sample(sample: dict) -> dict:
    """A sample of the rows a run wrote (``ImportReport.samples``): 身份证件号 masked, birth dates
    down to their year, any ID in another cell masked."""
    columns = sample.get("columns", [])
    rows = []
    for row in sample.get("rows", []):
        shown = []
        for label, value in zip(columns, row):
            if label == "身份证件号" and value:
                value = mask_id_number(str(value))
            elif label == "出生日期" and value:
                value = f"{str(value)[:4]}-**-**"
            else:
                value = mask_value(value)
            shown.append(value)
        rows.append(shown + [mask_value(v) for v in row[len(columns):]])
    return {**sample, "rows": rows}


@not_activity
@login_required
def run_progress(request, pk: int):
    run = _own_run(request, pk, read_only=True)
    end_if_orphaned(run)  # writes only for a run whose worker process was killed
    return JsonResponse({
        "outcome": run.outcome, "outcome_label": run.get_outcome_display(), "finished": run.is_finished,
        "progress": run.progress, "total": run.total_rows, "percent": run.percent,
        "phase": run.get_phase_display() if run.phase else "",
    })


@login_required
@require_POST
def run_confirm(request, pk: int):
    run = _own_run(request, pk)
    if not run.can_commit:
        messages.error(request, _("该批次不能导入：只有预览无错误、且文件仍保存在服务器上的批次才能确认导入。"))
        return redirect("imports:run", pk=run.pk)
    # confirmed twice at once (a double click): the first queues the commit, the second sees it queued
    if not ImportRun.objects.filter(pk=run.pk, outcome=ImportRun.Outcome.PREVIEWED).update(outcome=ImportRun.Outcome.QUEUED):
        return redirect("imports:run", pk=run.pk)
    _start(run, dry_run=False)
    run.refresh_from_db()
    if run.outcome == ImportRun.Outcome.COMMITTED:
        messages.success(request, _("已导入：新增 %(new)s 条，修改 %(changed)s 条。") % {"new": run.new, "changed": run.changed})
    elif (run.report or {}).get("submitted"):  # school HR's import waits for review as one batch (imports.hooks)
        messages.success(request, run.report["message"])
    elif run.is_finished:
        messages.error(request, _("导入未完成：数据在预览后发生了变化，发现错误，未写入任何数据。"))
    return redirect("imports:run", pk=run.pk)


@login_required
@require_POST
def run_mapping(request, pk: int):
    """The mapping step: the officer's answers to the preview's questions (unknown headers and
    values) are kept for their organisation (``imports.mappings.save_answers``), then the file
    is previewed again with them."""
    run = _own_run(request, pk)
    if run.outcome not in (ImportRun.Outcome.PREVIEWED, ImportRun.Outcome.REJECTED) or not run.upload:
        messages.error(request, _("该批次已不能修改映射，请重新上传文件。"))
        return redirect("imports:run", pk=run.pk)
    headers, values, fills = {}, {}, {}
    for name, answer in request.POST.items():
        prefix, _sep, position = name.partition("-")
        if prefix not in ("h", "v", "f") or not position.isdigit() or answer == "":
            continue
        if prefix == "h":
            headers[int(position)] = "" if answer == NOT_NEEDED_ANSWER else answer
        elif prefix == "v":
            values[int(position)] = answer
        else:
            fills[int(position)] = "" if answer == LEAVE_BLANK_ANSWER else answer
    if not headers and not values and not fills:
        messages.error(request, _("请至少为一个表头或取值选择对应项。"))
        return redirect("imports:run", pk=run.pk)
    try:
        chosen = file_answers(report=run.report or {}, fills=fills)
        saved = save_answers(user=request.user, report=run.report or {}, headers=headers, values=values,
                             request=request) if headers or values else []
    except AnswerError as exc:
        messages.error(request, str(exc))
        return redirect("imports:run", pk=run.pk)
    if chosen:
        run.answers = {**(run.answers or {}), "fills": {**(run.answers or {}).get("fills", {}), **chosen}}
        run.save(update_fields=["answers"])
    messages.success(request, _("已保存 %(n)s 项映射（以后本单位导入时自动使用）和 %(m)s 项本文件的选择，已重新预览。")
                     % {"n": len(saved), "m": len(chosen)})
    _start(run, dry_run=True)
    return redirect("imports:run", pk=run.pk)


@login_required
def run_errors(request, pk: int):
    """The uploaded rows with their errors marked. Without the identity right every 身份证件号
    (and birth date) in it is masked, the uploader's own file too; every download is audited."""
    run = _own_run(request, pk, read_only=True)
    if not run.report.get("errors"):
        raise Http404
    full = can_see_identity(request.user)
    content = workbooks.error_report(run, masked=not full)
    return xlsx_response(request, f"导入批次{run.pk}_错误报告.xlsx", content=content, obj=run, object_repr=run.file_name,
                         message=f"下载导入批次 {run.pk}（{run.file_name}）的错误报告："
                                 f"{run.report.get('error_count', len(run.report['errors']))} 处错误，"
                                 f"{'含完整证件号' if full else '证件号已遮蔽'}")


@login_required
def template_download(request, kind: str):
    _require_importer(request)
    if kind not in KINDS:
        raise Http404
    response = HttpResponse(workbooks.template(kind), content_type=workbooks.XLSX)
    response["Content-Disposition"] = content_disposition(f"导入模板_{KINDS[kind].label}.xlsx")  # not records: no audit row
    return response
