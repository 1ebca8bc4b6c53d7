"""The national template export (issue 15, item 4): export → our own import → every record
unchanged; the columns in the import's order; masked for users without the identity right."""
import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from backend.models import AuditEntry
from imports.services import import_run
from personnel import national
from tests.factories import TeacherFactory
from training.models import CreditRecord
from workforce import services as wf
from workforce.models import Award, EducationRecord, ExchangeType, HonourType, Teacher, TitleAppointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world):
    """Teachers of two districts with every sub-record the template carries."""
    t = world.t1
    for name, value in {"former_name": "张小三", "staff_no": "HZ0001", "native_place": "江苏连云港",
                        "political_status": "中共党员", "source": "graduate", "employment_form": "established",
                        "it_ability": "good", "normal_graduate": True, "backbone": True, "subject": "语文",
                        "grassroots_service": True, "grassroots_start": dt.date(2008, 9, 1),
                        "grassroots_end": dt.date(2010, 8, 1), "remarks": "=SUM(A1)"}.items():
        setattr(t, name, value)
    t.save()
    EducationRecord.objects.create(teacher=t, education="associate", degree="none", institution="连云港师专",
                                   is_first=True, start=dt.date(2002, 9, 1), end=dt.date(2005, 7, 1))
    EducationRecord.objects.create(teacher=t, education="bachelor", degree="bachelor", degree_name="文学学士",
                                   study_mode="part_time", institution="江苏师范大学", major="汉语言文学",
                                   is_normal_major=True, is_highest=True, start=dt.date(2006, 3, 1),
                                   end=dt.date(2008, 7, 1))
    TitleAppointment.objects.create(teacher=t, title="erji", appointed_on=dt.date(2010, 9, 1),
                                    ended_on=dt.date(2015, 8, 31))
    TitleAppointment.objects.create(teacher=t, title="yiji", appointed_on=dt.date(2015, 9, 1))
    kind = ExchangeType.objects.order_by("pk").first()
    wf.exchange_record(teacher=t, exchange_type=kind, start=dt.date(2020, 9, 1), end=dt.date(2021, 7, 1),
                       to_school=world.s1b, user=world.users.city)
    honour = HonourType.objects.filter(is_team=False).order_by("pk").first()
    wf.award_grant(honour_type=honour, awarded_on=dt.date(2022, 9, 10), teacher=t, awarding_body="连云港市人民政府",
                   user=world.users.city)
    CreditRecord.objects.create(teacher=t, title="师德师风专题培训", level="city", mode="online", year=2024,
                                hours=Decimal("24"), credits=Decimal("2"), provider="市教师发展中心",
                                status=CreditRecord.Status.APPROVED)
    EducationRecord.objects.create(teacher=world.t2, education="master", degree="master", is_highest=True,
                                   end=dt.date(2015, 6, 1))
    TeacherFactory(school=world.s2, name="无记录教师", staff_category="admin", on_establishment=False)
    return t


def test_export_then_our_import_changes_nothing(world, records, tmp_path):
    content, count = national.workbook(Teacher.objects.all(), full_identity=True)
    assert count == Teacher.objects.count() == 4
    path = tmp_path / "全国系统模板.xlsx"
    path.write_bytes(content)
    report = import_run(file=path, filename=path.name, user=world.users.city, dry_run=True, source="cli")
    assert report.errors == [] and not report.questions
    assert (report.new, report.changed) == (0, 0), report.changes
    # every row of every sheet was recognised and found unchanged: 4 teachers, 3 学习经历, 2 titles,
    # 1 exchange, 1 training record, 1 honour
    assert report.unchanged == 4 + 3 + 2 + 1 + 1 + 1
    committed = import_run(file=path, filename=path.name, user=world.users.city, dry_run=False, source="cli")
    assert (committed.new, committed.changed) == (0, 0)
    assert AuditEntry.objects.filter(run_ref=str(committed.run_id), action__in=["create", "update"]).count() == 0


def test_the_columns_are_the_imports_in_order_with_codes_by_name(world, records):
    content, _count = national.workbook(Teacher.objects.filter(pk=records.pk), full_identity=True)
    book = load_workbook(BytesIO(content))
    assert book.sheetnames == ["教职工基础信息", "学习经历", "专业技术职务", "交流轮岗", "国内培训", "荣誉"]
    sheet = book["教职工基础信息"]
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["学校标识码", "学校名称", "*姓名", "曾用名"]
    assert "最高学历" not in header  # the records are their own sheets
    row = dict(zip((h.lstrip("*") for h in header), (cell.value for cell in sheet[2])))
    assert row["身份证件号"] == records.id_number
    assert (row["政治面貌"], row["是否是县级及以上骨干教师"], row["参加工作年月"]) == ("中共党员", "是", "200809")
    assert (row["教职工来源"], row["人员状态"], row["信息技术应用能力"]) == ("应届毕业生", "在本单位任职", "熟练")
    # no formula reaches Excel: a text cell with Excel's quote prefix, the value itself unchanged
    remark = sheet.cell(row=2, column=header.index("备注") + 1)
    assert (remark.value, remark.data_type, remark.quotePrefix) == ("=SUM(A1)", "s", True)
    education = [[c.value for c in r] for r in book["学习经历"].iter_rows(min_row=2)]
    assert [r[3] for r in education] == ["大学专科", "大学本科"]


def test_the_page_exports_a_school_masked_without_the_identity_right_and_audits(client, world, records):
    client.force_login(world.users.district)
    response = client.get(reverse("personnel:export"), {"school": world.s1.pk, "format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    values = [c.value for r in book["教职工基础信息"].iter_rows(min_row=2) for c in r]
    assert records.id_number not in values and any("********" in str(v) for v in values)
    assert "说明" in book.sheetnames
    entry = AuditEntry.objects.get(action="export")
    assert "海州实验小学" in entry.object_repr and "证件号已遮蔽" in entry.message
    # another district's school is not a choice
    response = client.get(reverse("personnel:export"), {"school": world.s2.pk, "format": "xlsx"})
    assert response.status_code == 200 and "xlsx" not in response.get("Content-Type", "")


def test_the_city_exports_the_city_with_full_ids(client, world, records):
    client.force_login(world.users.city)
    response = client.get(reverse("personnel:export"), {"format": "xlsx"})
    book = load_workbook(BytesIO(response.content))
    sheet = book["教职工基础信息"]
    at = [c.value for c in sheet[1]].index("*身份证件号")
    ids = {r[at].value for r in sheet.iter_rows(min_row=2)}
    assert {world.t1.id_number, world.t2.id_number} <= {str(v) for v in ids}


def test_every_value_the_record_holds_is_written_not_left_blank(world, records):
    """Our import keeps what a blank cell leaves, so the round trip alone would pass an export that
    wrote nothing: the teacher's row must carry the values the fixture gave the record."""
    content, _count = national.workbook(Teacher.objects.filter(pk=records.pk), full_identity=True)
    sheet = load_workbook(BytesIO(content))["教职工基础信息"]
    header = [cell.value.lstrip("*") for cell in sheet[1]]
    row = dict(zip(header, (cell.value for cell in sheet[2])))
    assert (row["姓名"], row["曾用名"], row["教职工号"], row["籍贯"]) == (records.name, "张小三", "HZ0001", "江苏连云港")
    assert (row["参加基层服务项目起始年月"], row["参加基层服务项目结束年月"]) == ("200809", "201008")
    assert (row["是否参加基层服务项目"], row["是否全日制师范类专业毕业"]) == ("是", "是")
    assert row["出生日期"] == records.birth_date.isoformat()
    assert row["备注"] == "=SUM(A1)"
