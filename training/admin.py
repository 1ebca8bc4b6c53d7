from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backend.admin_base import CityOnlyAdmin, ScopedAdmin
from core.capabilities import Capability

from . import models as m
from . import services


class CapInline(admin.TabularInline):
    model = m.TrainingCap
    extra = 0


@admin.register(m.TrainingCycle)
class TrainingCycleAdmin(CityOnlyAdmin):
    list_display = ["name", "start", "end", "required_hours", "yearly_minimum"]
    inlines = [CapInline]


@admin.register(m.Programme)
class ProgrammeAdmin(CityOnlyAdmin):
    list_display = ["name", "provider", "level", "mode", "hours", "start", "end", "capacity", "district", "published"]
    list_filter = ["level", "mode", "district", "published"]
    search_fields = ["name", "provider"]
    list_select_related = ["district"]
    write_capability = Capability.TRAINING_PUBLISH

    def get_queryset(self, request):
        """In a province of several cities (issue 18) the programmes a user's city sees, not every city's."""
        from backend.scoping import single_city

        qs = super().get_queryset(request)
        return qs if single_city() else qs.filter(pk__in=m.Programme.objects.visible_to(request.user).values("pk"))


class DecisionInline(admin.TabularInline):
    model = m.CreditDecision
    extra = 0
    can_delete = False
    readonly_fields = ["status", "reason", "decided_by", "decided_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.CreditRecord)
class CreditRecordAdmin(ScopedAdmin):
    """Records are written by the services (pages, import); here HR reads them, corrects an
    unapproved one and approves in bulk. Approved records are locked, evidence is read-only
    (uploads go through the checked page)."""

    list_display = ["teacher", "title", "level", "mode", "year", "hours", "status", "source"]
    list_filter = ["status", "level", "mode", "year", "source"]
    search_fields = ["teacher__name", "title"]
    list_select_related = ["teacher"]
    raw_id_fields = ["teacher", "programme"]
    exclude = ["evidence"]  # no public URL: shown as a link to the scoped view
    readonly_fields = ["status", "source", "evidence_link", "decided_by", "decided_at", "decision_reason", "created_by"]
    inlines = [DecisionInline]
    actions = ["approve_selected"]
    view_capability = Capability.PROFILE_VIEW  # a teacher reads their own

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("证明材料"))
    def evidence_link(self, obj):
        if not obj.evidence:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>',
                           reverse("training:evidence", args=[obj.pk]), obj.evidence_name or _("查看"))

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        locked = queryset.filter(status=m.CreditRecord.Status.APPROVED).count()
        for record in queryset.exclude(status=m.CreditRecord.Status.APPROVED):
            services.credit_delete(record=record, user=request.user, request=request)
        if locked:
            self.message_user(request, _("%(n)s 条已通过的记录已锁定，未删除。") % {"n": locked}, messages.WARNING)

    def delete_model(self, request, obj):
        services.credit_delete(record=obj, user=request.user, request=request)

    @admin.action(description=_("通过所选培训记录"))
    def approve_selected(self, request, queryset):
        try:
            count = services.credit_bulk_approve(record_ids=queryset.values_list("pk", flat=True), user=request.user,
                                                  request=request)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, "；".join(getattr(error, "messages", [str(error)])), messages.ERROR)
        else:
            self.message_user(request, _("已通过 %(n)s 条记录。") % {"n": count}, messages.SUCCESS)
