"""Benchmark of the audit trail and the backup (issue 7). Prints figures, asserts nothing.

    .venv/bin/python bench/security_bench.py [--rows 200000] [--database-url postgres://...]

On a fresh database (SQLite in the system's temporary folder unless ``--database-url``):

1. ``audit.record_many`` of ``--rows`` import-style rows (with a masked diff each): rows/s;
2. one ``audit.record`` at a time (what a page does per event): rows/s over 2,000 rows;
3. the audit search page (city HR) on that table: first page, a filter by user, a filter by
   object id, a date range — milliseconds and queries each;
4. ``manage.py backup`` of the database: seconds and bytes.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
    os.environ["DEBUG"] = "false"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        path = Path(tempfile.gettempdir()) / f"security_bench_{os.getpid()}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    setup_django(args)

    import datetime as dt

    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from backend import audit
    from backend.models import AuditEntry, User
    from core.roles import Role
    from core.identity import make_id_number

    city = User.objects.filter(username="bench_city").first() or User.objects.create_user(
        "bench_city", password="Bench-pass-2025", role=Role.CITY_HR, is_staff=True)
    print(f"database: {connection.vendor}; audit rows before: {AuditEntry.objects.count():,}")

    # 1. bulk, as an import writes them
    start = time.perf_counter()
    batch = []
    for i in range(args.rows):
        number = make_id_number("320706", dt.date(1980 + i % 20, 1 + i % 12, 1 + i % 28), i % 100, "1")
        batch.append(audit.entry(audit.UPDATE, user=city, object_type="workforce.teacher", object_id=str(i),
                                 object_repr=f"教师{i}（{number}）", source="import", run_ref="bench",
                                 changes={"id_number": {"label": "身份证件号", "old": number, "new": number},
                                          "subject": {"label": "任教学科", "old": "语文", "new": "数学"}}))
        if len(batch) == 5000:
            audit.record_many(batch)
            batch = []
    audit.record_many(batch)
    took = time.perf_counter() - start
    print(f"record_many: {args.rows:,} rows in {took:.2f} s = {args.rows / took:,.0f} rows/s (masking included)")

    # 2. one at a time
    start = time.perf_counter()
    for i in range(2000):
        audit.record(audit.EXPORT, user=city, object_type="workforce.dashboard", message=f"导出 {i}")
    took = time.perf_counter() - start
    print(f"record (one by one): 2,000 rows in {took:.2f} s = {2000 / took:,.0f} rows/s")

    # 3. the search page
    client = Client(SERVER_NAME="localhost")
    client.force_login(city)
    today = timezone.localdate()
    for label, params in [
        ("first page", {}),
        ("by user", {"user": "bench_city"}),
        ("by object id", {"object": "12345"}),
        ("by action + dates", {"action": "export", "date_from": today - dt.timedelta(days=7), "date_to": today}),
        ("page 100", {"page": 100}),
    ]:
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get("/accounts/audit/", params)
            took = (time.perf_counter() - start) * 1000
        print(f"audit search {label:<18} {took:8.1f} ms  {len(ctx.captured_queries)} queries  HTTP {response.status_code}")

    # 4. backup
    from django.core.management import call_command

    target = Path(tempfile.gettempdir()) / f"security_bench_{os.getpid()}.backup"
    start = time.perf_counter()
    call_command("backup", output=str(target), stdout=open(os.devnull, "w"))
    took = time.perf_counter() - start
    print(f"backup: {took:.2f} s, {target.stat().st_size / 1e6:.1f} MB ({AuditEntry.objects.count():,} audit rows)")
    target.unlink()


if __name__ == "__main__":
    main()
