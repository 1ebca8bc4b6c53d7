"""An exchange recorded with 调动人事关系 moves the teacher as soon as it is committed (issue 15,
item 3) — through the service, the admin and the import's 交流轮岗 sheet — on its start, once."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from imports.services import import_run
from personnel.models import PersonnelEvent, TeacherSchoolSpell
from tests.imports.helpers import write_xlsx
from workforce import services as wf
from workforce.models import Exchange, ExchangeType

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
Status = PersonnelEvent.Status
TODAY = dt.date(2026, 12, 2)


@pytest.fixture
def kind(db):
    return ExchangeType.objects.get_or_create(name="交流轮岗", defaults={"counts": True})[0]


def history(teacher):
    return [(s.school, s.start, s.end) for s in TeacherSchoolSpell.objects.filter(teacher=teacher).order_by("start")]


def assert_moved(world, on: dt.date):
    """張三 moved from 海州实验小学 to 海州第二小学 on ``on``: his school, 进本校年月, the history."""
    world.t1.refresh_from_db()
    assert world.t1.school == world.s1b and world.t1.school_entry == on
    assert history(world.t1) == [(world.s1, dt.date(2012, 9, 1), on - dt.timedelta(days=1)), (world.s1b, on, None)]
    event = PersonnelEvent.objects.get(teacher=world.t1)
    assert event.status == Status.APPLIED and event.kind == "transfer" and event.effective_on == on
    return event


def test_the_service_moves_the_teacher_once_committed(world, kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ex = wf.exchange_record(teacher=world.t1, exchange_type=kind, start=dt.date(2026, 9, 1), to_school=world.s1b,
                                moves_personnel=True, user=world.users.district)
        wf.exchange_record(teacher=world.t1b, exchange_type=kind, start=dt.date(2026, 9, 1), to_school=world.s1,
                           moves_personnel=False, user=world.users.district)
    event = assert_moved(world, dt.date(2026, 9, 1))
    assert event.exchange == ex and event.created_by == world.users.district
    world.t1b.refresh_from_db()
    assert world.t1b.school == world.s1b and not PersonnelEvent.objects.filter(teacher=world.t1b).exists()
    # the daily command finds nothing left to do
    call_command("apply_personnel_events")
    assert PersonnelEvent.objects.count() == 1


def test_a_planned_exchange_moves_the_teacher_on_its_start(world, kind, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        wf.exchange_record(teacher=world.t1, exchange_type=kind, start=dt.date(2027, 3, 1), to_school=world.s1b,
                           moves_personnel=True, user=world.users.district)
    event = PersonnelEvent.objects.get(teacher=world.t1)
    assert event.status == Status.CONFIRMED  # confirmed by the district at once, waiting for its date
    world.t1.refresh_from_db()
    assert world.t1.school == world.s1 and history(world.t1) == []
    clock.day = dt.date(2027, 3, 1)
    call_command("apply_personnel_events")
    assert_moved(world, dt.date(2027, 3, 1))


def test_nothing_moves_when_the_exchange_is_rolled_back(world, kind, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            wf.exchange_record(teacher=world.t1, exchange_type=kind, start=dt.date(2026, 9, 1), to_school=world.s1b,
                               moves_personnel=True, user=world.users.district)
            transaction.set_rollback(True)
    assert callbacks == [] and not PersonnelEvent.objects.exists()
    world.t1.refresh_from_db()
    assert world.t1.school == world.s1


def test_the_admin_moves_the_teacher_once_committed(world, kind, client, django_capture_on_commit_callbacks):
    client.force_login(world.users.district)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:workforce_exchange_add"), {
            "teacher": world.t1.pk, "exchange_type": kind.pk, "start": "2026-09-01", "to_school": world.s1b.pk,
            "from_school": world.s1.pk, "moves_personnel": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    event = assert_moved(world, dt.date(2026, 9, 1))
    # the admin saves no 登记人: the move is recorded (and confirmed) by who recorded the exchange
    assert event.created_by == world.users.district == event.from_confirmed_by
    # saving the exchange again (its end) makes no second move
    ex = Exchange.objects.get(teacher=world.t1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:workforce_exchange_change", args=[ex.pk]), {
            "teacher": world.t1.pk, "exchange_type": kind.pk, "start": "2026-09-01", "end": "2026-12-01",
            "to_school": world.s1b.pk, "from_school": world.s1.pk, "moves_personnel": "on"})
    assert response.status_code == 302
    assert PersonnelEvent.objects.count() == 1 and len(history(world.t1)) == 2


def test_the_import_moves_the_teacher_once(world, kind, tmp_path, django_capture_on_commit_callbacks):
    rows = [["姓名", "身份证件号", "交流轮岗类型", "是否调动人事关系", "开始年月", "结束年月", "交流轮岗单位名称"],
            ["张三", world.t1.id_number, kind.name, "是", "202609", "", "海州第二小学"],
            ["李四", world.t1b.id_number, kind.name, "否", "202609", "", "海州实验小学"]]
    path = write_xlsx(tmp_path / "交流.xlsx", {"交流轮岗": rows})
    with django_capture_on_commit_callbacks(execute=True):
        report = import_run(file=path, filename=path.name, user=world.users.district, dry_run=False, source="web")
    assert report.committed, report.errors
    event = assert_moved(world, dt.date(2026, 9, 1))
    assert event.exchange == Exchange.objects.get(teacher=world.t1)
    assert not PersonnelEvent.objects.filter(teacher=world.t1b).exists()
    # the same file again: nothing changes (the exchange keeps the 原单位 it was recorded with), no second move
    with django_capture_on_commit_callbacks(execute=True):
        again = import_run(file=path, filename=path.name, user=world.users.district, dry_run=False, source="web")
    assert again.committed, again.errors
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert PersonnelEvent.objects.count() == 1
    assert_moved(world, dt.date(2026, 9, 1))
