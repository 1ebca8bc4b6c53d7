"""Benchmark: the workflow pages' computations (rotation plan, eligible list, quota table and
allocation, honour progress, conflicting awards) on the demo city (50,000 teachers by default).

    .venv/bin/python bench/workflows_bench.py [--teachers 50000] [--repeat 5] [--keep] [--use-existing]

Builds the demo city (``demo.builder.build_demo_city``) in a SQLite file of the system's
temporary folder (reused with ``--keep``), or measures the ``DATABASE_URL`` database as it is
with ``--use-existing``. Prints best and median wall time over ``--repeat`` runs and the number
of queries of each computation.
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import base_parser, bench_database, timed  # noqa: E402  (bench/ is the script's folder)


def parse_args():
    parser = base_parser(__doc__)
    parser.add_argument("--year", type=int, default=2025, help="school year (start year)")
    return parser.parse_args()


def setup(args):
    bench_database(args, f"workflows_bench_{args.teachers}.sqlite3")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from demo.builder import build_demo_city, demo_city_exists

    if not demo_city_exists():
        began = time.perf_counter()
        build_demo_city(teachers=args.teachers)
        print(f"built the demo city ({args.teachers} teachers) in {time.perf_counter() - began:.1f} s")


def measure(label: str, fn, repeat: int):
    return timed(label, fn, repeat, width=52)


def main():
    args = parse_args()
    setup(args)
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from backend.scoping import Scope
    from workforce import honours, quota, rotation, services
    from workforce import selectors as sel
    from workforce.models import District, HonourType, Teacher

    city = Scope("city")
    year = args.year
    biggest = max(District.objects.all(), key=lambda d: Teacher.objects.filter(school__district=d).count())
    district = Scope("district", district_id=biggest.pk)
    print(f"teachers: {Teacher.objects.count()}, school year {year}-{year + 1}, largest district {biggest.name}")

    figures = measure("rotation plan, city (rotation_figures)", lambda: rotation.rotation_figures(city, year), args.repeat)
    measure(f"rotation plan, {biggest.name}", lambda: rotation.rotation_figures(district, year), args.repeat)
    measure(f"rotation per-school table, {biggest.name}", lambda: rotation.per_school(district, year), args.repeat)

    def eligible_page():
        qs = rotation.annotate_rotation(rotation.eligible_queryset(district, year), year).select_related("school")
        return qs.count(), list(qs.order_by("school__code", "name")[:100])

    measure(f"eligible list: count + first page, {biggest.name}", eligible_page, args.repeat)
    table = measure("quota table, city (quota_table)", lambda: sel.quota_table(city, year), args.repeat)
    plan = measure("allocation of 200 posts (pure, allocate_pool)", lambda: quota.allocate_pool(table, 200), args.repeat)
    on = dt.date(year, 10, 1)
    measure("honour progress, city (honours_by_district)", lambda: sel.honours_by_district(city, on), args.repeat)
    measure("conflicting awards, city (count)", lambda: honours.conflicting_awards(city, on).count(), args.repeat)
    mingshi = HonourType.objects.get(code="gangcheng_mingshi")
    measure("港城名师 candidates, city (count)", lambda: honours.candidates(city, mingshi, on).count(), args.repeat)

    user = get_user_model().objects.filter(role="city_hr").first() or get_user_model()(username="bench", role="city_hr")

    def allocate_and_roll_back():
        with transaction.atomic():
            proposal = services.quota_allocate(school_year=year, posts=200, user=user)
            lines = proposal.lines.count()
            transaction.set_rollback(True)
        return lines

    if user.pk:
        measure("quota_allocate service (200 posts, rolled back)", allocate_and_roll_back, args.repeat)
    print(f"rotation, city: eligible {figures.eligible}, rotated {figures.rotated}, more {figures.plan.more}, "
          f"of them 骨干 {figures.plan.backbone_more}")
    print(f"quota, city: {len(table.schools)} schools, standard {table.city.standard}, approved {table.city.approved}, "
          f"actual {table.city.actual}; allocation lines {len(plan.lines)}, leftover {plan.leftover}")


if __name__ == "__main__":
    main()
