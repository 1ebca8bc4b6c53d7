"""Facts per school (issue 18, item 1): each measure's counts of each school kept in the database
(``workforce.facts``), summed for a scope, brought up to date from the schools every write marks
— whatever the path: a service, an import, the admin, a workflow page — and checked by
``check_facts``, which finds a planted difference and fixes it."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from imports.services import import_run
from tests.factories import TeacherFactory
from tests.imports.helpers import roster, write_xlsx
from tests.workforce.test_dashboard_cache import small_city  # noqa: F401  (a fixture)
from workforce import choices as c
from workforce import dataversion, facts, registry, services
from workforce import models as m
from workforce import selectors as sel
from workforce.fact_models import FactState, SchoolFact

pytestmark = pytest.mark.django_db


def live(ref, filters=sel.NO_FILTERS):
    """The scope counted from the records alone, today (what the pages showed before the facts)."""
    on = dt.date.today()
    year, targets = sel.school_year_of(on), sel.load_targets(None, on)
    counts = {}
    for measure in registry.measures():
        counts[measure.key] = measure.count(ref.scope, on, year, filters, None, targets=targets).get(None, measure.empty())
    return sel.finish(counts, targets, ref=ref, on=on, year=year, filters=filters)


def from_facts(ref, filters=sel.NO_FILTERS):
    facts.forget_used()
    data = sel.measures_for(ref, filters=filters)
    assert facts.last_used() is not None, "the page's counts came from the facts"
    return data


def scopes(world, school):
    return [sel.CITY, sel.district_ref(school.district), sel.school_ref(school)]


def assert_pages_agree(world, school):
    for ref in scopes(world, school):
        assert from_facts(ref) == live(ref), ref.text


def fact(school, measure="table2"):
    row = SchoolFact.objects.filter(school=school, measure=measure).first()
    return None if row is None else facts.load(row.counts)


def primary_teachers(counts):
    return (counts or Counter())[("t2", c.Stage.PRIMARY, "teachers")]


# ---------------------------------------------------------------- what the facts hold
def test_every_scope_is_the_sum_of_its_schools_facts(world, small_city):
    rural = small_city[3]
    for ref in scopes(world, rural) + [sel.district_ref(world.d1), sel.school_ref(world.s1)]:
        assert from_facts(ref) == live(ref), ref.text
    # one row per school and measure counted, with the measure's own counts
    assert SchoolFact.objects.filter(school=world.s1, measure="table2").count() == 1
    assert primary_teachers(fact(world.s1)) == sel.population(sel.CITY.scope, dt.date.today()).filter(
        school=world.s1, teaching_stage=c.Stage.PRIMARY).count() > 0
    keys = {measure.key for measure in registry.measures() if measure.groupable}
    assert set(SchoolFact.objects.values_list("measure", flat=True)) <= keys
    # counted from the records, no data of theirs: writing them marks no school
    assert not {SchoolFact._meta.db_table, FactState._meta.db_table} & set(dataversion.watched_tables())
    # the overview rows too
    total, rows = sel.measures_by(sel.CITY, "district")
    assert facts.last_used() is not None and total == live(sel.CITY)
    for ref, data in rows:
        if m.Teacher.objects.filter(school__district_id=ref.scope.district_id).exists():  # an empty district's row shows no training figure
            assert data == live(ref), ref.text


@pytest.mark.parametrize("filters", [sel.Filters(location=c.Location.RURAL), sel.Filters(school_type=c.SchoolType.SENIOR)])
def test_school_filters_sum_the_facts_of_the_schools_they_keep(world, small_city, filters):
    for ref in (sel.CITY, sel.district_ref(world.d2)):
        assert from_facts(ref, filters) == live(ref, filters)


def test_a_stage_filter_or_another_day_is_counted_live(world, small_city):
    facts.forget_used()
    stage = sel.Filters(stage=c.Stage.PRIMARY)
    assert sel.measures_for(sel.CITY, filters=stage) == live(sel.CITY, stage)
    sel.measures_for(sel.CITY, on=dt.date.today() - dt.timedelta(days=30))
    assert facts.last_used() is None


# ---------------------------------------------------------------- every write path moves them
def test_a_service_moves_the_facts(world, small_city):
    assert_pages_agree(world, world.s1)
    honour = m.HonourType.objects.get(code="gangcheng_mingshi")
    before = fact(world.s1, "honours")
    services.award_grant(honour_type=honour, teacher=world.t1, awarded_on=dt.date.today(), user=world.users.city,
                         source="cli")
    assert_pages_agree(world, world.s1)
    assert fact(world.s1, "honours")[("hon_active", "gangcheng_mingshi")] == before[("hon_active", "gangcheng_mingshi")] + 1


def test_an_import_moves_the_facts(world, small_city, tmp_path):
    assert_pages_agree(world, world.s1)
    before = primary_teachers(fact(world.s1))
    path = write_xlsx(tmp_path / "花名册.xlsx", {"花名册": roster(world.s1, 4, stage="小学")})
    report = import_run(file=path, filename=path.name, user=world.users.city, dry_run=False, source="cli",
                        fills={"teacher.on_establishment": "是", "teacher.staff_category": "专任教师",
                               "teacher.school_entry": ""})
    assert report.committed and report.new == 4
    assert_pages_agree(world, world.s1)
    assert primary_teachers(fact(world.s1)) == before + 4


def test_an_admin_change_moves_the_facts(world, small_city, client):
    assert_pages_agree(world, world.s1)
    teacher = m.Teacher.objects.filter(school=world.s1, teaching_stage=c.Stage.PRIMARY).first()
    before = primary_teachers(fact(world.s1))
    client.force_login(world.users.city)
    url = f"/admin/workforce/teacher/{teacher.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data["staff_category"] = c.StaffCategory.ADMIN  # no longer 专任教师: out of the population
    for prefix in ("educationrecords", "titleappointments", "exchanges", "awards"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, (response.context["adminform"].form.errors, response.context.get("errors"))
    assert_pages_agree(world, world.s1)
    assert primary_teachers(fact(world.s1)) == before - 1


def test_a_workflow_page_moves_the_facts(world, small_city, client):
    assert_pages_agree(world, world.s1)
    honour = m.HonourType.objects.get(code="gangcheng_mingshi")
    before = fact(world.s1, "honours")[("hon_active", "gangcheng_mingshi")]
    client.force_login(world.users.district)
    response = client.post(reverse("workforce:award_new"), {
        "honour_type": honour.pk, "teacher": world.t1.pk, "awarded_on": dt.date.today().isoformat()})
    assert response.status_code == 302
    assert_pages_agree(world, world.s1)
    assert fact(world.s1, "honours")[("hon_active", "gangcheng_mingshi")] == before + 1
    # and the dashboard the leader opens shows it
    client.force_login(world.users.leader)
    page = client.get(reverse("workforce:dashboard_school", args=[world.s1.code])).content.decode()
    assert "数据截至" in page


@pytest.mark.django_db(transaction=True)  # (PostgreSQL) an uncommitted write is recounted by every refresh
def test_only_the_schools_written_are_counted_again(world, small_city):
    sel.measures_for(sel.CITY)
    other = SchoolFact.objects.get(school=world.s2, measure="table2").computed_at
    TeacherFactory(school=world.s1)
    done = facts.refresh()
    assert done.recounted["table2"] == [world.s1.pk]
    assert SchoolFact.objects.get(school=world.s2, measure="table2").computed_at == other
    assert facts.refresh().recounted == {}  # nothing written since


def test_a_new_plan_rule_recounts_every_school(world, small_city):
    sel.measures_for(sel.CITY)
    built = FactState.objects.get().built_at
    m.RuleSetting.objects.filter(key="rotation_min_years").update(value=3)
    assert from_facts(sel.CITY) == live(sel.CITY)
    assert FactState.objects.get().built_at > built


# ---------------------------------------------------------------- the check
COMMITTED = pytest.mark.django_db(transaction=True)  # (PostgreSQL) an uncommitted write is recounted by every refresh


@COMMITTED
def test_the_check_finds_a_planted_difference_and_fixes_it(world, small_city, capsys):
    call_command("check_facts")
    assert "0 处差异" in capsys.readouterr().out
    row = SchoolFact.objects.get(school=world.s2, measure="table2")
    planted = facts.load(row.counts)
    planted[("t2", c.Stage.PRIMARY, "teachers")] += 7
    SchoolFact.objects.filter(pk=row.pk).update(counts=facts.dump(planted))  # the facts alone: no school is marked
    school, district = sel.school_ref(world.s2), sel.district_ref(world.s2.district)
    assert from_facts(school) != live(school)  # the school page reads what is stored
    assert from_facts(district) == live(district)  # the district reads its own sum, kept apart (not planted)
    with pytest.raises(CommandError) as failed:
        call_command("check_facts")
    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert f"学校 {world.s2.code}" in out and "table2" in out and "1 处差异" in out
    call_command("check_facts", "--fix")
    assert "已改正" in capsys.readouterr().out
    call_command("check_facts")
    assert from_facts(school) == live(school)
    assert from_facts(district) == live(district)


@COMMITTED
def test_the_check_finds_a_district_sum_that_is_not_its_schools(world, small_city, capsys):
    sel.measures_for(sel.CITY)
    row = SchoolFact.objects.get(district=world.d2, measure="rotation")
    planted = facts.load(row.counts)
    planted[("rot", "eligible")] += 3
    SchoolFact.objects.filter(pk=row.pk).update(counts=facts.dump(planted))
    assert from_facts(sel.CITY) != live(sel.CITY)  # the city page sums the districts' rows
    with pytest.raises(CommandError):
        call_command("check_facts")
    assert f"区县 {world.d2.name}" in capsys.readouterr().out
    call_command("check_facts", "--fix")
    assert from_facts(sel.CITY) == live(sel.CITY)


@COMMITTED
def test_the_check_finds_a_missing_school_and_a_stray_row(world, small_city, capsys):
    sel.measures_for(sel.CITY)
    SchoolFact.objects.filter(school=world.s1, measure="quota").delete()
    with pytest.raises(CommandError):
        call_command("check_facts")
    assert f"学校 {world.s1.code}" in capsys.readouterr().out
    call_command("check_facts", "--fix")
    call_command("check_facts")


def test_facts_agree_after_the_demo_build(db, capsys):
    from demo.builder import build_demo_city

    build_demo_city(teachers=300, schools=12, log=lambda line: None)
    call_command("refresh_facts")
    call_command("check_facts")
    assert "0 处差异" in capsys.readouterr().out
    district = m.District.objects.filter(schools__teachers__isnull=False).first()
    school = m.School.objects.filter(teachers__isnull=False).first()
    for ref in (sel.CITY, sel.district_ref(district), sel.school_ref(school)):
        assert from_facts(ref) == live(ref), ref.text
