"""The mapping step in a real browser (issue 13): a district officer uploads the school list
their office keeps — two headers and one value the system does not know — answers once, confirms;
next month's list is taken with no question, and the page says which saved answers it used."""
from __future__ import annotations

import openpyxl
import pytest

from tests.browser import login, screenshot
from workforce.models import School

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["学校标识码", "学校名称", "所属区县", "学校类型", "公民办属性", "城乡分类", "填表人"]


def school_list(path, first: int, n: int):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "学校名单"
    sheet.append(HEADERS)
    for i in range(first, first + n):
        sheet.append([f"32070605{i:02d}", f"海州第{i}小学", "海州区", "小学", "民办" if i % 2 else "公办",
                      "城关" if i % 3 == 0 else "城区", "王会计"])
    book.save(path)
    return path


def upload(page, path):
    page.goto(page.url.split("/imports/")[0] + "/imports/") if "/imports/" in page.url else page.click("text=数据导入")
    page.wait_for_url("**/imports/")
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=kind]", "schools")
    page.click("button:has-text('上传并预览')")
    page.wait_for_selector("#result")


def test_officer_maps_unknown_headers_and_a_value_once(page, world, tmp_path):
    login(page, "district1")
    upload(page, school_list(tmp_path / "学校名单-11月.xlsx", 1, 6))
    mapping = page.inner_text("#mapping")
    assert "公民办属性" in mapping and "填表人" in mapping and "城关" in mapping
    assert page.locator("#confirm").count() == 0
    screenshot(page, "import-mapping-1-questions")

    page.select_option("select[aria-label='公民办属性']", label="办学性质")
    page.select_option("select[aria-label='填表人']", label="不需要此列")
    page.select_option("select[aria-label='城关']", label="城区")
    page.click("#save-mapping")
    page.wait_for_selector("#result")
    assert page.locator("#mapping").count() == 0
    assert page.inner_text("#count-new") == "6" and page.inner_text("#count-errors") == "0"
    screenshot(page, "import-mapping-2-answered")
    page.click("#confirm")
    page.wait_for_selector("#result")
    assert "已导入" in page.inner_text("#result")
    got = dict(School.objects.filter(code__startswith="32070605").values_list("code", "ownership"))
    assert sorted(got.values()) == ["private"] * 3 + ["public"] * 3
    assert School.objects.get(code="3207060503").location == "urban"

    upload(page, school_list(tmp_path / "学校名单-12月.xlsx", 7, 6))
    assert page.locator("#mapping").count() == 0
    used = page.inner_text("#applied-mappings")
    assert "公民办属性" in used and "填表人" in used and "城关" in used
    screenshot(page, "import-mapping-3-remembered")
    page.click("#confirm")
    page.wait_for_selector("#result")
    assert School.objects.filter(code__startswith="32070605").count() == 12
