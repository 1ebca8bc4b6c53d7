"""在校生与班级数: school × 学年 × 学段."""
from __future__ import annotations

from django.utils.translation import gettext_noop

from workforce import choices as c
from workforce import rules
from workforce.models import Enrolment

from ..context import chunks, label_of
from ..kinds import Column, Kind
from . import register
from .shared import PerSchoolHandler

KIND = Kind(
    name="enrolment",
    sheet_kind="enrolment",
    label=gettext_noop("在校生与班级数"),
    template_title="在校生",
    columns=(
        Column("school_code", "学校标识码", max_length=10, headers=("学校代码", "标识码")),
        Column("school_name", "学校名称", max_length=100, headers=("单位名称",)),
        Column("school_year", "学年", "school_year", required=True, hint="如 2025-2026", headers=("学年度",)),
        Column("stage", "学段", "choice", required=True, choices=c.Stage, synonyms="stage", field="stage",
               headers=("学段名称",)),
        Column("pupils", "在校生数", "int", required=True, field="pupils", minimum=0, maximum=100000,
               headers=("在校学生数", "在校生人数", "学生数", "学生人数")),
        Column("classes", "班级数", "int", field="classes", minimum=0, maximum=2000, headers=("班数", "教学班数", "班级个数")),
    ),
    aliases=("enrolments", "在校生", "学生数"),
    sheet_titles=("在校生", "学生数", "班额"),
    row_no=("序号",),
    order=20,
    precedence=80,
)


class EnrolmentHandler(PerSchoolHandler):

    def check(self):
        ctx = self.ctx
        plans = []
        for row in self.rows:
            school = self.school_of(row)
            if school is None:
                continue
            stage = row.values.get("stage")
            problems = rules.stage_in_school(stage, school.name, school.stage_list, field="stage")
            if problems:
                ctx.problems(row, problems, {"stage": ("stage", label_of(c.Stage, stage))})
                continue
            if stage is None or row.values.get("school_year") is None or row.values.get("pupils") is None:
                continue
            plans.append((row, school))
        existing = {}
        ids = sorted({s.pk for _r, s in plans if s.pk})
        for chunk in chunks(ids):
            for e in Enrolment.objects.filter(school_id__in=chunk):
                existing[(e.school_id, e.school_year, e.stage)] = e
        self.new, self.updates, self.changes = [], [], []
        seen = {}
        for row, school in plans:
            vals = row.values
            key = (school.code, vals["school_year"], vals["stage"])
            if key in seen:
                ctx.error(row, "stage", label_of(c.Stage, vals["stage"]), f"与第 {seen[key].number} 行重复（同一学校、学年、学段）")
                continue
            seen[key] = row
            if row.bad:
                continue
            old = existing.get((school.pk, vals["school_year"], vals["stage"])) if school.pk else None
            wanted = {"pupils": vals["pupils"]}
            if vals.get("classes") is not None:
                wanted["classes"] = vals["classes"]
            self.upsert(row, old, wanted,
                        lambda: Enrolment(school=school, school_year=vals["school_year"], stage=vals["stage"],
                                          classes=wanted.get("classes", 0), pupils=wanted["pupils"]),
                        f"{school.name} {vals['school_year']}-{vals['school_year'] + 1} {label_of(c.Stage, vals['stage'])}")

    def write(self):
        self.write_records(Enrolment, ["pupils", "classes"], ("school_year", "stage", "pupils", "classes"))


register(KIND, EnrolmentHandler)
