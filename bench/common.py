"""What the benchmarks share: the common options, the bench database, and the timing line.

    from common import base_parser, bench_database, timed

``timed`` prints the best and median wall time (what a user waits for), the best CPU time of this
process (SQLite runs in-process, so that is the work itself whatever else the machine does) and
the number of queries of one run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def base_parser(doc: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="reuse the bench database if it exists")
    parser.add_argument("--use-existing", action="store_true", help="measure the DATABASE_URL database as it is")
    return parser


def bench_database(args, name: str) -> Path | None:
    """Point ``DATABASE_URL`` at a SQLite file ``name`` in the temporary folder (removed first
    unless ``--keep``), or leave it alone with ``--use-existing``; then set Django up."""
    path = None
    if not args.use_existing:
        path = Path(tempfile.gettempdir()) / name
        if path.exists() and not args.keep:
            path.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
    import django

    django.setup()
    return path


def timed(label: str, fn, repeat: int, width: int = 44):
    """Run ``fn`` ``repeat`` times and print one line of figures; returns the last result."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    walls, cpus, queries, result = [], [], 0, None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            wall, cpu = time.perf_counter(), time.process_time()
            result = fn()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        queries = len(captured.captured_queries)
    print(f"{label:<{width}} wall best {min(walls) * 1000:7.1f} ms, median {statistics.median(walls) * 1000:7.1f} ms;"
          f" CPU best {min(cpus) * 1000:7.1f} ms; {queries:3d} queries")
    return result
