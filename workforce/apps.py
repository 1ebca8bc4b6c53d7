from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "workforce"
    verbose_name = "教师队伍"
    default_auto_field = "django.db.models.BigAutoField"
