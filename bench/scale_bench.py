"""Benchmark: the pages a leader opens, on a PostgreSQL city of N teachers (issue 18).

    .venv/bin/python bench/scale_bench.py --database-url postgres://postgres@127.0.0.1:5432/scale_200k \\
        --teachers 200000 [--schools 2800] [--repeat 3]

Seeds the database with the demo city (``workforce.demo.build_demo_city``: COPY, then ANALYZE
once committed) when it has no teachers, or reuses the city it has (``--teachers`` is then only
checked against it); migrates first. Refuses SQLite: for the demo's 50,000 teachers on SQLite
use ``bench/measures_bench.py``. Before measuring it runs ``ANALYZE`` on the demo's tables (what
the seed and an import's commit do), so the figures are those of a city whose statistics are
current.

Each page is asked through Django's test client as the city's leader (the server's whole work:
middleware, view, queries, template; no network), ``--repeat`` times each way:

- "nothing kept": the cache cleared before each request (a server just started, or the first
  request after a change to the data where nothing of before can be reused);
- "again": the next request, the counts per school kept under the data version.

It prints the best and median server time and the number of queries of one request. The pages:
the city dashboard, the largest district's dashboard, the largest school's page, the rotation
plan, the training report (培训达标) and the city's Excel export (``dashboard/export.xlsx``).

One city, however large: a province of several cities (``seed_demo --cities``) is a later
step of issue 18. Figures and the commands that gave them: bench/README.md.
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
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated page keys to measure (city,district,school,"
                                                   "rotation,training,export)")
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
    from workforce import demo
    from workforce import models as m

    call_command("migrate", verbosity=0)
    have = m.Teacher.objects.count()
    if have == 0:
        schools = args.schools or max(demo.DEFAULT_SCHOOLS, round(args.teachers * 14 / 1000))
        print(f"seeding {args.teachers:,} teachers in {schools:,} schools (COPY, then ANALYZE) …", flush=True)
        result = demo.build_demo_city(teachers=args.teachers, schools=schools, log=lambda line: print(line, flush=True))
        print(f"seeded in {result.seconds:.0f} s (planning and writing {result.build_seconds:.0f} s, "
              f"commit and ANALYZE {result.seconds - result.build_seconds:.0f} s)")
    elif have != args.teachers:
        print(f"note: the database has {have:,} teachers (not {args.teachers:,}): measuring what it has")
    began = time.perf_counter()
    analyze_now(demo.demo_models(), using=connection.alias)
    print(f"ANALYZE of the demo's tables: {time.perf_counter() - began:.1f} s")


def measure(args) -> list[tuple]:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from backend.models import User
    from core.roles import Role
    from workforce import models as m

    settings.ALLOWED_HOSTS = ["*"]  # the test client's host name
    district = m.District.objects.annotate(n=Count("schools__teachers")).order_by("-n").first()
    school = m.School.objects.annotate(n=Count("teachers")).order_by("-n").first()
    pages = [
        ("city", "city dashboard", "/workforce/dashboard/city/"),
        ("district", f"district dashboard ({district.name})", f"/workforce/dashboard/district/{district.code}/"),
        ("school", f"school page ({school.name[:12]})", f"/workforce/dashboard/school/{school.code}/"),
        ("rotation", "rotation plan (city)", "/workforce/rotation/"),
        ("training", "training report (city)", "/training/report/"),
        ("export", "city Excel export", "/workforce/dashboard/export.xlsx?scope=city"),
    ]
    if args.only:
        wanted = set(args.only.split(","))
        pages = [p for p in pages if p[0] in wanted]
    user, _ = User.objects.get_or_create(username="scale_bench_leader", defaults={"role": Role.LEADER})
    client = Client()
    client.force_login(user)
    rows = []
    try:
        for _key, label, url in pages:
            figures = []
            for fresh in (True, False):
                times, queries = [], 0
                for _ in range(args.repeat):
                    if fresh:
                        cache.clear()
                    with CaptureQueriesContext(connection) as captured:
                        began = time.perf_counter()
                        response = client.get(url)
                        times.append(time.perf_counter() - began)
                    assert response.status_code == 200, (url, response.status_code)
                    queries = len(captured.captured_queries)
                figures.append((min(times), statistics.median(times), queries))
            rows.append((label, *figures))
            (b1, m1, q1), (b2, m2, q2) = figures
            print(f"{label:<40} nothing kept {b1 * 1000:8.0f} ms (median {m1 * 1000:6.0f}) {q1:3d} q;"
                  f"  again {b2 * 1000:7.0f} ms (median {m2 * 1000:6.0f}) {q2:3d} q", flush=True)
    finally:
        user.delete()
    return rows


def main() -> None:
    args = parse_args()
    setup(args.database_url)
    from django.db import connection

    from workforce import models as m

    seed_or_reuse(args)
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}; teachers {m.Teacher.objects.count():,}, "
          f"schools {m.School.objects.count():,}; load average {os.getloadavg()[0]:.1f}; repeat {args.repeat}")
    measure(args)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
