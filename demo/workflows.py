"""The workflows' history: ethics cases (师德失范), honours (特级教师, 港城名师, talent programmes,
骨干 of every level, team honours, 正高级 promotions), rotations (交流轮岗, by each district's
profile around the 15% target, with its share of 骨干) and transfers (调动); then their rows.

Who may be honoured on a day is the ethics veto itself (``workforce.rules.banning``, through
``Person.banned_on``); an honour's end of validity is ``workforce.honours.award_expiry``; the
ban's last day ``workforce.honours.ban_until``; the day rotation eligibility is judged
``workforce.models.rotation_day`` (DOMAIN.md Rotation, Honours, Ethics)."""
from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict

from workforce import choices as c
from workforce import models as m
from workforce import rules
from workforce.honours import add_months, award_expiry, ban_until

from .base import FIRST_SCHOOL_YEAR, Builder, Person, PlannedSchool, Without, month_start, pick, positions
from .names import SUBJECTS
from .writing import Rows, bulk, new

S = c.Stage
L = c.Location


class WorkflowsPart(Builder):
    """Plans the cases, awards and exchanges of ``self.people`` (``self.ethics``, ``self.awards``,
    ``self.exchanges``; sets the people's bans, 骨干 and 特级 flags, 正高级 titles, status while
    rotating and the school they came from) and writes them once the teachers are written."""

    def plan_ethics(self) -> None:
        rng = self.rng("ethics")
        pool = [p for p in self.people if p.teaching and p.left_on is None]
        self.ethics: list[tuple[Person, object, dt.date, dt.date, bool, str]] = []
        n = self.scaled(28, minimum=3)
        texts = ["违规有偿补课", "体罚学生", "收受家长礼品礼金", "在职称评审中弄虚作假", "工作中失职失责", "言行失范造成不良影响"]
        for p in rng.sample(pool, min(n, len(pool))):
            severity = pick(rng, [(s, w) for s, w in zip(self.severities, [40, 30, 15, 8, 7])])
            decided = dt.date(rng.randint(2021, self.as_of.year), rng.randint(1, 12), rng.randint(1, 28))
            if decided > self.as_of:
                decided = self.as_of - dt.timedelta(days=rng.randint(20, 200))
            occurred = decided - dt.timedelta(days=rng.randint(10, 120))
            substantiated = rng.random() < 0.85
            ban = ban_until(decided, severity.ban_months)
            if substantiated:
                p.bans.append(rules.Ban(severity.name, decided, ban))
                if severity.ban_months >= 600:
                    p.left_on, p.left_reason = month_start(add_months(decided, 1)), c.LeftReason.DISMISSED
                    if p.left_on <= p.school_entry:
                        p.left_on = None
                        p.left_reason = ""
            self.ethics.append((p, severity, occurred, decided, ban, substantiated, rng.choice(texts)))

    def plan_honours(self) -> None:
        rng = self.rng("honours")
        ti = c.Title
        self.awards: list[dict] = []
        ht = self.honour_types
        hq = self.q

        def weight(p: Person) -> float:
            return 1.0 + 0.6 * hq("honours", p.d)

        exponents: dict[int, float] = {}  # a district's 1 / weight: the same for each of its people

        def exponent(p: Person) -> float:
            e = exponents.get(p.school.d)
            if e is None:
                e = exponents[p.school.d] = 1 / weight(p)
            return e

        def choose(cands: list[Person], k: int, day: dt.date, taken: set[int]) -> list[Person]:
            cands = [p for p in cands if id(p) not in taken and not p.banned_on(day)]

            def key(p: Person) -> float:
                return rng.random() ** exponent(p)

            if k <= 0:  # every candidate still draws (and a negative k leaves out the last -k)
                return sorted(cands, key=key, reverse=True)[:k]
            # the k largest keys, one draw a candidate in their order: sorted(…, reverse=True)[:k] (heapq's own words)
            return heapq.nlargest(k, cands, key=key)

        def award(code: str, p: Person | None, day: dt.date, body: str, school: PlannedSchool | None = None, team=""):
            h = ht.get(code)
            if h is None:
                return
            expires = award_expiry(h, day)
            self.awards.append(dict(honour_type=h, person=p, school=school, team_name=team, awarded_on=day,
                                    expires_on=expires, awarding_body=body))
            if p is not None and h.makes_backbone:
                p.backbone = True

        teachers = [p for p in self.people if p.teaching]

        def senior_by(day: dt.date) -> list[Person]:
            return [p for p in teachers if p.title_on(day) in (ti.SENIOR, ti.SENIOR_PROFESSOR, ti.PROFESSOR,
                                                                 ti.ASSOCIATE_PROFESSOR)
                    and p.on_roll(day) and (day - p.birth).days > 38 * 365]

        # 特级教师: rounds every three years; most holders still in post, some retired since
        taken_special: set[int] = set()
        rounds = [(2012, 0.12), (2015, 0.16), (2018, 0.2), (2021, 0.25), (2024, 0.27)]
        total_special = self.scaled(rng.uniform(195, 225))
        for year, share in rounds:
            day = dt.date(year, 9, 10)
            k = max(1, round(total_special * share))
            cands = senior_by(day)
            rural_k = self.scaled(rng.uniform(4, 6)) if year >= 2021 else 0
            rural = [p for p in cands if p.school.obj.location == L.RURAL]
            chosen = choose(rural, rural_k, day, taken_special)
            taken_special.update(id(p) for p in chosen)
            chosen += choose([p for p in cands if p.school.obj.location != L.RURAL], k - len(chosen), day, taken_special)
            for p in chosen:
                taken_special.add(id(p))
                p.special_grade = True
                award("tejijiaoshi", p, day, "江苏省人民政府")
        # 港城名师: 5-year terms; the 2017 round has expired, 2022 and 2025 are active
        taken_ms: set[int] = set()
        for year, total in [(2017, 300), (2022, rng.uniform(170, 200)), (2025, rng.uniform(185, 215))]:
            day = dt.date(year, 1, 15)
            cands = [p for p in teachers if p.on_roll(day) and p.title_on(day) not in (None, ti.UNRANKED, ti.THIRD, ti.SECOND)
                     and (day - p.work_start).days > 8 * 365]
            k = self.scaled(total)
            rural_k = self.scaled(rng.uniform(15, 23)) if year >= 2021 else 0
            rural = [p for p in cands if p.school.obj.location == L.RURAL]
            chosen = choose(rural, rural_k, day, taken_ms)
            taken_ms.update(id(p) for p in chosen)
            chosen += choose([p for p in cands if p.school.obj.location != L.RURAL], k - len(chosen), day, taken_ms)
            for p in chosen:
                taken_ms.add(id(p))
                award("gangcheng_mingshi", p, day, "连云港市人民政府")
        # talent programmes and 骨干 of every level (3- or 5-year terms)
        programmes = [
            ("sheng_333", [(2016, 70), (2021, 80)], 12, "江苏省人才工作领导小组"),
            ("shi_521", [(2019, 220), (2023, 240)], 8, "连云港市人才工作领导小组"),
            ("shi_xueke_daitouren", [(2020, 520), (2023, 560), (2026, 580)], 6, "连云港市教育局"),
            ("shi_gugan", [(2020, 1100), (2023, 1200), (2026, 1250)], 5, "连云港市教育局"),
            ("xian_gugan", [(2021, 2600), (2024, 2800)], 3, "区县教育局"),
            ("xian_jiaoxue_nengshou", [(2022, 1300), (2025, 1400)], 3, "区县教育局"),
        ]
        for code, rounds_, min_service, body in programmes:
            taken: set[int] = set()
            for year, total in rounds_:
                day = dt.date(year, 4 if year < self.as_of.year else 9, 1)
                if day > self.as_of:
                    continue
                cands = [p for p in teachers if p.on_roll(day) and (day - p.work_start).days > min_service * 365]
                for p in choose(cands, self.scaled(total), day, taken):
                    taken.add(id(p))
                    award(code, p, day, body if body != "区县教育局" else f"{p.school.obj.district.name}教育局")
        # 正高级教师: about 80 appointed in 2021–2025, a few before and since
        for year_from, year_to, total in [(2016, 2020, 40), (2021, 2025, rng.uniform(78, 95)), (2026, 2026, 18)]:
            for year in range(year_from, year_to + 1):
                day = dt.date(year, 12, 1)
                if day > self.as_of:
                    continue
                cands = [p for p in teachers if p.stage != S.HIGHER_VOCATIONAL and p.on_roll(day)
                         and p.title_on(day) == ti.SENIOR and p.titles[-1][1] <= add_months(day, -60)]
                cands.sort(key=lambda p: (not p.special_grade, rng.random()))
                for p in cands[: self.scaled(total / (year_to - year_from + 1), minimum=0 if year_to == 2026 else 1)]:
                    p.titles.append([ti.SENIOR_PROFESSOR, day])
        # team honours: school set, no teacher
        teams = [
            ("shi_mingshi_gongzuoshi", [(2018, 40), (2021, 45), (2023, 35), (2025, 25)], "{name}{subject}名师工作室"),
            ("jiaoyujia_gongtongti", [(2022, 11), (2024, 10)], "{subject}教育家型教师培养对象共同体"),
            ("shi_siyou_tuandui", [(2021, 14), (2022, 12), (2023, 12), (2024, 10), (2025, 9)], "{school}{subject}“四有”好教师团队"),
            ("sheng_siyou_tuandui", [(2022, 3), (2024, 3)], "{school}“四有”好教师团队"),
            ("xiangcun_gugan_peiyuzhan", [(2021, 10), (2023, 10), (2025, 11)], "{district}乡村{subject}骨干教师培育站"),
        ]
        leaders = [p for p in teachers if p.backbone or p.special_grade]
        for code, rounds_, pattern in teams:
            for year, total in rounds_:
                day = dt.date(year, 6, 1)
                cands = [p for p in leaders if p.on_roll(day)]
                if code == "xiangcun_gugan_peiyuzhan":
                    cands = [p for p in cands if p.school.obj.location != L.URBAN] or cands
                for p in choose(cands, self.scaled(total), day, set()):
                    # the team's name needs its leader's name, known once teachers are built
                    team = (pattern, p, rng.choice(SUBJECTS[p.stage])[0])
                    award(code, None, day, "连云港市教育局" if code != "sheng_siyou_tuandui" else "江苏省教育厅",
                          school=p.school, team=team)
        # a few more 骨干 flags from honours outside the system (e.g. other cities)
        for p in teachers:
            if not p.backbone and p.left_on is None and rng.random() < 0.015:
                p.backbone = True
        # one-vote veto: a couple of awards granted during a ban (the system flags them)
        banned = [e for e in self.ethics if e[5] and e[0].banned_on(self.as_of)
                  and e[0].left_on is None]
        for p, _sev, _occ, decided, _ban, _sub, _t in banned[:2]:
            award("xian_jiaoxue_nengshou", p, min(self.as_of, decided + dt.timedelta(days=60)), "区县教育局（待核查）")
        # and one award revoked on a substantiated case (一票否决)
        for p, _sev, _occ, decided, _ban, sub, _t in self.ethics:
            if sub and decided > dt.date(2021, 6, 1):
                award("xian_gugan", p, dt.date(decided.year - 1, 4, 1), f"{p.school.obj.district.name}教育局")
                self.awards[-1].update(revoked_on=decided, revoke_reason="师德失范，一票否决")
                break

    def plan_rotations(self) -> None:
        rng = self.rng("rotations")
        self.exchanges: list[dict] = []
        counted = [self.exchange_types[n] for n in ["交流轮岗", "支教", "走教/多点执教", "集团内交流", "对口帮扶"]
                   if n in self.exchange_types]
        counted_w = [55, 18, 8, 12, 7][: len(counted)]
        transfer = self.exchange_types.get("调动")
        public_by_stage: dict[tuple[int, str], list[PlannedSchool]] = defaultdict(list)
        public_any: dict[str, list[PlannedSchool]] = defaultdict(list)
        for s in self.schools:
            if s.obj.ownership == c.Ownership.PUBLIC:
                for st in s.stages:
                    public_by_stage[(s.d, st)].append(s)
                    public_any[st].append(s)
        rotation_pop = [p for p in self.people if p.teaching and p.stage in (S.PRIMARY, S.JUNIOR)
                        and p.school.obj.ownership == c.Ownership.PUBLIC]
        by_district: dict[int, list[Person]] = defaultdict(list)
        for p in rotation_pop:
            by_district[p.d].append(p)
        last_year = m.school_year_of(self.as_of)
        self.rotation_targets: dict[tuple[int, int], float] = {}
        for year in range(FIRST_SCHOOL_YEAR, last_year + 1):
            day = m.rotation_day(year)
            cutoff = day.replace(year=year - 6)  # 在编 and 6 years at the school: TeacherQuerySet.eligible_q
            for d in range(len(self.districts)):
                pop = [p for p in by_district[d] if p.on_roll(day) and p.rotated_until < year]
                eligible = [p for p in pop if p.on_est and p.school_entry <= cutoff]
                others = [p for p in pop if not (p.on_est and p.school_entry <= cutoff)]
                if year in (2024, 2025):
                    rate = 0.15 + 0.075 * self.q(f"rot_{year}", d)
                else:
                    rate = 0.135 + 0.05 * self.q("rot_other", d)
                self.rotation_targets[(year, d)] = rate
                n_all = len([p for p in by_district[d] if p.on_roll(day) and p.on_est and p.school_entry <= cutoff])
                want = round(rate * n_all)
                n_others = min(len(others), round(want * 0.12))
                n_elig = min(len(eligible), want - n_others)
                backbone_share = 0.22 + 0.12 * self.q("rot_backbone", d)
                chosen = self._choose_backbone(rng, eligible, n_elig, backbone_share)
                chosen += self._choose_backbone(rng, others, n_others, backbone_share)
                for p in chosen:
                    kind = pick(rng, list(zip(counted, counted_w)))
                    years = pick(rng, [(1, 60), (2, 15), (3, 25)])
                    start = day if rng.random() < 0.9 else dt.date(year + 1, 2, 1)
                    end = dt.date(year + years, 8, 31)
                    p.rotated_until = year + years - 1
                    to = self._rotation_target(rng, p, public_by_stage, public_any, kind.name == "对口帮扶")
                    row = dict(person=p, exchange_type=kind, moves_personnel=False, start=start, end=end,
                               from_school=p.school, to_school=to, from_name=p.school.obj.name,
                               to_name=to.obj.name if to else "新疆伊犁州霍城县第一小学（援疆支教）")
                    self.exchanges.append(row)
                    if start <= self.as_of <= end and p.left_on is None:
                        p.status = c.PersonnelStatus.ROTATING
        # 调动 (moves the personnel relation; not counted): transfers in and out since 2020
        if transfer is None:
            return
        for p in self.people:
            if p.school_entry.year >= 2020 and p.school_entry > p.work_start and rng.random() < 0.55:
                src = self._other_school(rng, p, public_any)
                if src is not None:
                    p.came_from = src
                    self.exchanges.append(dict(person=p, exchange_type=transfer, moves_personnel=True,
                                               start=p.school_entry, end=None, from_school=src, to_school=p.school,
                                               from_name=src.obj.name, to_name=p.school.obj.name))
            elif p.left_reason == c.LeftReason.TRANSFERRED and rng.random() < 0.6:
                dst = self._other_school(rng, p, public_any)
                self.exchanges.append(dict(person=p, exchange_type=transfer, moves_personnel=True, start=p.left_on,
                                           end=None, from_school=p.school, to_school=dst,
                                           from_name=p.school.obj.name,
                                           to_name=dst.obj.name if dst else "南京市某区教育局（市外调出）"))

    def _choose_backbone(self, rng, pool: list[Person], k: int, share: float) -> list[Person]:
        if k <= 0:
            return []
        bb = [p for p in pool if p.backbone]
        rest = [p for p in pool if not p.backbone]
        n_bb = min(len(bb), round(k * share))
        chosen = rng.sample(bb, n_bb) + rng.sample(rest, min(len(rest), k - n_bb))
        if len(chosen) < k:
            left = [p for p in bb if p not in chosen]
            chosen += rng.sample(left, min(len(left), k - len(chosen)))
        return chosen

    def _pool(self, schools: list[PlannedSchool]) -> dict:
        """A list of candidate schools with its positions and its parts (rural or not; by
        district), made once a list: the draws below take "the list but the teacher's own school"
        without copying it (``base.Without``)."""
        pools = self.__dict__.setdefault("_pools", {})
        pool = pools.get(id(schools))
        if pool is None:
            rural = [s for s in schools if s.obj.location == L.RURAL]
            other = [s for s in schools if s.obj.location != L.RURAL]
            by_d: dict[int, list] = defaultdict(list)
            for s in schools:
                by_d[s.d].append(s)
            pool = pools[id(schools)] = dict(
                all=(schools, positions(schools)), rural=(rural, positions(rural)), other=(other, positions(other)),
                by_d={d: (items, positions(items)) for d, items in by_d.items()}, keep=schools)
        return pool

    def _rotation_target(self, rng, p, public_by_stage, public_any, cross_district: bool) -> PlannedSchool | None:
        if rng.random() < 0.02:
            return None  # 援疆/援藏支教 outside the city
        if cross_district:
            cands = public_any[p.stage]
        else:
            cands = public_by_stage[(p.d, p.stage)] or public_any[p.stage]
        pool = self._pool(cands)
        cands = Without(*pool["all"], p.school)
        if not len(cands):
            return None
        home_rural = p.school.obj.location == L.RURAL
        want_rural = rng.random() < (0.3 if home_rural else 0.7)
        preferred = Without(*pool["rural" if want_rural else "other"], p.school)
        return rng.choice(preferred if len(preferred) else cands)

    def _other_school(self, rng, p, public_any) -> PlannedSchool | None:
        pool = self._pool(public_any.get(p.stage, []))
        cands = Without(*pool["all"], p.school)
        same = Without(*pool["by_d"].get(p.d, ([], {})), p.school)
        chosen = same if len(same) and rng.random() < 0.8 else cands
        return rng.choice(chosen) if len(chosen) else None

    def write_workflows(self) -> None:
        """The exchanges, awards and ethics cases planned, as plain rows (``writing.Rows``); the
        plans let go once written."""
        exchange = Rows(m.Exchange)
        exchange.write([
            exchange.row(teacher_id=r["person"].pk, exchange_type=r["exchange_type"], moves_personnel=r["moves_personnel"],
                         start=r["start"], end=r["end"], from_school=r["from_school"].obj if r["from_school"] else None,
                         to_school=r["to_school"].obj if r["to_school"] else None, from_name=r["from_name"],
                         to_name=r["to_name"])
            for r in self.exchanges
        ])
        self.counts["交流轮岗"] = exchange.written
        self.counts["  其中调动（不计入）"] = sum(1 for r in self.exchanges if not r["exchange_type"].counts)
        self.exchanges = []
        award = Rows(m.Award)
        awards = []
        self._awards_before_a_move()
        for a in self.awards:
            team_name = ""
            if a["team_name"]:
                pattern, leader, subject = a["team_name"]
                team_name = pattern.format(name=leader.name, subject=subject, school=leader.school.obj.name,
                                           district=leader.school.obj.district.name)[:100]
            person = a["person"]
            at_school = None
            if person is not None:  # the school on the award date (乡村 honours are judged by it)
                moved = person.came_from is not None and a["awarded_on"] < person.school_entry
                at_school = (person.came_from if moved else person.school).obj
            awards.append(award.row(
                honour_type=a["honour_type"], teacher_id=person.pk if person else None,
                school=a["school"].obj if a["school"] else None,
                school_at_award=at_school, stage_at_award=person.stage if person else "",
                team_name=team_name, awarded_on=a["awarded_on"],
                expires_on=a["expires_on"], awarding_body=a["awarding_body"][:100],
                revoked_on=a.get("revoked_on"), revoke_reason=a.get("revoke_reason", ""),
            ))
        award.write(awards)
        teacher = award.index["teacher_id"][0]
        self.counts["荣誉（个人）"] = sum(1 for a in awards if a[teacher])
        self.counts["荣誉（团队/工作室）"] = sum(1 for a in awards if not a[teacher])
        cases = [new(m.EthicsCase, teacher_id=p.pk, severity=sev, occurred_on=occ, decided_on=dec, substantiated=sub,
                     ban_until=ban, description=text if sub else f"{text}（经调查不属实）")
                 for p, sev, occ, dec, ban, sub, text in self.ethics]
        bulk(m.EthicsCase, cases)
        self.counts["师德失范案件"] = len(cases)

    def _awards_before_a_move(self) -> None:
        """A few 港城名师 of 2022 given at a 乡村 school to teachers who have since transferred
        (调动) to a town or city school: counted as 乡村 港城名师 by the school of the award date."""
        rng = self.rng("awards_before_a_move")
        h = self.honour_types.get("gangcheng_mingshi")
        day = dt.date(2022, 1, 15)
        if h is None or day > self.as_of:
            return
        holders = {id(a["person"]) for a in self.awards if a["honour_type"] is h}
        moved = [p for p in self.people if p.teaching and p.came_from is not None and p.school_entry > day
                 and id(p) not in holders
                 and p.came_from.obj.location == L.RURAL and p.school.obj.location != L.RURAL
                 and p.stage in (S.PRIMARY, S.JUNIOR, S.SENIOR) and p.left_on is None]
        for p in rng.sample(moved, min(len(moved), self.scaled(12))):
            self.awards.append(dict(honour_type=h, person=p, school=None, team_name="", awarded_on=day,
                                    expires_on=award_expiry(h, day),
                                    awarding_body="连云港市人民政府"))
