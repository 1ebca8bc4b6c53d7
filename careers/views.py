"""Pages of careers (issue 16). Thin: parse, call one selector or service, render. Everything is
cut to the user's scope; a record outside it is 404 (and audited), a page the role may not use 403."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend import audit
from backend.downloads import xlsx_response
from core.identity import mask_id_number
from backend.rights import can
from core.capabilities import Capability
from core.spreadsheets import headers, page_rows
from backend.scoping import get_in_scope_or_404, scope_for
from workforce import choices as wc
from workforce.filters import PickFilter, TeacherSearchFilterSet
from workforce.forms import errors_of, record_number, year_param
from workforce.models import District, School, Teacher

from . import columns, permissions, rules, selectors, services
from .choices import AssessmentResult, Series
from .filters import AssessmentSheetFilter, PostStructureFilter
from .forms import AssessmentResultsForm, CandidateForm, DecideForm, RoundOpenForm
from .models import PromotionNomination, PromotionRound

PAGE_SIZE = 50


def _gate(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有权限访问此页面。"))


VETO_HIDDEN = "师德一票否决：该教师处于师德失范处理限制期内（详情仅限有师德档案权限的人员查看）。"


def _veto_hidden(text: str, user) -> str:
    """A veto's details (severity, dates) only for users who may see ethics records (as honours)."""
    if "师德一票否决" in text and not (user is not None and can(user, Capability.ETHICS_VIEW)):
        head, _sep, _rest = text.partition("师德一票否决")
        return head + _(VETO_HIDDEN)
    return text


def _shown(checks, user):
    return [rules.Check(c.code, c.name, c.passed, _veto_hidden(c.message, user) if c.code == "ethics" else c.message)
            for c in checks]


def _refused(request, exc, obj=None) -> None:
    texts = exc.messages if isinstance(exc, ValidationError) else [str(exc) or _("您没有权限执行此操作。")]
    for text in texts:
        messages.error(request, _veto_hidden(text, request.user))
    audit.record_refusal(request, "操作被拒绝：" + "；".join(_veto_hidden(t, None) for t in texts), obj=obj)


def _show_errors(request, form) -> None:
    """A form's errors, in Chinese, on the page the user is sent back to."""
    for text in errors_of(form):
        messages.error(request, text)


def _qs(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None) if value is None else params.__setitem__(key, value)
    return params.urlencode()


@login_required
def index(request):
    _gate(permissions.can_read(request.user))
    return redirect("careers:assessments")


# ---------------------------------------------------------------- 年度考核
@login_required
def assessments(request):
    _gate(permissions.can_read(request.user))
    scope = scope_for(request.user)
    year = year_param(request.GET, selectors.today().year - 1)
    can_write = services.may_assess(request.user)
    if request.method == "POST":
        _gate(can_write)
        form = AssessmentResultsForm(request.POST)
        if not form.is_valid():
            _show_errors(request, form)
            return redirect(request.get_full_path())
        ids = set(form.numbers.values())
        teachers = {t.pk: t for t in Teacher.objects.in_scope(request.user).filter(pk__in=ids).select_related("school")}
        if len(teachers) != len(ids):
            audit.record_refusal(request, "超出管理范围：登记年度考核", object_type="workforce.teacher")
            raise PermissionDenied(_("该教师不在您的管理范围内。"))
        rows = [(teachers[number], year, result) for number, result in form.results.items()]
        try:
            saved = services.assessment_record_many(rows=rows, user=request.user, request=request)
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("已保存 %(n)d 条年度考核结果。") % {"n": len(saved)})
        return redirect(request.get_full_path())
    sheet = AssessmentSheetFilter(request.GET or None, queryset=selectors.assessment_sheet(scope, year), scope=scope)
    if request.GET.get("format") == "xlsx":  # the rows the page lists, every page of them
        return xlsx_response(request, f"年度考核_{year}.xlsx", columns.ASSESSMENT_SHEET, sheet.qs.iterator(chunk_size=2000),
                             title=f"{year} 年度考核", sheet="年度考核", object_type="careers.assessment")
    page = Paginator(sheet.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "careers/assessments.html", {
        "year": year, "years": list(range(selectors.today().year, selectors.today().year - 6, -1)),
        "filter": sheet, "page": page, "page_qs": _qs(request, page=None), "can_write": can_write,
        "columns": headers(columns.ASSESSMENT_SHEET[:-1]), "rows": page_rows(columns.ASSESSMENT_SHEET[:-1], page),
        "results": AssessmentResult.choices, "summary": selectors.excellent_summary(scope, year),
        "share": selectors.excellent_share(year),
    })


# ---------------------------------------------------------------- 职称评审
@login_required
def rounds(request):
    _gate(permissions.can_read(request.user))
    can_open = services.may_open_round(request.user)
    if request.method == "POST":
        _gate(can_open)
        form = RoundOpenForm(request.POST)
        if not form.is_valid():
            _show_errors(request, form)
            return redirect("careers:rounds")
        try:
            rnd = services.round_open(
                year=form.cleaned_data["year"] or selectors.today().year, series=form.cleaned_data["series"],
                levels=form.cleaned_data["levels"], user=request.user, request=request,
            )
        except ValidationError as exc:
            _refused(request, exc)
            return redirect("careers:rounds")
        messages.success(request, _("已发起 %(r)s 职称评审。") % {"r": rnd})
        return redirect("careers:round", pk=rnd.pk)
    return render(request, "careers/rounds.html", {
        "rounds": PromotionRound.objects.all(), "can_open": can_open, "series": Series.choices,
        "titles": wc.Title.choices, "this_year": selectors.today().year,
    })


def _with_checks(rnd, teachers_and_targets, user):
    teachers = [t for t, _target in teachers_and_targets]
    checks = selectors.eligibility(rnd, teachers, {t.pk: target for t, target in teachers_and_targets})
    for t in teachers:
        t.checks = _shown(checks.get(t.pk, []), user)
        t.failed = rules.failed(t.checks)


@login_required
def round_detail(request, pk: int):
    _gate(permissions.can_read(request.user))
    rnd = get_object_or_404(PromotionRound, pk=pk)
    scope = scope_for(request.user)
    found = TeacherSearchFilterSet(request.GET, queryset=selectors.round_nominations(rnd, scope), user=request.user)
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    open_rows = [n for n in rows if n.status in (PromotionNomination.Status.SUBMITTED,
                                                 PromotionNomination.Status.DISTRICT_APPROVED)]
    checks = selectors.eligibility(rnd, [n.teacher for n in open_rows], {n.teacher_id: n.title for n in open_rows})
    user = request.user
    for n in rows:
        n.checks = _shown(checks.get(n.teacher_id, []), user)
        n.failed = rules.failed(n.checks)
        own = n.nominated_by_id == user.pk
        n.can_review = not own and n.status != PromotionNomination.Status.APPROVED and (
            (n.status == PromotionNomination.Status.SUBMITTED and services.may_review_district(user))
            or (n.status == PromotionNomination.Status.DISTRICT_APPROVED and services.may_review_city(user)))
        n.own = own
    return render(request, "careers/round.html", {
        "round": rnd, "nominations": rows, "can_nominate": services.may_nominate(user) and rnd.status == "open",
        "page": page, "page_qs": _qs(request, page=None), "q": request.GET.get("q", ""),
        "can_close": services.may_open_round(user) and rnd.status == "open",
    })


@login_required
def round_candidates(request, pk: int):
    _gate(services.may_nominate(request.user))
    rnd = get_object_or_404(PromotionRound, pk=pk)
    scope = scope_for(request.user)
    if request.method == "POST":
        if request.POST.get("close"):
            try:
                services.round_close(rnd=rnd, user=request.user, request=request)
            except PermissionDenied as exc:
                _refused(request, exc)
            return redirect("careers:round", pk=rnd.pk)
        form = CandidateForm(request.POST, user=request.user)
        if not form.is_valid():
            if "teacher" in form.errors:  # a teacher outside the scope (or none): 404, the refusal recorded
                get_in_scope_or_404(request, Teacher.objects.in_scope(request.user),
                                    pk=record_number(request.POST.get("teacher")))
            _show_errors(request, form)
            return redirect(request.get_full_path())
        teacher = form.cleaned_data["teacher"]
        try:
            row = services.nominate(rnd=rnd, teacher=teacher, user=request.user, request=request,
                                    title=form.cleaned_data["title"] or None)
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, exc, teacher)
        else:
            messages.success(request, _("已推荐 %(name)s 申报%(title)s。") % {"name": teacher.name,
                                                                      "title": row.get_title_display()})
        return redirect(request.get_full_path())
    found = PickFilter(request.GET, queryset=selectors.round_candidates(rnd, scope), user=request.user)
    qs = found.qs
    if found.refused:
        messages.warning(request, _("请按姓名、学校或身份证件号后4位查找：没有查看身份证件号权限的人员不能按完整号码或号码开头查找。"))
        audit.record_refusal(request, f"按身份证件号查找教师：无查看身份证件号权限（{mask_id_number(request.GET.get('q', '').strip())}）",
                             object_type="workforce.teacher")
    text = request.GET.get("q", "").strip()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    teachers = list(page)
    on = rnd.reference_date
    titles = selectors.current_titles([t.pk for t in teachers], on)
    reqs = selectors.requirements(rnd.series)
    for t in teachers:
        current = titles.get(t.pk)
        t.current_title = current[0] if current else None
        t.target = next((lv for lv in rnd.levels if reqs.get(lv, (None,))[0] == t.current_title), None)
    _with_checks(rnd, [(t, t.target) for t in teachers], request.user)
    labels = dict(wc.Title.choices)
    for t in teachers:
        t.current_label = labels.get(t.current_title, _("无职称记录"))
        t.target_label = labels.get(t.target, "—")
    return render(request, "careers/candidates.html", {
        "round": rnd, "page": page, "teachers": teachers, "page_qs": _qs(request, page=None), "q": text,
    })


@login_required
@require_POST
def decide(request, pk: int):
    _gate(services.may_review_district(request.user))
    row = get_in_scope_or_404(request, PromotionNomination.objects.in_scope(request.user).select_related("teacher"), pk=pk)
    form = DecideForm(request.POST)
    form.is_valid()
    try:
        if form.cleaned_data.get("decision") == DecideForm.RETURN:
            services.nomination_return(nomination=row, reason=form.cleaned_data.get("reason", ""), user=request.user,
                                       request=request)
            messages.success(request, _("已退回 %(name)s 的申报。") % {"name": row.teacher.name})
        else:
            done = services.nomination_approve(nomination=row, user=request.user, request=request)
            messages.success(request, _("%(name)s：%(status)s。") % {"name": row.teacher.name,
                                                                   "status": done.get_status_display()})
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, exc, row)
    return redirect("careers:round", pk=row.round_id)


# ---------------------------------------------------------------- 岗位结构
@login_required
def posts(request):
    _gate(permissions.can_read(request.user))
    scope = scope_for(request.user)
    on = selectors.today()
    schools = School.objects.for_scope(scope).select_related("district").order_by("district__order", "code")
    chosen = PostStructureFilter(request.GET or None, queryset=schools, scope=scope)
    page = Paginator(chosen.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    everyone = selectors.post_rows(scope, on)
    for school in page:
        school.row = everyone.get(school.pk)
    district_of = dict(schools.values_list("pk", "district_id"))
    districts = []
    for district in District.objects.filter(pk__in=set(district_of.values())):
        row = rules.sum_rows(r for pk, r in everyone.items() if district_of.get(pk) == district.pk)
        districts.append((district, row))
    return render(request, "careers/posts.html", {
        "filter": chosen, "page": page, "page_qs": _qs(request, page=None), "districts": districts,
        "total": rules.sum_rows(everyone.values()), "scope": scope, "on": on,
    })
