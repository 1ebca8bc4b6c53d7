"""The import spellings and mappings as a spreadsheet (django-import-export), for the admin.

A :class:`~imports.models.SavedMapping` row without district and school is one of the city's own
spellings, next to the built-in ones (the kinds' header spellings, ``imports.handlers``; ``imports.synonyms.VALUE_SYNONYMS``);
a district's or a school's row is an answer its officers gave in the preview (DOMAIN.md: "asks
the user, once"). City HR exports them, edits or adds rows in Excel and imports the file through
the admin's preview and confirm, like the other reference tables (``workforce.resources``).

One row per mapping:

=========== ==========================================================================
表格类别     the kind of sheet (学校, 教职工基础信息 / 花名册 …, or 全部表格)
列          blank for a header; else the coded or 是/否 column whose value is mapped (办学性质)
文件中的写法  the header or value as files write it (举办者类型, 教育部门办)
对应         what it means: a field (办学性质) or 不需要 for a header, a code (公办) for a value
区县 / 学校标识码  whose mapping it is: both blank for the city's; a district (名称 or 区划代码) or
            a school (学校标识码)
=========== ==========================================================================

Names or codes are read alike (``imports.mappings.clean_mapping`` checks them the way the admin's
form does); a row is matched to an existing mapping by organisation, sheet kind, column and the
spelling as compared (``normalise``), so a file updates the mapping rather than adding a twin.
学校名称 and 设置人 are written for reading and ignored on import.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields
from import_export.instance_loaders import ModelInstanceLoader

from core.spreadsheets import escape_cell
from workforce.models import District, School
from workforce.resources import NaturalKeyWidget, ReferenceResource, TextWidget

from .mappings import clean_mapping, column_label, mapping_label, normalise, sheet_kind_label
from .models import SavedMapping

__all__ = ["SavedMappingResource"]


class SavedMappingLoader(ModelInstanceLoader):
    """The existing mapping of a file row: same organisation, sheet kind, column and spelling as
    compared (``张 三`` and ``张三`` are one header), found in one query for the whole file."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.rows = None

    def get_instance(self, row):
        resource = self.resource
        if self.rows is None:
            self.rows = {(o.sheet_kind, o.column, o.norm, o.district_id, o.school_id): o
                         for o in SavedMapping.objects.all()}
        try:
            cell = resource.cell
            district = resource.fields["district"].widget.clean(cell(row, "district"))
            school = resource.fields["school"].widget.clean(cell(row, "school"))
        except ValueError:
            return None  # reported by the row's own validation
        sheet_kind, column, text = cell(row, "sheet_kind"), cell(row, "column"), TextWidget().clean(cell(row, "text"))
        key = (sheet_kind, column, normalise(text, header=not column),
               district.pk if district else None, school.pk if school else None)
        return self.rows.get(key)


class SavedMappingResource(ReferenceResource):
    district = fields.Field(attribute="district", column_name="区县",
                            widget=NaturalKeyWidget(District, ("name", "code")))
    school = fields.Field(attribute="school", column_name="学校标识码", widget=NaturalKeyWidget(School, ("code",)))
    school_name = fields.Field(attribute="school__name", column_name="学校名称", readonly=True)
    created_by = fields.Field(attribute="created_by__username", column_name="设置人", readonly=True)

    class Meta(ReferenceResource.Meta):
        model = SavedMapping
        fields = ("sheet_kind", "column", "text", "target", "district", "school", "school_name", "created_by")
        import_id_fields = ("sheet_kind", "column", "text")
        instance_loader_class = SavedMappingLoader

    def __init__(self, request=None, **kwargs):
        super().__init__(request, **kwargs)
        self._rows_seen: dict[tuple, int] = {}  # (organisation, sheet kind, column, spelling) → its row

    def cell(self, row, name: str):
        return row.get(self.fields[name].column_name)

    # ------------------------------------------------------------------ export: names, not keys
    def dehydrate_sheet_kind(self, obj):
        return sheet_kind_label(obj.sheet_kind)

    def dehydrate_column(self, obj):
        return escape_cell(column_label(obj.sheet_kind, obj.column))

    def dehydrate_target(self, obj):
        return escape_cell(mapping_label(obj.sheet_kind, obj.column, obj.target))

    def dehydrate_school_name(self, obj):
        return escape_cell(obj.school.name) if obj.school_id else ""

    def dehydrate_created_by(self, obj):
        return obj.created_by.username if obj.created_by_id else ""

    # ------------------------------------------------------------------ import: names or keys
    def before_import(self, dataset, **kwargs):
        """A file of header mappings may leave out the 列 column: every row is then a header."""
        super().before_import(dataset, **kwargs)
        self._rows_seen = {}
        column = self.fields["column"].column_name
        if dataset.headers and column not in dataset.headers:
            dataset.append_col([""] * len(dataset), header=column)

    def before_import_row(self, row, **kwargs):
        """Sheet kind, column and target written by name are read as their keys, and checked
        as the admin's form checks them (a field of the sheet kind, a code of the column)."""
        super().before_import_row(row, **kwargs)
        names = {key: self.fields[key].column_name for key in ("sheet_kind", "column", "target")}
        text = TextWidget().clean
        try:
            parts = clean_mapping(sheet_kind=text(row.get(names["sheet_kind"])), column=text(row.get(names["column"])),
                                  target=text(row.get(names["target"])))
        except ValidationError as error:
            raise ValidationError(self.by_column(error)) from None
        row.update(zip(names.values(), parts))

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.district_id and instance.school_id:
            errors.setdefault("school", []).append(
                _("一条映射只属于一个组织：全市（区县与学校都不填）、一个区县或一所学校"))
        instance.norm = normalise(instance.text, header=not instance.column)
        key = (instance.sheet_kind, instance.column, instance.norm, instance.district_id, instance.school_id)
        first = self._rows_seen.setdefault(key, kwargs.get("row_number"))
        if first != kwargs.get("row_number"):
            errors.setdefault("text", []).append(_("与第 %(row)s 行是同一组织的同一写法") % {"row": first})
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None and instance.created_by_id is None and getattr(kwargs.get("user"), "pk", None):
            instance.created_by = kwargs["user"]
