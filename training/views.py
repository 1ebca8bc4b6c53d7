"""Training pages: thin — parse input, call one selector or service, render.

Every record is fetched through ``CreditRecord.objects.in_scope(user)``, so another teacher's
or another school's record is a 404, never a 403 that confirms it exists.
"""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend import audit
from backend.downloads import xlsx_response
from backend.redirects import safe_next

from backend.scoping import get_in_scope_or_404, scope_for
from core.identity import mask_id_number
from core.spreadsheets import Column
from workforce.models import School, Teacher

from . import permissions, selectors, services
from .evidence import evidence_response
from .forms import CreditForm, ProgrammeForm, RejectForm
from .models import CreditRecord, Programme


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error) or _("没有权限。")


def _refused(request, error: ValidationError | PermissionDenied | str, obj=None) -> None:
    """A service said no: the message on the page, and the refusal in the audit trail (issue 12)."""
    text = error if isinstance(error, str) else _error_text(error)
    messages.error(request, text)
    audit.record_refusal(request, f"操作被拒绝：{text}", obj=obj)


def _not_theirs(request, record) -> Http404:
    """A record in scope that this user may not act on: 404 like one that does not exist, recorded."""
    audit.record_refusal(request, "无权对该记录执行此操作（答复 404）", obj=record)
    return Http404()


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _on(request) -> dt.date:
    raw = request.GET.get("on")
    if raw:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    return timezone.localdate()


def _is_number(value) -> bool:
    """A record or school number as a form sends it: ASCII digits only ("²".isdigit() is true too)."""
    return isinstance(value, str) and 0 < len(value) <= 18 and value.isascii() and value.isdigit()


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("没有权限访问该页面。"))


# ---------------------------------------------------------------- the teacher's own pages
@login_required
def index(request):
    """/training/: the page this user most likely wants."""
    user = request.user
    for allowed, name in ((permissions.has_own_training, "training:mine"), (permissions.can_approve, "training:queue"),
                          (permissions.can_read_reports, "training:report"),
                          (permissions.can_browse_catalogue, "training:catalogue")):
        if allowed(user):
            return redirect(name)
    raise Http404


def _own_teacher(request) -> Teacher:
    if not permissions.has_own_training(request.user):
        raise Http404(_("您的账号未关联教师档案。"))
    return Teacher.objects.select_related("school__district").get(pk=request.user.teacher_id)


@login_required
def mine(request):
    """我的培训: progress, the log form and every record with its status."""
    teacher = _own_teacher(request)
    form = CreditForm(programmes=selectors.catalogue(request.user))
    if request.method == "POST":
        form = CreditForm(request.POST, request.FILES, programmes=selectors.catalogue(request.user))
        if form.is_valid():
            try:
                services.credit_log(teacher=teacher, user=request.user, request=request,
                                    programme=form.cleaned_data.get("programme"),
                                    evidence=form.cleaned_data.get("evidence"), **form.service_kwargs())
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("已提交，等待学校审核。"))
                return redirect("training:mine")
    return render(request, "training/mine.html", _teacher_context(request, teacher, form=form))


def _teacher_context(request, teacher: Teacher, **extra) -> dict:
    return {
        "teacher": teacher, "progress": selectors.teacher_progress(teacher, _on(request)),
        "records": selectors.teacher_records(teacher), **extra,
    }


@login_required
def teacher_detail(request, pk: int):
    """HR and leaders in scope: one teacher's progress and records (read-only here)."""
    _require(permissions.can_read_reports(request.user))
    teacher = get_in_scope_or_404(request, Teacher.objects.in_scope(request.user).select_related("school__district"),
                                  pk=pk)
    context = _teacher_context(request, teacher, readonly=True)
    context["can_decide"] = permissions.can_approve(request.user)
    return render(request, "training/teacher.html", context)


def _record_in_scope(request, pk: int) -> CreditRecord:
    qs = CreditRecord.objects.in_scope(request.user).select_related("teacher__school", "programme")
    return get_in_scope_or_404(request, qs, pk=pk)


@login_required
def record_edit(request, pk: int):
    record = _record_in_scope(request, pk)
    if not permissions.can_change(request.user, record):
        raise _not_theirs(request, record)
    if record.is_locked:
        _refused(request, _("已通过审核的记录已锁定，不能修改。"), obj=record)
        return redirect("training:mine")
    initial = {name: getattr(record, name) for name in ("title", "level", "mode", "hours", "year", "start", "end",
                                                       "provider")}
    form = CreditForm(initial=initial, with_programme=False)
    if request.method == "POST":
        form = CreditForm(request.POST, request.FILES, with_programme=False)
        if form.is_valid():
            try:
                services.credit_update(record=record, user=request.user, request=request,
                                       evidence=form.cleaned_data.get("evidence"),
                                       **form.service_kwargs())
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("已修改并重新提交审核。"))
                return redirect("training:mine" if request.user.teacher_id == record.teacher_id
                                else "training:queue")
    return render(request, "training/record_edit.html", {"record": record, "form": form})


@login_required
@require_POST
def record_delete(request, pk: int):
    record = _record_in_scope(request, pk)
    if not permissions.can_change(request.user, record):
        raise _not_theirs(request, record)
    try:
        services.credit_delete(record=record, user=request.user, request=request)
    except ValidationError as error:
        _refused(request, error, obj=record)
    else:
        messages.success(request, _("已删除。"))
    if request.user.teacher_id == record.teacher_id:
        return redirect("training:mine")
    return redirect("training:teacher", pk=record.teacher_id)


@login_required
def evidence(request, pk: int):
    """The evidence file, only to the teacher themself and HR in scope; never a public URL."""
    record = _record_in_scope(request, pk)
    allowed = request.user.teacher_id == record.teacher_id or permissions.can_approve(request.user)
    if not allowed:
        raise _not_theirs(request, record)
    if not record.evidence:
        raise Http404
    return evidence_response(record.evidence, record.evidence_name)


# ---------------------------------------------------------------- approval
@login_required
def queue(request):
    """培训审核: pending records the user decides, approve/reject one by one or in bulk."""
    _require(permissions.can_approve(request.user))
    if request.method == "POST":
        ids = request.POST.getlist("ids")
        if not ids:
            messages.error(request, _("请先勾选要通过的记录。"))
        elif not all(_is_number(i) for i in ids):
            messages.error(request, _("所选记录的编号无效，请刷新页面后重新勾选。"))
        else:
            try:
                count = services.credit_bulk_approve(record_ids=ids, user=request.user, request=request)
            except (ValidationError, PermissionDenied) as error:
                _refused(request, error)
            else:
                messages.success(request, _("已通过 %(n)s 条记录。") % {"n": count})
        return redirect(request.get_full_path())
    school_id = request.GET.get("school") or None
    records = selectors.approval_queue(request.user, school_id=int(school_id) if _is_number(school_id) else None)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    schools = None
    if scope_for(request.user).above_district or scope_for(request.user).kind == "district":
        schools = School.objects.in_scope(request.user).only("pk", "name").order_by("code")
    return render(request, "training/queue.html", {
        "page": page, "records": page.object_list, "reject_form": RejectForm(), "schools": schools,
        "school_id": school_id,
    })


@login_required
@require_POST
def decide(request, pk: int):
    record = _record_in_scope(request, pk)
    action = request.POST.get("action")
    try:
        if action == "approve":
            services.credit_approve(record=record, user=request.user, request=request)
            messages.success(request, _("已通过：%(r)s") % {"r": record})
        elif action == "reject":
            services.credit_reject(record=record, user=request.user, request=request, reason=request.POST.get("reason", ""))
            messages.success(request, _("已退回：%(r)s") % {"r": record})
        else:
            messages.error(request, _("未知操作。"))
    except PermissionDenied:
        raise _not_theirs(request, record)
    except ValidationError as error:
        _refused(request, error, obj=record)
    return redirect(safe_next(request, "training:queue"))


# ---------------------------------------------------------------- catalogue
@login_required
def catalogue(request):
    """培训项目: published programmes of the city and the user's district; HR publishes, teachers enrol."""
    _require(permissions.can_browse_catalogue(request.user))
    user = request.user
    may_publish = permissions.can_publish(user, user.district_id) if user.district_id else permissions.can_publish(
        user, None)
    form = ProgrammeForm(user=user) if may_publish else None
    if request.method == "POST" and may_publish:
        form = ProgrammeForm(request.POST, user=user)
        if form.is_valid():
            try:
                services.programme_publish(user=user, request=request, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                _refused(request, error)
            else:
                messages.success(request, _("项目已发布。"))
                return redirect("training:catalogue")
    programmes = selectors.catalogue(user)
    teacher = user.teacher if user.teacher_id else None
    return render(request, "training/catalogue.html", {
        "programmes": programmes, "form": form, "enrolled": selectors.enrolled_programme_ids(teacher),
        "can_enrol": teacher is not None,
    })


@login_required
@require_POST
def enrol(request, pk: int):
    if not request.user.teacher_id:
        raise Http404
    programme = get_in_scope_or_404(request, Programme.objects.visible_to(request.user).filter(published=True), pk=pk)
    try:
        services.programme_enrol(programme=programme, teacher=request.user.teacher, user=request.user, request=request)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error, obj=programme)
    else:
        messages.success(request, _("已报名：%(p)s。培训结束后在“我的培训”中登记学时。") % {"p": programme})
    return redirect("training:catalogue")


# ---------------------------------------------------------------- reports
REPORT_SCHOOLS_PER_PAGE = 100


@login_required
def report(request):
    """培训达标: completion and on-track rates for the scope, per district and per school."""
    _require(permissions.can_read_reports(request.user))
    scope = scope_for(request.user)
    on = _on(request)
    report = selectors.completion_report(scope, on)
    context = {"total": report["total"], "rules": report["rules"], "on": on, "scope": scope}
    if scope.above_district:  # the province's or a city's office
        context["districts"] = report["districts"]
    if scope.above_district or scope.kind == "district":  # a page of schools: a province's city has thousands
        page = Paginator(report["schools"], REPORT_SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(schools=page.object_list, schools_page=page)
    return render(request, "training/report.html", context)


BEHIND_COLUMNS = [  # the download's columns (the page shows the same, masked, in its template)
    Column("区县", "school.district.name"),
    Column("学校", "school.name"),
    Column("姓名", "name"),
    Column("身份证件号", "id_number", mask=mask_id_number),  # exports never carry a full number (issue 7)
    Column("任教学段", "get_teaching_stage_display"),
    # hours are kept to 0.1; SQLite computes the differences in floating point (0.19999…)
    Column("已认定学时", lambda t: round(float(t.countable), 1)),
    Column("落后学时", lambda t: round(float(t.behind), 1)),
    Column("尚缺学时", lambda t: round(float(t.shortfall), 1)),
]


@login_required
def behind(request):
    """Teachers behind with their shortfall; ``?format=xlsx`` exports the whole list."""
    _require(permissions.can_read_reports(request.user))
    scope = scope_for(request.user)
    on = _on(request)
    school_id = request.GET.get("school")
    school_id = int(school_id) if _is_number(school_id) else None
    cr, teachers = selectors.teachers_behind(scope, on, school_id=school_id)
    if request.GET.get("format") == "xlsx":
        return _behind_xlsx(request, cr, teachers, on)
    known = selectors.behind_count(scope, on, school_id=school_id) if cr is not None else None
    page = Paginator(teachers if known is None else selectors.Counted(teachers, known), 100).get_page(
        request.GET.get("page"))
    for teacher in page.object_list:  # masked for everyone; reveal one with a reason (issue 7)
        teacher.shown_id = mask_id_number(teacher.id_number)
    return render(request, "training/behind.html", {"rules": cr, "page": page, "on": on, "school_id": school_id})


def _behind_xlsx(request, cr, teachers, on: dt.date) -> HttpResponse:
    title = f"{cr.cycle.name}：要求 {cr.required} 学时；截至 {on:%Y-%m-%d} 应达 {cr.threshold} 学时" if cr is not None else ""
    rows = teachers.count()
    return xlsx_response(request, f"培训落后教师_{on:%Y%m%d}.xlsx", BEHIND_COLUMNS, teachers.iterator(chunk_size=2000),
                         title=title, sheet="落后教师", object_type="workforce.teacher", object_repr=_("培训落后教师名单"),
                         message=_("导出培训落后教师名单 %(n)s 行（%(id)s）") % {"n": rows, "id": _("证件号已遮蔽")})
