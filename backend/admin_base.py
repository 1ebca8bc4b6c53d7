"""Admin behaviour shared by every app: scope, rights from the rights table, no deletes of
teacher data, and an audit row for every write.

The admin asks ``Model.objects.in_scope(user)`` like every other page, so a district officer's
admin lists their district's rows and no other's; a row outside the scope answers 404, exactly
like a row that does not exist. Every save, inline save and delete records who, when, from which
address and what changed (masked) through ``backend.audit`` — a teacher's sub-records (education,
titles, exchanges, awards) are filed under the teacher.
"""
from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404
from django.utils.translation import gettext as _

from . import audit
from core.capabilities import Capability
from core.roles import can_see_identity
from .rights import can
from .scoping import note_out_of_scope, scope_for

# Fields shown masked to users without the identity right, wherever they are (a teacher's 身份证件号
# and 出生日期, also reached from a record through ``teacher__…``): the same names the audit masks.
MASKED_FIELD_NAMES = frozenset(audit.SENSITIVE_FIELDS)
# Lookups no admin page offers, refused for everyone: a broken pattern fails in the database (500).
REFUSED_LOOKUPS = frozenset({"regex", "iregex"})
INTEGER_TYPES = frozenset({"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                           "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
                           "PositiveSmallIntegerField"})
MAX_INTEGER = 2**63 - 1


class MaskedFieldsAdminMixin:
    """Masked fields are not a way round the mask (issue 12): for a user without the identity
    right (``can_see_identity``) no filter, search, ordering or sortable column of an admin
    reaches a masked field — ``?birth_date__gte=``, ``?id_number=``, ``?teacher__id_number=``,
    ``?o=`` on the masked column. A refused lookup is the admin's own 400
    (``DisallowedModelAdminLookup``) and is recorded in the audit trail as a refusal.

    ``masked_fields``: further fields of this admin's model that are shown masked (an import
    run's report, say)."""

    masked_fields: tuple[str, ...] = ()

    def sees_masked(self, request) -> bool:
        return request is not None and can_see_identity(request.user)

    def touches_masked(self, path) -> bool:
        """Whether ``path`` (``teacher__birth_date__year``, ``-id_number``, ``F("id_number")``)
        reaches a masked field."""
        if hasattr(path, "expression"):  # an OrderBy
            path = path.expression
        if isinstance(path, F):
            path = path.name
        if not isinstance(path, str):
            return False
        model = self.model
        for index, part in enumerate(path.lstrip("-^=@").split(LOOKUP_SEP)):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return False  # a lookup or transform (gte, year…): the fields are behind us
            if field.name in MASKED_FIELD_NAMES or (index == 0 and field.name in self.masked_fields):
                return True
            if not field.is_relation or field.related_model is None:
                return False
            model = field.related_model
        return False

    def _out_of_range(self, lookup: str, value) -> bool:
        """A number the database cannot hold in a lookup on an integer field (``?id__in=`` with
        30 digits: SQLite raises OverflowError when the list runs, a 500)."""
        model, field = self.model, None
        for part in lookup.split(LOOKUP_SEP):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                break
            if field.is_relation and field.related_model is not None:
                model = field.related_model
                field = model._meta.pk
        if field is None or field.get_internal_type() not in INTEGER_TYPES:
            return False
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            for text in str(item).split(","):
                text = text.strip().lstrip("-")
                if text.isascii() and text.isdigit() and int(text) > MAX_INTEGER:
                    return True
        return False

    def lookup_allowed(self, lookup, value, request=None):
        if set(lookup.split(LOOKUP_SEP)) & REFUSED_LOOKUPS or self._out_of_range(lookup, value):
            return False
        if not self.sees_masked(request) and self.touches_masked(lookup):
            if request is not None and not getattr(request, "_masked_lookup_audited", False):
                request._masked_lookup_audited = True
                audit.record_refusal(request, f"按遮蔽字段筛选、搜索或排序被拒绝（{lookup}）",
                                     object_type=self.model._meta.label_lower)
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        return fields if self.sees_masked(request) else [f for f in fields if not self.touches_masked(f)]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if self.sees_masked(request):
            return filters
        return [f for f in filters if not self.touches_masked(f[0] if isinstance(f, (list, tuple)) else f)]

    def get_ordering(self, request):
        ordering = super().get_ordering(request)
        return ordering if self.sees_masked(request) else [o for o in ordering if not self.touches_masked(o)]

    def _column_order(self, name):
        """The ordering a list column sorts by (a field, or a method's ``admin_order_field``)."""
        if callable(name):
            return getattr(name, "admin_order_field", None)
        try:
            return self.model._meta.get_field(name).name
        except FieldDoesNotExist:
            attr = getattr(self, name, None) or getattr(self.model, name, None)
            if isinstance(attr, property):
                attr = attr.fget
            return getattr(attr, "admin_order_field", None)

    def get_sortable_by(self, request):
        sortable = super().get_sortable_by(request)
        if self.sees_masked(request):
            return sortable
        return [name for name in sortable if not self.touches_masked(self._column_order(name))]

    def get_changelist(self, request, **kwargs):
        """``?o=`` sorts by list columns whatever ``sortable_by`` says: a masked one is skipped."""
        changelist = super().get_changelist(request, **kwargs)
        if self.sees_masked(request):
            return changelist
        admin_ = self

        class MaskedOrderChangeList(changelist):
            def get_ordering_field(self, field_name):
                order = super().get_ordering_field(field_name)
                return None if admin_.touches_masked(order) else order

        return MaskedOrderChangeList


class AuditedAdminMixin:
    """``save_model`` / ``delete_model`` / ``delete_queryset`` / ``save_formset`` that audit.
    One extra query per save (the row as it was), so the diff is exact whatever the form shows."""

    def _old(self, obj):
        if obj.pk is None:
            return None
        return type(obj)._base_manager.filter(pk=obj.pk).first()

    def save_model(self, request, obj, form, change):
        old = self._old(obj) if change else None
        super().save_model(request, obj, form, change)
        if old is None:
            audit.record(audit.CREATE, request=request, obj=obj, parent=audit.parent_of(obj), changes=audit.snapshot(obj))
            return
        changes = audit.diff(old, obj)
        if changes:
            audit.record(audit.UPDATE, request=request, obj=obj, parent=audit.parent_of(obj), changes=changes)

    def delete_model(self, request, obj):
        row = audit.entry(audit.DELETE, request=request, obj=obj, parent=audit.parent_of(obj), changes=audit.snapshot(obj))
        super().delete_model(request, obj)
        audit.record_many([row])

    def delete_queryset(self, request, queryset):
        rows = [audit.entry(audit.DELETE, request=request, obj=o, parent=audit.parent_of(o), changes=audit.snapshot(o))
                for o in queryset]
        super().delete_queryset(request, queryset)
        audit.record_many(rows)

    def save_formset(self, request, form, formset, change):
        """Inline rows are filed under the admin's object (the teacher), one entry per row."""
        model = formset.model
        deleted = {f.instance.pk for f in getattr(formset, "deleted_forms", []) if f.instance.pk is not None}
        touched = [f.instance.pk for f in formset.initial_forms if f.instance.pk is not None and f.has_changed()]
        old_by_pk = model._base_manager.in_bulk(set(touched) | deleted) if (touched or deleted) else {}
        super().save_formset(request, form, formset, change)
        parent = form.instance
        rows = []
        for obj in getattr(formset, "new_objects", []):
            rows.append(audit.entry(audit.CREATE, request=request, obj=obj, parent=parent, changes=audit.snapshot(obj)))
        for obj, _fields in getattr(formset, "changed_objects", []):
            old = old_by_pk.get(obj.pk)
            changes = audit.diff(old, obj) if old is not None else {}
            if changes:
                rows.append(audit.entry(audit.UPDATE, request=request, obj=obj, parent=parent, changes=changes))
        for pk in sorted(deleted, key=str):
            old = old_by_pk.get(pk)
            if old is not None:
                rows.append(audit.entry(audit.DELETE, request=request, obj=old, parent=parent, changes=audit.snapshot(old)))
        audit.record_many(rows)


class ScopedAdmin(MaskedFieldsAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Rows cut to the user's scope. Rights are capabilities (``backend.rights.can``): readers
    hold ``view_capability`` (or the write one), writers ``write_capability`` (``None``: nobody
    adds or changes here), deleters also ``records.delete``."""

    view_capability: str | None = Capability.RECORDS_VIEW
    write_capability: str | None = Capability.RECORDS_EDIT
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        manager = self.model._default_manager
        if hasattr(manager, "for_scope"):
            return qs.for_scope(scope_for(request.user)) if hasattr(qs, "for_scope") else qs
        return qs if scope_for(request.user).is_city else qs.none()

    def get_list_filter(self, request):
        """In a province of several cities (issue 18) a filter by a related record (a district, a
        school) offers only the records the user's rows point to, not every city's: Django's
        ``RelatedOnlyFieldListFilter`` on the scoped rows. A single-city installation keeps the
        filters as declared."""
        from .scoping import single_city

        filters = list(super().get_list_filter(request))
        if single_city() or scope_for(request.user).covers_all:
            return filters
        return [(f, admin.RelatedOnlyFieldListFilter) if isinstance(f, str) and _is_relation(self.model, f) else f
                for f in filters]

    def get_inline_instances(self, request, obj=None):
        """Inline rows (a teacher's education, titles, exchanges, awards) follow this admin's
        role-based rights; Django's default asks model permissions, which our roles do not use,
        so HR would not see them at all. An inline that sets ``own_permissions = True`` keeps its own."""
        instances = []
        for inline_class in self.get_inlines(request, obj):
            inline = inline_class(self.model, self.admin_site)
            if not getattr(inline, "own_permissions", False):
                _follow_parent(inline, self)
            if request:
                if not (inline.has_view_or_change_permission(request, obj) or inline.has_add_permission(request, obj)
                        or inline.has_delete_permission(request, obj)):
                    continue
                if not inline.has_add_permission(request, obj):
                    inline.max_num = 0
            instances.append(inline)
        return instances

    def get_object(self, request, object_id, from_field=None):
        """Out of scope or missing: 404 (the admin would redirect with "does not exist")."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # A record that exists outside the scope is a refusal: recorded (issue 12).
            field = self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
            try:
                key = field.to_python(object_id)
            except Exception:  # not a valid key: nothing can exist under it
                key = None
            if key is not None:
                note_out_of_scope(request, self.model, **{field.name: key})
            raise Http404(_("记录不存在，或不在您的管理范围内。"))
        return obj

    def may_write(self, request) -> bool:
        return self.write_capability is not None and can(request.user, self.write_capability)

    def may_view(self, request) -> bool:
        return (self.view_capability is not None and can(request.user, self.view_capability)) or self.may_write(request)

    def has_module_permission(self, request):
        return self.may_view(request)

    def has_view_permission(self, request, obj=None):
        return self.may_view(request)

    def has_add_permission(self, request):
        return self.may_write(request)

    def has_change_permission(self, request, obj=None):
        return self.may_write(request)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, Capability.RECORDS_DELETE) and self.may_write(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Choices of schools and teachers are cut to the scope too."""
        related = db_field.related_model
        manager = related._default_manager
        if hasattr(manager.get_queryset(), "of_own_city"):  # districts: those of the user's city (issue 18)
            kwargs.setdefault("queryset", manager.get_queryset().of_own_city(scope_for(request.user)))
        elif hasattr(manager.get_queryset(), "for_scope"):
            kwargs.setdefault("queryset", manager.get_queryset().for_scope(scope_for(request.user)))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _is_relation(model, path: str) -> bool:
    """Whether ``path`` (``school__district``) ends on a foreign key."""
    from django.contrib.admin.utils import get_fields_from_path

    try:
        return bool(get_fields_from_path(model, path)[-1].is_relation)
    except Exception:
        return False


def _follow_parent(inline, parent) -> None:
    """Give ``inline`` the rights of ``parent`` on the parent object: view = view, add and change
    = change, delete = delete."""
    inline.has_view_permission = lambda request, obj=None: parent.has_view_permission(request, obj)
    inline.has_add_permission = lambda request, obj=None: parent.has_change_permission(request, obj)
    inline.has_change_permission = lambda request, obj=None: parent.has_change_permission(request, obj)
    inline.has_delete_permission = lambda request, obj=None: parent.has_delete_permission(request, obj)


class CityOnlyAdmin(ScopedAdmin):
    """Reference data (districts, standards, targets): everyone who reads records reads these,
    city HR writes (``reference.edit``).

    In a province of several cities (issue 18) this data is the whole installation's, shared by its
    cities: it is written from a scope over the whole installation (the province's HR), and the
    figures of the whole installation (``whole_installation_figures``: snapshots, quota proposals)
    are read only from there. In a single-city installation nothing changes: city HR's scope is
    the whole installation."""

    write_capability = Capability.REFERENCE_EDIT
    whole_installation_figures = False

    @staticmethod
    def over_the_installation(request) -> bool:
        from .scoping import single_city

        return scope_for(request.user).covers_all or single_city()

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if not self.whole_installation_figures or self.over_the_installation(request) else qs.none()

    def may_write(self, request) -> bool:
        return super().may_write(request) and self.over_the_installation(request)
