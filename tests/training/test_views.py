"""Pages: the access matrix, the teacher's log form, the queue, evidence serving, reports, export."""
import datetime as dt
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.db import reset_queries
from django.urls import reverse
from openpyxl import load_workbook

from backend.models import AuditEntry
from tests.factories import SchoolFactory, TeacherFactory, UserFactory
from training import services
from training.models import CreditRecord, Programme

from .helpers import PDF, PNG, log, upload

pytestmark = pytest.mark.django_db


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def records(world):
    """A pending record with evidence for t1 (school s1) and one for t2 (another district)."""
    own = log(world.t1, world.users.teacher, evidence=upload("证书.png", PNG))
    other = log(world.t2, world.users.city, evidence=upload("证书.pdf", PDF))
    return own, other


# ---------------------------------------------------------------- access matrix
ROLES = ["teacher", "school", "district", "district2", "city", "leader", "district_leader"]
# who gets what on t1's record (own school s1, district d1): 200 = allowed, 404 = not in scope / not theirs
EVIDENCE = {"teacher": 200, "school": 200, "district": 200, "district2": 404, "city": 200, "leader": 404,
            "district_leader": 404}


@pytest.mark.parametrize("role", ROLES)
def test_evidence_of_a_record_is_served_only_to_its_teacher_and_hr_in_scope(client, world, records, role):
    own, _other = records
    response = client_for(client, getattr(world.users, role)).get(reverse("training:evidence", args=[own.pk]))
    assert response.status_code == EVIDENCE[role]
    if response.status_code == 200:
        assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_a_teacher_can_never_see_or_act_on_another_teachers_record(client, world, records):
    _own, other = records
    c = client_for(client, world.users.teacher)
    assert c.get(reverse("training:evidence", args=[other.pk])).status_code == 404
    assert c.get(reverse("training:record_edit", args=[other.pk])).status_code == 404
    assert c.post(reverse("training:record_edit", args=[other.pk]), {"title": "改", "year": 2024}).status_code == 404
    assert c.post(reverse("training:record_delete", args=[other.pk])).status_code == 404
    assert c.post(reverse("training:decide", args=[other.pk]), {"action": "approve"}).status_code == 404
    assert c.get(reverse("training:teacher", args=[world.t2.pk])).status_code == 403
    page = c.get(reverse("training:mine")).content.decode()
    assert f'data-record="{other.pk}"' not in page and f'data-record="{_own.pk}"' in page
    other.refresh_from_db()
    assert other.status == CreditRecord.Status.PENDING
    # nor on a colleague of the same school
    colleague = TeacherFactory(school=world.s1)
    theirs = log(colleague, world.users.school, title="同事的记录")
    assert c.get(reverse("training:record_edit", args=[theirs.pk])).status_code == 404
    assert "同事的记录" not in c.get(reverse("training:mine")).content.decode()


def test_a_teacher_cannot_approve_their_own_record(client, world, records):
    own, _ = records
    response = client_for(client, world.users.teacher).post(reverse("training:decide", args=[own.pk]),
                                                           {"action": "approve"})
    assert response.status_code == 404
    own.refresh_from_db()
    assert own.status == CreditRecord.Status.PENDING


def test_a_school_sees_and_decides_only_its_own_queue(client, world, records):
    own, other = records
    sibling = log(world.t1b, world.users.city, title="兄弟学校")  # same district, other school
    c = client_for(client, world.users.school)
    page = c.get(reverse("training:queue")).content.decode()
    assert f'data-record="{own.pk}"' in page
    assert f'data-record="{other.pk}"' not in page and f'data-record="{sibling.pk}"' not in page
    assert c.post(reverse("training:decide", args=[sibling.pk]), {"action": "approve"}).status_code == 404
    assert c.post(reverse("training:decide", args=[other.pk]), {"action": "reject", "reason": "x"}).status_code == 404
    c.post(reverse("training:queue"), {"ids": [sibling.pk]})
    sibling.refresh_from_db()
    assert sibling.status == CreditRecord.Status.PENDING


QUEUE = {"teacher": 403, "school": 200, "district": 200, "district2": 200, "city": 200, "leader": 403,
         "district_leader": 403}
REPORT = {"teacher": 403, "school": 200, "district": 200, "district2": 200, "city": 200, "leader": 200,
          "district_leader": 200}


@pytest.mark.parametrize("role", ROLES)
def test_queue_and_reports_by_role(client, world, role):
    c = client_for(client, getattr(world.users, role))
    assert c.get(reverse("training:queue")).status_code == QUEUE[role]
    assert c.get(reverse("training:report")).status_code == REPORT[role]
    assert c.get(reverse("training:behind")).status_code == REPORT[role]
    assert c.get(reverse("training:mine")).status_code == (200 if role == "teacher" else 404)
    assert c.get(reverse("training:catalogue")).status_code == 200


def test_district_hr_queue_holds_its_district_programmes(client, world):
    programme = Programme.objects.create(name="海州区班主任培训", level="county", mode="short_face", hours=D(30),
                                         district=world.d1)
    record = services.credit_log(teacher=world.t1, user=world.users.teacher, programme=programme, year=2024)
    plain = log(world.t1, world.users.teacher, title="自选")
    assert f'data-record="{record.pk}"' in client_for(client, world.users.district).get(reverse("training:queue")).content.decode()
    school_page = client_for(client, world.users.school).get(reverse("training:queue")).content.decode()
    assert f'data-record="{record.pk}"' not in school_page and f'data-record="{plain.pk}"' in school_page
    assert "海州区班主任培训" not in client_for(client, world.users.district2).get(reverse("training:queue")).content.decode()


# ---------------------------------------------------------------- the teacher's page
def test_a_teacher_logs_a_record_with_evidence_from_the_page(client, world):
    c = client_for(client, world.users.teacher)
    response = c.post(reverse("training:mine"), {
        "title": "乡村教师信息化能力提升", "level": "county", "mode": "online", "hours": "12", "year": "2024",
        "evidence": upload("结业证书.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, "image/jpeg"),
    })
    assert response.status_code == 302
    record = CreditRecord.objects.get()
    assert (record.teacher, record.status, record.hours, record.evidence_name) == (
        world.t1, CreditRecord.Status.PENDING, D(12), "结业证书.jpg")
    page = c.get(reverse("training:mine")).content.decode()
    assert "乡村教师信息化能力提升" in page and "待审核" in page


def test_the_log_form_shows_errors_in_chinese(client, world):
    c = client_for(client, world.users.teacher)
    response = c.post(reverse("training:mine"), {"title": "", "year": "2024",
                                                 "evidence": upload("a.pdf", b"MZ\x90\x00", "application/pdf")})
    page = response.content.decode()
    assert response.status_code == 200 and "此项必填" in page
    response = c.post(reverse("training:mine"), {"title": "A", "level": "city", "mode": "online", "hours": "5",
                                                 "year": "2024", "evidence": upload("a.pdf", b"MZ\x90\x00")})
    assert "不是 PDF、JPG 或 PNG" in response.content.decode()
    assert not CreditRecord.objects.exists()


def test_approved_records_have_no_edit_or_delete(client, world, records):
    own, _ = records
    services.credit_approve(record=own, user=world.users.school)
    c = client_for(client, world.users.teacher)
    page = c.get(reverse("training:mine")).content.decode()
    assert reverse("training:record_edit", args=[own.pk]) not in page and "已锁定" in page
    c.post(reverse("training:record_delete", args=[own.pk]))
    c.post(reverse("training:record_edit", args=[own.pk]), {"title": "改", "level": "city", "mode": "online",
                                                             "hours": "99", "year": "2024"})
    own.refresh_from_db()
    assert own.hours == D(24) and CreditRecord.objects.filter(pk=own.pk).exists()


def test_enrol_from_the_catalogue(client, world):
    programme = Programme.objects.create(name="市级名师讲堂", level="city", mode="short_face", hours=D(8), capacity=30)
    foreign = Programme.objects.create(name="灌南县项目", level="county", mode="online", hours=D(8), district=world.d2)
    c = client_for(client, world.users.teacher)
    page = c.get(reverse("training:catalogue")).content.decode()
    assert "市级名师讲堂" in page and "灌南县项目" not in page
    c.post(reverse("training:enrol", args=[programme.pk]))
    assert programme.enrolments.filter(teacher=world.t1).exists()
    assert c.post(reverse("training:enrol", args=[foreign.pk])).status_code == 404


# ---------------------------------------------------------------- bulk approval and query counts
def test_bulk_approve_from_the_queue(client, world):
    ids = [log(world.t1, world.users.teacher, title=f"研修{i}").pk for i in range(3)]
    client_for(client, world.users.school).post(reverse("training:queue"), {"ids": ids})
    assert CreditRecord.objects.approved().count() == 3


def add_teachers(school, n, user):
    for i in range(n):
        teacher = TeacherFactory(school=school)
        log(teacher, user, title=f"记录{i}", evidence=upload())


@pytest.mark.django_db(transaction=True)  # (PostgreSQL) the facts recount an uncommitted write at every read
@pytest.mark.parametrize("url_name", ["training:queue", "training:report", "training:behind", "training:mine"])
def test_pages_run_a_fixed_number_of_queries(client, world, url_name, django_assert_max_num_queries):
    user = world.users.teacher if url_name == "training:mine" else world.users.city
    c = client_for(client, user)
    extra_school = SchoolFactory(district=world.d1)
    add_teachers(extra_school, 2, world.users.city)
    for i in range(2):
        log(world.t1, world.users.teacher, title=f"本人{i}")
    c.get(reverse(url_name))
    reset_queries()  # a capture counts from the log's length before it, and a request empties the log
    with django_assert_max_num_queries(40) as baseline:
        assert c.get(reverse(url_name)).status_code == 200
    allowed = len(baseline.captured_queries)  # read now: the capture reads the log, which the next requests empty
    add_teachers(extra_school, 25, world.users.city)
    add_teachers(SchoolFactory(district=world.d2), 5, world.users.city)
    for i in range(25):
        log(world.t1, world.users.teacher, title=f"更多{i}")
    if url_name in ("training:report", "training:behind"):  # the first reader after the writes recounts the facts
        # of the schools written (tests/workforce/test_facts.py)
        c.get(reverse(url_name))
    reset_queries()
    with django_assert_max_num_queries(allowed):
        assert c.get(reverse(url_name)).status_code == 200


# ---------------------------------------------------------------- export
def test_behind_list_exports_to_xlsx_escaped_and_masked(client, world):
    world.t2.name = "=HYPERLINK(\"http://x\")"
    world.t2.save()
    response = client_for(client, world.users.district2).get(reverse("training:behind") + "?format=xlsx&on=2024-06-01")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    assert header[:3] == ("区县", "学校", "姓名")
    body = rows[2:]
    assert len(body) == 1  # district2 sees its own district only
    row = dict(zip(header, body[0]))
    # the name as it is, in a text cell with Excel's quote prefix: shown as typed, never evaluated
    name_cell = sheet.cell(row=3, column=header.index("姓名") + 1)
    assert (row["姓名"], name_cell.data_type, name_cell.quotePrefix) == (world.t2.name, "s", True)
    assert "*" in row["身份证件号"] and row["身份证件号"] != world.t2.id_number
    assert (row["已认定学时"], row["尚缺学时"]) == (0, 360)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, user=world.users.district2).exists()
    # even city HR with the identity right gets masked numbers in an export (reveal is one at a time)
    full = client_for(client, world.users.city).get(reverse("training:behind") + "?format=xlsx&on=2024-06-01")
    ids = [r[3] for r in list(load_workbook(BytesIO(full.content)).active.iter_rows(values_only=True))[2:]]
    assert world.t2.id_number not in ids and world.t2.masked_id_number in ids


def test_report_page_shows_rates(client, world):
    services.credit_approve(record=log(world.t1, world.users.teacher, hours=360, year=2023), user=world.users.school)
    page = client_for(client, world.users.city).get(reverse("training:report") + "?on=2024-06-01").content.decode()
    assert "海州实验小学" in page and "灌南县" in page and "33.3%" in page


def test_navigation_shows_training_pages_by_role(client, world):
    teacher_home = client_for(client, world.users.teacher).get("/").content.decode()
    assert "我的培训" in teacher_home and "培训审核" not in teacher_home
    client.logout()
    leader_home = client_for(client, world.users.leader).get("/").content.decode()
    assert "培训达标" in leader_home and "培训审核" not in leader_home and "我的培训" not in leader_home


def test_admin_shows_evidence_through_the_scoped_view_and_locks_approved_records(client, world, records):
    own, _ = records
    c = client_for(client, world.users.school)
    page = c.get(reverse("admin:training_creditrecord_change", args=[own.pk])).content.decode()
    assert reverse("training:evidence", args=[own.pk]) in page and "/media/" not in page
    services.credit_approve(record=own, user=world.users.school)
    response = c.post(reverse("admin:training_creditrecord_change", args=[own.pk]), {"hours": "99"})
    own.refresh_from_db()
    assert own.hours == D(24)
    assert response.status_code in (200, 302, 403)


def test_behind_list_export_gives_hours_to_a_tenth_as_the_page_does(client, world):
    """Hours are kept to 0.1; SQLite computed 落后学时 in floating point and the export wrote
    0.199999999999989 where the page shows 0.2."""
    from tests.training.helpers import approved

    approved(world.t2, world.users.district2, hours="245.9", year=2024)
    response = client_for(client, world.users.district2).get(reverse("training:behind") + "?format=xlsx&on=2024-06-01")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    row = dict(zip(rows[1], rows[2]))
    assert row["已认定学时"] == 245.9
    for column in ("落后学时", "尚缺学时"):
        assert len(repr(row[column]).partition(".")[2]) <= 1, (column, row[column])
    assert row["尚缺学时"] == 114.1
