"""PostgreSQL's marks of the schools each write changed (``workforce_dirtyschool``) are appended, a
row per writing transaction, app and school: once the facts per school have seen them and the
table holds more than ``dataversion.PRUNE_ABOVE`` rows, a refresh deletes them. A count kept at an
older point than the pruning (a process's counts of another day) is then counted again in full,
never left short of a write whose mark is gone."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connections

from tests.factories import TeacherFactory
from workforce import choices as c
from workforce import dataversion, facts, registry
from workforce import selectors as sel
from workforce.fact_models import FactState

APPS = ["workforce"]


@pytest.fixture
def pg(db):
    if connections["default"].vendor != "postgresql":
        pytest.skip("PostgreSQL appends its marks; SQLite keeps one per app and school")
    cache.clear()
    connection = connections["default"]
    yield connection
    with connection.cursor() as cursor:  # the version table is not flushed between tests: no horizon left behind
        cursor.execute(f"DELETE FROM {dataversion.TABLE} WHERE app = %s", [dataversion.PRUNED_MARK])


def rows(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {dataversion.DIRTY_TABLE}")
        return cursor.fetchone()[0]


def everything_seen(connection) -> str:
    """A snapshot that has seen every transaction so far finish (this test's are the only writers
    of its database; other databases' long transactions would hold a real snapshot's xmin back)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text")
        xid = cursor.fetchone()[0]
    return f"{xid}:{xid}:"


def changed(marker, connection) -> set:
    return dataversion.changed_since(marker, APPS, connection)["workforce"]


def live(ref, on):
    year, targets = sel.school_year_of(on), sel.load_targets(None, on)
    counts = {measure.key: measure.count(ref.scope, on, year, sel.NO_FILTERS, None, targets=targets).get(None, measure.empty())
              for measure in registry.measures()}
    return sel.finish(counts, targets, ref=ref, on=on, year=year)


@pytest.mark.django_db(transaction=True)
def test_the_marks_seen_are_pruned_and_an_older_point_reads_every_school(pg, world, monkeypatch):
    monkeypatch.setattr(dataversion, "PRUNE_ABOVE", 0)
    old = dataversion.state(APPS, pg).marker
    TeacherFactory(school=world.s1)
    assert world.s1.pk in changed(old, pg)
    seen = everything_seen(pg)

    assert dataversion.prune(seen, pg) > 0
    assert rows(pg) == 0
    assert changed(seen, pg) == set()  # a point after the pruning: nothing it has not seen
    assert changed(old, pg) == {dataversion.EVERY_SCHOOL}  # its marks are gone: every school

    TeacherFactory(school=world.s2)
    assert changed(seen, pg) == {world.s2.pk}  # writes after the pruning are marked as before


@pytest.mark.django_db(transaction=True)
def test_below_the_threshold_nothing_is_pruned(pg, world):
    TeacherFactory(school=world.s1)
    before = rows(pg)
    assert 0 < before <= dataversion.PRUNE_ABOVE
    assert dataversion.prune(everything_seen(pg), pg) == 0
    assert rows(pg) == before


@pytest.mark.django_db(transaction=True)
def test_a_count_kept_before_the_pruning_is_counted_again_in_full(pg, world, monkeypatch):
    """Yesterday's city is counted live and kept in the process, school by school; a teacher is
    added at a school, the marks pruned: the next read of yesterday counts the teacher."""
    monkeypatch.setattr(dataversion, "PRUNE_ABOVE", 0)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    ref = sel.district_ref(world.s1.district)
    before = sel.measures_for(ref, on=yesterday)
    assert before == live(ref, yesterday)

    TeacherFactory(school=world.s1, teaching_stage=c.Stage.PRIMARY, school_entry=dt.date(2015, 9, 1))
    assert dataversion.prune(everything_seen(pg), pg) > 0
    after = sel.measures_for(ref, on=yesterday)
    assert after == live(ref, yesterday)
    assert after != before


@pytest.mark.django_db(transaction=True)
def test_a_refresh_prunes_and_the_facts_still_agree(pg, world, monkeypatch):
    monkeypatch.setattr(dataversion, "PRUNE_ABOVE", 0)
    facts.refresh()
    for school in (world.s1, world.s2, world.s1b):
        TeacherFactory(school=school, teaching_stage=c.Stage.PRIMARY)
        facts.refresh()
    # pruned after each refresh up to the facts' point (how far depends on the transactions running
    # in the whole cluster when they were brought up to date: its snapshot's xmin)
    with pg.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {dataversion.TABLE} WHERE app = %s", [dataversion.PRUNED_MARK])
        horizon = cursor.fetchone()[0]
        cursor.execute("SELECT pg_snapshot_xmin(%s::pg_snapshot)::text::bigint", [FactState.objects.get().marker])
        assert horizon == cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {dataversion.DIRTY_TABLE} WHERE xid::text::bigint < %s", [horizon])
        assert cursor.fetchone()[0] == 0
    assert facts.differences(facts.default_setting()) == []
    for ref in (sel.CITY, sel.district_ref(world.s1.district), sel.school_ref(world.s2)):
        assert sel.measures_for(ref) == live(ref, dt.date.today()), ref.text
