"""The annual check and report (issue 15, item 5).

``school_checks(schools, period)``: for every school, the problems the national report would
have — teachers on the roll missing a required field of the national sheet, 专任教师 without a
学历 record or without a title, no enrolment or (public schools) no approved quota entered for the
school year, persons entered twice (same name and birth date) — counted in a fixed number of
grouped queries, whatever the number of schools and teachers.

The writes (open a period, a school submits, the district returns or approves and submits) are
atomic and audited; refusals are ``PermissionDenied`` / ``ValidationError``.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from backend import audit
from backend.rights import can
from backend.scoping import scope_for
from core.capabilities import Capability
from workforce import choices as c
from workforce.models import District, EducationRecord, Enrolment, School, SchoolQuota, Teacher, TitleAppointment, rotation_day

from . import permissions as perm
from .models import DistrictReport, ReportingPeriod, SchoolReport

# field → label: the required national columns a record can lack (yes/no columns always answer)
REQUIRED = {
    "work_start": _("参加工作年月"), "school_entry": _("进本校年月"), "source": _("教职工来源"),
    "employment_form": _("用人形式"), "it_ability": _("信息技术应用能力"), "ethnicity": _("民族"),
    "political_status": _("政治面貌"), "nationality": _("国籍/地区"),
}
CHECKS = {
    **{f"missing_{name}": label for name, label in REQUIRED.items()},
    "no_education": _("专任教师无学历（学习经历）记录"),
    "no_title": _("专任教师无专业技术职务记录"),
    "duplicates": _("疑似重复人员（姓名、出生日期相同）"),
    "no_enrolment": _("未填报本学年在校生数"),
    "no_quota": _("未填报本学年核定编制（公办学校）"),
}


def check_label(key: str) -> str:
    if key.startswith("missing_"):
        return gettext("缺%(field)s的教职工") % {"field": CHECKS[key]}
    return str(CHECKS[key])


@dataclass
class SchoolCheck:
    school: School
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def problems(self) -> list[tuple[str, str, int]]:
        """(key, label in the page's language, count) of each check that found something."""
        return [(key, check_label(key), n) for key, n in self.counts.items() if n]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def school_checks(schools, period: ReportingPeriod, on: dt.date | None = None) -> dict[int, SchoolCheck]:
    """The checks of ``schools`` (a School queryset) for ``period``: school id → SchoolCheck."""
    on = on or min(timezone.localdate(), rotation_day(period.school_year + 1) - dt.timedelta(days=1))
    schools = list(schools.select_related("district").order_by("district__order", "code"))
    out = {s.pk: SchoolCheck(s, {key: 0 for key in CHECKS}) for s in schools}
    ids = list(out)
    if not ids:
        return out
    teachers = Teacher.objects.filter(school_id__in=ids).on_roll(on)
    full_time = Q(staff_category=c.StaffCategory.FULL_TIME_TEACHER)
    aggregates = {f"missing_{name}": Count("pk", filter=Q(**{f"{name}__isnull": True}) | Q(**{name: ""}))
                  if name not in ("work_start", "school_entry") else Count("pk", filter=Q(**{f"{name}__isnull": True}))
                  for name in REQUIRED}
    aggregates["no_education"] = Count("pk", filter=full_time & ~Q(Exists(
        EducationRecord.objects.filter(teacher=OuterRef("pk")))))
    aggregates["no_title"] = Count("pk", filter=full_time & ~Q(Exists(
        TitleAppointment.objects.filter(teacher=OuterRef("pk")))))
    for row in teachers.order_by().values("school_id").annotate(**aggregates):
        out[row.pop("school_id")].counts.update(row)
    # the same person twice: same name and birth date anywhere in the city, counted at each school
    duplicates = teachers.filter(_entered_twice(on))
    for row in duplicates.order_by().values("school_id").annotate(n=Count("pk")):
        out[row["school_id"]].counts["duplicates"] = row["n"]
    entered = set(Enrolment.objects.filter(school_id__in=ids, school_year=period.school_year)
                  .values_list("school_id", flat=True))
    quotas = set(SchoolQuota.objects.filter(school_id__in=ids, school_year=period.school_year)
                 .values_list("school_id", flat=True))
    for pk, check in out.items():
        check.counts["no_enrolment"] = int(pk not in entered)
        check.counts["no_quota"] = int(check.school.ownership == c.Ownership.PUBLIC and pk not in quotas)
    return out


def _entered_twice(on: dt.date) -> Exists:
    """The one test of "the same person entered twice" (the check's count and its list use it):
    another teacher on the city's roll on ``on`` has the same name and birth date. A missing birth
    date matches nothing (missing is missing, not a shared value)."""
    twice = (Teacher.objects.on_roll(on).order_by().values("name", "birth_date").annotate(n=Count("pk"))
             .filter(n__gt=1).values("name", "birth_date"))
    return Exists(twice.filter(name=OuterRef("name"), birth_date=OuterRef("birth_date")))


def duplicate_teachers(schools, on: dt.date):
    """The teachers of ``schools`` whose name and birth date another teacher on the roll shares."""
    return (Teacher.objects.filter(school__in=schools).on_roll(on).filter(_entered_twice(on))
            .select_related("school").order_by("name", "birth_date", "pk"))


def summary(checks: dict[int, SchoolCheck], reports: dict[int, SchoolReport]) -> dict[int, dict]:
    """Per district: schools, submitted, approved, problems left (now)."""
    out: dict[int, dict] = defaultdict(lambda: {"schools": 0, "submitted": 0, "approved": 0, "problems": 0})
    for pk, check in checks.items():
        row = out[check.school.district_id]
        row["district"] = check.school.district
        row["schools"] += 1
        row["problems"] += check.total
        report = reports.get(pk)
        if report is not None and report.status != SchoolReport.Status.RETURNED:
            row["submitted"] += 1
            row["approved"] += report.status == SchoolReport.Status.APPROVED
    return dict(out)


# ---------------------------------------------------------------- writes
def _refuse(message: str, name: str | None = None):
    raise ValidationError({name: message} if name else message)


def period_open(*, school_year: int, name: str, deadline: dt.date | None, user, request=None) -> ReportingPeriod:
    if not perm.is_city(user):
        raise PermissionDenied("只有市教育局人事科可以发起年度报送。")
    if ReportingPeriod.objects.filter(school_year=school_year).exists():
        _refuse("该学年已发起年度报送。", "school_year")
    with transaction.atomic():
        period = ReportingPeriod.objects.create(school_year=school_year, name=name.strip()[:60], deadline=deadline,
                                                opened_by=user)
        audit.record(audit.CREATE, user=user, request=request, obj=period, changes=audit.snapshot(period),
                     message="发起年度报送")
    return period


def school_submit(*, period: ReportingPeriod, school: School, user, request=None) -> SchoolReport:
    """A school submits (报送) its data for the period, with the problems still left recorded."""
    if not (perm.can_see_requests(user) and perm.in_scope(user, school)):
        raise PermissionDenied("该学校不在您的管理范围内。")
    with transaction.atomic():
        report = SchoolReport.objects.select_for_update().filter(period=period, school=school).first()
        if report is not None and report.status != SchoolReport.Status.RETURNED:
            _refuse(f"本校已于 {report.submitted_at:%Y-%m-%d} 报送（{report.get_status_display()}）。")
        check = school_checks(School.objects.filter(pk=school.pk), period)[school.pk]
        problems = {key: n for key, _label, n in check.problems}
        report = report or SchoolReport(period=period, school=school)
        report.status, report.problems, report.problem_count = SchoolReport.Status.SUBMITTED, problems, check.total
        report.submitted_by, report.submitted_at, report.return_reason = user, timezone.now(), ""
        report.save()
        audit.record(audit.UPDATE, user=user, request=request, obj=report, object_repr=str(report)[:200],
                     changes={"status": report.get_status_display(), "problems": problems},
                     message=f"学校年度报送（遗留问题 {check.total} 项）")
    return report


def school_review(*, report: SchoolReport, approve: bool, user, reason: str = "", request=None) -> SchoolReport:
    """The district approves a school's report, or returns it with a reason."""
    with transaction.atomic():
        locked = SchoolReport.objects.select_for_update().select_related("school__district").get(pk=report.pk)
        if not perm.reviews_school(user, locked.school):
            raise PermissionDenied("该学校不在您的审核范围内。")
        if locked.status != SchoolReport.Status.SUBMITTED:
            _refuse(f"该报送{locked.get_status_display()}，不能再审核。")
        if not approve and not reason.strip():
            _refuse("退回须填写原因。", "reason")
        if DistrictReport.objects.filter(period=locked.period, district=locked.school.district).exists():
            _refuse("本区县已向市报送，不能再审核学校报送。")
        locked.status = SchoolReport.Status.APPROVED if approve else SchoolReport.Status.RETURNED
        locked.reviewed_by, locked.reviewed_at, locked.return_reason = user, timezone.now(), reason.strip()[:300]
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "return_reason"])
        audit.record(audit.UPDATE, user=user, request=request, obj=locked, object_repr=str(locked)[:200],
                     changes={"status": locked.get_status_display(), "reason": locked.return_reason},
                     message="审核学校年度报送" if approve else "退回学校年度报送")
    return locked


def district_submit(*, period: ReportingPeriod, district, user, request=None) -> DistrictReport:
    """The district submits to the city once every submitted school is reviewed; schools that have
    not submitted and the problems left are recorded with it."""
    if not ((perm.is_city(user) and District.objects.for_scope(scope_for(user)).filter(pk=district.pk).exists())
            or (can(user, Capability.PERSONNEL_REVIEW) and scope_for(user).kind == "district"
                and scope_for(user).district_id == district.pk)):
        raise PermissionDenied("只有本区县教育局人事可以报送本区县。")
    with transaction.atomic():
        if DistrictReport.objects.filter(period=period, district=district).exists():
            _refuse("本区县已向市报送。")
        waiting = SchoolReport.objects.filter(period=period, school__district=district,
                                              status=SchoolReport.Status.SUBMITTED).count()
        if waiting:
            _refuse(f"还有 {waiting} 所学校的报送待审核：请先审核。")
        schools = School.objects.filter(district=district, is_active=True)
        checks = school_checks(schools, period)
        submitted = SchoolReport.objects.filter(period=period, school__district=district,
                                                status=SchoolReport.Status.APPROVED).count()
        report = DistrictReport.objects.create(period=period, district=district, schools_submitted=submitted,
                                               schools_total=len(checks), problem_count=sum(c_.total for c_ in checks.values()),
                                               submitted_by=user)
        audit.record(audit.CREATE, user=user, request=request, obj=report, object_repr=str(report)[:200],
                     changes=audit.snapshot(report), message="区县年度报送")
    return report
