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
from dataclasses import dataclass

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
    many-to-many tables), never the version's own nor the facts counted from them."""
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
    tables.pop(DIRTY_TABLE, None)
    for table in derived_tables():
        tables.pop(table, None)
    return dict(sorted(tables.items()))


def derived_tables() -> set[str]:
    """Tables counted from the watched ones, no data of theirs: the facts per school
    (``workforce.facts``). A write of facts marks no school (else every refresh would mark what
    it wrote) and changes no version."""
    from .fact_models import FactState, SchoolFact

    return {SchoolFact._meta.db_table, FactState._meta.db_table}


def _trigger_name(table: str, operation: str) -> str:
    return f"{TRIGGER_PREFIX}{table}_{operation.lower()}"


# While this row is in the version table (SQLite, inside the writer's own transaction: no other
# connection sees it, and none can write before it is gone), the per-row triggers do nothing: a
# bulk writer notes the rows of its statement itself, once a statement (``BulkInsert``).
BULK_MARK = "~bulk"
_NOT_IN_BULK = f"NOT EXISTS (SELECT 1 FROM {TABLE} WHERE app = '{BULK_MARK}')"


def _sqlite_statements(table: str, label: str, dirty: bool = True) -> list[str]:
    """Per row: the new version, and (``dirty``: the table of changed schools exists) the schools
    the row changes — for an update both the old row's and the new one's. Not while a bulk
    writer notes its statement's rows itself (``BULK_MARK``)."""
    out = []
    for op, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
        body = [f"UPDATE {TABLE} SET value = random() WHERE app = '{label}'"]
        if dirty:
            for row in rows:
                body += _sqlite_dirty(table, label, row)
        name = _trigger_name(table, op)
        out.append(f'DROP TRIGGER IF EXISTS "{name}"')
        out.append(f'CREATE TRIGGER "{name}" AFTER {op} ON "{table}" WHEN {_NOT_IN_BULK} '
                   f'BEGIN {"; ".join(body)}; END')
    return out


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
        dirty = DIRTY_TABLE in existing
        for table, label in tables.items():
            if connection.vendor == "sqlite":
                statements = _sqlite_statements(table, label, dirty)
            else:
                statements = _pg_statements(table, label) + (_pg_dirty_statements(table, label) if dirty else [])
            for sql in statements:
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
        cursor.execute("SELECT c.relname, g.tgname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE g.tgname LIKE %s",
                       [f"{TRIGGER_PREFIX}%"])
        names = {(table, name) for table, name in cursor.fetchall()}
        kinds = ["write"] + (list(PG_DIRTY_TRIGGERS) if DIRTY_TABLE in existing else [])
        return [t for t in wanted if any((t, _trigger_name(t, kind)) not in names for kind in kinds)]


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


# ---------------------------------------------------------------- the schools a write changed
# Besides the version, the triggers note which schools a write changed, so the dashboard recounts
# only those (``kept_per_school``): a row of ``workforce_dirtyschool`` per app and school, 0 for
# "every school" (a write to a table of no school: reference data, plan indicators, cycles, the
# schools themselves, whose location or district moves other schools' figures). Which schools a row
# changes comes from its foreign keys (``row_schools``): its school columns, the school of each
# teacher it names (directly or through one record, e.g. a credit decision's record), and, for a
# teacher, the schools its awards were given at (乡村 honours are counted at the school of the
# award). A school that cannot be found (a teacher already gone) reads as 0: everything is
# recounted, never too little.
#
# Which writes a kept count has seen:
# - SQLite has one writer at a time, so commits come in the order of a sequence number: each
#   (app, school) row holds the number of its school's last write (an upsert: the table never
#   outgrows apps × schools); a count kept with the highest number it saw before counting has seen
#   every write up to that number.
# - PostgreSQL commits concurrent writers in any order, so a number would lie. A row holds the id
#   of the writing transaction (``pg_current_xact_id``); a count keeps the snapshot read, in the
#   same statement as the versions, before it counted (``pg_current_snapshot``), and the writes it
#   may not have seen are exactly those whose transaction that snapshot does not show
#   (``pg_visible_in_snapshot``). Rows are appended, one per transaction, app and school (writers
#   never wait on each other), and read by the transaction id's index.
DIRTY_TABLE = "workforce_dirtyschool"
DIRTY_FUNCTION_PREFIX = "workforce_dirty_"
EVERY_SCHOOL = 0
SCHOOL_TABLE = "workforce_school"
TEACHER_TABLE = "workforce_teacher"
AWARD_TABLE = "workforce_award"
# More changed schools than this share of the kept ones: one full recount is cheaper.
RECOUNT_SHARE = 0.25


def create_dirty_table(connection) -> None:
    """The table of changed schools (the migration calls this; ``install_triggers`` fills it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {DIRTY_TABLE} (app varchar(100) NOT NULL, "
                           "school_id bigint NOT NULL, seq bigint NOT NULL, PRIMARY KEY (app, school_id))")
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {DIRTY_TABLE}_seq ON {DIRTY_TABLE} (seq)")
        elif connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {DIRTY_TABLE} (xid xid8 NOT NULL, app varchar(100) NOT NULL, "
                           "school_id bigint NOT NULL, PRIMARY KEY (xid, app, school_id))")


def drop_dirty_table(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE %s", [f"{DIRTY_FUNCTION_PREFIX}%"])
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP FUNCTION IF EXISTS "{name}"() CASCADE')
        cursor.execute(f"DROP TABLE IF EXISTS {DIRTY_TABLE}")


def row_schools(table: str, row: str) -> list[tuple[str, str, str]]:
    """The schools a row of ``table`` (called ``row`` in SQL: ``NEW``, ``OLD`` or an alias)
    changes, as SQL: ``[(school id, extra FROM or "", WHERE)]``, each giving one school id per
    match (NULL, for a school that cannot be found, is read as 0: every school)."""
    from django.db import models as dj

    by_table = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
    model = by_table.get(table)
    if model is None or table == SCHOOL_TABLE:
        return [("0", "", "1 = 1")]
    parts: list[tuple[str, str, str]] = []
    refs = []
    for f in model._meta.concrete_fields:
        if not isinstance(f, dj.ForeignKey):
            continue
        target = f.related_model._meta.db_table
        col = f'{row}."{f.column}"'
        if target == SCHOOL_TABLE:
            parts.append((col, "", f"{col} IS NOT NULL"))
        elif target == TEACHER_TABLE:
            parts.append((f"(SELECT t.school_id FROM {TEACHER_TABLE} t WHERE t.id = {col})", "", f"{col} IS NOT NULL"))
        else:
            hop = by_table.get(target)
            teacher_fk = None if hop is None else next(
                (g for g in hop._meta.concrete_fields
                 if isinstance(g, dj.ForeignKey) and g.related_model._meta.db_table == TEACHER_TABLE), None)
            if teacher_fk is None:
                continue
            parts.append((f'(SELECT t.school_id FROM "{target}" x JOIN {TEACHER_TABLE} t ON t.id = x."{teacher_fk.column}" '
                          f"WHERE x.id = {col})", "", f"{col} IS NOT NULL"))
        refs.append(col)
    if table == TEACHER_TABLE:
        return [(f"{row}.school_id", "", "1 = 1"),
                ("a.school_at_award_id", f"{AWARD_TABLE} a", f"a.teacher_id = {row}.id AND a.school_at_award_id IS NOT NULL")]
    if not parts:
        return [("0", "", "1 = 1")]
    return parts + [("0", "", " AND ".join(f"{col} IS NULL" for col in refs))]  # a row of no school


def _sqlite_dirty(table: str, label: str, row: str) -> list[str]:
    """SQLite trigger statements noting the schools that ``row`` (NEW or OLD) changes."""
    seq = f"(SELECT COALESCE(MAX(seq), 0) + 1 FROM {DIRTY_TABLE})"
    return [f"INSERT INTO {DIRTY_TABLE} (app, school_id, seq) SELECT '{label}', COALESCE({value}, 0), {seq} "
            f"{'FROM ' + source if source else ''} WHERE {where} "
            "ON CONFLICT (app, school_id) DO UPDATE SET seq = excluded.seq"
            for value, source, where in row_schools(table, row)]


_BEFORE = "__largest_key_before__"


class BulkInsert:
    """What the per-row triggers of ``table`` do for the rows one INSERT adds, done once for the
    statement (SQLite; PostgreSQL's triggers are per statement already).

    On SQLite a trigger runs for every row: for a city roster (50,000 teachers, 90,000 records
    of their 学历 and 职称) that is 140,000 version updates and as many upserts of a changed
    school, about a third of what the database does for the import. A bulk writer instead runs
    ``insert(cursor, execute)``: the rows' triggers are off (``BULK_MARK``) while ``execute()``
    runs the statement, then the app's version changes once and every school the new rows change
    (``row_schools``, the triggers' own rule, over the rows with a key above the largest before)
    is noted once, with one sequence number for the statement. Readers see the rows, the version
    and the schools together, at the commit. Only inside a transaction (``for_table``): in
    autocommit mode another connection could write between the statements while the mark
    is committed."""

    def __init__(self, table: str, label: str, pk: str, dirty: bool):
        self.table, self.pk = table, pk
        self.after = [f"UPDATE {TABLE} SET value = random() WHERE app = '{label}'"]
        if dirty:
            seq = f"(SELECT COALESCE(MAX(seq), 0) + 1 FROM {DIRTY_TABLE})"
            self.after += [
                f"INSERT INTO {DIRTY_TABLE} (app, school_id, seq) SELECT DISTINCT '{label}', COALESCE({value}, 0), {seq} "
                f'FROM "{table}" r{", " + source if source else ""} WHERE r."{pk}" > {_BEFORE} AND ({where}) '
                "ON CONFLICT (app, school_id) DO UPDATE SET seq = excluded.seq"
                for value, source, where in row_schools(table, "r")]

    @classmethod
    def for_table(cls, connection, table: str) -> "BulkInsert | None":
        """The statement-wise noting of ``table`` on ``connection``, or None (not SQLite, not in
        a transaction, not a watched table, no version table): then the triggers do it per row."""
        if connection.vendor != "sqlite" or not connection.in_atomic_block:
            return None
        label = watched_tables().get(table)
        if label is None:
            return None
        existing = set(connection.introspection.table_names())
        if TABLE not in existing:
            return None
        model = next((m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table), None)
        if model is None or not model._meta.pk.get_internal_type().endswith("AutoField"):
            return None
        return cls(table, label, model._meta.pk.column, DIRTY_TABLE in existing)

    def insert(self, cursor, execute) -> None:
        """Run ``execute()`` (one INSERT into the table on the cursor's connection) with the
        per-row triggers off, then note its rows. ``cursor``: a DB-API cursor (no parameters
        are used)."""
        cursor.execute(f'SELECT MAX("{self.pk}") FROM "{self.table}"')
        before = int(cursor.fetchone()[0] or 0)
        cursor.execute(f"INSERT INTO {TABLE} (app, value) VALUES ('{BULK_MARK}', 0)")
        try:
            execute()
        finally:
            cursor.execute(f"DELETE FROM {TABLE} WHERE app = '{BULK_MARK}'")
        for sql in self.after:
            cursor.execute(sql.replace(_BEFORE, str(before)))


def _pg_dirty_select(table: str, rows: str) -> str:
    return " UNION ".join(f"SELECT COALESCE({value}, 0) AS school FROM {rows} r{', ' + source if source else ''} WHERE {where}"
                          for value, source, where in row_schools(table, "r"))


def _pg_dirty_function(table: str, label: str) -> str:
    name = _dirty_function(table)
    insert = f"INSERT INTO {DIRTY_TABLE} (xid, app, school_id) SELECT DISTINCT pg_current_xact_id(), '{label}', school FROM "
    return f"""
CREATE OR REPLACE FUNCTION "{name}"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO {DIRTY_TABLE} (xid, app, school_id) VALUES (pg_current_xact_id(), '{label}', 0) ON CONFLICT DO NOTHING;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {insert}({_pg_dirty_select(table, "new_rows")}) q ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {insert}({_pg_dirty_select(table, "old_rows")}) q ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$
"""


def _dirty_function(table: str) -> str:
    return f"{DIRTY_FUNCTION_PREFIX}{table}"[:63]


PG_DIRTY_TRIGGERS = {  # trigger suffix → its event and transition tables
    "dirty_insert": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows",
    "dirty_update": "AFTER UPDATE ON {t} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "dirty_delete": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rows",
    "dirty_truncate": "AFTER TRUNCATE ON {t}",
}


def _pg_dirty_statements(table: str, label: str) -> list[str]:
    out = [_pg_dirty_function(table, label)]
    for suffix, event in PG_DIRTY_TRIGGERS.items():
        name = _trigger_name(table, suffix)
        out.append(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
        out.append(f'CREATE TRIGGER "{name}" {event.format(t=chr(34) + table + chr(34))} '
                   f'FOR EACH STATEMENT EXECUTE FUNCTION "{_dirty_function(table)}"()')
    return out


@dataclass(frozen=True)
class State:
    """The versions of some apps and, read in the same statement, the point of the writes they
    include (SQLite: the last sequence number; PostgreSQL: the snapshot, as text)."""

    versions: dict
    marker: object


def state(labels, connection) -> State | None:
    labels = tuple(sorted(set(labels)))
    marker = (f"(SELECT COALESCE(MAX(seq), 0) FROM {DIRTY_TABLE}), NULL" if connection.vendor == "sqlite"
              else "pg_current_snapshot()::text, pg_current_xact_id_if_assigned()::text")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, value, {marker} FROM {TABLE} WHERE app IN ({', '.join(['%s'] * len(labels))})",
                       list(labels))
        rows = cursor.fetchall()
    if {row[0] for row in rows} != set(labels):
        return None
    marker, own = rows[0][2], rows[0][3]
    return State({app: value for app, value, _m, _o in rows}, marker if own is None else unseen_own(marker, int(own)))


def unseen_own(snapshot: str, own: int) -> str:
    """``snapshot`` (PostgreSQL's text form ``xmin:xmax:xip,…``) with the reader's own transaction
    ``own`` among those it has not seen.

    A snapshot never lists its own transaction as running, so once a later transaction of the
    cluster (any database) has finished, the own one reads as committed (below ``xmax``, not in
    the list): a count kept inside a writing transaction would then pass for one that saw every
    write that transaction makes after it, and those writes would never be recounted. Listed as
    running, they are recounted by every reader until it commits, and once more after."""
    xmin, xmax, xip = snapshot.split(":")
    running = {int(x) for x in xip.split(",") if x}
    if own < int(xmin) or own >= int(xmax) or own in running:
        return snapshot
    return f"{xmin}:{xmax}:{','.join(str(x) for x in sorted(running | {own}))}"


def changed_since(marker, labels, connection) -> dict[str, set[int]]:
    """app → the schools written since ``marker`` (writes a count kept at ``marker`` may not have
    seen); 0 among them: every school — also when the marks it would need were pruned
    (``prune``: its snapshot is older than the pruning's)."""
    labels = sorted(set(labels))
    placeholders = ", ".join(["%s"] * len(labels))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT app, school_id FROM {DIRTY_TABLE} WHERE seq > %s AND app IN ({placeholders})",
                           [marker, *labels])
        else:
            cursor.execute(f"SELECT DISTINCT app, school_id FROM {DIRTY_TABLE} "
                           "WHERE xid >= pg_snapshot_xmin(%s::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, %s::pg_snapshot) "
                           f"AND app IN ({placeholders}) "
                           f"UNION ALL SELECT app, {EVERY_SCHOOL} FROM {TABLE} WHERE app IN ({placeholders}) AND EXISTS ("
                           f"SELECT 1 FROM {TABLE} WHERE app = %s AND value > pg_snapshot_xmin(%s::pg_snapshot)::text::bigint)",
                           [marker, marker, *labels, *labels, PRUNED_MARK, marker])
        rows = cursor.fetchall()
    out: dict[str, set[int]] = {label: set() for label in labels}
    for app, school in rows:
        out[app].add(school)
    return out


# PostgreSQL's marks are appended, one row per writing transaction, app and school (SQLite's are
# upserted: at most apps × schools rows). ``prune`` deletes those every reader has seen once the
# table holds more than ``PRUNE_ABOVE`` rows: the marks of transactions older than the oldest one
# running when the facts per school were last brought up to date (``workforce.facts``: the
# ``pg_snapshot_xmin`` of their marker), which are therefore in the facts. The version table's
# ``PRUNED_MARK`` row keeps that horizon, so a count kept elsewhere at an older point (a process's
# counts for another date or a filter, ``kept_per_school``) is told every school changed
# (``changed_since``) and is counted again in full — never too little.
PRUNED_MARK = "~pruned"
PRUNE_ABOVE = 20_000


def prune(marker, connection) -> int:
    """Delete the marks of the transactions ``marker`` (a snapshot every reader's counts include)
    has seen finish before it began, when the table holds more than ``PRUNE_ABOVE`` rows; the
    number deleted. PostgreSQL only (SQLite's table does not grow)."""
    from django.db import transaction

    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {DIRTY_TABLE} LIMIT %s) t", [PRUNE_ABOVE + 1])
        if cursor.fetchone()[0] <= PRUNE_ABOVE:
            return 0
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # the horizon first (a reader's statement sees both or neither: one transaction)
        cursor.execute(f"INSERT INTO {TABLE} (app, value) VALUES (%s, pg_snapshot_xmin(%s::pg_snapshot)::text::bigint) "
                       f"ON CONFLICT (app) DO UPDATE SET value = GREATEST({TABLE}.value, EXCLUDED.value)",
                       [PRUNED_MARK, marker])
        cursor.execute(f"DELETE FROM {DIRTY_TABLE} WHERE xid < pg_snapshot_xmin(%s::pg_snapshot)", [marker])
        return cursor.rowcount


def incremental_connection():
    """The connection whose kept counts per school may be brought up to date school by school, or
    None: no trusted version (``current``), or inside a transaction (a count taken there may see
    the transaction's own writes, which a rollback would take back unnoted)."""
    from backend.routers import read_alias

    connection = connections[read_alias()]
    if connection.in_atomic_block or current(("workforce",), using=connection.alias) is None:
        return None
    if DIRTY_TABLE not in _tables_with_dirty(connection):
        return None
    return connection


def _tables_with_dirty(connection) -> set[str]:
    marker = ("dirty", connection.alias, str(connection.settings_dict.get("NAME")))
    if marker not in _verified:
        if DIRTY_TABLE not in connection.introspection.table_names():
            return set()
        _verified.add(marker)
    return {DIRTY_TABLE}


class NotKept(Exception):
    """``kept_per_school(compute=False)``: some measure would have to be counted in full."""


def kept_per_school(jobs: list[tuple[tuple, tuple, object, object]], connection, *, compute: bool = True) -> list:
    """Counts per school ({school id: counts}), each kept under ``parts`` with the versions of its
    apps ``labels`` and the point of the writes it has seen; ``jobs`` are ``(parts, labels,
    full(), partial(school ids) or None)``. A kept count whose versions are those of now is used as
    it is; else, when it can be (``partial``, no write to every school, few schools), only the
    schools written since it was kept are recounted (``partial``) and the others kept; else
    ``full()``. ``compute=False``: raises ``NotKept`` rather than count any job in full."""
    labels = sorted({label for _parts, names, _full, _partial in jobs for label in names})
    now = state(labels, connection)
    if now is None:
        raise NotKept
    keys = [make_key("per-school", *parts) for parts, _names, _full, _partial in jobs]
    kept = cache.get_many(keys)
    changed: dict = {}  # marker → app → schools
    plans = []
    for key, (parts, names, full, partial) in zip(keys, jobs):
        versions = tuple((label, now.versions[label]) for label in sorted(set(names)))
        entry = kept.get(key)
        if entry is not None and entry["versions"] == versions:
            plans.append(("kept", entry, None))
            continue
        schools = None
        if entry is not None and partial is not None:
            if entry["marker"] not in changed:
                changed[entry["marker"]] = changed_since(entry["marker"], labels, connection)
            schools = set().union(*(changed[entry["marker"]].get(label, set()) for label in names))
            if EVERY_SCHOOL in schools or len(schools) > max(1, RECOUNT_SHARE * len(entry["counts"])):
                schools = None
        if schools is None and not compute:
            raise NotKept
        plans.append(("partial" if schools is not None else "full", entry, schools))
    values, fresh = [], {}
    for key, (parts, names, full, partial), (how, entry, schools) in zip(keys, jobs, plans):
        if how == "kept":
            values.append(entry["counts"])
            continue
        if how == "partial":
            counts = {pk: v for pk, v in entry["counts"].items() if pk not in schools}
            if schools:
                counts.update(partial(sorted(schools)))
        else:
            counts = dict(full())
        versions = tuple((label, now.versions[label]) for label in sorted(set(names)))
        fresh[key] = {"versions": versions, "marker": now.marker, "counts": counts}
        values.append(counts)
    if fresh:
        cache.set_many(fresh, TIMEOUT)
    return values
