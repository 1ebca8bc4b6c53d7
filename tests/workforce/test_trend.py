"""A trend that means something (issue 14 item 4): every snapshot of the scope itself, the live
figure and the chosen plan's target; the plan's baseline on the city only (a district or a
school is never drawn with the city's figures, and says when it has no snapshots); the demo
stores a snapshot of every school year from 2020-2021 by the same computation as
``snapshot_measures``."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from tests.factories import SchoolFactory, TeacherFactory
from demo import builder
from workforce import models as m
from workforce import selectors as sel
from workforce import snapshots

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)
THIRD, TWO_THIRDS = round(1 / 3, 6), round(2 / 3, 6)


def edu(teacher, education, end=dt.date(2008, 7, 1), degree="none"):
    m.EducationRecord.objects.create(teacher=teacher, education=education, degree=degree, is_highest=True, end=end)


@pytest.fixture
def history(world):
    """Three primary teachers: t1 本科 since 2008 (海州实验小学), t1b 本科 from July 2023 (海州第二小学),
    t2 硕士 from July 2025 (灌南). Snapshots of every school year 2020-2021 … 2025-2026 with schools."""
    edu(world.t1, "bachelor")
    edu(world.t1b, "associate")
    edu(world.t1b, "bachelor", end=dt.date(2023, 7, 1))
    edu(world.t2, "master", end=dt.date(2025, 7, 1), degree="master")
    out = io.StringIO()
    call_command("snapshot_measures", "--past", "2020", "--schools", "--on", TODAY.isoformat(), stdout=out)
    assert out.getvalue().count("已保存") == 6
    return world


def series(trend, code="t2_primary_bachelor"):
    return next(s for s in trend["series"] if s["code"] == code)


def test_the_city_trend_is_baseline_every_snapshot_today_and_the_target(history):
    targets = sel.load_targets(on=TODAY)
    live = sel.measures_for(sel.CITY, on=TODAY, targets=targets)
    trend = sel.trend(sel.CITY, targets, live=live)
    assert [c["label"] for c in trend["categories"]] == [
        "2020（基线）", "2020-2021", "2021-2022", "2022-2023", "2023-2024", "2024-2025", "2025-2026（目标年）",
        "2026-12-01（当前）"]
    primary = series(trend)
    assert primary["values"] == [0.93, THIRD, THIRD, TWO_THIRDS, TWO_THIRDS, 1.0, 1.0, 1.0]
    assert primary["target"] == 0.95 and trend["plan"]["target_year"] == 2025
    assert trend["notes"] == []


def test_a_school_trend_is_its_own_snapshots_never_the_citys_baseline(history):
    targets = sel.load_targets(on=TODAY)
    ref = sel.school_ref(history.s1b)
    trend = sel.trend(ref, targets, live=sel.measures_for(ref, on=TODAY, targets=targets))
    assert "baseline" not in [c["kind"] for c in trend["categories"]]
    assert series(trend)["values"] == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0]  # t1b alone: never the city's thirds
    assert trend["notes"] == ["规划基线是全市数据，只在全市趋势中画出。"]
    district = sel.trend(sel.district_ref(history.d2), targets)
    assert series(district)["values"] == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]  # t2's master's degree from July 2025


def test_a_scope_without_snapshots_says_so_and_shows_today_and_the_target_only(history):
    school = SchoolFactory(district=history.d1, name="海州新建小学")
    edu(TeacherFactory(school=school), "bachelor")
    targets = sel.load_targets(on=TODAY)
    ref = sel.school_ref(school)
    trend = sel.trend(ref, targets, live=sel.measures_for(ref, on=TODAY, targets=targets))
    assert [c["kind"] for c in trend["categories"]] == ["target", "live"]
    assert series(trend)["values"] == [None, 1.0]
    assert trend["notes"][0] == "海州新建小学尚无历年指标快照：趋势只有当前值和目标，不以全市数据代替。"


def test_the_next_plans_target_year_comes_after_today(history):
    plan = m.Plan.objects.create(code="15th", name="十五五", start_year=2026, end_year=2030, baseline_year=2025,
                                 target_year=2030)
    m.PlanIndicator.objects.create(plan=plan, code="t2_primary_bachelor", name="小学本科", baseline=99, target=98)
    targets = sel.load_targets(on=TODAY)
    trend = sel.trend(sel.CITY, targets, live=sel.measures_for(sel.CITY, on=TODAY, targets=targets))
    labels = [c["label"] for c in trend["categories"]]
    assert labels[0] == "2020-2021" and labels[-3:] == ["2025-2026", "2026-12-01（当前）", "2030（目标）"]
    assert labels.index("2025（基线）") == labels.index("2024-2025") + 1
    assert series(trend)["target"] == 0.98 and series(trend)["values"][labels.index("2025（基线）")] == 0.99


def test_snapshots_are_the_dashboards_figures_of_that_date(history):
    """One computation by school, summed to districts and the city, gives the figures of
    ``measures_by`` — what the dashboard shows for that date."""
    on, year = dt.date(2024, 8, 31), 2023
    targets = sel.snapshot_targets(year)
    stored = {(ref.kind, ref.code or ref.name): data for ref, data in sel.snapshot_results(on, year, targets)}
    total, districts = sel.measures_by(sel.CITY, "district", on=on, year=year, targets=targets)
    assert stored[("city", "全市")] == total
    for ref, data in districts:
        assert stored[("district", ref.code)] == data
    _total, schools = sel.measures_by(sel.CITY, "school", on=on, year=year, targets=targets)
    for ref, data in schools:
        assert stored[("school", ref.code)] == data
    snap = m.MeasureSnapshot.objects.get(scope_kind="school", scope_key=history.s1.code, on=on)
    assert snap.school_year == 2023 and snap.data["table2"] == stored[("school", history.s1.code)]["table2"]


def test_the_dashboard_chart_draws_today_unless_filtered(client, history):
    client.force_login(history.users.leader)
    trend = client.get("/workforce/dashboard/city/?on=2026-12-01").context["charts"]["trend"]
    assert [c["kind"] for c in trend["categories"]][-1] == "live" and series(trend)["values"][-1] == 1.0
    filtered = client.get("/workforce/dashboard/city/?on=2026-12-01&location=rural").context["charts"]["trend"]
    assert "live" not in [c["kind"] for c in filtered["categories"]]
    school = client.get(f"/workforce/dashboard/school/{history.s1b.code}/?on=2026-12-01")
    assert school.context["charts"]["trend"]["snapshots"] == 6
    assert "规划基线是全市数据" in school.content.decode()


def test_the_demo_stores_a_snapshot_of_every_school_year_for_the_city_districts_and_schools():
    builder.build_demo_city(teachers=300, schools=15)
    scopes = 1 + m.District.objects.count() + m.School.objects.count()
    ends = [snapshots.school_year_end(year) for year in range(2020, 2026)]
    assert list(m.MeasureSnapshot.objects.order_by("on").values_list("on", flat=True).distinct()) == ends
    assert m.MeasureSnapshot.objects.count() == 6 * scopes
    assert all(s.data["plan"]["code"] == "14th" for s in m.MeasureSnapshot.objects.filter(scope_kind="city"))
    targets = sel.load_targets(on=builder.AS_OF)
    city = sel.trend(sel.CITY, targets, live=sel.measures_for(sel.CITY, on=builder.AS_OF, targets=targets))
    assert [c["kind"] for c in city["categories"]] == ["baseline"] + ["snapshot"] * 6 + ["live"]
    primary = series(city)
    assert all(v is not None for v in primary["values"])
    school = m.School.objects.filter(teachers__teaching_stage="primary").order_by("code").first()
    own = sel.trend(sel.school_ref(school), targets)
    stored = [s.data for s in m.MeasureSnapshot.objects.filter(scope_kind="school", scope_key=school.code).order_by("on")]
    assert series(own)["values"] == [next(x["ratio"] for x in d["table2"] if x["code"] == "t2_primary_bachelor")
                                     for d in stored]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_draws_the_citys_trend_and_follows_the_plan_switch(page, world):
    """The chart on screen is the selector's trend: its labels and values; choosing the next plan
    in the filters redraws it against that plan's target year."""
    from tests.browser import login, screenshot

    edu(world.t1, "bachelor")
    edu(world.t1b, "associate")
    edu(world.t1b, "bachelor", end=dt.date(2023, 7, 1))
    edu(world.t2, "master", end=dt.date(2025, 7, 1), degree="master")
    for year in snapshots.past_school_years(2020, TODAY):
        snapshots.snapshot_take(snapshots.school_year_end(year), year, schools=True)
    plan = m.Plan.objects.create(code="15th", name="十五五", start_year=2026, end_year=2030, baseline_year=2025,
                                 target_year=2030)
    m.PlanIndicator.objects.create(plan=plan, code="t2_primary_bachelor", name="小学本科", baseline=99, target=98)
    login(page, "leader")
    page.goto(page.base + "/workforce/dashboard/?on=2026-12-01&plan=14th")
    page.wait_for_function("document.documentElement.dataset.charts === 'ready'")
    drawn = page.evaluate("""() => { const chart = Chart.getChart('chart-trend');
        return {labels: chart.data.labels, values: chart.data.datasets[0].data, measure: chart.data.datasets[0].label}; }""")
    targets = sel.load_targets("14th")
    with translation.override(settings.LANGUAGE_CODE):  # the page's language, whatever a test before left active
        expected = sel.trend(sel.CITY, targets, live=sel.measures_for(sel.CITY, on=TODAY, targets=targets))
    assert drawn["labels"] == [c["label"] for c in expected["categories"]]
    shown = series(expected, next(s["code"] for s in expected["series"] if s["label"] == drawn["measure"]))
    assert drawn["values"] == [None if v is None else round(v * 1000) / 10 for v in shown["values"]]
    assert "对照规划：“十四五”" in page.inner_text('[data-test="plan"]')
    screenshot(page, "dashboard-trend-14th")

    page.select_option("select[name=plan]", "15th")
    page.click("form.filters button[type=submit]")
    page.wait_for_function("document.documentElement.dataset.charts === 'ready'")
    labels = page.evaluate("() => Chart.getChart('chart-trend').data.labels")
    assert labels[-1] == "2030（目标）" and "2025（基线）" in labels
    assert "对照规划：“十五五”（2026–2030年），目标年 2030" in page.inner_text('[data-test="plan"]')
