from django.apps import AppConfig


class BackendConfig(AppConfig):
    """Users, roles, scope and the audit trail shared by every app."""

    name = "backend"
    verbose_name = "用户与审计"
    default_auto_field = "django.db.models.BigAutoField"
