"""Access as a matrix: role × action × own / other scope, every cell asserted.

Rows: city HR, district HR (without and with the identity right), school HR, teacher, city
leader, district leader. Actions: list, view, edit, history (admin teacher pages), export (the
dashboard workbook), audit (the audit search), reveal (a full 身份证件号). Own = a teacher or
scope the user holds; other = one outside it (for city-wide users: another district, still theirs).
Out of scope answers 404 like a record that does not exist (the dashboard, which names scopes
rather than records, answers 403). Backup and restore are command-line only (no URL)."""
import pytest

from backend.models import AuditEntry
from core.roles import Role
from tests.factories import UserFactory
from tests.security.html import form_fields

pytestmark = pytest.mark.django_db

# role → (own teacher, other teacher, own dashboard scope, other dashboard scope)
SUBJECTS = {
    "city": ("t1", "t2", "district:海州区", "district:灌南县"),
    "district": ("t1b", "t2", "district:海州区", "district:灌南县"),
    "district_id": ("t1b", "t2", "district:海州区", "district:灌南县"),
    "school": ("t1", "t1b", "school:s1", "school:s1b"),
    "teacher": ("t1", "t1b", "school:s1", "school:s1b"),
    "leader": ("t1", "t2", "district:海州区", "district:灌南县"),
    "district_leader": ("t1", "t2", "district:海州区", "district:灌南县"),
}
HR_SCOPE = {"list": 200, "view": (200, 404), "edit": (302, 404), "history": (200, 404),
            "export": (200, 403), "audit": 403, "reveal": (403, 403)}
EXPECTED = {
    "city": {"list": 200, "view": (200, 200), "edit": (302, 302), "history": (200, 200),
             "export": (200, 200), "audit": 200, "reveal": (200, 200)},
    "district": HR_SCOPE,
    "district_id": {**HR_SCOPE, "reveal": (200, 404)},
    "school": HR_SCOPE,
    "teacher": {"list": 200, "view": (200, 404), "edit": (403, 404), "history": (200, 404),
                "export": (403, 403), "audit": 403, "reveal": (403, 403)},
    "leader": {"list": 200, "view": (200, 200), "edit": (403, 403), "history": (200, 200),
               "export": (200, 200), "audit": 403, "reveal": (403, 403)},
    "district_leader": {"list": 200, "view": (200, 404), "edit": (403, 404), "history": (200, 404),
                        "export": (200, 403), "audit": 403, "reveal": (403, 403)},
}
def cells_of(expected: dict) -> list[tuple[str, str, str]]:
    """(role, action, side) for every cell of a table; a tuple means (own scope, other scope)."""
    return [(role, action, side) for role in expected for action in expected[role]
            for side in (("own", "other") if isinstance(expected[role][action], tuple) else ("-",))]


def cell(world, expected: dict, subjects: dict, role: str, action: str, side: str):
    """The expected status of one cell, and the teacher and scope it is about."""
    status = expected[role][action]
    if side != "-":
        status = status[0] if side == "own" else status[1]
    own, other, own_scope, other_scope = subjects[role][:4]
    teacher = getattr(world, own if side != "other" else other)
    return status, teacher, own_scope if side != "other" else other_scope


CELLS = cells_of(EXPECTED)


def user_for(world, role):
    if role == "district_id":
        return UserFactory(username="district_id", role=Role.DISTRICT_HR, district=world.d1, can_view_identity=True)
    return getattr(world.users, role)


def dashboard_scope(world, text):
    kind, _, key = text.partition(":")
    return f"school:{getattr(world, key).code}" if kind == "school" else text


def edit_data(client, world, teacher):
    """What the user's own change form would post (fields they may see), with one change."""
    page = client.get(f"/admin/workforce/teacher/{teacher.pk}/change/")
    data = form_fields(page.content.decode(), "teacher_form") if page.status_code == 200 else {}
    if "name" not in data:  # view-only or no access: post what an editor would
        from django.test import Client

        editor = Client()
        editor.force_login(world.users.city)
        data = form_fields(editor.get(f"/admin/workforce/teacher/{teacher.pk}/change/").content.decode(), "teacher_form")
    data["remarks"] = "矩阵测试修改"
    data["_save"] = "保存"
    return data


@pytest.mark.parametrize("role, action, side", CELLS, ids=[f"{r}-{a}-{s}" for r, a, s in CELLS])
def test_access_cell(client, world, role, action, side):
    user = user_for(world, role)
    client.force_login(user)
    expected, teacher, cell_scope = cell(world, EXPECTED, SUBJECTS, role, action, side)

    if action == "list":
        response = client.get("/admin/workforce/teacher/")
    elif action == "view":
        response = client.get(f"/admin/workforce/teacher/{teacher.pk}/change/")
    elif action == "history":
        response = client.get(f"/admin/workforce/teacher/{teacher.pk}/history/")
    elif action == "edit":
        data = edit_data(client, world, teacher)
        response = client.post(f"/admin/workforce/teacher/{teacher.pk}/change/", data)
    elif action == "export":
        scope = dashboard_scope(world, cell_scope)
        response = client.get("/workforce/dashboard/export.xlsx", {"scope": scope})
    elif action == "audit":
        response = client.get("/accounts/audit/")
    elif action == "reveal":
        response = client.post(f"/accounts/reveal/{teacher.pk}/", {"reason": "核对社保登记信息"})
    else:  # pragma: no cover
        raise AssertionError(action)

    assert response.status_code == expected, response.content.decode()[:500]

    teacher.refresh_from_db()
    if action == "edit":
        assert (teacher.remarks == "矩阵测试修改") == (expected == 302)
        if expected == 302:
            row = AuditEntry.objects.get(action="update", object_type="workforce.teacher", object_id=str(teacher.pk))
            assert row.username == user.username and row.ip == "127.0.0.1"
            assert row.changes["remarks"]["new"] == "矩阵测试修改"
    if action == "reveal":
        body = response.content.decode()
        assert (teacher.id_number in body) == (expected == 200)
        assert AuditEntry.objects.filter(action="reveal").exists() == (expected == 200)
    if action == "list" and expected == 200:
        body = response.content.decode()
        visible = {"city": "张三 李四 王五", "district": "张三 李四", "district_id": "张三 李四", "school": "张三",
                   "teacher": "张三", "leader": "张三 李四 王五", "district_leader": "张三 李四"}[role].split()
        for name in ("张三", "李四", "王五"):
            assert (name in body) == (name in visible), name
    if expected == 403:
        assert AuditEntry.objects.filter(action="denied", username=user.username).exists()


def test_a_teacher_moved_to_another_school_changes_who_sees_them(client, world):
    client.force_login(world.users.school)
    url = f"/admin/workforce/teacher/{world.t1.pk}/change/"
    assert client.get(url).status_code == 200
    world.t1.school = world.s2
    world.t1.save()
    assert client.get(url).status_code == 404
    client.force_login(world.users.district2)
    assert client.get(url).status_code == 200
