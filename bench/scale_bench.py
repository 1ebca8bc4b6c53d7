"""Benchmark: the pages a leader opens, on a PostgreSQL city of N teachers (issue 18).

    .venv/bin/python bench/scale_bench.py --database-url postgres://postgres@127.0.0.1:5432/scale_200k \\
        --teachers 200000 [--schools 2800] [--repeat 3]

Seeds the database with the demo city (``demo.builder.build_demo_city``: COPY, then ANALYZE
once committed) when it has no teachers, or reuses the city it has (``--teachers`` is then only
checked against it); migrates first. Refuses SQLite: for the demo's 50,000 teachers on SQLite
use ``bench/measures_bench.py``. Before measuring it runs ``ANALYZE`` on the demo's tables (what
the seed and an import's commit do), so the figures are those of a city whose statistics are
current.

Each page is asked through Django's test client as the city's leader (the server's whole work:
middleware, view, queries, template; no network), ``--repeat`` times each way:

- "cold": everything the process keeps forgotten before each request — the cache, the finished
  rows, the cells, the checked triggers (a server just started: a new process). The facts per
  school (``workforce.facts``) are in the database, brought up to date before measuring (the
  time it takes is printed: what a new day or a change to reference data costs once);
- "after a write": cold, and one teacher of the largest school changed before each request (the
  page first recounts that school's facts);
- "again": the next request, the counts per school kept under the data version.

``--no-facts`` measures the pages as they were before the facts (every count from the records,
kept only in the process): the "before" of the facts, on the same database and load.

It prints the best and median server time (wall), the least CPU time of this process (the
database's own work is in the wall time only: on this shared machine the wall time moves with
the load, printed too) and the number of queries of one request. The pages:
the city dashboard, the largest district's dashboard, the largest school's page, the rotation
plan, the training report (培训达标) and the city's Excel export (``dashboard/export.xlsx``).

``--cities N`` seeds a province (``seed_demo --cities``): the city's pages are then opened by the
largest city's leader (its largest district and school), and the province's page by the
province's leader (a leader of no city), first, once the dashboards have them; a page a leader
may not open is printed as such and not measured. Figures and the commands that gave them: bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="a PostgreSQL database of its own (created empty with createdb); default DATABASE_URL")
    parser.add_argument("--teachers", type=int, default=50_000, help="teachers to seed when the database has none")
    parser.add_argument("--schools", type=int, default=0, help="schools to seed (default 14 per 1,000 teachers)")
    parser.add_argument("--cities", type=int, default=1, help="cities to seed (seed_demo --cities): a province when > 1")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-facts", action="store_true", help="count from the records, as before the facts per school")
    parser.add_argument("--only", default="", help="comma-separated page keys to measure (province,city,"
                                                   "district,school,rotation,training,export)")
    return parser.parse_args()


def setup(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("scale_bench: give --database-url postgres://… (a database of its own)")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
    import django

    django.setup()


def seed_or_reuse(args) -> None:
    from django.core.management import call_command
    from django.db import connection

    from core.db import analyze_now
    from demo import builder
    from workforce import models as m

    call_command("migrate", verbosity=0)
    have = m.Teacher.objects.count()
    if have == 0:
        schools = args.schools or max(builder.DEFAULT_SCHOOLS, round(args.teachers * 14 / 1000))
        print(f"seeding {args.teachers:,} teachers in {schools:,} schools, {args.cities} cities (COPY, then ANALYZE) …",
              flush=True)
        result = builder.build_demo_city(teachers=args.teachers, schools=schools, cities=args.cities,
                                         log=lambda line: print(line, flush=True))
        print(f"seeded in {result.seconds:.0f} s (planning and writing {result.build_seconds:.0f} s, "
              f"commit and ANALYZE {result.seconds - result.build_seconds:.0f} s)")
    elif have != args.teachers:
        print(f"note: the database has {have:,} teachers (not {args.teachers:,}): measuring what it has")
    began = time.perf_counter()
    analyze_now(builder.demo_models(), using=connection.alias)
    print(f"ANALYZE of the demo's tables: {time.perf_counter() - began:.1f} s")


def measure(args) -> list[tuple]:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from backend.models import User
    from core.roles import Role
    from workforce import models as m

    settings.ALLOWED_HOSTS = ["*"]  # the test client's host name
    city = None  # in a province: the largest city, whose leader opens the city's pages
    if m.City.objects.count() > 1:
        city = m.City.objects.annotate(n=Count("districts__schools__teachers")).order_by("-n").first()
    districts = m.District.objects.filter(city=city) if city else m.District.objects.all()
    district = districts.annotate(n=Count("schools__teachers")).order_by("-n").first()
    schools = m.School.objects.filter(district__city=city) if city else m.School.objects.all()
    school = schools.annotate(n=Count("teachers")).order_by("-n").first()
    pages = [
        ("city", f"city dashboard ({city.name})" if city else "city dashboard", "/workforce/dashboard/city/"),
        ("district", f"district dashboard ({district.name})", f"/workforce/dashboard/district/{district.code}/"),
        ("school", f"school page ({school.name[:12]})", f"/workforce/dashboard/school/{school.code}/"),
        ("rotation", "rotation plan (city)", "/workforce/rotation/"),
        ("training", "training report (city)", "/training/report/"),
        ("export", "city Excel export",
         "/workforce/dashboard/export.xlsx?scope=" + (f"city:{city.code}" if city else "city")),
    ]
    pages = province_pages(city) + pages
    if args.only:
        wanted = set(args.only.split(","))
        pages = [p for p in pages if p[0] in wanted]
    User.objects.filter(username__in=["scale_bench_leader", "scale_bench_province"]).delete()
    users = {"city": User.objects.create(username="scale_bench_leader", role=Role.LEADER, city=city)}
    if city is not None:  # the province's leader: a leader of no city
        users["province"] = User.objects.create(username="scale_bench_province", role=Role.LEADER)
    clients = {}
    for who, user in users.items():
        clients[who] = Client()
        clients[who].force_login(user)
    written = m.Teacher.objects.filter(school=school).order_by("pk").first()
    rows = []
    try:
        for key, label, url in pages:
            client = clients["province" if key == "province" else "city"]
            figures = []
            for mode in ("cold", "write", "again"):
                times, queries = [], 0
                for i in range(args.repeat):
                    if mode != "again":
                        forget_process()
                    if mode == "write":  # a teacher's record changed: the school is marked by the triggers
                        m.Teacher.objects.filter(pk=written.pk).update(subject=written.subject if i % 2 else "基准")
                    with CaptureQueriesContext(connection) as captured:
                        began, cpu = time.perf_counter(), time.process_time()
                        response = client.get(url)
                        times.append((time.perf_counter() - began, time.process_time() - cpu))
                    if response.status_code != 200:
                        break
                    queries = len(captured.captured_queries)
                if response.status_code != 200:
                    print(f"{label:<36}  HTTP {response.status_code} for this leader: not measured", flush=True)
                    break
                walls, cpus = [t for t, _c in times], [c for _t, c in times]
                figures.append((min(walls), statistics.median(walls), min(cpus), queries))
            if len(figures) < 3:
                continue
            rows.append((label, *figures))
            print(f"{label:<36}" + ";".join(
                f"  {mode} {best * 1000:6.0f} ms (median {median * 1000:6.0f}, CPU {cpu * 1000:5.0f}) {q:3d} q"
                for mode, (best, median, cpu, q) in zip(("cold", "after a write", "again"), figures)), flush=True)
    finally:
        m.Teacher.objects.filter(pk=written.pk).update(subject=written.subject)
        for user in users.values():
            user.delete()
    return rows


def province_pages(city) -> list[tuple[str, str, str]]:
    """The province's page, in a province of several cities (``--cities``): the city dashboard's
    address as a leader of no city (a row per city); none in a single city (``city`` None)."""
    from django.urls import reverse

    if city is None:
        return []
    return [("province", "province dashboard", reverse("workforce:dashboard_city"))]


def forget_process() -> None:
    """What a new process has not: the cache (Django's default is per process), the finished rows
    and cells kept in the process, the targets' fingerprints, the triggers found complete."""
    from django.core.cache import cache

    from workforce import dashboard_views, dataversion
    from workforce import selectors as sel

    cache.clear()
    sel._FINISHED.clear()
    sel._PRINTS.clear()
    dashboard_views._ROW_CELLS.clear()
    dataversion._verified.clear()


def facts_ready(args) -> None:
    """Bring the facts per school up to date before measuring (``--no-facts``: never read them)."""
    from workforce import facts

    if args.no_facts:
        facts.school_counts = lambda *a, **k: None
        print("facts per school: not used (--no-facts)")
        return
    began = time.perf_counter()
    done = facts.refresh()
    seconds = time.perf_counter() - began
    what = "nothing to do" if not done.recounted else (
        "every school" if all(v is None for v in done.recounted.values()) else "the schools written")
    print(f"facts per school brought up to date in {seconds:.1f} s ({what})", flush=True)


def main() -> None:
    args = parse_args()
    setup(args.database_url)
    from django.db import connection

    from workforce import models as m

    seed_or_reuse(args)
    facts_ready(args)
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}; teachers {m.Teacher.objects.count():,}, "
          f"schools {m.School.objects.count():,}; load average {os.getloadavg()[0]:.1f}; repeat {args.repeat}")
    measure(args)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
