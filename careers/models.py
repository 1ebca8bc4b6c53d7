"""年度考核, 职称评审 and 岗位结构 (issue 16). Rules that the database can hold it holds
(one result a teacher a year, one nomination a teacher a round); the numbers of the rules
(the 优秀 cap, years in a title, post shares) are rows, editable by city HR in the admin."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from workforce import choices as wc
from workforce.models import School, TeacherChild, TeacherChildQuerySet, TitleAppointment

from .choices import AssessmentResult, Series

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
YEARS = [MinValueValidator(2000), MaxValueValidator(2100)]


# ---------------------------------------------------------------- 年度考核
class Assessment(TeacherChild):
    """One teacher's 年度考核 result of one year. ``school`` is the school that assessed them (the
    优秀 cap is a school's), kept when the teacher moves."""

    year = models.PositiveSmallIntegerField(_("考核年度"), validators=YEARS)
    result = models.CharField(_("考核结果"), max_length=10, choices=AssessmentResult.choices)
    school = models.ForeignKey(School, verbose_name=_("考核学校"), on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now=True)

    objects = TeacherChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度考核")
        verbose_name_plural = pgettext_lazy("plural", "年度考核")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "year"], name="assessment_once_a_year"),
            models.CheckConstraint(name="assessment_year_range", condition=Q(year__gte=2000, year__lte=2100)),
        ]
        indexes = [models.Index(fields=["school", "year", "result"], name="assessment_school_year_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_result_display()}"


class ExcellentQuota(models.Model):
    """The cap on a school's 优秀 share of a year (configurable: DOMAIN.md). The row without a
    year is the default for every year without its own row."""

    year = models.PositiveSmallIntegerField(_("考核年度"), null=True, blank=True, unique=True, validators=YEARS,
                                            help_text=_("为空表示各年度的默认值"))
    share = models.DecimalField(_("优秀比例上限（%）"), max_digits=5, decimal_places=2, validators=PERCENT)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("优秀等次比例")
        verbose_name_plural = pgettext_lazy("plural", "优秀等次比例")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year or _('默认')}：{self.share}%"


# ---------------------------------------------------------------- 职称评审 rules as data
class TitleRequirement(models.Model):
    """To be put forward for ``title`` of ``series`` a teacher holds ``from_title`` (任现职) for at
    least ``min_years`` years on the round's 计算截止日期."""

    series = models.CharField(_("评审系列"), max_length=12, choices=Series.choices)
    title = models.CharField(_("申报职称"), max_length=20, choices=wc.Title.choices)
    from_title = models.CharField(_("须现任职称"), max_length=20, choices=wc.Title.choices)
    min_years = models.PositiveSmallIntegerField(_("任现职最低年限"), validators=[MaxValueValidator(30)])

    class Meta:
        verbose_name = _("职称申报年限")
        verbose_name_plural = pgettext_lazy("plural", "职称申报年限")
        ordering = ["series", "title"]
        constraints = [models.UniqueConstraint(fields=["series", "title"], name="title_requirement_unique")]

    def __str__(self) -> str:
        return f"{self.get_series_display()} {self.get_title_display()}：{self.get_from_title_display()} {self.min_years} 年"


class PromotionRound(models.Model):
    """A 职称评审 round the city opens: year, series, the levels it takes."""

    class Status(models.TextChoices):
        OPEN = "open", _("申报中")
        CLOSED = "closed", _("已结束")

    year = models.PositiveSmallIntegerField(_("评审年度"), validators=YEARS)
    series = models.CharField(_("评审系列"), max_length=12, choices=Series.choices)
    levels = models.JSONField(_("评审层级"), default=list, help_text=_("本轮受理的职称代码"))
    reference_date = models.DateField(_("计算截止日期"), help_text=_("任现职年限、考核年度、培训周期均按此日计算"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(_("发起时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("职称评审")
        verbose_name_plural = pgettext_lazy("plural", "职称评审")
        ordering = ["-year", "series"]
        constraints = [
            models.UniqueConstraint(fields=["year", "series"], name="promotion_round_once_a_year"),
            models.CheckConstraint(name="promotion_round_year_range", condition=Q(year__gte=2000, year__lte=2100)),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_series_display()}"

    @property
    def level_labels(self) -> list[str]:
        labels = dict(wc.Title.choices)
        return [str(labels.get(code, code)) for code in self.levels]


class PromotionNomination(TeacherChild):
    """A teacher put forward in a round by their school; reviewed by the district, then the city.
    The final approval appoints the title (``workforce.services.title_promote``)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待区县审核")
        DISTRICT_APPROVED = "district", _("待市级审核")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")

    round = models.ForeignKey(PromotionRound, verbose_name=_("职称评审"), on_delete=models.CASCADE,
                              related_name="nominations")
    title = models.CharField(_("申报职称"), max_length=20, choices=wc.Title.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("推荐人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    nominated_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)
    district_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("区县审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    city_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("市级审核人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    appointment = models.OneToOneField(TitleAppointment, verbose_name=_("聘任记录"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    objects = TeacherChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("职称申报")
        verbose_name_plural = pgettext_lazy("plural", "职称申报")
        ordering = ["round", "teacher__school_id", "teacher__name"]
        constraints = [models.UniqueConstraint(fields=["round", "teacher"], name="promotion_nomination_once")]

    def __str__(self) -> str:
        return f"{self.round} {self.get_title_display()}"


# ---------------------------------------------------------------- 岗位结构
class PostShares(models.Model):
    """Approved shares of 高级 and 一级 posts (二级及以下: the rest), in % of a school's 在编
    专任教师. A row with a school type is the default of that type; a row with a school is that
    school's own approval and wins."""

    school_type = models.CharField(_("学校类型"), max_length=20, choices=wc.SchoolType.choices, blank=True)
    school = models.OneToOneField(School, verbose_name=_("学校"), null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")
    senior = models.DecimalField(_("高级岗位比例（%）"), max_digits=5, decimal_places=2, validators=PERCENT)
    middle = models.DecimalField(_("一级岗位比例（%）"), max_digits=5, decimal_places=2, validators=PERCENT)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("岗位结构比例")
        verbose_name_plural = pgettext_lazy("plural", "岗位结构比例")
        ordering = ["school_type", "school_id"]
        constraints = [
            models.CheckConstraint(name="post_shares_type_or_school",
                                   condition=(Q(school__isnull=True) & ~Q(school_type=""))
                                   | (Q(school__isnull=False) & Q(school_type="")),
                                   violation_error_message=_("请填写学校类型（默认比例）或学校（本校核定比例），二者择一。")),
            models.UniqueConstraint(fields=["school_type"], condition=Q(school__isnull=True),
                                    name="post_shares_one_default_a_type"),
            models.CheckConstraint(name="post_shares_at_most_100", condition=Q(senior__lte=100 - models.F("middle")),
                                   violation_error_message=_("高级与一级岗位比例之和不能超过 100%。")),
        ]

    def __str__(self) -> str:
        who = self.school or self.get_school_type_display()
        return f"{who}：高级 {self.senior}% · 一级 {self.middle}%"
