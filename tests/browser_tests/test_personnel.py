"""One full cycle of a change request in a real browser (issue 15): a teacher proposes a new
degree with a PDF → school HR forwards it → district HR approves → the school's Table 2 figure
moves (read from the dashboard's JSON as the district officer reads it)."""
import json

import pytest

from personnel.models import ChangeRequest
from tests.browser import login, screenshot
from tests.training.helpers import PDF
from workforce.models import EducationRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server.url
    return context, page


def bachelor_line(page, school) -> dict:
    """Table 2's 小学 本科及以上 line of ``school``, from the dashboard's JSON."""
    page.goto(page.base + f"/workforce/dashboard/measures.json?scope=school:{school.code}")
    data = json.loads(page.inner_text("body"))
    return next(x for x in data["table2"] if x["code"] == "t2_primary_bachelor")


def test_teacher_proposes_a_degree_school_forwards_district_approves_table2_moves(browser, live_server, world,
                                                                                 tmp_path):
    certificate = tmp_path / "硕士学位证书.pdf"
    certificate.write_bytes(PDF)
    district_ctx, district = tab(browser, live_server)
    login(district, "district1")
    before = bachelor_line(district, world.s1)
    assert (before["numerator"], before["denominator"]) == (0, 1)  # 张三: 学历未知

    # --- the teacher proposes a new degree with the certificate
    teacher_ctx, teacher = tab(browser, live_server)
    login(teacher, "teacher1")
    teacher.goto(teacher.base + "/personnel/mine/")
    assert world.t1.id_number not in teacher.content()  # masked until they ask
    teacher.click("[data-testid=reveal-own-id]")
    teacher.wait_for_load_state("networkidle")
    assert teacher.inner_text("[data-testid=own-id]") == world.t1.id_number  # their own ID, unmasked
    assert teacher.locator('[data-missing="education"]').count() == 1
    form = teacher.locator("#propose-education form")
    form.locator("select[name=education-education]").select_option(label="硕士研究生")
    form.locator("select[name=education-degree]").select_option(label="硕士")
    form.locator("select[name=education-study_mode]").select_option(label="非全日制")
    form.locator("input[name=education-institution]").fill("江苏师范大学")
    form.locator("input[name=education-end]").fill("2022-06-01")
    form.locator("input[name=education-evidence]").set_input_files(str(certificate))
    form.locator("button[type=submit]").click()
    teacher.wait_for_load_state("networkidle")
    assert "已提交" in teacher.inner_text(".messages")
    assert "待学校报送" in teacher.inner_text("#my-requests")
    screenshot(teacher, "personnel-1-teacher-proposed")

    # --- school HR forwards it
    school_ctx, school = tab(browser, live_server)
    login(school, "school1")
    school.goto(school.base + "/personnel/requests/")
    row = school.locator('tr[data-status="school"]')
    assert row.count() == 1 and "张三" in row.inner_text()
    row.locator('button[value="forward"]').click()
    school.wait_for_load_state("networkidle")
    assert ChangeRequest.objects.get().status == ChangeRequest.Status.PENDING
    screenshot(school, "personnel-2-school-forwarded")

    # --- district HR opens the evidence and approves
    district.goto(district.base + "/personnel/requests/?status=pending")
    row = district.locator('tr[data-status="pending"]')
    assert row.count() == 1
    cr = ChangeRequest.objects.get()
    response = district.request.get(district.base + f"/personnel/requests/{cr.pk}/evidence/")
    assert response.status == 200 and response.body() == PDF
    row.locator('button[value="approve"]').click()
    district.wait_for_load_state("networkidle")
    assert "已通过" in district.inner_text(".messages")
    assert EducationRecord.objects.get(teacher=world.t1).education == "master"
    screenshot(district, "personnel-3-district-approved")

    # --- the school's Table 2 figure moved
    after = bachelor_line(district, world.s1)
    assert (after["numerator"], after["denominator"]) == (1, 1)

    # --- the teacher sees the outcome and a fuller record
    teacher.goto(teacher.base + "/personnel/mine/")
    assert "已通过" in teacher.inner_text("#my-requests")
    assert teacher.locator('[data-missing="education"]').count() == 0
    for context in (teacher_ctx, school_ctx, district_ctx):
        context.close()
