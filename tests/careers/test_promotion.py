"""职称评审: each eligibility check inside a round, the review steps, refusals, the appointment."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from backend.models import AuditEntry
from backend.scoping import Scope
from careers import selectors, services
from careers.models import PromotionNomination
from tests.careers.helpers import eligible_teacher, open_round, results, shares, title, trained
from tests.factories import TeacherFactory
from workforce import services as ws
from workforce.models import EthicsSeverity, TitleAppointment

pytestmark = pytest.mark.django_db
S = PromotionNomination.Status


@pytest.fixture
def setup(world):
    shares(world.s1)
    rnd = open_round(world.users.city)
    return world, rnd


def _checks(rnd, teacher, target="gaoji"):
    checks = selectors.eligibility(rnd, [teacher], {teacher.pk: target})[teacher.pk]
    return {c.code: c for c in checks}


def test_an_eligible_teacher_passes_every_check_and_is_appointed_after_district_and_city(setup):
    world, rnd = setup
    teacher = eligible_teacher(world.s1)
    assert all(c.passed for c in _checks(rnd, teacher).values())
    row = services.nominate(rnd=rnd, teacher=teacher, user=world.users.school)
    assert (row.status, row.title) == (S.SUBMITTED, "gaoji")
    row = services.nomination_approve(nomination=row, user=world.users.district)
    assert row.status == S.DISTRICT_APPROVED and not TitleAppointment.objects.filter(teacher=teacher, title="gaoji").exists()
    row = services.nomination_approve(nomination=row, user=world.users.city, on=dt.date(2026, 1, 10))
    assert row.status == S.APPROVED
    new = TitleAppointment.objects.get(teacher=teacher, ended_on__isnull=True)
    assert (new.title, new.appointed_on, row.appointment_id) == ("gaoji", dt.date(2026, 1, 10), new.pk)
    assert TitleAppointment.objects.get(teacher=teacher, title="yiji").ended_on == dt.date(2026, 1, 9)
    # audited: the nomination, both reviews, the appointment (title_promote's own row), under the teacher
    messages = list(AuditEntry.objects.filter(object_type="workforce.teacher", object_id=str(teacher.pk))
                    .values_list("message", flat=True))
    assert any(m.startswith("推荐参加") for m in messages)
    assert "职称申报通过区县审核" in messages and "职称申报通过市级审核，聘任职称" in messages
    assert AuditEntry.objects.filter(message="职称聘任", object_repr__contains=teacher.name).exists()


def test_years_in_title_boundary_inside_a_round(setup):
    world, rnd = setup
    exactly = eligible_teacher(world.s1, name="满五年")
    TitleAppointment.objects.filter(teacher=exactly).update(appointed_on=dt.date(2020, 12, 31))
    short = eligible_teacher(world.s1, name="差一天")
    TitleAppointment.objects.filter(teacher=short).update(appointed_on=dt.date(2021, 1, 1))
    assert _checks(rnd, exactly)["title"].passed
    failed = _checks(rnd, short)["title"]
    assert not failed.passed and "满 5 年" in failed.message
    with pytest.raises(ValidationError) as refused:
        services.nominate(rnd=rnd, teacher=short, user=world.users.school)
    assert "任现职年限" in str(refused.value) and not PromotionNomination.objects.filter(teacher=short).exists()


def test_assessment_checks_boundary(setup):
    world, rnd = setup
    basic = eligible_teacher(world.s1, name="基本合格")
    results(basic, {2022: "basic"})  # inside the last three years (2022–2024)
    old_basic = eligible_teacher(world.s1, name="早年基本合格")
    results(old_basic, {2021: "basic"})  # just outside
    fail_in = eligible_teacher(world.s1, name="五年内不合格")
    results(fail_in, {2021: "fail"})  # 2021 is within the five years up to 2025
    fail_out = eligible_teacher(world.s1, name="五年外不合格")
    results(fail_out, {2020: "fail"})
    assert not _checks(rnd, basic)["assessment"].passed and "2022 年基本合格" in _checks(rnd, basic)["assessment"].message
    assert _checks(rnd, old_basic)["assessment"].passed
    assert not _checks(rnd, fail_in)["assessment"].passed and "2021" in _checks(rnd, fail_in)["assessment"].message
    assert _checks(rnd, fail_out)["assessment"].passed


def test_training_check_uses_the_training_cycle(setup):
    world, rnd = setup
    teacher = eligible_teacher(world.s1)
    assert _checks(rnd, teacher)["training"].passed
    behind = TeacherFactory(school=world.s1, name="学时不足")
    title(behind, "yiji", dt.date(2015, 9, 1))
    results(behind, {2022: "pass", 2023: "pass", 2024: "pass"})
    trained(behind, hours="359.9")
    check = _checks(rnd, behind)["training"]
    assert not check.passed and "359.9 / 360" in check.message


def test_the_ethics_veto_inside_a_round(setup):
    world, rnd = setup
    teacher = eligible_teacher(world.s1)
    severity = EthicsSeverity.objects.order_by("-ban_months").first()
    world.users.city.can_view_ethics = True
    world.users.city.save()
    ws.ethics_case_record(teacher=teacher, severity=severity, occurred_on=dt.date(2025, 5, 1),
                          decided_on=dt.date(2025, 6, 1), user=world.users.city)
    check = _checks(rnd, teacher)["ethics"]
    assert not check.passed and "师德一票否决" in check.message
    with pytest.raises(ValidationError) as refused:
        services.nominate(rnd=rnd, teacher=teacher, user=world.users.school)
    assert "师德一票否决" in str(refused.value)


def test_a_veto_after_nomination_stops_the_approval(setup):
    world, rnd = setup
    teacher = eligible_teacher(world.s1)
    row = services.nominate(rnd=rnd, teacher=teacher, user=world.users.school)
    row = services.nomination_approve(nomination=row, user=world.users.district)
    severity = EthicsSeverity.objects.order_by("-ban_months").first()
    world.users.city.can_view_ethics = True
    world.users.city.save()
    ws.ethics_case_record(teacher=teacher, severity=severity, occurred_on=dt.date(2025, 9, 1),
                          decided_on=dt.date(2025, 10, 1), user=world.users.city)
    with pytest.raises(ValidationError) as refused:
        services.nomination_approve(nomination=row, user=world.users.city)
    assert "师德一票否决" in str(refused.value)
    row.refresh_from_db()
    assert row.status == S.DISTRICT_APPROVED and not TitleAppointment.objects.filter(teacher=teacher, title="gaoji").exists()


def test_post_structure_check_counts_holders_and_other_nominations(world):
    shares(world.s1, senior="20", middle="40")  # 在编 teachers: 张三 + 4 below → 5 → 1 senior post
    rnd = open_round(world.users.city)
    first = eligible_teacher(world.s1, name="甲")
    second = eligible_teacher(world.s1, name="乙")
    TeacherFactory.create_batch(2, school=world.s1)
    assert selectors.post_rows(Scope("city"), dt.date(2025, 12, 31))[world.s1.pk].senior_posts == 1
    services.nominate(rnd=rnd, teacher=first, user=world.users.school)
    check = _checks(rnd, second)["posts"]
    assert not check.passed and "高级岗位已满" in check.message and "1 人在审" in check.message


def test_refusals_own_nomination_scope_and_roles(setup):
    world, rnd = setup
    teacher = eligible_teacher(world.s1)
    other = eligible_teacher(world.s2, name="外区")
    with pytest.raises(PermissionDenied):
        services.nominate(rnd=rnd, teacher=other, user=world.users.school)  # another district's school
    row = services.nominate(rnd=rnd, teacher=teacher, user=world.users.district)  # district HR nominates
    with pytest.raises(ValidationError) as own:
        services.nomination_approve(nomination=row, user=world.users.district)
    assert "不能审核本人推荐" in str(own.value)
    with pytest.raises(PermissionDenied):
        services.nomination_approve(nomination=row, user=world.users.school)  # schools do not review
    with pytest.raises(PermissionDenied):
        services.nomination_approve(nomination=row, user=world.users.district2)  # out of scope
    with pytest.raises(PermissionDenied):
        services.round_open(year=2026, series="school", levels=["gaoji"], user=world.users.district)
    row.refresh_from_db()
    assert row.status == S.SUBMITTED


def test_district_cannot_give_the_final_approval_and_a_return_needs_a_reason(setup):
    world, rnd = setup
    teacher = eligible_teacher(world.s1)
    row = services.nominate(rnd=rnd, teacher=teacher, user=world.users.school)
    row = services.nomination_approve(nomination=row, user=world.users.district)
    with pytest.raises(PermissionDenied):
        services.nomination_approve(nomination=row, user=world.users.district)
    with pytest.raises(ValidationError):
        services.nomination_return(nomination=row, reason=" ", user=world.users.city)
    row = services.nomination_return(nomination=row, reason="材料不全", user=world.users.city)
    assert (row.status, row.return_reason) == (S.RETURNED, "材料不全")
    # a returned teacher may be put forward again
    again = services.nominate(rnd=rnd, teacher=teacher, user=world.users.school)
    assert again.pk == row.pk and again.status == S.SUBMITTED
