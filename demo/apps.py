from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The synthetic demo city: no models, no pages; the ``seed_demo`` command and its builder."""

    name = "demo"
    verbose_name = _("演示数据")
    default_auto_field = "django.db.models.BigAutoField"
