"""年度考核: entry, the 优秀 cap (as data), scope, audit, history on the teacher's page."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from backend.models import AuditEntry
from careers import services
from careers.models import Assessment, ExcellentQuota
from tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_of_ten(world):
    """海州实验小学 with ten 专任教师 (张三 and nine more)."""
    return [world.t1, *TeacherFactory.create_batch(9, school=world.s1)]


def test_results_are_entered_and_audited_under_the_teacher(world, school_of_ten):
    row = services.assessment_record(teacher=world.t1, year=2024, result="pass", user=world.users.school)
    assert (row.year, row.result, row.school_id) == (2024, "pass", world.s1.pk)
    entry = AuditEntry.objects.get(message="登记年度考核")
    assert (entry.object_type, entry.object_id, entry.username) == ("workforce.teacher", str(world.t1.pk), "school1")
    services.assessment_record(teacher=world.t1, year=2024, result="excellent", user=world.users.school)
    assert Assessment.objects.get(teacher=world.t1, year=2024).result == "excellent"
    change = AuditEntry.objects.filter(message="登记年度考核").order_by("-pk").first()
    assert change.changes["result"]["old"] == "合格" and change.changes["result"]["new"] == "优秀"


def test_the_excellent_cap_refuses_one_over_and_names_the_cap_and_count(world, school_of_ten):
    teachers = school_of_ten
    services.assessment_record_many(rows=[(t, 2024, "excellent") for t in teachers[:2]], user=world.users.school)
    with pytest.raises(ValidationError) as refused:
        services.assessment_record(teacher=teachers[2], year=2024, result="excellent", user=world.users.school)
    text = " ".join(refused.value.messages)
    assert "20%" in text and "至多 2 人" in text and "将为 3 人" in text and "海州实验小学" in text
    assert Assessment.objects.filter(year=2024, result="excellent").count() == 2
    assert not Assessment.objects.filter(teacher=teachers[2]).exists()
    # 合格 is never capped; another year has its own cap
    services.assessment_record(teacher=teachers[2], year=2024, result="pass", user=world.users.school)
    services.assessment_record(teacher=teachers[3], year=2023, result="excellent", user=world.users.school)


def test_the_cap_is_data_per_year(world, school_of_ten):
    teachers = school_of_ten
    ExcellentQuota.objects.create(year=2024, share=Decimal("30"))
    services.assessment_record_many(rows=[(t, 2024, "excellent") for t in teachers[:3]], user=world.users.school)
    with pytest.raises(ValidationError):
        services.assessment_record_many(rows=[(t, 2023, "excellent") for t in teachers[:3]], user=world.users.school)
    ExcellentQuota.objects.filter(year__isnull=True).update(share=Decimal("15"))
    with pytest.raises(ValidationError) as refused:
        services.assessment_record_many(rows=[(t, 2022, "excellent") for t in teachers[:2]], user=world.users.school)
    assert "15%" in " ".join(refused.value.messages) and "至多 1 人" in " ".join(refused.value.messages)


def test_a_whole_list_is_all_or_nothing(world, school_of_ten):
    rows = [(t, 2024, "excellent") for t in school_of_ten[:3]]
    with pytest.raises(ValidationError):
        services.assessment_record_many(rows=rows, user=world.users.school)
    assert not Assessment.objects.exists() and not AuditEntry.objects.filter(message="登记年度考核").exists()


def test_out_of_scope_and_read_only_roles_are_refused(world):
    with pytest.raises(PermissionDenied):
        services.assessment_record(teacher=world.t2, year=2024, result="pass", user=world.users.school)
    for user in (world.users.leader, world.users.teacher):
        with pytest.raises(PermissionDenied):
            services.assessment_record(teacher=world.t1, year=2024, result="pass", user=user)
    with pytest.raises(ValidationError):
        services.assessment_record(teacher=world.t1, year=2999, result="pass", user=world.users.school)
    assert not Assessment.objects.exists()


def test_the_page_enters_results_and_refuses_a_teacher_out_of_scope(client, world):
    client.force_login(world.users.school)
    response = client.post("/careers/assessments/?year=2024", {f"result_{world.t1.pk}": "basic"})
    assert response.status_code == 302
    assert Assessment.objects.get(teacher=world.t1).result == "basic"
    response = client.post("/careers/assessments/?year=2024", {f"result_{world.t2.pk}": "pass"})
    assert response.status_code == 403 and not Assessment.objects.filter(teacher=world.t2).exists()
    assert AuditEntry.objects.filter(action="denied", message__contains="登记年度考核").exists()


def test_the_page_says_why_the_cap_refuses(client, world, school_of_ten):
    client.force_login(world.users.school)
    data = {f"result_{t.pk}": "excellent" for t in school_of_ten[:3]}
    response = client.post("/careers/assessments/?year=2024", data, follow=True)
    assert "至多 2 人" in response.content.decode()
    assert not Assessment.objects.exists()


def test_history_on_the_teachers_page(client, world):
    services.assessment_record(teacher=world.t1, year=2023, result="pass", user=world.users.city)
    services.assessment_record(teacher=world.t1, year=2024, result="basic", user=world.users.city)
    client.force_login(world.users.school)
    page = client.get(f"/training/teachers/{world.t1.pk}/").content.decode()
    block = page[page.index('data-test="careers-record"'):]
    assert block.index("2024") < block.index("2023") and "基本合格" in block and "合格" in block


def test_the_demo_adds_three_years_within_the_cap_and_an_open_round(world, school_of_ten):
    import datetime as dt

    from demo.careers import add_careers_demo
    from careers.models import PromotionRound
    from careers.rules import excellent_cap

    counts = add_careers_demo(as_of=dt.date(2026, 11, 1))
    years = set(Assessment.objects.values_list("year", flat=True))
    assert years == {2023, 2024, 2025} and counts["rounds"] == 1
    assert PromotionRound.objects.get(year=2026).status == "open"
    for year in years:
        n = Assessment.objects.filter(school=world.s1, year=year).count()
        assert n == 10
        assert Assessment.objects.filter(school=world.s1, year=year, result="excellent").count() <= excellent_cap(n, Decimal("20"))
    assert add_careers_demo(as_of=dt.date(2026, 11, 1)) == {"assessments": 0, "rounds": 0}  # idempotent



def test_the_cap_figures_of_many_schools_take_a_few_queries_not_some_per_school(world, django_assert_max_num_queries):
    """A city list touching eight schools: each school's 优秀 count and base (its 专任教师, counted
    independently here: five each) come from the same few queries."""
    from careers import selectors
    from tests.factories import SchoolFactory
    schools = SchoolFactory.create_batch(8, district=world.s1.district)
    teachers = [TeacherFactory(school=s) for s in schools for _ in range(5)]
    for i, t in enumerate(teachers):
        Assessment.objects.create(teacher=t, school=t.school, year=2024, result="excellent" if i % 5 == 0 else "pass")
    with django_assert_max_num_queries(4):
        figures = selectors.cap_figures({(s.pk, 2024) for s in schools})
    assert {k: v[:2] for k, v in figures.items()} == {(s.pk, 2024): (1, 5) for s in schools}
    assert all(share == Decimal("20") for _e, _b, share in figures.values())
