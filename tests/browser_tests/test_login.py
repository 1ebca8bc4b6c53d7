"""A person logs in through a real browser and sees the home page in Chinese."""
import pytest

from tests.browser import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_officer_logs_in_and_sees_chinese_home(page, world):
    login(page, "district1")
    assert "欢迎" in page.content()
    assert "海州区" in page.inner_text("main")
    screenshot(page, "login-home-district")


def test_wrong_password_is_refused_in_chinese(page, world):
    login(page, "district1", "wrong-password")
    assert "用户名或密码不正确" in page.inner_text("main")
