import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backend.admin_base import ScopedAdmin
from backend.masking import mask_value

from .kinds import KIND_ORDER, KINDS
from .models import ImportRun


class AdminUploadForm(forms.Form):
    file = forms.FileField(label=_("文件"))
    kind = forms.ChoiceField(label=_("类别"), required=False,
                             choices=[("", _("自动识别（按表头）"))] + [(k, KINDS[k].label) for k in KIND_ORDER])
    school = forms.CharField(label=_("学校标识码"), required=False, help_text=_("文件没有学校列时，教师导入到这所学校"))
    dry_run = forms.BooleanField(label=_("仅预览（不写入）"), required=False, initial=True)


@admin.register(ImportRun)
class ImportRunAdmin(ScopedAdmin):
    list_display = ["started_at", "user", "file_name", "kind", "dry_run", "outcome", "rows", "new", "changed", "unchanged", "errors"]
    list_filter = ["outcome", "kind", "dry_run"]
    list_select_related = ["user"]
    exclude = ["upload", "report"]
    readonly_fields = ["report_masked"]
    masked_fields = ("report",)  # shown masked: no filter on it without the identity right (issue 12)
    change_list_template = "admin/imports/importrun/change_list.html"

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if request.user.scope.is_city else qs.filter(user=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("报告"))
    def report_masked(self, obj):
        """The run's report with every 身份证件号 in it masked (the uploaded values may hold them)."""
        return format_html("<pre>{}</pre>", json.dumps(mask_value(obj.report), ensure_ascii=False, indent=1))

    def get_urls(self):
        return [path("upload/", self.admin_site.admin_view(self.upload_view), name="imports_importrun_upload"),
                *super().get_urls()]

    def upload_view(self, request):
        """The admin's upload entry: the same service as the CLI and the web page, as a background
        run (``imports.tasks``) like the web page's. The result shows here when the run is done by
        the time the page answers; else the run's page shows its progress."""
        from workforce.models import School

        from .views import _start, may_import

        if not may_import(request.user):
            raise PermissionDenied
        report = None
        form = AdminUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            code = data["school"].strip()
            school = School.objects.filter(code=code).first() if code else None
            if code and school is None:
                form.add_error("school", _("学校标识码“%(code)s”不存在") % {"code": code})
            else:
                upload = data["file"]
                run = ImportRun(user=request.user, file_name=upload.name[-255:], file_sha256="", dry_run=data["dry_run"],
                                source="admin", outcome=ImportRun.Outcome.QUEUED, requested_kind=data["kind"] or "",
                                school=school)
                run.upload.save(upload.name, upload, save=False)
                run.save()
                _start(run, dry_run=data["dry_run"])
                run.refresh_from_db()
                if not run.is_finished:
                    return redirect(reverse("imports:run", args=[run.pk]))
                if run.outcome == ImportRun.Outcome.COMMITTED:
                    messages.success(request, _("已导入：新增 %(new)s，修改 %(changed)s，未变 %(unchanged)s。") % {
                        "new": run.new, "changed": run.changed, "unchanged": run.unchanged})
                    return redirect(reverse("admin:imports_importrun_change", args=[run.pk]))
                report = {**(run.report or {}), "outcome": run.get_outcome_display(), "dry_run": run.dry_run,
                          "rows": run.rows, "new": run.new, "changed": run.changed, "unchanged": run.unchanged}
        return TemplateResponse(request, "admin/imports/importrun/upload.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "report": report,
            "title": _("上传导入"),
        })
