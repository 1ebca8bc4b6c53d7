from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("数据导入")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.signals import request_finished, request_started

        from backend.navigation import NavItem, register

        from . import concurrency
        from .views import may_import

        register(NavItem("imports:index", _("数据导入"), _("上传花名册或全国教师管理信息系统导出表：预览、核对、确认导入；下载模板"),
                         order=20, allowed=may_import))
        # the import's writer thread never shares a web request's connection (imports.concurrency)
        request_started.connect(concurrency.request_started, dispatch_uid="imports.request_started")
        request_finished.connect(concurrency.request_finished, dispatch_uid="imports.request_finished")
