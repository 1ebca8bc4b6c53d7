"""Who may do what with training credits (issue 5, "Scope and roles"), decided once.

Services enforce these; views and the navigation ask them to show only what a user can use.
"""
from __future__ import annotations

from core.roles import Role
from backend.scoping import scope_for
from workforce.models import Teacher

APPROVER_ROLES = frozenset({Role.CITY_HR, Role.DISTRICT_HR, Role.SCHOOL_HR})
REPORT_ROLES = frozenset({Role.CITY_HR, Role.DISTRICT_HR, Role.SCHOOL_HR, Role.LEADER})


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def has_own_training(user) -> bool:
    """"我的培训": any user linked to a teacher record."""
    return _active(user) and bool(user.teacher_id)


def can_approve(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in APPROVER_ROLES)


def can_read_reports(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in REPORT_ROLES) and scope_for(user).kind != "none"


def can_browse_catalogue(user) -> bool:
    return _active(user) and scope_for(user).kind != "none"


def can_log_for(user, teacher: Teacher) -> bool:
    """A teacher logs for themself; HR for teachers in their scope; leaders never."""
    if not _active(user):
        return False
    if user.role == Role.LEADER and not user.is_superuser:
        return False
    if user.role == Role.TEACHER and not user.is_superuser:
        return user.teacher_id == teacher.pk
    return Teacher.objects.for_scope(scope_for(user)).filter(pk=teacher.pk).exists()


def can_change(user, record) -> bool:
    """Edit or delete an unapproved record: its teacher, or HR with the teacher in scope."""
    if _active(user) and user.role == Role.TEACHER and not user.is_superuser:
        return user.teacher_id == record.teacher_id
    return can_log_for(user, record.teacher)


def can_decide(user, record) -> bool:
    """City HR: any record; district HR: its district's; school HR: its school's, except records
    of a district programme (the district approves those). Nobody decides their own record."""
    if not _active(user):
        return False
    if user.teacher_id and user.teacher_id == record.teacher_id:
        return False
    if user.is_superuser or user.role == Role.CITY_HR:
        return True
    teacher = record.teacher
    if user.role == Role.DISTRICT_HR:
        return teacher.school.district_id == user.district_id
    if user.role == Role.SCHOOL_HR:
        return teacher.school_id == user.school_id and not record.needs_district
    return False


def can_publish(user, district_id: int | None) -> bool:
    """City HR publishes city programmes (and any district's); district HR its own district's."""
    if not _active(user):
        return False
    if user.is_superuser or user.role == Role.CITY_HR:
        return True
    return user.role == Role.DISTRICT_HR and district_id is not None and district_id == user.district_id


def can_credit_provider_list(user, programme) -> bool:
    if not _active(user):
        return False
    return user.is_superuser or user.role == Role.CITY_HR or (
        user.role == Role.DISTRICT_HR and programme.district_id in (None, user.district_id)
    )
