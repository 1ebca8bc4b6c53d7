"""The browser fixture: without chromium a browser test is skipped on a developer's machine and
fails in CI (``CI`` set), so that a CI run cannot pass with every browser test skipped; a
chromium that is there but does not start fails everywhere."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import browser

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def no_chromium(monkeypatch):
    monkeypatch.setattr(browser, "chromium_path", lambda: None)


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_missing_chromium_skips_outside_ci(no_chromium, monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="未安装 chromium"):
        browser.require_chromium()


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_missing_chromium_fails_in_ci(no_chromium, monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI 中浏览器测试不得跳过"):
        browser.require_chromium()


def test_a_found_chromium_is_returned(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(browser, "chromium_path", lambda: "/opt/some/chromium")
    assert browser.require_chromium() == "/opt/some/chromium"


INNER_TEST = """
import tests.browser as support
{patch}
from tests.browser import browser  # noqa: F401  (the fixture itself)


def test_needs_a_browser(browser):
    pass
"""


def _run_inner(tmp_path, *, ci: str | None, patch: str = "", chromium: str | None = None) -> str:
    """A browser test in a pytest run of its own; returns pytest's summary line."""
    (tmp_path / "test_inner.py").write_text(INNER_TEST.format(patch=patch), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "CHROMIUM", "DJANGO_SETTINGS_MODULE")}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # no Django, no plugins: a bare pytest
    if ci is not None:
        env["CI"] = ci
    if chromium is not None:
        env["CHROMIUM"] = chromium
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfEs",
         "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path / "test_inner.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    return done.stdout.strip().splitlines()[-1] + "\n" + done.stdout


def test_a_real_run_without_chromium_skips_locally_and_errors_in_ci(tmp_path):
    hide = "support.chromium_path = lambda: None"
    assert "1 skipped" in _run_inner(tmp_path, ci=None, patch=hide).splitlines()[0]
    in_ci = _run_inner(tmp_path, ci="true", patch=hide)
    assert "1 error" in in_ci.splitlines()[0] and "skipped" not in in_ci.splitlines()[0]
    assert "CI 中浏览器测试不得跳过" in in_ci


def test_a_chromium_that_cannot_start_is_an_error_not_a_skip(tmp_path):
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    summary = _run_inner(tmp_path, ci=None, chromium=str(broken)).splitlines()[0]
    assert "1 error" in summary and "skipped" not in summary
