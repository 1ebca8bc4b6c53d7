"""Training-credit rules of DOMAIN.md (培训学分) as pure functions: no ORM, no database.

Everything here takes plain values (dates, Decimals, objects with ``start``/``end``), so it is
tested without a database and the selectors build their SQL from the very same functions
(``countable_hours`` accepts a ``least`` function, so it yields a Decimal in Python and a
database expression in ``selectors``).

Definitions:

* A record is placed by its end date, else its start date, else its 培训年度 alone. A year
  belongs to the cycle that holds 31 December of that year (with the calendar-year cycles of
  the plan, 2021—2025 holds 2021…2025 and 2026—2030 holds 2026…2030).
* Caps (per level, per mode, or per level × mode) limit how many approved 学时 count. The
  countable total is the largest amount that fits every cap at once (a max-flow over
  level → mode; computed exactly as a minimum over the level caps that are "cut").
* Progress = countable 学时 / requirement. A teacher is on track when progress ≥ the elapsed
  share of the cycle (days up to and including ``on`` / days of the cycle), i.e. when
  countable 学时 ≥ ``on_track_threshold``; complete when countable 学时 ≥ requirement.
* A teacher who joins during a cycle (参加工作年月 after its start) owes the requirement pro rata:
  ``hours_per_year_left`` (72 by default) for each whole school year (1 September – 31 August)
  left in the cycle after joining, at most the cycle's requirement; their share of the cycle
  starts on the first 1 September on or after joining (``teacher_requirement``). A teacher who
  owes nothing in the cycle (no whole school year left) is not counted in it.
"""
from __future__ import annotations

import datetime as dt
import itertools
import operator
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from functools import reduce
from typing import Any, Callable, Iterable, Mapping, Sequence

TENTH = Decimal("0.1")
ZERO = Decimal("0")


# ---------------------------------------------------------------- cycles
def year_placing_day(year: int) -> dt.date:
    """The day that decides the cycle of a record known only by its 培训年度."""
    return dt.date(year, 12, 31)


def cycle_years(start: dt.date, end: dt.date) -> tuple[int, int]:
    """First and last 培训年度 that belong to a cycle (those whose 31 December it holds).
    The last may be smaller than the first for a cycle shorter than a year that misses 31 December."""
    first = start.year
    last = end.year if end >= year_placing_day(end.year) else end.year - 1
    return first, last


def placing_day(*, year: int | None, start: dt.date | None = None, end: dt.date | None = None) -> dt.date | None:
    """End date, else start date, else 31 December of the 培训年度."""
    if end is not None:
        return end
    if start is not None:
        return start
    return year_placing_day(year) if year else None


def cycle_holding(cycles: Iterable[Any], day: dt.date | None):
    """The cycle (anything with ``start``/``end``) whose dates hold ``day``, or None."""
    if day is None:
        return None
    for cycle in cycles:
        if cycle.start <= day <= cycle.end:
            return cycle
    return None


def cycle_of_record(cycles: Iterable[Any], *, year: int | None, start=None, end=None):
    return cycle_holding(cycles, placing_day(year=year, start=start, end=end))


def derived_year(*, year: int | None, start: dt.date | None, end: dt.date | None) -> int | None:
    """培训年度 when not given: the year of the end date, else of the start date."""
    if year:
        return year
    day = end or start
    return day.year if day else None


# ---------------------------------------------------------------- pro-rata requirement
def first_school_year_start(day: dt.date) -> dt.date:
    """The first 1 September on or after ``day``: the start of the first whole school year."""
    september = dt.date(day.year, 9, 1)
    return september if day <= september else dt.date(day.year + 1, 9, 1)


def whole_school_years(start: dt.date, end: dt.date) -> int:
    """School years (1 September – 31 August) lying wholly within ``start`` … ``end``."""
    first = first_school_year_start(start).year
    last_ending = end.year if end >= dt.date(end.year, 8, 31) else end.year - 1  # last 31 August ≤ end
    return max(0, last_ending - first)


@dataclass(frozen=True)
class Requirement:
    """What one teacher owes in a cycle, and the day their share of the cycle starts."""

    required: Decimal
    start: dt.date


def teacher_requirement(*, required: Decimal, per_year: Decimal, cycle_start: dt.date, cycle_end: dt.date,
                        joined: dt.date | None) -> Requirement:
    """The cycle's requirement, or — for a teacher who joined after the cycle started — ``per_year``
    学时 for each whole school year left in the cycle (at most the requirement), owed from the
    first 1 September on or after joining. ``joined`` unknown: the whole requirement."""
    if joined is None or joined <= cycle_start:
        return Requirement(Decimal(required), cycle_start)
    owed = Decimal(per_year) * whole_school_years(joined, cycle_end)
    return Requirement(min(Decimal(required), owed), first_school_year_start(joined))


@dataclass(frozen=True)
class RequirementClass:
    """Teachers who joined on or before ``joined_until`` (and after the previous class's bound)
    owe ``required`` from ``start``; the first class (bound: the cycle's start) also holds the
    teachers whose joining date is unknown."""

    joined_until: dt.date
    required: Decimal
    start: dt.date


def requirement_classes(*, required: Decimal, per_year: Decimal, cycle_start: dt.date,
                        cycle_end: dt.date) -> list[RequirementClass]:
    """``teacher_requirement`` as a few classes of joining dates (the requirement only changes on a
    1 September), so SQL can give each teacher theirs with one CASE. Whoever joined after the last
    class owes nothing in the cycle. The first class is the whole requirement."""
    classes = [RequirementClass(cycle_start, Decimal(required), cycle_start)]
    september = first_school_year_start(cycle_start + dt.timedelta(days=1))
    while september <= cycle_end:
        owed = teacher_requirement(required=required, per_year=per_year, cycle_start=cycle_start,
                                   cycle_end=cycle_end, joined=september)
        if not owed.required:
            break
        classes.append(RequirementClass(september, owed.required, owed.start))
        september = dt.date(september.year + 1, 9, 1)
    return classes


# ---------------------------------------------------------------- caps
@dataclass(frozen=True)
class Cap:
    level: str  # "" = any level
    mode: str  # "" = any mode
    max_hours: Decimal


def _add_all(values: Sequence):
    return reduce(operator.add, values)


def countable_hours(cells: Mapping[tuple[str, str], Any], caps: Iterable[Cap], least: Callable = min):
    """Approved 学时 that count after the caps.

    ``cells`` maps (level, mode) to hours (keys may be coarser classes such as ("", "") for
    "every level/mode without a cap"). Level caps, mode caps and level × mode caps all hold at
    once; the result is the maximum that fits them (a max-flow source → level → mode → sink,
    equal to the minimum cut): the minimum, over every set S of capped levels that is cut, of
    Σ caps of S + Σ over modes of min(mode cap, hours of that mode outside S).
    ``least`` is ``min`` for numbers; the selectors pass the database ``Least``.
    """
    caps = list(caps)
    level_caps = {c.level: Decimal(c.max_hours) for c in caps if c.level and not c.mode}
    mode_caps = {c.mode: Decimal(c.max_hours) for c in caps if c.mode and not c.level}
    pair_caps = {(c.level, c.mode): Decimal(c.max_hours) for c in caps if c.level and c.mode}
    if not cells:
        return ZERO
    effective = {
        key: (least(value, pair_caps[key]) if key in pair_caps else value) for key, value in cells.items()
    }
    modes = sorted({mode for _, mode in effective})
    capped_levels = sorted(level_caps)
    terms = []
    for size in range(len(capped_levels) + 1):
        for cut in itertools.combinations(capped_levels, size):
            parts = [sum((level_caps[level] for level in cut), ZERO)] if cut else []
            for mode in modes:
                flow = [v for (level, m), v in effective.items() if m == mode and level not in cut]
                if not flow:
                    continue
                through = _add_all(flow)
                parts.append(least(through, mode_caps[mode]) if mode in mode_caps else through)
            terms.append(_add_all(parts) if parts else ZERO)
    return terms[0] if len(terms) == 1 else least(*terms)


def cap_classes(caps: Iterable[Cap]) -> tuple[list[str], list[str]]:
    """Levels and modes that some cap names; every other level/mode can be summed together."""
    caps = list(caps)
    return sorted({c.level for c in caps if c.level}), sorted({c.mode for c in caps if c.mode})


def cell_class(level: str, mode: str, levels: Sequence[str], modes: Sequence[str]) -> tuple[str, str]:
    """The (level, mode) cell of ``countable_hours`` that a record's hours go to."""
    return (level if level in levels else "", mode if mode in modes else "")


def cells_of(records: Iterable[tuple[str, str, Decimal]], caps: Iterable[Cap]) -> dict[tuple[str, str], Decimal]:
    """Sum (level, mode, hours) rows into the cells ``countable_hours`` needs."""
    levels, modes = cap_classes(caps)
    cells: dict[tuple[str, str], Decimal] = {}
    for level, mode, hours in records:
        key = cell_class(level, mode, levels, modes)
        cells[key] = cells.get(key, ZERO) + Decimal(hours)
    return cells


# ---------------------------------------------------------------- progress
def elapsed_share(start: dt.date, end: dt.date, on: dt.date) -> Decimal:
    """Share of the cycle elapsed on ``on`` (that day included), between 0 and 1."""
    total = (end - start).days + 1
    done = (on - start).days + 1
    return Decimal(max(0, min(done, total))) / Decimal(total)


def on_track_threshold(required: Decimal, start: dt.date, end: dt.date, on: dt.date) -> Decimal:
    """学时 needed by ``on`` to be on track: requirement × elapsed share, rounded up to 0.1 学时
    (hours are kept to 0.1, so ``hours ≥ threshold`` is exactly ``progress ≥ elapsed share``)."""
    total = (end - start).days + 1
    done = max(0, min((on - start).days + 1, total))
    exact = Decimal(required) * done / total
    return exact.quantize(TENTH, rounding=ROUND_CEILING)


def progress(hours: Decimal, required: Decimal) -> Decimal:
    """Countable 学时 / requirement (may exceed 1)."""
    if not required:
        return ZERO
    return Decimal(hours) / Decimal(required)


def is_complete(hours: Decimal, required: Decimal) -> bool:
    return Decimal(hours) >= Decimal(required)


def is_on_track(hours: Decimal, threshold: Decimal) -> bool:
    return Decimal(hours) >= Decimal(threshold)


def shortfall(hours: Decimal, required: Decimal) -> Decimal:
    """学时 still missing to complete the cycle."""
    return max(ZERO, Decimal(required) - Decimal(hours))


def behind_by(hours: Decimal, threshold: Decimal) -> Decimal:
    """学时 missing to be on track today."""
    return max(ZERO, Decimal(threshold) - Decimal(hours))


def years_below_minimum(by_year: Mapping[int, Decimal], minimum: Decimal | None, first: int, last: int) -> list[int]:
    """Completed years of the cycle (``first``…``last``) with fewer approved 学时 than the yearly minimum."""
    if not minimum:
        return []
    return [year for year in range(first, last + 1) if Decimal(by_year.get(year, ZERO)) < Decimal(minimum)]


def rate(part: int, whole: int) -> float | None:
    """part / whole; None for an empty whole (nothing to measure is missing, not 0%)."""
    return part / whole if whole else None
