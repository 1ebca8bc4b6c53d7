"""Database helpers shared by the bulk writers (the import pipeline and the demo builder)."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from django.db import connection as default_connection


@contextmanager
def wide_statements(connection=default_connection):
    """Let ``bulk_create`` put as many rows in one statement as this SQLite really accepts.

    Django 5.2 assumes SQLite takes 999 parameters a statement, so a 50-column batch of teachers
    goes 19 rows at a time; Django 6.0 reads the connection's real limit (ticket #36143). This
    does the same for this connection (thread) only, and restores it afterwards. Other
    databases are left alone."""
    features = connection.features
    saved = features.__dict__.get("max_query_params")
    patched = False
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            getlimit = getattr(connection.connection, "getlimit", None)
            if getlimit is not None:
                features.max_query_params = max(999, getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
                patched = True
        yield
    finally:
        if patched:
            if saved is None:
                del features.max_query_params
            else:
                features.max_query_params = saved
