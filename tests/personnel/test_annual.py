"""The annual check and report (issue 15, item 5): per school the problems the national report
would have, the school submits, the district reviews and submits, the city sees who has."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from backend.models import AuditEntry
from personnel import annual
from personnel.models import DistrictReport, ReportingPeriod, SchoolReport
from tests.factories import SchoolFactory, TeacherFactory
from workforce.models import EducationRecord, Enrolment, SchoolQuota, TitleAppointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(world):
    return annual.period_open(school_year=2026, name="2026-2027学年基数", deadline=None, user=world.users.city)


def test_the_checks_find_what_the_national_report_needs(world, period):
    Enrolment.objects.create(school=world.s1, school_year=2026, stage="primary", pupils=500, classes=12)
    SchoolQuota.objects.create(school=world.s1, school_year=2026, approved=30)
    EducationRecord.objects.create(teacher=world.t1, education="bachelor", degree="bachelor", is_highest=True)
    TitleAppointment.objects.create(teacher=world.t1, title="yiji", appointed_on=dt.date(2015, 9, 1))
    twin = TeacherFactory(school=world.s1b, name=world.t1.name, birth_date=world.t1.birth_date)
    TeacherFactory(school=world.s1, work_start=None, staff_category="admin")
    checks = annual.school_checks(world.s1.district.schools.all(), period, on=dt.date(2026, 12, 1))
    s1 = checks[world.s1.pk].counts
    assert (s1["no_enrolment"], s1["no_quota"], s1["no_education"], s1["no_title"]) == (0, 0, 0, 0)
    assert s1["missing_work_start"] == 1 and s1["duplicates"] == 1
    assert s1["missing_source"] == 2 and s1["missing_employment_form"] == 2  # never entered
    s1b = checks[world.s1b.pk].counts
    assert (s1b["no_enrolment"], s1b["no_quota"], s1b["no_education"], s1b["no_title"]) == (1, 1, 2, 2)
    assert s1b["duplicates"] == 1
    private = SchoolFactory(district=world.d1, ownership="private")
    assert annual.school_checks(world.d1.schools.filter(pk=private.pk), period)[private.pk].counts["no_quota"] == 0
    assert twin in annual.duplicate_teachers([world.s1b], dt.date(2026, 12, 1))


def test_the_checks_run_a_fixed_number_of_queries(world, period, django_assert_max_num_queries):
    with django_assert_max_num_queries(6) as few:
        annual.school_checks(world.d1.schools.all(), period)
    for i in range(10):
        TeacherFactory(school=SchoolFactory(district=world.d1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(annual.school_checks(world.d1.schools.all(), period)) == 12


def test_school_submits_district_reviews_and_submits_city_sees(client, world, period):
    report = annual.school_submit(period=period, school=world.s1, user=world.users.school)
    assert report.status == "submitted" and report.problem_count > 0 and "no_enrolment" in report.problems
    with pytest.raises(ValidationError, match="已于"):
        annual.school_submit(period=period, school=world.s1, user=world.users.school)
    with pytest.raises(PermissionDenied):
        annual.school_submit(period=period, school=world.s2, user=world.users.school)
    with pytest.raises(PermissionDenied):
        annual.school_review(report=report, approve=True, user=world.users.district2)
    with pytest.raises(ValidationError, match="退回须填写原因"):
        annual.school_review(report=report, approve=False, user=world.users.district)
    annual.school_review(report=report, approve=False, reason="请补填在校生数", user=world.users.district)
    with pytest.raises(ValidationError, match="不能再审核"):
        annual.school_review(report=report, approve=True, user=world.users.district)
    report = annual.school_submit(period=period, school=world.s1, user=world.users.school)  # again after fixing
    with pytest.raises(ValidationError, match="待审核"):
        annual.district_submit(period=period, district=world.d1, user=world.users.district)
    annual.school_review(report=report, approve=True, user=world.users.district)
    with pytest.raises(PermissionDenied):
        annual.district_submit(period=period, district=world.d1, user=world.users.district2)
    sent = annual.district_submit(period=period, district=world.d1, user=world.users.district)
    assert (sent.schools_submitted, sent.schools_total) == (1, 2)
    with pytest.raises(ValidationError, match="已向市报送"):
        annual.district_submit(period=period, district=world.d1, user=world.users.district)
    assert AuditEntry.objects.filter(message__contains="年度报送").count() >= 5

    client.force_login(world.users.city)
    page = client.get(reverse("personnel:annual_period", args=[period.pk])).content.decode()
    assert f'data-district="{world.d1.code}"' in page and "已报送" in page
    page = client.get(reverse("personnel:annual_period", args=[period.pk]), {"status": "none"}).content.decode()
    assert f'data-school="{world.s1b.code}"' in page and f'data-school="{world.s1.code}"' not in page


def test_the_pages_by_role(client, world, period):
    client.force_login(world.users.school)
    page = client.get(reverse("personnel:annual_period", args=[period.pk])).content.decode()
    assert "未报送" in page and 'data-check="no_enrolment"' in page
    client.post(reverse("personnel:annual_action", args=[period.pk, "school"]), {"school": world.s1.pk})
    assert SchoolReport.objects.get().submitted_by == world.users.school
    # another school by number: 404, recorded
    assert client.post(reverse("personnel:annual_action", args=[period.pk, "school"]),
                       {"school": world.s2.pk}).status_code == 404
    client.force_login(world.users.district)
    page = client.get(reverse("personnel:annual_period", args=[period.pk])).content.decode()
    assert "审核通过" in page
    client.post(reverse("personnel:annual_action", args=[period.pk, "approve"]), {"report": SchoolReport.objects.get().pk})
    client.post(reverse("personnel:annual_action", args=[period.pk, "district"]))
    assert DistrictReport.objects.filter(district=world.d1).exists()
    client.force_login(world.users.teacher)
    assert client.get(reverse("personnel:annual")).status_code == 403
    client.force_login(world.users.district)
    assert client.post(reverse("personnel:annual"), {"name": "x", "school_year": 2027}).status_code == 403
    assert ReportingPeriod.objects.count() == 1
