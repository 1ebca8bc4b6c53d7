"""The careers pages: who may open them, scope, and query counts that do not grow with rows."""
import datetime as dt

import pytest

from careers import services
from careers.models import Assessment, PromotionNomination
from tests.careers.helpers import eligible_teacher, open_round, results, shares, title
from tests.factories import SchoolFactory, TeacherFactory

pytestmark = pytest.mark.django_db
PAGES = ["/careers/", "/careers/assessments/", "/careers/rounds/", "/careers/posts/"]


@pytest.mark.parametrize("role, expected", [
    ("city", 200), ("district", 200), ("school", 200), ("leader", 200), ("district_leader", 200), ("teacher", 403),
])
def test_who_opens_the_pages(client, world, role, expected):
    client.force_login(getattr(world.users, role))
    for url in PAGES:
        response = client.get(url, follow=True)
        assert response.status_code == expected, url


def test_pages_are_cut_to_the_scope(client, world):
    services.assessment_record(teacher=world.t2, year=2024, result="pass", user=world.users.city)
    client.force_login(world.users.school)
    page = client.get("/careers/assessments/?year=2024").content.decode()
    assert "张三" in page and "王五" not in page
    posts = client.get("/careers/posts/").content.decode()
    assert "海州实验小学" in posts and "灌南实验小学" not in posts


def test_leaders_read_but_do_not_write(client, world):
    client.force_login(world.users.leader)
    assert client.post("/careers/assessments/?year=2024", {f"result_{world.t1.pk}": "pass"}).status_code == 403
    assert client.post("/careers/rounds/", {"year": 2025, "series": "school", "levels": ["gaoji"]}).status_code == 403
    assert not Assessment.objects.exists()


def _grow(world, n):
    for i in range(n):
        t = TeacherFactory(school=world.s1)
        title(t, "erji" if i % 2 else "yiji", dt.date(2016, 9, 1))
        results(t, {2024: "pass"})
        SchoolFactory(district=world.d1)


@pytest.mark.parametrize("url", ["/careers/assessments/?year=2024", "/careers/posts/"])
def test_list_queries_do_not_grow_with_rows(client, world, url, django_assert_max_num_queries):
    client.force_login(world.users.city)
    _grow(world, 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow(world, 25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_round_pages_queries_do_not_grow_and_show_the_checks(client, world, django_assert_max_num_queries):
    shares(world.s1, senior="50", middle="40")
    rnd = open_round(world.users.city)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = eligible_teacher(world.s1, name="先推荐")
    services.nominate(rnd=rnd, teacher=first, user=world.users.city)
    client.force_login(world.users.district)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as seen:
            assert client.get(f"/careers/rounds/{rnd.pk}/").status_code == 200
            assert client.get(f"/careers/rounds/{rnd.pk}/candidates/").status_code == 200
        counts.append(len(seen.captured_queries))
        for i in range(8):
            t = eligible_teacher(world.s1, name=f"候选{len(counts)}{i}")
            services.nominate(rnd=rnd, teacher=t, user=world.users.city) if i % 2 else None
    assert counts[1] <= counts[0]
    page = client.get(f"/careers/rounds/{rnd.pk}/").content.decode()
    assert "任现职年限" in page and PromotionNomination.objects.filter(round=rnd).count() == 9


def test_the_candidates_page_names_the_failed_check_and_nominates_the_eligible(client, world):
    shares(world.s1, senior="50", middle="40")
    rnd = open_round(world.users.city)
    ok = eligible_teacher(world.s1, name="条件齐全")
    short = eligible_teacher(world.s1, name="年限不足")
    short.titleappointments.update(appointed_on=dt.date(2022, 9, 1))
    client.force_login(world.users.school)
    page = client.get(f"/careers/rounds/{rnd.pk}/candidates/").content.decode()
    row = page[page.index('data-teacher="年限不足"'):]
    row = row[:row.index("</tr>")]
    assert "✗ 任现职年限" in row and "满 5 年" in row
    response = client.post(f"/careers/rounds/{rnd.pk}/candidates/", {"teacher": short.pk, "title": "gaoji"}, follow=True)
    assert "不符合申报条件" in response.content.decode() and "任现职年限" in response.content.decode()
    client.post(f"/careers/rounds/{rnd.pk}/candidates/", {"teacher": ok.pk, "title": "gaoji"})
    assert list(PromotionNomination.objects.values_list("teacher__name", flat=True)) == ["条件齐全"]
    # a teacher of another school is out of scope (404)
    assert client.post(f"/careers/rounds/{rnd.pk}/candidates/", {"teacher": world.t2.pk}).status_code == 404
