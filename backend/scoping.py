"""A user's scope (city / district / school / self) as a value object.

Every QuerySet that holds teacher data has ``in_scope(user)``, and each of them starts here,
so "what can this user see" is decided in one place. The levels a role works at are rows of the
rights table (``scope.*`` in ``core.capabilities``): a user's scope is the narrowest level their
role holds that their account is assigned to — their own teacher record, their school, their
district — or the city, which needs no assignment. A superuser's scope is the city.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.capabilities import Capability, of_role


@dataclass(frozen=True)
class Scope:
    kind: str  # "city", "district", "school", "self" or "none"
    district_id: int | None = None
    school_id: int | None = None
    teacher_id: int | None = None

    @property
    def is_city(self) -> bool:
        return self.kind == "city"


NOTHING = Scope("none")


def scope_for(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Scope("city")
    held = of_role(user.role)
    if Capability.SCOPE_SELF in held and user.teacher_id:
        return Scope("self", teacher_id=user.teacher_id)
    if Capability.SCOPE_SCHOOL in held and user.school_id:
        return Scope("school", school_id=user.school_id)
    if Capability.SCOPE_DISTRICT in held and user.district_id:
        return Scope("district", district_id=user.district_id)
    if Capability.SCOPE_CITY in held:
        return Scope("city")
    return NOTHING


def in_scope(user, obj) -> bool:
    """Whether ``obj`` lies within ``user``'s scope, as its model's ``for_scope`` says (teachers,
    schools and every teacher's record have one); a district is within a district scope that is
    its own. Anything else is only within the city's scope."""
    scope = scope_for(user)
    if scope.kind == "none":
        return False
    if scope.is_city:
        return True
    queryset = type(obj)._default_manager.get_queryset()
    if hasattr(queryset, "for_scope"):
        return queryset.for_scope(scope).filter(pk=obj.pk).exists()
    if obj._meta.label_lower == "workforce.district":
        return scope.kind == "district" and obj.pk == scope.district_id
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
