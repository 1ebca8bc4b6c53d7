"""``python manage.py restore FILE --yes``: put a backup made by ``backup`` back.

Overwrites the whole current database (so it refuses without ``--yes``). SQLite: the online
backup API copies the file into the live database; PostgreSQL: ``pg_restore --clean --if-exists
--single-transaction`` (all or nothing). The restore itself is then written to the (restored)
audit trail.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from backend import audit

from .backup import pg_args

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class Command(BaseCommand):
    help = "从 backup 命令生成的备份文件恢复数据库（覆盖当前全部数据，须加 --yes 确认）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件")
        parser.add_argument("--yes", action="store_true", help="确认覆盖当前数据库")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"备份文件不存在：{path}")
        if not options["yes"]:
            raise CommandError("恢复将覆盖当前数据库的全部数据。确认无误后请加 --yes 再运行。")
        connection = connections[options["database"]]
        with path.open("rb") as fh:
            head = fh.read(16)
        if connection.vendor == "sqlite":
            if not head.startswith(SQLITE_MAGIC):
                raise CommandError("该文件不是 SQLite 备份，不能恢复到 SQLite 数据库。")
            self._sqlite(connection, path)
        elif connection.vendor == "postgresql":
            if not head.startswith(PG_MAGIC):
                raise CommandError("该文件不是 pg_dump -Fc 备份，不能恢复到 PostgreSQL 数据库。")
            self._postgres(connection, path)
        else:
            raise CommandError(f"不支持的数据库：{connection.vendor}")
        audit.record(audit.OTHER, source="cli", object_type="database", object_repr=path.name,
                     message=f"从备份 {path.name} 恢复数据库")
        self.stdout.write(f"已从 {path} 恢复")

    @staticmethod
    def _sqlite(connection, path: Path) -> None:
        if connection.in_atomic_block:
            raise CommandError("不能在事务中恢复数据库。")
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()

    @staticmethod
    def _postgres(connection, path: Path) -> None:
        if shutil.which("pg_restore") is None:
            raise CommandError("找不到 pg_restore：请安装 PostgreSQL 客户端（Debian: postgresql-client）。")
        if connection.in_atomic_block:
            raise CommandError("不能在事务中恢复数据库。")
        args, env = pg_args(connection.settings_dict)
        connection.close()  # our own idle session must not hold locks the restore needs
        cmd = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
               *args, "-d", str(connection.settings_dict["NAME"]), str(path)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise CommandError(f"pg_restore 失败：{audit.mask_text(done.stderr.strip())}")
