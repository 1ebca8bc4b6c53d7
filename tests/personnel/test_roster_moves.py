"""A roster import that moves a teacher to another school keeps the school history (issue 15,
item 3): "who was at this school on a date" stays a query after district HR corrects a school in
the 花名册, as it does after a personnel event."""
import datetime as dt

import pytest

from imports.services import import_run
from personnel.models import TeacherSchoolSpell
from personnel.selectors import teachers_at
from tests.imports.helpers import ROSTER_HEADERS, roster_row, write_xlsx

pytestmark = pytest.mark.django_db


def moved_roster(tmp_path, world, entry: str):
    """张三 (at 海州实验小学 since 2012-09) in district 1's roster at 海州第二小学 from ``entry``."""
    t1 = world.t1
    row = roster_row(world.s1b, name=t1.name, sex="男" if t1.sex == "1" else "女", birth=t1.birth_date,
                     id_number=t1.id_number, entry=entry, stage="primary")
    return write_xlsx(tmp_path / "花名册.xlsx", {"花名册": [ROSTER_HEADERS, row]})


# 进本校年月 as offices type it: a month code, a month typed into Excel (stored as a date, its day
# not always the 1st), a written month
@pytest.mark.parametrize("entry", ["202603", dt.datetime(2026, 3, 15), "2026年3月"])
def test_a_roster_that_moves_a_teacher_keeps_the_school_history(tmp_path, world, entry):
    path = moved_roster(tmp_path, world, entry=entry)
    report = import_run(file=path, filename=path.name, user=world.users.district, dry_run=False, source="web")
    assert report.committed and report.changed == 1, report.errors
    world.t1.refresh_from_db()
    assert world.t1.school == world.s1b
    spells = list(TeacherSchoolSpell.objects.filter(teacher=world.t1).order_by("start")
                  .values_list("school_id", "start", "end"))
    assert spells == [(world.s1.pk, dt.date(2012, 9, 1), dt.date(2026, 2, 28)), (world.s1b.pk, dt.date(2026, 3, 1), None)]
    assert world.t1 in teachers_at(world.s1, dt.date(2026, 2, 1))
    assert world.t1 not in teachers_at(world.s1b, dt.date(2026, 2, 1))
    assert world.t1 in teachers_at(world.s1b, dt.date(2026, 3, 1))
    # the same file again changes nothing, and writes no second move
    again = import_run(file=path, filename=path.name, user=world.users.district, dry_run=False, source="web")
    assert again.committed and again.changed == 0
    assert TeacherSchoolSpell.objects.filter(teacher=world.t1).count() == 2


def test_a_preview_or_a_refused_roster_keeps_no_history(tmp_path, world):
    path = moved_roster(tmp_path, world, entry="202603")
    import_run(file=path, filename=path.name, user=world.users.district, dry_run=True, source="web")
    assert not TeacherSchoolSpell.objects.filter(teacher=world.t1).exists()


def test_a_second_move_closes_the_open_spell(tmp_path, world):
    """A teacher with a history moved again by a later roster: the open spell ends the day before."""
    first = moved_roster(tmp_path, world, entry="202603")
    import_run(file=first, filename=first.name, user=world.users.district, dry_run=False, source="web")
    row = roster_row(world.s1, name=world.t1.name, sex="男" if world.t1.sex == "1" else "女",
                     birth=world.t1.birth_date, id_number=world.t1.id_number, entry="202609", stage="primary")
    back = write_xlsx(tmp_path / "花名册2.xlsx", {"花名册": [ROSTER_HEADERS, row]})
    report = import_run(file=back, filename=back.name, user=world.users.district, dry_run=False, source="web")
    assert report.committed and report.changed == 1, report.errors
    spells = list(TeacherSchoolSpell.objects.filter(teacher=world.t1).order_by("start")
                  .values_list("school_id", "start", "end"))
    assert spells == [(world.s1.pk, dt.date(2012, 9, 1), dt.date(2026, 2, 28)),
                      (world.s1b.pk, dt.date(2026, 3, 1), dt.date(2026, 8, 31)),
                      (world.s1.pk, dt.date(2026, 9, 1), None)]
    assert world.t1 in teachers_at(world.s1b, dt.date(2026, 6, 1))
