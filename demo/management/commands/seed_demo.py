"""``manage.py seed_demo``: build the synthetic demo city (``demo.builder``), then add careers' and
personnel's demo work to it (``demo.builder.add_apps_demo``)."""
from __future__ import annotations

import datetime as dt
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from demo import builder


class Command(BaseCommand):
    help = "生成演示城市（连云港，合成数据）：学校、教师及各类记录，并创建各角色的演示账号。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=builder.DEFAULT_SEED, help="随机种子（相同种子生成相同数据）")
        parser.add_argument("--teachers", type=int, default=builder.DEFAULT_TEACHERS, help="教职工人数（默认 50000）")
        parser.add_argument("--schools", type=int, default=builder.DEFAULT_SCHOOLS, help="学校数（默认 700）")
        parser.add_argument("--cities", type=int, default=1,
                            help="城市数（默认 1：连云港；大于 1 时再生成江苏其他设区市及其区县，学校和教师分布到全省）")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=builder.AS_OF,
                            help=f"演示数据的“今天”（默认 {builder.AS_OF}）")
        parser.add_argument("--if-empty", action="store_true", help="已有教师数据时什么也不做")
        parser.add_argument("--flush", action="store_true",
                            help="先删除全部学校、教师及其记录和演示账号，再重新生成")

    def handle(self, *args, **opts):
        pending = unapplied_migrations()
        if pending:
            raise CommandError(f"数据库尚未完成迁移（{len(pending)} 项未应用，如 {pending[0]}）："
                               "请先运行 python manage.py migrate，再生成演示数据。")
        if opts["if_empty"] and builder.demo_city_exists():
            self.stdout.write("已有教师数据，跳过演示城市生成（--if-empty）。")
            return
        if opts["flush"]:
            try:
                deleted = builder.flush_demo_data()
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已删除原有数据 {sum(deleted.values())} 行。")
        elif builder.demo_city_exists():
            raise CommandError("数据库中已有教师数据：加 --flush 重新生成，或加 --if-empty 跳过。")
        try:
            result = builder.build_demo_city(
                seed=opts["seed"], teachers=opts["teachers"], schools=opts["schools"], as_of=opts["as_of"],
                cities=opts["cities"],
                log=lambda msg: self.stdout.write(msg) if opts["verbosity"] > 1 else None,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        result.counts.update(builder.add_apps_demo(as_of=opts["as_of"], seed=opts["seed"]))
        width = max(_width(k) for k in result.counts) + 2
        self.stdout.write(self.style.SUCCESS(f"演示城市已生成（种子 {opts['seed']}，用时 {result.seconds:.1f} 秒）："))
        for label, count in result.counts.items():
            self.stdout.write(f"  {_pad(label, width)}{count:>10,}")
        self.stdout.write(self.style.SUCCESS(f"演示账号（密码均为 {builder.DEMO_PASSWORD}，均可登录管理后台）："))
        for login in result.logins:
            self.stdout.write(f"  {login['username']:<16}{login['password']:<12}{_pad(login['role'], 16)}{login['scope']}")


def unapplied_migrations() -> list[str]:
    """The migrations the default database has not applied (``showmigrations``' empty boxes), as
    ``app.name``. An unmigrated database has no tables for the demo to write: the seed would stop
    on the database's own error (relation "workforce_teacher" does not exist)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return [f"{migration.app_label}.{migration.name}"
            for migration, _backwards in executor.migration_plan(executor.loader.graph.leaf_nodes())]


def _width(text: str) -> int:
    """Columns a terminal gives ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))
