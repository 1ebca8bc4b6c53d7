"""The audit-trail search for city HR (issue 7). Revealing one full 身份证件号 is a teacher's
page: ``workforce.identity_views`` (accounts import no app, ``.importlinter``)."""
from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .models import AuditEntry
from .rights import can
from core.capabilities import Capability
from core.roles import can_see_ethics


# ------------------------------------------------------------------ audit search
def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditFilter(django_filters.FilterSet):
    """Who, what, which object, when (dates in the site's time zone, inclusive)."""

    user = django_filters.CharFilter(label=gettext_lazy("用户"), method="filter_user")
    action = django_filters.ChoiceFilter(label=gettext_lazy("操作"), choices=AuditEntry.Action.choices,
                                         empty_label=gettext_lazy("全部"))
    object = django_filters.CharFilter(label=gettext_lazy("对象"), method="filter_object",
                                       help_text=gettext_lazy("对象类型、编号或名称"))
    run_ref = django_filters.CharFilter(label=gettext_lazy("导入批次"), field_name="run_ref")
    ip = django_filters.CharFilter(label=gettext_lazy("来源地址"), field_name="ip")
    date_from = django_filters.DateFilter(label=gettext_lazy("起始日期"), method="filter_from",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label=gettext_lazy("截止日期"), method="filter_to",
                                        widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def filter_user(self, qs, name, value):
        value = value.strip()
        return qs.filter(username__icontains=value) if value else qs

    def filter_object(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(object_type__icontains=value) | Q(object_id=value) | Q(object_repr__icontains=value))

    def filter_from(self, qs, name, value):
        return qs.filter(at__gte=_day_start(value))

    def filter_to(self, qs, name, value):
        return qs.filter(at__lt=_day_start(value + dt.timedelta(days=1)))


def change_lines(changes) -> list[str]:
    """``{"school": {"label": "学校", "old": "甲", "new": "乙"}}`` → ``["学校：甲 → 乙"]`` (already masked)."""
    lines = []
    if not isinstance(changes, dict):
        return [str(changes)]
    record = changes.get("_record")
    if isinstance(record, dict):
        lines.append(f"{record.get('label', '')} #{record.get('id', '')}")
    for key, value in changes.items():
        if key.startswith("_"):
            continue
        if isinstance(value, dict) and ("old" in value or "new" in value):
            label = value.get("label", key)
            if "old" in value:
                lines.append(f"{label}：{_blank(value.get('old'))} → {_blank(value.get('new'))}")
            else:
                lines.append(f"{label}：{_blank(value.get('new'))}")
        else:
            lines.append(f"{key}：{value}")
    return lines


def _blank(value) -> str:
    return "（空）" if value in (None, "") else str(value)


ETHICS_TYPES = frozenset({"workforce.ethicscase"})


def is_ethics_entry(entry) -> bool:
    """Changes to an ethics case (师德) stay hidden from an auditor without that right."""
    record = entry.changes.get("_record") if isinstance(entry.changes, dict) else None
    return entry.object_type in ETHICS_TYPES or (isinstance(record, dict) and record.get("type") in ETHICS_TYPES)


def can_search_audit(user) -> bool:
    return can(user, Capability.AUDIT_VIEW)


def audit_rows(user):
    """The trail ``user`` searches: all of it, or in a province of several cities (issue 18) what
    the accounts of their city did (a city's HR reads its own city's trail)."""
    from .models import User
    from .scoping import scope_for, single_city, users_within

    rows = AuditEntry.objects.all()
    scope = scope_for(user)
    if single_city() or scope.covers_all:
        return rows
    return rows.filter(user_id__in=users_within(User._base_manager.all(), scope).values("pk"))


@login_required
def audit_search(request):
    """City HR searches the trail; every other role gets 403 (and that refusal is audited too)."""
    if not can_search_audit(request.user):
        raise PermissionDenied(_("只有市教育局人事科可以查询审计日志。"))
    rows = audit_rows(request.user).order_by("-at", "-id")
    flt = AuditFilter(request.GET or None, queryset=rows)
    qs = flt.qs if flt.is_bound and flt.is_valid() else rows
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ethics = can_see_ethics(request.user)
    rows = [(e, change_lines(e.changes) if ethics or not is_ethics_entry(e) else [_("（师德档案内容，需查看师德档案的权限）")])
            for e in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "security/audit_search.html", {
        "filter": flt, "page": page, "rows": rows, "query": query.urlencode(),
    })
