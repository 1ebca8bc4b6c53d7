from django.contrib import admin

from backend.admin_base import ScopedAdmin

from .models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(ScopedAdmin):
    list_display = ["started_at", "user", "file_name", "kind", "dry_run", "outcome", "rows", "new", "changed", "unchanged", "errors"]
    list_filter = ["outcome", "kind", "dry_run"]
    list_select_related = ["user"]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if request.user.scope.is_city else qs.filter(user=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
