"""Users with a role and a scope, what each role may do (the rights table), and the append-only
audit trail."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from core.capabilities import Capability
from core.db import TextJSONEncoder
from core.roles import Role


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.TEACHER)
    city = models.ForeignKey(
        "workforce.City", verbose_name=_("所属城市"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
        help_text=_("市级账号所属的城市；系统有多个城市时必填，只有一个城市时可不填"),
    )
    district = models.ForeignKey(
        "workforce.District", verbose_name=_("所属区县"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )
    school = models.ForeignKey(
        "workforce.School", verbose_name=_("所属学校"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )
    teacher = models.OneToOneField(
        "workforce.Teacher", verbose_name=_("对应教师"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="user",
    )
    can_view_identity = models.BooleanField(_("可查看完整身份证件号"), default=False)
    can_view_ethics = models.BooleanField(_("可查看师德档案"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = pgettext_lazy("plural", "用户")
        constraints = [
            models.CheckConstraint(
                name="user_scope_matches_role",
                condition=(
                    ~models.Q(role="district_hr") | models.Q(district__isnull=False)
                ) & (~models.Q(role="school_hr") | models.Q(school__isnull=False))
                & (~models.Q(role="teacher") | models.Q(teacher__isnull=False)),
                violation_error_message=_("区县人事须指定区县，学校人事须指定学校，教师须关联教师档案。"),
            ),
        ]

    @property
    def scope(self):
        from .scoping import scope_for

        return scope_for(self)


class RoleCapability(models.Model):
    """One right of one role (issue 17, "Rights as data"): the role → capability table every
    check reads through ``backend.rights.can``. Seeded by a migration with the rights of
    ``core.roles.DEFAULT_RIGHTS``; city HR edits it in the admin (each change audited). Read once
    per process and kept (``backend.rights``); a save or delete here clears that copy."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    capability = models.CharField(_("权限"), max_length=40, choices=Capability.choices)

    class Meta:
        verbose_name = _("角色权限")
        verbose_name_plural = pgettext_lazy("plural", "角色权限")
        ordering = ["role", "capability"]
        constraints = [models.UniqueConstraint(fields=["role", "capability"], name="role_capability_once")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.get_capability_display()}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):  # pragma: no cover - guarded path
        raise PermissionError("审计记录不可修改。")

    def delete(self):
        raise PermissionError("审计记录不可删除。")


class AuditEntry(models.Model):
    """One attributable event. Rows are written once and never changed (issue 7)."""

    class Action(models.TextChoices):
        LOGIN = "login", _("登录成功")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKOUT = "lockout", _("账号锁定")
        LOGOUT = "logout", _("退出")
        DENIED = "denied", _("拒绝访问")
        EXPORT = "export", _("导出")
        REVEAL = "reveal", _("查看完整证件号")
        IMPORT = "import", _("导入")
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        ROLE_CHANGE = "role_change", _("权限变更")
        OTHER = "other", _("其他")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), null=True, blank=True,
        # DO_NOTHING: deleting a user must not rewrite the trail (the database refuses UPDATE).
        on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices, db_index=True)
    source = models.CharField(_("途径"), max_length=20, blank=True, help_text="web / admin / import / cli / api")
    # no index of its own: audit_object_idx (below) leads with it
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=40, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    # the text as it is, not \\u escapes: half the bytes of a roster's history (core.db)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True, encoder=TextJSONEncoder)
    run_ref = models.CharField(_("导入批次"), max_length=40, blank=True, db_index=True)
    message = models.TextField(_("说明"), blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = pgettext_lazy("plural", "审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计记录不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录不可删除。")


class LoginThrottle(models.Model):
    """Failed logins and the locks they lead to (backend/security.py), counted two ways:

    - per user name *and* address: the pair that failed is locked, so failing on purpose from
      one address does not lock the account for its owner elsewhere (issue 12);
    - per address over all names (``username`` empty): a ceiling on guesses from one address.

    Kept by name, whether or not such a user exists, so the answer to a locked name and to an
    unknown one is the same."""

    ALL_NAMES = ""  # ``username`` of an address's row over all names

    username = models.CharField(_("用户名"), max_length=150, blank=True,
                                help_text=_("为空：该地址所有用户名的失败次数合计"))
    address = models.CharField(_("来源地址"), max_length=45, blank=True, default="")
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = pgettext_lazy("plural", "登录失败记录")
        constraints = [models.UniqueConstraint(fields=["username", "address"], name="login_throttle_name_address")]

    def __str__(self) -> str:
        return f"{self.username or '*'}@{self.address or '-'}: {self.failures}"


# The rights table is core's source of rights (``core.capabilities.use_table``), and its cache is
# cleared when a row changes: connected here, where the model is defined.
from . import rights  # noqa: E402,F401
