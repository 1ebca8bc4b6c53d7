"""Database constraints and model validation of DOMAIN.md rules."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import SchoolFactory, TeacherFactory
from workforce import models as m

pytestmark = pytest.mark.django_db


def test_reference_data_is_seeded():
    assert m.District.objects.count() == 10
    assert set(m.District.objects.values_list("name", flat=True)) >= {"海州区", "连云区", "赣榆区", "东海县", "灌云县", "灌南县", "开发区", "徐圩新区", "云台山景区", "市直"}
    assert m.PlanIndicator.objects.filter(table="table2").count() == 9
    assert m.PlanIndicator.objects.get(code="t2_junior_postgraduate").target == 5
    assert m.PlanIndicator.objects.get(code="t1_ptr_primary").higher_is_better is False
    assert not m.ExchangeType.objects.get(name="调动").counts
    assert m.ExchangeType.objects.filter(counts=True).count() == 5
    assert m.RuleSetting.get("rotation_min_years", None) == 6


def test_id_number_is_unique():
    t = TeacherFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TeacherFactory(id_number=t.id_number)


def test_school_code_is_unique():
    s = SchoolFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolFactory(code=s.code)


def test_exchange_end_before_start_is_refused():
    t = TeacherFactory()
    kind = m.ExchangeType.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Exchange.objects.create(teacher=t, exchange_type=kind, start=dt.date(2025, 9, 1), end=dt.date(2025, 1, 1))


def test_exchange_to_the_same_school_is_refused():
    t = TeacherFactory()
    kind = m.ExchangeType.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Exchange.objects.create(teacher=t, exchange_type=kind, start=dt.date(2025, 9, 1), from_school=t.school, to_school=t.school)


def test_teacher_clean_checks_id_against_birth_date_and_sex():
    t = TeacherFactory.build(school=SchoolFactory(), birth_date=dt.date(1985, 6, 15), sex="1")
    t.birth_date = dt.date(1985, 6, 16)
    t.sex = "2"
    with pytest.raises(ValidationError) as exc:
        t.full_clean()
    assert "出生日期与身份证件号不符" in str(exc.value)
    assert "性别与身份证件号不符" in str(exc.value)


def test_teacher_clean_refuses_stage_the_school_does_not_teach():
    t = TeacherFactory.build(school=SchoolFactory(school_type="primary"), teaching_stage="senior")
    with pytest.raises(ValidationError, match="任教学段"):
        t.full_clean()


def test_population_on_a_date():
    school = SchoolFactory()
    TeacherFactory(school=school, name="在册")
    TeacherFactory(school=school, name="已退休", left_on=dt.date(2024, 7, 31), left_reason="retired")
    TeacherFactory(school=school, name="新进", school_entry=dt.date(2026, 9, 1))
    TeacherFactory(school=school, name="行政", staff_category="admin")
    on = dt.date(2025, 9, 1)
    assert sorted(m.Teacher.objects.population(on).values_list("name", flat=True)) == ["在册"]


def _exchange(teacher, start, counts=True):
    kind = m.ExchangeType.objects.filter(counts=counts).first()
    return m.Exchange.objects.create(teacher=teacher, exchange_type=kind, start=start)


def test_rotation_eligibility_on_the_first_of_september():
    school = SchoolFactory(school_type="primary")
    exactly_six = TeacherFactory(school=school, school_entry=dt.date(2019, 9, 1))
    one_month_short = TeacherFactory(school=school, school_entry=dt.date(2019, 10, 1))
    not_established = TeacherFactory(school=school, school_entry=dt.date(2010, 9, 1), on_establishment=False)
    eligible = set(m.Teacher.objects.eligible_for_rotation(2025, 6))
    assert exactly_six in eligible
    assert one_month_short not in eligible
    assert not_established not in eligible


def test_rotation_counts_only_public_compulsory_teachers():
    private = SchoolFactory(school_type="primary", ownership="private")
    senior = SchoolFactory(school_type="senior")
    TeacherFactory(school=private, school_entry=dt.date(2010, 9, 1))
    TeacherFactory(school=senior, school_entry=dt.date(2010, 9, 1))
    assert m.Teacher.objects.eligible_for_rotation(2025, 6).count() == 0


def test_rotated_in_school_year_counts_only_counted_types_starting_in_the_year():
    school = SchoolFactory()
    a, b, c_, d = (TeacherFactory(school=school) for _ in range(4))
    _exchange(a, dt.date(2025, 9, 1))
    _exchange(b, dt.date(2026, 8, 31).replace(day=1))
    _exchange(c_, dt.date(2025, 8, 1))  # previous school year
    _exchange(d, dt.date(2025, 10, 1), counts=False)  # 调动 does not count
    _exchange(a, dt.date(2026, 3, 1))  # a second exchange: still one teacher
    assert set(m.Teacher.objects.rotated_in(2025)) == {a, b}


def test_backbone_on_leaves_out_a_teacher_under_an_ethics_ban():
    """骨干 = the flag or an active honour that makes a 骨干, except inside a substantiated case's ban."""
    school = SchoolFactory()
    flagged = TeacherFactory(school=school, backbone=True)
    honoured = TeacherFactory(school=school)
    m.Award.objects.create(teacher=honoured, honour_type=m.HonourType.objects.get(code="shi_gugan"),
                           awarded_on=dt.date(2024, 1, 1), expires_on=dt.date(2027, 1, 1))
    severity = m.EthicsSeverity.objects.get(name="记过")
    for t in (flagged, honoured):
        m.EthicsCase.objects.create(teacher=t, severity=severity, occurred_on=dt.date(2025, 1, 1),
                                    decided_on=dt.date(2025, 2, 1), ban_until=dt.date(2026, 2, 1))
    m.EthicsCase.objects.create(teacher=TeacherFactory(school=school, backbone=True), severity=severity,
                                occurred_on=dt.date(2025, 1, 1), decided_on=dt.date(2025, 2, 1),
                                ban_until=dt.date(2026, 2, 1), substantiated=False)  # not substantiated: no ban
    backbone = m.Teacher.objects.filter(school=school).backbone_on
    assert backbone(dt.date(2025, 1, 31)).count() == 3  # before the decision
    assert backbone(dt.date(2025, 2, 1)).count() == 1  # first day of the ban
    assert backbone(dt.date(2026, 2, 1)).count() == 1  # last day of the ban
    assert backbone(dt.date(2026, 2, 2)).count() == 3
