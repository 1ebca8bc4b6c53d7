"""国内培训 (approved credit records) and providers' completion lists."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError
from django.utils.translation import gettext_noop

from workforce import choices as c
from workforce.models import Teacher

from ..context import Sheet, key_of
from ..kinds import IDENTITY_COLUMNS, Column, Kind
from . import register
from .shared import SubRecordHandler

KIND = Kind(
    name="training",
    sheet_kind="training",
    label=gettext_noop("国内培训"),
    template_title="国内培训",
    columns=(
        *IDENTITY_COLUMNS,
        Column("training_year", "培训年度", "year", required=True, headers=("年度", "培训年份")),
        Column("level", "培训类别", "choice", required=True, choices=c.TrainingLevel, synonyms="training_level", field="level",
               headers=("培训级别", "培训层次")),
        Column("programme", "项目名称", required=True, max_length=150, headers=("培训项目名称", "培训项目", "培训名称")),
        Column("provider", "培训机构", max_length=100, field="provider", headers=("培训机构名称", "主办单位", "承办单位")),
        Column("mode", "培训方式", "choice", required=True, choices=c.TrainingMode, synonyms="training_mode", field="mode",
               headers=("培训形式",)),
        Column("hours", "培训获得学时", "decimal", required=True, field="hours", minimum=Decimal(0), maximum=Decimal(2000),
               headers=("学时", "培训学时", "获得学时")),
        Column("credits", "学分", "decimal", field="credits", minimum=Decimal(0), maximum=Decimal(1000),
               headers=("培训获得学分", "培训学分", "获得学分")),
    ),
    aliases=("国内培训", "培训", "credits"),
    sheet_titles=("国内培训", "培训"),
    notes=(
        "导入的国内培训记录视同已认定。",
        "培训机构名单（只有姓名、身份证件号、项目名称、学时）按系统中已发布的培训项目给参训教师记学时。",
    ),
    order=90,
    precedence=40,
)


class TrainingHandler(SubRecordHandler):
    """国内培训 rows become approved credit records; a provider's completion list (no 培训类别
    column) credits the attendees of catalogue programmes through ``training.services``."""


    def required(self, sheet):
        if self.is_provider_list(sheet):
            return [self.kind.column("id_number"), self.kind.column("programme")]
        return self.kind.required

    @staticmethod
    def is_provider_list(sheet: Sheet) -> bool:
        return not sheet.has("level") and not sheet.has("mode")

    def check(self):
        from training.models import CreditRecord

        pairs = self.teachers_of_rows()
        self.model = CreditRecord
        records = self.existing_by_teacher(pairs, CreditRecord.objects.exclude(status=CreditRecord.Status.REJECTED))
        self.new, self.updates, self.changes = [], [], []
        self.provider_groups: dict[tuple, list[Teacher]] = defaultdict(list)
        provider_pairs = [(r, t) for r, t in pairs if self.is_provider_list(r.sheet)]
        national = [(r, t) for r, t in pairs if not self.is_provider_list(r.sheet)]
        if provider_pairs:
            self.check_provider_list(provider_pairs, records)
        self.national = self.check_national(national)

    # model field of a 国内培训 row → the column a refusal is reported in
    TRAINING_COLUMNS = {"title": "programme", "year": "training_year", "level": "level", "mode": "mode",
                        "hours": "hours", "credits": "credits", "provider": "provider", "teacher": "id_number"}

    def service_rows(self, national) -> list[dict]:
        return [{"teacher": teacher, "title": row.values["programme"], "level": row.values["level"],
                 "mode": row.values["mode"], "hours": row.values["hours"], "year": row.values["training_year"],
                 "provider": row.values.get("provider") or "", "credits": row.values.get("credits")}
                for row, teacher in national]

    def check_national(self, pairs):
        """National-sheet rows are judged by ``training.services.credit_import_rows`` — the
        training pages' own rules (duplicates, scope, validation) — in its ``dry_run`` here and
        for real in ``write``."""
        from training.services import credit_import_rows

        ctx = self.ctx
        national = [(row, teacher) for row, teacher in pairs
                    if not row.bad and row.values.get("training_year") is not None and row.values.get("programme")
                    and row.values.get("hours") is not None and row.values.get("level") and row.values.get("mode")]
        if not national:
            return []
        result = credit_import_rows(rows=self.service_rows(national), user=ctx.user, run_ref=ctx.run_ref, dry_run=True)
        fields = result["error_fields"]
        refused = [(i, fields.get(i, "title"), message) for i, message in result["errors"]]
        refused += [(i, "title", message) for i, message in result["duplicates"]]
        for index, field_name, message in sorted(refused):
            row, _teacher = national[index]
            key = self.TRAINING_COLUMNS.get(field_name, "programme")
            first = result["duplicate_of"].get(index)
            if first is not None:
                message = f"与第 {national[first][0].number} 行重复（同一教师、年度、项目）"
            ctx.error(row, key, row.values.get(key), message)
        for index in result["unchanged"]:
            self.count(national[index][0], "unchanged")
        for index in result["new"]:
            self.count(national[index][0], "new")
        return [national[index] for index in result["new"]]

    def check_provider_list(self, pairs, records):
        from training.models import CreditRecord, Programme
        from training.permissions import can_credit_provider_list

        ctx = self.ctx
        if ctx.user is None:
            for row, _t in pairs:
                ctx.error(row, "programme", row.values.get("programme"), "命令行导入培训机构名单须用 --user 指定导入人")
            return
        programmes: dict[str, list] = defaultdict(list)
        for p in Programme.objects.visible_to(ctx.user).filter(published=True):
            programmes[key_of(p.name)].append(p)
        seen = {}
        for row, teacher in pairs:
            title = row.values.get("programme")
            found = programmes.get(key_of(title or ""), [])
            if not found:
                ctx.error(row, "programme", title, "培训项目不在已发布的项目目录中")
                continue
            if len(found) > 1:
                ctx.error(row, "programme", title, "有多个同名培训项目，无法确定是哪一个")
                continue
            programme = found[0]
            if not can_credit_provider_list(ctx.user, programme):
                ctx.error(row, "programme", title, "只有市、区县人事部门可以导入该项目的培训机构名单")
                continue
            key = (teacher.id_number, programme.pk)
            if key in seen:
                ctx.error(row, "id_number", teacher.id_number, f"与第 {seen[key].number} 行重复")
            seen[key] = row
            if row.bad:
                continue
            mine = [r for r in records.get(teacher.pk, []) if r.programme_id == programme.pk] if teacher.pk else []
            hours = row.values.get("hours")
            self.provider_groups[(programme.pk, hours)].append(teacher)
            self.provider_programmes = getattr(self, "provider_programmes", {})
            self.provider_programmes[programme.pk] = programme
            if not mine:
                self.count(row, "new")
            elif mine[0].status == CreditRecord.Status.APPROVED:
                self.count(row, "unchanged")
            else:
                self.ctx.change(row, self.record_label(teacher, programme.name),
                                [("状态", mine[0].get_status_display(), "已通过")])
                self.count(row, "changed")

    def write(self):
        from training.services import credit_import_rows, provider_list_credit

        ctx = self.ctx
        if self.national:
            result = credit_import_rows(rows=self.service_rows(self.national), user=ctx.user, run_ref=ctx.run_ref)
            if result["errors"] or result["duplicates"] or result["created"] != len(self.national):
                # the records changed between the check and now: nothing of this import is written
                raise IntegrityError("training records changed during the import")
        for (programme_id, hours), teachers in getattr(self, "provider_groups", {}).items():
            provider_list_credit(programme=self.provider_programmes[programme_id], teachers=teachers, user=ctx.user,
                                 hours=hours, run_ref=ctx.run_ref)


register(KIND, TrainingHandler)
