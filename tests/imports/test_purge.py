"""purge_import_uploads: kept uploads of previews never confirmed go after N hours; the runs stay."""
from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from imports.models import ImportRun
from imports.storage import private_storage

pytestmark = pytest.mark.django_db


def kept_run(user, *, hours_ago: float, outcome=ImportRun.Outcome.PREVIEWED) -> ImportRun:
    run = ImportRun(user=user, file_name="花名册.xlsx", file_sha256="", dry_run=True, outcome=outcome)
    run.upload.save("花名册.xlsx", ContentFile(b"PK\x03\x04 roster"), save=False)
    run.save()
    ImportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(hours=hours_ago))
    return ImportRun.objects.get(pk=run.pk)


def test_old_unconfirmed_uploads_are_deleted_and_recent_or_busy_ones_kept(world, capsys):
    old = kept_run(world.users.school, hours_ago=50)
    recent = kept_run(world.users.school, hours_ago=2)
    busy = kept_run(world.users.school, hours_ago=50, outcome=ImportRun.Outcome.RUNNING)
    old_name = old.upload.name

    call_command("purge_import_uploads")

    assert not private_storage.exists(old_name)
    old.refresh_from_db()
    assert not old.upload and old.outcome == ImportRun.Outcome.PREVIEWED  # the run itself stays
    for run in (recent, busy):
        run.refresh_from_db()
        assert run.upload and private_storage.exists(run.upload.name)
    assert "已删除 1 个未确认导入的上传文件" in capsys.readouterr().out


def test_older_than_hours_and_dry_run(world):
    run = kept_run(world.users.school, hours_ago=5)
    call_command("purge_import_uploads", "--older-than-hours", "4", "--dry-run")
    run.refresh_from_db()
    assert run.upload and private_storage.exists(run.upload.name)
    call_command("purge_import_uploads", "--older-than-hours", "4")
    run.refresh_from_db()
    assert not run.upload


def test_orphan_files_in_the_folder_are_deleted_when_old(world):
    orphan = private_storage.save("imports/orphan.xlsx", ContentFile(b"x"))
    fresh = private_storage.save("imports/fresh.xlsx", ContentFile(b"x"))
    old = time.time() - 72 * 3600
    os.utime(private_storage.path(orphan), (old, old))
    call_command("purge_import_uploads")
    assert not private_storage.exists(orphan) and private_storage.exists(fresh)
