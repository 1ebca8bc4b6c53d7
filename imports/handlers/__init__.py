"""The import's handlers, one module a kind, and their registry.

A kind is one module here: its declaration (``imports.kinds.Kind``: name, label, sheet names,
columns with their header spellings) and its handler (a :class:`Handler` subclass: ``check``
the rows against the database in bulk, ``write`` them), put together with ``register``::

    KIND = Kind(name="assessments", sheet_kind="assessment", label=gettext_noop("年度考核"),
                template_title="年度考核", columns=(*IDENTITY_COLUMNS, Column(...)), order=95)

    class AssessmentHandler(SubRecordHandler):
        def check(self): ...
        def write(self): ...

    register(KIND, AssessmentHandler)

Every module of this package is imported when the kinds are first asked for
(``imports.kinds.KINDS``), so the run (``imports.run``), the templates, the upload form, the
command line and the mapping step know a new kind with nothing else to change. Shared bases:
``imports.handlers.shared`` (rows of a school; a teacher's sub-records).
"""
from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from typing import Any, Callable, Iterable

from core.identity import mask_birth_date, mask_id_number

from ..context import EMPTY, SAMPLE_ROWS, Context, Row, Sheet, display, month_of
from ..kinds import KINDS, Column, Kind, add_kind, remove_kind

__all__ = ["Handler", "register", "unregister", "handler_class", "HANDLERS"]

HANDLERS: dict[str, type["Handler"]] = {}  # kind name → its handler class


def register(kind: Kind, handler: type["Handler"]) -> type["Handler"]:
    """Make ``kind`` importable, its rows checked and written by ``handler``."""
    if not (isinstance(handler, type) and issubclass(handler, Handler)):
        raise TypeError(f"{handler!r} is not a Handler")
    add_kind(kind)
    handler.kind_name = kind.name
    HANDLERS[kind.name] = handler
    return handler


def unregister(name: str) -> None:
    """Forget a kind and its handler (tests that register a kind of their own)."""
    HANDLERS.pop(name, None)
    remove_kind(name)


def changed_fields(wanted: dict[str, Any], old_of: Callable[[str], Any], month_fields=()) -> dict[str, tuple[Any, Any]]:
    """Fields that ``wanted`` changes → (old, new), ``old_of(field)`` giving the stored value:
    an empty text and None are the same, ``month_fields`` compare at month precision."""
    changed = {}
    for name, new in wanted.items():
        if name.endswith("_obj"):
            continue
        old = old_of(name)
        if name in month_fields and isinstance(old, dt.date) and isinstance(new, dt.date):
            if month_of(old) == month_of(new):
                continue
        elif old == new or (old in (None, "") and new in (None, "")):
            continue
        changed[name] = (old, new)
    return changed


def handler_class(name: str) -> type["Handler"]:
    KINDS[name]  # noqa: B018 - loads the registry; KeyError for a kind not registered
    return HANDLERS[name]


class Handler:
    """Checks and writes the rows of one kind (all sheets of that kind in the file)."""

    kind_name = ""  # set by ``register``

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.kind = KINDS[self.kind_name]
        self.sheets: list[Sheet] = []

    def read(self, sheet: Sheet, rows: list[Row]) -> None:
        """Rows just parsed from ``sheet`` (not refused), a batch at a time, in file order. Work
        that needs no other sheet can be done here: with a large worksheet it overlaps the
        parsing of the next part (``imports.xlsx_parts``)."""

    def required(self, sheet: Sheet) -> list[Column]:
        return self.kind.required

    def allowed(self) -> str | None:
        """None when the user may import this kind, else the reason (Chinese)."""
        return None

    @property
    def rows(self) -> Iterable[Row]:
        for sheet in self.sheets:
            if not sheet.refused:
                yield from sheet.rows

    def check(self) -> None:
        raise NotImplementedError

    def write(self) -> None:
        raise NotImplementedError

    # -- shared pieces
    def fields_of(self, row: Row) -> dict[str, Any]:
        """Model field → value for the row's filled cells of columns that fill a field."""
        out = {}
        for key, value in row.values.items():
            column = self.kind.by_key.get(key)
            if column is not None and column.field and value is not None:
                out[column.field] = value
        return out

    def compare(self, row: Row, obj, wanted: dict[str, Any], month_fields=()) -> dict[str, tuple[Any, Any]]:
        """Fields of ``obj`` that ``wanted`` changes → (old, new)."""
        return changed_fields(wanted, lambda name: getattr(obj, name), month_fields)

    def field_label(self, model, name: str) -> str:
        return str(model._meta.get_field(name).verbose_name)

    def column_for_field(self, name: str) -> Column | None:
        for column in self.kind.columns:
            if column.field == name:
                return column
        return None

    def _shown_meta(self, model, name: str):
        """(label, column or field, choice labels or None) of a field, worked out once a run."""
        cache = self.__dict__.setdefault("_shown_cache", {})
        meta = cache.get((model, name))
        if meta is None:
            field_ = model._meta.get_field(name)
            column = self.column_for_field(name) or field_
            labels = dict(field_.flatchoices) if field_.choices and not isinstance(column, Column) else None
            meta = cache[(model, name)] = (self.field_label(model, name), column, labels)
        return meta

    def shown_change(self, model, name: str, old, new) -> tuple[str, str, str]:
        label, column, labels = self._shown_meta(model, name)
        if name == "id_number" and not self.ctx.show_identity:
            return label, mask_id_number(old), mask_id_number(new)
        if name == "birth_date" and not self.ctx.show_identity:
            return label, mask_birth_date(old), mask_birth_date(new)
        if labels is not None:
            return label, labels.get(old, old or EMPTY), labels.get(new, new or EMPTY)
        return label, display(column, old), display(column, new)

    def audit_changes(self, model, changed: dict[str, tuple[Any, Any]]) -> dict:
        out = {}
        for name, (old, new) in changed.items():
            label, old_shown, new_shown = self.shown_change(model, name, old, new)
            if name in ("id_number", "birth_date"):  # audit masks the raw values itself
                old_shown, new_shown = old, new
            out[name] = {"label": label, "old": old_shown, "new": new_shown}
        return out

    def audit_snapshot(self, model, obj, names: Iterable[str]) -> dict:
        out = {}
        for name in names:
            value = getattr(obj, name)
            if value is None or value == "":
                continue
            label, _old, shown = self.shown_change(model, name, None, value)
            out[name] = {"label": label, "new": value if name in ("id_number", "birth_date") else shown}
        return out

    def sampling(self) -> bool:
        """The preview's sample of this kind's new rows is not full yet (``count`` keeps it):
        what a sample shows need not be worked out for the rows after it."""
        sample = self.ctx.report.samples.get(self.kind.label)
        return sample is None or len(sample["rows"]) < SAMPLE_ROWS

    def count(self, row: Row, outcome: str, **derived) -> None:
        """The row's outcome; the first new rows of each kind are kept as a sample of what will
        be stored (``derived``: values the import decided, e.g. the school and stage)."""
        row.outcome = outcome
        if outcome == "new":
            sample = self.ctx.report.samples.setdefault(self.kind.label, {"columns": [], "rows": []})
            if len(sample["rows"]) < SAMPLE_ROWS:
                self.ctx.sample(sample, row, derived)


def _discover() -> None:
    """Import every module of the package: each registers its kind."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_discover()
