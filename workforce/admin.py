"""Admin of the workforce app: declarative, scoped, Chinese. Writes that carry rules go through
services (issue 6 adds the workflows); here HR corrects records of their own scope."""
from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backend.admin_base import CityOnlyAdmin, ScopedAdmin
from backend.rights import can
from backend.scoping import scope_for
from core.capabilities import Capability
from core.roles import can_see_ethics, can_see_identity

from . import models as m
from core.identity import IdNumberError, mask_birth_date, parse_id_number
from .resources import (EthicsSeverityResource, ExchangeTypeResource, HonourTypeResource, PlanIndicatorResource,
                        ReferenceImportExportMixin, StaffingStandardResource)


@admin.register(m.City)
class CityAdmin(CityOnlyAdmin):
    """The province's cities (issue 18): the province adds and removes them (``cities.manage`` with
    a scope over the whole installation); a city's HR reads and names its own city."""

    list_display = ["code", "name", "order"]
    search_fields = ["name", "code"]
    write_capability = Capability.CITIES_MANAGE

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request).for_scope(scope_for(request.user))

    def has_add_permission(self, request):
        return self.may_write(request) and scope_for(request.user).covers_all

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request) and can(request.user, Capability.RECORDS_DELETE)


@admin.register(m.District)
class DistrictAdmin(CityOnlyAdmin):
    list_display = ["code", "name", "city", "kind", "order"]
    list_select_related = ["city"]
    search_fields = ["name", "code"]

    def get_list_filter(self, request):
        return ["city", "kind"] if scope_for(request.user).kind == "province" else ["kind"]

    def get_queryset(self, request):
        """The districts of the user's city (all of them in a single-city installation)."""
        return m.District.objects.of_own_city(scope_for(request.user))

    def may_write(self, request) -> bool:
        """A city's HR keeps its own districts (``reference.edit``), the province every city's."""
        return ScopedAdmin.may_write(self, request) and scope_for(request.user).above_district

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "city":
            kwargs["queryset"] = m.City.objects.for_scope(scope_for(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(m.School)
class SchoolAdmin(ScopedAdmin):
    list_display = ["code", "name", "district", "school_type", "ownership", "location", "rural_kind", "is_active"]
    list_filter = ["district", "school_type", "ownership", "location", "rural_kind", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["district"]
    write_capability = Capability.SCHOOLS_EDIT


class EducationInline(admin.TabularInline):
    model = m.EducationRecord
    extra = 0
    fields = ["education", "degree", "degree_name", "study_mode", "institution", "major", "is_highest", "is_first", "start", "end"]


class TitleInline(admin.TabularInline):
    model = m.TitleAppointment
    extra = 0


class ExchangeInline(admin.TabularInline):
    model = m.Exchange
    fk_name = "teacher"
    extra = 0
    fields = ["exchange_type", "start", "end", "from_school", "to_school", "moves_personnel"]
    raw_id_fields = ["from_school", "to_school"]


class AwardInline(admin.TabularInline):
    model = m.Award
    extra = 0
    fields = ["honour_type", "awarded_on", "expires_on", "revoked_on", "awarding_body"]


IDENTITY_FIELDS = ("id_number", "birth_date")


class TeacherAdminForm(forms.ModelForm):
    """Teacher form whose 身份证件号 is never echoed back: a correction is typed in fresh, and
    birth date and sex then follow the corrected number (DOMAIN.md: they must agree)."""

    new_id_number = forms.CharField(
        label=_("更正身份证件号"), required=False, max_length=30,
        help_text=_("仅在更正证件号时填写；出生日期与性别将按新证件号更新。留空则不变。"),
    )

    class Meta:
        model = m.Teacher
        fields = "__all__"

    def clean_new_id_number(self):
        raw = self.cleaned_data.get("new_id_number", "")
        if not raw:
            return ""
        try:
            return parse_id_number(raw)
        except IdNumberError as exc:
            raise forms.ValidationError(str(exc)) from None

    # The same answer whether the number is in the user's scope or not, and no name or school:
    # the number is taken, nothing more (issue 12). Each refusal is in the audit trail.
    IN_USE = _("该身份证件号已存在（已被其他教师档案使用），不能重复登记。")

    request = None  # set by TeacherAdmin.get_form: who is asking, for the audit of a refusal

    def clean(self):
        cleaned = super().clean()
        parsed = cleaned.get("new_id_number")
        if parsed:
            if self._in_use(parsed.number, "new_id_number"):
                return cleaned
            self.instance.id_number = parsed.number
            self.instance.birth_date = parsed.birth_date
            self.instance.sex = cleaned["sex"] = parsed.sex
        elif cleaned.get("id_number") and "id_number" in self.fields:
            self._in_use(cleaned["id_number"], "id_number")
        return cleaned

    def _in_use(self, number: str, field: str) -> bool:
        """A number another teacher holds (anywhere in the city: the key is unique) is refused on
        ``field`` — a form message, not the database's IntegrityError — and the refusal audited."""
        from core.identity import normalise_id_number

        number = normalise_id_number(number)
        taken = m.Teacher._base_manager.filter(id_number=number).exclude(pk=self.instance.pk).exists()
        if taken:
            self.add_error(field, forms.ValidationError(self.IN_USE, code="id_number_in_use"))
            if self.request is not None:
                from backend import audit

                audit.record_refusal(
                    self.request, f"身份证件号已被使用，未保存（{number}）",
                    **({"obj": self.instance} if self.instance.pk else {"object_type": "workforce.teacher"}),
                )
        return taken

    def validate_unique(self):
        """身份证件号 is checked in ``clean`` (one message, in or out of scope, audited)."""
        try:
            self.instance.validate_unique(exclude=self._get_validation_exclusions() | {"id_number"})
        except forms.ValidationError as error:
            self._update_errors(error)


@admin.register(m.Teacher)
class TeacherAdmin(ScopedAdmin):
    list_display = ["name", "id_display", "sex", "school", "teaching_stage", "staff_category", "on_establishment", "status"]
    list_filter = ["teaching_stage", "staff_category", "on_establishment", "status", "school__district", "school__location"]
    search_fields = ["name", "=id_number", "staff_no", "school__name"]
    list_select_related = ["school"]
    raw_id_fields = ["school"]
    inlines = [EducationInline, TitleInline, ExchangeInline, AwardInline]
    view_capability = Capability.PROFILE_VIEW  # a teacher reads their own record
    fieldsets = [
        (_("基本信息"), {"fields": ["name", "former_name", "sex", "staff_no", "nationality", "id_type", "id_number",
                             "birth_date", "native_place", "birthplace", "ethnicity", "political_status",
                             "marital_status", "health"]}),
        (_("任职"), {"fields": ["school", "teaching_stage", "subject", "work_start", "school_entry", "source",
                           "staff_category", "on_establishment", "employment_form", "contract", "status",
                           "left_on", "left_reason"]}),
        (_("专业情况"), {"fields": ["normal_graduate", "special_ed_trained", "special_ed_cert", "it_ability",
                             "free_normal", "grassroots_service", "grassroots_start", "grassroots_end",
                             "special_grade", "backbone", "mental_health", "preschool_major", "preschool_trained",
                             "dual_qualified", "vocational_cert", "enterprise_months", "remarks"]}),
    ]

    @admin.display(description=_("身份证件号"), ordering="id_number")
    def id_display(self, obj):
        """Always masked in lists; the full number is revealed one at a time, with a reason."""
        return obj.masked_id_number

    @admin.display(description=_("查看完整证件号"))
    def reveal_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("reveal_identity", args=[obj.pk]), _("查看（需说明理由）"))

    @admin.display(description=_("出生日期"))
    def birth_masked(self, obj):
        return mask_birth_date(obj.birth_date)

    @admin.display(description=_("身份证件号"))
    def id_masked(self, obj):
        return obj.masked_id_number

    def get_list_display(self, request):
        fields = list(super().get_list_display(request))
        return fields + ["reveal_link"] if can_see_identity(request.user) else fields

    def get_list_filter(self, request):
        """The district filter only means something to city-wide users; a city of a province of
        several cities is offered the districts its teachers are in, not every city's."""
        filters = list(super().get_list_filter(request))
        if request.user.scope.above_district:
            return filters
        return [f for f in filters if (f[0] if isinstance(f, tuple) else f) != "school__district"]

    def get_fieldsets(self, request, obj=None):
        """On an existing record the ID and birth date are shown masked to everyone (revealing
        needs a stated reason: /accounts/reveal/); a correction is typed into 更正身份证件号."""
        sets = super().get_fieldsets(request, obj)
        if obj is not None:
            extra = ["new_id_number"] if self.has_change_permission(request, obj) else []
            swap = {"id_number": ["id_masked", *extra], "birth_date": ["birth_masked"]}
            sets = [
                (title, {**opts, "fields": [g for f in opts["fields"] for g in swap.get(f, [f])]})
                for title, opts in sets
            ]
        return sets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += ["id_masked", "birth_masked"]
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new class per request
        form.request = request
        return form

    # Search, filters and sorting on 身份证件号 and 出生日期: only with the identity right
    # (backend.admin_base.MaskedFieldsAdminMixin).


@admin.register(m.Enrolment)
class EnrolmentAdmin(ScopedAdmin):
    list_display = ["school", "school_year", "stage", "pupils", "classes"]
    list_filter = ["school_year", "stage", "school__district"]
    search_fields = ["school__name", "school__code"]
    list_select_related = ["school"]
    raw_id_fields = ["school"]


@admin.register(m.EducationRecord)
class EducationRecordAdmin(ScopedAdmin):
    list_display = ["teacher", "education", "degree", "study_mode", "is_highest", "end"]
    list_filter = ["education", "degree", "study_mode", "is_highest"]
    search_fields = ["teacher__name"]
    list_select_related = ["teacher"]
    raw_id_fields = ["teacher"]


@admin.register(m.TitleAppointment)
class TitleAppointmentAdmin(ScopedAdmin):
    list_display = ["teacher", "title", "appointed_on", "ended_on"]
    list_filter = ["title"]
    search_fields = ["teacher__name"]
    list_select_related = ["teacher"]
    raw_id_fields = ["teacher"]


@admin.register(m.ExchangeType)
class ExchangeTypeAdmin(ReferenceImportExportMixin, CityOnlyAdmin):
    list_display = ["name", "counts", "order"]
    resource_classes = [ExchangeTypeResource]


@admin.register(m.Exchange)
class ExchangeAdmin(ScopedAdmin):
    list_display = ["teacher", "exchange_type", "start", "end", "from_school", "to_school", "moves_personnel"]
    list_filter = ["exchange_type", "moves_personnel"]
    search_fields = ["teacher__name", "from_school__name", "to_school__name"]
    list_select_related = ["teacher", "exchange_type", "from_school", "to_school"]
    raw_id_fields = ["teacher", "from_school", "to_school"]
    date_hierarchy = "start"


@admin.register(m.HonourType)
class HonourTypeAdmin(ReferenceImportExportMixin, CityOnlyAdmin):
    list_display = ["code", "name", "level", "makes_backbone", "validity_years", "is_team"]
    list_filter = ["level", "makes_backbone", "is_team"]
    resource_classes = [HonourTypeResource]


@admin.register(m.Award)
class AwardAdmin(ScopedAdmin):
    list_display = ["honour_type", "teacher", "school", "team_name", "awarded_on", "expires_on", "revoked_on"]
    list_filter = ["honour_type", "honour_type__level"]
    search_fields = ["teacher__name", "team_name"]
    list_select_related = ["honour_type", "teacher", "school"]
    raw_id_fields = ["teacher", "school"]


@admin.register(m.EthicsSeverity)
class EthicsSeverityAdmin(ReferenceImportExportMixin, CityOnlyAdmin):
    list_display = ["name", "ban_months", "order"]
    resource_classes = [EthicsSeverityResource]


@admin.register(m.EthicsCase)
class EthicsCaseAdmin(ScopedAdmin):
    list_display = ["teacher", "severity", "occurred_on", "decided_on", "ban_until", "substantiated"]
    list_select_related = ["teacher", "severity"]
    raw_id_fields = ["teacher"]
    view_capability = Capability.ETHICS_VIEW  # with the account's right (NEEDS_FLAG)

    def has_module_permission(self, request):
        return can_see_ethics(request.user)

    def has_view_permission(self, request, obj=None):
        return can_see_ethics(request.user)

    def has_add_permission(self, request):
        return can_see_ethics(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return can_see_ethics(request.user) and super().has_change_permission(request, obj)


@admin.register(m.StaffingStandard)
class StaffingStandardAdmin(ReferenceImportExportMixin, CityOnlyAdmin):
    list_display = ["stage", "pupils_per_post", "posts_per_class", "small_school_posts_per_class"]
    resource_classes = [StaffingStandardResource]


@admin.register(m.SchoolQuota)
class SchoolQuotaAdmin(ScopedAdmin):
    list_display = ["school", "school_year", "approved"]
    list_filter = ["school_year", "school__district"]
    search_fields = ["school__name", "school__code"]
    list_select_related = ["school"]
    raw_id_fields = ["school"]
    write_capability = Capability.QUOTA_EDIT


@admin.register(m.QuotaPool)
class QuotaPoolAdmin(CityOnlyAdmin):
    list_display = ["school_year", "posts", "note"]


class PlanIndicatorInline(admin.TabularInline):
    """A plan's targets on the plan's own page: the next plan is entered here (or imported from
    Excel on the indicators' list), one row per indicator code; what the code decides is shown."""

    model = m.PlanIndicator
    extra = 0
    fields = ["code", "name", "baseline", "interim", "target", "kind", "coverage", "order", "table", "stage", "unit"]
    readonly_fields = ["table", "stage", "unit"]


@admin.register(m.Plan)
class PlanAdmin(CityOnlyAdmin):
    list_display = ["name", "code", "start_year", "end_year", "baseline_year", "interim_year", "target_year", "indicator_count"]
    inlines = [PlanIndicatorInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_indicators=Count("indicators"))

    @admin.display(description=_("指标数"), ordering="n_indicators")
    def indicator_count(self, obj):
        return obj.n_indicators


@admin.register(m.PlanIndicator)
class PlanIndicatorAdmin(ReferenceImportExportMixin, CityOnlyAdmin):
    list_display = ["name", "plan", "code", "table", "stage", "measure", "unit", "baseline", "interim", "target", "kind",
                    "higher_is_better"]
    list_filter = ["plan", "table", "kind"]
    list_editable = ["target"]
    list_select_related = ["plan"]
    readonly_fields = ["table", "stage", "measure", "unit", "higher_is_better"]
    resource_classes = [PlanIndicatorResource]


@admin.register(m.RuleSetting)
class RuleSettingAdmin(CityOnlyAdmin):
    list_display = ["label", "key", "value", "help"]
    list_editable = ["value"]


@admin.register(m.MeasureSnapshot)
class MeasureSnapshotAdmin(CityOnlyAdmin):
    whole_installation_figures = True
    list_display = ["scope_kind", "scope_key", "on", "school_year", "created_at"]
    list_filter = ["scope_kind"]

    def has_add_permission(self, request):
        return False


@admin.register(m.QuotaProposal)
class QuotaProposalAdmin(CityOnlyAdmin):
    whole_installation_figures = True
    list_display = ["school_year", "posts", "leftover", "status", "proposed_by", "created_at", "accepted_by", "accepted_at",
                    "self_accepted", "discarded_by"]
    list_select_related = ["proposed_by", "accepted_by", "discarded_by"]

    def has_add_permission(self, request):
        return False




# ---------------------------------------------------------------- workflows (issue 6)
# Admin writes that carry rules go through ``services``: forms check the same rules (overlap,
# 一票否决), actions call the services (end an exchange, revoke an award, accept a proposal).
import datetime as _dt  # noqa: E402

from django import forms  # noqa: E402
from django.contrib import messages  # noqa: E402
from django.core.exceptions import PermissionDenied, ValidationError  # noqa: E402

from . import honours as _honours  # noqa: E402
from . import rules as _rules  # noqa: E402
from . import services as _services  # noqa: E402


def _run(modeladmin, request, queryset, call, done: str):
    ok = 0
    for obj in queryset:
        try:
            call(obj)
            ok += 1
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, f"{obj}：{text}", messages.ERROR)
    if ok:
        modeladmin.message_user(request, done % {"n": ok}, messages.SUCCESS)


class ExchangeAdminForm(forms.ModelForm):
    class Meta:
        model = m.Exchange
        fields = "__all__"

    def clean(self):
        data = super().clean()
        teacher = data.get("teacher") or getattr(self.instance, "teacher", None)
        if teacher is not None and data.get("start"):
            _services.exchange_check(
                teacher=teacher, start=data["start"], end=data.get("end"), to_school=data.get("to_school"),
                from_school=data.get("from_school"), exclude_pk=self.instance.pk,
            )
        return data


class VetoFormMixin:
    """一票否决 in admin forms: the teacher may not get this record on ``veto_date_field``."""

    veto_date_field = ""
    veto_action = ""

    def clean(self):
        data = super().clean()
        teacher = data.get("teacher") or getattr(self.instance, "teacher", None)
        day = data.get(self.veto_date_field)
        if teacher is not None and day is not None and (self.instance.pk is None or self.has_changed()):
            reason = _honours.veto_reason(teacher, day, self.veto_action)
            if reason:
                raise ValidationError(reason)
        return data


class AwardAdminForm(VetoFormMixin, forms.ModelForm):
    veto_date_field, veto_action = "awarded_on", "award"

    class Meta:
        model = m.Award
        fields = "__all__"


class TitleAdminForm(VetoFormMixin, forms.ModelForm):
    veto_date_field, veto_action = "appointed_on", "promote"

    class Meta:
        model = m.TitleAppointment
        fields = "__all__"


class EducationRecordAdminForm(forms.ModelForm):
    """One 最高学历 a teacher (``rules.one_highest_education``): a record flagged here counts with
    the teacher's other flagged records (the admin moves no flag; the import does)."""

    class Meta:
        model = m.EducationRecord
        fields = "__all__"

    def clean(self):
        data = super().clean()
        teacher = data.get("teacher") or (self.instance.teacher if self.instance.teacher_id else None)
        if teacher is not None and data.get("is_highest"):
            others = (m.EducationRecord.objects.filter(teacher=teacher, is_highest=True)
                      .exclude(pk=self.instance.pk).order_by("pk"))
            flagged = [(r.education, r.end) for r in others] + [(data.get("education"), data.get("end"))]
            for problem in _rules.one_highest_education(flagged):
                self.add_error(problem.field if problem.field in self.fields else None, problem.message)
        return data


class EducationInlineFormSet(forms.BaseInlineFormSet):
    """The teacher page's 学习经历 rows: one of them at most flagged 最高学历."""

    def clean(self):
        super().clean()
        flagged = [(f.cleaned_data.get("education"), f.cleaned_data.get("end")) for f in self.forms
                   if getattr(f, "cleaned_data", None) and f.cleaned_data.get("is_highest")
                   and not f.cleaned_data.get("DELETE")]
        problems = _rules.one_highest_education(flagged)
        if problems:
            raise ValidationError([p.message for p in problems])


@admin.action(description=_("结束所选交流轮岗（今日）"))
def end_exchanges(modeladmin, request, queryset):
    today = _dt.date.today()
    _run(modeladmin, request, queryset.filter(end__isnull=True),
         lambda ex: _services.exchange_end(exchange=ex, end=today, user=request.user, request=request, source="admin"),
         _("已结束 %(n)d 项交流。"))


@admin.action(description=_("撤销所选荣誉（师德一票否决）"))
def revoke_awards(modeladmin, request, queryset):
    today = _dt.date.today()
    _run(modeladmin, request, queryset,
         lambda a: _services.award_revoke(award=a, on=today, reason="师德一票否决", user=request.user,
                                          request=request, source="admin"),
         _("已撤销 %(n)d 项荣誉。"))


@admin.action(description=_("采纳所选方案（更新核定编制）"))
def accept_proposals(modeladmin, request, queryset):
    _run(modeladmin, request, queryset,
         lambda p: _services.proposal_accept(proposal=p, user=request.user, request=request, source="admin"),
         _("已采纳 %(n)d 个方案。"))


@admin.action(description=_("放弃所选方案"))
def discard_proposals(modeladmin, request, queryset):
    _run(modeladmin, request, queryset,
         lambda p: _services.proposal_discard(proposal=p, user=request.user, request=request, source="admin"),
         _("已放弃 %(n)d 个方案。"))


ExchangeAdmin.form = ExchangeAdminForm
ExchangeInline.form = ExchangeAdminForm
ExchangeAdmin.actions = [end_exchanges]
AwardAdmin.form = AwardAdminForm
AwardInline.form = AwardAdminForm
AwardAdmin.actions = [revoke_awards]
TitleAppointmentAdmin.form = TitleAdminForm
TitleInline.form = TitleAdminForm
EducationRecordAdmin.form = EducationRecordAdminForm
EducationInline.formset = EducationInlineFormSet
QuotaProposalAdmin.actions = [accept_proposals, discard_proposals]
EthicsCaseAdmin.readonly_fields = ["ban_until"]


def _ethics_save_model(self, request, obj, form, change):
    """限制期至 is always the decision date plus the severity's months (as the service computes it)."""
    obj.ban_until = _honours.ban_until(obj.decided_on, obj.severity.ban_months)
    super(EthicsCaseAdmin, self).save_model(request, obj, form, change)


EthicsCaseAdmin.save_model = _ethics_save_model


@admin.register(m.Nomination)
class NominationAdmin(ScopedAdmin):
    list_display = ["teacher", "honour_type", "round_year", "nominated_on", "award"]
    list_filter = ["honour_type", "round_year"]
    list_select_related = ["teacher", "honour_type", "award"]
    raw_id_fields = ["teacher", "award"]
    search_fields = ["teacher__name"]
    write_capability = Capability.HONOURS_AWARD


TeacherAdmin.form = TeacherAdminForm
