"""Reads of the measures (DOMAIN.md "Definitions of the measures"): each counts in the database.

Every measure is one aggregation over the scope's rows, optionally grouped by district or
school in the same query (``by``), so the city overview costs the same number of queries as
one district and nothing grows with teachers or schools. Counts are gathered into a
``Counter`` per group; ``finish`` turns a Counter into the JSON object of the issue with the
pure functions of ``workforce.measures``. Counts add up, so a scope's total is the sum of its
groups: the overview row of a district and that district's own report are the same numbers.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Case, Count, Exists, F, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import get_language, gettext

from backend.scoping import Scope

from . import choices
from . import hooks
from . import labels
from . import measures as ms
from . import quota as qa
from . import registry
from . import facts  # noqa: F401  (imported with the app: its models, ``fact_models``, registered with the others)
from .models import (
    Award, City, District, EducationRecord, Enrolment, Exchange, MeasureSnapshot, Plan, PlanIndicator, RuleSetting, School,
    SchoolQuota, StaffingStandard, Teacher, TitleAppointment, rotation_day, school_year_label, school_year_of,
)

# Chinese whatever the page language: these labels go into the measures JSON (a data contract).
STAGE_LABEL = choices.data_labels(choices.Stage)
LOCATION_LABEL = choices.data_labels(choices.Location)
PTR_CODES = ("t1_ptr_primary", "t1_ptr_junior", "t1_ptr_senior", "t1_ptr_higher")

# Honour targets of DOMAIN.md: indicator code → how it is counted and which honour type (or, for
# titles, which teaching stages).
#   active:        distinct teachers on the roll (any staff category) holding an active award on the date
#   active_in_post: the same, 在岗在职: 人员状态 among the configured in-post statuses (100, 204, 205, 206)
#   period_rural:  distinct teachers awarded during the plan period who, on the award date, taught
#                  小学, 初中 or 高中 at a 乡村 school (``AwardQuerySet.with_holder_at_award``)
#   teams:         awards (teams, studios, stations) given during the plan period
#   title:         distinct teachers of 小学, 初中, 高中 appointed 正高级教师 during the plan period
#   title_apart:   the same for kindergarten and 中职 teachers, reported apart (no target)
HONOUR_MEASURES = [
    ("special_grade_in_post", "在岗在职特级教师", "active_in_post", "tejijiaoshi"),
    ("gangcheng_mingshi", "港城名师", "active", "gangcheng_mingshi"),
    ("rural_gangcheng_mingshi", "培养乡村港城名师", "period_rural", "gangcheng_mingshi"),
    ("rural_special_grade", "培养乡村特级教师", "period_rural", "tejijiaoshi"),
    ("zhenggao_appointed", "培养中小学正高级教师", "title", "school"),
    ("zhenggao_appointed_preschool", "正高级教师（幼儿园，单列）", "title_apart", choices.Stage.PRESCHOOL.value),
    ("zhenggao_appointed_vocational", "正高级教师（中职，单列）", "title_apart", choices.Stage.VOCATIONAL.value),
    ("city_master_studio", "市级名师工作室", "teams", "shi_mingshi_gongzuoshi"),
    ("educator_community", "市教育家型教师培养对象共同体", "teams", "jiaoyujia_gongtongti"),
    ("city_four_haves_team", "市级“四有”好教师团队", "teams", "shi_siyou_tuandui"),
    ("provincial_four_haves_team", "省级“四有”好教师团队", "teams", "sheng_siyou_tuandui"),
    ("rural_backbone_station", "市级乡村骨干教师培育站", "teams", "xiangcun_gugan_peiyuzhan"),
    ("sheng_333", "省“333”工程培养对象", "active", "sheng_333"),
    ("shi_521", "市“521”工程培养对象", "active", "shi_521"),
    ("backbone", "骨干教师（县级及以上）", "backbone", ""),
]
HONOUR_COUNT_KEY = {"active": "hon_active", "active_in_post": "hon_in_post", "period_rural": "hon_rural",
                    "teams": "hon_awards", "title": "hon_title", "title_apart": "hon_title"}
# The 正高级 counts by teaching stage: 中小学 together, kindergarten and 中职 apart.
TITLE_GROUPS = {**{str(stage): "school" for stage in choices.SCHOOL_STAGES},
                choices.Stage.PRESCHOOL.value: choices.Stage.PRESCHOOL.value,
                choices.Stage.VOCATIONAL.value: choices.Stage.VOCATIONAL.value}
# Targets of the whole city: a district or a school shows its count without one.
CITY_ONLY_TARGETS = {code for code, *_ in HONOUR_MEASURES} | {"new_teachers_per_year"}


# ---------------------------------------------------------------- inputs
FEW_SCHOOLS = 50


@dataclass(frozen=True)
class Filters:
    """Dashboard filters: teaching stage, school type, location class (empty = all)."""

    stage: str = ""
    school_type: str = ""
    location: str = ""
    # the dashboard's own, never from a request: only these schools (a recount of the schools a
    # write changed, ``dataversion.kept_per_school``); None: every school
    school_ids: tuple[int, ...] | None = None

    @property
    def few_schools(self) -> bool:
        """Only a few schools (``FEW_SCHOOLS`` at most: a recount after a write): their teachers or
        rotated teachers can be read into a list of ids once and looked up by index."""
        return self.school_ids is not None and len(self.school_ids) <= FEW_SCHOOLS

    def school_teacher_ids(self) -> list[int]:
        """The ids of the teachers at ``school_ids`` now (``few_schools`` only)."""
        return list(Teacher.objects.filter(school__in=list(self.school_ids)).values_list("pk", flat=True))

    def schools_q(self, school_path: str) -> Q:
        prefix = f"{school_path}__" if school_path else ""
        condition = Q()
        if self.school_ids is not None:
            condition &= Q(**{f"{school_path}__in" if school_path else "pk__in": list(self.school_ids)})
        if self.school_type:
            condition &= Q(**{f"{prefix}school_type": self.school_type})
        if self.location:
            condition &= Q(**{f"{prefix}location": self.location})
        return condition

    def teachers(self, qs, teacher_path: str = ""):
        prefix = f"{teacher_path}__" if teacher_path else ""
        qs = qs.filter(self.schools_q(f"{prefix}school"))
        if self.school_ids is not None:  # the same teachers, by id: the database then finds them by the school's index
            ids = Teacher.objects.filter(school__in=list(self.school_ids)).values("pk")
            qs = qs.filter(**{f"{teacher_path}__in" if teacher_path else "pk__in": ids})
        if self.stage:
            qs = qs.filter(**{f"{prefix}teaching_stage": self.stage})
        return qs

    def stages(self, stages):
        return [stage for stage in stages if not self.stage or stage == self.stage]

    def as_query(self) -> dict:
        return {name: value for name, value in (("stage", self.stage), ("school_type", self.school_type),
                                                ("location", self.location)) if value}


NO_FILTERS = Filters()


@dataclass(frozen=True)
class ScopeRef:
    """A scope with its name: ``key`` is how the CLI and the JSON name it."""

    scope: Scope
    kind: str  # "province", "city", "district" or "school"
    key: str  # "" for the whole installation (the city of a single-city one, the province), a city's code, a district's name or a school's code
    name: str
    code: str = ""  # city code / district code / school code (snapshot key)

    @property
    def text(self) -> str:
        """``city`` (the whole of a single-city installation), ``province``, ``city:CODE`` (one city
        of several), ``district:NAME``, ``school:CODE``."""
        return f"{self.kind}:{self.key}" if self.key else self.kind

    @property
    def param(self) -> str:
        """How a page's link names the scope (``?scope=``): a district by its code, which is unique
        (its name is unique within its city only)."""
        return f"district:{self.code}" if self.kind == "district" and self.code else self.text


class ScopeNotFound(ValueError):
    pass


CITY = ScopeRef(Scope("city"), "city", "", "全市")  # the whole installation (one city: the city)
PROVINCE = ScopeRef(Scope("province"), "province", "", "全省")  # the whole of a multi-city installation


def whole_ref() -> ScopeRef:
    """The whole installation as its pages name it: the city of a single-city one, else the province."""
    from backend.scoping import single_city

    return CITY if single_city() else PROVINCE


def city_ref(city: City) -> ScopeRef:
    """A city's scope: in a single-city installation the whole installation (``CITY``, as always)."""
    from backend.scoping import single_city

    if single_city():
        return CITY
    return ScopeRef(Scope("city", city_id=city.pk), "city", city.code, city.name, city.code)


def resolve_scope(text: str) -> ScopeRef:
    """``city`` | ``province`` | ``city:CODE`` | ``district:CODE`` (or name) | ``school:CODE`` → ScopeRef."""
    text = (text or "city").strip()
    if text == "city":
        return CITY
    if text == "province":
        return PROVINCE
    kind, _, key = text.partition(":")
    key = key.strip()
    if kind == "city":
        city = City.objects.filter(Q(code=key) | Q(name=key)).first()
        if city is None:
            raise ScopeNotFound(f"没有区划代码为“{key}”的城市")
        return city_ref(city)
    if kind == "district":
        district = District.objects.filter(code=key).first()
        if district is None:
            named = list(District.objects.filter(name=key)[:2])
            if len(named) > 1:
                raise ScopeNotFound(f"有多个城市的区县名为“{key}”，请用区划代码")
            district = named[0] if named else None
        if district is None:
            raise ScopeNotFound(f"没有名为“{key}”的区县")
        return district_ref(district)
    if kind == "school":
        school = School.objects.filter(code=key).first()
        if school is None:
            raise ScopeNotFound(f"没有学校标识码为“{key}”的学校")
        return school_ref(school)
    raise ScopeNotFound(f"范围应写作 city、district:区县名 或 school:学校标识码（收到“{text}”）")


def district_ref(district: District) -> ScopeRef:
    return ScopeRef(Scope("district", district_id=district.pk), "district", district.name, district.name, district.code)


def school_ref(school: School) -> ScopeRef:
    return ScopeRef(Scope("school", district_id=school.district_id, school_id=school.pk), "school", school.code,
                    school.name, school.code)


def within(outer: Scope, inner: ScopeRef) -> bool:
    """Whether a user whose scope is ``outer`` may see ``inner``: the whole installation sees
    everything; one city of several its own page, districts and schools (DOMAIN.md, the province)."""
    if outer.covers_all:
        return True
    if outer.kind == "city":
        if inner.kind == "city":
            return inner.scope.city_id == outer.city_id
        return inner.kind in {"district", "school"} and District.objects.filter(
            pk=inner.scope.district_id, city_id=outer.city_id).exists()
    if outer.kind == "district":
        return inner.kind in {"district", "school"} and inner.scope.district_id == outer.district_id
    if outer.kind == "school":
        return inner.kind == "school" and inner.scope.school_id == outer.school_id
    return False


def ref_for_scope(scope: Scope) -> ScopeRef | None:
    if scope.covers_all:
        return PROVINCE if scope.kind == "province" else CITY
    if scope.kind == "city":
        return city_ref(City.objects.get(pk=scope.city_id))
    if scope.kind == "district":
        return district_ref(District.objects.get(pk=scope.district_id))
    if scope.kind == "school":
        return school_ref(School.objects.get(pk=scope.school_id))
    return None


# ---------------------------------------------------------------- settings as data
# 在岗在职 (DOMAIN.md Honours): 100 在本单位任职, 204 进修, 205 交流轮岗, 206 企业实践 — the default
# of the rule ``in_post_statuses`` (RuleSetting.codes), which the city administrator may change.
IN_POST_STATUSES = ("100", "204", "205", "206")


@dataclass(frozen=True)
class PlanInfo:
    """A plan as the pages, the JSON and the exports name it (``models.Plan``)."""

    code: str
    name: str
    title: str
    start_year: int
    end_year: int
    baseline_year: int
    interim_year: int | None
    target_year: int

    @classmethod
    def of(cls, plan: Plan) -> PlanInfo:
        return cls(plan.code, plan.name, plan.title, plan.start_year, plan.end_year, plan.baseline_year,
                   plan.interim_year, plan.target_year)

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "title": self.title, "start_year": self.start_year,
                "end_year": self.end_year, "baseline_year": self.baseline_year, "interim_year": self.interim_year,
                "target_year": self.target_year, "final_school_year": school_year_label(self.target_year)}

    def ended(self, on: dt.date) -> bool:
        return on.year > self.end_year


class PlanNotFound(ValueError):
    pass


@dataclass(frozen=True)
class Targets:
    indicators: dict  # code → PlanIndicator of the plan measured against
    rotation_min_years: int
    backbone_min_share: Decimal
    plan_start: dt.date
    plan_end: dt.date
    in_post_statuses: tuple[str, ...] = IN_POST_STATUSES
    plan: PlanInfo | None = None  # None: no plan entered at all

    def target(self, code: str):
        ind = self.indicators.get(code)
        return None if ind is None else ind.target

    def table2(self):
        return [ind for ind in self.indicators.values()
                if ind.table == choices.IndicatorTable.TABLE2 and ind.measure in ms.MEASURE_LEVEL]


def load_targets(plan: str | None = None, on: dt.date | None = None) -> Targets:
    """The indicators of one plan by code — the plan of that code (``PlanNotFound`` if none),
    else the plan in force on ``on`` (default today: ``Plan.in_force_of``) — its period,
    and the configurable rules (numbers, and the in-post statuses as codes). Two queries (three
    for a plan named that has no indicators yet)."""
    by_plan: dict[int, list] = defaultdict(list)
    for ind in PlanIndicator.objects.select_related("plan"):
        ind.clean()  # what the code decides (table, stage, level, unit, direction), whoever wrote the row
        by_plan[ind.plan_id].append(ind)
    plans = sorted({rows[0].plan.pk: rows[0].plan for rows in by_plan.values()}.values(),
                   key=lambda entered: entered.start_year)
    if plan:
        chosen = (next((entered for entered in plans if entered.code == plan), None)
                  or Plan.objects.filter(code=plan).first())
        if chosen is None:
            raise PlanNotFound(f"没有代码为“{plan}”的规划")
    else:
        chosen = Plan.in_force_of(plans, on or dt.date.today())
    ordered = sorted(by_plan.get(chosen.pk, []), key=lambda ind: (ind.table, ind.order, ind.pk)) if chosen else []
    indicators = {ind.code: ind for ind in ordered}
    rows = RuleSetting.objects.filter(
        key__in=["rotation_min_years", "rotation_backbone_min_share", "in_post_statuses"]
    ).values_list("key", "value", "codes")
    rules = {key: value for key, value, _codes in rows if value is not None}
    codes = {key: tuple(str(code) for code in listed) for key, _value, listed in rows if listed}
    info = PlanInfo.of(chosen) if chosen else None
    return Targets(
        indicators=indicators,
        rotation_min_years=int(rules.get("rotation_min_years", 6)),
        backbone_min_share=rules.get("rotation_backbone_min_share", Decimal(20)),
        plan_start=dt.date(info.start_year if info else 2021, 1, 1),
        plan_end=dt.date(info.end_year if info else 2025, 12, 31),
        in_post_statuses=codes.get("in_post_statuses", IN_POST_STATUSES),
        plan=info,
    )


def plan_choices() -> list[PlanInfo]:
    """The plans the city has entered targets for, oldest first (the dashboard's plan switch)."""
    return [PlanInfo.of(plan) for plan in Plan.objects.with_indicators().order_by("start_year")]


# ---------------------------------------------------------------- helpers
def _group_field(by: str | None, school_path: str) -> str | None:
    if by is None:
        return None
    prefix = f"{school_path}__" if school_path else ""
    return f"{prefix}district_id" if by == "district" else (f"{school_path}_id" if school_path else "pk")


def _grouped(qs, by: str | None, school_path: str, *fields, **aggregates) -> list[dict]:
    """``qs.values(group, *fields).annotate(**aggregates)`` as rows with a ``g`` key (the
    district or school id, or None for the whole scope)."""
    field = _group_field(by, school_path)
    if school_path == "school":  # a past date's population: the school of that date (hooks.at_schools_on)
        qs, field = hooks.group_on_date(qs, by, field)
    if field is None:
        if not fields:
            return [{"g": None, **qs.aggregate(**aggregates)}]
        return [{"g": None, **row} for row in qs.values(*fields).annotate(**aggregates).order_by()]
    return list(qs.annotate(g=F(field)).values("g", *fields).annotate(**aggregates).order_by())


def population(scope: Scope, on: dt.date, filters: Filters = NO_FILTERS):
    """专任教师 on the roll on ``on`` in the scope (DOMAIN.md Population), filtered — each at the
    school they were at on ``on`` where a school history says otherwise (``hooks.at_schools_on``)."""
    dated = hooks.at_schools_on(Teacher.objects.full_time(), on, School.objects.for_scope(scope).filter(filters.schools_q("")),
                                few=filters.school_ids is not None)
    if dated is not None:
        return dated.filter(teaching_stage=filters.stage) if filters.stage else dated
    return filters.teachers(Teacher.objects.for_scope(scope).population(on))


def _finished(on: dt.date) -> Q:
    return Q(end__isnull=True) | Q(end__lte=on)


def _level_case(field: str, levels: dict) -> Case:
    whens = defaultdict(list)
    for code, level in levels.items():
        whens[level].append(code)
    return Case(*[When(**{f"{field}__in": codes}, then=Value(level)) for level, codes in whens.items()],
                default=Value(ms.NONE), output_field=IntegerField())


def effective_level_expr(on: dt.date):
    """Subquery: a teacher's 学历（学位） level on ``on`` (higher of 学历 and 学位, finished records)."""
    records = EducationRecord.objects.filter(_finished(on), teacher=OuterRef("pk")).annotate(
        lvl=Greatest(_level_case("education", ms.EDUCATION_LEVEL), _level_case("degree", ms.DEGREE_LEVEL))
    ).order_by("-lvl").values("lvl")[:1]
    return Coalesce(Subquery(records, output_field=IntegerField()), Value(ms.NONE))


def education_only_level_expr(on: dt.date):
    """Subquery: 学历 alone: the 最高学历-flagged finished record, else the highest 学历."""
    records = EducationRecord.objects.filter(_finished(on), teacher=OuterRef("pk")).annotate(
        lvl=_level_case("education", ms.EDUCATION_LEVEL)
    ).order_by("-is_highest", "-lvl").values("lvl")[:1]
    return Coalesce(Subquery(records, output_field=IntegerField()), Value(ms.NONE))


# ---------------------------------------------------------------- counts per measure
LEVEL_CODE_BASE = 10  # both levels in one number: 学历（学位） × 10 + 学历 alone


def levels_code_expr(on: dt.date):
    """One correlated subquery giving both levels of a teacher on ``on``, encoded as
    ``effective × 10 + education_only`` (the same rules as ``effective_level_expr`` and
    ``education_only_level_expr``; one pass over the records instead of two)."""
    edu = _level_case("education", ms.EDUCATION_LEVEL)
    deg = _level_case("degree", ms.DEGREE_LEVEL)
    records = EducationRecord.objects.filter(_finished(on), teacher=OuterRef("pk")).order_by().values("teacher").annotate(
        code=Max(Greatest(edu, deg)) * LEVEL_CODE_BASE + Coalesce(Max(Case(When(is_highest=True, then=edu))), Max(edu))
    ).values("code")
    return Coalesce(Subquery(records, output_field=IntegerField()), Value(ms.NONE))


def table2_counts(scope, on, filters=NO_FILTERS, by=None) -> dict:
    """Histogram of levels per teaching stage: one query, grouped by stage and both levels."""
    qs = population(scope, on, filters).annotate(levels=levels_code_expr(on))
    out = defaultdict(Counter)
    for row in _grouped(qs, by, "school", "teaching_stage", "levels", count=Count("pk")):
        counter = out[row["g"]]
        stage = row["teaching_stage"]
        effective, education_only = divmod(row["levels"], LEVEL_CODE_BASE)
        counter[("t2", stage, "teachers")] += row["count"]
        counter[("t2", stage, "eff", effective)] += row["count"]
        counter[("t2", stage, "edu", education_only)] += row["count"]
    return out


def ptr_counts(scope, on, year, targets: Targets, filters=NO_FILTERS, by=None) -> dict:
    """Pupils (Enrolment of the school year) per Table 1 stage, and the 专任教师 of that stage at the
    schools that entered it: two queries. Missing is missing (DOMAIN.md): pupils and teachers are
    matched school by school, so a school whose enrolment is not entered yet adds neither; it is
    counted in ``("ptr", stage, "schools_missing")`` (schools with teachers of the stage and no
    enrolment of it), ``("ptr", stage, "entered")`` counts the enrolment rows and
    ``("ptr", stage, "teachers_all")`` all the teachers of the stage."""
    stages = filters.stages([targets.indicators[code].stage for code in PTR_CODES if code in targets.indicators])
    out = defaultdict(Counter)
    if not stages:
        return out
    enrolments = Enrolment.objects.for_scope(scope).filter(filters.schools_q("school"), school_year=year, stage__in=stages)
    entered = set()  # (school, stage) with enrolment entered: one row each (enrolment_unique)
    for row in _grouped(enrolments, by, "school", "school_id", "stage", pupils=Sum("pupils")):
        entered.add((row["school_id"], row["stage"]))
        out[row["g"]][("ptr", row["stage"], "pupils")] += row["pupils"] or 0
        out[row["g"]][("ptr", row["stage"], "entered")] += 1
    teachers = population(scope, on, filters).filter(teaching_stage__in=stages)
    for row in _grouped(teachers, by, "school", "school_id", "teaching_stage", count=Count("pk")):
        stage = row["teaching_stage"]
        out[row["g"]][("ptr", stage, "teachers_all")] += row["count"]
        if (row["school_id"], stage) in entered:
            out[row["g"]][("ptr", stage, "teachers")] += row["count"]
        else:
            out[row["g"]][("ptr", stage, "schools_missing")] += 1
    return out


def rotation_counts(scope, year: int, targets: Targets, filters=NO_FILTERS, by=None, on: dt.date | None = None) -> dict:
    """Rotation for school year ``year`` as of ``on`` (DOMAIN.md Rotation) with the TeacherQuerySet
    definitions (rotation_population, eligible_q, rotated_q, still_away_q, backbone_q): a grouped
    count per set, and the directions.

    ``rotated`` = eligible teachers whose exchange of a counted type in the year has started by
    ``on`` (the ratio's numerator; ``on`` None: every exchange of the year); ``rotated_any`` = all
    rotated, eligible or not (the policy's literal count); ``planned`` = eligible teachers whose
    exchange of the year starts after ``on``; ``still_away`` = eligible teachers away on 1 September
    on an earlier multi-year exchange; ``backbone`` = 骨干 among ``rotated``. Directions: of
    ``rotated``."""
    out = defaultdict(Counter)
    if filters.stage and filters.stage not in choices.COMPULSORY_STAGES:
        return out
    # 1 September of the year, at the school of that day where a history says otherwise (a teacher
    # who moved since is in the population of the school they were at: ``hooks.at_schools_on``)
    dated = hooks.at_schools_on(Teacher.objects.full_time().filter(teaching_stage__in=choices.COMPULSORY_STAGES),
                                rotation_day(year), School.objects.for_scope(scope).filter(
                                    filters.schools_q(""), ownership=choices.Ownership.PUBLIC),
                                few=filters.school_ids is not None)
    if dated is None:
        base = filters.teachers(Teacher.objects.for_scope(scope).rotation_population(year))
    else:
        base = dated.filter(teaching_stage=filters.stage) if filters.stage else dated
    # Only teachers with some exchange starting in the year can have rotated: a cheap pre-filter
    # (by primary key, evaluated once) before ``rotated_q`` decides. Every set is a condition of
    # TeacherQuerySet, so all of them are counted in one pass over the population.
    starting = Exchange.objects.filter(start__gte=rotation_day(year), start__lt=rotation_day(year + 1)).values("teacher_id")
    eligible = Teacher.objects.eligible_q(year, targets.rotation_min_years,
                                          "school_entry" if dated is None else "at_entry")
    rotated = Q(pk__in=starting) & Teacher.objects.rotated_q(year, on)
    sets = {
        "all": Count("pk"),
        "eligible": Count("pk", filter=eligible),
        "rotated": Count("pk", filter=eligible & rotated),
        "rotated_any": Count("pk", filter=rotated),
        "backbone": Count("pk", filter=eligible & rotated & Teacher.objects.backbone_q(rotation_day(year))),
        "still_away": Count("pk", filter=eligible & Teacher.objects.still_away_q(year)),
        # the 骨干 among the eligible (less ``backbone``: those not yet rotated, the rotation plan's "waiting")
        "eligible_backbone": Count("pk", filter=eligible & Teacher.objects.backbone_q(rotation_day(year))),
    }
    if on is not None:
        sets["planned"] = Count("pk", filter=eligible & Q(pk__in=starting) & ~Teacher.objects.rotated_q(year, on)
                                & Teacher.objects.planned_q(year, on))
    # the aggregates named apart from the fields: a count named "backbone" would be what a later
    # filter's ``backbone=True`` (``backbone_q``) reads instead of the teacher's field
    for row in _grouped(base, by, "school", **{f"n_{key}": count for key, count in sets.items()}):
        for key in sets:
            out[row["g"]][("rot", key)] += row[f"n_{key}"] or 0
        out[row["g"]][("rot", "waiting_backbone")] += (row["n_eligible_backbone"] or 0) - (row["n_backbone"] or 0)
    rotated = base.filter(eligible & rotated).values("pk")
    if filters.few_schools:  # a recount of a few schools: their rotated teachers are few, and their
        # exchanges are then found by the teachers' index instead of joining every exchange of the year
        rotated = list(rotated.values_list("pk", flat=True))
    exchanges = Exchange.objects.counted_in(year, on).filter(teacher__in=rotated)
    if dated is None:
        school_path, home = "teacher__school", F("teacher__school__location")
    else:  # each teacher at the school of 1 September, where the counts above place them (a teacher
        # who moved since is counted, and their direction taken from, where they were that day)
        exchanges = exchanges.annotate(at_school=Subquery(base.filter(pk=OuterRef("teacher_id")).values("at_school")[:1]))
        school_path, home = "school", Subquery(School.objects.filter(pk=OuterRef("at_school")).values("location")[:1])
    exchanges = exchanges.annotate(
        from_loc=Coalesce("from_school__location", home),
        to_loc=Coalesce("to_school__location", Value("")),
    )
    for row in _grouped(exchanges, by, school_path, "from_loc", "to_loc", count=Count("teacher", distinct=True)):
        out[row["g"]][("dir", row["from_loc"], row["to_loc"])] += row["count"]
    return out


def award_holders(scope, on, filters=NO_FILTERS):
    """Who counts as holding an honour "在岗在职" on ``on``: teachers on the school's roll that day,
    any 教职工类别 (a 特级教师 who became a principal is still in post) and any 人员状态 (staff on
    loan or on rotation count at their home school, DOMAIN.md Population); not those who left."""
    return filters.teachers(Teacher.objects.for_scope(scope).on_roll(on))


def honour_counts(scope, on, targets: Targets, filters=NO_FILTERS, by=None) -> dict:
    """Honours against the plan's targets: five queries (active awards, plan-period awards, 乡村
    awards, 正高级 appointments, 骨干).

    "active" = distinct teachers holding an award active on ``on`` (awarded by then, not expired,
    not revoked) who are ``award_holders`` on ``on`` — 港城名师, 333, 521; "在岗在职" (特级教师)
    those of them whose 人员状态 is one of ``targets.in_post_statuses``. "乡村" = awarded in the
    plan period to a teacher who, on the award date, taught 小学, 初中 or 高中 at a 乡村 school
    (counted, scoped and grouped by that school). 正高级: 中小学 teachers (小学, 初中, 高中), with
    kindergarten and 中职 apart."""
    out = defaultdict(Counter)
    pop = population(scope, on, filters)
    # Awards are few, teachers many: test each active award's holder against the roll.
    active = Award.objects.active_on(on).filter(Exists(award_holders(scope, on, filters).filter(pk=OuterRef("teacher_id"))))
    if filters.school_ids is not None:  # a recount of some schools: their awards found by index, not by a scan
        active = active.filter(teacher__in=Teacher.objects.filter(school__in=list(filters.school_ids)).values("pk"))
    in_post = Q(teacher__status__in=targets.in_post_statuses)
    for row in _grouped(active, by, "teacher__school", "honour_type__code", count=Count("teacher", distinct=True),
                        in_post=Count("teacher", distinct=True, filter=in_post)):
        out[row["g"]][("hon_active", row["honour_type__code"])] += row["count"]
        out[row["g"]][("hon_in_post", row["honour_type__code"])] += row["in_post"]

    period_end = min(on, targets.plan_end)
    in_period = Award.objects.for_scope(scope).filter(
        awarded_on__gte=targets.plan_start, awarded_on__lte=period_end,
    ).exclude(revoked_on__lte=on).filter(
        (Q(teacher__isnull=False) & filters.schools_q("teacher__school")) | (Q(teacher__isnull=True) & filters.schools_q("school"))
    )
    # a recount of a few schools: their teachers' awards found by the award's teacher index, not by
    # joining every award to the teachers (``few_schools``)
    teacher_ids = filters.school_teacher_ids() if filters.few_schools else None
    if filters.school_ids is not None:  # the awards of their teachers and those given to the schools, by
        # index each: one list of ids (an ``OR`` of the two is tested award by award)
        ids = list(filters.school_ids)
        mine = Award.objects.filter(teacher__in=Teacher.objects.filter(school__in=ids).values("pk")
                                    if teacher_ids is None else teacher_ids).order_by().values("pk")
        in_period = in_period.filter(pk__in=mine.union(Award.objects.filter(school__in=ids).order_by().values("pk")))
    in_period = in_period.annotate(
        holder_district=Coalesce("teacher__school__district_id", "school__district_id"),
        holder_school=Coalesce("teacher__school_id", "school_id"),
    )
    if filters.stage:
        in_period = in_period.filter(Q(teacher__isnull=True) | Q(teacher__teaching_stage=filters.stage))
    group = {"district": "holder_district", "school": "holder_school"}.get(by)
    in_period = in_period.annotate(g=F(group)) if group else in_period.annotate(g=Value(None, output_field=IntegerField()))
    rows = in_period.values("g", "honour_type__code").annotate(awards=Count("pk")).order_by()
    for row in rows:
        out[row["g"]][("hon_awards", row["honour_type__code"])] += row["awards"]

    rural_codes = [honour for _code, _label, kind, honour in HONOUR_MEASURES if kind == "period_rural"]
    at_award = Award.objects.with_holder_at_award().filter(
        teacher__isnull=False, honour_type__code__in=rural_codes,
        awarded_on__gte=targets.plan_start, awarded_on__lte=period_end,
        at_school_id__in=School.objects.for_scope(scope).filter(filters.schools_q("")).values("pk"),
        at_location=choices.Location.RURAL, at_stage__in=choices.SCHOOL_STAGES,
    ).exclude(revoked_on__lte=on)
    if teacher_ids is not None:  # the school of the award is one of them, or (none recorded) the
        # teacher's: among the awards given at them and those of their teachers, by index each
        at_award = at_award.filter(pk__in=Award.objects.filter(school_at_award__in=list(filters.school_ids))
                                   .order_by().values("pk").union(
                                       Award.objects.filter(teacher__in=teacher_ids).order_by().values("pk")))
    if filters.stage:
        at_award = at_award.filter(at_stage=filters.stage)
    group = {"district": "at_district_id", "school": "at_school_id"}.get(by)
    at_award = at_award.annotate(g=F(group)) if group else at_award.annotate(g=Value(None, output_field=IntegerField()))
    for row in at_award.values("g", "honour_type__code").annotate(count=Count("teacher", distinct=True)).order_by():
        out[row["g"]][("hon_rural", row["honour_type__code"])] += row["count"]

    titles = filters.teachers(TitleAppointment.objects.for_scope(scope), "teacher").filter(
        title=choices.Title.SENIOR_PROFESSOR, appointed_on__gte=targets.plan_start, appointed_on__lte=period_end,
        teacher__teaching_stage__in=list(TITLE_GROUPS),
    )
    for row in _grouped(titles, by, "teacher__school", "teacher__teaching_stage", count=Count("teacher", distinct=True)):
        out[row["g"]][("hon_title", TITLE_GROUPS[row["teacher__teaching_stage"]])] += row["count"] or 0

    among = list(pop.values_list("pk", flat=True)) if filters.few_schools else None
    for row in _grouped(pop.backbone_on(on, among=among), by, "school", count=Count("pk")):
        out[row["g"]][("hon_backbone",)] += row["count"] or 0
    return out


def workforce_counts(scope, on, year, filters=NO_FILTERS, by=None) -> dict:
    """New teachers of the school year and the 双师型 share among 中职 teachers: two queries.

    New teachers: 专任教师 whose 进本校年月 falls in school year ``year`` and who did not come
    by transfer (调入), whether or not they are still on the roll."""
    out = defaultdict(Counter)
    new = filters.teachers(Teacher.objects.for_scope(scope).full_time()).filter(
        school_entry__gte=rotation_day(year), school_entry__lt=rotation_day(year + 1),
    ).exclude(source=choices.StaffSource.TRANSFER_IN)
    for row in _grouped(new, by, "school", count=Count("pk")):
        out[row["g"]][("new",)] += row["count"] or 0
    if not filters.stage or filters.stage == choices.Stage.VOCATIONAL:
        voc = population(scope, on, filters).filter(teaching_stage=choices.Stage.VOCATIONAL)
        for row in _grouped(voc, by, "school", count=Count("pk"), dual=Count("pk", filter=Q(dual_qualified=True))):
            out[row["g"]][("dual", "teachers")] += row["count"] or 0
            out[row["g"]][("dual", "dual")] += row["dual"] or 0
    return out


def quota_rows(scope, on, year, filters=NO_FILTERS, *, explain: bool = False) -> list[qa.QuotaRow]:
    """编制 of every public school in operation in the scope (DOMAIN.md "Staffing quota"): the one
    loader of the dashboard, the quota page and the allocation. Five queries, whatever the number
    of schools; the arithmetic per school is ``measures.standard_posts`` / ``quota_balance``.

    standard: Σ over the school's stages of StaffingStandard × Enrolment of the school year,
    rounded half up (``explain``: with the sentence of each stage, ``quota.stage_standard``);
    approved: the SchoolQuota of the school year, else None (no quota figures: never the headcount);
    actual: 教职工 of every category, 在编, on the roll on ``on``. 民办 schools have no 编制."""
    schools = School.objects.for_scope(scope).filter(filters.schools_q(""), ownership=choices.Ownership.PUBLIC, is_active=True)
    standards = {rule.stage: rule for rule in StaffingStandard.objects.all()}
    posts: dict[int, Fraction] = defaultdict(Fraction)
    parts: dict[int, list[str]] = defaultdict(list)
    enrolments = Enrolment.objects.filter(school__in=schools, school_year=year)
    if filters.stage:
        enrolments = enrolments.filter(stage=filters.stage)
    for enrolment in enrolments.values("school_id", "school__rural_kind", "stage", "pupils", "classes").order_by(
            "school_id", "stage"):
        std = standards.get(enrolment["stage"])
        if std is None:
            parts[enrolment["school_id"]].append(gettext("%(stage)s：无编制标准") % {"stage": labels.shown(STAGE_LABEL[enrolment["stage"]])})
            continue
        args = dict(pupils_per_post=std.pupils_per_post, posts_per_class=std.posts_per_class,
                    small_school_posts_per_class=std.small_school_posts_per_class,
                    small_school=bool(enrolment["school__rural_kind"]))
        if explain:
            value, text = qa.stage_standard(pupils=enrolment["pupils"], classes=enrolment["classes"], **args)
            parts[enrolment["school_id"]].append(gettext("%(stage)s：%(text)s") % {"stage": labels.shown(STAGE_LABEL[enrolment["stage"]]), "text": text})
        else:
            value = ms.standard_posts(enrolment["pupils"], enrolment["classes"], **args)
        posts[enrolment["school_id"]] += value
    approved = dict(SchoolQuota.objects.filter(school__in=schools, school_year=year).values_list("school_id", "approved"))
    staff = filters.teachers(Teacher.objects.filter(school__in=schools).on_roll(on).filter(on_establishment=True))
    actual = dict(staff.values("school_id").annotate(count=Count("pk")).order_by().values_list("school_id", "count"))
    rows = []
    for school in schools.order_by("district__order", "district__code", "code").values(
        "pk", "code", "name", "district_id", "district__name", "district__code",
    ):
        pk = school["pk"]
        standard = ms.round_posts(posts[pk])
        basis = ""
        if explain:
            basis = (gettext("%(parts)s；合计 %(total).2f，四舍五入为 %(standard)s") % {
                "parts": gettext("；").join(parts[pk]), "total": float(posts[pk]), "standard": standard}
                if parts[pk] else gettext("本学年无在校生数据，标准编制为 0"))
        rows.append(qa.QuotaRow.for_school(
            code=school["code"], name=school["name"], district_id=school["district_id"],
            district_name=school["district__name"], district_code=school["district__code"], school_id=pk, standard=standard, approved=approved.get(pk),
            actual=actual.get(pk, 0), basis=basis,
        ))
    return rows


def quota_table(scope, school_year: int, on: dt.date | None = None) -> qa.QuotaTable:
    """Standard / approved / actual and the gaps of every public school in ``scope``
    (``quota_rows``, with the sentence of each standard), summed per district and for the scope
    (``quota.sum_rows``). Here, not in ``quota``: the arithmetic imports no selector."""
    on = on or qa.headcount_day(school_year)
    rows = quota_rows(scope, on, school_year, explain=True)
    by_district: dict[int, list[qa.QuotaRow]] = defaultdict(list)
    for row in rows:
        by_district[row.district_id].append(row)
    districts = [
        qa.sum_rows(members[0].district_code, members[0].district_name, members, district_id=district_id,
                    district_name=members[0].district_name, district_code=members[0].district_code)
        for district_id, members in by_district.items()
    ]
    return qa.QuotaTable(school_year=school_year, on=on, schools=rows, districts=districts,
                         city=qa.sum_rows("", "合计", rows))


# The 编制 counts of a scope: integers (sums over the schools that have them; ``schools_with_approved``
# says whether the approved figures exist at all). ``quota_result`` turns them into the JSON object.
QUOTA_FIGURES = ("standard", "approved", "actual", "shortage", "surplus", "vacancies", "overstaffed", "schools",
                 "schools_without_approved")
# What each figure of the JSON ``quota`` object is (DOMAIN.md "Staffing quota").
QUOTA_DEFINITIONS = {
    "standard": "标准编制：各校按在校生数和编制标准计算（四舍五入）之和（全部公办学校）",
    "approved": "核定编制：已核定编制的学校的核定编制之和；未核定的学校不计入，也不以在编人数代替（无任何核定时为 null）",
    "actual": "实有在编：在册、在编的教职工（各类别），全部公办学校",
    "quota_gap": "编制缺口 = 标准 − 核定，逐校计算：shortage 为各校缺口（标准高于核定的部分）之和，surplus 为各校富余"
                 "（核定高于标准的部分）之和，分别相加、不相抵；只计已核定编制的学校",
    "vacancies": "空编：各校核定 − 在编为正的部分之和（可补充人员的编制），只计已核定编制的学校",
    "overstaffed": "超编：各校在编 − 核定为正的部分之和（在编人数超出核定编制），只计已核定编制的学校",
    "shortage_total": "同 quota_gap.shortage（保留的旧字段）",
    "surplus_total": "同 quota_gap.surplus（保留的旧字段）",
    "net_shortage": "shortage − surplus（保留的旧字段，仅供参考：缺口与富余不能相抵，分配不用此数）",
    "schools_without_approved": "未核定编制的学校数：这些学校没有编制缺口、空编、超编数据",
}


def quota_counts(scope, on, year, filters=NO_FILTERS, by=None) -> dict:
    """The 编制 counts per group: sums of ``quota_rows`` (``quota.sum_rows``, as on the quota page);
    a missing figure is counted as 0 here and given back as null by ``quota_result``."""
    groups = defaultdict(list)
    for row in quota_rows(scope, on, year, filters):
        groups[None if by is None else (row.district_id if by == "district" else row.school_id)].append(row)
    out = defaultdict(Counter)
    for group, rows in groups.items():
        total = qa.sum_rows("", "", rows)
        out[group].update({("quota", key): getattr(total, key) or 0 for key in QUOTA_FIGURES})
    return out


def quota_result(counts: Counter, year: int) -> dict:
    """The JSON ``quota`` object of one scope (pure). Missing is missing: with no approved quota in
    the scope, ``approved`` and every gap are null, never computed from the headcount.

    Since issue 14: ``quota_gap`` {shortage, surplus}, ``vacancies``, ``overstaffed`` and
    ``schools_with_approved`` added; ``approved`` no longer counts the headcount of schools without
    an approved quota; ``shortage_total`` / ``surplus_total`` / ``net_shortage`` kept, over the
    schools with an approved quota (null when there is none)."""
    totals = {key: counts[("quota", key)] for key in QUOTA_FIGURES}
    with_approved = totals["schools"] - totals["schools_without_approved"]
    known = (lambda value: value) if with_approved else (lambda value: None)
    return {
        "school_year": school_year_label(year), "standard": totals["standard"], "approved": known(totals["approved"]),
        "actual": totals["actual"],
        "quota_gap": {"shortage": totals["shortage"], "surplus": totals["surplus"]} if with_approved else None,
        "vacancies": known(totals["vacancies"]), "overstaffed": known(totals["overstaffed"]),
        "shortage_total": known(totals["shortage"]), "surplus_total": known(totals["surplus"]),
        "net_shortage": known(totals["shortage"] - totals["surplus"]),
        "schools": totals["schools"], "schools_with_approved": with_approved,
        "schools_without_approved": totals["schools_without_approved"], "definitions": QUOTA_DEFINITIONS,
    }


def all_counts(scope, on, year, targets, filters=NO_FILTERS, by=None) -> dict:
    """Every count of every groupable measure of the registry, per group: ``{group: {measure key:
    counts}}``, a fixed number of queries."""
    out: dict = defaultdict(dict)
    for measure in registry.measures():
        if measure.groupable or by is None:
            for group, counts in measure.count(scope, on, year, filters, by, targets=targets).items():
                out[group][measure.key] = counts
    return out


# ---------------------------------------------------------------- counts → the JSON object
def _num(value):
    return None if value is None else float(value)


def _percent_of(ind) -> float | None:
    """An indicator's baseline (the plan's baseline year) in percent as a fraction (17.8 → 0.178)."""
    return None if ind is None or ind.baseline is None else float(ind.baseline) / 100


def table2_result(counts: Counter, targets: Targets, filters: Filters = NO_FILTERS) -> list[dict]:
    """The Table 2 lines of one scope from ``table2_counts`` (pure)."""
    hist = defaultdict(lambda: {"eff": {}, "edu": {}})
    for key, count in counts.items():
        if key[0] == "t2" and len(key) == 4:
            hist[key[1]][key[2]][key[3]] = count
    table2 = []
    for ind in targets.table2():
        if filters.stage and ind.stage != filters.stage:
            continue
        level = ms.MEASURE_LEVEL[ind.measure]
        teachers = counts[("t2", ind.stage, "teachers")]
        eff, edu = hist[ind.stage]["eff"], hist[ind.stage]["edu"]
        result = ms.ratio_with_target(ms.count_at_or_above(eff, level), teachers, ind.target)
        edu_result = ms.ratio_with_target(ms.count_at_or_above(edu, level), teachers, ind.target)
        table2.append(missing_when(not teachers, {
            "code": ind.code, "stage": STAGE_LABEL[ind.stage], "measure": ind.measure, **result.as_dict(),
            "education_only": missing_when(not teachers, {
                key: value for key, value in edu_result.as_dict().items() if key in {"numerator", "ratio", "met", "gap"}}),
            "baseline": _percent_of(ind),
        }))
    return table2


def rotation_result(counts: Counter, targets: Targets, year: int, filters: Filters = NO_FILTERS) -> dict | None:
    """The rotation object of one scope from ``rotation_counts`` (pure); None when the stage
    filtered is not a compulsory-education one."""
    if filters.stage and filters.stage not in choices.COMPULSORY_STAGES:
        return None
    rot = {key: counts[("rot", key)] for key in ("all", "eligible", "rotated", "rotated_any", "backbone", "still_away",
                                              "planned")}
    rot["eligible_rotated"] = rot["rotated"]  # kept for readers of the JSON: the rotated are the eligible rotated
    result = ms.ratio_with_target(rot["rotated"], rot["eligible"], targets.target("rotation_ratio"))
    bb = ms.backbone_share(rot["backbone"], rot["rotated"], targets.backbone_min_share)
    directions = sorted(
        ({"from": LOCATION_LABEL.get(key[1], "未知"), "to": LOCATION_LABEL.get(key[2], "未知"), "teachers": count}
         for key, count in counts.items() if key[0] == "dir" and count),
        key=lambda direction: (direction["from"], direction["to"]),
    )
    same = sum(direction["teachers"] for direction in directions
               if direction["from"] == direction["to"] and direction["from"] != "未知")
    return missing_when(not rot["eligible"], {
        "year": school_year_label(year), **rot, "ratio": result.ratio, "target": result.target, "met": result.met,
        "gap": result.gap, "ratio_any": ms.ratio_with_target(rot["rotated_any"], rot["eligible"], None).ratio,
        "ratio_all": ms.ratio_with_target(rot["rotated_any"], rot["all"], None).ratio,
        "backbone_share": bb.ratio, "backbone_target": bb.target, "backbone_met": bb.met,
        "backbone_gap": None if bb.met is None else bb.gap,
        "min_years": targets.rotation_min_years, "directions": directions, "same_class": same,
        "baseline": _percent_of(targets.indicators.get("rotation_ratio")),
    })


def finish(counts: dict, targets: Targets, *, ref: ScopeRef, on: dt.date, year: int,
           filters: Filters = NO_FILTERS) -> dict:
    """Turn the counts of one scope (``{measure key: counts}``) into the measures JSON object: each
    measure of the registry adds its part(s) and its typed figures (``figures``: code → figure,
    issue 14 item 5); pure arithmetic. A measure without counts here (not registered when they
    were counted, or no row for the scope) gives its empty result."""
    ctx = registry.Context(ref=ref, on=on, year=year, filters=filters)
    out = {
        "scope": ref.text, "scope_name": ref.name, "on": on.isoformat(), "school_year": school_year_label(year),
        "plan": targets.plan.as_dict() if targets.plan else None,
        "filters": filters.as_query(),
    }
    figures = {}
    for measure in registry.measures():
        part = counts.get(measure.key, measure.empty())
        result = measure.result(part, targets, ctx)
        out.update(result.json)
        for figure in result.figures:
            figures[figure.code] = {**figure.as_dict(), "measure": measure.key}
    out.setdefault("training", None)  # the JSON contract: null when the training app registers nothing
    out["figures"] = figures
    return out


def missing_when(missing: bool, result: dict) -> dict:
    """Missing is missing (DOMAIN.md): a figure whose inputs are absent for the scope and year is
    marked ``"missing": true`` with its ratio, met and gap null — "无数据" on pages, never met."""
    if missing:
        result.update({key: None for key in ("ratio", "met", "gap") if key in result})
    result["missing"] = bool(missing)
    return result


def ptr_result(code: str, counts: Counter, targets: Targets) -> dict:
    """One pupil–teacher ratio of Table 1 (pure), from ``ptr_counts``.

    Missing when no enrolment of the stage is entered for the school year while the scope has
    teachers of it, or pupils are entered and no teachers; ``partial`` when some schools with
    teachers of the stage have no enrolment entered (their teachers are left out of the ratio);
    an indicator the system counts only in part says so (``coverage``, e.g. 高校: 高职高专 only).
    Partial or part-coverage figures are shown, never judged met: ``met`` and ``gap`` null."""
    ind = targets.indicators[code]
    stage = ind.stage
    entered, pupils = counts[("ptr", stage, "entered")], counts[("ptr", stage, "pupils")]
    teachers, teachers_all = counts[("ptr", stage, "teachers")], counts[("ptr", stage, "teachers_all")]
    schools_missing = counts[("ptr", stage, "schools_missing")]
    result = ms.pupil_teacher_ratio(pupils, teachers, ind.target)
    out = {"code": code, "stage": STAGE_LABEL[stage], "pupils": pupils if entered else None, "teachers": teachers,
           "teachers_all": teachers_all, "ratio": result.ratio, "target": result.target, "met": result.met,
           "gap": result.gap,
           "partial": bool(entered and schools_missing), "schools_without_enrolment": schools_missing,
           "coverage": ind.coverage, "baseline": _num(ind.baseline)}
    if out["partial"] or ind.coverage:
        out.update(met=None, gap=None)
    return missing_when(bool((not entered and teachers_all) or (entered and not teachers)), out)


def honour_results(counts: Counter, targets: Targets, *, with_targets: bool) -> list[dict]:
    """The honour measures of one scope from its counts (pure). The plan's targets are the whole
    city's: a district or a school shows its count without one (``with_targets=False``)."""
    out = []
    for code, label, kind, honour in HONOUR_MEASURES:
        count = counts[(HONOUR_COUNT_KEY[kind], honour)] if kind != "backbone" else counts[("hon_backbone",)]
        ind = targets.indicators.get(code)
        result = ms.count_with_target(count, ind.target if ind is not None and with_targets else None)
        out.append({"code": code, "name": ind.name if ind is not None else label, "kind": kind, "count": count,
                    "target": result.target, "met": result.met, "gap": result.gap, "ratio": result.ratio})
    return out


def honour_kind_label(kind: str, targets: Targets) -> str:
    """How a honour measure counts, in words for the pages (the page's language; an export runs in
    the data language)."""
    if kind == "active":
        return gettext("在册（当日有效）")
    if kind == "active_in_post":
        return gettext("在岗在职（当日有效；人员状态 %(codes)s）") % {"codes": "、".join(targets.in_post_statuses)}
    if kind == "backbone":
        return gettext("在岗（当日）")
    period = gettext("%(start)s–%(end)s 年累计") % {"start": targets.plan_start.year, "end": targets.plan_end.year}
    if kind == "period_rural":
        return gettext("%(period)s（授予时在乡村学校任教小学、初中或高中）") % {"period": period}
    if kind == "title":
        return gettext("%(period)s（任教小学、初中、高中）") % {"period": period}
    if kind == "title_apart":
        return gettext("%(period)s（单列，不计入中小学）") % {"period": period}
    return period


def honours_by_district(scope: Scope, on: dt.date, targets: Targets | None = None) -> dict:
    """The honours page: every honour measure of ``scope`` with a column per district, from the
    dashboard's ``honour_counts`` grouped by district (four queries, plus the districts)."""
    targets = targets or load_targets()
    grouped = honour_counts(scope, on, targets, by="district")
    total = Counter()
    for counter in grouped.values():
        total.update(counter)
    districts = list(District.objects.for_scope(scope) if scope.above_district else District.objects.filter(pk=scope.district_id))
    per_district = [honour_results(grouped.get(district.pk, Counter()), targets, with_targets=False)
                    for district in districts]
    rows = honour_results(total, targets, with_targets=scope.covers_all)
    for i, row in enumerate(rows):
        row["kind_label"] = honour_kind_label(row["kind"], targets)
        row["by_district"] = [results[i]["count"] for results in per_district]
    return {"rows": rows, "districts": districts, "on": on}


# ---------------------------------------------------------------- the city's counts per school, kept
# Counts add up (module docstring), so the counts of every school of the city — one grouped run
# of each measure of the registry by school — give the city page (summed by district), every
# district page (its schools) and the school pages: the same numbers as counting each scope on its
# own, from one computation per measure kept under the data version of the apps it reads
# (``dataversion``: changed by the database on every write, so nothing kept is ever stale).
COUNTS_SCHEMA = 3  # bump when the counts' keys change, so no result of older code is read


def _fingerprint(value):
    """A value as plain data for a cache key: model rows by their fields, dataclasses by theirs."""
    from django.db.models import Model

    if isinstance(value, Model):
        return (value._meta.label, tuple((field.attname, getattr(value, field.attname)) for field in value._meta.concrete_fields))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((field.name, _fingerprint(getattr(value, field.name)))
                                         for field in dataclasses.fields(value)))
    if isinstance(value, dict):
        return tuple((key, _fingerprint(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_fingerprint(item) for item in value)
    return value


_PRINTS: list = []  # (targets, its fingerprint) of the last few targets objects (one per request)


def _targets_print(targets: Targets) -> tuple:
    """``_fingerprint(targets)``, made once per targets object (a page asks for it per measure)."""
    for kept, printed in _PRINTS:
        if kept is targets:
            return printed
    printed = _fingerprint(targets)
    _PRINTS[:] = [(targets, printed)] + _PRINTS[:7]
    return printed


def _measure_key(measure, on: dt.date, year: int, targets: Targets, filters: Filters) -> tuple:
    """Everything a measure's counts depend on besides the data: the measure, the date, the school
    year, the filters (if it reads them), the targets and rules (a plan chosen)."""
    return ("counts", COUNTS_SCHEMA, measure.fingerprint(), on, year, filters if measure.filtered else None,
            _targets_print(targets))


@dataclass(frozen=True)
class SchoolCounts:
    """``counts``: measure key → {school id (None: what belongs to no school, e.g. a team award
    given to no school) → counts} for the groupable measures; ``district_of``: school id →
    district id."""

    counts: dict
    district_of: dict
    # measure key → the counts of the whole scope, when kept apart (a district's sum kept with the
    # facts: ``counts`` then holds only the schools a page shows); None: the sum of ``counts``
    totals: dict | None = None
    city_of: dict | None = None  # district id → city id, when grouped by city (the province's page)


def _kept_counts(scope_parts: tuple, scope: Scope, on, year, targets, filters, *, compute: bool) -> SchoolCounts | None:
    """The counts per school of ``scope`` for every groupable measure, each kept under the versions
    of the apps it reads (a training record logged leaves workforce's kept). ``compute=False``:
    only what is kept already, else None."""
    from . import dataversion

    def district_of():
        return dict(School.objects.for_scope(scope).values_list("pk", "district_id"))

    jobs = [(scope_parts + ("schools",), district_of, ("workforce",), "")]
    partials = {}
    for measure in registry.measures():
        if measure.groupable:
            def run(measure=measure):
                return measure.count(scope, on, year, filters, "school", targets=targets)

            def partial(schools, measure=measure):
                return measure.count_schools(scope, on, year, filters, schools, targets=targets)
            jobs.append((scope_parts + _measure_key(measure, on, year, targets, filters), run, measure.apps, measure.key))
            partials[measure.key] = partial if measure.restrictable else None
    connection = dataversion.incremental_connection()
    if connection is not None:
        # after a write, only the schools it changed are counted again (``dataversion``)
        try:  # the schools' districts: one light query, worth it even when only what is kept is asked for
            kept = dataversion.cached_many([jobs[0][:3]]) + dataversion.kept_per_school(
                [(parts, apps, run, partials[key]) for parts, run, apps, key in jobs[1:]], connection, compute=compute)
        except dataversion.NotKept:
            return None
    else:
        kept = dataversion.cached_many([(parts, run, apps) for parts, run, apps, _key in jobs], compute=compute)
    if kept is None:
        return None
    values = {key: value for (_parts, _run, _apps, key), value in zip(jobs, kept)}
    district = values.pop("")
    return SchoolCounts(counts=values, district_of=district)


def school_counts(on: dt.date, year: int, targets: Targets, filters: Filters = NO_FILTERS,
                  *, compute: bool = True) -> SchoolCounts | None:
    """The counts of every school of the city, per measure (kept: see above). ``compute=False``:
    only what is kept already, else None."""
    return _kept_counts((), CITY.scope, on, year, targets, filters, compute=compute)


def _whole(ref: ScopeRef) -> bool:
    """Whether ``ref`` is the whole installation: the province, or the city of a single-city one
    (what belongs to no school is counted there only)."""
    return ref.kind == "province" or (ref.kind == "city" and getattr(ref.scope, "city_id", None) is None)


def _scope_school_counts(ref: ScopeRef, on: dt.date, year: int, targets: Targets, filters: Filters,
                         by: str | None = None, schools=None) -> SchoolCounts:
    """The counts per school that ``ref``'s figures are summed from: for the dashboard's default
    setting (today, the plan in force, no stage filter) the facts of ``ref``'s schools, brought up
    to date with every write (``workforce.facts``; ``schools``: the school ids whose rows a page
    shows, when it shows only some); else the installation's when they are kept in the process (or
    ``ref`` is the whole installation); else those of ``ref``'s own schools, counted alone and kept
    under the scope — a district or a school page opened first costs what counting it alone costs."""
    kept = facts.school_counts(ref, on, year, targets, filters, by, schools=schools)  # today's default: the facts
    if kept is None:
        whole = _whole(ref)
        if whole or ref.kind in ("district", "school"):
            kept = school_counts(on, year, targets, filters, compute=whole)
        if kept is None:
            scope = (ref.kind, getattr(ref.scope, "city_id", None), ref.scope.district_id, ref.scope.school_id)
            kept = _kept_counts(scope, ref.scope, on, year, targets, filters, compute=True)
    if by == "city" and kept.city_of is None:
        kept = dataclasses.replace(kept, city_of=dict(District.objects.values_list("pk", "city_id")))
    return kept


def scope_counts(ref: ScopeRef, by: str | None, on: dt.date, year: int, targets: Targets,
                 filters: Filters = NO_FILTERS, schools=None) -> tuple[dict, dict]:
    """The counts of ``ref`` per ``by`` group (city, district or school id) and its total, each
    ``{measure key: counts}``, summed from the counts per school (``_scope_school_counts``) by each
    measure's ``add``: what counting the scope grouped by ``by`` gives (``schools``: the groups of
    only these schools are needed; the total is the whole scope's). The whole installation's total
    also holds what belongs to no school. A measure that cannot group is counted for the scope
    alone (its rows show nothing)."""
    kept = _scope_school_counts(ref, on, year, targets, filters, by, schools)
    if ref.kind in ("city", "province"):  # the counts read are the scope's own (the whole installation's or one city's)
        def within_ref(pk):
            return pk is not None
    elif ref.kind == "district":
        def within_ref(pk):
            return pk is not None and kept.district_of.get(pk) == ref.scope.district_id
    else:
        def within_ref(pk):
            return pk is not None and pk == ref.scope.school_id
    if by is None:
        def group_of(pk):
            return None
    elif by == "district":
        group_of = kept.district_of.get
    elif by == "city":
        def group_of(pk):
            return kept.city_of.get(kept.district_of.get(pk))
    else:
        def group_of(pk):
            return pk
    wanted = None if schools is None else set(schools)
    grouped: dict = defaultdict(dict)
    total: dict = {}
    for measure in registry.measures():
        if not measure.groupable:
            total[measure.key] = measure.count(ref.scope, on, year, filters, None, targets=targets).get(None)
            continue
        per_school = kept.counts.get(measure.key) or {}
        parts: dict = defaultdict(list)
        for pk, counts in per_school.items():
            if within_ref(pk):
                parts[group_of(pk)].append(counts)
        for group, group_parts in parts.items():
            if wanted is None or group in wanted:
                grouped[group][measure.key] = measure.add(group_parts)
        if kept.totals is not None:  # the scope's own sum, kept apart
            everything = [kept.totals[measure.key]] if measure.key in kept.totals else []
        else:
            everything = [grouped[group][measure.key] if group in grouped and measure.key in grouped[group]
                          else measure.add(group_parts) for group, group_parts in parts.items()]
            if _whole(ref) and None in per_school:
                everything.append(per_school[None])
        if everything:
            total[measure.key] = measure.add(everything)
        elif isinstance(measure, registry.CallableMeasure):
            # no row per school (nothing to count, or no cycle): the function says which, cheaply
            total[measure.key] = measure.count(ref.scope, on, year, filters, None, targets=targets).get(None)
    return dict(grouped), total


def _resolve(on, year, targets):
    on = on or dt.date.today()
    year = school_year_of(on) if year is None else year
    return on, year, targets or load_targets()


def measures_for(ref: ScopeRef, on: dt.date | None = None, year: int | None = None,
                 filters: Filters = NO_FILTERS, targets: Targets | None = None) -> dict:
    """The whole JSON object of one scope (what the command, the JSON endpoint, the export and
    the snapshots print)."""
    on, year, targets = _resolve(on, year, targets)
    _groups, counts = scope_counts(ref, None, on, year, targets, filters)
    return finish(counts, targets, ref=ref, on=on, year=year, filters=filters)


def _members(ref: ScopeRef, by: str, filters: Filters) -> list[ScopeRef]:
    if by == "city":
        return [city_ref(city) for city in City.objects.for_scope(ref.scope)] if ref.kind in ("city", "province") else []
    if by == "district":
        if ref.kind in ("city", "province"):
            return [district_ref(district) for district in District.objects.for_scope(ref.scope)]
        if ref.kind != "district":
            return []
        return [district_ref(district) for district in District.objects.filter(pk=ref.scope.district_id)]
    return [school_ref(school) for school in member_schools(ref, filters)]


def member_schools(ref: ScopeRef, filters: Filters = NO_FILTERS, search: str = ""):
    """The schools of ``ref`` a page lists, in the page's order (district, code): those the school
    type and location filters keep, and whose name or 学校标识码 holds ``search``."""
    schools = School.objects.for_scope(ref.scope).filter(filters.schools_q(""))
    if search:
        schools = schools.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return schools.order_by("district__order", "code")


def measures_by(ref: ScopeRef, by: str, on: dt.date | None = None, year: int | None = None,
                filters: Filters = NO_FILTERS, targets: Targets | None = None,
                members: list[ScopeRef] | None = None) -> tuple[dict, list[tuple[ScopeRef, dict]]]:
    """The scope's object and one per district (``by="district"``) or school (``"school"``),
    from the same grouped counts; the total is the sum of the groups — the whole scope's even when
    ``members`` (the schools or districts a page shows, e.g. one page of a district's schools)
    asks for only some rows."""
    on, year, targets = _resolve(on, year, targets)
    schools = [member.scope.school_id for member in members] if members is not None and by == "school" else None
    grouped, total = scope_counts(ref, by, on, year, targets, filters, schools)
    key = ((lambda member: member.scope.district_id) if by == "district"  # noqa: E731
           else (lambda member: member.scope.city_id) if by == "city"
           else (lambda member: member.scope.school_id))
    setting = (on, year, filters, _targets_print(targets), get_language(),
               tuple(measure.fingerprint() for measure in registry.measures()))
    rows = [(member, _finished_row(grouped.get(key(member), {}), targets, member, setting))
            for member in (_members(ref, by, filters) if members is None else members)]
    return finish(total, targets, ref=ref, on=on, year=year, filters=filters), rows


# A member's finished object (``finish``) kept in the process with the counts it was made from:
# ``finish`` is pure in (counts, targets, ref, date, year, filters, language, the measures
# registered), so a row whose counts equal those kept is the object kept — after a write only
# the changed schools' rows are built again.
# Bounded: emptied when it holds more than ``_FINISHED_MAX`` rows.
_FINISHED: dict = {}
_FINISHED_MAX = 2000  # the city's schools (~900 in the demo) for two dates, filters or languages


def _finished_row(counts: dict, targets: Targets, member: ScopeRef, setting: tuple) -> dict:
    """A shallow copy (a page adds its own keys to the object; none changes the parts)."""
    on, year, filters = setting[:3]
    key = (member, setting)
    kept = _FINISHED.get(key)
    if kept is not None and kept[0] == counts:
        return dict(kept[1])
    result = finish(counts, targets, ref=member, on=on, year=year, filters=filters)
    if len(_FINISHED) >= _FINISHED_MAX:
        _FINISHED.clear()
    _FINISHED[key] = (counts, result)
    return dict(result)


# ---------------------------------------------------------------- drill-down: who makes the gap
def teachers_below_level(scope: Scope, on: dt.date, targets: Targets, filters: Filters = NO_FILTERS) -> list[dict]:
    """Per Table 2 line, the teachers of the scope not yet at its level (one query)."""
    lines = [ind for ind in targets.table2() if not filters.stage or ind.stage == filters.stage]
    worst = defaultdict(int)
    for ind in lines:
        worst[ind.stage] = max(worst[ind.stage], ms.MEASURE_LEVEL[ind.measure])
    if not worst:
        return []
    below = Q()
    for stage, level in worst.items():
        below |= Q(teaching_stage=stage, level__lt=level)
    teachers = list(
        population(scope, on, filters).annotate(level=effective_level_expr(on), edu_level=education_only_level_expr(on))
        .filter(below).select_related("school").order_by("school__name", "name")
    )
    out = []
    for ind in lines:
        need = ms.MEASURE_LEVEL[ind.measure]
        out.append({"code": ind.code, "stage": STAGE_LABEL[ind.stage], "measure": ind.measure,
                    "teachers": [teacher for teacher in teachers
                                 if teacher.teaching_stage == ind.stage and teacher.level < need]})
    return out


def eligible_not_rotated(scope: Scope, year: int, targets: Targets, filters: Filters = NO_FILTERS,
                         on: dt.date | None = None):
    """The eligible of the school year who have not rotated in it by ``on`` (a planned exchange
    is not yet a rotation)."""
    return (filters.teachers(Teacher.objects.for_scope(scope).eligible_for_rotation(year, targets.rotation_min_years))
            .exclude(pk__in=Teacher.objects.rotated_in(year, on).values("pk"))
            .select_related("school").order_by("school__name", "name"))


def training_behind(scope: Scope, on: dt.date):
    qs = registry.behind("training", scope, on)
    return None if qs is None else qs.select_related("school").order_by("school__name", "name")


# ---------------------------------------------------------------- snapshots, trend, a plan's final account
def snapshot_key(ref: ScopeRef) -> tuple[str, str]:
    """How ``MeasureSnapshot`` names a scope: (kind, district or school code; "" for the city)."""
    if ref.scope.covers_all:  # the whole installation's snapshots (``snapshot_results``: CITY)
        return "city", ""
    return ref.kind, ref.code


def snapshot_results(on: dt.date, year: int, targets: Targets, *, schools: bool = True) -> list[tuple[ScopeRef, dict]]:
    """What a snapshot stores: the city, every district and (``schools``) every school, from one
    computation of every measure grouped by school. A district's counts are the sum of its
    schools' and the city's the sum of every group, as ``measures_by`` sums its groups: the same
    figures as the dashboard's, at the cost of one grouped run per date."""
    grouped = all_counts(CITY.scope, on, year, targets, NO_FILTERS, "school")
    school_list = list(School.objects.select_related("district").order_by("district__order", "code"))
    in_district: dict[int, list] = defaultdict(list)
    for school in school_list:
        in_district[school.district_id].append(school.pk)

    def summed(ref: ScopeRef, groups: list) -> dict:
        out = {}
        for measure in registry.measures():
            if not measure.groupable:
                out[measure.key] = measure.count(ref.scope, on, year, NO_FILTERS, None, targets=targets).get(None)
                continue
            parts = [grouped[group][measure.key] for group in groups if measure.key in grouped.get(group, {})]
            if parts:
                out[measure.key] = measure.add(parts)
            elif isinstance(measure, registry.CallableMeasure) and ref.scope.covers_all:
                out[measure.key] = measure.count(ref.scope, on, year, NO_FILTERS, None, targets=targets).get(None)
        return out

    def done(ref, groups):
        return ref, finish(summed(ref, groups), targets, ref=ref, on=on, year=year)

    out = [done(CITY, list(grouped))]
    out += [done(district_ref(district), in_district.get(district.pk, [])) for district in District.objects.all()]
    if schools:
        out += [done(school_ref(school), [school.pk]) for school in school_list]
    return out


def snapshot_targets(year: int) -> Targets:
    """A school year's snapshot is measured against the plan in force on its first day: the school
    year that begins in a plan's target year (2025-2026) is that plan's final year."""
    return load_targets(on=rotation_day(year))


def _trend_value(data: dict, code: str):
    """The figure of ``code`` in a measures object (a snapshot's or the page's); None when it is
    missing there (无数据) or the object has no such line. Its typed ``figures`` (issue 14 item 5),
    else — a snapshot taken before them — its Table 2, Table 1 and rotation lines."""
    figure = (data.get("figures") or {}).get(code)
    if figure is not None:
        return None if figure.get("missing") or not figure.get("applies", True) else figure.get("value")
    for key in ("table2", "pupil_teacher"):
        for line in data.get(key) or []:
            if line.get("code") == code:
                return None if line.get("missing") else line.get("ratio")
    if code == "rotation_ratio":
        rot = data.get("rotation") or {}
        return None if rot.get("missing") else rot.get("ratio")
    return None


def _year_of(label: str) -> int:
    return int(str(label)[:4])


def trend(ref: ScopeRef, targets: Targets, live: dict | None = None) -> dict:
    """The trend chart of one scope against the chosen plan: every snapshot of the scope itself
    (``snapshot_measures``; a district's or a school's own, never the city's), the live figure
    (``live``: the page's measures object, unfiltered — None leaves it out) and the plan's
    target; the plan's baseline only for the city (the plan's figures are the city's). Per Table 2
    line, pupil–teacher ratio and rotation of the plan. One query.

    ``categories`` are the x axis in time order — baseline, snapshots by school year (their date
    where a year has several), the live date, the target year (the target-year school year's
    snapshot when there is one) — and each series has a value per category (None: no figure)."""
    from django.utils.translation import get_language, gettext

    kind, key = snapshot_key(ref)
    snaps = list(MeasureSnapshot.objects.filter(scope_kind=kind, scope_key=key).order_by("on")
                 .values("on", "school_year", "data"))
    plan = targets.plan
    city = ref.scope.covers_all  # the plan's baseline is the whole installation's
    per_year = Counter(snap["school_year"] for snap in snaps)
    points = []  # (sort key, category, data or None, baseline?)
    if city and plan is not None:
        points.append(((plan.baseline_year, 0, dt.date.min),
                       {"label": gettext("%(year)s（基线）") % {"year": plan.baseline_year}, "kind": "baseline", "on": None},
                       None))
    for snap in snaps:
        year = snap["school_year"]
        label = school_year_label(year) if per_year[year] == 1 else snap["on"].isoformat()
        points.append(((year, 1, snap["on"]), {"label": label, "kind": "snapshot", "on": snap["on"].isoformat(),
                                               "school_year": school_year_label(year)}, snap["data"]))
    if live is not None:
        on = dt.date.fromisoformat(live["on"])
        points.append(((_year_of(live["school_year"]), 2, on),
                       {"label": gettext("%(on)s（当前）") % {"on": live["on"]}, "kind": "live", "on": live["on"],
                        "school_year": live["school_year"]}, live))
    if plan is not None:
        in_target_year = [point for point in points if point[1]["kind"] == "snapshot" and point[0][0] == plan.target_year]
        if in_target_year:
            in_target_year[-1][1]["label"] += gettext("（目标年）")
            in_target_year[-1][1]["target_year"] = True
        else:
            points.append(((plan.target_year, 3, dt.date.max),
                           {"label": gettext("%(year)s（目标）") % {"year": plan.target_year}, "kind": "target",
                            "on": None, "target_year": True}, None))
    points.sort(key=lambda point: point[0])
    categories = [category for _key, category, _data in points]

    series = []

    def add(code, label, ind, percent):
        scale = 100 if percent else 1
        values = []
        for _key, category, data in points:
            if category["kind"] == "baseline":
                values.append(None if ind.baseline is None else float(ind.baseline) / scale)
            elif data is not None:
                values.append(_trend_value(data, code))
            else:
                values.append(None)
        series.append({"code": code, "label": label, "percent": percent, "lower_is_better": not ind.higher_is_better,
                       "target": float(ind.target) / scale, "values": values})

    for measure in registry.measures():  # each measure's plan indicators it draws (``trend_codes``)
        for code in measure.trend_codes(targets):
            ind = targets.indicators[code]
            add(code, measure.series_label(ind), ind, ind.unit == "%")

    notes = []
    if not snaps:
        notes.append(gettext("%(scope)s尚无历年指标快照：趋势只有当前值和目标，不以全市数据代替。") % {"scope": labels.shown(ref.name)})
    if not city:
        notes.append(gettext("规划基线是全市数据，只在全市趋势中画出。"))
    return {"plan": plan.as_dict() if plan else None, "categories": categories, "series": series,
            "snapshots": len(snaps), "notes": notes}


def final_account(ref: ScopeRef, targets: Targets, members: list[ScopeRef] | tuple = ()) -> dict:
    """A plan's final account (终期核算) for one scope and, beside it, each of ``members`` (the
    districts of the city, the schools of a district): the snapshot of the school year that begins
    in the plan's target year (2025-2026 for the 14th plan: the plan's last year, complete) — the
    latest of that year — with every indicator of the plan judged again against the plan's own
    targets (a target corrected since counts; the judgement stored in the snapshot is not reused).
    The plan's counted targets are the city's: a district or school shows its count without one.
    Period counts (乡村名师, 正高级 …) are read only from a snapshot measured against this plan.
    One query."""
    plan = targets.plan
    refs = [ref, *members]
    found: dict = {}
    if plan is not None:
        wanted = Q()
        for scope_ref in refs:
            kind, key = snapshot_key(scope_ref)
            wanted |= Q(scope_kind=kind, scope_key=key)
        for snap in (MeasureSnapshot.objects.filter(wanted, school_year=plan.target_year).order_by("on")
                     .values("scope_kind", "scope_key", "on", "data")):
            found[(snap["scope_kind"], snap["scope_key"])] = snap  # the latest of the year wins

    def account(scope_ref: ScopeRef) -> dict:
        snap = found.get(snapshot_key(scope_ref))
        data = snap["data"] if snap else None
        same_plan = bool(data) and (data.get("plan") or {}).get("code") == plan.code
        return {"scope": scope_ref.text, "scope_name": scope_ref.name,
                "snapshot_on": snap["on"].isoformat() if snap else None,
                "rows": [_final_row(ind, data, city=scope_ref.scope.covers_all, same_plan=same_plan)
                         for ind in targets.indicators.values()]}

    if plan is None:
        return {"plan": None, "school_year": None, "scope": ref.text, "scope_name": ref.name, "snapshot_on": None,
                "rows": [], "members": []}
    return {"plan": plan.as_dict(), "school_year": school_year_label(plan.target_year), **account(ref),
            "members": [account(member) for member in members]}


PERIOD_KINDS = {"period_rural", "teams", "title", "title_apart"}
HONOUR_KIND = {code: kind for code, _label, kind, _honour in HONOUR_MEASURES}


def _final_row(ind: PlanIndicator, data: dict | None, *, city: bool, same_plan: bool) -> dict:
    """One indicator of a final account (pure): the snapshot's figure against ``ind.target``."""
    percent = ind.unit == "%"
    row = {"code": ind.code, "name": ind.name, "table": ind.table, "kind": ind.kind, "unit": ind.unit,
           "percent": percent, "baseline": _num(ind.baseline), "interim": _num(ind.interim), "target": _num(ind.target),
           "value": None, "numerator": None, "denominator": None, "met": None, "gap": None, "missing": True,
           "note": ""}
    if data is None:
        row["note"] = gettext("无该学年快照")
        return row
    result, note, applies = None, "", True
    line = next((item for key in ("table2", "pupil_teacher") for item in data.get(key) or []
                 if item.get("code") == ind.code), None)
    rot = data.get("rotation") or {}
    if ind.table == choices.IndicatorTable.TABLE2:
        if line is not None:  # missing only without teachers of the stage: the line does not apply ("—")
            applies = not line.get("missing")
            result = ms.ratio_with_target(line["numerator"], line["denominator"], ind.target) if applies else None
    elif ind.table == choices.IndicatorTable.TABLE1:
        if line is not None and not line.get("missing"):
            result = ms.pupil_teacher_ratio(line["pupils"] or 0, line["teachers"], ind.target)
            if line.get("partial"):
                note = gettext("%(n)s 所学校未填报在校生，部分数据，不判断") % {"n": line.get("schools_without_enrolment")}
            elif line.get("coverage"):
                note = gettext("部分口径，不判断：%(coverage)s") % {"coverage": line["coverage"]}
    elif ind.code == "rotation_ratio":
        if rot and not rot.get("missing"):
            result = ms.ratio_with_target(rot["rotated"], rot["eligible"], ind.target)
        applies = bool(rot.get("all")) or not rot
    elif ind.code == "rotation_backbone_share":
        if rot and rot.get("rotated"):
            result = ms.ratio_with_target(rot["backbone"], rot["rotated"], ind.target)
    elif ind.code == "dual_qualified_share":
        dual = data.get("dual_qualified") or {}
        if dual and not dual.get("missing"):
            result = ms.ratio_with_target(dual["dual"], dual["teachers"], ind.target)
        applies = bool(dual.get("teachers")) or not dual
    elif ind.code == "new_teachers_per_year":
        new = data.get("new_teachers") or {}
        if new:
            result = ms.count_with_target(new["count"], ind.target if city else None)
    elif ind.code in HONOUR_KIND:
        honour = next((item for item in data.get("honours") or [] if item.get("code") == ind.code), None)
        if honour is not None and (same_plan or HONOUR_KIND[ind.code] not in PERIOD_KINDS):
            result = ms.count_with_target(honour["count"], ind.target if city else None)
        elif honour is not None:
            note = gettext("快照的规划期累计数属于其他规划，不用于本规划")
    elif ind.code in (data.get("figures") or {}):  # a registered measure's figure (registry.Figure)
        figure = data["figures"][ind.code]
        applies = bool(figure.get("applies", True))
        if applies and not figure.get("missing") and figure.get("value") is not None:
            if percent and figure.get("denominator"):
                result = ms.ratio_with_target(figure["numerator"], figure["denominator"], ind.target)
            elif not percent:
                result = ms.count_with_target(figure["value"], ind.target if city else None)
    if result is None and not applies:
        row["missing"] = False  # nothing to count in this scope (no teachers of the stage): "—", not 无数据
        return row
    if result is None:
        row["note"] = note or (gettext("快照中无此项") if line is None and ind.table != choices.IndicatorTable.TEACHERS
                               else gettext("无数据"))
        return row
    judged = not note
    row.update(value=result.ratio if ind.table != choices.IndicatorTable.TEACHERS or percent else result.numerator,
               numerator=result.numerator, denominator=result.denominator, missing=False, note=note,
               met=result.met if judged else None, gap=result.gap if judged and result.met is not None else None)
    if not percent and ind.table == choices.IndicatorTable.TABLE1:
        row["value"] = result.ratio
    return row
