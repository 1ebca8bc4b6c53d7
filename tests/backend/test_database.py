"""SQLite as the README runs it: the web server and the import worker are two processes on one
database file. While an import holds its write transaction open, pages still read, and a user's
save waits for the import instead of failing."""
from __future__ import annotations

import pytest
from django.db import connection
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


# ---------------------------------------------------------------- PostgreSQL as deployed
POSTGRES = "postgres://app@db.example:5432/teachers"


def test_the_connection_pool_is_off_unless_its_size_is_given():
    assert "pool" not in env.database(POSTGRES, {}).get("OPTIONS", {})
    options = env.database(POSTGRES, {"DB_POOL_MAX": "8"})["OPTIONS"]
    assert options["pool"] == {"min_size": 2, "max_size": 8, "timeout": 10}
    options = env.database(POSTGRES, {"DB_POOL_MIN": "4", "DB_POOL_MAX": "8", "DB_POOL_TIMEOUT": "3"})["OPTIONS"]
    assert options["pool"] == {"min_size": 4, "max_size": 8, "timeout": 3}
    # SQLite has no pool: the setting is for PostgreSQL only
    assert "pool" not in env.database("sqlite:///x.sqlite3", {"DB_POOL_MAX": "8"})["OPTIONS"]


@pytest.mark.parametrize("environ, named", [
    ({"DB_POOL_MAX": "8", "DB_PGBOUNCER": "true"}, "DB_PGBOUNCER"),  # pgbouncer is the pool
    ({"DB_POOL_MAX": "8", "DB_CONN_MAX_AGE": "60"}, "DB_CONN_MAX_AGE"),  # Django refuses both
    ({"DB_POOL_MAX": "4", "DB_POOL_MIN": "6"}, "DB_POOL_MIN"),
])
def test_a_pool_that_cannot_work_is_refused_at_start_naming_the_variables(environ, named):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match=named):
        env.database(POSTGRES, environ)


def test_behind_pgbouncer_there_are_no_server_side_cursors():
    assert env.database(POSTGRES, {})["DISABLE_SERVER_SIDE_CURSORS"] is False
    assert env.database(POSTGRES, {"DB_PGBOUNCER": "true"})["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert env.database(POSTGRES, {"DB_DISABLE_SERVER_SIDE_CURSORS": "1"})["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_the_pool_keeps_a_connection_for_the_next_request(django_db_blocker):
    """Django's psycopg pool with the settings above: a closed connection goes back to the pool
    (a request's end) and the next request gets it without connecting again."""
    if env.DATABASE["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("PostgreSQL only")
    url = env.DATABASE_URL
    handler = ConnectionHandler({"default": env.database(url, {"DB_POOL_MIN": "1", "DB_POOL_MAX": "1"})})
    connection = handler["default"]
    with django_db_blocker.unblock():  # the configured database itself, no tables read
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                first = cursor.fetchone()[0]
            connection.close()  # back to the pool, not closed
            assert connection.pool.get_stats()["pool_available"] >= 1
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                assert cursor.fetchone()[0] == first
        finally:
            connection.close()
            connection.close_pool()


def test_postgres_jit_is_off_for_the_apps_connections_unless_asked_for():
    """The measures' counting queries look costly to the planner, and JIT compiled them for
    seconds to save milliseconds: the app's connections turn it off; behind pgbouncer (which
    refuses startup options) the server's own setting is left alone."""
    assert env.database(POSTGRES, {})["OPTIONS"]["options"] == "-c jit=off"
    assert env.database(POSTGRES, {"DB_JIT": "true"})["OPTIONS"]["options"] == "-c jit=on"
    assert "options" not in env.database(POSTGRES, {"DB_PGBOUNCER": "true"}).get("OPTIONS", {})
    assert "options" not in env.database("sqlite:///x.sqlite3", {})["OPTIONS"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db
def test_the_running_connection_has_jit_off():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
