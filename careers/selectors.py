"""Reads of careers: assessments, eligibility of nominations, the post structure.

Few queries whatever the number of teachers: each loader reads what a whole list needs at once
(one grouped query for the post structure; the inputs of every nomination on a page in a fixed
number of queries), and the arithmetic is ``careers.rules``.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from backend.scoping import Scope
from workforce import choices as wc
from workforce import honours
from workforce.models import RuleSetting, School, Teacher, TitleAppointment

from . import rules
from .choices import MIDDLE_TITLES, POST_CLASS_OF_TITLE, SENIOR_TITLES, ZHENGGAO, AssessmentResult, PostClass
from .models import Assessment, ExcellentQuota, PostShares, PromotionNomination, PromotionRound, TitleRequirement

DEFAULT_EXCELLENT_SHARE = Decimal("20")  # used only when the seeded default row was deleted
# RuleSetting keys (seeded by the careers data migration, editable by city HR) and defaults.
SETTINGS = {
    "promotion_pass_years": 3,      # 合格 or better in each of the last N years
    "promotion_no_fail_years": 5,   # no 不合格 within N years (promotion)
    "honour_no_fail_years": 3,      # no 不合格 within N years (honour nomination)
}


def today() -> dt.date:
    return timezone.localdate()


def settings() -> dict[str, int]:
    """The rules' numbers, one query."""
    rows = dict(RuleSetting.objects.filter(key__in=SETTINGS).values_list("key", "value"))
    return {key: int(rows[key]) if rows.get(key) is not None else default for key, default in SETTINGS.items()}


# ---------------------------------------------------------------- 年度考核
def excellent_share(year: int) -> Decimal:
    """The 优秀 cap of ``year`` (its own row, else the default row)."""
    rows = dict(ExcellentQuota.objects.filter(Q(year=year) | Q(year__isnull=True)).values_list("year", "share"))
    return rows.get(year, rows.get(None, DEFAULT_EXCELLENT_SHARE))


def assessed_base(school_id: int, year: int) -> int:
    """The teachers a school's 优秀 share is of: its 专任教师 on the roll on 31 December of the year
    (today, for the current year), or the teachers it assessed that year if more."""
    on = min(dt.date(year, 12, 31), today())
    roll = Teacher.objects.population(on).filter(school_id=school_id).count()
    assessed = Assessment.objects.filter(school_id=school_id, year=year).count()
    return max(roll, assessed)


def cap_figures(touched: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int, Decimal]]:
    """(school id, year) → (优秀 count, base, share) for every pair, a few queries for the lot
    (one per year for the roll) instead of four per school; the base as ``assessed_base``."""
    touched = set(touched)
    schools, years = {s for s, _y in touched}, {y for _s, y in touched}
    counts = {(r["school_id"], r["year"]): r for r in Assessment.objects
              .filter(school_id__in=schools, year__in=years).values("school_id", "year")
              .annotate(excellent=Count("pk", filter=Q(result=AssessmentResult.EXCELLENT)), assessed=Count("pk"))}
    shares = dict(ExcellentQuota.objects.filter(Q(year__in=years) | Q(year__isnull=True)).values_list("year", "share"))
    out = {}
    for year in years:
        on = min(dt.date(year, 12, 31), today())
        rolls = dict(Teacher.objects.population(on).filter(school_id__in=schools).values("school_id")
                     .annotate(n=Count("pk")).values_list("school_id", "n"))
        share = shares.get(year, shares.get(None, DEFAULT_EXCELLENT_SHARE))
        for school_id in schools:
            if (school_id, year) in touched:
                row = counts.get((school_id, year), {"excellent": 0, "assessed": 0})
                out[(school_id, year)] = (row["excellent"], max(rolls.get(school_id, 0), row["assessed"]), share)
    return out


def results_by_teacher(teacher_ids: Iterable[int], years: Iterable[int] | None = None) -> dict[int, dict[int, str]]:
    """teacher id → {year: result}, one query."""
    qs = Assessment.objects.filter(teacher_id__in=list(teacher_ids))
    if years is not None:
        qs = qs.filter(year__in=list(years))
    out: dict[int, dict[int, str]] = defaultdict(dict)
    for tid, year, result in qs.values_list("teacher_id", "year", "result"):
        out[tid][year] = result
    return out


def teacher_history(teacher) -> list[Assessment]:
    return list(Assessment.objects.filter(teacher=teacher).select_related("school").order_by("-year"))


def assessment_sheet(scope: Scope, year: int):
    """The teachers of the scope on the roll in ``year`` (专任教师) with their result of that year
    (``result``, None when not entered): the 年度考核 page's rows."""
    on = min(dt.date(year, 12, 31), today())
    result = Assessment.objects.filter(teacher=OuterRef("pk"), year=year).values("result")[:1]
    return (Teacher.objects.population(on).for_scope(scope)
            .annotate(result=Subquery(result)).select_related("school", "school__district")
            .order_by("school__district__order", "school__code", "name"))


def excellent_summary(scope: Scope, year: int) -> list[dict]:
    """Per school of the scope with assessments of ``year``: 优秀 count, assessed, base, cap."""
    share = excellent_share(year)
    counts = (Assessment.objects.filter(year=year, school__in=School.objects.for_scope(scope))
              .values("school_id", "school__name")
              .annotate(excellent=Count("pk", filter=Q(result=AssessmentResult.EXCELLENT)), assessed=Count("pk"))
              .order_by("school__code"))
    on = min(dt.date(year, 12, 31), today())
    rolls = dict(Teacher.objects.population(on).for_scope(scope).values("school_id").annotate(n=Count("pk"))
                 .values_list("school_id", "n"))
    out = []
    for row in counts:
        base = max(rolls.get(row["school_id"], 0), row["assessed"])
        out.append({**row, "base": base, "cap": rules.excellent_cap(base, share), "share": share})
    return out


# ---------------------------------------------------------------- titles and the post structure
def current_title_q(on: dt.date):
    """A teacher's title on ``on`` (the appointment holding that day, latest first), as a subquery."""
    holding = (TitleAppointment.objects.filter(teacher=OuterRef("pk"), appointed_on__lte=on)
               .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on)).order_by("-appointed_on", "-pk"))
    return holding


def post_population(scope: Scope, on: dt.date):
    """The teachers the post structure counts: 在编 专任教师 on the roll on ``on``."""
    return Teacher.objects.population(on).filter(on_establishment=True).for_scope(scope)


def post_counts(scope: Scope, on: dt.date, schools=None) -> dict[int, dict]:
    """school id → {teachers, senior, middle, zhenggao}: one grouped query. 正高级 counts in 高级;
    ``zhenggao`` is the 正高级 of teachers of 小学, 初中, 高中 (DOMAIN.md honours: the plan's 中小学
    count), ``zhenggao_apart`` those of other stages. ``schools``: a School queryset to narrow it."""
    title = Subquery(current_title_q(on).values("title")[:1])
    population = post_population(scope, on)
    if schools is not None:  # by the teachers' ids: the database finds them by the school's index
        population = population.filter(pk__in=Teacher.objects.filter(school__in=schools).values("pk"))
    rows = (population.annotate(cur=title).order_by().values("school_id").annotate(
        teachers=Count("pk"),
        senior=Count("pk", filter=Q(cur__in=SENIOR_TITLES)),
        middle=Count("pk", filter=Q(cur__in=MIDDLE_TITLES)),
        zhenggao=Count("pk", filter=Q(cur=ZHENGGAO, teaching_stage__in=wc.SCHOOL_STAGES)),
        zhenggao_apart=Count("pk", filter=Q(cur=ZHENGGAO) & ~Q(teaching_stage__in=wc.SCHOOL_STAGES)),
    ))
    return {row.pop("school_id"): row for row in rows}


def shares_by_school(schools: Iterable[tuple[int, str]]) -> dict[int, tuple[Decimal, Decimal] | None]:
    """school id → approved (高级 %, 一级 %): the school's own row, else its type's default; None
    when neither exists. ``schools``: (id, school_type) pairs. Two queries."""
    schools = list(schools)
    own = {pk: (s, m) for pk, s, m in PostShares.objects.filter(school_id__in=[pk for pk, _t in schools])
           .values_list("school_id", "senior", "middle")}
    defaults = {t: (s, m) for t, s, m in PostShares.objects.filter(school__isnull=True)
                .values_list("school_type", "senior", "middle")}
    return {pk: own.get(pk, defaults.get(school_type)) for pk, school_type in schools}


def post_rows(scope: Scope, on: dt.date, schools=None) -> dict[int, rules.PostRow]:
    """school id → ``PostRow`` for every school of the scope (``schools``: a School queryset to
    narrow it, e.g. filtered). Three queries."""
    schools = schools if schools is not None else School.objects.for_scope(scope)
    pairs = list(schools.values_list("pk", "school_type"))
    counts = post_counts(scope, on, schools)
    shares = shares_by_school(pairs)
    out = {}
    for pk, _type in pairs:
        c = counts.get(pk, {"teachers": 0, "senior": 0, "middle": 0, "zhenggao": 0})
        s = shares.get(pk)
        out[pk] = rules.post_row(teachers=c["teachers"], senior=c["senior"], middle=c["middle"],
                                 zhenggao=c["zhenggao"], senior_share=s[0] if s else None,
                                 middle_share=s[1] if s else None)
    return out


def _measure_row(row: rules.PostRow) -> dict:
    """The registry's contract (``workforce.registry``): counts and ``ratio``; the target as a
    count of posts so that it adds up over schools."""
    return {
        "cycle": "", "complete": row.senior + row.middle, "teachers": row.teachers, "ratio": row.share,
        "senior": row.senior, "middle": row.middle, "zhenggao": row.zhenggao,
        "senior_posts": row.senior_posts or 0, "middle_posts": row.middle_posts or 0,
        "target_posts": (row.senior_posts or 0) + (row.middle_posts or 0),
    }


def post_structure_by_group(scope: Scope, on: dt.date, by: str, schools=None) -> dict[int, dict]:
    """{district or school id: row} of the 中高级 share measure (``_measure_row``); ``schools``:
    ids of the only schools to count."""
    rows = post_rows(scope, on, None if schools is None else School.objects.for_scope(scope).filter(pk__in=list(schools)))
    if by == "school":
        return {pk: _measure_row(row) for pk, row in rows.items() if row.teachers}
    district_of = dict(School.objects.for_scope(scope).values_list("pk", "district_id"))
    grouped: dict[int, list] = defaultdict(list)
    for pk, row in rows.items():
        grouped[district_of[pk]].append(row)
    return {d: _measure_row(rules.sum_rows(rs)) for d, rs in grouped.items() if sum(r.teachers for r in rs)}


def post_structure_measure(scope: Scope, on: dt.date) -> dict | None:
    """中高级 share of the scope against its target (``registry`` contract); None without teachers."""
    row = rules.sum_rows(post_rows(scope, on).values())
    if not row.teachers:
        return None
    out = _measure_row(row)
    out["target"] = row.target
    return out


# ---------------------------------------------------------------- eligibility of nominations
def requirements(series: str) -> dict[str, tuple[str, int]]:
    return {t: (f, n) for t, f, n in TitleRequirement.objects.filter(series=series)
            .values_list("title", "from_title", "min_years")}


def next_title(series: str, current: str | None, levels: Iterable[str]) -> str | None:
    """The level of the round a teacher with ``current`` would be put forward for."""
    reqs = requirements(series)
    for title in levels:
        if reqs.get(title, (None,))[0] == current:
            return title
    return None


def current_titles(teacher_ids: Iterable[int], on: dt.date) -> dict[int, tuple[str, dt.date]]:
    """teacher id → (title, appointed_on) holding ``on``; one query."""
    out: dict[int, tuple[str, dt.date]] = {}
    rows = (TitleAppointment.objects.filter(teacher_id__in=list(teacher_ids), appointed_on__lte=on)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on)).order_by("teacher_id", "appointed_on", "pk")
            .values_list("teacher_id", "title", "appointed_on"))
    for tid, title, appointed in rows:
        out[tid] = (title, appointed)  # the latest wins
    return out


def training_standing(teacher_ids: Iterable[int], on: dt.date) -> dict[int, dict] | None:
    """teacher id → the arguments of ``rules.training_done``; None where no cycle holds ``on``.
    Uses training's own expressions (one query)."""
    from training import selectors as ts

    cr = ts.cycle_rules(on)
    if cr is None:
        return None
    rows = (Teacher.objects.filter(pk__in=list(teacher_ids))
            .annotate(countable=ts.countable_expression(cr), standing=ts.standing_expression(cr))
            .values_list("pk", "work_start", "countable", "standing"))
    out = {}
    for pk, joined, countable, standing in rows:
        out[pk] = {"has_cycle": True, "cycle": cr.cycle.name, "countable": Decimal(countable).quantize(Decimal("0.1")),
                   "required": cr.requirement_of(joined).required, "on_track": standing >= 1}
    return out


def _check_day(rnd: PromotionRound) -> dt.date:
    return rnd.reference_date


def eligibility(rnd: PromotionRound, teachers: list[Teacher], targets: dict[int, str | None],
                *, exclude_nomination: int | None = None) -> dict[int, list[rules.Check]]:
    """teacher id → the checks of putting them forward for ``targets[id]`` in ``rnd``: a fixed
    number of queries for the whole list (titles, assessments, bans, training, posts, pending)."""
    if not teachers:
        return {}
    on = _check_day(rnd)
    ids = [t.pk for t in teachers]
    conf = settings()
    reqs = requirements(rnd.series)
    titles = current_titles(ids, on)
    span = max(conf["promotion_pass_years"], conf["promotion_no_fail_years"])
    results = results_by_teacher(ids, range(on.year - span, on.year + 1))
    bans = honours.bans_by_teacher(ids)
    training = training_standing(ids, min(on, today())) or {}
    school_ids = {t.school_id for t in teachers}
    rows = post_rows(Scope("city"), min(on, today()), School.objects.filter(pk__in=school_ids))
    pending: dict[tuple[int, str], int] = defaultdict(int)
    others = (PromotionNomination.objects.filter(round=rnd, status__in=[PromotionNomination.Status.SUBMITTED,
                                                                         PromotionNomination.Status.DISTRICT_APPROVED])
              .exclude(pk=exclude_nomination).values_list("teacher_id", "teacher__school_id", "title"))
    for tid, sid, title in others:
        pending[(sid, tid, POST_CLASS_OF_TITLE.get(title))] += 1
    out = {}
    for t in teachers:
        target = targets.get(t.pk)
        cur, appointed = titles.get(t.pk, (None, None))
        klass = POST_CLASS_OF_TITLE.get(target, PostClass.JUNIOR)
        row = rows.get(t.school_id)
        holders = 0 if row is None else (row.senior if klass == PostClass.SENIOR else row.middle)
        posts = None if row is None else (row.senior_posts if klass == PostClass.SENIOR else row.middle_posts)
        waiting = sum(n for (sid, tid, k), n in pending.items() if sid == t.school_id and k == klass and tid != t.pk)
        if target is None:
            out[t.pk] = [rules.Check("title", rules.CHECK_NAMES["title"], False,
                                     "本轮评审层级中没有该教师可申报的职称（按现任职称）。")]
            continue
        out[t.pk] = rules.promotion_checks(
            target=target, current_title=cur, appointed_on=appointed, requirement=reqs.get(target), on=on,
            results=results.get(t.pk, {}), pass_years=conf["promotion_pass_years"],
            no_fail_years=conf["promotion_no_fail_years"], bans=bans.get(t.pk, []), training=training.get(t.pk),
            posts={"post_class": klass, "posts": posts, "holders": holders, "pending": waiting,
                   "school_name": t.school.name},
            today=today(),
        )
    return out


def round_candidates(rnd: PromotionRound, scope: Scope):
    """Teachers of the scope the round's series takes (by teaching stage), on the roll and not yet
    put forward in it (a returned nomination may be put forward again)."""
    from .choices import SERIES_STAGES

    taken = PromotionNomination.objects.filter(round=rnd).exclude(status=PromotionNomination.Status.RETURNED)
    return (Teacher.objects.population(min(rnd.reference_date, today())).for_scope(scope)
            .filter(teaching_stage__in=SERIES_STAGES[rnd.series])
            .exclude(pk__in=taken.values("teacher_id"))
            .select_related("school", "school__district").order_by("school__code", "name"))


def round_nominations(rnd: PromotionRound, scope: Scope):
    return (PromotionNomination.objects.for_scope(scope).filter(round=rnd)
            .select_related("teacher", "teacher__school", "teacher__school__district", "nominated_by",
                            "district_by", "city_by", "appointment")
            .order_by("teacher__school__district__order", "teacher__school__code", "teacher__name"))


# ---------------------------------------------------------------- the record as honours read it
def record_summary(teacher_ids: Iterable[int], on: dt.date) -> dict[int, list[str]]:
    """teacher id → lines for the honours nomination list (in the page's language): the last three
    年度考核 results and the training cycle's progress (``workforce.record_hooks``). Two queries
    and training's one."""
    from django.utils.translation import gettext as _

    ids = list(teacher_ids)
    labels = {code: str(label) for code, label in AssessmentResult.choices}
    results = results_by_teacher(ids, range(on.year - 3, on.year + 1))
    training = training_standing(ids, on) or {}
    out = {}
    for pk in ids:
        years = sorted(results.get(pk, {}).items(), reverse=True)[:3]
        shown = _("，").join(f"{y} {labels.get(r, r)}" for y, r in years) if years else _("无记录")
        lines = [_("年度考核：%(results)s") % {"results": shown}]
        t = training.get(pk)
        if t is not None:
            lines.append((_("培训：%(done)s / %(required)s 学时（达到进度）") if t["on_track"]
                          else _("培训：%(done)s / %(required)s 学时（未达进度）"))
                         % {"done": t["countable"], "required": t["required"]})
        out[pk] = lines
    return out


def nomination_problems(teacher_ids: Iterable[int], on: dt.date) -> dict[int, list]:
    """teacher id → why an honour nomination is barred by the record: an 不合格 within N years
    (``honour_no_fail_years``, configurable; 0 turns the rule off)."""
    ids = list(teacher_ids)
    years = settings()["honour_no_fail_years"]
    results = results_by_teacher(ids, range(on.year - years, on.year + 1))
    return {pk: rules.no_fail_within(results.get(pk, {}), last_year=on.year, years=years, what="推荐评选荣誉")
            for pk in ids}
