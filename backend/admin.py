from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .admin_base import ScopedAdmin
from .models import AuditEntry, User
from .roles import Role


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "district", "school", "is_active", "last_login"]
    list_filter = ["role", "district", "is_active"]
    list_select_related = ["district", "school"]
    raw_id_fields = ["school", "teacher"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("角色与范围", {"fields": ["role", "district", "school", "teacher", "can_view_identity", "can_view_ethics"]}),
    )

    def has_module_permission(self, request):
        return request.user.is_superuser or request.user.role == Role.CITY_HR

    has_view_permission = has_change_permission = has_add_permission = (
        lambda self, request, obj=None: request.user.is_superuser or request.user.role == Role.CITY_HR
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdmin):
    list_display = ["at", "username", "ip", "action", "source", "object_type", "object_repr", "run_ref"]
    list_filter = ["action", "source", "object_type"]
    search_fields = ["username", "object_repr", "object_id", "run_ref"]
    date_hierarchy = "at"
    view_roles = frozenset({Role.CITY_HR})
    write_roles = frozenset()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
