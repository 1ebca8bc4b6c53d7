"""The measures counted in the database, for a scope and a date (DOMAIN.md definitions)."""
import datetime as dt

import pytest

from backend.scoping import Scope
from tests.factories import SchoolFactory, TeacherFactory
from workforce import choices as c
from workforce import models as m
from workforce import registry
from workforce import selectors as sel

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 10, 1)


def edu(teacher, education, degree="none", highest=True, end=dt.date(2010, 7, 1)):
    return m.EducationRecord.objects.create(teacher=teacher, education=education, degree=degree, is_highest=highest, end=end)


def line(data, stage, measure):
    return next(x for x in data["table2"] if x["stage"] == stage and x["measure"] == measure)


def city(**kw):
    return sel.measures_for(sel.CITY, on=kw.pop("on", ON), **kw)


@pytest.fixture(autouse=True)
def no_training(monkeypatch):
    """These tests are about workforce's own measures: the registry starts empty (the training
    app's registration is exercised by its own tests); the registry tests register fakes."""
    monkeypatch.setattr(registry, "_MEASURES", {})


# ---------------------------------------------------------------- Table 2
def test_bachelor_with_master_degree_is_postgraduate_but_not_by_education_alone(db):
    school = SchoolFactory(school_type=c.SchoolType.JUNIOR)
    a, b = TeacherFactory(school=school), TeacherFactory(school=school)
    edu(a, "bachelor", "master")
    edu(b, "bachelor", "bachelor")
    pg = line(city(), "初中", "研究生")
    assert (pg["numerator"], pg["denominator"]) == (1, 2)
    assert pg["education_only"]["numerator"] == 0
    assert line(city(), "初中", "本科及以上")["numerator"] == 2


def test_only_records_finished_by_the_date_count(db):
    t = TeacherFactory(school=SchoolFactory(school_type=c.SchoolType.SENIOR))
    edu(t, "bachelor", "bachelor", highest=False)
    edu(t, "master", "master", end=dt.date(2026, 6, 30))  # still studying on ON
    assert line(city(), "高中", "研究生")["numerator"] == 0
    assert line(city(on=dt.date(2026, 6, 30)), "高中", "研究生")["numerator"] == 1


def test_teaching_stage_not_school_type_decides_the_line(db):
    school = SchoolFactory(school_type=c.SchoolType.NINE_YEAR)
    TeacherFactory(school=school, teaching_stage=c.Stage.PRIMARY)
    TeacherFactory(school=school, teaching_stage=c.Stage.JUNIOR)
    TeacherFactory(school=school, teaching_stage=c.Stage.JUNIOR)
    data = city()
    assert line(data, "小学", "本科及以上")["denominator"] == 1
    assert line(data, "初中", "本科及以上")["denominator"] == 2


def test_population_excludes_other_staff_leavers_and_future_entrants(db):
    school = SchoolFactory()
    for t in [TeacherFactory(school=school),
              TeacherFactory(school=school, staff_category=c.StaffCategory.ADMIN),
              TeacherFactory(school=school, left_on=dt.date(2025, 7, 31), left_reason=c.LeftReason.RETIRED),
              TeacherFactory(school=school, school_entry=dt.date(2026, 9, 1)),
              TeacherFactory(school=school, status=c.PersonnelStatus.LENT_AGENCY)]:  # 借出: still counts
        edu(t, "bachelor")
    assert line(city(), "小学", "本科及以上")["denominator"] == 2


def test_gap_is_in_teachers(db):
    school = SchoolFactory()
    for i in range(20):
        edu(TeacherFactory(school=school), "bachelor" if i < 18 else "associate")
    bachelor = line(city(), "小学", "本科及以上")  # 18/20 = 90% < 95%: one more teacher reaches 95%
    assert (bachelor["ratio"], bachelor["met"], bachelor["gap"]) == (0.9, False, 1)


# ---------------------------------------------------------------- Table 1
def test_pupil_teacher_ratio_from_enrolment(db):
    school = SchoolFactory()
    for _ in range(10):
        TeacherFactory(school=school)
    m.Enrolment.objects.create(school=school, school_year=2025, stage=c.Stage.PRIMARY, pupils=180, classes=6)
    m.Enrolment.objects.create(school=school, school_year=2024, stage=c.Stage.PRIMARY, pupils=999, classes=6)
    ptr = next(x for x in city()["pupil_teacher"] if x["stage"] == "小学")
    assert (ptr["pupils"], ptr["teachers"], ptr["ratio"], ptr["target"], ptr["met"], ptr["gap"]) == (180, 10, 18.0, 17.0, False, 1)


# ---------------------------------------------------------------- rotation
def _exchange(teacher, start, counts=True):
    kind = m.ExchangeType.objects.filter(counts=counts).first()
    return m.Exchange.objects.create(teacher=teacher, exchange_type=kind, start=start, from_school=teacher.school)


def test_rotation_eligibility_is_six_years_on_1_september(db):
    school = SchoolFactory()
    exactly = TeacherFactory(school=school, school_entry=dt.date(2019, 9, 1))
    TeacherFactory(school=school, school_entry=dt.date(2019, 9, 2))  # one day short
    TeacherFactory(school=school, school_entry=dt.date(2010, 9, 1), on_establishment=False)  # not 在编
    _exchange(exactly, dt.date(2025, 9, 15))
    rot = city(year=2025)["rotation"]
    assert (rot["eligible"], rot["all"], rot["rotated"], rot["eligible_rotated"]) == (1, 3, 1, 1)
    assert rot["ratio"] == 1.0 and rot["met"] is True
    assert rot["year"] == "2025-2026"


def test_rotation_min_years_is_configurable(db):
    school = SchoolFactory()
    TeacherFactory(school=school, school_entry=dt.date(2021, 9, 1))
    assert city(year=2025)["rotation"]["eligible"] == 0
    m.RuleSetting.objects.filter(key="rotation_min_years").update(value=4)
    assert city(year=2025)["rotation"]["eligible"] == 1


def test_rotation_counts_exchanges_starting_in_the_year_of_counted_types_only(db):
    school = SchoolFactory()
    teachers = [TeacherFactory(school=school, school_entry=dt.date(2010, 9, 1)) for _ in range(20)]
    _exchange(teachers[0], dt.date(2025, 9, 1))
    _exchange(teachers[1], dt.date(2026, 8, 31))
    _exchange(teachers[2], dt.date(2025, 8, 31))  # previous school year
    _exchange(teachers[3], dt.date(2025, 10, 1), counts=False)  # 调动 does not count
    # as of the last day of the school year both exchanges of 2025-2026 have started
    rot = city(year=2025, on=dt.date(2026, 8, 31))["rotation"]
    assert (rot["rotated"], rot["eligible"], rot["planned"]) == (2, 20, 0)
    assert (rot["ratio"], rot["met"], rot["gap"]) == (0.1, False, 1)  # 15% of 20 = 3
    # on ON (2025-10-01) the exchange of 2026-08-31 is planned, not yet a rotation
    rot = city(year=2025)["rotation"]
    assert (rot["rotated"], rot["eligible"], rot["planned"]) == (1, 20, 1)
    assert (rot["ratio"], rot["met"], rot["gap"]) == (0.05, False, 2)


def test_rotation_is_public_compulsory_only(db):
    private = SchoolFactory(ownership=c.Ownership.PRIVATE)
    senior = SchoolFactory(school_type=c.SchoolType.SENIOR)
    _exchange(TeacherFactory(school=private, school_entry=dt.date(2010, 9, 1)), dt.date(2025, 9, 1))
    _exchange(TeacherFactory(school=senior, school_entry=dt.date(2010, 9, 1)), dt.date(2025, 9, 1))
    rot = city(year=2025)["rotation"]
    assert (rot["rotated"], rot["eligible"], rot["all"]) == (0, 0, 0)
    assert rot["ratio"] is None and rot["met"] is None


def test_rotation_backbone_share_and_direction(db):
    urban = SchoolFactory(location=c.Location.URBAN)
    rural = SchoolFactory(location=c.Location.RURAL)
    flagged = TeacherFactory(school=urban, school_entry=dt.date(2010, 9, 1), backbone=True)
    honoured = TeacherFactory(school=urban, school_entry=dt.date(2010, 9, 1))
    plain = [TeacherFactory(school=urban, school_entry=dt.date(2010, 9, 1)) for _ in range(8)]
    m.Award.objects.create(teacher=honoured, honour_type=m.HonourType.objects.get(code="shi_gugan"),
                           awarded_on=dt.date(2024, 1, 1), expires_on=dt.date(2027, 1, 1))
    for t in [flagged, honoured, *plain]:
        e = _exchange(t, dt.date(2025, 9, 1))
        e.to_school = rural
        e.save()
    rot = city(year=2025)["rotation"]
    assert (rot["rotated"], rot["backbone"], rot["backbone_share"], rot["backbone_met"]) == (10, 2, 0.2, True)
    assert rot["directions"] == [{"from": "城区", "to": "乡村", "teachers": 10}]


# ---------------------------------------------------------------- honours
def _award(teacher=None, code="tejijiaoshi", on=dt.date(2022, 9, 10), school=None, **kw):
    return m.Award.objects.create(teacher=teacher, school=school, honour_type=m.HonourType.objects.get(code=code),
                                  awarded_on=on, **kw)


def honour(data, code):
    return next(h for h in data["honours"] if h["code"] == code)


def test_special_grade_in_post_counts_active_awards_of_teachers_on_the_roll(db):
    rural = SchoolFactory(location=c.Location.RURAL)
    _award(TeacherFactory(school=rural))
    _award(TeacherFactory(left_on=dt.date(2025, 1, 1), left_reason=c.LeftReason.RETIRED))  # no longer in post
    _award(TeacherFactory(), revoked_on=dt.date(2024, 1, 1))  # revoked
    _award(TeacherFactory(), on=dt.date(2019, 9, 10))  # before the plan period, still in post
    data = city()
    h = honour(data, "special_grade_in_post")
    assert (h["count"], h["target"], h["met"], h["gap"]) == (2, 150.0, False, 148)
    assert honour(data, "rural_special_grade")["count"] == 1  # awarded 2021–2025 to a 乡村 teacher


def test_gangcheng_mingshi_expired_award_no_longer_counts(db):
    _award(TeacherFactory(), code="gangcheng_mingshi", on=dt.date(2019, 1, 1), expires_on=dt.date(2024, 1, 1))
    _award(TeacherFactory(), code="gangcheng_mingshi", on=dt.date(2023, 1, 1), expires_on=dt.date(2028, 1, 1))
    assert honour(city(), "gangcheng_mingshi")["count"] == 1


def test_team_honours_and_titles_in_the_plan_period(db):
    school = SchoolFactory()
    _award(school=school, code="shi_mingshi_gongzuoshi", on=dt.date(2021, 3, 1), team_name="甲工作室")
    _award(school=school, code="shi_mingshi_gongzuoshi", on=dt.date(2020, 12, 31), team_name="乙工作室")  # before
    t = TeacherFactory(school=school)
    m.TitleAppointment.objects.create(teacher=t, title=c.Title.SENIOR_PROFESSOR, appointed_on=dt.date(2023, 12, 1))
    data = city()
    assert honour(data, "city_master_studio")["count"] == 1
    assert honour(data, "zhenggao_appointed")["count"] == 1


def test_count_targets_are_city_wide_only(world):
    _award(world.t1)
    d1 = sel.measures_for(sel.district_ref(world.d1), on=ON)
    h = honour(d1, "special_grade_in_post")
    assert h["count"] == 1 and h["target"] is None and h["met"] is None


# ---------------------------------------------------------------- other figures
def test_new_teachers_of_the_school_year_excluding_transfers(db):
    TeacherFactory(school_entry=dt.date(2025, 9, 1), source=c.StaffSource.GRADUATE)
    TeacherFactory(school_entry=dt.date(2026, 8, 31), source=c.StaffSource.RECRUIT)
    TeacherFactory(school_entry=dt.date(2025, 10, 1), source=c.StaffSource.TRANSFER_IN)
    TeacherFactory(school_entry=dt.date(2025, 8, 31), source=c.StaffSource.GRADUATE)
    new = city(year=2025)["new_teachers"]
    assert (new["count"], new["target"], new["met"], new["gap"]) == (2, 1500.0, False, 1498)


def test_dual_qualified_share_among_vocational_teachers(db):
    school = SchoolFactory(school_type=c.SchoolType.VOCATIONAL)
    for flag in (True, False, None, True):
        TeacherFactory(school=school, dual_qualified=flag)
    dual = city()["dual_qualified"]
    assert (dual["dual"], dual["teachers"], dual["ratio"], dual["met"]) == (2, 4, 0.5, True)


def test_quota_standard_approved_actual_surplus_and_shortage(db):
    short = SchoolFactory()
    over = SchoolFactory(school_type=c.SchoolType.JUNIOR)
    m.Enrolment.objects.create(school=short, school_year=2025, stage=c.Stage.PRIMARY, pupils=190, classes=6)  # 10 posts
    m.Enrolment.objects.create(school=over, school_year=2025, stage=c.Stage.JUNIOR, pupils=270, classes=6)  # 20 posts
    m.SchoolQuota.objects.create(school=short, school_year=2025, approved=8)
    for _ in range(3):
        TeacherFactory(school=over)
    TeacherFactory(school=over, staff_category=c.StaffCategory.ADMIN)  # 在编 staff count, not only teachers
    TeacherFactory(school=over, on_establishment=False)
    SchoolFactory(ownership=c.Ownership.PRIVATE)  # 民办: no 编制
    m.Enrolment.objects.create(school=SchoolFactory(ownership=c.Ownership.PRIVATE), school_year=2025,
                               stage=c.Stage.PRIMARY, pupils=190, classes=6)
    q = city(year=2025)["quota"]
    # over has no approved quota: no figures of its own (its 4 在编 never stand in for one)
    assert (q["standard"], q["approved"], q["actual"], q["schools"]) == (30, 8, 4, 2)
    # short: approved 8 vs standard 10 → 2 short; 8 approved, 0 在编 → 8 空编
    assert (q["quota_gap"], q["vacancies"], q["overstaffed"]) == ({"shortage": 2, "surplus": 0}, 8, 0)
    assert (q["shortage_total"], q["surplus_total"], q["net_shortage"], q["schools_without_approved"]) == (2, 0, 2, 1)
    assert "不相抵" in q["definitions"]["quota_gap"]


def test_quota_gross_and_net_differ_when_a_district_has_both(world):
    """海州区: s1 short 4, s1b over 3 → 缺编合计 4, 超编合计 3, 净缺编 1 (dashboard = quota page)."""
    m.Enrolment.objects.create(school=world.s1, school_year=2025, stage=c.Stage.PRIMARY, pupils=190, classes=6)  # 10
    m.Enrolment.objects.create(school=world.s1b, school_year=2025, stage=c.Stage.PRIMARY, pupils=95, classes=3)  # 5
    m.SchoolQuota.objects.create(school=world.s1, school_year=2025, approved=6)
    m.SchoolQuota.objects.create(school=world.s1b, school_year=2025, approved=8)
    d1 = sel.measures_for(sel.district_ref(world.d1), on=ON, year=2025)["quota"]
    assert (d1["standard"], d1["approved"], d1["quota_gap"], d1["net_shortage"]) == (15, 14, {"shortage": 4, "surplus": 3}, 1)
    table = sel.quota_table(Scope("city"), 2025, on=ON)
    haizhou = next(d for d in table.districts if d.district_id == world.d1.pk)
    assert (haizhou.shortage, haizhou.surplus, haizhou.net_gap) == (4, 3, 1)
    total, rows = sel.measures_by(sel.CITY, "district", on=ON, year=2025)
    assert dict(rows)[sel.district_ref(world.d1)]["quota"] == d1
    assert total["quota"]["quota_gap"] == {"shortage": table.city.shortage, "surplus": table.city.surplus}


# ---------------------------------------------------------------- scope, totals, training
def test_district_scope_counts_only_its_schools(world):
    d1 = sel.measures_for(sel.district_ref(world.d1), on=ON)
    d2 = sel.measures_for(sel.district_ref(world.d2), on=ON)
    assert line(d1, "小学", "本科及以上")["denominator"] == 2
    assert line(d2, "小学", "本科及以上")["denominator"] == 1
    school = sel.measures_for(sel.school_ref(world.s1b), on=ON)
    assert line(school, "小学", "本科及以上")["denominator"] == 1


def test_rows_add_up_to_the_total_and_equal_each_scope_alone(world):
    edu(world.t1, "bachelor", "master")
    TeacherFactory(school=world.s2, teaching_stage=c.Stage.PRIMARY)
    total, rows = sel.measures_by(sel.CITY, "district", on=ON)
    assert total == sel.measures_for(sel.CITY, on=ON)
    by_name = {ref.name: data for ref, data in rows}
    for d in (world.d1, world.d2):
        alone = sel.measures_for(sel.district_ref(d), on=ON)
        assert by_name[d.name]["table2"] == alone["table2"]
        assert by_name[d.name]["rotation"] == alone["rotation"]
        assert by_name[d.name]["quota"] == alone["quota"]
    _d1, schools = sel.measures_by(sel.district_ref(world.d1), "school", on=ON)
    assert {ref.name for ref, _ in schools} == {"海州实验小学", "海州第二小学"}


def test_filters_by_location_and_stage(world):
    rural = sel.measures_for(sel.CITY, on=ON, filters=sel.Filters(location=c.Location.RURAL))
    assert line(rural, "小学", "本科及以上")["denominator"] == 1  # only 海州第二小学
    junior_only = sel.measures_for(sel.CITY, on=ON, filters=sel.Filters(stage=c.Stage.JUNIOR))
    assert {x["stage"] for x in junior_only["table2"]} == {"初中"}


def test_training_is_null_when_nothing_is_registered(world, no_training):
    assert sel.measures_for(sel.CITY, on=ON)["training"] is None


def test_training_comes_from_the_registry(world, no_training):
    calls = []

    def fake(scope, on):
        calls.append(scope)
        return {"cycle": "2021—2025年周期", "complete": 3, "teachers": 4, "ratio": 0.75}

    registry.register("training", fake)
    data = sel.measures_for(sel.district_ref(world.d1), on=ON)
    assert data["training"]["complete"] == 3 and data["training"]["ratio"] == 0.75
    # the plan sets no completion target: none is invented (DOMAIN.md, Training credits)
    assert (data["training"]["target"], data["training"]["met"], data["training"]["gap"]) == (None, None, None)
    assert calls == [Scope("district", district_id=world.d1.pk)]


def test_overview_total_of_a_registered_measure_comes_from_its_group_rows(world, no_training):
    """With ``by_group``, measures_by runs the measure once: the total is the sum of the rows.
    The city's rows are asked by school, once, and summed by district (counts add up: the
    registry's contract), so the district pages share them."""
    calls = []

    def fake(scope, on):
        calls.append("total")
        return {"cycle": "周期", "complete": 3, "teachers": 4, "ratio": 0.75, "required": 360.0}

    def by_group(scope, on, by):
        calls.append(by)
        return {world.s1.pk: {"cycle": "周期", "complete": 1, "teachers": 1, "ratio": 1.0, "required": 360.0},
                world.s1b.pk: {"cycle": "周期", "complete": 1, "teachers": 1, "ratio": 1.0, "required": 360.0},
                world.s2.pk: {"cycle": "周期", "complete": 1, "teachers": 2, "ratio": 0.5, "required": 360.0}}

    registry.register("training", fake, by_group=by_group)
    total, rows = sel.measures_by(sel.CITY, "district", on=ON)
    assert calls == ["school"]
    district_total, school_rows = sel.measures_by(sel.district_ref(world.d1), "school", on=ON)
    assert calls == ["school"]  # kept: the district page reads the same rows
    assert district_total["training"]["complete"] == 2 and district_total["training"]["ratio"] == 1.0
    assert {k: total["training"][k] for k in ("cycle", "complete", "teachers", "ratio", "required")} == fake(None, ON)
    assert {ref.name: data["training"]["complete"] for ref, data in rows if data["training"]} == {"海州区": 2, "灌南县": 1}


def test_resolve_scope(world):
    assert sel.resolve_scope("city") == sel.CITY
    assert sel.resolve_scope("district:海州区").scope.district_id == world.d1.pk
    assert sel.resolve_scope(f"school:{world.s2.code}").name == "灌南实验小学"
    with pytest.raises(sel.ScopeNotFound):
        sel.resolve_scope("district:不存在区")
    assert sel.resolve_scope(f"district:{world.d1.code}").scope.district_id == world.d1.pk
    assert sel.resolve_scope("province") == sel.PROVINCE
    with pytest.raises(sel.ScopeNotFound):
        sel.resolve_scope("county:海州区")


# ---------------------------------------------------------------- queries do not grow
def _grow(world, n):
    for d_school in (world.s1, world.s2):
        for i in range(n):
            t = TeacherFactory(school=d_school, school_entry=dt.date(2010, 9, 1))
            edu(t, "bachelor", "master" if i % 2 else "bachelor")
            _exchange(t, dt.date(2025, 9, 1)) if i % 3 == 0 else None
            _award(t, code="shi_gugan", on=dt.date(2024, 1, 1))
        SchoolFactory(district=d_school.district)


def _count_queries(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_teachers_or_schools(world, no_training, django_assert_max_num_queries):
    def run():
        sel.measures_by(sel.CITY, "district", on=ON)
        sel.measures_by(sel.district_ref(world.d1), "school", on=ON)
        sel.measures_for(sel.school_ref(world.s1), on=ON)

    small = _count_queries(run)
    _grow(world, 15)
    with django_assert_max_num_queries(small):
        run()
    assert small <= 70


def test_database_levels_equal_the_pure_functions(db):
    """Every combination of records: the DB annotation and measures.py agree, teacher by teacher."""
    import itertools

    from workforce import measures as ms

    school = SchoolFactory(school_type=c.SchoolType.SENIOR)
    combos = {}
    records = [("bachelor", "master", True), ("associate", "bachelor", False), ("master", "none", False),
               ("secondary", "none", True), ("doctorate", "doctor", False)]
    for size in (0, 1, 2):
        for combo in itertools.combinations(records, size):
            t = TeacherFactory(school=school)
            for e, d, h in combo:
                edu(t, e, d, highest=h)
            combos[t.pk] = combo
    late = TeacherFactory(school=school)
    edu(late, "master", "master", end=dt.date(2026, 1, 1))  # not finished on ON
    combos[late.pk] = ()
    got = dict(m.Teacher.objects.filter(pk__in=combos).annotate(code=sel.levels_code_expr(ON)).values_list("pk", "code"))
    for pk, combo in combos.items():
        expected = (ms.effective_level([(e, d) for e, d, _h in combo]), ms.education_only_level(combo))
        assert divmod(got[pk], sel.LEVEL_CODE_BASE) == expected, combo
