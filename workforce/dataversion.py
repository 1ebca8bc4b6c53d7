"""The data version: numbers the database itself changes on every write to the data the measures
read, so the dashboard may keep computed figures keyed on them and never show stale ones.

Every write — the ORM, ``bulk_create`` and ``update()`` (which send no signals), the import's
own INSERT statements on the raw connection, the admin, a management command, a SQL client —
goes through the database, so the versions are kept by triggers, not by Python code that a new
write path could forget:

- the table ``workforce_dataversion`` holds one row per watched app (``app``, ``value``);
- every table of a watched app (``workforce``, and the apps every measure of
  ``workforce.registry`` reads: ``training``) has triggers that set its app's value to a fresh random
  number after each INSERT, UPDATE or DELETE (SQLite: per row; PostgreSQL: per statement, and
  after TRUNCATE). They are (re)installed after every ``migrate`` (``install_triggers``, the
  ``post_migrate`` receiver of ``WorkforceConfig``), so a table added later is watched too.

Random, not a counter: a counter rolled back with its transaction (or a database restored from a
backup) would give an old number to different data. The new value is written in the writer's own
transaction, so it becomes visible to readers exactly when the data does. One number per app,
so a teacher logging a training record leaves the workforce counts kept.

``current(apps)`` is the values now, or None when they cannot be trusted (no table, or a watched
table without its triggers): then nothing may be cached. ``cached(parts, compute, apps)`` reads
the versions before computing and again after, and keeps the result only if no write came in
between.
"""
from __future__ import annotations

import hashlib
import logging

from django.apps import apps
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

from . import registry

logger = logging.getLogger(__name__)

TABLE = "workforce_dataversion"
TRIGGER_PREFIX = "dataversion_"
PG_FUNCTION = "workforce_dataversion_bump"
# Seconds a computed result is kept (it can never be stale: the key holds the versions; this only
# bounds the memory taken by old versions and dates).
TIMEOUT = 6 * 3600
VENDORS = {"sqlite", "postgresql"}
_verified: set[tuple[str, str]] = set()  # (alias, database name) whose triggers were found complete


def watched_apps() -> list[str]:
    """``workforce`` and the apps whose data the dashboard's measures read (``registry``)."""
    labels = {"workforce"}
    for measure in registry.measures():
        labels.update(measure.apps)
    return sorted(labels)


def measure_apps(name: str) -> tuple[str, ...]:
    """The apps whose data a measure reads (``Measure.apps``): its own and ``workforce`` (teachers)."""
    measure = registry.by_key(name)
    return tuple(sorted({"workforce"} | set(measure.apps if measure else ())))


def watched_tables() -> dict[str, str]:
    """table → app label, for the tables of the watched apps (their models, with the
    many-to-many tables), never the version's own."""
    tables = {}
    for label in watched_apps():
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables[model._meta.db_table] = label
    tables.pop(TABLE, None)
    return dict(sorted(tables.items()))


def _trigger_name(table: str, operation: str) -> str:
    return f"{TRIGGER_PREFIX}{table}_{operation.lower()}"


def _sqlite_statements(table: str, label: str) -> list[str]:
    return [
        f'CREATE TRIGGER IF NOT EXISTS "{_trigger_name(table, op)}" AFTER {op} ON "{table}" '
        f"BEGIN UPDATE {TABLE} SET value = random() WHERE app = '{label}'; END"
        for op in ("INSERT", "UPDATE", "DELETE")
    ]


PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {TABLE} SET value = floor(random() * 9007199254740991)::bigint WHERE app = TG_ARGV[0];
    RETURN NULL;
END;
$$
"""


def _pg_statements(table: str, label: str) -> list[str]:
    name = _trigger_name(table, "write")
    return [
        f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"',
        f'CREATE TRIGGER "{name}" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}('{label}')",
    ]


def create_table(connection) -> None:
    """The version table (the migration calls this; ``install_triggers`` adds the rows)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (app varchar(100) PRIMARY KEY, value bigint NOT NULL)")


def install_triggers(connection=None) -> int:
    """(Re)create the triggers on every watched table that exists, and a version row for each
    watched app; returns how many tables. Idempotent. Other databases than SQLite and PostgreSQL
    get none (and no caching)."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if connection.vendor not in VENDORS:
        return 0
    existing = set(connection.introspection.table_names())
    if TABLE not in existing:
        return 0
    tables = {t: label for t, label in watched_tables().items() if t in existing}
    with connection.cursor() as cursor:
        for label in watched_apps():
            if connection.vendor == "sqlite":
                cursor.execute(f"INSERT OR IGNORE INTO {TABLE} (app, value) VALUES (%s, random())", [label])
            else:
                cursor.execute(f"INSERT INTO {TABLE} (app, value) VALUES (%s, 0) ON CONFLICT (app) DO NOTHING", [label])
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION_SQL)
        for table, label in tables.items():
            statements = _sqlite_statements if connection.vendor == "sqlite" else _pg_statements
            for sql in statements(table, label):
                cursor.execute(sql)
    _verified.clear()
    return len(tables)


def on_post_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """``post_migrate`` receiver: after a migrate, every watched table has its triggers (the
    SQLite schema editor rebuilds a table to alter it, and its triggers go with the old one)."""
    install_triggers(connections[using])


def missing_triggers(connection=None) -> list[str]:
    """The watched tables that lack their triggers (none, once ``install_triggers`` has run)."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    existing = set(connection.introspection.table_names())
    wanted = [t for t in watched_tables() if t in existing]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                           [f"{TRIGGER_PREFIX}%"])
            names = {row[0] for row in cursor.fetchall()}
            return [t for t in wanted if any(_trigger_name(t, op) not in names for op in ("INSERT", "UPDATE", "DELETE"))]
        cursor.execute("SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE g.tgname LIKE %s",
                       [f"{TRIGGER_PREFIX}%"])
        names = {row[0] for row in cursor.fetchall()}
        return [t for t in wanted if t not in names]


def current(labels=("workforce",), using: str | None = None) -> tuple | None:
    """The versions of the apps ``labels`` now, or None when they cannot be trusted (then nothing
    is cached). One query; the triggers are checked once per process and database. Read from
    the database the data is read from now (a dashboard on the read replica: the replica's,
    which its lagging data has; ``backend.routers``)."""
    from backend.routers import read_alias

    connection = connections[using or read_alias()]
    if connection.vendor not in VENDORS:
        return None
    marker = (connection.alias, str(connection.settings_dict.get("NAME")))
    if marker not in _verified:
        if TABLE not in connection.introspection.table_names():
            return None
        missing = missing_triggers(connection)
        if missing:
            logger.warning("data version: tables without triggers, the dashboard is not kept: %s", missing)
            return None
        _verified.add(marker)
    labels = tuple(sorted(set(labels)))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, value FROM {TABLE} WHERE app IN ({', '.join(['%s'] * len(labels))})", list(labels))
        values = dict(cursor.fetchall())
    if any(label not in values for label in labels):
        return None
    return tuple((label, values[label]) for label in labels)


def make_key(*parts) -> str:
    """A cache key from any values (their ``repr``), short and safe for every cache backend."""
    return "dataversion:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached(parts: tuple, compute, labels=("workforce",)):
    """``compute()``, kept in the cache under ``parts`` and the versions of the apps ``labels``
    (those whose data it reads). The versions are read before computing and after: the result is
    kept only if no write came in between, so a result kept under versions was computed from
    their data."""
    before = current(labels)
    if before is None:
        return compute()
    key = make_key(before, *parts)
    value = cache.get(key)
    if value is not None:
        return value
    value = compute()
    if current(labels) == before:
        cache.set(key, value, TIMEOUT)
    return value


def cached_many(jobs: list[tuple[tuple, object, tuple]], *, compute: bool = True) -> list | None:
    """``cached`` for several results at once: ``jobs`` are ``(parts, compute, labels)``. The
    versions of every app named are read once before (and once after, if anything was computed),
    and the kept results fetched in one cache call. ``compute=False``: only what is kept, else
    None (nothing is computed)."""
    labels = tuple(sorted({label for _parts, _run, names in jobs for label in names}))
    before = current(labels)
    if before is None:
        return [run() for _parts, run, _names in jobs] if compute else None
    versions = dict(before)
    keys = [make_key(tuple((label, versions[label]) for label in sorted(set(names))), *parts)
            for parts, _run, names in jobs]
    kept = cache.get_many(keys)
    if not compute:
        return None if len(kept) < len(keys) else [kept[key] for key in keys]
    values, fresh = [], {}
    for key, (_parts, run, _names) in zip(keys, jobs):
        if key in kept:
            values.append(kept[key])
        else:
            fresh[key] = run()
            values.append(fresh[key])
    if fresh and current(labels) == before:
        cache.set_many(fresh, TIMEOUT)
    return values


def peek(parts: tuple, labels=("workforce",)):
    """What ``cached(parts, …, labels)`` keeps for the data of now, or None (nothing is computed)."""
    version = current(labels)
    return None if version is None else cache.get(make_key(version, *parts))
