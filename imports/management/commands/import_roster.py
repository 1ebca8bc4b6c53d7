"""``manage.py import_roster FILE``: the import service from the command line (scripts, the
city's data platform). Exit status: 0 committed (or a dry run without errors), 1 rows with
errors (nothing written), 2 the file could not be read."""
from __future__ import annotations

import json
import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from imports.kinds import KIND_ORDER
from imports.models import ImportRun
from imports.mappings import MappingFileError, load_mapping_file
from imports.services import ImportRefused, import_run

PROGRESS_FROM_ROWS = 5000


class Command(BaseCommand):
    help = "导入教师花名册、全国教师管理信息系统导出表等（xlsx/xls/csv）。退出码：0 成功，1 有错误行（未写入），2 文件无法读取。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的文件（.xlsx / .xls / .csv）")
        parser.add_argument("--kind", help=f"指定类别（默认按表头识别）：{', '.join(KIND_ORDER)}")
        parser.add_argument("--school", help="学校标识码：文件没有学校列时，教师导入到这所学校")
        parser.add_argument("--dry-run", action="store_true", help="只校验并预览，不写入")
        parser.add_argument("--report", help="把结果写成 JSON 文件")
        parser.add_argument("--user", help="以该用户的身份和管理范围导入（默认：命令行操作员，全市范围）")
        parser.add_argument("--fill", action="append", default=[], metavar="字段=值",
                            help="文件缺少统计所需的列时，为全部行指定一个值，如 --fill ownership=公办 --fill school_entry=（留空）")
        parser.add_argument("--mapping", help="JSON 映射文件：未识别的表头和取值对应什么（此外还使用该用户单位已保存的映射）")

    def handle(self, *args, **opts):
        user = None
        if opts["user"]:
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"用户“{opts['user']}”不存在。", returncode=2)
        err = self.stderr
        last = [0.0]

        def progress(done, total, phase):
            now = time.monotonic()
            if (total or done) < PROGRESS_FROM_ROWS or now - last[0] < 1:
                return
            last[0] = now
            of = f"/{total}" if total else ""
            label = ImportRun.Phase(phase).label if phase in ImportRun.Phase.values else (phase or "…")
            err.write(f"  {label}：{done}{of} 行")

        mapping = None
        if opts["mapping"]:
            try:
                mapping = load_mapping_file(opts["mapping"])
            except MappingFileError as exc:
                raise CommandError(str(exc), returncode=2)
        fills = _fills(opts["fill"])
        try:
            report = import_run(file=opts["file"], filename=opts["file"], kind=opts["kind"], user=user,
                                school=opts["school"], dry_run=opts["dry_run"], source="cli", progress=progress,
                                mapping=mapping, fills=fills)
        except FileNotFoundError:
            raise CommandError(f"文件“{opts['file']}”不存在。", returncode=2)
        except ImportRefused as exc:
            raise CommandError(str(exc), returncode=1)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2)
        if opts["report"]:
            with open(opts["report"], "w", encoding="utf-8") as fh:
                json.dump(report.as_json(), fh, ensure_ascii=False, indent=2)
        if report.unreadable:
            raise CommandError(report.message, returncode=2)
        for warning in report.warnings:
            err.write(f"提示：{warning}")
        for used in report.applied_mappings:
            err.write(f"使用映射（{used['where']}）：{'列' if not used['column'] else used['column'] + ' 取值'}"
                      f"“{used['text']}” → {used['target'] or '不需要'}")
        for column in report.ignored_columns:
            err.write(f"未导入的列：{column['sheet']}“{column['header']}”（{column['why']}）")
        for filled in report.filled_columns:
            err.write(f"本文件的选择：{filled['sheet']} {filled['label']} = {filled['value']}")
        for header in report.unknown_headers:
            err.write(f"未识别的列：{header['sheet']} {header['column']} 列“{header['header']}”，未导入"
                      f"（可在 --mapping 文件的 \"headers\" 中指定它对应的字段，或 null 表示不需要）")
        self.stdout.write(
            f"{'预览' if opts['dry_run'] else '导入'}“{opts['file']}”（{report.kind}）：共 {report.rows} 行，"
            f"新增 {report.new}，修改 {report.changed}，未变 {report.unchanged}，错误 {len(report.errors)} 处。")
        if report.errors:
            for u in report.unknown_value_list():  # one line per distinct value, not per row
                rows = "、".join(str(n) for n in u["first_rows"]) + ("……" if u["rows"] > len(u["first_rows"]) else "")
                err.write(f"  {u['sheet']} [{u['column']}] 未知取值“{u['value']}”：{u['rows']} 行（第 {rows} 行）；"
                          f"可选：{'、'.join(label for _code, label in u['choices'][:12])}")
            others = [e for e in report.errors if not e.unknown]
            for e in others[:50]:
                err.write(f"  {e.sheet} 第{e.row}行 [{e.column}] “{e.value}”：{e.message}")
            if len(others) > 50:
                err.write(f"  ……共 {len(others)} 处错误（完整清单见 --report）")
            raise CommandError("有错误，未写入任何数据。", returncode=1)
        if not opts["dry_run"]:
            self.stdout.write(self.style.SUCCESS(f"已写入（导入批次 {report.run_id}）。"))
        sys.stdout.flush()


def _fills(given: list[str]) -> dict[str, str]:
    """``--fill ownership=公办`` (a field key or its header) for every kind with that measure column."""
    from imports.kinds import KINDS
    from imports.mappings import _field_key

    out = {}
    for item in given:
        name, sep, value = item.partition("=")
        key = _field_key(name.strip(), KINDS) if sep else None
        kinds = [kind for kind in KINDS.values() if key and kind.column(key) is not None and kind.column(key).measure]
        if not kinds:
            raise CommandError(f"--fill “{item}”：应写成 字段=值，字段为统计所需的列（如 ownership=公办）", returncode=2)
        for kind in kinds:
            out[f"{kind.sheet_kind}.{key}"] = value.strip()
    return out
