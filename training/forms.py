"""Forms of the training pages: they parse input; the services validate and write."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workforce import choices as c

from .evidence import EXTENSIONS
from .models import Programme

ACCEPT = ",".join(f".{ext}" for ext in sorted(set(EXTENSIONS))) + ",application/pdf,image/jpeg,image/png"


def _blank(choices):
    return [("", _("—— 请选择 ——")), *choices]


class DateInput(forms.DateInput):
    input_type = "date"


class CreditForm(forms.Form):
    """Log (or correct) a training: a catalogue programme, or free text."""

    # shown first; the rest (dates, provider) fold away so a phone shows a short form
    primary_fields = ("programme", "title", "level", "mode", "hours", "year", "evidence")

    programme = forms.ModelChoiceField(
        label=_("目录中的项目"), queryset=Programme.objects.none(), required=False,
        empty_label=_("不在目录中（自行填写）"),
        help_text=_("选了目录项目，名称、类别、方式、学时按项目填写，可不再填写下面各项"),
    )
    title = forms.CharField(label=_("项目名称"), max_length=150, required=False)
    level = forms.ChoiceField(label=_("培训类别"), choices=_blank(c.TrainingLevel.choices), required=False)
    mode = forms.ChoiceField(label=_("培训方式"), choices=_blank(c.TrainingMode.choices), required=False)
    hours = forms.DecimalField(label=_("获得学时"), max_digits=6, decimal_places=1, min_value=0.1, required=False,
                               widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5"}))
    year = forms.IntegerField(label=_("培训年度"), min_value=2000, max_value=2100, required=False,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                              help_text=_("填写了结束日期可不填，按结束日期所在年度计"))
    start = forms.DateField(label=_("开始日期"), required=False, widget=DateInput)
    end = forms.DateField(label=_("结束日期"), required=False, widget=DateInput)
    provider = forms.CharField(label=_("培训机构"), max_length=100, required=False)
    evidence = forms.FileField(
        label=_("证明材料（PDF/JPG/PNG）"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("结业证书、学时证明等的照片或扫描件"),
    )

    def __init__(self, *args, programmes=None, with_programme=True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_programme and programmes is not None:
            self.fields["programme"].queryset = programmes
        else:
            del self.fields["programme"]
        if not self.is_bound and "year" not in self.initial:
            self.initial["year"] = timezone.localdate().year

    def clean(self):
        data = super().clean()
        if not data.get("programme"):
            for name in ("title", "level", "mode", "hours"):
                if name in self.fields and not data.get(name) and name not in self.errors:
                    self.add_error(name, _("未选目录项目时，此项必填。"))
        if not data.get("year") and not data.get("start") and not data.get("end") and "year" not in self.errors:
            self.add_error("year", _("请填写培训年度或培训日期。"))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        keys = ["title", "level", "mode", "hours", "year", "start", "end", "provider"]
        out = {key: data.get(key) for key in keys}
        out["title"], out["level"], out["mode"], out["provider"] = (
            out["title"] or "", out["level"] or "", out["mode"] or "", out["provider"] or "")
        return out


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), max_length=200)


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["name", "provider", "level", "mode", "hours", "start", "end", "capacity", "district"]
        widgets = {"start": DateInput, "end": DateInput}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .permissions import publishes_for_own_district

        if user is not None and publishes_for_own_district(user):
            del self.fields["district"]
        elif user is not None:  # the districts of the user's city (all of them in a single-city installation)
            from backend.scoping import scope_for
            from workforce.models import District

            self.fields["district"].queryset = District.objects.of_own_city(scope_for(user))
