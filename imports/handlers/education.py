"""学习经历: teacher × 学历 × 毕业年月."""
from __future__ import annotations

from django.utils.translation import gettext_noop

from workforce import choices as c
from workforce import rules
from workforce.models import EducationRecord

from ..context import label_of, month_of
from ..kinds import IDENTITY_COLUMNS, Column, Kind
from . import register
from .shared import KeyedRecordHandler

KIND = Kind(
    name="education",
    sheet_kind="education",
    label=gettext_noop("学习经历"),
    template_title="学习经历",
    columns=(
        *IDENTITY_COLUMNS,
        Column("education", "学历", "choice", required=True, choices=c.Education, synonyms="education", field="education",
               headers=("获得学历", "学历层次")),
        Column("degree", "学位层次", "choice", choices=c.Degree, synonyms="degree", field="degree",
               headers=("学位", "获得学位层次", "获得学位")),
        Column("degree_name", "学位名称", max_length=50, field="degree_name"),
        Column("study_mode", "学习方式", "choice", choices=c.StudyMode, synonyms="study_mode", field="study_mode",
               headers=("学习形式",)),
        Column("institution", "学习单位", max_length=100, field="institution",
               headers=("毕业学校", "毕业院校", "就读学校", "毕业学校(单位)", "学校(单位)名称", "院校名称")),
        Column("major", "所学专业", max_length=100, field="major", headers=("专业", "专业名称", "所学专业名称")),
        Column("is_normal_major", "是否师范类专业", "bool", field="is_normal_major", headers=("是否师范专业",)),
        Column("is_highest", "最高学历标识", "bool", field="is_highest", headers=("是否最高学历",)),
        Column("is_first", "第一学历标识", "bool", field="is_first", headers=("是否第一学历",)),
        Column("start", "入学年月", "month", field="start", headers=("学习起始年月", "入学时间", "起始年月", "开始年月")),
        Column("end", "毕业年月", "month", field="end", headers=("学习结束年月", "毕业时间", "毕(结)业年月", "结束年月")),
    ),
    aliases=("学习经历", "学历"),
    sheet_titles=("学习经历",),
    order=50,
    precedence=20,
)


def match_education(records, education: str, degree: str | None, month: int | None, taken=frozenset()):
    """The record among one teacher's ``records`` that a 学历 × 学位 × 毕业年月 (``month`` as
    ``_month`` gives it, None when blank) stands for, or None: the record of the same 学历 and
    毕业年月; else, when either has no 毕业年月, one of the same 学历 whose 学位 does not differ
    (the same, or 无 or blank on either side), the flagged 最高学历 first, then the latest.
    ``taken``: ids of records that other rows stand for."""
    same = [r for r in records if r.education == education and id(r) not in taken]
    exact = [r for r in same if month_of(r.end) == month]
    if exact:
        return max(exact, key=lambda r: r.is_highest)
    loose = [r for r in same if (month is None or r.end is None)
             and (not degree or degree == c.Degree.NONE or r.degree in (degree, c.Degree.NONE, ""))]
    if not loose:
        return None
    return max(loose, key=lambda r: (r.is_highest, month_of(r.end) or 0, r.pk or 0))


class EducationHandler(KeyedRecordHandler):
    """学习经历: teacher × 学历 × 毕业年月; a row without one side's 毕业年月 completes the record
    of the same 学历 and a 学位 that does not differ (``match_education``: a roster's record made
    without a month is completed by the 学习经历 sheet imported later, not duplicated). One
    最高学历标识 a teacher: a row that flags a record un-flags the teacher's other one."""

    model = EducationRecord
    snapshot_fields = ("education", "degree", "degree_name", "study_mode", "institution", "major", "start", "end")
    month_fields = ("start", "end")
    key_field, key_choices, key_month = "education", c.Education, "end"
    record_fields = ("education",)
    duplicate_what = "学历、毕业年月"

    def fallback(self, records, vals, taken):
        return match_education(records, vals["education"], vals.get("degree"), month_of(vals.get("end")), taken)

    def dates(self, vals):
        return rules.education_dates(vals.get("start"), vals.get("end"), self.ctx.today)

    def check_values(self, row, vals):
        self.ctx.problems(row, rules.degree_for_education(vals.get("education"), vals.get("degree")),
                          {"degree": ("degree", label_of(c.Degree, vals.get("degree")))})

    def matched(self, row, teacher, record, records):
        if record is None or not row.values.get("is_highest"):
            return
        flagged = self.__dict__.setdefault("flagged", {})
        first = flagged.get(teacher.id_number)
        if first is not None and first[1] is not record:
            # the teacher's stored flags are moved by this import (``finish``): the file's rows count
            rows = self.__dict__.setdefault("flagged_rows", {}).setdefault(teacher.id_number, [first[1]])
            rows.append(record)
            self.ctx.problems(row, rules.one_highest_education([(r.education, r.end) for r in rows]),
                              {"is_highest": ("is_highest", "是")})
            return
        flagged[teacher.id_number] = (row, record, teacher, records)

    def finish(self):
        flagged = self.__dict__.pop("flagged", {})
        self.__dict__.pop("flagged_rows", None)
        if not flagged or self.ctx.report.errors:
            return
        at = {id(obj): i for i, obj in enumerate(self.updates)}
        shown = self.shown_change(EducationRecord, "is_highest", True, False)
        for row, record, teacher, records in flagged.values():
            for other in records:
                if other is record or not other.is_highest:
                    continue
                other.is_highest = False
                other.teacher = teacher
                i = at.get(id(other))
                if i is None:
                    at[id(other)] = len(self.updates)
                    self.updates.append(other)
                    self.changes.append(({"is_highest": (True, False)}, [shown]))
                else:
                    self.changes[i][0]["is_highest"] = (True, False)
                    self.changes[i][1].append(shown)
                self.ctx.change(row, self.record_label(teacher, str(self.kind.label)), [shown])


register(KIND, EducationHandler)
