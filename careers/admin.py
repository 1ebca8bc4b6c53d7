"""Admin of careers: the rules' numbers (优秀 cap, years in a title, post shares) are city HR's
to edit; results, rounds and nominations are read here and written through the pages (their
services check the cap, the eligibility and the review steps)."""
from django.contrib import admin

from backend.admin_base import CityOnlyAdmin, ScopedAdmin

from . import models as m


class ReadOnlyScopedAdmin(ScopedAdmin):
    write_capability = None


@admin.register(m.ExcellentQuota)
class ExcellentQuotaAdmin(CityOnlyAdmin):
    list_display = ["year", "share", "note"]


@admin.register(m.TitleRequirement)
class TitleRequirementAdmin(CityOnlyAdmin):
    list_display = ["series", "title", "from_title", "min_years"]
    list_filter = ["series"]
    list_editable = ["min_years"]


@admin.register(m.PostShares)
class PostSharesAdmin(CityOnlyAdmin):
    list_display = ["__str__", "school_type", "school", "senior", "middle"]
    list_select_related = ["school"]
    raw_id_fields = ["school"]


@admin.register(m.Assessment)
class AssessmentAdmin(ReadOnlyScopedAdmin):
    list_display = ["teacher", "year", "result", "school"]
    list_filter = ["year", "result"]
    search_fields = ["teacher__name"]
    list_select_related = ["teacher", "school"]
    raw_id_fields = ["teacher"]


@admin.register(m.PromotionRound)
class PromotionRoundAdmin(ReadOnlyScopedAdmin):
    list_display = ["year", "series", "status", "reference_date"]

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request)


@admin.register(m.PromotionNomination)
class PromotionNominationAdmin(ReadOnlyScopedAdmin):
    list_display = ["teacher", "round", "title", "status"]
    list_filter = ["status", "title"]
    search_fields = ["teacher__name"]
    list_select_related = ["teacher", "round"]
    raw_id_fields = ["teacher"]
