"""THE import path: ``import_run(...)`` — the CLI, the admin, the web upload (and the API) call it.

The package, by concern:

* ``imports.run`` — running a file: read, map, check, commit, progress (``import_run``);
* ``imports.report`` — what a run tells (``ImportReport``, ``SheetReport``, ``RowError``,
  ``ImportRefused``);
* ``imports.context`` — what the handlers of a run share (``Sheet``, ``Row``, ``Context``);
* ``imports.handlers`` — one module a kind: its declaration (``imports.kinds.Kind``, headers
  included) and its handler, put together by ``register``;
* ``imports.kinds`` — columns and how cells are read; ``imports.synonyms`` — value spellings
  and header matching; ``imports.mappings`` — the organisation's answers; ``imports.bulk`` —
  the writes.

This module keeps the names others import from it: ``import_run`` and ``ImportRefused``.
"""
from __future__ import annotations

from .report import ImportRefused
from .run import import_run

__all__ = ["import_run", "ImportRefused"]
