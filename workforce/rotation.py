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
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext, gettext_lazy

from . import choices as c
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


def rotation_figures(scope, year: int, on: dt.date | None = None) -> RotationFigures:
    """The rotation figures of ``scope`` for school year ``year`` as of ``on`` (default today).

    The counts (all, eligible, rotated, rotated 骨干, planned, still away, directions) are the
    dashboard's ``selectors.rotation_counts`` — one definition for dashboard and plan (骨干 =
    ``backbone_on`` on 1 September, without teachers under an ethics ban). On top: the eligible
    still waiting (not rotated by ``on``), per location class, and how many of them are 骨干.
    """
    on = on or dt.date.today()
    targets = load_targets()
    years = targets.rotation_min_years
    counts = rotation_counts(scope, year, targets, on=on).get(None) or {}
    day = rotation_day(year)
    population = Teacher.objects.rotation_population(year).for_scope(scope)
    # the sets of the definitions, cut to the scope's population (uncorrelated IN subqueries)
    rotated_ids = population.rotated_in(year, on).values("pk")
    waiting_qs = population.eligible_for_rotation(year, years).exclude(pk__in=rotated_ids)
    backbone_ids = waiting_qs.backbone_on(day).values("pk")
    waiting = {loc: {"count": 0, "backbone": 0} for loc in c.Location.values}
    for row in (
        waiting_qs.values("school__location")
        .annotate(n=Count("pk"), b=Count("pk", filter=Q(pk__in=backbone_ids))).order_by()
    ):
        waiting[row["school__location"]] = {"count": row["n"], "backbone": row["b"]}
    directions = {key: 0 for key, _ in DIRECTIONS}
    for key, n in counts.items():
        if key[0] == "dir":
            directions[direction_key(key[1], key[2])] += n
    rotated = counts.get(("rot", "rotated"), 0)
    rotated_backbone = counts.get(("rot", "backbone"), 0)
    eligible = counts.get(("rot", "eligible"), 0)
    target = targets.target("rotation_ratio")
    plan = rotation_plan(
        eligible=eligible, rotated=rotated, rotated_backbone=rotated_backbone,
        target_pct=Decimal(15) if target is None else target, backbone_pct=targets.backbone_min_share,
    )
    return RotationFigures(
        year=year, all=counts.get(("rot", "all"), 0), eligible=eligible, rotated=rotated,
        rotated_backbone=rotated_backbone, eligible_waiting=waiting,
        directions=[(label, directions[key]) for key, label in DIRECTIONS if directions[key] or key == "urban>rural"],
        plan=plan, min_years=years, rotated_any=counts.get(("rot", "rotated_any"), 0),
        planned=counts.get(("rot", "planned"), 0), still_away=counts.get(("rot", "still_away"), 0), on=on,
    )


def per_school(scope, year: int, on: dt.date | None = None) -> list[dict]:
    """All, eligible, rotated (eligible, started by ``on``, default today) and waiting (eligible,
    not rotated) per school of the scope: the dashboard's ``rotation_counts`` grouped by school
    (two queries) and the schools' names."""
    counts = rotation_counts(scope, year, load_targets(), by="school", on=on or dt.date.today())
    out = []
    for school in School.objects.filter(pk__in=list(counts)).order_by("code").values("pk", "code", "name", "location"):
        n = counts[school["pk"]]
        out.append({"school_id": school["pk"], "school__code": school["code"], "school__name": school["name"],
                    "school__location": school["location"], "all": n[("rot", "all")],
                    "eligible": n[("rot", "eligible")], "rotated": n[("rot", "rotated")],
                    "rotated_any": n[("rot", "rotated_any")],
                    "waiting": n[("rot", "eligible")] - n[("rot", "rotated")]})
    return out


def default_year(today: dt.date | None = None) -> int:
    from .models import school_year_of

    return school_year_of(today or dt.date.today())
