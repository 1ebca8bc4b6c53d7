"""Personnel work in the demo city (issue 15): ``add_personnel_demo()`` adds a few change
requests and personnel events to a demo city already built by ``demo.builder`` (``seed_demo``),
through the services, so that every page of personnel work has something to show:

- the demo teacher's proposal of a new degree, waiting for the school (待学校报送);
- school HR's requests under review (待审核), and one returned with its reason;
- a move within 海州区 asked by the school (待确认), a move to another district confirmed by
  海州区 and waiting for the receiving district, a retirement confirmed for next month.

``seed_demo`` runs it once the city is built (``demo.builder.add_apps_demo``). Idempotent in effect: a second run adds nothing the rules refuse (one
open request a field, one open event a teacher)."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from personnel import events, services
from workforce import choices as c
from workforce.models import School, Teacher

USERNAMES = ("city_hr", "haizhou_hr", "school_hr", "teacher")


def _try(made: list, call, **kwargs):
    try:
        made.append(call(**kwargs))
    except (ValidationError, PermissionDenied):
        pass  # already there from an earlier run, or the generated record does not allow it


def add_personnel_demo(*, today: dt.date | None = None) -> dict[str, int]:
    """Add the demo's change requests and events; returns how many of each were made."""
    today = today or timezone.localdate()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=USERNAMES)}
    if len(users) < len(USERNAMES):
        return {"变更申请": 0, "人事变动": 0}
    city, district, school_hr, teacher_user = (users[name] for name in USERNAMES)
    school = school_hr.school
    colleagues = list(Teacher.objects.filter(school=school, left_on__isnull=True, staff_category=c.StaffCategory.FULL_TIME_TEACHER)
                      .exclude(pk=teacher_user.teacher_id).order_by("pk")[:6])
    requests: list = []
    _try(requests, services.record_add_request, teacher=teacher_user.teacher, kind="education", user=teacher_user,
         values={"education": "master", "degree": "master", "degree_name": "教育硕士", "study_mode": "part_time",
                 "institution": "江苏师范大学", "major": "学科教学", "is_normal_major": True, "is_highest": True,
                 "start": dt.date(today.year - 3, 9, 1), "end": dt.date(today.year - 1, 6, 1)},
         reason="在职攻读教育硕士，已获学位")
    if len(colleagues) >= 4:
        a, b, d, e = colleagues[:4]
        _try(requests, services.field_change_request, teacher=a, field="political_status",
             value="中共党员" if a.political_status != "中共党员" else "群众", user=school_hr, reason="党组织关系已转入")
        _try(requests, services.field_change_request, teacher=b, field="backbone", value=not b.backbone,
             user=school_hr, reason="县级骨干教师认定文件")
        _try(requests, services.record_add_request, teacher=d, kind="title", user=school_hr,
             values={"title": c.Title.FIRST, "appointed_on": dt.date(today.year, 9, 1) if today.month >= 9
                     else dt.date(today.year - 1, 9, 1)}, reason="职称评审通过，学校已聘任")
        returned: list = []
        _try(returned, services.field_change_request, teacher=e, field="ethnicity",
             value="回族" if e.ethnicity != "回族" else "汉族", user=school_hr, reason="按户籍更正民族")
        for cr in returned:
            _try(requests, services.request_return, change_request=cr, user=district,
                 reason="请上传户口簿或身份证复印件作为证明材料")
    moves: list = []
    others = School.objects.filter(district=school.district, is_active=True).exclude(pk=school.pk)
    elsewhere = School.objects.exclude(district=school.district).filter(is_active=True)
    if len(colleagues) >= 6:
        f_, g = colleagues[4:6]
        near = next((s for s in others if f_.teaching_stage in s.stage_list), None)
        far = next((s for s in elsewhere if g.teaching_stage in s.stage_list), None)
        if near is not None:
            _try(moves, events.event_record, teacher=f_, kind="transfer", to_school=near, user=school_hr,
                 effective_on=today + dt.timedelta(days=30), note="本区县内调动", today=today)
        if far is not None:
            _try(moves, events.event_record, teacher=g, kind="transfer", to_school=far, user=district,
                 effective_on=today + dt.timedelta(days=45), note="跨区县调动", today=today)
    retiring = (Teacher.objects.filter(school__district=school.district, left_on__isnull=True,
                                       status=c.PersonnelStatus.PRE_RETIREMENT).order_by("pk").first())
    if retiring is not None:
        _try(moves, events.event_record, teacher=retiring, kind="leave", left_reason=c.LeftReason.RETIRED,
             user=district, effective_on=today + dt.timedelta(days=31), today=today)
    return {"变更申请": len(requests), "人事变动": len(moves)}
