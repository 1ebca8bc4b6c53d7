from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from workforce.models import School

from .kinds import KIND_ORDER, KINDS


def kind_choices() -> list[tuple[str, str]]:
    """The kinds an upload may be forced to, every registered kind (``imports.handlers``)
    included: a callable, so a kind registered after this module is loaded is listed too."""
    return [("", _("自动识别（按表头）"))] + [(k, _(KINDS[k].label)) for k in KIND_ORDER]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"), help_text=_(".xlsx、.xls 或 .csv（可以是全国教师管理信息系统导出的表）"))
    kind = forms.ChoiceField(label=_("类别"), required=False,
                             choices=kind_choices)
    school = forms.ModelChoiceField(label=_("学校"), required=False, queryset=School.objects.none(),
                                    to_field_name="code", empty_label=_("（文件中有学校列）"),
                                    help_text=_("文件没有学校标识码或学校名称列时，教师导入到这所学校"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(_("文件太大（%(size).1f MB），上限为 %(limit).0f MB。请拆分后分批上传。") % {
                "size": upload.size / 1048576, "limit": limit / 1048576})
        return upload

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        if scope is None or scope.kind == "school":
            del self.fields["school"]
        else:
            self.fields["school"].queryset = School.objects.for_scope(scope).only("code", "name").order_by("code")
