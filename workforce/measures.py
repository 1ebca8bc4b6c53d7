"""The arithmetic of DOMAIN.md's measures: pure functions, no database.

Selectors (``workforce/selectors.py``) count in the database; these functions turn counts
into ratios, targets met and gaps. Exact arithmetic (``Fraction``) is used wherever a
boundary is decided, so 95% of 20 teachers is exactly 19, never 19.000000000000004.

Targets are given as the plan writes them: percentages for shares (``95`` means 95%), plain
numbers for pupil–teacher ratios (``17`` means 17:1) and for counts.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple
from decimal import Decimal
from fractions import Fraction

# ---------------------------------------------------------------- qualification levels
# 研究生 (博士, 硕士) > 本科 > 专科 > 中专/高中 and below (DOMAIN.md, Qualification level).
BELOW = 1
ASSOCIATE = 2
BACHELOR = 3
POSTGRADUATE = 4
NONE = 0  # no finished education record

# A teacher with no known 学历 stays in the Table 2 denominator, listed as 学历未知 (DOMAIN.md).
LEVEL_LABELS = {POSTGRADUATE: "研究生", BACHELOR: "本科", ASSOCIATE: "专科", BELOW: "中专/高中及以下", NONE: "学历未知"}

EDUCATION_LEVEL = {
    "doctorate": POSTGRADUATE,
    "master": POSTGRADUATE,
    "bachelor": BACHELOR,
    "associate": ASSOCIATE,
    "secondary": BELOW,
    "high_school": BELOW,
    "below": BELOW,
}
DEGREE_LEVEL = {"doctor": POSTGRADUATE, "master": POSTGRADUATE, "bachelor": BACHELOR, "none": NONE}

# The Table 2 measures and the level each needs.
MEASURE_LEVEL = {"专科及以上": ASSOCIATE, "本科及以上": BACHELOR, "研究生": POSTGRADUATE}


def record_level(education: str, degree: str = "none") -> int:
    """Level of one education record: the higher of its 学历 and its 学位."""
    return max(EDUCATION_LEVEL.get(education, NONE), DEGREE_LEVEL.get(degree or "none", NONE))


def effective_level(records: Iterable[tuple[str, str]]) -> int:
    """学历（学位）: the higher of the highest 学历 and the highest 学位 over finished records.

    ``records`` are ``(education, degree)`` pairs of records finished by the date. A 本科学历
    teacher with a 硕士学位 is at 研究生 level.
    """
    return max((record_level(e, d) for e, d in records), default=NONE)


def education_only_level(records: Iterable[tuple[str, str, bool]]) -> int:
    """学历 alone, as the national statistics count it: the 学历 of the record flagged
    最高学历; when no finished record carries the flag, the highest 学历 among them.
    ``records`` are ``(education, degree, is_highest)``."""
    records = list(records)
    flagged = [EDUCATION_LEVEL.get(e, NONE) for e, _d, highest in records if highest]
    if flagged:
        return max(flagged)
    return max((EDUCATION_LEVEL.get(e, NONE) for e, _d, _h in records), default=NONE)


def count_at_or_above(histogram: Mapping[int, int], level: int) -> int:
    """Teachers at ``level`` or above, from a ``{level: teachers}`` histogram."""
    return sum(n for lvl, n in histogram.items() if lvl is not None and lvl >= level)


# ---------------------------------------------------------------- ratios against targets
def _exact(value) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        value = Decimal(repr(value))
    return Fraction(Decimal(value)) if not isinstance(value, int) else Fraction(value)


def _ceil(value: Fraction) -> int:
    return math.ceil(value)


def _fraction_or_none(num: int, den: int) -> float | None:
    return None if not den else round(num / den, 6)


@dataclass(frozen=True)
class Result:
    """A measure against its target: ``ratio`` is a fraction (0.953) for shares, N for N:1
    ratios, or the count for counts; ``met`` is None when the measure does not apply (no
    teachers to count) or has no target; ``gap`` is in teachers (or posts, or awards)."""

    numerator: int
    denominator: int
    ratio: float | None
    target: float | None
    met: bool | None
    gap: int

    def as_dict(self) -> dict:
        return {"numerator": self.numerator, "denominator": self.denominator, "ratio": self.ratio,
                "target": self.target, "met": self.met, "gap": self.gap}


def ratio_with_target(numerator: int, denominator: int, target, higher_is_better: bool = True) -> Result:
    """A share ``numerator / denominator`` against a target in percent.

    Higher is better (Table 2, rotation, 双师型): met when num/den ≥ target; the gap is the
    number of teachers who would have to move into the numerator,
    ``ceil(target × den − num)`` clamped at 0. Lower is better: met when num/den ≤ target and
    the gap is ``ceil(num − target × den)`` clamped at 0.

    A zero denominator has no ratio: ``ratio`` and ``met`` are None and the gap 0 (nobody to
    move). A missing target gives ``met`` None and gap 0.
    """
    ratio = _fraction_or_none(numerator, denominator)
    if target is None:
        return Result(numerator, denominator, ratio, None, None, 0)
    share = _exact(target) / 100
    target_out = float(share)
    if not denominator:
        return Result(numerator, denominator, None, target_out, None, 0)
    needed = share * denominator
    if higher_is_better:
        met = numerator >= needed
        gap = max(_ceil(needed - numerator), 0)
    else:
        met = numerator <= needed
        gap = max(_ceil(numerator - needed), 0)
    return Result(numerator, denominator, ratio, target_out, met, gap)


def pupil_teacher_ratio(pupils: int, teachers: int, target) -> Result:
    """生师比 = pupils / 专任教师 (N:1; lower is better). Met when pupils/teachers ≤ target.

    The gap is the number of teachers to add: ``ceil(pupils / target) − teachers`` clamped
    at 0. No pupils and no teachers: not applicable. Pupils but no teachers: not met, ratio
    None (it would be infinite), gap the whole need.
    """
    ratio = None if not teachers else round(pupils / teachers, 4)
    if target is None:
        return Result(pupils, teachers, ratio, None, None, 0)
    limit = _exact(target)
    target_out = float(limit)
    if not pupils and not teachers:
        return Result(pupils, teachers, None, target_out, None, 0)
    if limit <= 0:
        return Result(pupils, teachers, ratio, target_out, None, 0)
    needed = Fraction(pupils) / limit
    met = bool(teachers) and Fraction(pupils, teachers) <= limit
    gap = max(_ceil(needed) - teachers, 0)
    return Result(pupils, teachers, ratio, target_out, met, gap)


def count_with_target(count: int, target) -> Result:
    """A count against a number (在岗特级教师 ≥ 150): ratio is progress count/target."""
    if target is None:
        return Result(count, 0, None, None, None, 0)
    goal = _exact(target)
    goal_int = _ceil(goal)
    ratio = None if not goal else round(float(Fraction(count) / goal), 6)
    return Result(count, goal_int, ratio, float(goal), count >= goal, max(goal_int - count, 0))


def backbone_share(backbone: int, rotated: int, minimum) -> Result:
    """骨干 among the rotated ≥ minimum percent (national rule: 20%)."""
    return ratio_with_target(backbone, rotated, minimum)


# ---------------------------------------------------------------- staffing quota (编制)
def standard_posts(pupils: int, classes: int, *, pupils_per_post=None, posts_per_class=None,
                   small_school_posts_per_class=None, small_school: bool = False) -> Fraction:
    """Standard posts of one school stage: pupils / (1:N), or classes × posts a class
    (kindergartens); for 村小/教学点 at least classes × the small-school minimum."""
    posts = Fraction(0)
    if pupils_per_post:
        posts = Fraction(pupils) / _exact(pupils_per_post)
    elif posts_per_class:
        posts = classes * _exact(posts_per_class)
    if small_school and small_school_posts_per_class:
        posts = max(posts, classes * _exact(small_school_posts_per_class))
    return posts


def round_posts(posts: Fraction) -> int:
    """A school's standard quota in whole posts: rounded half up (12.5 → 13)."""
    return math.floor(posts + Fraction(1, 2))


class QuotaGaps(NamedTuple):
    """The two gaps of one school (DOMAIN.md "Staffing quota"), each split into its parts.

    ``shortage`` / ``surplus``: the positive / negative part of 编制缺口 = standard − approved
    (posts missing against the standard / posts above it); ``vacancies`` / ``overstaffed``: the
    positive / negative part of approved − actual 在编 (空编 to recruit into / 超编 staff above
    the approved posts)."""

    shortage: int
    surplus: int
    vacancies: int
    overstaffed: int


def quota_gaps(standard: int, approved: int | None, actual: int) -> QuotaGaps | None:
    """The gaps of one school, or None when it has no approved quota (核定编制) for the year:
    missing is missing, the headcount never stands in for the approved quota."""
    if approved is None:
        return None
    gap, staffing = standard - approved, approved - actual
    return QuotaGaps(max(gap, 0), max(-gap, 0), max(staffing, 0), max(-staffing, 0))


def plain_number(value) -> str:
    """A number as a bureau officer writes it: 15.00 → "15", 13.50 → "13.5" (never "2E+1")."""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def two_places(value: Fraction) -> str:
    """An intermediate result of an explained computation: 3.15 → "3.15", 7/3 → "2.33"."""
    return f"{float(value):.2f}"


def percent(value: float | None, digits: int = 1) -> str:
    """0.953 → "95.3%" (for pages); None → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"
