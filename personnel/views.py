"""Personnel pages: thin — parse input (forms, FilterSets), call one selector or service, render.
Records are fetched through querysets cut to the user's scope: another school's record is a
404 (recorded), never a 403 that confirms it exists."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend import audit
from backend.downloads import xlsx_response
from backend.redirects import safe_next
from core.roles import can_see_identity
from backend.scoping import get_in_scope_or_404
from training.evidence import evidence_response
from workforce.models import School, Teacher

from . import annual as annual_services
from . import events as ev
from . import national, permissions as perm, selectors, services
from .filters import AnnualSchoolFilter, ChangeRequestFilter, EventFilter, TeacherFilter
from .forms import (CancelForm, DecisionForm, EducationProposalForm, EventForm, ExportForm, FieldProposalForm,
                    HonourProposalForm, PeriodForm, ReturnForm, TeacherEditForm, TitleProposalForm)
from .models import ChangeRequest, DistrictReport, ImportBatch, PersonnelEvent, ReportingPeriod, SchoolReport

PER_PAGE = 50


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("没有权限访问该页面。"))


def _text(error) -> str:
    return "；".join(error.messages) if isinstance(error, ValidationError) else (str(error) or _("没有权限。"))


def _refused(request, error, obj=None) -> None:
    text = _text(error)
    messages.error(request, text)
    audit.record_refusal(request, f"操作被拒绝：{text}", obj=obj)


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _page(request, qs):
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


# ---------------------------------------------------------------- the teacher's own record
PROPOSAL_FORMS = {"field": FieldProposalForm, "education": EducationProposalForm, "title": TitleProposalForm,
                  "honour": HonourProposalForm}


@login_required
def mine(request):
    """我的档案: the full record (own ID unmasked to themself), the completeness meter, the
    proposals with their outcome, and forms to propose corrections and additions."""
    if not perm.has_own_record(request.user):
        raise Http404(_("您的账号未关联教师档案。"))
    teacher = Teacher.objects.select_related("school__district").get(pk=request.user.teacher_id)
    forms = {key: cls(prefix=key) for key, cls in PROPOSAL_FORMS.items()}
    which = request.POST.get("which") if request.method == "POST" else None
    # their own full ID: shown when they ask (a POST: no page that is merely opened or linked holds
    # a full number), and the reveal is in the audit trail like anyone's
    show_id = which == "reveal"
    if show_id:
        audit.record(audit.REVEAL, request=request, obj=teacher, message="教师查看本人完整身份证件号")
    if which in PROPOSAL_FORMS:
        form = PROPOSAL_FORMS[which](request.POST, request.FILES, prefix=which)
        forms[which] = form
        if form.is_valid():
            try:
                _propose(request, teacher, which, form)
            except (ValidationError, PermissionDenied) as error:
                if isinstance(error, PermissionDenied):
                    raise
                _apply_errors(form, error)
            else:
                messages.success(request, _("已提交，等待学校报送、区县审核。"))
                return redirect("personnel:mine")
    context = {"teacher": teacher, "forms": forms, "open_form": which, "show_id": show_id,
               "requests": ChangeRequest.objects.filter(teacher=teacher).select_related("reviewer")[:50],
               **selectors.teacher_record(teacher)}
    return render(request, "personnel/mine.html", context)


def _propose(request, teacher, which, form):
    data = form.cleaned_data
    common = {"teacher": teacher, "user": request.user, "request": request, "reason": data.get("reason", ""),
              "evidence": data.get("evidence")}
    if which == "field":
        return services.field_change_request(field=data["field"], value=data["parsed"], **common)
    return services.record_add_request(kind=which, values=form.values(), **common)


# ---------------------------------------------------------------- change requests
@login_required
def requests(request):
    """变更审核: the requests in scope, searchable and filtered, paginated; the ones the user
    can act on first."""
    _require(perm.can_see_requests(request.user))
    qs = selectors.requests_for(request.user)
    filterset = ChangeRequestFilter(request.GET or None, queryset=qs, user=request.user)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else qs
    if filterset.refused:
        audit.record_refusal(request, "按身份证件号片段搜索被拒绝（无完整证件号权限）", object_type="workforce.teacher")
    page, page_qs = _page(request, rows.order_by("-created_at", "-pk"))
    for cr in page.object_list:
        cr.can_forward = cr.status == ChangeRequest.Status.AT_SCHOOL and perm.may_forward(request.user, cr)
        cr.can_review = cr.status == ChangeRequest.Status.PENDING and perm.may_review(request.user, cr)
    return render(request, "personnel/requests.html", {
        "filter": filterset, "page": page, "page_qs": page_qs, "return_form": ReturnForm(),
        "counts": selectors.open_counts(request.user),
    })


def _request_in_scope(request, pk):
    return get_in_scope_or_404(request, selectors.requests_for(request.user), pk=pk)


@login_required
def request_detail(request, pk: int):
    cr = _request_in_scope(request, pk)
    _require(perm.can_see_requests(request.user) or request.user.teacher_id == cr.teacher_id)
    return render(request, "personnel/request.html", {
        "cr": cr, "return_form": ReturnForm(),
        "can_forward": cr.status == ChangeRequest.Status.AT_SCHOOL and perm.may_forward(request.user, cr),
        "can_review": cr.status == ChangeRequest.Status.PENDING and perm.may_review(request.user, cr),
    })


@login_required
@require_POST
def request_decide(request, pk: int):
    cr = _request_in_scope(request, pk)
    form = DecisionForm(request.POST, actions=("forward", "approve", "return"))
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect(safe_next(request, "personnel:requests"))
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    try:
        if action == "forward":
            services.request_forward(change_request=cr, user=request.user, request=request)
            messages.success(request, _("已报送：%(r)s") % {"r": cr.shown_label})
        elif action == "approve":
            services.request_approve(change_request=cr, user=request.user, request=request)
            messages.success(request, _("已通过并写入档案：%(r)s") % {"r": cr.shown_label})
        elif action == "return":
            services.request_return(change_request=cr, reason=reason, user=request.user, request=request)
            messages.success(request, _("已退回：%(r)s") % {"r": cr.shown_label})
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error, obj=cr)
    return redirect(safe_next(request, "personnel:requests"))


@login_required
def request_evidence(request, pk: int):
    """The evidence file: to the teacher themself and HR in scope; never a public address."""
    cr = get_in_scope_or_404(request, ChangeRequest.objects.for_scope(request.user.scope), pk=pk)
    if request.user.teacher_id != cr.teacher_id and not perm.can_see_requests(request.user):
        audit.record_refusal(request, "无权查看该证明材料（答复 404）", obj=cr)
        raise Http404
    if not cr.evidence:
        raise Http404
    return evidence_response(cr.evidence, cr.evidence_name)


# ---------------------------------------------------------------- teachers (HR)
@login_required
def teachers(request):
    """教师档案: find a teacher (name, school, last 4 of the ID) to edit or record a move for."""
    _require(perm.can_see_requests(request.user))
    qs = Teacher.objects.in_scope(request.user).select_related("school__district")
    filterset = TeacherFilter(request.GET or None, queryset=qs, user=request.user)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else qs
    if filterset.refused:
        audit.record_refusal(request, "按身份证件号片段搜索被拒绝（无完整证件号权限）", object_type="workforce.teacher")
    page, page_qs = _page(request, rows.order_by("school__code", "name", "pk"))
    return render(request, "personnel/teachers.html", {"filter": filterset, "page": page, "page_qs": page_qs})


@login_required
def teacher_edit(request, pk: int):
    """HR edits a record: reviewed fields become requests for school HR (``services.teacher_edit``)."""
    _require(perm.can_see_requests(request.user))
    teacher = get_in_scope_or_404(request, Teacher.objects.in_scope(request.user).select_related("school__district"),
                                  pk=pk)
    form = TeacherEditForm(instance=teacher)
    if request.method == "POST":
        form = TeacherEditForm(request.POST, request.FILES, instance=Teacher.objects.get(pk=teacher.pk))
        if form.is_valid():
            try:
                applied, made = services.teacher_edit(teacher=teacher, changes=form.changes(), user=request.user,
                                                      reason=form.cleaned_data.get("reason", ""),
                                                      evidence=form.cleaned_data.get("evidence"), request=request)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                if not applied and not made:
                    messages.info(request, _("没有修改。"))
                if applied:
                    messages.success(request, _("已修改 %(n)s 项。") % {"n": len(applied)})
                if made:
                    messages.success(request, _("%(n)s 项需审核，已提交变更申请。") % {"n": len(made)})
                return redirect("personnel:teacher_edit", pk=teacher.pk)
    rules = dict(services.ReviewRule.table())
    return render(request, "personnel/teacher_edit.html", {
        "teacher": teacher, "form": form, "direct": perm.edits_directly(request.user),
        "reviewed": {name for name in form.fields if rules.get(name, True)},
        "open_requests": ChangeRequest.objects.open().filter(teacher=teacher),
    })


# ---------------------------------------------------------------- personnel events
@login_required
def events(request):
    """人事变动: the events in scope (either side), searchable, filtered, paginated."""
    _require(perm.can_see_events(request.user))
    qs = selectors.events_for(request.user)
    filterset = EventFilter(request.GET or None, queryset=qs, user=request.user)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else qs
    page, page_qs = _page(request, rows.order_by("-effective_on", "-pk"))
    for event in page.object_list:
        event.can_confirm = event.status == PersonnelEvent.Status.PENDING and bool(
            perm.confirmable_sides(request.user, event))
        event.can_cancel = event.status in (PersonnelEvent.Status.PENDING, PersonnelEvent.Status.CONFIRMED)
    return render(request, "personnel/events.html", {"filter": filterset, "page": page, "page_qs": page_qs,
                                                     "cancel_form": CancelForm()})


@login_required
def event_new(request, teacher_id: int):
    _require(perm.can_see_events(request.user))
    teacher = get_in_scope_or_404(request, Teacher.objects.in_scope(request.user).select_related("school__district"),
                                  pk=teacher_id)
    form = EventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = ev.event_record(teacher=teacher, kind=data["kind"], effective_on=data["effective_on"],
                                    to_school=data.get("to_school"), left_reason=data.get("left_reason") or "",
                                    teaching_stage=data.get("teaching_stage") or "", note=data.get("note") or "",
                                    user=request.user, request=request)
        except ValidationError as error:
            _apply_errors(form, error)
        except PermissionDenied as error:
            _refused(request, error, obj=teacher)
        else:
            messages.success(request, _("已登记：%(e)s（%(s)s）") % {"e": event, "s": event.get_status_display()})
            return redirect("personnel:events")
    return render(request, "personnel/event_new.html", {"teacher": teacher, "form": form})


@login_required
@require_POST
def event_decide(request, pk: int):
    event = get_in_scope_or_404(request, selectors.events_for(request.user), pk=pk)
    form = DecisionForm(request.POST, actions=("confirm", "cancel"))
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect(safe_next(request, "personnel:events"))
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    try:
        if action == "confirm":
            ev.event_confirm(event=event, user=request.user, request=request)
            messages.success(request, _("已确认：%(e)s") % {"e": event})
        elif action == "cancel":
            ev.event_cancel(event=event, user=request.user, reason=reason, request=request)
            messages.success(request, _("已撤销：%(e)s") % {"e": event})
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error, obj=event)
    return redirect(safe_next(request, "personnel:events"))


# ---------------------------------------------------------------- national template
@login_required
def export(request):
    """全国系统报送: the national template for a school, a district or the city (in scope)."""
    _require(perm.can_export(request.user))
    form = ExportForm(request.GET or None, user=request.user)
    if request.GET.get("format") == "xlsx" and form.is_valid():
        school = form.cleaned_data.get("school")
        district = form.cleaned_data.get("district")
        teachers = Teacher.objects.in_scope(request.user)
        scope = request.user.scope
        name = (_("全省") if scope.kind == "province" else _("全市") if scope.covers_all
                else str(request.user.city or "") if scope.kind == "city" else "")
        if district is not None:
            teachers, name = teachers.filter(school__district=district), district.name
        if school is not None:
            teachers, name = teachers.filter(school=school), school.name
        name = name or (request.user.school or request.user.district or "")
        full = can_see_identity(request.user)
        content, rows = national.workbook(teachers, full_identity=full)
        stamp = timezone.localdate().strftime("%Y%m%d")
        return xlsx_response(
            request, f"全国系统模板_{name}_{stamp}.xlsx", content=content, count=rows, object_type="workforce.teacher",
            object_repr=f"全国系统模板：{name}"[:200],
            message=f"导出全国教师管理信息系统模板（{name}）{rows} 名教师（{'完整证件号' if full else '证件号已遮蔽'}）")
    return render(request, "personnel/export.html", {"form": form, "full": can_see_identity(request.user)})


# ---------------------------------------------------------------- the annual check and report
@login_required
def annual(request):
    """年度报送: the periods; city HR opens one."""
    _require(perm.can_see_requests(request.user))
    form = PeriodForm(request.POST or None, initial={"school_year": timezone.localdate().year
                                                     if timezone.localdate().month >= 9 else timezone.localdate().year - 1})
    if request.method == "POST":
        _require(perm.is_city(request.user))
        if form.is_valid():
            try:
                period = annual_services.period_open(user=request.user, request=request, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("已发起：%(p)s") % {"p": period})
                return redirect("personnel:annual_period", pk=period.pk)
    return render(request, "personnel/annual.html", {
        "periods": ReportingPeriod.objects.all(), "form": form if perm.is_city(request.user) else None})


@login_required
def annual_period(request, pk: int):
    """One period: a school's own check and submission; a district's schools to review and its
    submission; the city's districts and schools — who has submitted, the problems left."""
    _require(perm.can_see_requests(request.user))
    period = get_in_scope_or_404(request, ReportingPeriod.objects.all(), pk=pk)
    scope = request.user.scope
    schools = School.objects.for_scope(scope).filter(is_active=True)
    context = {"period": period, "scope": scope}
    if scope.kind == "school":
        school = schools.get(pk=scope.school_id)
        check = annual_services.school_checks(School.objects.filter(pk=school.pk), period)[school.pk]
        context.update(school=school, check=check,
                       report=SchoolReport.objects.filter(period=period, school=school).first(),
                       duplicates=annual_services.duplicate_teachers([school], timezone.localdate())[:50])
        return render(request, "personnel/annual_school.html", context)
    reports = {r.school_id: r for r in SchoolReport.objects.filter(period=period, school__in=schools)
               .select_related("submitted_by", "reviewed_by")}
    checks = annual_services.school_checks(schools, period)
    filterset = AnnualSchoolFilter(request.GET or None, queryset=schools, user=request.user, period=period)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else schools
    page, page_qs = _page(request, rows.select_related("district").order_by("district__order", "code"))
    for school in page.object_list:
        school.check = checks.get(school.pk)
        school.report = reports.get(school.pk)
        school.can_review = bool(school.report and school.report.status == SchoolReport.Status.SUBMITTED
                                 and perm.reviews_school(request.user, school))
    districts = annual_services.summary(checks, reports)
    submitted = {r.district_id: r for r in DistrictReport.objects.filter(period=period).select_related("submitted_by")}
    for pk_, row in districts.items():
        row["report"] = submitted.get(pk_)
    context.update(filter=filterset, page=page, page_qs=page_qs, districts=sorted(
        districts.values(), key=lambda r: (r["district"].order, r["district"].code)),
        can_submit_district=scope.kind == "district" and scope.district_id not in submitted,
        return_form=ReturnForm())
    return render(request, "personnel/annual_scope.html", context)


@login_required
@require_POST
def annual_action(request, pk: int, action: str):
    _require(perm.can_see_requests(request.user))
    period = get_in_scope_or_404(request, ReportingPeriod.objects.all(), pk=pk)
    try:
        if action == "school":
            school = get_in_scope_or_404(request, School.objects.in_scope(request.user), pk=request.POST.get("school"))
            annual_services.school_submit(period=period, school=school, user=request.user, request=request)
            messages.success(request, _("已报送。"))
        elif action in ("approve", "return"):
            report = get_in_scope_or_404(request, SchoolReport.objects.in_scope(request.user).filter(period=period),
                                         pk=request.POST.get("report"))
            annual_services.school_review(report=report, approve=action == "approve", user=request.user,
                                          reason=request.POST.get("reason", ""), request=request)
            messages.success(request, _("已审核。") if action == "approve" else _("已退回。"))
        elif action == "district":
            annual_services.district_submit(period=period, district=request.user.district, user=request.user,
                                            request=request)
            messages.success(request, _("已向市教育局报送。"))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    return redirect(safe_next(request, reverse("personnel:annual_period", args=[period.pk])))


# ---------------------------------------------------------------- school HR's imports under review
@login_required
def batches(request):
    """批量导入审核: the batches in scope, newest first, by status; paginated."""
    from . import batches as batch_services

    _require(perm.can_see_requests(request.user))
    qs = batch_services.batches_for(request.user)
    status = request.GET.get("status", "")
    if status in ImportBatch.Status.values:
        qs = qs.filter(status=status)
    page, page_qs = _page(request, qs.order_by("-created_at", "-pk"))
    return render(request, "personnel/batches.html", {"page": page, "page_qs": page_qs, "status": status,
                                                      "statuses": ImportBatch.Status.choices})


@login_required
def batch(request, pk: int):
    """One batch: its counts and rows; the reviewer approves the whole batch or returns it."""
    from . import batches as batch_services

    _require(perm.can_see_requests(request.user))
    item = get_in_scope_or_404(request, batch_services.batches_for(request.user), pk=pk)
    if request.method == "POST":
        form = DecisionForm(request.POST, actions=("approve", "return"))
        if not form.is_valid():
            messages.error(request, form.error_text())
            return redirect("personnel:batch", pk=item.pk)
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        try:
            if action == "approve":
                batch_services.batch_approve(batch=item, user=request.user, request=request)
                messages.success(request, _("已通过，整批写入：%(b)s") % {"b": item.file_name})
            elif action == "return":
                batch_services.batch_return(batch=item, reason=reason, user=request.user, request=request)
                messages.success(request, _("已退回：%(b)s") % {"b": item.file_name})
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error, obj=item)
        return redirect("personnel:batch", pk=item.pk)
    rows = Paginator(item.rows.all(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "personnel/batch.html", {
        "batch": item, "rows": rows, "page": rows, "page_qs": "",
        "can_decide": item.status == ImportBatch.Status.PENDING and perm.reviews_school(request.user, item.school)
        and item.requester_id != request.user.pk,
    })
