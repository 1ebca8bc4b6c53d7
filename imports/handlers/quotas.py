"""核定编制: the approved quota of a school for a school year."""
from __future__ import annotations

from django.utils.translation import gettext_noop

from workforce.models import SchoolQuota

from ..context import chunks
from ..kinds import Column, Kind
from . import register
from .shared import PerSchoolHandler

KIND = Kind(
    name="quotas",
    sheet_kind="quota",
    label=gettext_noop("核定编制"),
    template_title="核定编制",
    columns=(
        Column("school_code", "学校标识码", max_length=10, headers=("学校代码", "标识码")),
        Column("school_name", "学校名称", max_length=100, headers=("单位名称", "学校")),
        Column("school_year", "学年", "school_year", required=True, hint="如 2026-2027", headers=("学年度", "核定学年")),
        Column("approved", "核定编制数", "int", required=True, field="approved", minimum=0, maximum=20000,
               headers=("核定编制", "编制数", "核编数", "核定数", "教职工编制数", "核定教职工编制数", "核定教职工编制", "编制核定数")),
        Column("note", "备注", max_length=200, field="note", hint="如核定文号", headers=("说明", "核定文号", "文号")),
    ),
    aliases=("quota", "编制", "核定编制"),
    sheet_titles=("核定编制", "编制核定", "编制"),
    row_no=("序号",),
    notes=(
        "区县收到的编制核定表：每所学校每学年一行。按学校和学年匹配：已有的更新，新的新增。",
        "核定编制由区县或市教育局人事部门导入；用于编制缺口和空编/超编（没有核定编制的学校不计算）。",
    ),
    order=30,
    precedence=90,
)


class QuotaHandler(PerSchoolHandler):
    """核定编制: the approved quota of a school for a school year, as districts receive the
    approval sheets (DOMAIN.md, Staffing quota). District HR for its schools, city HR for all."""


    def allowed(self):
        if self.ctx.scope.above_district or self.ctx.scope.kind == "district":
            return None
        return "核定编制由区县或市教育局人事部门导入。"

    def check(self):
        ctx = self.ctx
        plans = [(row, school) for row in self.rows if (school := self.school_of(row)) is not None
                 and row.values.get("school_year") is not None and row.values.get("approved") is not None]
        existing = {}
        for chunk in chunks(sorted({school.pk for _r, school in plans if school.pk})):
            for quota in SchoolQuota.objects.filter(school_id__in=chunk):
                existing[(quota.school_id, quota.school_year)] = quota
        self.new, self.updates, self.changes = [], [], []
        seen = {}
        for row, school in plans:
            vals = row.values
            key = (school.code, vals["school_year"])
            if key in seen:
                ctx.error(row, "school_year", vals["school_year"], f"与第 {seen[key].number} 行重复（同一学校、学年）")
                continue
            seen[key] = row
            if row.bad:
                continue
            wanted = {"approved": vals["approved"], **({"note": vals["note"]} if vals.get("note") else {})}
            old = existing.get((school.pk, vals["school_year"])) if school.pk else None
            self.upsert(row, old, wanted, lambda: SchoolQuota(school=school, school_year=vals["school_year"], **wanted),
                        f"{school.name} {vals['school_year']}-{vals['school_year'] + 1}")

    def write(self):
        self.write_records(SchoolQuota, ["approved", "note"], ("school_year", "approved", "note"))


register(KIND, QuotaHandler)
