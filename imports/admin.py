import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backend.admin_base import ScopedAdmin
from core.i18n import data_language
from core.masking import mask_value
from backend.rights import can
from core.capabilities import Capability
from backend.scoping import scope_for
from workforce.resources import ReferenceImportExportMixin

from . import mappings
from .forms import kind_choices
from .kinds import KINDS
from .models import ImportRun, SavedMapping
from .resources import SavedMappingResource


class AdminUploadForm(forms.Form):
    file = forms.FileField(label=_("文件"))
    kind = forms.ChoiceField(label=_("类别"), required=False,
                             choices=kind_choices)
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


# ---------------------------------------------------------------- import spellings (issue 13)
class SavedMappingForm(forms.ModelForm):
    """A mapping as city HR writes it: the sheet kind from a list, the column and target by key
    or by name (办学性质, 民办), checked as the preview checks an answer
    (``imports.mappings.clean_mapping``): a header means a field of that sheet kind or nothing,
    a value of a coded or 是/否 column one of that column's codes."""

    sheet_kind = forms.ChoiceField(label=_("表格类别"), choices=mappings.sheet_kind_choices)

    class Meta:
        model = SavedMapping
        fields = ["sheet_kind", "column", "text", "target", "district", "school"]
        help_texts = {
            "column": _("留空：表头的映射（文件中的列名）；填写列名（如“办学性质”）：该列取值的映射"),
            "target": _("表头映射：字段名称（如“办学性质”），或“不需要”；取值映射：该列的代码或名称（如“民办”）"),
            "district": _("区县与学校都不填：全市通用的写法"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mapping = self.instance
        if mapping.pk is not None:  # shown by name (办学性质, 民办), as city HR would type them
            self.initial["column"] = mappings.column_label(mapping.sheet_kind, mapping.column)
            self.initial["target"] = mappings.mapping_label(mapping.sheet_kind, mapping.column, mapping.target)

    def clean(self):
        data = super().clean()
        if not {"sheet_kind", "text"} <= set(data):
            return data
        try:
            data["sheet_kind"], data["column"], data["target"] = mappings.clean_mapping(
                sheet_kind=data["sheet_kind"], column=data.get("column", ""), target=data.get("target", ""))
        except ValidationError as error:
            self.add_error(None, error)
            return data
        district, school = data.get("district"), data.get("school")
        if district and school:
            self.add_error("school", _("一条映射只属于一个组织：全市（区县与学校都不填）、一个区县或一所学校"))
            return data
        norm = mappings.normalise(data["text"], header=not data["column"])
        twin = SavedMapping.objects.filter(sheet_kind=data["sheet_kind"], column=data["column"], norm=norm,
                                           district=district, school=school).exclude(pk=self.instance.pk)
        if twin.exists():
            self.add_error("text", _("该组织已有这一写法的映射，请修改那一条"))
        return data


class OrganisationFilter(admin.SimpleListFilter):
    """全市, or one district or school that has mappings the user may see."""

    title = _("组织")
    parameter_name = "org"

    def lookups(self, request, model_admin):
        rows = model_admin.get_queryset(request)
        out = [("city", _("全市"))]
        districts = rows.filter(district__isnull=False).values_list("district_id", "district__name").distinct()
        out += [(f"d{pk}", name) for pk, name in sorted(set(districts), key=lambda d: d[1])]
        schools = rows.filter(school__isnull=False).values_list("school_id", "school__name").distinct()
        out += [(f"s{pk}", name) for pk, name in sorted(set(schools), key=lambda s: s[1])]
        return out

    def queryset(self, request, queryset):
        value = self.value() or ""
        if value == "city":
            return queryset.filter(district__isnull=True, school__isnull=True)
        if value[:1] in ("d", "s") and value[1:].isdigit() and len(value) < 19:
            if value[0] == "d":
                return queryset.filter(district_id=int(value[1:]), school__isnull=True)
            return queryset.filter(school_id=int(value[1:]))
        return queryset if not value else queryset.none()


class SheetKindFilter(admin.SimpleListFilter):
    title = _("表格类别")
    parameter_name = "sheet_kind"

    def lookups(self, request, model_admin):
        present = set(model_admin.get_queryset(request).values_list("sheet_kind", flat=True).distinct())
        return [(key, label) for key, label in mappings.sheet_kind_choices() if key in present]

    def queryset(self, request, queryset):
        return queryset.filter(sheet_kind=self.value()) if self.value() else queryset


class ColumnFilter(admin.SimpleListFilter):
    """表头 (header mappings), or the column whose values are mapped (by its header)."""

    title = _("列")
    parameter_name = "column"
    HEADERS = "-"

    def lookups(self, request, model_admin):
        present = set(model_admin.get_queryset(request).values_list("column", flat=True).distinct())
        out = [(self.HEADERS, _("表头"))] if "" in present else []
        named = {key: mappings.column_label(mappings.ANY_SHEET, key) for key in present if key}
        return out + sorted(named.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(column="" if value == self.HEADERS else value)


@admin.register(SavedMapping)
class SavedMappingAdmin(ReferenceImportExportMixin, ScopedAdmin):
    """导入映射: the city's own spellings and every organisation's answers (issue 13).

    City HR sees, edits, imports and exports all of them. District and school HR see every
    mapping their imports use — their own organisation's answers, the city's spellings and, for a
    school, its district's answers — and may delete their own answers (the preview then asks
    again), not the others'; no one else sees the list."""

    form = SavedMappingForm
    list_display = ["text", "sheet_kind_name", "column_name", "target", "target_label", "organisation_name",
                    "created_by", "created_at"]
    list_filter = [OrganisationFilter, SheetKindFilter, ColumnFilter]
    search_fields = ["text", "target", "column"]
    search_help_text = _("按文件中的写法、对应的字段或代码（也可输入名称，如“民办”）搜索")
    list_select_related = ["district", "school", "created_by"]
    readonly_fields = ["target_label", "created_by", "created_at"]
    raw_id_fields = ["school"]
    resource_classes = [SavedMappingResource]
    shown_fields = ["text", "sheet_kind_name", "column_name", "target_label", "organisation_name", "created_by",
                    "created_at"]
    write_capability = Capability.MAPPINGS_EDIT
    view_capability = Capability.IMPORTS_RUN

    def get_queryset(self, request):
        """Every mapping an import by the user uses (``mappings.applying_to``): a school's HR sees
        its district's and the city's too (read-only), since they apply to its imports."""
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs.filter(mappings.applying_to(scope_for(request.user)))

    def has_delete_permission(self, request, obj=None):
        """City HR: any mapping. District and school HR: their own organisation's answers only
        (``obj=None`` asks whether the list offers deleting; each chosen row is asked again)."""
        user = request.user
        if not can(user, Capability.IMPORTS_RUN):
            return False
        if can(user, Capability.MAPPINGS_EDIT):
            return True
        scope = scope_for(user)
        if scope.kind not in ("district", "school"):
            return False
        return obj is None or mappings.organisation_of(scope) == {"district_id": obj.district_id,
                                                                  "school_id": obj.school_id}

    def get_fields(self, request, obj=None):
        """Who may only look (district and school HR) sees a mapping by its names."""
        if obj is not None and not self.has_change_permission(request, obj):
            return self.shown_fields
        return super().get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_search_results(self, request, queryset, search_term):
        """Also by what a mapping means: 民办 finds the mappings to ``private`` of 办学性质."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        meaning = _named(search_term)
        if meaning is not None:
            found = found | queryset.filter(meaning)
        return found, duplicates

    @admin.display(description=_("表格类别"), ordering="sheet_kind")
    def sheet_kind_name(self, obj):
        return mappings.sheet_kind_label(obj.sheet_kind)

    @admin.display(description=_("列"), ordering="column")
    def column_name(self, obj):
        return mappings.column_label(obj.sheet_kind, obj.column) or _("（表头）")

    @admin.display(description=_("含义"))
    def target_label(self, obj):
        if not obj.sheet_kind:
            return ""
        return mappings.mapping_label(obj.sheet_kind, obj.column, obj.target)

    @admin.display(description=_("组织"))
    def organisation_name(self, obj):
        return obj.organisation


def _named(term: str):
    """The mappings whose target a search term names (a field's header or a code's label), as
    a ``Q``; None when it names none."""
    term = (term or "").strip()
    if not term or len(term) > 40:
        return None
    query = Q()
    for kind in KINDS.values():
        for column in kind.columns:
            if term in column.label:
                query |= Q(column="", target=column.key)
            if column.type == "choice" and column.choices is not None:
                codes = [str(code) for code, label in column.choices.choices
                         if code != "" and (term in str(label) or term in _chinese(label))]
                if codes:
                    query |= Q(column=column.key, target__in=codes)
    return query or None


def _chinese(label) -> str:
    with data_language():
        return str(label)
