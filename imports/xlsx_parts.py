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

The XML is cut while it is inflated and checked (``SheetPieces``, used by the reader's
``_inspect_xlsx``), between elements, so each run of rows can be let go once its part is parsed.
The cut is exact for worksheets as Excel and the spreadsheet libraries write them: rows in
strictly rising order, each carrying its ``r`` attribute. ``split_pieces`` declines anything
else, and that sheet is read whole. Callers pass only XML that has passed the reader's grid
check (each part's grid is within the whole sheet's).

A worksheet too large to keep (a province's roster: 1 GB of XML) is not kept at all: the check
notes where its rows can be cut (``SheetCuts``: each run's length and CRC-32), and the parse
workers inflate it again from the zip a part at a time (``StreamedRuns``), refusing a run that
differs from the one checked (``ChangedSheet``).
"""
from __future__ import annotations

import io
import posixpath
import re
import threading
import zipfile
import zlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

from .concurrency import fast_switching

__all__ = ["SPLIT_MIN_BYTES", "PART_BYTES", "SheetPieces", "SheetCuts", "StreamedCut", "StreamedRuns", "ChangedSheet", "split_pieces", "merge_parts", "split_sheet", "sheet_paths",
           "workbook_path", "sheet_targets", "target_names", "PartedSheet", "EMPTY_SHEET"]

SPLIT_MIN_BYTES = 8 << 20
PART_BYTES = 4 << 20
# The first runs of rows are smaller, doubling up to PART_BYTES (1, 2, 4 MB): the reading
# thread waits for the first parses before it can start, and they are parsed side by side.
FIRST_PART_BYTES = 1 << 20
RAMP_PARTS = 3  # the runs of 1, 2 and 4 MB at the start, kept as they are by merge_parts
# Two parsers: while the reading thread works on one part, the next ones are parsed (each part
# in flight holds its XML, its workbook, calamine's grid and the rows: about 5× PART_BYTES).
WORKERS = 2
AHEAD = 2
# A part is at least this many times the workbook's largest other part (its shared strings,
# which calamine reads again for every part), so that re-reading them stays a small share.
SHARED_STRINGS_SHARE = 2
LAST_COLUMN = 16383  # XFD: merged areas are clipped to what the rows hold anyway

EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               b'<sheetData/></worksheet>')

_OPEN, _CLOSE, _ROW = b"<sheetData>", b"</sheetData>", b'<row r="'
# Put before a part's <sheetData> when its merged areas are not wanted (every part but the
# first, which carries the same tail): calamine reads a sheet's merged areas from its first
# <mergeCells> element, scanning the XML to it, a second pass over every row that cost about
# 60 % of parsing the cells. An empty element ahead of the rows ends that scan at once; the
# cells are read as before (decisions.md, "Merged-area scan").
_NO_MERGED = b"<mergeCells></mergeCells>"
# calamine reads the shared strings from this path (the name Excel and LibreOffice give them)
SHARED_STRINGS = "xl/sharedStrings.xml"
_SHARED_REF = re.compile(rb't="s"[^>]*><v>(\d+)</v>')
TAIL_BYTES = 16 << 10  # the last rows of a part, where its newest shared strings are
_ROW_NUMBERS = re.compile(rb'<row(?=[\s>/])(?: r="(\d+)")?')
_END = object()


class SheetPieces:
    """An XML part collected while it is inflated, cut between elements as it comes.

    ``feed`` takes the inflated bytes in order; ``finish`` returns the pieces. For a worksheet
    they are: everything up to the end of the ``<sheetData>`` tag; runs of whole ``<row>``
    elements of about ``part_bytes`` each (a run ends with ``</row>``); and everything from
    ``</sheetData>`` on. Anything else (no ``<sheetData>`` near the start, or no
    ``</sheetData>``) is one piece. No element is cut, so a search for tags finds in the
    pieces exactly what it finds in the whole; and the runs can be let go one by one."""

    HEAD_LIMIT = 1 << 20  # <sheetData> comes after the sheet's settings and column widths

    def __init__(self, part_bytes: int | None = None):
        self.part_bytes = part_bytes or PART_BYTES
        self.pieces: list[bytes] = []
        self.cuts = 0  # pieces cut so far (the ramp of FIRST_PART_BYTES counts them)
        self.current = bytearray()
        self.state = "head"  # → "rows" after <sheetData>, or "whole"

    def _cut(self, current: bytearray, end: int) -> None:
        """The piece ``current[:end]`` cut from the stream (the head, then each run of rows)."""
        self.pieces.append(bytes(current[:end]))

    def feed(self, data) -> None:
        current = self.current
        current += data
        if self.state == "head":
            at = current.find(_OPEN)
            if at >= 0:
                at += len(_OPEN)
                self._cut(current, at)
                self.cuts += 1
                del current[:at]
                self.state = "rows"
            elif len(current) > self.HEAD_LIMIT:
                self.state = "whole"
        while self.state == "rows":
            size = min(self.part_bytes, FIRST_PART_BYTES << (self.cuts - 1))
            if len(current) < size:
                break
            cut = current.find(b"</row>", size - len(b"</row>"))
            if cut < 0:
                break
            cut += len(b"</row>")
            self._cut(current, cut)
            self.cuts += 1
            del current[:cut]

    def finish(self) -> list[bytes]:
        current, pieces = self.current, self.pieces
        at = current.rfind(_CLOSE) if self.state == "rows" else -1
        if at < 0:  # not a worksheet as expected: one piece
            pieces = [b"".join(pieces) + bytes(current)] if pieces else [bytes(current)]
        else:
            rest = bytes(current[:at])
            if len(pieces) > 1 and not rest.strip():  # a line break before </sheetData>
                pieces[-1] += rest
            elif rest:
                pieces.append(rest)
            pieces.append(bytes(current[at:]))
        self.current, self.pieces = bytearray(), []
        return pieces


def split_pieces(pieces: list[bytes]):
    """``(prefix, parts, suffix, last_row)`` from ``SheetPieces`` of a worksheet, or None when
    the sheet cannot be read in parts exactly: fewer than two runs of rows, a row without its
    ``r`` number, or rows not in strictly rising order. ``last_row`` is the Excel number of
    the last row."""
    if len(pieces) < 4 or not pieces[0].endswith(_OPEN) or not pieces[-1].startswith(_CLOSE):
        return None
    parts = pieces[1:-1]
    previous = 0
    for part in parts:
        if not part.lstrip(b" \t\r\n").startswith(_ROW):
            return None
        # every row numbered, in strictly rising order: each part then holds exactly the
        # rows between its first and last, as in the whole sheet (one scan, ~1 ms a MB)
        numbers = _ROW_NUMBERS.findall(part)
        if b"" in numbers:
            return None
        for number in map(int, numbers):
            if number <= previous:
                return None
            previous = number
    return pieces[0], parts, pieces[-1], previous


class SheetCuts(SheetPieces):
    """``SheetPieces`` for a worksheet too large to keep in memory (``readers.RETAIN_MAX_BYTES``,
    a province's roster): the same cuts, checked as ``split_pieces`` checks them (each run starts
    with a row, every row numbered, in strictly rising order), but each run of rows is let go
    once its length and CRC-32 are noted. ``finish`` returns a ``StreamedCut``, or None when the
    sheet cannot be read in parts exactly. The reader then inflates the sheet again from the zip
    while it reads (``StreamedRuns``), and gets the same runs, checked against their CRC."""

    TAIL_LIMIT = 1 << 20  # what follows </sheetData> (merged areas, print settings), kept

    def __init__(self, part_bytes: int | None = None):
        super().__init__(part_bytes)
        self.prefix: bytes | None = None
        self.runs: list[list[int]] = []  # [length, CRC-32] of each run of rows, in order
        self.previous = 0
        self.orderly = True
        # called with each piece as it is cut (the head, each run, the rest at the end): the
        # reader's fast grid check (``readers._FastCheck``), which needs pieces cut between elements
        self.check = None

    def _cut(self, current: bytearray, end: int) -> None:
        if self.prefix is None:
            self.prefix = bytes(memoryview(current)[:end])
            if self.check is not None:
                self.check(self.prefix)
            return
        self._note(bytes(memoryview(current)[:end]))

    def _note(self, run: bytes) -> None:
        if self.check is not None:
            self.check(run)
        self.runs.append([len(run), zlib.crc32(run)])
        if not self.orderly:
            return
        if not bytes(run[:4096]).lstrip(b" \t\r\n").startswith(_ROW):
            self.orderly = False
            return
        for number in _ROW_NUMBERS.findall(run):
            if not number or int(number) <= self.previous:
                self.orderly = False
                return
            self.previous = int(number)

    def finish(self) -> "StreamedCut | None":
        current = self.current
        self.current = bytearray()
        if self.check is not None and current:  # what follows the last run, whatever it is
            self.check(bytes(current))
        at = current.rfind(_CLOSE) if self.state == "rows" else -1
        if at < 0 or self.prefix is None or len(current) - at > self.TAIL_LIMIT:
            return None
        rest = bytes(current[:at])
        if self.runs and not rest.strip():  # a line break before </sheetData>
            last = self.runs[-1]
            last[0] += len(rest)
            last[1] = zlib.crc32(rest, last[1])
        elif rest:
            self.check = None  # checked above with the rest
            self._note(rest)
        suffix = bytes(current[at:])
        if len(self.runs) < 2 or not self.orderly:
            return None
        return StreamedCut(self.prefix, [tuple(run) for run in self.runs], suffix, self.previous)


class StreamedCut:
    """A worksheet's cut noted by ``SheetCuts``: its head, the (length, CRC-32) of each run of
    rows, its tail and the Excel number of its last row."""

    def __init__(self, prefix: bytes, runs: list[tuple[int, int]], suffix: bytes, last_row: int):
        self.prefix, self.runs, self.suffix, self.last_row = prefix, runs, suffix, last_row

    def cut(self, chunks, at_least: int = 0, keep: int = RAMP_PARTS):
        """``(prefix, parts, suffix, last_row)`` as ``split_pieces`` gives, ``parts`` a
        ``StreamedRuns`` over the XML inflated again by ``chunks()`` (an iterator of its bytes),
        neighbouring runs joined into parts of at least ``at_least`` bytes as ``merge_parts``
        joins them."""
        keep = max(1, keep)
        groups = [[run] for run in self.runs[:keep]]
        group, size = [], 0
        for run in self.runs[keep:]:
            group.append(run)
            size += run[0]
            if size >= at_least:
                groups.append(group)
                group, size = [], 0
        if group:
            groups.append(group)
        return self.prefix, StreamedRuns(chunks, len(self.prefix), groups), self.suffix, self.last_row


class ChangedSheet(ValueError):
    """A part inflated again differs from what was checked (``StreamedRuns``)."""


class StreamedRuns:
    """The parts of a worksheet inflated again from the zip as they are asked for, in order
    (``take``, from the parse workers: a part asked for early waits in ``ready``), each run
    checked against the length and CRC-32 noted when the sheet was checked: the XML parsed is
    the XML checked. Only the parts in flight are in memory."""

    def __init__(self, chunks, skip: int, groups: list[list[tuple[int, int]]]):
        self.chunks = chunks
        self.skip = skip
        self.groups = groups
        self.lock = threading.Lock()
        self.ready: dict[int, bytes] = {}
        self.made = 0
        self.stream = None
        self.buffer = bytearray()

    def __len__(self) -> int:
        return len(self.groups)

    def take(self, index: int) -> bytes:
        with self.lock:
            while self.made <= index:
                self.ready[self.made] = self._part(self.groups[self.made])
                self.made += 1
            return self.ready.pop(index)

    def _read(self, n: int) -> bytes:
        buffer = self.buffer
        while len(buffer) < n:
            data = next(self.stream, None)
            if data is None:
                break
            buffer += data
        out = bytes(buffer[:n])
        del buffer[:n]
        return out

    def _part(self, runs) -> bytes:
        if self.stream is None:
            self.stream = iter(self.chunks())
            self._read(self.skip)
        out = []
        for length, crc in runs:
            data = self._read(length)
            if len(data) != length or zlib.crc32(data) != crc:
                raise ChangedSheet("the worksheet is not the one checked")
            out.append(data)
        return b"".join(out) if len(out) > 1 else out[0]

    def close(self) -> None:
        with self.lock:
            close = getattr(self.stream, "close", None)
            if close is not None:
                close()
            self.stream, self.ready, self.buffer = None, {}, bytearray()


def merge_parts(cut, at_least: int, keep: int = RAMP_PARTS):
    """``cut`` (from ``split_pieces``) with neighbouring runs of rows joined into parts of at
    least ``at_least`` bytes (the last may be smaller), but the first ``keep``, which stay small
    so that the reading thread can start soon; ``cut`` itself when there is nothing to join."""
    prefix, parts, suffix, last_row = cut
    keep = max(1, keep)
    if at_least <= 0 or all(len(part) >= at_least for part in parts[keep:-1]):
        return cut
    merged, group, size = list(parts[:keep]), [], 0
    for part in parts[keep:]:
        group.append(part)
        size += len(part)
        if size >= at_least:
            merged.append(b"".join(group))
            group, size = [], 0
    if group:
        merged.append(b"".join(group))
    return prefix, merged, suffix, last_row


def split_sheet(xml: bytes, part_bytes: int | None = None):
    """``split_pieces`` of a whole worksheet XML (tests, tools)."""
    collector = SheetPieces(part_bytes)
    collector.feed(xml)
    return split_pieces(collector.finish())


def sheet_paths(read) -> dict[str, str]:
    """Sheet name → the zip path of its XML, from the workbook and its relationships.
    ``read(path)`` returns a part's bytes. Raises on anything unexpected."""
    workbook = workbook_path(read)
    folder = workbook.rpartition("/")[0]
    return {name: target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
            for name, target in sheet_targets(read, workbook)}


def workbook_path(read) -> str:
    """The zip path of the workbook part, from the package's relationships (``_rels/.rels``)."""
    workbook = "xl/workbook.xml"
    for rel in _xml(read("_rels/.rels")):
        if rel.get("Type", "").endswith("/officeDocument"):
            workbook = rel.get("Target", workbook).lstrip("/")
    return workbook


def sheet_targets(read, workbook: str) -> list[tuple[str, str]]:
    """(sheet name, its relationship's Target as written) for every sheet of the workbook part
    ``workbook`` (a zip path), from the workbook and its relationships. ``read(path)`` returns a
    part's bytes. Raises on anything unexpected."""
    folder, _, name = workbook.rpartition("/")
    targets = {rel.get("Id"): rel.get("Target", "")
               for rel in _xml(read(f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"))}
    out = []
    for element in _xml(read(workbook)).iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        if rid in targets:
            out.append((element.get("name") or "", targets[rid]))
    return out


def target_names(folder: str, target: str) -> set[str]:
    """Every zip path (lower case: readers look names up ignoring case) a reader may open for a
    relationship ``target`` of a part in ``folder``: resolved as the Open Packaging Conventions
    say (relative to the folder, ``..`` applied), as calamine does (``xl/`` put in front unless
    there, nothing applied), and as written."""
    target = target.replace("\\", "/")
    names = {target.lstrip("/"), f"{folder}/{target}" if folder else target}
    if target.startswith("/"):
        names.add(posixpath.normpath(target).lstrip("/"))
    else:
        names.add(posixpath.normpath(f"{folder}/{target}" if folder else target).lstrip("/"))
    names.add(target[1:] if target.startswith("/xl/") else target if target.startswith("xl/") else f"xl/{target}")
    return {name.lower() for name in names if name}


def _xml(data: bytes):
    from defusedxml import ElementTree

    return ElementTree.fromstring(data)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class PartedSheet:
    """One worksheet read in parts (see the module's docstring).

    ``begin()`` starts the background thread and waits for the first part, returning the
    sheet's merged areas; ``rows()`` then yields every row from Excel row 1, blank rows as
    ``[]``, each padded so that index 0 is column A. ``close()`` stops the thread.
    """

    def __init__(self, name: str, path: str, cut, entries: dict[str, bytes],
                 workers: int = WORKERS, ahead: int = AHEAD):
        self.name = name
        self.path = path
        self.prefix, parts, self.suffix, last = cut
        # the head of every part but the first: the merged areas are read from part 0 only
        self.prefix_rest = (self.prefix[:-len(_OPEN)] + _NO_MERGED + _OPEN
                            if self.prefix.endswith(_OPEN) else self.prefix)
        # each let go once parsed; or inflated again from the zip as they are parsed
        self.parts = parts if isinstance(parts, StreamedRuns) else list(parts)
        self.part_count = len(self.parts)
        self.last_row = last - 1
        self.entries = entries
        # where each shared string ends (see _shared_strings_for), worked out on first use
        self._shared_ends: list[int] | None = None
        self._trim = SHARED_STRINGS in entries
        self._lock = threading.Lock()
        self.workers = workers
        self.ahead = ahead
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque = deque()
        self._next = 0
        self._first = None
        self._closed = False

    # ----------------------------------------------------------------- background
    def _book(self, part: bytes, shared: bytes | None = None) -> io.BytesIO:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for name, data in self.entries.items():
                if name != self.path:
                    archive.writestr(name, shared if shared is not None and name == SHARED_STRINGS else data)
            archive.writestr(self.path, part)
        buffer.seek(0)
        return buffer

    def _shared_strings_for(self, rows: bytes) -> bytes | None:
        """The shared strings a part needs, as far as its last rows tell: those up to the
        largest index its last rows use, or None for all of them.

        calamine reads a part's whole shared-strings table, and a roster's table is large
        (every name and ID is a string of its own): read for every part, it cost more than
        the sheet's own cells. Excel and LibreOffice number the strings in the order they
        first appear, so a part's last rows hold its newest ones, and the table up to there
        serves the whole part. A file numbered otherwise makes calamine refuse a cell ("not
        found in shared strings table"): that part is parsed again with the whole table, and
        so are the parts after it (``_parse``)."""
        if not self._trim:
            return None
        shared = self.entries[SHARED_STRINGS]
        with self._lock:
            if self._shared_ends is None:
                self._shared_ends = [m.end() for m in re.finditer(rb"</si>", shared)]
        used = [int(n) for n in _SHARED_REF.findall(rows, max(0, len(rows) - TAIL_BYTES))]
        ends = self._shared_ends
        if not used or max(used) + 1 >= len(ends):
            return None
        return shared[:ends[max(used)]] + b"</sst>"

    def _parse(self, index: int):
        """Part ``index`` → (origin (row, column) or None, rows, merged areas of part 0)."""
        import python_calamine

        parts = self.parts
        if isinstance(parts, StreamedRuns):
            rows_xml = parts.take(index)
        else:
            rows_xml = parts[index]
            parts[index] = None
        part = b"".join((self.prefix if index == 0 else self.prefix_rest, rows_xml, self.suffix))
        shared = self._shared_strings_for(rows_xml)
        del rows_xml
        try:
            return self._parse_book(python_calamine.CalamineWorkbook.from_filelike(self._book(part, shared)), index)
        except python_calamine.CalamineError as exc:
            if shared is None or "shared strings" not in str(exc):
                raise
            self._trim = False  # numbered otherwise: the whole table from now on
            return self._parse_book(python_calamine.CalamineWorkbook.from_filelike(self._book(part)), index)

    def _parse_book(self, book, index: int):
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
        while self._next < len(self.parts) and len(self._pending) < self.ahead:
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
        if isinstance(self.parts, StreamedRuns):
            self.parts.close()
        self.parts = []
        self.entries = None
        fast_switching(False)
