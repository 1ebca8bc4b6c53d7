"""Personnel events (issue 15, item 3): effective-dated moves confirmed by each side, the school
history as a query, and exchanges with 调动人事关系 becoming moves."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from backend.models import AuditEntry
from personnel import events as ev
from personnel.models import PersonnelEvent, TeacherSchoolSpell
from personnel.selectors import teachers_at
from tests.factories import SchoolFactory, TeacherFactory
from workforce import services as wf
from workforce.models import ExchangeType

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
Status = PersonnelEvent.Status
TODAY = dt.date(2026, 12, 2)


def test_a_move_within_a_district_is_confirmed_once_by_the_district_and_applied(world):
    event = ev.event_record(teacher=world.t1, kind="transfer", effective_on=dt.date(2026, 9, 1),
                            to_school=world.s1b, user=world.users.school, today=TODAY)
    assert event.status == Status.PENDING  # the school asks; the district confirms
    with pytest.raises(PermissionDenied):
        ev.event_confirm(event=event, user=world.users.school, today=TODAY)
    with pytest.raises(PermissionDenied):
        ev.event_confirm(event=event, user=world.users.district2, today=TODAY)
    ev.event_confirm(event=event, user=world.users.district, today=TODAY)
    event.refresh_from_db()
    assert event.status == Status.APPLIED and event.from_confirmed_by == event.to_confirmed_by == world.users.district
    world.t1.refresh_from_db()
    assert world.t1.school == world.s1b and world.t1.school_entry == dt.date(2026, 9, 1)
    # the move is in the teacher's history, attributable
    row = AuditEntry.objects.get(object_type="workforce.teacher", object_id=str(world.t1.pk), action="update")
    assert row.changes["school"] == {"label": "学校", "old": "海州实验小学", "new": "海州第二小学"}
    assert row.changes["_personnel_event"] == event.pk
    with pytest.raises(ValidationError, match="无需确认"):
        ev.event_confirm(event=event, user=world.users.district, today=TODAY)


def test_a_move_across_districts_needs_both_districts(world):
    event = ev.event_record(teacher=world.t1, kind="transfer", effective_on=dt.date(2026, 11, 1),
                            to_school=world.s2, user=world.users.district, today=TODAY)
    assert event.from_confirmed_by == world.users.district and event.to_confirmed_by is None
    assert event.status == Status.PENDING
    world.t1.refresh_from_db()
    assert world.t1.school == world.s1
    ev.event_confirm(event=event, user=world.users.district2, today=TODAY)
    event.refresh_from_db()
    world.t1.refresh_from_db()
    assert event.status == Status.APPLIED and world.t1.school == world.s2


def test_a_future_move_waits_for_its_date_and_the_command_applies_it(world, clock):
    event = ev.event_record(teacher=world.t1, kind="transfer", effective_on=dt.date(2027, 2, 1),
                            to_school=world.s1b, user=world.users.district, today=TODAY)
    assert event.status == Status.CONFIRMED
    call_command("apply_personnel_events", on="2027-01-31")
    world.t1.refresh_from_db()
    assert world.t1.school == world.s1
    clock.day = dt.date(2027, 2, 1)
    call_command("apply_personnel_events")
    world.t1.refresh_from_db()
    event.refresh_from_db()
    assert world.t1.school == world.s1b and event.status == Status.APPLIED


def test_who_was_at_a_school_on_a_date(world):
    ev.event_record(teacher=world.t1, kind="transfer", effective_on=dt.date(2026, 9, 1), to_school=world.s1b,
                    user=world.users.district, today=TODAY)
    assert set(teachers_at(world.s1, dt.date(2026, 8, 31))) == {world.t1}
    assert set(teachers_at(world.s1, dt.date(2026, 9, 1))) == set()
    assert set(teachers_at(world.s1b, dt.date(2026, 9, 1))) == {world.t1, world.t1b}
    assert set(teachers_at(world.s1b, dt.date(2026, 8, 31))) == {world.t1b}
    spells = list(TeacherSchoolSpell.objects.filter(teacher=world.t1).order_by("start"))
    assert [(s.school, s.start, s.end) for s in spells] == [
        (world.s1, dt.date(2012, 9, 1), dt.date(2026, 8, 31)), (world.s1b, dt.date(2026, 9, 1), None)]


def test_leaving_and_a_rehire(world):
    event = ev.event_record(teacher=world.t1, kind="leave", effective_on=dt.date(2026, 7, 31), left_reason="retired",
                            user=world.users.district, today=TODAY)
    assert event.status == Status.APPLIED
    world.t1.refresh_from_db()
    assert world.t1.left_on == dt.date(2026, 7, 31) and world.t1.left_reason == "retired"
    assert world.t1 not in teachers_at(world.s1, dt.date(2026, 8, 1))
    with pytest.raises(ValidationError, match="已于 2026-07-31 离校"):
        ev.event_record(teacher=world.t1, kind="transfer", effective_on=dt.date(2026, 9, 1), to_school=world.s1b,
                        user=world.users.district, today=TODAY)
    ev.event_record(teacher=world.t1, kind="rehire", effective_on=dt.date(2026, 9, 1), user=world.users.district,
                    today=TODAY)
    world.t1.refresh_from_db()
    assert world.t1.left_on is None and not world.t1.on_establishment
    assert world.t1 in teachers_at(world.s1, dt.date(2026, 9, 2))
    assert world.t1 not in teachers_at(world.s1, dt.date(2026, 8, 15))


def test_refusals(world):
    with pytest.raises(PermissionDenied):  # neither side in the scope
        ev.event_record(teacher=world.t2, kind="leave", effective_on=TODAY, left_reason="resigned",
                        user=world.users.district, today=TODAY)
    with pytest.raises(ValidationError):  # a leave needs its reason
        ev.event_record(teacher=world.t1, kind="leave", effective_on=TODAY, user=world.users.district, today=TODAY)
    middle = SchoolFactory(district=world.d1, school_type="junior")
    with pytest.raises(ValidationError, match="没有小学学段"):
        ev.event_record(teacher=world.t1, kind="transfer", effective_on=TODAY, to_school=middle,
                        user=world.users.district, today=TODAY)
    ev.event_record(teacher=world.t1, kind="transfer", effective_on=dt.date(2027, 3, 1), to_school=world.s2,
                    user=world.users.school, today=TODAY)
    with pytest.raises(ValidationError, match="尚未生效"):
        ev.event_record(teacher=world.t1, kind="transfer", effective_on=dt.date(2027, 3, 1), to_school=world.s1b,
                        user=world.users.school, today=TODAY)


def test_an_exchange_that_moves_the_personnel_record_becomes_a_move(world):
    kind = ExchangeType.objects.get_or_create(name="调动", defaults={"counts": True})[0]
    ex = wf.exchange_record(teacher=world.t1, exchange_type=kind, start=dt.date(2026, 9, 1), to_school=world.s1b,
                            moves_personnel=True, user=world.users.district)
    wf.exchange_record(teacher=world.t1b, exchange_type=kind, start=dt.date(2026, 9, 1), to_school=world.s1,
                       moves_personnel=False, user=world.users.district)
    made = ev.sync_exchange_moves(today=TODAY)
    assert [e.exchange_id for e in made] == [ex.pk]
    world.t1.refresh_from_db()
    world.t1b.refresh_from_db()
    assert world.t1.school == world.s1b and world.t1b.school == world.s1b
    assert ev.sync_exchange_moves(today=TODAY) == []  # once


def test_the_events_page_lists_in_scope_with_filters_and_confirms(client, world, django_assert_max_num_queries):
    event = ev.event_record(teacher=world.t1, kind="transfer", effective_on=dt.date(2026, 11, 1), to_school=world.s2,
                            user=world.users.district, today=TODAY)
    ev.event_record(teacher=world.t1b, kind="leave", effective_on=dt.date(2027, 1, 1), left_reason="resigned",
                    user=world.users.school if False else world.users.district, today=TODAY)
    client.force_login(world.users.district2)
    page = client.get(reverse("personnel:events")).content.decode()
    assert f'data-event="{event.pk}"' in page and page.count('data-event="') == 1  # the receiving side sees it
    client.post(reverse("personnel:event_decide", args=[event.pk]), {"action": "confirm"})
    event.refresh_from_db()
    assert event.to_confirmed_by == world.users.district2
    client.force_login(world.users.city)
    page = client.get(reverse("personnel:events"), {"kind": "leave"}).content.decode()
    assert page.count('data-event="') == 1
    for i in range(20):
        t = TeacherFactory(school=world.s1)
        ev.event_record(teacher=t, kind="leave", effective_on=dt.date(2027, 1, 1), left_reason="retired",
                        user=world.users.district, today=TODAY)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("personnel:events")).content.decode()
    assert page.count('data-event="') == 22


def test_recording_an_event_from_the_page(client, world):
    client.force_login(world.users.school)
    response = client.post(reverse("personnel:event_new", args=[world.t1.pk]), {
        "kind": "transfer", "effective_on": "2026-09-01", "to_school": world.s1b.pk})
    assert response.status_code == 302
    event = PersonnelEvent.objects.get()
    assert event.status == Status.PENDING and event.created_by == world.users.school
    client.force_login(world.users.school)
    assert client.get(reverse("personnel:event_new", args=[world.t2.pk])).status_code == 404
