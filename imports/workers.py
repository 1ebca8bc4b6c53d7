"""Which task worker process runs an import, and whether it still does (``ImportRun.worker``).

A worker stopped in an orderly way ends its run as failed (``tasks.execute``); one killed outright
(the kernel's out-of-memory killer, ``kill -9``, a power cut) cannot, and its run would stay
"处理中" for ever, the officer's page polling a bar that never moves. The run therefore carries
its worker's mark — host, process-id namespace, process id and the moment the process started
(so that a process id the system gave to another process since is not taken for the worker) —
and whoever looks at an unfinished run where that process could be seen (the same host and
namespace: its page, its progress poll) ends it if that process is gone. Nothing a killed worker
wrote survives its transaction, unless it had committed: then its history rows name the run,
and the run is ended as written. A run on another host is left as it
is, and so is one from another container of the same host (its processes cannot be seen from
here)."""
from __future__ import annotations

import os
import socket

from django.utils import timezone

from .models import ImportRun

STOPPED = ("处理文件“{name}”时，后台处理进程已停止（例如服务器重启或内存不足），导入没有完成，"
           "未写入任何数据。请重新上传。")
STOPPED_AFTER_WRITING = ("文件“{name}”已写入数据库，但后台处理进程在记录结果之前停止，新增和修改的条数未能统计。"
                         "可在操作历史中按本次导入查看写入的记录。")


def _started(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), or None if there is no
    such process — or no /proc to ask (then "" : nothing can be told)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode("ascii", "replace")
    except FileNotFoundError:
        return None if os.path.isdir("/proc/self") else ""
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[-1].split()
    if fields[:1] == ["Z"]:  # killed, not yet reaped by its parent: gone all the same
        return None
    return fields[19] if len(fields) > 19 else ""


def _host() -> str:
    return socket.gethostname()[:80]  # the mark fits ``ImportRun.worker``


def _namespace() -> str:
    """The process-id namespace this process sees (containers on one host, sharing its name,
    each see their own processes only): the namespace's inode number, or "" where unknown."""
    try:
        return "".join(ch for ch in os.readlink("/proc/self/ns/pid") if ch.isdigit())
    except OSError:
        return ""


def mark() -> str:
    """This process's mark: ``host:pid-namespace:pid:start``."""
    pid = os.getpid()
    return f"{_host()}:{_namespace()}:{pid}:{_started(pid) or ''}"


def gone(worker: str) -> bool:
    """The process of ``worker`` (a ``mark``) ran where this process can see it — this host,
    this process-id namespace — and is no longer there."""
    parts = worker.rsplit(":", 3)
    if len(parts) != 4:
        return False
    host, namespace, pid, start = parts
    if host != _host() or not namespace or namespace != _namespace() or not pid.isdigit() or not start:
        return False
    started = _started(int(pid))
    if started == "":  # cannot be told
        return False
    return started is None or started != start


def end_if_orphaned(run: ImportRun) -> bool:
    """End ``run`` if it is unfinished and its worker process is gone (see the module). Returns
    whether it did; ``run`` is updated in place."""
    if run.is_finished or not run.worker or not gone(run.worker):
        return False
    from backend.models import AuditEntry

    written = not run.dry_run and AuditEntry.objects.filter(run_ref=str(run.pk)).exists()
    outcome = ImportRun.Outcome.COMMITTED if written else ImportRun.Outcome.REJECTED
    message = (STOPPED_AFTER_WRITING if written else STOPPED).format(name=run.file_name)
    ended = end_run(run, outcome, message, only_from=run.outcome)  # unless another reader ended it first
    if ended:
        run.refresh_from_db()
    return ended


def end_run(run: ImportRun, outcome: str, message: str, *, only_from: str | None = None) -> bool:
    """End ``run`` now with ``outcome``, its report only ``message`` (what the page says): a run
    its task could not finish (``tasks.execute``) or whose worker is gone. ``only_from``: only if
    its outcome is still that one. Returns whether it did."""
    runs = ImportRun.objects.filter(pk=run.pk)
    if only_from is not None:
        runs = runs.filter(outcome=only_from)
    return bool(runs.update(outcome=outcome, report={"message": message}, phase=ImportRun.Phase.DONE,
                            finished_at=timezone.now()))
