"""The GIL hand-over interval while the import's background threads run.

The import's helper threads (``imports.xlsx_parts`` parsing parts, ``imports.bulk`` writing
rows) do most of their work without the GIL, but need it briefly between pieces of work: to
open a part, to make its rows Python lists, to bind a statement's parameters. While the
import's own thread is busy, Python hands the GIL over only every ``sys.getswitchinterval()``
(5 ms by default), and each of those short needs would wait that long. While any helper runs,
the interval is 1 ms; it is restored when the last one stops.
"""
from __future__ import annotations

import sys
import threading

__all__ = ["fast_switching", "SWITCH_INTERVAL"]

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
