"""The import's bulk INSERTs note the data version and the changed schools once a statement
(``dataversion.BulkInsert``) instead of a trigger per row: what they note is what the per-row
triggers note, and the dashboard's kept counts after an import are those of counting again."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import transaction

from imports.bulk import fast_insert
from imports.services import import_run
from tests.imports.helpers import new_id, write_xlsx
from tests.workforce.test_dashboard_cache import ON, small_city  # noqa: F401  (a fixture)
from tests.workforce.test_dashboard_dirty_schools import EVERY, changed, counted_again, marker, pages
from workforce import choices as c
from workforce import dataversion, registry
from workforce import models as m

def version():
    return dataversion.current(("training", "workforce"))


def records(world, schools):
    """A 学历 for a teacher of each of two schools, an award given at a third school, and a
    team's award filed under a fourth school (no teacher)."""
    t2 = m.Teacher.objects.filter(school=world.s2).first()
    honour = m.HonourType.objects.get(code="gangcheng_mingshi")
    return ([m.EducationRecord(teacher=world.t1, education="master", degree="master", end=dt.date(2015, 7, 1)),
             m.EducationRecord(teacher=t2, education="doctor", degree="doctor", end=dt.date(2019, 7, 1))],
            [m.Award(teacher=world.t1, honour_type=honour, awarded_on=dt.date(2022, 9, 1), school_at_award=schools[3]),
             m.Award(honour_type=honour, awarded_on=dt.date(2022, 9, 1), team_name="名师工作室", school=schools[4])])


@pytest.mark.django_db(transaction=True)  # what a page sees once the writes are committed
def test_rows_inserted_in_bulk_note_the_schools_the_per_row_triggers_note(world, small_city):
    educations, awards = records(world, small_city)
    # the per-row triggers (the ORM, one row at a time)
    since, before = marker(), version()
    for record in educations + awards:
        record.save()
    by_trigger = changed(since)
    assert version() != before
    assert by_trigger == {world.s1.pk, world.s2.pk, small_city[3].pk, small_city[4].pk}
    # the same rows in bulk (inside a transaction: the import's path), one statement a model
    since, before = marker(), version()
    educations, awards = records(world, small_city)
    with transaction.atomic():
        assert fast_insert(m.EducationRecord, educations) == 2
    assert changed(since) == {world.s1.pk, world.s2.pk} and changed(since, "training") == set()
    assert version() != before
    since = marker()
    with transaction.atomic():
        assert fast_insert(m.Award, awards) == 2
    assert changed(since) == {world.s1.pk, small_city[3].pk, small_city[4].pk}
    assert changed(since) | {world.s2.pk} == by_trigger
    # the triggers are on again after the statement: a write of one row is noted by its own
    since = marker()
    m.Enrolment.objects.create(school=world.s1b, school_year=2026, stage=c.Stage.PRIMARY, pupils=90, classes=3)
    assert changed(since) == {world.s1b.pk}


@pytest.mark.django_db(transaction=True)
def test_after_an_imported_roster_the_pages_equal_a_full_count(world, small_city, tmp_path, monkeypatch):
    """A roster with 学历 and 职称 columns: new teachers at two schools, their records created in
    bulk. Only those two schools are counted again, and every page equals a full count."""
    cache.clear()
    monkeypatch.setattr(dataversion, "RECOUNT_SHARE", 0.9)  # a small city: recount up to 90% of its schools alone
    assert dataversion.incremental_connection() is not None
    before = pages()
    assert before == counted_again()
    headers = ["学校标识码", "姓名", "性别", "身份证件号", "出生日期", "任教学段", "教职工类别", "是否在编", "进本校年月",
               "最高学历", "最高学位", "毕业院校", "毕业时间", "专业技术职务", "聘任时间"]
    rows = [headers]
    for n, school in enumerate([world.s1, world.s1, world.s2, world.s2, world.s2]):
        birth = dt.date(1985 + n, 3, 9)
        rows.append([school.code, f"新教师{n}", "男", new_id(birth), birth.strftime("%Y%m"), "", "专任教师", "是", "201809",
                     "研究生" if n % 2 else "本科", "硕士" if n % 2 else "学士", "江苏师范大学", "201007",
                     "一级教师", "201909"])
    path = write_xlsx(tmp_path / "花名册.xlsx", {"花名册": rows})
    since = marker()
    recounted = []
    for measure in registry.measures():
        original = measure.count_schools

        def spy(*args, original=original, **kwargs):
            recounted.append(tuple(args[4]))
            return original(*args, **kwargs)
        monkeypatch.setattr(measure, "count_schools", spy)
    report = import_run(file=path, filename=path.name, user=world.users.city, dry_run=False, source="cli")
    assert report.committed and report.new == 5, report.errors
    assert m.EducationRecord.objects.filter(teacher__name__startswith="新教师", is_highest=True).count() == 5
    assert changed(since) == {world.s1.pk, world.s2.pk}
    after = pages()
    assert after == counted_again()
    assert after != before
    assert recounted and {school for schools in recounted for school in schools} <= {world.s1.pk, world.s2.pk}
