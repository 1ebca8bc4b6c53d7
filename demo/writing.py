"""How the demo writes its rows: in bulk, as few statements as the database allows.

``bulk`` writes a list of unsaved objects (``bulk_create`` in wide batches; on PostgreSQL one
COPY a table, ``core.db.copy_insert``); ``new`` builds those objects without ``Model.__init__``;
``Rows`` writes the large tables (teachers, their records, training records) a chunk at a time
from plain lists of values, with no model instance at all; ``IndexesAside`` drops the indexes and
foreign keys of those tables while they are loaded and builds them once afterwards (PostgreSQL);
``bulk_loading`` lifts Django's SQLite parameter limit and the debug query log while the demo is
written."""
from __future__ import annotations

import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, models
from django.db.models.base import ModelState
from django.utils import timezone

from core.db import copy_insert, wide_statements

PARAMS_PER_STATEMENT = 60_000  # below PostgreSQL's 65,535 bind parameters per statement
MAX_BATCH = 5_000


def batch_size(model) -> int:
    fields = len([f for f in model._meta.concrete_fields if not f.primary_key]) or 1
    return max(1, min(MAX_BATCH, PARAMS_PER_STATEMENT // fields))


def bulk(model, objs: list) -> list:
    """``bulk_create``; on PostgreSQL, COPY (one statement a table, keys set as bulk_create's)."""
    if not objs:
        return objs
    if connection.vendor == "postgresql":
        return copy_insert(model, objs)
    return model.objects.bulk_create(objs, batch_size=batch_size(model))


class Maker:
    """Builds unsaved instances of ``model`` as ``Model(**values)`` does, without running
    ``Model.__init__`` (descriptors, the router on every foreign key, signals: 100 µs an object;
    the demo makes millions at 1,000,000 teachers): the fields' defaults, then the values; a
    related object is kept in the instance's cache, from which ``bulk_create`` and ``copy_insert``
    take its key once it has one. No signal receiver sees these objects (none is registered
    for pre_init/post_init on the demo's models: checked on first use)."""

    def __init__(self, model):
        from django.db.models.signals import post_init, pre_init

        if pre_init.has_listeners(model) or post_init.has_listeners(model):
            raise RuntimeError(f"{model.__name__}: pre_init/post_init receivers, build it with the model itself")
        self.model = model
        fields = model._meta.concrete_fields
        self.fresh = [f for f in fields if f.has_default() and callable(f.default)]  # default=list and the like
        self.fixed = {f.attname: f.get_default() for f in fields if f not in self.fresh}
        self.related = {f.name: f for f in fields if f.is_relation}

    def __call__(self, **values):
        obj = self.model.__new__(self.model)
        state = ModelState()
        data = obj.__dict__
        data["_state"] = state
        data.update(self.fixed)
        for f in self.fresh:
            data[f.attname] = f.get_default()
        for name, value in values.items():
            field = self.related.get(name)
            if field is None:
                data[name] = value
            else:
                state.fields_cache[field.name] = value
                data[field.attname] = None if value is None else value.pk
        return obj


# Field classes whose Python values psycopg writes as the column expects (``core.db``'s own list):
# taken as they are; any other field goes through ``get_db_prep_save``, as ``copy_insert`` does.
_AS_IS = {models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField, models.BigIntegerField,
          models.SmallIntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
          models.PositiveBigIntegerField, models.BooleanField, models.CharField, models.TextField, models.DateField}


class Rows:
    """The rows of one model as lists of column values, written a chunk at a time (``write``):
    on PostgreSQL one COPY a chunk, the keys taken from the table's sequence first; elsewhere
    ``bulk_create``. No model instance is made on PostgreSQL (the teachers' 50 fields, millions of
    records at 1,000,000 teachers: ``Model.__init__`` or even ``Maker`` and ``copy_insert``'s
    per-object work were most of the seed's CPU), and a chunk is let go once written.

    ``row(**values)`` is a row of the fields' defaults with ``values`` set (by field name — a
    related object gives its key — or by attribute name, ``teacher_id``); ``filler(*names)`` a
    faster maker of rows from positional values of those fields. The values written are those
    ``copy_insert`` would write for the same objects: what psycopg adapts as it is, the rest
    through the field's ``get_db_prep_save`` (once a distinct value); ``auto_now`` fields get one
    moment a chunk, as ``bulk_create`` gives one a batch."""

    def __init__(self, model):
        from django.db.models.signals import post_init, pre_init

        if pre_init.has_listeners(model) or post_init.has_listeners(model):
            raise RuntimeError(f"{model.__name__}: pre_init/post_init receivers, build it with the model itself")
        self.model = model
        opts = model._meta
        self.fields = list(opts.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.key = self.fields.index(opts.pk)
        self.index: dict[str, tuple[int, bool]] = {}
        self.defaults: list = []
        self.stamped: list[int] = []  # auto_now / auto_now_add and callable defaults: set a chunk at a time
        self.prepared: list[tuple[int, object]] = []  # (column, field) whose values go through get_db_prep_save
        for i, f in enumerate(self.fields):
            self.index[f.attname] = (i, False)
            if f.is_relation:
                self.index[f.name] = (i, True)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) or (f.has_default() and callable(f.default)):
                self.stamped.append(i)
                self.defaults.append(None)
            else:
                self.defaults.append(f.get_default())
            target = f.target_field if type(f) in (models.ForeignKey, models.OneToOneField) else f
            if type(target) not in _AS_IS:
                self.prepared.append((i, f))
        self.written = 0

    def row(self, **values) -> list:
        out = self.defaults.copy()
        index = self.index
        for name, value in values.items():
            i, related = index[name]
            out[i] = value.pk if related and value is not None else value
        return out

    def filler(self, *names):
        """``fill(*values)``: a row with these fields (attribute names) set, the rest defaults."""
        columns = [self.index[name][0] for name in names]
        defaults = self.defaults

        def fill(*values):
            out = defaults.copy()
            for i, value in zip(columns, values):
                out[i] = value
            return out
        return fill

    def _stamp(self, rows: list) -> None:
        for i in self.stamped:
            f = self.fields[i]
            value = timezone.now() if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) else None
            if value is not None and isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField):
                value = value.date()
            for row in rows:
                if row[i] is None:
                    row[i] = f.get_default() if value is None else value

    def write(self, rows: list) -> list:
        """Write ``rows`` (their key column set from the sequence where it is None); returns them."""
        if not rows:
            return rows
        self._stamp(rows)
        self.written += len(rows)
        if connection.vendor != "postgresql":
            return self._bulk_create(rows)
        opts = self.model._meta
        quote = connection.ops.quote_name
        table = opts.db_table
        k = self.key
        started = time.perf_counter()
        with connection.cursor() as cursor:
            without_key = [row for row in rows if row[k] is None]
            if without_key:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                               [quote(table), opts.pk.column, len(without_key)])
                for row, (value,) in zip(without_key, cursor.fetchall()):
                    row[k] = value
            sql = f"COPY {quote(table)} ({', '.join(quote(f.column) for f in self.fields)}) FROM STDIN"
            prepared = [(i, f, {}) for i, f in self.prepared]
            with cursor.cursor.copy(sql) as copy:
                write = copy.write_row
                if not prepared:
                    for row in rows:
                        write(row)
                else:
                    for row in rows:
                        out = row.copy()
                        for i, f, seen in prepared:
                            value = out[i]
                            try:
                                out[i] = seen[value]
                            except KeyError:
                                out[i] = seen[value] = f.get_db_prep_save(value, connection)
                            except TypeError:  # not hashable
                                out[i] = f.get_db_prep_save(value, connection)
                        write(out)
        if connection.queries_logged:  # seen by CaptureQueriesContext like any statement
            connection.queries_log.append({"sql": f"{sql} -- {len(rows)} rows",
                                           "time": f"{time.perf_counter() - started:.3f}"})
        return rows

    def _bulk_create(self, rows: list) -> list:
        model = self.model
        objs = []
        for row in rows:
            obj = model.__new__(model)
            obj.__dict__.update(zip(self.attnames, row))
            obj._state = ModelState()
            objs.append(obj)
        model.objects.bulk_create(objs, batch_size=batch_size(model))
        k, attname = self.key, self.attnames[self.key]
        for row, obj in zip(rows, objs):
            row[k] = getattr(obj, attname)
        return rows


class IndexesAside:
    """PostgreSQL: while the demo loads its large tables, they have no secondary index and no
    foreign key; both are made again once, from their own definitions (``pg_get_indexdef``,
    ``pg_get_constraintdef``), inside the same transaction.

    Keeping a table's indexes up to date row by row was most of the load's time in the database
    (a credit record has ten indexes: 50,000 teachers' 180,000 records took 106 s of wall time
    for 13 s of CPU at load 8), and a deferred foreign key queues one check a row for the commit;
    an index built over the loaded table is one sort, a foreign key added one join. Only a table
    empty at the start is touched (an index built over old rows gains nothing); primary keys
    and unique constraints stay. Other databases: nothing (SQLite's triggers and indexes are
    per row either way). If the build fails the transaction is rolled back, and the dropped
    definitions with it."""

    def __init__(self, models_):
        self.tables = [model._meta.db_table for model in models_]
        self.indexes: list[str] = []  # CREATE INDEX statements
        self.foreign_keys: list[tuple[str, str, str]] = []  # table (quoted), name, definition

    def drop(self) -> None:
        if connection.vendor != "postgresql":
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(f"SELECT %s, EXISTS (SELECT 1 FROM {quote(t)})" for t in self.tables),
                           self.tables)
            empty = [quote(table) for table, used in cursor.fetchall() if not used]
            if not empty:
                return
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname", [empty])
            indexes = cursor.fetchall()
            cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f' ORDER BY 1, 2", [empty])
            self.foreign_keys = cursor.fetchall()
            self.indexes = [definition for _name, definition in indexes]
            # the deferred checks of the rows written so far (the schools) run now: a table with
            # checks pending cannot be altered. One statement, however many tables.
            cursor.execute(";".join(
                ["SET CONSTRAINTS ALL IMMEDIATE", "SET CONSTRAINTS ALL DEFERRED"]
                + [f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}" for table, name, _d in self.foreign_keys]
                + [f"DROP INDEX {quote(name)}" for name, _d in indexes]))

    def restore(self) -> None:
        if not (self.indexes or self.foreign_keys):
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(";".join(
                ["SET CONSTRAINTS ALL IMMEDIATE", "SET CONSTRAINTS ALL DEFERRED"] + self.indexes
                + [f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
                   for table, name, definition in self.foreign_keys]))
        self.indexes, self.foreign_keys = [], []


_makers: dict = {}


def new(model, **values):
    """``model(**values)``, faster (``Maker``)."""
    maker = _makers.get(model)
    if maker is None:
        maker = _makers[model] = Maker(model)
    return maker(**values)


@contextmanager
def bulk_loading():
    """Write big batches as few statements as possible, without keeping a log of them.

    - Django 5.2 assumes SQLite accepts 999 parameters per statement, so a 50-column batch of
      teachers would be split into statements of 19 rows; Django 6.0 reads the real limit
      (ticket #36143). Read it here too, for this connection, while the demo is written.
    - With ``DEBUG`` on, Django keeps every statement with its parameters (hundreds of MB for
      the demo's INSERTs). ``CaptureQueriesContext`` (tests) still sees every query.
    """
    saved_debug = settings.DEBUG
    try:
        settings.DEBUG = False
        with wide_statements(connection):
            yield
    finally:
        settings.DEBUG = saved_debug
