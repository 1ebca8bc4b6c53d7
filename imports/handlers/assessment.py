"""年度考核 (issue 16): teacher × 年度 × 考核结果, through ``careers.services`` so the school's 优秀
cap and the rules of the page apply to an imported list as to a result typed in."""
from __future__ import annotations

from django.db import IntegrityError
from django.utils.translation import gettext_noop

from careers.choices import AssessmentResult

from ..kinds import IDENTITY_COLUMNS, Column, Kind
from . import register
from .shared import SubRecordHandler

KIND = Kind(
    name="assessments",
    sheet_kind="assessment",
    label=gettext_noop("年度考核"),
    template_title="年度考核",
    columns=(
        *IDENTITY_COLUMNS,
        Column("year", "年度", "year", required=True, hint="如 2025",
               headers=("考核年度", "考核年份", "年份")),
        Column("result", "考核结果", "choice", required=True, choices=AssessmentResult,
               hint="优秀、合格、基本合格、不合格、不定等次", headers=("考核等次", "年度考核结果", "考核等级", "等次")),
    ),
    aliases=("年度考核", "考核", "assessment"),
    sheet_titles=("年度考核", "考核结果", "年度考核结果"),
    notes=(
        "按身份证件号和年度匹配：已有的结果按本表更新，新的结果新增。",
        "每校每年“优秀”等次不超过规定比例（默认 20%，市教育局人事科可按年度调整），超出的整表不导入。",
    ),
    order=95,
    precedence=90,
)


class AssessmentHandler(SubRecordHandler):
    """Rows are judged by ``careers.services.assessment_import_rows`` — in its dry run when
    checked, for real when written — so the cap and the rules are the page's."""

    COLUMNS = {"result": "result", "year": "year", "teacher": "id_number"}

    def rows_for_service(self):
        out = []
        for row, teacher in self.teachers_of_rows():
            if row.bad or row.values.get("year") is None or not row.values.get("result"):
                continue
            if teacher.pk is None:
                self.ctx.error(row, "id_number", row.values.get("id_number"),
                               "该教师在本文件中新建：请先导入教职工基础信息，再导入年度考核")
                continue
            out.append((row, teacher))
        return out

    def check(self):
        from careers.services import assessment_import_rows

        self.pairs = self.rows_for_service()
        if self.pairs and self.ctx.user is None:
            for row, _teacher in self.pairs:
                self.ctx.error(row, "id_number", row.values.get("id_number"), "命令行导入年度考核须用 --user 指定导入人")
            self.pairs = []
        if not self.pairs:
            return
        result = assessment_import_rows(rows=self.service_rows(), user=self.ctx.user, run_ref=self.ctx.run_ref,
                                        dry_run=True)
        for index, field_name, message in result["errors"]:
            row, _teacher = self.pairs[index]
            key = self.COLUMNS.get(field_name, "result")
            self.ctx.error(row, key, row.values.get(key), message)
        for outcome in ("new", "changed", "unchanged"):
            for index in result[outcome]:
                self.count(self.pairs[index][0], outcome)

    def service_rows(self):
        return [(teacher, row.values["year"], row.values["result"]) for row, teacher in self.pairs]

    def write(self):
        from careers.services import assessment_import_rows

        if not getattr(self, "pairs", None):
            return
        result = assessment_import_rows(rows=self.service_rows(), user=self.ctx.user, run_ref=self.ctx.run_ref)
        if result["errors"]:
            # the results changed between the check and now (someone saved results meanwhile): each
            # refused row is named with its column and why, and nothing of this import is written
            rows = self.service_rows()
            for index, field_name, message in result["errors"]:
                row, _teacher = self.pairs[index]
                key = self.COLUMNS.get(field_name, "result")
                shown = {"year": rows[index][1], "result": rows[index][2]}.get(key)
                self.ctx.error(row, key, shown, f"检查之后、写入之前，该校考核结果已被他人修改：{message}")
            raise IntegrityError("年度考核结果在导入期间被修改")


register(KIND, AssessmentHandler)
