"""An officer imports teachers as a new user would: download the template, fill it in the way
Excel does (openpyxl on the downloaded file), upload, read the preview, confirm, see the teachers."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from tests.browser import login, screenshot
from core.identity import make_id_number
from workforce.models import Teacher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_template(path, rows):
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    headers = [str(c.value).lstrip("*") for c in ws[1]]
    for r, values in enumerate(rows, start=2):
        for label, value in values.items():
            cell = ws.cell(row=r, column=headers.index(label) + 1)
            cell.value = value  # the ID column is already formatted as text ("@")
    wb.save(path)


def test_school_officer_downloads_template_fills_uploads_previews_confirms(page, world, tmp_path):
    login(page, "school1")
    page.click("text=数据导入")
    page.wait_for_url("**/imports/")
    screenshot(page, "import-1-upload-page")

    with page.expect_download() as info:
        page.click("ul.templates a:has-text('教职工基础信息')")
    template = tmp_path / "模板.xlsx"
    info.value.save_as(template)

    people = [("赵敏", "2", dt.date(1992, 4, 18)), ("钱进", "1", dt.date(1987, 11, 3))]
    ids = [make_id_number("320706", birth, 11 + i, sex) for i, (_n, sex, birth) in enumerate(people)]
    fill_template(template, [
        {"姓名": name, "性别": "男" if sex == "1" else "女", "身份证件号": number, "出生日期": birth.strftime("%Y%m"),
         "参加工作年月": "201409", "进本校年月": "2018-09", "教职工类别": "专任教师", "是否在编": "是",
         "人员状态": "在本单位任职", "任教学科": "数学"}
        for (name, sex, birth), number in zip(people, ids)
    ])

    page.set_input_files("input[name=file]", str(template))
    page.click("button:has-text('上传并预览')")
    page.wait_for_selector("#result")
    assert page.inner_text("#count-new") == "2"
    assert page.inner_text("#count-errors") == "0"
    assert "确认后将新增 2 条" in page.inner_text("main")
    screenshot(page, "import-2-preview")
    assert Teacher.objects.filter(id_number__in=ids).count() == 0

    page.click("#confirm")
    page.wait_for_selector("#teachers")
    text = page.inner_text("#teachers")
    assert "赵敏" in text and "钱进" in text and "海州实验小学" in text
    assert ids[0] not in text  # this officer has no right to full IDs: masked
    screenshot(page, "import-3-committed")
    assert set(Teacher.objects.filter(id_number__in=ids).values_list("school__name", "subject")) == {("海州实验小学", "数学")}

    page.click("text=数据导入")
    assert "已导入" in page.inner_text("main")


def test_a_progress_page_left_open_past_the_idle_limit_ends_on_the_login_page(page, world):
    """The page polls while a run works; polling is not activity, so an officer who walks away
    is signed out after the idle limit like anywhere else, and the page then shows the login."""
    import time

    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse

    from backend.middleware import LAST_ACTIVITY
    from imports.models import ImportRun

    login(page, "city")
    run = ImportRun.objects.create(user=world.users.city, file_name="全市花名册.xlsx", kind="teachers",
                                   outcome=ImportRun.Outcome.RUNNING, phase=ImportRun.Phase.READING,
                                   progress=10, total_rows=100)
    page.goto(page.base + reverse("imports:run", args=[run.pk]))
    ImportRun.objects.filter(pk=run.pk).update(progress=50)
    page.wait_for_function("document.getElementById('progress-text').textContent.includes('50 / 100')")
    ImportRun.objects.filter(pk=run.pk).update(phase=ImportRun.Phase.WRITING)
    page.wait_for_function("document.getElementById('progress-text').textContent.includes('写入数据库 · 100')")
    assert page.evaluate("document.getElementById('progress-bar').hasAttribute('value')") is False
    screenshot(page, "import-progress-writing")

    key = next(c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = SessionStore(session_key=key)
    session[LAST_ACTIVITY] = time.time() - 31 * 60  # 31 minutes without the officer doing anything
    session.save()
    page.wait_for_url("**/accounts/login/**")
    assert "长时间未操作" in page.inner_text("body")
