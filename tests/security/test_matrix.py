"""Access as a matrix: role × action × own / other scope, every cell asserted.

Rows: the province's HR, city HR, district HR (without and with the identity right), school HR, teacher, city
leader, district leader. Actions: list, view, edit, history (admin teacher pages), export (the
dashboard workbook), audit (the audit search), reveal (a full 身份证件号). Own = a teacher or
scope the user holds; other = one outside it (for city-wide users: another district, still theirs).
Out of scope answers 404 like a record that does not exist (the dashboard, which names scopes
rather than records, answers 403). Backup and restore are command-line only (no URL).

The rows are also read from the rights table (issue 17): ``expected_from_table`` gives a role's row
from its rows of ``RoleCapability`` and its scope; for today's roles it must give the row written
here, and every role in the table — one added by a migration too — is checked cell by cell
(``test_every_role_of_the_rights_table``) without new test code."""
import pytest

from backend.models import AuditEntry, RoleCapability
from backend.scoping import scope_for
from core.capabilities import Capability as C
from core.roles import Role
from tests.factories import UserFactory
from tests.security.html import form_fields

pytestmark = pytest.mark.django_db

# role → (own teacher, other teacher, own dashboard scope, other dashboard scope)
SUBJECTS = {
    "city": ("t1", "t2", "district:海州区", "district:灌南县"),
    "province": ("t1", "t2", "district:海州区", "district:灌南县"),
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
    # the province's HR (issue 18) in a single-city installation: reads everything, changes no record
    "province": {"list": 200, "view": (200, 200), "edit": (403, 403), "history": (200, 200),
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
    if role == "province":
        return UserFactory(username="province", role=Role.PROVINCE_HR, can_view_identity=True)
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
    visible = {"city": "张三 李四 王五", "province": "张三 李四 王五", "district": "张三 李四", "district_id": "张三 李四", "school": "张三",
               "teacher": "张三", "leader": "张三 李四 王五", "district_leader": "张三 李四"}[role].split()
    assert_cell(client, world, user, action, expected, teacher, cell_scope, visible)


def assert_cell(client, world, user, action, expected, teacher, cell_scope, visible):
    """Ask the one cell as ``user`` (logged in) and check the answer and what it left behind."""
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
    elif action in PAGES:  # pages of the other apps (their full matrix: test_matrix_apps)
        response = client.get(PAGES[action])
    else:  # pragma: no cover
        raise AssertionError(action)

    assert response.status_code == expected, response.content.decode()[:500]

    teacher.refresh_from_db()
    if action == "edit":
        assert (teacher.remarks == "矩阵测试修改") == (expected == 302)
        if expected == 302:
            row = AuditEntry.objects.get(action="update", object_type="workforce.teacher", object_id=str(teacher.pk),
                                         username=user.username)
            assert row.username == user.username and row.ip == "127.0.0.1"
            assert row.changes["remarks"]["new"] == "矩阵测试修改"
    if action == "reveal":
        body = response.content.decode()
        assert (teacher.id_number in body) == (expected == 200)
        assert AuditEntry.objects.filter(action="reveal", username=user.username).exists() == (expected == 200)
    if action == "list" and expected == 200:
        body = response.content.decode()
        for name in ("张三", "李四", "王五"):
            assert (name in body) == (name in visible), name
    if expected == 403:
        assert AuditEntry.objects.filter(action="denied", username=user.username).exists()


# ---------------------------------------------------------------- the rows, read from the rights table
# own and other by the scope a user works at (as SUBJECTS), and who the teacher list shows
SUBJECTS_BY_SCOPE = {
    "city": SUBJECTS["city"], "district": SUBJECTS["district"], "school": SUBJECTS["school"],
    "self": SUBJECTS["teacher"], "none": SUBJECTS["school"],
}
VISIBLE_BY_SCOPE = {"city": ["张三", "李四", "王五"], "district": ["张三", "李四"], "school": ["张三"],
                    "self": ["张三"], "none": []}
DASHBOARD_SCOPES = {"city", "district", "school"}  # a teacher has no dashboard
# Pages of the other apps in the rows read from the table (as test_matrix_apps' training_queue and
# training_report): the approval queue and the training report.
PAGES = {"approve": "/training/queue/", "training_report": "/training/report/"}


def table_rights(role: str) -> set[str]:
    return set(RoleCapability.objects.filter(role=role).values_list("capability", flat=True))


def expected_from_table(user) -> dict:
    """The row of the matrix for ``user``, from their role's rows in the rights table, the
    account's identity right and their scope: the teacher pages of the admin follow
    ``profile.view`` (reading) and ``records.edit`` (changing), the audit search ``audit.view``,
    the reveal ``identity.reveal`` with the account's right; the dashboard workbook follows the
    scope alone. Out of scope: 404 (the dashboard: 403)."""
    rights = table_rights(user.role)
    kind = scope_for(user).kind
    city = kind == "city"
    writes = C.RECORDS_EDIT in rights
    reads = C.PROFILE_VIEW in rights or writes

    def record(allowed: int) -> tuple[int, int]:
        """(own, other): ``allowed`` where the record is in scope, 404 where it is not."""
        return (allowed if kind != "none" else 404), (allowed if city else 404)

    reveals = C.IDENTITY_REVEAL in rights and user.can_view_identity
    export = 200 if kind in DASHBOARD_SCOPES else 403
    return {
        "list": 200 if reads else 403,
        "view": record(200 if reads else 403),
        "edit": record(302 if writes else 403),
        "history": record(200 if reads else 403),
        "export": (export, 200 if city else 403),
        "audit": 200 if C.AUDIT_VIEW in rights else 403,
        "reveal": record(200) if reveals else (403, 403),
        "approve": 200 if C.TRAINING_APPROVE in rights else 403,
        "training_report": 200 if C.TRAINING_REPORT in rights and kind != "none" else 403,
    }


def table_user(world, role: str):
    """An account of ``role`` assigned where its narrowest level of scope asks (own school s1,
    own district 海州区, own record 张三; none: the city), with the identity right (so the role's
    rows decide)."""
    rights = table_rights(role)
    if C.SCOPE_SELF in rights:
        user = world.users.teacher  # 张三's account, given the role
        user.role, user.can_view_identity = role, True
        user.save()
        return user
    fields = ({"school": world.s1} if C.SCOPE_SCHOOL in rights else
              {"district": world.d1} if C.SCOPE_DISTRICT in rights else {})
    return UserFactory(username=f"table_{role}", role=role, can_view_identity=True, **fields)


def roles_in_table() -> list[str]:
    return sorted(set(RoleCapability.objects.values_list("role", flat=True)))


def assert_row_of_the_table(client, world, role: str, action: str, side: str) -> None:
    """One cell of ``role``'s row, expected as the rights table says."""
    user = table_user(world, role)
    kind = scope_for(user).kind
    expected, teacher, cell_scope = cell(world, {role: expected_from_table(user)},
                                         {role: SUBJECTS_BY_SCOPE[kind]}, role, action, side)
    teacher.__class__.objects.filter(pk=teacher.pk).update(remarks="")
    client.force_login(user)
    assert_cell(client, world, user, action, expected, teacher, cell_scope, VISIBLE_BY_SCOPE[kind])


TABLE_CELLS = sorted({(action, side) for _role, action, side in CELLS} | {(page, "-") for page in PAGES})


def test_the_rights_table_gives_the_written_matrix(world):
    """Today's roles: the row the table gives is the row written above, cell for cell."""
    for key in EXPECTED:
        row = expected_from_table(user_for(world, key))
        assert {action: row[action] for action in EXPECTED[key]} == EXPECTED[key], key


@pytest.mark.parametrize("action, side", TABLE_CELLS, ids=[f"{a}-{s}" for a, s in TABLE_CELLS])
def test_every_role_of_the_rights_table(client, world, action, side):
    """Every role with rows in the table (a new one too), in this cell: as the table says."""
    roles = roles_in_table()
    assert set(Role.values) <= set(roles)
    for role in roles:
        assert_row_of_the_table(client, world, role, action, side)


def test_a_teacher_moved_to_another_school_changes_who_sees_them(client, world):
    client.force_login(world.users.school)
    url = f"/admin/workforce/teacher/{world.t1.pk}/change/"
    assert client.get(url).status_code == 200
    world.t1.school = world.s2
    world.t1.save()
    assert client.get(url).status_code == 404
    client.force_login(world.users.district2)
    assert client.get(url).status_code == 200
