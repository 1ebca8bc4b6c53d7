"""Revealing one full 身份证件号 (issue 7): with the right and a stated reason, logged in the audit
trail. Served under ``/accounts/reveal/<id>/`` by the root URLs (``workforce.identity_urls``); a
teacher's page, so it lives with the teacher, above the accounts it asks (``.importlinter``)."""
from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from backend import audit
from backend.scoping import get_in_scope_or_404
from core.roles import can_see_identity

from .models import Teacher


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("查看理由"), min_length=4, max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("例如：核对社保登记信息。理由与查看记录一同存入审计日志。"),
        error_messages={"required": gettext_lazy("请填写查看理由。"),
                        "min_length": gettext_lazy("查看理由至少 %(limit_value)d 个字。")},
    )

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if len(reason) < 4:
            raise forms.ValidationError(_("查看理由至少 4 个字。"))
        return reason


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or request.GET.get("format") == "json"


@login_required
@require_http_methods(["GET", "POST"])
def reveal_identity(request, teacher_id: int):
    """GET: the form (masked number, a reason to give). POST with a reason: the full number and
    birth date, once, and an audit row ``reveal`` with the reason. Without the right: 403 (for
    every teacher alike); with the right but outside the user's scope: 404."""
    if not can_see_identity(request.user):
        raise PermissionDenied(_("您没有查看完整身份证件号的权限。"))
    teacher = get_in_scope_or_404(request, Teacher.objects.in_scope(request.user).select_related("school"), pk=teacher_id)
    form = RevealForm(request.POST or None)
    revealed = None
    if request.method == "POST" and form.is_valid():
        audit.record(audit.REVEAL, request=request, obj=teacher, message=_("理由：%(r)s") % {"r": form.cleaned_data["reason"]})
        revealed = {"id_number": teacher.id_number, "birth_date": teacher.birth_date.isoformat()}
        if _wants_json(request):
            return JsonResponse({"teacher": teacher.pk, **revealed})
    elif request.method == "POST" and _wants_json(request):
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "security/reveal.html", {"teacher": teacher, "form": form, "revealed": revealed}, status=status)
