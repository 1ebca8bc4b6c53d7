"""The leadership dashboard: city overview, district page, school page, JSON and Excel.

Views are thin: parse the filters, check the requested scope lies within the user's, call one
selector of ``workforce.selectors`` and render. Every figure comes from ``measures_for`` /
``measures_by``, the same code as the ``measures`` command, the export and the snapshots.
"""
from __future__ import annotations

import copy
import datetime as dt
import html
from dataclasses import asdict
from urllib.parse import quote, unquote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape as escape
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend import audit
from backend.downloads import xlsx_response
from core.roles import can_see_identity
from backend.scoping import scope_for

from . import choices as c
from . import exports
from . import facts
from . import labels
from . import measures as ms
from . import registry
from . import selectors as sel
from core.identity import mask_id_number
from .models import City, District, School, school_year_label, school_year_of
from .registry import Figure

DASHBOARD_SCOPES = {"province", "city", "district", "school"}


def can_view_dashboard(user) -> bool:
    """Leadership and HR of the province, a city, a district or a school (teachers have no dashboard)."""
    return bool(user and user.is_authenticated and scope_for(user).kind in DASHBOARD_SCOPES)


def _year_choices(today: dt.date):
    current = school_year_of(today)
    return [(str(y), school_year_label(y)) for y in range(current + 1, 2019, -1)]


class DashboardFilterForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("统计日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    year = forms.TypedChoiceField(label=gettext_lazy("学年"), required=False, coerce=int, empty_value=None)
    stage = forms.ChoiceField(label=gettext_lazy("学段"), required=False)
    school_type = forms.ChoiceField(label=gettext_lazy("学校类型"), required=False,
                                    choices=[("", gettext_lazy("全部"))] + list(c.SchoolType.choices))
    location = forms.ChoiceField(label=gettext_lazy("城乡分类"), required=False,
                                 choices=[("", gettext_lazy("全部"))] + list(c.Location.choices))
    plan = forms.ChoiceField(label=gettext_lazy("对照规划"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("按统计日期"))] + _year_choices(dt.date.today())
        # the plans entered (admin: 规划), each with its target year; by default the plan in force on the date
        self.plans = sel.plan_choices()
        self.fields["plan"].choices = [("", _("统计日期的现行规划"))] + [
            (p.code, _("“%(name)s”（%(start)s–%(end)s，目标年 %(target)s）") % {
                "name": p.name, "start": p.start_year, "end": p.end_year, "target": p.target_year})
            for p in self.plans]
        stages = [s for s in c.Stage if s != c.Stage.SPECIAL]
        self.fields["stage"].choices = [("", _("全部"))] + [(s.value, s.label) for s in stages]

    def params(self):
        """(on, year, filters) — invalid input falls back to the defaults."""
        data = self.cleaned_data if self.is_valid() else {}
        on = data.get("on") or dt.date.today()
        year = data.get("year") or school_year_of(on)
        filters = sel.Filters(stage=data.get("stage") or "", school_type=data.get("school_type") or "",
                              location=data.get("location") or "")
        return on, year, filters

    def targets(self, on: dt.date) -> sel.Targets:
        """The targets of the plan chosen (``?plan=<code>``), else of the plan in force on ``on``."""
        data = self.cleaned_data if self.is_valid() else {}
        return sel.load_targets(data.get("plan") or None, on)


def _require_viewer(request):
    if not can_view_dashboard(request.user):
        raise PermissionDenied(_("您没有查看指标看板的权限。"))
    return scope_for(request.user)


def _check_within(request, ref: sel.ScopeRef):
    if not sel.within(_require_viewer(request), ref):
        raise PermissionDenied(_("该范围不在您的权限内。"))


# ---------------------------------------------------------------- overview tables
def missing_text() -> str:
    """What a page shows for a figure whose inputs are missing (DOMAIN.md): never 0 nor "met"."""
    return _("无数据")


def _cell(figure: Figure | None, *, kind: str = "share", link: str = "") -> dict:
    """One coloured cell of a typed figure (``registry.Figure``): its value, met or not, and the
    gap in teachers.

    A figure whose inputs are missing reads "无数据" (grey, never met); one with nothing to count
    (``applies`` false: no teachers and no pupils) "—"; a partial figure or one of part coverage
    (``note``) shows its value uncoloured, with the reason in the title."""
    if figure is None:
        return {"text": "—", "css": "", "gap": "", "title": "", "link": "", "value": None, "note": ""}
    value, met, gap = figure.value, figure.met, figure.gap
    num, den = figure.numerator, figure.denominator
    if kind == "ptr" or figure.unit == "比":
        text = "—" if value is None else f"{value:.2f}"
        title = f"{'—' if num is None else num} / {den}"
    elif figure.unit == "%":
        text = ms.percent(value)
        title = f"{num} / {den}" if num is not None and den is not None else ""
        if kind == "headline":
            title = f"{labels.shown(figure.label)} {title}"
    else:
        text = "—" if value is None else f"{value:g}"
        title = ""
    if figure.missing:
        text = missing_text()
    css = "missing" if figure.missing else ("" if met is None else ("met" if met else "unmet"))
    gap_text = _("差 %(n)s 人") % {"n": gap} if met is False and gap else ""
    if figure.note:
        title = "；".join([title, figure.note])
    return {"text": text, "css": css, "gap": gap_text, "title": title, "link": link, "value": value,
            "note": "*" if figure.note else ""}


def _figures(data: dict) -> dict[str, Figure]:
    """The typed figures of a measures object, built once per object and page."""
    kept = data.get("_figures")
    if kept is None:
        kept = {code: Figure.of(f) for code, f in (data.get("figures") or {}).items()}
        data["_figures"] = kept
    return kept


def _columns(data: dict) -> list[dict]:
    """The overview's columns: each measure of the registry names its own (``Measure.columns``)."""
    return [{**asdict(col), "measure": measure.key} for measure in registry.measures() for col in measure.columns(data)]


def _cells(data: dict, columns: list[dict]) -> list[dict]:
    figures = _figures(data)
    return [{**_cell(figures.get(col["code"]), kind=col["kind"]), "key": col["key"]} for col in columns]


def _kept_indices(columns, rows_cells) -> list[int]:
    """The columns that apply to some row (e.g. no 高中 on a page of primary schools)."""
    return [i for i, _col in enumerate(columns) if any(cells[i]["text"] != "—" for cells in rows_cells)]


# A row's cells (and their HTML) kept with the figures they show: a member's object is kept by
# ``selectors.measures_by`` while its counts do not change, so its ``figures`` are the same object
# and its cells need not be built again. Keyed by that object (held, so its id stays its own), the
# page language and the columns. Bounded: emptied when it holds more than ``_ROW_CELLS_MAX`` rows.
_ROW_CELLS: dict = {}
_ROW_CELLS_MAX = 2000


def _row_cells(data: dict, columns: list[dict], signature: tuple) -> tuple[list[dict], dict]:
    """The cells of a row for every column, and its HTML per set of columns shown (a dict to fill)."""
    raw = data.get("figures")
    key = (id(raw), signature)
    kept = _ROW_CELLS.get(key)
    if kept is not None and kept[0] is raw:
        data["_figures"] = kept[1]
        return kept[2], kept[3]
    cells = _cells(data, columns)
    if raw:
        if len(_ROW_CELLS) >= _ROW_CELLS_MAX:
            _ROW_CELLS.clear()
        entry = _ROW_CELLS[key] = (raw, data["_figures"], cells, {})
        return cells, entry[3]
    return cells, {}


def _overview(total: dict, rows: list[tuple[sel.ScopeRef, dict]], link_of) -> dict:
    columns = _columns(total)
    signature = (get_language(), tuple((col["code"], col["kind"], col["key"]) for col in columns))
    total_cells = _cells(total, columns)
    row_cells = [_row_cells(data, columns, signature) for _ref, data in rows]
    keep = _kept_indices(columns, [total_cells] + [cells for cells, _html in row_cells])
    columns = [columns[i] for i in keep]
    groups = []
    for col in columns:
        if groups and groups[-1]["label"] == col["group"]:
            groups[-1]["span"] += 1
        else:
            groups.append({"label": col["group"], "span": 1})
    shown = tuple(keep)
    body = []
    for (ref, data), (cells, html_of) in zip(rows, row_cells):
        cells = [cells[i] for i in keep]
        if shown not in html_of:
            html_of[shown] = _cells_html(cells)
        body.append({"name": ref.name, "link": link_of(ref), "cells": cells, "data": data, "cells_html": html_of[shown]})
    total_cells = [total_cells[i] for i in keep]
    return {"columns": columns, "groups": groups, "total": total_cells, "rows": body,
            "total_html": _cells_html(total_cells)}


def _escape(value) -> str:
    """What ``{{ value }}`` prints (autoescaped), faster for plain strings."""
    return html.escape(value) if type(value) is str else escape(value)


def _cells_html(cells: list[dict]) -> str:
    """A row's ``<td>`` cells as one escaped string: the overview prints ~140 rows of ~30 cells,
    which as template loops and tags cost more than the figures themselves."""
    return mark_safe("".join(
        f'<td class="num {_escape(cell["css"])}" title="{_escape(cell["title"])}" data-key="{_escape(cell["key"])}">'
        f'{_escape(cell["text"])}{"<sup>*</sup>" if cell["note"] else ""}'
        f'{"<br><small>" + _escape(cell["gap"]) + "</small>" if cell["gap"] else ""}</td>'
        for cell in cells))


def _chart_data(data: dict, rows: list[tuple[sel.ScopeRef, dict]], trend: dict) -> dict:
    """What the charts draw: the scope's figures against their targets (the overview's columns
    marked ``chart`` that apply here), each row's figure per measure (bars) with the target line,
    and the trend (``selectors.trend``)."""
    figures = _figures(data)
    row_figures = [_figures(d) for _r, d in rows]
    measures = []
    for col in _columns(data):
        figure = figures.get(col["code"])
        if not col["chart"] or figure is None or not figure.applies or figure.unit not in ("%", "比"):
            continue
        label = _("生师比（%(stage)s）") % {"stage": col["label"].rstrip("*")} if figure.unit == "比" else (
            _("交流轮岗比例") if col["key"] == "rotation" else col["label"])
        measures.append({"key": col["key"], "label": label, "percent": figure.unit == "%", "value": figure.value,
                         "target": figure.target,
                         "rows": [getattr(f.get(col["code"]), "value", None) for f in row_figures]})
    return {"row_names": [ref.name for ref, _d in rows], "measures": measures, "trend": trend}


# ---------------------------------------------------------------- pages
def _ptr_text(ratio):
    return "—" if ratio is None else f"{ratio:.2f}"


def _decorate(data: dict) -> dict:
    """A copy of a measures object with the texts the templates print (the object itself stays
    as the JSON has it)."""
    data = copy.deepcopy(data)

    def shown(result, text):
        """The figure's text, or "无数据" when its inputs are missing (DOMAIN.md)."""
        return missing_text() if result.get("missing") else text

    for line in data["table2"]:
        line["ratio_text"], line["target_text"] = shown(line, ms.percent(line["ratio"])), ms.percent(line["target"], 0)
        line["education_text"] = shown(line, ms.percent(line["education_only"]["ratio"]))
    for line in data["pupil_teacher"]:
        line["ratio_text"] = shown(line, _ptr_text(line["ratio"]))
    rot = data["rotation"]
    if rot is not None:
        rot.update(ratio_text=shown(rot, ms.percent(rot["ratio"])), target_text=ms.percent(rot["target"], 0),
                   ratio_any_text=shown(rot, ms.percent(rot.get("ratio_any"))),
                   ratio_all_text=ms.percent(rot["ratio_all"]), backbone_text=ms.percent(rot["backbone_share"]),
                   backbone_target_text=ms.percent(rot["backbone_target"], 0))
    dual = data["dual_qualified"]
    dual.update(ratio_text=shown(dual, ms.percent(dual["ratio"])), target_text=ms.percent(dual["target"], 0))
    if data["training"] is not None:
        tr = data["training"]
        # On track: approved 学时 ≥ the elapsed share of the cycle (DOMAIN.md, training credits).
        tr["ratio_text"] = shown(tr, ms.percent(tr.get("ratio")))
        tr["on_track_text"] = shown(tr, ms.percent(tr.get("on_track_ratio")))
        if tr.get("apart_teachers"):
            tr["apart_on_track_text"] = ms.percent(tr.get("apart_on_track_ratio"))
            tr["apart_ratio_text"] = ms.percent(tr.get("apart_ratio"))
    return data


def _plan_context(form, ref, on, targets) -> dict:
    """Which plan the page measures against and whether it has ended (its final account) or
    is the last one entered (the next plan's targets not yet in the system)."""
    plan = targets.plan
    if plan is None:
        return {"plan": None}
    later = [p for p in form.plans if p.start_year > plan.end_year]
    final_url = reverse("workforce:dashboard_final") + f"?scope={quote(ref.param)}&plan={plan.code}"
    return {"plan": plan, "plan_ended": plan.ended(on), "next_plan_missing": plan.ended(on) and not later,
            "final_url": final_url}


GENERIC_CARD = "workforce/dashboard/_measure.html"


def _cards(data: dict) -> list[dict]:
    """The cards below the overview, one per measure of the registry (``Measure.template``, or
    the generic card of its figures), in ``card_order``; cards that are not ``wide`` stand side
    by side in a grid: ``[{"wide": bool, "cards": [...]}, …]``."""
    def place(m):
        return m.card_order if m.card_order is not None else m.order

    blocks: list[dict] = []
    for measure in sorted(registry.measures(), key=place):
        card = {"template": measure.template or GENERIC_CARD, "key": measure.key, "label": labels.shown(measure.label)}
        if not measure.template:
            figures = measure.figures_of(data)
            if not figures:
                continue
            card["figures"] = [{"figure": f, "label": labels.shown(f.label), "cell": _cell(f),
                                "target_text": _cell(Figure(f.code, f.label, f.unit, value=f.target)).get("text")
                                if f.target is not None else "—"} for f in figures]
        if measure.wide or not blocks or blocks[-1]["wide"]:
            blocks.append({"wide": measure.wide, "cards": [card]})
        else:
            blocks[-1]["cards"].append(card)
    return blocks


def facts_as_of() -> dict | None:
    """"数据截至 …" when the page's figures were summed from the facts per school (``workforce.facts``):
    the moment they were known to hold every committed write, and (its title) when the oldest
    school's counts among them were taken from the records. None when counted live."""
    used = facts.last_used()
    if used is None:
        return None
    shown = timezone.localtime(used.current_at).strftime("%Y-%m-%d %H:%M:%S")
    oldest = "" if used.oldest is None else timezone.localtime(used.oldest).strftime("%Y-%m-%d %H:%M:%S")
    return {"text": _("数据截至 %(time)s") % {"time": shown}, "time": shown,
            "title": _("各校计数汇总而成，最早一条计算于 %(time)s") % {"time": oldest} if oldest else ""}


def _context(request, ref, form, on, year, filters, total, rows, link_of, targets):
    # the live point of the trend: the page's figures, unless filtered (snapshots are unfiltered)
    live = None if filters.as_query() else total
    return {
        "facts_as_of": facts_as_of(),
        "ref": ref, "form": form, "on": on, "year_label": school_year_label(year), "data": _decorate(total),
        **_plan_context(form, ref, on, targets),
        "overview": _overview(total, rows, link_of) if rows is not None else None,
        "charts": _chart_data(total, rows or [], sel.trend(ref, targets, live=live)),
        "cards": _cards(total),
        "query": _filter_query(request),
        "json_url": reverse("workforce:dashboard_json") + f"?scope={quote(ref.param)}&" + _filter_query(request),
        "export_url": reverse("workforce:dashboard_export") + f"?scope={quote(ref.param)}&" + _filter_query(request),
        "percent": ms.percent,
    }


@login_required
def dashboard(request):
    """Entry point: the city overview for city users, else the user's own district or school."""
    scope = _require_viewer(request)
    query = ("?" + request.GET.urlencode()) if request.GET else ""
    if scope.kind == "district":
        return redirect(reverse("workforce:dashboard_district", args=[District.objects.get(pk=scope.district_id).code]) + query)
    if scope.kind == "city" and not scope.covers_all:  # one city of several: its own page
        return redirect(_with_query(city_url(sel.city_ref(City.objects.get(pk=scope.city_id))), request.GET.urlencode()))
    if scope.kind == "school":
        return redirect(reverse("workforce:dashboard_school", args=[School.objects.get(pk=scope.school_id).code]) + query)
    return city(request)


# A district's schools are listed a page at a time (``?page=``), searched by name or 学校标识码
# (``?q=``): the figures of a school are finished and shown for the schools of the page only, and
# the district's own line is its sum kept with the facts — the page costs the same for 20 schools
# or 2,000 (issue 18).
SCHOOLS_PER_PAGE = 50
PAGING_KEYS = ("page", "q", "city")  # what says which page or city is shown, not how it is counted


def _filter_query(request) -> str:
    """The page's filters as a query string, without its paging, search and city."""
    params = request.GET.copy()
    for key in PAGING_KEYS:
        params.pop(key, None)
    return params.urlencode()


def _with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}" if query else url


def city_url(ref: sel.ScopeRef) -> str:
    """A city's page: ``?city=<code>`` for one city of several (the whole installation: none)."""
    url = reverse("workforce:dashboard_city")
    return f"{url}?city={ref.code}" if ref.kind == "city" and ref.code else url


def _overview_page(request, ref: sel.ScopeRef, by: str, row_url, row_kind: str, up: str = ""):
    """The province's page (a row per city), a city's (a row per district) or a district's (a row
    per school, a page at a time). ``row_url``: a row's page (a URL name taking the row's code, or
    a function of its ref)."""
    _check_within(request, ref)
    form = DashboardFilterForm(request.GET or None)
    on, year, filters = form.params()
    targets = form.targets(on)
    facts.forget_used()
    page = members = None
    search = request.GET.get("q", "").strip()[:50]
    if by == "school":
        page = Paginator(sel.member_schools(ref, filters, search), SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
        members = [sel.school_ref(school) for school in page.object_list]
    total, rows = sel.measures_by(ref, by, on=on, year=year, filters=filters, targets=targets, members=members)
    query = _filter_query(request)

    def link_of(r):
        return _with_query(row_url(r) if callable(row_url) else reverse(row_url, args=[r.code]), query)

    ctx = _context(request, ref, form, on, year, filters, total, rows, link_of, targets)
    ctx.update(row_kind=row_kind, up=_with_query(up, query) if up else "", page=page, search=search,
               page_qs="&".join(part for part in (query, f"q={quote(search)}" if search else "") if part),
               filter_fields=[(key, value) for key, value in request.GET.items() if key not in PAGING_KEYS])
    return render(request, "workforce/dashboard/overview.html", ctx)


@login_required
def city(request):
    """A city's page, a row per district. In a province of several cities ``?city=<code>`` names
    the city; without it the province's users see the province's page — each measure's figure of
    the province and a row per city (the sum of its districts' facts), each leading to its city's
    page — and a city's users their own city's. A single-city installation: its city, as always."""
    scope = _require_viewer(request)
    code = request.GET.get("city", "").strip()
    if code:
        ref = sel.city_ref(get_object_or_404(City, code=code))
    elif scope.kind == "city" and not scope.covers_all:
        ref = sel.city_ref(get_object_or_404(City, pk=scope.city_id))
    else:
        ref = sel.whole_ref()  # the whole installation (refused below to a district's or a school's user)
    if ref.kind == "province":
        return _overview_page(request, ref, "city", city_url, _("城市"))
    up = reverse("workforce:dashboard_city") if ref.scope.city_id and scope.covers_all else ""
    return _overview_page(request, ref, "district", "workforce:dashboard_district", _("区县"), up)


@login_required
def district(request, code):
    district_obj = get_object_or_404(District.objects.select_related("city"), code=code)
    ref = sel.district_ref(district_obj)
    up = city_url(sel.city_ref(district_obj.city)) if scope_for(request.user).above_district else ""
    return _overview_page(request, ref, "school", "workforce:dashboard_school", _("学校"), up)


def _teacher_rows(teachers, user) -> list[dict]:
    """Teachers behind a figure. 身份证件号 masked for everyone (issue 7): a user with the right
    reveals one at a time with a stated reason (``reveal_url``), and that is logged."""
    reveal = can_see_identity(user)
    reveal_url = reverse("reveal_identity", args=[0]).replace("/0/", "/{}/") if reveal else ""
    stages = dict(c.Stage.choices)
    levels = {}
    out = []
    for t in teachers:
        level = getattr(t, "level", None)
        if level not in levels:
            levels[level] = labels.shown(ms.LEVEL_LABELS.get(level, ""))
        out.append({"name": t.name, "school": t.school.name, "stage": stages.get(t.teaching_stage, t.teaching_stage),
                    "id_number": mask_id_number(t.id_number), "reveal_url": reveal_url.format(t.pk) if reveal else "",
                    "level": levels[level], "extra": getattr(t, "shortfall", None)})
    return out


# A school's drill-down lists (who makes each gap) are shown a page of ``TEACHERS_PER_PAGE`` at a
# time, each with its own page key, the count of the whole list beside it (issue 18: a school of
# 1,000 teachers listed 300 at once).
TEACHERS_PER_PAGE = 50


def _teacher_page(request, teachers, key: str) -> dict:
    """One drill-down list: a page of its rows (``?<key>=``), the paginator, the link to another page."""
    page = Paginator(teachers, TEACHERS_PER_PAGE).get_page(request.GET.get(key))
    params = request.GET.copy()
    params.pop(key, None)
    return {"page": page, "rows": _teacher_rows(page.object_list, request.user), "key": key,
            "qs": params.urlencode(), "count": page.paginator.count, "asked": key in request.GET}


@login_required
def school(request, code):
    school_obj = get_object_or_404(School.objects.select_related("district"), code=code)
    ref = sel.school_ref(school_obj)
    _check_within(request, ref)
    form = DashboardFilterForm(request.GET or None)
    on, year, filters = form.params()
    targets = form.targets(on)
    facts.forget_used()
    data = sel.measures_for(ref, on=on, year=year, filters=filters, targets=targets)
    below = sel.teachers_below_level(ref.scope, on, targets, filters)
    by_code = {line["code"]: line for line in data["table2"]}
    for group in below:
        group["result"] = by_code.get(group["code"])
        group["list"] = _teacher_page(request, group.pop("teachers"), f"p_{group['code']}")
    not_rotated = _teacher_page(request, sel.eligible_not_rotated(ref.scope, year, targets, filters, on=on), "p_rot") \
        if data["rotation"] is not None else None
    behind = sel.training_behind(ref.scope, on) if data["training"] is not None else None
    ctx = _context(request, ref, form, on, year, filters, data, None, None, targets)
    scope = scope_for(request.user)
    ctx.update({
        "below": [g for g in below if g["result"] and g["result"]["denominator"]],
        "not_rotated": not_rotated,
        "behind": None if behind is None else _teacher_page(request, behind, "p_train"),
        "up": _with_query(reverse("workforce:dashboard_district", args=[school_obj.district.code]), _filter_query(request))
        if scope.above_district or scope.kind == "district" else "",
        "school": school_obj,
    })
    return render(request, "workforce/dashboard/school.html", ctx)


# ---------------------------------------------------------------- JSON and Excel
def _requested_ref(request) -> sel.ScopeRef:
    scope = _require_viewer(request)
    text = request.GET.get("scope")
    try:
        ref = sel.resolve_scope(text) if text else sel.ref_for_scope(scope)
    except sel.ScopeNotFound as exc:
        raise Http404(str(exc)) from exc
    _check_within(request, ref)
    return ref


@login_required
def measures_json(request):
    """``?scope=city|district:NAME|school:CODE&on=&year=`` — the command's object, cut to scope."""
    ref = _requested_ref(request)
    form = DashboardFilterForm(request.GET or None)
    on, year, filters = form.params()
    data = sel.measures_for(ref, on=on, year=year, filters=filters, targets=form.targets(on))
    audit.record(audit.EXPORT, request=request, object_type="workforce.measures", object_repr=ref.name,
                 message=f"下载指标数据（JSON）：{ref.name}，统计日期 {on:%Y-%m-%d}")  # issue 12: downloads are attributable
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@login_required
def export(request):
    """The same report as .xlsx: a sheet per measure; ``per_district=1`` adds a sheet per district."""
    ref = _requested_ref(request)
    form = DashboardFilterForm(request.GET or None)
    on, year, filters = form.params()
    targets = form.targets(on)
    per = request.GET.get("per_district") == "1" and ref.kind in ("city", "province")
    if ref.kind == "school":
        total, rows = sel.measures_for(ref, on=on, year=year, filters=filters, targets=targets), []
    else:
        by = {"province": "city", "city": "district"}.get(ref.kind, "school")
        total, rows = sel.measures_by(ref, by, on=on, year=year, filters=filters, targets=targets)
    content = exports.measures_workbook(total, rows, sheet_per_row=per)
    # exports are attributable (issue 7): one audit row per download
    return xlsx_response(request, unquote(exports.filename(total)), content=content, count=len(rows),
                         object_type="workforce.measures", object_repr=ref.name,
                         message=f"导出指标报表：{ref.name}（{len(rows)} 行明细）")


# ---------------------------------------------------------------- a plan's final account (终期核算)
def _final_account(request):
    """The scope asked for (default the user's), its members (districts of the city, schools of a
    district) and the plan chosen (default: in force on the date)."""
    ref = _requested_ref(request)
    form = DashboardFilterForm(request.GET or None)
    on, _year, _filters = form.params()
    targets = form.targets(on)
    if ref.kind in ("city", "province"):
        members = [sel.district_ref(d) for d in District.objects.for_scope(ref.scope)]
    elif ref.kind == "district":
        members = [sel.school_ref(s) for s in School.objects.filter(district_id=ref.scope.district_id)
                   .select_related("district").order_by("code")]
    else:
        members = []
    return ref, form, targets, sel.final_account(ref, targets, members=members)


@login_required
def final_account(request):
    """The chosen plan's final account: the snapshot of the school year beginning in its target
    year (2025-2026 for the 14th plan) against the plan's targets, for the scope and its members."""
    ref, form, targets, account = _final_account(request)
    query = request.GET.urlencode()
    export_url = reverse("workforce:dashboard_final_export") + (f"?{query}" if query else f"?scope={quote(ref.param)}")
    return render(request, "workforce/dashboard/final_account.html", {
        "ref": ref, "form": form, "account": account, "rows": [_final_cells(r) for r in account["rows"]],
        "members": [{"name": m["scope_name"], "cells": [_final_cells(r) for r in m["rows"]], "snapshot_on": m["snapshot_on"]}
                    for m in account["members"]],
        "member_codes": [r for r in account["rows"] if r["table"] != c.IndicatorTable.TEACHERS
                         or r["code"] in ("rotation_ratio", "dual_qualified_share")],
        "export_url": export_url,
        "dashboard_url": reverse("workforce:dashboard") + (f"?plan={account['plan']['code']}" if account["plan"] else ""),
    })


def _final_cells(row: dict) -> dict:
    """One indicator of a final account as a page shows it (texts, colour)."""
    if row["missing"]:
        text = missing_text()
    elif row["value"] is None:
        text = "—"  # nothing to count here (no teachers and no pupils of the stage)
    elif row["percent"]:
        text = ms.percent(row["value"])
    elif row["table"] == c.IndicatorTable.TABLE1:
        text = _ptr_text(row["value"])
    else:
        text = f"{row['value']:g}"

    def plan_value(value):
        return "—" if value is None else (f"{value:g}%" if row["percent"] else f"{value:g}")

    css = "missing" if row["missing"] else ("" if row["met"] is None else ("met" if row["met"] else "unmet"))
    return {**row, "text": text, "css": css, "baseline_text": plan_value(row["baseline"]),
            "interim_text": plan_value(row["interim"]), "target_text": plan_value(row["target"]),
            "met_text": "—" if row["met"] is None else (_("达标") if row["met"] else _("未达标")),
            "gap_text": _("差 %(n)s") % {"n": row["gap"]} if row["met"] is False and row["gap"] else ""}


@login_required
def final_account_export(request):
    ref, _form, _targets, account = _final_account(request)
    content = exports.final_account_workbook(account)
    return xlsx_response(request, unquote(exports.final_account_filename(account)), content=content,
                         count=len(account["rows"]), object_type="workforce.final_account", object_repr=ref.name,
                         message=f"导出规划终期核算：{ref.name}，{(account['plan'] or {}).get('name', '')}")
