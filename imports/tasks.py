"""Background runs (Django's tasks framework, database backend: ``manage.py db_worker``).

The web page stores the upload with its ``ImportRun`` and enqueues ``preview_run`` (or
``commit_run`` once the officer confirms); the task reads the kept file — never anything the
browser sends back — and writes progress into the run, which the page polls."""
from __future__ import annotations

from django_tasks import task

from .models import ImportRun

# Write progress at most this often (rows), so the polling page moves without a write per row.
PROGRESS_STEP = 2000


def _progress_writer(run_id: int):
    def progress(done: int, total: int | None, phase: str) -> None:
        fields = {"progress": done, "phase": phase or ""}
        if total:
            fields["total_rows"] = total
        ImportRun.objects.filter(pk=run_id).update(**fields)
    return progress


def execute(run: ImportRun, *, dry_run: bool):
    """Run the import service on the run's kept upload (inline or in the worker)."""
    from .services import ImportRefused, import_run

    if not run.upload:
        run.outcome, run.report = ImportRun.Outcome.UNREADABLE, {"message": "上传的文件已不在服务器上，请重新上传。"}
        run.save(update_fields=["outcome", "report"])
        return None
    try:
        with run.upload.open("rb") as fh:
            report = import_run(file=fh, filename=run.file_name, kind=run.requested_kind or None, user=run.user,
                                school=run.school, dry_run=dry_run, source=run.source, run=run,
                                progress=_progress_writer(run.pk))
    except (ImportRefused, ValueError) as exc:
        ImportRun.objects.filter(pk=run.pk).update(outcome=ImportRun.Outcome.REJECTED, report={"message": str(exc)})
        return None
    if report.committed:
        run.upload.delete(save=False)  # committed: the copy is no longer needed
        ImportRun.objects.filter(pk=run.pk).update(upload="")
    return report


@task()
def preview_run(run_id: int) -> None:
    run = ImportRun.objects.select_related("user", "school").get(pk=run_id)
    execute(run, dry_run=True)


@task()
def commit_run(run_id: int) -> None:
    run = ImportRun.objects.select_related("user", "school").get(pk=run_id)
    execute(run, dry_run=False)


__all__ = ["preview_run", "commit_run", "execute"]
