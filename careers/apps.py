from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareersConfig(AppConfig):
    name = "careers"
    verbose_name = _("考核与职称")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from backend.navigation import NavItem, register
        from workforce import record_hooks, registry

        from . import permissions, selectors
        from .dashboard import post_structure_measure

        # the 中高级 share against the post structure: a card with the scope's own target (careers/dashboard.py)
        registry.register_measure(post_structure_measure())
        # the honours nomination shows the record and applies the 不合格 rule (``workforce.record_hooks``)
        record_hooks.register("careers", summary=selectors.record_summary,
                              nomination_problems=selectors.nomination_problems)
        register(NavItem("careers:assessments", _("年度考核"), _("登记年度考核结果，优秀等次比例"), 33,
                         allowed=permissions.can_read))
        register(NavItem("careers:rounds", _("职称评审"), _("发起评审、学校推荐、区县和市级审核"), 34,
                         allowed=permissions.can_read))
        register(NavItem("careers:posts", _("岗位结构"), _("各校高级、一级岗位核定与实有，中高级教师占比"), 35,
                         allowed=permissions.can_read))
