"""专业技术职务: teacher × 职务 × 聘任年月."""
from __future__ import annotations

from django.utils.translation import gettext_noop

from workforce import choices as c
from workforce import honours, rules
from workforce.models import TitleAppointment

from ..context import label_of
from ..kinds import IDENTITY_COLUMNS, Column, Kind
from . import register
from .shared import KeyedRecordHandler

KIND = Kind(
    name="titles",
    sheet_kind="title",
    label=gettext_noop("专业技术职务"),
    template_title="专业技术职务",
    columns=(
        *IDENTITY_COLUMNS,
        Column("title", "专业技术职务", "choice", required=True, choices=c.Title, synonyms="title", field="title",
               hint="2015年前的旧称（中学高级、小学高级等）按新职称对应导入",
               headers=("职称", "现聘专业技术职务", "现任专业技术职务", "聘任专业技术职务", "专业技术职务名称", "专业技术职称", "现聘职称", "专技职务")),
        Column("appointed_on", "聘任年月", "month", required=True, field="appointed_on", hint="如 201809",
               headers=("聘任时间", "取得时间", "聘任日期", "取得年月", "取得日期", "现聘年月", "聘任起始年月", "任职时间")),
        Column("ended_on", "解聘年月", "month", field="ended_on", hint="仍在聘的不填",
               headers=("解聘时间", "解聘日期", "聘任结束年月", "聘任终止年月")),
    ),
    aliases=("title", "职称", "专业技术职务"),
    sheet_titles=("专业技术职务", "职称", "职务聘任"),
    notes=(
        "按身份证件号、专业技术职务和聘任年月匹配：已有的记录更新解聘年月，新的记录新增。",
        "中学高级、小学高级等2015年前的旧称按改革后的职称对应：中学高级为高级教师，中学一级、小学高级为一级教师，中学二级、小学一级为二级教师，中学三级、小学二级、小学三级为三级教师。",
    ),
    order=60,
    precedence=60,
)


class TitleHandler(KeyedRecordHandler):
    """专业技术职务: one appointment per teacher × title × 聘任年月; a later file may add the
    解聘年月 (changed) or correct the day within the month (unchanged)."""

    model = TitleAppointment
    snapshot_fields = ("title", "appointed_on", "ended_on")
    month_fields = ("appointed_on", "ended_on")
    key_field, key_choices, key_month = "title", c.Title, "appointed_on"
    record_fields = ("title", "appointed_on")
    duplicate_what = "专业技术职务、聘任年月"

    def dates(self, vals):
        return rules.title_dates(vals.get("appointed_on"), vals.get("ended_on"), self.ctx.today)

    def prepare(self, pairs):
        self.bans = honours.bans_by_teacher(teacher.pk for _row, teacher in pairs)

    def check_new(self, row, teacher, vals):
        """A new appointment is a promotion: 一票否决 on its 聘任年月, as ``title_promote`` refuses it."""
        self.ctx.problems(row, rules.ethics_veto(self.bans.get(teacher.pk, ()), vals.get("appointed_on"), "promote"),
                          {"teacher": ("title", label_of(c.Title, vals.get("title")))})


register(KIND, TitleHandler)
