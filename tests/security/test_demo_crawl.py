"""The demo city as its users meet it: every page, as every demo login, on the demo's own data.

A small city is built by the same generator as ``manage.py seed_demo`` (so the same shapes of
data: imported credit records without an approver, teachers who left, schools without an
approved quota, revoked and expired awards, ethics cases …). Each demo login then crawls from
the home page and the admin index through every same-site link (``tests.security.test_crawl``),
and also opens one object of every kind: each detail page of the app and the admin's change and
history page of every registered model, the first object in the user's scope and the first
object of the city (out of scope: answered 404, never 5xx). No page may answer 5xx or show a
traceback, and no page or download may hold a full 身份证件号 for a login without the right.
"""
from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.test import Client

from backend.models import User
from core.roles import can_see_identity
from backend.scoping import scope_for
from imports.models import ImportRun
from tests.security.test_crawl import crawl
from careers.models import PromotionRound
from personnel.models import ChangeRequest, ReportingPeriod
from training.models import CreditRecord
from demo import builder
from workforce.models import District, QuotaProposal, School, Teacher

pytestmark = pytest.mark.django_db

DEMO = dict(teachers=400, schools=20)
TRACEBACK_MARKS = ("Traceback (most recent call last)", "DJANGO_SETTINGS_MODULE", "技术细节", "Exception Value")


@pytest.fixture
def demo_city():
    """The demo city as ``seed_demo`` makes it: the build, then what the apps above workforce add
    (``add_apps_demo``: careers' 年度考核 and round, personnel's requests and events)."""
    result = builder.build_demo_city(**DEMO)
    result.counts.update(builder.add_apps_demo(as_of=builder.AS_OF))
    return result


def _first_in_scope(model, user):
    manager = model._default_manager
    qs = manager.all()
    if hasattr(qs, "for_scope"):
        qs = qs.for_scope(scope_for(user))
    return qs.order_by("pk").first()


def detail_urls(user) -> list[str]:
    """One object of each kind, in the user's scope and the city's first: app pages and admin."""
    urls: list[str] = []
    for district in District.objects.order_by("pk")[:1]:
        urls.append(f"/workforce/dashboard/district/{district.code}/")
    for school in {_first_in_scope(School, user), School.objects.order_by("pk").first()} - {None}:
        urls.append(f"/workforce/dashboard/school/{school.code}/")
    for teacher in {_first_in_scope(Teacher, user), Teacher.objects.order_by("pk").first()} - {None}:
        urls.append(f"/training/teachers/{teacher.pk}/")
    imported = CreditRecord.objects.filter(decided_by__isnull=True, status="approved").order_by("pk").first()
    for record in {_first_in_scope(CreditRecord, user), imported} - {None}:
        urls += [f"/training/records/{record.pk}/edit/", f"/training/records/{record.pk}/evidence/"]
    for proposal in QuotaProposal.objects.order_by("pk")[:1]:
        urls.append(f"/workforce/quota/proposals/{proposal.pk}/")
    for run in ImportRun.objects.order_by("pk")[:1]:
        urls += [f"/imports/runs/{run.pk}/", f"/imports/runs/{run.pk}/progress.json"]
    # careers' and personnel's own pages (reached from their lists too; queued so that every kind is
    # opened, in and out of the user's scope, whatever the crawl's cap)
    for rnd in PromotionRound.objects.order_by("pk")[:1]:
        urls += [f"/careers/rounds/{rnd.pk}/", f"/careers/rounds/{rnd.pk}/candidates/"]
    for cr in {_first_in_scope(ChangeRequest, user), ChangeRequest.objects.order_by("pk").first()} - {None}:
        urls += [f"/personnel/requests/{cr.pk}/", f"/personnel/requests/{cr.pk}/evidence/"]
    for teacher in {_first_in_scope(Teacher, user), Teacher.objects.order_by("pk").first()} - {None}:
        urls += [f"/personnel/teachers/{teacher.pk}/edit/", f"/personnel/teachers/{teacher.pk}/event/"]
    for period in ReportingPeriod.objects.order_by("pk")[:1]:
        urls.append(f"/personnel/annual/{period.pk}/")
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        for obj in {_first_in_scope(model, user), model._default_manager.order_by("pk").first()} - {None}:
            base = f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/"
            urls += [base + "change/", base + "history/"]
        urls.append(f"/admin/{meta.app_label}/{meta.model_name}/")
    return urls


def secrets() -> dict[str, str]:
    out = {}
    for number in Teacher.objects.values_list("id_number", flat=True):
        out[number] = "身份证件号"
        out[number.lower()] = "身份证件号"
    return out


@pytest.mark.parametrize("username", builder.DEMO_USERNAMES)
def test_every_page_of_the_demo_opens_for_every_demo_login(demo_city, username):
    user = User.objects.get(username=username)
    client = Client(raise_request_exception=False)
    assert client.login(username=username, password=builder.DEMO_PASSWORD), "the demo login does not log in"
    visited, problems = crawl(client, secrets() if not can_see_identity(user) else {}, extra=detail_urls(user),
                              marks=TRACEBACK_MARKS)
    shapes = {re.sub(r"/\d+/", "/<id>/", u.partition("?")[0]) for u in visited}
    assert {"/careers/rounds/<id>/", "/personnel/requests/<id>/", "/personnel/teachers/<id>/edit/"} <= shapes
    print(f"\n{username}: {len(visited)} pages and downloads ({len(shapes)} kinds), {len(problems)} problems")
    assert len(visited) > 20, f"the crawl reached almost nothing: {sorted(visited)}"
    assert problems == [], "\n".join(problems)


def test_a_teacher_opens_their_training_page_with_imported_records(demo_city):
    """The teacher's main page on the demo: their approved records came from an import and have
    no approver; the page lists them as approved (locked) and shows the progress."""
    user = User.objects.get(username="teacher")
    imported = CreditRecord.objects.filter(teacher=user.teacher, decided_by__isnull=True, status="approved")
    assert imported.exists(), "the demo's teacher should have imported records (the case that broke the page)"
    client = Client(raise_request_exception=False)
    client.force_login(user)
    page = client.get("/training/mine/")
    assert page.status_code == 200
    body = page.content.decode()
    for record in imported:
        assert re.search(rf'data-record="{record.pk}"', body), record.title
    assert "已锁定" in body and "导入" in body
