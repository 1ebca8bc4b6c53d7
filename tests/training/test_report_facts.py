"""The training report (培训达标) of today reads the facts per school (issue 18): the same rows, rates
and totals as counting the records now — for the city, a district and a school, and right after
a credit is approved — and another day is counted live."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.scoping import Scope
from tests.workforce.test_dashboard_cache import small_city  # noqa: F401  (a fixture)
from training import selectors, services
from training.models import CreditRecord
from workforce import facts

pytestmark = pytest.mark.django_db
CITY = Scope("city")


def live(scope, on=None):
    """The report counted from the records (one grouped query), as before the facts."""
    kept, report = selectors.kept_school_rows, selectors._kept_report
    selectors.kept_school_rows = selectors._kept_report = lambda scope, on: None
    try:
        return selectors.completion_report(scope, on)
    finally:
        selectors.kept_school_rows, selectors._kept_report = kept, report


def scopes(world):
    return [CITY, Scope("province"), Scope("city", city_id=world.d1.city_id),
            Scope("district", district_id=world.d1.pk), Scope("district", district_id=world.d2.pk),
            Scope("school", district_id=world.d1.pk, school_id=world.s1.pk)]


def assert_report_is_the_live_one(world):
    for scope in scopes(world):
        assert selectors.kept_school_rows(scope, dt.date.today()) is not None, scope
        fast = selectors.completion_report(scope)
        assert {**fast, "schools": list(fast["schools"])} == live(scope), scope
        assert list(fast["schools"][1:3]) == live(scope)["schools"][1:3]  # a page: its schools' facts only
    report = selectors.completion_report(CITY)
    return {**report, "schools": list(report["schools"])}


def row_of(report, school):
    return next(row for row in report["schools"] if row["school_id"] == school.pk)


def test_the_report_of_today_is_the_facts_and_the_figures_of_counting(world, small_city):
    report = assert_report_is_the_live_one(world)
    assert report["total"]["teachers"] > 0 and report["schools"] and len(report["districts"]) == 2
    assert [row["school_id"] for row in report["schools"]] == [row["school_id"] for row in live(CITY)["schools"]]


def test_right_after_a_credit_is_approved_the_report_moves(world, small_city):
    before = assert_report_is_the_live_one(world)
    teacher = world.t2  # no approved 学时: behind
    school = row_of(before, world.s2)
    assert school["on_track"] == school["teachers"] - school["behind"]
    record = CreditRecord.objects.create(teacher=teacher, title="年度集中培训", level="city", mode="online",
                                         year=dt.date.today().year, hours=Decimal("120"))
    services.credit_approve(record=record, user=world.users.city)
    after = assert_report_is_the_live_one(world)
    assert row_of(after, world.s2)["on_track"] == row_of(before, world.s2)["on_track"] + 1
    assert after["total"]["behind"] == before["total"]["behind"] - 1


def test_another_day_is_counted_live(world, small_city):
    day = dt.date.today() - dt.timedelta(days=30)
    assert selectors.kept_school_rows(CITY, day) is None
    facts.forget_used()
    report = selectors.completion_report(CITY, day)
    assert report == live(CITY, day) and isinstance(report["schools"], list)
    assert facts.last_used() is None


def test_the_page_shows_the_facts(client, world, small_city):
    client.force_login(world.users.leader)
    facts.forget_used()
    response = client.get(reverse("training:report"))
    assert response.status_code == 200 and facts.last_used() is not None
    expected = live(CITY)
    assert response.context["total"] == expected["total"]
    assert response.context["schools"] == expected["schools"]
    assert response.context["districts"] == expected["districts"]


def test_the_schools_are_shown_a_page_at_a_time(client, world, small_city, monkeypatch):
    from training import views

    monkeypatch.setattr(views, "REPORT_SCHOOLS_PER_PAGE", 2)
    client.force_login(world.users.leader)
    expected = live(CITY)["schools"]
    first = client.get(reverse("training:report"))
    second = client.get(reverse("training:report"), {"page": 2})
    assert list(first.context["schools"]) == expected[:2] and list(second.context["schools"]) == expected[2:4]
    assert first.context["districts"] == second.context["districts"] == live(CITY)["districts"]
    assert "?page=2&amp;on=" in first.content.decode()


def test_the_behind_list_is_counted_from_the_facts(client, world, small_city):
    for scope in scopes(world):
        listed = selectors.teachers_behind(scope)[1]
        assert selectors.behind_count(scope, dt.date.today()) == listed.count() > 0, scope
        assert selectors.behind_count(scope, dt.date.today(), school_id=world.s2.pk) == listed.filter(
            school=world.s2).count(), scope
    client.force_login(world.users.leader)
    response = client.get(reverse("training:behind"))
    everyone = list(selectors.teachers_behind(CITY)[1])
    assert response.context["page"].paginator.count == len(everyone)
    assert list(response.context["page"].object_list) == everyone[:100]
    record = CreditRecord.objects.create(teacher=world.t2, title="年度集中培训", level="city", mode="online",
                                         year=dt.date.today().year, hours=Decimal("120"))
    services.credit_approve(record=record, user=world.users.city)
    assert (selectors.behind_count(CITY, dt.date.today()) == len(everyone) - 1
            == selectors.teachers_behind(CITY)[1].count())
    assert selectors.behind_count(CITY, dt.date.today() - dt.timedelta(days=1)) is None
