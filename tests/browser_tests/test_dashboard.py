"""Leadership and a district HR officer read the dashboard in a real browser; the figures on
screen are the selectors' figures, the charts are drawn by the app's own Chart.js."""
import datetime as dt

import pytest

from tests.browser import login, screenshot
from tests.factories import SchoolFactory, TeacherFactory
from workforce import choices as c
from workforce import measures as ms
from workforce import models as m
from workforce import selectors as sel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ON = dt.date(2025, 10, 1)
Q = "?on=2025-10-01"


def _seed(world):
    """A few more teachers so that figures differ between districts, with some exchanges."""
    extra = SchoolFactory(district=world.d2, name="灌南第二中学", school_type=c.SchoolType.JUNIOR, location=c.Location.RURAL)
    kind = m.ExchangeType.objects.filter(counts=True).first()
    levels = [("bachelor", "bachelor"), ("bachelor", "master"), ("associate", "none"), ("master", "master")]
    teachers = [world.t1, world.t1b, world.t2]
    for i in range(8):
        school = [world.s1, world.s1b, world.s2, extra][i % 4]
        teachers.append(TeacherFactory(school=school, name=f"教师甲{i}", school_entry=dt.date(2012, 9, 1)))
    for i, t in enumerate(teachers):
        education, degree = levels[i % 4]
        m.EducationRecord.objects.create(teacher=t, education=education, degree=degree, is_highest=True, end=dt.date(2008, 7, 1))
        if i % 3 == 0:
            m.Exchange.objects.create(teacher=t, exchange_type=kind, start=dt.date(2025, 9, 1), from_school=t.school)
    m.Enrolment.objects.create(school=world.s1, school_year=2025, stage=c.Stage.PRIMARY, pupils=80, classes=3)
    m.Enrolment.objects.create(school=extra, school_year=2025, stage=c.Stage.JUNIOR, pupils=30, classes=2)
    return extra


def _cell_text(page, row, key):
    return page.inner_text(f'table.overview tr[data-row="{row}"] td[data-key="{key}"]').split("\n")[0].strip()


def _expected(data, key):
    """The cell as the selectors' object says it: 无数据 where inputs are missing but the measure
    applies, — where it does not apply at all, and a * after a partial figure (issue 14)."""
    for line in data["table2"]:
        if line["code"] == key:
            return ms.percent(line["ratio"])
    for line in data["pupil_teacher"]:
        if line["code"] == key:
            if line["missing"] and (line["pupils"] or line["teachers_all"]):
                return "无数据"
            text = "—" if line["ratio"] is None else f"{line['ratio']:.2f}"
            return text + ("*" if line["partial"] or line["coverage"] else "")
    if key == "rotation":
        rot = data["rotation"]
        return "无数据" if rot["missing"] and rot["all"] else ms.percent(rot["ratio"])
    raise KeyError(key)


def _assert_overview_matches(page, total, rows):
    keys = page.eval_on_selector_all("table.overview thead th[data-key]", "els => els.map(e => e.dataset.key)")
    assert "t2_primary_bachelor" in keys and "rotation" in keys
    for key in keys:
        if key in {"dual", "training"}:
            continue
        assert _cell_text(page, total["scope_name"], key) == _expected(total, key), key
        for ref, data in rows:
            assert _cell_text(page, ref.name, key) == _expected(data, key), (ref.name, key)


def test_leader_reads_the_city_then_a_district_then_a_school(page, world):
    _seed(world)
    login(page, "leader")
    page.goto(page.base + "/workforce/dashboard/" + Q)
    assert page.inner_text("h1").startswith("指标看板")
    total, rows = sel.measures_by(sel.CITY, "district", on=ON)
    _assert_overview_matches(page, total, rows)
    # colours: a missed target is red
    assert "unmet" in page.get_attribute('table.overview tr[data-row="全市"] td[data-key="t2_primary_bachelor"]', "class")
    page.wait_for_function("document.documentElement.dataset.charts === 'ready'")
    assert page.locator("canvas#chart-targets").count() == 1 and page.locator("canvas#chart-rows").count() == 1
    screenshot(page, "dashboard-city-leader")

    page.click('table.overview a:text("海州区")')
    page.wait_for_load_state("networkidle")
    assert page.inner_text('[data-test="scope-name"]') == "海州区"
    total, rows = sel.measures_by(sel.district_ref(world.d1), "school", on=ON)
    _assert_overview_matches(page, total, rows)
    screenshot(page, "dashboard-district-leader")

    page.click('table.overview a:text("海州实验小学")')
    page.wait_for_load_state("networkidle")
    data = sel.measures_for(sel.school_ref(world.s1), on=ON)
    bachelor = next(x for x in data["table2"] if x["code"] == "t2_primary_bachelor")
    shown = page.inner_text('#table2 tr[data-code="t2_primary_bachelor"] td[data-test="ratio"]')
    assert shown == ms.percent(bachelor["ratio"])
    below = page.inner_text('[data-test="below-t2_primary_bachelor"] summary')
    assert f"{bachelor['denominator'] - bachelor['numerator']} 人" in below
    # leadership never sees a full 身份证件号
    assert world.t1.id_number not in page.content()
    screenshot(page, "dashboard-school-leader")


def test_district_officer_sees_only_the_district(page, world):
    extra = _seed(world)
    login(page, "district2")
    page.goto(page.base + "/workforce/dashboard/" + Q)
    page.wait_for_load_state("networkidle")
    assert f"/dashboard/district/{world.d2.code}/" in page.url
    assert page.inner_text('[data-test="scope-name"]') == "灌南县"
    total, rows = sel.measures_by(sel.district_ref(world.d2), "school", on=ON)
    _assert_overview_matches(page, total, rows)
    assert {ref.name for ref, _ in rows} == {"灌南实验小学", "灌南第二中学"}
    assert "海州" not in page.inner_text("table.overview")
    page.wait_for_function("document.documentElement.dataset.charts === 'ready'")
    screenshot(page, "dashboard-district-hr")

    # the rotation figure on the school page equals the selector's
    page.goto(page.base + f"/workforce/dashboard/school/{extra.code}/" + Q)
    rot = sel.measures_for(sel.school_ref(extra), on=ON)["rotation"]
    assert page.inner_text('#rotation [data-test="eligible"]') == str(rot["eligible"])
    assert page.inner_text('#rotation [data-test="rotated"]') == str(rot["rotated"])

    # another district and the city are refused
    response = page.goto(page.base + f"/workforce/dashboard/district/{world.d1.code}/")
    assert response.status == 403
    response = page.goto(page.base + "/workforce/dashboard/city/")
    assert response.status == 403


def test_dashboard_on_a_phone(phone_page, world):
    _seed(world)
    login(phone_page, "leader")
    phone_page.goto(phone_page.base + "/workforce/dashboard/" + Q)
    phone_page.wait_for_function("document.documentElement.dataset.charts === 'ready'")
    assert phone_page.locator("table.overview").is_visible()
    screenshot(phone_page, "dashboard-city-phone")
