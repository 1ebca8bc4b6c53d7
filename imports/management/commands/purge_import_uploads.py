"""Delete uploaded import files kept for a preview that was never confirmed.

    python manage.py purge_import_uploads [--older-than-hours 48] [--dry-run]

The web upload keeps the officer's file (below ``MEDIA_ROOT/private/imports/``) between the
preview and the confirmation, and for the error report; a committed run deletes it at once.
This command deletes the kept file of every run that started more than ``--older-than-hours``
ago and is not queued or running (so a worker never loses the file it reads), clears the
run's ``upload`` (the run, its counts and its error list stay; the error report then holds the
error list without the uploaded rows), and deletes files of that age in the folder that no run
refers to (left by an interrupted upload). Run it from cron, e.g. daily.
"""
from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from imports.models import ImportRun
from imports.storage import private_storage

FOLDER = "imports"


class Command(BaseCommand):
    help = "删除超过指定时间、预览后未确认导入的上传文件（默认 48 小时）。"

    def add_arguments(self, parser):
        parser.add_argument("--older-than-hours", type=float, default=48.0,
                            help="只删除早于这么多小时之前上传的文件（默认 48）")
        parser.add_argument("--dry-run", action="store_true", help="只列出将删除的文件，不删除")

    def handle(self, *args, older_than_hours: float, dry_run: bool, **options):
        if older_than_hours < 0:
            raise CommandError("--older-than-hours 不能为负数")
        self.verbosity = options.get("verbosity", 1)
        cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
        busy = (ImportRun.Outcome.QUEUED, ImportRun.Outcome.RUNNING)
        stale = list(ImportRun.objects.filter(started_at__lt=cutoff).exclude(upload="").exclude(outcome__in=busy)
                     .values_list("pk", "upload"))
        kept = set(ImportRun.objects.exclude(upload="").values_list("upload", flat=True))
        freed = 0
        for _pk, name in stale:
            freed += self._delete(name, dry_run)
        if stale and not dry_run:
            ImportRun.objects.filter(pk__in=[pk for pk, _name in stale]).update(upload="")
        orphans = []
        if private_storage.exists(FOLDER):
            _dirs, files = private_storage.listdir(FOLDER)
            for file_name in files:
                name = f"{FOLDER}/{file_name}"
                if name in kept:
                    continue
                modified = private_storage.get_modified_time(name)
                if modified < cutoff:
                    orphans.append(name)
                    freed += self._delete(name, dry_run)
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(f"{verb} {len(stale)} 个未确认导入的上传文件、{len(orphans)} 个无对应导入批次的文件，"
                          f"共 {freed / 1048576:.1f} MB（早于 {older_than_hours:g} 小时）。")

    def _delete(self, name: str, dry_run: bool) -> int:
        try:
            size = private_storage.size(name)
        except OSError:
            return 0
        if self.verbosity >= 2:
            self.stdout.write(f"  {name}")
        if not dry_run:
            private_storage.delete(name)
        return size
