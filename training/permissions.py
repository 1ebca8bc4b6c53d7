"""Who may do what with training credits (issue 5, "Scope and roles"), decided once.

Services enforce these; views and the navigation ask them to show only what a user can use.
Which role holds which right is the rights table (``backend.rights.can``); what is decided here
is where the right reaches — the scope rules of training.
"""
from __future__ import annotations

from backend.rights import can
from backend.scoping import scope_for
from core.capabilities import Capability as C
from workforce.models import Teacher


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def has_own_training(user) -> bool:
    """"我的培训": any user linked to a teacher record."""
    return _active(user) and bool(user.teacher_id)


def can_approve(user) -> bool:
    return can(user, C.TRAINING_APPROVE)


def can_read_reports(user) -> bool:
    return can(user, C.TRAINING_REPORT) and scope_for(user).kind != "none"


def can_browse_catalogue(user) -> bool:
    return _active(user) and scope_for(user).kind != "none"


def can_log_for(user, teacher: Teacher) -> bool:
    """A teacher logs for themself; HR for teachers in their scope; leaders never
    (``training.log`` within the scope: a teacher's scope is their own record)."""
    if not can(user, C.TRAINING_LOG):
        return False
    scope = scope_for(user)
    if scope.kind == "self":
        return scope.teacher_id == teacher.pk
    return Teacher.objects.for_scope(scope).filter(pk=teacher.pk).exists()


def can_change(user, record) -> bool:
    """Edit or delete an unapproved record: its teacher, or HR with the teacher in scope."""
    if can(user, C.TRAINING_LOG) and scope_for(user).kind == "self":
        return user.teacher_id == record.teacher_id
    return can_log_for(user, record.teacher)


def can_decide(user, record) -> bool:
    """``training.approve`` within the scope: the city any record; a district its district's; a
    school its school's, except records of a district programme (the district approves those).
    Nobody decides their own record."""
    if not can(user, C.TRAINING_APPROVE):
        return False
    if user.teacher_id and user.teacher_id == record.teacher_id:
        return False
    scope = scope_for(user)
    if scope.covers_all:
        return True
    teacher = record.teacher
    if scope.kind == "city":
        return teacher.school.district.city_id == scope.city_id
    if scope.kind == "district":
        return teacher.school.district_id == scope.district_id
    if scope.kind == "school":
        return teacher.school_id == scope.school_id and not record.needs_district
    return False


def can_publish(user, district_id: int | None) -> bool:
    """``training.publish`` within the scope: the city publishes city programmes (and any
    district's); a district its own district's. A city of a province of several cities publishes
    its own programmes (``Programme.city``) and its districts' (issue 18)."""
    if not can(user, C.TRAINING_PUBLISH):
        return False
    scope = scope_for(user)
    if scope.covers_all:
        return True
    if scope.kind == "city":
        return district_id is None or _district_in_city(district_id, scope.city_id)
    return scope.kind == "district" and district_id is not None and district_id == scope.district_id


def publishes_for_own_district(user) -> bool:
    """A district-scoped publisher publishes its own district's programmes only: the form offers
    no choice of district and the service sets it."""
    return scope_for(user).kind == "district"


def city_of_programme(user, district):
    """The city of a city programme ``user`` publishes in a province of several cities (no district:
    their city's; the province's HR publishes the province's, no city)."""
    scope = scope_for(user)
    return scope.city_id if district is None and scope.kind == "city" else None


def district_of_programme(user, district):
    """The district a programme ``user`` publishes belongs to: their own for a district-scoped
    publisher, else the one chosen (None: a city programme)."""
    return user.district if publishes_for_own_district(user) else district


def can_credit_provider_list(user, programme) -> bool:
    """Credit a provider's list of participants (``training.publish``): the city any programme's;
    a district its own and the city's."""
    if not can(user, C.TRAINING_PUBLISH):
        return False
    scope = scope_for(user)
    if scope.kind == "city" and not scope.covers_all:
        if programme.district_id is None:
            return programme.city_id == scope.city_id
        return _district_in_city(programme.district_id, scope.city_id)
    return scope.covers_all or (scope.kind == "district" and programme.district_id in (None, scope.district_id))


def _district_in_city(district_id: int, city_id: int) -> bool:
    from workforce.models import District

    return District.objects.filter(pk=district_id, city_id=city_id).exists()
