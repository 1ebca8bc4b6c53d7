"""In a real browser: the lock message, and revealing one ID with a reason."""
import pytest

from backend.models import AuditEntry
from tests.browser import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_five_wrong_passwords_show_the_lock_in_chinese(page, world):
    for _ in range(5):
        login(page, "school1", "wrong-password")
    login(page, "school1")
    text = page.inner_text("main")
    assert "账号已锁定" in text and "欢迎" not in text
    screenshot(page, "security-lockout")


def test_city_hr_reveals_one_id_with_a_reason(page, world):
    login(page, "city")
    page.goto(page.base + f"/accounts/reveal/{world.t2.pk}/")
    assert world.t2.masked_id_number in page.inner_text("main")
    assert world.t2.id_number not in page.content()
    page.fill("textarea[name=reason]", "核对社保登记信息")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#revealed-id") == world.t2.id_number
    screenshot(page, "security-reveal")
    page.goto(page.base + "/accounts/audit/?action=reveal")
    table = page.inner_text("table")
    assert "核对社保登记信息" in table and world.t2.id_number not in table
    screenshot(page, "security-audit-search")
    assert AuditEntry.objects.filter(action="reveal", username="city").count() == 1
