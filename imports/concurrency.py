"""Process-wide settings while an import runs: the GIL hand-over interval, the garbage collector.

**GIL hand-over.**
The import's helper threads (``imports.xlsx_parts`` parsing parts, ``imports.bulk`` writing
rows) do most of their work without the GIL, but need it briefly between pieces of work: to
open a part, to make its rows Python lists, to bind a statement's parameters. While the
import's own thread is busy, Python hands the GIL over only every ``sys.getswitchinterval()``
(5 ms by default), and each of those short needs would wait that long. While any helper runs,
the interval is 1 ms; it is restored when the last one stops.

**Garbage collector.** A city roster is millions of Python objects (every cell, every row),
and each few hundred new containers set off a collection that walks them again: a third of
the import's time went to the cyclic collector, finding nothing (rows and cells hold no
cycles). ``collector_paused()`` turns automatic collection off for the import, and back on
when the last import running in the process ends; memory stays bounded by the import's own
limits, and reference counting frees what the import lets go as before.

**Where the writer thread may run.** ``imports.bulk`` writes from a second thread on the
calling thread's database connection. That is for the task worker (``imports.tasks`` marks its
runs with ``background_run()``) and the command line, never for a web request: a request's
connection belongs to the request's thread (the server, the middleware and the end of the
request use and close it). ``writer_thread_allowed()`` is false inside a web request
(``request_started`` to ``request_finished``, connected in ``imports.apps``) unless the import
runs as a task there (the tests' immediate task backend); ``bulk`` then writes on the calling
thread itself.
"""
from __future__ import annotations

import gc
import sys
import threading
from contextlib import contextmanager

__all__ = ["fast_switching", "SWITCH_INTERVAL", "collector_paused", "background_run", "in_background_run",
           "in_web_request", "writer_thread_allowed"]

SWITCH_INTERVAL = 0.001

_lock = threading.Lock()
_users = 0
_saved = 0.005


def fast_switching(on: bool) -> None:
    """Count one more (``on``) or one fewer helper thread; the interval is short while any runs."""
    global _users, _saved
    with _lock:
        if on:
            if _users == 0:
                _saved = sys.getswitchinterval()
                sys.setswitchinterval(min(_saved, SWITCH_INTERVAL))
            _users += 1
        elif _users > 0:
            _users -= 1
            if _users == 0:
                sys.setswitchinterval(_saved)


_gc_lock = threading.Lock()
_gc_users = 0
_gc_was_enabled = True


@contextmanager
def collector_paused():
    """No automatic garbage collection inside (see the module's docstring); nestable and
    shared by threads: the collector is back as it was when the last one leaves."""
    global _gc_users, _gc_was_enabled
    with _gc_lock:
        if _gc_users == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0 and _gc_was_enabled:
                gc.enable()


_here = threading.local()


@contextmanager
def background_run():
    """This thread runs an import as a background task (``imports.tasks``): the import's writer
    thread may use its database connection. Nestable."""
    _here.background = getattr(_here, "background", 0) + 1
    try:
        yield
    finally:
        _here.background -= 1


def in_background_run() -> bool:
    return getattr(_here, "background", 0) > 0


def in_web_request() -> bool:
    return getattr(_here, "request", False)


def writer_thread_allowed() -> bool:
    """May ``imports.bulk`` start its writer thread on this thread's database connection?"""
    return in_background_run() or not in_web_request()


def request_started(**kwargs) -> None:
    """``django.core.signals.request_started`` (sent on the thread that handles the request)."""
    _here.request = True


def request_finished(**kwargs) -> None:
    """``django.core.signals.request_finished`` (a thread handles one request at a time)."""
    _here.request = False
