"""Admin behaviour shared by every app: scope, role-based rights, no deletes of teacher data,
and an audit row for every write.

The admin asks ``Model.objects.in_scope(user)`` like every other page, so a district officer's
admin lists their district's rows and no other's; a row outside the scope answers 404, exactly
like a row that does not exist. Every save, inline save and delete records who, when, from which
address and what changed (masked) through ``backend.audit`` — a teacher's sub-records (education,
titles, exchanges, awards) are filed under the teacher.
"""
from __future__ import annotations

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext as _

from . import audit
from .roles import Role, can_write, is_hr
from .scoping import scope_for


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


class ScopedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Rows cut to the user's scope. Writers: HR roles in ``write_roles``; readers: ``view_roles``."""

    write_roles = frozenset({Role.CITY_HR, Role.DISTRICT_HR, Role.SCHOOL_HR})
    view_roles = frozenset({Role.CITY_HR, Role.DISTRICT_HR, Role.SCHOOL_HR, Role.LEADER})
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        manager = self.model._default_manager
        if hasattr(manager, "for_scope"):
            return qs.for_scope(scope_for(request.user)) if hasattr(qs, "for_scope") else qs
        return qs if scope_for(request.user).is_city else qs.none()

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
            raise Http404(_("记录不存在，或不在您的管理范围内。"))
        return obj

    def _role_in(self, request, roles) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.role in roles)

    def has_module_permission(self, request):
        return self._role_in(request, self.view_roles | self.write_roles)

    def has_view_permission(self, request, obj=None):
        return self._role_in(request, self.view_roles | self.write_roles)

    def has_add_permission(self, request):
        return can_write(request.user) and self._role_in(request, self.write_roles)

    def has_change_permission(self, request, obj=None):
        return can_write(request.user) and self._role_in(request, self.write_roles)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser or (
            is_hr(request.user) and request.user.role == Role.CITY_HR and self._role_in(request, self.write_roles)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Choices of schools and teachers are cut to the scope too."""
        related = db_field.related_model
        manager = related._default_manager
        if hasattr(manager.get_queryset(), "for_scope"):
            kwargs.setdefault("queryset", manager.get_queryset().for_scope(scope_for(request.user)))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _follow_parent(inline, parent) -> None:
    """Give ``inline`` the rights of ``parent`` on the parent object: view = view, add and change
    = change, delete = delete."""
    inline.has_view_permission = lambda request, obj=None: parent.has_view_permission(request, obj)
    inline.has_add_permission = lambda request, obj=None: parent.has_change_permission(request, obj)
    inline.has_change_permission = lambda request, obj=None: parent.has_change_permission(request, obj)
    inline.has_delete_permission = lambda request, obj=None: parent.has_delete_permission(request, obj)


class CityOnlyAdmin(ScopedAdmin):
    """Reference data (districts, standards, targets): everyone in an HR role reads, city HR writes."""

    write_roles = frozenset({Role.CITY_HR})

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request)
