from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackendConfig(AppConfig):
    """Users, roles, scope and the audit trail shared by every app."""

    name = "backend"
    verbose_name = _("用户与审计")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.capabilities import Capability

        from .navigation import NavItem, register
        from .rights import can

        register(NavItem("admin:index", _("数据管理"), _("教师、学校及各类记录的维护（后台）"), order=90,
                         allowed=lambda u: can(u, Capability.RECORDS_VIEW)))

        # Issue 7: login audit signals, the SQLite side of the audit-table guard, the audit page.
        from django.db.backends.signals import connection_created

        from . import security  # noqa: F401  (connects the auth signal receivers)
        from .audit import register_sqlite_guard

        connection_created.connect(register_sqlite_guard, dispatch_uid="backend.audit.sqlite_guard")
        register(NavItem("audit_search", _("审计日志"), _("登录、导出、查看证件号、导入及教师档案变更的记录"),
                         order=95, allowed=lambda u: can(u, Capability.AUDIT_VIEW)))
