"""Workflows in a real browser: a district HR officer opens next year's rotation plan and sees
how many more teachers must rotate; city HR runs an allocation of 200 posts and, being its author,
accepts it only after confirming."""
import datetime as dt

import pytest

from tests.browser import login, screenshot
from tests.factories import SchoolFactory, TeacherFactory
from workforce import choices as c
from workforce.models import Enrolment, QuotaProposal, SchoolQuota
from workforce.rotation import default_year

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_officer_sees_how_many_more_must_rotate_next_year(page, world):
    year = default_year() + 1
    for i in range(38):  # 38 + 张三 + 李四 = 40 eligible in 海州区 → 40 × 15% = 6 must rotate
        TeacherFactory(school=world.s1 if i % 2 else world.s1b, school_entry=dt.date(2010, 9, 1))
    login(page, "district1")
    page.click(".mainnav >> text=交流轮岗")
    page.select_option("select[name=year]", str(year))
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert f"{year}-{year + 1}" in main
    assert page.inner_text("#eligible").strip() == "40"
    assert page.inner_text("#more").strip() == "6"
    assert page.inner_text("#backbone-more").strip() == "2"  # 6 × 20% = 1.2 → 2
    assert "城区→乡村" in main
    screenshot(page, "rotation-plan-next-year-district")
    page.click("text=应交流名单")
    page.wait_for_load_state("networkidle")
    assert "张三" in page.inner_text("main")
    screenshot(page, "rotation-eligible-district")


def test_city_hr_allocates_200_posts_and_accepts(page, world):
    year = default_year()
    schools = []
    for i, district in enumerate([world.d1, world.d1, world.d2, world.d2, world.d2]):
        school = SchoolFactory(district=district, location=c.Location.RURAL if i % 2 else c.Location.URBAN)
        Enrolment.objects.create(school=school, school_year=year, stage=c.Stage.PRIMARY, pupils=1900 + 190 * i,
                                 classes=40)
        SchoolQuota.objects.create(school=school, school_year=year, approved=40 + 3 * i)
        schools.append(school)
    before = sum(SchoolQuota.objects.filter(school_year=year).values_list("approved", flat=True))
    login(page, "city")
    page.click(".mainnav >> text=编制")
    page.wait_for_load_state("networkidle")
    assert "各区县" in page.inner_text("main")
    page.fill("input[name=posts]", "200")
    page.click("text=测算分配方案")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#status").strip() == "待确认"
    assert page.inner_text("#allocated").strip() == "200"
    assert "余" in page.inner_text("main")  # the by-hand explanation
    assert page.inner_text("#leftover").strip().startswith("剩余 0：周转编制已用完")
    screenshot(page, "quota-proposal-200")
    page.click("text=采纳方案（更新核定编制）")  # the author, in one click: refused, with the reason
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#status").strip() == "待确认"
    assert "须由另一位市教育局人事科人员采纳" in page.inner_text("main")
    page.check("#confirm-own")
    page.click("text=采纳方案（更新核定编制）")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#status").strip() == "已采纳"
    assert "提出人本人确认后采纳" in page.inner_text("main")
    screenshot(page, "quota-proposal-accepted")
    after = sum(SchoolQuota.objects.filter(school_year=year).values_list("approved", flat=True))
    assert after - before == 200
    proposal = QuotaProposal.objects.get()
    assert (proposal.proposed_by.username, proposal.accepted_by.username, proposal.self_accepted) == ("city", "city", True)
