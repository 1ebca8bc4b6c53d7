"""Admin behaviour shared by every app: scope, role-based rights, no deletes of teacher data.

The admin asks ``Model.objects.in_scope(user)`` like every other page, so a district officer's
admin lists their district's rows and no other's.
"""
from __future__ import annotations

from django.contrib import admin

from .roles import Role, can_write, is_hr
from .scoping import scope_for


class ScopedAdmin(admin.ModelAdmin):
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


class CityOnlyAdmin(ScopedAdmin):
    """Reference data (districts, standards, targets): everyone in an HR role reads, city HR writes."""

    write_roles = frozenset({Role.CITY_HR})

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request)
