"""Reads of personnel work: lists cut to the user's scope in a fixed number of queries, the
school history as a query, and a teacher's record with its completeness."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q

from backend.scoping import scope_for
from workforce import choices as c
from workforce.models import EducationRecord, School, Teacher, TitleAppointment

from .completeness import REQUIRED_FIELDS, completeness
from .models import ChangeRequest, PersonnelEvent, TeacherSchoolSpell, no_spells_q


def requests_for(user):
    """Change requests in the user's scope (a teacher: their own)."""
    return (ChangeRequest.objects.for_scope(scope_for(user))
            .select_related("teacher__school__district", "requester", "reviewer", "forwarded_by"))


def events_for(user):
    return (PersonnelEvent.objects.for_scope(scope_for(user))
            .select_related("teacher", "from_school__district", "to_school__district", "from_confirmed_by",
                            "to_confirmed_by", "created_by"))


def teachers_at(school: School, on: dt.date):
    """Who was at ``school`` on ``on``: the school history where the teacher has one (a personnel
    event moved them), else their current school from 进本校年月 until they left."""
    spell = TeacherSchoolSpell.objects.covering(on).filter(teacher=OuterRef("pk"), school=school)
    return Teacher.objects.filter(
        Q(Exists(spell)) | (no_spells_q() & Q(school=school) & Q(pk__in=Teacher.objects.on_roll(on).values("pk")))
    )


def school_history():
    """The school history as workforce's measures read it (``workforce.hooks.SchoolHistory``,
    registered in ``personnel/apps.py``): a past date's figure counts each teacher at the school
    their spells place them at on that date."""
    from django.db.models import Subquery

    from workforce.hooks import SchoolHistory

    return SchoolHistory(
        has_history=lambda: Exists(TeacherSchoolSpell.objects.filter(teacher=OuterRef("pk"))),
        school_on=lambda on: Subquery(TeacherSchoolSpell.objects.covering(on).filter(teacher=OuterRef("pk"))
                                      .order_by("-start").values("school_id")[:1]),
        entry_on=lambda on: Subquery(TeacherSchoolSpell.objects.covering(on).filter(teacher=OuterRef("pk"))
                                     .order_by("-start").values("start")[:1]),
        ever_at=lambda schools: Q(pk__in=TeacherSchoolSpell.objects.filter(school__in=schools.values("pk"))
                                  .values("teacher_id")),
        ever_ids=lambda schools: TeacherSchoolSpell.objects.filter(school__in=schools.values("pk"))
        .order_by().values("teacher_id"),
    )


def teacher_record(teacher: Teacher) -> dict:
    """Everything the teacher's own page shows, in a fixed number of queries."""
    educations = list(EducationRecord.objects.filter(teacher=teacher).order_by("-end", "-pk"))
    titles = list(TitleAppointment.objects.filter(teacher=teacher).order_by("-appointed_on"))
    awards = list(teacher.awards.select_related("honour_type").order_by("-awarded_on"))
    exchanges = list(teacher.exchanges.select_related("exchange_type").order_by("-start"))
    spells = list(TeacherSchoolSpell.objects.filter(teacher=teacher).select_related("school").order_by("start"))
    values = {key: getattr(teacher, key) for key in REQUIRED_FIELDS}
    meter = completeness(values, educations=len(educations), highest=sum(e.is_highest for e in educations),
                         titles=len(titles), full_time=teacher.staff_category == c.StaffCategory.FULL_TIME_TEACHER)
    return {"educations": educations, "titles": titles, "awards": awards, "exchanges": exchanges, "spells": spells,
            "completeness": meter}


def open_counts(user) -> dict[str, int]:
    qs = requests_for(user).order_by()
    return dict(qs.values_list("status").annotate(n=Count("pk")))
