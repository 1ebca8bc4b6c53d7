"""The city's schools: how many of each type in each district, where they are (urban, town,
rural), their names and codes, their size; then their enrolment of every school year (pupils
that make each district's pupil–teacher ratio land near the plan's target, by its profile) and
the approved quota (核定编制) of 2025 and 2026 around each school's standard posts
(``workforce.measures.standard_posts``, the rule the quota page uses)."""
from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from fractions import Fraction
from random import Random

from workforce import choices as c
from workforce import measures as ms
from workforce import models as m

from . import cities
from .base import FIRST_SCHOOL_YEAR, Builder, PlannedSchool, apportion, pick
from .names import CITY_HIGHER_VOCATIONAL, PLACES, VILLAGE_HEADS, VILLAGE_TAILS
from .writing import bulk, new

S = c.Stage
T = c.SchoolType
L = c.Location

# Pupil–teacher ratios (Table 1 targets where there is one) and class sizes.
PTR_TARGET = {S.PRIMARY: 17.0, S.JUNIOR: 12.0, S.SENIOR: 11.0, S.HIGHER_VOCATIONAL: 16.0,
              S.PRESCHOOL: 14.0, S.VOCATIONAL: 15.0, S.SPECIAL: 3.2}
CLASS_SIZE = {S.PRESCHOOL: 30, S.PRIMARY: 44, S.JUNIOR: 48, S.SENIOR: 50, S.VOCATIONAL: 42,
              S.HIGHER_VOCATIONAL: 45, S.SPECIAL: 10}
LOCATION_PUPIL_FACTOR = {L.URBAN: 1.12, L.TOWN: 1.0, L.RURAL: 0.78}

SCHOOL_TYPE_PLAN = [  # type, schools in a 700-school city
    (T.HIGHER_VOCATIONAL, 3), (T.VOCATIONAL, 10), (T.SPECIAL, 8), (T.SENIOR, 22), (T.COMPLETE_SECONDARY, 7),
    (T.TWELVE_YEAR, 3), (T.JUNIOR, 62), (T.NINE_YEAR, 55), (T.PRIMARY, 262), (T.KINDERGARTEN, 268),
]
# Relative size of a district (share of schools of the everyday types).
DISTRICT_WEIGHT = {"320706": 20, "320703": 7, "320707": 17, "320722": 18, "320723": 15, "320724": 11,
                   "320771": 4, "320772": 1.5, "320773": 1.2, "320700": 5}
# Staff (all categories) of a school of each type, by location, before noise.
STAFF_WEIGHT = {
    T.KINDERGARTEN: {L.URBAN: 34, L.TOWN: 24, L.RURAL: 12},
    T.PRIMARY: {L.URBAN: 110, L.TOWN: 75, L.RURAL: 38},
    T.JUNIOR: {L.URBAN: 120, L.TOWN: 85, L.RURAL: 50},
    T.NINE_YEAR: {L.URBAN: 150, L.TOWN: 105, L.RURAL: 65},
    T.COMPLETE_SECONDARY: {L.URBAN: 230, L.TOWN: 190, L.RURAL: 150},
    T.SENIOR: {L.URBAN: 260, L.TOWN: 210, L.RURAL: 160},
    T.TWELVE_YEAR: {L.URBAN: 280, L.TOWN: 230, L.RURAL: 200},
    T.VOCATIONAL: {L.URBAN: 200, L.TOWN: 170, L.RURAL: 150},
    T.HIGHER_VOCATIONAL: {L.URBAN: 560, L.TOWN: 500, L.RURAL: 500},
    T.SPECIAL: {L.URBAN: 40, L.TOWN: 30, L.RURAL: 25},
}
PRIVATE_SHARE = {T.KINDERGARTEN: 0.35, T.PRIMARY: 0.04, T.JUNIOR: 0.1, T.NINE_YEAR: 0.08, T.COMPLETE_SECONDARY: 0.1,
                 T.SENIOR: 0.12, T.TWELVE_YEAR: 0.6, T.VOCATIONAL: 0.2, T.HIGHER_VOCATIONAL: 0.0, T.SPECIAL: 0.0}
# (urban, town, rural) weights of a school's location, by district kind and school type group.
LOCATION_WEIGHTS = {
    "320706": (60, 15, 25), "320703": (50, 25, 25), "320707": (20, 35, 45), "320722": (12, 38, 50),
    "320723": (12, 38, 50), "320724": (12, 40, 48), "320771": (50, 30, 20), "320772": (15, 50, 35),
    "320773": (25, 30, 45), "320700": (100, 0, 0),
}



class SchoolsPart(Builder):
    """Plans and writes the schools (``self.schools``), their enrolment and quotas."""

    def district_weight(self, district) -> float:
        if district.code in DISTRICT_WEIGHT:
            return DISTRICT_WEIGHT[district.code]
        if self.in_demo_city(district):
            return 3
        return cities.CITY_LEVEL_WEIGHT if self.is_city_level(district) else cities.DISTRICT_WEIGHT

    def places_of(self, district) -> tuple[list[str], list[str]]:
        cache = self.__dict__.setdefault("_places", {})
        if district.pk not in cache:
            cache[district.pk] = cities.places(self.seed, district, self.city_of[district.pk])
        return cache[district.pk]

    def plan_schools(self) -> None:
        rng = self.rng("schools")
        n = self.n_schools
        if n < len(self.districts):
            raise ValueError(f"学校数不能少于区县数（{len(self.districts)}）")
        per_type = apportion([k for _t, k in SCHOOL_TYPE_PLAN], n, minimum=1 if n >= 3 * len(SCHOOL_TYPE_PLAN) else 0)
        if sum(per_type) != n:  # tiny cities: everyday types only
            per_type = apportion([k for _t, k in SCHOOL_TYPE_PLAN], n)
        codes = [d.code for d in self.districts]
        city_level = [i for i, d in enumerate(self.districts) if self.is_city_level(d)]  # 市直 (连云港: 320700)
        everyday = [self.district_weight(d) for d in self.districts]
        plans: list[tuple[str, int]] = []  # (type, district index)
        for (stype, _k), count in zip(SCHOOL_TYPE_PLAN, per_type):
            if count == 0:
                continue
            if stype == T.HIGHER_VOCATIONAL and city_level:
                weights = [1 if i in city_level else 0 for i in range(len(codes))]
            elif stype in (T.VOCATIONAL, T.SENIOR, T.COMPLETE_SECONDARY, T.SPECIAL, T.TWELVE_YEAR):
                weights = [w if codes[i] not in ("320772", "320773") else 0 for i, w in enumerate(everyday)]
                for i in city_level:
                    weights[i] = {T.VOCATIONAL: 12, T.SENIOR: 14, T.SPECIAL: 6}.get(stype, 8)
            else:
                weights = everyday
            for i, k in enumerate(apportion(weights, count)):
                plans.extend([(stype, i)] * k)
        # Every district needs schools: move the last everyday school of the largest district.
        have = Counter(d for _t, d in plans)
        for i in range(len(codes)):
            if have[i] == 0:
                donor = max(range(len(codes)), key=lambda j: (have[j], -j))
                for idx in range(len(plans) - 1, -1, -1):
                    if plans[idx][1] == donor and plans[idx][0] in (T.PRIMARY, T.KINDERGARTEN, T.JUNIOR):
                        plans[idx] = (plans[idx][0], i)
                        break
                else:
                    idx = next(j for j in range(len(plans) - 1, -1, -1) if plans[j][1] == donor)
                    plans[idx] = (T.PRIMARY, i)
                have = Counter(d for _t, d in plans)
        taken: dict[int, set[str]] = defaultdict(set)
        code_seq: Counter = Counter()
        village_pool = [h + t for h in VILLAGE_HEADS for t in VILLAGE_TAILS]
        self.schools: list[PlannedSchool] = []
        for stype, d in plans:
            district = self.districts[d]
            location = self._location(rng, stype, district.code)
            rural_kind = ""
            if stype == T.PRIMARY and location == L.RURAL:
                rural_kind = pick(rng, [("", 45), (c.RuralKind.VILLAGE, 35), (c.RuralKind.TEACHING_POINT, 20)])
            private = not rural_kind and rng.random() < PRIVATE_SHARE[stype]
            name = self._school_name(rng, stype, district, location, rural_kind, taken[d], village_pool)
            taken[d].add(name)
            digit = {T.HIGHER_VOCATIONAL: "4", T.VOCATIONAL: "3", T.KINDERGARTEN: "2"}.get(stype, "1")
            key = (digit, district.code)
            code_seq[key] += 1
            if self.in_demo_city(district):
                code = f"{digit}132{district.code[-2:]}{code_seq[key]:04d}"
            else:  # another city's: the district's code after its first digit (distinct across the province)
                code = f"{digit}{district.code[1:]}{code_seq[key]:04d}"
            stages = [str(s) for s in c.STAGES_OF_SCHOOL_TYPE[stype]]
            obj = m.School(code=code, name=name, district=district, school_type=stype, stages=stages,
                           ownership=c.Ownership.PRIVATE if private else c.Ownership.PUBLIC,
                           location=location, rural_kind=rural_kind, is_active=True)
            base = STAFF_WEIGHT[stype][location]
            if rural_kind == c.RuralKind.VILLAGE:
                base = 14
            elif rural_kind == c.RuralKind.TEACHING_POINT:
                base = 5
            if private:
                base *= 0.7
            weight = base * math.exp(rng.gauss(0, 0.3))
            self.schools.append(PlannedSchool(obj=obj, d=d, stages=stages, weight=weight))

    def _location(self, rng: Random, stype: str, code: str) -> str:
        urban, town, rural = LOCATION_WEIGHTS.get(code, (30, 35, 35))
        if stype in (T.SENIOR, T.VOCATIONAL, T.HIGHER_VOCATIONAL, T.SPECIAL, T.TWELVE_YEAR, T.COMPLETE_SECONDARY):
            rural = 0
            if urban + town == 0:
                urban = 1
        elif stype in (T.JUNIOR, T.NINE_YEAR):
            rural = rural * 0.6
        return pick(rng, [(L.URBAN, urban), (L.TOWN, town), (L.RURAL, rural)])

    def _school_name(self, rng, stype, district, location, rural_kind, taken, village_pool) -> str:
        code = district.code
        if self.in_demo_city(district):
            urban_areas, towns = PLACES.get(code, ([district.name[:2]], [district.name[:2] + "镇"]))
            prefix = "连云港市" if code == "320700" else district.name
            colleges = CITY_HIGHER_VOCATIONAL
        else:
            city = self.city_of[district.pk]
            urban_areas, towns = self.places_of(district)
            prefix = city.name if self.is_city_level(district) else district.name
            colleges = cities.colleges(city)
        if stype == T.HIGHER_VOCATIONAL:
            for name in colleges:
                if name not in taken:
                    return name
        suffix = {
            T.KINDERGARTEN: "幼儿园", T.PRIMARY: "小学", T.JUNIOR: "初级中学", T.NINE_YEAR: "学校",
            T.COMPLETE_SECONDARY: "中学", T.SENIOR: "高级中学", T.TWELVE_YEAR: "外国语学校",
            T.VOCATIONAL: rng.choice(["中等专业学校", "职业教育中心"]), T.HIGHER_VOCATIONAL: "职业技术学院",
            T.SPECIAL: "特殊教育学校",
        }[stype]
        if location != L.URBAN and stype == T.JUNIOR:
            suffix = "中学"
        town_list = towns or urban_areas
        if stype == T.SPECIAL:
            candidates = [f"{prefix}{suffix}", f"{prefix}特殊教育中心校"] + [f"{prefix}{a}{suffix}" for a in urban_areas]
        elif location == L.URBAN:
            variants = ["实验", "", "第一", "第二", "第三", "第四", "外国语", "东方", "明珠"]
            areas = urban_areas[:]
            rng.shuffle(areas)
            candidates = [f"{prefix}{a}{v}{suffix}" for v in variants for a in areas]
        elif location == L.TOWN or not rural_kind:
            variants = ["中心", "", "实验", "第二", "第三"] if location == L.TOWN else ["", "第二", "中心"]
            places = town_list[:]
            rng.shuffle(places)
            candidates = [f"{prefix}{t}{v}{suffix}" for v in variants for t in places]
            if location == L.RURAL:
                villages = [f"{prefix}{t}{v}{suffix}" for t in places for v in rng.sample(village_pool, 6)]
                candidates = villages + candidates
        else:
            places = town_list[:]
            rng.shuffle(places)
            tail = "小学" if rural_kind == c.RuralKind.VILLAGE else "教学点"
            candidates = [f"{prefix}{t}{v}{tail}" for t in places[:3] for v in rng.sample(village_pool, 8)]
        for name in candidates:
            if name not in taken:
                return name
        for k in itertools.count(2):
            name = f"{prefix}{rng.choice(town_list)}第{k}{suffix}"
            if name not in taken:
                return name
        raise AssertionError  # pragma: no cover

    def write_schools(self) -> None:
        bulk(m.School, [s.obj for s in self.schools])
        self.counts["学校"] = len(self.schools)

    def write_enrolment_and_quotas(self) -> None:
        rng = self.rng("enrolment")
        last_year = m.school_year_of(self.as_of)
        rows = []
        pupils_of: dict[tuple[int, int, str], tuple[int, int]] = {}
        for year in range(FIRST_SCHOOL_YEAR, last_year + 1):
            day = m.rotation_day(year)
            raw: dict[tuple[int, str], list[tuple[PlannedSchool, float, int]]] = defaultdict(list)
            for s in self.schools:
                heads = Counter(p.stage for p in s.people if p.teaching and p.on_roll(day))
                for st in s.stages:
                    n = heads.get(st, 0) or 1
                    factor = LOCATION_PUPIL_FACTOR[s.obj.location]
                    if s.obj.rural_kind:
                        factor *= 0.7
                    raw[(s.d, st)].append((s, n * factor * math.exp(rng.gauss(0, 0.12)), heads.get(st, 0)))
            for (d, st), items in raw.items():
                teachers = sum(h for _s, _w, h in items) or len(items)
                ratio = self._ptr(st, d, year)
                wsum = sum(w for _s, w, _h in items) or 1
                for s, w, _h in items:
                    pupils = max(3, round(ratio * teachers * w / wsum))
                    size = CLASS_SIZE[st] * (0.55 if s.obj.rural_kind else 0.85 if s.obj.location == L.RURAL else 1)
                    classes = max(1, round(pupils / size))
                    rows.append(new(m.Enrolment, school=s.obj, school_year=year, stage=st, pupils=pupils, classes=classes))
                    pupils_of[(id(s), year, st)] = (pupils, classes)
        bulk(m.Enrolment, rows)
        self.counts["在校生（学校×学年×学段）"] = len(rows)
        quotas = []
        for year in (2025, 2026):
            if year > last_year:
                continue
            for s in self.schools:
                if s.obj.ownership != c.Ownership.PUBLIC:
                    continue  # 民办学校不核定编制
                standard = Fraction(0)
                for st in s.stages:
                    pupils, classes = pupils_of.get((id(s), year, st), (0, 0))
                    std = self.standards.get(st)
                    if std is None:
                        continue
                    standard += ms.standard_posts(
                        pupils, classes, pupils_per_post=std.pupils_per_post, posts_per_class=std.posts_per_class,
                        small_school_posts_per_class=std.small_school_posts_per_class,
                        small_school=bool(s.obj.rural_kind))
                factor = 1.07 + 0.1 * self.q("quota", s.d) + rng.gauss(0, 0.05)
                quotas.append(m.SchoolQuota(school=s.obj, school_year=year, approved=max(1, round(float(standard) * factor)),
                                            note="核定编制（演示数据）"))
        bulk(m.SchoolQuota, quotas)
        self.counts["核定编制（学校×学年）"] = len(quotas)
        m.QuotaPool.objects.update_or_create(school_year=2026, defaults={"posts": 200, "note": "市域周转编制（演示数据）"})
        self.counts["周转编制池"] = 1

    def _ptr(self, stage: str, d: int, year: int) -> float:
        key = {S.PRIMARY: "ptr_primary", S.JUNIOR: "ptr_junior", S.SENIOR: "ptr_senior"}.get(stage, "ptr_other")
        target = PTR_TARGET[stage]
        trend = 1 + 0.035 * max(0, 2025 - year) / 5  # a little higher in 2020, falling toward 2025
        return target * (1 + 0.09 * self.q(key, d)) * trend
