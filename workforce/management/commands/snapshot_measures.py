"""``python manage.py snapshot_measures [--on DATE] [--year 2025-2026] [--schools] [--past FIRST_YEAR]``

Stores the measures of the city and of every district (and, with ``--schools``, of every
school) for a date as ``MeasureSnapshot`` rows: the trend chart draws them, and a plan's final
account reads the snapshot of the school year that begins in its target year. Run it on the
last day of each school year (31 August: the year is then complete, ``workforce.snapshots``);
running it again for the same date replaces that date's rows. ``--past 2020`` stores the
snapshot of every school year from 2020-2021 that has ended, each on its 31 August, from the
records as they stand (dates of joining, leaving, degrees, exchanges and awards).
"""
from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from workforce import snapshots

from .measures import parse_on, parse_year


class Command(BaseCommand):
    help = "保存全市、各区县（可选各学校）在某日的指标快照，用于看板的趋势图和规划终期核算。"

    def add_arguments(self, parser):
        parser.add_argument("--on", help="统计日期 YYYY-MM-DD（默认今天；建议每学年最后一天 8月31日）")
        parser.add_argument("--year", help="学年，如 2025-2026（默认统计日期所在学年）")
        parser.add_argument("--schools", action="store_true", help="同时保存每所学校的快照")
        parser.add_argument("--past", type=int, metavar="YEAR",
                            help="补存自该学年起（如 2020 即 2020-2021）每个已结束学年的快照，各在其 8月31日")

    def handle(self, *args, **options):
        try:
            on = parse_on(options["on"]) or dt.date.today()
            year = parse_year(options["year"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["past"] is not None:
            for past in snapshots.past_school_years(options["past"], on):
                day = snapshots.school_year_end(past)
                n = snapshots.snapshot_take(day, past, schools=options["schools"])
                self.stdout.write(self.style.SUCCESS(f"已保存 {day:%Y-%m-%d}（{past}-{past + 1} 学年）的指标快照 {n} 条。"))
            return
        n = snapshots.snapshot_take(on, year, schools=options["schools"])
        self.stdout.write(self.style.SUCCESS(f"已保存 {on:%Y-%m-%d} 的指标快照 {n} 条。"))
