"""A user's scope (city / district / school / self) as a value object.

Every QuerySet that holds teacher data has ``in_scope(user)``, and each of them starts here,
so "what can this user see" is decided in one place.
"""
from __future__ import annotations

from dataclasses import dataclass

from .roles import Role


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
    if user.is_superuser or user.role == Role.CITY_HR:
        return Scope("city")
    if user.role == Role.TEACHER:
        return Scope("self", teacher_id=user.teacher_id) if user.teacher_id else NOTHING
    if user.role == Role.SCHOOL_HR or (user.role == Role.LEADER and user.school_id):
        return Scope("school", school_id=user.school_id) if user.school_id else NOTHING
    if user.role == Role.DISTRICT_HR or (user.role == Role.LEADER and user.district_id):
        return Scope("district", district_id=user.district_id) if user.district_id else NOTHING
    if user.role == Role.LEADER:
        return Scope("city")
    return NOTHING
