"""Every measure of DOMAIN.md computed through the database selectors on a small hand-built city,
with the expected numbers worked out by hand from the definitions (issue 14).

The pure arithmetic has its own tests (``test_measures.py``); these guard the aggregation where
the figures are actually computed — the SQL levels, the grouped counts, the JSON object — so
breaking a query (e.g. ``effective_level_expr`` reading 学历 alone) fails a test here.

Given: 海州区 and 灌南县 of the seeded reference data, as of 2025-10-15 (school year 2025-2026,
plan period 2021–2025), no training measure registered (the training app tests its own).
"""
import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import SchoolFactory, TeacherFactory, UserFactory
from workforce import choices as c
from workforce import models as m
from workforce import registry
from workforce import selectors as sel
from workforce import services

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 10, 15)
D = dt.date


@pytest.fixture(autouse=True)
def no_training(monkeypatch):
    monkeypatch.setattr(registry, "_MEASURES", {})


@pytest.fixture
def districts(db):
    return m.District.objects.get(name="海州区"), m.District.objects.get(name="灌南县")


def edu(teacher, education, degree="none", end=D(2010, 7, 1), highest=True):
    return m.EducationRecord.objects.create(teacher=teacher, education=education, degree=degree, end=end,
                                            is_highest=highest)


def line(data, code):
    return next(x for x in data["table2"] if x["code"] == code)


def ptr(data, code):
    return next(x for x in data["pupil_teacher"] if x["code"] == code)


def honour(data, code):
    return next(h for h in data["honours"] if h["code"] == code)


# ---------------------------------------------------------------- Table 2
@pytest.fixture
def junior(districts):
    """A junior school of seven 初中 teachers:

    name  学历 / 学位 (finished by 2025-10-15)       学历（学位）  学历 alone
    甲    本科 / 硕士                                研究生        本科
    乙    本科 / 学士                                本科          本科
    丙    硕士研究生 / 硕士                          研究生        研究生
    丁    专科 / 无                                  专科          专科
    戊    (no record)                                学历未知      学历未知
    己    专科 / 无; 硕士 / 硕士 finishing 2026-06   专科          专科
    庚    专科 / 学士                                本科          专科
    """
    school = SchoolFactory(district=districts[0], school_type=c.SchoolType.JUNIOR, name="海州初级中学")
    people = {n: TeacherFactory(school=school, name=n) for n in "甲乙丙丁戊己庚"}
    edu(people["甲"], "bachelor", "master")
    edu(people["乙"], "bachelor", "bachelor")
    edu(people["丙"], "master", "master")
    edu(people["丁"], "associate")
    edu(people["己"], "associate", highest=False)
    edu(people["己"], "master", "master", end=D(2026, 6, 30))
    edu(people["庚"], "associate", "bachelor")
    return school


def test_table2_counts_the_degree_in_the_database(junior):
    """本科及以上 (target 100%): 甲 乙 丙 庚 = 4 of 7 by 学历（学位）, 3 of 7 by 学历 alone; the gap is
    ⌈7 × 100% − 4⌉ = 3. 研究生 (target 5%): 甲 丙 = 2 of 7 (学历 alone: 丙, 1); 5% of 7 = 0.35 ≤ 2: met."""
    data = sel.measures_for(sel.CITY, on=ON)
    bachelor = line(data, "t2_junior_bachelor")
    assert (bachelor["numerator"], bachelor["denominator"], bachelor["ratio"], bachelor["met"], bachelor["gap"]) == (
        4, 7, 0.571429, False, 3)
    assert (bachelor["education_only"]["numerator"], bachelor["education_only"]["gap"]) == (3, 4)
    pg = line(data, "t2_junior_postgraduate")
    assert (pg["numerator"], pg["denominator"], pg["ratio"], pg["met"], pg["gap"], pg["missing"]) == (
        2, 7, 0.285714, True, 0, False)
    assert pg["education_only"]["numerator"] == 1
    # a stage without teachers in the scope is missing, never met
    senior = line(data, "t2_senior_postgraduate")
    assert (senior["denominator"], senior["ratio"], senior["met"], senior["gap"], senior["missing"]) == (
        0, None, None, None, True)


def test_drill_down_lists_the_teachers_below_each_line_by_the_database_level(junior):
    """The school page's list (``effective_level_expr``): below 研究生 are 乙 丁 戊 己 庚 (甲 has a
    硕士学位, so is not); below 本科 are 丁 戊 己 (庚's 学士学位 lifts them); 戊 is 学历未知."""
    below = {g["code"]: g["teachers"] for g in sel.teachers_below_level(sel.school_ref(junior).scope, ON,
                                                                        sel.load_targets())}
    assert sorted(t.name for t in below["t2_junior_postgraduate"]) == sorted("乙丁戊己庚")
    assert sorted(t.name for t in below["t2_junior_bachelor"]) == sorted("丁戊己")
    levels = {t.name: (t.level, t.edu_level) for t in below["t2_junior_postgraduate"]}
    assert levels == {"乙": (3, 3), "丁": (2, 2), "戊": (0, 0), "己": (2, 2), "庚": (3, 2)}


def test_school_page_names_the_teacher_without_education_as_unknown(client, junior):
    client.force_login(UserFactory(role="city_hr"))
    page = client.get(f"/workforce/dashboard/school/{junior.code}/", {"on": ON.isoformat()}).content.decode()
    below = page[page.index('data-test="below-t2_junior_bachelor"'):]
    below = below[:below.index("</details>")]
    assert "戊" in below and "学历未知" in below and "庚" not in below


# ---------------------------------------------------------------- pupil–teacher ratios (Table 1)
@pytest.fixture
def primaries(districts):
    """海州: school A, 4 小学 teachers, 90 pupils entered for 2025; school B, 2 小学 teachers, its
    2025 enrolment not entered yet (only 2024's 999). 灌南: school C, 3 小学 teachers, nothing entered."""
    a = SchoolFactory(district=districts[0], name="A小学")
    b = SchoolFactory(district=districts[0], name="B小学")
    cc = SchoolFactory(district=districts[1], name="C小学")
    for school, n in ((a, 4), (b, 2), (cc, 3)):
        for _ in range(n):
            TeacherFactory(school=school)
    m.Enrolment.objects.create(school=a, school_year=2025, stage=c.Stage.PRIMARY, pupils=90, classes=3)
    m.Enrolment.objects.create(school=b, school_year=2024, stage=c.Stage.PRIMARY, pupils=999, classes=20)
    return a, b, cc


def test_pupil_teacher_ratio_matches_schools_and_is_never_met_on_partial_data(primaries, districts):
    """City: A's 90 pupils over A's 4 teachers = 22.5 (B and C, not entered, add neither pupils nor
    teachers): a partial figure, shown, not judged. 灌南县: nothing entered → missing."""
    data = sel.measures_for(sel.CITY, on=ON)
    city = ptr(data, "t1_ptr_primary")
    assert (city["pupils"], city["teachers"], city["teachers_all"], city["ratio"]) == (90, 4, 9, 22.5)
    assert (city["partial"], city["schools_without_enrolment"], city["met"], city["gap"], city["missing"]) == (
        True, 2, None, None, False)
    guannan = ptr(sel.measures_for(sel.district_ref(districts[1]), on=ON), "t1_ptr_primary")
    assert (guannan["pupils"], guannan["ratio"], guannan["met"], guannan["gap"], guannan["missing"]) == (
        None, None, None, None, True)


def test_pupil_teacher_ratio_once_every_school_has_entered(primaries):
    """B enters 40 and C 60: 190 pupils / 9 teachers = 21.1111 > 17, not met; the gap is
    ⌈190 / 17⌉ − 9 = 12 − 9 = 3 teachers."""
    _a, b, cc = primaries
    m.Enrolment.objects.create(school=b, school_year=2025, stage=c.Stage.PRIMARY, pupils=40, classes=2)
    m.Enrolment.objects.create(school=cc, school_year=2025, stage=c.Stage.PRIMARY, pupils=60, classes=3)
    city = ptr(sel.measures_for(sel.CITY, on=ON), "t1_ptr_primary")
    assert (city["pupils"], city["teachers"], city["ratio"], city["met"], city["gap"], city["partial"]) == (
        190, 9, 21.1111, False, 3, False)


def test_no_enrolment_yet_on_1_september_is_missing_not_zero_and_met(primaries, client):
    """From 1 September 2026 until enrolment of 2026-2027 is entered: no ratio, never "met", and
    the pages say 无数据 (the overview cell is grey, not green, not 0.00)."""
    sept = D(2026, 9, 1)
    data = sel.measures_for(sel.CITY, on=sept)
    city = ptr(data, "t1_ptr_primary")
    assert (city["pupils"], city["ratio"], city["met"], city["missing"]) == (None, None, None, True)
    client.force_login(UserFactory(role="leader"))
    page = client.get("/workforce/dashboard/city/", {"on": sept.isoformat()}).content.decode()
    total = page[page.index('<tr class="total"'):]
    total = total[:total.index("</tr>")]
    cell = total[total.index('data-key="t1_ptr_primary"') - 40:total.index('data-key="t1_ptr_primary"') + 40]
    assert "missing" in cell and "无数据" in cell and "met" not in cell.replace("missing", "")
    assert json.loads(client.get("/workforce/dashboard/measures.json", {"on": sept.isoformat()}).content)[
        "pupil_teacher"] == data["pupil_teacher"]


def test_higher_education_ratio_covers_colleges_only_and_is_never_met(districts, client):
    """高校: 2 高职高专 teachers, 40 pupils: 20.0 against 16 — shown with its coverage note,
    neither met nor unmet (the plan's 高校 includes universities the system does not hold)."""
    college = SchoolFactory(district=districts[0], school_type=c.SchoolType.HIGHER_VOCATIONAL, name="港城职业技术学院")
    TeacherFactory(school=college), TeacherFactory(school=college)
    m.Enrolment.objects.create(school=college, school_year=2025, stage=c.Stage.HIGHER_VOCATIONAL, pupils=40)
    higher = ptr(sel.measures_for(sel.CITY, on=ON), "t1_ptr_higher")
    assert (higher["pupils"], higher["teachers"], higher["ratio"], higher["met"], higher["gap"]) == (40, 2, 20.0, None, None)
    assert "高职高专" in higher["coverage"]
    client.force_login(UserFactory(role="leader"))
    page = client.get("/workforce/dashboard/city/", {"on": ON.isoformat()}).content.decode()
    assert 'data-test="ptr-coverage"' in page
    row = page[page.index('<tr data-code="t1_ptr_higher">'):]
    row = row[:row.index("</tr>")]
    assert "20.00" in row and "unmet" not in row and ' met"' not in row


# ---------------------------------------------------------------- rotation
@pytest.fixture
def rotation_city(districts):
    """A public 城区 primary school of 12 teachers in school year 2025-2026 (1 September 2025):

    e1        eligible, 骨干; 交流轮岗 to a 乡村 school from 2025-09-01          rotated
    e2        eligible; 支教 from 2026-02-01                                     planned on 2025-10-15
    e3, e6…e10 eligible, no exchange                                             waiting
    e4        eligible; 交流轮岗 2023-09-01 … 2026-08-31                         still away
    e5        eligible; 调动 2025-10-01 (a type that does not count)             not rotated
    n1        not 在编 (in the school since 2010); 交流轮岗 from 2025-09-15       rotated_any only
    n2        在编, in the school since 2021-09-01 (4 years); 支教 from 2025-09-15  rotated_any only
    """
    urban = SchoolFactory(district=districts[0], name="海州城区小学")
    rural = SchoolFactory(district=districts[0], name="海州乡村小学", location=c.Location.RURAL)
    kinds = {t.name: t for t in m.ExchangeType.objects.all()}
    t = {}
    for name in ["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10"]:
        t[name] = TeacherFactory(school=urban, name=name, school_entry=D(2015, 9, 1), backbone=name == "e1")
    t["n1"] = TeacherFactory(school=urban, name="n1", school_entry=D(2010, 9, 1), on_establishment=False)
    t["n2"] = TeacherFactory(school=urban, name="n2", school_entry=D(2021, 9, 1))

    def exchange(name, kind, start, end=None):
        m.Exchange.objects.create(teacher=t[name], exchange_type=kinds[kind], start=start, end=end,
                                  from_school=urban, to_school=rural)

    exchange("e1", "交流轮岗", D(2025, 9, 1), D(2026, 8, 31))
    exchange("e2", "支教", D(2026, 2, 1), D(2026, 8, 31))
    exchange("e4", "交流轮岗", D(2023, 9, 1), D(2026, 8, 31))
    exchange("e5", "调动", D(2025, 10, 1))
    exchange("n1", "交流轮岗", D(2025, 9, 15), D(2026, 8, 31))
    exchange("n2", "支教", D(2025, 9, 15), D(2026, 8, 31))
    return urban


def test_rotation_counts_eligible_teachers_whose_exchange_has_started(rotation_city):
    """On 2025-10-15: eligible 10 (e1…e10), rotated 1 (e1) → 10% < 15%: not met, gap ⌈1.5 − 1⌉ = 1.
    The policy's literal count (all rotated, eligible or not): e1 n1 n2 = 3 → 30%. Planned: e2.
    Still away on an earlier exchange: e4. 骨干 among the rotated: e1, 1 of 1. Direction: 城区→乡村 1."""
    rot = sel.measures_for(sel.CITY, on=ON)["rotation"]
    assert {k: rot[k] for k in ("all", "eligible", "rotated", "rotated_any", "planned", "still_away", "backbone")} == {
        "all": 12, "eligible": 10, "rotated": 1, "rotated_any": 3, "planned": 1, "still_away": 1, "backbone": 1}
    assert (rot["ratio"], rot["target"], rot["met"], rot["gap"]) == (0.1, 0.15, False, 1)
    assert (rot["ratio_any"], rot["ratio_all"], rot["eligible_rotated"], rot["missing"]) == (0.3, 0.25, 1, False)
    assert (rot["backbone_share"], rot["backbone_met"]) == (1.0, True)
    assert rot["directions"] == [{"from": "城区", "to": "乡村", "teachers": 1}]


def test_a_planned_exchange_counts_once_it_has_started(rotation_city):
    """On 2026-03-01 e2's 支教 (from 2026-02-01) has started: rotated 2 of 10 = 20% ≥ 15%, met."""
    rot = sel.measures_for(sel.CITY, on=D(2026, 3, 1), year=2025)["rotation"]
    assert (rot["rotated"], rot["planned"], rot["ratio"], rot["met"], rot["gap"]) == (2, 0, 0.2, True, 0)


def test_rotation_is_the_same_figure_in_the_plan_the_school_page_and_the_command(rotation_city, client):
    from workforce import rotation

    figures = rotation.rotation_figures(sel.CITY.scope, 2025, ON)
    assert (figures.eligible, figures.rotated, figures.rotated_any, figures.planned, figures.still_away) == (10, 1, 3, 1, 1)
    assert (figures.plan.more, figures.rotated_backbone) == (1, 1)
    waiting = sel.eligible_not_rotated(sel.school_ref(rotation_city).scope, 2025, sel.load_targets(), on=ON)
    assert sorted(t.name for t in waiting) == ["e10", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"]
    out = StringIO()
    call_command("measures", "--on", ON.isoformat(), "--json", stdout=out)
    assert json.loads(out.getvalue())["rotation"] == sel.measures_for(sel.CITY, on=ON)["rotation"]


def test_no_eligible_teacher_is_missing_not_met(districts, client):
    """A school whose teachers all came in 2022: nobody eligible in 2025 → no ratio, 无数据."""
    school = SchoolFactory(district=districts[1], name="灌南新校")
    for _ in range(3):
        TeacherFactory(school=school, school_entry=D(2022, 9, 1))
    rot = sel.measures_for(sel.CITY, on=ON)["rotation"]
    assert (rot["all"], rot["eligible"], rot["ratio"], rot["met"], rot["gap"], rot["missing"]) == (
        3, 0, None, None, None, True)
    client.force_login(UserFactory(role="leader"))
    page = client.get("/workforce/dashboard/city/", {"on": ON.isoformat()}).content.decode()
    card = page[page.index('id="rotation"'):]
    card = card[:card.index("</section>")]
    assert 'class="num missing" data-test="ratio">无数据' in card


# ---------------------------------------------------------------- honours
@pytest.fixture
def honours_city(districts):
    """Schools: 海州城区小学 (城区), 海州镇区小学 (镇区), 灌南乡村小学 (乡村), 灌南乡村幼儿园 (乡村
    kindergarten), 海州中职, 灌南初中. Awards are granted by city HR (``services.award_grant``)."""
    haizhou, guannan = districts
    s = {
        "urban": SchoolFactory(district=haizhou, name="海州城区小学"),
        "town": SchoolFactory(district=haizhou, name="海州镇区小学", location=c.Location.TOWN),
        "rural": SchoolFactory(district=guannan, name="灌南乡村小学", location=c.Location.RURAL),
        "kg": SchoolFactory(district=guannan, name="灌南乡村幼儿园", location=c.Location.RURAL,
                            school_type=c.SchoolType.KINDERGARTEN),
        "voc": SchoolFactory(district=haizhou, name="海州中职", school_type=c.SchoolType.VOCATIONAL),
        "junior": SchoolFactory(district=guannan, name="灌南初中", school_type=c.SchoolType.JUNIOR),
    }
    return s, UserFactory(role="city_hr")


def grant(code, teacher, day, user):
    return services.award_grant(honour_type=m.HonourType.objects.get(code=code), teacher=teacher, awarded_on=day,
                                user=user)


def test_special_grade_in_post_is_by_personnel_status(honours_city):
    """特级 held by four teachers on the roll: 在本单位任职 (100) and 进修 (204) count; 待退休 (209)
    and 借出到机关 (201) do not → 2, gap 150 − 2 = 148. The statuses are data: adding 209 counts 3."""
    s, hr = honours_city
    for status in ("100", "204", "209", "201"):
        grant("tejijiaoshi", TeacherFactory(school=s["urban"], status=status), D(2024, 9, 10), hr)
    h = honour(sel.measures_for(sel.CITY, on=ON), "special_grade_in_post")
    assert (h["count"], h["target"], h["met"], h["gap"]) == (2, 150.0, False, 148)
    m.RuleSetting.objects.filter(key="in_post_statuses").update(codes=["100", "204", "205", "206", "209"])
    assert honour(sel.measures_for(sel.CITY, on=ON), "special_grade_in_post")["count"] == 3


def test_rural_honours_are_judged_by_the_school_and_stage_on_the_award_date(honours_city, districts):
    """港城名师 in 2021–2025:
    甲 taught 小学 at 灌南乡村小学 when awarded (2022-01-15), moved to 海州镇区小学 in 2024   → counts
    乙 taught at 海州镇区小学 when awarded (2023-01-15), moved to 灌南乡村小学 in 2024       → not
    丙 teaches at 灌南乡村幼儿园 (学前)                                                     → not (not 中小学)
    丁 awarded 2019 at 灌南乡村小学                                                         → not (before 2021)
    特级 戊 at 灌南乡村小学, 2024                                                           → counts
    So 乡村港城名师 1 and 乡村特级 1, both in 灌南县 (the school of the award date), none in 海州区."""
    s, hr = honours_city
    jia = TeacherFactory(school=s["rural"], name="甲")
    yi = TeacherFactory(school=s["town"], name="乙")
    grant("gangcheng_mingshi", jia, D(2022, 1, 15), hr)
    grant("gangcheng_mingshi", yi, D(2023, 1, 15), hr)
    grant("gangcheng_mingshi", TeacherFactory(school=s["kg"], name="丙"), D(2022, 1, 15), hr)
    m.Award.objects.create(honour_type=m.HonourType.objects.get(code="gangcheng_mingshi"),
                           teacher=TeacherFactory(school=s["rural"], name="丁"), awarded_on=D(2019, 1, 15))
    grant("tejijiaoshi", TeacherFactory(school=s["rural"], name="戊"), D(2024, 9, 10), hr)
    m.Teacher.objects.filter(pk=jia.pk).update(school=s["town"])
    m.Teacher.objects.filter(pk=yi.pk).update(school=s["rural"])
    assert (m.Award.objects.get(teacher=jia).school_at_award, m.Award.objects.get(teacher=jia).stage_at_award) == (
        s["rural"], "primary")
    data = sel.measures_for(sel.CITY, on=ON)
    assert (honour(data, "rural_gangcheng_mingshi")["count"], honour(data, "rural_special_grade")["count"]) == (1, 1)
    assert honour(data, "rural_gangcheng_mingshi")["target"] == 40.0
    haizhou, guannan = districts
    by_district = sel.honours_by_district(sel.CITY.scope, ON)
    row = next(r for r in by_district["rows"] if r["code"] == "rural_gangcheng_mingshi")
    names = [d.name for d in by_district["districts"]]
    assert (row["by_district"][names.index("灌南县")], row["by_district"][names.index("海州区")]) == (1, 0)
    assert honour(sel.measures_for(sel.district_ref(guannan), on=ON), "rural_gangcheng_mingshi")["count"] == 1
    assert honour(sel.measures_for(sel.district_ref(haizhou), on=ON), "rural_gangcheng_mingshi")["count"] == 0


def test_an_award_recorded_without_its_school_falls_back_to_the_current_school(honours_city):
    """An imported award (no school on it): judged by the teacher's current school and stage."""
    s, _hr = honours_city
    teacher = TeacherFactory(school=s["rural"])
    m.Award.objects.create(honour_type=m.HonourType.objects.get(code="gangcheng_mingshi"), teacher=teacher,
                           awarded_on=D(2023, 1, 15))
    assert honour(sel.measures_for(sel.CITY, on=ON), "rural_gangcheng_mingshi")["count"] == 1


def test_senior_professor_titles_of_school_stages_with_kindergarten_and_vocational_apart(honours_city):
    """正高级 in 2021–2025: a 初中 teacher (2022) counts; a kindergarten (2023) and a 中职 (2024) teacher
    are reported apart; a 小学 teacher appointed in 2020 is before the period → 中小学 1 (target 80)."""
    s, _hr = honours_city
    for school, day in ((s["junior"], D(2022, 12, 1)), (s["kg"], D(2023, 12, 1)), (s["voc"], D(2024, 12, 1)),
                        (s["urban"], D(2020, 12, 1))):
        m.TitleAppointment.objects.create(teacher=TeacherFactory(school=school), title=c.Title.SENIOR_PROFESSOR,
                                          appointed_on=day)
    data = sel.measures_for(sel.CITY, on=ON)
    assert (honour(data, "zhenggao_appointed")["count"], honour(data, "zhenggao_appointed")["gap"]) == (1, 79)
    assert honour(data, "zhenggao_appointed_preschool")["count"] == 1
    assert honour(data, "zhenggao_appointed_vocational")["count"] == 1
    assert honour(data, "zhenggao_appointed_preschool")["target"] is None


# ---------------------------------------------------------------- the JSON contract
def test_the_json_endpoint_and_the_command_print_the_same_extended_object(rotation_city, primaries, client):
    client.force_login(UserFactory(role="leader"))
    page_json = json.loads(client.get("/workforce/dashboard/measures.json", {"on": ON.isoformat()}).content)
    out = StringIO()
    call_command("measures", "--on", ON.isoformat(), "--json", stdout=out)
    assert page_json == json.loads(out.getvalue()) == json.loads(json.dumps(sel.measures_for(sel.CITY, on=ON)))
    assert {"rotated", "rotated_any", "eligible", "still_away", "planned", "missing"} <= set(page_json["rotation"])
    assert {"missing", "partial", "coverage", "teachers_all"} <= set(page_json["pupil_teacher"][0])
