"""Change requests (issue 15, item 1): proposed by a teacher or made by school HR, forwarded,
reviewed up the line, applied with their history — and every refusal."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from backend.models import AuditEntry
from core.roles import Role
from personnel import services
from personnel.models import ChangeRequest, ReviewRule
from tests.factories import SchoolFactory, TeacherFactory, UserFactory
from tests.training.helpers import PDF, upload
from workforce import choices as c
from workforce.models import District, EducationRecord, TitleAppointment

pytestmark = pytest.mark.django_db

Status = ChangeRequest.Status
DEGREE = {"education": "master", "degree": "master", "degree_name": "教育硕士", "study_mode": "part_time",
          "institution": "江苏师范大学", "major": "学科教学", "is_normal_major": True, "is_highest": True,
          "start": dt.date(2019, 9, 1), "end": dt.date(2022, 6, 1)}


def degree_request(world, user=None):
    return services.record_add_request(teacher=world.t1, kind="education", values=dict(DEGREE),
                                       user=user or world.users.teacher, reason="在职研究生毕业",
                                       evidence=upload("学位证.pdf", PDF))


# ---------------------------------------------------------------- the cycle
def test_a_teachers_new_degree_is_forwarded_by_the_school_and_approved_by_the_district(world):
    cr = degree_request(world)
    assert cr.status == Status.AT_SCHOOL and cr.evidence_name == "学位证.pdf"
    assert not EducationRecord.objects.filter(teacher=world.t1).exists()

    services.request_forward(change_request=cr, user=world.users.school)
    cr.refresh_from_db()
    assert cr.status == Status.PENDING and cr.forwarded_by == world.users.school

    services.request_approve(change_request=cr, user=world.users.district)
    cr.refresh_from_db()
    assert cr.status == Status.APPROVED and cr.reviewer == world.users.district and cr.decided_at
    record = EducationRecord.objects.get(teacher=world.t1)
    assert (record.education, record.degree, record.is_highest) == ("master", "master", True)
    # the history: the new record filed under the teacher, naming the request, requester and reviewer
    row = AuditEntry.objects.get(object_type="workforce.teacher", object_id=str(world.t1.pk), action="create")
    assert row.changes["_record"]["type"] == "workforce.educationrecord"
    assert row.changes["_change_request"] == cr.pk
    assert row.changes["_requested_by"] == "teacher1" and row.changes["_approved_by"] == "district1"
    assert row.username == "district1"
    decisions = AuditEntry.objects.filter(object_type="personnel.changerequest", object_id=str(cr.pk))
    assert sorted(decisions.values_list("message", flat=True)) == sorted(
        ["提出档案补充申请", "学校报送档案变更申请", "审核通过档案变更申请"])


def test_a_new_highest_degree_takes_the_flag_from_the_old_one(world):
    old = EducationRecord.objects.create(teacher=world.t1, education="bachelor", degree="bachelor",
                                         is_highest=True, end=dt.date(2008, 6, 1))
    cr = degree_request(world, user=world.users.school)
    assert cr.status == Status.PENDING  # school HR's request goes straight to review
    services.request_approve(change_request=cr, user=world.users.district)
    old.refresh_from_db()
    assert not old.is_highest
    assert EducationRecord.objects.filter(teacher=world.t1, is_highest=True).count() == 1


def test_a_field_change_applies_with_its_history(world):
    cr = services.field_change_request(teacher=world.t1, field="political_status", value="中共党员",
                                       user=world.users.school, reason="入党")
    assert (cr.old_display, cr.new_display) == ("群众", "中共党员")
    services.request_approve(change_request=cr, user=world.users.district)
    world.t1.refresh_from_db()
    assert world.t1.political_status == "中共党员"
    row = AuditEntry.objects.filter(object_type="workforce.teacher", object_id=str(world.t1.pk),
                                    action="update").get()
    assert row.changes["political_status"] == {"label": "政治面貌", "old": "群众", "new": "中共党员"}
    assert row.changes["_change_request"] == cr.pk


def test_a_title_and_an_honour_go_through_the_workforce_services(world):
    from workforce.models import Award, HonourType

    title = services.record_add_request(teacher=world.t1, kind="title", user=world.users.school,
                                        values={"title": "yiji", "appointed_on": dt.date(2021, 9, 1)})
    services.request_approve(change_request=title, user=world.users.district)
    assert TitleAppointment.objects.get(teacher=world.t1).title == "yiji"
    honour_type = HonourType.objects.filter(is_team=False, level="city").first()
    honour = services.record_add_request(teacher=world.t1, kind="honour", user=world.users.school,
                                         values={"honour_type": honour_type, "awarded_on": dt.date(2023, 9, 10),
                                                 "awarding_body": "连云港市教育局"})
    services.request_approve(change_request=honour, user=world.users.district)
    award = Award.objects.get(teacher=world.t1)
    assert award.honour_type == honour_type and award.school_at_award == world.s1


def test_the_requester_sees_a_returned_request_with_its_reason(client, world):
    cr = degree_request(world)
    services.request_forward(change_request=cr, user=world.users.school)
    services.request_return(change_request=cr, reason="学位证书照片不清楚", user=world.users.district)
    client.force_login(world.users.teacher)
    page = client.get(reverse("personnel:mine")).content.decode()
    assert "已退回" in page and "学位证书照片不清楚" in page
    assert not EducationRecord.objects.filter(teacher=world.t1).exists()


# ---------------------------------------------------------------- refusals
def test_refused_out_of_scope(world):
    cr = degree_request(world, user=world.users.school)
    with pytest.raises(PermissionDenied):
        services.request_approve(change_request=cr, user=world.users.district2)
    with pytest.raises(PermissionDenied):  # school HR does not review
        services.request_approve(change_request=cr, user=world.users.school)
    other_school = UserFactory(username="school_other", role=Role.SCHOOL_HR, school=world.s2)
    with pytest.raises(PermissionDenied):
        services.field_change_request(teacher=world.t1, field="subject", value="数学", user=other_school)
    cr.refresh_from_db()
    assert cr.status == Status.PENDING


def test_refused_once_decided(world):
    cr = degree_request(world, user=world.users.school)
    services.request_approve(change_request=cr, user=world.users.district)
    with pytest.raises(ValidationError, match="已通过，不能再审核"):
        services.request_approve(change_request=cr, user=world.users.city)
    with pytest.raises(ValidationError, match="不能再审核"):
        services.request_return(change_request=cr, reason="x", user=world.users.city)
    assert EducationRecord.objects.filter(teacher=world.t1).count() == 1


def test_refused_for_ones_own_request(world):
    cr = degree_request(world, user=world.users.district)
    with pytest.raises(ValidationError, match="不能审核本人提出"):
        services.request_approve(change_request=cr, user=world.users.district)
    assert ChangeRequest.objects.get(pk=cr.pk).status == Status.PENDING
    services.request_approve(change_request=cr, user=world.users.city)  # another reviewer may
    assert EducationRecord.objects.filter(teacher=world.t1).exists()


def test_refused_a_request_not_yet_forwarded(world):
    cr = degree_request(world)
    with pytest.raises(ValidationError, match="尚未由学校报送"):
        services.request_approve(change_request=cr, user=world.users.district)


def test_stale_request_is_refused_when_the_field_changed_since(world):
    cr = services.field_change_request(teacher=world.t1, field="subject", value="数学", user=world.users.school)
    world.t1.subject = "英语"
    world.t1.save()
    with pytest.raises(ValidationError, match="已被修改"):
        services.request_approve(change_request=cr, user=world.users.district)


def test_city_schools_are_reviewed_by_city_hr_only(world):
    city_district = District.objects.get(kind=c.DistrictKind.CITY)
    school = SchoolFactory(district=city_district, name="市直实验学校")
    teacher = TeacherFactory(school=school)
    officer = UserFactory(username="shizhi", role=Role.DISTRICT_HR, district=city_district)
    cr = services.field_change_request(teacher=teacher, field="subject", value="物理", user=world.users.city)
    with pytest.raises(PermissionDenied):
        services.request_approve(change_request=cr, user=officer)
    other = UserFactory(username="city2", role=Role.CITY_HR)
    services.request_approve(change_request=cr, user=other)
    teacher.refresh_from_db()
    assert teacher.subject == "物理"


def test_school_hr_edits_reviewed_fields_as_requests_and_others_directly(world):
    assert ReviewRule.objects.get(key="political_status").needs_review
    assert not ReviewRule.objects.get(key="subject").needs_review
    applied, made = services.teacher_edit(teacher=world.t1, changes={"subject": "美术", "political_status": "中共党员"},
                                          user=world.users.school)
    world.t1.refresh_from_db()
    assert applied == ["subject"] and world.t1.subject == "美术"
    assert [r.field for r in made] == ["political_status"] and world.t1.political_status == "群众"
    # city HR makes a field reviewed: the next school edit of it becomes a request
    ReviewRule.objects.filter(key="subject").update(needs_review=True)
    applied, made = services.teacher_edit(teacher=world.t1, changes={"subject": "音乐"}, user=world.users.school)
    assert applied == [] and made[0].field == "subject"
    # district HR edits directly
    applied, made = services.teacher_edit(teacher=world.t1, changes={"ethnicity": "回族"}, user=world.users.district)
    assert applied == ["ethnicity"] and made == []


def test_refused_values_the_record_cannot_hold(world):
    with pytest.raises(ValidationError):
        services.field_change_request(teacher=world.t1, field="teaching_stage", value="senior",
                                      user=world.users.school)
    with pytest.raises(ValidationError, match="已有一项待审核"):
        services.field_change_request(teacher=world.t1, field="subject", value="数学", user=world.users.school)
        services.field_change_request(teacher=world.t1, field="subject", value="化学", user=world.users.school)


# ---------------------------------------------------------------- pages
def test_pages_cut_to_scope_and_refusals_audited(client, world):
    cr = degree_request(world, user=world.users.school)
    client.force_login(world.users.district2)
    assert client.get(reverse("personnel:request", args=[cr.pk])).status_code == 404
    assert AuditEntry.objects.filter(action="denied", object_id=str(cr.pk)).exists()
    response = client.post(reverse("personnel:request_decide", args=[cr.pk]), {"action": "approve"})
    assert response.status_code == 404
    client.force_login(world.users.district)
    client.post(reverse("personnel:request_decide", args=[cr.pk]), {"action": "approve"})
    assert ChangeRequest.objects.get(pk=cr.pk).status == Status.APPROVED
    # approving again from the page: refused with a reason, in the audit trail
    response = client.post(reverse("personnel:request_decide", args=[cr.pk]), {"action": "approve"}, follow=True)
    assert "不能再审核" in response.content.decode()
    assert AuditEntry.objects.filter(action="denied", message__contains="不能再审核").exists()


def test_a_decision_the_form_refuses_is_answered_in_chinese_and_changes_nothing(client, world):
    """An unknown action or an overlong reason posted to the decide page: the reviewer reads why,
    and the request still waits for review."""
    cr = degree_request(world, user=world.users.school)
    client.force_login(world.users.district)
    url = reverse("personnel:request_decide", args=[cr.pk])
    page = client.post(url, {"action": "delete"}, follow=True).content.decode()
    assert "未知操作" in page
    page = client.post(url, {"action": "return", "reason": "原" * 301}, follow=True).content.decode()
    assert "300" in page  # Django's own message: at most 300 characters
    assert ChangeRequest.objects.get(pk=cr.pk).status == Status.PENDING


def test_evidence_only_to_the_teacher_and_hr_in_scope(client, world):
    cr = degree_request(world)
    url = reverse("personnel:request_evidence", args=[cr.pk])
    for user, status in [(world.users.teacher, 200), (world.users.school, 200), (world.users.district, 200),
                         (world.users.district2, 404), (world.users.leader, 404)]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user.username
        if status == 200:
            assert b"".join(response.streaming_content) == PDF


def test_the_request_list_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for i in range(3):
        teacher = TeacherFactory(school=world.s1)
        services.field_change_request(teacher=teacher, field="subject", value=f"科目{i}", user=world.users.school)
    client.force_login(world.users.district)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("personnel:requests")).status_code == 200
    for i in range(30):
        teacher = TeacherFactory(school=world.s1b)
        services.field_change_request(teacher=teacher, field="subject", value=f"学科{i}", user=world.users.city)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("personnel:requests"))
    assert page.content.decode().count('data-request="') == 33


def test_the_request_list_searches_by_last_four_and_filters_by_status(client, world):
    a = services.field_change_request(teacher=world.t1, field="subject", value="数学", user=world.users.city)
    b = services.field_change_request(teacher=world.t2, field="subject", value="化学", user=world.users.city)
    services.request_approve(change_request=b, user=world.users.district2)
    client.force_login(world.users.city)
    page = client.get(reverse("personnel:requests"), {"q": world.t1.id_number[-4:]}).content.decode()
    assert f'data-request="{a.pk}"' in page and f'data-request="{b.pk}"' not in page
    page = client.get(reverse("personnel:requests"), {"status": "approved"}).content.decode()
    assert f'data-request="{b.pk}"' in page and f'data-request="{a.pk}"' not in page
    page = client.get(reverse("personnel:requests"), {"district": world.d2.pk}).content.decode()
    assert f'data-request="{b.pk}"' in page and f'data-request="{a.pk}"' not in page
    # a full ID is a key to the masked part: refused without the identity right
    client.force_login(world.users.district)
    page = client.get(reverse("personnel:requests"), {"q": world.t1.id_number}).content.decode()
    assert f'data-request="{a.pk}"' not in page and "按身份证件号查找须有" in page
