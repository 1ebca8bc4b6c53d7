"""Hooks the import declares for the apps above it (apps depend one way, STYLE.md): imports never
imports them (``.importlinter``); they register from their ``ready()``.

**An import that waits for review** (issue 15, item 1: "bulk imports by school HR can be set to
arrive as one reviewable batch"). An app registers a ``Review``::

    # personnel/apps.py
    hooks.register_review("personnel", Review(wanted=..., submit=...))

``wanted(user, source) -> bool``: this user's import is reviewed before it is written (the
setting is the registering app's). ``submit(report=..., run_id=..., **the run's arguments) -> str``
keeps the file and what it would change as one batch, and returns what the officer is told.

``run_or_submit`` is the run's one call: an import that is wanted for review is checked in full
exactly as a commit would be (every row, every error) and written nowhere; when it has no error,
``submit`` keeps it. Approving the batch runs the same file again with ``source=REVIEW_SOURCE``
(not reviewed a second time), which writes it in one transaction with its history.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

REVIEW_SOURCE = "review"  # the source of the run that writes an approved batch


@dataclass(frozen=True)
class Review:
    wanted: Callable[..., bool]
    submit: Callable[..., str]


_REVIEWS: dict[str, Review] = {}


def register_review(name: str, review: Review) -> None:
    _REVIEWS[name] = review


def unregister_review(name: str) -> None:
    _REVIEWS.pop(name, None)


def review_for(user, source: str) -> Review | None:
    """The review this user's committing import waits for, or None (written at once)."""
    if user is None or source == REVIEW_SOURCE:
        return None
    for review in _REVIEWS.values():
        if review.wanted(user, source):
            return review
    return None


def run_or_submit(run_import: Callable, **kwargs):
    """``run_import(**kwargs)`` (``imports.run._import_run``) — or, for an import that waits for
    review, its full check and then ``submit``: the report says "submitted", nothing is written."""
    from .models import ImportRun

    review = None if kwargs["dry_run"] else review_for(kwargs["user"], kwargs["source"])
    if review is None:
        return run_import(**kwargs)
    report = run_import(**{**kwargs, "dry_run": True})
    if report.outcome != ImportRun.Outcome.PREVIEWED or report.errors or not (report.new or report.changed):
        return report
    file = kwargs["file"]
    if hasattr(file, "seek"):
        file.seek(0)
    report.message = review.submit(report=report, run_id=report.run_id, **kwargs)
    report.warnings.append(report.message)
    stored = ImportRun.objects.filter(pk=report.run_id).values_list("report", flat=True).first() or {}
    ImportRun.objects.filter(pk=report.run_id).update(
        report={**stored, "message": report.message, "warnings": report.warnings, "submitted": True})
    run = kwargs.get("run")
    if run is not None and run.upload:  # kept by the batch now: this run cannot be confirmed a second time
        run.upload.delete(save=False)
        ImportRun.objects.filter(pk=run.pk).update(upload="")
    return report
