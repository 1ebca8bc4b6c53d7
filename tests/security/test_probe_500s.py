"""Requests the security probe (issue 12) answered with a 500: each now gets a message in Chinese
(or the admin's 400), never a server error."""
from __future__ import annotations

import re

import pytest

from backend.models import AuditEntry, User
from core.roles import Role
from tests.factories import valid_id
from tests.security.test_matrix import edit_data
from tests.training.helpers import log
from training.models import CreditRecord

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# ------------------------------------------------------------------ training queue
@pytest.mark.parametrize("ids", [["abc"], ["1", "x"], ["²"], ["9" * 40], [""]])
def test_bulk_approve_with_a_bad_record_number_is_a_message(client, world, ids):
    record = log(world.t1, world.users.teacher)
    client.force_login(world.users.school)
    response = client.post("/training/queue/", {"ids": ids + [str(record.pk)]}, follow=True)
    assert response.status_code == 200
    assert any("编号无效" in m for m in messages_of(response)), messages_of(response)
    record.refresh_from_db()
    assert record.status == CreditRecord.Status.PENDING  # nothing approved


# ------------------------------------------------------------------ admin: add a user
ADD = "/admin/backend/user/add/"


def new_user(**extra):
    return {"username": "new_officer", "usable_password": "true", "password1": "Zx9!kq2#Lm",
            "password2": "Zx9!kq2#Lm", "_save": "保存", **extra}


def test_the_add_user_form_asks_the_role_and_its_scope(client, world):
    client.force_login(world.users.city)
    body = client.get(ADD).content.decode()
    for name in ("role", "district", "school", "teacher"):
        assert f'name="{name}"' in body, name


@pytest.mark.parametrize("role, scope", [("school_hr", "school"), ("district_hr", "district"), ("teacher", "teacher"),
                                         ("leader", None), ("city_hr", None)])
def test_city_hr_adds_a_user_of_each_role(client, world, role, scope):
    values = {"school": world.s1.pk, "district": world.d1.pk, "teacher": world.t1b.pk}
    client.force_login(world.users.city)
    response = client.post(ADD, new_user(role=role, **({scope: values[scope]} if scope else {})))
    assert response.status_code == 302, messages_of(response) or response.content.decode()[:3000]
    user = User.objects.get(username="new_officer")
    assert user.role == role
    if scope:
        assert getattr(user, f"{scope}_id") == values[scope]
    assert AuditEntry.objects.filter(action="role_change", object_id=str(user.pk), username="city").exists()


@pytest.mark.parametrize("role, message", [("school_hr", "学校人事须指定所属学校"), ("district_hr", "区县人事须指定所属区县"),
                                           ("teacher", "教师账号须关联教师档案")])
def test_a_role_without_the_scope_it_needs_is_a_message_beside_the_field(client, world, role, message):
    client.force_login(world.users.city)
    response = client.post(ADD, new_user(role=role))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="new_officer").exists()


def test_changing_a_users_role_without_its_scope_is_a_message_too(client, world):
    client.force_login(world.users.city)
    target = world.users.leader
    page = client.get(f"/admin/backend/user/{target.pk}/change/")
    from tests.security.html import form_fields

    data = form_fields(page.content.decode(), "user_form")
    data.update(role="school_hr", school="", _save="保存")
    response = client.post(f"/admin/backend/user/{target.pk}/change/", data)
    assert response.status_code == 200 and "学校人事须指定所属学校" in response.content.decode()
    target.refresh_from_db()
    assert target.role == Role.LEADER


# ------------------------------------------------------------------ admin: a 身份证件号 in use
IN_USE = "该身份证件号已存在"


@pytest.mark.parametrize("role, teacher, holder", [
    ("school", "t1", "t1b"),      # held in another school of the district: out of the school's scope
    ("district", "t1", "t2"),     # held in another district
    ("district", "t1", "t1b"),    # held in the user's own scope
    ("city", "t1", "t2"),         # city HR with the identity right
])
def test_correcting_an_id_number_to_one_in_use_is_a_form_message(client, world, role, teacher, holder):
    user, teacher, holder = getattr(world.users, role), getattr(world, teacher), getattr(world, holder)
    old = teacher.id_number
    client.force_login(user)
    data = edit_data(client, world, teacher)
    data["new_id_number"] = holder.id_number
    response = client.post(f"/admin/workforce/teacher/{teacher.pk}/change/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert IN_USE in body
    # "already in use" and nothing more: not whose, not which school or district (the number
    # itself only in the field, as the user typed it)
    body = re.sub(r'<input[^>]*name="new_id_number"[^>]*>', "", body)
    assert holder.name not in body and holder.school.name not in body and holder.id_number not in body
    teacher.refresh_from_db()
    assert teacher.id_number == old
    row = AuditEntry.objects.get(action="denied", username=user.username)
    assert row.object_id == str(teacher.pk) and "已被使用" in row.message
    assert holder.id_number not in row.message  # masked in the trail


def test_the_answer_is_the_same_in_and_out_of_scope(client, world):
    client.force_login(world.users.district)

    def answer(number):
        data = edit_data(client, world, world.t1)
        data["new_id_number"] = number
        body = client.post(f"/admin/workforce/teacher/{world.t1.pk}/change/", data).content.decode()
        start = body.index(IN_USE)
        return body[start - 200:start + 200]

    assert answer(world.t1b.id_number) == answer(world.t2.id_number)


def test_a_free_number_is_still_corrected(client, world):
    client.force_login(world.users.district)
    data = edit_data(client, world, world.t1)
    data["new_id_number"] = fresh = valid_id()
    assert client.post(f"/admin/workforce/teacher/{world.t1.pk}/change/", data).status_code == 302
    world.t1.refresh_from_db()
    assert world.t1.id_number == fresh


def test_adding_a_teacher_with_a_number_in_use_is_a_form_message(client, world):
    client.force_login(world.users.district)
    page = client.get("/admin/workforce/teacher/add/")
    from tests.security.html import form_fields

    data = form_fields(page.content.decode(), "teacher_form")
    data.update(name="新教师", sex="1", id_number=world.t2.id_number, birth_date=world.t2.birth_date.isoformat(),
                school=world.s1.pk, teaching_stage=world.t1.teaching_stage, _save="保存")
    response = client.post("/admin/workforce/teacher/add/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert IN_USE in body and "王五" not in body and "灌南" not in body


# ------------------------------------------------------------------ admin: filters the database cannot run
@pytest.mark.parametrize("url", ["/admin/workforce/teacher/", "/admin/workforce/award/", "/admin/training/creditrecord/"])
@pytest.mark.parametrize("params", ["id__in=99999999999999999999999", "id__in=1,99999999999999999999999",
                                    "id__range=1,99999999999999999999999", "id__in=-99999999999999999999999"])
def test_a_number_too_large_for_the_database_is_a_400(client, world, url, params):
    client.force_login(world.users.city)
    assert client.get(f"{url}?{params}").status_code == 400


def test_ordinary_number_filters_still_work(client, world):
    client.force_login(world.users.city)
    body = client.get(f"/admin/workforce/teacher/?id__in={world.t1.pk},{world.t2.pk}").content.decode()
    assert "张三" in body and "王五" in body and "李四" not in body


# ------------------------------------------------------------------ workflow forms: numbers that are not numbers
@pytest.mark.parametrize("bad", ["abc", "²", "9" * 30])
def test_workflow_forms_answer_bad_numbers_with_a_message(client, world, bad):
    client.force_login(world.users.district)
    posts = [
        ("/workforce/rotation/record/", {"teacher": [str(world.t1.pk)], "exchange_type": bad, "to_school": bad,
                                         "start": "2025-09-01"}),
        (f"/workforce/rotation/record/{world.t1.pk}/", {"exchange_type": bad, "to_school": bad, "start": "2025-09-01"}),
        ("/workforce/honours/awards/new/", {"honour_type": bad, "teacher": bad, "school": bad, "nomination": bad,
                                            "awarded_on": "2025-03-01"}),
        ("/workforce/honours/nominate/gangcheng_mingshi/", {"teacher": bad}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code in (200, 302, 404), (url, response.status_code)
