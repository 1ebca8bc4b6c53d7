"""The training measure as DOMAIN.md defines it (issue 14), computed through the database selectors
on a small hand-built city, the expected numbers worked out by hand.

- no invented target: the plan sets no completion-rate target, so completion is a figure;
- the headline (page, export, JSON) is the on-track rate;
- a teacher who joins during a cycle owes 72 学时 (configurable, on the cycle) for each whole
  school year left in it, and is on track against that requirement over their part of the cycle;
- 高职高专 teachers follow their colleges' rules and are reported apart.

The second cycle (2026-01-01 … 2030-12-31, 360 学时) has 1826 days; 2028-10-15 is its day
365 + 365 + 289 = 1019, so a teacher owing 360 is on track from 360 × 1019 / 1826 = 200.898…
→ 200.9 学时 (rounded up to the 0.1 学时 hours are kept in).
"""
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from backend.scoping import Scope
from tests.factories import SchoolFactory, TeacherFactory, UserFactory
from training import rules, selectors, services
from training.models import TrainingCycle
from workforce import choices as c
from workforce import models as m
from workforce import selectors as sel

from .helpers import log

pytestmark = pytest.mark.django_db
CITY = Scope("city")
YEAR_3 = dt.date(2028, 10, 15)


def grant(teacher, hr, hours, year=2027):
    return services.credit_approve(record=log(teacher, hr, title=f"{hours} 学时", hours=hours, year=year), user=hr)


@pytest.fixture
def city(db):
    """海州区: a primary school of four teachers and a 高职高专 college of one.

    name     参加工作      approved 学时   owes    on track from (2028-10-15)
    满       2010-09       360             360     200.9  → complete
    够       2010-09       210             360     200.9  → on track
    零       2010-09       0               360     200.9  → behind
    新       2028-09-01    8               144     7.7    → on track (joined in year 3: 2 whole school years left)
    高       2010-09       0               (高职高专: reported apart)

    新 owes 72 × 2 = 144 (2028-2029 and 2029-2030 lie within the cycle, 2030-2031 does not) from
    2028-09-01: day 45 of 852, so 144 × 45 / 852 = 7.605… → 7.7 学时."""
    haizhou = m.District.objects.get(name="海州区")
    school = SchoolFactory(district=haizhou, name="海州实验小学")
    college = SchoolFactory(district=haizhou, name="港城职业技术学院", school_type=c.SchoolType.HIGHER_VOCATIONAL)
    hr = UserFactory(role="city_hr")
    t = {
        "满": TeacherFactory(school=school, name="满", work_start=dt.date(2010, 9, 1)),
        "够": TeacherFactory(school=school, name="够", work_start=dt.date(2010, 9, 1)),
        "零": TeacherFactory(school=school, name="零", work_start=dt.date(2010, 9, 1)),
        "新": TeacherFactory(school=school, name="新", work_start=dt.date(2028, 9, 1), school_entry=dt.date(2028, 9, 1)),
        "高": TeacherFactory(school=college, name="高", work_start=dt.date(2010, 9, 1)),
    }
    grant(t["满"], hr, 360)
    grant(t["够"], hr, 210)
    grant(t["新"], hr, 8, year=2028)
    return t, hr


# ---------------------------------------------------------------- the rule (pure)
@pytest.mark.parametrize("joined, owed, start", [
    (None, 360, dt.date(2026, 1, 1)),  # unknown: the whole requirement
    (dt.date(2010, 9, 1), 360, dt.date(2026, 1, 1)),
    (dt.date(2026, 1, 1), 360, dt.date(2026, 1, 1)),  # on the cycle's first day: not "during"
    (dt.date(2026, 1, 2), 288, dt.date(2026, 9, 1)),  # 2026-27 … 2029-30: 4 whole school years
    (dt.date(2026, 9, 1), 288, dt.date(2026, 9, 1)),
    (dt.date(2026, 9, 2), 216, dt.date(2027, 9, 1)),
    (dt.date(2028, 9, 1), 144, dt.date(2028, 9, 1)),  # year 3
    (dt.date(2029, 9, 1), 72, dt.date(2029, 9, 1)),
    (dt.date(2029, 9, 2), 0, dt.date(2030, 9, 1)),  # 2030-2031 ends after the cycle: owes nothing
])
def test_pro_rata_requirement(joined, owed, start):
    assert rules.teacher_requirement(required=D(360), per_year=D(72), cycle_start=dt.date(2026, 1, 1),
                                     cycle_end=dt.date(2030, 12, 31), joined=joined) == rules.Requirement(D(owed), start)


def test_the_classes_the_database_uses_give_every_joining_day_its_requirement():
    """``requirement_classes`` (one CASE in SQL) agrees with ``teacher_requirement`` on every day."""
    start, end = dt.date(2026, 1, 1), dt.date(2030, 12, 31)
    classes = rules.requirement_classes(required=D(360), per_year=D(72), cycle_start=start, cycle_end=end)
    assert [(k.joined_until, k.required) for k in classes] == [
        (start, 360), (dt.date(2026, 9, 1), 288), (dt.date(2027, 9, 1), 216), (dt.date(2028, 9, 1), 144),
        (dt.date(2029, 9, 1), 72)]
    day = dt.date(2025, 6, 1)
    while day <= end:
        own = rules.teacher_requirement(required=D(360), per_year=D(72), cycle_start=start, cycle_end=end, joined=day)
        k = next((k for k in classes if day <= k.joined_until), None)
        assert (own.required, own.start) == ((k.required, k.start) if k else (0, own.start)), day
        day += dt.timedelta(days=1)


# ---------------------------------------------------------------- through the database
def test_counts_with_pro_rata_and_colleges_apart(city):
    """Counted: 满 够 零 新 = 4 (高 apart); on track 满 够 新 = 3; complete 满 = 1."""
    rates = selectors.completion_rates(CITY, YEAR_3)
    assert rates["rules"].threshold == D("200.9")
    row = rates["rows"][0]
    assert {k: row[k] for k in ("teachers", "on_track", "complete", "behind", "not_due", "apart_teachers",
                                "apart_on_track", "apart_complete")} == {
        "teachers": 4, "on_track": 3, "complete": 1, "behind": 1, "not_due": 0, "apart_teachers": 1,
        "apart_on_track": 0, "apart_complete": 0}


def test_a_teacher_who_joined_in_year_3_owes_144_and_is_on_track_from_7_7(city):
    t, hr = city
    p = selectors.teacher_progress(t["新"], YEAR_3)
    assert (p.required, p.threshold, p.pro_rata, p.on_track, p.complete) == (D(144), D("7.7"), True, True, False)
    assert p.elapsed == D(45) / D(852)
    full = selectors.teacher_progress(t["够"], YEAR_3)
    assert (full.required, full.threshold, full.pro_rata, full.on_track) == (D(360), D("200.9"), False, True)
    # 0.1 学时 less and 新 is behind by 0.1: the database agrees with the page
    other = TeacherFactory(school=t["新"].school, name="差", work_start=dt.date(2028, 9, 1),
                           school_entry=dt.date(2028, 9, 1))
    grant(other, hr, "7.6", year=2028)
    assert selectors.teacher_progress(other, YEAR_3).behind_by == D("0.1")
    behind = {row.name: (row.required, row.threshold, row.behind.quantize(D("0.1")), row.shortfall.quantize(D("0.1")))
              for row in selectors.teachers_behind(CITY, YEAR_3)[1]}
    assert behind == {"零": (D(360), D("200.9"), D("200.9"), D(360)), "差": (D(144), D("7.7"), D("0.1"), D("136.4"))}


def test_a_teacher_with_no_whole_school_year_left_is_not_due(city):
    """On 2030-10-15 a teacher who joined on 2030-09-01 owes nothing in the cycle (2030-2031 ends
    after it): not counted, reported as not_due."""
    t, _hr = city
    late = TeacherFactory(school=t["满"].school, name="晚", work_start=dt.date(2030, 9, 1),
                          school_entry=dt.date(2030, 9, 1))
    row = selectors.completion_rates(CITY, dt.date(2030, 10, 15))["rows"][0]
    assert (row["teachers"], row["not_due"]) == (4, 1)
    assert late.pk not in {x.pk for x in selectors.teachers_behind(CITY, dt.date(2030, 10, 15))[1]}


def test_the_hours_per_year_left_are_the_cycles_data(city):
    """72 → 100 学时 a whole school year: 新 owes 200, on track from 200 × 45 / 852 = 10.56… → 10.6,
    so 8 学时 is behind: on track 2 of 4."""
    t, _hr = city
    TrainingCycle.objects.filter(start=dt.date(2026, 1, 1)).update(hours_per_year_left=100)
    p = selectors.teacher_progress(t["新"], YEAR_3)
    assert (p.required, p.threshold, p.on_track) == (D(200), D("10.6"), False)
    assert selectors.completion_rates(CITY, YEAR_3)["rows"][0]["on_track"] == 2


def test_no_target_and_the_on_track_rate_as_headline_in_json_page_and_export(city, client):
    """The dashboard's object: 3 of 4 on track (75%) is the headline, 1 of 4 complete (25%) a
    figure; no target, no met, no gap — never "0.0%, 差 N 人" in red at the start of a cycle."""
    data = sel.measures_for(sel.CITY, on=YEAR_3)
    tr = data["training"]
    assert {k: tr[k] for k in ("teachers", "on_track", "complete", "on_track_ratio", "ratio", "headline",
                               "headline_ratio", "target", "met", "gap", "apart_teachers", "not_due", "missing")} == {
        "teachers": 4, "on_track": 3, "complete": 1, "on_track_ratio": 0.75, "ratio": 0.25, "headline": "on_track",
        "headline_ratio": 0.75, "target": None, "met": None, "gap": None, "apart_teachers": 1, "not_due": 0,
        "missing": False}
    client.force_login(UserFactory(role="leader"))
    page = client.get("/workforce/dashboard/city/", {"on": YEAR_3.isoformat()}).content.decode()
    total = page[page.index('<tr class="total"'):]
    total = total[:total.index("</tr>")]
    cell = total[total.index('data-key="training"'):]
    cell = cell[:cell.index("</td>")]
    assert "75.0%" in cell and "差" not in cell
    assert 'data-test="training-on-track">75.0%（3 / 4）' in page
    book = load_workbook(io.BytesIO(client.get("/workforce/dashboard/export.xlsx", {"on": YEAR_3.isoformat()}).content))
    sheet = book["培训学分"]
    header = [cell.value for cell in sheet[2]]
    assert "目标" not in header and "是否达标" not in header
    total_row = [cell.value for cell in sheet[3]]
    assert total_row[header.index("进度正常率（主要指标）")] == 0.75
    assert total_row[header.index("完成率")] == 0.25
    assert total_row[header.index("高职高专教师（单列）")] == 1


def test_the_training_report_shows_colleges_apart_and_no_rate_for_no_teachers(city, client):
    client.force_login(UserFactory(role="city_hr"))
    page = client.get("/training/report/", {"on": YEAR_3.isoformat()}).content.decode()
    assert "高职高专教师 1 人" in page
    college_row = page[page.index("<td>港城职业技术学院</td>"):]
    college_row = college_row[:college_row.index("</tr>")]
    assert "无数据" in college_row and "met" not in college_row
