"""SQLite as the README runs it: the web server and the import worker are two processes on one
database file. While an import holds its write transaction open, pages must still read."""
from __future__ import annotations

import pytest
from django.db.utils import ConnectionHandler

from backend.settings import env


@pytest.fixture
def two_connections(tmp_path, django_db_blocker):
    if env.DATABASE["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite only")
    path = str(tmp_path / "shared.sqlite3")
    handler = ConnectionHandler({alias: {**env.DATABASE, "NAME": path} for alias in ("default", "web")})
    with django_db_blocker.unblock():  # their own file, not the test database
        yield handler["default"], handler["web"]
        handler.close_all()


def test_pages_read_while_an_import_writes(two_connections):
    worker, web = two_connections
    with worker.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("CREATE TABLE run (progress integer)")
        cursor.execute("INSERT INTO run VALUES (10)")
    worker.set_autocommit(False)  # the import's transaction, still open
    with worker.cursor() as cursor:
        cursor.execute("INSERT INTO run VALUES (20)")
    with web.cursor() as cursor:  # the progress page: answered at once, without the uncommitted row
        cursor.execute("SELECT sum(progress) FROM run")
        assert cursor.fetchone()[0] == 10
    worker.commit()
    worker.set_autocommit(True)
    with web.cursor() as cursor:
        cursor.execute("SELECT sum(progress) FROM run")
        assert cursor.fetchone()[0] == 30
