"""Pages of the workflows (issue 6): rotation, honours and ethics, staffing quotas.

Thin: parse the request, call one selector (``rotation``, ``honours``, ``quota``) or one
service (``services``), render. Everything is cut to the user's scope; objects outside it are
404, actions a role may not take are 403.
"""
from __future__ import annotations

import datetime as dt
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from backend import audit
from core.i18n import data_language
from backend.redirects import safe_next
from core.roles import Role, can_see_ethics, is_hr
from backend.scoping import Scope, get_in_scope_or_404, scope_for
from core.spreadsheets import escape_cell

from . import choices as c
from . import measures as ms
from . import honours, quota, record_hooks, rotation, selectors, services
from .teacher_search import search_teachers
from .models import (
    Award, District, EthicsCase, EthicsSeverity, Exchange, ExchangeType, HonourType, Nomination, QuotaPool,
    QuotaProposal, School, Teacher, rotation_day, school_year_label,
)

PAGE_SIZE = 100
PICK_PAGE_SIZE = 20  # the award form's list of teachers to pick from


# ---------------------------------------------------------------- helpers
def _may_read(user) -> bool:
    """HR and leadership read the workflows of their scope; teachers do not."""
    return bool(user.is_authenticated and (is_hr(user) or user.role == Role.LEADER) and scope_for(user).kind != "none")


def _gate(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您没有权限访问此页面。"))


def _parse_year(value, default: int) -> int:
    """"2025", "2025-2026" → 2025; anything else → ``default``."""
    try:
        year = int(str(value).split("-")[0])
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


def _number(value) -> int:
    """A record number a form posts; 0 (no record) for anything else ("abc", "²", 40 digits)."""
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0


def _parse_date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return None


def _selected_scope(request) -> tuple[Scope, District | None, list[District]]:
    """The user's scope, narrowed to ``?district=`` for city-wide users."""
    scope = scope_for(request.user)
    if scope.is_city:
        districts = list(District.objects.all())
        chosen = next((d for d in districts if str(d.pk) == request.GET.get("district", "")), None)
        if chosen is not None:
            return Scope("district", district_id=chosen.pk), chosen, districts
        return scope, None, districts
    district = District.objects.filter(pk=scope.district_id).first() if scope.district_id else None
    return scope, district, []


def _scope_label(scope: Scope, district) -> str:
    if scope.kind == "city":
        return _("全市")
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


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _error_text(exc: ValidationError, user) -> list[str]:
    """Messages of a refusal; veto details only for users who may see ethics records."""
    out = []
    for message in exc.messages:
        if message.startswith("师德一票否决") and (user is None or not can_see_ethics(user)):
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


def _searched(request, teachers):
    """``teachers`` narrowed to ``?q=`` (``teacher_search``: name, school, last four of the ID).
    An ID fragment the user may not search by finds nobody: the page says so, the trail records it."""
    text = request.GET.get("q", "")
    found = search_teachers(teachers, text, request.user)
    if found.refused:
        from core.identity import mask_id_number

        messages.warning(request, _("请按姓名、学校或身份证件号后4位查找：没有查看身份证件号权限的人员不能按完整号码或号码开头查找。"))
        audit.record_refusal(request, f"按身份证件号查找教师：无查看身份证件号权限（{mask_id_number(text.strip())}）",
                             object_type="workforce.teacher")
    return found.teachers


def _picked_teacher(request, value):
    """The teacher a form names by record number (picked from a list), in the user's scope, or None."""
    number = _number(value)
    return Teacher.objects.in_scope(request.user).select_related("school").filter(pk=number).first() if number else None


def _id_display(teacher, user) -> str:
    """Masked for everyone on pages and exports (issue 7); revealing one is /accounts/reveal/, with a reason."""
    return teacher.masked_id_number


def xlsx_response(request, filename: str, title: str, sheets: list[tuple[str, list[str], list[list]]]) -> HttpResponse:
    """An .xlsx download: one sheet per (name, headers, rows); title in the first row; every text
    cell through ``escape_cell``; an audit row records the export."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    count = 0
    for name, headers, rows in sheets:
        sheet = book.create_sheet(title=name[:31])
        sheet.append([escape_cell(title)])
        sheet.append([escape_cell(h) for h in headers])
        for row in rows:
            sheet.append([escape_cell(v) for v in row])
            count += 1
    buffer = BytesIO()
    book.save(buffer)
    audit.record(audit.EXPORT, request=request, object_type="workforce.export", object_repr=filename,
                 message=f"导出 {title}（{count} 行）")
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# ================================================================ rotation
def _rotation_context(request):
    _gate(_may_read(request.user))
    scope, district, districts = _selected_scope(request)
    year = _parse_year(request.GET.get("year"), rotation.default_year())
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
    figures = rotation.rotation_figures(ctx["scope"], ctx["year"])
    ctx.update(
        figures=figures, plan=figures.plan, explain=figures.plan.explain(),
        ratio=ms.percent(figures.plan.ratio), ratio_all=ms.percent(figures.rotated / figures.all if figures.all else None),
        backbone_share=ms.percent(figures.plan.backbone_share),
        waiting=[(c.Location(loc).label, v["count"], v["backbone"]) for loc, v in figures.eligible_waiting.items()],
        schools=rotation.per_school(ctx["scope"], ctx["year"]),
    )
    if request.GET.get("format") == "xlsx":
        plan = figures.plan
        rows = [
            ["应交流教师（在编，9月1日在本校满%d年）" % figures.min_years, figures.eligible],
            ["已交流（本学年开始的计入类型交流）", figures.rotated],
            ["交流比例（已交流 ÷ 应交流）", ctx["ratio"]],
            ["交流比例（已交流 ÷ 全部义务教育专任教师）", ctx["ratio_all"]],
            ["目标（%）", str(plan.target_pct)], ["须交流合计", plan.required], ["还须交流", plan.more],
            ["已交流骨干", figures.rotated_backbone], ["骨干最低占比（%）", str(plan.backbone_pct)],
            ["新增交流中须为骨干", plan.backbone_more],
        ] + [[f"方向：{label}", n] for label, n in figures.directions] + [[line, ""] for line in ctx["explain"]]
        school_rows = [[s["school__code"], s["school__name"], c.Location(s["school__location"]).label, s["all"],
                        s["eligible"], s["rotated"], s["waiting"]] for s in ctx["schools"]]
        title = f"{ctx['scope_label']} {ctx['year_label']} 学年交流轮岗计划"
        return xlsx_response(request, f"交流轮岗计划_{ctx['year_label']}.xlsx", title, [
            ("计划", ["项目", "数值"], rows),
            ("各校", ["学校标识码", "学校", "城乡", "义务教育专任教师", "应交流", "已交流", "未交流"], school_rows),
        ])
    return render(request, "workforce/rotation/plan.html", ctx)


def _eligible_qs(ctx, request):
    qs = rotation.annotate_rotation(rotation.eligible_queryset(ctx["scope"], ctx["year"]), ctx["year"])
    state = request.GET.get("state", "waiting")
    if state == "waiting":
        qs = qs.filter(has_rotated=False)
    elif state == "rotated":
        qs = qs.filter(has_rotated=True)
    if request.GET.get("school"):
        qs = qs.filter(school__code=request.GET["school"])
    # 城区→乡村 first: urban schools' teachers first, 骨干 first within a school
    loc_order = {c.Location.URBAN: 0, c.Location.TOWN: 1, c.Location.RURAL: 2}
    from django.db.models import Case, IntegerField, Value, When

    qs = qs.annotate(loc_rank=Case(*[When(school__location=k, then=Value(v)) for k, v in loc_order.items()],
                                   default=Value(3), output_field=IntegerField()))
    return qs.select_related("school").order_by("loc_rank", "school__code", "-is_backbone", "school_entry", "name"), state


@login_required
def rotation_eligible(request):
    ctx = _rotation_context(request)
    qs, state = _eligible_qs(ctx, request)
    if request.GET.get("format") == "xlsx":
        rows = [[t.name, _id_display(t, request.user), t.school.code, t.school.name, t.school.get_location_display(),
                 t.get_teaching_stage_display(), t.school_entry, "是" if t.is_backbone else "否",
                 "是" if t.has_rotated else "否"] for t in qs.iterator(chunk_size=2000)]
        title = f"{ctx['scope_label']} {ctx['year_label']} 学年应交流教师名单"
        return xlsx_response(request, f"应交流教师_{ctx['year_label']}.xlsx", title, [(
            "应交流教师", ["姓名", "身份证件号", "学校标识码", "学校", "城乡", "任教学段", "进本校年月", "骨干", "本学年已交流"], rows)])
    page = _page(request, qs)
    for t in page:
        t.id_display = _id_display(t, request.user)
    ctx.update(
        page=page, state=state, exchange_types=ExchangeType.objects.all(),
        target_schools=School.objects.filter(is_active=True).select_related("district").order_by(
            "district__order", "location", "code") if ctx["can_write"] else [],
        page_qs=_query_string(request, page=None),
    )
    return render(request, "workforce/rotation/eligible.html", ctx)


def _exchange_form_values(request):
    data = request.POST
    errors = []
    exchange_type = ExchangeType.objects.filter(pk=_number(data.get("exchange_type"))).first()
    if exchange_type is None:
        errors.append(_("请选择交流轮岗类型。"))
    start = _parse_date(data.get("start"))
    if start is None:
        errors.append(_("请填写开始日期。"))
    end = _parse_date(data.get("end")) if data.get("end") else None
    if data.get("end") and end is None:
        errors.append(_("结束日期格式不正确。"))
    to_school = School.objects.filter(pk=_number(data.get("to_school"))).first()
    if to_school is None:
        errors.append(_("请选择交流轮岗单位。"))
    return errors, dict(exchange_type=exchange_type, start=start, end=end, to_school=to_school,
                        moves_personnel=bool(data.get("moves_personnel")))


@login_required
@require_POST
def rotation_record_bulk(request):
    _gate(services.may_record_rotation(request.user))
    ids = [int(i) for i in request.POST.getlist("teacher") if i.isascii() and i.isdigit() and len(i) <= 18]
    teachers = list(Teacher.objects.in_scope(request.user).filter(pk__in=ids))
    if len(teachers) != len(set(ids)):
        raise PermissionDenied(_("所选教师不在您的管理范围内。"))
    errors, values = _exchange_form_values(request)
    if not errors:
        try:
            created = services.exchange_record_many(teachers=teachers, user=request.user, request=request, **values)
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
        errors, values = _exchange_form_values(request)
        if not errors:
            try:
                services.exchange_record(teacher=teacher, user=request.user, request=request, **values)
            except ValidationError as exc:
                errors = _refused(request, exc, teacher, show=False)
            else:
                messages.success(request, _("已登记 %(name)s 的交流轮岗。") % {"name": teacher.name})
                return redirect(reverse("workforce:rotation_exchanges") + f"?year={rotation.default_year()}")
    return render(request, "workforce/rotation/record.html", {
        "teacher": teacher, "id_display": _id_display(teacher, request.user), "errors": errors,
        "exchange_types": ExchangeType.objects.all(), "post": request.POST, "day": dt.date.today(),
        "target_schools": School.objects.filter(is_active=True).exclude(pk=teacher.school_id)
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
    if request.GET.get("format") == "xlsx":
        rows = [[e.teacher.name, _id_display(e.teacher, request.user), e.exchange_type.name,
                 "是" if e.exchange_type.counts else "否", "是" if e.moves_personnel else "否", e.start, e.end,
                 e.from_school.name if e.from_school else e.from_name, e.to_school.name if e.to_school else e.to_name,
                 "是" if e.is_backbone else "否"] for e in qs.iterator(chunk_size=2000)]
        title = f"{ctx['scope_label']} {ctx['year_label']} 学年交流轮岗记录"
        return xlsx_response(request, f"交流轮岗记录_{ctx['year_label']}.xlsx", title, [(
            "交流轮岗", ["姓名", "身份证件号", "交流轮岗类型", "计入比例", "调动人事关系", "开始年月", "结束年月",
                      "原单位", "交流轮岗单位", f"骨干（{day:%Y-%m-%d}，师德限制期内不计）"], rows)])
    page = _page(request, qs)
    ctx.update(page=page, today=dt.date.today(), page_qs=_query_string(request, page=None))
    return render(request, "workforce/rotation/exchanges.html", ctx)


@login_required
@require_POST
def exchange_end(request, pk: int):
    exchange = get_in_scope_or_404(request, Exchange.objects.in_scope(request.user), pk=pk)
    _gate(services.may_record_rotation(request.user))
    end = _parse_date(request.POST.get("end"))
    if end is None:
        messages.error(request, _("请填写结束日期。"))
    else:
        try:
            services.exchange_end(exchange=exchange, end=end, user=request.user, request=request)
        except ValidationError as exc:
            _refused(request, exc, exchange)
        else:
            messages.success(request, _("已结束该交流轮岗。"))
    return redirect(safe_next(request, "workforce:rotation_exchanges"))


# ================================================================ honours
def _honours_context(request):
    _gate(_may_read(request.user))
    scope, district, districts = _selected_scope(request)
    on = _parse_date(request.GET.get("on")) or dt.date.today()
    return {"scope": scope, "district": district, "districts": districts, "on": on,
            "scope_label": _scope_label(scope, district), "can_write": services.may_award(request.user),
            "can_ethics": can_see_ethics(request.user), "qs": _query_string(request, page=None)}


@login_required
def honours_index(request):
    ctx = _honours_context(request)
    on = ctx["on"]
    active = Award.objects.active_on(on).for_scope(ctx["scope"])
    types = HonourType.objects.annotate(
        active=Count("awards", filter=Q(awards__in=active)),
    ).order_by("level", "name")
    progress = selectors.honours_by_district(ctx["scope"], on)
    if request.GET.get("format") == "xlsx":
        names = [d.name for d in progress["districts"]]
        rows = [[t["name"], t["kind_label"], "" if t["target"] is None else int(t["target"]), t["count"],
                 "" if t["met"] is None else ("达成" if t["met"] else "未达成"),
                 "" if t["target"] is None else t["gap"], *t["by_district"]] for t in progress["rows"]]
        title = f"{ctx['scope_label']} 荣誉目标进展（截至 {on:%Y-%m-%d}）"
        return xlsx_response(request, "荣誉目标进展.xlsx", title, [
            ("目标进展", ["指标", "口径", "目标", "现有", "是否达成", "差距", *names], rows),
            ("荣誉类型", ["代码", "称号", "级别", "视同骨干", "有效期（年）", "团队", "有效授予数"],
             [[t.code, t.name, t.get_level_display(), "是" if t.makes_backbone else "否", t.validity_years or "长期",
               "是" if t.is_team else "否", t.active] for t in types]),
        ])
    ctx.update(types=types, progress=progress)
    return render(request, "workforce/honours/index.html", ctx)


@login_required
def honours_awards(request):
    ctx = _honours_context(request)
    qs = Award.objects.for_scope(ctx["scope"]).select_related("honour_type", "teacher", "teacher__school", "school")
    honour_type = HonourType.objects.filter(code=request.GET.get("type", "")).first()
    if honour_type:
        qs = qs.filter(honour_type=honour_type)
    state = request.GET.get("state", "active")
    if state == "active":
        qs = qs.filter(pk__in=Award.objects.active_on(ctx["on"]).values("pk"))
    qs = qs.order_by("-awarded_on", "pk")
    if request.GET.get("format") == "xlsx":
        rows = [[a.honour_type.name, a.teacher.name if a.teacher else "", _id_display(a.teacher, request.user) if a.teacher else "",
                 (a.teacher.school.name if a.teacher else (a.school.name if a.school else "")), a.team_name,
                 a.awarded_on, a.expires_on, a.revoked_on, a.revoke_reason, a.awarding_body] for a in qs.iterator(chunk_size=2000)]
        return xlsx_response(request, "荣誉授予.xlsx", f"{ctx['scope_label']} 荣誉授予", [(
            "荣誉授予", ["称号", "姓名", "身份证件号", "学校", "团队/工作室", "授予日期", "到期日期", "撤销日期", "撤销原因", "授予单位"], rows)])
    page = _page(request, qs)
    for a in page:
        a.id_display = _id_display(a.teacher, request.user) if a.teacher else ""
    ctx.update(page=page, types=HonourType.objects.all(), honour_type=honour_type, state=state,
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
    teacher = _picked_teacher(request, data.get("teacher"))
    if request.method == "POST":
        honour_type = HonourType.objects.filter(pk=_number(data.get("honour_type"))).first()
        school = School.objects.in_scope(request.user).filter(pk=_number(data.get("school"))).first()
        awarded_on = _parse_date(data.get("awarded_on"))
        if honour_type is None:
            errors.append(_("请选择荣誉类型。"))
        if awarded_on is None:
            errors.append(_("请填写授予日期。"))
        if data.get("teacher") and teacher is None:
            errors.append(_("请从名单中选择教师（所选教师不存在，或不在您的管理范围内）。"))
        nomination = Nomination.objects.in_scope(request.user).filter(pk=_number(data.get("nomination"))).first()
        if not errors:
            try:
                award = services.award_grant(
                    honour_type=honour_type, teacher=teacher, school=school, team_name=data.get("team_name", ""),
                    awarded_on=awarded_on, awarding_body=data.get("awarding_body", ""),
                    expires_on=_parse_date(data.get("expires_on")) if data.get("expires_on") else None,
                    nomination=nomination, user=request.user, request=request,
                )
            except ValidationError as exc:
                errors = _refused(request, exc, teacher, show=False)
            else:
                messages.success(request, _("已授予“%(name)s”。") % {"name": award.honour_type.name})
                return redirect("workforce:honours_awards")
    picker = None
    if teacher is None:  # the list to pick from: the teachers on the roll in the user's scope
        today = dt.date.today()
        banned = EthicsCase.objects.banning_on(today).filter(teacher=OuterRef("pk"))
        people = (_searched(request, Teacher.objects.in_scope(request.user).on_roll(today))
                  .annotate(is_vetoed=Exists(banned)).select_related("school").order_by("school__code", "name", "pk"))
        picker = Paginator(people, PICK_PAGE_SIZE).get_page(request.GET.get("page"))
        for t in picker:
            t.id_display = _id_display(t, request.user)
    return render(request, "workforce/honours/award_form.html", {
        "errors": errors, "data": data, "types": HonourType.objects.all(), "teacher": teacher,
        "teacher_id_display": _id_display(teacher, request.user) if teacher else "",
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
    on = _parse_date(request.POST.get("on")) or dt.date.today()
    try:
        if action == "revoke":
            services.award_revoke(award=award, on=on, reason=request.POST.get("reason", ""), user=request.user,
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
        teacher = get_in_scope_or_404(request, Teacher.objects.in_scope(request.user),
                                      pk=_number(request.POST.get("teacher")))
        try:
            services.nominate(honour_type=honour_type, teacher=teacher, on=dt.date.today(), user=request.user,
                              note=request.POST.get("note", ""), request=request)
        except ValidationError as exc:
            _refused(request, exc, teacher)
        else:
            messages.success(request, _("已推荐 %(name)s。") % {"name": teacher.name})
        return redirect(request.get_full_path())
    qs = honours.candidates(ctx["scope"], honour_type, ctx["on"])
    if request.GET.get("school"):
        qs = qs.filter(school__code=request.GET["school"])
    qs = _searched(request, qs)
    nominations = (Nomination.objects.for_scope(ctx["scope"]).filter(honour_type=honour_type, round_year=ctx["on"].year)
                   .select_related("teacher", "teacher__school", "award").order_by("teacher__school__code", "teacher__name"))
    if request.GET.get("format") == "xlsx":
        rows = [[t.name, _id_display(t, request.user), t.school.code, t.school.name, t.get_teaching_stage_display(),
                 "否（一票否决）" if t.is_vetoed else "是"] for t in qs.iterator(chunk_size=2000)]
        return xlsx_response(request, f"{honour_type.name}候选人.xlsx", f"{ctx['scope_label']} {honour_type.name} 候选人", [
            ("候选人", ["姓名", "身份证件号", "学校标识码", "学校", "任教学段", "可推荐"], rows)])
    page = _page(request, qs)
    # the candidates' record from other apps (年度考核, training: ``record_hooks``), a fixed number of queries
    lines, barred = (hook([t.pk for t in page], ctx["on"]) for hook in (record_hooks.summaries, record_hooks.nomination_problems))
    for t in page:
        t.id_display = _id_display(t, request.user)
        t.record_lines, t.record_problems = lines.get(t.pk, []), [p.message for p in barred.get(t.pk, [])]
    ctx.update(honour_type=honour_type, page=page, nominations=nominations[:500], q=request.GET.get("q", ""),
               page_qs=_query_string(request, page=None),
               keep=[(k, v) for k, v in request.GET.items() if k in {"district", "on", "school"}])
    return render(request, "workforce/honours/nominate.html", ctx)


@login_required
def honours_conflicts(request):
    ctx = _honours_context(request)
    _gate(ctx["can_ethics"])
    qs = honours.conflicting_awards(ctx["scope"], ctx["on"])
    if request.GET.get("format") == "xlsx":
        rows = [[a.honour_type.name, a.teacher.name, _id_display(a.teacher, request.user), a.teacher.school.name,
                 a.awarded_on, a.expires_on, "是" if a.banned_now else "否", "是" if a.granted_in_ban else "否"]
                for a in qs.iterator(chunk_size=2000)]
        return xlsx_response(request, "与师德限制冲突的荣誉.xlsx", f"{ctx['scope_label']} 与师德限制冲突的荣誉", [(
            "冲突荣誉", ["称号", "姓名", "身份证件号", "学校", "授予日期", "到期日期", "当前处于限制期", "授予时处于限制期"], rows)])
    page = _page(request, qs)
    for a in page:
        a.id_display = _id_display(a.teacher, request.user)
    ctx.update(page=page, page_qs=_query_string(request, page=None), today=dt.date.today())
    return render(request, "workforce/honours/conflicts.html", ctx)


@login_required
def honours_ethics(request):
    ctx = _honours_context(request)
    _gate(ctx["can_ethics"])
    errors = []
    if request.method == "POST":
        _gate(services.may_record_ethics(request.user))
        severity = EthicsSeverity.objects.filter(pk=_number(request.POST.get("severity"))).first()
        occurred, decided = _parse_date(request.POST.get("occurred_on")), _parse_date(request.POST.get("decided_on"))
        if severity is None:
            errors.append(_("请选择处理等级。"))
        if occurred is None or decided is None:
            errors.append(_("请填写发生日期和认定日期。"))
        # the teacher picked from the list below the form: its record number, never a typed ID number
        teacher = _picked_teacher(request, request.POST.get("teacher"))
        if teacher is None:
            errors.append(_("请从名单中选择教师（所选教师不存在，或不在您的管理范围内）。"))
        if not errors:
            try:
                case = services.ethics_case_record(
                    teacher=teacher, severity=severity, occurred_on=occurred, decided_on=decided,
                    substantiated=bool(request.POST.get("substantiated")), description=request.POST.get("description", ""),
                    user=request.user, request=request,
                )
            except ValidationError as exc:
                errors = _refused(request, exc, teacher, show=False)
            else:
                messages.success(request, _("已登记，限制期至 %(d)s。") % {"d": f"{case.ban_until:%Y-%m-%d}"})
                return redirect("workforce:honours_ethics")
    qs = EthicsCase.objects.for_scope(ctx["scope"]).select_related("teacher", "teacher__school", "severity").order_by("-decided_on")
    page = _page(request, qs)
    for case in page:
        case.id_display = _id_display(case.teacher, request.user)
        case.banning = case.substantiated and case.decided_on <= ctx["on"] <= case.ban_until
    picked, picker = _picked_teacher(request, request.POST.get("teacher") or request.GET.get("teacher")), None
    if picked is None and services.may_record_ethics(request.user):  # as the award form picks (issue 15)
        people = (_searched(request, Teacher.objects.in_scope(request.user)).select_related("school")
                  .order_by("school__code", "name", "pk"))
        picker = Paginator(people, PICK_PAGE_SIZE).get_page(request.GET.get("tpage"))
        for t in picker:
            t.id_display = _id_display(t, request.user)
    ctx.update(page=page, errors=errors, post=request.POST, severities=EthicsSeverity.objects.all(),
               can_record=services.may_record_ethics(request.user), page_qs=_query_string(request, page=None),
               picked=picked, picked_id_display=_id_display(picked, request.user) if picked else "", picker=picker,
               q=request.GET.get("q", ""), pick_qs=_query_string(request, teacher=None, tpage=None),
               picker_qs=_query_string(request, tpage=None), unpick_qs=_query_string(request, teacher=None))
    return render(request, "workforce/honours/ethics.html", ctx)


# ================================================================ quota
def _quota_context(request):
    _gate(_may_read(request.user))
    scope, district, districts = _selected_scope(request)
    year = _parse_year(request.GET.get("year"), rotation.default_year())
    return {"scope": scope, "district": district, "districts": districts, "year": year,
            "year_label": school_year_label(year), "scope_label": _scope_label(scope, district),
            "can_allocate": services.may_allocate(request.user),
            "prev_qs": _query_string(request, year=year - 1, page=None),
            "next_qs": _query_string(request, year=year + 1, page=None), "qs": _query_string(request, page=None),
            "years": list(range(year - 4, year + 3))}


# Lazy: the page shows them in the user's language, the .xlsx download in Chinese (core.i18n).
# The figures of a quota line (quota.QuotaRow), in the order of the page, the export and the JSON.
QUOTA_FIELDS = ("standard", "approved", "actual", "shortage", "surplus", "vacancies", "overstaffed")
QUOTA_HEADERS = [gettext_lazy("标准编制"), gettext_lazy("核定编制"), gettext_lazy("实有在编"),
                 gettext_lazy("编制缺口（标准−核定>0）"), gettext_lazy("编制富余（核定−标准>0）"),
                 gettext_lazy("空编（核定−在编）"), gettext_lazy("超编（在编−核定）")]
QUOTA_SUM_HEADERS = [gettext_lazy("学校数"), gettext_lazy("未核定编制的学校"), *QUOTA_HEADERS]
MISSING = "无数据"  # in the .xlsx, which stays Chinese (core.i18n)


def _quota_numbers(row) -> list:
    """A line's figures for the .xlsx: a missing figure reads 无数据, never 0 or the headcount."""
    return [MISSING if getattr(row, key) is None else getattr(row, key) for key in QUOTA_FIELDS]


def _quota_json(row, *, school: bool) -> dict:
    """One quota line of the page's JSON (``?format=json``): null where a figure is missing."""
    data = {"code": row.code, "name": row.name, **{key: getattr(row, key) for key in QUOTA_FIELDS},
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
    summed separately, never netted, and ``quota_gap`` null."""
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
    if request.GET.get("format") == "xlsx":
        title = f"{ctx['scope_label']} {ctx['year_label']} 学年编制（在编人数截至 {table.on:%Y-%m-%d}）"
        return xlsx_response(request, f"编制_{ctx['year_label']}.xlsx", title, [
            ("区县", ["区划代码", "区县", *QUOTA_SUM_HEADERS],
             [[d.code, d.name, d.schools, d.schools_without_approved, *_quota_numbers(d)] for d in table.districts]
             + [["", "合计", table.city.schools, table.city.schools_without_approved, *_quota_numbers(table.city)]]),
            ("学校", ["学校标识码", "学校", "区县", *QUOTA_HEADERS, "已核定编制", "标准编制计算"],
             [[s.code, s.name, s.district_name, *_quota_numbers(s),
               "是" if s.approved_recorded else "否（无核定编制，不计算缺口与空编）", s.basis] for s in table.schools]),
        ])
    page = Paginator(table.schools, 200).get_page(request.GET.get("page"))
    pool = QuotaPool.objects.filter(school_year=ctx["year"]).first()
    ctx.update(
        table=table, page=page, pool=pool, available=services.pool_available(ctx["year"]),
        proposals=QuotaProposal.objects.filter(school_year=ctx["year"]).select_related(
            "proposed_by", "accepted_by", "discarded_by")[:20]
        if scope_for(request.user).is_city else [],
        page_qs=_query_string(request, page=None), headers=QUOTA_HEADERS, sum_headers=QUOTA_SUM_HEADERS,
    )
    return render(request, "workforce/quota/index.html", ctx)


@login_required
@require_POST
def quota_allocate(request):
    _gate(services.may_allocate(request.user))
    year = _parse_year(request.POST.get("year"), rotation.default_year())
    try:
        posts = int(request.POST.get("posts", ""))
    except ValueError:
        messages.error(request, _("请填写分配编制数（整数）。"))
        return redirect(reverse("workforce:quota_index") + f"?year={year}")
    try:
        proposal = services.quota_allocate(school_year=year, posts=posts, user=request.user, request=request)
    except ValidationError as exc:
        _refused(request, exc)
        return redirect(reverse("workforce:quota_index") + f"?year={year}")
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
    if request.GET.get("format") == "xlsx":
        title = f"{school_year_label(proposal.school_year)} 学年编制调剂方案 #{proposal.pk}（{proposal.get_status_display()}）"
        return xlsx_response(request, f"编制调剂方案_{proposal.pk}.xlsx", title, [
            ("步骤", ["序号", "步骤", "调出方", "调入方", "编制数", "说明"],
             [[st.order, quota.PHASE[st.kind], st.source, st.target, st.posts, st.explanation] for st in steps]),
            ("学校", ["区县", "学校标识码", "学校", "标准编制", "测算时核定编制", "实有在编", "编制缺口", "编制富余",
                    "区县内调入", "区县内调出", "周转编制", "调整后核定编制", "仍缺"],
             [[ln.district.name, ln.school.code, ln.school.name, ln.standard, ln.approved_before, ln.actual, ln.shortage,
               ln.surplus, ln.transfer_in, ln.transfer_out, ln.allocated, ln.approved_after, ln.remaining]
              for ln in school_lines]),
            ("区县", ["区县", "编制缺口", "编制富余", "区县内调剂", "周转编制"],
             [[ln.district.name, ln.shortage, ln.surplus, ln.transfer_in, ln.allocated] for ln in district_lines]),
            ("说明", ["说明"], [[line] for line in proposal.explanation.splitlines()]),
        ])
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
    try:
        if decision == "accept":
            services.proposal_accept(proposal=proposal, user=request.user, request=request,
                                     confirm_own=request.POST.get("confirm_own") == "1")
            messages.success(request, _("已采纳该方案，各校核定编制已更新。"))
        else:
            services.proposal_discard(proposal=proposal, user=request.user, request=request)
            messages.success(request, _("已放弃该方案。"))
    except ValidationError as exc:
        _refused(request, exc, proposal)
    return redirect("workforce:quota_proposal", pk=pk)



