"""Root URLs. Each app owns its own ``urls.py``; this file only includes them."""
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from . import security_views, views
from .security import AdminLoginForm, LoginForm

admin.site.site_header = _("连云港市教师队伍管理系统")
admin.site.site_title = _("教师队伍管理")
admin.site.index_title = _("数据管理")
admin.site.login_form = AdminLoginForm  # says when a name is locked (issue 7)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("workforce.identity_urls")),  # reveal_identity: a teacher's page
    path("accounts/audit/", security_views.audit_search, name="audit_search"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),  # gettext() for static JS
    path("admin/", admin.site.urls),
    path("workforce/", include("workforce.urls")),
    path("training/", include("training.urls")),
    path("careers/", include("careers.urls")),
    path("imports/", include("imports.urls")),
    path("personnel/", include("personnel.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
