"""Reads of training credits: progress, approval queues, completion rates, teachers behind.

Rates and lists are aggregated in the database: one correlated subquery gives each teacher's
countable 学时 (built from ``rules.countable_hours`` itself, so caps mean the same in SQL and in
Python) and one GROUP BY counts the complete and on-track teachers. No loop over teachers.

Who is counted (DOMAIN.md, Training credits): the population of the measures, each teacher
against their own requirement (the cycle's, or pro rata for a teacher who joined during it:
``rules.requirement_classes`` as one CASE); teachers who owe nothing in the cycle yet are counted
apart (``not_due``), and 高职高专 teachers, who follow their colleges' rules, are reported apart
(``apart_*``). The plan sets no completion-rate target: rates are figures, the on-track rate
is the headline.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField, Case, Count, DecimalField, ExpressionWrapper, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery,
    Sum, Value, When,
)
from django.db.models.functions import Coalesce, Least
from django.db.models.lookups import GreaterThanOrEqual, IsNull, LessThanOrEqual
from django.utils import timezone

from backend.rights import can
from core.capabilities import Capability
from backend.scoping import Scope, scope_for
from workforce import choices as c
from workforce.models import District, School, Teacher

from . import rules
from .models import CreditRecord, Programme, ProgrammeEnrolment, TrainingCycle, in_cycle_q

HOURS = DecimalField(max_digits=9, decimal_places=1)
# Hours are multiples of 0.1; SQLite sums decimals as floats, so compare with half a tenth of slack
# (exactly equivalent for multiples of 0.1, and immune to 359.99999…).
SLACK = Decimal("0.05")


def today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------- cycles and rules
@dataclass(frozen=True)
class RequirementClass:
    """``rules.RequirementClass`` with its on-track threshold on the day of the rules."""

    joined_until: dt.date
    required: Decimal
    start: dt.date
    threshold: Decimal


@dataclass(frozen=True)
class CycleRules:
    """The cycle holding ``on`` with its caps, the on-track threshold of that day (of a teacher who
    owes the whole requirement) and the pro-rata classes of teachers who joined during the cycle."""

    cycle: TrainingCycle
    caps: tuple[rules.Cap, ...]
    on: dt.date
    threshold: Decimal
    classes: tuple[RequirementClass, ...] = ()

    @property
    def required(self) -> Decimal:
        return self.cycle.required_hours

    @property
    def elapsed(self) -> Decimal:
        return rules.elapsed_share(self.cycle.start, self.cycle.end, self.on)

    @property
    def last_joining_due(self) -> dt.date:
        """Teachers who joined after this day owe nothing in the cycle (``not_due``)."""
        return self.classes[-1].joined_until

    def requirement_of(self, joined: dt.date | None) -> rules.Requirement:
        cycle = self.cycle
        return rules.teacher_requirement(required=cycle.required_hours, per_year=cycle.hours_per_year_left,
                                         cycle_start=cycle.start, cycle_end=cycle.end, joined=joined)


def cycle_list() -> list[TrainingCycle]:
    return list(TrainingCycle.objects.prefetch_related("caps"))


def caps_of(cycle: TrainingCycle) -> tuple[rules.Cap, ...]:
    return tuple(rules.Cap(cap.level, cap.mode, cap.max_hours) for cap in cycle.caps.all())


def cycle_rules(on: dt.date | None = None, cycles: list[TrainingCycle] | None = None) -> CycleRules | None:
    """Rules in force on ``on`` (default today); None when no cycle holds that day. Two queries."""
    on = on or today()
    cycle = rules.cycle_holding(cycles if cycles is not None else cycle_list(), on)
    if cycle is None:
        return None
    threshold = rules.on_track_threshold(cycle.required_hours, cycle.start, cycle.end, on)
    classes = tuple(
        RequirementClass(k.joined_until, k.required, k.start, rules.on_track_threshold(k.required, k.start, cycle.end, on))
        for k in rules.requirement_classes(required=cycle.required_hours, per_year=cycle.hours_per_year_left,
                                           cycle_start=cycle.start, cycle_end=cycle.end)
    )
    return CycleRules(cycle=cycle, caps=caps_of(cycle), on=on, threshold=threshold, classes=classes)


def per_teacher(cr: CycleRules, joined, value) -> Case:
    """A teacher's own figure as an expression: ``value(class)`` of the requirement class of the
    joining date ``joined`` (an expression: ``F("work_start")``, or ``OuterRef`` in a subquery);
    0 for a teacher who owes nothing in the cycle. The SQL twin of ``CycleRules.requirement_of``."""
    whens = [When(IsNull(joined, True), then=Value(value(cr.classes[0])))]
    whens += [When(LessThanOrEqual(joined, Value(k.joined_until)), then=Value(value(k))) for k in cr.classes]
    return Case(*whens, default=Value(Decimal("0")), output_field=HOURS)


def due_q(cr: CycleRules, prefix: str = "") -> Q:
    """Teachers who owe something in the cycle: joining date unknown or not after the last class."""
    return Q(**{f"{prefix}work_start__isnull": True}) | Q(**{f"{prefix}work_start__lte": cr.last_joining_due})


def college_q(prefix: str = "") -> Q:
    """高职高专 teachers: they follow their colleges' rules and are reported apart (DOMAIN.md)."""
    return Q(**{f"{prefix}teaching_stage": c.Stage.HIGHER_VOCATIONAL})


def _least(*args):
    return Least(*args, output_field=HOURS)


def _zero() -> Value:
    return Value(Decimal("0"), output_field=HOURS)


def _countable_aggregate(cr: CycleRules):
    """Countable 学时 over a group of one teacher's approved records (rules.countable_hours in SQL)."""
    levels, modes = rules.cap_classes(cr.caps)
    cells = {}
    for level in [*levels, ""]:
        for mode in [*modes, ""]:
            condition = Q()
            condition &= Q(level=level) if level else ~Q(level__in=levels) if levels else Q()
            condition &= Q(mode=mode) if mode else ~Q(mode__in=modes) if modes else Q()
            total = Sum("hours", filter=condition or None, output_field=HOURS)
            cells[(level, mode)] = Coalesce(total, _zero(), output_field=HOURS)
    return ExpressionWrapper(rules.countable_hours(cells, cr.caps, least=_least), output_field=HOURS)


def _approved_in_cycle(cr: CycleRules) -> QuerySet:
    return (CreditRecord.objects.filter(teacher=OuterRef("pk"), status=CreditRecord.Status.APPROVED)
            .filter(in_cycle_q(cr.cycle)).order_by().values("teacher"))


def countable_expression(cr: CycleRules):
    """Each teacher's countable 学时 in the cycle, as an expression on a Teacher queryset."""
    records = _approved_in_cycle(cr).annotate(countable=_countable_aggregate(cr)).values("countable")
    return Coalesce(Subquery(records, output_field=HOURS), _zero(), output_field=HOURS)


# A teacher's standing as one number, so one SUM counts both the complete and the on-track
# teachers of a group and the correlated subquery runs once per teacher (not once per count):
# 0 behind, 1 on track, COMPLETE_CODE + 1 complete (complete teachers are on track too).
COMPLETE_CODE = 10_000_000  # more than the teachers of any group


def _standing(countable, cr: CycleRules, joined, wrap=lambda expression: expression):
    """Complete at the teacher's own requirement, on track at their own threshold (``per_teacher``).
    ``wrap``: inside the subquery (grouped by teacher) the teacher's figures are wrapped in an
    aggregate — one value per group anyway — so that they stay out of its GROUP BY."""
    return Case(
        When(GreaterThanOrEqual(countable, wrap(per_teacher(cr, joined, lambda k: k.required - SLACK))),
             then=Value(COMPLETE_CODE + 1)),
        When(GreaterThanOrEqual(countable, wrap(per_teacher(cr, joined, lambda k: k.threshold - SLACK))),
             then=Value(1)),
        default=Value(0), output_field=IntegerField(),
    )


def standing_expression(cr: CycleRules):
    """Each teacher's standing code (see COMPLETE_CODE), computed inside the subquery."""
    records = _approved_in_cycle(cr).annotate(
        code=_standing(_countable_aggregate(cr), cr, F("teacher__work_start"), lambda e: Max(e, output_field=HOURS)),
    ).values("code")
    no_records = _standing(Value(Decimal("0"), output_field=HOURS), cr, F("work_start"))
    return Coalesce(Subquery(records, output_field=IntegerField()), no_records, output_field=IntegerField())


def population(scope: Scope, on: dt.date) -> QuerySet:
    """The population of the measures (DOMAIN.md Population) in the scope on ``on``, all stages."""
    return Teacher.objects.population(on).for_scope(scope)


def counted(scope: Scope, cr: CycleRules) -> QuerySet:
    """The teachers the training measure counts: the population, without 高职高专 (reported apart)
    and without teachers who owe nothing in the cycle yet."""
    return population(scope, cr.on).filter(due_q(cr)).exclude(college_q())


# ---------------------------------------------------------------- one teacher
@dataclass
class Progress:
    cycle: TrainingCycle | None
    on: dt.date
    required: Decimal = Decimal("0")  # the teacher's own: pro rata when they joined during the cycle
    approved: Decimal = Decimal("0")  # approved 学时 in the cycle, before caps
    countable: Decimal = Decimal("0")  # after caps
    pending: Decimal = Decimal("0")
    threshold: Decimal = Decimal("0")
    elapsed: Decimal = Decimal("0")
    by_level: list[dict] = field(default_factory=list)
    by_year: list[dict] = field(default_factory=list)

    pro_rata: bool = False  # joined during the cycle: owes less than the cycle's requirement
    starts: dt.date | None = None  # the teacher's part of the cycle starts (the cycle's start, or later)

    @property
    def due(self) -> bool:
        """Owes something in the cycle (a teacher who joined in its last months does not)."""
        return self.cycle is not None and self.required > 0

    @property
    def ratio(self) -> Decimal:
        return rules.progress(self.countable, self.required)

    @property
    def percent(self) -> float:
        return float(min(self.ratio, Decimal(1)) * 100)

    @property
    def elapsed_percent(self) -> float:
        return float(self.elapsed * 100)

    @property
    def complete(self) -> bool:
        return self.cycle is not None and rules.is_complete(self.countable, self.required)

    @property
    def on_track(self) -> bool:
        return self.cycle is not None and rules.is_on_track(self.countable, self.threshold)

    @property
    def shortfall(self) -> Decimal:
        return rules.shortfall(self.countable, self.required)

    @property
    def behind_by(self) -> Decimal:
        return rules.behind_by(self.countable, self.threshold)


def teacher_progress(teacher: Teacher, on: dt.date | None = None) -> Progress:
    """A teacher's standing in the cycle holding ``on``: three queries whatever the records."""
    on = on or today()
    cr = cycle_rules(on)
    if cr is None:
        return Progress(cycle=None, on=on)
    rows = list(
        CreditRecord.objects.filter(teacher=teacher).filter(in_cycle_q(cr.cycle))
        .exclude(status=CreditRecord.Status.REJECTED).values("level", "mode", "year", "status")
        .annotate(hours=Sum("hours")).order_by()
    )
    approved = [r for r in rows if r["status"] == CreditRecord.Status.APPROVED]
    cells = rules.cells_of(((r["level"], r["mode"], r["hours"]) for r in approved), cr.caps)
    levels, modes = rules.cap_classes(cr.caps)
    for level in [*levels, ""]:
        for mode in [*modes, ""]:
            cells.setdefault((level, mode), Decimal("0"))
    countable = rules.countable_hours(cells, cr.caps)
    per_level: dict[str, Decimal] = {}
    per_year: dict[int, Decimal] = {}
    for r in approved:
        per_level[r["level"]] = per_level.get(r["level"], Decimal("0")) + Decimal(r["hours"])
        per_year[r["year"]] = per_year.get(r["year"], Decimal("0")) + Decimal(r["hours"])
    level_caps = {cap.level: cap.max_hours for cap in cr.caps if cap.level and not cap.mode}
    first, last = rules.cycle_years(cr.cycle.start, cr.cycle.end)
    short_years = rules.years_below_minimum(per_year, cr.cycle.yearly_minimum, first, min(last, on.year - 1))
    own = cr.requirement_of(teacher.work_start)
    return Progress(
        cycle=cr.cycle, on=on, required=own.required, pro_rata=own.required != cr.required, starts=own.start,
        threshold=rules.on_track_threshold(own.required, own.start, cr.cycle.end, on),
        elapsed=rules.elapsed_share(own.start, cr.cycle.end, on),
        approved=sum(per_level.values(), Decimal("0")), countable=countable,
        pending=sum((Decimal(r["hours"]) for r in rows if r["status"] == CreditRecord.Status.PENDING), Decimal("0")),
        by_level=[
            {"code": code, "label": label, "hours": per_level.get(code, Decimal("0")), "cap": level_caps.get(code)}
            for code, label in c.TrainingLevel.choices if code in per_level or code in level_caps
        ],
        by_year=[
            {"year": year, "hours": per_year.get(year, Decimal("0")), "short": year in short_years,
             "future": year > on.year}
            for year in range(first, last + 1)
        ],
    )


def teacher_records(teacher: Teacher) -> QuerySet:
    return (
        CreditRecord.objects.filter(teacher=teacher).select_related("programme", "decided_by")
        .order_by("-year", "-created_at")
    )


# ---------------------------------------------------------------- approval
def approval_queue(user, *, school_id: int | None = None) -> QuerySet:
    """Pending records the user decides (``training.approve``, ``permissions.can_decide``): a
    school its school's (not district programmes), a district its district's programmes, the city
    all. Empty for a user without the right."""
    if not can(user, Capability.TRAINING_APPROVE):
        return CreditRecord.objects.none()
    scope = scope_for(user)
    qs = CreditRecord.objects.pending().for_scope(scope)
    if scope.above_district:  # the province's or a city's office: every record its scope holds
        pass
    elif scope.kind == "district":
        qs = qs.for_district_approval()
    elif scope.kind == "school":
        qs = qs.for_school_approval()
    else:
        return CreditRecord.objects.none()
    if school_id:
        qs = qs.filter(teacher__school_id=school_id)
    return qs.select_related("teacher__school", "programme").order_by("created_at", "pk")


# ---------------------------------------------------------------- catalogue
def catalogue(user) -> QuerySet:
    """Published programmes the user may see, with the number enrolled (one query)."""
    return (
        Programme.objects.visible_to(user).filter(published=True).select_related("district")
        .annotate(enrolled=Count("enrolments", distinct=True))
    )


def enrolled_programme_ids(teacher: Teacher | None) -> set[int]:
    if teacher is None:
        return set()
    return set(ProgrammeEnrolment.objects.filter(teacher=teacher).values_list("programme_id", flat=True))


# ---------------------------------------------------------------- reports
GROUPS = {
    "school": ("school_id", "school__name", "school__district_id", "school__district__name"),
    "district": ("school__district_id", "school__district__name"),
}
GROUP_ORDER = {
    "school": ("school__district__order", "school__district__code", "school__code"),
    "district": ("school__district__order", "school__district__code"),
}


COUNTS = ("teachers", "complete", "on_track", "not_due", "apart_teachers", "apart_complete", "apart_on_track")


def completion_rates(scope: Scope, on: dt.date | None = None, *, by: str | None = None, schools=None) -> dict:
    """Completion and on-track counts and rates for the scope, or per school / district.

    Returns {"rules": CycleRules|None, "rows": [{"teachers", "complete", "on_track", "behind",
    "not_due", "apart_teachers", "apart_complete", "apart_on_track", "complete_rate",
    "on_track_rate", …group fields}]}: ``teachers`` … ``behind`` count the teachers the measure
    counts (``counted``), ``apart_*`` the 高职高专 teachers who owe something, ``not_due`` those who
    owe nothing in the cycle yet. One query (plus two for the cycle). ``schools``: ids of the only
    schools to count (the dashboard recounting the schools a write changed)."""
    cr = cycle_rules(on)
    if cr is None:
        return {"rules": None, "rows": []}
    due = due_q(cr)
    counts = {"teachers": Count("pk", filter=due), "standing": Coalesce(Sum(standing_expression(cr), filter=due), 0),
              "not_due": Count("pk", filter=~due)}
    qs = population(scope, cr.on).annotate(
        college=Case(When(college_q(), then=Value(True)), default=Value(False), output_field=BooleanField()))
    if schools is not None:  # by the teachers' ids: the database finds them by the school's index
        qs = qs.filter(pk__in=Teacher.objects.filter(school__in=list(schools)).values("pk"))
    keys = GROUPS[by] if by is not None else ()
    grouped = qs.values(*keys, "college").annotate(**counts).order_by(*(GROUP_ORDER[by] if by else ()), "college")
    merged: dict[tuple, dict] = {}
    for row in grouped:
        if row["teachers"] >= COMPLETE_CODE:  # pragma: no cover - a group larger than any city
            raise OverflowError("too many teachers in one group for the standing code")
        complete, on_track = divmod(row["standing"], COMPLETE_CODE)
        out = merged.setdefault(tuple(row[k] for k in keys), {**{k: row[k] for k in keys}, **dict.fromkeys(COUNTS, 0)})
        out["not_due"] += row["not_due"]
        prefix = "apart_" if row["college"] else ""
        out[f"{prefix}teachers"] += row["teachers"]
        out[f"{prefix}complete"] += complete
        out[f"{prefix}on_track"] += on_track
    rows = list(merged.values()) if merged or by else [dict.fromkeys(COUNTS, 0)]
    for row in rows:
        _add_rates(row)
    return {"rules": cr, "rows": rows}


def _add_rates(row: dict) -> dict:
    """Rates, percentages and the behind count of a row of counts (teachers, complete, on_track);
    a rate of no teachers is None (nothing to measure), never 0%."""
    row["complete_rate"] = rules.rate(row["complete"], row["teachers"])
    row["on_track_rate"] = rules.rate(row["on_track"], row["teachers"])
    row["behind"] = row["teachers"] - row["on_track"]
    row["complete_pct"] = None if row["complete_rate"] is None else row["complete_rate"] * 100
    row["on_track_pct"] = None if row["on_track_rate"] is None else row["on_track_rate"] * 100
    row["apart_complete_pct"] = _pct(row.get("apart_complete", 0), row.get("apart_teachers", 0))
    row["apart_on_track_pct"] = _pct(row.get("apart_on_track", 0), row.get("apart_teachers", 0))
    return row


def _pct(part: int, whole: int) -> float | None:
    rate = rules.rate(part, whole)
    return None if rate is None else rate * 100


def kept_school_rows(scope: Scope, on: dt.date) -> dict | None:
    """{school id: the training measure's counts of that school on ``on``} from the facts per school
    (``workforce.fact_rows``: the dashboard's ``training_by_group`` rows of every school, brought up
    to date first from the schools each write marks), for the whole city, a district or a school on
    the facts' day (today); None when they do not apply — another day, another scope, a database
    whose marks cannot be trusted — and the caller counts live."""
    from workforce import fact_rows

    kept = fact_rows.school_rows(scope, "training", on)
    return None if kept is None else {pk: row for pk, row in kept.items() if row}


def _rows_of_schools(scope: Scope, counts: dict) -> list[dict]:
    """Report rows (``completion_rates(…, by="school")``'s keys and order) of the schools of
    ``counts`` ({school id: counts}), named from one query."""
    schools = (School.objects.for_scope(scope).order_by(*(f[len("school__"):] for f in GROUP_ORDER["school"]))
               .values_list("pk", "name", "district_id", "district__name"))
    return [_add_rates({"school_id": pk, "school__name": name, "school__district_id": district,
                        "school__district__name": district_name, **{k: counts[pk][k] for k in COUNTS}})
            for pk, name, district, district_name in schools if pk in counts]


class KeptSchoolRows:
    """The report's rows per school read from the facts a page at a time: ``schools`` (an ordered
    School queryset of the schools the training measure counted) gives the length and the order,
    the facts of a slice's schools its figures — rows as ``_rows_of_schools`` makes them."""

    def __init__(self, schools: QuerySet):
        self.schools, self._length = schools, None

    def __len__(self) -> int:
        if self._length is None:
            self._length = self.schools.count()
        return self._length

    def __getitem__(self, index):
        if not isinstance(index, slice):
            rows = self[index:index + 1] if index >= 0 else list(self)[index:][:1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        from workforce import fact_rows

        picked = list(self.schools[index].values_list("pk", "name", "district_id", "district__name"))
        counts = fact_rows.rows_of("training", [pk for pk, *_ in picked])
        return [_add_rates({"school_id": pk, "school__name": name, "school__district_id": district,
                            "school__district__name": district_name, **{k: counts[pk][k] for k in COUNTS}})
                for pk, name, district, district_name in picked if counts.get(pk)]

    def __iter__(self):
        return iter(self[0:len(self)])


def _kept_report(scope: Scope, on: dt.date) -> dict | None:
    """``completion_report`` from the facts of a province, a city or a district: the total and the
    districts from the sums kept per district (a few rows), the schools read a page at a time
    (``KeptSchoolRows``); None when the facts do not apply."""
    from workforce import fact_rows

    sums = fact_rows.district_rows(scope, "training", on)
    if sums is None:
        return None
    cr = cycle_rules(on)
    if cr is None:
        return {"rules": None, "total": None, "districts": [], "schools": []}
    order = [f[len("school__district__"):] for f in GROUP_ORDER["district"]]
    districts = [_add_rates({"school__district_id": pk, "school__district__name": name,
                             **{k: sums[pk][k] for k in COUNTS}})
                 for pk, name in District.objects.filter(pk__in=list(sums)).order_by(*order).values_list("pk", "name")
                 if sums[pk]]
    total = dict.fromkeys(COUNTS, 0)
    for row in districts:
        for key in COUNTS:
            total[key] += row[key]
    schools = (School.objects.for_scope(scope).filter(pk__in=fact_rows.schools_with_rows("training"))
               .order_by(*(f[len("school__"):] for f in GROUP_ORDER["school"])))
    return {"rules": cr, "total": _add_rates(total), "districts": districts, "schools": KeptSchoolRows(schools)}


def completion_report(scope: Scope, on: dt.date | None = None) -> dict:
    """The report page: the scope's figures, a row per district and a row per school. From the facts
    per school when they apply — the figures of counting now, read instead of counted: a province,
    a city or a district from its districts' sums and a page of schools at a time (``_kept_report``;
    ``schools`` is then a sequence read by slices), a school from its row (``kept_school_rows``) —
    else from ONE grouped query (the standing subquery runs once per teacher, not three times);
    counts add up, so a district's row and the total are their sums.

    Returns {"rules", "total", "districts", "schools"}; ``total`` None when no cycle holds ``on``."""
    on = on or today()
    kept = _kept_report(scope, on)
    if kept is not None:
        return kept
    kept = kept_school_rows(scope, on)
    if kept is None:
        result = completion_rates(scope, on, by="school")
    else:
        cr = cycle_rules(on)
        result = {"rules": cr, "rows": _rows_of_schools(scope, kept) if cr is not None else []}
    schools = result["rows"]
    districts: dict[int, dict] = {}
    total = dict.fromkeys(COUNTS, 0)
    for row in schools:  # ordered by district, then school (a school's rows are merged in completion_rates)
        district = districts.setdefault(row["school__district_id"], {
            "school__district_id": row["school__district_id"], "school__district__name": row["school__district__name"],
            **dict.fromkeys(COUNTS, 0)})
        for key in COUNTS:
            district[key] += row[key]
            total[key] += row[key]
    return {"rules": result["rules"], "total": _add_rates(total) if result["rules"] else None,
            "districts": [_add_rates(d) for d in districts.values()], "schools": schools}


def teachers_behind(scope: Scope, on: dt.date | None = None, *, school_id: int | None = None) -> tuple[CycleRules | None, QuerySet]:
    """Teachers the measure counts (``counted``) who are not on track, with countable 学时, their own
    requirement and threshold (pro rata for those who joined during the cycle), 落后学时 (to be
    on track today) and 尚缺学时 (to complete), the furthest behind first. One query."""
    cr = cycle_rules(on)
    if cr is None:
        return None, Teacher.objects.none()
    qs = counted(scope, cr)
    if school_id:
        qs = qs.filter(school_id=school_id)
    joined = F("work_start")
    qs = (
        qs.annotate(countable=countable_expression(cr), required=per_teacher(cr, joined, lambda k: k.required),
                    threshold=per_teacher(cr, joined, lambda k: k.threshold))
        .filter(countable__lt=F("threshold") - SLACK)
        .annotate(
            behind=ExpressionWrapper(F("threshold") - F("countable"), output_field=HOURS),
            shortfall=ExpressionWrapper(F("required") - F("countable"), output_field=HOURS),
        )
        .select_related("school__district")
        .order_by("countable", "school__district__order", "school__code", "name", "pk")
    )
    return cr, qs


def behind_count(scope: Scope, on: dt.date, *, school_id: int | None = None) -> int | None:
    """How many teachers ``teachers_behind`` lists — the counted teachers not on track, each school's
    ``teachers − on_track`` — from the facts per school (``kept_school_rows``) when they apply, so a
    page of the list does not count them all first; None when they do not (count the list). A
    province, a city or a district reads its districts' sums."""
    from workforce import fact_rows

    sums = None if school_id else fact_rows.district_rows(scope, "training", on)
    if sums is not None:
        return sum(row["teachers"] - row["on_track"] for row in sums.values() if row)
    kept = kept_school_rows(scope, on)
    if kept is None:
        return None
    rows = [kept.get(school_id)] if school_id else kept.values()
    return sum(row["teachers"] - row["on_track"] for row in rows if row)


class Counted:
    """A queryset whose length is known (``behind_count``): what a Paginator needs, without its COUNT."""

    def __init__(self, queryset: QuerySet, count: int):
        self.queryset, self._count = queryset, count
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self.queryset[index]


def _measure_row(cr: CycleRules, row: dict) -> dict:
    """One scope's (or group's) ``"training"`` object: counts (they add up over groups) and the
    cycle's rules (the same in every group)."""
    return {
        "cycle": cr.cycle.name, "complete": row["complete"], "teachers": row["teachers"],
        "ratio": row["complete"] / row["teachers"] if row["teachers"] else None,
        "on_track": row["on_track"], "headline": "on_track", "not_due": row["not_due"],
        "apart_teachers": row["apart_teachers"], "apart_complete": row["apart_complete"],
        "apart_on_track": row["apart_on_track"],
        "required": float(cr.required), "hours_per_year_left": float(cr.cycle.hours_per_year_left),
        "threshold": float(cr.threshold), "elapsed": round(float(cr.elapsed), 6),
    }


def training_measure(scope: Scope, on: dt.date) -> dict | None:
    """The ``"training"`` measure (workforce.registry contract) of the cycle holding ``on``: of the
    teachers counted (``counted``), how many are on track (the headline: the plan sets no
    completion target, and early in a cycle completion says nothing) and how many have completed
    their requirement; ``apart_*`` the same for 高职高专 teachers, ``not_due`` the teachers who owe
    nothing yet. None when no cycle holds ``on``; ratio None when there are no teachers."""
    result = completion_rates(scope, on)
    if result["rules"] is None:
        return None
    return _measure_row(result["rules"], result["rows"][0])


def training_by_group(scope: Scope, on: dt.date, by: str, schools=None) -> dict[int, dict]:
    """Registry ``by_group``: {district_id or school_id: the keys of ``training_measure``}, one
    query (plus two for the cycle). The counts add up to the scope's ``training_measure``, so the
    dashboard takes its total from these rows instead of counting twice. ``schools``: ids of the
    only schools to count."""
    result = completion_rates(scope, on, by=by, schools=schools)
    if result["rules"] is None:
        return {}
    cr, key = result["rules"], GROUPS[by][0]
    return {row[key]: _measure_row(cr, row) for row in result["rows"]}


def training_behind(scope: Scope, on: dt.date) -> QuerySet:
    """Registry ``behind``: the teachers not on track (annotated countable / behind / shortfall)."""
    return teachers_behind(scope, on)[1]
