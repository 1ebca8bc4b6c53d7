"""The dashboards of a province of several cities (issue 18): the province's page shows each
measure's figure of the province and a row per city — the sum of its districts' facts — each
leading to its city's page (the city dashboard of that city alone: its districts); a city's users
see their own city only. A single-city installation is what it was (tests/workforce/test_dashboard.py)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from backend.scoping import Scope
from core.roles import Role
from tests.factories import SchoolFactory, TeacherFactory, UserFactory
from workforce import choices as c
from workforce import facts, registry
from workforce import models as m
from workforce import selectors as sel

pytestmark = pytest.mark.django_db
CITY_URL = "/workforce/dashboard/city/"


def live(ref):
    """The scope counted from the records alone, today."""
    on = dt.date.today()
    year, targets = sel.school_year_of(on), sel.load_targets(None, on)
    counts = {measure.key: measure.count(ref.scope, on, year, sel.NO_FILTERS, None, targets=targets).get(None, measure.empty())
              for measure in registry.measures()}
    return sel.finish(counts, targets, ref=ref, on=on, year=year)


def figures(data: dict) -> dict:
    return dict(data["figures"])


@pytest.fixture
def province(world):
    """连云港市 (the world's districts, schools and teachers) and 徐州市: 鼓楼区 with two schools and
    its 市直 with one, each with teachers of several stages and education; a city HR office in each
    city, the province's HR and a leader of the province."""
    a = m.City.objects.get()
    b = m.City.objects.create(code="320300", name="徐州市", order=2)
    gulou = m.District.objects.create(city=b, code="320302", name="鼓楼区", kind=c.DistrictKind.DISTRICT)
    direct = m.District.objects.create(city=b, code="320300", name="市直", kind=c.DistrictKind.CITY)
    for district, name in ((gulou, "鼓楼实验小学"), (gulou, "鼓楼第二中学"), (direct, "徐州市直高级中学")):
        school = SchoolFactory(district=district, name=name)
        for i, stage in enumerate((c.Stage.PRIMARY, c.Stage.JUNIOR, c.Stage.PRIMARY)):
            t = TeacherFactory(school=school, teaching_stage=stage, school_entry=dt.date(2012 + i, 9, 1))
            m.EducationRecord.objects.create(teacher=t, education=["bachelor", "associate", "master"][i], degree="none",
                                             is_highest=True, end=dt.date(2010, 7, 1))
    users = world.users
    users.city.city = a
    users.city.save()
    users.city_b = UserFactory(username="city_b", role=Role.CITY_HR, city=b)
    users.province = UserFactory(username="province", role=Role.PROVINCE_HR)
    world.a, world.b, world.gulou, world.direct = a, b, gulou, direct
    return world


def test_the_province_page_has_a_row_per_city(client, province):
    client.force_login(province.users.leader)  # a leader of no city: the province
    facts.forget_used()
    response = client.get(CITY_URL)
    assert response.status_code == 200
    assert response.context["ref"] == sel.PROVINCE
    assert response.context["facts_as_of"] is not None  # summed from the facts
    rows = response.context["overview"]["rows"]
    assert [row["name"] for row in rows] == ["连云港市", "徐州市"]
    assert rows[1]["link"] == f"{CITY_URL}?city=320300"
    assert figures(response.context["data"]) == figures(live(sel.PROVINCE))
    for row, city in zip(rows, (province.a, province.b)):
        assert figures(row["data"]) == figures(live(sel.city_ref(city))), city.name
    assert reverse("workforce:dashboard") != CITY_URL
    assert client.get(reverse("workforce:dashboard")).status_code == 200  # the entry shows the province too


def test_a_citys_page_from_the_province(client, province):
    client.force_login(province.users.province)
    response = client.get(CITY_URL, {"city": "320300"})
    assert response.status_code == 200
    ref = sel.city_ref(province.b)
    assert response.context["ref"] == ref and ref.scope == Scope("city", city_id=province.b.pk)
    assert [row["name"] for row in response.context["overview"]["rows"]] == ["市直", "鼓楼区"]  # by order and code
    assert figures(response.context["data"]) == figures(live(ref))
    assert response.context["up"] == CITY_URL  # back to the province
    # the district leads back to its city
    district = client.get(reverse("workforce:dashboard_district", args=["320302"]))
    assert district.context["up"] == f"{CITY_URL}?city=320300"
    assert [row["name"] for row in district.context["overview"]["rows"]] == ["鼓楼实验小学", "鼓楼第二中学"]
    # the JSON names the city and the province
    assert client.get(reverse("workforce:dashboard_json"), {"scope": "city:320300"}).json() == live(ref)
    assert client.get(reverse("workforce:dashboard_json"), {"scope": "province"}).json() == live(sel.PROVINCE)


def test_a_city_user_sees_only_their_city(client, province):
    client.force_login(province.users.city_b)
    response = client.get(CITY_URL)
    assert response.context["ref"] == sel.city_ref(province.b)  # no province page: their city
    assert [row["name"] for row in response.context["overview"]["rows"]] == ["市直", "鼓楼区"]  # by order and code
    assert response.context["up"] == ""
    assert client.get(reverse("workforce:dashboard")).url == f"{CITY_URL}?city=320300"
    own_school = m.School.objects.get(name="鼓楼实验小学")
    assert client.get(reverse("workforce:dashboard_school", args=[own_school.code])).status_code == 200
    refused = [
        (CITY_URL, {"city": province.a.code}),
        (reverse("workforce:dashboard_district", args=[province.d1.code]), {}),
        (reverse("workforce:dashboard_school", args=[province.s1.code]), {}),
        (reverse("workforce:dashboard_json"), {"scope": "province"}),
        (reverse("workforce:dashboard_json"), {"scope": "city"}),
        (reverse("workforce:dashboard_json"), {"scope": f"city:{province.a.code}"}),
        (reverse("workforce:dashboard_json"), {"scope": f"district:{province.d1.code}"}),
        (reverse("workforce:dashboard_export"), {"scope": f"school:{province.s1.code}"}),
    ]
    for url, params in refused:
        assert client.get(url, params).status_code == 403, (url, params)
    # the other city's HR the same, the other way round
    client.force_login(province.users.city)
    assert client.get(CITY_URL).context["ref"] == sel.city_ref(province.a)
    assert client.get(CITY_URL, {"city": "320300"}).status_code == 403
    assert client.get(reverse("workforce:dashboard_district", args=["320302"])).status_code == 403


def test_the_plans_counted_targets_are_the_provinces(province):
    """The plan's counted targets (honours, new teachers) are the whole installation's: the province
    is judged against them, one city of several shows its counts without them, as a district does."""
    province_data, city_data = sel.measures_for(sel.PROVINCE), sel.measures_for(sel.city_ref(province.b))
    with_target = [h["code"] for h in province_data["honours"] if h["target"] is not None]
    if not with_target:
        pytest.skip("no plan with honour targets in this database")
    assert all(h["target"] is None for h in city_data["honours"])


def test_a_district_named_alike_in_two_cities_is_found_by_its_code(province):
    m.District.objects.create(city=province.b, code="320399", name=province.d1.name, kind=c.DistrictKind.DISTRICT)
    assert sel.resolve_scope(f"district:{province.d1.code}").scope.district_id == province.d1.pk
    with pytest.raises(sel.ScopeNotFound):
        sel.resolve_scope(f"district:{province.d1.name}")


def test_one_city_looks_as_before(client, world):
    client.force_login(world.users.leader)
    response = client.get(CITY_URL)
    assert response.context["ref"] == sel.CITY and response.context["ref"].name == "全市"
    assert [row["name"] for row in response.context["overview"]["rows"]] == [d.name for d in m.District.objects.all()]
    assert response.context["up"] == ""
    assert sel.city_ref(m.City.objects.get()) == sel.CITY
    assert client.get(CITY_URL, {"city": m.City.objects.get().code}).context["ref"] == sel.CITY
