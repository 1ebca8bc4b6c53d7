from django.apps import AppConfig


class BackendConfig(AppConfig):
    """Users, roles, scope and the audit trail shared by every app."""

    name = "backend"
    verbose_name = "用户与审计"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .navigation import NavItem, register
        from .roles import Role

        register(NavItem("admin:index", "数据管理", "教师、学校及各类记录的维护（后台）", order=90,
                         allowed=lambda u: u.is_superuser or u.role != Role.TEACHER))
