"""What the builder's parts share: the plan of a school and of a person (before anything is
written), drawing by weight, splitting a total by weight, and the builder's common state (the
seed, the size, the reference tables, each district's profile).

Each district gets, per measure, a "profile" value between -0.9 and +0.9 (evenly spread,
shuffled by the seed), and the shares that decide the measures follow it: so for every target
of DOMAIN.md some districts land above it and some below."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from random import Random

from training import models as tm
from workforce import choices as c
from workforce import models as m
from workforce import rules
from workforce.quota import Share, largest_remainder

DEFAULT_SEED = 20251
DEFAULT_TEACHERS = 50_000  # also the size the scale (``Builder.scaled``) is 1 at
DEFAULT_SCHOOLS = 700
AS_OF = dt.date(2026, 11, 1)  # the demo's "today": school year 2026-2027, second credit cycle
FIRST_SCHOOL_YEAR = 2020

PROFILE_KEYS = [
    "pre_assoc", "pre_bach", "pri_assoc", "pri_bach", "jun_bach", "jun_pg", "sen_pg", "voc_pg", "hig_pg",
    "ptr_primary", "ptr_junior", "ptr_senior", "ptr_other", "rot_2024", "rot_2025", "rot_other", "rot_backbone",
    "dual", "credit_1", "credit_2", "honours", "quota", "entry",
]


def pick(rng: Random, weighted: list[tuple]) -> object:
    """One value of ``[(value, weight), …]``, with chances in proportion to the weights."""
    total = sum(w for _v, w in weighted)
    x = rng.random() * total
    for value, w in weighted:
        x -= w
        if x < 0:
            return value
    return weighted[-1][0]


def apportion(weights: list[float], total: int, minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights``, each part at least ``minimum``, exactly: the
    largest-remainder rule of the quota pool (``workforce.quota.largest_remainder``), the weights
    taken as exact whole shares (a float is a fraction of a power of two: all are brought to the
    largest denominator, and scaled so that their sum exceeds the total, which the rule then
    shares out in full). Ties go to the earlier weight."""
    n = len(weights)
    base = [minimum] * n
    rest = total - minimum * n
    if rest <= 0 or not n:
        return base
    ratios = [float(w).as_integer_ratio() for w in weights]
    denominator = max(d for _n, d in ratios)
    whole = [num * (denominator // d) for num, d in ratios]
    if not any(whole):  # no weight at all: an equal share each
        whole = [1] * n
    whole = [w * (rest // sum(whole) + 1) for w in whole]
    width = len(str(n))
    out = largest_remainder(rest, [Share(code=f"{i:0{width}d}", label="", shortage=w) for i, w in enumerate(whole)])
    return [b + out.allocated.get(f"{i:0{width}d}", 0) for i, b in enumerate(base)]


class Without:
    """``[x for x in items if x is not left_out]`` as ``random.choice`` reads it — its length and
    one item — without copying ``items`` (``positions``: ``{id(x): index}`` of ``items``, each
    item there once). The same draw as from the copy, for the same ``Random``; the rotations and
    transfers draw a school from a province's thousands some hundred thousand times."""

    __slots__ = ("items", "skip", "n")

    def __init__(self, items: list, positions: dict[int, int], left_out: object):
        self.items = items
        self.skip = positions.get(id(left_out))
        self.n = len(items) - (self.skip is not None)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.items[i if self.skip is None or i < self.skip else i + 1]


class Joined:
    """``first + second`` as ``random.choice`` reads it, without the copy (a teacher's training
    draws from the city's and the district's programmes of a year: thousands at 1,000,000)."""

    __slots__ = ("first", "second")

    def __init__(self, first: list, second: list):
        self.first, self.second = first, second

    def __len__(self) -> int:
        return len(self.first) + len(self.second)

    def __getitem__(self, i: int):
        n = len(self.first)
        if not 0 <= i < n + len(self.second):
            raise IndexError(i)
        return self.first[i] if i < n else self.second[i - n]


def positions(items: list) -> dict[int, int]:
    return {id(x): i for i, x in enumerate(items)}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


# ---------------------------------------------------------------- planned rows
# A planned 学习经历: a tuple of these EducationRecord fields (a tuple, not a dict: 1,000,000
# teachers plan 1.5 million of them before the first is written).
EDUCATION_FIELDS = ("education", "degree", "study_mode", "institution", "is_normal_major", "start", "end", "is_first",
                    "is_highest", "degree_name", "major")
EDU_LEVEL, EDU_MODE, EDU_NORMAL = 0, 2, 4  # positions read before the records are written


@dataclass(eq=False, slots=True)
class PlannedSchool:
    obj: m.School
    d: int  # district index
    stages: list[str]
    weight: float = 1.0
    staff: int = 0
    people: list = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Person:
    """A teacher as planned: the ``Teacher`` kwargs plus what the sub-records need; once written,
    its key and name (the records and the team honours' names refer to them), and its 学习经历
    and titles are let go."""

    school: PlannedSchool
    stage: str
    category: str
    sex: str
    birth: dt.date
    level: int
    work_start: dt.date
    school_entry: dt.date
    left_on: dt.date | None = None
    left_reason: str = ""
    on_est: bool = True
    backbone: bool = False
    special_grade: bool = False
    status: str = c.PersonnelStatus.IN_POST
    education: list = field(default_factory=list)  # EducationRecord values (EDUCATION_FIELDS)
    titles: list = field(default_factory=list)  # [title, appointed_on]
    pk: int | None = None  # the teacher's key, once written
    name: str = ""
    bans: list = field(default_factory=list)  # rules.Ban of the substantiated ethics cases
    rotated_until: int = 0  # last school year covered by a rotation
    came_from: PlannedSchool | None = None  # the school a teacher transferred in (调动) from, on school_entry

    @property
    def d(self) -> int:
        return self.school.d

    def on_roll(self, day: dt.date) -> bool:
        return self.school_entry <= day and (self.left_on is None or self.left_on > day)

    @property
    def teaching(self) -> bool:
        return self.category == c.StaffCategory.FULL_TIME_TEACHER

    def title_on(self, day: dt.date) -> str | None:
        current = None
        for title, appointed in self.titles:
            if appointed <= day:
                current = title
        return current

    def banned_on(self, day: dt.date) -> bool:
        """Inside an ethics ban on ``day``: the veto (``workforce.rules.banning``, DOMAIN.md Ethics)."""
        return bool(self.bans) and rules.banning(self.bans, day) is not None


class Builder:
    """The state every part reads: ``seed`` (one ``Random`` a part, ``rng(name)``, so changing one
    part does not reshuffle the others), the size, ``as_of`` (the demo's "today"), the reference
    tables the migrations put in (``load_reference``) and the districts' profiles (``q``)."""

    def __init__(self, *, seed: int, teachers: int, schools: int, as_of: dt.date, cities: int = 1, log=None):
        self.seed = seed
        self.n_teachers = teachers
        self.n_schools = schools
        self.n_cities = cities
        self.as_of = as_of
        self.scale = teachers / DEFAULT_TEACHERS
        self.log = log or (lambda msg: None)
        self.counts: dict[str, int] = {}

    def in_demo_city(self, district: m.District) -> bool:
        """In the first city (连云港, the demo as it always was), not one ``--cities`` added."""
        return self.city_of[district.pk] is self.cities[0]

    def is_city_level(self, district: m.District) -> bool:
        """A city's 市直 (its code is the city's: 连云港's 320700)."""
        return district.code == self.city_of[district.pk].code

    def rng(self, part: str) -> Random:
        return Random(f"{self.seed}:{part}")

    def scaled(self, n: float, minimum: int = 1) -> int:
        return max(minimum, round(n * self.scale))

    def load_reference(self) -> None:
        """The reference tables; the cities (``demo.cities``: the demo city, and with ``cities``
        more, the others of the province, made if missing) and their districts, the demo city's
        first in their own order."""
        from .cities import ensure_cities

        self.cities = ensure_cities(self.n_cities)
        rank = {city.pk: i for i, city in enumerate(self.cities)}
        self.districts = sorted(m.District.objects.filter(city__in=self.cities),
                                key=lambda d: (rank[d.city_id], d.order, d.code))
        if not self.districts:
            raise RuntimeError("没有区县数据：请先运行 migrate。")
        self.city_of = {d.pk: self.cities[rank[d.city_id]] for d in self.districts}
        if len(self.cities) > 1:
            self.counts["城市"] = len(self.cities)
            self.counts["区县"] = len(self.districts)
        self.exchange_types = {e.name: e for e in m.ExchangeType.objects.all()}
        self.honour_types = {h.code: h for h in m.HonourType.objects.all()}
        self.severities = list(m.EthicsSeverity.objects.order_by("order"))
        self.standards = {s.stage: s for s in m.StaffingStandard.objects.all()}
        self.cycles = list(tm.TrainingCycle.objects.order_by("start"))
        rng = self.rng("profile")
        n = len(self.districts)
        spread = [-0.9 + 1.8 * (i + 0.5) / n for i in range(n)] if n > 1 else [0.0]
        self.profile: dict[str, list[float]] = {}
        for key in PROFILE_KEYS:
            values = spread[:]
            rng.shuffle(values)
            self.profile[key] = values

    def q(self, key: str, d: int) -> float:
        return self.profile[key][d]
