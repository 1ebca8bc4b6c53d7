"""A user's scope (province / city / district / school / self) as a value object.

Every QuerySet that holds teacher data has ``in_scope(user)``, and each of them starts here,
so "what can this user see" is decided in one place. The levels a role works at are rows of the
rights table (``scope.*`` in ``core.capabilities``): a user's scope is the narrowest level their
role holds that their account is assigned to — their own teacher record, their school, their
district, their city — or the province, which needs no assignment. A superuser's scope is the
province.

A province of several cities (issue 18): ``Scope("province")`` is everything and
``Scope("city", city_id=…)`` one city's districts, schools, teachers and records. A single-city
installation is what it always was: every scope above the district is ``Scope("city")`` with no
city — the whole installation, no filter and no join (``covers_all``) — so its pages, counts and
query plans do not change. How many cities there are is asked once per process and kept for
``CITY_COUNT_CACHE_SECONDS`` (60 by default); saving or deleting a city forgets it at once in
that process (``forget_cities``, connected by workforce).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from core.capabilities import Capability, of_role


@dataclass(frozen=True)
class Scope:
    kind: str  # "province", "city", "district", "school", "self" or "none"
    district_id: int | None = None
    school_id: int | None = None
    teacher_id: int | None = None
    city_id: int | None = None  # kind "city" of a multi-city installation; None: the whole installation

    @property
    def covers_all(self) -> bool:
        """Everything in the installation: the province, or the city of a single-city installation
        (``Scope("city")`` without a city). Callers test this before filtering, so the whole
        installation is read with no filter at all."""
        return self.kind == "province" or (self.kind == "city" and self.city_id is None)

    @property
    def is_city(self) -> bool:
        """The whole installation (what "the city" meant before there were provinces): kept for the
        callers that ask it; a city of a multi-city installation is not the whole installation."""
        return self.covers_all

    @property
    def above_district(self) -> bool:
        """A city's or the province's office: it works over districts (per-district tables, the
        city's decisions), whether or not it covers the whole installation."""
        return self.kind in ("province", "city")


NOTHING = Scope("none")
WHOLE = Scope("city")  # the whole installation as single-city code has always named it
PROVINCE = Scope("province")

_cities: tuple[int, ...] | None = None
_cities_at = 0.0


def _max_age() -> float:
    return float(getattr(settings, "CITY_COUNT_CACHE_SECONDS", 60))


def city_ids() -> tuple[int, ...]:
    """The installation's cities (their keys), asked once per process and kept a short while."""
    global _cities, _cities_at
    if _cities is None or time.monotonic() - _cities_at > _max_age():
        from django.contrib.auth import get_user_model

        City = get_user_model()._meta.get_field("city").related_model
        _cities = tuple(City._base_manager.order_by("pk").values_list("pk", flat=True))
        _cities_at = time.monotonic()
    return _cities


_forgotten = 0  # how many times the cities were forgotten (a test that rolls back a city asks it)


def forget_cities(**_kwargs) -> None:
    """A city saved or deleted: ask again at the next scope."""
    global _cities, _forgotten
    _cities = None
    _forgotten += 1


def single_city() -> bool:
    """One city (or none yet): a city-level account then covers the whole installation."""
    return len(city_ids()) <= 1


def city_scope(city_id: int | None) -> Scope:
    """The scope of city ``city_id`` as a caller (a dashboard, a command) names it: in a single-city
    installation the whole installation (``Scope("city")``, no filter); ``None`` is the province."""
    if city_id is None:
        return PROVINCE if not single_city() else WHOLE
    return WHOLE if single_city() else Scope("city", city_id=city_id)


def scope_for(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return WHOLE if single_city() else PROVINCE
    held = of_role(user.role)
    if Capability.SCOPE_SELF in held and user.teacher_id:
        return Scope("self", teacher_id=user.teacher_id)
    if Capability.SCOPE_SCHOOL in held and user.school_id:
        return Scope("school", school_id=user.school_id)
    if Capability.SCOPE_DISTRICT in held and user.district_id:
        return Scope("district", district_id=user.district_id)
    if Capability.SCOPE_CITY in held:
        if single_city():
            return WHOLE
        if user.city_id:
            return Scope("city", city_id=user.city_id)
    if Capability.SCOPE_PROVINCE in held:
        return WHOLE if single_city() else PROVINCE
    return NOTHING


def _model(field: str):
    from django.contrib.auth import get_user_model

    return get_user_model()._meta.get_field(field).related_model


def within(inner: Scope, outer: Scope) -> bool:
    """Whether everything ``inner`` covers lies within ``outer`` (an account a user creates or
    changes may not see more than they do: issue 18, a city's HR makes no province accounts)."""
    if outer.covers_all or inner.kind == "none":
        return True
    if inner.covers_all or inner.kind == "province" or outer.kind not in ("city", "district", "school"):
        return False
    prefix = {"city": "district__city_id", "district": "district_id", "school": "pk"}[outer.kind]
    key = {"city": outer.city_id, "district": outer.district_id, "school": outer.school_id}[outer.kind]
    if inner.kind == "city":
        return outer.kind == "city" and inner.city_id == outer.city_id
    if inner.kind == "district":
        if outer.kind == "district":
            return inner.district_id == outer.district_id
        return outer.kind == "city" and _model("district").objects.filter(
            pk=inner.district_id, city_id=outer.city_id).exists()
    if inner.kind == "school":
        if outer.kind == "school":
            return inner.school_id == outer.school_id
        return _model("school").objects.filter(pk=inner.school_id, **{prefix: key}).exists()
    if inner.kind == "self":
        path = "school" if prefix == "pk" else f"school__{prefix}"
        return _model("teacher").objects.filter(pk=inner.teacher_id, **{path: key}).exists()
    return False


def users_within(queryset, scope: Scope):
    """The accounts of ``queryset`` whose city, district, school or teacher record lies within
    ``scope`` (the accounts a city's HR manages in a province of several cities)."""
    from django.db.models import Q

    if scope.covers_all:
        return queryset
    if scope.kind == "city":
        x = scope.city_id
        return queryset.filter(Q(city_id=x) | Q(district__city_id=x) | Q(school__district__city_id=x)
                               | Q(teacher__school__district__city_id=x))
    if scope.kind == "district":
        x = scope.district_id
        return queryset.filter(Q(district_id=x) | Q(school__district_id=x) | Q(teacher__school__district_id=x))
    if scope.kind == "school":
        return queryset.filter(Q(school_id=scope.school_id) | Q(teacher__school_id=scope.school_id))
    return queryset.none()


def in_scope(user, obj) -> bool:
    """Whether ``obj`` lies within ``user``'s scope, as its model's ``for_scope`` says (teachers,
    schools, districts, cities and every teacher's record have one). Anything else is only within
    the scope of the whole installation."""
    scope = scope_for(user)
    if scope.kind == "none":
        return False
    if scope.covers_all:
        return True
    queryset = type(obj)._default_manager.get_queryset()
    if hasattr(queryset, "for_scope"):
        return queryset.for_scope(scope).filter(pk=obj.pk).exists()
    return False


def note_out_of_scope(request, model, **lookup) -> bool:
    """After a lookup cut to the user's scope found nothing: if such a record exists outside the
    scope, record the refusal in the audit trail (who, which address, which record, the path) and
    return True. The user still gets the same 404 as for a record that does not exist."""
    from . import audit

    try:
        found = model._base_manager.filter(**lookup).values_list("pk", flat=True).first()
    except Exception:  # a malformed key: nothing can exist under it
        return False
    if found is None:
        return False
    audit.record_refusal(
        request, "超出管理范围：请求的记录不在您的管理范围内（答复 404）",
        object_type=model._meta.label_lower, object_id=str(found),
    )
    return True


def get_in_scope_or_404(request, queryset, **lookup):
    """``get_object_or_404`` on a queryset already cut to the user's scope, recording the refusal
    when the record exists outside it (``note_out_of_scope``)."""
    from django.core.exceptions import ValidationError
    from django.http import Http404
    from django.utils.translation import gettext as _

    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        note_out_of_scope(request, queryset.model, **lookup)
        raise Http404(_("记录不存在，或不在您的管理范围内。")) from None
