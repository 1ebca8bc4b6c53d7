"""The error pages with DEBUG off (production and the demo): friendly, in Chinese by default and in
English after choosing it; the 500 page renders with nothing but itself (no request, no context
processors, no database, no static files manifest)."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.template import loader
from django.test import Client, override_settings
from django.utils import translation

from tests.browser import PASSWORD

DEBUG_PAGE_MARKS = ("Using the URLconf", "Traceback", "technical_500", "Request Method")


def choose_english(client):
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302


@override_settings(DEBUG=False)
def test_a_missing_page_is_the_chinese_404_page(db):
    response = Client().get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body and "返回首页" in body and '<html lang="zh-CN">' in body
    assert not any(mark in body for mark in DEBUG_PAGE_MARKS)


@override_settings(DEBUG=False)
def test_the_404_page_is_english_after_choosing_english(client, world):
    client.login(username=world.users.school.username, password=PASSWORD)
    choose_english(client)
    body = client.get("/no-such-page/").content.decode()
    assert "Page not found" in body and "Back to home" in body and "页面不存在" not in body


@pytest.mark.urls("tests.security.boom_urls")
@override_settings(DEBUG=False)
def test_a_view_that_raises_gives_the_friendly_500_page(db):
    response = Client(raise_request_exception=False).get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统错误" in body and "请稍后重试" in body and '<a href="/">返回首页</a>' in body
    assert "320706198506150011" not in body and not any(mark in body for mark in DEBUG_PAGE_MARKS)


@pytest.mark.urls("tests.security.boom_urls")
@override_settings(DEBUG=False)
def test_the_500_page_is_english_after_choosing_english(db):
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # what the language menu sets (no menu in these URLs)
    body = client.get("/boom/").content.decode()
    assert "Server error" in body and "try again later" in body and '<html lang="en">' in body
    assert "系统错误" not in body


@override_settings(
    STATIC_ROOT="/nonexistent-static-root",
    STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
              "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}},
)
def test_the_500_page_renders_on_its_own():
    """No ``db`` fixture: a database query would fail the test. The manifest storage without a
    manifest makes any ``{% static %}`` raise, as it did in production."""
    with translation.override("zh-hans"):
        chinese = loader.get_template("500.html").render()
    with translation.override("en"):
        english = loader.get_template("500.html").render()
    assert "系统错误" in chinese and "Server error" in english
    assert chinese.lstrip().startswith("<!DOCTYPE html>")
    for page in (chinese, english):
        assert "{%" not in page and "/static/" not in page


@override_settings(DEBUG=False)
def test_static_files_are_served_by_the_app_with_debug_off(db):
    response = Client().get("/static/css/app.css")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
    assert type(response).__module__.startswith("whitenoise")
    assert b"".join(response.streaming_content)
