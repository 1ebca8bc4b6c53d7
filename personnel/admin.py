"""Admin of personnel work: the review rules are city HR's settings; requests, events and the
school history are read here (they change through their pages and services)."""
from django.contrib import admin

from backend.admin_base import CityOnlyAdmin, ScopedAdmin

from .models import ChangeRequest, PersonnelEvent, ReviewRule, TeacherSchoolSpell


@admin.register(ReviewRule)
class ReviewRuleAdmin(CityOnlyAdmin):
    list_display = ["label", "key", "needs_review"]
    list_editable = ["needs_review"]
    list_filter = ["needs_review"]
    search_fields = ["label", "key"]
    readonly_fields = ["key"]

    def has_add_permission(self, request):
        return False  # the keys are the system's fields and records: seeded, not invented


class ReadOnlyScoped(ScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyScoped):
    list_display = ["teacher", "kind", "field_label", "old_display", "new_display", "status", "requester", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["teacher", "requester"]
    search_fields = ["teacher__name", "field_label"]
    exclude = ["evidence", "old_value", "new_value"]


@admin.register(PersonnelEvent)
class PersonnelEventAdmin(ReadOnlyScoped):
    list_display = ["teacher", "kind", "effective_on", "from_school", "to_school", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["teacher", "from_school", "to_school"]
    search_fields = ["teacher__name"]


@admin.register(TeacherSchoolSpell)
class TeacherSchoolSpellAdmin(ReadOnlyScoped):
    list_display = ["teacher", "school", "start", "end"]
    list_select_related = ["teacher", "school"]
    search_fields = ["teacher__name", "school__name"]
