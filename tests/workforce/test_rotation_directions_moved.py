"""Rotation is counted at the school of 1 September (DOMAIN.md Rotation; ``hooks.at_schools_on``),
and so are its directions (城区→乡村 …): a teacher who rotated and has since moved to another
district's school is one rotated teacher of the district they were in on 1 September, with their
direction there — a district's directions add up to its rotated teachers."""
from __future__ import annotations

import datetime as dt

import pytest

from personnel.models import TeacherSchoolSpell
from tests.factories import TeacherFactory
from workforce import choices as c
from workforce import models as m
from workforce import selectors as sel

pytestmark = pytest.mark.django_db

YEAR = 2026


def directions(counts: dict) -> int:
    return sum(n for key, n in counts.items() if key[0] == "dir")


def test_a_rotated_teacher_who_moved_since_1_september_keeps_their_district_and_direction(world):
    kind = m.ExchangeType.objects.filter(counts=True).first()
    # on 1 September at s1b (海州区, 乡村), eligible; rotated from 1 September; moved to s2 (灌南县) on 1 October
    mover = TeacherFactory(school=world.s2, teaching_stage=c.Stage.PRIMARY, on_establishment=True,
                           school_entry=dt.date(2026, 10, 1))
    TeacherSchoolSpell.objects.create(teacher=mover, school=world.s1b, start=dt.date(2012, 9, 1), end=dt.date(2026, 9, 30))
    TeacherSchoolSpell.objects.create(teacher=mover, school=world.s2, start=dt.date(2026, 10, 1))
    m.Exchange.objects.create(teacher=mover, exchange_type=kind, start=dt.date(2026, 9, 1), to_school=world.s1)
    # one who stayed, for comparison: at s1 (海州区, 城区), rotated to s1b
    stayed = TeacherFactory(school=world.s1, teaching_stage=c.Stage.PRIMARY, on_establishment=True,
                            school_entry=dt.date(2012, 9, 1))
    m.Exchange.objects.create(teacher=stayed, exchange_type=kind, start=dt.date(2026, 9, 1), from_school=world.s1,
                              to_school=world.s1b)
    targets = sel.load_targets(None, dt.date.today())
    by_district = sel.rotation_counts(sel.CITY.scope, YEAR, targets, sel.NO_FILTERS, "district", on=dt.date.today())
    d1, d2 = by_district[world.d1.pk], by_district[world.d2.pk]
    assert d1[("rot", "rotated")] == 2 and d2[("rot", "rotated")] == 0
    assert directions(d1) == 2 and directions(d2) == 0
    # the mover's direction from the school of 1 September (乡村), no from_school recorded
    assert d1[("dir", c.Location.RURAL, world.s1.location)] == 1
    by_school = sel.rotation_counts(sel.CITY.scope, YEAR, targets, sel.NO_FILTERS, "school", on=dt.date.today())
    assert directions(by_school[world.s1b.pk]) == by_school[world.s1b.pk][("rot", "rotated")] == 1
    assert directions(by_school.get(world.s2.pk, {})) == 0
    whole = sel.rotation_counts(sel.CITY.scope, YEAR, targets, sel.NO_FILTERS, None, on=dt.date.today())[None]
    assert directions(whole) == whole[("rot", "rotated")] == 2
