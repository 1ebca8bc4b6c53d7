"""Findings of the import pipeline's security probe (issue 12), end to end through the pages.

1. A 1.7 KB upload whose worksheet is stored as ``*.dat`` (or with no extension, in upper case,
   behind ``..``) asked calamine for a 550 GB grid and aborted the server; the run stayed
   "running". The upload is refused with a Chinese message naming the file and the sheet, and
   the run ends. calamine's and openpyxl's openers raise here if anything reaches them, so a
   broken guard fails the test, not the process.
2. Uploads were imported inside the web request (small ones on the page, every one in the
   admin), with the import's writer thread on the request's database connection. Every upload
   now runs as a background task; the writer thread starts only there (or on the command line),
   and a request that calls the service itself writes on its own thread.

The tests' task backend runs a task as soon as it is queued (in the request), so a page shows
the finished run at once.
"""
from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks.signals import task_enqueued

from imports import concurrency, services
from imports.models import ImportRun
from tests.imports.helpers import roster, write_xlsx
from tests.imports.test_hostile_parts import (  # noqa: F401 (readers_must_not_open: a fixture)
    FAR, HUGE_DIMENSION, ROW1, Reached, readers_must_not_open, sheet_xml, workbook_bytes,
)
from workforce.models import Teacher

pytestmark = pytest.mark.django_db

HOSTILE_MESSAGE = ("文件“花名册.xlsx”的工作表“花名册”区域达到 1,048,576 行 × 16,384 列（远处的行或列里有零星内容或格式），"
                   "超过上限 10,000,000 个单元格。请删除多余的行和列后重新上传。")


def hostile_upload() -> SimpleUploadedFile:
    """The probe's file: the worksheet stored as sheet1.dat, a dimension and a cell at XFD1048576."""
    data = workbook_bytes(sheet_xml(ROW1 + FAR, head=HUGE_DIMENSION), target="worksheets/sheet1.dat")
    assert len(data) < 2048
    return SimpleUploadedFile("花名册.xlsx", data)


def test_the_probes_upload_is_refused_and_its_run_ends(client, world, readers_must_not_open):
    client.force_login(world.users.school)
    response = client.post(reverse("imports:index"), {"file": hostile_upload()})
    run = ImportRun.objects.get(user=world.users.school)
    assert response.status_code == 302 and response.url == reverse("imports:run", args=[run.pk])
    assert (run.outcome, run.report["message"]) == ("unreadable", HOSTILE_MESSAGE)
    assert run.is_finished and run.finished_at is not None
    page = client.get(response.url).content.decode()
    assert "文件无法读取" in page and HOSTILE_MESSAGE in page and "正在处理" not in page
    assert client.get(reverse("imports:run_progress", args=[run.pk])).json()["finished"] is True
    assert readers_must_not_open == []


def test_the_probes_upload_in_the_admin_is_refused_too(client, world, readers_must_not_open):
    client.force_login(world.users.city)
    response = client.post(reverse("admin:imports_importrun_upload"), {"file": hostile_upload(), "dry_run": ""})
    run = ImportRun.objects.get(source="admin")
    assert (run.outcome, run.report["message"]) == ("unreadable", HOSTILE_MESSAGE)
    assert response.status_code == 200 and HOSTILE_MESSAGE in response.content.decode()
    assert readers_must_not_open == []


def test_a_run_the_task_cannot_finish_ends_as_failed_with_a_message(client, world, monkeypatch):
    """Whatever stops the task (here a bug in the service), the run is not left "running"."""
    def broken(**kwargs):
        raise RuntimeError("a bug")
    monkeypatch.setattr(services, "import_run", broken)
    client.force_login(world.users.school)
    client.post(reverse("imports:index"), {"file": SimpleUploadedFile("r.xlsx", b"PK\x03\x04 not read")})
    run = ImportRun.objects.get(user=world.users.school)
    message = "处理文件“r.xlsx”时出错，未写入任何数据。请稍后重新上传；如果仍然出错，请联系系统管理员。"
    assert (run.outcome, run.report, run.is_finished) == ("rejected", {"message": message}, True)
    assert message in client.get(reverse("imports:run", args=[run.pk])).content.decode()


@pytest.fixture
def watched(monkeypatch):
    """What ran where: the tasks queued, each call of the import service and each start of the
    writer thread, with whether it was a background run and whether inside a web request."""
    seen = {"tasks": [], "imports": [], "writers": []}

    def queued(sender, task_result, **kwargs):
        seen["tasks"].append(task_result.task.name)
    task_enqueued.connect(queued, weak=False, dispatch_uid="test_import_probe")

    service = services.import_run

    def import_run(**kwargs):
        seen["imports"].append((kwargs["source"], concurrency.in_background_run()))
        return service(**kwargs)
    monkeypatch.setattr(services, "import_run", import_run)

    start = threading.Thread.start

    def started(thread):
        if thread.name == "import-writer":
            seen["writers"].append((concurrency.in_background_run(), concurrency.in_web_request()))
        return start(thread)
    monkeypatch.setattr(threading.Thread, "start", started)
    yield seen
    task_enqueued.disconnect(dispatch_uid="test_import_probe")


def test_a_web_upload_and_its_confirmation_run_as_tasks(client, world, tmp_path, watched):
    client.force_login(world.users.school)
    rows = roster(world.s1, 3)
    with open(write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}), "rb") as fh:
        client.post(reverse("imports:index"), {"file": SimpleUploadedFile("r.xlsx", fh.read())})
    run = ImportRun.objects.get(user=world.users.school)
    assert run.outcome == "previewed"
    client.post(reverse("imports:run_confirm", args=[run.pk]))
    assert ImportRun.objects.get(pk=run.pk).outcome == "committed"
    assert Teacher.objects.filter(id_number__in=[r[4] for r in rows[1:]]).count() == 3
    assert watched["tasks"] == ["preview_run", "commit_run"]
    assert watched["imports"] == [("web", True), ("web", True)]  # both inside the task
    assert watched["writers"] and all(background for background, _request in watched["writers"])


def test_an_admin_upload_runs_as_a_task(client, world, tmp_path, watched):
    client.force_login(world.users.city)
    rows = roster(world.s1, 2)
    with open(write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}), "rb") as fh:
        response = client.post(reverse("admin:imports_importrun_upload"),
                               {"file": SimpleUploadedFile("r.xlsx", fh.read()), "dry_run": ""})
    run = ImportRun.objects.get(source="admin")
    assert response.status_code == 302 and response.url == reverse("admin:imports_importrun_change", args=[run.pk])
    assert (run.outcome, run.new, run.user) == ("committed", 2, world.users.city)
    assert watched["tasks"] == ["commit_run"] and watched["imports"] == [("admin", True)]
    assert watched["writers"] and all(background for background, _request in watched["writers"])


def test_an_admin_upload_not_finished_yet_shows_the_runs_progress(client, world, tmp_path, settings):
    """With the real worker the run is still queued when the page answers: the officer is sent
    to the run's page, which shows the progress bar."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, not run
    client.force_login(world.users.city)
    with open(write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 2)}), "rb") as fh:
        response = client.post(reverse("admin:imports_importrun_upload"),
                               {"file": SimpleUploadedFile("r.xlsx", fh.read()), "dry_run": ""})
    run = ImportRun.objects.get(source="admin")
    assert run.outcome == "queued" and response.url == reverse("imports:run", args=[run.pk])
    assert "progress-bar" in client.get(response.url).content.decode()


@pytest.mark.urls("tests.imports.inline_urls")
def test_an_import_called_inside_a_request_writes_on_the_requests_own_thread(client, world, tmp_path, watched):
    """The guard itself: a page that calls the service in its request (no real page does) still
    imports, without the writer thread."""
    rows = roster(world.s1, 4)
    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": rows})
    response = client.get("/import-inline/", {"path": str(path), "user": world.users.city.pk})
    assert response.json() == {"outcome": "committed", "new": 4}
    assert Teacher.objects.filter(id_number__in=[r[4] for r in rows[1:]]).count() == 4
    assert watched["imports"] == [("web", False)] and watched["writers"] == []
    assert not concurrency.in_web_request()  # the request is over
