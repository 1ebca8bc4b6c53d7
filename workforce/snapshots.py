"""Snapshots of the measures (``MeasureSnapshot``): the yearly figures the trend chart draws and
a plan's final account reads (issue 14). Writes; what is stored is ``selectors.snapshot_results``.

A school year's snapshot is taken on its last day, 31 August (``school_year_end``): the year is
then complete — its rotations (exchanges that start in the year, also after 1 September), its
new teachers, the awards of a plan period that ends in it — and the Table 2 and pupil–teacher
figures are those of the year's teachers and enrolment. It is measured against the plan in force
on the year's first day (``selectors.snapshot_targets``).
"""
from __future__ import annotations

import datetime as dt
import gc
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from django.db import connection, connections, transaction
from django.utils import timezone

from . import selectors as sel
from .models import CompactJSONEncoder, MeasureSnapshot, school_year_of


def school_year_end(year: int) -> dt.date:
    """The last day of school year ``year`` (2025 → 2026-08-31)."""
    return dt.date(year + 1, 8, 31)


def past_school_years(first: int, today: dt.date) -> list[int]:
    """School years from ``first`` that have ended by ``today``."""
    return [year for year in range(first, school_year_of(today) + 1) if school_year_end(year) <= today]


def snapshot_take(on: dt.date, year: int | None = None, *, schools: bool = False, user=None) -> int:
    """Compute and store the snapshots of ``on`` (school year ``year``, by default the date's):
    the city, every district and, with ``schools``, every school. Rows of that date and of those
    kinds are replaced. Returns how many rows were written."""
    year = school_year_of(on) if year is None else year
    items = _results(on, year, schools)
    with transaction.atomic():
        MeasureSnapshot.objects.filter(on=on, scope_kind__in=_kinds(schools)).delete()
        MeasureSnapshot.objects.bulk_create([
            MeasureSnapshot(scope_kind=sel.snapshot_key(ref)[0], scope_key=sel.snapshot_key(ref)[1], on=on,
                            school_year=year, data=data, created_by=user)
            for ref, data in items
        ], batch_size=500)
    return len(items)


def _results(on: dt.date, year: int, schools: bool) -> list:
    targets = sel.snapshot_targets(year)
    items = sel.snapshot_results(on, year, targets, schools=schools)
    for _ref, data in items:
        data["quota"].pop("definitions", None)  # the same texts in every row: the page has them
    return items


def _kinds(schools: bool) -> list[str]:
    return ["city", "district"] + (["school"] if schools else [])


# ---------------------------------------------------------------- several school years side by side
def can_take_apart() -> bool:
    """Whether ``take_years`` can compute years in other processes: PostgreSQL (each worker its
    own connection) and no transaction open on this connection (the workers read only what is
    committed: a test's or a caller's open transaction would be invisible to them)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def year_rows(on: dt.date, year: int, schools: bool) -> list[tuple[str, str, str]]:
    """The rows ``snapshot_take(on, year, schools=…)`` stores, as (scope kind, scope key, data as
    JSON text in the field's own encoding), without storing them."""
    encode = CompactJSONEncoder().encode
    items = _results(on, year, schools)
    rows = []
    for i, (ref, data) in enumerate(items):
        rows.append((*sel.snapshot_key(ref), encode(data)))
        items[i] = None  # each scope's objects let go once encoded
    return rows


# A worker's session sorts and hashes its grouped counts in memory (the server's default, 4 MB,
# spills a province's to disk: measured, a year's counts of 200,000 teachers took a quarter longer)
WORKER_WORK_MEM = "256MB"


def _year_job(job: tuple[dt.date, int, bool]) -> list[tuple[str, str, str]]:
    gc.disable()  # a worker's objects live until its year is handed back: no collection would free any
    try:
        with connection.cursor() as cursor:  # the worker's own connection, gone with it
            cursor.execute("SELECT set_config('work_mem', %s, false)", [WORKER_WORK_MEM])
        return year_rows(*job)
    finally:
        gc.enable()


def take_years(years: list[int], *, schools: bool = False, processes: int | None = None) -> int:
    """``snapshot_take`` of each school year of ``years`` on its last day (``school_year_end``):
    the years are computed side by side in ``processes`` worker processes (default: one a core,
    at most one a year), each reading with its own connection, and written here in the order of
    ``years`` in one transaction — the same rows, keys and all, as taking them one after the
    other. A school year's computation is independent of the others' and is nearly all Python
    (``finish`` per scope: 14,000 schools a year in a province), so the years use every core.

    Needs ``can_take_apart()``: with ``processes=1`` (or where it is false) the years are computed
    here, one after the other. Returns how many rows were written."""
    jobs = [(school_year_end(year), year, schools) for year in years]
    processes = min(len(jobs), processes or os.cpu_count() or 1)
    if processes <= 1 or not can_take_apart():
        return sum(snapshot_take(on, year, schools=schools) for on, year, schools in jobs)
    gc.collect()  # the forked workers start from this process's memory: what is garbage now is not copied
    # no connection is shared with a worker: this process's are closed before the workers are
    # forked (all of them at the first submit), and opened again only once they have been
    connections.close_all()
    written = 0
    with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(_year_job, job) for job in jobs]
        with transaction.atomic():
            for i, (on, year, _schools) in enumerate(jobs):
                rows = futures[i].result()
                futures[i] = None  # a year's rows let go once written (a province's: 270 MB of JSON a year)
                MeasureSnapshot.objects.filter(on=on, scope_kind__in=_kinds(schools)).delete()
                written += _copy_rows(on, year, rows)
                del rows
    return written


def _copy_rows(on: dt.date, year: int, rows: list[tuple[str, str, str]]) -> int:
    """COPY one date's rows, their keys from the table's sequence in order (as ``bulk_create``)."""
    table = MeasureSnapshot._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [table, len(rows)])
        keys = [key for (key,) in cursor.fetchall()]
        sql = (f'COPY "{table}" ("id", "scope_kind", "scope_key", "on", "school_year", "data", "created_at", '
               f'"created_by_id") FROM STDIN')
        with cursor.cursor.copy(sql) as copy:
            for key, (kind, scope_key, data) in zip(keys, rows):
                copy.write_row((key, kind, scope_key, on, year, data, now, None))
    return len(rows)
