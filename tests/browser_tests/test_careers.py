"""职称评审 in a real browser: city HR opens a round; school HR puts forward a teacher who fails one
check (the page says which) and one who passes; the district, then the city approve; the title is
on the teacher's page and the school's 中高级 share moves."""
import datetime as dt
import importlib

import pytest
from django.apps import apps

from careers.models import PromotionNomination
from tests.browser import login, screenshot
from tests.careers.helpers import results, shares, title, trained
from tests.factories import TeacherFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(page, username):
    page.context.clear_cookies()
    login(page, username)


def _row(page, name):
    return page.locator(f'tr[data-teacher="{name}"]')


def test_school_nominates_district_and_city_approve_and_the_share_moves(page, world):
    importlib.import_module("careers.migrations.0002_reference_data").seed(apps, None)  # flushed by the test DB
    shares(world.s1, senior="30", middle="40")  # five 在编 专任教师 → 1 高级 and 2 一级 posts
    passes = TeacherFactory(school=world.s1, name="符合者")
    title(passes, "erji", dt.date(2018, 9, 1))
    results(passes, {2022: "pass", 2023: "excellent", 2024: "pass"})
    trained(passes)
    fails = TeacherFactory(school=world.s1, name="年限不足")
    title(fails, "yiji", dt.date(2022, 9, 1))  # 一级 for three years: 高级 needs five
    results(fails, {2022: "pass", 2023: "pass", 2024: "pass"})
    trained(fails)
    for other in TeacherFactory.create_batch(2, school=world.s1):
        title(other, "erji", dt.date(2019, 9, 1))

    _as(page, "school1")
    page.goto(page.base + "/careers/posts/")
    assert _row_share(page, "海州实验小学") == "20.0%"  # 一级 1 of 5

    _as(page, "city")
    page.click(".mainnav >> text=职称评审")
    page.fill("input[name=year]", "2025")
    page.select_option("select[name=series]", "school")
    page.check("input[name=levels][value=yiji]")
    page.check("input[name=levels][value=gaoji]")
    page.click("button:text-is('发起')")
    page.wait_for_load_state("networkidle")
    assert "2025 中小学" in page.inner_text("h1")

    _as(page, "school1")
    page.click(".mainnav >> text=职称评审")
    page.click("text=2025")
    page.click("text=推荐教师")
    page.wait_for_load_state("networkidle")
    failing = _row(page, "年限不足")
    assert "✗ 任现职年限" in failing.inner_text() and "满 5 年" in failing.inner_text()
    assert "✓ 年度考核" in failing.inner_text() and "✓ 岗位结构" in failing.inner_text()
    screenshot(page, "careers-candidates")
    failing.locator("button", has_text="推荐").click()
    page.wait_for_load_state("networkidle")
    assert "不符合申报条件——任现职年限" in page.inner_text(".messages")
    _row(page, "符合者").locator("button", has_text="推荐").click()
    page.wait_for_load_state("networkidle")
    assert "已推荐 符合者 申报一级教师" in page.inner_text(".messages")

    _as(page, "district1")
    page.click(".mainnav >> text=职称评审")
    page.click("text=2025")
    row = _row(page, "符合者")
    assert "待区县审核" in row.inner_text() and "✗" not in row.inner_text()
    row.locator("button", has_text="审核通过").click()
    page.wait_for_load_state("networkidle")
    assert "待市级审核" in _row(page, "符合者").inner_text()

    _as(page, "city")
    page.click(".mainnav >> text=职称评审")
    page.click("text=2025")
    _row(page, "符合者").locator("button", has_text="审核通过").click()
    page.wait_for_load_state("networkidle")
    assert "已通过" in _row(page, "符合者").inner_text()
    screenshot(page, "careers-round-approved")
    assert PromotionNomination.objects.get(teacher=passes).status == "approved"

    page.goto(page.base + f"/training/teachers/{passes.pk}/")
    record = page.locator('[data-test="careers-record"]')
    assert record.locator('[data-test="title"]').first.inner_text() == "一级教师"
    page.goto(page.base + "/careers/posts/")
    assert _row_share(page, "海州实验小学") == "40.0%"  # 一级 2 of 5


def _row_share(page, school):
    return page.locator(f'tr[data-school="{school}"] [data-test="share"]').inner_text().strip()
