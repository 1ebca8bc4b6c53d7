"""The background writer of ``imports.bulk``: a database error on its thread reaches the import
as Django's exception, the whole import is rolled back, and no writer thread is left behind; and the
fast UPDATE of changed records."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.models import AuditEntry
from imports import bulk
from imports.handlers.teachers import TeacherHandler
from imports.services import import_run
from tests.factories import TeacherFactory
from tests.imports.helpers import helper_threads, roster, write_xlsx
from workforce.models import School, Teacher



def test_rows_are_written_in_many_statements_in_order(world, monkeypatch):
    monkeypatch.setattr(bulk, "ROWS_PER_VALUES", 3)  # 10 rows: statements of 3, 3, 3 and 1
    built = [TeacherFactory.build(school=world.s1, name=f"教师{i}") for i in range(10)]
    before = Teacher.objects.count()
    assert bulk.fast_insert(Teacher, built) == 10
    made = list(Teacher.objects.order_by("-pk")[:10].values_list("name", "id_number", "birth_date"))[::-1]
    assert made == [(t.name, t.id_number, t.birth_date) for t in built]
    assert Teacher.objects.count() == before + 10 and helper_threads() == []


def test_a_database_error_on_the_writer_thread_is_raised_as_djangos(world):
    first = TeacherFactory.build(school=world.s1)
    twin = TeacherFactory.build(school=world.s1, id_number=first.id_number)  # the unique ID twice
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            bulk.fast_insert(Teacher, [first, twin])
    assert not Teacher.objects.filter(id_number=first.id_number).exists() and helper_threads() == []


def test_streams_handed_over_without_waiting_are_written_in_order_and_their_errors_raised_at_drain(world):
    """``finish(wait=False)`` returns while the writer thread still writes; a later stream's rows
    come after the earlier one's (the same connection, one statement at a time), the calling
    thread's own queries wait for the statement in flight (``connection_lock``), and ``drain``
    waits for all and raises what the database raised — after which nothing later was written."""
    first = [TeacherFactory.build(school=world.s1, name=f"先{i}") for i in range(5)]
    fields = [f for f in Teacher._meta.concrete_fields if not f.primary_key]
    rows = [[getattr(t, f.attname) for f in fields] for t in first]
    now = timezone.now()
    for row in rows:
        row[[f.attname for f in fields].index("created_at")] = row[[f.attname for f in fields].index("updated_at")] = now
    with transaction.atomic():
        assert bulk.insert_rows(Teacher, fields, rows[:3], wait=False) == 3
        assert bulk.insert_rows(Teacher, fields, rows[3:], wait=False) == 2
        with bulk.connection_lock():
            Teacher.objects.filter(name__startswith="先").count()  # between statements, never during one
        bulk.drain()
        made = list(Teacher.objects.filter(name__startswith="先").order_by("pk").values_list("name", flat=True))
        assert made == [f"先{i}" for i in range(5)] and helper_threads() == []
    twin = [list(rows[0])]  # the unique ID again: refused on the writer thread
    later = [TeacherFactory.build(school=world.s1, name="后")]
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            bulk.insert_rows(Teacher, fields, twin, wait=False)
            bulk.fast_insert(Teacher, later)  # waits: raises the earlier stream's error
    assert not Teacher.objects.filter(name="后").exists() and helper_threads() == []


def test_a_conflict_found_only_while_writing_leaves_nothing_written(world, tmp_path, monkeypatch):
    """Someone adds one of the file's teachers between the check and the write: the INSERT
    fails on the writer thread, and none of the file's teachers or history rows stay."""
    rows = roster(world.s1, 5)
    numbers = [row[4] for row in rows[1:]]
    TeacherFactory(name="已有", id_number=numbers[3], school=world.s1)
    monkeypatch.setattr(TeacherHandler, "known_numbers", staticmethod(lambda numbers: set()))  # the check misses it
    history = AuditEntry.objects.count()
    report = import_run(file=write_xlsx(tmp_path / "r.xlsx", {"S": rows}), filename="r.xlsx",
                        user=world.users.city, dry_run=False)
    assert not report.committed
    assert any("写入数据库失败" in e.message for e in report.errors)
    assert Teacher.objects.filter(id_number__in=numbers).count() == 1  # only the one added meanwhile
    assert AuditEntry.objects.filter(run_ref=str(report.run_id), action="create").count() == 0
    assert AuditEntry.objects.count() >= history and helper_threads() == []


def test_columns_alike_in_every_row_are_written_as_given(world, monkeypatch):
    """``constants`` (sent once a statement on SQLite) give the same rows as sending them whole."""
    monkeypatch.setattr(bulk, "ROWS_PER_VALUES", 4)  # 10 rows: statements of 4, 4 and 2
    fields = [f for f in Teacher._meta.concrete_fields if not f.primary_key]
    at = {f.attname: i for i, f in enumerate(fields)}
    built = [TeacherFactory.build(school=world.s1, name=f"教师{i}", ethnicity="03", remarks="同一备注")
             for i in range(10)]
    stamp = timezone.now()
    rows = []
    for teacher in built:
        teacher.created_at = teacher.updated_at = stamp
        rows.append([getattr(teacher, f.attname) for f in fields])
    constants = {at[name]: rows[0][at[name]] for name in ("ethnicity", "remarks", "created_at", "updated_at", "school_id")}
    stream = bulk.InsertStream(Teacher, fields, constants=constants)
    stream.extend(rows)
    assert stream.finish() == 10
    names = ["name", "id_number", "birth_date", "ethnicity", "remarks", "school_id", "created_at"]
    made = list(Teacher.objects.order_by("-pk")[:10].values_list(*names))[::-1]
    assert made == [tuple(getattr(t, n) for n in names) for t in built]


def test_fast_update_writes_each_objects_own_values_and_nothing_else(world, monkeypatch):
    """Changed teachers written many a statement: dates, a key, booleans (also to NULL), small
    numbers and texts land on their own rows; other fields and other teachers stay."""
    monkeypatch.setattr(bulk, "ROWS_PER_VALUES", 2)  # 5 teachers: statements of 2, 2 and 1
    teachers = [TeacherFactory(school=world.s1, name=f"原名{i}", remarks="备注") for i in range(5)]
    bystander = TeacherFactory(school=world.s1, name="旁人")
    for i, t in enumerate(teachers):
        t.name = f"新名{i}"
        t.work_start = dt.date(2001 + i, 9, 1)
        t.school = world.s2 if i % 2 else world.s1b
        t.on_establishment = bool(i % 2)
        t.dual_qualified = None if i % 2 else True
        t.enterprise_months = i * 3
        t.remarks = "不应写入"  # not among the fields named
    names = ["name", "work_start", "school_id", "on_establishment", "dual_qualified", "enterprise_months"]
    assert bulk.fast_update(Teacher, teachers, names) == 5
    for i, t in enumerate(teachers):
        got = Teacher.objects.get(pk=t.pk)
        assert (got.name, got.work_start, got.school_id, got.on_establishment, got.dual_qualified,
                got.enterprise_months, got.remarks) == (
            f"新名{i}", dt.date(2001 + i, 9, 1), (world.s2 if i % 2 else world.s1b).pk, bool(i % 2),
            None if i % 2 else True, i * 3, "备注")
    assert Teacher.objects.get(pk=bystander.pk).name == "旁人"


def test_fast_update_writes_json_fields(world):
    world.s1.stages = ["primary", "junior"]
    assert bulk.fast_update(School, [world.s1], ["stages"]) == 1
    assert School.objects.get(pk=world.s1.pk).stages == ["primary", "junior"]
