"""The demo city (``manage.py seed_demo``): a small city builds, is valid and deterministic,
has its logins, and is written in a number of statements that does not grow with its size."""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.models import User
from backend.scoping import scope_for
from core.identity import parse_id_number
from core.roles import Role
from demo import builder
from demo.base import Person, PlannedSchool
from training import models as tm
from workforce import choices as c
from workforce import models as m
from workforce import rules

pytestmark = pytest.mark.django_db

SMALL = dict(teachers=1500, schools=40)


def ids_of_city() -> list[str]:
    return list(m.Teacher.objects.order_by("id_number").values_list("id_number", flat=True))


def test_small_city_is_complete_and_valid():
    result = builder.build_demo_city(**SMALL)

    # every district has schools and teachers; every type of school exists
    assert result.counts["学校"] == 40 and m.Teacher.objects.count() == 1500
    for district in m.District.objects.all():
        assert district.schools.exists(), district.name
        assert m.Teacher.objects.filter(school__district=district).exists(), district.name
    assert set(m.School.objects.values_list("school_type", flat=True)) == set(c.SchoolType.values)
    assert all(len(code) == 10 and code.isdigit() for code in m.School.objects.values_list("code", flat=True))

    # every ID is valid and agrees with birth date and sex; teaching stage is one of the school's
    rows = m.Teacher.objects.values_list("id_number", "birth_date", "sex", "teaching_stage", "school__stages")
    for id_number, birth, sex, stage, stages in rows:
        parsed = parse_id_number(id_number)
        assert (parsed.birth_date, parsed.sex) == (birth, sex), id_number
        assert stage in stages

    # education: one first and one highest record each; 本科学历 with 硕士学位 exists
    flags = Counter()
    for teacher_id, first, highest in m.EducationRecord.objects.values_list("teacher_id", "is_first", "is_highest"):
        flags[(teacher_id, "first")] += first
        flags[(teacher_id, "highest")] += highest
    assert set(flags.values()) == {1}
    assert m.EducationRecord.objects.filter(education=c.Education.BACHELOR, degree=c.Degree.MASTER).exists()
    assert m.EducationRecord.objects.filter(education=c.Education.MASTER).exists()

    # the records the measures need
    assert m.Teacher.objects.filter(left_on__isnull=False).exists()
    assert m.Teacher.objects.exclude(staff_category=c.StaffCategory.FULL_TIME_TEACHER).exists()
    assert m.Teacher.objects.filter(teaching_stage=c.Stage.VOCATIONAL, dual_qualified=True).exists()
    assert m.Exchange.objects.filter(exchange_type__counts=True).exists()
    assert m.Exchange.objects.filter(exchange_type__name="调动", moves_personnel=True).exists()
    assert m.Award.objects.filter(honour_type__code="tejijiaoshi", teacher__isnull=False).exists()
    assert m.Award.objects.filter(honour_type__is_team=True, teacher__isnull=True, school__isnull=False).exists()
    assert m.Award.objects.filter(revoked_on__isnull=False).exists()
    assert m.TitleAppointment.objects.filter(title=c.Title.SENIOR_PROFESSOR).exists()
    for case in m.EthicsCase.objects.select_related("severity"):
        assert case.ban_until > case.decided_on >= case.occurred_on
    years = set(m.Enrolment.objects.values_list("school_year", flat=True))
    assert years == set(range(2020, 2027))
    assert set(m.SchoolQuota.objects.values_list("school_year", flat=True)) == {2025, 2026}
    assert m.QuotaPool.objects.get(school_year=2026).posts == 200
    assert set(tm.CreditRecord.objects.values_list("status", flat=True)) == set(tm.CreditRecord.Status.values)
    assert tm.Programme.objects.filter(district__isnull=True).exists()
    assert tm.Programme.objects.filter(district__isnull=False).exists()
    # rows pass model validation (ID against birth date and sex, stage of the school, choices, lengths)
    for model in (m.School, m.Teacher, m.EducationRecord, m.TitleAppointment, m.Exchange, m.Award, m.EthicsCase,
                  m.Enrolment, m.SchoolQuota, tm.Programme, tm.CreditRecord):
        for obj in model.objects.order_by("?")[:60]:
            obj.full_clean()
    # rotation has teachers to count, in 2024 and 2025
    for year in (2024, 2025):
        assert m.Teacher.objects.eligible_for_rotation(year).exists()
        assert m.Teacher.objects.rotation_population(year).rotated_in(year).exists()


def test_no_honour_is_granted_inside_an_ethics_ban_but_those_planted_for_the_conflicts_page():
    """The builder chooses whom to honour by the veto itself (``workforce.rules.banning``): of the
    honours it plans for a 20,000-teacher city, none falls inside its holder's ban (认定日期 … 限制期至)
    but those it plants for the honours page's conflicts (区县教育局（待核查）)."""
    plan = builder.CityBuilder(seed=builder.DEFAULT_SEED, teachers=20_000, schools=280, as_of=builder.AS_OF)
    for step in (plan.load_reference, plan.plan_schools, plan.plan_teachers, plan.plan_ethics, plan.plan_honours):
        step()
    banned = {id(p) for p, *_rest in plan.ethics if p.bans}
    assert banned
    in_ban = [a for a in plan.awards if a["person"] is not None and id(a["person"]) in banned
              and rules.banning(a["person"].bans, a["awarded_on"])]
    assert in_ban and {a["awarding_body"] for a in in_ban} == {"区县教育局（待核查）"}


def test_a_planned_teacher_is_banned_from_the_decision_to_the_last_day_of_the_ban():
    school = PlannedSchool(obj=m.School(), d=0, stages=["primary"])
    person = Person(school=school, stage="primary", category=c.StaffCategory.FULL_TIME_TEACHER, sex=c.Sex.FEMALE,
                    birth=dt.date(1980, 1, 1), level=3, work_start=dt.date(2002, 9, 1), school_entry=dt.date(2002, 9, 1),
                    bans=[rules.Ban("严重", dt.date(2023, 5, 10), dt.date(2025, 5, 10))])
    assert [person.banned_on(day) for day in (dt.date(2023, 5, 9), dt.date(2023, 5, 10), dt.date(2025, 5, 10),
                                              dt.date(2025, 5, 11))] == [False, True, True, False]


def test_same_seed_gives_the_same_city_and_another_seed_another():
    builder.build_demo_city(seed=5, teachers=300, schools=20)
    first = ids_of_city()
    names = list(m.School.objects.order_by("code").values_list("code", "name"))
    builder.flush_demo_data()
    assert not m.Teacher.objects.exists() and not m.School.objects.exists()

    builder.build_demo_city(seed=5, teachers=300, schools=20)
    assert ids_of_city() == first
    assert list(m.School.objects.order_by("code").values_list("code", "name")) == names
    builder.flush_demo_data()

    builder.build_demo_city(seed=6, teachers=300, schools=20)
    assert ids_of_city() != first


def test_command_prints_counts_and_creates_one_login_per_role():
    out = io.StringIO()
    call_command("seed_demo", teachers=600, schools=20, stdout=out)
    text = out.getvalue()
    assert "教师（教职工）" in text and builder.DEMO_PASSWORD in text

    users = {u.username: u for u in User.objects.filter(username__in=builder.DEMO_USERNAMES)}
    assert set(users) == set(builder.DEMO_USERNAMES)
    assert all(u.is_staff and u.check_password(builder.DEMO_PASSWORD) for u in users.values())
    haizhou = m.District.objects.get(name="海州区")

    city = users["city_hr"]
    assert (city.role, city.can_view_identity, city.can_view_ethics) == (Role.CITY_HR, True, True)
    assert scope_for(city).kind == "city"
    assert (users["haizhou_hr"].role, scope_for(users["haizhou_hr"]).district_id) == (Role.DISTRICT_HR, haizhou.pk)
    school_hr = users["school_hr"]
    assert school_hr.role == Role.SCHOOL_HR and school_hr.school.district == haizhou
    assert scope_for(school_hr).school_id == school_hr.school_id
    teacher = users["teacher"]
    assert teacher.role == Role.TEACHER and teacher.teacher.school == school_hr.school
    assert scope_for(teacher).kind == "self"
    assert (users["leader"].role, scope_for(users["leader"]).kind) == (Role.LEADER, "city")
    assert scope_for(users["leader_haizhou"]).district_id == haizhou.pk
    assert m.Teacher.objects.in_scope(users["haizhou_hr"]).count() == \
        m.Teacher.objects.filter(school__district=haizhou).count() < m.Teacher.objects.count()


def test_if_empty_does_nothing_when_teachers_exist():
    call_command("seed_demo", teachers=300, schools=20, stdout=io.StringIO())
    before = (m.Teacher.objects.count(), m.School.objects.count(), tm.CreditRecord.objects.count())
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "跳过" in out.getvalue()
    assert (m.Teacher.objects.count(), m.School.objects.count(), tm.CreditRecord.objects.count()) == before


def test_second_build_needs_flush_and_flush_rebuilds():
    call_command("seed_demo", teachers=300, schools=20, seed=1, stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("seed_demo", teachers=300, schools=20, stdout=io.StringIO())
    call_command("seed_demo", "--flush", teachers=400, schools=20, seed=2, stdout=io.StringIO())
    assert m.Teacher.objects.count() == 400
    assert User.objects.filter(username__in=builder.DEMO_USERNAMES).count() == len(builder.DEMO_USERNAMES)


def test_too_small_a_city_is_refused():
    with pytest.raises(CommandError):
        call_command("seed_demo", teachers=5, schools=20, stdout=io.StringIO())
    assert not m.School.objects.exists()


def test_query_count_does_not_grow_with_the_city():
    def queries(teachers: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            builder.build_demo_city(teachers=teachers, schools=15)
        builder.flush_demo_data()
        return len(ctx.captured_queries)

    small, large = queries(200), queries(400)
    assert abs(large - small) <= 3, (small, large)
    # the city in under 80 statements, and each yearly snapshot (2020-2021 … 2025-2026) in a fixed
    # number: one computation grouped by school, one delete and one insert
    from workforce import snapshots

    years = len(snapshots.past_school_years(builder.FIRST_SCHOOL_YEAR, builder.AS_OF))
    assert years == 6
    assert large < 80 + 30 * years


def test_seed_demo_on_a_database_not_migrated_says_to_run_migrate_and_writes_nothing():
    """An unmigrated database (here: workforce's migrations not recorded as applied) is answered
    in Chinese, naming migrate, instead of the database's error on a missing table."""
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder.Migration.objects.filter(app="workforce").delete()
    with pytest.raises(CommandError, match="请先运行 python manage.py migrate") as failed:
        call_command("seed_demo", teachers=300, schools=20, stdout=io.StringIO())
    assert "workforce.0001_initial" in str(failed.value)
    assert not m.School.objects.exists() and not m.Teacher.objects.exists()


def test_a_province_of_three_cities_spreads_the_city_over_them_with_the_province_logins():
    """``seed_demo --cities 3``: the demo city (连云港, its districts from the migrations) and two
    more cities of 江苏 with their districts (6-digit codes, none twice, each with its 市直), every
    city with schools and teachers, school codes distinct; city HR and the city leader read 连云港,
    the province's HR and leader the province. The flush removes the cities it added."""
    out = io.StringIO()
    call_command("seed_demo", teachers=1500, schools=60, cities=3, stdout=out)
    cities = list(m.City.objects.order_by("order", "code"))
    assert [city.name for city in cities] == ["连云港市", "徐州市", "淮安市"]
    codes = list(m.District.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) and all(len(code) == 6 and code.isdigit() for code in codes)
    for city in cities:
        assert m.District.objects.get(city=city, kind=c.DistrictKind.CITY).code == city.code
        assert m.Teacher.objects.filter(school__district__city=city).count() > 100, city.name
    school_codes = list(m.School.objects.values_list("code", flat=True))
    assert len(school_codes) == len(set(school_codes)) == 60
    assert all(len(code) == 10 and code.isdigit() for code in school_codes)
    xuzhou = m.School.objects.filter(district__city=cities[1])
    assert all(school.name.startswith((school.district.name, "徐州")) for school in xuzhou.select_related("district"))
    for obj in list(xuzhou.order_by("?")[:10]) + list(m.Teacher.objects.filter(school__in=xuzhou).order_by("?")[:30]):
        obj.full_clean()
    text = out.getvalue()
    assert "城市" in text and "province_hr" in text and "全省" in text

    names = builder.DEMO_USERNAMES + builder.PROVINCE_USERNAMES
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    assert set(users) == set(names)
    assert (users["city_hr"].city, scope_for(users["city_hr"]).city_id) == (cities[0], cities[0].pk)
    assert scope_for(users["leader"]).city_id == cities[0].pk
    assert users["province_hr"].role == Role.PROVINCE_HR
    assert scope_for(users["province_hr"]).kind == scope_for(users["leader_province"]).kind == "province"
    assert m.Teacher.objects.in_scope(users["city_hr"]).count() == \
        m.Teacher.objects.filter(school__district__city=cities[0]).count() < m.Teacher.objects.count()

    builder.flush_demo_data()
    assert list(m.City.objects.values_list("name", flat=True)) == ["连云港市"]
    assert not m.District.objects.exclude(city=cities[0]).exists()


def test_on_postgresql_the_loaded_tables_get_every_index_and_foreign_key_back():
    """The build loads its large tables without their indexes and foreign keys (PostgreSQL) and
    makes them again from their definitions: afterwards each table has the same ones as before,
    and a foreign key still refuses a record of no teacher."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's indexes and constraints")
    from django.db import IntegrityError, transaction

    tables = [model._meta.db_table for model in builder.LOADED_MODELS]

    def definitions() -> set:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
            indexes = {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = ANY(%s::regclass[])", [tables])
            return indexes | set(cursor.fetchall())

    before = definitions()
    assert len(before) > 40
    builder.build_demo_city(teachers=300, schools=15)
    assert definitions() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        m.EducationRecord.objects.filter(pk=m.EducationRecord.objects.first().pk).update(teacher_id=10**9)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_in_a_province_the_demo_citys_own_programmes_are_its_city_s():
    """The city-level programmes (2025年连云港市…) belong to 连云港 in a province, so another city's
    teachers do not see them; national and provincial ones are everyone's; a single city's stay
    as they were (no city)."""
    builder.build_demo_city(teachers=600, schools=30, cities=2)
    lyg = m.City.objects.get(code="320700")
    city_level = tm.Programme.objects.filter(level=c.TrainingLevel.CITY, district__isnull=True)
    assert city_level.exists() and set(city_level.values_list("city", flat=True)) == {lyg.pk}
    assert all(p.name.startswith(tuple(f"{y}年连云港市" for y in range(2020, 2027))) for p in city_level)
    assert not tm.Programme.objects.filter(level__in=[c.TrainingLevel.NATIONAL, c.TrainingLevel.PROVINCIAL],
                                           city__isnull=False).exists()
    builder.flush_demo_data()
    builder.build_demo_city(teachers=600, schools=30)
    assert not tm.Programme.objects.filter(city__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_snapshots_taken_side_by_side_after_the_commit_are_those_taken_one_by_one():
    """Outside a transaction on PostgreSQL the build commits the city and then takes its six
    yearly snapshots in worker processes, the years side by side: the rows (keys in the same
    order, data) are those ``snapshot_take`` stores taking the years one after the other."""
    if connection.vendor != "postgresql":
        pytest.skip("worker processes read the committed city with their own connections (PostgreSQL)")
    from tests.factories import ensure_reference_data
    from workforce import snapshots

    ensure_reference_data()  # an earlier transactional test's flush took the migrations' districts
    assert not connection.in_atomic_block
    result = builder.build_demo_city(teachers=300, schools=15)
    scopes = 1 + m.District.objects.count() + m.School.objects.count()
    assert result.counts["指标快照（学年×范围）"] == m.MeasureSnapshot.objects.count() == 6 * scopes

    def stored() -> list:
        return [(s.pk, s.scope_kind, s.scope_key, s.on, s.school_year, s.data)
                for s in m.MeasureSnapshot.objects.order_by("pk")]

    side_by_side = stored()
    first = m.MeasureSnapshot.objects.order_by("pk").first().pk
    m.MeasureSnapshot.objects.all().delete()
    with connection.cursor() as cursor:  # the keys from where the build took them
        cursor.execute("SELECT setval(pg_get_serial_sequence('workforce_measuresnapshot', 'id'), %s, false)", [first])
    for year in snapshots.past_school_years(builder.FIRST_SCHOOL_YEAR, builder.AS_OF):
        snapshots.snapshot_take(snapshots.school_year_end(year), year, schools=True)
    assert stored() == side_by_side
    builder.flush_demo_data()
