from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from . import audit
from .admin_base import MaskedFieldsAdminMixin, ScopedAdmin
from .models import AuditEntry, LoginThrottle, RoleCapability, User
from .rights import can, capabilities_of
from .scoping import scope_for, single_city, users_within, within
from core.capabilities import SCOPE_LEVELS, Capability
from core.roles import Role

# A change to any of these is a permission change (issue 7: audited as ``role_change``).
ROLE_FIELDS = frozenset({"role", "city", "district", "school", "teacher", "can_view_identity", "can_view_ethics",
                         "is_active", "is_staff", "is_superuser"})


SCOPE_FIELDS = ["role", "city", "district", "school", "teacher", "can_view_identity", "can_view_ethics"]
# What each role needs beside it (the database's ``user_scope_matches_role`` says the same).
ROLE_NEEDS = {
    Role.DISTRICT_HR: ("district", _("区县人事须指定所属区县。")),
    Role.SCHOOL_HR: ("school", _("学校人事须指定所属学校。")),
    Role.TEACHER: ("teacher", _("教师账号须关联教师档案。")),
}
# Any other role that works at one level of scope only (the rights table's ``scope.*`` rows)
# needs that level's assignment: without it the account would see nothing.
LEVEL_NEEDS = {
    Capability.SCOPE_CITY: ("city", _("%(role)s须指定所属城市。")),
    Capability.SCOPE_DISTRICT: ("district", _("%(role)s须指定所属区县。")),
    Capability.SCOPE_SCHOOL: ("school", _("%(role)s须指定所属学校。")),
    Capability.SCOPE_SELF: ("teacher", _("%(role)s须关联教师档案。")),
}


def role_needs(role):
    """(field, message) the account of ``role`` must fill in, or None. A city-level role needs its
    city only in a province of several cities (issue 18: in a single-city installation the city is
    everything and needs no assignment)."""
    if role in ROLE_NEEDS:
        return ROLE_NEEDS[role]
    if not role:
        return None
    levels = [level for level in SCOPE_LEVELS if level in capabilities_of(role)]
    if len(levels) != 1 or levels[0] not in LEVEL_NEEDS:
        return None
    if levels[0] == Capability.SCOPE_CITY and single_city():
        return None
    field, message = LEVEL_NEEDS[levels[0]]
    label = dict(User._meta.get_field("role").flatchoices).get(role, role)
    return field, message % {"role": label}


class RoleScopeFormMixin:
    """A role and the scope it needs, checked field by field in the form, so a missing district,
    school or teacher record is a message beside the field — never the database constraint
    ``user_scope_matches_role`` failing as a 500."""

    editor = None  # the user filling in the form (set by the admin): the account stays within their scope

    def clean(self):
        cleaned = super().clean()

        def value(name):
            return cleaned.get(name) if name in self.fields else getattr(self.instance, name, None)

        if self.editor is not None and not self.errors:
            account = User(role=value("role") or "", city=value("city"), district=value("district"),
                           school=value("school"), teacher=value("teacher"), is_active=True)
            if not within(scope_for(account), scope_for(self.editor)):
                raise forms.ValidationError(
                    _("账号的管理范围须在您的管理范围之内：请指定您所属城市（区县、学校）内的范围。"), code="scope_outside")

        need = role_needs(value("role"))
        if need is not None:
            field, message = need
            if value(field) is None and field not in self.errors:
                if field in self.fields:
                    self.add_error(field, forms.ValidationError(message, code="scope_required"))
                else:
                    raise forms.ValidationError(message, code="scope_required")
        return cleaned


class UserAddForm(RoleScopeFormMixin, AdminUserCreationForm):
    """New account: name and password, and its role with the scope the role needs."""


class UserEditForm(RoleScopeFormMixin, UserChangeForm):
    pass


@admin.register(User)
class UserAdmin(MaskedFieldsAdminMixin, BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "city", "district", "school", "is_active", "last_login"]
    list_filter = ["role", "district", "is_active"]
    list_select_related = ["city", "district", "school"]
    raw_id_fields = ["school", "teacher"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("角色与范围"), {"fields": SCOPE_FIELDS}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("角色与范围"), {"classes": ["wide"], "fields": SCOPE_FIELDS,
                      "description": _("区县人事须指定区县，学校人事须指定学校，教师须关联教师档案；系统有多个城市时市级人事须指定城市；"
                                       "领导可指定城市、区县或学校（都不指定为全省）。")}),
    )
    form = UserEditForm
    add_form = UserAddForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def get_queryset(self, request):
        """In a province of several cities (issue 18) a city's HR manages its city's accounts only."""
        qs = super().get_queryset(request)
        return qs if single_city() else users_within(qs, scope_for(request.user))

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if single_city():
            return filters
        if scope_for(request.user).kind == "province":
            return ["role", "city", *filters[1:]]
        return [(f, admin.RelatedOnlyFieldListFilter) if f == "district" else f for f in filters]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Cities and districts to choose from: those of the user's scope."""
        if db_field.name in ("city", "district"):
            kwargs["queryset"] = db_field.related_model.objects.for_scope(scope_for(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        # can(): the admin login page asks this for an anonymous user too.
        return can(request.user, Capability.ACCOUNTS_MANAGE)

    has_view_permission = has_add_permission = (
        lambda self, request, obj=None: can(request.user, Capability.ACCOUNTS_MANAGE)
    )

    def has_change_permission(self, request, obj=None):
        """City HR manages accounts, but not a superuser's (that would be a way to become one)."""
        if request.user.is_superuser:
            return True
        if not can(request.user, Capability.ACCOUNTS_MANAGE):
            return False
        return obj is None or not obj.is_superuser

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:  # only a superuser hands out superuser or raw permissions
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly

    # ---- audit: role, scope and right changes are ``role_change``; other edits ``update``
    def save_model(self, request, obj, form, change):
        old = User._base_manager.filter(pk=obj.pk).first() if change and obj.pk else None
        super().save_model(request, obj, form, change)
        if old is None:
            audit.record(audit.ROLE_CHANGE, request=request, obj=obj, changes=audit.snapshot(obj),
                         message="新建用户")
            return
        changes = audit.diff(old, obj)
        if changes:
            action = audit.ROLE_CHANGE if ROLE_FIELDS & changes.keys() else audit.UPDATE
            audit.record(action, request=request, obj=obj, changes=changes)

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        before = self._grants(obj)
        super().save_related(request, form, formsets, change)
        after = self._grants(obj)
        changes = {key: {"label": label, "old": before[key], "new": after[key]}
                   for key, label in (("groups", "用户组"), ("user_permissions", "用户权限"))
                   if before[key] != after[key]}
        if changes:
            audit.record(audit.ROLE_CHANGE, request=request, obj=obj, changes=changes)

    @staticmethod
    def _grants(obj):
        if obj.pk is None:
            return {"groups": [], "user_permissions": []}
        return {
            "groups": sorted(obj.groups.values_list("name", flat=True)),
            "user_permissions": sorted(
                f"{a}.{c}" for a, c in obj.user_permissions.values_list("content_type__app_label", "codename")),
        }

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            target = User._base_manager.filter(pk=id).first()
            if target is not None:
                audit.record(audit.UPDATE, request=request, obj=target, message="管理员重设密码")
        return response


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdmin):
    list_display = ["at", "username", "ip", "action", "source", "object_type", "object_repr", "run_ref"]
    list_filter = ["action", "source", "object_type"]
    search_fields = ["username", "object_repr", "object_id", "run_ref"]
    date_hierarchy = "at"
    view_capability = Capability.AUDIT_VIEW
    write_capability = None

    def get_queryset(self, request):
        from .security_views import audit_rows

        return admin.ModelAdmin.get_queryset(self, request) & audit_rows(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        """An ethics case's recorded changes stay hidden without the ethics right."""
        from core.roles import can_see_ethics
        from .security_views import is_ethics_entry

        fields = list(super().get_fields(request, obj))
        if obj is not None and is_ethics_entry(obj) and not can_see_ethics(request.user):
            fields = [f for f in fields if f != "changes"]
        return fields


@admin.register(LoginThrottle)
class LoginThrottleAdmin(ScopedAdmin):
    """Locked and failing user names per address (and addresses over all names, user name
    empty); city HR unlocks one by deleting its row (audited)."""

    list_display = ["username", "address", "failures", "last_failure_at", "locked_until"]
    search_fields = ["username", "address"]
    view_capability = write_capability = Capability.ACCOUNTS_MANAGE
    actions = ["delete_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoleCapability)
class RoleCapabilityAdmin(ScopedAdmin):
    """The rights table: which role may do what (issue 17). City HR (``rights.manage``) adds and
    removes rows; each change is audited and takes effect at once in this process, within a
    minute in the others (``backend.rights``)."""

    list_display = ["role", "capability", "capability_name"]
    list_filter = ["role", "capability"]
    search_fields = ["capability"]
    view_capability = write_capability = Capability.RIGHTS_MANAGE
    actions = ["delete_selected"]

    @admin.display(description=_("权限代码"), ordering="capability")
    def capability_name(self, obj):
        return obj.capability

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request)

    def may_write(self, request) -> bool:
        """The table is the whole installation's: in a province of several cities it is changed from
        a scope over all of it (the province's HR), a city's HR reads it (issue 18)."""
        return super().may_write(request) and (single_city() or scope_for(request.user).covers_all)

    def has_delete_permission(self, request, obj=None):
        return self.may_write(request)
