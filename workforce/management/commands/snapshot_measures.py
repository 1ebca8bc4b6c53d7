"""``python manage.py snapshot_measures [--on DATE] [--year 2025-2026] [--schools]``

Stores the measures of the city and of every district (and, with ``--schools``, of every
school) for a date as ``MeasureSnapshot`` rows, so the dashboard can draw the trend from the
plan's 2020 baseline to now against the 2025 target. Run it once a year (e.g. on 1 September
or at the statistics date); running it again for the same date replaces that date's rows.
"""
from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from workforce import selectors as sel
from workforce.models import MeasureSnapshot, school_year_of

from .measures import parse_on, parse_year


def snapshot(on: dt.date, year: int | None = None, *, schools: bool = False, user=None) -> int:
    """Compute and store the snapshots of ``on``; returns how many rows were written.
    The districts come from one grouped computation (``measures_by``), as on the dashboard."""
    year = school_year_of(on) if year is None else year
    targets = sel.load_targets()
    total, rows = sel.measures_by(sel.CITY, "district", on=on, year=year, targets=targets)
    items = [(sel.CITY, total)] + rows
    if schools:
        _total, school_rows = sel.measures_by(sel.CITY, "school", on=on, year=year, targets=targets)
        items += school_rows
    with transaction.atomic():
        for ref, data in items:
            MeasureSnapshot.objects.update_or_create(
                scope_kind=ref.kind, scope_key=ref.code if ref.kind != "city" else "", on=on,
                defaults={"school_year": year, "data": data, "created_by": user},
            )
    return len(items)


class Command(BaseCommand):
    help = "保存全市、各区县（可选各学校）在某日的指标快照，用于看板的趋势图。"

    def add_arguments(self, parser):
        parser.add_argument("--on", help="统计日期 YYYY-MM-DD（默认今天）")
        parser.add_argument("--year", help="学年，如 2025-2026（默认统计日期所在学年）")
        parser.add_argument("--schools", action="store_true", help="同时保存每所学校的快照")

    def handle(self, *args, **options):
        try:
            on = parse_on(options["on"]) or dt.date.today()
            year = parse_year(options["year"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        n = snapshot(on, year, schools=options["schools"])
        self.stdout.write(self.style.SUCCESS(f"已保存 {on:%Y-%m-%d} 的指标快照 {n} 条。"))
