"""Whether two PostgreSQL databases hold the same rows: an md5 of every table's rows in key order,
timestamps, password hashes and the data versions (random, ``workforce.dataversion``) left out.
Used to check that the demo's seed gives the same city before and after a change of the build
(bench/README.md, "The seed"):

    .venv/bin/python bench/table_digest.py postgres://postgres@127.0.0.1:5432/a postgres://postgres@127.0.0.1:5432/b

With one database it prints each table's row count and digest; with two, the tables that differ
(exit status 1 when any does).
"""
from __future__ import annotations

import sys

import psycopg

SKIPPED_TYPES = {"timestamp with time zone", "timestamp without time zone"}
# salted anew each run, or the transaction's id and the data versions (random) of a run
SKIPPED_COLUMNS = {("backend_user", "password"), ("workforce_dataversion", "value"), ("workforce_dirtyschool", "xid"),
                   ("workforce_factstate", "marker")}
SKIPPED_TABLES = {"django_session", "django_admin_log", "django_migrations"}


def digests(url: str) -> dict[str, tuple[int, str]]:
    """Table → (rows, md5 of the rows in key order, kept columns only)."""
    out = {}
    with psycopg.connect(url) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name")]
        for table in tables:
            if table in SKIPPED_TABLES:
                continue
            columns = [(name, kind) for name, kind in conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
                "AND table_name = %s ORDER BY ordinal_position", (table,))]
            kept = [name for name, kind in columns if kind not in SKIPPED_TYPES and (table, name) not in SKIPPED_COLUMNS]
            key = [row[0] for row in conn.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary", (table,))]
            order = ", ".join(f'"{name}"' for name in (key or kept))
            row = ", ".join(f'"{name}"' for name in kept)
            count, digest = conn.execute(
                f'SELECT count(*), md5(coalesce(string_agg(row({row})::text, E\'\\n\' ORDER BY {order}), \'\')) '
                f'FROM "{table}"').fetchone()
            out[table] = (count, digest)
    return out


def main(argv: list[str]) -> int:
    first = digests(argv[0])
    if len(argv) == 1:
        for table, (count, digest) in first.items():
            print(f"{table:<48}{count:>10}  {digest}")
        return 0
    second = digests(argv[1])
    differ = 0
    for table in sorted(set(first) | set(second)):
        a, b = first.get(table), second.get(table)
        if a != b:
            differ += 1
            print(f"DIFFERS {table}: {a} / {b}")
    print(f"{len(first)} tables, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
