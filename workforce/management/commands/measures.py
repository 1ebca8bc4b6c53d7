"""``python manage.py measures --scope city|district:NAME|school:CODE [--on DATE] [--year 2025-2026] [--plan CODE] --json``

``--plan`` measures against that plan's targets (``Plan.code``: 14th, 15th …); by default the plan
in force on the date. ``--final`` prints the plan's final account (终期核算) from its snapshot."""
from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from workforce import measures as ms
from workforce import selectors


def parse_year(text: str | None) -> int | None:
    """``2025-2026`` (or ``2025``) → 2025."""
    if not text:
        return None
    head, _, tail = text.partition("-")
    try:
        start = int(head)
    except ValueError as exc:
        raise ValueError(f"学年应写作 2025-2026（收到“{text}”）") from exc
    if tail and int(tail) != start + 1:
        raise ValueError(f"学年应写作 2025-2026（收到“{text}”）")
    return start


def parse_on(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"日期应写作 2025-09-01（收到“{text}”）") from exc


class Command(BaseCommand):
    help = "计算一个范围（全市、区县或学校）在某日的全部指标；--json 输出 JSON。"

    def add_arguments(self, parser):
        parser.add_argument("--scope", default="city", help="city、district:区县名 或 school:学校标识码")
        parser.add_argument("--on", help="统计日期 YYYY-MM-DD（默认今天）")
        parser.add_argument("--year", help="学年，如 2025-2026（默认统计日期所在学年）")
        parser.add_argument("--plan", help="对照的规划代码（如 14th；默认统计日期所在的现行规划）")
        parser.add_argument("--final", action="store_true", help="输出该规划的终期核算（目标年学年的快照对照目标）")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args, **options):
        try:
            ref = selectors.resolve_scope(options["scope"])
            on = parse_on(options["on"])
            year = parse_year(options["year"])
            targets = selectors.load_targets(options["plan"], on)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["final"]:
            self._final(selectors.final_account(ref, targets), options["json"])
            return
        data = selectors.measures_for(ref, on=on, year=year, targets=targets)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        plan = data["plan"]
        self.stdout.write(f"{data['scope_name']}  统计日期 {data['on']}  学年 {data['school_year']}"
                          + (f"  对照规划 {plan['name']}（目标年 {plan['target_year']}）" if plan else "  未录入规划目标"))
        for line in data["table2"]:
            flag = "无数据" if line["missing"] else "—" if line["met"] is None else ("达标" if line["met"] else f"差 {line['gap']} 人")
            self.stdout.write(f"  {line['stage']}{line['measure']}: {line['numerator']}/{line['denominator']} "
                              f"{ms.percent(line['ratio'])}（目标 {ms.percent(line['target'], 0)}）{flag}")
        for line in data["pupil_teacher"]:
            ratio = "无数据" if line["missing"] else "—" if line["ratio"] is None else f"{line['ratio']:.2f}:1"
            pupils = "未填报" if line["pupils"] is None else line["pupils"]
            notes = "".join(f"；{n}" for n in (
                f"{line['schools_without_enrolment']} 所学校未填报在校生，部分数据" if line["partial"] else "",
                line["coverage"]) if n)
            self.stdout.write(f"  生师比（{line['stage']}）: {pupils}/{line['teachers']} {ratio}（目标 {line['target']}:1）{notes}")
        rot = data["rotation"]
        if rot:
            ratio = "无数据" if rot["missing"] else ms.percent(rot["ratio"])
            self.stdout.write(f"  交流轮岗 {rot['year']}: {rot['rotated']}/{rot['eligible']} {ratio}"
                              f"（目标 {ms.percent(rot['target'], 0)}），骨干占比 {ms.percent(rot['backbone_share'])}；"
                              f"全部已交流 {rot['rotated_any']}（{ms.percent(rot['ratio_any'])}），"
                              f"已登记未开始 {rot['planned']}，上一轮未返回 {rot['still_away']}")
        if data["training"]:
            t = data["training"]
            self.stdout.write(f"  培训学分 {t['cycle']}（无目标）: 进度正常 {t.get('on_track')}/{t['teachers']}"
                              f" {ms.percent(t.get('on_track_ratio'))}，已完成 {t['complete']}/{t['teachers']}"
                              f" {ms.percent(t['ratio'])}；高职高专单列 {t.get('apart_teachers', 0)} 人")
        for h in data["honours"]:
            target = "" if h["target"] is None else f"（目标 {h['target']:.0f}）"
            self.stdout.write(f"  {h['name']}: {h['count']}{target}")
        q = data["quota"]
        missing = lambda value: "无数据" if value is None else value  # noqa: E731
        gap = q["quota_gap"] or {"shortage": None, "surplus": None}
        self.stdout.write(f"  编制: 标准 {q['standard']} 核定 {missing(q['approved'])} 在编 {q['actual']}"
                          f" 编制缺口 {missing(gap['shortage'])} 编制富余 {missing(gap['surplus'])}"
                          f" 空编 {missing(q['vacancies'])} 超编 {missing(q['overstaffed'])}"
                          f"（未核定编制的学校 {q['schools_without_approved']} 所）")

    def _final(self, account: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(account, ensure_ascii=False, indent=2))
            return
        plan = account["plan"]
        if plan is None:
            raise CommandError("未录入任何规划")
        self.stdout.write(f"{account['scope_name']}  “{plan['name']}”规划终期核算：{account['school_year']} 学年对照 "
                          f"{plan['target_year']} 年目标（快照 {account['snapshot_on'] or '无'}）")
        for row in account["rows"]:
            value = row["value"]
            shown = "无数据" if row["missing"] else "—" if value is None else (
                ms.percent(value) if row["percent"] else f"{value:g}")
            flag = "—" if row["met"] is None else ("达标" if row["met"] else f"未达标，差 {row['gap']}")
            note = f"（{row['note']}）" if row["note"] else ""
            self.stdout.write(f"  {row['name']}: {shown}（目标 {row['target']:g}{'%' if row['percent'] else ''}）{flag}{note}")
