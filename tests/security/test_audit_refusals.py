"""Refusals the probe found missing from the audit trail (issue 12): a 404 for a record outside
the user's scope, a service's "no" shown as a message on a page, and the dashboard's JSON
download. Each is a row a city HR auditor finds: who, from which address, which page, what."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from backend.models import AuditEntry
from core.roles import Role
from tests.factories import SchoolFactory, UserFactory
from tests.training.helpers import log
from training import services as training_services
from workforce import services as wf_services
from workforce.models import Award, EthicsSeverity, ExchangeType, HonourType

pytestmark = pytest.mark.django_db


def denied(user):
    return list(AuditEntry.objects.filter(action="denied", username=user.username).order_by("id"))


def mingshi():
    return HonourType.objects.get(code="gangcheng_mingshi")


# ------------------------------------------------------------------ 404 outside the scope
def _out_of_scope_urls(world):
    """(user, method, url, the record asked for) — each a 404 for a record that exists elsewhere."""
    exchange = wf_services.exchange_record(
        teacher=world.t2, exchange_type=ExchangeType.objects.get(name="交流轮岗"), start=dt.date(2025, 9, 1),
        end=None, to_school=SchoolFactory(district=world.d2), user=world.users.city)  # all in the other district
    record = log(world.t2, world.users.city)
    award = wf_services.award_grant(honour_type=mingshi(), teacher=world.t2, awarded_on=dt.date(2025, 3, 1),
                                    user=world.users.city)
    district_id = UserFactory(username="district_id", role=Role.DISTRICT_HR, district=world.d1, can_view_identity=True)
    return [
        (world.users.school, "get", f"/admin/workforce/teacher/{world.t1b.pk}/change/", world.t1b),
        (world.users.school, "get", f"/admin/workforce/teacher/{world.t1b.pk}/history/", world.t1b),
        (world.users.district, "post", f"/admin/workforce/teacher/{world.t2.pk}/change/", world.t2),
        (world.users.school, "get", f"/training/teachers/{world.t2.pk}/", world.t2),
        (world.users.school, "get", f"/training/records/{record.pk}/edit/", record),
        (world.users.district, "get", f"/workforce/rotation/record/{world.t2.pk}/", world.t2),
        (world.users.district, "post", f"/workforce/honours/awards/{award.pk}/revoke/", award),
        (world.users.district, "post", f"/workforce/rotation/exchanges/{exchange.pk}/end/", exchange),
        (district_id, "post", f"/accounts/reveal/{world.t2.pk}/", world.t2),
    ]


def test_a_404_for_a_record_outside_the_scope_is_recorded(world):
    for user, method, url, asked in _out_of_scope_urls(world):
        client = Client()
        client.force_login(user)
        before = len(denied(user))
        data = {"reason": "核对社保登记信息", "name": "改名"} if method == "post" else None
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 404, url
        rows = denied(user)[before:]
        assert len(rows) == 1, url
        row = rows[0]
        assert row.object_type == asked._meta.label_lower and row.object_id == str(asked.pk), url
        assert url in row.message and method.upper() in row.message and "管理范围" in row.message
        assert row.ip == "127.0.0.1" and row.user_id == user.pk


def test_the_admins_rolled_back_change_view_keeps_the_refusal(client, world):
    """The admin's change view runs in a transaction that a 404 rolls back: the row is written after."""
    client.force_login(world.users.district)
    response = client.post(f"/admin/workforce/teacher/{world.t2.pk}/change/", {"name": "x"})
    assert response.status_code == 404
    assert [r.object_id for r in denied(world.users.district)] == [str(world.t2.pk)]


def test_a_404_for_a_record_that_does_not_exist_is_not_a_refusal(client, world):
    client.force_login(world.users.school)
    for url in ("/admin/workforce/teacher/999999/change/", "/training/teachers/999999/",
                "/admin/workforce/teacher/abc/change/"):
        assert client.get(url).status_code in (404, 302)
    assert denied(world.users.school) == []


def test_the_answer_itself_does_not_change(client, world):
    """Recorded or not, a record elsewhere and no record at all look the same to the user."""
    client.force_login(world.users.school)
    elsewhere = client.get(f"/training/teachers/{world.t2.pk}/")
    missing = client.get("/training/teachers/999999/")
    assert elsewhere.status_code == missing.status_code == 404

    def page(response, pk):
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
        return html.replace(str(pk), "")

    assert page(elsewhere, world.t2.pk) == page(missing, 999999)


# ------------------------------------------------------------------ a service's refusal shown as a message
def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_a_refusal_shown_as_a_message_is_recorded(client, world):
    award = wf_services.award_grant(honour_type=mingshi(), teacher=world.t1, awarded_on=dt.date(2025, 3, 1),
                                    user=world.users.district)
    wf_services.award_revoke(award=award, on=dt.date(2025, 4, 1), reason="师德", user=world.users.district)
    client.force_login(world.users.district)
    response = client.post(f"/workforce/honours/awards/{award.pk}/revoke/",
                           {"reason": "再次撤销", "on": "2025-05-01"}, follow=True)
    assert any("已于 2025-04-01 撤销" in m for m in _messages(response))
    row = denied(world.users.district)[-1]
    assert row.object_type == "workforce.award" and row.object_id == str(award.pk)
    assert "操作被拒绝" in row.message and "已于 2025-04-01 撤销" in row.message
    assert f"/workforce/honours/awards/{award.pk}/revoke/" in row.message


def test_a_training_decision_refused_is_recorded(client, world):
    record = log(world.t1, world.users.teacher)
    training_services.credit_approve(record=record, user=world.users.school)
    client.force_login(world.users.school)
    response = client.post(f"/training/records/{record.pk}/decide/", {"action": "approve"}, follow=True)
    assert any("已审核" in m for m in _messages(response))
    row = denied(world.users.school)[-1]
    assert row.object_type == "training.creditrecord" and row.object_id == str(record.pk) and "已审核" in row.message


def test_a_bulk_approval_refused_is_recorded(client, world):
    theirs = log(world.t1b, world.users.city)  # another school's record
    client.force_login(world.users.school)
    response = client.post("/training/queue/", {"ids": [str(theirs.pk)]}, follow=True)
    assert any("无权审核" in m for m in _messages(response))
    assert "无权审核" in denied(world.users.school)[-1].message


def test_a_veto_refusal_is_recorded_without_the_ethics_details(client, world):
    officer = world.users.city
    officer.can_view_ethics = True
    officer.save()
    wf_services.ethics_case_record(teacher=world.t1, severity=EthicsSeverity.objects.get(name="记过"),
                                   occurred_on=dt.date(2025, 1, 1), decided_on=dt.date(2025, 1, 10), user=officer)
    client.force_login(officer)  # sees the details on the page …
    response = client.post("/workforce/honours/awards/new/", {
        "honour_type": mingshi().pk, "teacher": world.t1.pk, "awarded_on": "2025-06-01"})
    assert "记过" in response.content.decode()
    row = denied(officer)[-1]  # … the trail, read by auditors without the right, does not
    assert "师德一票否决" in row.message and "记过" not in row.message


# ------------------------------------------------------------------ the dashboard's JSON download
@pytest.mark.parametrize("scope", ["city", "district:海州区"])
def test_the_dashboard_json_download_is_audited(client, world, scope):
    client.force_login(world.users.city)
    response = client.get("/workforce/dashboard/measures.json", {"scope": scope})
    assert response.status_code == 200
    row = AuditEntry.objects.get(action="export", username="city")
    assert row.object_type == "workforce.measures" and "JSON" in row.message


# ------------------------------------------------------------------ a teacher found by a full 身份证件号
# Since issue 14 the award form takes the teacher picked from its list (a record number): a typed
# number is never looked up there; searching the list by a full number or a prefix needs the
# identity right (workforce.teacher_search).
def test_the_award_form_does_not_look_up_a_full_number_from_the_address_bar_without_the_right(client, world):
    client.force_login(world.users.district)  # district HR without the identity right
    body = client.get("/workforce/honours/awards/new/", {"teacher": world.t1.id_number}).content.decode()
    assert 'data-test="picked"' not in body
    body = client.get("/workforce/honours/awards/new/", {"q": world.t1.id_number}).content.decode()
    assert 'data-test="pick"' not in body and "没有找到教师" in body
    row = denied(world.users.district)[-1]
    assert "按身份证件号查找教师" in row.message and world.t1.id_number not in row.message
    body = client.get("/workforce/honours/awards/new/", {"teacher": world.t1.pk}).content.decode()
    assert 'data-test="picked">张三<' in body  # the lists' links (record number) still work


def test_an_incomplete_award_form_says_nothing_about_the_number(client, world):
    client.force_login(world.users.district)
    answers = set()
    for number in (world.t1.id_number, world.t2.id_number, "320706198506150000"):
        body = client.post("/workforce/honours/awards/new/", {"teacher": number}).content.decode()
        assert "未找到该教师" not in body and 'data-test="picked"' not in body
        answers.add(body.split('<ul class="messages">')[1].split("</ul>")[0])
    assert len(answers) == 1  # the same answer for a number in scope, out of scope, unknown


def test_a_typed_number_is_never_looked_up_for_an_award(client, world):
    client.force_login(world.users.city)  # even with the identity right
    body = client.post("/workforce/honours/awards/new/", {
        "honour_type": mingshi().pk, "teacher": world.t1.id_number, "awarded_on": "2025-03-01"}).content.decode()
    assert "请从名单中选择教师" in body and not Award.objects.exists()


def test_with_the_right_a_full_number_finds_the_teacher_to_pick(client, world):
    client.force_login(world.users.city)
    body = client.get("/workforce/honours/awards/new/", {"q": world.t1.id_number}).content.decode()
    assert body.count('data-test="pick"') == 1 and f"teacher={world.t1.pk}" in body
