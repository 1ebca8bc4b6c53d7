"""荣誉: teacher × 称号 × 日期; city and district HR."""
from __future__ import annotations

from django.utils.translation import gettext_noop

from workforce import choices as c
from workforce import honours, rules
from workforce.models import Award, HonourType

from ..context import key_of, label_of
from ..kinds import IDENTITY_COLUMNS, Column, Kind
from . import register
from .shared import SubRecordHandler

KIND = Kind(
    name="honours",
    sheet_kind="honour",
    label=gettext_noop("荣誉"),
    template_title="荣誉",
    columns=(
        *IDENTITY_COLUMNS,
        Column("honour_level", "荣誉级别", "choice", choices=c.HonourLevel, synonyms="honour_level",
               headers=("级别", "获奖级别", "荣誉等级")),
        Column("honour_title", "荣誉称号", required=True, max_length=60, hint="须是系统中的荣誉类型名称",
               headers=("称号", "荣誉名称", "获得荣誉")),
        Column("awarded_on", "荣誉日期", "date", required=True, field="awarded_on",
               headers=("获得日期", "授予日期", "获奖日期", "获得年月", "授予年月", "日期")),
        Column("awarding_body", "授予单位", max_length=100, field="awarding_body", headers=("颁发单位", "授予机关", "颁奖单位")),
    ),
    aliases=("honour", "awards", "荣誉"),
    sheet_titles=("荣誉", "荣誉信息", "人才项目"),
    order=80,
    precedence=50,
)


class HonourHandler(SubRecordHandler):
    model = Award
    snapshot_fields = ("honour_type", "awarded_on", "expires_on", "awarding_body")

    def allowed(self):
        from workforce.services import may_award

        if self.ctx.user is None or may_award(self.ctx.user):
            return None
        return "只有市、区县教育局人事可以导入荣誉。"

    def check(self):
        from workforce.honours import award_expiry

        ctx = self.ctx
        types = {key_of(t.name): t for t in HonourType.objects.all()}
        pairs = self.teachers_of_rows()
        bans = honours.bans_by_teacher(t.pk for _r, t in pairs)  # the rule's inputs, one query a chunk
        existing = {}
        for awards in self.existing_by_teacher(pairs, Award.objects.all()).values():
            for a in awards:
                existing[(a.teacher_id, a.honour_type_id, a.awarded_on)] = a
        self.new, self.updates, self.changes = [], [], []
        seen = {}
        for row, teacher in pairs:
            vals = row.values
            title = vals.get("honour_title")
            honour = types.get(key_of(title or ""))
            if title and honour is None:
                listed = "、".join(list(t.name for t in types.values())[:12])
                ctx.error(row, "honour_title", title, f"荣誉称号不在系统的荣誉类型中（如：{listed}）")
                continue
            if honour is None:
                continue
            if honour.is_team:
                ctx.error(row, "honour_title", title, "团队/工作室类荣誉不能按教师导入，请在荣誉页面登记")
            level = vals.get("honour_level")
            if level and level != honour.level:
                ctx.error(row, "honour_level", label_of(c.HonourLevel, level),
                          f"“{honour.name}”的级别是{label_of(c.HonourLevel, honour.level)}")
            on = vals.get("awarded_on")
            if on is None:
                continue
            # rules.award, as award_grant applies it: the 一票否决 for an award the row creates
            new = (teacher.pk, honour.pk, on) not in existing
            ctx.problems(row, rules.award(awarded_on=on, today=ctx.today, bans=bans.get(teacher.pk, ()) if new else ()),
                         {"teacher": ("honour_title", title)})
            key = (teacher.id_number, honour.pk, on)
            if key in seen:
                ctx.error(row, "honour_title", title, f"与第 {seen[key].number} 行重复")
            seen[key] = row
            if row.bad:
                continue
            wanted = {"awarding_body": vals.get("awarding_body") or ""} if row.sheet.has("awarding_body") else {}
            found = existing if teacher.pk else {}
            self.apply(row, teacher, (teacher.pk, honour.pk, on), found, wanted,
                       # the school and stage at the award: the teacher's as the file is imported
                       # (no school history to look back in), kept so a later move does not change
                       # which awards were 乡村 (DOMAIN.md, Honours; Award.clean does the same)
                       lambda: Award(teacher=teacher, honour_type=honour, awarded_on=on,
                                     expires_on=award_expiry(honour, on), school_at_award_id=teacher.school_id,
                                     stage_at_award=teacher.teaching_stage or "", **wanted))


register(KIND, HonourHandler)
