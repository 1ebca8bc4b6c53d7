"""``python manage.py refresh_facts [--full]``: bring the facts per school up to date
(``workforce.facts.refresh``): the schools written since they were last brought up to date, or
every school when the day, the plan, a rule or a measure changed (``--full``: always every
school). Every page does this before reading them; run it from cron shortly after midnight (the
new day's facts) and after a change to reference data, so that no reader waits for it."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from workforce import facts


class Command(BaseCommand):
    help = "更新各校指标事实（自上次更新后有写入的学校；日期、规划、规则变化时全部重算）。"

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="全部学校重新计算")

    def handle(self, *args, **options):
        began = time.perf_counter()
        done = facts.refresh(full=options["full"])
        if done is None:
            raise CommandError("数据版本触发器不完整，指标事实不可用（请运行 migrate）。")
        recounted = done.recounted
        if not recounted:
            what = "无需更新"
        elif all(v is None for v in recounted.values()):
            what = f"全部学校重新计算（{len(recounted)} 项指标）"
        else:
            schools = set().union(*(set(v) for v in recounted.values() if v is not None))
            what = f"重新计算 {len(schools)} 所学校" + ("，部分指标全部学校" if None in recounted.values() else "")
        self.stdout.write(f"指标事实（统计日期 {done.state.on:%Y-%m-%d}）：{what}，用时 {time.perf_counter() - began:.1f} 秒")
