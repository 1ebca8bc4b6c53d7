"""Daily: apply the confirmed personnel events whose effective date has come, and make the moves
of exchanges recorded with 调动人事关系."""
import datetime as dt

from django.core.management.base import BaseCommand

from personnel import events


class Command(BaseCommand):
    help = "使已确认且到生效日期的人事变动生效（每日运行）"

    def add_arguments(self, parser):
        parser.add_argument("--on", help="按该日期处理（YYYY-MM-DD，默认今天）")

    def handle(self, *args, **options):
        on = dt.date.fromisoformat(options["on"]) if options.get("on") else None
        made = events.sync_exchange_moves(today=on)
        done = events.apply_due(on=on)
        self.stdout.write(f"交流轮岗（调动人事关系）生成调动 {len(made)} 项；生效 {len(done)} 项人事变动。")
