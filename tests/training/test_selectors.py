"""Reads: progress, cycles in the database, caps in SQL = caps in Python, rates, the measure."""
import datetime as dt
import random
from decimal import Decimal as D

import pytest

from backend.scoping import Scope
from tests.factories import SchoolFactory, TeacherFactory
from training import rules, selectors, services
from training.models import CreditRecord, Programme, TrainingCap, TrainingCycle
from workforce import choices as c
from workforce import registry

from .helpers import log

pytestmark = pytest.mark.django_db
CITY = Scope("city")
MID_2024 = dt.date(2024, 6, 1)


def grant(teacher, user, approver, **kwargs):
    return services.credit_approve(record=log(teacher, user, **kwargs), user=approver)


def cycle1():
    return TrainingCycle.objects.get(start=dt.date(2021, 1, 1))


def test_the_cycles_of_the_plan_are_seeded():
    assert list(TrainingCycle.objects.values_list("start", "end", "required_hours")) == [
        (dt.date(2021, 1, 1), dt.date(2025, 12, 31), D(360)), (dt.date(2026, 1, 1), dt.date(2030, 12, 31), D(360))]


def test_cycle_boundaries_in_the_database(world):
    t, u, hr = world.t1, world.users.teacher, world.users.school
    grant(t, u, hr, title="年末", hours=10, year=None, end=dt.date(2025, 12, 31))
    grant(t, u, hr, title="新年", hours=20, year=None, end=dt.date(2026, 1, 1))
    grant(t, u, hr, title="只有年度2025", hours=1, year=2025)
    grant(t, u, hr, title="只有年度2026", hours=2, year=2026)
    grant(t, u, hr, title="跨年只有开始", hours=4, year=2025, start=dt.date(2025, 12, 30))
    assert selectors.teacher_progress(t, dt.date(2025, 12, 31)).countable == D(15)
    assert selectors.teacher_progress(t, dt.date(2026, 1, 1)).countable == D(22)
    assert set(CreditRecord.objects.in_cycle(cycle1()).values_list("title", flat=True)) == {"年末", "只有年度2025", "跨年只有开始"}


def test_progress_counts_only_approved_hours_and_shows_level_and_year(world):
    t, u, hr = world.t1, world.users.teacher, world.users.school
    grant(t, u, hr, title="A", level="national", hours=100, year=2022)
    grant(t, u, hr, title="B", level="school", hours=100, year=2023)
    log(t, u, title="待审", hours=50, year=2024)
    rejected = log(t, u, title="退回", hours=70, year=2024)
    services.credit_reject(record=rejected, user=hr, reason="无证明")
    p = selectors.teacher_progress(t, MID_2024)
    assert (p.countable, p.pending, p.required) == (D(200), D(50), D(360))
    # Cycle 2021-01-01 … 2025-12-31: 5 × 365 + 1 (29 Feb 2024) = 1826 days. 2024-06-01 is day
    # 365 × 3 + (31 + 29 + 31 + 30 + 31) + 1 = 1248 of them (that day included), so the elapsed
    # share is 1248 / 1826 and the on-track threshold 360 × 1248 / 1826 = 246.046… → 246.1 学时
    # (rounded up to the 0.1 学时 hours are kept in).
    assert p.elapsed == D(1248) / D(1826)
    assert p.threshold == D("246.1")
    assert not p.on_track and p.shortfall == D(160) and p.behind_by == D("46.1")  # 246.1 − 200
    assert p.percent == pytest.approx(200 / 360 * 100)
    assert [(r["code"], r["hours"]) for r in p.by_level] == [("national", D(100)), ("school", D(100))]
    assert [(r["year"], r["hours"]) for r in p.by_year] == [
        (2021, 0), (2022, D(100)), (2023, D(100)), (2024, 0), (2025, 0)]


def test_caps_and_yearly_minimum_in_progress(world):
    cycle = cycle1()
    cycle.yearly_minimum = D(40)
    cycle.save()
    TrainingCap.objects.create(cycle=cycle, level="school", max_hours=D(60))
    grant(world.t1, world.users.teacher, world.users.school, title="校本", level="school", hours=100, year=2022)
    p = selectors.teacher_progress(world.t1, MID_2024)
    assert (p.approved, p.countable) == (D(100), D(60))
    assert [r["year"] for r in p.by_year if r["short"]] == [2021, 2023]


def test_caps_mean_the_same_in_sql_as_in_python(world):
    """Random records and cap sets: the SQL subquery equals rules.countable_hours for every teacher."""
    rnd = random.Random(5)
    levels, modes = [v for v, _ in c.TrainingLevel.choices], [v for v, _ in c.TrainingMode.choices]
    teachers = [TeacherFactory(school=world.s1) for _ in range(12)]
    rows = []
    for teacher in teachers:
        for i in range(rnd.randint(0, 6)):
            rows.append(CreditRecord(teacher=teacher, title=f"r{i}", level=rnd.choice(levels), mode=rnd.choice(modes),
                                     hours=D(rnd.randint(1, 800)) / 10 * 10, year=rnd.randint(2021, 2025),
                                     status=rnd.choice(["approved", "approved", "pending"])))
    CreditRecord.objects.bulk_create(rows)
    cycle = cycle1()
    cap_sets = [
        [], [("school", "", 50)], [("", "online", 80)], [("national", "", 100), ("", "online", 60)],
        [("city", "online", 30), ("school", "", 40), ("", "short_face", 90), ("county", "", 70)],
    ]
    for caps in cap_sets:
        TrainingCap.objects.filter(cycle=cycle).delete()
        for level, mode, hours in caps:
            TrainingCap.objects.create(cycle=cycle, level=level, mode=mode, max_hours=D(hours))
        cr = selectors.cycle_rules(MID_2024)
        in_sql = dict(selectors.population(CITY, MID_2024).annotate(x=selectors.countable_expression(cr))
                      .values_list("pk", "x"))
        for teacher in teachers:
            records = [(r.level, r.mode, r.hours) for r in rows if r.teacher_id == teacher.pk and r.status == "approved"]
            expected = rules.countable_hours(rules.cells_of(records, cr.caps), cr.caps)
            assert abs(D(str(in_sql[teacher.pk])) - expected) < D("0.01"), (caps, teacher.pk)
            assert selectors.teacher_progress(teacher, MID_2024).countable == expected


def test_completion_and_on_track_rates_per_school_district_and_city(world):
    hr_city = world.users.city
    grant(world.t1, world.users.teacher, hr_city, title="全部", hours=360, year=2023)  # complete
    grant(world.t1b, hr_city, hr_city, title="够进度", hours=250, year=2023)  # on track on 2024-06-01 (≈246.1)
    grant(world.t2, hr_city, hr_city, title="落后", hours=100, year=2023)  # behind
    TeacherFactory(school=world.s2, staff_category=c.StaffCategory.ADMIN)  # not 专任教师: not counted
    TeacherFactory(school=world.s2, left_on=dt.date(2024, 1, 1), left_reason=c.LeftReason.RETIRED)  # left: not counted
    total = selectors.completion_rates(CITY, MID_2024)["rows"][0]
    assert (total["teachers"], total["complete"], total["on_track"], total["behind"]) == (3, 1, 2, 1)
    by_district = {r["school__district__name"]: r for r in selectors.completion_rates(CITY, MID_2024, by="district")["rows"]}
    assert (by_district["海州区"]["complete"], by_district["海州区"]["on_track"], by_district["海州区"]["teachers"]) == (1, 2, 2)
    assert by_district["灌南县"]["on_track_rate"] == 0.0
    by_school = {r["school__name"]: r for r in
                 selectors.completion_rates(Scope("district", district_id=world.d1.pk), MID_2024, by="school")["rows"]}
    assert set(by_school) == {"海州实验小学", "海州第二小学"}
    assert by_school["海州实验小学"]["complete_rate"] == 1.0
    # the report page: the same figures from the per-school rows alone (one grouped query)
    report = selectors.completion_report(CITY, MID_2024)
    assert report["total"] == total
    assert [{k: d[k] for k in ("school__district__name", "teachers", "complete", "on_track", "on_track_rate")}
            for d in report["districts"]] == [
        {k: d[k] for k in ("school__district__name", "teachers", "complete", "on_track", "on_track_rate")}
        for d in selectors.completion_rates(CITY, MID_2024, by="district")["rows"]]
    assert selectors.completion_report(CITY, dt.date(2040, 1, 1))["total"] is None


def test_teachers_behind_with_their_shortfall(world):
    grant(world.t2, world.users.city, world.users.city, title="落后", hours=100, year=2023)
    grant(world.t1, world.users.teacher, world.users.city, title="全部", hours=400, year=2023)
    cr, qs = selectors.teachers_behind(CITY, MID_2024)
    assert cr.threshold == D("246.1")  # 360 × 1248 / 1826 = 246.046… → 246.1 (worked out above)
    rows = [(t.name, t.countable, t.shortfall, t.behind) for t in qs]
    assert rows == [  # furthest behind first; 张三 (400 学时) is complete, not listed
        ("李四", D(0), D(360), D("246.1")),
        ("王五", D(100), D(260), D("146.1")),  # 246.1 − 100
    ]


# Threshold one day either side of 2024-06-01 (cycle 2021-01-01 … 2025-12-31, 1826 days):
#   2024-05-31 = day 1247: 360 × 1247 / 1826 = 245.849… → 245.9
#   2024-06-01 = day 1248: 360 × 1248 / 1826 = 246.046… → 246.1
#   2024-06-02 = day 1249: 360 × 1249 / 1826 = 246.243… → 246.3
# and the cycle's ends: day 1 (2021-01-01) 360 / 1826 = 0.197… → 0.2; day 1826 (2025-12-31) 360.
@pytest.mark.parametrize("on, threshold", [
    (dt.date(2021, 1, 1), D("0.2")), (dt.date(2024, 5, 31), D("245.9")), (dt.date(2024, 6, 1), D("246.1")),
    (dt.date(2024, 6, 2), D("246.3")), (dt.date(2025, 12, 31), D(360)),
])
def test_on_track_threshold_worked_out_by_hand(world, on, threshold):
    assert selectors.cycle_rules(on).threshold == threshold
    assert selectors.teacher_progress(world.t1, on).threshold == threshold


def test_a_teacher_exactly_at_the_threshold_is_on_track_and_one_day_later_behind(world):
    """246.1 学时 on 2024-06-01 (threshold 246.1, see above) is on track; 246.0 is not; on
    2024-06-02 (threshold 246.3) 246.1 is behind by 0.2. The page (Python) and the reports (SQL) agree."""
    grant(world.t1, world.users.teacher, world.users.city, title="够进度", hours="246.1", year=2023)
    grant(world.t1b, world.users.city, world.users.city, title="差一点", hours="246.0", year=2023)
    grant(world.t2, world.users.city, world.users.city, title="前一天够", hours="245.9", year=2023)
    on, next_day, day_before = MID_2024, dt.date(2024, 6, 2), dt.date(2024, 5, 31)
    assert [selectors.teacher_progress(t, on).on_track for t in (world.t1, world.t1b, world.t2)] == [True, False, False]
    assert selectors.teacher_progress(world.t1b, on).behind_by == D("0.1")
    assert selectors.teacher_progress(world.t1, next_day).on_track is False
    assert selectors.teacher_progress(world.t1, next_day).behind_by == D("0.2")
    assert selectors.teacher_progress(world.t2, day_before).on_track is True
    assert selectors.completion_rates(CITY, on)["rows"][0]["on_track"] == 1
    assert selectors.completion_rates(CITY, next_day)["rows"][0]["on_track"] == 0
    assert selectors.completion_rates(CITY, day_before)["rows"][0]["on_track"] == 3
    # to 0.1 学时, as the list page shows them (SQLite computes 246.1 − 245.9 in floats: 0.19999…)
    assert [(t.name, t.behind.quantize(D("0.1"))) for t in selectors.teachers_behind(CITY, on)[1]] == [
        ("王五", D("0.2")), ("李四", D("0.1"))]


def test_the_training_measure_is_registered_for_the_dashboard(world):
    grant(world.t1, world.users.teacher, world.users.city, title="全部", hours=360, year=2023)
    measure = registry.compute("training", CITY, MID_2024)
    # the cycle's rules on 2024-06-01: 360 学时 (72 a whole school year for who joins during it),
    # on track from 246.1, elapsed 1248 / 1826 = 0.683461 (worked out above)
    rules_of_day = {"cycle": "2021—2025年周期", "headline": "on_track", "required": 360.0, "hours_per_year_left": 72.0,
                    "threshold": 246.1, "elapsed": 0.683461}
    nobody_apart = {"not_due": 0, "apart_teachers": 0, "apart_complete": 0, "apart_on_track": 0}
    assert measure == {**rules_of_day, **nobody_apart, "complete": 1, "teachers": 3, "ratio": 1 / 3, "on_track": 1}
    assert registry.compute("training", Scope("school", school_id=world.s2.pk), MID_2024)["ratio"] == 0
    assert registry.compute("training", CITY, dt.date(2040, 1, 1)) is None
    groups = registry.compute_by_group("training", CITY, MID_2024, "school")
    assert groups[world.s1.pk] == {**rules_of_day, **nobody_apart, "complete": 1, "teachers": 1, "ratio": 1.0,
                                   "on_track": 1}
    assert registry.compute_by_group("training", CITY, dt.date(2040, 1, 1), "district") == {}
    # the rows add up to the scope's own result: the dashboard counts once (compute_with_groups)
    for by in ("district", "school"):
        total, rows = registry.compute_with_groups("training", CITY, MID_2024, by)
        assert total == measure and rows == registry.compute_by_group("training", CITY, MID_2024, by)
    assert registry.compute_with_groups("training", CITY, dt.date(2040, 1, 1), "district") == (None, {})
    assert {t.pk for t in registry.behind("training", CITY, MID_2024)} == {world.t1b.pk, world.t2.pk}


def test_reports_and_queue_run_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    """The reports and the district's approval queue: the same number of queries for 5 teachers as
    for 25, and the right figures both times. On 2024-06-01 a teacher is on track from 246.1 学时
    (360 × 1248 / 1826 = 246.046… rounded up to 0.1, see above) and complete at 360."""
    district_programme = Programme.objects.create(name="海州区班主任培训", level="county", mode="short_face",
                                                  hours=D(30), district=world.d1)
    grant(world.t1, world.users.teacher, world.users.city, title="全部", hours=360, year=2023)  # complete
    schools = []

    def add_rows(n):
        school = SchoolFactory(district=world.d1)
        schools.append(school)
        for i in range(n):
            teacher = TeacherFactory(school=school)
            log(teacher, world.users.city, title="待审", hours=10)  # school HR's to decide, not the district's
            services.credit_log(teacher=teacher, user=world.users.city, programme=district_programme, year=2024)
            grant(teacher, world.users.city, world.users.city, title="已过", hours=250 if i == 0 else 50)

    def counts(row):
        return row["teachers"], row["complete"], row["on_track"], row["behind"]

    def run():
        total = selectors.completion_rates(CITY, MID_2024)["rows"][0]
        districts = selectors.completion_rates(CITY, MID_2024, by="district")["rows"]
        by_school = list(selectors.completion_rates(CITY, MID_2024, by="school")["rows"])
        behind = [(t.school.district.name, t.pk, t.countable, t.behind.quantize(D("0.1")))
                  for t in selectors.teachers_behind(CITY, MID_2024)[1]]
        queue = [(r.teacher.school.name, r.programme.name, r.teacher_id)
                 for r in selectors.approval_queue(world.users.district)]
        return {"total": counts(total), "districts": [(r["school__district__name"], *counts(r)) for r in districts],
                "schools": [(r["school_id"], *counts(r)) for r in by_school], "behind": behind, "queue": queue}

    add_rows(2)
    with django_assert_max_num_queries(13) as few:
        small = run()
    a = schools[0]
    a1, a2 = a.teachers.order_by("pk")
    # 张三 360 (complete), A's first 250 (on track), A's second 50, 李四 and 王五 0: behind
    assert small["total"] == (5, 1, 2, 3)
    assert small["districts"] == [("海州区", 4, 1, 2, 2), ("灌南县", 1, 0, 0, 1)]
    assert small["schools"] == [(world.s1.pk, 1, 1, 1, 0), (world.s1b.pk, 1, 0, 0, 1), (a.pk, 2, 0, 1, 1),
                                (world.s2.pk, 1, 0, 0, 1)]
    assert small["behind"] == [  # furthest behind first: 246.1 − 0 and 246.1 − 50
        ("海州区", world.t1b.pk, D(0), D("246.1")), ("灌南县", world.t2.pk, D(0), D("246.1")),
        ("海州区", a2.pk, D(50), D("196.1"))]
    assert small["queue"] == [(a.name, "海州区班主任培训", a1.pk), (a.name, "海州区班主任培训", a2.pk)]

    add_rows(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        large = run()
    b = schools[1]
    b_teachers = list(b.teachers.order_by("pk"))
    assert large["total"] == (25, 1, 3, 22)
    assert large["districts"] == [("海州区", 24, 1, 3, 21), ("灌南县", 1, 0, 0, 1)]
    assert large["schools"] == [(world.s1.pk, 1, 1, 1, 0), (world.s1b.pk, 1, 0, 0, 1), (a.pk, 2, 0, 1, 1),
                                (b.pk, 20, 0, 1, 19), (world.s2.pk, 1, 0, 0, 1)]
    assert large["behind"] == [("海州区", world.t1b.pk, D(0), D("246.1")), ("灌南县", world.t2.pk, D(0), D("246.1")),
                               ("海州区", a2.pk, D(50), D("196.1"))] + [
        # same 学时 and school: by name, then pk, as the list orders them ("教师10" < "教师9")
        ("海州区", t.pk, D(50), D("196.1")) for t in sorted(b_teachers[1:], key=lambda t: (t.name, t.pk))]
    assert [pk for _s, _p, pk in large["queue"]] == [a1.pk, a2.pk] + [t.pk for t in b_teachers]
