"""The facts per school (issue 18, item 1): each registered measure's counts of each school, kept in
the database so that a page in any process — a new one, one whose cache is empty — sums them
instead of counting every teacher of the city again. How they are kept current: ``workforce.facts``.

Fields only, as ``workforce.models`` holds them; a module of its own so that the facts' code and
tables can be read apart from the records they are counted from."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FactState(models.Model):
    """The one row saying which setting the facts are counted for and which writes they include.

    ``setting`` is a digest of what counts depend on besides the records (the date, the school
    year, the plan's targets and rules, the measures registered, ``facts.SCHEMA``); ``marker`` the
    point of the writes they have seen (``dataversion.state``: SQLite's last sequence number,
    PostgreSQL's snapshot), read before counting; ``refreshed_at`` when they were last brought up
    to that point; ``built_at`` when every school was last counted."""

    key = models.CharField(_("名称"), max_length=20, primary_key=True, default="facts")
    setting = models.CharField(_("统计口径摘要"), max_length=64)
    on = models.DateField(_("统计日期"))
    school_year = models.PositiveIntegerField(_("学年"))
    marker = models.TextField(_("已计入的写入位置"))
    built_at = models.DateTimeField(_("全部重算时间"))
    refreshed_at = models.DateTimeField(_("最近更新时间"))

    class Meta:
        verbose_name = _("指标事实状态")
        verbose_name_plural = _("指标事实状态")

    def __str__(self):
        return f"{self.on:%Y-%m-%d}（{self.refreshed_at:%Y-%m-%d %H:%M:%S}）"


class SchoolFact(models.Model):
    """A measure's counts of one school, as the measure's ``count(…, by="school")`` gives them:
    ``counts`` holds them as JSON (``facts.dump``: a counter's keys — stage, level, year,
    category … — with their numbers, or a registered measure's row of counts). A row with a
    ``district`` instead holds the sum of that district's schools' rows (``Measure.add``: what the
    city page shows per district); with neither, what belongs to no school (a team's award given
    to no school). ``computed_at``: when they were counted from the records."""

    school = models.ForeignKey("workforce.School", verbose_name=_("学校"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey("workforce.District", verbose_name=_("区县（合计）"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(_("指标"), max_length=64)
    counts = models.JSONField(_("计数"))
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("学校指标事实")
        verbose_name_plural = _("学校指标事实")
        constraints = [
            models.UniqueConstraint(fields=["school", "measure"], name="schoolfact_school_measure_unique"),
            models.UniqueConstraint(fields=["district", "measure"], name="schoolfact_district_measure_unique"),
            models.UniqueConstraint(fields=["measure"], condition=Q(school__isnull=True, district__isnull=True),
                                    name="schoolfact_no_school_measure_unique"),
            models.CheckConstraint(condition=Q(school__isnull=True) | Q(district__isnull=True),
                                   name="schoolfact_school_or_district"),
        ]

    def __str__(self):
        where = f"学校 {self.school_id}" if self.school_id else (f"区县 {self.district_id}" if self.district_id else "—")
        return f"{where} · {self.measure}"
