"""The teachers: how many each school has (by its weight) and of which staff category and stage;
for each, sex, birth, qualification level (by the district's profile: the Table 2 shares land
around the targets), working life (retired, left, joined the school later), 学习经历 from the
first to that level, and the title history; then their names and ID numbers
(``core.identity.make_id_number``) and the records, written in bulk.

The levels are the measures' own (``workforce.measures``: 中专/高中及以下, 专科, 本科, 研究生)."""
from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter
from random import Random

from core.identity import make_id_number
from workforce import choices as c
from workforce import models as m
from workforce.honours import add_months
from workforce.measures import ASSOCIATE as AS
from workforce.measures import BACHELOR as BA
from workforce.measures import BELOW as LO
from workforce.measures import POSTGRADUATE as PG

from .base import (EDU_LEVEL, EDU_MODE, EDU_NORMAL, EDUCATION_FIELDS, Builder, Person, PlannedSchool, apportion,
                   month_start, pick)
from .names import (CITY_REGIONS, DEGREE_NAMES, FEMALE_CHARS, HOME_REGIONS, MALE_CHARS, OTHER_REGIONS, REGION_NAMES,
                    SUBJECTS, SURNAMES, UNIVERSITIES)
from .cities import short
from .writing import Rows

S = c.Stage
T = c.SchoolType

STAGE_SPLIT = {T.NINE_YEAR: {S.PRIMARY: 60, S.JUNIOR: 40}, T.COMPLETE_SECONDARY: {S.JUNIOR: 40, S.SENIOR: 60},
               T.TWELVE_YEAR: {S.PRIMARY: 35, S.JUNIOR: 30, S.SENIOR: 35}}
TEACHER_CHUNK = 20_000  # teachers (and their records) written, then let go, this many at a time
FEMALE_SHARE = {S.PRESCHOOL: 0.97, S.PRIMARY: 0.78, S.JUNIOR: 0.6, S.SENIOR: 0.5, S.VOCATIONAL: 0.5,
                S.HIGHER_VOCATIONAL: 0.55, S.SPECIAL: 0.75}


class TeachersPart(Builder):
    """Plans the people of every school (``self.people``, ``school.people``; reads ``self.schools``)
    and writes them with their 学习经历 and 专业技术职务."""

    def plan_teachers(self) -> None:
        rng = self.rng("teachers")
        minimum = [len(s.stages) for s in self.schools]
        if self.n_teachers < sum(minimum):
            raise ValueError(f"教师数太少：{len(self.schools)} 所学校至少需要 {sum(minimum)} 名教职工")
        weights = [s.weight for s in self.schools]
        # every school at least one teacher per stage; the rest by weight
        extra = apportion(weights, self.n_teachers - sum(minimum))
        for s, k, base in zip(self.schools, extra, minimum):
            s.staff = k + base
        self.ids: Counter = Counter()
        self.people: list[Person] = []
        self._hq_level = {}
        for s in self.schools:
            stype = s.obj.school_type
            split = STAGE_SPLIT.get(stype, {st: 1 for st in s.stages})
            stage_weights = [(st, split[st]) for st in s.stages]
            n = s.staff
            non_teaching = 0 if n < 6 else self._non_teaching_count(rng, stype, n)
            categories = [c.StaffCategory.FULL_TIME_TEACHER] * (n - non_teaching) + [
                self._non_teaching_category(rng, stype) for _ in range(non_teaching)
            ]
            for i, category in enumerate(categories):
                stage = s.stages[i] if i < len(s.stages) else pick(rng, stage_weights)
                p = self._person(rng, s, stage, category)
                s.people.append(p)
                self.people.append(p)

    def _non_teaching_count(self, rng, stype, n) -> int:
        share = {T.KINDERGARTEN: 0.16, T.HIGHER_VOCATIONAL: 0.18, T.VOCATIONAL: 0.12}.get(stype, 0.09)
        return min(n - 2, round(n * share * rng.uniform(0.7, 1.3)))

    def _non_teaching_category(self, rng, stype) -> str:
        sc = c.StaffCategory
        if stype == T.KINDERGARTEN:
            return pick(rng, [(sc.CAREGIVER, 70), (sc.HEALTH, 8), (sc.ADMIN, 12), (sc.WORKER, 10)])
        return pick(rng, [(sc.ADMIN, 45), (sc.AUXILIARY, 33), (sc.WORKER, 18), (sc.HEALTH, 4)])

    def _level(self, rng, stage: str, d: int, school: PlannedSchool, teaching: bool) -> int:
        x = rng.random()
        if not teaching:
            return PG if x < 0.02 else BA if x < 0.55 else AS if x < 0.88 else LO
        q = self.q

        def shares(pg, bach_plus, lo):
            # cumulative thresholds: PG, BA, AS, LO
            pg = max(0.0, pg)
            bach_plus = min(1.0, max(pg, bach_plus))
            lo = max(0.0, lo)
            if x < pg:
                return PG
            if x < bach_plus:
                return BA
            if x < 1 - lo:
                return AS
            return LO

        if stage == S.PRESCHOOL:
            return shares(0.01, 0.65 + 0.16 * q("pre_bach", d), max(0.0, -q("pre_assoc", d)) * 0.06)
        if stage == S.PRIMARY:
            return shares(0.015 + 0.012 * q("pri_bach", d), 0.95 + 0.045 * q("pri_bach", d),
                          max(0.0, -q("pri_assoc", d)) * 0.02)
        if stage == S.JUNIOR:
            return shares(0.05 + 0.035 * q("jun_pg", d), 1 - max(0.0, -q("jun_bach", d)) * 0.035, 0.0)
        if stage == S.SENIOR:
            return shares(0.25 + 0.09 * q("sen_pg", d), 0.997, 0.0)
        if stage == S.VOCATIONAL:
            return shares(0.23 + 0.09 * q("voc_pg", d), 0.95, 0.005)
        if stage == S.HIGHER_VOCATIONAL:
            offset = self._hq_level.setdefault(id(school), rng.uniform(-0.1, 0.1))
            return shares(0.73 + 0.08 * q("hig_pg", d) + offset, 0.995, 0.0)
        return shares(0.03, 0.8, 0.01)  # 特教

    def _person(self, rng: Random, s: PlannedSchool, stage: str, category: str) -> Person:
        d = s.d
        teaching = category == c.StaffCategory.FULL_TIME_TEACHER
        female = rng.random() < (FEMALE_SHARE[stage] if teaching else 0.6)
        if category == c.StaffCategory.CAREGIVER:
            female = rng.random() < 0.99
        sex = c.Sex.FEMALE if female else c.Sex.MALE
        level = self._level(rng, stage, d, s, teaching)
        retire_age = 55 if female else 60
        first = self._first_education(rng, level)
        grad_age = {LO: 18, AS: 21, BA: 22, PG: 25}[first]
        while True:
            age = self._age(rng)
            if age < grad_age + (3 if level > first else 0):
                continue
            birth = dt.date(self.as_of.year - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
            retire_on = month_start(add_months(birth, 12 * retire_age + 1))
            if retire_on <= self.as_of and retire_on < dt.date(2020, 1, 1):
                continue  # retired before the records the system holds
            break
        left_on, left_reason = None, ""
        if retire_on <= self.as_of:
            left_on, left_reason = retire_on, c.LeftReason.RETIRED
        grad_year = birth.year + grad_age + (1 if birth.month >= 9 else 0)
        work_start = dt.date(grad_year + (1 if rng.random() < 0.12 else 0), rng.choice([8, 9, 9, 9]), 1)
        if work_start > self.as_of:
            work_start = dt.date(self.as_of.year, 9, 1)
        end = left_on or self.as_of
        if left_on is None and rng.random() < 0.035:
            left_on = month_start(dt.date(rng.randint(2020, self.as_of.year), 1, 1) + dt.timedelta(days=rng.randrange(330)))
            if left_on > work_start + dt.timedelta(days=400) and left_on <= self.as_of:
                left_reason = pick(rng, [(c.LeftReason.TRANSFERRED, 60), (c.LeftReason.RESIGNED, 35),
                                          (c.LeftReason.DECEASED, 5)])
                end = left_on
            else:
                left_on = None
        # years at the current school: a share never moved; the others came later
        entry_bias = 0.1 * self.q("entry", d)
        if rng.random() < 0.42 + entry_bias:
            school_entry = work_start
        else:
            years_here = rng.expovariate(1 / (8.5 + 3 * entry_bias))
            year = max(work_start.year, end.year - int(years_here))
            school_entry = dt.date(year, rng.choice([8, 9, 9, 9, 2]), 1)
            if school_entry < work_start:
                school_entry = work_start
            if school_entry >= end:
                school_entry = work_start
        p = Person(school=s, stage=stage, category=category, sex=sex, birth=birth, level=level,
                    work_start=work_start, school_entry=school_entry, left_on=left_on, left_reason=left_reason)
        public = s.obj.ownership == c.Ownership.PUBLIC
        if public:
            p.on_est = rng.random() < {S.PRESCHOOL: 0.62, S.HIGHER_VOCATIONAL: 0.86}.get(stage, 0.93)
            if category in (c.StaffCategory.CAREGIVER, c.StaffCategory.WORKER):
                p.on_est = rng.random() < 0.15
        else:
            p.on_est = False
        p.education = self._education(rng, p, first)
        p.titles = self._titles(rng, p) if category in (c.StaffCategory.FULL_TIME_TEACHER, c.StaffCategory.AUXILIARY) else []
        return p

    def _age(self, rng: Random) -> int:
        x = rng.random()
        if x < 0.19:
            return rng.randint(22, 26)
        if x < 0.66:
            return rng.randint(26, 45)
        if x < 0.88:
            return rng.randint(46, 55)
        return rng.randint(56, 66)

    def _first_education(self, rng: Random, level: int) -> int:
        x = rng.random()
        if level == LO:
            return LO
        if level == AS:
            return LO if x < 0.3 else AS
        if level == BA:
            return LO if x < 0.08 else AS if x < 0.38 else BA
        return BA if x < 0.93 else AS

    def _education(self, rng: Random, p: Person, first: int) -> list[tuple]:
        """1–3 学习经历 from the first (full-time) to the effective level, with flags (tuples of
        ``EDUCATION_FIELDS``)."""
        edu = c.Education
        deg = c.Degree
        normal = rng.random() < 0.75
        pool = "normal" if normal else "general"
        records: list[dict] = []
        grad_age = {LO: 18, AS: 21, BA: 22, PG: 25}[first]
        end = dt.date(p.birth.year + grad_age + (1 if p.birth.month >= 9 else 0), 7, 1)
        if end > p.work_start:
            end = month_start(p.work_start - dt.timedelta(days=31))
        length = {LO: 3, AS: 3, BA: 4, PG: 3}[first]
        first_kwargs = dict(
            education={LO: edu.SECONDARY_SPECIALISED, AS: edu.ASSOCIATE, BA: edu.BACHELOR, PG: edu.MASTER}[first],
            degree={LO: deg.NONE, AS: deg.NONE, BA: deg.BACHELOR, PG: deg.MASTER}[first],
            study_mode=c.StudyMode.FULL_TIME,
            institution=rng.choice(UNIVERSITIES["secondary" if first == LO else "college" if first == AS else pool]),
            is_normal_major=normal, start=dt.date(end.year - length, 9, 1), end=end,
        )
        if first == BA and rng.random() < 0.04:
            first_kwargs["degree"] = deg.NONE
        records.append(first_kwargs)
        current = first
        # upgrades while working (part-time), or a full-time master's straight after 本科
        when = p.work_start
        horizon = p.left_on or self.as_of
        steps = []
        if p.level > current:
            if current == LO and p.level >= BA and rng.random() < 0.5:
                steps.append(BA)  # 中专 → 本科 by 自学考试
            else:
                for lvl in range(current + 1, p.level + 1):
                    steps.append(lvl)
            steps = steps[-2:]
        for lvl in steps:
            start = add_months(when, 12 * rng.randint(1, 4))
            years = 3 if lvl < PG else rng.choice([2, 3])
            stop = dt.date(start.year + years, rng.choice([1, 6, 7]), 1)
            if stop >= horizon:  # no time left: the step was full-time, before work
                span = (horizon - when).days // 365
                start = add_months(when, 6)
                stop = add_months(start, 12 * max(1, min(years, span - 1)))
                if stop >= horizon:
                    stop = month_start(horizon - dt.timedelta(days=40))
                    start = min(start, add_months(stop, -12))
            kwargs = dict(study_mode=c.StudyMode.PART_TIME, institution=rng.choice(UNIVERSITIES["open"] + UNIVERSITIES[pool]),
                          is_normal_major=normal, start=start, end=stop)
            if lvl == AS:
                kwargs.update(education=edu.ASSOCIATE, degree=deg.NONE)
            elif lvl == BA:
                kwargs.update(education=edu.BACHELOR, degree=deg.BACHELOR if rng.random() < 0.45 else deg.NONE)
            elif rng.random() < 0.3 and current == BA:
                # 同等学力 / 在职教育硕士 (单证): a 硕士学位 without 研究生学历
                kwargs.update(education=edu.BACHELOR, degree=deg.MASTER,
                              institution=rng.choice(UNIVERSITIES["normal"]))
            elif rng.random() < 0.06:
                kwargs.update(education=edu.DOCTORATE, degree=deg.DOCTOR, institution=rng.choice(UNIVERSITIES["general"]))
            else:
                kwargs.update(education=edu.MASTER, degree=deg.MASTER, institution=rng.choice(UNIVERSITIES["normal"]))
            records.append(kwargs)
            current = lvl
            when = stop
        # a few are studying now (not finished: it does not count yet)
        if p.level == BA and p.left_on is None and rng.random() < 0.03:
            start = dt.date(self.as_of.year - 1, 9, 1)
            records.append(dict(education=edu.MASTER, degree=deg.MASTER, study_mode=c.StudyMode.PART_TIME,
                                institution=rng.choice(UNIVERSITIES["normal"]), is_normal_major=normal, start=start,
                                end=dt.date(self.as_of.year + 2, 6, 1)))
        rank = {edu.DOCTORATE: 7, edu.MASTER: 6, edu.BACHELOR: 5, edu.ASSOCIATE: 4, edu.SECONDARY_SPECIALISED: 3}
        finished = [r for r in records if r["end"] <= self.as_of]
        highest = max(finished, key=lambda r: (rank[r["education"]], r["end"]))
        for r in records:
            r["is_first"] = r is records[0]
            r["is_highest"] = r is highest
            if r["degree"] != deg.NONE:
                r["degree_name"] = rng.choice(DEGREE_NAMES[r["degree"]])
            r["major"] = rng.choice(SUBJECTS[p.stage])[0]
        return [tuple(r.get(name, "") for name in EDUCATION_FIELDS) for r in records]

    def _titles(self, rng: Random, p: Person) -> list[list]:
        """Title history: 二级 → 一级 → 高级 (or 助教 → 讲师 → 副教授 → 教授)."""
        ti = c.Title
        horizon = p.left_on or self.as_of
        higher = p.stage == S.HIGHER_VOCATIONAL
        ladder = ([ti.ASSISTANT, ti.LECTURER, ti.ASSOCIATE_PROFESSOR, ti.PROFESSOR] if higher
                  else [ti.SECOND, ti.FIRST, ti.SENIOR])
        gaps = [1, 5, 6, 8] if higher else [1, 5, 6]
        chances = [1.0, 0.9, 0.5, 0.3] if higher else [1.0, 0.85, 0.45 + 0.1 * self.q("honours", p.d)]
        titles: list[list] = []
        day = p.work_start
        if p.education and p.education[0][EDU_LEVEL] == c.Education.SECONDARY_SPECIALISED and not higher:
            day = add_months(day, 12)
            titles.append([ti.THIRD, day])
        for title, gap, chance in zip(ladder, gaps, chances):
            day = dt.date(day.year + gap + (rng.randint(0, 3) if gap > 1 else 0), rng.choice([9, 12]), 1)
            if day > horizon or rng.random() > chance:
                break
            titles.append([title, day])
        if not titles:
            titles.append([ti.UNRANKED, p.work_start])
        return titles

    def write_teachers(self) -> None:
        """The teachers with their 学习经历 and 专业技术职务, ``TEACHER_CHUNK`` teachers at a time:
        a chunk's rows are written (its keys set on the people), then its records, and all of
        them let go, with the people's planned records."""
        rng = self.rng("identity")
        self._id_seq: Counter = Counter()
        self.region_names = dict(REGION_NAMES)  # and the other cities' districts (江苏徐州鼓楼区)
        for d in self.districts:
            if not self.in_demo_city(d):
                self.region_names.setdefault(d.code, f"江苏{short(self.city_of[d.pk].name)}"
                                                     f"{'' if self.is_city_level(d) else d.name}")
        surnames = list(SURNAMES)
        surname_w = [1 / (i + 4) for i in range(len(surnames))]
        surname_cum = list(itertools.accumulate(surname_w))
        teachers, edu, titles = Rows(m.Teacher), Rows(m.EducationRecord), Rows(m.TitleAppointment)
        edu_row = edu.filler("teacher_id", *EDUCATION_FIELDS)
        title_row = titles.filler("teacher_id", "title", "appointed_on", "ended_on")
        chunk: list[tuple[Person, list]] = []

        def write_chunk():
            teachers.write([row for _p, row in chunk])
            records, appointments = [], []
            for p, row in chunk:
                p.pk = pk = row[teachers.key]
                for r in p.education:
                    records.append(edu_row(pk, *r))
                for i, (title, day) in enumerate(p.titles):
                    ended = p.titles[i + 1][1] if i + 1 < len(p.titles) else None
                    appointments.append(title_row(pk, title, day, ended))
                p.education = p.titles = ()
            edu.write(records)
            titles.write(appointments)
            chunk.clear()

        staff_no: Counter = Counter()
        for p in self.people:
            s = p.school
            staff_no[id(s)] += 1
            district = s.obj.district
            region = self._region(rng, district)
            key = (region, p.birth, p.sex)
            while self._id_seq[key] >= 500:
                p.birth += dt.timedelta(days=1)
                key = (region, p.birth, p.sex)
            seq = self._id_seq[key]
            self._id_seq[key] += 1
            id_number = make_id_number(region, p.birth, seq, p.sex)
            surname = surnames[bisect.bisect(surname_cum, rng.random() * surname_cum[-1])]
            chars = FEMALE_CHARS if p.sex == c.Sex.FEMALE else MALE_CHARS
            given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.75 else "")
            teaching = p.teaching
            age = self.as_of.year - p.birth.year
            vocational = p.stage == S.VOCATIONAL
            preschool = p.stage == S.PRESCHOOL
            status = p.status
            if p.left_on is None and status == c.PersonnelStatus.IN_POST:
                x = rng.random()
                if x < 0.01:
                    status = c.PersonnelStatus.LONG_SICK
                elif x < 0.016:
                    status = c.PersonnelStatus.STUDYING
                elif x < 0.026:
                    status = rng.choice([c.PersonnelStatus.LENT_AGENCY, c.PersonnelStatus.LENT_INSTITUTION])
                elif vocational and x < 0.06:
                    status = c.PersonnelStatus.ENTERPRISE
                elif (p.sex == c.Sex.FEMALE and age >= 54) or age >= 59:
                    status = c.PersonnelStatus.PRE_RETIREMENT
            grassroots = teaching and p.work_start.year >= 2008 and rng.random() < 0.04
            gs = month_start(p.work_start) if grassroots else None
            employment = (c.EmploymentForm.ESTABLISHED if p.on_est else
                          pick(rng, [(c.EmploymentForm.CONTRACT, 60), (c.EmploymentForm.AGENCY, 25),
                                      (c.EmploymentForm.DISPATCH, 15)]))
            if p.school_entry == p.work_start:
                source = c.StaffSource.GRADUATE if rng.random() < 0.85 else c.StaffSource.RECRUIT
            else:
                source = c.StaffSource.TRANSFER_IN if rng.random() < 0.7 else c.StaffSource.RECRUIT
            dual = None
            if vocational:
                dual = teaching and rng.random() < 0.5 + 0.11 * self.q("dual", s.d)
            p.name = surname + given
            row = teachers.row(
                name=p.name, sex=p.sex, staff_no=f"{s.obj.code[-6:]}{staff_no[id(s)]:04d}",
                id_number=id_number, birth_date=p.birth, native_place=self.region_names.get(region, "江苏"),
                birthplace=self.region_names.get(region, ""),
                ethnicity=pick(rng, [("汉族", 995), ("回族", 4), ("满族", 1)]),
                political_status=("中国共产主义青年团团员" if age < 28 and rng.random() < 0.5 else
                                  pick(rng, [("中国共产党党员", 38), ("群众", 56), ("中国共产党预备党员", 2),
                                              ("中国民主同盟盟员", 2), ("九三学社社员", 1), ("中国民主促进会会员", 1)])),
                marital_status="未婚" if age < 27 and rng.random() < 0.6 else "已婚",
                health=pick(rng, [("健康或良好", 96), ("一般或较弱", 4)]),
                school=s.obj, teaching_stage=p.stage,
                subject=pick(rng, SUBJECTS[p.stage]) if teaching else "",
                work_start=p.work_start, school_entry=p.school_entry, source=source, staff_category=p.category,
                on_establishment=p.on_est, employment_form=employment,
                contract=c.Contract.EMPLOYMENT if p.on_est else c.Contract.LABOUR,
                normal_graduate=bool(p.education and p.education[0][EDU_NORMAL]
                                     and p.education[0][EDU_MODE] == c.StudyMode.FULL_TIME),
                special_ed_trained=p.stage == S.SPECIAL or rng.random() < 0.03,
                special_ed_cert=p.stage == S.SPECIAL and rng.random() < 0.6,
                it_ability=pick(rng, [(c.ItAbility.PROFICIENT, 10), (c.ItAbility.GOOD, 45), (c.ItAbility.BASIC, 35),
                                       (c.ItAbility.GENERAL, 9), (c.ItAbility.WEAK, 1)]),
                free_normal=p.work_start.year >= 2011 and rng.random() < 0.03,
                grassroots_service=grassroots, grassroots_start=gs,
                grassroots_end=add_months(gs, 24) if gs else None,
                special_grade=p.special_grade, backbone=p.backbone,
                mental_health=teaching and rng.random() < 0.02, status=status,
                preschool_major=(rng.random() < 0.7) if preschool else None,
                preschool_trained=(rng.random() < 0.9) if preschool else None,
                dual_qualified=dual,
                vocational_cert=(bool(dual) or rng.random() < 0.2) if vocational else None,
                enterprise_months=(rng.randint(1, 24) if dual else rng.randint(0, 3)) if vocational else None,
                left_on=p.left_on, left_reason=p.left_reason,
            )
            chunk.append((p, row))
            if len(chunk) >= TEACHER_CHUNK:
                write_chunk()
        write_chunk()
        self.counts["教师（教职工）"] = teachers.written
        self.counts["  其中专任教师"] = sum(1 for p in self.people if p.teaching)
        self.counts["  其中已离开本校"] = sum(1 for p in self.people if p.left_on)
        self.counts["学习经历"] = edu.written
        self.counts["专业技术职务"] = titles.written

    def _region(self, rng: Random, district) -> str:
        """Where a teacher of ``district`` was born (the region of the ID number): mostly the
        district itself, some elsewhere in its city, a few outside it."""
        x = rng.random()
        if x < 0.06:
            return rng.choice(OTHER_REGIONS)
        if x < 0.17:
            return rng.choice(CITY_REGIONS if self.in_demo_city(district) else self._regions_of_city(district))
        return pick(rng, HOME_REGIONS.get(district.code, [(district.code, 1)]))

    def _regions_of_city(self, district) -> list[str]:
        city = self.city_of[district.pk]
        cache = self.__dict__.setdefault("_city_regions", {})
        if city.pk not in cache:
            cache[city.pk] = [d.code for d in self.districts if self.city_of[d.pk] is city and not self.is_city_level(d)]
        return cache[city.pk]
