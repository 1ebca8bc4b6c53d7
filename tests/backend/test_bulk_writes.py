"""The bulk writers' helpers (core/db.py): rows written with PostgreSQL's COPY are the rows
``bulk_create`` writes, and the planner's statistics are refreshed once a bulk write commits."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.db import analyze, copy_insert
from tests import factories as f
from training import models as tm
from workforce import choices as c
from workforce import models as m

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields
            if not field.primary_key}


def test_copied_teachers_and_their_records_read_back_as_written(world):
    """Dates, booleans, nulls, choices, foreign keys to rows written by the copy before: every
    field comes back as the object had it, and the objects get their keys like bulk_create's."""
    teachers = [
        m.Teacher(name="赵一", sex=c.Sex.MALE, birth_date=dt.date(1980, 2, 29), id_number=f.valid_id(dt.date(1980, 2, 29)),
                  school=world.s1, teaching_stage=c.Stage.PRIMARY, work_start=dt.date(2001, 9, 1),
                  school_entry=dt.date(2010, 9, 1), staff_category=c.StaffCategory.FULL_TIME_TEACHER,
                  on_establishment=True, backbone=True, dual_qualified=None, enterprise_months=None, remarks="“引号”\t与制表符\n换行"),
        m.Teacher(name="钱二", sex=c.Sex.FEMALE, birth_date=dt.date(1995, 12, 31),
                  id_number=f.valid_id(dt.date(1995, 12, 31), "2"), school=world.s2, teaching_stage=c.Stage.PRIMARY,
                  work_start=dt.date(2018, 8, 1), school_entry=dt.date(2018, 8, 1),
                  staff_category=c.StaffCategory.ADMIN, on_establishment=False, left_on=dt.date(2025, 7, 31),
                  left_reason=c.LeftReason.RETIRED),
    ]
    before = m.Teacher.objects.count()
    copy_insert(m.Teacher, teachers)
    assert all(t.pk is not None and not t._state.adding for t in teachers)
    records = [m.EducationRecord(teacher=t, education=c.Education.BACHELOR, degree=c.Degree.BACHELOR, is_first=True,
                                 is_highest=True, end=dt.date(2001, 6, 30)) for t in teachers]
    copy_insert(m.EducationRecord, records)  # their teacher_id taken from the teachers just copied

    assert m.Teacher.objects.count() == before + 2
    for t in teachers:
        assert _fields(m.Teacher.objects.get(pk=t.pk)) == _fields(t)
        assert list(m.EducationRecord.objects.filter(teacher=t).values_list("education", "end")) == [
            (c.Education.BACHELOR, dt.date(2001, 6, 30))]
    # the sequence moved past the copied keys: the next row the ORM saves gets a new key
    assert f.TeacherFactory(school=world.s1).pk > max(t.pk for t in teachers)


def test_copy_is_one_statement_however_many_rows(world):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's COPY (elsewhere: bulk_create, in batches of the parameter limit)")
    def statements(n: int) -> int:
        rows = [tm.Programme(name=f"培训{i}", level=c.TrainingLevel.CITY, mode=c.TrainingMode.ONLINE,
                             start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 2), hours=Decimal("8.5"))
                for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            copy_insert(tm.Programme, rows)
        return len(captured.captured_queries)

    assert statements(10) == statements(2_000)
    assert set(tm.Programme.objects.values_list("hours", flat=True)) == {Decimal("8.5")}


def test_statistics_are_refreshed_after_the_commit(world, django_capture_on_commit_callbacks):
    """PostgreSQL: the planner's row count of the teachers' table is the table's own once the
    bulk write commits (not before: the callback waits for the commit)."""
    if connection.vendor != "postgresql":
        with django_capture_on_commit_callbacks() as callbacks:
            analyze([m.Teacher])
        assert callbacks == []  # SQLite: nothing to do
        return
    f.TeacherFactory.create_batch(37, school=world.s1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        analyze([m.Teacher, "workforce_school"])
        assert planner_rows("workforce_teacher") != m.Teacher.objects.count()  # not yet: not committed
    assert len(callbacks) == 1
    assert planner_rows("workforce_teacher") == m.Teacher.objects.count()


def planner_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def test_the_demo_city_is_planned_on_its_own_rows(django_capture_on_commit_callbacks):
    """seed_demo on PostgreSQL: the planner's row counts are the city's once it is built."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statistics")
    from demo import builder

    with django_capture_on_commit_callbacks(execute=True):
        builder.build_demo_city(teachers=300, schools=15)
    assert planner_rows("workforce_teacher") == m.Teacher.objects.count() == 300
    assert planner_rows("training_creditrecord") == tm.CreditRecord.objects.count() > 300


def test_a_committed_roster_import_refreshes_the_statistics(world, tmp_path, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    """The import's commit: a bulk load (BULK_WRITE_ROWS rows or more) has the planner's row
    counts brought up to date once committed; a few rows are left to autovacuum."""
    from imports import run
    from imports.services import import_run
    from tests.imports.helpers import roster, write_xlsx

    monkeypatch.setattr(run, "BULK_WRITE_ROWS", 3)  # a roster of 3 is "bulk" here

    def imported(count: int, name: str) -> list:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            report = import_run(file=write_xlsx(tmp_path / name, {"S": roster(world.s1, count)}), filename=name,
                                user=world.users.city, dry_run=False)
        assert report.committed
        return callbacks

    few, bulk = imported(2, "few.xlsx"), imported(3, "bulk.xlsx")
    if connection.vendor != "postgresql":
        assert few == bulk == []  # SQLite: nothing to do
        return
    assert few == [] and len(bulk) == 1
    assert planner_rows("workforce_teacher") == m.Teacher.objects.count()
