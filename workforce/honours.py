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

from . import rules
from .models import Award, EthicsCase, HonourType, Nomination, Teacher

# ---------------------------------------------------------------- the veto
# The rule is ``rules.ethics_veto``; here its inputs are loaded. Rotation-as-骨干 needs no
# refusal: ``TeacherQuerySet.backbone_on`` leaves banned teachers out.
ACTIONS = rules.ACTIONS


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (31 January + 1 month → 28/29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def ban_until(decided_on: dt.date, ban_months: int) -> dt.date:
    """The last day of the ban: decision date plus the severity's months."""
    return add_months(decided_on, ban_months)


def ban_of(case) -> rules.Ban:
    """An ``EthicsCase`` (with its severity) as the rule reads it."""
    return rules.Ban(case.severity.name, case.decided_on, case.ban_until, case.substantiated)


def bans_by_teacher(teacher_ids, chunk: int = 2000) -> dict[int, list[rules.Ban]]:
    """teacher id → the bans of their substantiated cases, for many teachers: one query per
    ``chunk`` ids (the import loads a file's teachers with it)."""
    ids = sorted({pk for pk in teacher_ids if pk is not None})
    out: dict[int, list[rules.Ban]] = {}
    for start in range(0, len(ids), chunk):
        cases = EthicsCase.objects.filter(teacher_id__in=ids[start:start + chunk], substantiated=True)
        for case in cases.select_related("severity"):
            out.setdefault(case.teacher_id, []).append(ban_of(case))
    return out


def banning_case(teacher, on: dt.date):
    """The substantiated case barring ``teacher`` on ``on`` (the one ending last), or None."""
    return (
        EthicsCase.objects.banning_on(on).filter(teacher=teacher).select_related("severity").order_by("-ban_until").first()
    )


def veto_text(case, action: str) -> str:
    return rules.veto_message(ban_of(case), action)


def veto_reason(teacher, on: dt.date, action: str) -> str | None:
    """Why ``teacher`` may not be given ``action`` on ``on`` (一票否决), or None when allowed."""
    cases = EthicsCase.objects.banning_on(on).filter(teacher=teacher).select_related("severity")
    problems = rules.ethics_veto([ban_of(case) for case in cases], on, action)
    return problems[0].message if problems else None


def vetoed_ids(teacher_ids, on: dt.date) -> dict[int, str]:
    """teacher id → veto reason (for awards), for many teachers in one query."""
    out: dict[int, str] = {}
    for pk, bans in bans_by_teacher(teacher_ids).items():
        problems = rules.ethics_veto(bans, on, "award")
        if problems:
            out[pk] = problems[0].message
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

