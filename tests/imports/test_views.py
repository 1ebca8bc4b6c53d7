"""The upload page: preview → confirm from the copy kept on the server; who sees which run."""
from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportRun
from tests.imports.helpers import roster, write_xlsx
from workforce.models import Teacher

pytestmark = pytest.mark.django_db


def upload(client, path, **data):
    with open(path, "rb") as fh:
        return client.post(reverse("imports:index"), {"file": SimpleUploadedFile(path.name, fh.read()), **data})


def test_upload_preview_confirm_and_see_the_teachers(client, world, tmp_path):
    client.force_login(world.users.school)
    rows = roster(world.s1, 3)
    response = upload(client, write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}))
    run = ImportRun.objects.get(user=world.users.school)
    assert response.status_code == 302 and response.url == reverse("imports:run", args=[run.pk])
    assert run.outcome == "previewed" and run.new == 3 and bool(run.upload)
    assert Teacher.objects.filter(school=world.s1).count() == 1
    page = client.get(response.url).content.decode()
    assert "确认导入" in page and "确认后将新增 3 条" in page

    response = client.post(reverse("imports:run_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.outcome == "committed" and not run.upload
    assert Teacher.objects.filter(school=world.s1).count() == 4
    page = client.get(response.url).content.decode()
    assert "本次导入的教师" in page and rows[1][2] in page
    assert rows[1][4] not in page and rows[1][4][:6] + "********" in page  # no identity right: masked


def test_changes_are_to_be_made_in_the_preview_and_made_after_confirming(client, world, tmp_path):
    client.force_login(world.users.school)
    teacher = Teacher.objects.filter(school=world.s1).first()
    rows = roster(world.s1, 1, id_number=teacher.id_number, birth=teacher.birth_date,
                  sex="男" if teacher.sex == "1" else "女", subject="美术")
    upload(client, write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}))
    run = ImportRun.objects.get(user=world.users.school)
    assert run.changed == 1
    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "将修改的内容" in page and "已修改的内容" not in page
    client.post(reverse("imports:run_confirm", args=[run.pk]))
    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "已修改的内容" in page and "将修改的内容" not in page and "美术" in page


def test_confirm_is_refused_after_errors_and_the_error_report_downloads(client, world, tmp_path):
    client.force_login(world.users.school)
    rows = roster(world.s1, 2)
    rows[1][3] = "未知"
    upload(client, write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}))
    run = ImportRun.objects.get(user=world.users.school)
    assert run.outcome == "rejected" and run.errors == 1
    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    # an unknown value is asked about in the mapping step (one line per value), and the error
    # report still lists the row
    assert "下载错误报告" in page and 'id="unknown-values"' in page and "<strong>未知</strong>" in page
    client.post(reverse("imports:run_confirm", args=[run.pk]))
    assert Teacher.objects.count() == 3
    response = client.get(reverse("imports:run_errors", args=[run.pk]))
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb["花名册"].cell(row=2, column=5).fill.fgColor.rgb.endswith("FFC7CE")


def test_every_file_runs_in_the_background_task(client, world, tmp_path):
    """Small files too (tests run tasks immediately): the page polls the run's progress."""
    client.force_login(world.users.city)
    upload(client, write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 4)}))
    run = ImportRun.objects.get(user=world.users.city)
    assert run.outcome == "previewed" and run.new == 4
    data = client.get(reverse("imports:run_progress", args=[run.pk])).json()
    assert data == {"outcome": "previewed", "outcome_label": "已预览", "finished": True, "progress": 4, "total": 4,
                    "percent": 100, "phase": "完成"}
    client.post(reverse("imports:run_confirm", args=[run.pk]))
    assert ImportRun.objects.get(pk=run.pk).outcome == "committed"


def test_polling_the_progress_writes_nothing_and_is_not_activity(client, world, tmp_path):
    """The page polls every second while an import runs. On SQLite a write would wait for the
    import's transaction and the bar would stop while the import writes; and a page left
    polling must not keep an idle session alive."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backend.middleware import LAST_ACTIVITY

    client.force_login(world.users.city)
    upload(client, write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 2)}))
    run = ImportRun.objects.get(user=world.users.city)
    active = client.session[LAST_ACTIVITY]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("imports:run_progress", args=[run.pk])).status_code == 200
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == [] and client.session[LAST_ACTIVITY] == active
    client.get(reverse("imports:run", args=[run.pk]))  # the page itself is activity
    assert client.session[LAST_ACTIVITY] > active


def test_while_the_run_writes_the_bar_moves_without_a_row_count(client, world, tmp_path):
    """A commit writes in one transaction, which has no row count: the page shows a bar without
    a value (it moves by itself) and how many rows are being written."""
    client.force_login(world.users.city)
    upload(client, write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 3)}))
    run = ImportRun.objects.get(user=world.users.city)
    ImportRun.objects.filter(pk=run.pk).update(outcome=ImportRun.Outcome.RUNNING, phase=ImportRun.Phase.WRITING,
                                               progress=3, total_rows=3, finished_at=None)
    data = client.get(reverse("imports:run_progress", args=[run.pk])).json()
    assert (data["finished"], data["percent"], data["phase"], data["total"]) == (False, None, "写入数据库", 3)
    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    bar = page[page.index('<progress id="progress-bar"'):]
    assert "value=" not in bar[:bar.index(">")] and "写入数据库 · 3 行" in page


def test_runs_are_private_and_only_hr_may_import(client, world, tmp_path):
    client.force_login(world.users.school)
    upload(client, write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 1)}))
    run = ImportRun.objects.get()
    client.force_login(world.users.district)
    for name in ("imports:run", "imports:run_progress", "imports:run_errors"):
        assert client.get(reverse(name, args=[run.pk])).status_code == 404
    assert client.post(reverse("imports:run_confirm", args=[run.pk])).status_code == 404
    for user in (world.users.teacher, world.users.leader):
        client.force_login(user)
        assert client.get(reverse("imports:index")).status_code == 403
        assert client.get(reverse("imports:template", args=["teachers"])).status_code == 403
    client.logout()
    assert client.get(reverse("imports:index")).status_code == 302


def test_index_lists_my_runs_in_few_queries(client, world, tmp_path, django_assert_max_num_queries):
    client.force_login(world.users.city)
    for i in range(3):
        upload(client, write_xlsx(tmp_path / f"r{i}.xlsx", {"花名册": roster(world.s1, 1)}))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("imports:index")).content.decode()
    assert page.count("r0.xlsx") == 1 and "下载模板" in page


def test_template_download(client, world):
    client.force_login(world.users.district)
    response = client.get(reverse("imports:template", args=["teachers"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/imports/templates/nope.xlsx").status_code == 404


def test_admin_upload_calls_the_same_service(client, world, tmp_path):
    client.force_login(world.users.city)
    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 2)})
    with open(path, "rb") as fh:
        response = client.post(reverse("admin:imports_importrun_upload"),
                               {"file": SimpleUploadedFile("r.xlsx", fh.read()), "dry_run": ""})
    assert response.status_code == 302
    run = ImportRun.objects.get(source="admin")
    assert run.outcome == "committed" and run.new == 2
    assert "上传导入" in client.get(reverse("admin:imports_importrun_changelist")).content.decode()
