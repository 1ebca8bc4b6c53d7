"""Excel import and export of the reference tables city HR maintains (django-import-export).

Honour types, exchange types, staffing standards, plan indicators and ethics severities are data
the measures read. City HR exports a table from its admin list (导出), edits it in Excel and
imports it back (导入) through django-import-export's own preview and confirm pages; the admin
classes take :class:`ReferenceImportExportMixin` next to ``backend.admin_base.CityOnlyAdmin``.

What a file looks like and how it is read:

- Columns are headed by the fields' Chinese names whatever the page language (``core.i18n``);
  a header is matched without its spaces, ``*`` and full-width forms.
- Coded values are written as their Chinese labels and read as label or code (``省级`` or
  ``provincial``); yes/no as 是/否 (1/0, √/×, true/false read too).
- Rows are matched by their natural key (``import_id_fields``: the code or the name, never the
  database id), so a file from another machine updates the same rows; a foreign key is written
  and read by its natural key too (:class:`NaturalKeyWidget`).
- Every row is validated like an admin save (``full_clean``: constraints, ranges, unique keys);
  a file with one invalid row writes nothing and the preview lists every invalid row.
- Every row written is audited as an admin save is (``backend.audit``, source ``admin``), with
  one summary row for the file; an export is audited too.
- Text cells are escaped against formulas on export (``core.spreadsheets.escape_cell``) and
  read back without the escape.

``imports.resources`` builds on this module for the import spellings (``SavedMapping``).
"""
from __future__ import annotations

import copy
import re
import time
import unicodedata
import uuid
from decimal import Decimal
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, SuspiciousFileOperation, ValidationError
from django.db import models
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm, SelectableFieldsExportForm
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import RowResult
from import_export.tmp_storages import BaseStorage

from backend import audit
from core.i18n import data_language
from core.spreadsheets import FORMULA_PREFIXES, escape_cell

from . import models as m

__all__ = [
    "TextWidget", "YesNoWidget", "ChoiceWidget", "NumberWidget", "NaturalKeyWidget", "ReferenceResource",
    "ReferenceImportExportMixin", "HonourTypeResource", "ExchangeTypeResource", "StaffingStandardResource",
    "PlanIndicatorResource", "EthicsSeverityResource",
]


def loose(value) -> str:
    """How a header or a coded value is compared: full-width forms, spaces, ``*`` and letter
    case ignored (``＊ 级 别`` is ``级别``)."""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"[\s*]+", "", text).casefold()


def _cell_text(value) -> str:
    """A cell as text: a whole number typed as a number (``100.0``) without its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return str(value).strip()


# --------------------------------------------------------------------------- widgets
class TextWidget(widgets.CharWidget):
    """Text, trimmed; escaped against formulas when written, read back without the escape."""

    def clean(self, value, row=None, **kwargs):
        text = _cell_text(value)
        if text[:1] == "'" and text[1:].startswith(FORMULA_PREFIXES):
            text = text[1:]
        return text if text or self.allow_blank else None

    def render(self, value, obj=None, **kwargs):
        return escape_cell("" if value is None else str(value))


class YesNoWidget(widgets.Widget):
    """是 / 否 (read also as 1/0, √/×, true/false, y/n)."""

    TRUE = frozenset({"是", "1", "√", "✓", "true", "t", "y", "yes", "对"})
    FALSE = frozenset({"否", "0", "×", "✗", "x", "false", "f", "n", "no", "不是"})

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        key = loose(_cell_text(value))
        if not key:
            return None  # the field's default
        if key in self.TRUE:
            return True
        if key in self.FALSE:
            return False
        raise ValueError(_("“%(value)s”不是有效的是/否值，请填写“是”或“否”") % {"value": _cell_text(value)})

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        with data_language():
            return "是" if value else "否"


class ChoiceWidget(widgets.Widget):
    """A coded field: written as its Chinese label, read as label or code."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = [(str(code), label) for code, label in choices if str(code) != ""]

    def _labels(self) -> list[tuple[str, str]]:
        with data_language():
            return [(code, str(label)) for code, label in self.choices]

    def clean(self, value, row=None, **kwargs):
        key = loose(_cell_text(value))
        if not key:
            return ""  # blank: the field's default (or blank, where the field allows it)
        for code, label in self._labels():
            if key in (loose(code), loose(label)):
                return code
        return self._unknown(value)

    def _unknown(self, value):
        raise ValueError(_("“%(value)s”不是有效选项，可选：%(choices)s") % {
            "value": _cell_text(value), "choices": "、".join(label for _code, label in self._labels())})

    def render(self, value, obj=None, **kwargs):
        if value in (None, ""):
            return ""
        return dict(self._labels()).get(str(value), str(value))


class NumberWidget(widgets.Widget):
    """A number (a whole one for an integer field); text that is not one is the row's error."""

    def __init__(self, *, whole: bool, **kwargs):
        super().__init__(**kwargs)
        self.whole = whole

    def clean(self, value, row=None, **kwargs):
        text = _cell_text(value).replace(",", "").replace("，", "")
        if not text:
            return None
        try:
            number = Decimal(unicodedata.normalize("NFKC", text))
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite() or abs(number) >= 10 ** 15 or (
                self.whole and number != number.to_integral_value()):
            message = _("“%(value)s”不是有效的整数") if self.whole else _("“%(value)s”不是有效的数字")
            raise ValueError(message % {"value": text})
        return int(number) if self.whole else number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related row's ``lookup_fields[0]`` (a district's name) and
    read by any of ``lookup_fields`` (its name or 区划代码). Each distinct value is looked up once
    per import (a file repeats the same few), not once per row."""

    def __init__(self, model, lookup_fields=("name",), **kwargs):
        super().__init__(model, field=lookup_fields[0], **kwargs)
        self.lookup_fields = tuple(lookup_fields)
        self.found: dict[str, list] = {}

    def clean(self, value, row=None, **kwargs):
        text = TextWidget().clean(value)
        if not text:
            return None
        if text not in self.found:
            query = Q()
            for name in self.lookup_fields:
                query |= Q(**{name: text})
            self.found[text] = list(self.get_queryset(value, row).filter(query)[:2])
        matches = self.found[text]
        if len(matches) != 1:
            with data_language():
                names = "或".join(str(self.model._meta.get_field(f).verbose_name) for f in self.lookup_fields)
                what = str(self.model._meta.verbose_name)
            raise ValueError(_("找不到%(names)s为“%(value)s”的%(what)s") % {"names": names, "value": text, "what": what})
        return matches[0]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return escape_cell(str(getattr(value, self.field)))


# --------------------------------------------------------------------------- resources
class NaturalKeyLoader(ModelInstanceLoader):
    """Finds the existing row of each file row by the resource's natural key, from one query
    (reference tables are small): no query per row."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        self.rows = None

    @staticmethod
    def _key(value):
        return value.pk if isinstance(value, models.Model) else value

    def get_instance(self, row):
        if self.rows is None:
            self.rows = {tuple(self._key(getattr(obj, f.attribute)) for f in self.fields): obj
                         for obj in self.get_queryset()}
        try:
            key = tuple(self._key(f.clean(row)) for f in self.fields)
        except ValueError:
            return None  # an unreadable key: the row's own validation reports it
        return self.rows.get(key)


class ReferenceResource(resources.ModelResource):
    """A reference table as a spreadsheet: Chinese headers, labels for codes, natural keys,
    validated like an admin save, every write audited (see the module docstring).

    ``request``: the admin request (who, from which address; source ``admin``)."""

    def __init__(self, request=None, **kwargs):
        super().__init__(**kwargs)
        self.request = request
        self._old = None          # (instance, the row as it was before this file; None if new)
        self._entries: list = []  # audit rows of this import, written with its data

    class Meta:
        clean_model_instances = True   # full_clean: constraints, validators, unique keys
        skip_unchanged = True
        report_skipped = True
        instance_loader_class = NaturalKeyLoader

    # ------------------------------------------------------------------ columns
    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        with data_language():  # headers are Chinese whatever the page language
            field.column_name = str(django_field.verbose_name)
        if django_field.choices:
            field.widget = ChoiceWidget(django_field.flatchoices)
        elif isinstance(django_field, models.BooleanField):
            field.widget = YesNoWidget()
        elif isinstance(django_field, models.CharField):
            field.widget = TextWidget(allow_blank=not django_field.null)  # blank text is "", as a form saves it
        elif isinstance(django_field, models.DecimalField):
            field.widget = NumberWidget(whole=False)
        elif isinstance(django_field, models.IntegerField):
            field.widget = NumberWidget(whole=True)
        return field

    def before_import(self, dataset, **kwargs):
        """Headers as people retype them (``级 别``, ``＊代码``) are taken for the column they name."""
        super().before_import(dataset, **kwargs)
        by_loose = {}
        for name, field in self.fields.items():
            by_loose.setdefault(loose(field.column_name), field.column_name)
            by_loose.setdefault(loose(name), field.column_name)
        if dataset.headers:
            dataset.headers = [by_loose.get(loose(h), h) if h is not None else "" for h in dataset.headers]

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Errors named by the file's column headers, not the model's field names."""
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            raise ValidationError(self.by_column(error)) from None

    def by_column(self, error: ValidationError) -> dict:
        headers = {f.attribute: f.column_name for f in self.fields.values() if f.attribute}
        errors = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        out: dict = {}
        for name, messages in errors.items():
            if name != NON_FIELD_ERRORS and name not in headers:
                try:
                    with data_language():
                        headers[name] = str(self._meta.model._meta.get_field(name).verbose_name)
                except FieldDoesNotExist:
                    headers[name] = name
            out.setdefault(headers.get(name, name), []).extend(messages)
        return out

    # ------------------------------------------------------------------ audit
    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        self._old = (instance, None if new else copy.copy(instance))

    def after_save_instance(self, instance, row, **kwargs):
        """An audit row like the admin's save: a creation with the new row, a change with what
        changed (kept until the file is done, and written in its transaction)."""
        super().after_save_instance(instance, row, **kwargs)
        if kwargs.get("dry_run"):
            return
        seen, old = self._old if self._old else (None, None)
        who = dict(request=self.request, user=kwargs.get("user"), obj=instance, source=self._source(),
                   parent=audit.parent_of(instance), message=self._message(kwargs))
        if seen is not instance or old is None:
            self._entries.append(audit.entry(audit.CREATE, changes=audit.snapshot(instance), **who))
            return
        changes = audit.diff(old, instance)
        if changes:
            self._entries.append(audit.entry(audit.UPDATE, changes=changes, **who))

    def after_import(self, dataset, result, **kwargs):
        """The file's audit rows and one summary row, in the import's transaction (a file that
        is rolled back leaves no audit of writes that did not happen)."""
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run"):
            return
        totals = result.totals
        opts = self._meta.model._meta
        with data_language():
            what = str(opts.verbose_name_plural)
        summary = audit.entry(
            audit.IMPORT, request=self.request, user=kwargs.get("user"), source=self._source(),
            object_type=opts.label_lower, object_repr=what,
            message=f"表格导入{what}（{kwargs.get('file_name') or '文件'}）：新增 {totals[RowResult.IMPORT_TYPE_NEW]}，"
                    f"修改 {totals[RowResult.IMPORT_TYPE_UPDATE]}，未变 {totals[RowResult.IMPORT_TYPE_SKIP]}",
        )
        audit.record_many([*self._entries, summary])
        self._entries = []

    def _source(self) -> str:
        return "admin" if self.request is not None else "import"

    @staticmethod
    def _message(kwargs) -> str:
        name = kwargs.get("file_name")
        return f"表格导入（{name}）" if name else "表格导入"


class HonourTypeResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = m.HonourType
        fields = ("code", "name", "level", "makes_backbone", "validity_years", "is_team")
        import_id_fields = ("code",)


class ExchangeTypeResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = m.ExchangeType
        fields = ("name", "counts", "order")
        import_id_fields = ("name",)


class StaffingStandardResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = m.StaffingStandard
        fields = ("stage", "pupils_per_post", "posts_per_class", "small_school_posts_per_class")
        import_id_fields = ("stage",)


class CodeWidget(ChoiceWidget):
    """A code that is an identifier (an indicator's): written as the code, read as code or label."""

    def render(self, value, obj=None, **kwargs):
        return "" if value in (None, "") else str(value)


class PlanIndicatorResource(ReferenceResource):
    """A plan's targets: the next plan is its rows with that plan's name in 规划 (the plan itself
    is entered first, on the 规划 page). Table, stage, level, unit and direction follow from the
    code (``PlanIndicator.clean``): they are exported to read, and what a file says of them is
    replaced by what the code decides."""

    plan = fields.Field(attribute="plan", column_name="规划", widget=NaturalKeyWidget(m.Plan, ("name", "code")))
    code = fields.Field(attribute="code", column_name="代码", widget=CodeWidget(m.PlanIndicator._meta.get_field("code").choices))

    class Meta(ReferenceResource.Meta):
        model = m.PlanIndicator
        fields = ("plan", "table", "code", "name", "stage", "measure", "unit", "baseline", "interim", "target",
                  "kind", "higher_is_better", "coverage", "order")
        import_id_fields = ("plan", "code")


class EthicsSeverityResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = m.EthicsSeverity
        fields = ("name", "ban_months", "order")
        import_id_fields = ("name",)


# --------------------------------------------------------------------------- admin
class ReferenceImportForm(ImportForm):
    """The import form, with the upload size limit of every import (``IMPORT_MAX_BYTES``)."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(_("文件太大（%(size).1f MB），上限为 %(limit).0f MB。请拆分后分批上传。") % {
                "size": upload.size / 1048576, "limit": limit / 1048576})
        return upload


class PrivateTempStorage(BaseStorage):
    """The uploaded file between the preview and the confirm: below ``MEDIA_ROOT/private/``
    (never served, ``backend.storage``), under a random name. The confirm form names the file,
    so a name that is not one of ours is refused: no other file can be read or deleted through
    it (import-export's default storage takes any name in the system's temporary folder).
    Files older than a day (previews never confirmed) are removed when a new one is saved."""

    FOLDER = ("private", "import-export")
    NAME = re.compile(r"[0-9a-f]{32}")
    KEEP_SECONDS = 24 * 3600

    def _folder(self) -> Path:
        folder = Path(settings.MEDIA_ROOT).joinpath(*self.FOLDER)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _path(self) -> Path:
        if not self.name:
            self.name = uuid.uuid4().hex
        if not self.NAME.fullmatch(str(self.name)):
            raise SuspiciousFileOperation("import-export: not a file name of ours")
        return self._folder() / self.name

    def save(self, data):
        path = self._path()
        cutoff = time.time() - self.KEEP_SECONDS
        for old in self._folder().iterdir():
            if self.NAME.fullmatch(old.name) and old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else str(data).encode(self.encoding or "utf-8"))

    def read(self):
        path = self._path()
        if "b" in self.read_mode:
            return path.read_bytes()
        return path.read_text(encoding=self.encoding or "utf-8")

    def remove(self):
        self._path().unlink(missing_ok=True)


class ReferenceExportForm(SelectableFieldsExportForm):
    """The export form, its column choices named by the file's Chinese headers."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return field.column_name if field is not None else field_name


class ReferenceImportExportMixin(ImportExportMixin):
    """Excel (.xlsx) and CSV export and import in an admin of ``backend.admin_base``, with
    import-export's preview and confirm. Put it before the admin base class::

        class HonourTypeAdmin(ReferenceImportExportMixin, CityOnlyAdmin):
            resource_classes = [HonourTypeResource]

    Import: only for users who may add and change the table's rows (city HR for the reference
    tables) — the same rule as the change form. Export: for everyone who may view the list; the
    export holds the rows the list shows (the admin's queryset, filters and search), nothing
    more, so it adds no access, and it is audited. Formats: .xlsx and CSV."""

    import_formats = export_formats = [XLSX, CSV]
    import_form_class = ReferenceImportForm
    export_form_class = ReferenceExportForm
    tmp_storage_class = PrivateTempStorage
    import_template_name = "admin/import_export/reference_import.html"
    to_encoding = "utf-8-sig"  # a CSV with its BOM opens in Excel as UTF-8, not as GBK mojibake
    import_help = gettext_lazy("第一行为表头（与导出文件相同）；按代码或名称匹配已有记录，其余为新增。"
                               "先预览，确认后才写入；任何一行有误则整个文件都不写入。")

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**kwargs, "request": request}

    def process_import(self, request, **kwargs):
        """The confirm step, when its preview file is gone (confirmed already, or older than a
        day): a message and the import page again, not an error page."""
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            messages.error(request, _("预览的文件已不存在（已经导入，或已过期），请重新上传。"))
            return redirect(reverse("admin:%s_%s_import" % self.get_model_info(), current_app=self.admin_site.name))

    def get_import_context_data(self, **kwargs):
        return {**super().get_import_context_data(**kwargs), "import_help": self.import_help}

    def get_data_for_export(self, request, queryset, **kwargs):
        data = super().get_data_for_export(request, queryset, **kwargs)
        opts = self.model._meta
        with data_language():
            what = str(opts.verbose_name_plural)
        audit.record(audit.EXPORT, request=request, object_type=opts.label_lower, object_repr=what, source="admin",
                     message=f"导出{what} {len(data)} 行")
        return data
