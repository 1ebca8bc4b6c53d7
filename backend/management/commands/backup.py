"""``python manage.py backup [--output FILE]``: a consistent copy of the whole database.

SQLite: the online backup API (``sqlite3.Connection.backup``) — a page-by-page copy that is
consistent even while the site writes. PostgreSQL: ``pg_dump -Fc`` (one snapshot, custom
format for ``pg_restore``). The file holds personal data: it is created readable by its owner
only; keep it encrypted and off the web server. Restore with ``python manage.py restore FILE --yes``.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from backend import audit


def pg_args(settings_dict) -> tuple[list[str], dict]:
    """Connection arguments and environment for pg_dump / pg_restore (password via PGPASSWORD)."""
    args = []
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def default_path(vendor: str) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if vendor == "sqlite" else "dump"
    return Path(settings.BASE_DIR) / "backups" / f"teachers-{stamp}.{suffix}"


class Command(BaseCommand):
    help = "备份整个数据库（SQLite 在线备份 / PostgreSQL pg_dump -Fc），得到一个一致的副本。"

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="备份文件路径（默认 backups/teachers-时间.sqlite3 或 .dump）")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        vendor = connection.vendor
        target = Path(options["output"]) if options["output"] else default_path(vendor)
        target.parent.mkdir(parents=True, exist_ok=True)
        audit.record(audit.OTHER, source="cli", object_type="database", object_repr=target.name,
                     message=f"数据库备份到 {target.name}")
        fd, tmp_name = tempfile.mkstemp(prefix=".backup-", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            os.chmod(tmp, 0o600)
            if vendor == "sqlite":
                self._sqlite(connection, tmp)
            elif vendor == "postgresql":
                self._postgres(connection, tmp)
            else:
                raise CommandError(f"不支持的数据库：{vendor}")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        size = target.stat().st_size
        self.stdout.write(f"{target}\t{size} bytes")
        return None

    @staticmethod
    def _sqlite(connection, tmp: Path) -> None:
        connection.ensure_connection()
        destination = sqlite3.connect(tmp)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()

    @staticmethod
    def _postgres(connection, tmp: Path) -> None:
        if shutil.which("pg_dump") is None:
            raise CommandError("找不到 pg_dump：请安装 PostgreSQL 客户端（Debian: postgresql-client）。")
        args, env = pg_args(connection.settings_dict)
        cmd = ["pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", str(tmp), *args,
               "-d", str(connection.settings_dict["NAME"])]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise CommandError(f"pg_dump 失败：{audit.mask_text(done.stderr.strip())}")
