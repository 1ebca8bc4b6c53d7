"""The measures for a past date use the school history (issue 15, item 3): a teacher who moved
counts at the school they were at on that date, and at their new school from the move on."""
import datetime as dt

import pytest

from personnel import events as ev
from workforce import hooks
from workforce import selectors as sel
from workforce.models import EducationRecord

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 2)
MOVED = dt.date(2026, 3, 1)
BEFORE = dt.date(2026, 2, 1)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Today is TODAY: its figures are the current schools' (no history read), earlier dates' the history's."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def bachelors(data: dict) -> tuple[int, int]:
    """(小学 teachers with 本科及以上, 小学 teachers) in a measures object."""
    figure = data["figures"]["t2_primary_bachelor"]
    return figure["numerator"], figure["denominator"]


@pytest.fixture
def moved(world):
    """张三 (a master) moves from 海州实验小学 to 海州第二小学 on 2026-03-01; 李四 (no degree
    record) has been at 海州第二小学 all along."""
    EducationRecord.objects.create(teacher=world.t1, education="master", degree="master", is_highest=True,
                                   end=dt.date(2010, 6, 1))
    ev.event_record(teacher=world.t1, kind="transfer", effective_on=MOVED, to_school=world.s1b,
                    user=world.users.district, today=TODAY)
    world.t1.refresh_from_db()
    assert world.t1.school == world.s1b and world.t1.school_entry == MOVED
    return world


def test_a_past_dates_degree_figure_counts_the_teacher_at_the_school_of_that_date(moved):
    a, b = sel.school_ref(moved.s1), sel.school_ref(moved.s1b)
    assert bachelors(sel.measures_for(a, on=BEFORE)) == (1, 1)
    assert bachelors(sel.measures_for(b, on=BEFORE)) == (0, 1)
    assert bachelors(sel.measures_for(a, on=TODAY)) == (0, 0)
    assert bachelors(sel.measures_for(b, on=TODAY)) == (1, 2)
    # the district's schools, side by side, and its total: the same teachers, each counted once
    district = sel.district_ref(moved.d1)
    for on, at_a, at_b in ((BEFORE, (1, 1), (0, 1)), (TODAY, (0, 0), (1, 2))):
        total, rows = sel.measures_by(district, "school", on=on)
        by_school = {ref.scope.school_id: bachelors(data) for ref, data in rows}
        assert (by_school[moved.s1.pk], by_school[moved.s1b.pk]) == (at_a, at_b)
        assert bachelors(total) == (1, 2)


def test_the_day_before_the_move_is_the_last_at_the_old_school(moved):
    a = sel.school_ref(moved.s1)
    assert bachelors(sel.measures_for(a, on=MOVED - dt.timedelta(days=1))) == (1, 1)
    assert bachelors(sel.measures_for(a, on=MOVED)) == (0, 0)


def test_todays_figures_read_no_history(moved):
    """Moves apply on their date: today's figures are the current schools', and their query is
    the one without history."""
    assert hooks.history_for(TODAY) is None
    assert hooks.history_for(BEFORE) is not None


def rotation(data: dict) -> tuple[int, int]:
    """(teachers in the rotation population, of them eligible) in a measures object."""
    return data["rotation"]["all"], data["rotation"]["eligible"]


def test_a_move_in_the_school_year_keeps_the_teacher_in_the_rotation_population_of_the_old_school(moved):
    """Rotation counts the teachers of 1 September: 张三 (在编, at 海州实验小学 since 2012) was there on
    1 September 2025 — eligible there for 2025-2026 though he moved in March; for 2026-2027 he is at
    海州第二小学, not yet eligible (six years at the school)."""
    from workforce.models import Teacher

    Teacher.objects.filter(pk__in=[moved.t1.pk, moved.t1b.pk]).update(on_establishment=True)
    a, b = sel.school_ref(moved.s1), sel.school_ref(moved.s1b)
    assert rotation(sel.measures_for(a, on=BEFORE)) == (1, 1)
    assert rotation(sel.measures_for(a, on=TODAY, year=2025)) == (1, 1)  # the year's figure, read today
    assert rotation(sel.measures_for(b, on=TODAY, year=2025)) == (1, 1)  # 李四 only
    assert rotation(sel.measures_for(a, on=TODAY)) == (0, 0)
    assert rotation(sel.measures_for(b, on=TODAY)) == (2, 1)
