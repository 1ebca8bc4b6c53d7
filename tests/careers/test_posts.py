"""岗位结构: the 中高级 share measure per school, district and city against an independent count."""
import datetime as dt
from decimal import Decimal

import pytest

from backend.scoping import Scope
from careers import selectors
from careers.models import PostShares
from tests.careers.helpers import shares, title
from tests.factories import SchoolFactory, TeacherFactory
from workforce import registry
from workforce.models import School, Teacher

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 12, 31)
SENIOR = {"zhenggao", "gaoji", "professor", "assoc_professor"}
MIDDLE = {"yiji", "lecturer"}


@pytest.fixture
def city(world):
    """Teachers of every kind the count must tell apart, with titles held, ended and to come."""
    s3 = SchoolFactory(district=world.d2, name="灌南高级中学", school_type="senior")
    plan = [
        (world.s1, "zhenggao", {}), (world.s1, "gaoji", {}), (world.s1, "yiji", {}), (world.s1, "erji", {}),
        (world.s1, None, {}),
        (world.s1, "gaoji", {"on_establishment": False}),  # not 在编
        (world.s1, "yiji", {"staff_category": "admin"}),  # not 专任教师
        (world.s1, "gaoji", {"left_on": dt.date(2025, 7, 1), "left_reason": "retired"}),  # left
        (world.s1b, "yiji", {}), (world.s1b, "sanji", {}),
        (world.s2, "gaoji", {}), (s3, "zhenggao", {}), (s3, "yiji", {}), (s3, "yiji", {}),
    ]
    made = []
    for school, code, extra in plan:
        t = TeacherFactory(school=school, **extra)
        if code:
            title(t, code, dt.date(2018, 9, 1))
        made.append((t, code))
    # an earlier title ended, and a title appointed after the day: neither is held on ON
    ended = TeacherFactory(school=world.s2)
    title(ended, "erji", dt.date(2010, 9, 1))
    ended.titleappointments.update(ended_on=dt.date(2018, 8, 31))
    title(ended, "yiji", dt.date(2018, 9, 1))
    future = TeacherFactory(school=world.s2)
    title(future, "yiji", dt.date(2016, 1, 1))
    title(future, "gaoji", dt.date(2026, 3, 1))
    shares(world.s1, senior="30", middle="40")
    return world, s3


def _expected(schools):
    """Counted by hand from the records: 在编 专任教师 on the roll on ON and the title held that day."""
    teachers = senior = middle = zhenggao = 0
    for t in Teacher.objects.filter(school__in=schools):
        if not (t.on_establishment and t.staff_category == "teacher" and (t.left_on is None or t.left_on > ON)):
            continue
        held = [a for a in t.titleappointments.all() if a.appointed_on <= ON and (a.ended_on is None or a.ended_on >= ON)]
        code = max(held, key=lambda a: a.appointed_on).title if held else None
        teachers += 1
        senior += code in SENIOR
        middle += code in MIDDLE
        zhenggao += code == "zhenggao" and t.teaching_stage in ("primary", "junior", "senior")
    return teachers, senior, middle, zhenggao


def _posts(schools):
    total = 0
    for s in schools:
        own = PostShares.objects.filter(school=s).first() or PostShares.objects.get(school_type=s.school_type)
        n = _expected([s])[0]
        total += int(n * own.senior / 100) + int(n * own.middle / 100)
    return total


def test_measure_equals_an_independent_count_for_every_scope(city):
    world, s3 = city
    scopes = [(Scope("city"), School.objects.all()), (Scope("district", district_id=world.d1.pk), [world.s1, world.s1b]),
              (Scope("district", district_id=world.d2.pk), [world.s2, s3]), (Scope("school", school_id=world.s1.pk), [world.s1])]
    for scope, schools in scopes:
        got = selectors.post_structure_measure(scope, ON)
        teachers, senior, middle, zhenggao = _expected(schools)
        assert (got["teachers"], got["senior"], got["middle"], got["zhenggao"]) == (teachers, senior, middle, zhenggao)
        assert got["ratio"] == pytest.approx((senior + middle) / teachers)
        assert got["target_posts"] == _posts(schools)
        assert got["target"] == pytest.approx(_posts(schools) / teachers)
    # the values pinned for the city as well, so a shared mistake in both counts shows
    city_row = selectors.post_structure_measure(Scope("city"), ON)
    assert (city_row["teachers"], city_row["senior"], city_row["middle"], city_row["zhenggao"]) == (16, 4, 6, 2)


def test_groups_add_up_to_the_scope_and_it_is_registered(city, django_assert_max_num_queries):
    world, s3 = city
    with django_assert_max_num_queries(4):
        by_school = selectors.post_structure_by_group(Scope("city"), ON, "school")
    by_district = selectors.post_structure_by_group(Scope("city"), ON, "district")
    total = registry.total_of(by_school)
    assert total["complete"] == sum(r["complete"] for r in by_district.values())
    assert total["teachers"] == selectors.post_structure_measure(Scope("city"), ON)["teachers"]
    assert by_district[world.d1.pk]["teachers"] == _expected([world.s1, world.s1b])[0]
    assert registry.get("post_structure") is not None
    assert registry.compute("post_structure", Scope("city"), ON)["complete"] == total["complete"]


def test_a_promotion_moves_the_share(city):
    world, _s3 = city
    before = selectors.post_structure_measure(Scope("school", school_id=world.s1.pk), ON)
    erji = Teacher.objects.filter(school=world.s1, titleappointments__title="erji").first()
    title(erji, "yiji", dt.date(2025, 9, 1))
    erji.titleappointments.filter(title="erji").update(ended_on=dt.date(2025, 8, 31))
    after = selectors.post_structure_measure(Scope("school", school_id=world.s1.pk), ON)
    assert after["complete"] == before["complete"] + 1 and after["teachers"] == before["teachers"]
    assert Decimal(str(after["ratio"])) > Decimal(str(before["ratio"]))


def test_the_dashboard_shows_the_share_against_the_scopes_own_target(client, city):
    world, s3 = city
    client.force_login(world.users.city)
    data = client.get("/workforce/dashboard/measures.json?scope=city&on=2025-12-31").json()
    part = data["post_structure"]
    expected = selectors.post_structure_measure(Scope("city"), ON)
    assert (part["complete"], part["teachers"], part["target_posts"]) == (
        expected["complete"], expected["teachers"], expected["target_posts"])
    assert part["target"] == pytest.approx(expected["target_posts"] / expected["teachers"])
    assert part["met"] == (expected["complete"] >= expected["target_posts"])
    page = client.get("/workforce/dashboard/city/?on=2025-12-31").content.decode()
    assert 'data-measure="post_structure"' in page and "中高级岗位教师占比" in page
