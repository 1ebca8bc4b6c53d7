"""Forms of the workflow pages (rotation, honours and ethics, quota) and of careers: they parse and
check what a person posted, with the errors in Chinese on the page; the services decide the rest
(rules, scope, the veto) and refuse with their own messages.

A record a form names (a teacher picked from a list, a school, a type) is chosen among the records
the user may use: ``ModelChoiceField`` over a queryset cut to the user's scope, so a number
outside it is the same error as a number that does not exist.
"""
from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from backend.scoping import scope_for

from .models import EthicsSeverity, ExchangeType, HonourType, Nomination, School, Teacher

PICK_ERROR = _("请从名单中选择教师（所选教师不存在，或不在您的管理范围内）。")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class SchoolYearField(forms.IntegerField):
    """A year as pages post it: ``2025`` or a school year ``2025-2026`` (its first year), 2000–2100."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        kwargs.setdefault("error_messages", {"invalid": _("请填写年份，如 2025。")})
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str) and "-" in value.strip()[1:]:
            value = value.strip().split("-")[0]
        return super().to_python(value)


def record_number(value) -> int:
    """A record number a form posts; 0 (no record) for anything else ("abc", "²", 40 digits)."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0


class RecordField(forms.ModelChoiceField):
    """A record picked by its number (a form's hidden or select value); any other text — "abc",
    "²", 40 digits — is "not a choice", never an error page."""

    def to_python(self, value):
        if str(value if value is not None else "").strip() and not record_number(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


def record_field(queryset, required_message, *, required=True, label=""):
    return RecordField(queryset=queryset, required=required, label=label,
                       error_messages={"required": required_message, "invalid_choice": required_message})


def _date(label, required_message="", *, required=True):
    return forms.DateField(label=label, required=required, input_formats=["%Y-%m-%d"],
                           error_messages={"required": required_message, "invalid": _("日期格式应为 2025-09-01。")})


class YearForm(forms.Form):
    """``?year=`` of a page: a bad or missing year is the page's default, never an error."""

    year = SchoolYearField(required=False)


def year_param(data, default: int, key: str = "year") -> int:
    """The year posted or asked for under ``key`` (``2025`` or ``2025-2026``), else ``default``."""
    form = YearForm({"year": data.get(key)})
    return form.cleaned_data["year"] if form.is_valid() and form.cleaned_data["year"] else default


def date_param(data, key: str) -> dt.date | None:
    """A date asked for under ``key`` (``?on=2025-06-01``), None when missing or malformed."""
    field = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    try:
        return field.clean((data.get(key) or "").strip())
    except forms.ValidationError:
        return None


def errors_of(form: forms.Form) -> list[str]:
    """A form's messages, each once, in field order (the page lists them above the form)."""
    out = []
    for messages in form.errors.values():
        out.extend(m for m in messages if m not in out)
    return out


# ---------------------------------------------------------------- rotation
class ExchangeForm(forms.Form):
    """Record an exchange (交流轮岗) for a teacher, or for the teachers ticked in the list."""

    exchange_type = record_field(ExchangeType.objects.all(), _("请选择交流轮岗类型。"), label=_("交流轮岗类型"))
    start = _date(_("开始日期"), _("请填写开始日期。"))
    end = _date(_("结束日期（可空）"), required=False)
    to_school = record_field(School.objects.filter(is_active=True), _("请选择交流轮岗单位。"), label=_("交流轮岗单位"))
    moves_personnel = forms.BooleanField(label=_("调动人事关系"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:  # a school of the user's city (any in a single-city installation)
            self.fields["to_school"].queryset = School.objects.filter(is_active=True).of_own_city(scope_for(user))


class ExchangeEndForm(forms.Form):
    end = _date(_("结束日期"), _("请填写结束日期。"))


# ---------------------------------------------------------------- honours and ethics
class AwardForm(forms.Form):
    """Grant an honour: to a teacher picked from the list (their record number, never a typed ID
    number), or to a team of a school."""

    honour_type = record_field(HonourType.objects.all(), _("请选择荣誉类型。"), label=_("荣誉类型"))
    teacher = record_field(Teacher.objects.none(), PICK_ERROR, required=False)
    school = record_field(School.objects.none(), _("所选学校不在您的管理范围内。"), required=False)
    team_name = forms.CharField(required=False, max_length=100)
    awarded_on = _date(_("授予日期"), _("请填写授予日期。"))
    expires_on = _date(_("到期日期"), required=False)
    awarding_body = forms.CharField(required=False, max_length=100)
    nomination = record_field(Nomination.objects.none(), _("所选推荐不在您的管理范围内。"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = Teacher.objects.in_scope(user).select_related("school")
        self.fields["school"].queryset = School.objects.in_scope(user)
        self.fields["nomination"].queryset = Nomination.objects.in_scope(user)


class AwardActionForm(forms.Form):
    """Expire or revoke an award on a day (today unless given); a revocation says why."""

    on = _date(_("日期"), required=False)
    reason = forms.CharField(required=False, max_length=200)


class NominateForm(forms.Form):
    teacher = record_field(Teacher.objects.none(), PICK_ERROR)
    note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = Teacher.objects.in_scope(user)


class EthicsCaseForm(forms.Form):
    severity = record_field(EthicsSeverity.objects.all(), _("请选择处理等级。"), label=_("处理等级"))
    occurred_on = _date(_("发生日期"), _("请填写发生日期和认定日期。"))
    decided_on = _date(_("认定日期"), _("请填写发生日期和认定日期。"))
    # the teacher picked from the list below the form: its record number, never a typed ID number
    teacher = record_field(Teacher.objects.none(), PICK_ERROR)
    substantiated = forms.BooleanField(required=False)
    description = forms.CharField(required=False, widget=forms.Textarea)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = Teacher.objects.in_scope(user).select_related("school")


# ---------------------------------------------------------------- quota
class QuotaAllocateForm(forms.Form):
    year = SchoolYearField(required=False)
    posts = forms.IntegerField(error_messages={"required": _("请填写分配编制数（整数）。"),
                                               "invalid": _("请填写分配编制数（整数）。")})


class ProposalDecideForm(forms.Form):
    confirm_own = forms.BooleanField(required=False)
