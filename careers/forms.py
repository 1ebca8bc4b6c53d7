"""Forms of the careers pages (issue 16): they parse what was posted, with the errors in Chinese
(shown on the page as messages); the services decide (conditions, the 优秀 cap, scope)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workforce import choices as wc
from workforce.forms import SchoolYearField, record_field, record_number
from workforce.models import Teacher

from .choices import AssessmentResult, Series

RESULT_PREFIX = "result_"


class AssessmentResultsForm(forms.Form):
    """A page of 年度考核 results: one ``result_<teacher>`` select per teacher; blank is "not
    entered" and skipped. ``results`` after ``is_valid()``: {teacher number: result code}."""

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.numbers = {}
        for key in data:
            if key.startswith(RESULT_PREFIX):
                self.numbers[key] = record_number(key.removeprefix(RESULT_PREFIX))
                self.fields[key] = forms.ChoiceField(
                    choices=[("", "—"), *AssessmentResult.choices], required=False,
                    error_messages={"invalid_choice": _("“%(value)s”不是可选的考核结果。")})

    def clean(self):
        data = super().clean()
        if any(number == 0 for number in self.numbers.values()):
            raise forms.ValidationError(_("所选教师不存在。"))
        return data

    @property
    def results(self) -> dict[int, str]:
        return {self.numbers[key]: value for key, value in self.cleaned_data.items() if value}


class RoundOpenForm(forms.Form):
    year = SchoolYearField(label=_("评审年度"), required=False)
    series = forms.ChoiceField(label=_("评审系列"), choices=Series.choices,
                               error_messages={"required": _("请选择评审系列。"), "invalid_choice": _("请选择评审系列。")})
    levels = forms.MultipleChoiceField(label=_("评审层级"), choices=wc.Title.choices,
                                       error_messages={"required": _("请至少选择一个评审层级。"),
                                                       "invalid_choice": _("请至少选择一个评审层级。")})


class CandidateForm(forms.Form):
    """Put a teacher forward in a round: the teacher (of the user's scope) and the title sought."""

    teacher = record_field(Teacher.objects.none(), _("请从名单中选择教师（所选教师不存在，或不在您的管理范围内）。"))
    title = forms.ChoiceField(choices=wc.Title.choices, required=False,
                              error_messages={"invalid_choice": _("所选职称不存在。")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = Teacher.objects.in_scope(user)


class DecideForm(forms.Form):
    APPROVE, RETURN = "approve", "return"
    decision = forms.ChoiceField(choices=[(APPROVE, _("审核通过")), (RETURN, _("退回"))], required=False)
    reason = forms.CharField(required=False, max_length=200)
