"""Bulk writes for a city-sized import, run by a background writer thread.

``QuerySet.bulk_create`` compiles every value through the ORM (``get_db_prep_save`` and a
placeholder per value): about 5 µs a value, 15 s of CPU for 50,000 teachers of 58 columns —
ten times what reading the file costs. ``InsertStream`` (and ``insert_rows`` on it) builds
the statement once and adapts only the values that need it (dates, datetimes, JSON,
decimals…), each distinct value once, with the field's own ``get_db_prep_save``; text,
numbers, booleans and keys go to the driver as they are. The rows go to the database as
multi-row INSERTs on SQLite and as COPY on PostgreSQL, from a writer thread on the same
connection (``_Writer``), so the next rows are prepared while the database works.
``fast_insert`` does the same for model instances. Like ``bulk_create`` they
send no signals and run no ``save()``; unlike it, they do not set primary keys (read them
back by a natural key).

Updates: ``fast_update`` writes changed instances as ``UPDATE … SET f = v.f … FROM (VALUES
(pk, …), …) AS v WHERE pk = v.pk``, many rows a statement. ``QuerySet.bulk_update`` builds a
``CASE WHEN pk = … THEN …`` per field and row through the ORM: about 0.25 ms a changed row,
5 s for a roster of 20,000 changed teachers.

History: ``write_history`` writes audit rows built by ``backend.audit.entry`` (which masks
personal data); ``insert_history`` writes many rows that differ only in their object and
changes — the creations of a city roster — from one entry built by ``backend.audit.entry``,
each object's id and name masked by ``backend.audit.mask_text`` and each distinct
``changes`` cleaned by ``backend.audit.clean_changes`` once.
"""
from __future__ import annotations

import queue
import sqlite3
import threading
import weakref
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from backend import audit
from backend.models import AuditEntry
from workforce.dataversion import BulkInsert

from .concurrency import fast_switching, writer_thread_allowed

__all__ = ["insert_rows", "InsertStream", "fast_insert", "fast_update", "write_history", "insert_history", "memoised",
           "key_in", "drain", "connection_lock"]

# Internal types whose Python value the drivers (sqlite3, psycopg) take as it is.
_AS_IS = frozenset({
    "CharField", "TextField", "SlugField", "EmailField", "BooleanField", "NullBooleanField",
    "IntegerField", "SmallIntegerField", "BigIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "PositiveBigIntegerField", "AutoField", "BigAutoField", "ForeignKey",
})
_MEMO_LIMIT = 100_000


def _adapters(fields, db) -> list[tuple[int, object]]:
    """(position, adapt) for the fields whose values the driver cannot take as they are."""
    out = []
    for index, f in enumerate(fields):
        if f.get_internal_type() not in _AS_IS:
            out.append((index, _memoised(f, db)))
    return out


def memoised(convert, *, typed: bool = True, none: bool = False):
    """``convert`` worked out once for each distinct value — a roster repeats its dates, codes
    and stamps — up to ``_MEMO_LIMIT`` values. ``typed``: values of different types that compare
    equal (``1``, ``1.0``, ``True``) are kept apart; off where all values have one type (a date
    column, a column read from the database). Unhashable values (JSON) are converted each time.
    ``none``: None is never converted (the caller leaves it as it is). ``convert_once.column(values)``
    converts a whole column."""
    cache: dict = {}

    def convert_once(value):
        key = (value.__class__, value) if typed else value
        try:
            return cache[key]
        except KeyError:
            result = convert(value)
            if len(cache) < _MEMO_LIMIT:
                cache[key] = result
            return result
        except TypeError:  # unhashable
            return convert(value)

    def column(values: list) -> list:
        """Each value of a column converted (None stays None): once every value has been seen,
        one lookup each in C."""
        if not typed:
            try:
                return list(map(cache.__getitem__, values))
            except (KeyError, TypeError):
                pass
        return [None if value is None else convert_once(value) for value in values]
    if none:  # None is never converted (``InsertStream._params``): a column with blanks stays in C
        cache[None] = None
    convert_once.column = column
    return convert_once


def _memoised(field, db):
    """A field's ``get_db_prep_save``, each distinct value once (a date is its own key)."""
    adapt = field.get_db_prep_save
    return memoised(lambda value: adapt(value, connection=db), typed=field.get_internal_type() != "DateField", none=True)


def _adapted(values, adapters, dump: bool = False) -> list:
    """A copy of a row's values ready for the driver: each non-empty value at an adapter's
    position adapted (``dump``: JSON as its text); the row itself is left as it was."""
    values = list(values)
    for index, adapt in adapters:
        value = values[index]
        if value is not None:
            values[index] = _dumped(adapt(value)) if dump else adapt(value)
    return values


def key_in(db, column: str, values: list) -> tuple[str, list]:
    """``(condition, params)``: ``column`` (quoted SQL) is one of ``values``. PostgreSQL gets one
    array parameter (``= ANY(%s)``): psycopg builds a statement of thousands of parameters slowly."""
    if db.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def insert_rows(model, fields: Sequence, rows: Iterable[Sequence], *, constants: dict[int, object] | None = None,
                wait: bool = True) -> int:
    """INSERT ``rows`` — sequences of Python values in the order of ``fields`` (concrete,
    non-primary-key fields of ``model``) — and return how many. The rows are adapted for the
    database a statement at a time, so they are not held twice. ``constants``: see
    ``InsertStream`` (position → the value every row holds there). ``wait=False``: return once
    the rows are handed to the writer thread (``InsertStream.finish``; then ``drain``)."""
    stream = InsertStream(model, fields, ahead=2 if wait else 0, constants=constants)
    try:
        stream.extend(rows)
    finally:
        count = stream.finish(wait=wait)
    return count


def fast_insert(model, objs: Iterable) -> int:
    """INSERT ``objs`` (unsaved instances of ``model``, auto-increment primary key) and return
    how many. ``auto_now`` / ``auto_now_add`` fields are set to now, on the objects too."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    getter = attrgetter(*[f.attname for f in fields])
    now = timezone.now()

    def rows():
        for obj in objs:
            for name in stamped:
                setattr(obj, name, now)
            values = getter(obj)
            yield values if len(fields) > 1 else (values,)
    return insert_rows(model, fields, rows())


def fast_update(model, objs: Iterable, names: Iterable[str]) -> int:
    """Write the fields ``names`` (names or attnames) of ``objs`` — saved instances of ``model``
    — as they are on the objects; returns how many rows the database updated. Like
    ``bulk_update`` it sends no signals and sets no ``auto_now`` field. Where the database has
    no ``UPDATE … FROM`` (SQLite before 3.33, other vendors) it is ``bulk_update``."""
    objs = list(objs)
    if not objs:
        return 0
    db = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    fields = list({f.attname: f for f in (meta.get_field(n) for n in names) if f.concrete and not f.primary_key}.values())
    if not fields:
        return 0
    if db.vendor not in ("sqlite", "postgresql") or (db.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 33)):
        return model.objects.bulk_update(objs, [f.name for f in fields], batch_size=500)
    qn = db.ops.quote_name
    columns = [meta.pk, *fields]
    width = len(columns)
    table = qn(meta.db_table)
    if db.vendor == "postgresql":
        # one array a column (unnest): psycopg builds a statement of thousands of parameters
        # slowly, and an array parameter carries its type
        per = COPY_ROWS
        names_in_v = [f"v.{qn(f.column)}" for f in columns]
        source = (f"unnest({', '.join(f'%s::{f.cast_db_type(db)}[]' for f in columns)}) "
                  f"AS v ({', '.join(qn(f.column) for f in columns)})")
    else:
        limit = min(getattr(db.features, "max_query_params", None) or 32766, 65535)
        per = max(1, min(ROWS_PER_VALUES, limit // width))
        names_in_v = [f"v.column{n + 1}" for n in range(width)]
        one = "(" + ", ".join(["%s"] * width) + ")"
    assignments = ", ".join(f"{qn(f.column)} = {value}" for f, value in zip(fields, names_in_v[1:]))
    adapters = _adapters(columns, db)
    getter = attrgetter(*[f.attname for f in columns])
    updated = 0
    with db.cursor() as cursor:
        for start in range(0, len(objs), per):
            batch = objs[start:start + per]
            rows = [_adapted(getter(obj), adapters, dump=db.vendor == "postgresql") for obj in batch]
            if db.vendor == "postgresql":
                sql, params = f"UPDATE {table} SET {assignments} FROM {source}", [list(column) for column in zip(*rows)]
            else:
                sql = f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([one] * len(batch))}) AS v"
                params = [value for values in rows for value in values]
            cursor.execute(f"{sql} WHERE {table}.{qn(meta.pk.column)} = {names_in_v[0]}", params)
            updated += cursor.rowcount
    return updated


def write_history(entries: Iterable[AuditEntry]) -> int:
    """Write audit rows built by ``backend.audit.entry`` (masked there)."""
    return fast_insert(AuditEntry, entries)


def _dumped(value):
    """A psycopg JSON wrapper (a JSONField's value for PostgreSQL) as its JSON text, which COPY
    takes as it is: a value shared by many rows is then dumped once, not once a row."""
    dumps = getattr(value, "dumps", None)
    if dumps is not None and hasattr(value, "obj"):
        return dumps(value.obj)
    return value


def insert_history(proto: AuditEntry, items: Iterable[tuple[str, str, dict]], *, wait: bool = True) -> int:
    """Write one audit row per ``(object_id, object_repr, changes)``, every other column as in
    ``proto`` (an unsaved entry from ``backend.audit.entry``: who, action, source, run…).

    Every text goes through the audit module's own masking — ``mask_text`` for the object's
    id and name, ``clean_changes`` for the changes — as ``audit.entry`` would do it; a
    ``changes`` dict passed again (the same object) is cleaned and serialised once, so pass
    one dict per distinct content.

    ``changes`` may also be a tuple of dicts with distinct keys, the row's changes being
    their union in order: each dict (by identity) is cleaned and serialised once and the
    row's JSON joined from their texts — ``clean_changes`` treats each key on its own, so
    this is what cleaning the union gives. A record's history built from its fields' parts
    (each field's value shown once a run) then costs no cleaning per record.

    ``wait=False``: return once the rows are handed to the writer thread (see ``drain``)."""
    db = connections[DEFAULT_DB_ALIAS]
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            setattr(proto, f.attname, now)
    base = [getattr(proto, f.attname) for f in fields]
    for index, adapt in _adapters(fields, db):
        if base[index] is not None:
            base[index] = _dumped(adapt(base[index]))
    position = {f.attname: i for i, f in enumerate(fields)}
    id_at, repr_at, changes_at = position["object_id"], position["object_repr"], position["changes"]
    changes_field = fields[changes_at]
    id_limit = AuditEntry._meta.get_field("object_id").max_length
    repr_limit = AuditEntry._meta.get_field("object_repr").max_length
    mask_text = audit.mask_text
    prepared: dict[int, tuple[dict, object]] = {}

    def prepare(changes):
        done = prepared.get(id(changes))
        if done is None:
            done = prepared[id(changes)] = (changes, _dumped(changes_field.get_db_prep_save(
                audit.clean_changes(changes), connection=db)))
        return done[1]

    inner: dict[int, str] = {}  # id of a part → its JSON object's members ("" for none)

    def members(part) -> str:
        text = prepare(part)
        if not (isinstance(text, str) and text[:1] == "{" and text[-1:] == "}"):
            raise TypeError("insert_history: each part of changes must serialise to a JSON object")
        inner[id(part)] = text = text[1:-1].strip()
        return text

    def join(parts: tuple) -> str:
        texts = list(map(inner.get, map(id, parts)))
        if None in texts:
            texts = [members(part) if text is None else text for text, part in zip(texts, parts)]
        return "{" + ", ".join(filter(None, texts)) + "}"

    def rows():
        for object_id, object_repr, changes in items:
            values = base.copy()
            # an ID has 18 characters: shorter texts (primary keys) cannot hold one
            values[id_at] = (mask_text(object_id) if len(object_id) >= 18 else object_id)[:id_limit]
            values[repr_at] = mask_text(object_repr)[:repr_limit]
            values[changes_at] = join(changes) if changes.__class__ is tuple else prepare(changes)
            yield values
    constants = {i: value for i, value in enumerate(base) if i not in (id_at, repr_at, changes_at)}
    stream = InsertStream(AuditEntry, fields, adapt=False, ahead=2 if wait else 0, constants=constants)
    try:
        stream.extend(rows())
    finally:
        count = stream.finish(wait=wait)
    return count


ROWS_PER_VALUES = 1000   # rows in one multi-row INSERT, at most (and within the parameter limit)
COPY_ROWS = 5000         # rows in one COPY (PostgreSQL)


class _Shared:
    """What the writers of one connection share: the lock held while a statement runs (by a
    writer, or by the calling thread around its own queries: ``connection_lock``), and the
    writers handed their last rows but not yet waited for (``InsertStream.finish(wait=False)``),
    in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pending: list[_Writer] = []


_shared_by_connection: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_shared_guard = threading.Lock()


def _shared(db) -> _Shared:
    with _shared_guard:
        shared = _shared_by_connection.get(db)
        if shared is None:
            shared = _shared_by_connection[db] = _Shared()
        return shared


def connection_lock(db=None) -> threading.Lock:
    """The lock the writer threads of ``db`` (the default connection of this thread) hold while
    a statement runs: hold it to use the connection while they may run."""
    return _shared(db if db is not None else connections[DEFAULT_DB_ALIAS]).lock


def drain(db=None) -> None:
    """Wait for the writers of ``db`` that were handed their last rows without waiting
    (``InsertStream.finish(wait=False)``), in order; raise the first error any met, as Django's
    exception. Call it before the connection is used otherwise, and before the commit."""
    db = db if db is not None else connections[DEFAULT_DB_ALIAS]
    shared = _shared(db)
    pending, shared.pending = shared.pending, []
    error = None
    for writer in pending:
        writer.join()
        if error is None:
            error = writer.error
    if error is not None:
        with db.wrap_database_errors:
            raise error


class _Writer:
    """Runs INSERT (or COPY) statements on this thread's database connection — the same
    connection, so the same transaction — in a background thread, one statement at a time,
    while the calling thread prepares the next rows. The database works without the GIL
    (SQLite while it steps a statement, psycopg while it waits for the server), so on two cores
    the preparing and the writing overlap. Each statement carries many rows (``INSERT … VALUES
    (…), (…)`` or a COPY), so the thread needs the GIL once a statement, not once a row as
    ``executemany`` would.
    The calling thread must not use the connection until ``finish()`` returns; ``finish()``
    raises what the database raised, as Django's exception (``IntegrityError``…).

    The thread is started only where ``concurrency.writer_thread_allowed()``: the task worker
    and the command line, never a web request (whose connection is the request's own). There
    the statements run on the calling thread as they come, and errors still wait for
    ``finish()``."""

    def __init__(self, db, ahead: int = 2, noted: BulkInsert | None = None):
        db.ensure_connection()
        self.db = db
        self.noted = noted  # the data version's notes of an INSERT, once a statement (SQLite)
        self.raw = db.connection
        self.shared = _shared(db)
        self.lock = self.shared.lock  # held while a statement runs (see InsertStream.lock)
        # the writers handed their rows before this one: its statements come after theirs
        self.after = list(self.shared.pending)
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.started: threading.Thread | None = None
        self.cursor = None
        self.done = False
        if not writer_thread_allowed():
            self.cursor = self.raw.cursor()
            return
        self.queue: queue.Queue = queue.Queue(maxsize=ahead)
        self.thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self.started = self.thread  # kept after ``join``: a later writer waits on it
        fast_switching(True)
        self.thread.start()

    def _execute(self, cursor, sql: str, payload) -> None:
        try:
            with self.lock:
                if sql.startswith("COPY "):
                    with cursor.copy(sql) as copy:
                        for row in payload:
                            copy.write_row(row)
                elif self.noted is not None:
                    self.noted.insert(cursor, lambda: cursor.execute(sql, payload))
                else:
                    cursor.execute(sql, payload)
        except BaseException as exc:  # raised by finish(), on the calling thread
            self.error = exc

    def _run(self) -> None:
        for before in self.after:  # in order after them; nothing more once one of them failed
            before.started.join()  # the thread only: ``join``'s bookkeeping is the caller's (drain)
        failed = any(before.error is not None for before in self.after)
        self.after = []
        cursor = self.raw.cursor()
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    return
                if self.error is None and not failed:
                    self._execute(cursor, *item)
        finally:
            cursor.close()

    def join(self) -> None:
        """Wait for the thread (after ``finish(wait=False)``)."""
        thread = self.thread
        if thread is not None:
            thread.join()
            self.thread = None
            fast_switching(False)

    def put(self, sql: str, params: list) -> None:
        if self.error is not None:
            return
        if self.thread is None:
            self._execute(self.cursor, sql, params)  # no writer thread here: on this one
        else:
            self.queue.put((sql, params))

    def finish(self, wait: bool = True) -> None:
        """No more statements. ``wait``: wait for them and for every writer before this one
        (``drain``), raising what any met; else return at once, the thread left to ``drain``."""
        if self.done:
            return
        self.done = True
        if self.thread is not None:
            self.queue.put(None)
            self.shared.pending.append(self)
            if wait:
                drain(self.db)
            return
        if self.cursor is not None:
            self.cursor.close()
            self.cursor = None
        if self.error is not None:
            with self.db.wrap_database_errors:
                raise self.error


class InsertStream:
    """Rows INSERTed as they come: ``extend(rows)`` any number of times, then ``finish()``
    (always, even on error), which waits for the writer thread and returns the row count.

    The rows (Python values in the order of ``fields``) are adapted for the database (dates,
    JSON…, unless ``adapt=False``: already adapted) and sent as multi-row INSERTs of as many
    rows as the database's parameter limit allows (at most ROWS_PER_VALUES), at most ``ahead``
    statements waiting (0: no limit, so ``extend`` never waits for the database). Between
    ``extend`` calls the calling thread may use the connection only inside ``with
    stream.lock:`` (the writer holds it while a statement runs).

    ``constants`` (position → value) names the columns that hold the same value in every row
    (defaults, the run's timestamp, who imports). On SQLite they are sent once a statement —
    ``INSERT … SELECT column1, ?, column2 … FROM (VALUES (?, ?), …)`` — because binding the
    parameters is most of what the writer does while it holds the GIL. Elsewhere the rows are
    sent whole. PostgreSQL gets ``COPY … FROM STDIN`` instead of INSERTs (psycopg builds a
    statement of thousands of parameters slowly, and COPY is its bulk load)."""

    def __init__(self, model, fields: Sequence, *, adapt: bool = True, ahead: int = 0,
                 constants: dict[int, object] | None = None):
        db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: no thread-local lookup per value
        self.qn = db.ops.quote_name
        self.table = self.qn(model._meta.db_table)
        self.adapters = _adapters(fields, db) if adapt else []
        self.fixed_values: list = []
        self.pick = None  # the varying values of a row, when constants are sent apart
        self.copy = db.vendor == "postgresql"
        if self.copy:
            self.per = COPY_ROWS
            self.head = f"COPY {self.table} ({self._columns(fields)}) FROM STDIN"
        else:
            mark = "?" if db.vendor == "sqlite" else "%s"
            limit = min(getattr(db.features, "max_query_params", None) or 32766, 65535)
            if db.vendor == "sqlite" and constants and len(constants) < len(fields):
                self._plan_select(fields, constants, mark, limit)
            else:
                self.per = max(1, min(ROWS_PER_VALUES, limit // len(fields)))
                self.head, self.tail = f"INSERT INTO {self.table} ({self._columns(fields)}) VALUES ", ""
                self.one = f"({', '.join([mark] * len(fields))})"
        if not self.copy:
            # where each field's value sits in a row's parameters (``_params`` adapts them there)
            self.order = self.order if self.pick is not None else list(range(len(fields)))
            place = {field: n for n, field in enumerate(self.order)}
            self.strided = [(place[i], adapt) for i, adapt in self.adapters]
        self.full = self._sql(self.per)
        self.batch: list = []
        self.count = 0
        # SQLite's triggers note the data version and the changed schools row by row: this
        # stream's statements note theirs once a statement instead (``dataversion.BulkInsert``)
        self.writer = _Writer(db, ahead, None if self.copy else BulkInsert.for_table(db, model._meta.db_table))
        self.lock = self.writer.lock

    def _columns(self, fields) -> str:
        return ", ".join(self.qn(f.column) for f in fields)

    def _plan_select(self, fields, constants: dict[int, object], mark: str, limit: int) -> None:
        """``INSERT … SELECT column1, …, ?, … FROM (VALUES …)``: constants once a statement."""
        fixed = sorted(constants)
        varying = [i for i in range(len(fields)) if i not in constants]
        adapters = dict(self.adapters)
        self.fixed_values = [adapters[i](constants[i]) if i in adapters and constants[i] is not None
                             else constants[i] for i in fixed]
        self.adapters = [(i, adapt) for i, adapt in self.adapters if i not in constants]
        self.pick = itemgetter(*varying) if len(varying) > 1 else (lambda row, _i=varying[0]: (row[_i],))
        self.order = varying
        width = len(varying)
        self.per = max(1, min(ROWS_PER_VALUES, (limit - len(fixed)) // width))
        select = ", ".join([f"column{n + 1}" for n in range(width)] + [mark] * len(fixed))
        columns = self._columns([fields[i] for i in varying + fixed])
        self.head, self.tail = f"INSERT INTO {self.table} ({columns}) SELECT {select} FROM (VALUES ", ")"
        self.one = f"({', '.join([mark] * width)})"

    def _sql(self, rows: int) -> str:
        if self.copy:
            return self.head
        return self.head + ", ".join([self.one] * rows) + self.tail

    def _params(self, batch: list) -> list:
        if self.copy:
            return list(batch)
        fixed = len(self.fixed_values)
        params = list(self.fixed_values)
        params.extend(chain.from_iterable(map(self.pick, batch) if self.pick is not None else batch))
        # the values to adapt, a column at a time over the flat parameters (a slice with a step:
        # one C call a column, not a Python loop a row); a row is never changed
        width = len(self.order)
        for at, adapt in self.strided:
            column = params[fixed + at::width]
            many = getattr(adapt, "column", None)
            params[fixed + at::width] = many(column) if many is not None else [
                None if value is None else adapt(value) for value in column]
        return params

    def extend(self, rows: Iterable[Sequence]) -> None:
        adapters, batch, per = (self.adapters if self.copy else ()), self.batch, self.per
        for values in rows:
            if adapters:
                values = _adapted(values, adapters)
            batch.append(values)
            if len(batch) == per:
                self.writer.put(self.full, self._params(batch))
                self.count += per
                batch.clear()

    def finish(self, wait: bool = True) -> int:
        """Send the last rows; ``wait``: wait until every row is written (raising what the
        database raised), else return at once — the rows are written in order before any later
        stream's, and ``drain`` (or a later ``finish()``) waits for them."""
        batch = self.batch
        try:
            if batch and self.writer.error is None:
                self.writer.put(self._sql(len(batch)), self._params(batch))
                self.count += len(batch)
            batch.clear()
        finally:
            self.writer.finish(wait)
        return self.count
