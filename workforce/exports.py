"""The measures as an .xlsx workbook (openpyxl): the same objects the dashboard and the JSON show.

One sheet per measure (the scope's figure first, then a row per district or school), optionally
a sheet per district; ratios are real percentages (number format ``0.0%``), cells of a target
met are green and of a target missed red, and each sheet's title row names the scope, the
as-of date and the school year. Every text cell goes through ``escape_cell``.
"""
from __future__ import annotations

import io
import re
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.spreadsheets import escape_cell

MET_FILL = PatternFill("solid", fgColor="C6EFCE")
UNMET_FILL = PatternFill("solid", fgColor="FFC7CE")
HEAD_FILL = PatternFill("solid", fgColor="DDE5F0")
PERCENT = "0.0%"
RATIO = "0.00"
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


class Percent:
    """A ratio cell (a fraction shown as a percentage)."""

    def __init__(self, value):
        self.value = value


class Ratio:
    """A pupil–teacher ratio cell (N:1)."""

    def __init__(self, value):
        self.value = value


MISSING = "无数据"


def _met_text(met):
    """达标 / 未达标 / — ; a text (e.g. "无数据", the figure's inputs are missing) as it is."""
    if isinstance(met, str):
        return met
    return "—" if met is None else ("达标" if met else "未达标")


def _met(result: dict):
    """A figure's 是否达标 cell: "无数据" when its inputs are missing (DOMAIN.md), never 达标."""
    if result.get("missing"):
        return MISSING
    if result.get("partial"):
        return "部分数据，不判断"
    if result.get("coverage"):
        return "部分口径，不判断"
    return result.get("met")


def _title(data: dict, what: str) -> str:
    filters = "，".join(f"{name}={value}" for name, value in data.get("filters", {}).items())
    extra = f"（筛选：{filters}）" if filters else ""
    return (f"连云港市教师队伍建设指标 · {what} · 范围：{data['scope_name']} · 统计日期：{data['on']}"
            f" · 学年：{data['school_year']}{extra}")


def _write(ws, title: str, header: list[str], rows: list[list], met_cols: dict[int, int] | None = None) -> None:
    """Title row, header row, then rows. ``met_cols`` maps a column to the column holding its met flag
    (True/False/None) whose fill colours it; the flag column itself is written as 达标/未达标."""
    met_cols = met_cols or {}
    ws.append([escape_cell(title)])
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    ws.append([escape_cell(heading) for heading in header])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    flag_cols = set(met_cols.values())
    for values in rows:
        out = []
        for i, value in enumerate(values):
            if isinstance(value, (Percent, Ratio)):
                out.append(value.value)
            elif i in flag_cols:
                out.append(_met_text(value))
            else:
                out.append(escape_cell(value))
        ws.append(out)
        row_number = ws.max_row
        for i, value in enumerate(values):
            cell = ws.cell(row=row_number, column=i + 1)
            if isinstance(value, Percent) and value.value is not None:
                cell.number_format = PERCENT
            elif isinstance(value, Ratio) and value.value is not None:
                cell.number_format = RATIO
            if i in met_cols:
                flag = values[met_cols[i]]
                if isinstance(flag, bool):
                    cell.fill = MET_FILL if flag else UNMET_FILL
            if i in flag_cols and isinstance(value, bool):
                cell.fill = MET_FILL if value else UNMET_FILL
    ws.freeze_panes = "B3"
    for i, heading in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(28, len(heading) * 2 + 2))
    ws.column_dimensions["A"].width = 22


def _scopes(total: dict, rows: list) -> list[dict]:
    return [total] + [data for _ref, data in rows]


def table2_sheet(ws, total, rows):
    out = []
    for data in _scopes(total, rows):
        for line in data["table2"]:
            edu = line["education_only"]
            out.append([data["scope_name"], line["stage"], line["measure"], line["numerator"], line["denominator"],
                        Percent(line["ratio"]), Percent(line["target"]), _met(line), line["gap"],
                        edu["numerator"], Percent(edu["ratio"]), _met(edu), edu["gap"]])
    _write(ws, _title(total, "表2 学历（学位）指标"),
           ["范围", "学段", "口径", "达到人数", "专任教师", "比例", "目标", "是否达标", "差额（人）",
            "仅按学历：人数", "仅按学历：比例", "仅按学历：是否达标", "仅按学历：差额"],
           out, {5: 7, 8: 7, 10: 11})


def ptr_sheet(ws, total, rows):
    out = []
    for data in _scopes(total, rows):
        for line in data["pupil_teacher"]:
            out.append([data["scope_name"], line["stage"], line["pupils"], line["teachers"], Ratio(line["ratio"]),
                        Ratio(line["target"]), _met(line), line["gap"], line.get("teachers_all"),
                        line.get("schools_without_enrolment"), line.get("coverage", "")])
    _write(ws, _title(total, "表1 生师比"),
           ["范围", "学段", "在校生（未填报为空）", "专任教师（已填报在校生的学校）", "生师比（:1）", "目标（≤）", "是否达标",
            "需增教师（人）", "该学段全部专任教师", "未填报在校生的学校", "口径说明"], out, {4: 6})


def rotation_sheet(ws, total, rows):
    out = []
    for data in _scopes(total, rows):
        rot = data["rotation"]
        if rot is None:
            continue
        directions = "；".join(f"{direction['from']}→{direction['to']} {direction['teachers']}人"
                              for direction in rot["directions"])
        out.append([data["scope_name"], rot["year"], rot["eligible"], rot["rotated"], Percent(rot["ratio"]),
                    Percent(rot["target"]), _met(rot), rot["gap"], rot["all"], Percent(rot["ratio_all"]), rot["backbone"],
                    Percent(rot["backbone_share"]),
                    Percent(rot["backbone_target"]), rot["backbone_met"], directions, rot.get("rotated_any"),
                    Percent(rot.get("ratio_any")), rot.get("planned"), rot.get("still_away")])
    _write(ws, _title(total, "义务教育教师交流轮岗"),
           ["范围", "学年", "应交流（满年限在编）", "已交流（应交流教师中已开始交流）", "交流比例", "目标", "是否达标", "差额（人）",
            "全部义务教育专任教师", "全部已交流占全部教师比例", "其中骨干", "骨干占比", "骨干目标", "骨干是否达标", "交流方向",
            "全部已交流（含未满年限、非在编）", "全部已交流 / 应交流（政策字面口径）", "已登记、尚未开始（不计入）",
            "上一轮多年期交流尚未返回"],
           out, {4: 6, 11: 13})


def honours_sheet(ws, total, rows):
    out = []
    for data in _scopes(total, rows):
        for honour in data["honours"]:
            out.append([data["scope_name"], honour["name"], honour["count"],
                        None if honour["target"] is None else int(honour["target"]), honour["met"],
                        honour["gap"] if honour["target"] is not None else None])
    _write(ws, _title(total, "荣誉与人才项目"), ["范围", "项目", "人数/个数", "目标", "是否达标", "差额"], out, {2: 4})


def workforce_sheet(ws, total, rows):
    out = []
    for data in _scopes(total, rows):
        new, dual = data["new_teachers"], data["dual_qualified"]
        out.append([data["scope_name"], new["year"], new["count"], None if new["target"] is None else int(new["target"]),
                    new["met"], dual["dual"], dual["teachers"], Percent(dual["ratio"]), Percent(dual["target"]), _met(dual),
                    dual["gap"]])
    _write(ws, _title(total, "新教师补充与中职双师型"),
           ["范围", "学年", "新补充专任教师", "目标", "是否达标", "双师型教师", "中职专任教师", "双师型比例", "目标",
            "是否达标", "差额（人）"], out, {2: 4, 7: 9})


def training_sheet(ws, total, rows):
    out = []
    for data in _scopes(total, rows):
        training = data["training"]
        if training is None:
            continue
        missing = training.get("missing")
        out.append([data["scope_name"], training.get("cycle", ""), training.get("teachers"), training.get("on_track"),
                    MISSING if missing else Percent(training.get("on_track_ratio")), training.get("complete"),
                    MISSING if missing else Percent(training.get("ratio")), training.get("not_due"),
                    training.get("apart_teachers"), Percent(training.get("apart_on_track_ratio")),
                    Percent(training.get("apart_ratio"))])
    # No target columns: the plan sets no completion-rate target (DOMAIN.md, Training credits).
    _write(ws, _title(total, "培训学分（规划未设达标率目标；周期前期以进度正常率为主要指标）"),
           ["范围", "周期", "计入的专任教师", "进度正常人数", "进度正常率（主要指标）", "已完成应修学时人数", "完成率",
            "暂不计入的新入职教师（本周期无完整学年）", "高职高专教师（单列）", "高职高专进度正常率（按本市规则）",
            "高职高专完成率（按本市规则）"], out)


def quota_sheet(ws, total, rows):
    out = []
    for data in _scopes(total, rows):
        quota = data["quota"]
        out.append([data["scope_name"], quota["school_year"], *(_quota_value(quota, key) for key in QUOTA_KEYS),
                    quota["schools"], quota["schools_without_approved"]])
    _write(ws, _title(total, "编制"), ["范围", "学年", *QUOTA_HEADERS, "学校数", "未核定编制的学校"], out)


def _quota_value(quota: dict, key: str):
    """A figure of the JSON ``quota`` object for a cell: 无数据 where it is null (missing, not 0)."""
    if key.startswith("quota_gap.") and quota["quota_gap"]:
        value = quota["quota_gap"][key.split(".")[1]]
    else:
        value = quota.get(key)
    return "无数据" if value is None else value


# The 编制 figures of the JSON object, in the order and with the labels of the sheet (DOMAIN.md
# "Staffing quota": both gaps, their parts summed separately over the schools with an approved quota).
QUOTA_KEYS = ("standard", "approved", "actual", "quota_gap.shortage", "quota_gap.surplus", "vacancies", "overstaffed")
QUOTA_HEADERS = ["标准编制", "核定编制（已核定的学校）", "实有在编", "编制缺口（各校标准−核定>0之和）",
                 "编制富余（各校核定−标准>0之和）", "空编（各校核定−在编>0之和）", "超编（各校在编−核定>0之和）"]


def _sheet_name(name: str, used: set) -> str:
    base = BAD_SHEET_CHARS.sub("_", name)[:31] or "Sheet"
    candidate, suffix = base, 2
    while candidate in used:
        candidate = f"{base[:28]}_{suffix}"
        suffix += 1
    used.add(candidate)
    return candidate


def measures_workbook(total: dict, rows: list, *, sheet_per_row: bool = False) -> bytes:
    """``total`` and ``rows`` as ``selectors.measures_by`` returns them (rows may be empty): a sheet
    per measure of the registry (``Measure.write_sheet``) that has a figure in the scope, and with
    ``sheet_per_row`` a sheet per district with every measure's rows (``Measure.scope_rows``)."""
    from . import registry

    wb = Workbook()
    wb.remove(wb.active)
    used: set = set()
    measures = registry.measures()
    for measure in measures:
        if measure.in_export(total):
            measure.write_sheet(wb.create_sheet(_sheet_name(measure.sheet_name or measure.label, used)), total, rows)
    if sheet_per_row:
        for _ref, data in rows:
            ws = wb.create_sheet(_sheet_name(data["scope_name"], used))
            _one_scope_sheet(ws, data, measures)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


SCOPE_HEADER = ["指标", "分子/人数", "分母", "比例", "目标", "是否达标", "差额"]


def _one_scope_sheet(ws, data: dict, measures) -> None:
    """Every measure of one scope on one sheet (the "sheet per district" of the export)."""
    rows = [row for measure in measures for row in (measure.scope_rows(data) if measure.in_export(data) else [])]
    _write(ws, _title(data, "全部指标"), SCOPE_HEADER, rows, {3: 5})


def table2_scope_rows(data: dict) -> list[list]:
    return [[f"{line['stage']}{line['measure']}（学历（学位））", line["numerator"], line["denominator"],
             Percent(line["ratio"]), Percent(line["target"]), line["met"], line["gap"]] for line in data["table2"]]


def ptr_scope_rows(data: dict) -> list[list]:
    return [[f"生师比（{line['stage']}）", line["pupils"], line["teachers"], Ratio(line["ratio"]), Ratio(line["target"]),
             _met(line), line["gap"]] for line in data["pupil_teacher"]]


def rotation_scope_rows(data: dict) -> list[list]:
    rot = data["rotation"]
    if rot is None:
        return []
    return [[f"交流轮岗 {rot['year']}", rot["rotated"], rot["eligible"], Percent(rot["ratio"]), Percent(rot["target"]),
             _met(rot), rot["gap"]],
            ["交流轮岗：全部已交流 / 应交流（政策字面口径）", rot.get("rotated_any"), rot["eligible"],
             Percent(rot.get("ratio_any")), None, None, None],
            ["交流轮岗中骨干占比", rot["backbone"], rot["rotated"], Percent(rot["backbone_share"]),
             Percent(rot["backbone_target"]), rot["backbone_met"], rot["backbone_gap"]]]


def workforce_scope_rows(data: dict) -> list[list]:
    dual = data["dual_qualified"]
    return [["中职双师型比例", dual["dual"], dual["teachers"], Percent(dual["ratio"]), Percent(dual["target"]), _met(dual),
             dual["gap"]]]


def training_scope_rows(data: dict) -> list[list]:
    training = data["training"]
    return [["培训进度正常率（主要指标；规划未设目标）", training.get("on_track"), training.get("teachers"),
             Percent(training.get("on_track_ratio")), None, MISSING if training.get("missing") else None, None],
            ["培训完成率（规划未设目标）", training.get("complete"), training.get("teachers"), Percent(training.get("ratio")), None,
             MISSING if training.get("missing") else None, None]]


def honours_scope_rows(data: dict) -> list[list]:
    return [[honour["name"], honour["count"], None, None, None, honour["met"],
             honour["gap"] if honour["target"] is not None else None]
            for honour in data["honours"]]


def quota_scope_rows(data: dict) -> list[list]:
    quota = data["quota"]
    return [["编制：标准/核定（已核定的学校）", quota["standard"], _quota_value(quota, "approved"), None, None, None, None],
            ["编制：编制缺口/编制富余（各校之和）", _quota_value(quota, "quota_gap.shortage"),
             _quota_value(quota, "quota_gap.surplus"), None, None, None, None],
            ["编制：空编/超编（各校之和）", _quota_value(quota, "vacancies"), _quota_value(quota, "overstaffed"),
             None, None, None, None]]


# ---------------------------------------------------------------- any measure, from its typed figures
def _figure_cell(figure, value):
    """A figure's value (or target) as a cell: shares as percentages, N:1 ratios, counts."""
    if value is None:
        return None
    return Percent(value) if figure.unit == "%" else (Ratio(value) if figure.unit == "比" else value)


def _figure_met(figure):
    if figure.missing:
        return MISSING
    if figure.note and figure.met is None:
        return "部分数据，不判断"
    return figure.met


def figure_rows(figures) -> list[list]:
    """The rows of a scope's sheet (``SCOPE_HEADER``) of a measure's typed figures."""
    return [[figure.label, figure.numerator, figure.denominator,
             MISSING if figure.missing else _figure_cell(figure, figure.value),
             _figure_cell(figure, figure.target), _figure_met(figure), figure.gap] for figure in figures]


def figures_sheet(ws, measure, total: dict, rows: list) -> None:
    """A measure's sheet from its typed figures: the scope's, then each district's or school's."""
    out = []
    for data in _scopes(total, rows):
        for figure in measure.figures_of(data):
            out.append([data["scope_name"], figure.label, figure.code, figure.numerator, figure.denominator,
                        MISSING if figure.missing else _figure_cell(figure, figure.value),
                        _figure_cell(figure, figure.target), _figure_met(figure), figure.gap, figure.note])
    _write(ws, _title(total, measure.label), ["范围", "指标", "代码", "分子/人数", "分母", "比例/数值", "目标", "是否达标",
                                              "差额", "说明"], out, {5: 7})


def filename(data: dict) -> str:
    return quote(f"教师队伍指标_{data['scope_name']}_{data['on']}.xlsx")


def audit_export(request, ref, rows: int) -> None:
    """Exports are attributable (issue 7): one audit row per download."""
    from backend import audit

    audit.record(audit.EXPORT, request=request, object_type="workforce.measures", object_repr=ref.name,
                 message=f"导出指标报表：{ref.name}（{rows} 行明细）")


# ---------------------------------------------------------------- a plan's final account (终期核算)
def _final_value(row: dict, value):
    """A plan value or a figure of a final-account row, as a cell: shares as percentages (the plan
    writes 65 for 65%, the snapshot 0.65), pupil–teacher ratios as N:1, counts as numbers."""
    if value is None:
        return None
    if row["percent"]:
        return Percent(value)
    if row["table"] == "table1":
        return Ratio(value)
    return value


def _final_met(row: dict):
    if row["missing"]:
        return MISSING
    return row["met"]


def _final_rows(account: dict, *, with_scope: bool) -> list[list]:
    from .choices import IndicatorKind, IndicatorTable, data_labels

    tables, kinds = data_labels(IndicatorTable), data_labels(IndicatorKind)
    out = []
    for row in account["rows"]:
        as_share = ((lambda number: None if number is None else number / 100) if row["percent"]
                    else (lambda number: number))
        value = row["value"]
        cells = [tables.get(row["table"], row["table"]), row["name"], row["code"], kinds.get(row["kind"], row["kind"]),
                 _final_value(row, as_share(row["baseline"])), _final_value(row, as_share(row["interim"])),
                 _final_value(row, as_share(row["target"])), MISSING if row["missing"] else _final_value(row, value),
                 row["numerator"], row["denominator"], _final_met(row), row["gap"], row["note"]]
        out.append([account["scope_name"], *cells] if with_scope else cells)
    return out


def final_account_workbook(account: dict) -> bytes:
    """``selectors.final_account``: the scope's sheet (every indicator of the plan: its baseline,
    interim and target values, the figure of the target-year school year from its snapshot, met
    or not, the gap) and one sheet with each district (or school) below it."""
    plan = account["plan"] or {}
    years = (f"基线（{plan.get('baseline_year', '')}年）", f"中期（{plan.get('interim_year') or '—'}年）",
             f"目标（{plan.get('target_year', '')}年）", f"{account.get('school_year') or ''}学年实际")
    header = ["表", "指标", "代码", "属性", *years, "分子/人数", "分母", "是否达标", "差额", "说明"]
    snapshot = account["snapshot_on"] or "无快照"
    title = (f"连云港市教师队伍建设指标 · “{plan.get('name', '')}”规划终期核算 · 范围：{account['scope_name']} · "
             f"{account.get('school_year') or ''}学年对照{plan.get('target_year', '')}年目标（快照日期：{snapshot}）")
    wb = Workbook()
    ws = wb.active
    ws.title = "终期核算"
    _write(ws, title, header, _final_rows(account, with_scope=False), {7: 10})
    ws.column_dimensions["B"].width = 34
    if account.get("members"):
        rows = [line for member in account["members"] for line in _final_rows(member, with_scope=True)]
        ws = wb.create_sheet("分区县" if account["scope"] == "city" else "分学校")
        _write(ws, title, ["范围", *header], rows, {8: 11})
        ws.column_dimensions["C"].width = 34
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def final_account_filename(account: dict) -> str:
    plan = account["plan"] or {}
    return quote(f"规划终期核算_{plan.get('name', '')}_{account['scope_name']}.xlsx")
