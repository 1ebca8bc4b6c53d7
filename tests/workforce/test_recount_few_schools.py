"""A recount of the few schools a write marked (``Filters(school_ids=…)``: the first reader after a
write, ``facts.refresh``) finds their teachers, awards and exchanges by index rather than by the
whole city's rows (``few_schools``, ``hooks.at_schools_on(…, few=True)``). Whatever the path, each
school's counts must be those of counting the whole city: for every measure, school by school,
today and on a past date (where the school history places the teachers), with the awards whose
school is not the teacher's, 骨干 by honour, teachers who moved and exchanges between schools."""
from __future__ import annotations

import datetime as dt

import pytest

from personnel.models import TeacherSchoolSpell
from tests.factories import TeacherFactory
from tests.workforce.test_dashboard_cache import small_city  # noqa: F401  (a fixture)
from workforce import choices as c
from workforce import models as m
from workforce import registry
from workforce import selectors as sel
from workforce.models import school_year_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(world, small_city):
    rural = small_city[3]
    mingshi = m.HonourType.objects.get(code="gangcheng_mingshi")
    backbone = m.HonourType.objects.filter(makes_backbone=True).first()
    # a 港城名师 awarded while teaching at the rural school, now at s1
    moved = TeacherFactory(school=world.s1, teaching_stage=c.Stage.JUNIOR, school_entry=dt.date(2012, 9, 1))
    m.Award.objects.create(teacher=moved, honour_type=mingshi, awarded_on=dt.date(2023, 9, 10), school_at_award=rural,
                           stage_at_award=c.Stage.JUNIOR)
    # 骨干 by an honour (not by the flag), in a rotating school
    for school in (world.s1, world.s2, rural):
        holder = TeacherFactory(school=school, school_entry=dt.date(2011, 9, 1), on_establishment=True, backbone=False)
        m.Award.objects.create(teacher=holder, honour_type=backbone, awarded_on=dt.date(2024, 9, 1))
        m.Exchange.objects.create(teacher=holder, exchange_type=m.ExchangeType.objects.filter(counts=True).first(),
                                  start=dt.date(2026, 9, 1), from_school=school, to_school=world.s1b)
    # moved from s2 to s1b on 1 October: a school history (1 September: at s2)
    mover = TeacherFactory(school=world.s1b, school_entry=dt.date(2013, 9, 1), on_establishment=True)
    TeacherSchoolSpell.objects.create(teacher=mover, school=world.s2, start=dt.date(2013, 9, 1), end=dt.date(2026, 9, 30))
    TeacherSchoolSpell.objects.create(teacher=mover, school=world.s1b, start=dt.date(2026, 10, 1))
    return small_city


@pytest.mark.parametrize("on", [dt.date.today(), dt.date(2026, 9, 15)], ids=["today", "a past date"])
def test_each_school_counted_alone_equals_the_whole_citys_count(city, on):
    year = school_year_of(on)
    targets = sel.load_targets(None, on)
    measures = [measure for measure in registry.measures() if measure.groupable]
    assert {measure.key for measure in measures} >= {"table2", "rotation", "honours", "training"}
    for measure in measures:
        whole = measure.count(sel.CITY.scope, on, year, sel.NO_FILTERS, "school", targets=targets)
        if measure.key in ("table2", "rotation", "honours", "training"):  # something to compare
            assert any(whole.get(school.pk) for school in city), measure.key
        for school in city:
            alone = measure.count_schools(sel.CITY.scope, on, year, sel.NO_FILTERS, [school.pk], targets=targets)
            assert alone.get(school.pk) == whole.get(school.pk), (measure.key, school.name, on)
