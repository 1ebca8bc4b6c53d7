"""A user switches the language menu to English in a real browser and reads the pages in English;
the choice sticks across pages and can be switched back to Chinese."""
import pytest

from tests.browser import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_language_menu_switches_the_pages_to_english_and_back(page, world):
    login(page, "city")
    assert "欢迎" in page.inner_text("main")
    assert page.get_attribute("html", "lang") == "zh-CN"

    with page.expect_navigation():
        page.select_option("form.lang select[name=language]", "en")  # the menu submits on change
    page.wait_for_load_state("networkidle")

    main = page.inner_text("main")
    assert "Welcome" in main and "欢迎" not in main
    assert "City bureau HR" in main  # the role, a translated choice label
    nav = page.inner_text(".mainnav")
    assert "Dashboard" in nav and "Rotation" in nav and "指标看板" not in nav
    assert page.get_attribute("html", "lang") == "en"
    screenshot(page, "language-home-english")

    page.click(".mainnav >> text=Dashboard")
    page.wait_for_load_state("networkidle")
    assert "As of" in page.inner_text("main") and "统计日期" not in page.inner_text("main")
    assert page.evaluate("gettext('实际')") == "Actual"  # the charts' legend, through the JavaScript catalog
    screenshot(page, "language-dashboard-english")

    with page.expect_navigation():
        page.select_option("form.lang select[name=language]", "zh-hans")
    page.wait_for_load_state("networkidle")
    assert "统计日期" in page.inner_text("main")


def test_login_page_in_english_before_signing_in(page, world):
    page.goto(page.base + "/accounts/login/")
    with page.expect_navigation():
        page.select_option("form.lang select[name=language]", "en")
    page.wait_for_load_state("networkidle")
    assert "Sign in" in page.inner_text("main") and "登录" not in page.inner_text("main")
    screenshot(page, "language-login-english")
