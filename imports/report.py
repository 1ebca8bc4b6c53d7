"""What an import tells: ``ImportReport`` (counts, errors, the mapping step's questions, the
preview's samples), a ``SheetReport`` a sheet, a ``RowError`` a cell; ``ImportRefused`` for a
user who may not import at all."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from .models import ImportRun

__all__ = ["ImportRefused", "RowError", "SheetReport", "ImportReport", "STORED_ERRORS", "STORED_CHANGES"]

STORED_ERRORS = 5000      # errors kept in ImportRun.report (the CLI report has them all)
STORED_CHANGES = 2000     # changed records kept for the preview page


class ImportRefused(PermissionDenied):
    """The user may not import at all (not HR)."""


# =========================================================================== report
@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    value: str
    message: str
    col: int | None = None  # 0-based column index in the sheet, for the error workbook
    unknown: bool = False   # a value the system does not know: asked in the mapping step

    def as_json(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value,
                "message": self.message}


@dataclass
class SheetReport:
    name: str
    kind: str
    header_row: int | None = None
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: int = 0

    def tally(self, outcome: str | None, bad: bool) -> None:
        """Count one row: an error, or its outcome (new, changed, unchanged)."""
        if bad:
            self.errors += 1
        elif outcome in ("new", "changed", "unchanged"):
            setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class ImportReport:
    kind: str = ""
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    error_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    changes_total: int = 0
    warnings: list[str] = field(default_factory=list)
    sheets: list[SheetReport] = field(default_factory=list)
    # the mapping step (issue 13): headers and values to ask about, columns left out, the saved
    # answers used
    unknown_headers: list[dict] = field(default_factory=list)
    unknown_values: dict[tuple, dict] = field(default_factory=dict)
    ignored_columns: list[dict] = field(default_factory=list)
    applied_mappings: list[dict] = field(default_factory=list)
    samples: dict[str, dict] = field(default_factory=dict)     # kind label → the first new rows as stored
    missing_columns: list[dict] = field(default_factory=list)   # measure columns to answer for the file
    filled_columns: list[dict] = field(default_factory=list)    # ... and the answers used
    # a 花名册's 学历 and 职称 columns (RosterRecords): records per kind label → {new, changed, unchanged}
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    outcome: str = ImportRun.Outcome.RUNNING
    message: str = ""
    run_id: int | None = None
    dry_run: bool = True

    @property
    def unreadable(self) -> bool:
        return self.outcome == ImportRun.Outcome.UNREADABLE

    @property
    def committed(self) -> bool:
        return self.outcome == ImportRun.Outcome.COMMITTED

    def unknown_value_list(self) -> list[dict]:
        """One line per distinct unknown value of a column: the value, the column, how many rows
        carry it and the first of them (the error report lists every row)."""
        return sorted(self.unknown_values.values(), key=lambda u: (u["sheet"], u["column"], -u["rows"], u["value"]))

    @property
    def questions(self) -> bool:
        """Headers or values the officer has to answer before the file can be committed."""
        return bool(self.unknown_headers or self.unknown_values or self.missing_columns)

    def as_json(self) -> dict:
        """The ``--report`` JSON: exactly these keys, counts summed over sheets."""
        return {"kind": self.kind, "rows": self.rows, "new": self.new, "changed": self.changed,
                "unchanged": self.unchanged, "errors": [e.as_json() for e in self.errors]}

    def as_stored(self) -> dict:
        """What ``ImportRun.report`` keeps (errors and changes capped)."""
        return {
            **self.as_json(),
            "errors": [{**e.as_json(), "col": e.col, **({"unknown": True} if e.unknown else {})}
                       for e in self.errors[:STORED_ERRORS]],
            "error_count": len(self.errors),
            "error_rows": self.error_rows,
            "changes": self.changes[:STORED_CHANGES],
            "changes_total": self.changes_total,
            "warnings": self.warnings,
            "sheets": [vars(s) for s in self.sheets],
            "unknown_headers": self.unknown_headers,
            "unknown_values": self.unknown_value_list(),
            "ignored_columns": self.ignored_columns,
            "applied_mappings": self.applied_mappings,
            "samples": [{"kind": k, "columns": v["columns"],
                         "rows": [[r.get(col, "") for col in v["columns"]] for r in v["rows"]]}
                        for k, v in self.samples.items()],
            "missing_columns": self.missing_columns,
            "filled_columns": self.filled_columns,
            "records": self.records,
            "message": self.message,
        }
