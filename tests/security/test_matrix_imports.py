"""The import column of the access matrix: role × import action × own / other scope.

Same rows as ``test_matrix``: city HR, district HR (without and with the identity right), school
HR, teacher, city leader, district leader. Actions, one per way into the import pipeline:

- ``page``: GET /imports/ (upload form); ``template``: GET /imports/templates/teachers.xlsx;
- ``upload``: POST a real .xlsx roster to /imports/ (preview), then confirm it. Own = new teachers
  of a school the user holds; other = new teachers of a school outside it plus that school's
  existing teacher. ``302`` = previewed and, once confirmed, written; ``"refused"`` = 302 to a run
  where every row is refused with the scope message and nothing is written;
- ``run`` / ``progress`` / ``errors``: GET /imports/runs/<id>/, progress.json, errors.xlsx; own =
  a run the user uploaded, other = a run another officer uploaded;
- ``confirm``: POST /imports/runs/<id>/confirm/ on a previewed run (own / another officer's);
- ``admin_list`` / ``admin_run``: the ImportRun admin changelist and a run's page in it;
- ``admin_upload``: the admin's upload (no dry run), own / other roster as for ``upload``;
- ``cli``: ``manage.py import_roster FILE --user <username>``; the exit status (0 written, 1
  refused: rows out of scope, or a user who may not import).

Another officer's run answers 404, like a run that does not exist. Runs of users who may not import (teacher, leaders) are runs they uploaded while they were HR
(their role changed since): the pages stay closed to them (403).
"""
from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from backend.models import AuditEntry
from core.roles import Role
from imports.models import ImportRun
from tests.security.test_matrix import cells_of, user_for
from tests.imports.helpers import ROSTER_HEADERS, roster, roster_row
from workforce.models import Teacher

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCOPE_MESSAGE = "不在您的管理范围内"
ROLES = ["city", "district", "district_id", "school", "teacher", "leader", "district_leader"]

# role → (own school, other school, the officer whose run is "other", the other school's teacher)
SUBJECTS = {
    "city": ("s1", "s2", "district", "t2"),
    "district": ("s1b", "s2", "school", "t2"),  # another officer of its own district: still not its run
    "district_id": ("s1b", "s2", "district", "t2"),
    "school": ("s1", "s1b", "district", "t1b"),
    "teacher": ("s1", "s1b", "school", "t1b"),
    "leader": ("s1", "s2", "district", "t2"),
    "district_leader": ("s1", "s2", "district", "t2"),
}
HR = {"page": 200, "template": 200, "upload": (302, "refused"), "run": (200, 404), "progress": (200, 404),
      "errors": (200, 404), "confirm": (302, 404), "admin_list": 200, "admin_run": (200, 404),
      "admin_upload": (302, "refused"), "cli": (0, 1)}
NOT_IMPORTER = {"page": 403, "template": 403, "upload": (403, 403), "run": (403, 403), "progress": (403, 403),
                "errors": (403, 403), "confirm": (403, 403), "admin_upload": (403, 403), "cli": (1, 1)}
EXPECTED = {
    # city HR: every school is its own, and it oversees every officer's run (as the admin shows them)
    "city": {**HR, "upload": (302, 302), "admin_upload": (302, 302), "cli": (0, 0), "run": (200, 200),
             "progress": (200, 200), "errors": (200, 200), "admin_run": (200, 200)},
    "district": HR,
    "district_id": HR,
    "school": HR,
    "teacher": {**NOT_IMPORTER, "admin_list": 403, "admin_run": (403, 404)},
    # leaders read the admin's run list: a city leader every run, a district leader its own only
    "leader": {**NOT_IMPORTER, "admin_list": 200, "admin_run": (200, 200)},
    "district_leader": {**NOT_IMPORTER, "admin_list": 200, "admin_run": (200, 404)},
}
# Cells where the code answers otherwise today (reported to the lead; imports/* is another engineer's).
KNOWN_BUGS: dict = {}
CELLS = cells_of(EXPECTED)


def _param(role, action, side):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[(role, action, side)])] \
        if (role, action, side) in KNOWN_BUGS else []
    return pytest.param(role, action, side, marks=marks, id=f"{role}-{action}-{side}")


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def own_roster(school) -> list[list]:
    return roster(school, 2)


def other_roster(school, teacher) -> list[list]:
    """Two new teachers of a school outside the user's scope and that school's own teacher."""
    existing = roster_row(school, n=3, name=teacher.name, sex="男" if teacher.sex == "1" else "女",
                          birth=teacher.birth_date, id_number=teacher.id_number, subject="数学")
    return roster(school, 2) + [existing]


def web_upload(client, rows, name="roster.xlsx"):
    return client.post("/imports/", {"file": SimpleUploadedFile(name, xlsx_bytes(rows))})


def run_of(owner, world, *, errors: bool) -> ImportRun:
    """A previewed (or, with ``errors``, rejected) web run uploaded by ``owner``, an HR officer."""
    client = Client()
    client.force_login(owner)
    school = owner.school or (world.s2 if owner.district_id == world.d2.pk else world.s1)
    rows = roster(school, 2)
    if errors:
        rows[1][3] = "未知"
    web_upload(client, rows)
    run = ImportRun.objects.filter(user=owner).latest("pk")
    assert run.outcome == ("rejected" if errors else "previewed"), run.report
    return run


def snapshot():
    return (sorted(Teacher.objects.values_list("id_number", "name", "school_id", "subject")),
            AuditEntry.objects.filter(object_type="workforce.teacher").count())


def assert_refused_and_nothing_written(rows, before, report_errors):
    data_rows = {n for n in range(2, len(rows) + 1)}
    refused = {e["row"] for e in report_errors if SCOPE_MESSAGE in e["message"]}
    assert refused == data_rows, report_errors
    assert snapshot() == before


@pytest.mark.parametrize("role, action, side", [_param(*c) for c in CELLS])
def test_import_cell(client, world, tmp_path, role, action, side):
    user = user_for(world, role)
    expected = EXPECTED[role][action]
    if side != "-":
        expected = expected[0] if side == "own" else expected[1]
    own_school, other_school, other_owner, other_teacher = SUBJECTS[role]
    school = getattr(world, own_school if side != "other" else other_school)
    rows = own_roster(school) if side != "other" else other_roster(school, getattr(world, other_teacher))
    before = snapshot()

    if action in ("run", "progress", "errors", "confirm", "admin_run"):
        if side == "own":
            owner = user if user.role in (Role.CITY_HR, Role.DISTRICT_HR, Role.SCHOOL_HR) else world.users.school
        else:
            owner = getattr(world.users, other_owner)
        run = run_of(owner, world, errors=action == "errors")
        if side == "own" and owner != user:  # uploaded while the user was HR; the role changed since
            ImportRun.objects.filter(pk=run.pk).update(user=user)

    client.force_login(user)
    if action == "cli":
        path = tmp_path / "roster.xlsx"
        path.write_bytes(xlsx_bytes(rows))
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import_roster", str(path), "--user", user.username, stdout=out, stderr=err)
            status = 0
        except CommandError as exc:
            status = exc.returncode
            err.write(str(exc))
        assert status == expected, err.getvalue()
        if expected == 0:
            assert {r[4] for r in rows[1:]} <= set(Teacher.objects.values_list("id_number", flat=True))
            run = ImportRun.objects.get(source="cli")
            assert run.user == user and run.outcome == "committed"
            assert AuditEntry.objects.filter(run_ref=str(run.pk), username=user.username).exists()
        else:
            if user.role in (Role.TEACHER, Role.LEADER):
                assert "只有人事部门可以导入数据" in err.getvalue()
                assert not ImportRun.objects.exists()
            else:
                assert_refused_and_nothing_written(rows, before, ImportRun.objects.get(source="cli").report["errors"])
            assert snapshot() == before
        return

    if action == "page":
        response = client.get("/imports/")
    elif action == "template":
        response = client.get("/imports/templates/teachers.xlsx")
    elif action == "upload":
        response = web_upload(client, rows)
    elif action == "run":
        response = client.get(f"/imports/runs/{run.pk}/")
    elif action == "progress":
        response = client.get(f"/imports/runs/{run.pk}/progress.json")
    elif action == "errors":
        response = client.get(f"/imports/runs/{run.pk}/errors.xlsx")
    elif action == "confirm":
        response = client.post(f"/imports/runs/{run.pk}/confirm/")
    elif action == "admin_list":
        response = client.get("/admin/imports/importrun/")
    elif action == "admin_run":
        response = client.get(f"/admin/imports/importrun/{run.pk}/change/")
    elif action == "admin_upload":
        response = client.post("/admin/imports/importrun/upload/",
                               {"file": SimpleUploadedFile("roster.xlsx", xlsx_bytes(rows)), "dry_run": ""})
    else:  # pragma: no cover
        raise AssertionError(action)

    status = 302 if expected == "refused" and action == "upload" else 200 if expected == "refused" else expected
    assert response.status_code == status, response.content.decode(errors="replace")[:500]

    if response.status_code == 403:
        assert AuditEntry.objects.filter(action="denied", username=user.username).exists()
        assert snapshot() == before
    if action == "template" and status == 200:
        assert response["Content-Type"].startswith(XLSX)
        headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
        assert any(h and "身份证件号" in str(h) for h in headers)
    if action == "upload" and status == 302:
        run = ImportRun.objects.get(user=user)
        assert response.url == f"/imports/runs/{run.pk}/"
        if expected == "refused":
            assert run.outcome == "rejected" and run.new == 0
            assert_refused_and_nothing_written(rows, before, run.report["errors"])
            client.post(f"/imports/runs/{run.pk}/confirm/")  # confirming a refused run writes nothing either
            assert snapshot() == before and ImportRun.objects.get(pk=run.pk).outcome == "rejected"
        else:
            assert run.outcome == "previewed" and run.errors == 0 and run.new + run.changed == len(rows) - 1
            assert snapshot() == before  # a preview writes nothing
            client.post(f"/imports/runs/{run.pk}/confirm/")
            run.refresh_from_db()
            assert run.outcome == "committed"
            assert Teacher.objects.filter(school=school, id_number__in=[r[4] for r in rows[1:]]).count() == len(rows) - 1
            rows_audited = AuditEntry.objects.filter(run_ref=str(run.pk), object_type="workforce.teacher")
            assert {r.username for r in rows_audited} == {user.username}
            assert {int(r.object_id) for r in rows_audited} == set(
                Teacher.objects.filter(id_number__in=[r[4] for r in rows[1:]]).values_list("pk", flat=True))
    if action == "admin_upload" and status in (200, 302):
        run = ImportRun.objects.get(source="admin")
        if expected == "refused":
            assert run.outcome == "rejected"
            assert_refused_and_nothing_written(rows, before, run.report["errors"])
            assert SCOPE_MESSAGE in response.content.decode()
        else:
            assert run.outcome == "committed" and run.new + run.changed == len(rows) - 1 and run.user == user
    if action in ("run", "progress", "errors") and status == 200:
        kind = {"run": "text/html", "progress": "application/json", "errors": XLSX}[action]
        assert response["Content-Type"].startswith(kind)
        if action == "errors":
            book = openpyxl.load_workbook(io.BytesIO(response.content))
            assert "“未知”不是有效选项" in "".join(str(c.value) for c in book["错误汇总"][2])
    if action == "confirm":
        run.refresh_from_db()
        assert (run.outcome == "committed") == (status == 302)
        assert (snapshot() == before) == (status != 302)
    if action == "admin_list" and status == 200:
        body = response.content.decode()
        mine = ImportRun.objects.filter(user=user).count()
        assert ("roster.xlsx" in body) == bool(mine)  # nothing of another's


def test_only_the_uploader_or_city_hr_sees_a_run_listed(client, world):
    """The admin list of runs: the officer's own, or every run for city HR."""
    mine = run_of(world.users.school, world, errors=False)
    theirs = run_of(world.users.district2, world, errors=False)
    for role, visible in (("city", {mine.pk, theirs.pk}), ("school", {mine.pk}), ("district", set()),
                          ("district2", {theirs.pk}), ("leader", {mine.pk, theirs.pk}), ("district_leader", set())):
        client.force_login(getattr(world.users, role))
        listed = client.get("/admin/imports/importrun/").context["cl"].result_list
        assert {r.pk for r in listed} == visible, role
