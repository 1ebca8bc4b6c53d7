from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("教师培训")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from backend.navigation import NavItem, register
        from workforce import registry

        from . import permissions, selectors

        # the label in the data language, marked for the catalogue (pages show it translated)
        registry.register(
            "training", selectors.training_measure, label=gettext_noop("培训学分达标率"),
            behind=selectors.training_behind, by_group=selectors.training_by_group,
        )
        register(NavItem("training:mine", _("我的培训"), _("登记培训、查看审核状态和学时进度"), 40,
                         allowed=permissions.has_own_training))
        register(NavItem("training:queue", _("培训审核"), _("审核本校/本区县教师申报的培训学时"), 41,
                         allowed=permissions.can_approve))
        register(NavItem("training:catalogue", _("培训项目"), _("市、区县发布的培训项目，自主选学报名"), 42,
                         allowed=permissions.can_browse_catalogue))
        register(NavItem("training:report", _("培训达标"), _("各校、各区县学时完成率与落后教师名单"), 43,
                         allowed=permissions.can_read_reports))
