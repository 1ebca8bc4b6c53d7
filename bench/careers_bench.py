"""Benchmark: careers on the demo city — adding its demo data, the post-structure measure, a
round's eligibility checks, and the careers pages.

    .venv/bin/python bench/careers_bench.py [--teachers 50000] [--repeat 5] [--keep]

Builds the demo city (``demo.builder.build_demo_city``, ``--teachers`` teachers) in a SQLite
file of the temporary folder (reused with ``--keep``), then times ``demo.careers.add_careers_demo``
once and, over ``--repeat`` runs: the 中高级 share of the city (one grouped query), its rows by
school, the eligibility of 50 candidates of the round, and the pages as city HR.
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
    path = bench_database(args, f"careers_bench_{args.teachers}.sqlite3")
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
    from backend.scoping import Scope
    from careers import selectors
    from demo.careers import add_careers_demo
    from careers.models import Assessment, PromotionRound

    began, cpu = time.perf_counter(), time.process_time()
    counts = add_careers_demo()
    print(f"add_careers_demo: {counts} in wall {time.perf_counter() - began:.2f} s, CPU {time.process_time() - cpu:.2f} s"
          f" ({Assessment.objects.count()} assessments in the database)")
    on = builder.AS_OF
    city = Scope("city")
    timed("中高级 share, city", lambda: selectors.post_structure_measure(city, on), args.repeat)
    timed("中高级 share by school", lambda: selectors.post_structure_by_group(city, on, "school"), args.repeat)
    rnd = PromotionRound.objects.order_by("-year").first()
    candidates = list(selectors.round_candidates(rnd, city)[:50])
    titles = selectors.current_titles([t.pk for t in candidates], rnd.reference_date)
    targets = {t.pk: selectors.next_title(rnd.series, titles.get(t.pk, (None,))[0], rnd.levels) for t in candidates}
    timed("eligibility of 50 candidates", lambda: selectors.eligibility(rnd, candidates, targets), args.repeat)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="city_hr"))
    year = on.year - 1
    for url in ("/careers/assessments/?year=%d" % year, "/careers/posts/", f"/careers/rounds/{rnd.pk}/candidates/"):
        response = timed(f"GET {url}", lambda url=url: client.get(url), args.repeat)
        assert response.status_code == 200, (url, response.status_code)


if __name__ == "__main__":
    main()
