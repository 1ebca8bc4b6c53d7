"""Training credits (DOMAIN.md, 培训学分): cycles with requirements, programmes, records."""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from workforce import choices as c
from workforce.models import City, District, ScopedQuerySet, Teacher

from . import rules
from .evidence import evidence_path, private_storage


class TrainingCycle(models.Model):
    """A credit cycle, e.g. 2021-01-01 to 2025-12-31 with 360 学时 required."""

    name = models.CharField(_("周期名称"), max_length=40, unique=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    required_hours = models.DecimalField(_("要求学时"), max_digits=7, decimal_places=1, default=360)
    yearly_minimum = models.DecimalField(_("每年最低学时"), max_digits=6, decimal_places=1, null=True, blank=True)
    # DOMAIN.md: a teacher who joins during a cycle owes the requirement pro rata.
    hours_per_year_left = models.DecimalField(
        _("周期内入职：每个剩余完整学年应修学时"), max_digits=6, decimal_places=1, default=72,
        validators=[MinValueValidator(0)],
        help_text=_("参加工作晚于周期开始的教师，按入职后周期内剩余的完整学年（9月1日至次年8月31日）数乘以此学时计要求，"
                    "不超过周期要求学时"),
    )

    class Meta:
        verbose_name = _("培训周期")
        verbose_name_plural = pgettext_lazy("plural", "培训周期")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(name="cycle_end_after_start", condition=Q(end__gt=F("start")),
                                   violation_error_message=_("结束日期须晚于开始日期。")),
            models.CheckConstraint(name="cycle_required_positive", condition=Q(required_hours__gt=0),
                                   violation_error_message=_("要求学时须大于0。")),
        ]

    def __str__(self) -> str:
        return self.name


class TrainingCap(models.Model):
    """Optional cap of countable hours per level or mode within a cycle."""

    cycle = models.ForeignKey(TrainingCycle, verbose_name=_("培训周期"), on_delete=models.CASCADE, related_name="caps")
    level = models.CharField(_("培训类别"), max_length=20, choices=c.TrainingLevel.choices, blank=True)
    mode = models.CharField(_("培训方式"), max_length=20, choices=c.TrainingMode.choices, blank=True)
    max_hours = models.DecimalField(_("最多计入学时"), max_digits=7, decimal_places=1, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("学时上限")
        verbose_name_plural = pgettext_lazy("plural", "学时上限")
        constraints = [
            models.CheckConstraint(name="cap_level_or_mode", condition=~Q(level="", mode=""),
                                   violation_error_message=_("须指定培训类别或培训方式。")),
            models.UniqueConstraint(fields=["cycle", "level", "mode"], name="cap_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} {self.get_level_display() or self.get_mode_display()} ≤ {self.max_hours}"


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """City programmes for everyone; a district's programmes for its own users. In a province
        of several cities (issue 18) a city's programmes (``city``) for that city's users, and the
        programmes of neither a city nor a district for everyone."""
        from backend.scoping import single_city

        scope = user.scope
        if scope.covers_all:
            return self.all()
        if scope.kind == "city":
            return self.filter(Q(district__isnull=True, city__isnull=True)
                               | Q(district__isnull=True, city_id=scope.city_id) | Q(district__city_id=scope.city_id))
        district_id = scope.district_id
        if scope.kind == "school":
            district_id = user.school.district_id if user.school_id else None
        if scope.kind == "self":
            district_id = user.teacher.school.district_id if user.teacher_id else None
        if single_city():
            return self.filter(Q(district__isnull=True) | Q(district_id=district_id))
        return self.filter(Q(district__isnull=True, city__isnull=True)
                           | Q(district__isnull=True, city__districts=district_id) | Q(district_id=district_id))


class Programme(models.Model):
    """A training programme of the catalogue (自主选学)."""

    name = models.CharField(_("项目名称"), max_length=150)
    provider = models.CharField(_("培训机构"), max_length=100, blank=True)
    level = models.CharField(_("培训类别"), max_length=20, choices=c.TrainingLevel.choices)
    mode = models.CharField(_("培训方式"), max_length=20, choices=c.TrainingMode.choices)
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0)])
    start = models.DateField(_("开始日期"), null=True, blank=True)
    end = models.DateField(_("结束日期"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True)
    district = models.ForeignKey(
        District, verbose_name=_("发布区县"), null=True, blank=True, on_delete=models.PROTECT,
        help_text=_("为空表示市级项目"),
    )
    city = models.ForeignKey(
        City, verbose_name=_("发布城市"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("有多个城市时：市级项目所属的城市；区县和城市都为空为全省项目"),
    )
    published = models.BooleanField(_("已发布"), default=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训项目")
        verbose_name_plural = pgettext_lazy("plural", "培训项目")
        ordering = ["-start", "name"]
        constraints = [
            models.CheckConstraint(name="programme_end_after_start",
                                   condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
                                   violation_error_message=_("结束日期不能早于开始日期。")),
        ]

    def __str__(self) -> str:
        return self.name


class EnrolmentQuerySet(ScopedQuerySet):
    school_path = "teacher__school"
    teacher_path = "teacher"


class ProgrammeEnrolment(models.Model):
    programme = models.ForeignKey(Programme, verbose_name=_("培训项目"), on_delete=models.CASCADE, related_name="enrolments")
    teacher = models.ForeignKey(Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="programme_enrolments")
    enrolled_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("选学报名")
        verbose_name_plural = pgettext_lazy("plural", "选学报名")
        constraints = [models.UniqueConstraint(fields=["programme", "teacher"], name="enrolment_once")]

    def __str__(self) -> str:
        return f"{self.teacher.name} → {self.programme}"


class CreditQuerySet(ScopedQuerySet):
    school_path = "teacher__school"
    teacher_path = "teacher"

    def approved(self):
        return self.filter(status=CreditRecord.Status.APPROVED)

    def pending(self):
        return self.filter(status=CreditRecord.Status.PENDING)

    def in_cycle(self, cycle):
        """Records placed in ``cycle`` (rules.placing_day): by end date, else start date, else 培训年度."""
        return self.filter(in_cycle_q(cycle))

    def for_district_approval(self):
        """Records of a district's own programme: the district HR approves them (issue 5, 2)."""
        return self.filter(programme__district__isnull=False)

    def for_school_approval(self):
        return self.filter(Q(programme__isnull=True) | Q(programme__district__isnull=True))


def in_cycle_q(cycle, prefix: str = "") -> Q:
    """The database twin of ``rules.cycle_of_record`` for one cycle (``prefix`` e.g. "credit_records__")."""
    first, last = rules.cycle_years(cycle.start, cycle.end)
    p = prefix
    return (
        Q(**{f"{p}end__isnull": False, f"{p}end__gte": cycle.start, f"{p}end__lte": cycle.end})
        | Q(**{f"{p}end__isnull": True, f"{p}start__isnull": False, f"{p}start__gte": cycle.start,
               f"{p}start__lte": cycle.end})
        | Q(**{f"{p}end__isnull": True, f"{p}start__isnull": True, f"{p}year__gte": first, f"{p}year__lte": last})
    )


class CreditRecord(models.Model):
    """One training a teacher did: logged by the teacher, imported by HR, or credited by a provider."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已退回")

    class Source(models.TextChoices):
        SELF = "self", _("教师申报")
        IMPORT = "import", _("人事导入")
        PROVIDER = "provider", _("机构名单")

    teacher = models.ForeignKey(Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="credit_records")
    programme = models.ForeignKey(
        Programme, verbose_name=_("培训项目"), null=True, blank=True, on_delete=models.PROTECT, related_name="records",
    )
    title = models.CharField(_("项目名称"), max_length=150)
    provider = models.CharField(_("培训机构"), max_length=100, blank=True)
    level = models.CharField(_("培训类别"), max_length=20, choices=c.TrainingLevel.choices)
    mode = models.CharField(_("培训方式"), max_length=20, choices=c.TrainingMode.choices)
    year = models.PositiveSmallIntegerField(_("培训年度"))
    start = models.DateField(_("开始日期"), null=True, blank=True)
    end = models.DateField(_("结束日期"), null=True, blank=True)
    hours = models.DecimalField(_("培训获得学时"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0)])
    credits = models.DecimalField(_("学分"), max_digits=6, decimal_places=1, null=True, blank=True)
    evidence = models.FileField(
        _("证明材料"), upload_to=evidence_path, storage=private_storage, blank=True, max_length=200,
        help_text=_("PDF、JPG 或 PNG；以随机文件名保存在非公开目录，只能通过权限检查后的页面查看"),
    )
    evidence_name = models.CharField(_("原文件名"), max_length=150, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.SELF)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason = models.CharField(_("审核意见"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = CreditQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = pgettext_lazy("plural", "培训记录")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "programme"], condition=Q(programme__isnull=False), name="credit_programme_once",
                violation_error_message=_("同一培训项目不能重复登记。"),
            ),
            models.CheckConstraint(name="credit_end_after_start",
                                   condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
                                   violation_error_message=_("结束日期不能早于开始日期。")),
            models.CheckConstraint(name="credit_year_range", condition=Q(year__gte=2000, year__lte=2100),
                                   violation_error_message=_("培训年度不合理。")),
        ]
        indexes = [
            # A teacher's approved records with every column the dashboard's countable 学时 reads
            # (the cycle's dates, category, mode, hours): counted from the index alone.
            models.Index(fields=["teacher", "status", "end", "start", "year", "level", "mode", "hours"],
                         name="credit_teacher_cover_idx"),
            models.Index(fields=["status", "created_at"], name="credit_queue_idx"),  # the approval queue's order
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.hours}学时）"

    @property
    def is_locked(self) -> bool:
        """Approved records are locked: no edit, no delete (issue 5, 2)."""
        return self.status == self.Status.APPROVED

    @property
    def needs_district(self) -> bool:
        return bool(self.programme_id and self.programme.district_id)


class CreditDecision(models.Model):
    """Every approval decision, kept (who, when, why)."""

    record = models.ForeignKey(CreditRecord, verbose_name=_("培训记录"), on_delete=models.CASCADE, related_name="decisions")
    status = models.CharField(_("结果"), max_length=10, choices=CreditRecord.Status.choices)
    reason = models.CharField(_("意见"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, on_delete=models.SET_NULL, related_name="+",
    )
    decided_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = pgettext_lazy("plural", "审核记录")
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.record} {self.get_status_display()}"
