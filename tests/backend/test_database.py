"""SQLite as the README runs it: the web server and the import worker are two processes on one
database file. While an import holds its write transaction open, pages still read, and a user's
save waits for the import instead of failing."""
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


def test_a_user_saving_while_an_import_writes_waits_for_it_instead_of_failing(two_connections, monkeypatch):
    """A save is a transaction that reads, then writes. While an import's transaction is open,
    the save waits for it (transactions take the write lock when they begin) and succeeds once
    the import commits; it does not fail with "database is locked" when it comes to write."""
    import threading
    import time

    from django.db import transaction

    worker, web = two_connections
    get_connection = transaction.get_connection
    monkeypatch.setattr(transaction, "get_connection", lambda using=None: web if using == "web" else get_connection(using))
    with worker.cursor() as cursor:
        cursor.execute("CREATE TABLE teacher (name text)")
    worker.set_autocommit(False)
    with worker.cursor() as cursor:  # the import holds the write lock from here
        cursor.execute("INSERT INTO teacher VALUES ('导入的')")
    worker.inc_thread_sharing()  # the import commits from another thread, half a second on
    timer = threading.Timer(0.5, lambda: (worker.commit(), worker.set_autocommit(True)))
    started = time.monotonic()
    timer.start()
    with transaction.atomic(using="web"), web.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM teacher")
        seen = cursor.fetchone()[0]
        cursor.execute("INSERT INTO teacher VALUES ('表单的')")
    waited = time.monotonic() - started
    timer.join()
    worker.dec_thread_sharing()
    with web.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM teacher")
        assert cursor.fetchone()[0] == 2
    assert seen == 1 and waited >= 0.4  # it waited, and then saw the import's row
