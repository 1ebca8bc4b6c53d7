"""Training (培训学分): the catalogue's programmes (city, provincial, national and each district's)
and, for every 专任教师, the credit records of each cycle — yearly 校本研修, 全员培训 and 网络研修
records and now and then a programme — so that completing the cycle (or, in the running
cycle, being on track) follows the district's profile; pending, rejected and HR-decided
records, and sign-ups for programmes still to come. Written a chunk of teachers at a time
(``writing.Rows``), each chunk let go once written."""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from training import models as tm
from training import rules
from workforce import choices as c
from workforce.honours import add_months

from .base import Builder, Joined, Person, pick
from .writing import Rows, bulk

TEACHER_CHUNK = 10_000  # credit records are planned and written this many teachers at a time


class TrainingPart(Builder):
    """Writes the programmes and the credit records of ``self.people`` (written teachers)."""

    def write_training(self) -> None:
        rng = self.rng("training")
        lv = c.TrainingLevel
        n_city = self.scaled(110, minimum=6)
        n_district = self.scaled(18, minimum=2)
        programmes: list[tm.Programme] = []
        topics = ["骨干教师高级研修班", "新课标解读与教学设计", "作业设计与评价", "班主任能力提升", "心理健康教育专题",
                  "信息技术应用能力提升工程2.0", "师德师风专题培训", "课堂教学改革研修", "教科研能力提升",
                  "跨学科主题学习", "人工智能与教育教学", "乡村教师素养提升"]
        years = list(range(2021, self.as_of.year + 1))
        for i in range(n_city):
            year = years[i % len(years)]
            level = pick(rng, [(lv.CITY, 70), (lv.PROVINCIAL, 18), (lv.NATIONAL, 12)])
            prefix = {lv.NATIONAL: "国培计划（{y}）—", lv.PROVINCIAL: "省培计划（{y}）—", lv.CITY: "{y}年连云港市"}[level]
            subject = rng.choice(["语文", "数学", "英语", "科学", "体育", "美术", "音乐", "物理", "化学", "学前教育", "职业教育"])
            programmes.append(self._programme(rng, f"{prefix.format(y=year)}{subject}{rng.choice(topics)}", level, year,
                                              None))
            if level == lv.CITY and len(self.cities) > 1:
                programmes[-1].city = self.cities[0]  # in a province, 连云港's own programmes (its teachers only)
        for d, district in enumerate(self.districts):
            for i in range(n_district):
                year = years[i % len(years)]
                programmes.append(self._programme(
                    rng, f"{year}年{district.name}{rng.choice(['暑期全员培训', '新教师入职培训', '学科教研专题', '教学能手培训', '校长培训'])}"
                         f"（第{i // len(years) + 1}期）",
                    lv.COUNTY, year, district))
        bulk(tm.Programme, programmes)
        self.counts["培训项目"] = len(programmes)
        self.programmes_by_year: dict[tuple[int, int | None], list[tm.Programme]] = defaultdict(list)
        for pr in programmes:
            self.programmes_by_year[(pr.start.year, pr.district_id)].append(pr)
        self.credit_rows = Rows(tm.CreditRecord)
        decision_rows, enrolment_rows = Rows(tm.CreditDecision), Rows(tm.ProgrammeEnrolment)
        key = self.credit_rows.key
        for start in range(0, len(self.people), TEACHER_CHUNK):
            chunk = self.people[start: start + TEACHER_CHUNK]
            records, decisions_for, enrolments = self._credits(rng, chunk)
            self.credit_rows.write(records)
            decision_rows.write([decision_rows.row(record_id=row[key], status=status, reason=reason)
                                 for row, status, reason in decisions_for])
            enrolment_rows.write(enrolments)
        self.counts["培训记录"] = self.credit_rows.written
        self.counts["审核记录"] = decision_rows.written
        self.counts["选学报名"] = enrolment_rows.written

    def _programme(self, rng, name, level, year, district) -> tm.Programme:
        mode = pick(rng, [(c.TrainingMode.SHORT_FACE, 40), (c.TrainingMode.ONLINE, 25), (c.TrainingMode.BLENDED, 25),
                           (c.TrainingMode.LONG_RELEASE, 10)])
        hours = {c.TrainingMode.LONG_RELEASE: rng.choice([90, 120]), c.TrainingMode.ONLINE: rng.choice([24, 36, 50]),
                 c.TrainingMode.BLENDED: rng.choice([36, 48, 60]), c.TrainingMode.SHORT_FACE: rng.choice([12, 24, 36])}[mode]
        start = dt.date(year, rng.choice([3, 4, 5, 7, 8, 10, 11, 12]), rng.randint(1, 20))
        end = start + dt.timedelta(days=rng.choice([2, 4, 6, 13, 30]))
        provider = (f"{district.name}教师发展中心" if district else
                    rng.choice(["连云港市教师发展学院", "江苏师范大学", "淮阴师范学院", "江苏省中小学教师培训中心",
                                "国家中小学智慧教育平台", "南京师范大学"]))
        return tm.Programme(name=name[:150], provider=provider, level=level, mode=mode, hours=Decimal(hours),
                            start=start, end=end, capacity=rng.choice([50, 80, 100, 150, 200, 300]), district=district,
                            published=True)

    def _credits(self, rng, people: list[Person]):
        """Training records of 专任教师: a few yearly records per cycle (校本研修, 全员培训, 网络研修)
        and now and then a catalogue programme. Whether a teacher completes the cycle (or, in
        the running cycle, is on track) follows the district's profile."""
        lv, md = c.TrainingLevel, c.TrainingMode
        st = tm.CreditRecord.Status
        src = tm.CreditRecord.Source
        now = timezone.make_aware(dt.datetime.combine(self.as_of, dt.time(9)))
        recent = add_months(self.as_of, -3)
        records, decided, enrolments = [], [], []
        yearly = [(lv.SCHOOL, md.BLENDED, "{year}年度{school}校本研修学时登记", "", 40),
                  (lv.COUNTY, md.BLENDED, "{year}年{district}中小学教师全员培训", "{district}教师发展中心", 40),
                  (lv.OTHER, md.ONLINE, "{year}年度国家中小学智慧教育平台网络研修", "国家中小学智慧教育平台", 20)]
        cycles = [(cycle, float(cycle.required_hours), float(rules.elapsed_share(cycle.start, cycle.end, self.as_of)))
                  for cycle in self.cycles]

        new_record = self.credit_rows.row

        def record(p, year, hours, status, **kw):
            # imported and providers' records arrive approved; a teacher's own claim is decided by HR
            decided_by_hr = status != st.PENDING and kw["source"] == src.SELF
            reason = "证明材料不清晰，请补充" if status == st.REJECTED else ""
            rec = new_record(teacher_id=p.pk, year=year, hours=Decimal(hours), status=status,
                             credits=Decimal(hours) / 10 if kw.get("programme") else None,
                             decided_at=now if decided_by_hr else None, decision_reason=reason, **kw)
            records.append(rec)
            if decided_by_hr:
                decided.append((rec, status, reason))
            return rec

        yearly_weighted = [(y, y[4]) for y in yearly]
        new_enrolment = Rows(tm.ProgrammeEnrolment).row

        upcoming = [pr for pr in self.programmes_by_year.get((self.as_of.year, None), []) if pr.start > self.as_of]
        for p in people:
            if not p.teaching:
                continue
            d = p.d
            district = p.school.obj.district
            used: set[int] = set()
            for ci, (cycle, required, elapsed) in enumerate(cycles):
                last_day = min(cycle.end, p.left_on or self.as_of, self.as_of)
                first_year = max(cycle.start.year, p.work_start.year)
                if last_day < cycle.start or first_year > last_day.year or rng.random() < 0.03:
                    continue
                years = list(range(first_year, last_day.year + 1))
                share = (0.74 + 0.16 * self.q("credit_1", d)) if ci == 0 else (0.62 + 0.25 * self.q("credit_2", d))
                on_track = rng.random() < share
                goal = required * (min(1.0, len(years) / 5) if elapsed >= 1.0 else elapsed)
                total = goal * (rng.uniform(1.0, 1.3) if on_track else rng.uniform(0.35, 0.9))
                if on_track:
                    total = math.ceil(total / 6) * 6 + 6
                # a catalogue programme now and then, the rest as yearly records in some of the years
                done: list[tuple[int, int]] = []  # (year, hours) of yearly records
                k = rng.randint(3, 4) if on_track else rng.randint(1, 3)
                if len(years) > k:
                    years = sorted(rng.sample(years, k))
                left = total
                for year in years:
                    pool = Joined(self.programmes_by_year.get((year, None), []),
                                  self.programmes_by_year.get((year, district.pk), []))
                    if pool and rng.random() < 0.12:
                        pr = rng.choice(pool)
                        if pr.pk not in used and pr.end <= last_day and float(pr.hours) < left:
                            used.add(pr.pk)
                            record(p, pr.start.year, pr.hours, st.APPROVED, programme=pr, title=pr.name,
                                   provider=pr.provider, level=pr.level, mode=pr.mode, start=pr.start, end=pr.end,
                                   source=src.PROVIDER)
                            left -= float(pr.hours)
                per_year = max(6.0, left / len(years))
                for i, year in enumerate(years):
                    hours = per_year if i < len(years) - 1 else max(6.0, left - per_year * (len(years) - 1))
                    done.append((year, max(6, round(hours / 6) * 6)))
                for year, hours in done:
                    level, mode, title, provider, _w = pick(rng, yearly_weighted)
                    start = dt.date(year, rng.choice([3, 7, 8, 10]), rng.randint(1, 25))
                    end = min(start + dt.timedelta(days=rng.choice([5, 30, 120])), last_day)
                    start = min(start, end)
                    x = rng.random()
                    status = st.PENDING if x < (0.3 if end > recent else 0.01) else st.APPROVED
                    record(p, year, hours, status, title=title.format(year=year, school=p.school.obj.name,
                                                                       district=district.name)[:150],
                           provider=provider.format(district=district.name), level=level, mode=mode, start=start,
                           end=end, source=src.SELF if x > 0.92 else src.IMPORT)
                if rng.random() < 0.03:  # a claim sent back (does not count)
                    year = years[-1]
                    day = min(dt.date(year, 6, 1), last_day)
                    record(p, year, 24, st.REJECTED, title=f"{year}年度外出学习（自行申报）", provider="", level=lv.OTHER,
                           mode=md.OTHER, start=day, end=day, source=src.SELF)
            if upcoming and p.left_on is None and rng.random() < 0.08:
                enrolments.append(new_enrolment(programme=rng.choice(upcoming), teacher_id=p.pk))
        return records, decided, enrolments
