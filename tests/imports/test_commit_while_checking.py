"""A run that will commit unless an error turns up checks inside its transaction and INSERTs
the new teachers while it checks the next rows (``imports.new_teachers.NewTeachers``). What a user
sees must not change: an error found late still leaves nothing written; teachers and the other
sheets of the same workbook are written as before; the progress callback (which in the web
worker writes to the database) is never called inside the transaction."""
from __future__ import annotations


import pytest
from django.db import connection

from backend.models import AuditEntry
from imports import bulk
from imports.handlers import teachers
from imports.models import ImportRun
from imports.services import import_run
from tests.imports.helpers import helper_threads, roster, write_xlsx
from workforce.models import EducationRecord, School, Teacher


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 4 rows, and a count of the teacher rows handed to the writer."""
    monkeypatch.setattr(teachers, "CHUNK", 4)
    sent = []
    extend = bulk.InsertStream.extend

    def counted(self, rows):
        rows = list(rows)
        if self.table.strip('"`') == Teacher._meta.db_table:
            sent.append(len(rows))
        return extend(self, rows)
    monkeypatch.setattr(bulk.InsertStream, "extend", counted)
    return sent



def test_rows_sent_while_checking_are_rolled_back_when_a_later_row_is_wrong(world, tmp_path, small_chunks):
    rows = roster(world.s1, 30)
    rows[27][3] = "女" if rows[27][3] == "男" else "男"  # sex against the ID: found by the check, not the reading
    before, history = Teacher.objects.count(), AuditEntry.objects.count()
    report = import_run(file=write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}), filename="r.xlsx",
                        user=world.users.city, dry_run=False)
    assert sum(small_chunks) >= 24  # the first six chunks went to the database before the error
    assert not report.committed and report.outcome == ImportRun.Outcome.REJECTED
    # header in row 1: rows[27] is Excel row 28
    assert [(e.row, e.column) for e in report.errors] == [(28, "*性别")] and "性别与身份证件号不符" in report.errors[0].message
    assert Teacher.objects.count() == before and AuditEntry.objects.count() == history
    assert helper_threads() == []
    run = ImportRun.objects.get(pk=report.run_id)  # the run's own record is kept, outside the rollback
    assert (run.outcome, run.errors) == (ImportRun.Outcome.REJECTED, 1)


def test_a_preview_sends_nothing(world, tmp_path, small_chunks):
    report = import_run(file=write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 12)}), filename="r.xlsx",
                        user=world.users.city, dry_run=True)
    assert report.outcome == ImportRun.Outcome.PREVIEWED and report.new == 12 and small_chunks == []


def test_teachers_sent_while_checking_and_their_education_in_one_workbook(world, tmp_path, small_chunks):
    teachers = roster(world.s1, 10)
    education = [["姓名", "身份证件号", "学历", "学位层次", "学习方式", "毕业年月", "最高学历标识"]] + [
        [row[2], row[4], "本科", "学士", "全日制", "201006", "是"] for row in teachers[1:]]
    report = import_run(file=write_xlsx(tmp_path / "w.xlsx", {"教职工基础信息": teachers, "学习经历": education}),
                        filename="w.xlsx", user=world.users.city, dry_run=False)
    assert report.committed and report.new == 20, report.errors
    assert len(small_chunks) >= 3  # sent chunk by chunk
    numbers = [row[4] for row in teachers[1:]]
    assert EducationRecord.objects.filter(teacher__id_number__in=numbers, education="bachelor").count() == 10
    # each teacher's history (its creation, and its education's, filed under it) names its real key
    created = AuditEntry.objects.filter(run_ref=str(report.run_id), action="create", object_type="workforce.teacher")
    assert created.count() == 20 and set(created.values_list("object_id", flat=True)) == {
        str(pk) for pk in Teacher.objects.filter(id_number__in=numbers).values_list("pk", flat=True)}
    assert helper_threads() == []


def test_teachers_of_a_school_the_same_workbook_creates(world, tmp_path, small_chunks):
    schools = [["学校标识码", "学校名称", "所属区县", "学校类型", "办学性质", "城乡分类", "村小/教学点"],
               ["3207060109", "海州新建小学", "海州区", "小学", "公办", "城区", ""]]
    new_school = School(code="3207060109", name="海州新建小学")
    teachers = roster(new_school, 6) + roster(world.s1, 3)[1:]
    report = import_run(file=write_xlsx(tmp_path / "s.xlsx", {"学校": schools, "教职工基础信息": teachers}),
                        filename="s.xlsx", user=world.users.city, dry_run=False)
    assert report.committed, report.errors
    school = School.objects.get(code="3207060109")
    assert Teacher.objects.filter(school=school).count() == 6
    assert Teacher.objects.filter(school=world.s1, id_number__in=[row[4] for row in teachers[7:]]).count() == 3


def test_progress_is_never_reported_inside_the_transaction(world, tmp_path, small_chunks):
    depth = len(connection.savepoint_ids) + int(connection.in_atomic_block)  # the test's own transaction
    calls = []

    def progress(done, total, phase):
        calls.append((phase, len(connection.savepoint_ids) + int(connection.in_atomic_block) == depth))

    report = import_run(file=write_xlsx(tmp_path / "r.xlsx", {"花名册": roster(world.s1, 12)}), filename="r.xlsx",
                        user=world.users.city, dry_run=False, progress=progress)
    assert report.committed and small_chunks
    assert all(outside for _phase, outside in calls)
    assert [phase for phase, _o in calls][-1] == ImportRun.Phase.WRITING


def test_a_column_one_sheet_fills_alike_is_stored_for_every_teacher_of_each_sheet(world, tmp_path, small_chunks):
    # every row of the first sheet says 是否在编 是 and 任教学科 语文; the second sheet says 否 and 数学 for
    # all its rows: each teacher keeps their own sheet's value, not the other sheet's
    first = roster(world.s1, 9)
    second = roster(world.s1b, 6, on="否", subject="数学")
    mixed = roster(world.s1, 5)
    mixed[3][8] = "否"  # one row differs within the sheet
    report = import_run(file=write_xlsx(tmp_path / "r.xlsx", {"花名册": first, "花名册2": second, "花名册3": mixed}),
                        filename="r.xlsx", user=world.users.city, dry_run=False)
    assert report.committed and report.new == 20, [e.as_json() for e in report.errors]
    stored = dict(Teacher.objects.values_list("id_number", "on_establishment"))
    assert {stored[row[4]] for row in first[1:]} == {True} and {stored[row[4]] for row in second[1:]} == {False}
    assert [stored[row[4]] for row in mixed[1:]] == [True, True, False, True, True]
    subjects = dict(Teacher.objects.values_list("id_number", "subject"))
    assert {subjects[row[4]] for row in second[1:]} == {"数学"} and {subjects[row[4]] for row in first[1:]} == {"语文"}


def test_a_column_a_roster_fills_alike_throughout_is_stored_for_every_teacher(world, tmp_path, small_chunks):
    rows = roster(world.s1, 11, subject="体育", on="否")
    report = import_run(file=write_xlsx(tmp_path / "r.xlsx", {"花名册": rows}), filename="r.xlsx",
                        user=world.users.city, dry_run=False)
    assert report.committed and sum(small_chunks) == 11
    numbers = [row[4] for row in rows[1:]]
    assert set(Teacher.objects.filter(id_number__in=numbers).values_list("subject", "on_establishment", "school")) == {
        ("体育", False, world.s1.pk)}
    assert len(set(Teacher.objects.filter(id_number__in=numbers).values_list("birth_date", "name"))) == 11
