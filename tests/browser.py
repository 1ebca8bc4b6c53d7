"""Real-browser support: headless Debian chromium driven by Playwright (no browser download).

Tests that use the ``page`` fixture are marked ``browser``; they are skipped with a reason
when chromium is not installed (``.ci/run`` installs it) — except in CI (``CI`` set, as CI
services do), where a missing chromium fails them: a run must not pass with every browser
test skipped. A chromium that is there but cannot start is an error everywhere. Screenshots go to
``artifacts/screenshots/`` (kept as CI artefacts, ignored by git).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
PASSWORD = "Passw0rd!x"  # the password tests.factories.UserFactory gives every user


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_chromium() -> str:
    """chromium's path; where it is missing the test is skipped, or failed in CI."""
    path = chromium_path()
    if path is None:
        if in_ci():
            pytest.fail("未安装 chromium：CI 中浏览器测试不得跳过（.ci/run 会安装）", pytrace=False)
        pytest.skip("未安装 chromium：浏览器测试跳过（.ci/run 会安装）")
    return path


@pytest.fixture(scope="session")
def browser():
    path = require_chromium()
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15000)
    tab.base = live_server.url
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    tab.base = live_server.url
    yield tab
    context.close()


def login(page, username: str, password: str = PASSWORD) -> None:
    page.goto(page.base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target
