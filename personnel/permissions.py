"""Who may do what in personnel work (issue 15), decided once: services enforce these, views
and the navigation ask them to show only what a user can use.

- A teacher proposes changes to their own record; the school forwards them (报送).
- School HR edits its teachers; a reviewed field becomes a change request.
- District HR reviews its district's requests; city HR those of 市直 schools (and any other).
- Nobody approves a request they made, or one about themself.
- A move between schools is confirmed by the district of each side (city HR for 市直).

Which role holds which right is the rights table (``backend.rights.can``); the scope rules are here.
"""
from __future__ import annotations

from backend.rights import can
from backend.scoping import scope_for
from core.capabilities import Capability as C
from workforce import choices as c


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_city(user) -> bool:
    """Opens the year's reporting (``reporting.open``: city HR)."""
    return can(user, C.REPORTING_OPEN)


def has_own_record(user) -> bool:
    return _active(user) and bool(user.teacher_id)


def can_see_requests(user) -> bool:
    return can(user, C.PERSONNEL_VIEW) and scope_for(user).kind != "none"


def can_see_events(user) -> bool:
    return can_see_requests(user)


def can_export(user) -> bool:
    return can_see_requests(user)


def in_scope(user, school) -> bool:
    """``school`` (a School) within the user's scope."""
    scope = scope_for(user)
    if scope.covers_all:
        return True
    if scope.kind == "city":
        return school.district.city_id == scope.city_id
    if scope.kind == "district":
        return school.district_id == scope.district_id
    if scope.kind == "school":
        return school.pk == scope.school_id
    return False


def may_edit(user, teacher) -> bool:
    """HR in scope edit a teacher's record (school HR through review for reviewed fields)."""
    return can(user, C.RECORDS_EDIT) and in_scope(user, teacher.school)


def edits_directly(user) -> bool:
    """District and city HR change records directly; school HR only fields the rules allow."""
    return can(user, C.PERSONNEL_EDIT_DIRECTLY)


def may_propose(user, teacher) -> bool:
    """A teacher proposes changes to their own record (their scope); HR to records they edit."""
    if can(user, C.PERSONNEL_PROPOSE) and scope_for(user).kind == "self":
        return user.teacher_id == teacher.pk
    return may_edit(user, teacher)


def may_forward(user, request) -> bool:
    """School HR of the teacher's school (or any reviewer in scope) forwards a teacher's proposal."""
    return can(user, C.RECORDS_EDIT) and in_scope(user, request.teacher.school)


def reviews_school(user, school) -> bool:
    """District HR for its district's schools, except 市直 schools: city HR reviews those (and may
    review any school of its city: the level above)."""
    if not can(user, C.PERSONNEL_REVIEW):
        return False
    scope = scope_for(user)
    if scope.above_district:
        return in_scope(user, school)
    if scope.kind != "district":
        return False
    return school.district_id == scope.district_id and school.district.kind != c.DistrictKind.CITY


def own_request(user, request) -> bool:
    return (request.requester_id is not None and request.requester_id == user.pk) or (
        bool(user.teacher_id) and user.teacher_id == request.teacher_id)


def may_review(user, request) -> bool:
    return reviews_school(user, request.teacher.school) and not own_request(user, request)


def may_record_event(user, event) -> bool:
    """HR with either side of the event in scope."""
    if not can(user, C.RECORDS_EDIT):
        return False
    schools = [s for s in (event.from_school, event.to_school) if s is not None]
    return any(in_scope(user, s) for s in schools)


def confirmable_sides(user, event) -> list[str]:
    """The sides of ``event`` not yet confirmed that ``user`` confirms (the district of the side's
    school; city HR for 市直)."""
    return [side for side in event.sides
            if not event.confirmed(side) and event.side_school(side) is not None
            and reviews_school(user, event.side_school(side))]
