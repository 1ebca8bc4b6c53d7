"""Masked fields are not a way round the mask (issue 12): a row of the access matrix per role
without the identity right, a column per way an admin list could be asked about a teacher's
身份证件号 or 出生日期 — filter, related filter, search, sort. Without the right every lookup
on a masked field is the admin's 400 (recorded as a refusal), a search finds nobody by the number,
and sorting by the masked column does nothing. With the right (city HR, district HR holding it)
the teacher admin filters, searches and sorts by them.

Roles as in ``test_matrix`` (``district_id``: district HR with the right), plus ``city_noid``:
city HR without the right.
"""
from __future__ import annotations

import re

import pytest

from backend.models import AuditEntry
from core.roles import Role
from tests.factories import TeacherFactory, UserFactory
from tests.security.test_matrix import user_for

pytestmark = pytest.mark.django_db

WITHOUT = ["city_noid", "district", "school", "teacher", "leader", "district_leader"]
WITH = ["city", "district_id"]

TEACHERS = "/admin/workforce/teacher/"
# name → (admin list, query) with {id}: the own teacher's full number, {head}: its first 10
# characters (region and birth year: the masked column shows the first 6), {birth}: the birth date.
LOOKUPS = {
    "id_exact": (TEACHERS, "id_number={id}"),
    "id_exact_lookup": (TEACHERS, "id_number__exact={id}"),
    "id_prefix": (TEACHERS, "id_number__startswith={head}"),
    "id_contains": (TEACHERS, "id_number__contains=19850615"),
    "id_in": (TEACHERS, "id_number__in={id},x"),
    "id_range": (TEACHERS, "id_number__gte={head}"),
    "birth_gte": (TEACHERS, "birth_date__gte=1985-06-01"),
    "birth_exact": (TEACHERS, "birth_date={birth}"),
    "birth_month": (TEACHERS, "birth_date__month=6"),
    "birth_year": (TEACHERS, "birth_date__year=1985"),
    "birth_isnull": (TEACHERS, "birth_date__isnull=False"),
    "award_teacher_id": ("/admin/workforce/award/", "teacher__id_number={id}"),
    "exchange_teacher_birth": ("/admin/workforce/exchange/", "teacher__birth_date__gte=1985-01-01"),
    "education_teacher_id": ("/admin/workforce/educationrecord/", "teacher__id_number__startswith={head}"),
    "credit_teacher_birth": ("/admin/training/creditrecord/", "teacher__birth_date__lt=1990-01-01"),
    "school_teachers_id": ("/admin/workforce/school/", "teachers__id_number={id}"),
    "user_teacher_id": ("/admin/backend/user/", "teacher__id_number={id}"),
    "import_report": ("/admin/imports/importrun/", "report__icontains={head}"),
}
# Which roles may open which list at all (403 otherwise, audited by the matrix of test_matrix).
OPENS = {
    "/admin/workforce/award/": {"city", "city_noid", "district", "district_id", "school", "leader", "district_leader"},
    "/admin/workforce/exchange/": {"city", "city_noid", "district", "district_id", "school", "leader", "district_leader"},
    "/admin/workforce/educationrecord/": {"city", "city_noid", "district", "district_id", "school", "leader",
                                          "district_leader"},
    "/admin/workforce/school/": {"city", "city_noid", "district", "district_id", "school", "leader", "district_leader"},
    "/admin/training/creditrecord/": set(WITH + WITHOUT),
    "/admin/backend/user/": {"city", "city_noid"},
    "/admin/imports/importrun/": {"city", "city_noid", "district", "district_id", "school", "leader",
                                  "district_leader"},
}


def role_user(world, role):
    if role == "city_noid":
        return UserFactory(username="city_noid", role=Role.CITY_HR, can_view_identity=False)
    return user_for(world, role)


def own_teacher(world, role):
    return world.t1b if role in ("district", "district_id") else world.t1


def query(world, role, name):
    url, template = LOOKUPS[name]
    teacher = own_teacher(world, role)
    return url, template.format(id=teacher.id_number, head=teacher.id_number[:10], birth=teacher.birth_date)


CELLS = [(role, name) for role in WITHOUT for name in LOOKUPS]


@pytest.mark.parametrize("role, name", CELLS, ids=[f"{r}-{n}" for r, n in CELLS])
def test_no_lookup_on_a_masked_field_without_the_right(client, world, role, name):
    user = role_user(world, role)
    client.force_login(user)
    url, params = query(world, role, name)
    response = client.get(f"{url}?{params}")
    if url != TEACHERS and role not in OPENS[url]:
        assert response.status_code == 403
        return
    assert response.status_code == 400, response.content.decode()[:300]
    body = response.content.decode()
    assert "Traceback" not in body and own_teacher(world, role).id_number not in body
    row = AuditEntry.objects.get(action="denied", username=user.username)
    assert url in row.message and "遮蔽字段" in row.message


@pytest.mark.parametrize("role", WITHOUT)
def test_a_refused_lookup_is_a_400_page_not_a_debug_page_even_with_debug_on(client, world, role, settings):
    settings.DEBUG = True
    client.force_login(role_user(world, role))
    teacher = own_teacher(world, role)
    response = client.get(f"{TEACHERS}?birth_date__gte=1985-06-01")
    assert response.status_code == 400
    assert teacher.id_number not in response.content.decode()


@pytest.mark.parametrize("role", WITHOUT)
def test_search_finds_nobody_by_the_full_number_or_its_head_without_the_right(client, world, role):
    client.force_login(role_user(world, role))
    teacher = own_teacher(world, role)
    for term in (teacher.id_number, teacher.id_number[:10], teacher.id_number[:17]):
        response = client.get(TEACHERS, {"q": term})
        assert response.status_code == 200
        assert teacher.name not in response.content.decode(), term
    # the name still finds the teacher (the list works)
    assert teacher.name in client.get(TEACHERS, {"q": teacher.name}).content.decode()


def _two_teachers_sorted_against_their_numbers(world):
    """In t1's school: 乙 (first by name) born later — a larger number — than 甲 (second by name)."""
    import datetime as dt

    late = TeacherFactory(school=world.s1, name="乙排序", birth_date=dt.date(1990, 1, 1))
    early = TeacherFactory(school=world.s1, name="甲排序", birth_date=dt.date(1970, 1, 1))
    return late, early


def _order(client, o):
    """(甲, 乙 in the order the list shows them, the list's column names, sortable ones)."""
    body = client.get(TEACHERS, {"o": o} if o is not None else {}).content.decode()
    names = [n for n in re.findall(r"甲排序|乙排序", body)]
    classes = re.findall(r'<th scope="col" class="([^"]*)"', body)  # the action checkbox is a column too
    columns = [(re.search(r"\bcolumn-([a-z_]+)", c) or re.search(r"(action-checkbox)", c))[1] for c in classes]
    sortable = [name for name, c in zip(columns, classes) if "sortable" in c.split()]
    return names[:1] + [n for n in names if n != names[0]][:1], columns, sortable


@pytest.mark.parametrize("role", ["city_noid", "school", "leader", "district_leader"])
def test_the_masked_column_does_not_sort_without_the_right(client, world, role):
    _two_teachers_sorted_against_their_numbers(world)
    client.force_login(role_user(world, role))
    _, columns, sortable = _order(client, None)
    assert "id_display" in columns and "id_display" not in sortable  # shown masked, no sorting offered
    idx = str(columns.index("id_display"))
    up, down = _order(client, idx)[0], _order(client, "-" + idx)[0]
    assert up == down  # ``?o=`` on the masked column sorts by nothing


def test_with_the_right_the_teacher_admin_filters_searches_and_sorts_by_the_number(client, world):
    _two_teachers_sorted_against_their_numbers(world)
    for role in WITH:
        client.force_login(user_for(world, role))
        teacher = own_teacher(world, role)
        assert teacher.name in client.get(f"{TEACHERS}?id_number={teacher.id_number}").content.decode()
        assert client.get(f"{TEACHERS}?birth_date__gte=1985-06-01").status_code == 200
        assert teacher.name in client.get(TEACHERS, {"q": teacher.id_number}).content.decode()
    client.force_login(world.users.city)
    _, columns, sortable = _order(client, None)
    assert "id_display" in sortable
    idx = str(columns.index("id_display"))
    assert _order(client, idx)[0] == ["甲排序", "乙排序"]  # 1970 before 1990: sorted by the number
    assert _order(client, "-" + idx)[0] == ["乙排序", "甲排序"]


@pytest.mark.parametrize("role", WITH + WITHOUT)
def test_regex_lookups_are_refused_for_everyone(client, world, role):
    client.force_login(role_user(world, role))
    for params in ("id_number__regex=(", "name__regex=(", "name__iregex=[", "school__name__regex=("):
        response = client.get(f"{TEACHERS}?{params}")
        assert response.status_code == 400, params
