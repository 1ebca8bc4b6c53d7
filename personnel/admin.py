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


# ---------------------------------------------------------------- the teacher's admin under review
# School HR's edits of reviewed fields and additions of reviewed records go through change
# requests (personnel pages), so in the admin those fields and inlines are read-only for school
# HR; district and city HR keep editing directly (audited as before). The workforce admin is
# extended here, not edited: workforce does not know personnel (apps depend one way).
from backend.rights import can  # noqa: E402
from core.capabilities import Capability  # noqa: E402
from workforce.admin import TeacherAdmin  # noqa: E402
from workforce.models import Teacher  # noqa: E402

from .fields import EDITABLE_FIELDS, EVENT_FIELDS  # noqa: E402

INLINE_KEYS = {"educationrecord": "educationrecord", "titleappointment": "titleappointment", "award": "award"}


def _under_review(request) -> bool:
    """Edits records but not the reviewed fields directly (school HR): those wait for review."""
    user = request.user
    return can(user, Capability.RECORDS_EDIT) and not can(user, Capability.PERSONNEL_EDIT_DIRECTLY)


class ReviewedTeacherAdmin(TeacherAdmin):
    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and _under_review(request):
            table = ReviewRule.table()
            readonly += [name for name in EDITABLE_FIELDS if table.get(name, True) and name not in readonly]
            readonly += [name for name in EVENT_FIELDS if name not in readonly]
        return readonly

    def get_inline_instances(self, request, obj=None):
        instances = super().get_inline_instances(request, obj)
        if obj is None or not _under_review(request):
            return instances
        table = ReviewRule.table()
        for inline in instances:
            key = INLINE_KEYS.get(inline.model._meta.model_name)
            if key and table.get(key, True):
                inline.has_add_permission = lambda request, obj=None: False
                inline.has_change_permission = lambda request, obj=None: False
                inline.has_delete_permission = lambda request, obj=None: False
                inline.max_num = 0
        return instances

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and _under_review(request):
            from django.contrib import messages
            from django.urls import reverse
            from django.utils.translation import gettext as _

            messages.info(request, _("只读的项目和学历、职称、荣誉记录须经区县审核：请在“教师档案”页面修改（%(url)s），"
                                     "修改将生成变更申请。") % {"url": reverse("personnel:teacher_edit", args=[obj.pk])})
            messages.info(request, _("学校、离校日期和离校原因只能通过“人事变动”办理（调动、离校须经区县确认，并记入任职学校经历）：%(url)s")
                          % {"url": reverse("personnel:event_new", args=[obj.pk])})
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


admin.site.unregister(Teacher)
admin.site.register(Teacher, ReviewedTeacherAdmin)
