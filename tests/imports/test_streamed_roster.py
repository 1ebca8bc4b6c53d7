"""A long roster, the file's only sheet, is checked and written as it is read (issue 18: a
province's 500,000 rows in bounded memory): the same teachers, history and 学历/职称 records as a
roster held whole, at most a group of new teachers held at a time; a bad row far down leaves
nothing written, as for any import; a preview, or a file with another sheet to import, is read
whole as before. The thresholds are lowered so that a few hundred rows make several groups."""
from __future__ import annotations

import pytest

from backend.models import AuditEntry
from imports import run as run_module
from imports.handlers import teachers as teachers_module
from imports.new_teachers import NewTeachers
from imports.services import import_run
from tests.imports.helpers import ROSTER_HEADERS, roster, write_xlsx
from workforce.models import EducationRecord, Teacher, TitleAppointment

pytestmark = pytest.mark.django_db

RECORD_HEADERS = ["最高学历", "最高学位", "毕业院校", "专业技术职务", "聘任时间"]
ROWS = 150


@pytest.fixture
def held(monkeypatch):
    """Streaming from 50 rows, new teachers written 40 at a time, rows read 25 a batch; returns
    the number of new teachers held after each one is added."""
    monkeypatch.setattr(run_module, "STREAM_MIN_ROWS", 50)
    monkeypatch.setattr(run_module, "BATCH", 25)
    monkeypatch.setattr(teachers_module, "STREAM_GROUP", 40)
    sizes = []
    add = NewTeachers.add

    def counted(self, *args, **kwargs):
        add(self, *args, **kwargs)
        sizes.append(len(self))
    monkeypatch.setattr(NewTeachers, "add", counted)
    return sizes


def long_roster(school, rows=ROWS):
    table = roster(school, rows)
    table[0] = ROSTER_HEADERS + RECORD_HEADERS
    for n, row in enumerate(table[1:]):
        row += ["本科", "学士", "南京师范大学", "一级教师", f"20{10 + n % 10}09"] if n % 3 else ["大专", "", "", "", ""]
    return table


def test_a_long_roster_is_written_as_it_is_read_and_imports_as_a_whole_one(world, tmp_path, held):
    path = write_xlsx(tmp_path / "全省花名册.xlsx", {"花名册": long_roster(world.s1)}, title="2026年教职工花名册")
    teachers_before, audit_before = Teacher.objects.count(), AuditEntry.objects.count()
    report = import_run(file=path, filename=path.name, user=world.users.city, dry_run=False, source="cli")
    assert report.committed and (report.rows, report.new, report.errors) == (ROWS, ROWS, [])
    assert held and max(held) <= 40 + 25  # a group and a batch at most: the rest was written and let go
    assert Teacher.objects.count() == teachers_before + ROWS
    assert AuditEntry.objects.filter(run_ref=str(report.run_id), action="create").count() == ROWS  # one a teacher
    assert EducationRecord.objects.filter(teacher__school=world.s1, is_highest=True).count() >= ROWS
    assert TitleAppointment.objects.filter(teacher__school=world.s1).count() == ROWS - ROWS // 3
    assert report.records["学习经历"]["new"] == ROWS and report.records["专业技术职务"]["new"] == ROWS - ROWS // 3
    # the file imported again (held whole: nothing new) finds every teacher and record as written
    held.clear()
    again = import_run(file=path, filename=path.name, user=world.users.city, dry_run=False, source="cli")
    assert again.committed and (again.new, again.changed, again.unchanged) == (0, 0, ROWS)
    assert again.records["学习经历"] == {"new": 0, "changed": 0, "unchanged": ROWS}


def test_a_bad_row_after_groups_were_written_leaves_nothing_written(world, tmp_path, held):
    table = long_roster(world.s1)
    table[140][4] = table[140][4][:-1] + ("0" if table[140][4][-1] != "0" else "1")  # wrong check digit
    path = write_xlsx(tmp_path / "全省花名册.xlsx", {"花名册": table}, title="2026年教职工花名册")
    before = (Teacher.objects.count(), EducationRecord.objects.count(), TitleAppointment.objects.count(),
              AuditEntry.objects.exclude(action="import").count())
    report = import_run(file=path, filename=path.name, user=world.users.city, dry_run=False, source="cli")
    assert len(held) >= 80  # two groups were written before the bad row was read
    assert not report.committed and report.outcome == "rejected"
    # title row 1, header row 2: data row 140 is Excel row 142
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("花名册", 142, "*身份证件号")]
    assert "校验位" in report.errors[0].message
    assert (report.rows, report.error_rows) == (ROWS, 1)
    assert (Teacher.objects.count(), EducationRecord.objects.count(), TitleAppointment.objects.count(),
            AuditEntry.objects.exclude(action="import").count()) == before


def test_after_an_error_the_rest_of_a_long_roster_is_read_for_its_errors_only(world, tmp_path, held):
    """An error near the top: nothing will be written, so the new teachers read after it are not
    kept (a province's roster with a bad row in its tenth line is not held whole either), and
    every later error is still reported."""
    table = long_roster(world.s1)
    table[10][4] = table[10][4][:-1] + ("0" if table[10][4][-1] != "0" else "1")  # wrong check digit
    table[120][1] = "9999999999"                                                   # no such school
    path = write_xlsx(tmp_path / "全省花名册.xlsx", {"花名册": table}, title="2026年教职工花名册")
    before = Teacher.objects.count()
    report = import_run(file=path, filename=path.name, user=world.users.city, dry_run=False, source="cli")
    assert not report.committed and Teacher.objects.count() == before
    assert [(e.row, e.column) for e in report.errors] == [(12, "*身份证件号"), (122, "学校标识码")]
    assert report.new == ROWS - 2 and max(held) <= 25  # counted as new, never more than a batch held


def test_a_preview_or_a_file_with_another_sheet_is_read_whole(world, tmp_path, held, monkeypatch):
    streamed = []
    stream = teachers_module.TeacherHandler.stream

    def spied(self, sheet):
        streamed.append(sheet.name)
        return stream(self, sheet)
    monkeypatch.setattr(teachers_module.TeacherHandler, "stream", spied)
    path = write_xlsx(tmp_path / "全省花名册.xlsx", {"花名册": long_roster(world.s1)}, title="2026年教职工花名册")
    preview = import_run(file=path, filename=path.name, user=world.users.city, dry_run=True, source="cli")
    assert preview.outcome == "previewed" and preview.new == ROWS and streamed == []
    table = long_roster(world.s2)
    two = write_xlsx(tmp_path / "两表.xlsx", {"花名册": table, "学习经历": [["身份证件号", "姓名", "学历"],
                                                                       [table[1][4], table[1][2], "硕士研究生"]]})
    report = import_run(file=two, filename=two.name, user=world.users.city, dry_run=False, source="cli")
    assert streamed == [] and report.committed and report.new == ROWS + 1  # the 学习经历 row too


@pytest.mark.django_db(transaction=True)  # committed, as a city's teachers are: what a second connection sees
def test_teachers_already_in_the_system_are_found_while_the_writer_has_the_connection(world, tmp_path, held,
                                                                                       monkeypatch):
    """While the writer thread sends a streamed roster's new teachers, the chunks' teachers
    already in the system are looked for on PostgreSQL through a second connection
    (``NewTeachers.reading``: no wait for the writer's statement in flight), on SQLite through the
    run's own between statements; either way each is found and changed, not created again."""
    from django.db import connection

    used = []
    reading = NewTeachers.reading

    def spied(self):
        manager = reading(self)
        db = manager.__enter__()
        used.append(db is connection)
        return _Entered(manager, db)
    monkeypatch.setattr(NewTeachers, "reading", spied)
    table = long_roster(world.s1)
    path = write_xlsx(tmp_path / "全省花名册.xlsx", {"花名册": table}, title="2026年教职工花名册")
    assert import_run(file=path, filename=path.name, user=world.users.city, dry_run=False, source="cli").committed
    # a year on: 50 new teachers first (sent to the writer as they are checked), then the 150
    # already in the system, every other one now teaching 数学
    for row in table[1::2]:
        row[11] = "数学"
    newcomers = long_roster(world.s2, 50)[1:]
    year_on = write_xlsx(tmp_path / "次年花名册.xlsx", {"花名册": [table[0], *newcomers, *table[1:]]}, title="花名册")
    used.clear()
    again = import_run(file=year_on, filename=year_on.name, user=world.users.city, dry_run=False, source="cli")
    assert again.committed and again.errors == []
    assert (again.new, again.changed, again.unchanged) == (50, (ROWS + 1) // 2, ROWS // 2)
    assert Teacher.objects.filter(school=world.s1, subject="数学").count() == (ROWS + 1) // 2
    assert Teacher.objects.filter(school=world.s2).count() >= 50
    # the run's own connection on SQLite; a second one on PostgreSQL once rows are being sent
    assert used and (all(used) if connection.vendor == "sqlite" else not all(used))


class _Entered:
    def __init__(self, manager, db):
        self.manager, self.db = manager, db

    def __enter__(self):
        return self.db

    def __exit__(self, *exc):
        return self.manager.__exit__(*exc)
