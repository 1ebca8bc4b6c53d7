"""The rotation plan of the current school year reads the facts per school (issue 18): the same
figures as counting the records now — the scope's counts (the dashboard's ``rotation_counts`` of
the scope), the rows per school, the eligible still waiting per location class — for the city, a
district and a school, and right after an exchange is recorded; another school year is counted
live."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.urls import reverse

from backend.scoping import Scope
from tests.factories import TeacherFactory
from tests.workforce.test_dashboard_cache import small_city  # noqa: F401  (a fixture)
from workforce import choices as c
from workforce import fact_rows, facts, rotation, services
from workforce import selectors as sel
from workforce.models import ExchangeType, Teacher, rotation_day, school_year_of

pytestmark = pytest.mark.django_db


def year():
    return school_year_of(dt.date.today())


def counted_live():
    """Count from the records (``selectors.rotation_counts``), as before the facts."""
    class Live:
        def __enter__(self):
            self.kept = fact_rows.school_rows
            fact_rows.school_rows = lambda *args, **kwargs: None

        def __exit__(self, *exc):
            fact_rows.school_rows = self.kept
    return Live()


def scopes(world):
    return [Scope("city"), Scope("province"), Scope("city", city_id=world.d1.city_id),
            Scope("district", district_id=world.d1.pk), Scope("district", district_id=world.d2.pk),
            Scope("school", district_id=world.d1.pk, school_id=world.s1.pk)]


def scope_count(scope, y):
    """The scope counted alone (the dashboard's count of the scope, not grouped)."""
    return rotation.rotation_counts(scope, y, sel.load_targets(), on=dt.date.today()).get(None) or Counter()


def assert_plan_is_the_live_one(world, y=None):
    y = y or year()
    for scope in scopes(world):
        assert fact_rows.school_rows(scope, "rotation", dt.date.today(), y) is not None, scope
        fast, rows = rotation.rotation_figures(scope, y), rotation.per_school(scope, y)
        with counted_live():
            live, live_rows = rotation.rotation_figures(scope, y), rotation.per_school(scope, y)
        assert fast == live and rows == live_rows, scope
        alone = scope_count(scope, y)
        assert (fast.all, fast.eligible, fast.rotated, fast.rotated_backbone, fast.rotated_any, fast.planned,
                fast.still_away) == tuple(alone[("rot", key)] for key in (
                    "all", "eligible", "rotated", "backbone", "rotated_any", "planned", "still_away")), scope
        assert sum(n for _label, n in fast.directions) == sum(n for key, n in alone.items() if key[0] == "dir")
        assert sum(w["count"] for w in fast.eligible_waiting.values()) == fast.eligible - fast.rotated
        assert sum(row["waiting"] for row in rows) == fast.eligible - fast.rotated
        population = Teacher.objects.rotation_population(y).for_scope(scope)
        waiting_backbone = population.eligible_for_rotation(y, fast.min_years).exclude(
            pk__in=population.rotated_in(y, dt.date.today()).values("pk")).backbone_on(rotation_day(y))
        assert sum(w["backbone"] for w in fast.eligible_waiting.values()) == waiting_backbone.count(), scope
    return rotation.rotation_figures(Scope("city"), y)


def test_the_plan_of_this_year_is_the_facts_and_the_figures_of_counting(world, small_city):
    figures = assert_plan_is_the_live_one(world)
    assert figures.eligible > 0 and figures.rotated > 0 and figures.directions


def test_right_after_an_exchange_is_recorded_the_plan_moves(world, small_city):
    before = assert_plan_is_the_live_one(world)
    teacher = TeacherFactory(school=world.s1, school_entry=dt.date(2010, 9, 1), on_establishment=True,
                             teaching_stage=c.Stage.PRIMARY, backbone=True)
    after_hire = assert_plan_is_the_live_one(world)
    assert after_hire.eligible == before.eligible + 1
    urban = c.Location(world.s1.location)
    assert after_hire.eligible_waiting[urban]["backbone"] == before.eligible_waiting[urban]["backbone"] + 1
    services.exchange_record(teacher=teacher, exchange_type=ExchangeType.objects.get(name="交流轮岗"),
                             start=dt.date(year(), 9, 1), to_school=small_city[3], user=world.users.city)
    after = assert_plan_is_the_live_one(world)
    assert after.rotated == after_hire.rotated + 1 and after.rotated_backbone == after_hire.rotated_backbone + 1
    assert after.eligible_waiting[urban]["backbone"] == after_hire.eligible_waiting[urban]["backbone"] - 1
    assert dict(after.directions)["城区→乡村"] == dict(after_hire.directions)["城区→乡村"] + 1


def test_another_school_year_is_counted_live(world, small_city):
    assert fact_rows.school_rows(Scope("city"), "rotation", dt.date.today(), year() - 1) is None
    facts.forget_used()
    figures = rotation.rotation_figures(Scope("city"), year() - 1)
    assert facts.last_used() is None and figures.eligible == scope_count(Scope("city"), year() - 1)[("rot", "eligible")]


def test_the_page_shows_the_facts(client, world, small_city):
    client.force_login(world.users.leader)
    response = client.get(reverse("workforce:rotation_plan"))
    assert response.status_code == 200
    with counted_live():
        live = rotation.rotation_figures(Scope("city"), year())
        rows = rotation.per_school(Scope("city"), year())
    assert response.context["figures"] == live
    assert list(response.context["page"].object_list) == rows[:len(response.context["page"].object_list)]
    searched = client.get(reverse("workforce:rotation_plan"), {"q": world.s1.code})
    assert [row["school_id"] for row in searched.context["page"].object_list] == [world.s1.pk]
