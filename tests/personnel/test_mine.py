"""The teacher's own record (issue 15, item 2): the full record with their own ID unmasked to
themself only, the completeness meter, and proposals from the page."""
import datetime as dt

import pytest
from django.urls import reverse

from personnel.completeness import completeness
from personnel.models import ChangeRequest
from tests.training.helpers import PDF, upload
from core.identity import mask_id_number
from workforce.models import EducationRecord, TitleAppointment

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- the meter, without the database
FULL = {"name": "张三", "sex": "1", "nationality": "中国", "id_type": "1", "id_number": "x", "birth_date": dt.date(1985, 1, 1),
        "ethnicity": "汉族", "political_status": "群众", "work_start": dt.date(2008, 9, 1),
        "school_entry": dt.date(2012, 9, 1), "source": "graduate", "staff_category": "teacher",
        "employment_form": "established", "contract": "1", "it_ability": "good", "status": "100",
        "teaching_stage": "primary"}


def test_a_complete_record_is_100_percent():
    meter = completeness(FULL, educations=1, highest=1, titles=1, full_time=True)
    assert meter.missing == () and meter.percent == 100


def test_missing_fields_and_records_are_named():
    values = {**FULL, "source": "", "it_ability": None}
    meter = completeness(values, educations=0, highest=0, titles=0, full_time=True)
    assert [key for key, _label in meter.missing] == ["source", "it_ability", "education", "title"]
    assert meter.total == 19 and meter.filled == 15 and meter.percent == 79


def test_a_record_without_the_highest_flag_and_staff_without_a_title():
    meter = completeness(FULL, educations=2, highest=0, titles=0, full_time=False)
    assert [key for key, _label in meter.missing] == ["highest"]  # non-teaching staff need no title
    assert meter.total == 18


# ---------------------------------------------------------------- the page
def test_the_teacher_sees_their_own_id_unmasked_and_nobody_elses(client, world):
    from backend.models import AuditEntry

    client.force_login(world.users.teacher)
    page = client.get(reverse("personnel:mine")).content.decode()
    assert world.t1.id_number not in page and mask_id_number(world.t1.id_number) in page  # opened: masked
    page = client.post(reverse("personnel:mine"), {"which": "reveal"}).content.decode()  # asked: shown
    assert world.t1.id_number in page
    assert AuditEntry.objects.get(action="reveal").username == "teacher1"
    assert world.t2.id_number not in page and world.t2.name not in page
    # HR without the identity right sees it masked on their pages
    client.force_login(world.users.school)
    page = client.get(reverse("personnel:teachers")).content.decode()
    assert world.t1.id_number not in page and mask_id_number(world.t1.id_number) in page


def test_the_meter_moves_when_a_degree_is_approved(client, world):
    client.force_login(world.users.teacher)
    page = client.get(reverse("personnel:mine")).content.decode()
    assert 'data-missing="education"' in page and 'data-missing="title"' in page
    EducationRecord.objects.create(teacher=world.t1, education="bachelor", degree="bachelor", is_highest=True)
    TitleAppointment.objects.create(teacher=world.t1, title="erji", appointed_on=dt.date(2012, 9, 1))
    page = client.get(reverse("personnel:mine")).content.decode()
    assert 'data-missing="education"' not in page and 'data-missing="title"' not in page


def test_the_teacher_proposes_a_degree_with_a_pdf_from_the_page(client, world):
    client.force_login(world.users.teacher)
    response = client.post(reverse("personnel:mine"), {
        "which": "education", "education-education": "master", "education-degree": "master",
        "education-study_mode": "part_time", "education-institution": "江苏师范大学", "education-is_highest": "on",
        "education-end": "2022-06-01", "education-evidence": upload("学位证.pdf", PDF), "education-reason": "补录",
    })
    assert response.status_code == 302
    cr = ChangeRequest.objects.get(teacher=world.t1)
    assert cr.status == "school" and cr.kind == "education" and cr.evidence_name == "学位证.pdf"
    assert "硕士研究生" in cr.new_display


def test_a_proposal_with_a_bad_file_or_value_is_refused_in_chinese(client, world):
    client.force_login(world.users.teacher)
    page = client.post(reverse("personnel:mine"), {
        "which": "education", "education-education": "master", "education-degree": "master",
        "education-study_mode": "full_time", "education-end": "2022-06-01",
        "education-evidence": upload("学位证.pdf", b"not a pdf"),
    }).content.decode()
    assert "文件内容不是 PDF" in page
    page = client.post(reverse("personnel:mine"), {"which": "field", "field-field": "on_establishment",
                                                   "field-value": "也许"}).content.decode()
    assert "请填写“是”或“否”" in page
    page = client.post(reverse("personnel:mine"), {"which": "education", "education-education": "associate",
                                                   "education-degree": "master",
                                                   "education-study_mode": "full_time"}).content.decode()
    assert "专科及以下学历不授予学位" in page
    assert ChangeRequest.objects.count() == 0
    page = client.post(reverse("personnel:mine"), {"which": "field", "field-field": "political_status",
                                                   "field-value": "中共党员"})
    assert ChangeRequest.objects.get().new_display == "中共党员"


def test_hr_and_leaders_have_no_own_record_page(client, world):
    client.force_login(world.users.school)
    assert client.get(reverse("personnel:mine")).status_code == 404
