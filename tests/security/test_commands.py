"""Backup and restore round-trip the city; purge_audit keeps at least six months."""
import datetime as dt
import io
import shutil
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command, get_commands
from django.db import connection
from django.utils import timezone

from backend import audit
from backend.models import AuditEntry
from tests import factories as f
from workforce.models import EducationRecord, Teacher


def fingerprint() -> dict:
    """Row counts of every table, and every teacher as HR would check them."""
    counts = {m._meta.label: m._base_manager.count() for m in apps.get_models() if m._meta.managed}
    teachers = list(Teacher.objects.order_by("id_number").values_list("id_number", "name", "school__name", "birth_date"))
    return {"counts": counts, "teachers": teachers}


def demo_or_world(kind: str):
    if kind == "demo":
        if "seed_demo" not in get_commands():
            pytest.skip("seed_demo 尚未提供")
        f.ensure_reference_data()
        call_command("seed_demo", teachers=300, schools=20, verbosity=0, stdout=io.StringIO())
    else:
        world = f.build_world()
        EducationRecord.objects.create(teacher=world.t1, education="bachelor", degree="master")
        audit.record(audit.UPDATE, user=world.users.city, obj=world.t1, changes={"name": {"old": "甲", "new": "张三"}})


def skip_unless_tools():
    if connection.vendor == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump / pg_restore 未安装")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["world", "demo"])
def test_backup_then_restore_gives_back_the_same_city(tmp_path, kind):
    skip_unless_tools()
    demo_or_world(kind)
    target = tmp_path / "city.backup"
    call_command("backup", output=str(target), stdout=open(tmp_path / "out.txt", "w"))
    assert target.stat().st_size > 0
    assert target.stat().st_mode & 0o077 == 0  # readable by its owner only
    before = fingerprint()
    assert before["teachers"]

    # Damage the database after the backup: rename, add, delete.
    first = Teacher.objects.order_by("id_number").first()
    Teacher.objects.filter(pk=first.pk).update(name="被改动")
    f.TeacherFactory(school=first.school, name="备份后新增")
    EducationRecord.objects.all().delete()
    assert fingerprint() != before

    call_command("restore", str(target), yes=True, stdout=open(tmp_path / "out2.txt", "w"))
    after = fingerprint()
    assert after["teachers"] == before["teachers"]
    audit_label = AuditEntry._meta.label
    assert {k: v for k, v in after["counts"].items() if k != audit_label} == \
        {k: v for k, v in before["counts"].items() if k != audit_label}
    assert after["counts"][audit_label] == before["counts"][audit_label] + 1  # the restore itself
    assert "恢复" in AuditEntry.objects.order_by("-id").first().message
    # The guard on the audit table came back with the data.
    with pytest.raises(Exception), connection.cursor() as cursor:
        cursor.execute("DELETE FROM backend_auditentry")


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_without_yes(tmp_path):
    skip_unless_tools()
    target = tmp_path / "b.backup"
    call_command("backup", output=str(target), stdout=open(tmp_path / "o.txt", "w"))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(target))


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "x.backup"
    bogus.write_bytes(b"not a backup at all")
    with pytest.raises(CommandError):
        call_command("restore", str(bogus), yes=True)


# ------------------------------------------------------------------ retention
def _age_rows(days: int, n: int):
    """Audit rows written ``days`` ago (time travel by patching the clock, not by editing rows)."""
    then = timezone.now() - dt.timedelta(days=days)
    with mock.patch("django.utils.timezone.now", return_value=then):
        for i in range(n):
            audit.record(audit.OTHER, message=f"{days} 天前 #{i}")


@pytest.mark.django_db
def test_purge_refuses_less_than_six_months():
    with pytest.raises(CommandError, match="183"):
        call_command("purge_audit", older_than_days=30)


@pytest.mark.django_db
def test_purge_refuses_less_than_the_configured_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 365
    with pytest.raises(CommandError, match="365"):
        call_command("purge_audit", older_than_days=200)


@pytest.mark.django_db
def test_retention_below_six_months_in_settings_is_ignored(settings):
    settings.AUDIT_RETENTION_DAYS = 10
    with pytest.raises(CommandError, match="183"):
        call_command("purge_audit", older_than_days=10)


@pytest.mark.django_db
def test_purge_removes_only_rows_older_than_asked_and_says_so(tmp_path):
    _age_rows(400, 3)
    _age_rows(100, 2)
    call_command("purge_audit", older_than_days=200, stdout=open(tmp_path / "o.txt", "w"))
    messages = list(AuditEntry.objects.values_list("message", flat=True))
    assert not any(m.startswith("400 天前") for m in messages)
    assert sum(m.startswith("100 天前") for m in messages) == 2
    assert any("删除 3 条" in m for m in messages)
    # And the guard is back on afterwards.
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


@pytest.mark.django_db
def test_purge_dry_run_deletes_nothing(tmp_path):
    _age_rows(400, 2)
    call_command("purge_audit", older_than_days=200, dry_run=True, stdout=open(tmp_path / "o.txt", "w"))
    assert AuditEntry.objects.count() == 2
