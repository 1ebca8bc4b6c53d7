"""A district's page lists its schools a page at a time, searched by name or 学校标识码 (issue 18: a
district of 559 schools at 200,000 teachers took 3.6 s, finishing and drawing a row per school):
its own line is the whole district's — the sum kept with the facts per school — whatever page is
shown, and each school's row is the one the whole list would show."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import SchoolFactory, TeacherFactory
from tests.workforce.test_dashboard_cache import small_city  # noqa: F401  (a fixture)
from workforce import choices as c
from workforce import dashboard_views, facts, registry
from workforce import models as m
from workforce import selectors as sel

pytestmark = pytest.mark.django_db


def live(ref, filters=sel.NO_FILTERS):
    """The scope counted from the records alone, today."""
    on = dt.date.today()
    year, targets = sel.school_year_of(on), sel.load_targets(None, on)
    counts = {measure.key: measure.count(ref.scope, on, year, filters, None, targets=targets).get(None, measure.empty())
              for measure in registry.measures()}
    return sel.finish(counts, targets, ref=ref, on=on, year=year, filters=filters)


@pytest.fixture
def district(world, small_city):  # noqa: F811
    """海州区 with five schools: three of small_city's and two more with a teacher each."""
    for name in ("海州甲小学", "海州乙小学"):
        TeacherFactory(school=SchoolFactory(district=world.d1, name=name), teaching_stage=c.Stage.PRIMARY)
    return world.d1


def shown(response) -> list[str]:
    return [row["name"] for row in response.context["overview"]["rows"]]


def figures(data: dict) -> dict:
    return {code: {k: v for k, v in figure.items()} for code, figure in data["figures"].items()}


def test_a_page_of_schools_and_the_whole_districts_line(client, world, district, monkeypatch):
    monkeypatch.setattr(dashboard_views, "SCHOOLS_PER_PAGE", 2)
    client.force_login(world.users.city)
    url = reverse("workforce:dashboard_district", args=[district.code])
    every = [s.name for s in m.School.objects.filter(district=district).order_by("district__order", "code")]
    assert len(every) == 5

    pages = [client.get(url, {"page": n}) for n in (1, 2, 3)]
    assert [shown(r) for r in pages] == [every[:2], every[2:4], every[4:]]
    ref = sel.district_ref(district)
    whole = live(ref)
    for response in pages:
        assert response.context["facts_as_of"] is not None  # summed from the facts
        assert figures(response.context["data"]) == figures(whole)  # the whole district, on every page
        assert "共 5 所学校" in response.content.decode()
    # each school's row is the row of the whole list (counted alone)
    for response in pages:
        for row in response.context["overview"]["rows"]:
            school = m.School.objects.get(name=row["name"])
            assert figures(row["data"]) == figures(live(sel.school_ref(school)))
    # the links to the schools keep the filters, not the page
    assert "page=" not in pages[1].context["overview"]["rows"][0]["link"]


def test_the_search_finds_a_school_by_name_or_code(client, world, district):
    client.force_login(world.users.city)
    url = reverse("workforce:dashboard_district", args=[district.code])
    assert shown(client.get(url, {"q": "乙小"})) == ["海州乙小学"]
    school = m.School.objects.get(name="海州甲小学")
    response = client.get(url, {"q": school.code})
    assert shown(response) == ["海州甲小学"]
    assert figures(response.context["data"]) == figures(live(sel.district_ref(district)))  # still the district's line
    assert shown(client.get(url, {"q": "没有这所学校"})) == []


def test_filters_and_a_page_of_schools(client, world, district, monkeypatch):
    """A location filter sums the schools it keeps (not the kept district sum), a page at a time."""
    monkeypatch.setattr(dashboard_views, "SCHOOLS_PER_PAGE", 1)
    client.force_login(world.users.city)
    url = reverse("workforce:dashboard_district", args=[district.code])
    filters = sel.Filters(location=c.Location.URBAN)
    kept = list(sel.member_schools(sel.district_ref(district), filters))
    response = client.get(url, {"location": c.Location.URBAN, "page": 1})
    assert shown(response) == [kept[0].name]
    assert figures(response.context["data"]) == figures(live(sel.district_ref(district), filters))


def test_measures_by_some_members_gives_their_rows_and_the_whole_total(world, district):
    ref = sel.district_ref(district)
    total, rows = sel.measures_by(ref, "school")
    some = [member for member, _data in rows][1:3]
    facts.forget_used()
    part_total, part_rows = sel.measures_by(ref, "school", members=some)
    assert facts.last_used() is not None
    assert part_total == total
    assert part_rows == [(member, data) for member, data in rows if member in some]
    # a district's JSON and export read its kept sum: the same object as the page's total
    assert sel.measures_for(ref) == total == live(ref)
