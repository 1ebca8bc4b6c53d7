"""Reading one large .xlsx worksheet in parts, each parsed by calamine in a background thread.

calamine turns a whole worksheet into its cell grid in one call before the first row reaches
Python: about 1.2 s and well over 100 MB for a 50,000-row city roster, during which the import
can do nothing. A worksheet whose XML is larger than ``SPLIT_MIN_BYTES`` is instead cut at row
boundaries into parts of about ``PART_BYTES``. Each part becomes a small workbook of its own —
the original's other parts (shared strings, styles, the workbook with its date system) and this
sheet holding only the part's rows, with everything around the rows (columns, merged areas) kept
— which calamine parses in a background thread while the previous part's rows are processed.
calamine releases the GIL while it parses, so on a machine with two cores most of the parse is
hidden behind the import's own work, and only a few parts' grids are in memory at a time.

The cut is exact for worksheets as Excel and the spreadsheet libraries write them: rows in
strictly rising order, each carrying its ``r`` attribute. ``split_sheet`` declines anything
else, and that sheet is read whole. Callers pass only XML that has passed the reader's grid check (each
part's grid is within the whole sheet's).
"""
from __future__ import annotations

import io
import re
import zipfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

from .concurrency import fast_switching

__all__ = ["SPLIT_MIN_BYTES", "PART_BYTES", "split_sheet", "sheet_paths", "PartedSheet", "EMPTY_SHEET"]

SPLIT_MIN_BYTES = 8 << 20
PART_BYTES = 8 << 20
# Two parsers: while the reading thread works on one part, the next two are parsed.
WORKERS = 2
AHEAD = 3
LAST_COLUMN = 16383  # XFD: merged areas are clipped to what the rows hold anyway

EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               b'<sheetData/></worksheet>')

_OPEN, _CLOSE, _ROW = b"<sheetData>", b"</sheetData>", b'<row r="'
_ROW_NUMBERS = re.compile(rb'<row(?=[\s>/])(?: r="(\d+)")?')
_END = object()
def _row_number_at(xml, at: int) -> int | None:
    """The number in ``<row r="N"`` starting at ``at``, or None."""
    if xml[at:at + len(_ROW)] != _ROW:
        return None
    end = xml.find(b'"', at + len(_ROW), at + len(_ROW) + 12)
    digits = bytes(xml[at + len(_ROW):end]) if end > 0 else b""
    return int(digits) if digits.isdigit() else None


def split_sheet(xml: bytes, part_bytes: int | None = None):
    """Cut a worksheet's XML into ``(prefix, [(start, end)…], suffix, last_row)``, or None when
    it cannot be cut exactly.

    ``prefix`` runs to the end of the ``<sheetData>`` tag and ``suffix`` from ``</sheetData>``;
    each ``xml[start:end]`` is a run of whole ``<row r="…">`` elements. Row numbers must rise from
    one part to the next; ``last_row`` is the Excel number of the last row.
    """
    part_bytes = part_bytes or PART_BYTES
    open_at = xml.find(_OPEN)
    close_at = xml.rfind(_CLOSE)
    if open_at < 0 or close_at < open_at or xml.find(_OPEN, open_at + 1, open_at + 64 * 1024) >= 0:
        return None
    # Every row must carry its number, in strictly rising order (one scan, about 1 ms a MB):
    # then each part holds exactly the rows between its first and last, as in the whole sheet.
    numbers = _ROW_NUMBERS.findall(xml, open_at, close_at)
    if b"" in numbers or any(a >= b for a, b in zip(map(int, numbers), map(int, numbers[1:]))):
        return None
    body_start = open_at + len(_OPEN)
    cuts = []
    pos = body_start
    previous_last = 0
    while pos < close_at:
        while pos < close_at and xml[pos:pos + 1] in b" \t\r\n":
            pos += 1
        if pos >= close_at:
            break
        first = _row_number_at(xml, pos)
        if first is None or first <= previous_last:
            return None
        stop = xml.find(b"</row>", min(pos + part_bytes, close_at), close_at)
        stop = close_at if stop < 0 else stop + len(b"</row>")
        last_at = xml.rfind(_ROW, pos, stop)
        last = _row_number_at(xml, last_at)
        if last is None or last < first:
            return None
        cuts.append((pos, stop))
        previous_last = last
        pos = stop
    if len(cuts) < 2:
        return None
    return xml[:body_start], cuts, xml[close_at:], previous_last


def sheet_paths(read) -> dict[str, str]:
    """Sheet name → the zip path of its XML, from the workbook and its relationships.
    ``read(path)`` returns a part's bytes. Raises on anything unexpected."""
    from defusedxml import ElementTree

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    workbook = "xl/workbook.xml"
    for rel in ElementTree.fromstring(read("_rels/.rels")):
        if rel.get("Type", "").endswith("/officeDocument"):
            workbook = rel.get("Target", workbook).lstrip("/")
    folder, _, name = workbook.rpartition("/")
    targets = {}
    for rel in ElementTree.fromstring(read(f"{folder}/_rels/{name}.rels")):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
    out = {}
    for element in ElementTree.fromstring(read(workbook)).iter():
        if local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if local(k) == "id"), None)
        if rid in targets:
            out[element.get("name")] = targets[rid]
    return out


class PartedSheet:
    """One worksheet read in parts (see the module's docstring).

    ``begin()`` starts the background thread and waits for the first part, returning the
    sheet's merged areas; ``rows()`` then yields every row from Excel row 1, blank rows as
    ``[]``, each padded so that index 0 is column A. ``close()`` stops the thread.
    """

    def __init__(self, name: str, path: str, xml: bytes, cut, entries: dict[str, bytes],
                 workers: int = WORKERS, ahead: int = AHEAD):
        self.name = name
        self.path = path
        self.xml = memoryview(xml)
        self.prefix, self.cuts, self.suffix, last = cut
        self.last_row = last - 1
        self.entries = entries
        self.workers = workers
        self.ahead = ahead
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque = deque()
        self._next = 0
        self._first = None
        self._closed = False

    # ----------------------------------------------------------------- background
    def _book(self, part: bytes) -> io.BytesIO:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for name, data in self.entries.items():
                if name != self.path:
                    archive.writestr(name, data)
            archive.writestr(self.path, part)
        buffer.seek(0)
        return buffer

    def _parse(self, index: int):
        """Part ``index`` → (origin (row, column) or None, rows, merged areas of part 0)."""
        import python_calamine

        start, end = self.cuts[index]
        part = b"".join((self.prefix, self.xml[start:end], self.suffix))
        book = python_calamine.CalamineWorkbook.from_filelike(self._book(part))
        del part
        try:
            sheet = book.get_sheet_by_name(self.name)
            origin = sheet.start
            merged = None
            if index == 0:
                merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            rows = sheet.to_python(skip_empty_area=True) if origin is not None else []
        finally:
            book.close()
        return origin, rows, merged

    def _submit(self) -> None:
        while self._next < len(self.cuts) and len(self._pending) < self.ahead:
            self._pending.append(self._pool.submit(self._parse, self._next))
            self._next += 1

    def _take(self):
        """The next part in order (parsing ahead); _END after the last."""
        if not self._pending:
            return _END
        result = self._pending.popleft().result()
        self._submit()
        return result

    # ----------------------------------------------------------------- reading side
    def begin(self) -> list[tuple[int, int, int, int]]:
        fast_switching(True)
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="xlsx-parts")
        self._submit()
        self._first = self._take()
        return self._first[2] or []

    def rows(self) -> Iterator[list]:
        next_row = 0
        item = self._first
        self._first = None
        try:
            while item is not _END:
                origin, rows, _merged = item
                if origin is not None:
                    first_row, first_column = origin
                    if first_row < next_row:
                        raise ValueError("worksheet rows out of order across parts")
                    for _ in range(first_row - next_row):
                        yield []
                    if first_column:
                        pad = [""] * first_column
                        for row in rows:
                            yield pad + row
                    else:
                        yield from rows
                    next_row = first_row + len(rows)
                item = self._take()
        finally:
            self.close()

    def close(self) -> None:
        if self._closed or self._pool is None:
            return
        self._closed = True
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.xml = self.entries = None  # the sheet's XML: let it go
        fast_switching(False)
