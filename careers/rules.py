"""The rules of 年度考核 and 职称评审, as pure functions of plain values returning
``workforce.rules.Problem`` (the field, the Chinese message) — the shape of every rule of the
record (``workforce/rules.py``): whoever writes loads the inputs and shows the problems.

Each eligibility check of a promotion is its own function so a page can name the one that
failed; ``promotion_checks`` runs them all and returns ``Check`` rows (name, passed, message).
The ethics veto is ``workforce.rules.ethics_veto`` itself.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from workforce import choices as wc
from workforce.rules import Ban, Problem, ethics_veto

from .choices import PASSING, AssessmentResult, PostClass

R = AssessmentResult


def _label(choices, code) -> str:
    return wc.data_labels(choices).get(str(code), str(code))


# ---------------------------------------------------------------- 年度考核: the 优秀 cap
def excellent_cap(teachers: int, share: Decimal) -> int:
    """The most 优秀 a school may give: ``share`` % of the teachers it assesses that year,
    rounded down (a cap is never exceeded by rounding)."""
    return math.floor(Decimal(teachers) * Decimal(share) / 100 + Decimal("1e-9"))


def excellent_within_cap(*, excellent_after: int, teachers: int, share: Decimal, school_name: str, year: int) -> list[Problem]:
    """A school's 优秀 count after the change is within its cap."""
    cap = excellent_cap(teachers, share)
    if excellent_after <= cap:
        return []
    return [Problem("result", f"{school_name} {year} 年度考核“优秀”等次不得超过本校专任教师的 {share.normalize():f}%"
                              f"（{teachers} 人，至多 {cap} 人）；登记后将为 {excellent_after} 人，已超出上限。")]


# ---------------------------------------------------------------- 职称评审 eligibility
@dataclass(frozen=True)
class Check:
    """One eligibility check of a nomination as a page shows it."""

    code: str
    name: str
    passed: bool
    message: str = ""


CHECK_NAMES = {
    "title": "任现职年限",
    "assessment": "年度考核",
    "training": "继续教育学时",
    "ethics": "师德一票否决",
    "posts": "岗位结构",
}


def years_in_title(*, current_title: str | None, appointed_on: dt.date | None, from_title: str, min_years: int,
                   target: str, on: dt.date) -> list[Problem]:
    """The teacher holds ``from_title`` and has held it ``min_years`` whole years on ``on``
    (appointed on or before the same day ``min_years`` years earlier)."""
    want = _label(wc.Title, target)
    if current_title != from_title or appointed_on is None:
        now = _label(wc.Title, current_title) if current_title else "无职称记录"
        return [Problem("title", f"申报{want}须现任{_label(wc.Title, from_title)}，该教师现任：{now}。")]
    try:
        due = appointed_on.replace(year=appointed_on.year + min_years)
    except ValueError:  # 29 February
        due = dt.date(appointed_on.year + min_years, 3, 1)
    if due <= on:
        return []
    return [Problem("title", f"申报{want}须任{_label(wc.Title, from_title)}满 {min_years} 年：该教师 "
                             f"{appointed_on:%Y-%m-%d} 聘任，至 {on:%Y-%m-%d} 未满（{due:%Y-%m-%d} 满）。")]


def assessments_passed(results: Mapping[int, str], *, last_year: int, years: int) -> list[Problem]:
    """合格 or better (优秀, 合格) in each of the ``years`` years up to ``last_year``; a year
    without a result fails too (missing is missing, never a pass)."""
    if years <= 0:
        return []
    short = []
    for year in range(last_year - years + 1, last_year + 1):
        result = results.get(year)
        if result not in PASSING:
            short.append(f"{year} 年{_label(R, result) if result else '无考核记录'}")
    if not short:
        return []
    return [Problem("assessment", f"须近 {years} 年（{last_year - years + 1}–{last_year}）年度考核均为合格及以上："
                                  + "；".join(short) + "。")]


def no_fail_within(results: Mapping[int, str], *, last_year: int, years: int, what: str) -> list[Problem]:
    """No 不合格 in the ``years`` years up to ``last_year`` (an 不合格 within N years bars ``what``)."""
    if years <= 0:
        return []
    fails = sorted(y for y, r in results.items() if r == R.FAIL and last_year - years < y <= last_year)
    if not fails:
        return []
    return [Problem("assessment", f"近 {years} 年内有年度考核不合格（{'、'.join(str(y) for y in fails)} 年），不得{what}。")]


def training_done(*, has_cycle: bool, cycle: str, countable, required, on_track: bool) -> list[Problem]:
    """The teacher is on track (or complete) in the training cycle holding the round's date;
    nothing to check where no cycle holds it or the teacher owes nothing yet."""
    if not has_cycle or not required or on_track:
        return []
    return [Problem("training", f"{cycle} 继续教育学时未达进度：已完成 {countable} / {required} 学时。")]


def free_posts(*, post_class: str, posts: int | None, holders: int, pending: int, school_name: str) -> list[Problem]:
    """A free post of the class (高级/一级) at the school: approved posts − holders − other
    nominations of the round for that class still under review ≥ 1."""
    label = _label(PostClass, post_class)
    if post_class == PostClass.JUNIOR:
        return []
    if posts is None:
        return [Problem("posts", f"{school_name}未核定岗位结构比例，无法确认{label}岗位空缺。")]
    free = posts - holders - pending
    if free >= 1:
        return []
    return [Problem("posts", f"{school_name}{label}岗位已满：核定 {posts} 个，现有 {holders} 人"
                             + (f"，本轮另有 {pending} 人在审" if pending else "") + "，无空缺岗位。")]


def promotion_checks(*, target: str, current_title: str | None, appointed_on: dt.date | None,
                     requirement: tuple[str, int] | None, on: dt.date, results: Mapping[int, str],
                     pass_years: int, no_fail_years: int, bans: Iterable[Ban], training: Mapping | None,
                     posts: Mapping, today: dt.date | None = None) -> list[Check]:
    """Every check of one nomination, in order; ``requirement`` is (须现任职称, 年限) or None.
    The veto is asked on the round's date and on ``today`` (the appointment is made on the day of
    the final approval: a ban covering either bars it)."""
    def check(code, problems):
        return Check(code, CHECK_NAMES[code], not problems, " ".join(p.message for p in problems))

    if requirement is None:
        title = [Problem("title", f"申报{_label(wc.Title, target)}的任职年限未设置，请市教育局人事科在“职称申报年限”中维护。")]
    else:
        title = years_in_title(current_title=current_title, appointed_on=appointed_on, from_title=requirement[0],
                               min_years=requirement[1], target=target, on=on)
    last = on.year - 1
    return [
        check("title", title),
        check("assessment", assessments_passed(results, last_year=last, years=pass_years)
              + no_fail_within(results, last_year=on.year, years=no_fail_years, what="申报职称")),
        check("training", training_done(**training) if training else []),
        check("ethics", ethics_veto(bans, on, "promote") or (ethics_veto(bans, today, "promote") if today else [])),
        check("posts", free_posts(**posts)),
    ]


def failed(checks: Iterable[Check]) -> list[Check]:
    return [c for c in checks if not c.passed]


# ---------------------------------------------------------------- 岗位结构
@dataclass(frozen=True)
class PostRow:
    """A school's (or a sum of schools') post structure: 在编 专任教师 by post class of their
    current title, and the approved posts (None where no shares are approved)."""

    teachers: int
    senior: int
    middle: int
    zhenggao: int = 0
    senior_posts: int | None = None
    middle_posts: int | None = None

    @property
    def junior(self) -> int:
        return self.teachers - self.senior - self.middle

    @property
    def share(self) -> float | None:
        """中高级 share: (高级 + 一级) / 在编 专任教师."""
        return (self.senior + self.middle) / self.teachers if self.teachers else None

    @property
    def target(self) -> float | None:
        if not self.teachers or self.senior_posts is None or self.middle_posts is None:
            return None
        return (self.senior_posts + self.middle_posts) / self.teachers

    @property
    def free_senior(self) -> int | None:
        return None if self.senior_posts is None else self.senior_posts - self.senior

    @property
    def free_middle(self) -> int | None:
        return None if self.middle_posts is None else self.middle_posts - self.middle


def posts_of(teachers: int, share: Decimal | None) -> int | None:
    """Approved posts of a class: ``share`` % of the school's 在编 专任教师, rounded down."""
    return None if share is None else math.floor(Decimal(teachers) * Decimal(share) / 100 + Decimal("1e-9"))


def post_row(*, teachers: int, senior: int, middle: int, zhenggao: int = 0,
             senior_share: Decimal | None, middle_share: Decimal | None) -> PostRow:
    return PostRow(teachers, senior, middle, zhenggao, posts_of(teachers, senior_share), posts_of(teachers, middle_share))


def sum_rows(rows: Iterable[PostRow]) -> PostRow:
    """A district's or the city's structure: counts add up; posts add up over the schools with
    approved shares (a school without them has no posts, and the sum says none where none has)."""
    rows = list(rows)
    with_posts = [r for r in rows if r.senior_posts is not None]
    return PostRow(
        teachers=sum(r.teachers for r in rows), senior=sum(r.senior for r in rows),
        middle=sum(r.middle for r in rows), zhenggao=sum(r.zhenggao for r in rows),
        senior_posts=sum(r.senior_posts for r in with_posts) if with_posts else None,
        middle_posts=sum(r.middle_posts for r in with_posts) if with_posts else None,
    )
