from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "workforce"
    verbose_name = _("教师队伍")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # ---- the data version of the dashboard's cache: triggers on the watched tables after migrate
        from django.db.models.signals import post_migrate

        from . import dataversion

        post_migrate.connect(dataversion.on_post_migrate, sender=self, dispatch_uid="workforce.dataversion")

        # ---- the province's cities (issue 18): a city saved or deleted, the scopes ask again how many
        from django.db.models.signals import post_delete, post_save

        from backend.scoping import forget_cities

        from .models import City

        post_save.connect(forget_cities, sender=City, dispatch_uid="workforce.city_saved")
        post_delete.connect(forget_cities, sender=City, dispatch_uid="workforce.city_deleted")
        post_migrate.connect(forget_cities, sender=self, dispatch_uid="workforce.cities_migrated")

        # ---- workflows (issue 6): rotation, honours and ethics, staffing quotas
        from backend.navigation import NavItem, register
        from backend.rights import can
        from core.capabilities import Capability

        def reads_workflows(user):
            return can(user, Capability.WORKFLOWS_VIEW)

        register(NavItem("workforce:rotation_plan", _("交流轮岗"), _("应交流名单、已交流教师、达到15%还须交流多少人"), order=30,
                         allowed=reads_workflows))
        register(NavItem("workforce:honours_index", _("荣誉与师德"), _("荣誉授予、推荐评选、目标进展、师德一票否决"), order=31,
                         allowed=reads_workflows))
        register(NavItem("workforce:quota_index", _("编制"), _("标准、核定与实有编制，周转编制分配"), order=32,
                         allowed=reads_workflows))

        # ---- measures and the leadership dashboard (issue 4)
        from backend import navigation

        from .dashboard_views import can_view_dashboard

        navigation.register(navigation.NavItem("workforce:dashboard", _("指标看板"), _("对照“十四五”规划目标：学历、生师比、交流轮岗、荣誉、培训、编制"),
                         order=10, allowed=can_view_dashboard))
