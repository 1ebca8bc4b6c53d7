"""Roles of DOMAIN.md ("Who uses it") and what each may do.

A role is stored on the user; the scope (district or school) beside it. What a role may do
is decided here, once, and the admin, pages, exports and imports ask these functions.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_HR = "city_hr", _("市教育局人事科")
    DISTRICT_HR = "district_hr", _("区县教育局人事")
    SCHOOL_HR = "school_hr", _("学校人事")
    TEACHER = "teacher", _("教师")
    LEADER = "leader", _("领导（只读）")


HR_ROLES = frozenset({Role.CITY_HR, Role.DISTRICT_HR, Role.SCHOOL_HR})


def is_hr(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in HR_ROLES))


def can_write(user) -> bool:
    """HR roles change records in their scope; leaders and teachers change no master data."""
    return is_hr(user)


def can_see_identity(user) -> bool:
    """Full 身份证件号 and birth dates: HR with the explicit right (DOMAIN.md: masked otherwise)."""
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    return user.role in HR_ROLES and user.can_view_identity


def can_see_ethics(user) -> bool:
    """Ethics cases are visible only to HR roles with that right (issue 6)."""
    if not (user and user.is_authenticated):
        return False
    return user.is_superuser or (user.role in HR_ROLES and user.can_view_ethics)
