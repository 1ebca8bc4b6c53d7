"""Staffing quota (编制): the standard quota of a school, the two gaps per school summed per
district and city, and the proposal that rebalances posts within districts and shares out the
city pool (周转编制). The definitions are DOMAIN.md "Staffing quota (编制)" and "Missing data is
missing"; this module is their one implementation.

The arithmetic is pure (no database): ``stage_standard``, ``round_half_up``,
``largest_remainder``, ``sum_rows`` and ``allocate``; every step comes back as a Chinese
sentence a bureau officer can check by hand with integer division ("8000 ÷ 500 = 16 余 0").
The rows come from the one loader, ``selectors.quota_rows``, and the table from
``selectors.quota_table`` (this module imports no selector): the dashboard's 编制 figures, the
quota page's table, its Excel export and its JSON are the same numbers.

Per school:

- ``standard`` 标准编制: per stage, pupils ÷ (pupils per post) — kindergartens: classes × posts
  per class; a 村小/教学点 gets at least classes × its class minimum — summed over stages and
  rounded half up.
- ``approved`` 核定编制: the ``SchoolQuota`` of that school year, else ``None``.
- ``actual`` 实有在编: staff (every 教职工类别) 在编 on the roll on the day.
- 编制缺口 = standard − approved: its positive part ``shortage`` (posts missing against the
  standard), its negative part ``surplus`` (posts above it). This is what the allocation
  addresses.
- approved − actual: its positive part ``vacancies`` (空编, posts to recruit into), its negative
  part ``overstaffed`` (超编, staff above the approved posts).
- A school without an approved quota has none of these four figures (``None``): its headcount
  never stands in for the approved quota.

Per district and for the city (``sum_rows``): ``standard`` and ``actual`` summed over every
school; ``approved`` and the four parts summed over the schools that have an approved quota,
each part separately (a district's shortage is the sum of its short schools' shortages, never
netted against another school's surplus); ``schools_without_approved`` says how many schools
are left out. A scope where no school has an approved quota has no figures (``None``).

The allocation (``allocate``), "以县为主、市域调剂":

1. within each district, schools whose approved quota exceeds their standard transfer posts to
   the district's short schools: min(shortage, surplus) posts, received in proportion to
   shortage and given in proportion to surplus, by largest remainder, never above either;
2. the city pool covers what is still short: shared out to districts in proportion to their
   remaining shortage, then within a district to its schools in proportion to theirs, never
   above it, by largest remainder;
3. what remains in the pool is reported with its reason.
Every step is a row (step, from, to, posts, why) of the proposal's table.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext

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
    # the sentence in the page's language (the quota page; its Excel export runs in the data language)
    formula = bool(pupils_per_post or posts_per_class)
    if pupils_per_post:
        text = gettext("%(pupils)s 人 ÷ %(per)s = %(posts)s") % {
            "pupils": pupils, "per": _num(pupils_per_post), "posts": _frac(Fraction(pupils) / Fraction(Decimal(pupils_per_post)))}
    elif posts_per_class:
        text = gettext("%(classes)s 个班 × 每班 %(per)s = %(posts)s") % {
            "classes": classes, "per": _num(posts_per_class), "posts": _frac(classes * Fraction(Decimal(posts_per_class)))}
    else:
        text = gettext("无编制标准")
    if small_school and small_school_posts_per_class and classes:
        minimum = classes * Fraction(Decimal(small_school_posts_per_class))
        parts = {"classes": classes, "per": _num(small_school_posts_per_class), "posts": _frac(minimum)}
        if value == minimum and formula and not text.endswith(f"= {_frac(minimum)}"):
            text += gettext("，低于村小/教学点按班最低编制 %(classes)s 班 × %(per)s = %(posts)s，取后者") % parts
        elif value == minimum:
            text = gettext("村小/教学点按班最低编制 %(classes)s 班 × %(per)s = %(posts)s") % parts
        else:
            text += gettext("（不低于按班最低 %(posts)s）") % parts
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
    """One school, or the sum of a district / the city (``sum_rows``).

    ``approved`` and the four parts (``shortage``, ``surplus``, ``vacancies``, ``overstaffed``)
    are ``None`` for a school without an approved quota, and for a sum none of whose schools has
    one (module docstring)."""

    code: str
    name: str
    district_id: int | None = None
    district_name: str = ""
    district_code: str = ""
    school_id: int | None = None
    standard: int = 0
    approved: int | None = None
    actual: int = 0
    basis: str = ""  # how the standard was computed (schools only)
    schools: int = 1
    schools_without_approved: int = 0
    shortage: int | None = None  # 编制缺口: positive part of standard − approved
    surplus: int | None = None  # 编制富余: negative part of standard − approved
    vacancies: int | None = None  # 空编: positive part of approved − actual
    overstaffed: int | None = None  # 超编: negative part of approved − actual

    @classmethod
    def for_school(cls, *, standard: int, approved: int | None, actual: int, **fields) -> QuotaRow:
        """A school's row: its gaps from ``measures.quota_gaps`` (none without an approved quota)."""
        gaps = ms.quota_gaps(standard, approved, actual)
        return cls(standard=standard, approved=approved, actual=actual,
                   schools_without_approved=0 if gaps else 1, **(gaps._asdict() if gaps else {}), **fields)

    @property
    def approved_recorded(self) -> bool:
        return self.approved is not None

    @property
    def schools_with_approved(self) -> int:
        return self.schools - self.schools_without_approved

    @property
    def net_gap(self) -> int | None:
        """shortage − surplus: a school's standard − approved; on a sum the net figure, shown only
        as the JSON's legacy ``net_shortage`` (the pages show the parts, not netted)."""
        return None if self.shortage is None else self.shortage - self.surplus


def _sum(values) -> int | None:
    """The sum of the figures that exist; None when none does (missing is not zero)."""
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def sum_rows(code: str, name: str, rows: list[QuotaRow], **extra) -> QuotaRow:
    """The sum of ``rows`` (a district, the city): standard and actual over every school; approved
    and each gap part over the schools that have an approved quota, each part summed on its own."""
    return QuotaRow(
        code=code, name=name, standard=sum(r.standard for r in rows), approved=_sum(r.approved for r in rows),
        actual=sum(r.actual for r in rows), schools=sum(r.schools for r in rows),
        schools_without_approved=sum(r.schools_without_approved for r in rows),
        **{key: _sum(getattr(r, key) for r in rows) for key in ("shortage", "surplus", "vacancies", "overstaffed")},
        **extra,
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


# ---------------------------------------------------------------- the allocation
DISTRICT_TRANSFER, TRANSFER, POOL_DISTRICT, POOL_SCHOOL, LEFTOVER = (
    "district_transfer", "transfer", "pool_district", "pool_school", "leftover",
)
PHASE = {DISTRICT_TRANSFER: "1 区县内调剂", TRANSFER: "1 区县内调剂", POOL_DISTRICT: "2 周转编制分到区县",
         POOL_SCHOOL: "3 区县分到学校", LEFTOVER: "4 周转编制剩余"}
POOL = "市周转编制池"


@dataclass
class Step:
    """One row of the proposal's table: ``posts`` from ``source`` to ``target``, and why."""

    kind: str
    district: QuotaRow | None
    source: str
    target: str
    posts: int
    why: str

    @property
    def phase(self) -> str:
        return PHASE[self.kind]


@dataclass
class SchoolChange:
    """What the proposal does to one school: posts received within its district, given to it,
    and received from the pool."""

    row: QuotaRow
    transfer_in: int = 0
    transfer_out: int = 0
    from_pool: int = 0

    @property
    def remaining(self) -> int:
        """Shortage left after the proposal."""
        return (self.row.shortage or 0) - self.transfer_in - self.from_pool

    @property
    def approved_after(self) -> int:
        return self.row.approved + self.transfer_in + self.from_pool - self.transfer_out


@dataclass
class DistrictChange:
    row: QuotaRow
    transferred: int = 0  # posts moved between its own schools
    from_pool: int = 0

    @property
    def remaining_after_transfer(self) -> int:
        return (self.row.shortage or 0) - self.transferred


@dataclass
class Allocation:
    school_year: int
    posts: int
    steps: list[Step]
    schools: list[SchoolChange]
    districts: list[DistrictChange]
    leftover: int
    leftover_reason: str
    rules: list[str]

    @property
    def transferred(self) -> int:
        return sum(d.transferred for d in self.districts)

    @property
    def given(self) -> int:
        """Posts of the pool given to schools."""
        return sum(s.from_pool for s in self.schools)

    @property
    def unmet(self) -> int:
        return sum(s.remaining for s in self.schools)


def _pair(gives: list[tuple[QuotaRow, int]], takes: list[tuple[QuotaRow, int]]):
    """Match givers to takers in order (each list largest first): (giver, taker, posts) rows, as
    few as the amounts allow. Both lists hold the same total."""
    gives, takes = [list(p) for p in gives], [list(p) for p in takes]
    i = j = 0
    while i < len(gives) and j < len(takes):
        n = min(gives[i][1], takes[j][1])
        yield gives[i][0], takes[j][0], n
        gives[i][1] -= n
        takes[j][1] -= n
        i += gives[i][1] == 0
        j += takes[j][1] == 0


def _largest_first(rows: list[QuotaRow], out: ShareOut) -> list[tuple[QuotaRow, int]]:
    return sorted(((r, out.allocated[r.code]) for r in rows if out.allocated.get(r.code)), key=lambda p: (-p[1], p[0].code))


def _leftover_reason(leftover: int, *, need: int, need_after_transfer: int, unmet: int, without: int) -> str:
    if leftover and not need:
        reason = "各校核定编制均不低于标准编制，没有编制缺口"
    elif leftover and not need_after_transfer:
        reason = "各区县缺口已由区县内调剂补足"
    elif leftover:
        reason = f"各区县缺口已补足（区县内调剂后仍缺的 {need_after_transfer} 个已由周转编制补足）"
    elif unmet:
        reason = f"周转编制已用完，仍有 {unmet} 个编制缺口未补足"
    else:
        reason = "周转编制正好补足全部缺口"
    if without:
        reason += f"；{without} 所学校未核定编制，无编制缺口数据，未参与测算"
    return f"剩余 {leftover}：{reason}"


def allocate(table: QuotaTable, posts: int) -> Allocation:
    """The proposal for ``posts`` of the city pool over ``table`` (module docstring): transfers
    within each district, then the pool to districts and schools. Pure; same input, same output."""
    steps: list[Step] = []
    changes = {s.school_id: SchoolChange(s) for s in table.schools if s.shortage or s.surplus}
    members: dict[int, list[QuotaRow]] = defaultdict(list)
    for s in table.schools:
        members[s.district_id].append(s)
    districts = [DistrictChange(d) for d in table.districts]

    # 1. 以县为主: within each district, surplus posts go to the short schools.
    for dc in districts:
        d = dc.row
        short = [s for s in members[d.district_id] if s.shortage]
        spare = [s for s in members[d.district_id] if s.surplus]
        need, extra = sum(s.shortage for s in short), sum(s.surplus for s in spare)
        moved = min(need, extra)
        if not moved:
            continue
        dc.transferred = moved
        takes = largest_remainder(moved, [Share(s.code, s.name, s.shortage) for s in short], unit="学校", what="缺口")
        gives = largest_remainder(moved, [Share(s.code, s.name, s.surplus) for s in spare], unit="学校", what="富余")
        why = f"以县为主：缺口合计 {need}，富余合计 {extra}，区县内调剂 min({need}, {extra}) = {moved} 个"
        why += "，缺口全部补足" if moved == need else f"，仍缺 {need - moved} 个由周转编制补"
        why += "；富余学校按富余比例调出" if extra > moved else "；富余全部调出"
        if need > moved:
            why += "，缺口学校按缺口比例调入（最大余数法，不超过缺口）"
        steps.append(Step(DISTRICT_TRANSFER, d, f"{d.name}富余学校（{len(spare)} 所）", f"{d.name}缺口学校（{len(short)} 所）",
                          moved, why))
        for s in short:
            changes[s.school_id].transfer_in = takes.allocated[s.code]
        for s in spare:
            changes[s.school_id].transfer_out = gives.allocated[s.code]
        for giver, taker, n in _pair(_largest_first(spare, gives), _largest_first(short, takes)):
            give = (f"调出方富余 {giver.surplus}（核定 {giver.approved} − 标准 {giver.standard}），"
                    + (f"按富余比例调出：{gives.detail[giver.code]}" if extra > moved else f"全部调出 {giver.surplus}"))
            take = (f"调入方缺口 {taker.shortage}（标准 {taker.standard} − 核定 {taker.approved}），"
                    + (f"按缺口比例调入：{takes.detail[taker.code]}" if need > moved else f"全额补足 {taker.shortage}"))
            steps.append(Step(TRANSFER, d, giver.name, taker.name, n, f"{give}；{take}"))

    # 2. 市域调剂: the pool covers what is still short, to districts then to schools.
    remaining = {dc.row.code: dc.remaining_after_transfer for dc in districts}
    need_after = sum(remaining.values())
    first = largest_remainder(posts, [Share(dc.row.code, dc.row.name, remaining[dc.row.code]) for dc in districts],
                              unit="区县", what="缺口")
    proportional = posts < need_after
    pool_steps: list[Step] = []
    for dc in districts:
        d, got = dc.row, first.allocated.get(dc.row.code, 0)
        if not got:
            continue
        dc.from_pool = got
        steps.append(Step(POOL_DISTRICT, d, POOL, d.name, got, f"区县内调剂后仍缺 {remaining[d.code]}；" + (
            f"周转编制 {posts} 少于各区县仍缺合计 {need_after}，按比例：{first.detail[d.code]}" if proportional
            else f"全额补足 {got}")))
        short = [changes[s.school_id] for s in members[d.district_id] if s.shortage and changes[s.school_id].remaining]
        second = largest_remainder(got, [Share(c.row.code, c.row.name, c.remaining) for c in short], unit="学校", what="缺口")
        for c in short:
            n = second.allocated.get(c.row.code, 0)
            if not n:
                continue
            left = c.remaining
            c.from_pool = n
            pool_steps.append(Step(POOL_SCHOOL, d, f"{d.name}分得的周转编制", c.row.name, n, (
                f"缺口 {c.row.shortage} − 区县内调入 {c.transfer_in} = 仍缺 {left}；"
                + (f"区县分得 {got} 少于仍缺合计 {remaining[d.code]}，按比例：{second.detail[c.row.code]}"
                   if got < remaining[d.code] else f"全额补足 {left}"))))
    steps += pool_steps

    # 3. What stays in the pool, and why.
    unmet = sum(c.remaining for c in changes.values())
    reason = _leftover_reason(first.leftover, need=sum(dc.row.shortage or 0 for dc in districts),
                              need_after_transfer=need_after, unmet=unmet, without=table.city.schools_without_approved)
    steps.append(Step(LEFTOVER, None, POOL, "留在周转编制池", first.leftover, reason))
    given = sum(c.from_pool for c in changes.values())
    transferred = sum(dc.transferred for dc in districts)
    rules = [
        f"{table.school_year}-{table.school_year + 1} 学年周转编制分配测算：本次分配 {posts} 个编制，实有在编截至 {table.on:%Y-%m-%d}。",
        "口径：编制缺口 = 标准编制 − 核定编制，为正是缺口、为负是富余；空编 / 超编 = 核定编制 − 实有在编，不参与分配。"
        "未核定编制的学校没有编制缺口数据，不参与调剂。",
        "第一步（以县为主）：区县内，核定编制高于标准的学校调出富余编制给本区县缺口学校，调剂数 = min(缺口合计, 富余合计)；"
        "调入按缺口比例、调出按富余比例，最大余数法，不超过各校缺口或富余。",
        "第二步（市域调剂）：周转编制按各区县调剂后仍缺的编制数比例分到区县，不超过仍缺数；最大余数法，余数相同按区划代码排序。",
        "第三步：区县分得的周转编制按各校调剂后仍缺的编制数比例分到学校，不超过仍缺数；余数相同按学校标识码排序。",
        f"结果：区县内调剂 {transferred} 个；周转编制分到学校 {given} 个，{reason}（{given} + {first.leftover} = {posts}）。",
    ]
    involved = [c for c in changes.values() if c.row.shortage or c.transfer_out]
    return Allocation(school_year=table.school_year, posts=posts, steps=steps, schools=involved, districts=districts,
                      leftover=first.leftover, leftover_reason=reason, rules=rules)
