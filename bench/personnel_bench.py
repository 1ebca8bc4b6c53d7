"""Benchmark: personnel work on the demo city — the national-template export, the annual check
and the personnel pages.

    .venv/bin/python bench/personnel_bench.py [--teachers 50000] [--repeat 5] [--keep]

Builds the demo city (``demo.builder.build_demo_city``, ``--teachers`` teachers) in a SQLite
file of the temporary folder (reused with ``--keep``), adds its personnel demo
(``demo.personnel.add_personnel_demo``) and a reporting period, then times over ``--repeat``
runs: the national template of the city (every teacher and sub-record) and of one school, the
annual check of every school, and the requests, events, teachers and annual pages as city HR.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import base_parser, bench_database, timed  # noqa: E402  (bench/ is the script's folder)


def main() -> None:
    args = base_parser(__doc__).parse_args()
    path = bench_database(args, f"personnel_bench_{args.teachers}.sqlite3")
    from django.core.management import call_command

    from demo import builder

    fresh = not args.use_existing and not (args.keep and path and path.exists() and path.stat().st_size > 1_000_000)
    call_command("migrate", verbosity=0)
    if fresh:
        began = time.perf_counter()
        builder.build_demo_city(teachers=args.teachers)
        print(f"demo city of {args.teachers} teachers built in {time.perf_counter() - began:.1f} s")
    from django.test import Client

    from backend.models import User
    from personnel import annual, national
    from demo.personnel import add_personnel_demo
    from personnel.models import ReportingPeriod
    from workforce.models import School, Teacher

    print("add_personnel_demo:", add_personnel_demo())
    city = User.objects.get(username="city_hr")
    period = ReportingPeriod.objects.first() or annual.period_open(school_year=2026, name="2026-2027学年基数",
                                                                   deadline=None, user=city)
    school = School.objects.order_by("pk").first()
    size = {}

    def export_city():
        content, size["teachers"] = national.workbook(Teacher.objects.all(), full_identity=True)
        size["bytes"] = len(content)

    timed("national template, city", export_city, max(1, args.repeat // 2))
    print(f"  {size['teachers']} teachers, {size['bytes'] / 1e6:.1f} MB")
    timed("national template, one school", lambda: national.workbook(Teacher.objects.filter(school=school),
                                                                     full_identity=True), args.repeat)
    timed(f"annual check, {School.objects.count()} schools",
          lambda: annual.school_checks(School.objects.filter(is_active=True), period), args.repeat)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(city)
    for url in ["/personnel/requests/", "/personnel/events/", "/personnel/teachers/",
                f"/personnel/annual/{period.pk}/", "/personnel/teachers/?q=" + Teacher.objects.first().id_number[-4:]]:
        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        timed(f"GET {url}", get, args.repeat)


if __name__ == "__main__":
    main()
