"""A count kept inside a transaction that writes (a request or a test in one transaction) must not
pass for one that saw the writes that transaction makes after it (PostgreSQL, ``dataversion.state``).

A PostgreSQL snapshot never lists its own transaction as running: once any later transaction of the
cluster — of any database — has finished, the own one reads as committed in it. The facts kept
with such a marker missed every write the transaction made after the count: the dashboard figures
of ``test_facts`` came out stale whenever another database's work finished in between."""
from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.db import connections

from tests.factories import TeacherFactory
from workforce import choices as c
from workforce import dataversion, facts
from workforce.fact_models import SchoolFact


def test_the_own_transaction_is_listed_as_running():
    # below xmax and not listed: added, in order
    assert dataversion.unseen_own("100:120:105,110", 107) == "100:120:105,107,110"
    assert dataversion.unseen_own("100:120:", 101) == "100:120:101"
    # already unseen: as it is
    assert dataversion.unseen_own("100:120:105", 105) == "100:120:105"
    assert dataversion.unseen_own("100:120:105", 125) == "100:120:105"


def finish_another_transaction(connection) -> None:
    """A transaction of another connection that takes an id after ours and commits."""
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"] or None, port=settings["PORT"] or None, user=settings["USER"],
                         password=settings["PASSWORD"] or None, dbname=settings["NAME"], autocommit=False) as other:
        other.execute("SELECT pg_current_xact_id()")
        other.commit()


@pytest.mark.django_db
def test_a_write_after_a_count_in_the_same_transaction_is_recounted(world):
    connection = connections["default"]
    if connection.vendor != "postgresql":
        pytest.skip("SQLite numbers its writes; PostgreSQL's snapshots are what this is about")
    facts.refresh(full=True)
    TeacherFactory(school=world.s1, teaching_stage=c.Stage.PRIMARY)  # our transaction has an id now
    finish_another_transaction(connection)
    facts.refresh()  # a count kept inside the writing transaction
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_visible_in_snapshot(pg_current_xact_id(), %s::pg_snapshot)",
                       [facts._state_row().marker])
        assert cursor.fetchone()[0] is False
    before = SchoolFact.objects.get(school=world.s1, measure="table2").counts
    TeacherFactory(school=world.s1, teaching_stage=c.Stage.PRIMARY)  # a write after that count
    refreshed = facts.refresh()
    assert "table2" in refreshed.recounted  # the school (or, in a city this small, every school)
    primary = facts.load(SchoolFact.objects.get(school=world.s1, measure="table2").counts)[
        ("t2", c.Stage.PRIMARY, "teachers")]
    assert primary == facts.load(before)[("t2", c.Stage.PRIMARY, "teachers")] + 1
    assert dt.date.today() == facts._state_row().on
