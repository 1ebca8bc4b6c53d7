"""交流轮岗: teacher × 开始年月; city and district HR."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils.translation import gettext_noop

from workforce import rules
from workforce.models import Exchange, ExchangeType

from ..context import EMPTY, Row, key_of, month_of
from ..kinds import IDENTITY_COLUMNS, Column, Kind
from . import register
from .shared import SubRecordHandler

KIND = Kind(
    name="rotations",
    sheet_kind="exchange",
    label=gettext_noop("交流轮岗"),
    template_title="交流轮岗",
    columns=(
        *IDENTITY_COLUMNS,
        Column("exchange_type", "交流轮岗类型", required=True, max_length=30, headers=("交流类型", "轮岗类型", "交流方式")),
        Column("moves_personnel", "是否调动人事关系", "bool", field="moves_personnel", headers=("是否调动人事", "人事关系是否调动")),
        Column("start", "开始年月", "month", required=True, field="start", headers=("交流轮岗开始年月", "起始年月", "开始时间")),
        Column("end", "结束年月", "month", field="end", headers=("交流轮岗结束年月", "结束时间")),
        Column("from_school", "原单位名称", max_length=100, hint="为空时为教师所在学校",
               headers=("原单位", "原学校", "原学校名称", "派出学校", "派出单位")),
        Column("to_school", "交流轮岗单位名称", required=True, max_length=100,
               headers=("交流轮岗单位", "交流单位", "交流学校", "接收学校", "接收单位")),
    ),
    aliases=("rotation", "exchange", "exchanges", "交流轮岗", "交流"),
    sheet_titles=("交流轮岗",),
    order=70,
    precedence=30,
)


class RotationHandler(SubRecordHandler):
    model = Exchange
    snapshot_fields = ("exchange_type_id", "moves_personnel", "start", "end", "from_name", "to_name")
    month_fields = ("start", "end")

    def allowed(self):
        from workforce.services import may_record_rotation

        if self.ctx.user is None or may_record_rotation(self.ctx.user):
            return None
        return "只有市、区县教育局人事可以导入交流轮岗。"

    def check(self):
        ctx = self.ctx
        types = {key_of(t.name): t for t in ExchangeType.objects.all()}
        type_names = {t.pk: t.name for t in types.values()}
        pairs = self.teachers_of_rows()
        by_teacher = self.existing_by_teacher(pairs, Exchange.objects.all())
        self.new, self.updates, self.changes = [], [], []
        in_file: dict[str, list[tuple[dt.date, dt.date | None, Row]]] = defaultdict(list)
        for row, teacher in pairs:
            vals = row.values
            kind = types.get(key_of(vals.get("exchange_type") or ""))
            if vals.get("exchange_type") and kind is None:
                ctx.error(row, "exchange_type", vals["exchange_type"],
                          "交流轮岗类型不存在，可选：" + "、".join(t.name for t in types.values()))
            start, end = vals.get("start"), vals.get("end")
            found = {(month_of(e.start)): e for e in by_teacher.get(teacher.pk, [])} if teacher.pk else {}
            same = found.get(month_of(start)) if start else None
            # 原单位 left blank: the teacher's school — or, for an exchange already recorded, the one
            # it was recorded with (a 调动人事关系 has moved the teacher to the exchange school since)
            home = ctx.school_of(teacher)
            if same is not None and same.from_school_id is not None:
                home = ctx.school_by_pk.get(same.from_school_id, home)
            from_school = home
            if vals.get("from_school"):
                from_school = ctx.school_named(row, "from_school", vals["from_school"])
            to_school = ctx.school_named(row, "to_school", vals["to_school"]) if vals.get("to_school") else None
            # the rules of an exchange (workforce.rules), as exchange_record applies them; a
            # planned exchange (a start after this month) is allowed there, so here too
            ctx.problems(row, [
                *rules.exchange_period(start, end),
                *(rules.exchange_schools(from_school.code, to_school.code) if from_school and to_school else []),
                *rules.exchange_after_leaving(teacher.left_on, start),
            ])
            if row.bad or not start or kind is None or not to_school:
                continue
            # overlaps: with the teacher's other exchanges (not the one of the same start month:
            # the same exchange, compared below) and with other rows of the file
            others = [rules.Period(o.start, o.end, rules.exchange_label(type_names.get(o.exchange_type_id, ""), o.start, o.end))
                      for o in (by_teacher.get(teacher.pk, []) if teacher.pk else []) if month_of(o.start) != month_of(start)]
            ctx.problems(row, rules.exchange_overlaps(start, end, others))
            for o_start, o_end, o_row in in_file[teacher.id_number]:
                if rules.periods_overlap(start, end, o_start, o_end):
                    ctx.error(row, "start", start, f"与第 {o_row.number} 行的交流时间重叠")
                    break
            in_file[teacher.id_number].append((start, end, row))
            if row.bad:
                continue
            wanted = {"exchange_type_id": kind.pk, "end": end, "from_school_id": from_school.pk if from_school else None,
                      "to_school_id": to_school.pk, "from_name": from_school.name if from_school else "",
                      "to_name": to_school.name}
            if vals.get("moves_personnel") is not None:
                wanted["moves_personnel"] = vals["moves_personnel"]
            user = ctx.user if ctx.user is not None and ctx.user.pk else None
            self.apply(row, teacher, month_of(start), found, wanted,
                       lambda: Exchange(teacher=teacher, start=start, created_by=user, **wanted))

    def write(self):
        super().write()
        # an exchange with 调动人事关系 moves the teacher once the import commits (workforce.hooks)
        from workforce import hooks

        hooks.exchanges_recorded_after_commit([ex for ex in (*self.new, *self.updates) if ex.moves_personnel],
                                              user=self.ctx.user, source="import")

    def shown_change(self, model, name, old, new):
        if name == "exchange_type_id":
            names = {t.pk: t.name for t in ExchangeType.objects.all()} if not hasattr(self, "_tn") else self._tn
            self._tn = names
            return "交流轮岗类型", names.get(old, EMPTY), names.get(new, EMPTY)
        if name in ("from_school_id", "to_school_id"):
            label = "原单位" if name == "from_school_id" else "交流轮岗单位"
            return label, getattr(self.ctx.school_by_pk.get(old), "name", EMPTY), getattr(self.ctx.school_by_pk.get(new), "name", EMPTY)
        return super().shown_change(model, name, old, new)


register(KIND, RotationHandler)
