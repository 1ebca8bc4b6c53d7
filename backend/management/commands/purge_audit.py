"""``python manage.py purge_audit --older-than-days N``: the only way audit rows ever leave.

Refuses any N below the retention period (``AUDIT_RETENTION_DAYS``, and never below 183 days =
6 months, whatever the setting says). Lifts the database guard for its own transaction only and
writes an audit row saying what it removed. Also forgets stale failed-login counters."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.utils import timezone

from backend import audit
from backend.models import AuditEntry, LoginThrottle

MINIMUM_DAYS = 183


def retention_days() -> int:
    return max(MINIMUM_DAYS, int(getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_DAYS)))


class Command(BaseCommand):
    help = "删除早于指定天数的审计日志（不得少于保存期限 AUDIT_RETENTION_DAYS，且至少 183 天）。"

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, required=True, help="删除多少天以前的记录")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        days = options["older_than_days"]
        floor = retention_days()
        if days < floor:
            raise CommandError(f"审计日志至少保存 {floor} 天：--older-than-days 不能小于 {floor}。")
        cutoff = timezone.now() - dt.timedelta(days=days)
        using = options["database"]
        old = AuditEntry.objects.using(using).filter(at__lt=cutoff)
        count = old.count()
        if options["dry_run"]:
            self.stdout.write(f"{count} 条审计记录早于 {cutoff:%Y-%m-%d}（未删除）")
            return
        with transaction.atomic(using=using), audit.allow_audit_purge(using):
            deleted, _ = models.QuerySet.delete(old)  # AuditQuerySet.delete refuses on purpose
            audit.record(audit.OTHER, source="cli", object_type="backend.auditentry",
                         message=f"清理审计日志：删除 {deleted} 条 {cutoff:%Y-%m-%d} 以前的记录（保存期限 {floor} 天）")
        stale = timezone.now() - dt.timedelta(days=1)
        LoginThrottle.objects.using(using).filter(last_failure_at__lt=stale).filter(
            models.Q(locked_until__isnull=True) | models.Q(locked_until__lt=timezone.now())).delete()
        self.stdout.write(f"已删除 {deleted} 条 {cutoff:%Y-%m-%d} 以前的审计记录")
