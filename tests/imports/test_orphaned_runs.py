"""A run whose task worker was killed outright (out of memory, ``kill -9``, a power cut) does not
stay "处理中" for ever: whoever looks at it next on the same host ends it (``imports.workers``)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backend import audit
from imports import workers
from imports.models import ImportRun
from tests.imports.helpers import roster, write_xlsx
from workforce.models import Teacher

pytestmark = pytest.mark.django_db


def killed_worker_mark(reaped: bool = True) -> str:
    """The mark of a process that ran here and was killed (and reaped by its parent, or not yet)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        started = workers._started(child.pid)
        assert started, "the child's start could not be read"
    finally:
        child.send_signal(signal.SIGKILL)
        if reaped:
            child.wait()
        else:
            killed_worker_mark.unreaped = child
    return f"{socket.gethostname()}:{workers._namespace()}:{child.pid}:{started}"


def running_run(user, worker: str, **fields) -> ImportRun:
    return ImportRun.objects.create(user=user, file_name="全区花名册.xlsx", file_sha256="", dry_run=False,
                                    outcome=ImportRun.Outcome.RUNNING, phase=ImportRun.Phase.WRITING,
                                    progress=4000, total_rows=6000, worker=worker, **fields)


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="the worker's process is looked up in /proc")


def test_an_upload_records_the_worker_that_runs_it(client, world, tmp_path):
    client.force_login(world.users.school)
    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 2)})
    with open(path, "rb") as fh:
        client.post(reverse("imports:index"), {"file": SimpleUploadedFile(path.name, fh.read())})
    run = ImportRun.objects.get(user=world.users.school)
    assert run.worker == workers.mark() and run.worker.startswith(socket.gethostname() + ":")


@needs_proc
def test_a_run_whose_worker_was_killed_ends_when_its_page_polls(client, world):
    client.force_login(world.users.school)
    run = running_run(world.users.school, killed_worker_mark())
    state = client.get(reverse("imports:run_progress", args=[run.pk])).json()
    assert state["finished"] and state["outcome"] == "rejected"
    run.refresh_from_db()
    assert run.phase == ImportRun.Phase.DONE and run.finished_at is not None
    page = client.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "后台处理进程已停止" in page and "未写入任何数据" in page and "全区花名册.xlsx" in page


@needs_proc
def test_a_run_killed_after_its_commit_is_ended_as_written(client, world):
    client.force_login(world.users.city)
    run = running_run(world.users.city, killed_worker_mark())
    teacher = Teacher.objects.filter(school=world.s1).first()
    audit.record(audit.UPDATE, obj=teacher, changes={"name": {"label": "姓名", "old": "甲", "new": "乙"}},
                 user=world.users.city, source="import", run_ref=str(run.pk))
    client.get(reverse("imports:index"))  # the list of the officer's runs looks at it too
    run.refresh_from_db()
    assert run.outcome == ImportRun.Outcome.COMMITTED and "已写入数据库" in run.report["message"]


@needs_proc
@pytest.mark.parametrize("worker", [
    "this process",                                       # still running the import
    "other-host.example:4026531836:12345:678",          # another host: its processes cannot be seen from here
    "same host, another container",                       # another process-id namespace of this host
    "",                                                   # a run from before workers were marked
])
def test_a_run_whose_worker_may_still_be_at_work_is_left_running(client, world, worker):
    client.force_login(world.users.school)
    if worker == "this process":
        worker = workers.mark()
    elif worker == "same host, another container":
        worker = f"{socket.gethostname()}:1:99999999:678"
    run = running_run(world.users.school, worker)
    state = client.get(reverse("imports:run_progress", args=[run.pk])).json()
    assert not state["finished"] and state["outcome"] == "running"


@needs_proc
def test_a_process_id_given_to_another_process_since_is_not_taken_for_the_worker(client, world):
    """The same process id with another start time is another process: the worker is gone."""
    host, namespace, pid, started = workers.mark().split(":")
    run = running_run(world.users.school, f"{host}:{namespace}:{pid}:{int(started) - 1}")
    assert workers.end_if_orphaned(run) and run.outcome == ImportRun.Outcome.REJECTED


def test_a_command_line_run_records_its_process_too(world, tmp_path):
    from imports.services import import_run

    path = write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 1)})
    report = import_run(file=path, filename=path.name, user=world.users.city, dry_run=True, source="cli")
    assert ImportRun.objects.get(pk=report.run_id).worker == workers.mark()


@needs_proc
def test_a_worker_killed_but_not_yet_reaped_is_gone_too(world):
    worker = killed_worker_mark(reaped=False)
    try:
        for _ in range(100):  # the kernel makes it a zombie once the signal is delivered
            if workers._started(int(worker.split(":")[2])) is None:
                break
            time.sleep(0.02)
        run = running_run(world.users.school, worker)
        assert workers.end_if_orphaned(run) and run.outcome == ImportRun.Outcome.REJECTED
    finally:
        killed_worker_mark.unreaped.wait()
