"""Forms of the personnel pages: they parse and check what a person typed; the services decide."""
from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy as _

from backend.scoping import scope_for
from training.evidence import check_evidence
from workforce import choices as c
from workforce.models import District, EducationRecord, HonourType, School, Teacher

from . import fields as f
from .models import PersonnelEvent

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES = {"是", "1", "true", "yes", "y", "√", "on"}
NO = {"否", "0", "false", "no", "n", "×", "off"}
MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-./年]\s*)?(\d{1,2})\s*月?\s*(?:[-./]\s*(\d{1,2})\s*日?)?\s*$")


class EvidenceMixin(forms.Form):
    evidence = forms.FileField(label=_("证明材料"), required=False, help_text=_("PDF、JPG 或 PNG，如学历证书、聘书、获奖证书"))
    reason = forms.CharField(label=_("说明"), required=False, max_length=300,
                             widget=forms.TextInput(attrs={"placeholder": _("如：补录在职研究生学历")}))

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            check_evidence(upload)
        return upload


def parse_value(name: str, raw: str):
    """A value typed for field ``name`` → what the field holds; ValidationError in Chinese."""
    field = f.model_field(name)
    text = (raw or "").strip()
    if field.choices:
        for code, label in field.flatchoices:
            if text and text in (str(code), str(label)):
                return code
        if not text and field.blank:
            return ""
        raise ValidationError(_("“%(v)s”不是可选值，可选：%(options)s")
                              % {"v": text, "options": "、".join(str(label) for code, label in field.flatchoices if code)})
    kind = field.get_internal_type()
    if kind == "BooleanField":
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        if not text and field.null:
            return None
        raise ValidationError(_("请填写“是”或“否”。"))
    if kind == "DateField":
        if not text and field.null:
            return None
        match = MONTH.match(text.replace("/", "-"))
        if not match:
            raise ValidationError(_("日期格式应为 2020-09 或 2020-09-01。"))
        year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
        try:
            return dt.date(year, month, 1 if name in f.MONTH_FIELDS else day)
        except ValueError:
            raise ValidationError(_("日期不存在。")) from None
    if kind == "PositiveSmallIntegerField":
        if not text and field.null:
            return None
        if not text.isdigit():
            raise ValidationError(_("请填写整数。"))
        return int(text)
    if not text and not field.blank:
        raise ValidationError(_("不能为空。"))
    if field.max_length and len(text) > field.max_length:
        raise ValidationError(_("最多 %(n)s 个字。") % {"n": field.max_length})
    return text


class FieldProposalForm(EvidenceMixin):
    """更正一项信息: the field, its new value (as written on the national sheet), evidence, why."""

    field = forms.ChoiceField(label=_("要更正的项目"))
    value = forms.CharField(label=_("正确的值"), max_length=200, required=False,
                            help_text=_("选项类按名称填写（如“中共党员”“专任教师”），是否类填“是/否”，年月填 2020-09"))
    field_order = ["field", "value", "evidence", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [(name, f.label(name)) for name in f.EDITABLE_FIELDS]

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("field")
        if name:
            try:
                cleaned["parsed"] = parse_value(name, cleaned.get("value", ""))
            except ValidationError as error:
                self.add_error("value", error)
        return cleaned


class EducationProposalForm(EvidenceMixin, forms.ModelForm):
    class Meta:
        model = EducationRecord
        fields = ["education", "degree", "degree_name", "study_mode", "institution", "major", "is_normal_major",
                  "is_highest", "start", "end"]
        widgets = {"start": DATE, "end": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["is_highest"].initial = True

    def _post_clean(self):  # the record's rules are the service's (the teacher is not set here)
        pass

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class TitleProposalForm(EvidenceMixin):
    title = forms.ChoiceField(label=_("专业技术职务"), choices=c.Title.choices)
    appointed_on = forms.DateField(label=_("聘任年月"), widget=DATE)

    def values(self) -> dict:
        return {"title": self.cleaned_data["title"], "appointed_on": self.cleaned_data["appointed_on"]}


class HonourTypeField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return gettext(obj.name)  # the seeded names read in the page's language


class HonourProposalForm(EvidenceMixin):
    honour_type = HonourTypeField(label=_("荣誉称号"), queryset=HonourType.objects.filter(is_team=False))
    awarded_on = forms.DateField(label=_("授予日期"), widget=DATE)
    awarding_body = forms.CharField(label=_("授予单位"), max_length=100, required=False)

    def values(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("honour_type", "awarded_on", "awarding_body")}


class TeacherEditForm(EvidenceMixin, forms.ModelForm):
    """HR's edit of a teacher's record: the changed fields go to ``services.teacher_edit``."""

    class Meta:
        model = Teacher
        fields = list(f.EDITABLE_FIELDS)
        widgets = {name: DATE for name in ("work_start", "school_entry", "grassroots_start", "grassroots_end")}

    def _post_clean(self):  # validated field by field by the service, against the stored record
        pass

    def changes(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.changed_data if name in f.EDITABLE_FIELDS}


class DecisionForm(forms.Form):
    """A decision posted from a list or a record page: which ``action`` (one of ``actions``) and
    the reason a return or a cancellation carries (the service says when one is missing)."""

    action = forms.ChoiceField(label=_("操作"), error_messages={"required": _("未知操作。"),
                                                               "invalid_choice": _("未知操作。")})
    reason = forms.CharField(label=_("原因"), max_length=300, required=False, strip=True)

    def __init__(self, data, *, actions: tuple[str, ...]):
        super().__init__(data)
        self.fields["action"].choices = [(action, action) for action in actions]

    def error_text(self) -> str:
        return " ".join(message for messages in self.errors.values() for message in messages)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=300)


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("变动类别"), choices=PersonnelEvent.Kind.choices)
    effective_on = forms.DateField(label=_("生效日期"), widget=DATE)
    to_school = forms.ModelChoiceField(label=_("调入学校 / 新进、返聘学校"), queryset=School.objects.none(), required=False,
                                       help_text=_("调动：调入学校（可以是其他区县的学校）"))
    teaching_stage = forms.ChoiceField(label=_("调入后任教学段"), choices=[("", "—"), *c.Stage.choices], required=False)
    left_reason = forms.ChoiceField(label=_("离校原因"), choices=[("", "—"), *c.LeftReason.choices], required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        schools = School.objects.filter(is_active=True)
        if user is not None:  # a school of the user's city (any in a single-city installation)
            schools = schools.of_own_city(scope_for(user))
        self.fields["to_school"].queryset = schools.select_related("district").order_by("district__order", "code")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == PersonnelEvent.Kind.TRANSFER and not cleaned.get("to_school"):
            self.add_error("to_school", _("调动须选择调入学校。"))
        if kind == PersonnelEvent.Kind.LEAVE and not cleaned.get("left_reason"):
            self.add_error("left_reason", _("离校须选择离校原因。"))
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200)


class ExportForm(forms.Form):
    """For a school, a district or the city (within the user's scope)."""

    district = forms.ModelChoiceField(label=_("区县"), queryset=District.objects.none(), required=False,
                                      empty_label=_("全部"))
    school = forms.ModelChoiceField(label=_("学校"), queryset=School.objects.none(), required=False, empty_label=_("全部"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        self.fields["school"].queryset = School.objects.for_scope(scope).select_related("district").order_by("code")
        if scope.above_district:
            self.fields["district"].queryset = District.objects.for_scope(scope)
        else:
            del self.fields["district"]


class PeriodForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60, initial=_("年度基数报送"))
    school_year = forms.IntegerField(label=_("学年（起始年）"), min_value=2000, max_value=2100)
    deadline = forms.DateField(label=_("报送截止日期"), required=False, widget=DATE)
