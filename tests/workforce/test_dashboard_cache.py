"""The dashboard keeps its counts under the data version (issue 14, item 6): the database changes
the version on every write, whatever the path, so the figures are never older than the data; and
every page's figures, taken from the city's counts per school, are those of counting the page's
own scope."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from imports.services import import_run
from tests.factories import SchoolFactory, TeacherFactory
from tests.imports.helpers import roster, write_xlsx
from training.models import CreditRecord
from workforce import choices as c
from workforce import dataversion, registry
from workforce import models as m
from workforce import selectors as sel

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 11, 1)


def teachers(data, stage="小学"):
    return next(x for x in data["table2"] if x["stage"] == stage)["denominator"]


def versions():
    return dict(dataversion.current(("training", "workforce")))


# ---------------------------------------------------------------- the version
def test_every_table_of_the_watched_apps_has_its_triggers(world):
    # workforce, training and the app of every other registered measure (careers registers one)
    assert {"training", "workforce"} <= set(dataversion.watched_apps())
    assert {app for measure in registry.measures() for app in measure.apps} == set(dataversion.watched_apps())
    tables = dataversion.watched_tables()
    assert {"workforce_teacher", "workforce_educationrecord", "workforce_award", "workforce_planindicator",
            "training_creditrecord", "training_trainingcycle"} <= set(tables)
    assert dataversion.TABLE not in tables
    assert dataversion.missing_triggers() == []


@pytest.mark.parametrize("write", ["save", "update", "bulk_create", "delete", "raw_sql"])
def test_each_write_path_changes_the_workforce_version(world, write):
    before = versions()
    if write == "save":
        world.t1.name = "张三丰"
        world.t1.save()
    elif write == "update":  # no signal is sent
        m.Teacher.objects.filter(pk=world.t1.pk).update(on_establishment=False)
    elif write == "bulk_create":
        m.EducationRecord.objects.bulk_create([m.EducationRecord(teacher=world.t1, education="master", end=ON)])
    elif write == "delete":
        m.Award.objects.filter(pk=m.Award.objects.create(
            teacher=world.t1, honour_type=m.HonourType.objects.first(), awarded_on=ON).pk).delete()
        before = versions()
        m.Teacher.objects.filter(pk=world.t2.pk).delete()
    else:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE workforce_school SET name = name || '新' WHERE id = %s", [world.s1.pk])
    after = versions()
    assert after["workforce"] != before["workforce"]
    if write != "delete":  # deleting a teacher deletes their training records (PostgreSQL: the statement, even of none)
        assert after["training"] == before["training"]


def test_a_training_record_changes_only_the_training_version(world):
    before = versions()
    CreditRecord.objects.create(teacher=world.t1, title="网络研修", level=c.TrainingLevel.choices[0][0],
                                mode=c.TrainingMode.choices[0][0], year=2026, hours=12)
    after = versions()
    assert after["training"] != before["training"] and after["workforce"] == before["workforce"]


def test_a_rolled_back_write_leaves_the_version_as_it_was(world):
    before = versions()
    with pytest.raises(RuntimeError), transaction.atomic():
        m.Teacher.objects.filter(pk=world.t1.pk).update(name="回滚")
        assert versions() != before
        raise RuntimeError
    assert versions() == before


def test_without_its_triggers_nothing_is_kept(world, monkeypatch):
    monkeypatch.setattr(dataversion, "_verified", set())
    with connection.cursor() as cursor:
        cursor.execute('DROP TRIGGER "dataversion_workforce_teacher_update"' if connection.vendor == "sqlite"
                       else 'DROP TRIGGER "dataversion_workforce_teacher_write" ON workforce_teacher')
    assert dataversion.missing_triggers() == ["workforce_teacher"]
    assert dataversion.current() is None
    assert teachers(sel.measures_for(sel.CITY, on=ON)) == 3
    m.Teacher.objects.filter(pk=world.t1.pk).update(left_on=dt.date(2026, 1, 1), left_reason=c.LeftReason.RETIRED)
    assert teachers(sel.measures_for(sel.CITY, on=ON)) == 2
    dataversion.install_triggers()
    assert dataversion.missing_triggers() == [] and dataversion.current() is not None


# ---------------------------------------------------------------- the figures are never stale
def test_the_counts_are_kept_until_the_data_changes(world):
    first = sel.measures_by(sel.CITY, "district", on=ON)
    with CaptureQueriesContext(connection) as kept:
        again = sel.measures_by(sel.CITY, "district", on=ON)
    assert again == first
    assert len(kept.captured_queries) <= 6  # the versions and the districts, no counting
    TeacherFactory(school=world.s1)
    total, rows = sel.measures_by(sel.CITY, "district", on=ON)
    assert teachers(total) == teachers(first[0]) + 1


@pytest.mark.parametrize("write", ["update", "bulk_create", "raw_sql"])
def test_pages_show_a_write_at_once_whatever_its_path(world, client, write):
    client.force_login(world.users.leader)
    m.EducationRecord.objects.create(teacher=world.t1, education="associate", is_highest=True, end=dt.date(2005, 7, 1))
    url = f"/workforce/dashboard/school/{world.s1.code}/?on={ON}"
    for page in (url, f"/workforce/dashboard/city/?on={ON}", f"/workforce/dashboard/district/{world.d1.code}/?on={ON}"):
        assert client.get(page).status_code == 200  # computed and kept
    before = sel.measures_for(sel.school_ref(world.s1), on=ON)
    assert line_ratio(before, "本科及以上") == 0.0
    if write == "update":
        m.EducationRecord.objects.filter(teacher=world.t1).update(education="bachelor", degree="bachelor")
    elif write == "bulk_create":
        m.EducationRecord.objects.bulk_create([m.EducationRecord(teacher=world.t1, education="bachelor",
                                                                 degree="bachelor", is_highest=True, end=dt.date(2010, 7, 1))])
    else:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO workforce_educationrecord (teacher_id, education, degree, degree_name, study_mode,"
                           " institution, major, is_normal_major, is_highest, is_first, \"end\") VALUES"
                           " (%s, 'bachelor', 'bachelor', '', 'full_time', '', '', %s, %s, %s, '2010-07-01')",
                           [world.t1.pk, False, True, True])
    after = sel.measures_for(sel.school_ref(world.s1), on=ON)
    assert line_ratio(after, "本科及以上") == 1.0
    city = sel.measures_by(sel.CITY, "district", on=ON)[0]
    assert next(x for x in city["table2"] if x["measure"] == "本科及以上" and x["stage"] == "小学")["numerator"] == 1


def line_ratio(data, measure, stage="小学"):
    return next(x for x in data["table2"] if x["stage"] == stage and x["measure"] == measure)["ratio"]


def test_an_import_shows_at_once(world, tmp_path):
    before = teachers(sel.measures_for(sel.district_ref(world.d1), on=ON))
    path = write_xlsx(tmp_path / "花名册.xlsx", {"花名册": roster(world.s1, 4, stage="小学")})
    report = import_run(file=path, filename=path.name, user=world.users.city, dry_run=False, source="cli",
                        fills={"teacher.on_establishment": "是", "teacher.staff_category": "专任教师",
                               "teacher.school_entry": ""})
    assert report.committed and report.new == 4
    assert teachers(sel.measures_for(sel.district_ref(world.d1), on=ON)) == before + 4
    assert teachers(sel.measures_by(sel.CITY, "district", on=ON)[0]) == 3 + 4


def test_a_result_computed_while_the_data_changed_is_not_kept(world):
    def compute():
        m.Teacher.objects.filter(pk=world.t1.pk).update(name="计算中改名")
        return "old"

    assert dataversion.cached(("test",), compute) == "old"
    assert dataversion.peek(("test",)) is None
    assert dataversion.cached(("test",), lambda: "new") == "new"
    assert dataversion.peek(("test",)) == "new"


# ---------------------------------------------------------------- the same figures as counting each scope
def counted_alone(ref, by=None, filters=sel.NO_FILTERS):
    """What the selectors gave before the counts were kept: the scope counted on its own, each
    measure of the registry grouped by ``by`` in the database and the groups summed."""
    year = sel.school_year_of(ON)
    targets = sel.load_targets()
    if by is None:
        counts = sel.all_counts(ref.scope, ON, year, targets, filters).get(None, {})
        return sel.finish(counts, targets, ref=ref, on=ON, year=year, filters=filters)
    grouped = sel.all_counts(ref.scope, ON, year, targets, filters, by)
    total = {}
    for measure in registry.measures():
        parts = [counts[measure.key] for counts in grouped.values() if measure.key in counts]
        total[measure.key] = measure.add(parts) if parts else \
            measure.count(ref.scope, ON, year, filters, None, targets=targets).get(None, measure.empty())
    if by == "district":
        members = [sel.district_ref(d) for d in m.District.objects.all()]
        key = lambda r: r.scope.district_id  # noqa: E731
    else:
        members = [sel.school_ref(s) for s in m.School.objects.for_scope(ref.scope).filter(filters.schools_q(""))
                   .select_related("district")]
        key = lambda r: r.scope.school_id  # noqa: E731
    rows = [(r, sel.finish(grouped.get(key(r), {}), targets, ref=r, on=ON, year=year, filters=filters)) for r in members]
    return sel.finish(total, targets, ref=ref, on=ON, year=year, filters=filters), rows


@pytest.fixture
def small_city(world):
    """Two districts with schools of several kinds (one without teachers), education, exchanges,
    honours, a team award, enrolment and quotas of some schools, and training records."""
    rural = SchoolFactory(district=world.d2, location=c.Location.RURAL, name="灌南乡村初中",
                          school_type=c.SchoolType.JUNIOR)
    senior = SchoolFactory(district=world.d1, school_type=c.SchoolType.SENIOR, name="海州高级中学")
    empty = SchoolFactory(district=world.d2, name="灌南空学校")  # no teachers
    kinds = m.ExchangeType.objects.filter(counts=True)
    honour = m.HonourType.objects.get(code="gangcheng_mingshi")
    team = m.HonourType.objects.get(code="shi_mingshi_gongzuoshi")
    for i, school in enumerate([world.s1, world.s1b, world.s2, rural, senior] * 3):
        t = TeacherFactory(school=school, school_entry=dt.date(2010 + i % 9, 9, 1), on_establishment=i % 4 != 0)
        m.EducationRecord.objects.create(teacher=t, education=["bachelor", "associate", "master"][i % 3],
                                         degree="bachelor" if i % 2 else "none", is_highest=True, end=dt.date(2009, 7, 1))
        if i % 3 == 0 and school.school_type != c.SchoolType.SENIOR:
            m.Exchange.objects.create(teacher=t, exchange_type=kinds.first(), start=dt.date(2026, 9, 1),
                                      from_school=school, to_school=world.s2 if school != world.s2 else world.s1)
        if i % 5 == 1:
            m.Award.objects.create(teacher=t, honour_type=honour, awarded_on=dt.date(2022, 9, 10))
        CreditRecord.objects.create(teacher=t, title="培训", level=c.TrainingLevel.choices[i % 3][0],
                                    mode=c.TrainingMode.choices[0][0], year=2026, hours=20 + i * 7,
                                    status=CreditRecord.Status.APPROVED)
    m.Award.objects.create(honour_type=team, school=world.s1, awarded_on=dt.date(2023, 5, 1), team_name="工作室")
    for school in (world.s1, world.s2, rural):
        m.Enrolment.objects.create(school=school, school_year=2026, stage=school.stage_list[0], pupils=80, classes=3)
        m.SchoolQuota.objects.create(school=school, school_year=2026, approved=4)
    return [world.s1, world.s1b, world.s2, rural, senior, empty]


@pytest.mark.parametrize("filters", [sel.NO_FILTERS, sel.Filters(stage="primary"),
                                     sel.Filters(location=c.Location.RURAL), sel.Filters(school_type=c.SchoolType.SENIOR)])
def test_every_scope_has_the_figures_of_counting_it_alone(world, small_city, filters):
    assert sel.measures_by(sel.CITY, "district", on=ON, filters=filters) == counted_alone(sel.CITY, "district", filters)
    assert sel.measures_for(sel.CITY, on=ON, filters=filters) == counted_alone(sel.CITY, None, filters)
    for district in (world.d1, world.d2):
        ref = sel.district_ref(district)
        assert sel.measures_by(ref, "school", on=ON, filters=filters) == counted_alone(ref, "school", filters)
        assert sel.measures_for(ref, on=ON, filters=filters) == counted_alone(ref, None, filters)
    for school in small_city:
        ref = sel.school_ref(school)
        assert sel.measures_for(ref, on=ON, filters=filters) == counted_alone(ref, None, filters)


def test_a_school_page_first_counts_its_school_alone(world, small_city):
    from django.core.cache import cache

    cache.clear()
    ref = sel.school_ref(world.s2)
    with CaptureQueriesContext(connection) as alone:
        data = sel.measures_for(ref, on=ON)
    assert data == counted_alone(ref)
    assert sel.school_counts(ON, sel.school_year_of(ON), sel.load_targets(), compute=False) is None
    sel.measures_by(sel.CITY, "district", on=ON)  # the city's counts are kept now …
    with CaptureQueriesContext(connection) as kept:
        assert sel.measures_for(ref, on=ON) == data  # … and the school page reads them
    assert len(kept.captured_queries) < len(alone.captured_queries)


def test_the_small_city_has_every_kind_of_figure(world, small_city):
    data = sel.measures_for(sel.CITY, on=ON)
    assert data["training"]["teachers"] and data["rotation"]["rotated"] and data["quota"]["approved"]
    assert any(x["pupils"] for x in data["pupil_teacher"])
    assert {h["code"]: h["count"] for h in data["honours"]}["gangcheng_mingshi"] == 3


def test_a_district_page_opened_first_counts_its_district_alone(world, small_city):
    from django.core.cache import cache

    cache.clear()
    ref = sel.district_ref(world.d2)
    with CaptureQueriesContext(connection) as alone:
        data = sel.measures_by(ref, "school", on=ON)
    assert data == counted_alone(ref, "school")
    assert sel.school_counts(ON, sel.school_year_of(ON), sel.load_targets(), compute=False) is None  # not the city's
    with CaptureQueriesContext(connection) as again:
        total = sel.measures_for(ref, on=ON)  # its own total: from the same counts
    assert total == counted_alone(ref)
    assert len(again.captured_queries) < len(alone.captured_queries) / 2
