from django.contrib import admin

from backend.admin_base import CityOnlyAdmin, ScopedAdmin
from backend.roles import Role

from . import models as m


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
    write_roles = frozenset({Role.CITY_HR, Role.DISTRICT_HR})


@admin.register(m.CreditRecord)
class CreditRecordAdmin(ScopedAdmin):
    list_display = ["teacher", "title", "level", "mode", "year", "hours", "status", "source"]
    list_filter = ["status", "level", "mode", "year", "source"]
    search_fields = ["teacher__name", "title"]
    list_select_related = ["teacher"]
    raw_id_fields = ["teacher", "programme"]
    view_roles = frozenset({Role.CITY_HR, Role.DISTRICT_HR, Role.SCHOOL_HR, Role.LEADER, Role.TEACHER})
