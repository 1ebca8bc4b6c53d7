"""Honours (荣誉) and the ethics veto (师德一票否决): reads — the veto reason, nomination
candidates, conflicting awards and progress against the plan's honour targets (DOMAIN.md).

Writes (award, expire, revoke, nominate, record an ethics case, promote) are in ``services``.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from . import choices as c
from .models import Award, District, EthicsCase, HonourType, Nomination, PlanIndicator, Teacher, TitleAppointment

# ---------------------------------------------------------------- the veto
ACTIONS = {
    "award": "授予荣誉",
    "nominate": "推荐评选",
    "promote": "晋升专业技术职务",
    "backbone": "以骨干教师身份交流轮岗",
}


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (31 January + 1 month → 28/29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def ban_until(decided_on: dt.date, ban_months: int) -> dt.date:
    """The last day of the ban: decision date plus the severity's months."""
    return add_months(decided_on, ban_months)


def banning_case(teacher, on: dt.date):
    """The substantiated case barring ``teacher`` on ``on`` (the one ending last), or None."""
    return (
        EthicsCase.objects.banning_on(on).filter(teacher=teacher).select_related("severity").order_by("-ban_until").first()
    )


def veto_text(case, action: str) -> str:
    return (
        f"师德一票否决：该教师有查实的师德失范行为（{case.severity.name}，{case.decided_on:%Y-%m-%d} 认定），"
        f"限制期至 {case.ban_until:%Y-%m-%d}，期内不得{ACTIONS.get(action, action)}。"
    )


def veto_reason(teacher, on: dt.date, action: str) -> str | None:
    """Why ``teacher`` may not be given ``action`` on ``on`` (一票否决), or None when allowed."""
    case = banning_case(teacher, on)
    return None if case is None else veto_text(case, action)


def vetoed_ids(teacher_ids, on: dt.date) -> dict[int, str]:
    """teacher id → veto reason (for awards), for many teachers in one query."""
    out: dict[int, str] = {}
    for case in (
        EthicsCase.objects.banning_on(on).filter(teacher_id__in=teacher_ids).select_related("severity")
        .order_by("teacher_id", "ban_until")
    ):
        out[case.teacher_id] = veto_text(case, "award")
    return out


# ---------------------------------------------------------------- nominations
def candidates(scope, honour_type: HonourType, on: dt.date):
    """专任教师 on the roll in ``scope`` who do not already hold ``honour_type`` on ``on`` nor are
    nominated for it this round; annotated ``is_vetoed`` (shown, but refused with the reason)."""
    holding = Award.objects.active_on(on).filter(honour_type=honour_type, teacher=OuterRef("pk"))
    nominated = Nomination.objects.filter(honour_type=honour_type, round_year=on.year, teacher=OuterRef("pk"))
    return (
        Teacher.objects.population(on).for_scope(scope)
        .exclude(Exists(holding)).exclude(Exists(nominated))
        .annotate(is_vetoed=Exists(EthicsCase.objects.banning_on(on).filter(teacher=OuterRef("pk"))))
        .select_related("school", "school__district")
        .order_by("school__district__order", "school__code", "name")
    )


# ---------------------------------------------------------------- conflicts
def conflicting_awards(scope, on: dt.date):
    """Awards that conflict with the veto: active on ``on`` while the teacher is banned, or
    granted on a day inside a ban period."""
    banned_now = EthicsCase.objects.banning_on(on).filter(teacher=OuterRef("teacher_id"))
    granted_in_ban = EthicsCase.objects.filter(
        teacher=OuterRef("teacher_id"), substantiated=True,
        decided_on__lte=OuterRef("awarded_on"), ban_until__gte=OuterRef("awarded_on"),
    )
    active = Award.objects.active_on(on).values("pk")
    return (
        Award.objects.for_scope(scope).filter(teacher__isnull=False, revoked_on__isnull=True)
        .filter((Q(pk__in=active) & Exists(banned_now)) | Exists(granted_in_ban))
        .annotate(banned_now=Exists(banned_now), granted_in_ban=Exists(granted_in_ban))
        .select_related("honour_type", "teacher", "teacher__school")
        .order_by("teacher__school__code", "teacher__name", "-awarded_on")
    )


# ---------------------------------------------------------------- progress against targets
PLAN_START, PLAN_END = dt.date(2021, 1, 1), dt.date(2025, 12, 31)


@dataclass(frozen=True)
class HonourTarget:
    """What an honour indicator counts: ``kind`` "active" (holders on the day, in post) or
    "period" (granted 2021–2025); ``rural`` counts teachers of 乡村 schools only."""

    indicator: str
    honour_code: str | None
    kind: str
    rural: bool = False
    title: str | None = None  # counts title appointments instead of awards


HONOUR_TARGETS = [
    HonourTarget("special_grade_in_post", "tejijiaoshi", "active"),
    HonourTarget("gangcheng_mingshi", "gangcheng_mingshi", "active"),
    HonourTarget("rural_gangcheng_mingshi", "gangcheng_mingshi", "period", rural=True),
    HonourTarget("rural_special_grade", "tejijiaoshi", "period", rural=True),
    HonourTarget("zhenggao_appointed", None, "period", title=c.Title.SENIOR_PROFESSOR),
    HonourTarget("city_master_studio", "shi_mingshi_gongzuoshi", "period"),
    HonourTarget("educator_community", "jiaoyujia_gongtongti", "period"),
    HonourTarget("city_four_haves_team", "shi_siyou_tuandui", "period"),
    HonourTarget("provincial_four_haves_team", "sheng_siyou_tuandui", "period"),
    HonourTarget("rural_backbone_station", "xiangcun_gugan_peiyuzhan", "period"),
]
ALSO_COUNTED = [("sheng_333", "省“333”工程培养对象"), ("shi_521", "市“521”工程培养对象")]


def _award_filter(target: HonourTarget, on: dt.date) -> Q:
    q = Q(honour_type__code=target.honour_code)
    if target.kind == "active":
        q &= Q(awarded_on__lte=on) & (Q(expires_on__isnull=True) | Q(expires_on__gt=on))
        q &= Q(revoked_on__isnull=True) | Q(revoked_on__gt=on)
        q &= Q(teacher__isnull=True) | (
            (Q(teacher__left_on__isnull=True) | Q(teacher__left_on__gt=on)) & Q(teacher__status=c.PersonnelStatus.IN_POST)
        )
    else:
        q &= Q(awarded_on__gte=PLAN_START, awarded_on__lte=min(on, PLAN_END), revoked_on__isnull=True)
    if target.rural:
        q &= Q(teacher__school__location=c.Location.RURAL)
    return q


def _active_q(code: str, on: dt.date) -> Q:
    return _award_filter(HonourTarget("", code, "active"), on)


def honour_progress(scope, on: dt.date) -> dict:
    """Counts of every honour target for ``scope`` (and per district), in four queries.

    Returns {"targets": [{code, name, unit, target, count, met, gap, by_district}], "districts": [...],
    "extra": [{name, count, by_district}], "backbone": {"count", "by_district"}}.
    """
    indicators = {i.code: i for i in PlanIndicator.objects.filter(code__in=[t.indicator for t in HONOUR_TARGETS])}
    awards = Award.objects.for_scope(scope).annotate(d=Coalesce("teacher__school__district_id", "school__district_id"))
    aggregates = {t.indicator: Count("pk", filter=_award_filter(t, on)) for t in HONOUR_TARGETS if t.title is None}
    aggregates.update({f"x_{code}": Count("pk", filter=_active_q(code, on)) for code, _ in ALSO_COUNTED})
    by_district: dict[int, dict] = {}
    for row in awards.values("d").annotate(**aggregates).order_by():
        by_district[row.pop("d")] = row
    titles = dict(
        TitleAppointment.objects.for_scope(scope)
        .filter(title=c.Title.SENIOR_PROFESSOR, appointed_on__gte=PLAN_START, appointed_on__lte=min(on, PLAN_END))
        .values("teacher__school__district_id").annotate(n=Count("teacher", distinct=True)).order_by()
        .values_list("teacher__school__district_id", "n")
    )
    backbone = dict(
        Teacher.objects.population(on).for_scope(scope).backbone_on(on)
        .values("school__district_id").annotate(n=Count("pk")).order_by().values_list("school__district_id", "n")
    )
    district_ids = set(by_district) | set(titles) | set(backbone)
    districts = list(District.objects.filter(pk__in=district_ids).order_by("order", "code"))

    def per(key_fn):
        return {d.pk: key_fn(d.pk) for d in districts}

    targets = []
    for t in HONOUR_TARGETS:
        ind = indicators.get(t.indicator)
        if t.title:
            counts = per(lambda d: titles.get(d, 0))
        else:
            counts = per(lambda d, key=t.indicator: by_district.get(d, {}).get(key, 0))
        total = sum(counts.values())
        goal = int(ind.target) if ind else None
        targets.append({
            "code": t.indicator, "name": ind.name if ind else t.indicator, "unit": ind.unit if ind else "",
            "kind": "在岗在职（当日）" if t.kind == "active" else "2021–2025 年累计",
            "rural": t.rural, "target": goal, "count": total,
            "met": None if goal is None else total >= goal,
            "gap": None if goal is None else max(0, goal - total),
            "by_district": [counts[d.pk] for d in districts],
        })
    extra = []
    for code, name in ALSO_COUNTED:
        counts = per(lambda d, key=f"x_{code}": by_district.get(d, {}).get(key, 0))
        extra.append({"name": name, "count": sum(counts.values()), "by_district": [counts[d.pk] for d in districts]})
    bb = per(lambda d: backbone.get(d, 0))
    extra.append({"name": "骨干教师（在岗，含视同骨干的荣誉）", "count": sum(bb.values()),
                  "by_district": [bb[d.pk] for d in districts]})
    return {"targets": targets, "districts": districts, "extra": extra, "on": on}


def award_expiry(honour_type: HonourType, awarded_on: dt.date) -> dt.date | None:
    """End of validity (re-assessment): awarded_on plus the type's validity years, else None."""
    if not honour_type.validity_years:
        return None
    return add_months(awarded_on, 12 * honour_type.validity_years)

