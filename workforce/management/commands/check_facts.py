"""``python manage.py check_facts [--fix] [--no-refresh]``: recount every school from the records
and compare with the facts per school (``workforce.facts``), run nightly.

First the facts are brought up to date with the writes they have not seen (what every page does
before reading them; ``--no-refresh`` leaves them as they are), then each (school, measure) is
counted again and every difference is printed: the school (or the row of what belongs to no
school), the measure, the stored counts and the live ones (only the counts that differ). Exit code 1
when there is any; ``--fix`` rewrites those rows with the live counts (and exits 0). On PostgreSQL
the comparison reads one snapshot (REPEATABLE READ), so a write during the check is no difference."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from workforce import facts, registry
from workforce.models import District, School


def _shown(counts, keys) -> str:
    if counts is None:
        return "（无）"
    if isinstance(counts, dict):
        return "{" + ", ".join(f"{'/'.join(map(str, k)) if isinstance(k, tuple) else k}: {counts.get(k, 0)}"
                               for k in keys) + "}"
    return repr(counts)


class Command(BaseCommand):
    help = "按记录重新计算各校指标计数，与指标事实表逐条核对；有差异时退出码为 1，--fix 改正。"

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="用重新计算的计数改写有差异的事实")
        parser.add_argument("--no-refresh", action="store_true", help="核对前不按已记录的写入更新事实")

    def handle(self, *args, **options):
        connection = connections[facts.ALIAS]
        if not options["no_refresh"]:
            if facts.refresh() is None:
                raise CommandError("数据版本触发器不完整，指标事实不可用（请运行 migrate）。")
        state = facts.FactState.objects.using(facts.ALIAS).filter(pk=facts.STATE_KEY).first()
        if state is None or not state.setting:
            raise CommandError("还没有指标事实（首次打开看板或运行 refresh_facts 时生成）。")
        setting = facts.default_setting(state.on)
        if setting.key != state.setting:
            raise CommandError(f"指标事实按 {state.on:%Y-%m-%d} 的口径计算，与现在的规划、规则或指标不同："
                               "请先运行 refresh_facts。")
        outermost = not connection.in_atomic_block
        with transaction.atomic(using=facts.ALIAS):
            if connection.vendor == "postgresql" and outermost:  # one snapshot for the facts and the records
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            found = facts.differences(setting)
            if found and options["fix"]:
                facts.fix(setting, found)
        names = dict(School.objects.using(facts.ALIAS).values_list("pk", "code"))
        districts = dict(District.objects.using(facts.ALIAS).values_list("pk", "name"))
        labels = {m.key: m.label for m in registry.measures()}
        for d in found:
            if d.district_id is not None:
                scope = f"区县 {districts.get(d.district_id, d.district_id)}（各校合计）"
            elif d.school_id is not None:
                scope = f"学校 {names.get(d.school_id, d.school_id)}"
            else:
                scope = "（不属于任何学校）"
            keys = d.keys()
            self.stdout.write(f"{scope} · {labels.get(d.measure, d.measure)}（{d.measure}） · "
                              f"存储 {_shown(d.stored, keys)} · 实时 {_shown(d.live, keys)}")
        self.stdout.write(f"统计日期 {state.on:%Y-%m-%d}，核对 {len(names)} 所学校：{len(found)} 处差异"
                          + ("，已改正" if found and options["fix"] else ""))
        if found and not options["fix"]:
            raise CommandError(f"指标事实与记录不符：{len(found)} 处（--fix 改正）", returncode=1)

