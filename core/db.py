"""Database helpers shared by the bulk writers (the import pipeline and the demo builder):
``wide_statements`` (SQLite's real parameter limit), ``copy_insert`` (PostgreSQL's COPY for
``bulk_create``), ``analyze`` (the planner's statistics after a bulk write) and
``TextJSONEncoder`` (JSON stored as the text it holds)."""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db import connection as default_connection
from django.db.models import Field


class TextJSONEncoder(json.JSONEncoder):
    """JSON written with its characters as they are (``ensure_ascii=False``), for a JSONField
    whose values are mostly Chinese text: the history's labels and values. Python's default
    writes each Chinese character as a six-byte escape (``\\u5b66``) instead of its three UTF-8
    bytes, which doubled the history of a city roster on SQLite (66 MB of 100 MB for 50,000 new
    teachers) and the time to write and commit it. What is read back is the same; PostgreSQL's
    ``jsonb`` stores either the same way. Values it cannot encode are refused as by default."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


@contextmanager
def wide_statements(connection=default_connection):
    """Let ``bulk_create`` put as many rows in one statement as this SQLite really accepts.

    Django 5.2 assumes SQLite takes 999 parameters a statement, so a 50-column batch of teachers
    goes 19 rows at a time; Django 6.0 reads the connection's real limit (ticket #36143). This
    does the same for this connection (thread) only, and restores it afterwards. Other
    databases are left alone."""
    features = connection.features
    saved = features.__dict__.get("max_query_params")
    patched = False
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            getlimit = getattr(connection.connection, "getlimit", None)
            if getlimit is not None:
                features.max_query_params = max(999, getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
                patched = True
        yield
    finally:
        if patched:
            if saved is None:
                del features.max_query_params
            else:
                features.max_query_params = saved


# ---------------------------------------------------------------- statistics after a bulk write
def _table_names(models_or_tables) -> list[str]:
    names: list[str] = []
    for item in models_or_tables:
        name = item if isinstance(item, str) else item._meta.db_table
        if name not in names:
            names.append(name)
    return names


def analyze(models_or_tables, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Refresh the planner's statistics of these tables (models or table names) once the current
    transaction commits (at once outside one).

    PostgreSQL plans a query from the statistics ``ANALYZE`` gathers; after a bulk load they
    still describe the empty or small table of before, and until autovacuum catches up (minutes
    for a city's roster) the dashboards' joins are planned as if over a few rows: measured at
    200,000 teachers, 35 s for the city page instead of 4 s (issue 18). ``ANALYZE`` reads a
    sample of each table (30,000 rows at the default statistics target), a second or less.

    Run after the commit, not inside the writer's transaction: there it would hold its locks
    for longer and, rolled back with a failed import, leave nothing. A failure is logged, never
    raised into the writer whose data is already committed. SQLite plans without statistics
    unless ``ANALYZE`` was run once, and pages were measured without them: nothing is done."""
    connection = connections[using]
    tables = _table_names(models_or_tables)
    if connection.vendor != "postgresql" or not tables:
        return
    transaction.on_commit(lambda: analyze_now(tables, using=using), using=using, robust=True)


# Rows a write must have changed to be worth an ANALYZE of its apps' tables (a roster, a
# district's records): below, autovacuum's own analyze (10% of a table) keeps the statistics.
BULK_WRITE_ROWS = 1000


def analyze_apps(*app_labels: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """``analyze`` every table of these apps (their models that own one): for a bulk writer
    that writes many tables of them (the import), a second or so at a million teachers."""
    from django.apps import apps

    analyze([model for label in app_labels for model in apps.get_app_config(label).get_models()
             if model._meta.managed and not model._meta.proxy], using=using)


def analyze_now(models_or_tables, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """``ANALYZE`` these tables at once (PostgreSQL; nothing elsewhere). Inside a transaction it
    counts the transaction's own new rows: a bulk writer that goes on to read what it wrote
    (the demo's yearly snapshots) has it planned on them."""
    connection = connections[using]
    tables = _table_names(models_or_tables)
    if connection.vendor != "postgresql" or not tables:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(quote(t) for t in tables)}")


# ---------------------------------------------------------------- COPY
def copy_insert(model, objs: list, *, using: str = DEFAULT_DB_ALIAS) -> list:
    """INSERT ``objs`` like ``bulk_create`` (their primary keys set afterwards, related objects'
    keys taken, ``auto_now_add`` filled), with PostgreSQL's ``COPY … FROM STDIN`` when the
    database is PostgreSQL: one statement however many rows, and no parameter list to build
    and parse.

    The keys come from the table's own sequence first (``nextval`` as many times as there are
    rows), so the rows can be referred to by the next table's COPY. Statement-level triggers
    fire as for an INSERT (the data version changes). Other databases: ``bulk_create``."""
    if not objs:
        return objs
    connection = connections[using]
    opts = model._meta
    pk = opts.pk
    if connection.vendor != "postgresql" or (
        not getattr(pk, "db_returning", False) and any(obj.pk is None for obj in objs)
    ):
        return model.objects.using(using).bulk_create(objs)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    quote = connection.ops.quote_name
    table = opts.db_table
    fields = list(opts.concrete_fields)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        without_key = [obj for obj in objs if obj.pk is None]
        if without_key:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [quote(table), pk.column, len(without_key)])
            for obj, (value,) in zip(without_key, cursor.fetchall()):
                setattr(obj, pk.attname, value)
        columns = ", ".join(quote(f.column) for f in fields)
        sql = f"COPY {quote(table)} ({columns}) FROM STDIN"
        getters = [_copy_getter(f, connection) for f in fields]
        with cursor.cursor.copy(sql) as copy:  # the driver's cursor: Django's wrapper has no copy()
            write = copy.write_row
            for obj in objs:
                values = obj.__dict__
                write([values[get] if get.__class__ is str else get(obj) for get in getters])
    if connection.queries_logged:  # seen by CaptureQueriesContext and the debug toolbar like any statement
        connection.queries_log.append({"sql": f"{sql} -- {len(objs)} rows",
                                       "time": f"{time.perf_counter() - started:.3f}"})
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs


# Field classes whose Python values psycopg writes as the column expects, and which Django's
# preparation (``get_db_prep_save``) would only check: taken as they are, for speed (the demo
# copies tens of millions of values). Foreign keys to such keys too. Everything else (decimals,
# date-times, JSON …), and any subclass, goes through ``get_db_prep_save``.
_AS_IS = {models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField, models.BigIntegerField,
          models.SmallIntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
          models.PositiveBigIntegerField, models.BooleanField, models.CharField, models.TextField, models.DateField}


def _copy_getter(field, connection):
    """The attribute name when the value goes as it is, else a function of the object."""
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        now = field.pre_save(_Blank(), True)  # one moment for the whole copy, set on each object as bulk_create does
        value = field.get_db_prep_save(now, connection)

        def stamped(obj):
            setattr(obj, attname, now)
            return value
        return stamped
    target = field.target_field if type(field) in (models.ForeignKey, models.OneToOneField) else field
    if type(target) in _AS_IS:
        return attname
    if type(field).pre_save is not Field.pre_save and not isinstance(field, models.DateField):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


class _Blank:
    """An object for ``pre_save`` to set an ``auto_now`` value on."""
