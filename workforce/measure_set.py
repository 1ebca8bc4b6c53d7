"""Workforce's own measures as registry objects (``workforce.registry``): Table 2, the
pupil–teacher ratios, rotation, honours, new teachers and 双师型, the staffing quota.

Each one counts with its selector (``selectors.table2_counts`` …: one grouped aggregation in the
database, DOMAIN.md's definitions), turns counts into its part of the JSON and its typed figures
with the pure functions of ``workforce.measures``, and names its columns, card and sheet. The
dashboard, the JSON, the export, the snapshots and the trend iterate ``registry.measures()``.
"""
from __future__ import annotations

from django.utils.translation import gettext

from . import choices as c
from . import exports
from . import labels
from . import measures as ms
from . import selectors as sel
from .models import school_year_label
from .registry import Column, Figure, Measure, Result


def _share_target(target) -> str:
    return ms.percent(target, 0)


class Builtin(Measure):
    """Workforce's own measures: each has its sheet in every export (empty when it does not apply).
    Each counts only the schools of ``filters.schools_q`` (``restrictable``): every query of its
    selector restricts its teachers, records, enrolments or schools by it."""

    restrictable = True

    def in_export(self, total):
        return True


class Table2(Builtin):
    """表2: 学历（学位） per teaching stage (the effective level: the higher of 学历 and 学位)."""

    key = "table2"
    label = "表2 学历（学位）"
    codes = tuple(code for code, spec in c.INDICATOR_SPECS.items() if spec.table == c.IndicatorTable.TABLE2)
    order = 10
    template = "workforce/dashboard/_table2.html"
    wide = True
    sheet_name = "表2学历"

    def count(self, scope, on, year, filters, by, *, targets):
        return sel.table2_counts(scope, on, filters, by)

    def result(self, counts, targets, ctx) -> Result:
        lines = sel.table2_result(counts, targets, ctx.filters)
        figures = [Figure(code=x["code"], label=f"{x['stage']}{x['measure']}", value=x["ratio"], numerator=x["numerator"],
                          denominator=x["denominator"], target=x["target"], met=x["met"], gap=x["gap"],
                          applies=bool(x["denominator"])) for x in lines]
        return Result(figures, {"table2": lines})

    def columns(self, data):
        return [Column(line["code"], line["code"], gettext("学历（学位）"), labels.measure_label(line["stage"], line["measure"]),
                       _share_target(line["target"])) for line in data["table2"]]

    def trend_codes(self, targets):
        return [ind.code for ind in targets.table2()]

    def series_label(self, ind):
        return labels.measure_label(sel.STAGE_LABEL[ind.stage], ind.measure)

    def write_sheet(self, ws, total, rows):
        exports.table2_sheet(ws, total, rows)

    def scope_rows(self, data):
        return exports.table2_scope_rows(data)


class PupilTeacher(Builtin):
    """表1 生师比: pupils / 专任教师 of the schools that entered their enrolment."""

    key = "pupil_teacher"
    label = "表1 生师比"
    codes = sel.PTR_CODES
    order = 20
    template = "workforce/dashboard/_ptr.html"
    sheet_name = "表1生师比"

    def count(self, scope, on, year, filters, by, *, targets):
        return sel.ptr_counts(scope, on, year, targets, filters, by)

    def result(self, counts, targets, ctx) -> Result:
        lines = [sel.ptr_result(code, counts, targets) for code in sel.PTR_CODES if code in targets.indicators
                 and not (ctx.filters.stage and targets.indicators[code].stage != ctx.filters.stage)]
        figures = []
        for x in lines:
            inputs = bool(x["pupils"] or x["teachers_all"])
            note = ""
            if x["partial"]:
                note = f"{x['schools_without_enrolment']} 所学校未填报在校生，其教师未计入"
            elif x["coverage"]:
                note = x["coverage"]
            figures.append(Figure(code=x["code"], label=f"生师比（{x['stage']}）", unit="比", value=x["ratio"],
                                  numerator=x["pupils"], denominator=x["teachers"], target=x["target"], met=x["met"],
                                  gap=x["gap"], missing=bool(x["missing"] and inputs), applies=inputs, note=note,
                                  higher_is_better=False))
        return Result(figures, {"pupil_teacher": lines})

    def columns(self, data):
        return [Column(line["code"], line["code"], gettext("生师比"), labels.shown(line["stage"]) + ("*" if line.get("coverage") else ""),
                       f"≤{line['target']:g}", "ptr") for line in data["pupil_teacher"]]

    def trend_codes(self, targets):
        return [code for code in sel.PTR_CODES if code in targets.indicators]

    def write_sheet(self, ws, total, rows):
        exports.ptr_sheet(ws, total, rows)

    def scope_rows(self, data):
        return exports.ptr_scope_rows(data)


class Rotation(Builtin):
    """交流轮岗: eligible teachers whose exchange has started / eligible (public 小学, 初中)."""

    key = "rotation"
    label = "义务教育教师交流轮岗"
    codes = ("rotation_ratio", "rotation_backbone_share")
    order = 30
    template = "workforce/dashboard/_rotation.html"
    sheet_name = "交流轮岗"

    def count(self, scope, on, year, filters, by, *, targets):
        return sel.rotation_counts(scope, year, targets, filters, by, on=on)

    def result(self, counts, targets, ctx) -> Result:
        rot = sel.rotation_result(counts, targets, ctx.year, ctx.filters)
        if rot is None:
            return Result([], {"rotation": None})
        inputs = bool(rot["rotated"] or rot["eligible"] or rot["all"])
        figures = [
            Figure(code="rotation_ratio", label="交流轮岗比例", value=rot["ratio"], numerator=rot["rotated"],
                   denominator=rot["eligible"], target=rot["target"], met=rot["met"], gap=rot["gap"],
                   missing=bool(rot["missing"] and inputs), applies=inputs),
            Figure(code="rotation_backbone_share", label="交流轮岗教师中骨干占比", value=rot["backbone_share"],
                   numerator=rot["backbone"], denominator=rot["rotated"], target=rot["backbone_target"],
                   met=rot["backbone_met"], gap=rot["backbone_gap"], applies=bool(rot["rotated"])),
        ]
        return Result(figures, {"rotation": rot})

    def columns(self, data):
        rot = data["rotation"]
        if rot is None:
            return []
        return [Column("rotation", "rotation_ratio", gettext("交流轮岗"), rot["year"], _share_target(rot["target"]))]

    def trend_codes(self, targets):
        return ["rotation_ratio"] if "rotation_ratio" in targets.indicators else []

    def write_sheet(self, ws, total, rows):
        exports.rotation_sheet(ws, total, rows)

    def scope_rows(self, data):
        return exports.rotation_scope_rows(data)


class Honours(Builtin):
    """Honours and talent programmes against the plan's (city) targets."""

    key = "honours"
    label = "荣誉与人才项目"
    codes = tuple(code for code, *_rest in sel.HONOUR_MEASURES)
    order = 40
    card_order = 80
    template = "workforce/dashboard/_honours.html"
    wide = True
    sheet_name = "荣誉"

    def count(self, scope, on, year, filters, by, *, targets):
        return sel.honour_counts(scope, on, targets, filters, by)

    def result(self, counts, targets, ctx) -> Result:
        rows = sel.honour_results(counts, targets, with_targets=ctx.city)
        unit = {code: (c.INDICATOR_SPECS[code].unit if code in c.INDICATOR_SPECS else "人") for code in self.codes}
        figures = [Figure(code=h["code"], label=h["name"], unit=unit[h["code"]], value=h["count"], numerator=h["count"],
                          target=h["target"], met=h["met"], gap=h["gap"] if h["target"] is not None else None)
                   for h in rows]
        return Result(figures, {"honours": rows})

    def columns(self, data):
        return []

    def trend_codes(self, targets):
        return []

    def write_sheet(self, ws, total, rows):
        exports.honours_sheet(ws, total, rows)

    def scope_rows(self, data):
        return exports.honours_scope_rows(data)


class NewTeachersAndDual(Builtin):
    """New teachers of the school year (≥ 1,500, the city's) and the 双师型 share of 中职 teachers."""

    key = "workforce"
    label = "新教师补充与中职双师型"
    codes = ("new_teachers_per_year", "dual_qualified_share")
    order = 50
    template = "workforce/dashboard/_workforce.html"
    sheet_name = "新教师与双师型"

    @property
    def json_keys(self):
        return ("new_teachers", "dual_qualified")

    def count(self, scope, on, year, filters, by, *, targets):
        return sel.workforce_counts(scope, on, year, filters, by)

    def result(self, counts, targets, ctx) -> Result:
        new = ms.count_with_target(counts[("new",)], targets.target("new_teachers_per_year") if ctx.city else None)
        dual = ms.ratio_with_target(counts[("dual", "dual")], counts[("dual", "teachers")],
                                    targets.target("dual_qualified_share"))
        new_part = {"year": school_year_label(ctx.year), "count": new.numerator, "target": new.target, "met": new.met,
                    "gap": new.gap}
        dual_part = sel.missing_when(not dual.denominator, {
            "dual": dual.numerator, "teachers": dual.denominator, "ratio": dual.ratio, "target": dual.target,
            "met": dual.met, "gap": dual.gap})
        figures = [
            Figure(code="new_teachers_per_year", label="新补充专任教师", unit="人", value=new.numerator,
                   numerator=new.numerator, target=new.target, met=new.met, gap=new.gap if new.target is not None else None),
            Figure(code="dual_qualified_share", label="中职双师型比例", value=dual_part["ratio"], numerator=dual.numerator,
                   denominator=dual.denominator, target=dual_part["target"], met=dual_part["met"], gap=dual_part["gap"],
                   applies=bool(dual.denominator)),
        ]
        return Result(figures, {"new_teachers": new_part, "dual_qualified": dual_part})

    def columns(self, data):
        dual = data["dual_qualified"]
        if not (dual["teachers"] or not data["filters"].get("stage")):
            return []
        return [Column("dual", "dual_qualified_share", gettext("双师型"), gettext("中职"), _share_target(dual["target"]),
                       chart=False)]

    def trend_codes(self, targets):
        return []

    def write_sheet(self, ws, total, rows):
        exports.workforce_sheet(ws, total, rows)

    def scope_rows(self, data):
        return exports.workforce_scope_rows(data)


class Quota(Builtin):
    """编制: standard, approved and actual 在编, the quota gap and vacancies / overstaffing."""

    key = "quota"
    label = "编制"
    order = 70
    template = "workforce/dashboard/_quota.html"
    sheet_name = "编制"

    def count(self, scope, on, year, filters, by, *, targets):
        return sel.quota_counts(scope, on, year, filters, by)

    def result(self, counts, targets, ctx) -> Result:
        q = sel.quota_result(counts, ctx.year)
        known = q["schools_with_approved"] > 0
        gap = q["quota_gap"] or {}
        figures = [Figure(code=f"quota_{name}", label=label, unit="编", value=value, numerator=value,
                          missing=value is None, applies=bool(q["schools"]))
                   for name, label, value in (
                       ("standard", "标准编制", q["standard"]), ("approved", "核定编制", q["approved"]),
                       ("actual", "实有在编", q["actual"]), ("shortage", "编制缺口", gap.get("shortage") if known else None),
                       ("surplus", "编制富余", gap.get("surplus") if known else None),
                       ("vacancies", "空编", q["vacancies"]), ("overstaffed", "超编", q["overstaffed"]))]
        return Result(figures, {"quota": q})

    def columns(self, data):
        return []

    def trend_codes(self, targets):
        return []

    def write_sheet(self, ws, total, rows):
        exports.quota_sheet(ws, total, rows)

    def scope_rows(self, data):
        return exports.quota_scope_rows(data)


BUILTIN = (Table2(), PupilTeacher(), Rotation(), Honours(), NewTeachersAndDual(), Quota())

