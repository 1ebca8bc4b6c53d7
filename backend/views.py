from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from .scoping import scope_for


def scope_label(user) -> str:
    scope = scope_for(user)
    if scope.kind == "province":
        return _("全省")
    if scope.kind == "city":
        return str(user.city) if scope.city_id and user.city_id == scope.city_id else _("全市")
    if scope.kind == "district":
        return str(user.district)
    if scope.kind == "school":
        return str(user.school)
    if scope.kind == "self":
        return _("本人")
    return _("无")


@login_required
def home(request):
    return render(request, "home.html", {"scope_label": scope_label(request.user)})
