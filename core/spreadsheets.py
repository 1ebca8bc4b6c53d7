"""Spreadsheet helpers shared by every export.

``escape_cell`` stops formula injection (CSV/Excel "DDE"): a text cell that starts with
``= + - @``, a tab or a carriage return is written with a leading apostrophe, so Excel shows it
as text and never evaluates it.
"""
from __future__ import annotations

from django.utils.functional import Promise

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """Return ``value`` safe to write into a spreadsheet cell (only strings are changed; a lazily
    translated label becomes its text in the active language — Chinese for downloads, see
    ``core.i18n``)."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def escape_row(values):
    """``escape_cell`` over a row (a list for ``worksheet.append`` or ``csv.writer.writerow``)."""
    return [escape_cell(v) for v in values]
