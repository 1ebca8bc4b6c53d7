"""Writes: logging, duplicates, locking, decisions, evidence checks, enrolment, provider lists."""
import datetime as dt
import os
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from backend.models import AuditEntry
from tests.factories import TeacherFactory
from training import services
from training.models import CreditDecision, CreditRecord, Programme, ProgrammeEnrolment
from workforce.models import Teacher

from .helpers import JPEG, PDF, PNG, log, upload

pytestmark = pytest.mark.django_db
Status = CreditRecord.Status


# ---------------------------------------------------------------- logging
def test_a_teacher_logs_a_record_that_waits_for_approval(world):
    record = log(world.t1, world.users.teacher, evidence=upload())
    assert record.status == Status.PENDING and record.source == CreditRecord.Source.SELF
    assert record.created_by == world.users.teacher
    assert AuditEntry.objects.filter(object_type="training.creditrecord", object_id=str(record.pk)).exists()


def test_the_year_comes_from_the_dates_and_must_agree_with_them(world):
    record = log(world.t1, world.users.teacher, year=None, start=dt.date(2025, 12, 28), end=dt.date(2026, 1, 3))
    assert record.year == 2026
    with pytest.raises(ValidationError) as error:
        log(world.t1, world.users.teacher, title="另一次", year=2024, end=dt.date(2025, 3, 1))
    assert "year" in error.value.error_dict


def test_a_teacher_cannot_log_for_another_teacher_and_a_leader_logs_nothing(world):
    with pytest.raises(PermissionDenied):
        log(world.t2, world.users.teacher)
    with pytest.raises(PermissionDenied):
        log(world.t1, world.users.leader)
    with pytest.raises(PermissionDenied):  # school HR: only its own school
        log(world.t1b, world.users.school)
    assert log(world.t1, world.users.school).status == Status.PENDING


def test_records_imported_by_hr_count_as_approved(world):
    record = log(world.t1, world.users.school, source=CreditRecord.Source.IMPORT)
    assert record.status == Status.APPROVED and record.decided_by == world.users.school
    assert record.decisions.get().status == Status.APPROVED
    with pytest.raises(PermissionDenied):
        log(world.t1, world.users.teacher, title="自称导入", source=CreditRecord.Source.IMPORT)


# ---------------------------------------------------------------- duplicates
def test_the_same_programme_twice_for_one_teacher_is_refused(world):
    programme = Programme.objects.create(name="市级骨干教师研修", level="city", mode="short_face", hours=D(40))
    first = services.credit_log(teacher=world.t1, user=world.users.teacher, programme=programme, year=2024)
    assert (first.title, first.hours, first.level) == ("市级骨干教师研修", D(40), "city")
    with pytest.raises(ValidationError) as error:
        services.credit_log(teacher=world.t1, user=world.users.teacher, programme=programme, year=2024)
    assert "programme" in error.value.error_dict
    # another teacher may log it
    services.credit_log(teacher=world.t1b, user=world.users.city,
                        programme=programme, year=2024)


def test_the_same_free_text_title_in_the_same_year_is_refused_unless_rejected(world):
    first = log(world.t1, world.users.teacher, title="信息技术 2.0 研修")
    with pytest.raises(ValidationError):
        log(world.t1, world.users.teacher, title="信息技术2.0研修")
    log(world.t1, world.users.teacher, title="信息技术 2.0 研修", year=2023)  # another year is another training
    services.credit_reject(record=first, user=world.users.school, reason="证书不清晰")
    log(world.t1, world.users.teacher, title="信息技术 2.0 研修")  # logged again after a rejection


# ---------------------------------------------------------------- decisions and locking
def test_approval_is_recorded_and_locks_the_record(world):
    record = log(world.t1, world.users.teacher)
    services.credit_approve(record=record, user=world.users.school)
    record.refresh_from_db()
    assert record.status == Status.APPROVED and record.decided_by == world.users.school and record.decided_at
    decision = CreditDecision.objects.get(record=record)
    assert (decision.status, decision.decided_by) == (Status.APPROVED, world.users.school)
    with pytest.raises(ValidationError, match="锁定"):
        services.credit_update(record=record, user=world.users.teacher, hours=D(99))
    with pytest.raises(ValidationError, match="锁定"):
        services.credit_delete(record=record, user=world.users.teacher)
    with pytest.raises(ValidationError, match="锁定"):  # HR cannot change it either
        services.credit_update(record=record, user=world.users.city, hours=D(99))
    with pytest.raises(ValidationError):
        services.credit_approve(record=record, user=world.users.school)
    record.refresh_from_db()
    assert record.hours == D(24) and CreditDecision.objects.filter(record=record).count() == 1


def test_rejection_needs_a_reason_and_the_teacher_corrects_and_resubmits(world):
    record = log(world.t1, world.users.teacher)
    with pytest.raises(ValidationError):
        services.credit_reject(record=record, user=world.users.school, reason="  ")
    services.credit_reject(record=record, user=world.users.school, reason="学时与证书不符")
    record.refresh_from_db()
    assert record.status == Status.REJECTED and record.decision_reason == "学时与证书不符"
    services.credit_update(record=record, user=world.users.teacher, hours=D(12))
    record.refresh_from_db()
    assert (record.status, record.hours, record.decision_reason) == (Status.PENDING, D(12), "")
    assert list(record.decisions.values_list("status", "reason")) == [(Status.REJECTED, "学时与证书不符")]


def test_pending_records_can_be_deleted_by_their_teacher_only(world):
    record = log(world.t1, world.users.teacher)
    other = TeacherFactory(school=world.s1)
    from tests.factories import UserFactory
    other_user = UserFactory(role="teacher", teacher=other)
    with pytest.raises(PermissionDenied):
        services.credit_delete(record=record, user=other_user)
    services.credit_delete(record=record, user=world.users.teacher)
    assert not CreditRecord.objects.filter(pk=record.pk).exists()


def test_who_decides(world):
    own = log(world.t1, world.users.teacher)
    with pytest.raises(PermissionDenied):  # another district
        services.credit_approve(record=own, user=world.users.district2)
    with pytest.raises(PermissionDenied):  # a leader reads only
        services.credit_approve(record=own, user=world.users.leader)
    with pytest.raises(PermissionDenied):  # a teacher never
        services.credit_approve(record=own, user=world.users.teacher)
    other_school = log(world.t1b, world.users.city)
    with pytest.raises(PermissionDenied):  # another school of the same district
        services.credit_approve(record=other_school, user=world.users.school)
    district_programme = Programme.objects.create(name="海州区班主任培训", level="county", mode="short_face",
                                                  hours=D(30), district=world.d1)
    of_district = services.credit_log(teacher=world.t1, user=world.users.teacher, programme=district_programme,
                                      year=2024)
    with pytest.raises(PermissionDenied):  # the district approves its own programmes
        services.credit_approve(record=of_district, user=world.users.school)
    services.credit_approve(record=of_district, user=world.users.district)
    services.credit_approve(record=other_school, user=world.users.district)
    services.credit_approve(record=own, user=world.users.city)


def test_bulk_approval_is_all_or_nothing(world):
    mine = [log(world.t1, world.users.teacher, title=f"研修{i}") for i in range(5)]
    foreign = log(world.t2, world.users.city)
    with pytest.raises(PermissionDenied):
        services.credit_bulk_approve(record_ids=[r.pk for r in mine] + [foreign.pk], user=world.users.school)
    assert not CreditRecord.objects.approved().exists()
    assert services.credit_bulk_approve(record_ids=[r.pk for r in mine], user=world.users.school) == 5
    assert CreditRecord.objects.approved().count() == 5
    assert CreditDecision.objects.filter(decided_by=world.users.school).count() == 5
    with pytest.raises(ValidationError):  # decided already
        services.credit_bulk_approve(record_ids=[mine[0].pk], user=world.users.school)


def test_bulk_approval_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    from training import selectors

    ids = [log(world.t1, world.users.teacher, title=f"研修{i}", hours=10).pk for i in range(30)]
    left = log(world.t1, world.users.teacher, title="未选", hours=10)  # not selected: stays pending
    on = dt.date(2024, 6, 1)
    before = selectors.teacher_progress(world.t1, on)
    assert (before.countable, before.pending, before.on_track) == (D(0), D(310), False)
    with django_assert_max_num_queries(8):
        assert services.credit_bulk_approve(record_ids=ids, user=world.users.school) == 30
    # the 30 records: approved by the school officer, each with its decision and its audit row
    records = CreditRecord.objects.filter(pk__in=ids)
    assert set(records.values_list("status", "decided_by", "decision_reason")) == {
        (Status.APPROVED, world.users.school.pk, "")}
    assert not records.filter(decided_at__isnull=True).exists()
    decisions = CreditDecision.objects.filter(record_id__in=ids)
    assert sorted(decisions.values_list("record_id", flat=True)) == sorted(ids)
    assert set(decisions.values_list("status", "decided_by", "reason")) == {
        (Status.APPROVED, world.users.school.pk, "批量通过")}
    assert AuditEntry.objects.filter(object_type="training.creditrecord", object_id__in=[str(i) for i in ids],
                                     action=AuditEntry.Action.UPDATE, username="school1").count() == 30
    left.refresh_from_db()
    assert (left.status, left.decided_by) == (Status.PENDING, None)
    assert [r.pk for r in selectors.approval_queue(world.users.school)] == [left.pk]
    # what the teacher sees: 30 × 10 = 300 学时 approved, 10 pending. Cycle 2021-01-01 … 2025-12-31
    # (1826 days); 2024-06-01 is day 1248, so on track from 360 × 1248 / 1826 = 246.05 → 246.1 学时
    after = selectors.teacher_progress(world.t1, on)
    assert (after.approved, after.countable, after.pending) == (D(300), D(300), D(10))
    assert (after.on_track, after.complete, after.shortfall, after.behind_by) == (True, False, D(60), D(0))
    assert after.percent == pytest.approx(300 / 360 * 100)


# ---------------------------------------------------------------- evidence
@pytest.mark.parametrize("name, content", [("证书.pdf", PDF), ("证书.PNG", PNG), ("证书.jpeg", JPEG), ("证书.jpg", JPEG)])
def test_pdf_and_images_are_accepted_and_stored_privately_under_a_random_name(world, name, content, settings):
    record = log(world.t1, world.users.teacher, evidence=upload(name, content))
    stored = record.evidence.name
    assert stored.startswith("evidence/") and "证书" not in stored and len(os.path.basename(stored)) >= 36
    assert record.evidence_name == name
    path = record.evidence.path
    assert path.startswith(os.path.join(str(settings.MEDIA_ROOT), "private"))
    with open(path, "rb") as handle:
        assert handle.read() == content
    with pytest.raises(ValueError):
        record.evidence.url  # noqa: B018 - no public URL exists


@pytest.mark.parametrize("name, content, code", [
    ("证书.pdf", b"<html><script>alert(1)</script></html>", "content"),  # renamed HTML
    ("证书.pdf", PNG, "mismatch"),  # an image called .pdf
    ("证书.exe", PDF, "extension"),
    ("证书.docx", b"PK\x03\x04", "extension"),
    ("证书.pdf", b"", "empty"),
])
def test_evidence_is_checked_by_content_not_just_the_extension(world, name, content, code):
    with pytest.raises(ValidationError) as error:
        log(world.t1, world.users.teacher, evidence=upload(name, content))
    assert error.value.code == code
    assert not CreditRecord.objects.exists()


def test_evidence_over_the_size_limit_is_refused(world):
    with override_settings(EVIDENCE_MAX_BYTES=1024):
        with pytest.raises(ValidationError, match="不能超过"):
            log(world.t1, world.users.teacher, evidence=upload("证书.pdf", PDF + b"0" * 2000))
        log(world.t1, world.users.teacher, evidence=upload("证书.pdf", PDF))


# ---------------------------------------------------------------- catalogue
def test_enrolment_once_within_capacity_and_district(world):
    programme = services.programme_publish(user=world.users.district, name="海州区新教师培训", level="county",
                                           mode="short_face", hours=D(24), capacity=1)
    assert programme.district == world.d1
    services.programme_enrol(programme=programme, teacher=world.t1, user=world.users.teacher)
    with pytest.raises(ValidationError, match="已报名"):
        services.programme_enrol(programme=programme, teacher=world.t1, user=world.users.teacher)
    with pytest.raises(ValidationError, match="名额已满"):
        services.programme_enrol(programme=programme, teacher=world.t1b, user=world.users.city)
    with pytest.raises(ValidationError, match="只面向"):
        services.programme_enrol(programme=programme, teacher=world.t2, user=world.users.city)
    with pytest.raises(PermissionDenied):
        services.programme_enrol(programme=programme, teacher=world.t1b, user=world.users.teacher)
    assert ProgrammeEnrolment.objects.count() == 1


def test_who_publishes(world):
    with pytest.raises(PermissionDenied):
        services.programme_publish(user=world.users.school, name="x", level="school", mode="other", hours=D(1))
    with pytest.raises(PermissionDenied):
        services.programme_publish(user=world.users.teacher, name="x", level="school", mode="other", hours=D(1))
    city = services.programme_publish(user=world.users.city, name="市级", level="city", mode="online", hours=D(10))
    assert city.district is None
    # a district officer cannot publish for another district
    other = services.programme_publish(user=world.users.district, name="冒名", level="county", mode="online",
                                       hours=D(10), district=world.d2)
    assert other.district == world.d1


def test_a_provider_list_credits_attendees(world):
    programme = Programme.objects.create(name="省级网络研修", level="provincial", mode="online", hours=D(50),
                                         start=dt.date(2024, 3, 1), end=dt.date(2024, 6, 30))
    pending = services.credit_log(teacher=world.t1, user=world.users.teacher, programme=programme)
    report = services.provider_list_credit(programme=programme, teachers=[world.t1, world.t1b, world.t2],
                                           user=world.users.district, run_ref="run-1")
    assert (report["created"], report["approved"], [t.pk for t in report["refused"]]) == (1, 1, [world.t2.pk])
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED
    created = CreditRecord.objects.get(teacher=world.t1b, programme=programme)
    assert (created.status, created.source, created.year, created.hours) == (
        Status.APPROVED, CreditRecord.Source.PROVIDER, 2024, D(50))
    assert CreditDecision.objects.filter(record__programme=programme).count() == 2
    again = services.provider_list_credit(programme=programme, teachers=[world.t1, world.t1b], user=world.users.city)
    assert (again["created"], again["approved"], again["unchanged"]) == (0, 0, 2)
    with pytest.raises(PermissionDenied):
        services.provider_list_credit(programme=programme, teachers=[world.t1], user=world.users.school)


def test_national_sheet_rows_import_as_approved_in_bulk(world, django_assert_max_num_queries):
    log(world.t1, world.users.teacher, title="已有的培训", year=2023)
    rows = [
        {"teacher": world.t1, "title": "国培计划", "level": "national", "mode": "online", "hours": D(50), "year": 2022},
        {"teacher": world.t1, "title": "已有的培训", "level": "city", "mode": "online", "hours": D(10), "year": 2023},
        {"teacher": world.t1, "title": "国培 计划", "level": "national", "mode": "online", "hours": D(50), "year": 2022},
        {"teacher": world.t2, "title": "外区", "level": "city", "mode": "online", "hours": D(10), "year": 2022},
        {"teacher": world.t1, "title": "坏行", "level": "星级", "mode": "online", "hours": D(10), "year": 2022},
        {"teacher": world.t1, "title": "地市级", "level": "city", "mode": "other", "hours": D(8), "year": 2021},
    ]
    with django_assert_max_num_queries(8):
        report = services.credit_import_rows(rows=rows, user=world.users.district, run_ref="run-7")
    assert report["created"] == 2
    assert [i for i, _ in report["duplicates"]] == [1, 2]
    assert [i for i, _ in report["errors"]] == [3, 4] and "培训类别" in report["errors"][1][1]
    imported = CreditRecord.objects.filter(source=CreditRecord.Source.IMPORT)
    assert set(imported.values_list("status", flat=True)) == {Status.APPROVED}
    assert CreditDecision.objects.filter(record__in=imported).count() == 2
    with pytest.raises(PermissionDenied):
        services.credit_import_rows(rows=rows, user=world.users.teacher)


# ---------------------------------------------------------------- the audit trail (backend.audit)
def _trail(record):
    return AuditEntry.objects.filter(object_type="training.creditrecord", object_id=str(record.pk)).order_by("pk")


def test_every_write_of_a_record_leaves_a_masked_audit_row(world):
    record = log(world.t1, world.users.teacher, evidence=upload("我的证书.pdf"))
    created = _trail(record).get()
    assert created.action == AuditEntry.Action.CREATE and created.username == world.users.teacher.username
    assert created.changes["evidence_name"]["new"] == "我的证书.pdf" and "evidence" not in created.changes
    assert world.t1.id_number not in created.object_repr and world.t1.id_number not in str(created.changes)
    services.credit_reject(record=record, user=world.users.school, reason="证明不清")
    services.credit_update(record=record, user=world.users.teacher, hours=D(30))
    services.credit_approve(record=record, user=world.users.school)
    rejected, updated, approved_row = _trail(record)[1:]
    assert rejected.changes["status"]["new"] == "已退回" and rejected.changes["decision_reason"]["new"] == "证明不清"
    assert (D(updated.changes["hours"]["old"]), D(updated.changes["hours"]["new"])) == (D(24), D(30))
    assert updated.changes["status"]["new"] == "待审核"
    assert approved_row.username == world.users.school.username and approved_row.changes["status"]["new"] == "已通过"


def test_bulk_paths_write_one_audit_row_per_record(world):
    mine = [log(world.t1, world.users.teacher, title=f"研修{i}") for i in range(3)]
    services.credit_bulk_approve(record_ids=[r.pk for r in mine], user=world.users.school)
    for r in mine:
        assert _trail(r).filter(action=AuditEntry.Action.UPDATE, changes__status__new="已通过").count() == 1
    rows = [{"teacher": world.t1, "title": f"国培{i}", "level": "national", "mode": "online", "hours": D(5),
             "year": 2022} for i in range(2)]
    services.credit_import_rows(rows=rows, user=world.users.district, run_ref="run-9")
    imported = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, run_ref="run-9", source="import")
    assert sorted(imported.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in CreditRecord.objects.filter(source=CreditRecord.Source.IMPORT).values_list("pk", flat=True))


def test_import_rows_dry_run_unchanged_and_the_command_line(world):
    rows = [{"teacher": world.t1, "title": "国培", "level": "national", "mode": "online", "hours": D(5), "year": 2022}]
    preview = services.credit_import_rows(rows=rows, user=None, dry_run=True)
    assert (preview["new"], preview["created"]) == ([0], 0) and not CreditRecord.objects.exists()
    assert services.credit_import_rows(rows=rows, user=None)["created"] == 1  # the operator's command line
    again = services.credit_import_rows(rows=rows, user=world.users.school, dry_run=True)
    assert (again["unchanged"], again["duplicates"]) == ([0], [])
    other = [{**rows[0], "hours": D(6)}]
    assert [i for i, _m in services.credit_import_rows(rows=other, user=world.users.school)["duplicates"]] == [0]


def test_import_rows_for_a_teacher_the_same_import_creates(world):
    new = Teacher(name="新教师", id_number="x", school=world.s2)  # unsaved: scope by its school
    rows = [{"teacher": new, "title": "岗前培训", "level": "city", "mode": "online", "hours": D(8), "year": 2024}]
    assert services.credit_import_rows(rows=rows, user=world.users.district, dry_run=True)["error_fields"] == {0: "teacher"}
    assert services.credit_import_rows(rows=rows, user=world.users.city, dry_run=True)["new"] == [0]
