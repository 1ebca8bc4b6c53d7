"""Revealing a full 身份证件号, the audit search for city HR, audited admin writes, error pages."""
import datetime as dt
import logging

import pytest
from django.test import Client

from backend import audit
from core.masking import MaskIdentityFilter
from backend.models import AuditEntry, User
from core.roles import Role
from tests.factories import TeacherFactory, UserFactory
from tests.security.html import form_fields

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ reveal
def test_reveal_needs_a_reason_and_is_logged_with_it(client, world):
    client.force_login(world.users.city)
    url = f"/accounts/reveal/{world.t2.pk}/"
    page = client.get(url).content.decode()
    assert world.t2.masked_id_number in page and world.t2.id_number not in page
    refused = client.post(url, {"reason": " "})
    assert refused.status_code == 400 and world.t2.id_number not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="reveal").exists()

    shown = client.post(url, {"reason": "核对社保登记信息"})
    assert shown.status_code == 200 and world.t2.id_number in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    row = AuditEntry.objects.get(action="reveal")
    assert (row.username, row.object_id, row.ip) == ("city", str(world.t2.pk), "127.0.0.1")
    assert "核对社保登记信息" in row.message
    assert world.t2.id_number not in row.object_repr  # the trail itself holds it masked


def test_reveal_answers_json_for_pages_that_ask(client, world):
    client.force_login(world.users.city)
    response = client.post(f"/accounts/reveal/{world.t1.pk}/", {"reason": "办理职称评审"},
                           HTTP_ACCEPT="application/json")
    assert response.json()["id_number"] == world.t1.id_number


def test_reveal_is_refused_without_the_right_even_for_city_hr(client, world):
    plain_city = UserFactory(username="city_plain", role=Role.CITY_HR, can_view_identity=False)
    client.force_login(plain_city)
    assert client.post(f"/accounts/reveal/{world.t1.pk}/", {"reason": "核对信息一下"}).status_code == 403


def test_a_leader_with_the_flag_still_cannot_reveal(client, world):
    leader = UserFactory(username="leader_flag", role=Role.LEADER, can_view_identity=True)
    client.force_login(leader)
    assert client.post(f"/accounts/reveal/{world.t1.pk}/", {"reason": "核对信息一下"}).status_code == 403


# ------------------------------------------------------------------ audit search
def _entries(world, n):
    audit.record_many(audit.entry(audit.UPDATE, user=world.users.school, obj=world.t1,
                                  changes={"name": {"label": "姓名", "old": f"旧{i}", "new": "张三"}}) for i in range(n))


def test_city_hr_searches_by_user_action_object_and_date(client, world):
    _entries(world, 3)
    audit.record(audit.EXPORT, user=world.users.district, object_type="workforce.dashboard", message="导出看板")
    client.force_login(world.users.city)
    body = client.get("/accounts/audit/", {"user": "school1"}).content.decode()
    assert "姓名：旧0 → 张三" in body and "导出看板" not in body
    body = client.get("/accounts/audit/", {"action": "export"}).content.decode()
    assert "导出看板" in body and "旧0" not in body
    body = client.get("/accounts/audit/", {"object": str(world.t1.pk)}).content.decode()
    assert "旧2" in body and "导出看板" not in body
    today = dt.date.today()
    assert "旧1" in client.get("/accounts/audit/", {"date_from": today, "date_to": today}).content.decode()
    assert "旧1" not in client.get("/accounts/audit/", {"date_to": today - dt.timedelta(days=2)}).content.decode()


def test_audit_search_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    client.force_login(world.users.city)
    _entries(world, 3)
    with django_assert_max_num_queries(8):
        assert client.get("/accounts/audit/").status_code == 200
    _entries(world, 120)
    with django_assert_max_num_queries(8):
        assert client.get("/accounts/audit/", {"page": 2}).status_code == 200


# ------------------------------------------------------------------ audited admin writes
def _admin_form(client, url, form_id):
    return form_fields(client.get(url).content.decode(), form_id)


def test_changing_an_id_number_is_audited_masked(client, world):
    client.force_login(world.users.city)
    old_id = world.t1.id_number
    new = TeacherFactory.build(birth_date=world.t1.birth_date, sex=world.t1.sex)
    url = f"/admin/workforce/teacher/{world.t1.pk}/change/"
    data = _admin_form(client, url, "teacher_form")
    data.update({"new_id_number": new.id_number, "_save": "1"})  # the correction field: the form never echoes the ID
    assert client.post(url, data).status_code == 302
    row = AuditEntry.objects.get(action="update", object_id=str(world.t1.pk))
    text = str(row.changes)
    assert old_id not in text and new.id_number not in text
    assert row.changes["id_number"]["old"] == old_id[:6] + "********" + old_id[-4:]
    assert row.source == "admin"


def test_inline_sub_records_are_filed_under_the_teacher(client, world):
    # district HR: a school adds a 学习经历 through a change request (personnel, issue 15)
    client.force_login(world.users.district)
    url = f"/admin/workforce/teacher/{world.t1.pk}/change/"
    data = _admin_form(client, url, "teacher_form")
    prefix = next(k[:-len("-TOTAL_FORMS")] for k in data if k.endswith("-TOTAL_FORMS") and "education" in k)
    data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-0-education": "bachelor", f"{prefix}-0-degree": "master",
                 f"{prefix}-0-study_mode": "full_time", f"{prefix}-0-is_highest": "on", "_save": "1"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = AuditEntry.objects.get(action="create", object_type="workforce.teacher", object_id=str(world.t1.pk))
    assert row.changes["_record"]["type"] == "workforce.educationrecord"
    assert row.username == "district1"


def test_role_and_right_changes_are_audited(client, world):
    client.force_login(world.users.city)
    target = world.users.district
    url = f"/admin/backend/user/{target.pk}/change/"
    data = _admin_form(client, url, "user_form")
    data.update({"can_view_identity": "on", "_save": "1"})
    assert client.post(url, data).status_code == 302
    row = AuditEntry.objects.get(action="role_change", object_id=str(target.pk))
    assert row.changes["can_view_identity"]["new"] is True
    assert "password" not in row.changes


def test_city_hr_cannot_edit_a_superuser_or_grant_superuser(client, world):
    boss = User.objects.create_superuser("root", password="Root-pass-2025", role=Role.CITY_HR)
    client.force_login(world.users.city)
    page = _admin_form(client, f"/admin/backend/user/{boss.pk}/change/", "user_form")
    assert "is_superuser" not in page
    assert client.post(f"/admin/backend/user/{boss.pk}/change/", {"username": "root"}).status_code == 403
    url = f"/admin/backend/user/{world.users.district.pk}/change/"
    data = _admin_form(client, url, "user_form")
    data.update({"is_superuser": "on", "_save": "1"})
    client.post(url, data)
    world.users.district.refresh_from_db()
    assert not world.users.district.is_superuser


# ------------------------------------------------------------------ errors and logs
ID = "320706198506150011"


def test_log_lines_never_hold_a_full_id(world):
    import io

    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, MaskIdentityFilter) for f in h.filters))
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    try:
        logging.getLogger("django.request").error("导入失败：%s", ID)
        try:
            raise ValueError(f'duplicate key (id_number)=({ID})')
        except ValueError:
            logging.getLogger("imports").exception("行 3 出错 %s", ID)
    finally:
        handler.setStream(old)
    text = buffer.getvalue()
    assert ID not in text
    assert "320706********0011" in text and "duplicate key" in text


def test_error_pages_are_chinese_and_show_no_data(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users.school)
    missing = client.get(f"/admin/workforce/teacher/{world.t2.pk}/change/")
    assert missing.status_code == 404 and "不在您的管理范围内" in missing.content.decode()
    assert world.t2.name not in missing.content.decode()
    refused = client.get("/accounts/audit/")
    assert refused.status_code == 403 and "无权访问" in refused.content.decode()


@pytest.mark.urls("tests.security.boom_urls")
def test_server_error_page_shows_nothing_of_the_failure(world):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500 and "系统错误" in body
    assert ID not in body and "Traceback" not in body


def test_ethics_changes_in_the_trail_need_the_ethics_right(client, world):
    from workforce.models import EthicsCase, EthicsSeverity

    severity = EthicsSeverity.objects.first() or EthicsSeverity.objects.create(name="一般", ban_months=12)
    case = EthicsCase(teacher=world.t2, severity=severity, occurred_on=dt.date(2025, 3, 1),
                      decided_on=dt.date(2025, 4, 1), substantiated=True)
    audit.record(audit.CREATE, user=world.users.city, obj=case, parent=world.t2,
                 changes={"description": {"label": "事实", "new": "机密的师德事实"}})
    client.force_login(world.users.city)  # city HR without can_view_ethics
    body = client.get("/accounts/audit/").content.decode()
    assert "机密的师德事实" not in body and "需查看师德档案的权限" in body
    world.users.city.can_view_ethics = True
    world.users.city.save()
    assert "机密的师德事实" in client.get("/accounts/audit/").content.decode()


def test_the_audit_admin_hides_ethics_changes_too(client, world):
    row = audit.record(audit.UPDATE, user=world.users.city, object_type="workforce.ethicscase", object_id="1",
                       changes={"description": {"label": "事实", "new": "机密的师德事实"}})
    client.force_login(world.users.city)
    body = client.get(f"/admin/backend/auditentry/{row.pk}/change/").content.decode()
    assert "机密的师德事实" not in body
    world.users.city.can_view_ethics = True
    world.users.city.save()
    assert "机密的师德事实" in client.get(f"/admin/backend/auditentry/{row.pk}/change/").content.decode()
