"""Login hardening: lockout, idle expiry, password strength, CSRF, and the audit of it all."""
import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from backend.models import AuditEntry
from backend.security import CharacterClassesValidator
from tests.browser import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def later(minutes: float):
    """Time travel: every ``timezone.now()`` (sessions, lockout, audit) answers ``now + minutes``."""
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(minutes=minutes))


def attempt(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def actions(username):
    return list(AuditEntry.objects.filter(username=username).order_by("id").values_list("action", flat=True))


def test_five_failures_lock_the_account_for_thirty_minutes(client, world):
    for _ in range(5):
        response = attempt(client, "school1", "wrong-password")
        assert response.status_code == 200 and not signed_in(client)
    # The right password is refused while locked, and the page says so.
    response = attempt(client, "school1", PASSWORD)
    assert not signed_in(client)
    assert "账号已锁定" in response.content.decode()
    assert actions("school1") == ["login_failed"] * 5 + ["lockout", "login_failed"]
    assert "锁定期间" in AuditEntry.objects.filter(username="school1").order_by("id").last().message

    with later(29):
        attempt(client, "school1", PASSWORD)
        assert not signed_in(client)
    with later(31):
        response = attempt(client, "school1", PASSWORD)
        assert response.status_code == 302 and signed_in(client)
    assert actions("school1")[-1] == "login"


def test_four_failures_do_not_lock_and_success_resets_the_count(client, world):
    for _ in range(4):
        attempt(client, "school1", "wrong")
    assert attempt(client, "school1", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "school1", "wrong")
    assert attempt(client, "school1", PASSWORD).status_code == 302


def test_failures_spread_beyond_the_window_do_not_add_up(client, world):
    for _ in range(4):
        attempt(client, "school1", "wrong")
    with later(31):
        attempt(client, "school1", "wrong")
        assert attempt(client, "school1", PASSWORD).status_code == 302


def test_the_admin_login_obeys_the_same_lock(client, world):
    for _ in range(5):
        client.post("/admin/login/", {"username": "city", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "city", "password": PASSWORD})
    assert not signed_in(client)
    assert "账号已锁定" in response.content.decode()
    assert "lockout" in actions("city")


def test_an_unknown_name_gets_the_same_answer_as_a_locked_one(client, world):
    for _ in range(5):
        attempt(client, "nobody-here", "wrong")
        attempt(client, "school1", "wrong")
    unknown = attempt(client, "nobody-here", "whatever").content.decode()
    locked = attempt(client, "school1", "whatever").content.decode()
    assert "账号已锁定" in unknown and "账号已锁定" in locked


def test_limits_come_from_settings(client, world, settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_MINUTES = 5
    attempt(client, "school1", "wrong")
    attempt(client, "school1", "wrong")
    attempt(client, "school1", PASSWORD)
    assert not signed_in(client)
    with later(6):
        assert attempt(client, "school1", PASSWORD).status_code == 302


def test_login_success_and_logout_are_audited_with_the_address(client, world):
    attempt(client, "district1", PASSWORD)
    client.post("/accounts/logout/")
    rows = AuditEntry.objects.filter(username="district1").order_by("id")
    assert [r.action for r in rows] == ["login", "logout"]
    assert rows[0].ip == "127.0.0.1" and rows[0].user_id == world.users.district.pk


# ------------------------------------------------------------------ idle expiry
def test_thirty_minutes_idle_signs_out(client, world):
    attempt(client, "school1", PASSWORD)
    assert client.get("/").status_code == 200
    with later(25):
        assert client.get("/").status_code == 200  # activity moves the idle clock on
    with later(50):  # 25 minutes after the last request: still in
        assert client.get("/").status_code == 200
    with later(81):  # 31 minutes idle
        response = client.get("/workforce/dashboard/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert "next=" in response["Location"]
        assert not signed_in(client)
    last = AuditEntry.objects.filter(username="school1").order_by("id").last()
    assert last.action == "logout" and "空闲超时" in last.message


def test_idle_limit_comes_from_settings(client, world, settings):
    settings.SESSION_IDLE_MINUTES = 5
    attempt(client, "school1", PASSWORD)
    client.get("/")
    with later(6):
        assert client.get("/").status_code == 302


def test_signed_in_pages_are_not_cached(client, world):
    client.force_login(world.users.school)
    response = client.get("/")
    assert "no-store" in response["Cache-Control"]


def test_csrf_is_enforced_and_the_refusal_is_audited(world):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.users.district)
    response = csrf_client.post(f"/admin/workforce/teacher/{world.t1.pk}/change/", {"name": "x"})
    assert response.status_code == 403
    assert "请求已失效" in response.content.decode()
    assert AuditEntry.objects.filter(action="denied", username="district1").exists()


# ------------------------------------------------------------------ passwords
@pytest.mark.parametrize("password, ok", [
    ("abcdefgh", False),     # one kind
    ("abcd1234", False),     # two kinds
    ("ABCD12!!", True),      # three kinds
    ("Qwxz4829", True),
    ("abc1234!", True),
    ("Ab1!xyz", False),      # three kinds but 7 characters
    ("Passw0rd!x", True),
])
def test_password_needs_eight_characters_of_three_kinds(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_password_kinds_are_configurable():
    with pytest.raises(ValidationError, match="4"):
        CharacterClassesValidator(min_classes=4).validate("Abcd1234")
    CharacterClassesValidator(min_classes=4).validate("Abcd123!")


def test_password_rules_are_explained_in_chinese():
    assert any("至少 3 类字符" in text for text in password_validators_help_texts())


# ------------------------------------------------------------------ deployment
def test_check_deploy_passes_with_only_the_documented_variables(tmp_path):
    base = Path(django_settings.BASE_DIR)
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH"}}
    env = {**keep, "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "teachers.example.gov.cn",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}"}
    cmd = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING",
           "--settings=backend.settings.production"]
    done = subprocess.run(cmd, cwd=base, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
    # And without a secret key production refuses to start.
    env.pop("SECRET_KEY")
    assert subprocess.run(cmd, cwd=base, env=env, capture_output=True, text=True).returncode != 0


def test_city_hr_unlocks_an_account_in_the_admin(client, world):
    from backend.models import LoginThrottle

    for _ in range(5):
        attempt(client, "school1", "wrong")
    throttle = LoginThrottle.objects.get(username="school1")
    admin = Client()
    admin.force_login(world.users.city)
    response = admin.post(f"/admin/backend/loginthrottle/{throttle.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="delete", object_type="backend.loginthrottle", username="city").exists()
    assert attempt(client, "school1", PASSWORD).status_code == 302


def test_only_city_hr_sees_the_lock_list(client, world):
    client.force_login(world.users.district)
    assert client.get("/admin/backend/loginthrottle/").status_code == 403


def test_the_audit_page_is_in_the_navigation_of_city_hr_only(client, world):
    client.force_login(world.users.city)
    assert 'href="/accounts/audit/"' in client.get("/").content.decode()
    client.force_login(world.users.district)
    assert 'href="/accounts/audit/"' not in client.get("/").content.decode()


# ------------------------------------------------------------------ lockout per address (issue 12)
ATTACKER = "203.0.113.9"


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def test_failures_from_one_address_do_not_lock_the_owner_out_from_another(world):
    attacker = from_address(ATTACKER)
    for _ in range(5):
        attempt(attacker, "school1", "wrong-password")
    # the attacker's address is locked for this name, even with the right password …
    response = attempt(attacker, "school1", PASSWORD)
    assert not signed_in(attacker) and "账号已锁定" in response.content.decode()
    # … while the owner, from their own address, signs in
    owner = from_address("198.51.100.20")
    assert attempt(owner, "school1", PASSWORD).status_code == 302 and signed_in(owner)
    # and the owner's success does not lift the attacker's lock
    attempt(attacker, "school1", PASSWORD)
    assert not signed_in(attacker)
    lock = AuditEntry.objects.get(action="lockout", username="school1")
    assert lock.ip == ATTACKER and ATTACKER in lock.message


def test_the_admin_login_locks_the_pair_too(world):
    attacker = from_address(ATTACKER)
    for _ in range(5):
        attacker.post("/admin/login/", {"username": "city", "password": "wrong"})
    attacker.post("/admin/login/", {"username": "city", "password": PASSWORD})
    assert not signed_in(attacker)
    owner = from_address("198.51.100.20")
    owner.post("/admin/login/", {"username": "city", "password": PASSWORD})
    assert signed_in(owner)


def test_one_address_guessing_many_names_is_locked_by_the_address_ceiling(world, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 8
    attacker = from_address(ATTACKER)
    for name in ("school1", "district1", "city", "leader"):  # 2 guesses each: no name reaches 5
        attempt(attacker, name, "wrong")
        attempt(attacker, name, "wrong")
    response = attempt(attacker, "teacher1", PASSWORD)  # a correct password, a name never tried
    assert not signed_in(attacker)
    assert "网络地址" in response.content.decode()
    lock = AuditEntry.objects.get(action="lockout", object_repr=ATTACKER)
    assert lock.ip == ATTACKER and "不限用户名" in lock.message
    # every account still signs in from elsewhere
    assert attempt(from_address("198.51.100.20"), "teacher1", PASSWORD).status_code == 302
    with later(31):
        assert attempt(attacker, "teacher1", PASSWORD).status_code == 302


def test_a_success_from_the_address_does_not_reset_its_ceiling(world, settings):
    """Someone with an account of their own cannot sign in now and then to keep guessing others."""
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    attacker = from_address(ATTACKER)
    for name in ("district1", "city", "leader"):
        attempt(attacker, name, "wrong")
        if name != "leader":
            attempt(attacker, name, "wrong")
    assert attempt(attacker, "school1", PASSWORD).status_code == 302  # 5 failures so far
    attacker.logout()
    attempt(attacker, "leader", "wrong")  # the 6th
    attempt(attacker, "school1", PASSWORD)
    assert not signed_in(attacker)


def test_the_address_ceiling_is_a_documented_setting():
    from backend.settings import env

    assert env.LOGIN_MAX_FAILURES_PER_ADDRESS == django_settings.LOGIN_MAX_FAILURES_PER_ADDRESS
    readme = (Path(django_settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    assert "| `LOGIN_MAX_FAILURES_PER_ADDRESS` | `50` |" in readme
