"""Background runs (Django's tasks framework, database backend: ``manage.py db_worker``).

Every upload of the web page and of the admin is stored with its ``ImportRun`` and run here:
``preview_run`` (or ``commit_run`` once the officer confirms, or straight away from the admin
without a preview); the task reads the kept file — never anything the browser sends back — and
writes progress into the run, which the page polls. Imports never run inside a web request: the
import writes from a helper thread on the worker's database connection (``imports.bulk``,
allowed by ``concurrency.background_run``). A run the task could not finish, whatever the
reason, ends as failed with a message, never left "running"."""
from __future__ import annotations

import logging

from django_tasks import task

from workforce import facts

from . import workers
from .concurrency import background_run
from .models import ImportRun

logger = logging.getLogger(__name__)

# Write progress at most this often (rows), so the polling page moves without a write per row.
PROGRESS_STEP = 2000


def _progress_writer(run_id: int):
    def progress(done: int, total: int | None, phase: str) -> None:
        fields = {"progress": done, "phase": phase or ""}
        if total:
            fields["total_rows"] = total
        ImportRun.objects.filter(pk=run_id).update(**fields)
    return progress


FAILED_MESSAGE = "处理文件“{name}”时出错，未写入任何数据。请稍后重新上传；如果仍然出错，请联系系统管理员。"


def execute(run: ImportRun, *, dry_run: bool):
    """Run the import service on the run's kept upload, as a background task."""
    from .services import ImportRefused, import_run

    if not run.upload:
        run.outcome, run.report = ImportRun.Outcome.UNREADABLE, {"message": "上传的文件已不在服务器上，请重新上传。"}
        run.save(update_fields=["outcome", "report"])
        return None
    # this process's mark, so that a run whose worker is killed outright is ended by whoever
    # looks at it next (``imports.workers``)
    run.worker = workers.mark()
    ImportRun.objects.filter(pk=run.pk).update(worker=run.worker)
    try:
        with background_run(), run.upload.open("rb") as fh:
            report = import_run(file=fh, filename=run.file_name, kind=run.requested_kind or None, user=run.user,
                                school=run.school, dry_run=dry_run, source=run.source, run=run,
                                progress=_progress_writer(run.pk), fills=(run.answers or {}).get("fills"))
    except (ImportRefused, ValueError) as exc:
        _end(run, ImportRun.Outcome.REJECTED, str(exc))
        return None
    except BaseException:
        # anything else (a bug, the worker stopped): the run ends as failed, and the task too
        _end(run, ImportRun.Outcome.REJECTED, FAILED_MESSAGE.format(name=run.file_name))
        raise
    if report.committed:
        run.upload.delete(save=False)  # committed: the copy is no longer needed
        ImportRun.objects.filter(pk=run.pk).update(upload="")
        # The schools the import wrote are recounted here, in the worker, once the run is done
        # (issue 18: the facts per school), so the first dashboard reader does not pay for them.
        # Not in import_run itself: the command line and the bench time the import alone, and
        # without this the first reader recounts them (the facts are never wrong, only late).
        try:
            facts.refresh()
        except Exception:  # the import is committed and done: a failed recount is the next reader's
            logger.exception("facts per school: recount after import run %s failed", run.pk)
    return report


def _end(run: ImportRun, outcome: str, message: str) -> None:
    workers.end_run(run, outcome, message)


@task()
def preview_run(run_id: int) -> None:
    run = ImportRun.objects.select_related("user", "school").get(pk=run_id)
    execute(run, dry_run=True)


@task()
def commit_run(run_id: int) -> None:
    run = ImportRun.objects.select_related("user", "school").get(pk=run_id)
    execute(run, dry_run=False)


__all__ = ["preview_run", "commit_run", "execute"]
