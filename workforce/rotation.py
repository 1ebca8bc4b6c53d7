"""Rotation (交流轮岗) planning: the plan arithmetic (pure) and the figures of a scope and school
year (few queries), on the one definition of ``TeacherQuerySet`` (rotation_population,
eligible_for_rotation, rotated_in, backbone_on) — DOMAIN.md "Rotation".

Plan arithmetic, for a scope and school year Y with E eligible, R rotated, B of them 骨干:

- the target t% is met when R ÷ E ≥ t%, i.e. R ≥ ⌈E × t%⌉, so ``more = max(0, ⌈E × t%⌉ − R)``;
- at least s% of the rotated must be 骨干: with ``more`` added rotations, ⌈(R + more) × s%⌉ − B of
  them must be 骨干. If that is more than ``more`` (too few 骨干 among those already rotated), the
  extra rotations are all 骨干 and grow the total too: x ≥ (s% × R − B) ÷ (1 − s%).

Who is a 骨干 is ``TeacherQuerySet.backbone_on`` (which leaves out teachers inside an ethics
ban, 一票否决); the counts are the dashboard's ``selectors.rotation_counts``: R is the eligible
teachers whose exchange has started by the as-of date (default today) — a planned exchange is
not yet a rotation — and B the 骨干 among them.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext, gettext_lazy

from . import choices as c
from . import fact_rows
from . import measures as ms
from . import rules
from .models import School, Teacher, rotation_day
from .selectors import load_targets, rotation_counts


# The rule "a teacher cannot be on two overlapping exchanges" is ``rules.periods_overlap`` /
# ``rules.exchange_overlaps``; ``services._overlap_q`` is its database form.
periods_overlap = rules.periods_overlap


def _pct(value) -> Fraction:
    return Fraction(Decimal(str(value))) / 100


_frac, _plain = ms.two_places, ms.plain_number


@dataclass(frozen=True)
class RotationPlan:
    eligible: int
    rotated: int
    rotated_backbone: int
    target_pct: Decimal
    backbone_pct: Decimal
    required: int  # rotations needed in all to reach the target
    more: int  # further rotations needed (≥ 0)
    backbone_more: int  # how many of ``more`` must be 骨干
    backbone_required: int  # 骨干 needed among all rotated after ``more``

    @property
    def ratio(self) -> float | None:
        return None if not self.eligible else self.rotated / self.eligible

    @property
    def met(self) -> bool:
        return self.more == 0

    @property
    def backbone_share(self) -> float | None:
        return None if not self.rotated else self.rotated_backbone / self.rotated

    def explain(self) -> list[str]:
        """The arithmetic, one line a step, checkable by hand (in the page's language)."""
        t, s = _plain(self.target_pct), _plain(self.backbone_pct)
        lines = [gettext(
            "应交流教师 %(eligible)s 人 × %(target)s%% = %(needed)s，向上取整须交流 %(required)s 人；"
            "已交流 %(rotated)s 人，还须交流 %(more)s 人。") % {
            "eligible": self.eligible, "target": t, "needed": _frac(Fraction(self.eligible) * _pct(self.target_pct)),
            "required": self.required, "rotated": self.rotated, "more": self.more}]
        total = self.rotated + self.more
        lines.append(gettext(
            "交流后共 %(total)s 人 × %(share)s%% = %(needed)s，向上取整须有骨干 %(required)s 人；"
            "已交流骨干 %(backbone)s 人，新增交流中至少 %(more)s 人须为骨干教师。") % {
            "total": total, "share": s, "needed": _frac(Fraction(total) * _pct(self.backbone_pct)),
            "required": self.backbone_required, "backbone": self.rotated_backbone, "more": self.backbone_more})
        return lines


def rotation_plan(*, eligible: int, rotated: int, rotated_backbone: int, target_pct, backbone_pct) -> RotationPlan:
    """How many more rotations reach ``target_pct`` and how many of them must be 骨干.

    ``more`` is the dashboard's gap of the rotation ratio (``measures.ratio_with_target``)."""
    t, s = _pct(target_pct), _pct(backbone_pct)
    required = math.ceil(eligible * t)
    more = ms.ratio_with_target(rotated, eligible, Decimal(str(target_pct))).gap
    backbone_more = max(0, math.ceil((rotated + more) * s) - rotated_backbone)
    if backbone_more > more and s < 1:
        # every added rotation is a 骨干 and the total grows with them
        backbone_more = max(0, math.ceil((rotated * s - rotated_backbone) / (1 - s)))
        more = backbone_more
    return RotationPlan(
        eligible=eligible, rotated=rotated, rotated_backbone=rotated_backbone,
        target_pct=Decimal(str(target_pct)), backbone_pct=Decimal(str(backbone_pct)),
        required=required, more=more, backbone_more=backbone_more,
        backbone_required=math.ceil((rotated + more) * s),
    )


# ---------------------------------------------------------------- figures of a scope
DIRECTIONS = [
    # (key, label) in the order the plan view shows them: 城区→乡村 first
    ("urban>rural", gettext_lazy("城区→乡村")),
    ("town>rural", gettext_lazy("镇区→乡村")),
    ("urban>town", gettext_lazy("城区→镇区")),
    ("rural>urban", gettext_lazy("乡村→城区")),
    ("rural>town", gettext_lazy("乡村→镇区")),
    ("town>urban", gettext_lazy("镇区→城区")),
    ("same", gettext_lazy("同类学校之间")),
    ("unknown", gettext_lazy("交流单位未登记")),
]


def direction_key(from_location: str | None, to_location: str | None) -> str:
    if not from_location or not to_location:
        return "unknown"
    if from_location == to_location:
        return "same"
    return f"{from_location}>{to_location}"


def eligible_queryset(scope, year: int, years: int | None = None):
    """The eligible of ``scope`` (minimum years: the configured rule, ``selectors.load_targets``)."""
    years = load_targets().rotation_min_years if years is None else years
    return Teacher.objects.eligible_for_rotation(year, years).for_scope(scope)


def rotated_queryset(scope, year: int, on: dt.date | None = None):
    """Rotated in ``year`` by ``on`` (eligible or not: ``rotated_any``)."""
    return Teacher.objects.rotation_population(year).for_scope(scope).rotated_in(year, on or dt.date.today())


def is_backbone_on(day: dt.date, teacher_ref: str = "teacher_id"):
    """Expression: the row's teacher counts as 骨干 on ``day`` (``backbone_on``)."""
    return Exists(Teacher.objects.backbone_on(day).filter(pk=OuterRef(teacher_ref)))


def annotate_rotation(qs, year: int, on: dt.date | None = None):
    """Per teacher: rotated this year by ``on`` (default today), counts as 骨干 and is under an
    ethics ban on 1 September."""
    day = rotation_day(year)
    return qs.annotate(
        has_rotated=Exists(Teacher.objects.rotated_in(year, on or dt.date.today()).filter(pk=OuterRef("pk"))),
        is_backbone=is_backbone_on(day, "pk"),
        is_vetoed=Exists(Teacher.objects.under_ethics_ban(day).filter(pk=OuterRef("pk"))),
    )


@dataclass
class RotationFigures:
    year: int
    all: int
    eligible: int
    rotated: int  # eligible teachers whose exchange has started by ``on``
    rotated_backbone: int
    eligible_waiting: dict  # location → {"count", "backbone"} of eligible not yet rotated
    directions: list  # (label, count)
    plan: RotationPlan
    min_years: int
    rotated_any: int = 0  # all rotated by ``on``, eligible or not (the policy's literal count)
    planned: int = 0  # eligible teachers whose exchange of the year starts after ``on``
    still_away: int = 0  # eligible teachers away on 1 September on an earlier multi-year exchange
    on: dt.date | None = None

    @property
    def ratio_any_text(self) -> str:
        """All rotated / eligible, as the dashboard's ``ratio_any``."""
        return ms.percent(ms.ratio_with_target(self.rotated_any, self.eligible, None).ratio)

    @property
    def ratio_all_text(self) -> str:
        """All rotated / all compulsory-education teachers, as the dashboard's ``ratio_all``."""
        return ms.percent(ms.ratio_with_target(self.rotated_any, self.all, None).ratio)


def school_counts(scope, year: int, on: dt.date | None = None, targets=None) -> dict:
    """{school id: the dashboard's rotation counts of that school} for school year ``year`` as of
    ``on`` (default today): ``selectors.rotation_counts(scope, …, by="school")``, read from the
    facts per school (``fact_rows``) for today's school year, counted live otherwise. Summed over
    every row they give the scope's own counts (a teacher is counted at the school of 1 September;
    an exchange's direction at the teacher's school)."""
    on = on or dt.date.today()
    kept = fact_rows.school_rows(scope, "rotation", on, year)
    if kept is not None:
        return kept
    return rotation_counts(scope, year, targets or load_targets(), by="school", on=on)


def _sum(counts: dict) -> Counter:
    total = Counter()
    for part in counts.values():
        total.update(part or {})
    return total


def rotation_figures(scope, year: int, on: dt.date | None = None, counts: dict | None = None) -> RotationFigures:
    """The rotation figures of ``scope`` for school year ``year`` as of ``on`` (default today).

    The counts (all, eligible, rotated, rotated 骨干, planned, still away, directions) are the
    dashboard's ``selectors.rotation_counts`` — one definition for dashboard and plan (骨干 =
    ``backbone_on`` on 1 September, without teachers under an ethics ban) — summed from its rows
    per school (``school_counts``, or ``counts`` when the caller has them). On top, from the same
    rows: the eligible still waiting (not rotated by ``on``) per location class of their school of
    1 September, and how many of them are 骨干 (``waiting_backbone``).
    """
    on = on or dt.date.today()
    targets = load_targets()
    years = targets.rotation_min_years
    counts = school_counts(scope, year, on, targets) if counts is None else counts
    total = _sum(counts)
    waiting = {loc: {"count": 0, "backbone": 0} for loc in c.Location.values}
    located = dict(School.objects.for_scope(scope).values_list("pk", "location"))
    for pk, n in counts.items():
        if pk in located and n:
            waiting[located[pk]]["count"] += n[("rot", "eligible")] - n[("rot", "rotated")]
            waiting[located[pk]]["backbone"] += n[("rot", "waiting_backbone")]
    directions = {key: 0 for key, _ in DIRECTIONS}
    for key, n in total.items():
        if key[0] == "dir":
            directions[direction_key(key[1], key[2])] += n
    rotated = total[("rot", "rotated")]
    rotated_backbone = total[("rot", "backbone")]
    eligible = total[("rot", "eligible")]
    target = targets.target("rotation_ratio")
    plan = rotation_plan(
        eligible=eligible, rotated=rotated, rotated_backbone=rotated_backbone,
        target_pct=Decimal(15) if target is None else target, backbone_pct=targets.backbone_min_share,
    )
    return RotationFigures(
        year=year, all=total[("rot", "all")], eligible=eligible, rotated=rotated,
        rotated_backbone=rotated_backbone, eligible_waiting=waiting,
        directions=[(label, directions[key]) for key, label in DIRECTIONS if directions[key] or key == "urban>rural"],
        plan=plan, min_years=years, rotated_any=total[("rot", "rotated_any")],
        planned=total[("rot", "planned")], still_away=total[("rot", "still_away")], on=on,
    )


def per_school(scope, year: int, on: dt.date | None = None, counts: dict | None = None, schools=None) -> list[dict]:
    """All, eligible, rotated (eligible, started by ``on``, default today) and waiting (eligible,
    not rotated) per school of the scope with teachers in the rotation population, by code: the
    dashboard's rotation counts per school (``school_counts``, or ``counts``) and the schools'
    names. ``schools``: a School queryset narrowing the scope's (a page's search)."""
    counts = school_counts(scope, year, on) if counts is None else counts
    schools = School.objects.for_scope(scope) if schools is None else schools
    out = []
    for school in schools.order_by("code").values("pk", "code", "name", "location"):
        n = counts.get(school["pk"])
        if not n or not n[("rot", "all")]:
            continue
        out.append({"school_id": school["pk"], "school__code": school["code"], "school__name": school["name"],
                    "school__location": school["location"], "all": n[("rot", "all")],
                    "eligible": n[("rot", "eligible")], "rotated": n[("rot", "rotated")],
                    "rotated_any": n[("rot", "rotated_any")],
                    "waiting": n[("rot", "eligible")] - n[("rot", "rotated")]})
    return out


def default_year(today: dt.date | None = None) -> int:
    from .models import school_year_of

    return school_year_of(today or dt.date.today())
