"""Pages of the workflows (issue 6): rotation, honours and ethics, staffing quotas.

Thin: a form parses what was posted (``forms``: the errors in Chinese on the page), a FilterSet
narrows a list (``filters``: the same rows on the page and in its download), one selector
(``rotation``, ``honours``, ``quota``) or one service (``services``) does the work, and a list's
columns are declared once (``columns``) for its table and its ``?format=xlsx`` download
(``backend.downloads.xlsx_response``: the formula guard, the Chinese file name and the audit row).
Everything is cut to the user's scope; objects outside it are 404, actions a role may not take 403.
"""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend import audit
from backend.downloads import xlsx_response
from backend.redirects import safe_next
from backend.rights import can
from backend.scoping import Scope, get_in_scope_or_404, scope_for
from core.i18n import data_language
from core.identity import mask_id_number
from core.capabilities import Capability as C
from core.spreadsheets import Table, headers, page_rows

from . import choices as c
from . import columns as cols
from . import measures as ms
from . import honours, quota, record_hooks, rotation, selectors, services
from .filters import (
    AwardFilter, CandidateFilter, ConflictFilter, EligibleFilter, EthicsCaseFilter, ExchangeFilter, PickFilter,
    QuotaSchoolFilter, SchoolLineFilter,
)
from .forms import (
    AwardActionForm, AwardForm, EthicsCaseForm, ExchangeEndForm, ExchangeForm, NominateForm, ProposalDecideForm,
    QuotaAllocateForm, date_param, errors_of, record_number, year_param,
)
from .models import (
    Award, City, District, EthicsCase, EthicsSeverity, Exchange, ExchangeType, HonourType, Nomination, QuotaPool,
    QuotaProposal, School, Teacher, rotation_day, school_year_label,
)

PAGE_SIZE = 100
PICK_PAGE_SIZE = 20  # the award form's list of teachers to pick from
CHUNK = 2000  # rows read at a time for a download


# ---------------------------------------------------------------- helpers
def _may_read(user) -> bool:
    """``workflows.view`` (HR and leadership, not teachers) and a scope to read."""
    return can(user, C.WORKFLOWS_VIEW) and scope_for(user).kind != "none"


def _may_see_ethics(user) -> bool:
    """``ethics.view``: the role's right and the account's (DOMAIN.md)."""
    return can(user, C.ETHICS_VIEW)


def _gate(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有权限访问此页面。"))


def _wants_xlsx(request) -> bool:
    return request.GET.get("format") == "xlsx"


def _selected_scope(request) -> tuple[Scope, District | None, list[District]]:
    """The user's scope, narrowed to ``?district=`` for city-wide users (a city's or the province's
    office chooses among the districts of its scope)."""
    scope = scope_for(request.user)
    if scope.above_district:
        districts = list(District.objects.for_scope(scope))
        chosen = next((d for d in districts if str(d.pk) == request.GET.get("district", "")), None)
        if chosen is not None:
            return Scope("district", district_id=chosen.pk), chosen, districts
        return scope, None, districts
    district = District.objects.filter(pk=scope.district_id).first() if scope.district_id else None
    return scope, district, []


def _scope_label(scope: Scope, district) -> str:
    if scope.kind == "province":
        return _("全省")
    if scope.kind == "city":
        return str(City.objects.filter(pk=scope.city_id).first() or "") if scope.city_id else _("全市")
    if scope.kind == "district" and district is not None:
        return district.name
    if scope.kind == "school":
        return str(School.objects.filter(pk=scope.school_id).first() or "")
    return ""


def _query_string(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


def _page(request, qs, size: int | None = None, key: str = "page"):
    return Paginator(qs, size or PAGE_SIZE).get_page(request.GET.get(key))


def _listed(request, columns, page) -> dict:
    """What a list's table needs: its columns' headers and each row of the page with its cells
    (the same values its download writes)."""
    return {"columns": headers(columns), "rows": page_rows(columns, page)}


def _error_text(exc: ValidationError, user) -> list[str]:
    """Messages of a refusal; veto details only for users who may see ethics records."""
    out = []
    for message in exc.messages:
        if message.startswith("师德一票否决") and (user is None or not _may_see_ethics(user)):
            message = _("师德一票否决：该教师处于师德失范处理限制期内，不得办理此项（详情仅限有师德档案权限的人员查看）。")
        out.append(message)
    return out


def _refused(request, exc: ValidationError, obj=None, *, show: bool = True) -> list[str]:
    """A service said no (issue 12): its messages (``_error_text``) on the page — as messages
    unless ``show`` is False (the page lists them itself) — and one refusal in the audit trail.
    The trail never holds a veto's details (the generic sentence is recorded for everyone)."""
    texts = _error_text(exc, request.user)
    if show:
        for text in texts:
            messages.error(request, text)
    recorded = "；".join(_error_text(exc, None))
    audit.record_refusal(request, f"操作被拒绝：{recorded}", obj=obj)
    return texts


def _searched(request, found, text: str | None = None):
    """After a FilterSet searched teachers (``teacher_search``): an ID fragment the user may not
    search by finds nobody; the page says so and the trail records it."""
    if found.refused:
        text = request.GET.get(f"{found.form_prefix}-q" if found.form_prefix else "q", "") if text is None else text
        messages.warning(request, _("请按姓名、学校或身份证件号后4位查找：没有查看身份证件号权限的人员不能按完整号码或号码开头查找。"))
        audit.record_refusal(request, f"按身份证件号查找教师：无查看身份证件号权限（{mask_id_number(text.strip())}）",
                             object_type="workforce.teacher")
    return found


def _picker(request, people):
    """The teachers a form picks from: searched (``?q=``) and paginated (``?page=`` or ``?tpage=``)."""
    found = PickFilter(request.GET, queryset=people, user=request.user)
    qs = found.qs
    _searched(request, found)
    return qs


def _picked_teacher(request):
    """The teacher a form names by record number (posted, or picked by a link), in the user's scope, or None."""
    number = record_number(request.POST.get("teacher") or request.GET.get("teacher"))
    return Teacher.objects.in_scope(request.user).select_related("school").filter(pk=number).first() if number else None


def _id_display(teacher) -> str:
    """Masked for everyone on pages and exports (issue 7); revealing one is /accounts/reveal/, with a reason."""
    return teacher.masked_id_number


# ================================================================ rotation
def _rotation_context(request):
    _gate(_may_read(request.user))
    scope, district, districts = _selected_scope(request)
    year = year_param(request.GET, rotation.default_year())
    return {
        "scope": scope, "district": district, "districts": districts, "year": year,
        "year_label": school_year_label(year), "scope_label": _scope_label(scope, district),
        "prev_qs": _query_string(request, year=year - 1, page=None),
        "next_qs": _query_string(request, year=year + 1, page=None),
        "qs": _query_string(request, page=None), "can_write": services.may_record_rotation(request.user),
        "day": rotation_day(year), "years": list(range(year - 4, year + 3)),
    }


@login_required
def rotation_plan(request):
    ctx = _rotation_context(request)
    counts = rotation.school_counts(ctx["scope"], ctx["year"])  # the figures and the rows per school, from one count
    figures = rotation.rotation_figures(ctx["scope"], ctx["year"], counts=counts)
    chosen = SchoolLineFilter(request.GET, queryset=School.objects.for_scope(ctx["scope"]))
    ctx.update(
        figures=figures, plan=figures.plan, explain=figures.plan.explain(),
        ratio=ms.percent(figures.plan.ratio), ratio_all=ms.percent(figures.rotated / figures.all if figures.all else None),
        backbone_share=ms.percent(figures.plan.backbone_share),
        waiting=[(c.Location(loc).label, v["count"], v["backbone"]) for loc, v in figures.eligible_waiting.items()],
        schools=rotation.per_school(ctx["scope"], ctx["year"], counts=counts,
                                    schools=chosen.qs if chosen.is_bound and chosen.form.is_valid() else None),
    )
    if _wants_xlsx(request):
        plan = figures.plan
        pairs = [
            ["应交流教师（在编，9月1日在本校满%d年）" % figures.min_years, figures.eligible],
            ["已交流（本学年开始的计入类型交流）", figures.rotated],
            ["交流比例（已交流 ÷ 应交流）", ctx["ratio"]],
            ["交流比例（已交流 ÷ 全部义务教育专任教师）", ctx["ratio_all"]],
            ["目标（%）", str(plan.target_pct)], ["须交流合计", plan.required], ["还须交流", plan.more],
            ["已交流骨干", figures.rotated_backbone], ["骨干最低占比（%）", str(plan.backbone_pct)],
            ["新增交流中须为骨干", plan.backbone_more],
        ] + [[f"方向：{label}", n] for label, n in figures.directions] + [[line, ""] for line in ctx["explain"]]
        title = f"{ctx['scope_label']} {ctx['year_label']} 学年交流轮岗计划"
        return xlsx_response(request, f"交流轮岗计划_{ctx['year_label']}.xlsx", cols.PAIRS, pairs, title=title,
                             sheet="计划", more=[Table("各校", cols.ROTATION_SCHOOLS, ctx["schools"], title)])
    page = _page(request, ctx["schools"])
    ctx.update(filter=chosen, page=page, **_listed(request, cols.ROTATION_SCHOOLS, page),
               page_qs=_query_string(request, page=None))
    return render(request, "workforce/rotation/plan.html", ctx)


def _eligible_qs(ctx):
    qs = rotation.annotate_rotation(rotation.eligible_queryset(ctx["scope"], ctx["year"]), ctx["year"])
    # 城区→乡村 first: urban schools' teachers first, 骨干 first within a school
    loc_order = {c.Location.URBAN: 0, c.Location.TOWN: 1, c.Location.RURAL: 2}
    qs = qs.annotate(loc_rank=Case(*[When(school__location=k, then=Value(v)) for k, v in loc_order.items()],
                                   default=Value(3), output_field=IntegerField()))
    return qs.select_related("school").order_by("loc_rank", "school__code", "-is_backbone", "school_entry", "name")


@login_required
def rotation_eligible(request):
    ctx = _rotation_context(request)
    chosen = EligibleFilter(request.GET, queryset=_eligible_qs(ctx), user=request.user)
    qs = chosen.qs
    _searched(request, chosen)
    if _wants_xlsx(request):
        title = f"{ctx['scope_label']} {ctx['year_label']} 学年应交流教师名单"
        return xlsx_response(request, f"应交流教师_{ctx['year_label']}.xlsx", cols.ELIGIBLE, qs.iterator(chunk_size=CHUNK),
                             title=title, sheet="应交流教师")
    page = _page(request, qs)
    ctx.update(
        page=page, **_listed(request, cols.ELIGIBLE, page), filter=chosen,
        state=chosen.form.cleaned_data.get("state") or EligibleFilter.WAITING, exchange_types=ExchangeType.objects.all(),
        target_schools=School.objects.filter(is_active=True).of_own_city(scope_for(request.user))
        .select_related("district").order_by("district__order", "location", "code") if ctx["can_write"] else [],
        page_qs=_query_string(request, page=None), state_qs=_query_string(request, page=None, state=None),
    )
    return render(request, "workforce/rotation/eligible.html", ctx)


@login_required
@require_POST
def rotation_record_bulk(request):
    _gate(services.may_record_rotation(request.user))
    ids = {record_number(i) for i in request.POST.getlist("teacher")} - {0}
    teachers = list(Teacher.objects.in_scope(request.user).filter(pk__in=ids))
    if len(teachers) != len(ids):
        raise PermissionDenied(_("所选教师不在您的管理范围内。"))
    form = ExchangeForm(request.POST, user=request.user)
    errors = errors_of(form)
    if not errors:
        try:
            created = services.exchange_record_many(teachers=teachers, user=request.user, request=request,
                                                    **form.cleaned_data)
        except ValidationError as exc:
            errors = _refused(request, exc, show=False)
        else:
            messages.success(request, _("已登记 %(n)d 名教师的交流轮岗。") % {"n": len(created)})
    for e in errors:
        messages.error(request, e)
    return redirect(safe_next(request, "workforce:rotation_eligible"))


@login_required
def rotation_record(request, teacher_id: int):
    """Record an exchange for one teacher of the scope."""
    _gate(services.may_record_rotation(request.user))
    teacher = get_in_scope_or_404(request, Teacher.objects.in_scope(request.user).select_related("school"), pk=teacher_id)
    errors = []
    if request.method == "POST":
        form = ExchangeForm(request.POST, user=request.user)
        errors = errors_of(form)
        if not errors:
            try:
                services.exchange_record(teacher=teacher, user=request.user, request=request, **form.cleaned_data)
            except ValidationError as exc:
                errors = _refused(request, exc, teacher, show=False)
            else:
                messages.success(request, _("已登记 %(name)s 的交流轮岗。") % {"name": teacher.name})
                return redirect(reverse("workforce:rotation_exchanges") + f"?year={rotation.default_year()}")
    return render(request, "workforce/rotation/record.html", {
        "teacher": teacher, "id_display": _id_display(teacher), "errors": errors,
        "exchange_types": ExchangeType.objects.all(), "post": request.POST, "day": dt.date.today(),
        "target_schools": School.objects.filter(is_active=True).of_own_city(scope_for(request.user)).exclude(
            pk=teacher.school_id)
        .select_related("district").order_by("district__order", "location", "code"),
        "history": teacher.exchanges.select_related("exchange_type", "to_school").order_by("-start"),
    })


@login_required
def rotation_exchanges(request):
    ctx = _rotation_context(request)
    day = ctx["day"]
    qs = (Exchange.objects.for_scope(ctx["scope"])
          .filter(Q(start__gte=day, start__lt=rotation_day(ctx["year"] + 1)) | Q(start__lt=day, end__isnull=True)
                  | Q(start__lt=day, end__gte=day))
          .annotate(is_backbone=rotation.is_backbone_on(day))
          .select_related("teacher", "exchange_type", "from_school", "to_school").order_by("-start", "teacher__name"))
    chosen = ExchangeFilter(request.GET, queryset=qs, user=request.user)
    qs = chosen.qs
    _searched(request, chosen)
    columns = cols.exchanges(day)
    if _wants_xlsx(request):
        title = f"{ctx['scope_label']} {ctx['year_label']} 学年交流轮岗记录"
        return xlsx_response(request, f"交流轮岗记录_{ctx['year_label']}.xlsx", columns, qs.iterator(chunk_size=CHUNK),
                             title=title, sheet="交流轮岗")
    page = _page(request, qs)
    ctx.update(page=page, **_listed(request, columns, page), filter=chosen, today=dt.date.today(),
               page_qs=_query_string(request, page=None))
    return render(request, "workforce/rotation/exchanges.html", ctx)


@login_required
@require_POST
def exchange_end(request, pk: int):
    exchange = get_in_scope_or_404(request, Exchange.objects.in_scope(request.user), pk=pk)
    _gate(services.may_record_rotation(request.user))
    form = ExchangeEndForm(request.POST)
    if not form.is_valid():
        for e in errors_of(form):
            messages.error(request, e)
    else:
        try:
            services.exchange_end(exchange=exchange, end=form.cleaned_data["end"], user=request.user, request=request)
        except ValidationError as exc:
            _refused(request, exc, exchange)
        else:
            messages.success(request, _("已结束该交流轮岗。"))
    return redirect(safe_next(request, "workforce:rotation_exchanges"))


# ================================================================ honours
def _honours_context(request):
    _gate(_may_read(request.user))
    scope, district, districts = _selected_scope(request)
    on = date_param(request.GET, "on") or dt.date.today()
    return {"scope": scope, "district": district, "districts": districts, "on": on,
            "scope_label": _scope_label(scope, district), "can_write": services.may_award(request.user),
            "can_ethics": _may_see_ethics(request.user), "qs": _query_string(request, page=None)}


@login_required
def honours_index(request):
    ctx = _honours_context(request)
    on = ctx["on"]
    active = Award.objects.active_on(on).for_scope(ctx["scope"])
    types = HonourType.objects.annotate(
        active=Count("awards", filter=Q(awards__in=active)),
    ).order_by("level", "name")
    progress = selectors.honours_by_district(ctx["scope"], on)
    if _wants_xlsx(request):
        title = f"{ctx['scope_label']} 荣誉目标进展（截至 {on:%Y-%m-%d}）"
        return xlsx_response(request, "荣誉目标进展.xlsx", cols.progress(progress["districts"]), progress["rows"],
                             title=title, sheet="目标进展", more=[Table("荣誉类型", cols.HONOUR_TYPES, types, title)])
    ctx.update(types=types, progress=progress)
    return render(request, "workforce/honours/index.html", ctx)


@login_required
def honours_awards(request):
    ctx = _honours_context(request)
    qs = (Award.objects.for_scope(ctx["scope"]).select_related("honour_type", "teacher", "teacher__school", "school")
          .order_by("-awarded_on", "pk"))
    chosen = AwardFilter(request.GET, queryset=qs, user=request.user, on=ctx["on"])
    qs = chosen.qs
    _searched(request, chosen)
    if _wants_xlsx(request):
        return xlsx_response(request, "荣誉授予.xlsx", cols.AWARDS, qs.iterator(chunk_size=CHUNK),
                             title=f"{ctx['scope_label']} 荣誉授予", sheet="荣誉授予")
    page = _page(request, qs)
    ctx.update(page=page, **_listed(request, cols.AWARDS, page), filter=chosen,
               page_qs=_query_string(request, page=None), today=dt.date.today())
    return render(request, "workforce/honours/awards.html", ctx)


@login_required
def award_new(request):
    """Grant an honour. A teacher's honour goes to a teacher picked from the list below the form
    (searched by name, school or the last four characters of the 身份证件号: ``teacher_search``),
    or from the nomination list: the form posts the teacher's record number, never a typed ID
    number (issue 14)."""
    _gate(services.may_award(request.user))
    errors = []
    data = request.POST if request.method == "POST" else request.GET
    form = AwardForm(data, user=request.user)
    form.is_valid()
    teacher = form.cleaned_data.get("teacher")
    if request.method == "POST":
        errors = errors_of(form)
        if not errors:
            try:
                award = services.award_grant(user=request.user, request=request, **form.cleaned_data)
            except ValidationError as exc:
                errors = _refused(request, exc, teacher, show=False)
            else:
                messages.success(request, _("已授予“%(name)s”。") % {"name": award.honour_type.name})
                return redirect("workforce:honours_awards")
    picker = None
    if teacher is None:  # the list to pick from: the teachers on the roll in the user's scope
        today = dt.date.today()
        banned = EthicsCase.objects.banning_on(today).filter(teacher=OuterRef("pk"))
        people = (Teacher.objects.in_scope(request.user).on_roll(today).annotate(is_vetoed=Exists(banned))
                  .select_related("school").order_by("school__code", "name", "pk"))
        picker = _page(request, _picker(request, people), PICK_PAGE_SIZE)
        for t in picker:
            t.id_display = _id_display(t)
    return render(request, "workforce/honours/award_form.html", {
        "errors": errors, "data": data, "types": HonourType.objects.all(), "teacher": teacher,
        "teacher_id_display": _id_display(teacher) if teacher else "",
        "schools": School.objects.in_scope(request.user).order_by("code"), "today": dt.date.today(),
        "picker": picker, "q": request.GET.get("q", ""),
        "keep": [(k, v) for k, v in request.GET.items() if k in {"type", "nomination"}],
        "pick_qs": _query_string(request, page=None, teacher=None),
        "page": picker, "page_qs": _query_string(request, page=None),
        "unpick_qs": _query_string(request, teacher=None, page=None),
    })


def _award_action(request, pk: int, action: str):
    award = get_in_scope_or_404(request, Award.objects.in_scope(request.user), pk=pk)
    _gate(services.may_award(request.user))
    form = AwardActionForm(request.POST)
    if not form.is_valid():
        for e in errors_of(form):
            messages.error(request, e)
        return redirect(safe_next(request, "workforce:honours_awards"))
    on = form.cleaned_data["on"] or dt.date.today()
    try:
        if action == "revoke":
            services.award_revoke(award=award, on=on, reason=form.cleaned_data["reason"], user=request.user,
                                  request=request)
            messages.success(request, _("已撤销该荣誉。"))
        else:
            services.award_expire(award=award, on=on, user=request.user, request=request)
            messages.success(request, _("已办理该荣誉到期。"))
    except ValidationError as exc:
        _refused(request, exc, award)
    return redirect(safe_next(request, "workforce:honours_awards"))


@login_required
@require_POST
def award_revoke(request, pk: int):
    return _award_action(request, pk, "revoke")


@login_required
@require_POST
def award_expire(request, pk: int):
    return _award_action(request, pk, "expire")


@login_required
def honours_nominate(request, code: str):
    ctx = _honours_context(request)
    honour_type = get_object_or_404(HonourType, code=code, is_team=False)
    if request.method == "POST":
        _gate(services.may_award(request.user))
        form = NominateForm(request.POST, user=request.user)
        if not form.is_valid():  # a teacher outside the scope (or none): 404, the refusal recorded
            get_in_scope_or_404(request, Teacher.objects.in_scope(request.user),
                                pk=record_number(request.POST.get("teacher")))
        teacher = form.cleaned_data["teacher"]
        try:
            services.nominate(honour_type=honour_type, teacher=teacher, on=dt.date.today(), user=request.user,
                              note=form.cleaned_data["note"], request=request)
        except ValidationError as exc:
            _refused(request, exc, teacher)
        else:
            messages.success(request, _("已推荐 %(name)s。") % {"name": teacher.name})
        return redirect(request.get_full_path())
    chosen = CandidateFilter(request.GET, queryset=honours.candidates(ctx["scope"], honour_type, ctx["on"]),
                             user=request.user)
    qs = chosen.qs
    _searched(request, chosen)
    nominations = (Nomination.objects.for_scope(ctx["scope"]).filter(honour_type=honour_type, round_year=ctx["on"].year)
                   .select_related("teacher", "teacher__school", "award").order_by("teacher__school__code", "teacher__name"))
    if _wants_xlsx(request):
        return xlsx_response(request, f"{honour_type.name}候选人.xlsx", cols.CANDIDATES, qs.iterator(chunk_size=CHUNK),
                             title=f"{ctx['scope_label']} {honour_type.name} 候选人", sheet="候选人")
    page = _page(request, qs)
    # the candidates' record from other apps (年度考核, training: ``record_hooks``), a fixed number of queries
    lines, barred = (hook([t.pk for t in page], ctx["on"]) for hook in (record_hooks.summaries, record_hooks.nomination_problems))
    for t in page:
        t.record_lines, t.record_problems = lines.get(t.pk, []), [p.message for p in barred.get(t.pk, [])]
    ctx.update(honour_type=honour_type, page=page, **_listed(request, cols.CANDIDATES[:-1], page), filter=chosen,
               nominations=_page(request, nominations, key="npage"), q=request.GET.get("q", ""),
               page_qs=_query_string(request, page=None), npage_qs=_query_string(request, npage=None),
               keep=[(k, v) for k, v in request.GET.items() if k in {"district", "on", "school"}])
    return render(request, "workforce/honours/nominate.html", ctx)


@login_required
def honours_conflicts(request):
    ctx = _honours_context(request)
    _gate(ctx["can_ethics"])
    chosen = ConflictFilter(request.GET, queryset=honours.conflicting_awards(ctx["scope"], ctx["on"]), user=request.user)
    qs = chosen.qs
    _searched(request, chosen)
    if _wants_xlsx(request):
        return xlsx_response(request, "与师德限制冲突的荣誉.xlsx", cols.CONFLICTS, qs.iterator(chunk_size=CHUNK),
                             title=f"{ctx['scope_label']} 与师德限制冲突的荣誉", sheet="冲突荣誉")
    page = _page(request, qs)
    ctx.update(page=page, **_listed(request, cols.CONFLICTS, page), filter=chosen,
               page_qs=_query_string(request, page=None), today=dt.date.today())
    return render(request, "workforce/honours/conflicts.html", ctx)


@login_required
def honours_ethics(request):
    ctx = _honours_context(request)
    _gate(ctx["can_ethics"])
    can_record = services.may_record_ethics(request.user)
    errors = []
    if request.method == "POST":
        _gate(can_record)
        form = EthicsCaseForm(request.POST, user=request.user)
        errors = errors_of(form)
        if not errors:
            teacher = form.cleaned_data["teacher"]
            try:
                case = services.ethics_case_record(user=request.user, request=request, **form.cleaned_data)
            except ValidationError as exc:
                errors = _refused(request, exc, teacher, show=False)
            else:
                messages.success(request, _("已登记，限制期至 %(d)s。") % {"d": f"{case.ban_until:%Y-%m-%d}"})
                return redirect("workforce:honours_ethics")
    cases = (EthicsCase.objects.for_scope(ctx["scope"]).select_related("teacher", "teacher__school", "severity")
             .order_by("-decided_on", "pk"))
    chosen = EthicsCaseFilter(request.GET, queryset=cases, user=request.user, prefix="case")
    cases = chosen.qs
    _searched(request, chosen)
    if _wants_xlsx(request):
        return xlsx_response(request, "师德失范案件.xlsx", cols.ETHICS_CASES, cases.iterator(chunk_size=CHUNK),
                             title=f"{ctx['scope_label']} 师德失范案件", sheet="师德失范案件",
                             object_type="workforce.ethicscase")
    page = _page(request, cases)
    for case in page:
        case.banning = case.substantiated and case.decided_on <= ctx["on"] <= case.ban_until
    picked = _picked_teacher(request)
    picker = None
    if picked is None and can_record:  # as the award form picks (issue 15)
        people = Teacher.objects.in_scope(request.user).select_related("school").order_by("school__code", "name", "pk")
        picker = _page(request, _picker(request, people), PICK_PAGE_SIZE, key="tpage")
        for t in picker:
            t.id_display = _id_display(t)
    ctx.update(page=page, **_listed(request, cols.ETHICS_CASES, page), filter=chosen, errors=errors, post=request.POST,
               severities=EthicsSeverity.objects.all(), can_record=can_record,
               page_qs=_query_string(request, page=None),
               picked=picked, picked_id_display=_id_display(picked) if picked else "",
               picker=picker, q=request.GET.get("q", ""), pick_qs=_query_string(request, teacher=None, tpage=None),
               picker_qs=_query_string(request, tpage=None), unpick_qs=_query_string(request, teacher=None))
    return render(request, "workforce/honours/ethics.html", ctx)



# ================================================================ quota
def _quota_context(request):
    _gate(_may_read(request.user))
    scope, district, districts = _selected_scope(request)
    year = year_param(request.GET, rotation.default_year())
    return {"scope": scope, "district": district, "districts": districts, "year": year,
            "year_label": school_year_label(year), "scope_label": _scope_label(scope, district),
            "can_allocate": services.may_allocate(request.user),
            "prev_qs": _query_string(request, year=year - 1, page=None),
            "next_qs": _query_string(request, year=year + 1, page=None), "qs": _query_string(request, page=None),
            "years": list(range(year - 4, year + 3))}


def _quota_json(row, *, school: bool) -> dict:
    """One quota line of the page's JSON (``?format=json``): null where a figure is missing."""
    data = {"code": row.code, "name": row.name, **{key: getattr(row, key) for key in cols.QUOTA_FIELDS},
            "quota_gap": row.net_gap if school else None}
    if school:
        data.update(district=row.district_name, approved_recorded=row.approved_recorded, basis=row.basis)
    else:
        data.update(schools=row.schools, schools_without_approved=row.schools_without_approved)
    return data


@login_required
def quota_index(request):
    """The quota lines of the scope: per school, summed per district and city (DOMAIN.md
    "Staffing quota"); ``?format=xlsx`` and ``?format=json`` give the same lines. In the JSON a
    school's ``quota_gap`` is standard − approved; sums give its parts (``shortage``, ``surplus``)
    summed separately, never netted, and ``quota_gap`` null. ``?q=`` narrows the schools' lines
    (page and download alike); the sums stay the scope's."""
    if request.GET.get("format") == "json":  # data: in the data language (Chinese) whatever the page's
        with data_language():
            ctx = _quota_context(request)
            table = selectors.quota_table(ctx["scope"], ctx["year"])
            return JsonResponse({
                "scope": ctx["scope_label"], "school_year": ctx["year_label"], "on": table.on.isoformat(),
                "definitions": selectors.QUOTA_DEFINITIONS,
                "city": _quota_json(table.city, school=False),
                "districts": [_quota_json(d, school=False) for d in table.districts],
                "schools": [_quota_json(s, school=True) for s in table.schools],
            }, json_dumps_params={"ensure_ascii": False})
    ctx = _quota_context(request)
    table = selectors.quota_table(ctx["scope"], ctx["year"])
    chosen = QuotaSchoolFilter(request.GET, queryset=School.objects.for_scope(ctx["scope"]))
    schools = chosen.narrow(table.schools)
    if _wants_xlsx(request):
        title = f"{ctx['scope_label']} {ctx['year_label']} 学年编制（在编人数截至 {table.on:%Y-%m-%d}）"
        return xlsx_response(request, f"编制_{ctx['year_label']}.xlsx", cols.QUOTA_DISTRICTS,
                             [*table.districts, _Total(table.city)],
                             title=title, sheet="区县", more=[Table("学校", cols.QUOTA_SCHOOLS, schools, title)])
    page = Paginator(schools, 200).get_page(request.GET.get("page"))
    pool = QuotaPool.objects.filter(school_year=ctx["year"]).first()
    ctx.update(
        table=table, page=page, pool=pool, available=services.pool_available(ctx["year"]), filter=chosen,
        proposals=QuotaProposal.objects.filter(school_year=ctx["year"]).select_related(
            "proposed_by", "accepted_by", "discarded_by")[:20]
        if scope_for(request.user).is_city else [],
        page_qs=_query_string(request, page=None), headers=cols.QUOTA_HEADERS, sum_headers=cols.QUOTA_SUM_HEADERS,
    )
    return render(request, "workforce/quota/index.html", ctx)


class _Total:
    """The city's line as the districts sheet's last row: no code, named 合计."""

    code, name = "", "合计"

    def __init__(self, city):
        self._city = city

    def __getattr__(self, key):
        return getattr(self._city, key)


@login_required
@require_POST
def quota_allocate(request):
    _gate(services.may_allocate(request.user))
    form = QuotaAllocateForm(request.POST)
    form.is_valid()
    year = form.cleaned_data.get("year") or rotation.default_year()
    back = reverse("workforce:quota_index") + f"?year={year}"
    if form.errors:
        for e in errors_of(form):
            messages.error(request, e)
        return redirect(back)
    try:
        proposal = services.quota_allocate(school_year=year, posts=form.cleaned_data["posts"], user=request.user,
                                           request=request)
    except ValidationError as exc:
        _refused(request, exc)
        return redirect(back)
    return redirect("workforce:quota_proposal", pk=proposal.pk)


@login_required
def quota_proposal(request, pk: int):
    """A proposal: its steps as a table (step, from, to, posts, why), what it does to each school,
    what stays in the pool and why, and who proposed and accepted it."""
    _gate(services.may_allocate(request.user))
    proposal = get_object_or_404(
        QuotaProposal.objects.select_related("proposed_by", "accepted_by", "discarded_by"), pk=pk)
    steps = list(proposal.steps.all())
    lines = list(proposal.lines.select_related("district", "school").order_by(
        "district__order", "district__code", "school__code"))
    district_lines = [line for line in lines if line.school_id is None]
    school_lines = [line for line in lines if line.school_id is not None]
    for line in school_lines:
        line.approved_after = line.approved_before + line.transfer_in + line.allocated - line.transfer_out
        line.remaining = line.shortage - line.transfer_in - line.allocated
    if _wants_xlsx(request):
        title = f"{school_year_label(proposal.school_year)} 学年编制调剂方案 #{proposal.pk}（{proposal.get_status_display()}）"
        return xlsx_response(request, f"编制调剂方案_{proposal.pk}.xlsx", cols.PROPOSAL_STEPS, steps, title=title,
                             sheet="步骤", more=[Table("学校", cols.PROPOSAL_SCHOOLS, school_lines, title),
                                               Table("区县", cols.PROPOSAL_DISTRICTS, district_lines, title),
                                               Table("说明", cols.LINES, proposal.explanation.splitlines(), title)])
    return render(request, "workforce/quota/proposal.html", {
        "proposal": proposal, "steps": steps, "district_lines": district_lines, "school_lines": school_lines,
        "rules": proposal.explanation.splitlines(), "phases": quota.PHASE,
        "transferred": sum(line.transfer_in for line in school_lines),
        "allocated": sum(line.allocated for line in school_lines),
        "unmet": sum(line.remaining for line in school_lines),
        "own": proposal.proposed_by_id == request.user.pk,
        "year_label": school_year_label(proposal.school_year),
    })


@login_required
@require_POST
def quota_proposal_decide(request, pk: int, decision: str):
    """Accept (the author only with the confirmation box ticked) or discard a draft."""
    _gate(services.may_allocate(request.user))
    proposal = get_object_or_404(QuotaProposal, pk=pk)
    form = ProposalDecideForm(request.POST)
    form.is_valid()
    try:
        if decision == "accept":
            services.proposal_accept(proposal=proposal, user=request.user, request=request,
                                     confirm_own=bool(form.cleaned_data.get("confirm_own")))
            messages.success(request, _("已采纳该方案，各校核定编制已更新。"))
        else:
            services.proposal_discard(proposal=proposal, user=request.user, request=request)
            messages.success(request, _("已放弃该方案。"))
    except ValidationError as exc:
        _refused(request, exc, proposal)
    return redirect("workforce:quota_proposal", pk=pk)
