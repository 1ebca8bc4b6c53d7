from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelConfig(AppConfig):
    name = "personnel"
    verbose_name = _("人事业务")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from backend.navigation import NavItem, register

        # an exchange recorded with 调动人事关系 makes its move once committed (workforce.hooks)
        from django.db.models.signals import post_save

        from workforce import hooks
        from workforce.models import Exchange

        from . import events

        hooks.exchanges_recorded.connect(events.on_exchanges_recorded, dispatch_uid="personnel-exchange-moves")
        hooks.teachers_moved.connect(events.on_teachers_moved, dispatch_uid="personnel-roster-moves")
        post_save.connect(events.on_exchange_saved, sender=Exchange, dispatch_uid="personnel-exchange-saved")

        # a past date's figures count each teacher at the school they were at on that date
        from .selectors import school_history

        hooks.register_school_history("personnel", school_history())

        # school HR's imports can be set to wait for review as one batch (imports.hooks)
        from imports import hooks as import_hooks

        from . import batches

        import_hooks.register_review("personnel", import_hooks.Review(wanted=batches.wanted, submit=batches.submit))

        from . import permissions

        register(NavItem("personnel:mine", _("我的档案"), _("查看本人档案、完整度，提出更正和补充"), 38,
                         allowed=permissions.has_own_record))
        register(NavItem("personnel:requests", _("变更审核"), _("教师档案变更申请：学校报送、区县审核"), 44,
                         allowed=permissions.can_see_requests))
        register(NavItem("personnel:events", _("人事变动"), _("新进、调动、离校、返聘，按生效日期变更"), 45,
                         allowed=permissions.can_see_events))
        register(NavItem("personnel:annual", _("年度报送"), _("年度数据完整性检查、学校报送、区县审核"), 46,
                         allowed=permissions.can_see_requests))
        register(NavItem("personnel:export", _("全国系统报送"), _("按全国教师管理信息系统模板导出"), 47,
                         allowed=permissions.can_export))
