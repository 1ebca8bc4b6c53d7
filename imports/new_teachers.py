"""The teachers a file creates, kept as rows to INSERT (``NewTeachers``): the connection's
writer thread inserts them while the rest of the file is checked."""
from __future__ import annotations

from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Max
from django.utils import timezone

from workforce.models import School, Teacher

from .bulk import InsertStream, connection_lock, drain


class NewTeachers:
    """The teachers a file creates, by 身份证件号, kept as the rows to INSERT; a ``Teacher`` is
    built only for the few that another sheet of the file refers to (``get``).

    When the run will commit if no error turns up (``Context.committing``: inside the run's
    transaction), the rows are INSERTed while the rest of the file is still being checked:
    ``send`` hands the rows added since its last call to a writer thread (``bulk.InsertStream``),
    which works in the database while this thread checks the next rows. ``flush`` waits for it.
    An error found later rolls the transaction back, rows sent included. Until ``flush``, the
    connection is the writer's: use it only ``with lock():``."""

    def __init__(self):
        self.fields = [f for f in Teacher._meta.concrete_fields if not f.primary_key]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.defaults = [f.get_default() for f in self.fields]
        self.tail = tuple(self.defaults)  # after a row's data: where its fields without a cell take theirs
        self.build = None
        self.rows: list[tuple | list] = []  # a row's values in the order of ``fields``
        self.schools: list[School] = []
        self.position: dict[str, int] = {}
        self.built: dict[str, Teacher] = {}
        self.touched: set[int] = set()  # positions a row may set; the others keep the default
        self.alike: dict[int, Any] = {}  # positions every row sets to the same value (``fix``)
        self.stream: InsertStream | None = None
        self.opened = False  # rows have been sent (then ``before`` is the largest key before them)
        self.sent = 0
        self.before = 0
        self.side = None  # the second connection of ``reading`` (PostgreSQL), while rows are sent

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, number) -> bool:
        return number in self.position

    def touch(self, fields: list[tuple[int, str]]) -> None:
        """A sheet's (position in a row's data, field): the fields it may set. Every sheet is
        touched before the first row is sent (``constants`` are the columns none sets)."""
        index = self.index
        self.touched.update(index[name] for _i, name in fields if name in index)
        self.touched.update(index[name] for name in ("id_number", "school_id", "teaching_stage", "birth_date", "sex"))

    def prepare(self, fields: list[tuple[int, str]]) -> None:
        """Where each (position in a row's data, field) of the next sheet goes in the INSERT."""
        index = self.index
        self.touch(fields)
        self.pairs = [(i, index[name]) for i, name in fields if name in index]
        self.at = (index["id_number"], index["school_id"], index["teaching_stage"], index["birth_date"], index["sex"])
        self.build = None  # made on the sheet's first row (``_plan``), when the width of its data is known

    def fix(self, alike: dict[str, Any]) -> None:
        """Fields (attnames) that every row of every sheet sets to the same value (a roster's
        国籍, 身份证件类型, 人员状态 …): sent once a statement, not once a row. What the checks
        decide for each row (the ID, school, stage, birth date and sex) is never one of them."""
        decided = {self.index[name] for name in ("id_number", "school_id", "teaching_stage", "birth_date", "sex")}
        self.alike = {self.index[name]: value for name, value in alike.items()
                      if name in self.index and self.index[name] not in decided}

    def constants(self, now) -> dict[int, Any]:
        """Position → value of the columns every new row holds alike: the defaults no sheet
        sets, the values every row sets alike (``fix``), and the timestamps (``now``, as
        ``send`` sets them)."""
        out = {i: value for i, value in enumerate(self.defaults) if i not in self.touched}
        out.update(self.alike)
        out[self.index["created_at"]] = out[self.index["updated_at"]] = now
        return out

    def add(self, data: tuple, number: str, school: School, stage: str, parsed) -> None:
        """A new teacher from a checked row: the defaults, the row's filled cells, then what
        the checks decided (the ID's birth date and sex, the school, the stage)."""
        if self.build is None:
            self._plan(len(data))
        # every field in one C call: the row's cell where the sheet has one, what the checks
        # decided, else the default; then the blank cells of fields whose default is not None
        # (few rows have any) get it
        if parsed is not None:
            values = self.build(data + (number, school.pk, stage, parsed.birth_date, parsed.sex) + self.tail)
        else:
            values = self.build_kept(data + (number, school.pk, stage) + self.tail)
        if self.fixes and None in self.pick_fixed(data):
            values = list(values)
            for i, at, default in self.fixes:
                if data[i] is None and at not in (self.decided if parsed is not None else self.decided_kept):
                    values[at] = default
        self.position[number] = len(self.rows)
        self.rows.append(values)
        self.schools.append(school)

    def _plan(self, width: int) -> None:
        """``build``: a row's values from ``data + tail`` (the row's ``width`` cells, then the
        defaults) in one ``itemgetter``; ``fixes``: the fields whose blank cell takes a default
        that is not None (a blank cell never writes None over a default)."""
        sources = {at: i for i, at in self.pairs}
        decided = {at: width + n for n, at in enumerate(self.at)}  # after the cells: what the checks decided
        positions = [decided.get(at, sources.get(at, width + len(decided) + at)) for at in range(len(self.fields))]
        self.build = itemgetter(*positions)
        # without a parsed ID (not a resident ID): the cells' birth date and sex, or the defaults
        kept = {at: width + n for n, at in enumerate(self.at[:3])}
        self.build_kept = itemgetter(*[kept.get(at, sources.get(at, width + len(kept) + at))
                                       for at in range(len(self.fields))])
        self.decided, self.decided_kept = frozenset(decided), frozenset(kept)  # no default over what was decided
        self.fixes = [(i, at, self.defaults[at]) for i, at in self.pairs if self.defaults[at] is not None]
        picks = [i for i, _at, _d in self.fixes]
        self.pick_fixed = itemgetter(*picks) if len(picks) > 1 else (lambda data, _at=picks[:1]: tuple(data[i] for i in _at))

    def send(self) -> None:
        """INSERT the rows added since the last call (the first call starts the writer: the
        timestamps are set then, and every sheet must have been ``touch``ed)."""
        if self.sent == len(self.rows):
            return
        if not self.opened:
            self.opened = True
            with self.lock():  # a previous group's history may still be being written (write_new)
                self.before = Teacher.objects.order_by().aggregate(top=Max("pk"))["top"] or 0
            index = self.index
            now = timezone.now()
            school_at = index["school_id"]
            stamps = (index["created_at"], index["updated_at"])
            for at in stamps:
                self.defaults[at] = now
            rows = self.rows
            for n, (values, school) in enumerate(zip(rows, self.schools)):
                values = rows[n] = list(values)  # a row is a tuple until now (``add``)
                for at in stamps:
                    values[at] = now
                if values[school_at] is None:  # a school this file created: it has its key now
                    values[school_at] = school.pk
            self.tail = tuple(self.defaults)
            self.stream = InsertStream(Teacher, self.fields, constants=self.constants(now))
        elif self.stream is None:
            raise RuntimeError("rows added after flush()")
        self.stream.extend(self.rows[self.sent:])
        self.sent = len(self.rows)

    def flush(self) -> None:
        """Wait until the rows sent are written, and whatever was handed to the writer without
        waiting before them (a streamed roster's history and records, ``bulk.drain``); raises
        what the database raised."""
        stream, self.stream = self.stream, None
        side, self.side = self.side, None
        if side is not None:
            side.close()
        try:
            if stream is not None:
                stream.finish()
        finally:
            drain()

    def let_go(self) -> None:
        """Forget the rows written (after ``flush`` and ``keys``): a streamed roster's next
        group of new teachers starts afresh (``TeacherHandler.write_new``). What was handed to
        the writer after them (their history and records) is not waited for: the next group's
        rows are written after it, and ``flush`` waits for all."""
        if self.stream is not None:
            self.flush()
        self.rows, self.schools, self.position, self.built = [], [], {}, {}
        self.sent, self.opened = 0, False

    def drop(self) -> None:
        """A run that will not commit (an error turned up): the writer stopped (``discard``) and
        the rows forgotten — a streamed roster reads on only for its errors."""
        self.discard()
        self.rows, self.schools, self.position, self.built = [], [], {}, {}
        self.sent, self.opened = 0, False

    def discard(self) -> None:
        """Stop the writer when what it wrote is to be rolled back (its errors do not matter then)."""
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - the transaction is rolled back whatever the writer met
            pass

    def lock(self):
        """Hold while using the connection between ``send`` and ``flush`` (the lock every writer
        thread of the connection holds while a statement runs)."""
        return connection_lock()

    @contextmanager
    def reading(self):
        """The connection to read what the system held before this run on (the teachers a chunk
        names) while rows are being sent. On PostgreSQL, a second connection of the same database
        (kept until ``flush``): it sees what is committed, and the rows this run sends are never
        looked for there (a file's IDs are checked against each other first), so the check need
        not wait for the writer's statement in flight — 8 of the 100 s of a 500,000-row roster.
        Elsewhere, and when nothing is being sent, the run's own connection (``lock``): SQLite's
        second connection would wait for the writer's lock, which it holds to the commit. Only
        when the run's transaction is the outermost: inside a caller's, what the caller wrote
        before the run is not committed, and the second connection would not see it."""
        stream = self.stream
        if (stream is not None and stream.writer.thread is not None and connection.vendor == "postgresql"
                and len(connection.atomic_blocks) == 1):
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
            yield self.side
            return
        with self.lock():
            yield connection

    def keys(self) -> dict[str, int]:
        """身份证件号 → primary key of the rows written (read back: INSERTs return none)."""
        pks = {}
        for pk, number in Teacher.objects.filter(pk__gt=self.before).order_by().values_list("pk", "id_number"):
            if number in self.position:
                pks[number] = pk
        return pks

    def get(self, number, default=None):
        teacher = self.built.get(number)
        if teacher is not None:
            return teacher
        at = self.position.get(number)
        if at is None:
            return default
        teacher = Teacher(None, *self.rows[at])
        Teacher._meta.get_field("school").set_cached_value(teacher, self.schools[at])
        self.built[number] = teacher
        return teacher

    def value(self, at: int, name: str):
        return self.rows[at][self.index[name]]
