"""The read replica (backend/routers.py): the dashboards and exports read the teachers' data from
the ``replica`` alias when one is configured; every other page, and every read after a write or
inside a transaction, reads from the primary.

The test settings declare ``replica`` as a test mirror of ``default`` (Django's "Testing
primary/replica configurations"): another connection to the same test database, so the tests
run on SQLite and PostgreSQL alike and see which connection each query went through."""
from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.models import User
from backend.routers import replica_reads
from tests.factories import TeacherFactory
from workforce import choices as c
from workforce import facts
from workforce import models as m
from workforce import registry
from workforce import selectors as sel


@pytest.fixture
def replica_configured(settings):
    settings.READ_REPLICA = "replica"


def test_reads_go_to_the_replica_only_inside_a_dashboard_request(replica_configured):
    assert m.Teacher.objects.all().db == "default"  # a page, command or task: the primary
    with replica_reads():
        assert m.Teacher.objects.all().db == "replica"
        assert m.School.objects.all().db == "replica"
        from training import models as tm

        assert tm.CreditRecord.objects.all().db == "replica"
        # users and sessions are read from the primary: a session written a moment ago is found
        assert User.objects.all().db == "default"
    assert m.Teacher.objects.all().db == "default"


def test_after_a_write_the_request_reads_from_the_primary(replica_configured):
    with replica_reads():
        assert m.Teacher.objects.all().db == "replica"
        assert router.db_for_write(m.Teacher) == "default"  # what save(), update() and bulk_create ask
        assert m.Teacher.objects.all().db == "default"  # it reads back what it wrote
    with replica_reads():  # the next request starts afresh
        assert m.Teacher.objects.all().db == "replica"


def test_without_a_replica_everything_reads_from_the_primary(settings):
    settings.READ_REPLICA = ""
    with replica_reads():
        assert m.Teacher.objects.all().db == "default"


def test_the_replica_is_never_migrated(replica_configured):
    assert router.allow_migrate("replica", "workforce") is False
    assert router.allow_migrate("default", "workforce") is not False


def _tables(captured) -> set[str]:
    return {name for q in captured.captured_queries for name in re.findall(r'"((?:workforce|training)_[a-z_]+)"', q["sql"])}


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_dashboard_reads_through_the_replica_and_a_write_page_does_not(replica_configured, world, client):
    """A transactional test: what it writes is committed, so the replica's connection sees it."""
    client.force_login(world.users.city)
    replica, default = connections["replica"], connections["default"]

    facts.refresh()  # the facts per school up to date: what such a request reads is counted live
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(default) as on_default:
        response = client.get(reverse("workforce:dashboard_city") + "?stage=primary")  # a stage: counted live
    assert response.status_code == 200
    assert "workforce_teacher" in _tables(on_replica)  # the measures counted on the replica
    assert "workforce_teacher" not in _tables(on_default)
    assert any("django_session" in q["sql"] for q in on_default.captured_queries)  # the session: primary

    cache.clear()  # the counts are kept under the data version: count them again
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(default) as on_default:
        response = client.get(reverse("workforce:dashboard_export") + "?stage=primary")
    assert response.status_code == 200
    assert "workforce_teacher" in _tables(on_replica)
    assert any("backend_auditentry" in q["sql"] for q in on_default.captured_queries)  # the export's audit row

    kind = m.ExchangeType.objects.filter(counts=True).first()
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(default) as on_default:
        response = client.post(reverse("workforce:rotation_record", args=[world.t1.pk]), {
            "exchange_type": kind.pk, "start": "2025-09-01", "end": "2026-08-31", "to_school": world.s1b.pk})
    assert response.status_code == 302
    assert on_replica.captured_queries == []  # a write page: reads and writes on the primary
    assert "workforce_exchange" in _tables(on_default)
    assert m.Exchange.objects.filter(teacher=world.t1).count() == 1

    with CaptureQueriesContext(replica) as on_replica:
        assert client.get(reverse("workforce:rotation_plan")).status_code == 200
    assert on_replica.captured_queries == []  # a workflow page, not a dashboard


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_inside_a_transaction_a_dashboard_request_reads_from_the_primary(replica_configured):
    with replica_reads():
        with transaction.atomic():
            assert m.Teacher.objects.all().db == "default"
        assert m.Teacher.objects.all().db == "replica"


def _live(ref):
    """``ref``'s measures counted from the records alone, on the primary (no facts, no request)."""
    import datetime as dt

    on = dt.date.today()
    year, targets = sel.school_year_of(on), sel.load_targets(None, on)
    counts = {measure.key: measure.count(ref.scope, on, year, sel.NO_FILTERS, None, targets=targets).get(None, measure.empty())
              for measure in registry.measures()}
    return sel.finish(counts, targets, ref=ref, on=on, year=year)


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_dashboard_on_the_replica_reads_the_facts_from_the_primary(replica_configured, world, client):
    """The facts per school live on the primary: a dashboard request routed to the replica sums
    them from there (no teacher counted anywhere), and after a write the written school is
    recounted on the primary, whose marks say what the facts include."""
    client.force_login(world.users.city)
    facts.refresh()
    replica, default = connections["replica"], connections["default"]
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(default) as on_default:
        response = client.get(reverse("workforce:dashboard_city"))
    assert response.status_code == 200
    assert response.context["facts_as_of"] is not None  # "数据截至 …": summed from the facts
    assert "workforce_schoolfact" in _tables(on_default)
    assert "workforce_schoolfact" not in _tables(on_replica)
    assert "workforce_teacher" not in _tables(on_replica) | _tables(on_default)

    TeacherFactory(school=world.s1, teaching_stage=c.Stage.PRIMARY)  # committed: a transactional test
    ref = sel.district_ref(world.s1.district)
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(default) as on_default:
        response = client.get(reverse("workforce:dashboard_json") + f"?scope={ref.text}")
    assert response.status_code == 200
    assert "workforce_teacher" in _tables(on_default)  # the written school recounted on the primary
    assert "workforce_teacher" not in _tables(on_replica)
    shown = response.json()
    assert shown == _live(ref)
    assert [line["denominator"] for line in shown["table2"]] == [line["denominator"] for line in _live(ref)["table2"]]
