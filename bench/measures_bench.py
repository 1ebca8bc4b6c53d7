"""Benchmark: the city dashboard's measures on a 50,000-teacher city (SQLite by default).

    .venv/bin/python bench/measures_bench.py [--teachers 50000] [--repeat 5] [--keep]

Builds a bench city with ``bulk_create`` in a SQLite file of the system's temporary folder
(reused with ``--keep``), or measures the database of ``DATABASE_URL`` when ``--use-existing``
is given (e.g. after ``python manage.py seed_demo``). Prints, for each page's computation, the
best and median wall time over ``--repeat`` runs and the number of queries. "After a write"
is a run with nothing kept (the cache cleared: what the first request after a data change costs);
"again" is the next request, which reads the counts kept under the data version. The last lines
(``--first-only``: only them) time the city and district dashboards right after a real write (one
teacher saved) and then again: the write notes its teacher's school, whose counts alone are counted
again (``workforce.dataversion.kept_per_school``); the other schools' are kept. Report the CPU
time as well as the wall time when the machine is shared.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import base_parser, bench_database, timed  # noqa: E402  (bench/ is the script's folder)


def parse_args():
    parser = base_parser(__doc__)
    parser.add_argument("--on", type=dt.date.fromisoformat, default=dt.date(2025, 10, 1), help="as-of date")
    parser.add_argument("--first-only", action="store_true",
                        help="only the city and district dashboards: first request after a write, and repeat")
    return parser.parse_args()


def setup_django(args) -> Path | None:
    return bench_database(args, f"measures_bench_{args.teachers}.sqlite3")


def build_city(n_teachers: int, seed: int = 20250901) -> None:
    """Schools of every type in every district, teachers with education records, exchanges,
    awards, titles, enrolments and approved quotas — all with bulk_create."""
    from django.db import transaction

    from workforce import choices as c
    from workforce import models as m

    rnd = random.Random(seed)
    districts = list(m.District.objects.all())
    types = [  # school type, weight, teachers per school (mean)
        (c.SchoolType.KINDERGARTEN, 20, 25), (c.SchoolType.PRIMARY, 30, 55), (c.SchoolType.JUNIOR, 12, 70),
        (c.SchoolType.NINE_YEAR, 10, 80), (c.SchoolType.SENIOR, 6, 120), (c.SchoolType.COMPLETE_SECONDARY, 4, 110),
        (c.SchoolType.VOCATIONAL, 3, 100), (c.SchoolType.HIGHER_VOCATIONAL, 1, 300), (c.SchoolType.SPECIAL, 1, 30),
    ]
    schools = []
    planned = 0
    while planned < n_teachers:
        stype, _w, size = rnd.choices(types, weights=[t[1] for t in types])[0]
        d = rnd.choice(districts)
        loc = rnd.choices([c.Location.URBAN, c.Location.TOWN, c.Location.RURAL], weights=[4, 3, 3])[0]
        rural = rnd.choice(["", "", c.RuralKind.VILLAGE, c.RuralKind.TEACHING_POINT]) if loc == c.Location.RURAL and stype == c.SchoolType.PRIMARY else ""
        n = len(schools)
        schools.append(m.School(code=f"32{n:08d}", name=f"基准学校{n}", district=d, school_type=stype, location=loc,
                                rural_kind=rural, ownership=c.Ownership.PRIVATE if rnd.random() < 0.05 else c.Ownership.PUBLIC))
        planned += size
    with transaction.atomic():
        m.School.objects.bulk_create(schools, batch_size=1000)
        schools = list(m.School.objects.all())
        teachers = []
        sizes = {t[0]: t[2] for t in types}
        i = 0
        for s in schools:
            stages = s.stage_list
            for _ in range(max(3, int(rnd.gauss(sizes[s.school_type], sizes[s.school_type] / 4)))):
                if i >= n_teachers:
                    break
                birth = dt.date(rnd.randint(1962, 2000), rnd.randint(1, 12), rnd.randint(1, 28))
                sex = rnd.choice("12")
                entry_year = rnd.randint(max(birth.year + 22, 1985), 2025)
                left = dt.date(2024, 7, 31) if rnd.random() < 0.02 else None
                teachers.append(m.Teacher(
                    name=f"教师{i}", sex=sex, birth_date=birth, id_number=f"B{i:017d}",
                    school=s, teaching_stage=rnd.choice(stages), school_entry=dt.date(entry_year, 9, 1),
                    work_start=dt.date(entry_year, 8, 1),
                    staff_category=c.StaffCategory.FULL_TIME_TEACHER if rnd.random() < 0.92 else c.StaffCategory.ADMIN,
                    on_establishment=rnd.random() < 0.9, backbone=rnd.random() < 0.08,
                    source=rnd.choice([c.StaffSource.GRADUATE, c.StaffSource.RECRUIT, c.StaffSource.TRANSFER_IN]),
                    dual_qualified=(rnd.random() < 0.45) if s.school_type == c.SchoolType.VOCATIONAL else None,
                    left_on=left, left_reason=c.LeftReason.RETIRED if left else "",
                ))
                i += 1
        m.Teacher.objects.bulk_create(teachers, batch_size=2000)
        ids = list(m.Teacher.objects.values_list("pk", "school_id", "teaching_stage", "school_entry"))
        edu_levels = ["doctorate", "master", "bachelor", "associate", "secondary"]
        records, exchanges, awards, titles = [], [], [], []
        counted = list(m.ExchangeType.objects.filter(counts=True))
        honours = {h.code: h for h in m.HonourType.objects.all()}
        school_by_id = {s.pk: s for s in schools}
        for pk, sid, stage, entry in ids:
            first = rnd.choices(edu_levels[2:], weights=[5, 4, 1])[0]
            records.append(m.EducationRecord(teacher_id=pk, education=first, degree="bachelor" if first == "bachelor" else "none",
                                             is_first=True, is_highest=True, end=entry))
            if rnd.random() < 0.35:
                second = rnd.choices(edu_levels[:3], weights=[1, 6, 6])[0]
                records[-1].is_highest = False
                records.append(m.EducationRecord(
                    teacher_id=pk, education=second, degree={"doctorate": "doctor", "master": "master"}.get(second, "bachelor"),
                    is_highest=True, study_mode="part_time", end=dt.date(rnd.randint(2005, 2027), 6, 30)))
            if stage in ("primary", "junior") and rnd.random() < 0.06:
                others = [s for s in schools[:200] if s.pk != sid]
                exchanges.append(m.Exchange(teacher_id=pk, exchange_type=rnd.choice(counted),
                                            start=dt.date(rnd.choice([2024, 2025]), 9, 1), from_school_id=sid,
                                            to_school=rnd.choice(others)))
            r = rnd.random()
            if r < 0.01:
                awards.append(m.Award(teacher_id=pk, honour_type=honours["tejijiaoshi"], awarded_on=dt.date(rnd.randint(2015, 2025), 9, 10)))
            elif r < 0.03:
                awards.append(m.Award(teacher_id=pk, honour_type=honours["gangcheng_mingshi"], awarded_on=dt.date(rnd.randint(2019, 2025), 9, 10),
                                      expires_on=dt.date(2030, 9, 9)))
            elif r < 0.06:
                awards.append(m.Award(teacher_id=pk, honour_type=honours["shi_gugan"], awarded_on=dt.date(2023, 9, 10), expires_on=dt.date(2026, 9, 9)))
            if rnd.random() < 0.003:
                titles.append(m.TitleAppointment(teacher_id=pk, title="zhenggao", appointed_on=dt.date(rnd.randint(2018, 2025), 12, 1)))
        for s in rnd.sample(schools, min(200, len(schools))):
            awards.append(m.Award(school=s, honour_type=honours["shi_mingshi_gongzuoshi"], awarded_on=dt.date(rnd.randint(2021, 2025), 5, 1),
                                  team_name=f"{s.name}名师工作室"))
        m.EducationRecord.objects.bulk_create(records, batch_size=5000)
        m.Exchange.objects.bulk_create(exchanges, batch_size=5000)
        m.Award.objects.bulk_create(awards, batch_size=5000)
        m.TitleAppointment.objects.bulk_create(titles, batch_size=5000)
        per_school = {}
        for pk, sid, stage, entry in ids:
            per_school.setdefault((sid, stage), 0)
            per_school[(sid, stage)] += 1
        enrolments = [m.Enrolment(school_id=sid, school_year=2025, stage=stage, pupils=int(n * rnd.uniform(10, 19)),
                                  classes=max(1, n // 2)) for (sid, stage), n in per_school.items()]
        m.Enrolment.objects.bulk_create(enrolments, batch_size=5000)
        m.SchoolQuota.objects.bulk_create([
            m.SchoolQuota(school=s, school_year=2025, approved=int(sum(n for (sid, _st), n in per_school.items() if sid == s.pk) * rnd.uniform(0.85, 1.1)))
            for s in schools if rnd.random() < 0.9
        ], batch_size=5000)
        del school_by_id


def cold(fn):
    """``fn`` with nothing kept: the first request after a write (the data version changed)."""
    from django.core.cache import cache

    def run():
        cache.clear()
        return fn()
    return run


def after_write(fn):
    """``fn`` right after a real write: one teacher's record saved unchanged (an UPDATE, which the
    data version's triggers see like any change), so nothing kept may be used — the first request
    after a data change, as a leader meets it after an HR officer's edit."""
    from django.db.models import F

    from workforce.models import Teacher

    pk = Teacher.objects.order_by("pk").values_list("pk", flat=True).first()

    def run():
        Teacher.objects.filter(pk=pk).update(name=F("name"))
        return fn()
    return run


def first_and_repeat(on, district, repeat: int) -> None:
    """The city and district dashboards (server time of one GET through the test client): the
    first request after a write, then the same page again (what the data version keeps)."""
    from django.conf import settings
    from django.test import Client

    from backend.models import User
    from core.roles import Role

    settings.ALLOWED_HOSTS = ["*"]
    user, _ = User.objects.get_or_create(username="measures_bench_leader", defaults={"role": Role.LEADER})
    client = Client()
    client.force_login(user)
    try:
        for label, url in (("city dashboard", f"/workforce/dashboard/city/?on={on}"),
                           (f"district dashboard ({district.name})", f"/workforce/dashboard/district/{district.code}/?on={on}")):
            def get(url=url):
                assert client.get(url).status_code == 200
            get()
            timed(f"{label}: first after a write", after_write(get), repeat, width=52)
            timed(f"{label}: repeat", get, repeat, width=52)
    finally:
        user.delete()


def page_timings(on, district, school, repeat: int) -> None:
    """The dashboard pages as a leader opens them (view, selectors, template), through the test
    client with a temporary leader account (removed afterwards): first after a write (nothing
    kept: ``cold``), then again (the city's counts kept under the data version), and a leader
    who opens the city page, a district, a school in turn after a write."""
    from django.test import Client

    from django.conf import settings

    from backend.models import User
    from core.roles import Role

    settings.ALLOWED_HOSTS = ["*"]  # the test client's host name
    user, _ = User.objects.get_or_create(username="measures_bench_leader", defaults={"role": Role.LEADER})
    client = Client()
    client.force_login(user)
    try:
        def get(url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        pages = [
            ("city page", f"/workforce/dashboard/city/?on={on}"),
            (f"district page ({district.name})", f"/workforce/dashboard/district/{district.code}/?on={on}"),
            ("school page", f"/workforce/dashboard/school/{school.code}/?on={on}"),
            ("city JSON", f"/workforce/dashboard/measures.json?scope=city&on={on}"),
        ]
        for label, url in pages:
            timed(f"{label}, after a write (GET)", cold(lambda url=url: get(url)), repeat)
            timed(f"{label}, again (GET)", lambda url=url: get(url), repeat)
        timed("city, then district, then school after a write", cold(lambda: [get(url) for _label, url in pages[:3]]),
              repeat)
    finally:
        user.delete()


def main() -> None:
    args = parse_args()
    path = setup_django(args)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from workforce import models as m
    from workforce import selectors as sel

    if path is not None:
        call_command("migrate", verbosity=0)
        if not m.Teacher.objects.exists():
            start = time.perf_counter()
            build_city(args.teachers)
            print(f"built bench city in {time.perf_counter() - start:.1f} s")
    on = args.on
    if args.first_only:
        district = m.District.objects.annotate(n=Count("schools")).order_by("-n").first()
        first_and_repeat(on, district, args.repeat)
        return
    print(f"load average {os.getloadavg()[0]:.1f}; database: {connection.vendor}; teachers {m.Teacher.objects.count():,}, "
          f"专任教师 on the roll {m.Teacher.objects.population(on).count():,}, schools {m.School.objects.count():,}, "
          f"education records {m.EducationRecord.objects.count():,}")
    district = m.District.objects.annotate(n=Count("schools")).order_by("-n").first()
    school = m.School.objects.filter(district=district).order_by("-pk").first()
    targets = sel.load_targets()
    year = sel.school_year_of(on)
    # What the selectors cost with nothing kept (``cold``): the city's counts per school, which
    # every page then shares, and its parts.
    timed("city's counts per school (all measures)", cold(lambda: sel.school_counts(on, year, targets)), args.repeat)
    timed("  of which workforce's own (all_counts)",
          lambda: sel.all_counts(sel.CITY.scope, on, year, targets, sel.NO_FILTERS, "school"), args.repeat)
    from workforce import registry

    timed("  of which training (registry, by school)",
          lambda: registry.compute_by_group("training", sel.CITY.scope, on, "school"), args.repeat)
    timed("city dashboard selectors (measures_by)", cold(lambda: sel.measures_by(sel.CITY, "district", on=on)), args.repeat)
    timed("  the same, counts kept", lambda: sel.measures_by(sel.CITY, "district", on=on), args.repeat)
    timed(f"district selectors ({district.name}), counts kept",
          lambda: sel.measures_by(sel.district_ref(district), "school", on=on), args.repeat)
    timed("school figures + drill-down lists (school alone)", cold(lambda: (
        sel.measures_for(sel.school_ref(school), on=on),
        sel.teachers_below_level(sel.school_ref(school).scope, on, targets),
        list(sel.eligible_not_rotated(sel.school_ref(school).scope, sel.school_year_of(on), targets)),
    )), args.repeat)
    page_timings(on, district, school, args.repeat)
    first_and_repeat(on, district, args.repeat)

if __name__ == "__main__":
    main()
