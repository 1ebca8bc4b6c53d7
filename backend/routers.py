"""Reads from the read replica, for the pages that only read many rows: the dashboards and exports.

With ``REPLICA_DATABASE_URL`` set (settings ``READ_REPLICA`` names its alias), a request for one
of ``REPLICA_VIEWS`` (GET or HEAD) reads the data of ``REPLICA_APPS`` from the replica, which
takes the dashboards' scans of every teacher off the primary. Everything else reads from the
primary (``default``):

- every other page, management command, task and test (outside such a request nothing is set);
- users, sessions, permissions and the audit trail (app ``backend`` and Django's own apps), even
  in a dashboard request: a session written a moment ago must be found, so signing in is never
  subject to the replica's lag;
- reads inside a transaction, and every read after the request has written anything (an export
  records its audit row, a future page may save): what it wrote is then read back as written.

The replica lags the primary by what replication has not yet applied (usually well under a
second): a figure on a dashboard may be that much older. The figures kept under the data
version stay right: the version is read from the same database as the data
(``workforce.dataversion.current``, via ``read_alias``). The facts per school
(``workforce.facts``) are read from the primary even in such a request, and brought up to date
there: a few rows per page, with their marks in the same database as their counts.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

# The pages that read from the replica ("namespace:url name").
REPLICA_VIEWS = frozenset({
    "workforce:dashboard", "workforce:dashboard_city", "workforce:dashboard_district", "workforce:dashboard_school",
    "workforce:dashboard_json", "workforce:dashboard_export", "workforce:dashboard_final",
    "workforce:dashboard_final_export", "training:report",
})
# The apps whose tables those pages read from the replica.
REPLICA_APPS = frozenset({"workforce", "training"})


@dataclass
class _Reads:
    wrote: bool = False  # the request has written: read from the primary from here on


_replica_reads: ContextVar[_Reads | None] = ContextVar("replica_reads", default=None)


@contextmanager
def replica_reads():
    """Read from the replica inside this block (a dashboard or export request, a benchmark)."""
    token = _replica_reads.set(_Reads())
    try:
        yield
    finally:
        _replica_reads.reset(token)


def read_alias(app_label: str = "workforce") -> str:
    """The database the data of ``app_label`` is read from now."""
    alias = settings.READ_REPLICA
    state = _replica_reads.get()
    if (not alias or state is None or state.wrote or app_label not in REPLICA_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block):
        return DEFAULT_DB_ALIAS
    return alias


class ReplicaRouter:
    """Reads as ``read_alias`` says; writes, migrations and relations on the primary."""

    def db_for_read(self, model, **hints):
        return read_alias(model._meta.app_label)

    def db_for_write(self, model, **hints):
        state = _replica_reads.get()
        if state is not None:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        same = {DEFAULT_DB_ALIAS, settings.READ_REPLICA or DEFAULT_DB_ALIAS}
        return True if {obj1._state.db, obj2._state.db} <= same else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica is a copy of the primary: migrations reach it by replication.
        return False if settings.READ_REPLICA and db == settings.READ_REPLICA else None


class ReplicaReadsMiddleware:
    """Marks a GET or HEAD of one of ``REPLICA_VIEWS`` as reading from the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.READ_REPLICA:
            return self.get_response(request)
        token = _replica_reads.set(None)  # nothing before the view is resolved
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (settings.READ_REPLICA and request.method in ("GET", "HEAD")
                and request.resolver_match.view_name in REPLICA_VIEWS):
            _replica_reads.set(_Reads())
        return None
