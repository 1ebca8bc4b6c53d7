"""The audit trail: the helper masks, bulk writes work, and neither the app nor SQL can change a row."""
import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from backend import audit
from backend.models import AuditEntry
from tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db

ID = "320706198506150011"


def test_record_masks_ids_in_every_text(world):
    row = audit.record(audit.OTHER, user=world.users.city, object_repr=f"张三 {ID}",
                       message=f"证件号 {ID} 已核对", changes={"note": f"x{ID}", "list": [ID]})
    row.refresh_from_db()
    for text in (row.object_repr, row.message, str(row.changes)):
        assert ID not in text
        assert "320706********0011" in text
    assert row.username == "city"


def test_diff_names_what_changed_and_masks_identity(world):
    old = TeacherFactory.build(id_number=world.t1.id_number, name="张三", school=world.s1, birth_date=dt.date(1985, 6, 15))
    new = TeacherFactory.build(id_number=world.t2.id_number, name="张三丰", school=world.s2, birth_date=dt.date(1985, 6, 16))
    changes = audit.diff(old, new)
    assert changes["name"] == {"label": "姓名", "old": "张三", "new": "张三丰"}
    assert changes["school"]["old"] == "海州实验小学" and changes["school"]["new"] == "灌南实验小学"
    assert world.t1.id_number not in str(changes) and world.t2.id_number not in str(changes)
    assert changes["id_number"]["old"].count("*") == 8
    assert changes["birth_date"] == {"label": "出生日期", "old": "1985-**-**", "new": "1985-**-**"}
    assert "sex" not in changes  # unchanged fields are left out


def test_diff_accepts_a_dict_of_new_values(world):
    changes = audit.diff(world.t1, {"name": "张三", "subject": "数学", "school": world.s2})
    assert set(changes) == {"subject", "school"}
    assert changes["school"]["new"] == world.s2.pk


def test_record_many_writes_all_rows_in_one_query(world, django_assert_num_queries):
    rows = [audit.entry(audit.UPDATE, user=world.users.city, obj=t, source="import", run_ref="42",
                        changes={"id_number": {"old": t.id_number, "new": t.id_number}})
            for t in (world.t1, world.t1b, world.t2)]
    with django_assert_num_queries(1):
        assert audit.record_many(rows) == 3
    stored = AuditEntry.objects.filter(run_ref="42")
    assert stored.count() == 3
    assert all(e.source == "import" for e in stored)
    assert world.t1.id_number not in str(list(stored.values_list("changes", flat=True)))


def test_record_many_accepts_dicts(world):
    audit.record_many([{"action": audit.CREATE, "user": world.users.school, "obj": world.t1}])
    assert AuditEntry.objects.get(action=audit.CREATE).object_id == str(world.t1.pk)


def test_sub_records_are_filed_under_the_teacher(world):
    from workforce.models import EducationRecord

    rec = EducationRecord.objects.create(teacher=world.t1, education="bachelor", degree="bachelor")
    row = audit.record(audit.CREATE, user=world.users.school, obj=rec, parent=audit.parent_of(rec))
    assert (row.object_type, row.object_id) == ("workforce.teacher", str(world.t1.pk))
    assert row.changes["_record"]["type"] == "workforce.educationrecord"


def test_the_application_cannot_change_or_delete_audit_rows(world):
    row = audit.record(audit.OTHER, message="x")
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


@pytest.mark.parametrize("sql", [
    "UPDATE backend_auditentry SET message = 'forged'",
    "DELETE FROM backend_auditentry",
])
def test_the_database_refuses_update_and_delete_in_sql(world, sql):
    audit.record(audit.OTHER, message="original")
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.get().message == "original"


def test_the_guard_lifts_only_inside_allow_audit_purge(world):
    audit.record(audit.OTHER, message="old")
    with audit.allow_audit_purge(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM backend_auditentry")
    assert AuditEntry.objects.count() == 0
    audit.record(audit.OTHER, message="new")
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM backend_auditentry")


@pytest.mark.django_db(transaction=True)
def test_flush_may_empty_the_audit_table():
    """The test runner flushes between transactional tests; ``flush`` lifts the guard for itself."""
    from django.core.management import call_command

    audit.record(audit.OTHER, message="before flush")
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 0
    audit.record(audit.OTHER, message="after flush")
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("DELETE FROM backend_auditentry")


def test_deleting_a_user_keeps_their_audit_rows_untouched(world):
    user = world.users.leader
    audit.record(audit.LOGIN, user=user)
    user_id = user.pk
    user.delete()  # would fail if the trail had to be rewritten (SET_NULL is an UPDATE)
    row = AuditEntry.objects.get(action="login")
    assert (row.user_id, row.username) == (user_id, "leader")


def test_changes_are_stored_as_their_text_and_read_back_the_same(world):
    """The history's JSON holds its Chinese text as it is (``core.db.TextJSONEncoder``), not a
    six-byte escape a character: a city roster's history took twice the space and time. What is
    read back, and the masking of an ID in it, are unchanged."""
    changes = {"school": {"label": "学校", "old": "海州实验小学", "new": "灌南实验小学"},
               "note": {"label": "备注", "new": f"引号\"与换行\n、全角（）{ID}"}}
    row = audit.record(audit.UPDATE, user=world.users.city, obj=world.t1, changes=changes)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT changes{'::text' if connection.vendor == 'postgresql' else ''} "
                       "FROM backend_auditentry WHERE id = %s", [row.pk])
        stored = cursor.fetchone()[0]
    assert "海州实验小学" in stored and "\\u" not in stored
    assert ID not in stored and "320706********0011" in stored
    row.refresh_from_db()
    assert row.changes["school"] == changes["school"]
    assert row.changes["note"]["new"] == "引号\"与换行\n、全角（）320706********0011"
