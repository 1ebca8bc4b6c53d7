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
"""
from __future__ import annotations

import gc
import sys
import threading
from contextlib import contextmanager

__all__ = ["fast_switching", "SWITCH_INTERVAL", "collector_paused"]

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
