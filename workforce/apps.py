from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "workforce"
    verbose_name = "教师队伍"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # ---- measures and the leadership dashboard (issue 4)
        from backend import navigation

        from .dashboard_views import can_view_dashboard

        navigation.register(navigation.NavItem("workforce:dashboard", "指标看板", "对照“十四五”规划目标：学历、生师比、交流轮岗、荣誉、培训、编制",
                         order=10, allowed=can_view_dashboard))
