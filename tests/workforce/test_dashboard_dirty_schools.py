"""After a write the dashboard recounts only the schools it changed (issue 14, item 6): the
database notes them with the data version (``dataversion``: a teacher's old and new school, the
school of a record's teacher, both ends of an exchange, the school of an award, an enrolment, a
quota; every school after a write to reference data), and the counts kept for the other schools
are used again. The figures after each kind of write are those of counting everything again."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection, connections

from tests.factories import TeacherFactory
from tests.workforce.test_dashboard_cache import ON, counted_alone, small_city  # noqa: F401  (a fixture)
from training.models import CreditRecord, TrainingCycle
from workforce import choices as c
from workforce import dataversion, registry
from workforce import models as m
from workforce import selectors as sel

pytestmark = pytest.mark.django_db(transaction=True)  # a count kept is brought up to date only outside a transaction

EVERY = dataversion.EVERY_SCHOOL


def marker():
    return dataversion.state(("training", "workforce"), connection).marker


def changed(since, app="workforce"):
    return dataversion.changed_since(since, (app,), connection)[app]


# ---------------------------------------------------------------- which schools a write notes
def test_every_measure_of_the_dashboard_is_recounted_school_by_school():
    # workforce's six and the registered ones (training, careers) all honour the restriction
    assert [m.key for m in registry.measures() if m.groupable and not m.restrictable] == []


def test_a_teacher_moved_notes_both_schools(world):
    since = marker()
    m.Teacher.objects.filter(pk=world.t1.pk).update(school=world.s2)
    assert changed(since) == {world.s1.pk, world.s2.pk}
    assert changed(since, "training") == set()


def test_a_record_notes_its_teachers_school(world):
    since = marker()
    m.EducationRecord.objects.create(teacher=world.t1, education="master", end=dt.date(2015, 7, 1))
    assert changed(since) == {world.s1.pk}
    since = marker()
    CreditRecord.objects.create(teacher=world.t2, title="培训", level=c.TrainingLevel.choices[0][0],
                                mode=c.TrainingMode.choices[0][0], year=2026, hours=12)
    assert changed(since, "training") == {world.s2.pk} and changed(since) == set()


def test_an_exchange_notes_its_teachers_school_and_both_ends(world):
    since = marker()
    m.Exchange.objects.create(teacher=world.t1, exchange_type=m.ExchangeType.objects.first(), start=ON,
                              from_school=world.s1b, to_school=world.s2)
    assert changed(since) == {world.s1.pk, world.s1b.pk, world.s2.pk}


def test_an_award_notes_the_school_it_was_given_at_also_when_its_teacher_changes(world):
    honour = m.HonourType.objects.get(code="gangcheng_mingshi")
    since = marker()
    m.Award.objects.create(teacher=world.t1, honour_type=honour, awarded_on=dt.date(2022, 9, 1), school_at_award=world.s1b)
    assert changed(since) == {world.s1.pk, world.s1b.pk}
    since = marker()  # the 乡村 count of the award's school reads the teacher's stage
    m.Teacher.objects.filter(pk=world.t1.pk).update(teaching_stage=c.Stage.JUNIOR)
    assert changed(since) == {world.s1.pk, world.s1b.pk}
    since = marker()  # a team's award: its school
    m.Award.objects.create(honour_type=honour, awarded_on=dt.date(2022, 9, 1), team_name="团队", school=world.s2)
    assert changed(since) == {world.s2.pk}


def test_enrolment_and_quota_note_their_school(world):
    since = marker()
    m.Enrolment.objects.create(school=world.s2, school_year=2026, stage=c.Stage.PRIMARY, pupils=90, classes=3)
    m.SchoolQuota.objects.create(school=world.s1b, school_year=2026, approved=5)
    assert changed(since) == {world.s2.pk, world.s1b.pk}


def test_a_write_to_reference_data_or_a_school_notes_every_school(world):
    for write in (lambda: m.PlanIndicator.objects.filter(pk=m.PlanIndicator.objects.first().pk).update(target=0.5),
                  lambda: m.School.objects.filter(pk=world.s1b.pk).update(location=c.Location.URBAN),
                  lambda: m.HonourType.objects.filter(code="gangcheng_mingshi").update(name="港城名师（改）")):
        since = marker()
        write()
        assert changed(since) == {EVERY}
    since = marker()
    TrainingCycle.objects.filter(pk=TrainingCycle.objects.first().pk).update(name="改名周期")
    assert changed(since, "training") == {EVERY}


# ---------------------------------------------------------------- the figures after each kind of write
def move(world, schools):
    m.Teacher.objects.filter(school=world.s1).update(school=world.s2)  # across districts


def education(world, schools):
    m.EducationRecord.objects.create(teacher=world.t2, education="doctor",
                                     degree="doctor", is_highest=True, end=dt.date(2016, 7, 1))


def exchange(world, schools):
    for t in m.Teacher.objects.filter(school=world.s1b, exchanges__isnull=True):
        m.Exchange.objects.create(teacher=t, exchange_type=m.ExchangeType.objects.filter(counts=True).first(),
                                  start=dt.date(2026, 9, 1), from_school=world.s1b, to_school=schools[3])


def award(world, schools):
    for t in m.Teacher.objects.filter(school=schools[4]):  # 特级 and a 乡村 honour at the rural school
        m.Award.objects.create(teacher=t, honour_type=m.HonourType.objects.get(code="gangcheng_mingshi"),
                               awarded_on=dt.date(2024, 9, 1), school_at_award=schools[3], stage_at_award=c.Stage.JUNIOR)


def enrolment(world, schools):
    m.Enrolment.objects.filter(school=world.s1).update(pupils=400)
    m.Enrolment.objects.create(school=schools[4], school_year=2026, stage=schools[4].stage_list[0], pupils=300, classes=8)


def quota(world, schools):
    m.SchoolQuota.objects.filter(school=world.s2).update(approved=9)
    m.SchoolQuota.objects.create(school=world.s1b, school_year=2026, approved=1)


def training(world, schools):
    for t in m.Teacher.objects.filter(school=world.s2):
        CreditRecord.objects.create(teacher=t, title="补录", level=c.TrainingLevel.choices[0][0],
                                    mode=c.TrainingMode.choices[0][0], year=2026, hours=200,
                                    status=CreditRecord.Status.APPROVED)


def teacher_left(world, schools):
    m.Teacher.objects.filter(school=schools[3]).update(left_on=dt.date(2026, 10, 1), left_reason=c.LeftReason.RETIRED)


def reference(world, schools):  # a global change: a plan target and a school's location
    m.School.objects.filter(pk=world.s1.pk).update(location=c.Location.RURAL)


def deleted(world, schools):
    for t in m.Teacher.objects.filter(school=world.s1b):
        t.delete()


WRITES = [move, education, exchange, award, enrolment, quota, training, teacher_left, reference, deleted]


def pages():
    """Every dashboard's figures: the city by district, each district by school, with and without a filter."""
    out = []
    for filters in (sel.NO_FILTERS, sel.Filters(location=c.Location.RURAL)):
        out.append(sel.measures_by(sel.CITY, "district", on=ON, filters=filters))
        for d in m.District.objects.order_by("pk"):
            out.append(sel.measures_by(sel.district_ref(d), "school", on=ON, filters=filters))
    return out


def counted_again():
    out = []
    for filters in (sel.NO_FILTERS, sel.Filters(location=c.Location.RURAL)):
        out.append(counted_alone(sel.CITY, "district", filters))
        for d in m.District.objects.order_by("pk"):
            out.append(counted_alone(sel.district_ref(d), "school", filters))
    return out


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write", WRITES, ids=[w.__name__ for w in WRITES])
def test_after_each_kind_of_write_the_pages_equal_a_full_count(world, small_city, write, monkeypatch):
    cache.clear()
    monkeypatch.setattr(dataversion, "RECOUNT_SHARE", 0.9)  # a small city: recount up to 90% of its schools alone
    assert dataversion.incremental_connection() is not None  # the path under test (not in a transaction)
    before = pages()
    assert before == counted_again()
    recounted = []
    for measure in registry.measures():
        original = measure.count_schools

        def spy(*args, original=original, **kwargs):
            recounted.append(tuple(args[4]))
            return original(*args, **kwargs)
        monkeypatch.setattr(measure, "count_schools", spy)
    write(world, small_city)
    after = pages()
    assert after == counted_again()
    assert after != before  # the write moved some figure
    if write is reference:
        assert recounted == []  # everything counted again
    else:
        assert recounted and all(len(schools) < len(small_city) for schools in recounted)
    assert pages() == after  # and kept


def test_a_write_that_commits_while_the_page_counts_is_not_lost(world, small_city):
    """PostgreSQL commits concurrent writes in any order: a write begun before the page read the
    data version and committed after it is recounted by the next page, although a write of a later
    transaction id was seen by that page."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: commits come in the order of the sequence")
    cache.clear()
    pages()
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:  # an earlier transaction id, still open
            cursor.execute("UPDATE workforce_teacher SET school_id = %s WHERE school_id = %s", [world.s2.pk, world.s1.pk])
        # a later one, committed at once (training's: the open write holds workforce's version)
        CreditRecord.objects.create(teacher=world.t2, title="并发", level=c.TrainingLevel.choices[0][0],
                                    mode=c.TrainingMode.choices[0][0], year=2026, hours=300,
                                    status=CreditRecord.Status.APPROVED)
        assert pages() == counted_again()  # the open write is not seen yet
        other.commit()
    finally:
        other.close()
    assert pages() == counted_again()


def _rows(html: str) -> dict[str, str]:
    """Each school's row of the district page as the user sees it (its name → its cells)."""
    import re
    return {name: cells for name, cells in re.findall(r'<tr data-row="([^"]+)">(.*?)</tr>', html, re.S)}


def test_after_a_write_the_district_page_shows_the_changed_schools_new_figures(world, small_city, client, monkeypatch):
    """The rows and cells kept in the process are used only while their counts are unchanged: the
    changed school's row shows its new figures (those of a page counted from nothing), the other
    schools' rows stay as they were."""
    from workforce import dashboard_views
    cache.clear()
    monkeypatch.setattr(dataversion, "RECOUNT_SHARE", 0.9)
    client.force_login(world.users.leader)
    url = f"/workforce/dashboard/district/{world.d1.code}/?on={ON}"
    m.EducationRecord.objects.create(teacher=world.t1, education="associate", is_highest=True, end=dt.date(2005, 7, 1))
    before = _rows(client.get(url).content.decode())
    assert world.s1.name in before and len(before) > 1
    m.EducationRecord.objects.filter(teacher=world.t1).update(education="bachelor", degree="bachelor")
    after = _rows(client.get(url).content.decode())
    monkeypatch.setattr(sel, "_FINISHED", {})  # nothing kept: the page counted from nothing
    monkeypatch.setattr(dashboard_views, "_ROW_CELLS", {})
    cache.clear()
    fresh = _rows(client.get(url).content.decode())
    assert after == fresh
    assert after[world.s1.name] != before[world.s1.name]  # its 本科及以上 share went from 0 to 100%
    assert {k: v for k, v in after.items() if k != world.s1.name} == {k: v for k, v in before.items() if k != world.s1.name}
