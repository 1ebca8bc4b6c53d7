"""Staffing quota (编制): the standard quota of a school, the sums of a district, and the
allocation of the city pool (周转编制) by largest remainder (DOMAIN.md "Staffing quota").

The arithmetic is pure (no database): ``stage_standard``, ``round_half_up``,
``largest_remainder`` and ``allocate_pool``; every step comes back as a Chinese sentence a
bureau officer can check by hand with integer division ("8000 ÷ 500 = 16 余 0").
The rows come from the one loader, ``selectors.quota_rows`` — the dashboard's 编制 figures
and this table are the same numbers.

Definitions used on every page, export and proposal:

- 标准编制 of a school: per stage, pupils ÷ (pupils per post) — kindergartens: classes × posts per
  class; a 村小/教学点 gets at least classes × its class minimum — summed over stages and rounded
  half up.
- 核定编制: the ``SchoolQuota`` of that school year; a school without one is counted at its actual
  在编 headcount and marked "未核定".
- 实有在编: staff (every 教职工类别) 在编 on the roll on the day.
- A school's 缺编 = 标准 − 核定 when positive; 超编 = 核定 − 标准 when positive.
- A district (or the city) shows both: 缺编合计 / 超编合计 = the sums of its schools' 缺编 / 超编
  (gross), and 净缺编 = Σ标准 − Σ核定 = 缺编合计 − 超编合计 (net; negative = 净超编).
- The allocation shares the pool to districts by their net shortage ("以县为主": a district first
  evens out its own schools, the pool only covers what is still missing), then within a district to
  its schools by their shortage; a district whose Σ核定 exceeds Σ标准 is proposed as a donor of
  its unfilled posts (min(净超编, 核定 − 在编)).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from . import measures as ms


# ---------------------------------------------------------------- pure arithmetic
def round_half_up(value: Fraction) -> int:
    """四舍五入 to a whole post (2.5 → 3): ``measures.round_posts``."""
    return ms.round_posts(value)


_num, _frac = ms.plain_number, ms.two_places


def stage_standard(
    *, pupils: int, classes: int, pupils_per_post=None, posts_per_class=None,
    small_school_posts_per_class=None, small_school: bool = False,
) -> tuple[Fraction, str]:
    """The standard posts of one stage of one school (``measures.standard_posts``, the one
    definition), with the sentence that explains it."""
    value = ms.standard_posts(
        pupils, classes, pupils_per_post=pupils_per_post, posts_per_class=posts_per_class,
        small_school_posts_per_class=small_school_posts_per_class, small_school=small_school,
    )
    if pupils_per_post:
        text = f"{pupils} 人 ÷ {_num(pupils_per_post)} = {_frac(Fraction(pupils) / Fraction(Decimal(pupils_per_post)))}"
    elif posts_per_class:
        text = f"{classes} 个班 × 每班 {_num(posts_per_class)} = {_frac(classes * Fraction(Decimal(posts_per_class)))}"
    else:
        text = "无编制标准"
    if small_school and small_school_posts_per_class and classes:
        minimum = classes * Fraction(Decimal(small_school_posts_per_class))
        if value == minimum and text != "无编制标准" and not text.endswith(f"= {_frac(minimum)}"):
            text += f"，低于村小/教学点按班最低编制 {classes} 班 × {_num(small_school_posts_per_class)} = {_frac(minimum)}，取后者"
        elif value == minimum:
            text = f"村小/教学点按班最低编制 {classes} 班 × {_num(small_school_posts_per_class)} = {_frac(minimum)}"
        else:
            text += f"（不低于按班最低 {_frac(minimum)}）"
    return value, text


@dataclass(frozen=True)
class Share:
    """One claimant of a share-out: tie-break ``code``, ``label`` for the text, its ``shortage``."""

    code: str
    label: str
    shortage: int


@dataclass
class ShareOut:
    allocated: dict[str, int]
    steps: list[str]
    leftover: int
    detail: dict[str, str] = field(default_factory=dict)  # code → the sentence for that claimant


def largest_remainder(total: int, shares: list[Share], unit: str = "区县", what: str = "缺编") -> ShareOut:
    """Share ``total`` posts in proportion to shortage, never above it, by largest remainder.

    Each claimant's exact share is total × shortage ÷ Σshortage; it first gets the whole part
    (integer division), then the posts left go one each to the largest remainders, ties broken
    by code. Same input, same output. When the total covers every shortage, each gets its
    shortage and the rest stays in the pool. ``what`` names the shortage in the text
    (缺编 of a school, 净缺编 of a district).
    """
    if total < 0:
        raise ValueError("total must be ≥ 0")
    shares = sorted((s for s in shares if s.shortage > 0), key=lambda s: s.code)
    need = sum(s.shortage for s in shares)
    allocated = {s.code: 0 for s in shares}
    detail: dict[str, str] = {}
    if need == 0 or total == 0:
        steps = [f"各{unit}{what}合计 {need} 个，本次可分 {total} 个：不分配。"]
        return ShareOut(allocated, steps, total, detail)
    if total >= need:
        for s in shares:
            allocated[s.code] = s.shortage
            detail[s.code] = f"{what} {s.shortage}，全额补足 {s.shortage}"
        steps = [
            f"各{unit}{what}合计 {need} 个，本次可分 {total} 个，足以补足全部{what}：每个{unit}按{what}数全额分配，"
            f"余下 {total - need} 个留在周转池。"
        ]
        return ShareOut(allocated, steps, total - need, detail)

    steps = [
        f"各{unit}{what}合计 {need} 个，本次可分 {total} 个，少于{what}合计：按{what}比例分配。"
        f"每个{unit}应得 = {total} × 该{unit}{what}数 ÷ {need}，先取整数部分，再按余数从大到小补齐。"
    ]
    remainders = {}
    for s in shares:
        whole, rest = divmod(total * s.shortage, need)
        allocated[s.code] = whole
        remainders[s.code] = rest
        detail[s.code] = f"{total} × {s.shortage} ÷ {need} = {total * s.shortage} ÷ {need} = {whole} 余 {rest}"
        steps.append(f"{s.label}：{what} {s.shortage}，{detail[s.code]}，先分 {whole} 个。")
    given = sum(allocated.values())
    left = total - given
    order = sorted(shares, key=lambda s: (-remainders[s.code], s.code))
    extra = order[:left]
    for s in extra:
        allocated[s.code] += 1
        detail[s.code] += "，按余数加 1"
    if left:
        steps.append(
            f"整数部分合计 {given} 个，还剩 {total} − {given} = {left} 个，按余数从大到小（余数相同按代码排序）各加 1 个："
            + "、".join(f"{s.label}（余 {remainders[s.code]}）" for s in extra) + "。"
        )
    else:
        steps.append(f"整数部分合计 {given} 个，正好分完。")
    for s in shares:
        detail[s.code] += f"，共 {allocated[s.code]} 个"
    return ShareOut(allocated, steps, 0, detail)


# ---------------------------------------------------------------- rows of the quota table
@dataclass
class QuotaRow:
    """One school, or the sum of a district / the city (``schools`` > 1 or ``gross_*`` set).

    ``approved`` is what the school holds: its 核定编制, or its 实有在编 when none is recorded
    (``approved_recorded`` False). ``shortage`` / ``surplus`` compare ``standard`` with it; on a
    sum that is the net figure. ``shortage_total`` / ``surplus_total`` are the gross figures
    (缺编合计 / 超编合计: the sums of the schools' own shortages and surpluses)."""

    code: str
    name: str
    district_id: int | None = None
    district_name: str = ""
    district_code: str = ""
    school_id: int | None = None
    standard: int = 0
    approved: int = 0
    actual: int = 0
    approved_recorded: bool = True
    basis: str = ""  # how the standard was computed (schools only)
    schools: int = 1
    schools_without_approved: int = 0
    gross_shortage: int | None = None  # sums only
    gross_surplus: int | None = None  # sums only

    @property
    def shortage(self) -> int:
        return ms.quota_balance(self.standard, self.approved, self.actual)[1]

    @property
    def surplus(self) -> int:
        return ms.quota_balance(self.standard, self.approved, self.actual)[0]

    @property
    def shortage_total(self) -> int:
        """缺编合计: Σ of the schools' 缺编 (a school's own 缺编)."""
        return self.shortage if self.gross_shortage is None else self.gross_shortage

    @property
    def surplus_total(self) -> int:
        """超编合计: Σ of the schools' 超编 (a school's own 超编)."""
        return self.surplus if self.gross_surplus is None else self.gross_surplus

    @property
    def net_shortage(self) -> int:
        """净缺编 = Σ标准 − Σ核定 (negative: 净超编) = 缺编合计 − 超编合计."""
        return self.standard - self.approved

    @property
    def vacant(self) -> int:
        """空编 (+) or 超员 (−): approved − actual."""
        return self.approved - self.actual

    @property
    def donatable(self) -> int:
        """Posts a surplus holder could give back now: its surplus, but only unfilled posts."""
        return max(0, min(self.surplus, self.vacant))


def sum_rows(code: str, name: str, rows: list[QuotaRow], **extra) -> QuotaRow:
    """The sum of ``rows`` (a district, the city): standard, approved, actual and the gross figures."""
    return QuotaRow(
        code=code, name=name, standard=sum(r.standard for r in rows), approved=sum(r.approved for r in rows),
        actual=sum(r.actual for r in rows), approved_recorded=all(r.approved_recorded for r in rows),
        schools=sum(r.schools for r in rows), schools_without_approved=sum(r.schools_without_approved for r in rows),
        gross_shortage=sum(r.shortage_total for r in rows), gross_surplus=sum(r.surplus_total for r in rows), **extra,
    )


@dataclass
class QuotaTable:
    school_year: int
    on: dt.date
    schools: list[QuotaRow]
    districts: list[QuotaRow]
    city: QuotaRow


def headcount_day(school_year: int, today: dt.date | None = None) -> dt.date:
    """The day the actual 在编 is counted: today, but not after the school year's last day."""
    today = today or dt.date.today()
    return min(today, dt.date(school_year + 1, 8, 31))


def quota_table(scope, school_year: int, on: dt.date | None = None) -> QuotaTable:
    """Standard / approved / actual for every public school in ``scope`` (``selectors.quota_rows``,
    with the sentence of each standard), summed per district and for the scope."""
    from .selectors import quota_rows

    on = on or headcount_day(school_year)
    rows = quota_rows(scope, on, school_year, explain=True)
    by_district: dict[int, list[QuotaRow]] = defaultdict(list)
    for row in rows:
        by_district[row.district_id].append(row)
    districts = [
        sum_rows(members[0].district_code, members[0].district_name, members, district_id=d,
                 district_name=members[0].district_name, district_code=members[0].district_code)
        for d, members in by_district.items()
    ]
    return QuotaTable(school_year=school_year, on=on, schools=rows, districts=districts,
                      city=sum_rows("", "合计", rows))


# ---------------------------------------------------------------- the allocation
@dataclass
class PlannedLine:
    level: str  # "district" / "school" / "donor"
    row: QuotaRow
    shortage: int
    surplus: int
    allocated: int
    explanation: str


@dataclass
class PoolPlan:
    posts: int
    leftover: int
    lines: list[PlannedLine]
    explanation: str


def allocate_pool(table: QuotaTable, posts: int) -> PoolPlan:
    """Share ``posts`` of the city pool: to districts by net shortage, then within each district
    to its schools by shortage; surplus districts proposed as donors. Pure over ``table``."""
    lines: list[PlannedLine] = []
    text = [
        f"{table.school_year}-{table.school_year + 1} 学年周转编制分配测算：本次分配 {posts} 个编制。",
        "口径：学校缺编 = 标准编制 − 核定编制（为正时），超编 = 核定编制 − 标准编制（为正时）；"
        "区县的缺编合计、超编合计是其各校缺编、超编之和，净缺编 = Σ标准 − Σ核定 = 缺编合计 − 超编合计。",
        "分配规则（以县为主、市域调剂）：区县先用本区县超编学校的编制调剂本区县缺编学校，周转编制只补区县调剂后仍缺的部分，"
        "所以分到区县按净缺编、不超过净缺编；区县内再按各校缺编分到学校，不超过学校缺编。",
        "各区县：" + "；".join(
            f"{d.name} 缺编合计 {d.shortage_total} − 超编合计 {d.surplus_total} = 净缺编 {d.net_shortage}"
            + ("（净超编）" if d.net_shortage < 0 else "") for d in table.districts
        ) + "。",
        "第一步：按净缺编分到区县。",
    ]
    d_shares = [Share(d.code, d.name, d.shortage) for d in table.districts]
    first = largest_remainder(posts, d_shares, unit="区县", what="净缺编")
    text += first.steps
    schools_of = defaultdict(list)
    for s in table.schools:
        schools_of[s.district_id].append(s)
    text.append("第二步：区县内分到学校（按学校缺编比例，最大余数法，余数相同按学校标识码排序）。")
    for d in table.districts:
        got = first.allocated.get(d.code, 0)
        if d.shortage:
            lines.append(PlannedLine("district", d, d.shortage, d.surplus, got, first.detail.get(d.code, "")))
        if not got:
            continue
        s_shares = [Share(s.code, s.name, s.shortage) for s in schools_of[d.district_id]]
        second = largest_remainder(got, s_shares, unit="学校")
        text.append(f"{d.name}（分得 {got} 个）：" + " ".join(second.steps))
        for s in schools_of[d.district_id]:
            if s.shortage:
                lines.append(PlannedLine(
                    "school", s, s.shortage, s.surplus, second.allocated.get(s.code, 0), second.detail.get(s.code, ""),
                ))
    donors = [d for d in table.districts if d.surplus]
    if donors:
        text.append("第三步：建议调出的区县（Σ核定超过Σ标准；可调出数 = min(净超编, 核定 − 在编)，即只调出空编）：")
        for d in donors:
            why = (f"核定 {d.approved} − 标准 {d.standard} = 净超编 {d.surplus}；核定 {d.approved} − 在编 {d.actual} = "
                   f"{d.vacant}；建议调出 {d.donatable} 个回周转池")
            text.append(f"{d.name}：{why}。")
            lines.append(PlannedLine("donor", d, 0, d.surplus, 0, why))
    allocated = sum(line.allocated for line in lines if line.level == "school")
    text.append(f"合计分到学校 {allocated} 个，留在周转池 {first.leftover} 个（{allocated} + {first.leftover} = {posts}）。")
    return PoolPlan(posts=posts, leftover=first.leftover, lines=lines, explanation="\n".join(text))
