"""A small registry of measures that other apps own, so ``workforce`` never imports them.

Apps depend one way (``imports`` → ``training`` → ``workforce``). The dashboard must still show
training completion, so ``training`` registers its measure here from ``TrainingConfig.ready()``
and the dashboard, the JSON, the export and the snapshots iterate the registry::

    # training/apps.py
    class TrainingConfig(AppConfig):
        def ready(self):
            from workforce import registry
            from . import selectors
            registry.register(
                "training", selectors.completion_for,
                label="培训学分达标率",
                behind=selectors.teachers_behind,        # optional: the drill-down list
                by_group=selectors.completion_by_group,  # optional: per-district / per-school rows
            )

The contract (what each callable takes and returns):

``func(scope, on) -> dict``
    ``scope`` is a ``backend.scoping.Scope`` (kind ``city``, ``district`` or ``school``), ``on``
    a ``datetime.date``. Returns ``{"cycle": str, "complete": int, "teachers": int,
    "ratio": float | None}``: the cycle's name, how many of the teachers it counts on ``on``
    have completed their requirement, how many it counts, and ``complete / teachers`` as a
    fraction (``None`` when there are no teachers). Optional: ``"on_track": int`` and
    ``"headline": "on_track"`` when the on-track rate, not completion, is the headline (training
    early in a cycle, DOMAIN.md). Extra keys are kept and passed through to the JSON. The
    dashboard (``selectors.training_result``) adds the rates and no target: none is invented.
    Returns ``None`` when there is no cycle on ``on``. Must run a fixed number of queries,
    whatever the number of teachers.

``behind(scope, on) -> QuerySet[Teacher]`` (optional)
    The teachers of the scope who make the gap (behind on training), for the school page's
    drill-down. The dashboard adds ``select_related("school")`` and the masking itself.

``by_group(scope, on, by) -> dict[int, dict]`` (optional)
    ``by`` is ``"district"`` or ``"school"``; returns ``{district_id or school_id: row}`` computed
    in one grouped query, for the rows of the city and district overviews. Each row has the keys
    of ``func``'s result (``cycle``, ``complete``, ``teachers``, ``ratio`` and any extra key).
    Integer values are counts that add up over the groups to the scope's own result; every other
    value (the cycle's name, a requirement) is the same in each row. So the overviews take the
    scope's total from the rows (``compute_with_groups``) and the measure runs once, not twice.
    ``{}`` when there is no cycle on ``on``. Without ``by_group`` the rows show no training
    figure (the scope total still does).

When nothing is registered under a name the dashboard shows nothing for it and the JSON has
``"training": null``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class ExtraMeasure:
    name: str
    func: Callable
    label: str = ""
    behind: Callable | None = None
    by_group: Callable | None = None


_MEASURES: dict[str, ExtraMeasure] = {}


def register(name: str, func: Callable, *, label: str = "", behind: Callable | None = None,
             by_group: Callable | None = None) -> None:
    """Register (or replace, so a reloaded app does not duplicate it) the measure ``name``."""
    if not callable(func):
        raise TypeError(f"measure {name!r}: func must be callable")
    _MEASURES[name] = ExtraMeasure(name=name, func=func, label=label or name, behind=behind, by_group=by_group)


def unregister(name: str) -> None:
    _MEASURES.pop(name, None)


def get(name: str) -> ExtraMeasure | None:
    return _MEASURES.get(name)


def names() -> list[str]:
    return sorted(_MEASURES)


def compute(name: str, scope, on: dt.date) -> dict | None:
    """The registered measure for ``scope`` on ``on``, or ``None`` when nobody registered it."""
    measure = _MEASURES.get(name)
    if measure is None:
        return None
    result = measure.func(scope, on)
    return dict(result) if result is not None else None


def compute_by_group(name: str, scope, on: dt.date, by: str) -> dict | None:
    measure = _MEASURES.get(name)
    if measure is None or measure.by_group is None:
        return None
    return measure.by_group(scope, on, by)


def total_of(rows: dict[int, dict]) -> dict | None:
    """A scope's result from its groups' ``by_group`` rows: integer counts add up, other values
    are taken from the first row, and ``ratio`` is ``complete / teachers`` again (the contract)."""
    if not rows:
        return None
    total: dict = {}
    for row in rows.values():
        for key, value in row.items():
            if isinstance(value, int) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
            else:
                total.setdefault(key, value)
    teachers = total.get("teachers", 0)
    total["ratio"] = total.get("complete", 0) / teachers if teachers else None
    return total


def compute_with_groups(name: str, scope, on: dt.date, by: str) -> tuple[dict | None, dict | None]:
    """``(the scope's result, the rows by district or school)`` with one run of the measure: the
    total is the sum of the ``by_group`` rows. Falls back to ``func`` when there is no
    ``by_group`` or no row (no teachers, or no cycle: then ``func`` is cheap and says which)."""
    rows = compute_by_group(name, scope, on, by)
    if rows:
        return total_of(rows), rows
    return compute(name, scope, on), rows


def behind(name: str, scope, on: dt.date):
    measure = _MEASURES.get(name)
    if measure is None or measure.behind is None:
        return None
    return measure.behind(scope, on)
