"""The domain model of DOMAIN.md: organisation, teachers and their sub-records, targets.

Rules that can live in the database do (unique keys, end ≥ start, from ≠ to, ranges).
Every model that holds teacher data has a QuerySet with ``in_scope(user)``.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from backend.scoping import scope_for

from . import choices as c
from . import rules
from core.identity import IdNumberError, mask_id_number, parse_id_number


def school_year_label(start_year: int) -> str:
    """学年 2025 → "2025-2026" (1 September to 31 August)."""
    return f"{start_year}-{start_year + 1}"


def school_year_of(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def rotation_day(year: int) -> dt.date:
    """1 September of school year ``year``: the day rotation eligibility is judged."""
    return dt.date(year, 9, 1)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


# ---------------------------------------------------------------- scope helpers
class ScopedQuerySet(models.QuerySet):
    """``in_scope(user)`` for any model; subclasses name the path to the school/teacher."""

    school_path = "school"  # path from this model to School
    teacher_path: str | None = None  # path to Teacher, for the "self" scope

    def in_scope(self, user):
        return self.for_scope(scope_for(user))

    def for_scope(self, scope):
        if scope.covers_all:
            return self.all()
        if scope.kind == "city":
            return self.filter(**{f"{self.school_path}__district__city_id": scope.city_id})
        if scope.kind == "district":
            return self.filter(**{f"{self.school_path}__district_id": scope.district_id})
        if scope.kind == "school":
            return self.filter(**{f"{self.school_path}_id": scope.school_id})
        if scope.kind == "self" and self.teacher_path is not None:
            key = "pk" if self.teacher_path == "" else f"{self.teacher_path}_id"
            return self.filter(**{key: scope.teacher_id})
        return self.none()


# ---------------------------------------------------------------- organisation
def installation_city() -> tuple[str, str]:
    """The city a single-city installation serves (``CITY_CODE``, ``CITY_NAME``): the one the
    migration gives the existing districts and the one a district made without a city joins."""
    return (getattr(settings, "CITY_CODE", "") or "320700", getattr(settings, "CITY_NAME", "") or "连云港市")


def sole_city_id() -> int | None:
    """The default city of a new district: the only city of a single-city installation (made from
    ``installation_city`` when there is none yet). With several cities there is no default: a
    district must name its city (the form and the NOT NULL column say so)."""
    ids = list(City.objects.values_list("pk", flat=True)[:2])
    if len(ids) == 1:
        return ids[0]
    if ids:
        return None
    code, name = installation_city()
    return City.objects.get_or_create(code=code, defaults={"name": name})[0].pk


class CityQuerySet(models.QuerySet):
    def for_scope(self, scope):
        if scope.covers_all:
            return self.all()
        if scope.kind == "city":
            return self.filter(pk=scope.city_id)
        if scope.kind == "district":
            return self.filter(districts=scope.district_id)
        return self.none()


class City(models.Model):
    """A city (设区市) of the province (issue 18): the level above the districts. A single-city
    installation has exactly one, and then a city-level account covers everything
    (``backend.scoping``); with several, a city-level account sees its own city only."""

    code = models.CharField(
        _("区划代码"), max_length=6, unique=True,
        validators=[RegexValidator(r"^\d{6}$", _("区划代码应为6位数字"))],
    )
    name = models.CharField(_("名称"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = CityQuerySet.as_manager()

    class Meta:
        verbose_name = _("城市")
        verbose_name_plural = pgettext_lazy("plural", "城市")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class DistrictQuerySet(models.QuerySet):
    def for_scope(self, scope):
        if scope.covers_all:
            return self.all()
        if scope.kind == "city":
            return self.filter(city_id=scope.city_id)
        if scope.kind == "district":
            return self.filter(pk=scope.district_id)
        return self.none()

    def of_own_city(self, scope):
        """Every district of the city the scope lies in (a district's or a school's users read the
        names of their city's districts): all of them in a single-city installation."""
        from backend.scoping import single_city

        if scope.kind == "none":
            return self.none()
        if scope.covers_all or single_city():
            return self.all()
        if scope.kind == "city":
            return self.filter(city_id=scope.city_id)
        key = {"district": ("city__districts", scope.district_id), "school": ("city__districts__schools", scope.school_id),
               "self": ("city__districts__schools__teachers", scope.teacher_id)}.get(scope.kind)
        return self.filter(**{key[0]: key[1]}).distinct() if key else self.none()


class District(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    # unique within its city: every city has its 市直, and two cities may have a 鼓楼区
    name = models.CharField(_("名称"), max_length=40)
    kind = models.CharField(_("类别"), max_length=10, choices=c.DistrictKind.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    city = models.ForeignKey(City, verbose_name=_("所属城市"), on_delete=models.PROTECT, related_name="districts",
                             default=sole_city_id)

    objects = DistrictQuerySet.as_manager()

    class Meta:
        verbose_name = _("区县")
        verbose_name_plural = pgettext_lazy("plural", "区县")
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["city", "name"], name="district_name_unique_in_city")]

    def __str__(self) -> str:
        return self.name


class SchoolQuerySet(ScopedQuerySet):
    school_path = ""

    def for_scope(self, scope):
        if scope.covers_all:
            return self.all()
        if scope.kind == "city":
            return self.filter(district__city_id=scope.city_id)
        if scope.kind == "district":
            return self.filter(district_id=scope.district_id)
        if scope.kind == "school":
            return self.filter(pk=scope.school_id)
        if scope.kind == "self":
            return self.filter(teachers__pk=scope.teacher_id)
        return self.none()

    def compulsory_public(self):
        return self.filter(ownership=c.Ownership.PUBLIC)

    def of_own_city(self, scope):
        """The schools of the city the scope lies in — where a teacher of the scope may move or go
        on exchange (another district's school, not another city's: issue 18). All of them in a
        single-city installation, with no filter."""
        from backend.scoping import single_city

        if scope.covers_all or single_city():
            return self.all()
        return self.filter(district__in=District.objects.of_own_city(scope).values("pk"))


class School(TimeStamped):
    code = models.CharField(
        _("学校标识码"), max_length=10, unique=True,
        validators=[RegexValidator(r"^\d{10}$", _("学校标识码应为10位数字"))],
    )
    name = models.CharField(_("学校名称"), max_length=100)
    district = models.ForeignKey(District, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="schools")
    school_type = models.CharField(_("学校类型"), max_length=20, choices=c.SchoolType.choices)
    stages = models.JSONField(_("学段"), default=list, help_text=_("该校开设的学段代码；为空时按学校类型推定"))
    ownership = models.CharField(_("办学性质"), max_length=10, choices=c.Ownership.choices, default=c.Ownership.PUBLIC)
    location = models.CharField(_("城乡分类"), max_length=10, choices=c.Location.choices)
    rural_kind = models.CharField(_("村小/教学点"), max_length=10, choices=c.RuralKind.choices, blank=True, default="")
    is_active = models.BooleanField(_("在办"), default=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = pgettext_lazy("plural", "学校")
        ordering = ["district__order", "code"]
        constraints = [
            models.CheckConstraint(
                name="school_rural_kind_only_rural",
                condition=Q(rural_kind="") | Q(location=c.Location.RURAL),
                violation_error_message=_("只有乡村学校才能标为村小或教学点。"),
            ),
            models.UniqueConstraint(fields=["district", "name"], name="school_name_unique_in_district"),
        ]
        indexes = [models.Index(fields=["name"], name="school_name_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def stage_list(self) -> list[str]:
        return list(self.stages) or [str(s) for s in c.STAGES_OF_SCHOOL_TYPE.get(self.school_type, [])]

    def clean(self):
        rules.refuse(rules.rural_kind_only_rural(self.location, self.rural_kind))


class Enrolment(models.Model):
    """在校生与班级数: one school × school year × stage."""

    school = models.ForeignKey(School, verbose_name=_("学校"), on_delete=models.CASCADE, related_name="enrolments")
    school_year = models.PositiveSmallIntegerField(_("学年（起始年）"), help_text=_("2025 表示 2025-2026 学年"))
    stage = models.CharField(_("学段"), max_length=20, choices=c.Stage.choices)
    pupils = models.PositiveIntegerField(_("在校生数"))
    classes = models.PositiveIntegerField(_("班级数"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("在校生")
        verbose_name_plural = pgettext_lazy("plural", "在校生")
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "stage"], name="enrolment_unique"),
            models.CheckConstraint(name="enrolment_year_range", condition=Q(school_year__gte=2000, school_year__lte=2100)),
        ]

    def __str__(self) -> str:
        return f"{self.school} {school_year_label(self.school_year)} {self.get_stage_display()}"

    def clean(self):
        if self.school_id is not None:
            rules.refuse(rules.stage_in_school(self.stage, self.school.name, self.school.stage_list, field="stage"))


# ---------------------------------------------------------------- teachers
class TeacherQuerySet(ScopedQuerySet):
    school_path = "school"
    teacher_path = ""

    def full_time(self):
        return self.filter(staff_category=c.StaffCategory.FULL_TIME_TEACHER)

    def on_roll(self, on: dt.date):
        """On the school's roll on ``on``: entered by then, not yet left (DOMAIN.md, Population)."""
        return self.filter(Q(school_entry__isnull=True) | Q(school_entry__lte=on)).filter(
            Q(left_on__isnull=True) | Q(left_on__gt=on)
        )

    def population(self, on: dt.date):
        """专任教师 on the roll on ``on``: the population of every measure unless it says otherwise."""
        return self.full_time().on_roll(on)

    def teaching(self, stage: str):
        return self.filter(teaching_stage=stage)

    # ---- rotation (交流轮岗), DOMAIN.md "Rotation": the one definition every page uses
    def compulsory_public(self):
        """Teachers of public schools who teach 小学 or 初中 (the rotation population)."""
        return self.filter(school__ownership=c.Ownership.PUBLIC, teaching_stage__in=c.COMPULSORY_STAGES)

    def rotation_population(self, year: int):
        """专任教师 of public compulsory-education schools on the roll on 1 September of ``year``."""
        return self.population(rotation_day(year)).compulsory_public()

    # Each set is also given as a condition (``*_q``) so a grouped count can test several sets in
    # one pass (``Count("pk", filter=...)``); the QuerySet methods filter by the same conditions.
    @staticmethod
    def eligible_q(year: int, min_years: int = 6, entry: str = "school_entry") -> Q:
        """在编, and on 1 September of ``year`` at least ``min_years`` at the current school
        (进本校年月 on or before 1 September of ``year - min_years``). ``entry``: the field or
        annotation holding 进本校年月 (``at_entry``: at the school of that day, ``hooks.at_schools_on``)."""
        return Q(on_establishment=True, **{f"{entry}__lte": rotation_day(year).replace(year=year - min_years)})

    @staticmethod
    def rotated_q(year: int, on: dt.date | None = None) -> Q:
        """An exchange of a counted type starting in school year ``year`` — and, given the as-of
        date ``on``, started by then: a planned exchange is not yet a rotation (DOMAIN.md)."""
        return Q(models.Exists(Exchange.objects.counted_in(year, on).filter(teacher=models.OuterRef("pk"))))

    @staticmethod
    def planned_q(year: int, on: dt.date) -> Q:
        """An exchange of a counted type in school year ``year`` that starts after ``on`` (planned)."""
        return Q(models.Exists(Exchange.objects.counted_in(year).filter(teacher=models.OuterRef("pk"), start__gt=on)))

    @staticmethod
    def still_away_q(year: int) -> Q:
        """Away on 1 September of ``year`` on an earlier exchange of a counted type (one that
        started before that day and had not ended by it: a multi-year exchange)."""
        day = rotation_day(year)
        return Q(models.Exists(Exchange.objects.filter(
            teacher=models.OuterRef("pk"), exchange_type__counts=True, start__lt=day,
        ).filter(Q(end__isnull=True) | Q(end__gte=day))))

    @staticmethod
    def under_ethics_ban_q(on: dt.date) -> Q:
        """Barred on ``on`` by a substantiated 师德失范 case (一票否决, DOMAIN.md Ethics)."""
        return Q(models.Exists(EthicsCase.objects.banning_on(on).filter(teacher=models.OuterRef("pk"))))

    @staticmethod
    def backbone_q(on: dt.date, among=None) -> Q:
        """骨干 on ``on``: the 县级及以上骨干 flag, or an honour that makes a 骨干 active on ``on`` —
        but not a teacher under an ethics ban that day (一票否决 bars rotation-as-骨干).
        ``among``: the ids of the teachers asked about, when they are few (a recount of a school):
        the awards are then read by the teacher index instead of every active award."""
        awards = Award.objects.active_on(on).filter(teacher=models.OuterRef("pk"), honour_type__makes_backbone=True)
        if among is not None:
            awards = awards.filter(teacher_id__in=among)
        return (Q(backbone=True) | Q(models.Exists(awards))) & ~TeacherQuerySet.under_ethics_ban_q(on)

    def eligible_for_rotation(self, year: int, min_years: int = 6):
        """The rotation population of ``year`` that is eligible (``eligible_q``)."""
        return self.rotation_population(year).filter(self.eligible_q(year, min_years))

    def rotated_in(self, year: int, on: dt.date | None = None):
        """Teachers with an exchange of a counted type starting in school year ``year`` (and
        started by ``on`` when given: ``rotated_q``)."""
        return self.filter(self.rotated_q(year, on))

    def under_ethics_ban(self, on: dt.date):
        """Teachers barred on ``on`` by a substantiated 师德失范 case (一票否决, DOMAIN.md Ethics)."""
        return self.filter(self.under_ethics_ban_q(on))

    def backbone_on(self, on: dt.date, among=None):
        """骨干 on ``on`` (``backbone_q``): the one definition — the rotation plan, the dashboard's
        骨干 share of the rotated and the 骨干 count of the honours all use it."""
        return self.filter(self.backbone_q(on, among))


class Teacher(TimeStamped):
    """One person of the national 教职工基础信息 sheet; 身份证件号 is the natural key."""

    # identity
    name = models.CharField(_("姓名"), max_length=50)
    former_name = models.CharField(_("曾用名"), max_length=50, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=c.Sex.choices)
    staff_no = models.CharField(_("教职工号"), max_length=30, blank=True)
    nationality = models.CharField(_("国籍/地区"), max_length=30, default="中国")
    id_type = models.CharField(_("身份证件类型"), max_length=2, choices=c.IdType.choices, default=c.IdType.RESIDENT)
    id_number = models.CharField(_("身份证件号"), max_length=30, unique=True)
    birth_date = models.DateField(_("出生日期"))
    native_place = models.CharField(_("籍贯"), max_length=60, blank=True)
    birthplace = models.CharField(_("出生地"), max_length=60, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    political_status = models.CharField(_("政治面貌"), max_length=30, default="群众")
    marital_status = models.CharField(_("婚姻状况"), max_length=10, blank=True)
    health = models.CharField(_("健康状况"), max_length=20, blank=True)
    # employment
    school = models.ForeignKey(School, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="teachers")
    teaching_stage = models.CharField(_("任教学段"), max_length=20, choices=c.Stage.choices, db_index=True)
    subject = models.CharField(_("任教学科"), max_length=30, blank=True)
    work_start = models.DateField(_("参加工作年月"), null=True, blank=True)
    school_entry = models.DateField(_("进本校年月"), null=True, blank=True)
    source = models.CharField(_("教职工来源"), max_length=20, choices=c.StaffSource.choices, blank=True)
    staff_category = models.CharField(
        _("教职工类别"), max_length=20, choices=c.StaffCategory.choices, default=c.StaffCategory.FULL_TIME_TEACHER,
    )
    on_establishment = models.BooleanField(_("是否在编"), default=True)
    employment_form = models.CharField(_("用人形式"), max_length=20, choices=c.EmploymentForm.choices, blank=True)
    contract = models.CharField(_("签订合同情况"), max_length=1, choices=c.Contract.choices, default=c.Contract.EMPLOYMENT)
    normal_graduate = models.BooleanField(_("是否全日制师范类专业毕业"), default=False)
    special_ed_trained = models.BooleanField(_("是否受过特教专业培养培训"), default=False)
    special_ed_cert = models.BooleanField(_("是否有特殊教育从业证书"), default=False)
    it_ability = models.CharField(_("信息技术应用能力"), max_length=20, choices=c.ItAbility.choices, blank=True)
    free_normal = models.BooleanField(_("是否属于免费（公费）师范生"), default=False)
    grassroots_service = models.BooleanField(_("是否参加基层服务项目"), default=False)
    grassroots_start = models.DateField(_("参加基层服务项目起始年月"), null=True, blank=True)
    grassroots_end = models.DateField(_("参加基层服务项目结束年月"), null=True, blank=True)
    special_grade = models.BooleanField(_("是否是特级教师"), default=False)
    backbone = models.BooleanField(_("是否是县级及以上骨干教师"), default=False)
    mental_health = models.BooleanField(_("是否心理健康教育教师"), default=False)
    status = models.CharField(_("人员状态"), max_length=3, choices=c.PersonnelStatus.choices, default=c.PersonnelStatus.IN_POST)
    remarks = models.TextField(_("备注"), blank=True)
    # kindergarten variant
    preschool_major = models.BooleanField(_("是否全日制学前教育专业毕业"), null=True, blank=True)
    preschool_trained = models.BooleanField(_("是否受过学前教育专业培养培训"), null=True, blank=True)
    # 中职 variant
    dual_qualified = models.BooleanField(_("是否“双师型”教师"), null=True, blank=True)
    vocational_cert = models.BooleanField(_("是否具备职业技能等级证书"), null=True, blank=True)
    enterprise_months = models.PositiveSmallIntegerField(_("企业工作(实践)时长（月）"), null=True, blank=True)
    # leaving the roll
    left_on = models.DateField(_("离开本校日期"), null=True, blank=True, help_text=_("退休、调出、辞职、死亡之日；为空表示在册"))
    left_reason = models.CharField(_("离开原因"), max_length=20, choices=c.LeftReason.choices, blank=True)

    objects = TeacherQuerySet.as_manager()

    class Meta:
        verbose_name = _("教师")
        verbose_name_plural = pgettext_lazy("plural", "教师")
        ordering = ["school_id", "name"]
        constraints = [
            models.CheckConstraint(
                name="teacher_left_reason_with_date",
                condition=Q(left_on__isnull=True) | ~Q(left_reason=""),
                violation_error_message=_("填写离开日期时须填写离开原因。"),
            ),
            models.CheckConstraint(
                name="teacher_grassroots_dates",
                condition=Q(grassroots_end__isnull=True) | Q(grassroots_start__isnull=True)
                | Q(grassroots_end__gte=F("grassroots_start")),
                violation_error_message=_("基层服务项目结束年月不能早于起始年月。"),
            ),
        ]
        indexes = [
            models.Index(fields=["school", "teaching_stage"], name="teacher_school_stage_idx"),
            models.Index(fields=["staff_category", "teaching_stage"], name="teacher_cat_stage_idx"),
            models.Index(fields=["name"], name="teacher_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{mask_id_number(self.id_number)}）"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def clean(self):
        errors = {}
        if self.id_type == c.IdType.RESIDENT:
            try:
                parsed = parse_id_number(self.id_number)
            except IdNumberError as exc:
                errors["id_number"] = str(exc)
            else:
                self.id_number = parsed.number
                if self.birth_date and self.birth_date != parsed.birth_date:
                    errors["birth_date"] = _("出生日期与身份证件号不符（证件号为 %(date)s）") % {"date": f"{parsed.birth_date:%Y-%m-%d}"}
                if self.sex and self.sex != parsed.sex:
                    errors["sex"] = _("性别与身份证件号不符")
        school = self.school if self.school_id else None
        for problem in rules.teacher_record(
            teaching_stage=self.teaching_stage, school_name=school.name if school else "",
            school_stages=school.stage_list if school else [], birth_date=self.birth_date, work_start=self.work_start,
            school_entry=self.school_entry, grassroots_start=self.grassroots_start,
            grassroots_end=self.grassroots_end, today=timezone.localdate(),
        ):
            errors.setdefault(problem.field, problem.message)
        if errors:
            raise ValidationError(errors)


class TeacherChild(models.Model):
    """Abstract base of every sub-record of a teacher: scope through the teacher's school."""

    teacher = models.ForeignKey(Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="%(class)ss")

    class Meta:
        abstract = True


class TeacherChildQuerySet(ScopedQuerySet):
    school_path = "teacher__school"
    teacher_path = "teacher"


class EducationRecord(TeacherChild):
    """学习经历. ``is_highest`` is the national 最高学历标识."""

    education = models.CharField(_("学历"), max_length=20, choices=c.Education.choices)
    degree = models.CharField(_("学位层次"), max_length=10, choices=c.Degree.choices, default=c.Degree.NONE)
    degree_name = models.CharField(_("学位名称"), max_length=50, blank=True)
    study_mode = models.CharField(_("学习方式"), max_length=10, choices=c.StudyMode.choices, default=c.StudyMode.FULL_TIME)
    institution = models.CharField(_("学历授予单位"), max_length=100, blank=True)
    major = models.CharField(_("所学专业"), max_length=100, blank=True)
    is_normal_major = models.BooleanField(_("是否师范类专业"), default=False)
    is_highest = models.BooleanField(_("最高学历标识"), default=False)
    is_first = models.BooleanField(_("第一学历标识"), default=False)
    start = models.DateField(_("入学年月"), null=True, blank=True)
    end = models.DateField(_("毕业年月"), null=True, blank=True)

    objects = TeacherChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("学习经历")
        verbose_name_plural = pgettext_lazy("plural", "学习经历")
        constraints = [
            models.CheckConstraint(
                name="education_end_after_start",
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
                violation_error_message=_("毕业年月不能早于入学年月。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_education_display()}/{self.get_degree_display()}"

    def clean(self):
        rules.refuse(rules.education_record(education=self.education, degree=self.degree, start=self.start,
                                            end=self.end, today=timezone.localdate()))


class TitleAppointment(TeacherChild):
    title = models.CharField(_("专业技术职务"), max_length=20, choices=c.Title.choices)
    appointed_on = models.DateField(_("聘任年月"))
    ended_on = models.DateField(_("解聘年月"), null=True, blank=True)

    objects = TeacherChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("专业技术职务")
        verbose_name_plural = pgettext_lazy("plural", "专业技术职务")
        constraints = [
            models.CheckConstraint(
                name="title_end_after_start",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("appointed_on")),
                violation_error_message=_("解聘年月不能早于聘任年月。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_title_display()}（{self.appointed_on:%Y-%m}）"

    def clean(self):
        """The dates (the 一票否决 needs the teacher's cases: ``services.title_promote`` and the
        admin's ``TitleAdminForm`` check it)."""
        rules.refuse(rules.title_dates(self.appointed_on, self.ended_on, timezone.localdate()))


# ---------------------------------------------------------------- rotation
class ExchangeType(models.Model):
    """交流轮岗类型 as data: whether it counts toward the rotation target (DOMAIN.md)."""

    name = models.CharField(_("交流轮岗类型"), max_length=30, unique=True)
    counts = models.BooleanField(_("计入交流轮岗比例"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("交流轮岗类型")
        verbose_name_plural = pgettext_lazy("plural", "交流轮岗类型")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class ExchangeQuerySet(TeacherChildQuerySet):
    def counted_in(self, year: int, on: dt.date | None = None):
        """Exchanges of a counted type starting in school year ``year`` (and by ``on`` when given)."""
        qs = self.filter(exchange_type__counts=True, start__gte=rotation_day(year), start__lt=rotation_day(year + 1))
        return qs if on is None else qs.filter(start__lte=on)


class Exchange(TeacherChild):
    """交流轮岗 record. The home school (``from_school``) keeps the teacher on its roll."""

    exchange_type = models.ForeignKey(ExchangeType, verbose_name=_("交流轮岗类型"), on_delete=models.PROTECT)
    moves_personnel = models.BooleanField(_("是否调动人事关系"), default=False)
    start = models.DateField(_("开始年月"))
    end = models.DateField(_("结束年月"), null=True, blank=True)
    from_school = models.ForeignKey(
        School, verbose_name=_("原单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="exchanges_out",
    )
    to_school = models.ForeignKey(
        School, verbose_name=_("交流轮岗单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="exchanges_in",
    )
    from_name = models.CharField(_("原单位名称"), max_length=100, blank=True)
    to_name = models.CharField(_("交流轮岗单位名称"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    objects = ExchangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("交流轮岗")
        verbose_name_plural = pgettext_lazy("plural", "交流轮岗")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                name="exchange_end_after_start",
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                violation_error_message=_("结束年月不能早于开始年月。"),
            ),
            models.CheckConstraint(
                name="exchange_schools_differ",
                condition=Q(from_school__isnull=True) | Q(to_school__isnull=True) | ~Q(from_school=F("to_school")),
                violation_error_message=_("交流轮岗单位不能与原单位相同。"),
            ),
        ]
        indexes = [models.Index(fields=["start"], name="exchange_start_idx")]

    def __str__(self) -> str:
        return f"{self.exchange_type} {self.start:%Y-%m}"

    def clean(self):
        """The exchange's own dates and schools (the home school is the teacher's when not given);
        the rules that need the teacher's other exchanges are ``services.exchange_check``'s."""
        problems = rules.exchange_period(self.start, self.end)
        if self.to_school_id is not None:
            home = self.from_school_id
            if home is None and self.teacher_id is not None:
                home = self.teacher.school_id
            problems += rules.exchange_schools(home, self.to_school_id)
        rules.refuse(problems)


# ---------------------------------------------------------------- honours and ethics
class HonourType(models.Model):
    """荣誉 / 人才项目 type as data (DOMAIN.md, Honours)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("称号"), max_length=60, unique=True)
    level = models.CharField(_("级别"), max_length=20, choices=c.HonourLevel.choices)
    makes_backbone = models.BooleanField(_("视同骨干教师"), default=False)
    validity_years = models.PositiveSmallIntegerField(_("有效期（年）"), null=True, blank=True, help_text=_("为空表示长期有效"))
    is_team = models.BooleanField(_("授予团队/工作室"), default=False)

    class Meta:
        verbose_name = _("荣誉类型")
        verbose_name_plural = pgettext_lazy("plural", "荣誉类型")
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name


class AwardQuerySet(TeacherChildQuerySet):
    def for_scope(self, scope):
        if scope.kind in {"city", "district", "school"} and not scope.covers_all:
            field, value = {"city": ("district__city_id", scope.city_id), "district": ("district_id", scope.district_id),
                            "school": ("id", scope.school_id)}[scope.kind]
            return self.filter(
                Q(**{f"teacher__school__{field}": value}) | Q(teacher__isnull=True, **{f"school__{field}": value})
            )
        return super().for_scope(scope)

    def with_holder_at_award(self):
        """The holder's school, its location class and district, and the teaching stage on the
        award date (``at_school_id``, ``at_location``, ``at_district_id``, ``at_stage``): as
        recorded on the award (``school_at_award``/``stage_at_award``); an award recorded without them
        falls back to the teacher's current school and stage (DOMAIN.md Honours: "on the award date")."""
        return self.annotate(
            at_school_id=Coalesce("school_at_award_id", "teacher__school_id"),
            at_location=Coalesce("school_at_award__location", "teacher__school__location"),
            at_district_id=Coalesce("school_at_award__district_id", "teacher__school__district_id"),
            at_stage=Coalesce(NullIf("stage_at_award", models.Value("")), "teacher__teaching_stage"),
        )

    def active_on(self, on: dt.date):
        return self.filter(awarded_on__lte=on).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gt=on)
        ).filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=on))


class Award(models.Model):
    """An honour given to a teacher (or, for team honours, to a school's team)."""

    honour_type = models.ForeignKey(HonourType, verbose_name=_("荣誉类型"), on_delete=models.PROTECT, related_name="awards")
    teacher = models.ForeignKey(
        Teacher, verbose_name=_("教师"), null=True, blank=True, on_delete=models.CASCADE, related_name="awards",
    )
    school = models.ForeignKey(
        School, verbose_name=_("所在学校（团队）"), null=True, blank=True, on_delete=models.PROTECT, related_name="awards",
    )
    team_name = models.CharField(_("团队/工作室名称"), max_length=100, blank=True)
    # Where the teacher taught on the award date: 乡村 honours are judged by it, not by today's
    # school (DOMAIN.md Honours). The system has no school history, so it is recorded at award time.
    school_at_award = models.ForeignKey(
        School, verbose_name=_("授予时所在学校"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("授予日期当天教师所在学校，“乡村”荣誉按此判断；授予时自动记录，未记录的按教师当前学校"),
    )
    stage_at_award = models.CharField(_("授予时任教学段"), max_length=20, choices=c.Stage.choices, blank=True)
    awarded_on = models.DateField(_("授予日期"))
    expires_on = models.DateField(_("到期日期"), null=True, blank=True)
    awarding_body = models.CharField(_("授予单位"), max_length=100, blank=True)
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("荣誉授予")
        verbose_name_plural = pgettext_lazy("plural", "荣誉授予")
        ordering = ["-awarded_on"]
        constraints = [
            models.CheckConstraint(
                name="award_has_holder", condition=Q(teacher__isnull=False) | Q(school__isnull=False),
                violation_error_message=_("荣誉须授予教师或学校团队。"),
            ),
            models.CheckConstraint(
                name="award_expiry_after_award",
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("awarded_on")),
                violation_error_message=_("到期日期不能早于授予日期。"),
            ),
            models.CheckConstraint(
                name="award_revoked_after_award",
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=F("awarded_on")),
                violation_error_message=_("撤销日期不能早于授予日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.honour_type} {self.awarded_on:%Y}"

    def clean(self):
        """An award to a teacher records the teacher's school and teaching stage, unless given.
        The date has happened (the 一票否决 needs the teacher's cases: ``services.award_grant``
        and the admin's ``AwardAdminForm`` check it)."""
        if self.teacher_id is not None:
            if self.school_at_award_id is None:
                self.school_at_award_id = self.teacher.school_id
            if not self.stage_at_award:
                self.stage_at_award = self.teacher.teaching_stage
        rules.refuse(rules.award_dates(self.awarded_on, timezone.localdate()))


class EthicsSeverity(models.Model):
    """师德失范 severity and its ban period (configurable, DOMAIN.md: one-vote veto)."""

    name = models.CharField(_("处理等级"), max_length=30, unique=True)
    ban_months = models.PositiveSmallIntegerField(_("限制期（月）"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("师德失范处理等级")
        verbose_name_plural = pgettext_lazy("plural", "师德失范处理等级")
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{self.name}（{self.ban_months}个月）"


class EthicsCaseQuerySet(TeacherChildQuerySet):
    def banning_on(self, on: dt.date):
        """Substantiated cases whose ban period (认定日期 … 限制期至) covers ``on``."""
        return self.filter(substantiated=True, decided_on__lte=on, ban_until__gte=on)


class EthicsCase(TeacherChild):
    severity = models.ForeignKey(EthicsSeverity, verbose_name=_("处理等级"), on_delete=models.PROTECT)
    occurred_on = models.DateField(_("发生日期"))
    decided_on = models.DateField(_("认定日期"))
    substantiated = models.BooleanField(_("查实"), default=True)
    ban_until = models.DateField(_("限制期至"), help_text=_("认定日期加处理等级的限制期；期内一票否决"))
    description = models.TextField(_("情况说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    objects = EthicsCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("师德失范案件")
        verbose_name_plural = pgettext_lazy("plural", "师德失范案件")
        ordering = ["-decided_on"]
        permissions = [("view_ethics", "可查看师德档案")]
        constraints = [
            models.CheckConstraint(
                name="ethics_decided_after_occurred", condition=Q(decided_on__gte=F("occurred_on")),
                violation_error_message=_("认定日期不能早于发生日期。"),
            ),
            models.CheckConstraint(
                name="ethics_ban_after_decision", condition=Q(ban_until__gte=F("decided_on")),
                violation_error_message=_("限制期不能早于认定日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.severity.name} {self.decided_on:%Y-%m-%d}"


class Nomination(TeacherChild):
    """A teacher put forward for an honour type in a selection round (评选年度)."""

    honour_type = models.ForeignKey(HonourType, verbose_name=_("荣誉类型"), on_delete=models.PROTECT, related_name="nominations")
    round_year = models.PositiveSmallIntegerField(_("评选年度"))
    nominated_on = models.DateField(_("推荐日期"))
    note = models.CharField(_("推荐理由"), max_length=200, blank=True)
    award = models.OneToOneField(
        Award, verbose_name=_("授予结果"), null=True, blank=True, on_delete=models.SET_NULL, related_name="nomination",
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("推荐人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    objects = TeacherChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("荣誉推荐")
        verbose_name_plural = pgettext_lazy("plural", "荣誉推荐")
        ordering = ["-nominated_on"]
        constraints = [
            models.UniqueConstraint(fields=["honour_type", "teacher", "round_year"], name="nomination_once_a_round"),
        ]

    def __str__(self) -> str:
        return f"{self.honour_type} {self.round_year}"


# ---------------------------------------------------------------- staffing quota
class StaffingStandard(models.Model):
    """编制标准 per stage as data. ``pupils_per_post`` gives 1:N; kindergartens are by class."""

    stage = models.CharField(_("学段"), max_length=20, choices=c.Stage.choices, unique=True)
    pupils_per_post = models.DecimalField(
        _("生师比（每个编制对应学生数）"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(1)],
    )
    posts_per_class = models.DecimalField(
        _("每班编制数"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("幼儿园按班核定（如每班2名教师+1名保育员=3）；村小/教学点按班的最低编制"),
    )
    small_school_posts_per_class = models.DecimalField(
        _("村小/教学点每班最低编制"), max_digits=5, decimal_places=2, null=True, blank=True,
    )

    class Meta:
        verbose_name = _("编制标准")
        verbose_name_plural = pgettext_lazy("plural", "编制标准")
        constraints = [
            models.CheckConstraint(
                name="standard_has_basis", condition=Q(pupils_per_post__isnull=False) | Q(posts_per_class__isnull=False),
                violation_error_message=_("须填写生师比或每班编制数。"),
            ),
            models.CheckConstraint(
                name="standard_ratio_range",
                condition=Q(pupils_per_post__isnull=True) | Q(pupils_per_post__gte=1, pupils_per_post__lte=100),
                violation_error_message=_("生师比须在 1 到 100 之间。"),
            ),
        ]

    def __str__(self) -> str:
        return self.get_stage_display()


class SchoolQuota(models.Model):
    """核定编制 that HR records for a school and school year."""

    school = models.ForeignKey(School, verbose_name=_("学校"), on_delete=models.CASCADE, related_name="quotas")
    school_year = models.PositiveSmallIntegerField(_("学年（起始年）"))
    approved = models.PositiveIntegerField(_("核定编制数"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("核定编制")
        verbose_name_plural = pgettext_lazy("plural", "核定编制")
        constraints = [models.UniqueConstraint(fields=["school", "school_year"], name="quota_unique")]

    def __str__(self) -> str:
        return f"{self.school} {school_year_label(self.school_year)}：{self.approved}"


class QuotaPool(models.Model):
    """市域周转编制池."""

    school_year = models.PositiveSmallIntegerField(_("学年（起始年）"), unique=True)
    posts = models.PositiveIntegerField(_("周转编制数"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("周转编制池")
        verbose_name_plural = pgettext_lazy("plural", "周转编制池")

    def __str__(self) -> str:
        return f"{school_year_label(self.school_year)}：{self.posts}"


# ---------------------------------------------------------------- plans and their indicators
class PlanQuerySet(models.QuerySet):
    def with_indicators(self):
        """Plans the city has entered targets for (a plan without indicators measures nothing)."""
        return self.filter(Exists(PlanIndicator.objects.filter(plan=OuterRef("pk"))))

    def in_force(self, day: dt.date):
        """The plan in force on ``day`` among those with indicators (``Plan.in_force_of``)."""
        return Plan.in_force_of(list(self.with_indicators()), day)


class Plan(models.Model):
    """A five-year plan as data (DOMAIN.md: "the next plan can be entered without code"): its
    period, the year of its baseline figures and the year its targets are for. Its targets are
    ``PlanIndicator`` rows; the dashboard measures against the plan in force on the as-of date,
    or the one chosen (``?plan=<code>``), and a plan's final account reads the snapshot of the
    school year that begins in its target year."""

    code = models.SlugField(_("代码"), max_length=20, unique=True, help_text=_("网址和命令中使用，如 14th、15th"))
    name = models.CharField(_("名称"), max_length=40, unique=True, help_text=_("如 十四五、十五五"))
    title = models.CharField(_("全称"), max_length=100, blank=True)
    start_year = models.PositiveSmallIntegerField(_("起始年"))
    end_year = models.PositiveSmallIntegerField(_("结束年"))
    baseline_year = models.PositiveSmallIntegerField(_("基线年"), help_text=_("指标“基线值”所属年份，如 2020"))
    interim_year = models.PositiveSmallIntegerField(_("中期年"), null=True, blank=True,
                                                    help_text=_("指标“中期值”所属年份（可空），如 2022"))
    target_year = models.PositiveSmallIntegerField(_("目标年"), help_text=_("指标“目标值”所属年份，如 2025"))

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("规划")
        verbose_name_plural = pgettext_lazy("plural", "规划")
        ordering = ["start_year"]
        constraints = [
            models.CheckConstraint(name="plan_period_order", condition=Q(start_year__lte=F("end_year")),
                                   violation_error_message=_("结束年不能早于起始年。")),
            models.CheckConstraint(name="plan_baseline_before_target", condition=Q(baseline_year__lt=F("target_year")),
                                   violation_error_message=_("基线年须早于目标年。")),
            models.CheckConstraint(
                name="plan_interim_between",
                condition=Q(interim_year__isnull=True) | Q(interim_year__gt=F("baseline_year"),
                                                           interim_year__lt=F("target_year")),
                violation_error_message=_("中期年须在基线年与目标年之间。")),
        ]

    def __str__(self) -> str:
        return f"“{self.name}”（{self.start_year}–{self.end_year}）"

    @staticmethod
    def in_force_of(plans, day: dt.date):
        """The plan in force on ``day``: the one whose period holds the day's year; after the
        last plan ended (its successor not yet entered), the latest one begun; before the first,
        the first; ``None`` without plans."""
        plans = sorted(plans, key=lambda p: p.start_year)
        for plan in plans:
            if plan.start_year <= day.year <= plan.end_year:
                return plan
        begun = [p for p in plans if p.start_year <= day.year]
        return begun[-1] if begun else (plans[0] if plans else None)

    def clean(self):
        """Periods do not overlap: a date has one plan in force."""
        if self.start_year is None or self.end_year is None:
            return
        overlapping = (Plan.objects.exclude(pk=self.pk)
                       .filter(start_year__lte=self.end_year, end_year__gte=self.start_year).first())
        if overlapping is not None:
            raise ValidationError({"start_year": _("规划期与%(plan)s重叠。") % {"plan": overlapping}})


class PlanIndicator(models.Model):
    """A target of a plan (Table 1, Table 2, the teacher targets of 四(五)).

    ``code`` is one of what the measures compute (``choices.INDICATOR_SPECS``); it decides the
    table, the stage, the Table 2 level, the unit and the direction, which ``clean`` fills in
    (lower is better for 生师比). The values are of the plan's years: ``baseline`` of its
    baseline year, ``interim`` of its interim year, ``target`` of its target year.
    """

    plan = models.ForeignKey(Plan, verbose_name=_("规划"), on_delete=models.CASCADE, related_name="indicators")
    table = models.CharField(_("表"), max_length=10, choices=c.IndicatorTable.choices, editable=False)
    code = models.CharField(_("代码"), max_length=60, choices=c.INDICATOR_CODE_CHOICES)
    name = models.CharField(_("指标"), max_length=100)
    stage = models.CharField(_("学段"), max_length=20, choices=c.Stage.choices, blank=True, editable=False)
    measure = models.CharField(_("口径"), max_length=30, blank=True, editable=False)
    unit = models.CharField(_("单位"), max_length=10, default="%", editable=False)
    baseline = models.DecimalField(_("基线值"), max_digits=10, decimal_places=2, null=True, blank=True,
                                   help_text=_("规划基线年的数值（如 2020 年）"))
    interim = models.DecimalField(_("中期值"), max_digits=10, decimal_places=2, null=True, blank=True,
                                  help_text=_("规划中期年的数值（如 2022 年），可空"))
    target = models.DecimalField(_("目标值"), max_digits=10, decimal_places=2, help_text=_("规划目标年的数值（如 2025 年）"))
    kind = models.CharField(_("属性"), max_length=10, choices=c.IndicatorKind.choices, default=c.IndicatorKind.BINDING)
    higher_is_better = models.BooleanField(_("越高越好"), default=True, editable=False)
    coverage = models.CharField(
        _("口径说明"), max_length=200, blank=True,
        help_text=_("系统只能统计部分口径时填写（如只含高职高专）；填写后只显示数值，不判断是否达标"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("规划指标")
        verbose_name_plural = pgettext_lazy("plural", "规划指标")
        ordering = ["plan", "table", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicator_code_unique",
                                    violation_error_message=_("该规划已有此代码的指标。")),
            models.CheckConstraint(name="indicator_code_known", condition=Q(code__in=list(c.INDICATOR_SPECS)),
                                   violation_error_message=_("指标代码不在系统可计算的指标之列。")),
            models.CheckConstraint(
                name="indicator_percent_range",
                condition=~Q(unit="%") | Q(target__gte=0, target__lte=100),
                violation_error_message=_("百分比指标须在 0 到 100 之间。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def spec(self) -> c.IndicatorSpec | None:
        return c.INDICATOR_SPECS.get(self.code)

    def clean(self):
        """What the code decides is taken from it; an unknown code is the field's error (the
        choices), never an indicator the measures skip in silence."""
        spec = self.spec
        if spec is None:
            return
        self.table, self.stage, self.measure = spec.table, spec.stage, spec.measure
        self.unit, self.higher_is_better = spec.unit, spec.higher_is_better


class RuleSetting(models.Model):
    """A configurable number of a rule (DOMAIN.md "configurable"), e.g. rotation minimum years."""

    key = models.SlugField(_("代码"), max_length=60, unique=True)
    label = models.CharField(_("名称"), max_length=100)
    value = models.DecimalField(_("取值"), max_digits=10, decimal_places=2, null=True, blank=True)
    codes = models.JSONField(_("代码列表"), default=list, blank=True,
                             help_text=_("取值为一组代码的规则（如在岗在职的人员状态代码）"))
    help = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("规则参数")
        verbose_name_plural = pgettext_lazy("plural", "规则参数")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.label}：{self.value}"

    @classmethod
    def get(cls, key: str, default):
        row = cls.objects.filter(key=key).values_list("value", flat=True).first()
        return default if row is None else row

    @classmethod
    def get_codes(cls, key: str, default) -> list[str]:
        """A rule whose value is a list of codes (``codes``), as strings; ``default`` when unset."""
        row = cls.objects.filter(key=key).values_list("codes", flat=True).first()
        return [str(code) for code in (default if not row else row)]


# ---------------------------------------------------------------- snapshots and proposals
class CompactJSONEncoder(DjangoJSONEncoder):
    """JSON as UTF-8 without padding: a snapshot's Chinese texts take half the bytes of ``\\uXXXX``."""

    def __init__(self, *args, **kwargs):
        kwargs.update(ensure_ascii=False, separators=(",", ":"))
        super().__init__(*args, **kwargs)


class MeasureSnapshot(models.Model):
    """The measures of a scope stored for a date (``workforce.snapshots``): the trend chart draws
    them and a plan's final account reads them (issue 14)."""

    scope_kind = models.CharField(_("范围类别"), max_length=10)  # city / district / school
    scope_key = models.CharField(_("范围代码"), max_length=20, blank=True)  # district code or school code
    on = models.DateField(_("统计日期"))
    school_year = models.PositiveSmallIntegerField(_("学年（起始年）"))
    data = models.JSONField(_("指标数据"), encoder=CompactJSONEncoder)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("指标快照")
        verbose_name_plural = pgettext_lazy("plural", "指标快照")
        ordering = ["scope_kind", "scope_key", "on"]
        constraints = [models.UniqueConstraint(fields=["scope_kind", "scope_key", "on"], name="snapshot_unique")]

    def __str__(self) -> str:
        return f"{self.scope_kind}:{self.scope_key or '全市'} {self.on}"


class QuotaProposal(models.Model):
    """A proposed rebalancing of posts (DOMAIN.md "Staffing quota"): transfers within districts and
    the share-out of the city pool (周转编制). A draft until a person other than its author accepts
    it, or the author after confirming (``self_accepted``); both names are kept."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待确认")
        ACCEPTED = "accepted", _("已采纳")
        DISCARDED = "discarded", _("已放弃")

    school_year = models.PositiveSmallIntegerField(_("学年（起始年）"))
    posts = models.PositiveIntegerField(_("分配编制数"))
    leftover = models.PositiveIntegerField(_("周转编制剩余"), default=0)
    leftover_reason = models.CharField(_("剩余原因"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    explanation = models.TextField(_("计算说明"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), null=True, on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("采纳人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    accepted_at = models.DateTimeField(_("采纳时间"), null=True, blank=True)
    self_accepted = models.BooleanField(
        _("本人提出并采纳"), default=False, help_text=_("提出人本人确认后采纳（无第二人复核）"),
    )
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("放弃人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    discarded_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("编制调剂方案")
        verbose_name_plural = pgettext_lazy("plural", "编制调剂方案")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="proposal_accepted_has_time", condition=~Q(status="accepted") | Q(accepted_at__isnull=False),
                violation_error_message=_("已采纳的方案须有采纳时间。"),
            ),
            models.CheckConstraint(
                name="proposal_self_accepted_by_author",
                condition=Q(self_accepted=False) | Q(accepted_by=F("proposed_by")),
                violation_error_message=_("“本人提出并采纳”须由提出人本人采纳。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{school_year_label(self.school_year)} 调剂 {self.posts} 个编制（{self.get_status_display()}）"


class QuotaProposalLine(models.Model):
    """One school (or, with no school, one district) in a proposal: its figures when computed
    and the posts it receives within its district (``transfer_in``), gives (``transfer_out``) and
    receives from the city pool (``allocated``). Accepting applies these to ``SchoolQuota``."""

    proposal = models.ForeignKey(QuotaProposal, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="lines")
    district = models.ForeignKey(District, verbose_name=_("区县"), null=True, blank=True, on_delete=models.PROTECT)
    school = models.ForeignKey(School, verbose_name=_("学校"), null=True, blank=True, on_delete=models.PROTECT)
    standard = models.IntegerField(_("标准编制"), default=0)
    approved_before = models.IntegerField(_("测算时核定编制"), default=0)
    actual = models.IntegerField(_("实有在编"), default=0)
    shortage = models.IntegerField(_("编制缺口"), default=0)
    surplus = models.IntegerField(_("编制富余"), default=0)
    transfer_in = models.IntegerField(_("区县内调入"), default=0)
    transfer_out = models.IntegerField(_("区县内调出"), default=0)
    allocated = models.IntegerField(_("周转编制分配数"), default=0)
    explanation = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("调剂明细")
        verbose_name_plural = pgettext_lazy("plural", "调剂明细")
        constraints = [
            models.CheckConstraint(
                name="proposal_line_not_above_shortage",
                condition=Q(allocated__gte=0, transfer_in__gte=0) & Q(allocated__lte=F("shortage") - F("transfer_in")),
                violation_error_message=_("调入与分配之和不能超过编制缺口。"),
            ),
            models.CheckConstraint(
                name="proposal_line_not_above_surplus", condition=Q(transfer_out__gte=0, transfer_out__lte=F("surplus")),
                violation_error_message=_("调出数不能超过编制富余。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school or self.district}：{self.allocated}"


class QuotaProposalStep(models.Model):
    """One row of a proposal's table (step, from, to, posts, why), in order: the record of how
    the proposal was worked out. The labels are kept as text, as they read when computed."""

    class Kind(models.TextChoices):
        DISTRICT_TRANSFER = "district_transfer", _("区县内调剂（合计）")
        TRANSFER = "transfer", _("区县内调剂")
        POOL_DISTRICT = "pool_district", _("周转编制分到区县")
        POOL_SCHOOL = "pool_school", _("区县分到学校")
        LEFTOVER = "leftover", _("周转编制剩余")

    proposal = models.ForeignKey(QuotaProposal, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("步骤"), max_length=20, choices=Kind.choices)
    district = models.ForeignKey(District, verbose_name=_("区县"), null=True, blank=True, on_delete=models.PROTECT)
    source = models.CharField(_("调出方"), max_length=120)
    target = models.CharField(_("调入方"), max_length=120)
    posts = models.PositiveIntegerField(_("编制数"))
    explanation = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("调剂步骤")
        verbose_name_plural = pgettext_lazy("plural", "调剂步骤")
        ordering = ["proposal", "order"]
        constraints = [models.UniqueConstraint(fields=["proposal", "order"], name="proposal_step_order_unique")]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}：{self.posts}"
