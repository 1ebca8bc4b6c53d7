"""Honours (荣誉) and the ethics veto (师德一票否决): reads — the veto reason, nomination
candidates and conflicting awards (DOMAIN.md).

Progress against the plan's honour targets is a measure: ``selectors.honour_counts`` (the
dashboard) and ``selectors.honours_by_district`` (the honours page) count it, once.
Writes (award, expire, revoke, nominate, record an ethics case, promote) are in ``services``.
"""
from __future__ import annotations

import calendar
import datetime as dt

from django.db.models import Exists, OuterRef, Q

from .models import Award, EthicsCase, HonourType, Nomination, Teacher

# ---------------------------------------------------------------- the veto
ACTIONS = {
    "award": "授予荣誉",
    "nominate": "推荐评选",
    "promote": "晋升专业技术职务",
}
# Rotation-as-骨干 needs no refusal: ``TeacherQuerySet.backbone_on`` leaves banned teachers out.


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


def award_expiry(honour_type: HonourType, awarded_on: dt.date) -> dt.date | None:
    """End of validity (re-assessment): awarded_on plus the type's validity years, else None."""
    if not honour_type.validity_years:
        return None
    return add_months(awarded_on, 12 * honour_type.validity_years)

