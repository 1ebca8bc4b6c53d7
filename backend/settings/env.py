"""The one place that reads the environment. Each variable is documented in the README."""
from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = _bool("DEBUG", False)
ALLOWED_HOSTS = _list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS", [])
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")


def database(url: str, environ=os.environ) -> dict:
    """Django's settings for the database at ``url``, with the connection options of ``environ``
    (README, "Configuration"): PostgreSQL gets psycopg's connection pool when ``DB_POOL_MAX`` is
    set, and no server-side cursors behind pgbouncer (``DB_PGBOUNCER``), which also refuses the
    pool (pgbouncer is the pool then). SQLite gets its locking options."""
    def flag(name: str, default: bool) -> bool:
        raw = environ.get(name)
        return default if raw in (None, "") else raw.strip().lower() in {"1", "true", "yes", "on"}

    def number(name: str, default: int) -> int:
        raw = environ.get(name)
        return int(raw) if raw not in (None, "") else default

    settings = dj_database_url.parse(url, conn_max_age=number("DB_CONN_MAX_AGE", 0))
    if settings["ENGINE"] == "django.db.backends.sqlite3":
        # The web server and the import worker are two processes on one file: a transaction takes
        # the write lock when it begins (no "database is locked" halfway through it), and a write
        # waits for another process's transaction (an import's: a few seconds) instead of failing.
        # Pages read while an import writes (its rows stay in its own page cache until it commits).
        # Write-ahead logging was measured: it copies every page of a city roster's import a second
        # time when it checkpoints, 0.15-0.2 s more for 50,000 teachers.
        settings.setdefault("OPTIONS", {}).update({
            "transaction_mode": "IMMEDIATE",
            "timeout": number("SQLITE_TIMEOUT_SECONDS", 20),
        })
        return settings
    if settings["ENGINE"] != "django.db.backends.postgresql":
        return settings
    pgbouncer = flag("DB_PGBOUNCER", False)
    # Transaction pooling (pgbouncer) hands each transaction to any server connection: a cursor
    # kept open across transactions (``QuerySet.iterator()``) would not be there.
    settings["DISABLE_SERVER_SIDE_CURSORS"] = flag("DB_DISABLE_SERVER_SIDE_CURSORS", pgbouncer)
    # PostgreSQL's JIT compiles a query whose estimated cost is high: the measures' counts (a FILTER
    # and an EXISTS per figure) look costly to the planner and paid 9.7 s of LLVM compilation for
    # 0.6 s of work (the rotation plan of a 50,000-teacher city). Off for the app's connections,
    # sent as a startup option; pgbouncer refuses startup options, so behind it set
    # ``ALTER DATABASE … SET jit = off`` on the server instead (README, "Configuration").
    if not pgbouncer:
        settings.setdefault("OPTIONS", {})["options"] = "-c jit=" + ("on" if flag("DB_JIT", False) else "off")
    pool_max = number("DB_POOL_MAX", 0)
    if pool_max:
        if pgbouncer:
            raise ImproperlyConfigured("DB_POOL_MAX 与 DB_PGBOUNCER 不能同时设置：使用 pgbouncer 时由它管理连接池，"
                                       "请去掉 DB_POOL_MAX。")
        if settings.get("CONN_MAX_AGE"):
            raise ImproperlyConfigured("DB_POOL_MAX 与 DB_CONN_MAX_AGE 不能同时设置：连接池本身保持连接，"
                                       "请去掉 DB_CONN_MAX_AGE。")
        pool_min = number("DB_POOL_MIN", min(2, pool_max))
        if not 0 <= pool_min <= pool_max:
            raise ImproperlyConfigured(f"DB_POOL_MIN（{pool_min}）须在 0 到 DB_POOL_MAX（{pool_max}）之间。")
        settings.setdefault("OPTIONS", {})["pool"] = {
            "min_size": pool_min, "max_size": pool_max, "timeout": number("DB_POOL_TIMEOUT", 10),
        }
    return settings


DATABASE = database(DATABASE_URL)
# A read replica of DATABASE (streaming replication): the dashboards and exports read from it
# (backend/routers.py). Empty: everything reads from DATABASE.
REPLICA_DATABASE_URL = os.environ.get("REPLICA_DATABASE_URL", "")
REPLICA_DATABASE = database(REPLICA_DATABASE_URL) if REPLICA_DATABASE_URL else None
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media")))
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
TEST_DB_NAME = os.environ.get("TEST_DB_NAME", "")  # lets parallel runs use separate test databases
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# Security knobs (issue 7): all configurable, defaults per DOMAIN/issue.
LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = _int("LOGIN_LOCKOUT_MINUTES", 30)
LOGIN_MAX_FAILURES_PER_ADDRESS = _int("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)  # any names, one address
SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
PASSWORD_MIN_LENGTH = _int("PASSWORD_MIN_LENGTH", 8)
PASSWORD_MIN_CLASSES = _int("PASSWORD_MIN_CLASSES", 3)
AUDIT_RETENTION_DAYS = _int("AUDIT_RETENTION_DAYS", 183)
# The city of a single-city installation (issue 18): the one existing districts join.
CITY_CODE = os.environ.get("CITY_CODE", "320700")
CITY_NAME = os.environ.get("CITY_NAME", "连云港市")
CITY_COUNT_CACHE_SECONDS = _int("CITY_COUNT_CACHE_SECONDS", 60)
IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# what an uploaded workbook may hold once inflated, and the cells of a sheet's grid (a roster of
# 500,000 teachers: about 1.1 GB of XML and 22 million cells)
IMPORT_MAX_UNCOMPRESSED_BYTES = _int("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
IMPORT_MAX_CELLS = _int("IMPORT_MAX_CELLS", 10_000_000)
EVIDENCE_MAX_BYTES = _int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 31536000)
