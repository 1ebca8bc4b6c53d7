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

from django.db import transaction

from . import selectors as sel
from .models import MeasureSnapshot, school_year_of


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
    targets = sel.snapshot_targets(year)
    items = sel.snapshot_results(on, year, targets, schools=schools)
    for _ref, data in items:
        data["quota"].pop("definitions", None)  # the same texts in every row: the page has them
    kinds = ["city", "district"] + (["school"] if schools else [])
    with transaction.atomic():
        MeasureSnapshot.objects.filter(on=on, scope_kind__in=kinds).delete()
        MeasureSnapshot.objects.bulk_create([
            MeasureSnapshot(scope_kind=sel.snapshot_key(ref)[0], scope_key=sel.snapshot_key(ref)[1], on=on,
                            school_year=year, data=data, created_by=user)
            for ref, data in items
        ], batch_size=500)
    return len(items)
