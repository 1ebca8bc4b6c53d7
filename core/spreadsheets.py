"""Spreadsheets: the one .xlsx writer of the downloads, the column spec a list shares with its
export, and the formula guard.

- ``Workbook`` writes each row's XML as text into a temporary file per sheet and zips them at the
  end (openpyxl builds an element tree for every cell: about 65 µs a cell here, minutes for a
  city's national template). Texts are inline strings, numbers numbers, dates real dates
  (``yyyy-mm-dd``). A text that would start a formula (``FORMULA_PREFIXES``) is a text cell with
  Excel's quote prefix (style 1, the apostrophe Excel itself puts before such text): Excel shows
  it as text and never evaluates it, and the value stays exactly the record's, so a file read back
  by our import (or the national system) is unchanged. No formulas, merged cells or widths.
- ``Column``: one column of a list, declared once — its Chinese header, how its value is read
  from a row, and the mask personal data goes through — so a page's table and its download show
  the same columns with the same values (``backend.downloads.xlsx_response`` writes and audits).
- ``escape_cell`` stops formula injection where text leaves through another writer (CSV, the
  import's openpyxl templates): a text cell that starts with ``= + - @``, a tab or a carriage
  return gets a leading apostrophe.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils.functional import Promise
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


# ---------------------------------------------------------------- columns of a list
@dataclass(frozen=True)
class Column:
    """One column of a list: ``header`` (a Chinese msgid, lazily translated: the page shows it in
    the user's language, the download in Chinese), ``value`` (a dotted attribute path such as
    ``"teacher.school.name"``, or a function of the row), and ``mask`` for personal data (e.g.
    ``core.identity.mask_id_number``): applied to the value wherever it is shown, page and file
    alike, so no list can show more than its download or the other way round."""

    header: Any
    value: str | Callable[[Any], Any]
    mask: Callable[[Any], Any] | None = None

    def of(self, row):
        if callable(self.value):
            value = self.value(row)
        else:
            value = row
            for part in self.value.split("."):
                value = None if value is None else getattr(value, part)
            if callable(value):  # get_FOO_display
                value = value()
        if self.mask is not None:
            value = self.mask(value) if value else ""
        return value


def headers(columns: Sequence[Column]) -> list:
    return [column.header for column in columns]


def cells(columns: Sequence[Column], row) -> list:
    """A row's values, one per column (for the download: dates stay dates)."""
    return [column.of(row) for column in columns]


def page_text(value) -> str:
    """A value as a page's table shows it: blank for None, dates as ``yyyy-mm-dd``."""
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value)


def page_rows(columns: Sequence[Column], rows: Iterable) -> list[tuple[Any, list[str]]]:
    """``(row, its cells as text)`` for a page's table (the same values as the download)."""
    return [(row, [page_text(v) for v in cells(columns, row)]) for row in rows]


@dataclass
class Table:
    """One sheet of a download: its name, an optional title row above the headers, the columns
    and the rows (any iterable: a queryset's ``iterator()`` streams)."""

    name: str
    columns: Sequence[Column]
    rows: Iterable
    title: str = ""


# ---------------------------------------------------------------- the streaming writer
# characters XML 1.0 does not allow (a stray control character in a typed-in text)
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug folded in)


def _text(value: str) -> str:
    text = escape(_INVALID.sub("", value))
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<t{space}>{text}</t>"


class Sheet:
    def __init__(self, title: str):
        self.title = title[:31]
        self.file = tempfile.TemporaryFile()
        self.out = io.TextIOWrapper(self.file, encoding="utf-8", newline="")
        self.rows = 0
        self.letters: list[str] = []

    def append(self, values) -> None:
        self.rows += 1
        n = self.rows
        if len(self.letters) < len(values):
            self.letters = [get_column_letter(i) for i in range(1, len(values) + 1)]
        cells = []
        for letter, value in zip(self.letters, values):
            if value is None or value == "":
                continue
            if isinstance(value, Promise):
                value = str(value)
            if value.__class__ is str:
                style = ' s="1"' if value.startswith(FORMULA_PREFIXES) else ""
                cells.append(f'<c r="{letter}{n}"{style} t="inlineStr"><is>{_text(value)}</is></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{letter}{n}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float, Decimal)):
                cells.append(f'<c r="{letter}{n}"><v>{value}</v></c>')
            elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                cells.append(f'<c r="{letter}{n}" s="2"><v>{(value - _EPOCH).days}</v></c>')
            else:
                text = str(value)
                style = ' s="1"' if text.startswith(FORMULA_PREFIXES) else ""
                cells.append(f'<c r="{letter}{n}"{style} t="inlineStr"><is>{_text(text)}</is></c>')
        self.out.write(f'<row r="{n}">{"".join(cells)}</row>')


class Workbook:
    def __init__(self):
        self.sheets: list[Sheet] = []

    def create_sheet(self, title: str) -> Sheet:
        sheet = Sheet(title)
        self.sheets.append(sheet)
        return sheet

    def add_table(self, table: Table) -> int:
        """A sheet of ``table``: its title row (if any), the headers, a row per row. Returns the rows written."""
        sheet = self.create_sheet(str(table.name))
        if table.title:
            sheet.append([str(table.title)])
        sheet.append([str(h) for h in headers(table.columns)])
        count = 0
        for row in table.rows:
            sheet.append(cells(table.columns, row))
            count += 1
        return count

    def save(self, target) -> None:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", self._content_types())
            archive.writestr("_rels/.rels", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
            sheets = "".join(f'<sheet name="{escape(s.title, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                             for i, s in enumerate(self.sheets, start=1))
            archive.writestr("xl/workbook.xml", (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {_NS} xmlns:r="{_R}">'
                f"<sheets>{sheets}</sheets></workbook>"))
            rels = "".join(f'<Relationship Id="rId{i}" Type="{_R}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                           for i in range(1, len(self.sheets) + 1))
            styles_id = len(self.sheets) + 1
            archive.writestr("xl/_rels/workbook.xml.rels", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'{rels}<Relationship Id="rId{styles_id}" Type="{_R}/styles" Target="styles.xml"/></Relationships>'))
            archive.writestr("xl/styles.xml", STYLES)
            for i, sheet in enumerate(self.sheets, start=1):
                sheet.out.flush()
                sheet.file.seek(0)
                with archive.open(f"xl/worksheets/sheet{i}.xml", "w") as part:
                    part.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS}>'
                               "<sheetData>".encode())
                    while chunk := sheet.file.read(1 << 20):
                        part.write(chunk)
                    part.write(b"</sheetData></worksheet>")
                sheet.out.close()

    def content(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()

    def _content_types(self) -> str:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(self.sheets) + 1))
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                f"{sheets}</Types>")


STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {_NS}>'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


# ---------------------------------------------------------------- the download's name
def content_disposition(filename: str) -> str:
    """``attachment`` with the (Chinese) name as RFC 5987 ``filename*`` (UTF-8, percent-encoded)
    and an ASCII ``filename`` for clients that know only that."""
    from urllib.parse import quote

    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_.-") or "download"
    fallback = f"{plain}.{ext}" if ext else plain
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
