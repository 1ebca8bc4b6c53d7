"""The honours nomination list searched and paginated, and awards made by picking the teacher from
a list (issue 14, item 6): by name, school or the last four characters of the 身份证件号 — never by
a full number or a prefix without the identity right, never by typing a number into the award form."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from backend.models import AuditEntry
from tests.factories import SchoolFactory, TeacherFactory
from workforce import services
from workforce import teacher_search as ts
from workforce import workflow_views
from workforce.models import Award, EthicsSeverity, HonourType, Teacher

pytestmark = pytest.mark.django_db

NOMINATE = "workforce:honours_nominate"


def mingshi():
    return HonourType.objects.get(code="gangcheng_mingshi")


def names(body: str) -> set[str]:
    """The teachers' names in the list's first column."""
    table = body.split("<tbody>")[1].split("</tbody>")[0]
    return set(re.findall(r"<tr><td>([^<]+)</td>", table))


def nominate(client, **params):
    return client.get(reverse(NOMINATE, args=["gangcheng_mingshi"]), params).content.decode()


def denied(user):
    return list(AuditEntry.objects.filter(action="denied", username=user.username).order_by("id"))


# ---------------------------------------------------------------- the search itself
def test_the_search_finds_by_name_school_and_the_last_four_characters(world):
    tail = TeacherFactory(school=world.s1, name="赵六")
    everyone = Teacher.objects.all()
    user = world.users.district  # no identity right

    def found(text):
        result = ts.search_teachers(everyone, text, user)
        assert not result.refused
        return {t.name for t in result.teachers}

    assert found("张") == {"张三"}
    assert found("海州第二") == {"李四"}
    assert found(world.s2.code) == {"王五"}  # a 学校标识码: ten digits, never an ID number
    assert found(tail.id_number[-4:]) == {"赵六"}
    assert found(f" {tail.id_number[-4:].lower()} ") == {"赵六"}
    assert found("") == {"张三", "李四", "王五", "赵六"}


def test_an_x_at_the_end_is_one_of_the_last_four(world):
    teacher = TeacherFactory(school=world.s1, name="带X的")
    Teacher.objects.filter(pk=teacher.pk).update(id_number=teacher.id_number[:-1] + "X")
    result = ts.search_teachers(Teacher.objects.all(), teacher.id_number[-4:-1] + "x", world.users.district)
    assert [t.name for t in result.teachers] == ["带X的"]


@pytest.mark.parametrize("fragment", [lambda n: n, lambda n: n[:6], lambda n: n[:14], lambda n: n[-5:], lambda n: n[4:12]])
def test_without_the_identity_right_no_full_number_nor_part_beyond_the_last_four(world, fragment):
    result = ts.search_teachers(Teacher.objects.all(), fragment(world.t1.id_number), world.users.district)
    assert result.refused and not result.teachers.exists()


def test_with_the_identity_right_the_whole_number_finds_and_a_prefix_does_not(world):
    city = world.users.city  # can_view_identity
    assert [t.name for t in ts.search_teachers(Teacher.objects.all(), world.t1.id_number, city).teachers] == ["张三"]
    assert not ts.search_teachers(Teacher.objects.all(), world.t1.id_number[:10], city).teachers.exists()


# ---------------------------------------------------------------- the nomination list
def test_the_nomination_list_is_searched_within_the_scope(world, client):
    client.force_login(world.users.district)  # 海州区: 张三 (s1), 李四 (s1b)
    assert names(nominate(client)) == {"张三", "李四"}
    assert names(nominate(client, q="李")) == {"李四"}
    assert names(nominate(client, q="海州实验")) == {"张三"}
    assert names(nominate(client, q=world.t1b.id_number[-4:])) == {"李四"}
    assert names(nominate(client, q="王五")) == set()  # another district's teacher
    assert names(nominate(client, q=world.t2.id_number[-4:])) == set()


def test_a_full_number_in_the_nomination_search_is_refused_and_recorded(world, client):
    client.force_login(world.users.district)
    body = nominate(client, q=world.t1.id_number)
    assert names(body) == set() and "身份证件号后4位" in body
    row = denied(world.users.district)[-1]
    assert "按身份证件号查找教师" in row.message and world.t1.id_number not in row.message
    assert world.t1.masked_id_number in row.message
    client.force_login(world.users.city)  # with the identity right the whole number finds the teacher
    assert names(nominate(client, q=world.t1.id_number)) == {"张三"}


def test_the_nomination_list_is_paginated_and_keeps_the_search(world, client, monkeypatch):
    monkeypatch.setattr(workflow_views, "PAGE_SIZE", 5)
    school = SchoolFactory(district=world.d1, name="海州分页学校")
    for i in range(12):
        TeacherFactory(school=school, name=f"分页{i:02d}")
    client.force_login(world.users.district)
    first = nominate(client, q="分页")
    assert len(names(first)) == 5 and "第 1 / 3 页" in first
    assert "q=%E5%88%86%E9%A1%B5&amp;page=2" in first  # the next page keeps the search
    third = nominate(client, q="分页", page=3)
    assert names(third) == {"分页10", "分页11"}


def test_the_nomination_page_costs_the_same_queries_for_many_teachers(world, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users.district)
    with CaptureQueriesContext(connection) as few:
        nominate(client, q="海州")
    for i in range(30):
        TeacherFactory(school=world.s1, name=f"海州{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(names(nominate(client, q="海州"))) > 20


# ---------------------------------------------------------------- awards by picking the teacher
def test_a_candidate_is_awarded_from_the_list(world, client):
    client.force_login(world.users.district)
    body = nominate(client, q="张三")
    link = re.search(r'data-test="award" href="([^"]+)"', body).group(1).replace("&amp;", "&")
    assert f"teacher={world.t1.pk}" in link and "type=gangcheng_mingshi" in link
    form = client.get(link).content.decode()
    assert 'data-test="picked">张三<' in form and 'data-test="pick"' not in form
    response = client.post(reverse("workforce:award_new"), {
        "honour_type": mingshi().pk, "teacher": world.t1.pk, "awarded_on": "2025-03-01"})
    assert response.status_code == 302 and Award.objects.get().teacher == world.t1


def test_the_award_form_picks_from_a_searched_list_and_has_no_number_field(world, client):
    client.force_login(world.users.district)
    form = client.get(reverse("workforce:award_new"), {"type": "gangcheng_mingshi", "q": world.t1b.id_number[-4:]})
    body = form.content.decode()
    assert not re.search(r'<input(?![^>]*type="hidden")[^>]*name="teacher"', body)  # nothing to type a number into
    links = re.findall(r'data-test="pick" href="([^"]+)"', body)
    assert len(links) == 1 and f"teacher={world.t1b.pk}" in links[0] and "type=gangcheng_mingshi" in links[0]
    picked = client.get(reverse("workforce:award_new") + links[0].replace("&amp;", "&")).content.decode()
    assert 'data-test="picked">李四<' in picked and f'name="teacher" value="{world.t1b.pk}"' in picked


def test_a_teacher_under_an_ethics_ban_has_no_award_button(world, client):
    officer = world.users.city
    officer.can_view_ethics = True
    officer.save()
    services.ethics_case_record(teacher=world.t1, severity=EthicsSeverity.objects.get(name="记过"),
                                occurred_on=dt.date.today() - dt.timedelta(days=40),
                                decided_on=dt.date.today() - dt.timedelta(days=10), user=officer)
    client.force_login(world.users.district)
    body = nominate(client, q="张三")
    assert "一票否决" in body and 'data-test="award"' not in body
    form = client.get(reverse("workforce:award_new"), {"q": "张三"}).content.decode()
    assert "一票否决" in form and 'data-test="pick"' not in form


def test_the_award_list_to_pick_from_is_paginated_and_cut_to_the_scope(world, client, monkeypatch):
    monkeypatch.setattr(workflow_views, "PICK_PAGE_SIZE", 2)
    client.force_login(world.users.district)  # 海州区: 张三, 李四 and two more
    TeacherFactory(school=world.s1, name="张小")
    TeacherFactory(school=world.s1b, name="张大")
    body = client.get(reverse("workforce:award_new")).content.decode()
    assert "第 1 / 2 页" in body and "王五" not in body
    second = client.get(reverse("workforce:award_new"), {"page": 2}).content.decode()
    assert names(body) | names(second) == {"张三", "李四", "张小", "张大"} and not names(body) & names(second)
    client.force_login(world.users.school)  # school HR awards nothing
    assert client.get(reverse("workforce:award_new")).status_code == 403


def test_readers_get_no_award_buttons(world, client):
    client.force_login(world.users.leader)
    body = nominate(client)
    assert names(body) == {"张三", "李四", "王五"} and 'data-test="award"' not in body
    assert client.get(reverse("workforce:award_new")).status_code == 403
