"""Streaming readers for the spreadsheets that schools and districts upload.

Usage::

    with open_workbook(uploaded_file, "花名册.xlsx") as workbook:
        for sheet in iter_sheets(workbook, header_matcher("teacher")):
            if sheet.header_row is None:
                continue                      # e.g. a 填表说明 sheet
            for row_number, cells in sheet.rows:
                ...                           # row_number is what Excel shows

Formats and engines
-------------------
* ``.xlsx`` / ``.xlsm``: python-calamine (fast, Rust); openpyxl (read-only mode) if
  calamine cannot open the file.
* ``.xls``: python-calamine; xlrd if calamine cannot open the file.
* ``.csv``: the ``csv`` module; UTF-8 (with or without BOM), UTF-16 with BOM, or
  GB18030 (a superset of the GBK that Chinese Excel writes).

Cell values
-----------
Blank cells are ``""``. Other values are ``str``, ``int``, ``float``, ``bool``,
``datetime.date`` / ``datetime.datetime`` (date-formatted cells), ``datetime.time`` or
``datetime.timedelta``. CSV cells are always ``str``.

* Formulas are never evaluated. calamine and openpyxl return the value Excel cached when
  it last saved the file; a formula that was never calculated (e.g. written by a script)
  reads as blank. A *text* cell whose content starts with ``=`` stays that text.
* Error cells (``#N/A``, ``#REF!``) read as blank with calamine, as their text with
  openpyxl and xlrd.
* Merged cells: Excel keeps the value only in the top-left cell of a merged area. With
  calamine (the normal path) the value is copied into the other cells of merged areas
  that lie below the header row, so a school name merged over ten teacher rows reaches
  all ten. openpyxl in read-only mode and xlrd (without formatting info) do not report
  merged areas, so with those fallbacks the other cells read as blank. Merged header
  rows (two-row headers) are not supported.

Memory
------
Data rows are produced one at a time as Python lists. calamine builds the cell grid of
one sheet in native memory when the sheet is opened (about 32 bytes a cell plus the text:
some 150 MB for 60,000 rows × 34 columns), bounded by ``max_cells``. A worksheet whose XML
is over ``xlsx_parts.SPLIT_MIN_BYTES`` is instead kept as XML once checked and parsed in
parts of about 4 MB by background threads (``imports.xlsx_parts``), a few parts at a time; one
too large to keep (over ``RETAIN_MAX_BYTES``: a province's roster, 1 GB of XML) is not kept at
all — where its rows can be cut is noted during the check, and it is inflated again from the zip
a part at a time as it is read, each run of rows checked against the CRC noted then.
openpyxl and the CSV reader stream the file; xlrd holds the file in memory (bounded by
``max_size``).

Hostile files
-------------
``open_workbook`` refuses, with :class:`UnreadableFile` and a Chinese message naming the
file: files over ``max_size``; content that does not match the extension (checked on
magic bytes); zip bombs (declared sizes from the central directory: total over
``max_uncompressed``, or a large part compressed more than ``max_ratio`` times; and,
because declared sizes can lie and calamine's zip reader does not enforce them, each
part is inflated once with zlib and refused if it produces more than it declares); XML
parts with a ``<!DOCTYPE`` or ``<!ENTITY`` (entity-expansion attacks); and parts whose
cell grid (from A1 to the farthest cell, row or ``<dimension>``) exceeds ``max_cells``,
because calamine allocates that whole grid at once (and openpyxl pads its rows to the
dimension). Every part of the zip is measured, by its content, whatever its name: a
worksheet is whatever the workbook's relationships point to (``sheet1.dat``, no extension,
upper case, a path with ``..``), and the sheet is named in the message when the
relationships tell which it is. The grid is bounded by a regular-expression search and a
numpy pass when every cell and row tag starts with a reference within AZ99999 and no other
``r`` attribute is written, else found exactly by scanning the XML (``_GridExtent``: rows
and cells with a namespace prefix, ``r`` attributes in single quotes, with blanks around
``=``, right after the previous value or with lower-case letters count too — calamine reads
them all). openpyxl, when it is used, parses with defusedxml automatically because
defusedxml is installed. The grid check does not cover ``.xls`` (its grid is at most
65,536 × 256).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import io
import os
import posixpath
import re
import struct
import threading
import zipfile
import zlib
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, Callable, Collection, Iterator

from . import xlsx_parts
from .xlsx_parts import (EMPTY_SHEET, LAST_COLUMN, PartedSheet, SheetCuts, SheetPieces, StreamedCut, merge_parts,
                          sheet_paths, split_pieces)

__all__ = [
    "UnreadableFile",
    "Workbook",
    "SheetInfo",
    "SheetData",
    "open_workbook",
    "iter_sheets",
    "normalise_header",
    "detect_header_row",
    "column_letter",
    "DEFAULT_MAX_SIZE",
    "DEFAULT_MAX_UNCOMPRESSED",
    "DEFAULT_MAX_RATIO",
    "DEFAULT_MAX_CELLS",
    "HEADER_SCAN_ROWS",
]

DEFAULT_MAX_SIZE = 50 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED = 200 * 1024 * 1024
DEFAULT_MAX_RATIO = 100
# Parts smaller than this are not held to max_ratio: they cannot hurt.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
# calamine builds a dense grid from A1 to the farthest cell (32 bytes a cell): a 2 KB file
# with cells in A1 and XFD1048576 would ask for 550 GB and abort the process.
DEFAULT_MAX_CELLS = 10_000_000
HEADER_SCAN_ROWS = 15
MIN_HEADER_MATCHES = 2

FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".csv": "csv"}

XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
# Images (an .svg may carry a DOCTYPE): never parsed by the readers, measured all the same.
_IMAGE_SUFFIXES = (".svg", ".svgz")
_XML_HEAD_BYTES = 4096
_CHUNK = 64 * 1024

# Headers of the row-number column; a row with only this column filled is empty.
ROW_NUMBER_HEADERS = frozenset({"序号", "行号", "no", "no."})


class UnreadableFile(Exception):
    """The file cannot or must not be read; ``message`` is Chinese and names the file."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail  # technical reason, for logs only


# --------------------------------------------------------------------------- headers

def _build_header_table() -> dict[int, int | None]:
    table: dict[int, int | None] = {0xFF01 + i: 0x21 + i for i in range(94)}
    for ch in "*＊ \t\r\n\v\f\u3000\xa0\u2002\u2003\u2009\u200b\u200c\u200d\ufeff" \
              "\"'＂＇“”‘’「」『』:：":
        table[ord(ch)] = None
    return table


_HEADER_TABLE = _build_header_table()


def normalise_header(text: Any) -> str:
    """Normalise a header for comparison.

    Removes ``*``/``＊`` (required marks), all spaces (ASCII, full-width, NBSP, zero-width)
    and line breaks, quote marks and colons; maps full-width ASCII (letters, digits,
    ``（）``) to half-width and lower-cases ASCII letters. ``"*身份证件号 "`` and
    ``"身份证件号"`` give the same result, as do ``是否“双师型”教师`` and ``是否"双师型"教师``.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = _cell_text(text)
    return "".join(text.translate(_HEADER_TABLE).split()).lower()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


HeaderMatcher = Callable[[str], Any]


def _as_matcher(known_headers: HeaderMatcher | Collection[str]) -> HeaderMatcher:
    if callable(known_headers):
        return known_headers
    known = {normalise_header(h) for h in known_headers}
    return known.__contains__


def _score_row(cells: list, matcher: HeaderMatcher) -> int:
    seen = set()
    for value in cells:
        key = normalise_header(value)
        if key and key not in seen and matcher(key):
            seen.add(key)
    return len(seen)


def detect_header_row(
    rows: list[list],
    known_headers: HeaderMatcher | Collection[str],
    *,
    min_matches: int = MIN_HEADER_MATCHES,
) -> int | None:
    """Return the index in ``rows`` of the header row, or None.

    The header row is the row with the most distinct recognised headers (the first such
    row on a tie), and it needs at least ``min_matches`` of them. ``known_headers`` is a
    callable taking a normalised header, or a collection of header names.
    """
    matcher = _as_matcher(known_headers)
    best_index, best_score = None, min_matches - 1
    for index, cells in enumerate(rows):
        score = _score_row(cells, matcher)
        if score > best_score:
            best_index, best_score = index, score
    return best_index


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --------------------------------------------------------------------------- results

@dataclass
class SheetInfo:
    """A sheet of a workbook."""

    name: str
    visible: bool = True


@dataclass
class SheetData:
    """One sheet, located header and streaming data rows.

    ``header_row`` is the Excel row number of the header (None when no row looked like
    a header; ``headers`` is then empty and ``rows`` yields nothing). ``headers`` are the
    header cells as written (text; blanks are ""), indexed like the data cells: index 0 is
    column A. ``rows`` yields ``(excel_row_number, cells)`` for each non-empty data row;
    ``cells`` is at least as long as ``headers``. ``merged_filled`` tells whether merged
    areas were filled in; ``row_number_column`` is the index of the 序号 column, if any;
    ``first_column`` the index of the first non-blank header; ``last_row`` the Excel number
    of the sheet's last row when the engine knows it (for progress bars), else None.
    """

    name: str
    header_row: int | None
    headers: list[str]
    rows: Iterator[tuple[int, list]]
    visible: bool = True
    engine: str = ""
    merged_filled: bool = False
    row_number_column: int | None = None
    first_column: int = 0
    last_row: int | None = None  # Excel number of the sheet's last row (for progress); None if unknown


# --------------------------------------------------------------------------- sources

class _Source:
    """A binary, seekable view of the upload plus its filesystem path when there is one."""

    def __init__(self, source: Any, max_size: int, filename: str):
        self.path: str | None = None
        self._owned = False
        if isinstance(source, (str, os.PathLike)):
            self.path = os.fspath(source)
        elif callable(getattr(source, "temporary_file_path", None)):
            self.path = source.temporary_file_path()
        if self.path is not None:
            try:
                self.file = open(self.path, "rb")
            except OSError as exc:
                raise UnreadableFile(f"文件“{filename}”无法打开。", str(exc)) from exc
            self._owned = True
            self.size = os.fstat(self.file.fileno()).st_size
            return
        fileobj = source
        if not hasattr(fileobj, "read"):
            raise TypeError("source must be a path or a binary file object")
        seekable = getattr(fileobj, "seekable", lambda: False)()
        if seekable:
            fileobj.seek(0, os.SEEK_END)
            self.size = fileobj.tell()
            fileobj.seek(0)
            self.file = fileobj
        else:
            data = fileobj.read(max_size + 1)
            if isinstance(data, str):
                raise TypeError("the file must be opened in binary mode")
            self.size = len(data)
            self.file = io.BytesIO(data)
            self._owned = True

    def head(self, n: int) -> bytes:
        self.file.seek(0)
        data = self.file.read(n)
        self.file.seek(0)
        if isinstance(data, str):
            raise TypeError("the file must be opened in binary mode")
        return data

    def read_all(self) -> bytes:
        self.file.seek(0)
        data = self.file.read()
        self.file.seek(0)
        return data

    def close(self) -> None:
        if self._owned:
            self.file.close()


def _describe_content(head: bytes) -> str:
    """Short Chinese description of what the first bytes look like."""
    if head.startswith(XLSX_MAGIC):
        return "新版 Excel（.xlsx）文件或其他 zip 压缩包"
    if head.startswith(OLE2_MAGIC):
        return "旧版 Excel（.xls）文件或加密的 Excel 文件"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or \
            b"<html" in stripped[:1024]:
        return "网页（HTML），很多系统导出的“Excel”其实是网页"
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<"):
        return "XML 文本"
    if head.startswith(b"%PDF"):
        return "PDF 文件"
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "无法识别的二进制文件"
    return "纯文本"


# --------------------------------------------------------------------------- checks

def _check_xml_head(head: bytes) -> bool:
    """True if the XML prolog in ``head`` is free of DOCTYPE/ENTITY declarations."""
    if head.startswith(b"\xff\xfe"):
        text = head[2:].decode("utf-16-le", "replace")
    elif head.startswith(b"\xfe\xff"):
        text = head[2:].decode("utf-16-be", "replace")
    else:
        text = head.decode("utf-8", "replace").lstrip("\ufeff")
    upper = text.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        return False
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            # The prolog fills the whole head: no root element in sight, refuse.
            return len(head) < _XML_HEAD_BYTES
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
        else:
            return True  # root element, or not XML at all (the parser will fail)
        if end < 0:
            return len(head) < _XML_HEAD_BYTES
        pos = end + 2


# The fast grid check: when every cell tag and every row tag starts with an r="…" reference
# within AZ99999, no other r attribute is written anywhere (calamine reads a second one in the
# same tag, one after a value without a blank, one in single quotes or with blanks around "=")
# and the dimension is within AZ99999 too, the grid calamine allocates is at most 99,999 × 52
# cells. A regular-expression search and a numpy pass over the XML (about 7 ns a byte) decide
# it for the files Excel and the spreadsheet libraries write; anything else gets the exact scan
# of ``_GridExtent``. Where the limit allows a larger grid (a province's roster: the operator
# raises ``IMPORT_MAX_CELLS``), the same check with row numbers of up to 6 or 7 digits
# (AZ999999: 52 million cells; AZ9999999: 520 million) vouches for it: a 500,000-row roster is
# then checked at the fast check's speed, not the exact scan's (about 4× slower).
_FAST_GRID_COLUMNS = 52  # A–AZ
_FAST_GRID_DIGITS = (7, 6, 5)


def _fast_grid_cells(digits: int) -> int:
    return (10 ** digits - 1) * _FAST_GRID_COLUMNS


_FAST_GRID_CELLS = _fast_grid_cells(5)


def _fast_digits(max_cells: int) -> int | None:
    """The most digits of a row number for which the fast check's grid fits ``max_cells``."""
    return next((d for d in _FAST_GRID_DIGITS if _fast_grid_cells(d) <= max_cells), None)


@functools.lru_cache(maxsize=None)
def _outside_grid(digits: int) -> re.Pattern:
    """A cell, row or dimension tag not written as the fast check vouches for (rows of at most
    ``digits`` digits, columns within AZ)."""
    d = str(digits).encode()
    return re.compile(
        rb'<(?:c(?=[\s>/])(?! r="A?[A-Z]\d{1,' + d + rb'}")|row(?=[\s>/])(?! r="\d{1,' + d + rb'}")'
        rb'|dimension(?=[\s>/])(?! ref="A?[A-Z]\d{1,' + d + rb'}(?::A?[A-Z]\d{1,' + d + rb'})?"\s*/?>))')


_OUTSIDE_FAST_GRID = _outside_grid(5)
# calamine also reads cells, rows and the dimension written with a namespace prefix (<x:c>,
# <x:row>): those go to the exact scan.
_PREFIXED_CELL_OR_ROW = re.compile(rb':(?:c|row|dimension)[\s>/]')
# XML parts at least this large are kept after the check, for the part-by-part reader.
RETAIN_MAX_BYTES = 512 * 1024 * 1024


def _inside_fast_grid(piece: bytes, digits: int = 5) -> bool:
    """The fast check of one piece of an XML part cut between elements: every cell, row and
    dimension within AZ and rows of at most ``digits`` digits, written as ``_outside_grid`` says."""
    return not (_outside_grid(digits).search(piece) or _PREFIXED_CELL_OR_ROW.search(piece)
                or not _only_first_references(piece))


def _grid_size(pieces: list[bytes], max_cells: int) -> tuple[int, int] | None:
    """None when the fast check shows the grid fits ``max_cells``; else its exact (rows, cols).
    ``pieces`` are an XML part cut between elements (``xlsx_parts.SheetPieces``)."""
    digits = _fast_digits(max_cells)
    if digits is not None and all(_inside_fast_grid(p, digits) for p in pieces):
        return None
    extent = _GridExtent()
    for piece in pieces:
        view = memoryview(piece)
        for start in range(0, len(piece), _GridExtent.WINDOW):
            extent.feed(view[start:start + _GridExtent.WINDOW])
    return extent.finish()


class _FastCheck:
    """The fast check of an XML part that streams by and is not kept, called with each piece cut
    between elements (``xlsx_parts.SheetCuts`` calls it with the runs of rows it cuts anyway);
    ``fits`` stays True while every piece passes. If not, the caller measures the part again with
    the exact scan (``_exact_grid``)."""

    def __init__(self, digits: int):
        self.digits = digits
        self.fits = True

    def __call__(self, piece: bytes) -> None:
        if self.fits:
            self.fits = _inside_fast_grid(piece, self.digits)

    def finish(self) -> bool:
        return self.fits


class _FastGrid(_FastCheck):
    """``_FastCheck`` of a part that nothing else cuts (any part but a worksheet): fed its bytes as
    they are inflated, checked a window at a time, each window cut just after its last ``>``. A
    tag's checked start (from ``<`` to the end of its ``r="…"``) holds no ``>`` when it is written
    as the check vouches for, so a cut never splits one; one that holds a ``>`` fails the check
    either way."""

    WINDOW = 4 << 20

    def __init__(self, digits: int):
        super().__init__(digits)
        self.buffer = bytearray()

    def feed(self, data) -> None:
        if not self.fits:
            return
        buffer = self.buffer
        buffer += data
        if len(buffer) >= self.WINDOW:
            end = buffer.rfind(b">") + 1
            if end > 0:
                self(bytes(memoryview(buffer)[:end]))
                del buffer[:end]
            else:  # a window without a tag's end is not XML as the check knows it: never held whole
                self.fits = False
            if not self.fits:
                self.buffer = bytearray()

    def finish(self) -> bool:
        if self.buffer:
            self(bytes(self.buffer))
        self.buffer = bytearray()
        return self.fits


_BEFORE_ATTRIBUTE = bytes(1 if b in b' \t\r\n"\'' else 0 for b in range(256))  # where quick-xml starts one
_AFTER_NAME = bytes(1 if b in b" \t\r\n=" else 0 for b in range(256))


def _only_first_references(piece: bytes) -> bool:
    """Every ``r`` attribute in ``piece`` is written ``<c r="`` or ``<row r="`` (the first
    attribute of a cell or a row, the way ``_OUTSIDE_FAST_GRID`` checks it)."""
    import numpy as np

    if b"r" in piece[:5] or b"r" in piece[-3:]:  # padded, so that the look around stays inside
        piece = b"\0\0\0\0\0" + piece + b"\0\0\0"
    a = np.frombuffer(piece, dtype=np.uint8)
    before = np.frombuffer(_BEFORE_ATTRIBUTE, dtype=np.uint8).view(bool)
    after = np.frombuffer(_AFTER_NAME, dtype=np.uint8).view(bool)
    at = np.flatnonzero(a[5:-3] == 114) + 5                         # r
    at = at[before[a[at - 1]] & after[a[at + 1]]]                    # an attribute named r
    first = (a[at - 1] == 32) & (a[at + 1] == 61) & (a[at + 2] == 34) & (
        ((a[at - 3] == 60) & (a[at - 2] == 99))                         # <c r="
        | ((a[at - 5] == 60) & (a[at - 4] == 114) & (a[at - 3] == 111) & (a[at - 2] == 119)))  # <row r="
    return bool(first.all())


def _inspect_xlsx(src: _Source, filename: str, max_uncompressed: int, max_ratio: float,
                  max_cells: int | None) -> dict[str, "list[bytes] | StreamedCut"]:
    """Refuse zip bombs, lying size fields, XML with DOCTYPE/ENTITY declarations and
    parts whose cell grid is too large. Return the checked XML parts of at least
    ``xlsx_parts.SPLIT_MIN_BYTES`` (name → the inflated XML as ``xlsx_parts.SheetPieces``),
    for reading them in parts; for a worksheet too large to keep (over ``RETAIN_MAX_BYTES`` with
    what is kept already), where it can be cut (``xlsx_parts.SheetCuts``): it is inflated again
    part by part as it is read, so that a province's roster is never in memory whole.

    The grid is measured on every part of the zip, by its content, whatever its name: a
    worksheet is whatever the workbook's relationships point to (``sheet1.dat``, no extension,
    ``SHEET1.XML``, a path with ``..``), and calamine opens it all the same."""
    try:
        archive = zipfile.ZipFile(src.file)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(f"文件“{filename}”已损坏，不是有效的 Excel 工作簿。", str(exc)) from exc
    infos = archive.infolist()
    archive.close()  # does not close src.file
    names = {info.filename for info in infos}
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UnreadableFile(f"文件“{filename}”包含的部件过多（{len(infos)} 个），疑似恶意文件，已拒绝。")
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise UnreadableFile(
            f"文件“{filename}”是 zip 压缩包，但不是 Excel 工作簿（可能是 Word 文档或其他压缩包改了扩展名）。")
    total = sum(info.file_size for info in infos)
    if total > max_uncompressed:
        raise UnreadableFile(
            f"文件“{filename}”解压后有 {total // (1024 * 1024)} MB，超过上限 "
            f"{max_uncompressed // (1024 * 1024)} MB，疑似压缩炸弹，已拒绝。")
    for info in infos:
        if info.file_size > RATIO_CHECK_MIN_BYTES and \
                info.file_size > max_ratio * max(info.compress_size, 1):
            raise UnreadableFile(
                f"文件“{filename}”中的部件“{info.filename}”压缩比异常"
                f"（{info.file_size // max(info.compress_size, 1)} 倍），疑似压缩炸弹，已拒绝。")
    sheets = _sheet_parts(src, infos, filename, max_uncompressed)
    produced = 0
    retained: dict[str, list[bytes]] = {}
    kept = 0
    for info in infos:  # every entry, a "directory" too: a reader opens whatever it is pointed to
        lower = info.filename.lower()
        sheet = sheets.get(lower)
        named_xml = lower.endswith(_XML_SUFFIXES) or sheet is not None
        # Parts named as XML, and the worksheets, are kept whole for the check (one at a time)
        # unless they are too large to keep; every other part is measured as it streams by.
        collect = named_xml and kept + info.file_size <= RETAIN_MAX_BYTES and (
            max_cells is not None or info.file_size >= xlsx_parts.SPLIT_MIN_BYTES)
        # a worksheet too large to keep: where its rows can be cut is noted, and it is inflated
        # again part by part as it is read (xlsx_parts.SheetCuts)
        cuts = SheetCuts() if sheet is not None and not collect and info.file_size >= xlsx_parts.SPLIT_MIN_BYTES else None
        # a part not kept is measured as it streams by: by the fast check where the limit allows
        # (on the runs of rows the cuts make, else ``_FastGrid``; the exact scan after it only if
        # it fails), else by the exact scan
        extent = fast = None
        if max_cells is not None and not collect:
            digits = _fast_digits(max_cells)
            if digits is None:
                extent = _GridExtent()
            elif cuts is not None:
                fast = cuts.check = _FastCheck(digits)
            else:
                fast = extent = _FastGrid(digits)
        sink = SheetPieces() if collect else _Both(extent, cuts) if extent and cuts else extent or cuts
        budget = max_uncompressed - produced
        head, size = _inflate_entry(src.file, info, filename, budget, _XML_HEAD_BYTES, sink)
        produced += size
        if (named_xml or (_looks_like_xml(head) and not lower.endswith(_IMAGE_SUFFIXES))) \
                and not _check_xml_head(head):
            raise UnreadableFile(
                f"文件“{filename}”的部件“{info.filename}”含有 DOCTYPE/ENTITY 声明"
                f"（可用于实体膨胀攻击），Excel 不会生成这种内容，已拒绝。")
        pieces = sink.finish() if collect else None
        cut = cuts.finish() if cuts is not None else None
        grid = None
        if max_cells is not None:
            if collect:
                grid = _grid_size(pieces, max_cells)
            elif fast is not None:
                grid = None if fast.finish() else _exact_grid(src.file, info, filename, budget)
            else:
                grid = extent.finish()
        if grid is not None and grid[0] * grid[1] > max_cells:
            raise UnreadableFile(_grid_message(filename, info.filename, sheet, grid, max_cells), info.filename)
        if collect and size >= xlsx_parts.SPLIT_MIN_BYTES:
            retained[info.filename] = pieces
            kept += size
        elif cut is not None:
            retained[info.filename] = cut
    src.file.seek(0)
    return retained


def _exact_grid(fh, info: zipfile.ZipInfo, filename: str, budget: int) -> tuple[int, int]:
    """The exact grid of a zip entry not kept, inflated again (its fast check failed)."""
    extent = _GridExtent()
    _inflate_entry(fh, info, filename, budget, 0, extent)
    return extent.finish()


def _grid_message(filename: str, part: str, sheet: str | None, grid: tuple[int, int], max_cells: int) -> str:
    rows, cols = _count(grid[0]), _count(grid[1])
    if sheet is not None:
        return (f"文件“{filename}”的工作表“{sheet}”区域达到 {rows} 行 × {cols} 列"
                f"（远处的行或列里有零星内容或格式），超过上限 {max_cells:,} 个单元格。"
                f"请删除多余的行和列后重新上传。")
    return (f"文件“{filename}”中的部件“{part}”含有的单元格区域达到 {rows} 行 × {cols} 列，"
            f"超过上限 {max_cells:,} 个单元格，疑似恶意文件，已拒绝。")


def _looks_like_xml(head: bytes) -> bool:
    """The first bytes of a part start like XML (after a byte-order mark and blanks)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


# The workbook parts read to find the worksheets are small; a larger one is not read for that
# (every part's grid is checked anyway: the map only names the sheet in the message, and makes
# the worksheets' names count as XML).
_WORKBOOK_PART_MAX_BYTES = 8 << 20


def _sheet_parts(src: _Source, infos: list[zipfile.ZipInfo], filename: str, budget: int) -> dict[str, str]:
    """Lower-case zip name → sheet name, for every name a reader may open as one of the
    workbook's sheets (``xlsx_parts.target_names``): the workbook the package points to, and
    ``xl/workbook.xml`` (calamine's). Empty when the workbook cannot be read that way."""
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        by_name.setdefault(info.filename.lower(), info)

    def read(name: str) -> bytes:
        info = by_name.get(name.lower().lstrip("/"))
        if info is None or info.file_size > _WORKBOOK_PART_MAX_BYTES:
            raise KeyError(name)
        collected = _Collect()
        _inflate_entry(src.file, info, filename, budget, 0, collected)
        return bytes(collected.data)

    workbooks = ["xl/workbook.xml"]
    try:
        workbooks.insert(0, posixpath.normpath(xlsx_parts.workbook_path(read)))
    except UnreadableFile:
        raise
    except Exception:  # no package relationships, or not readable: calamine's path only
        pass
    out: dict[str, str] = {}
    for workbook in dict.fromkeys(workbooks):
        try:
            targets = xlsx_parts.sheet_targets(read, workbook)
        except UnreadableFile:
            raise
        except Exception:  # not there, not XML, a DOCTYPE (refused with its message below)
            continue
        folder = workbook.rpartition("/")[0]
        for sheet, target in targets:
            for name in xlsx_parts.target_names(folder, target):
                out.setdefault(name, sheet)
    return out


class _Both:
    """Feeds two sinks (the grid check and the cuts of a worksheet too large to keep)."""

    def __init__(self, first, second):
        self.first, self.second = first, second

    def feed(self, data) -> None:
        self.first.feed(data)
        self.second.feed(data)


def _inflated(fh, info: zipfile.ZipInfo, lock) -> Iterator[bytes]:
    """The bytes of a zip entry already checked by ``_inspect_xlsx``, inflated again a chunk at a
    time (what is read is checked against the CRC-32 noted then: ``xlsx_parts.StreamedRuns``).
    ``fh`` may be shared: each read seeks first, holding ``lock``."""
    with lock:
        fh.seek(info.header_offset)
        local = fh.read(30)
        name_len, extra_len = struct.unpack("<HH", local[26:30])
    position = info.header_offset + 30 + name_len + extra_len
    decomp = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    remaining = info.compress_size
    while remaining > 0 and not (decomp is not None and decomp.eof):
        with lock:
            fh.seek(position)
            data = fh.read(min(1 << 20, remaining))
        if not data:
            return
        position += len(data)
        remaining -= len(data)
        if decomp is None:
            yield data
            continue
        while not decomp.eof:  # on until no output is left: zlib may hold some back at the limit
            out = decomp.decompress(data, 4 << 20)
            data = decomp.unconsumed_tail
            if out:
                yield out
            elif not data:
                break
    if decomp is not None:
        rest = decomp.flush()
        if rest:
            yield rest


class _Collect:
    def __init__(self):
        self.data = bytearray()

    def feed(self, data) -> None:
        self.data += data


def _count(n: int) -> str:
    return f"{n:,}" if n < 1 << 32 else "超过一百万"


def _inflate_entry(fh, info: zipfile.ZipInfo, filename: str, budget: int,
                   head_size: int, sink: "_GridExtent | None" = None) -> tuple[bytes, int]:
    """Inflate one zip entry without keeping it; return (first bytes, real size).

    Refuses an entry whose real size differs from the declared size or exceeds
    ``budget`` (what is left of the uncompressed allowance). The inflated data is fed
    to ``sink`` if given.
    """
    def bomb(reason: str) -> UnreadableFile:
        return UnreadableFile(
            f"文件“{filename}”中的部件“{info.filename}”{reason}，疑似压缩炸弹或已损坏，已拒绝。")

    if info.flag_bits & 0x1:
        raise UnreadableFile(f"文件“{filename}”的内容被加密，请取消密码后重新上传。")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UnreadableFile(f"文件“{filename}”使用了 Excel 不会使用的压缩方式，无法读取。")
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != XLSX_MAGIC:
        raise bomb("位置错误")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    limit = min(info.file_size, budget)
    head = b""
    size = 0
    decomp = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    remaining = info.compress_size
    while remaining > 0 and not (decomp is not None and decomp.eof):
        data = fh.read(min(_CHUNK, remaining))
        if not data:
            raise bomb("数据不完整")
        remaining -= len(data)
        while True:
            if decomp is None:
                out, data = data, b""
            else:
                try:
                    out = decomp.decompress(data, _CHUNK)  # output bounded per call
                except zlib.error as exc:
                    raise bomb("数据损坏") from exc
                data = decomp.unconsumed_tail
            size += len(out)
            if size > limit:
                raise bomb("实际大小超过了声明的大小" if size > info.file_size else "解压后过大")
            if len(head) < head_size:
                head += out[: head_size - len(head)]
            if sink is not None and out:
                sink.feed(out)
            if decomp is None or decomp.eof or not out:
                break
    if size != info.file_size:
        raise bomb("实际大小与声明的大小不符")
    return head, size


class _GridExtent:
    """Size of the cell grid a worksheet XML asks for, found while the XML streams by.

    Vectorised with numpy over windows of a few MB, so the cost is a small constant per
    byte. The result bounds what calamine allocates, and what openpyxl (the fallback) pads its
    rows to: rows = the largest row number in an ``r`` attribute (cell or row) or in the
    ``<dimension ref="…">``, cols = the largest column; rows or cells written without ``r``
    (allowed: they follow the previous one) add the number of rows, or the largest number of
    cells in a row. An ``r`` attribute counts however XML allows it to be written: blanks
    around ``=``, single or double quotes, column letters in either case (calamine reads them
    all); a reference that is not a short one (more than three letters, more than seven digits,
    leading zeros) counts as beyond any sheet.

    The XML is cut into windows just before a ``<``: no tag, and so no attribute, spans two
    windows (XML allows no ``<`` inside a tag).
    """

    WINDOW = 4 << 20
    PAD = 96           # read past a window's end: blanks skipped (two runs) and a reference
    BLANKS = 32        # a run of blanks around "=" skipped at once; a longer one, one by one
    HUGE = 1 << 40
    _ATTRIBUTE = re.compile(rb'\s*=\s*(["\'])((?:(?!\1)[^<])*)\1')
    _DIMENSION = re.compile(rb'[\s"\']ref\s*=\s*(["\'])((?:(?!\1)[^<])*)\1')

    def __init__(self):
        import numpy as np

        self.np = np
        self.buffer = bytearray()
        self.searched = 0  # the buffer holds no usable cut ("<" after the start) before here
        self.max_row = self.max_col = self.rows = 0
        self.rows_without_ref = self.cells_without_ref = False
        self.open_row_cells = self.max_row_cells = 0
        tag_end = np.zeros(256, dtype=bool)
        tag_end[[32, 62, 47, 9, 10, 13]] = True
        space = np.zeros(256, dtype=bool)
        space[[32, 9, 10, 13]] = True
        quote = np.zeros(256, dtype=bool)
        quote[[34, 39]] = True
        self.tag_end, self.space, self.quote = tag_end, space, quote

    def feed(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= self.searched + self.WINDOW:
            self._scan(final=False)

    def finish(self) -> tuple[int, int]:
        """Return (rows, columns) of the grid."""
        self._scan(final=True)
        self.max_row_cells = max(self.max_row_cells, self.open_row_cells)
        rows = self.max_row + (self.rows if self.rows_without_ref else 0)
        cols = self.max_col + (self.max_row_cells if self.cells_without_ref else 0)
        return rows, cols

    def _positions(self, data: bytes, pattern: bytes, n: int):
        """Sorted start positions (< n) of a 2- or 4-byte ``pattern`` in ``data``: the buffer
        seen as 16- or 32-bit words at each alignment, one comparison per word."""
        np, width = self.np, len(pattern)
        word = int.from_bytes(pattern, "little")
        dtype = "<u2" if width == 2 else "<u4"
        found = [np.flatnonzero(np.frombuffer(data, dtype=dtype, count=(n + width - 1 - offset) // width,
                                              offset=offset) == word) * width + offset
                 for offset in range(width)]
        out = np.concatenate(found)
        out.sort()
        return out[out < n]

    def _scan(self, final: bool) -> None:
        np = self.np
        if final:
            n = len(self.buffer)
        else:
            n = self.buffer.rfind(b"<", max(1, self.searched))
            if n <= 0:  # one tag longer than a window (blanks inside it): wait for its end
                self.searched = len(self.buffer)
                return
        self.searched = 0
        if n <= 0:
            return
        data = bytes(self.buffer) + b"\0" * self.PAD
        del self.buffer[:n]          # the next window starts at the "<"
        a = np.frombuffer(data, dtype=np.uint8)
        self._attributes(data, a, n)
        self._dimensions(data, n)
        # <c and <row, and :c and :row (a prefix such as <x:c, which calamine reads too; the
        # same two characters in a text only make the bound larger)
        cells = self._positions(data, b"<c", n)
        prefixed = self._positions(data, b":c", n)
        cells = np.union1d(cells, self._opening(a, prefixed[self.tag_end[a[prefixed + 2]]]))
        cells = cells[self.tag_end[a[cells + 2]]]
        rows = self._positions(data, b"<row", n)
        prefixed = self._positions(data, b":row", n)
        rows = np.union1d(rows, self._opening(a, prefixed[self.tag_end[a[prefixed + 4]]]))
        rows = rows[self.tag_end[a[rows + 4]]]
        if cells.size and not ((a[cells + 2] == 32) & (a[cells + 3] == 114)
                               & (a[cells + 4] == 61)).all():
            self.cells_without_ref = True
        if rows.size:
            self.rows += rows.size
            if not ((a[rows + 4] == 32) & (a[rows + 5] == 114) & (a[rows + 6] == 61)).all():
                self.rows_without_ref = True
        per_row = np.bincount(np.searchsorted(rows, cells), minlength=rows.size + 1)
        per_row[0] += self.open_row_cells
        if rows.size:
            self.max_row_cells = max(self.max_row_cells, int(per_row[:-1].max()))
        self.open_row_cells = int(per_row[-1])

    def _attributes(self, data: bytes, a, n: int) -> None:
        """Every ``r`` attribute (after a blank, or right after the previous value as quick-xml
        allows: ``r``, blanks, ``=``, blanks, a quote) starting before ``n``: its reference
        counts."""
        np, space = self.np, self.space
        at = np.flatnonzero(a[1:n] == 114) + 1                       # r
        at = at[space[a[at - 1]] | self.quote[a[at - 1]]]             # after a blank or a value
        at = at[space[a[at + 1]] | (a[at + 1] == 61)]                 # then a blank or =
        if not at.size:
            return
        eq = self._skip_blanks(a, at + 1)
        slow = eq < 0
        eq = eq[~slow]
        value = self._skip_blanks(a, eq[a[eq] == 61] + 1)
        slow_values = value < 0
        value = value[~slow_values]
        value = value[self.quote[a[value]]]
        if value.size:
            windows = np.lib.stride_tricks.sliding_window_view(a, 16)
            self._references(windows[value + 1], a[value])
        # blanks longer than BLANKS (never written by a spreadsheet program): one by one
        for start in at[slow].tolist() + (eq[a[eq] == 61][slow_values] - 1).tolist():
            match = self._ATTRIBUTE.match(data, start + 1)
            if match:
                self._reference(match.group(2))

    def _skip_blanks(self, a, at):
        """The first position at or after each of ``at`` that is not a blank; -1 where the run
        of blanks is longer than BLANKS."""
        space = self.space
        for _ in range(self.BLANKS):
            blank = space[a[at]]
            if not blank.any():
                return at
            at = at + blank
        return self.np.where(space[a[at]], -1, at)

    def _dimensions(self, data: bytes, n: int) -> None:
        """``<dimension ref="A1:H300">`` (any prefix): its far corner counts."""
        at = data.find(b"dimension", 1, n)
        while at >= 0:
            before, after = data[at - 1], data[at + 9]
            if before in b"<:" and after in b" \t\r\n/>":
                end = data.find(b"<", at)  # a tag holds no "<"
                for match in self._DIMENSION.finditer(data, at + 9, end if end >= 0 else len(data)):
                    for corner in match.group(2).split(b":"):
                        self._reference(corner)
            at = data.find(b"dimension", at + 9, n)

    def _reference(self, ref: bytes) -> None:
        """One reference read the slow way, as ``_references`` reads many."""
        letters = len(ref) - len(ref.lstrip(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
        digits = ref[letters:]
        if letters > 3:
            self.max_col = self.HUGE
        elif letters:
            col = 0
            for ch in ref[:letters].upper():
                col = col * 26 + ch - 64
            self.max_col = max(self.max_col, col)
        if len(digits) > 7:
            self.max_row = self.HUGE
        elif digits.isdigit():
            self.max_row = max(self.max_row, int(digits))

    def _references(self, g, quotes) -> None:
        """Largest column and row among references, read as calamine reads them (letters of
        either case, then digits): each row of ``g`` holds the bytes after one opening quote (a
        reference such as AH60003, then the closing quote, the same as the opening one,
        ``quotes``). More than three letters or seven digits (leading zeros too): beyond any
        sheet. Digits with anything else among them are not a row calamine reads (it refuses
        the sheet): left out."""
        np = self.np
        upper = g[:, :4] & 0xDF                        # a-z → A-Z; digits and quotes stay non-letters
        is_letter = (upper >= 65) & (upper <= 90)
        letters = is_letter[:, 0] & 1
        letters += is_letter[:, 0] & is_letter[:, 1]
        letters += is_letter[:, 0] & is_letter[:, 1] & is_letter[:, 2]
        if (is_letter[:, 3] & (letters == 3)).any():
            self.max_col = self.HUGE  # four letters: beyond any sheet
        closing = g == quotes[:, None]
        end = np.argmax(closing, axis=1)  # closing quote; 0 when there is none
        end[~closing[np.arange(len(g)), end]] = g.shape[1]
        top = int(letters.max())
        if top:  # the column, whatever follows the letters (more letters: a larger column)
            v = upper[letters == top, :top].astype(np.int64) - 64
            col = v[:, 0]
            for i in range(1, top):
                col = col * 26 + v[:, i]
            self.max_col = max(self.max_col, int(col.max()))
        digits = end - letters
        if (digits > 7).any():
            self.max_row = self.HUGE
            return
        for width in range(int(digits.max()), 0, -1):  # more digits, a larger row: the first found
            chosen = np.flatnonzero(digits == width)
            if not chosen.size:
                continue
            v = g[chosen[:, None], letters[chosen][:, None] + np.arange(width)].astype(np.int64) - 48
            v = v[((v >= 0) & (v <= 9)).all(axis=1)]
            if v.size:
                row = v[:, 0]
                for i in range(1, width):
                    row = row * 10 + v[:, i]
                self.max_row = max(self.max_row, int(row.max()))
                return

    def _opening(self, a, positions):
        """The ``:c`` / ``:row`` positions that are not in a closing tag (``</x:row>``): the
        nearest ``<`` before them, within 11 bytes, is not followed by ``/``. Positions with no
        ``<`` in reach (a long prefix, the window's start, a text) are kept: they can only make
        the bound larger."""
        np = self.np
        found = np.zeros(positions.size, dtype=bool)
        closing = np.zeros(positions.size, dtype=bool)
        for back in range(1, 12):
            at = positions - back
            inside = at >= 0
            at = np.where(inside, at, 0)
            hit = inside & ~found & (a[at] == 60)          # <
            closing |= hit & (a[at + 1] == 47)              # /
            found |= hit
        return positions[~closing]


# --------------------------------------------------------------------------- engines

class _Engine:
    name = ""

    def sheets(self) -> list[SheetInfo]:
        raise NotImplementedError

    def open_sheet(self, name: str) -> tuple[Iterator[list], int, list, int, int]:
        """Return (rows from Excel row 1, first column offset, merged areas, last row, last col).

        Merged areas are (first_row, first_col, last_row, last_col), 0-based, inclusive.
        """
        raise NotImplementedError

    def close(self) -> None:
        pass


class _CalamineEngine(_Engine):
    name = "calamine"

    def __init__(self, src: _Source, ext: str, retained: dict[str, list[bytes]] | None = None):
        import python_calamine

        self._types = (python_calamine.SheetTypeEnum, python_calamine.SheetVisibleEnum)
        if src.path and src.path.lower().endswith(ext):
            self.book = python_calamine.CalamineWorkbook.from_path(src.path)
        else:
            src.file.seek(0)
            self.book = python_calamine.CalamineWorkbook.from_filelike(src.file)
        self.src = src
        self.retained = retained or {}
        self.parted: list[PartedSheet] = []
        self._paths: dict[str, str] | None = None
        self._entries: dict[str, bytes] | None = None
        self._file_lock = threading.Lock()

    def sheets(self) -> list[SheetInfo]:
        sheet_type, visibility = self._types
        return [SheetInfo(meta.name, meta.visible == visibility.Visible)
                for meta in self.book.sheets_metadata
                if meta.typ == sheet_type.WorkSheet]  # not chart or macro sheets

    def open_sheet(self, name):
        parted = self._parted(name)
        if parted is not None:
            try:
                merged = parted.begin()
            except xlsx_parts.ChangedSheet:  # never read what was not checked (refused by Workbook._open)
                parted.close()
                raise
            except Exception:  # the first part would not parse on its own: read the sheet whole
                parted.close()
                self.parted.remove(parted)
            else:
                return parted.rows(), 0, merged, parted.last_row, LAST_COLUMN
        sheet = self.book.get_sheet_by_name(name)
        start, end = sheet.start, sheet.end
        if start is None or end is None:
            return iter(()), 0, [], -1, -1
        merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
        # iter_rows() starts at Excel row 1 but at the first used column.
        return sheet.iter_rows(), start[1], merged, end[0], end[1]

    def _parted(self, name: str) -> PartedSheet | None:
        """A large worksheet (already checked by ``_inspect_xlsx``) read in parts, or None."""
        if not self.retained:
            return None
        try:
            if self._paths is None:
                self._paths = sheet_paths(self._read_entry)
            path = self._paths.get(name)
            pieces = self.retained.pop(path, None) if path else None  # read once: let it go after
            streamed = pieces if isinstance(pieces, StreamedCut) else None
            cut = split_pieces(pieces) if pieces is not None and streamed is None else None
            del pieces
            if cut is None and streamed is None:
                return None
            if self._entries is None:
                self._entries = self._other_entries()
            # every part's workbook carries the shared strings, and calamine reads them for each
            # part: with many of them (a roster of unique names and IDs), fewer, larger parts
            shared = max((len(data) for name, data in self._entries.items() if name != path), default=0)
            if streamed is not None:
                cut = streamed.cut(self._chunks(path), xlsx_parts.SHARED_STRINGS_SHARE * shared)
            else:
                cut = merge_parts(cut, xlsx_parts.SHARED_STRINGS_SHARE * shared)
        except Exception:  # anything unexpected: read the sheet whole
            return None
        parted = PartedSheet(name, path, cut, self._entries)
        self.parted.append(parted)
        return parted

    def _chunks(self, name: str):
        """A function giving the bytes of the zip entry ``name`` inflated again, a chunk at a
        time (a worksheet too large to keep: ``xlsx_parts.StreamedRuns``), from a handle of its
        own when the upload is a file on disk."""
        src = self.src
        with zipfile.ZipFile(src.file) as archive:
            info = archive.getinfo(name)
        src.file.seek(0)

        def chunks():
            if src.path is not None:
                with open(src.path, "rb") as fh:
                    yield from _inflated(fh, info, threading.Lock())
            else:
                yield from _inflated(src.file, info, self._file_lock)
        return chunks

    def _read_entry(self, name: str) -> bytes:
        pieces = self.retained.get(name)
        if pieces is not None and not isinstance(pieces, StreamedCut):
            return b"".join(pieces)
        self.src.file.seek(0)
        with zipfile.ZipFile(self.src.file) as archive:
            return archive.read(name)

    def _other_entries(self) -> dict[str, bytes]:
        """The XML parts a part's workbook needs besides its sheet; other worksheets empty."""
        sheets = set(self._paths.values())
        out = {}
        self.src.file.seek(0)
        with zipfile.ZipFile(self.src.file) as archive:
            for info in archive.infolist():
                name = info.filename
                if info.is_dir() or not name.lower().endswith(_XML_SUFFIXES):
                    continue
                if name in sheets or isinstance(self.retained.get(name), StreamedCut):
                    out[name] = EMPTY_SHEET
                elif name in self.retained:
                    out[name] = b"".join(self.retained[name])
                else:
                    out[name] = archive.read(name)
        self.src.file.seek(0)
        return out

    def close(self):
        for parted in self.parted:
            parted.close()
        self.parted, self.retained, self._entries = [], {}, None
        self.book.close()


class _OpenpyxlEngine(_Engine):
    name = "openpyxl"

    def __init__(self, src: _Source, ext: str):
        import openpyxl

        src.file.seek(0)
        self.book = openpyxl.load_workbook(src.file, read_only=True, data_only=True,
                                           keep_links=False)

    def sheets(self):
        return [SheetInfo(ws.title, ws.sheet_state == "visible")
                for ws in self.book.worksheets]

    def open_sheet(self, name):
        ws = self.book[name]

        def rows():
            for values in ws.iter_rows(values_only=True):
                row = []
                for v in values:
                    if v is None:
                        v = ""
                    elif type(v) is datetime.datetime and not (
                            v.hour or v.minute or v.second or v.microsecond):
                        v = v.date()
                    row.append(v)
                yield row

        return rows(), 0, [], (ws.max_row or 0) - 1, (ws.max_column or 0) - 1

    def close(self):
        self.book.close()


class _XlrdEngine(_Engine):
    name = "xlrd"

    def __init__(self, src: _Source, ext: str):
        import xlrd

        self.xlrd = xlrd
        self.book = xlrd.open_workbook(file_contents=src.read_all(), on_demand=True)

    def sheets(self):
        return [SheetInfo(s.name, not getattr(s, "visibility", 0))
                for s in (self.book.sheet_by_index(i) for i in range(self.book.nsheets))]

    def open_sheet(self, name):
        xlrd = self.xlrd
        sheet = self.book.sheet_by_name(name)
        datemode = self.book.datemode
        special = {xlrd.XL_CELL_DATE, xlrd.XL_CELL_ERROR, xlrd.XL_CELL_BOOLEAN}

        def rows():
            for r in range(sheet.nrows):
                types = sheet.row_types(r)
                values = sheet.row_values(r)
                if special.isdisjoint(types):
                    yield values
                    continue
                for c, t in enumerate(types):
                    if t == xlrd.XL_CELL_DATE:
                        try:
                            d = xlrd.xldate_as_datetime(values[c], datemode)
                            values[c] = d.date() if d.time() == datetime.time() else d
                        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                            pass
                    elif t == xlrd.XL_CELL_ERROR:
                        values[c] = xlrd.error_text_from_code.get(values[c], "#ERR")
                    elif t == xlrd.XL_CELL_BOOLEAN:
                        values[c] = bool(values[c])
                yield values

        return rows(), 0, [], sheet.nrows - 1, sheet.ncols - 1

    def close(self):
        self.book.release_resources()


class _CsvEngine(_Engine):
    name = "csv"

    def __init__(self, src: _Source, filename: str):
        self.src = src
        self.filename = filename
        self.encoding = _detect_csv_encoding(src, filename)
        sample = src.head(8192).decode(self.encoding, "ignore")
        first_line = sample.split("\n", 1)[0]
        self.delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","

    def sheets(self):
        stem = os.path.splitext(os.path.basename(self.filename))[0] or "Sheet1"
        return [SheetInfo(stem)]

    def open_sheet(self, name):
        src = self.src

        def rows():
            src.file.seek(0)
            # A file-like object that is not an io object is copied (bounded by max_size).
            raw = src.file if isinstance(src.file, io.IOBase) else io.BytesIO(src.read_all())
            text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            try:
                yield from csv.reader(text, delimiter=self.delimiter)
            except csv.Error as exc:
                raise UnreadableFile(
                    f"文件“{self.filename}”不是有效的 CSV 文件（{exc}）。", str(exc)) from exc
            finally:
                text.detach()

        return rows(), 0, [], -1, -1


def _detect_csv_encoding(src: _Source, filename: str) -> str:
    """utf-8-sig, utf-16 (with BOM) or gb18030, checked over the whole file."""
    head = src.head(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "gb18030"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        src.file.seek(0)
        try:
            while True:
                chunk = src.file.read(1024 * 1024)
                if not chunk:
                    decoder.decode(b"", final=True)
                    break
                text = decoder.decode(chunk)
                if "\x00" in text:
                    raise UnicodeDecodeError(encoding, chunk, 0, 1, "NUL character")
        except UnicodeDecodeError:
            continue
        src.file.seek(0)
        return encoding
    src.file.seek(0)
    raise UnreadableFile(
        f"文件“{filename}”不是文本格式的 CSV，或编码无法识别（支持 UTF-8 和 GBK）。"
        f"请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或直接上传 .xlsx。")


# --------------------------------------------------------------------------- workbook

class Workbook:
    """An opened, checked upload. Use as a context manager, or call ``close()``."""

    def __init__(self, filename: str, file_format: str, engine: _Engine, src: _Source):
        self.filename = filename
        self.format = file_format
        self._engine = engine
        self._src = src

    @property
    def engine(self) -> str:
        """'calamine', 'openpyxl', 'xlrd' or 'csv'."""
        return self._engine.name

    def sheets(self) -> list[SheetInfo]:
        return self._engine.sheets()

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets()]

    def __iter__(self) -> Iterator[SheetInfo]:
        return iter(self.sheets())

    def _open(self, name: str):
        try:
            return self._engine.open_sheet(name)
        except UnreadableFile:
            raise
        except Exception as exc:  # engine-specific error types
            raise UnreadableFile(
                f"文件“{self.filename}”的工作表“{name}”无法读取，文件可能已损坏。", repr(exc)) from exc

    def iter_rows(self, sheet_name: str) -> Iterator[tuple[int, list]]:
        """All rows of a sheet as ``(excel_row_number, cells)``, blank rows included.

        Cells are padded so that index 0 is column A; merged areas are not filled.
        """
        rows, offset, _merged, _last_row, _last_col = self._open(sheet_name)
        pad = [""] * offset
        for number, cells in enumerate(rows, start=1):
            yield number, (pad + cells) if offset else cells

    def close(self) -> None:
        try:
            self._engine.close()
        finally:
            self._src.close()

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_workbook(
    source: Any,
    filename: str,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
    max_ratio: float = DEFAULT_MAX_RATIO,
    max_cells: int | None = DEFAULT_MAX_CELLS,
    engine: str | None = None,
) -> Workbook:
    """Check and open an uploaded spreadsheet.

    ``source`` is a path, a binary file object, or a Django ``UploadedFile``;
    ``filename`` is the name the user gave (its extension decides the format and it is
    named in every error). ``max_cells`` bounds an .xlsx sheet's grid (None: no check).
    ``engine`` forces 'calamine', 'openpyxl' or 'xlrd' (tests,
    troubleshooting); by default calamine is tried first. Raises :class:`UnreadableFile`.
    """
    display = os.path.basename(str(filename)) or str(filename)
    ext = os.path.splitext(display)[1].lower()
    file_format = FORMATS.get(ext)
    if file_format is None:
        raise UnreadableFile(
            f"文件“{display}”的格式不受支持：只能上传 .xlsx、.xlsm、.xls 或 .csv 文件。")
    src = _Source(source, max_size, display)
    try:
        _check_size_and_magic(src, display, file_format, ext, max_size)
        if file_format == "csv":
            return Workbook(display, file_format, _CsvEngine(src, display), src)
        retained = None
        if file_format == "xlsx":
            retained = _inspect_xlsx(src, display, max_uncompressed, max_ratio, max_cells)
            engines = ["calamine", "openpyxl"]
        else:
            engines = ["calamine", "xlrd"]
        if engine is not None:
            if engine not in engines:
                raise ValueError(f"engine {engine!r} cannot read {ext} files")
            engines = [engine]
        return Workbook(display, file_format, _first_working_engine(src, display, ext, engines, retained), src)
    except BaseException:
        src.close()
        raise


def _check_size_and_magic(src: _Source, filename: str, file_format: str, ext: str,
                          max_size: int) -> None:
    if src.size > max_size:
        raise UnreadableFile(
            f"文件“{filename}”太大（{src.size / 1048576:.1f} MB），上限为 "
            f"{max_size / 1048576:.0f} MB。请拆分后分批上传。")
    if src.size == 0:
        raise UnreadableFile(f"文件“{filename}”是空文件。")
    head = src.head(8192)
    if file_format == "xlsx" and not head.startswith(XLSX_MAGIC):
        if head.startswith(OLE2_MAGIC):
            raise UnreadableFile(
                f"文件“{filename}”的扩展名是 {ext}，但内容是旧版 .xls 格式或设置了打开密码的工作簿。"
                f"请取消密码，在 Excel 中另存为 .xlsx 后重新上传。")
        raise UnreadableFile(
            f"文件“{filename}”的扩展名是 {ext}，但内容是{_describe_content(head)}，不是 Excel 工作簿。"
            f"请用 Excel 打开后另存为 .xlsx 再上传。")
    if file_format == "xls" and not head.startswith(OLE2_MAGIC):
        if head.startswith(XLSX_MAGIC):
            raise UnreadableFile(
                f"文件“{filename}”的扩展名是 .xls，但内容是新版 .xlsx 格式。请把扩展名改为 .xlsx 后重新上传。")
        raise UnreadableFile(
            f"文件“{filename}”的扩展名是 .xls，但内容是{_describe_content(head)}，不是 Excel 工作簿。"
            f"请用 Excel 打开后另存为 .xlsx 再上传。")
    if file_format == "csv" and head.startswith((XLSX_MAGIC, OLE2_MAGIC)):
        raise UnreadableFile(
            f"文件“{filename}”的扩展名是 .csv，但内容是{_describe_content(head)}。"
            f"请把扩展名改为 .xlsx 或 .xls，或在 Excel 中另存为 CSV。")


def _first_working_engine(src: _Source, filename: str, ext: str, engines: list[str],
                          retained: dict[str, list[bytes]] | None = None) -> _Engine:
    classes = {"calamine": _CalamineEngine, "openpyxl": _OpenpyxlEngine, "xlrd": _XlrdEngine}
    failures = []
    for name in engines:
        try:
            opened = _CalamineEngine(src, ext, retained) if name == "calamine" else classes[name](src, ext)
            opened.sheets()
            return opened
        except Exception as exc:  # each engine has its own error types
            if "password" in type(exc).__name__.lower() or "encrypt" in str(exc).lower():
                raise UnreadableFile(
                    f"文件“{filename}”设置了密码，请在 Excel 中取消密码后重新上传。", repr(exc)) from exc
            failures.append(f"{name}: {exc!r}")
    raise UnreadableFile(
        f"文件“{filename}”无法读取，文件可能已损坏。请用 Excel 打开后另存为 .xlsx 再上传。",
        "; ".join(failures))


# --------------------------------------------------------------------------- sheets

def _filled_cells(cells: list, limit: int = 2) -> tuple[int, int]:
    """Return (count of non-blank cells up to ``limit``, index of the first one)."""
    if limit == 2 and len(cells) > 1:  # a data row: its first two cells filled (序号 and 姓名, say)
        a, b = cells[0], cells[1]
        if a != "" and a is not None and b != "" and b is not None and not (
                (a.__class__ is str and a.isspace()) or (b.__class__ is str and b.isspace())):
            return 2, 0
    count, first = 0, -1
    for index, value in enumerate(cells):
        if value == "" or value is None:
            continue
        if type(value) is str and value.isspace():
            continue
        if count == 0:
            first = index
        count += 1
        if count >= limit:
            break
    return count, first


def _is_number_like(value: Any) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and value.strip().replace(".", "", 1).isdigit()


def iter_sheets(
    workbook: Workbook,
    known_headers: HeaderMatcher | Collection[str],
    *,
    scan_rows: int = HEADER_SCAN_ROWS,
    min_matches: int = MIN_HEADER_MATCHES,
    include_hidden: bool = True,
) -> Iterator[SheetData]:
    """Yield a :class:`SheetData` per worksheet, with its header row located.

    ``known_headers`` recognises normalised headers: a callable (see
    ``imports.synonyms.header_matcher``) or a collection of header names. The header is
    the row among the first ``scan_rows`` with the most recognised headers (at least
    ``min_matches``). Data rows that are blank, or hold only a row number (in the 序号
    column, or a number in the first column), are skipped. Rows must be consumed before
    moving to the next sheet.
    """
    for info in workbook.sheets():
        if not info.visible and not include_hidden:
            continue
        yield _read_sheet(workbook, info, known_headers, scan_rows, min_matches)


def _read_sheet(workbook: Workbook, info: SheetInfo, known_headers, scan_rows: int,
                min_matches: int) -> SheetData:
    rows, offset, merged, last_row, last_col = workbook._open(info.name)
    rows = iter(rows)
    pad = [""] * offset
    try:
        top = [(pad + r) if offset else r for r in islice(rows, scan_rows)]
    except Exception as exc:
        raise UnreadableFile(
            f"文件“{workbook.filename}”的工作表“{info.name}”读取时出错，文件可能已损坏。", repr(exc)) from exc
    header_index = detect_header_row(top, known_headers, min_matches=min_matches)
    engine = workbook.engine
    if header_index is None:
        return SheetData(info.name, None, [], iter(()), info.visible, engine)
    headers = [_cell_text(v).strip() if not isinstance(v, str) else v
               for v in top[header_index]]
    while headers and not headers[-1].strip():
        headers.pop()
    first_column = next((i for i, h in enumerate(headers) if h.strip()), 0)
    row_number_column = next(
        (i for i, h in enumerate(headers) if normalise_header(h) in ROW_NUMBER_HEADERS), None)
    data_merges = sorted(
        (r0, c0, min(r1, last_row), min(c1, last_col))
        for r0, c0, r1, c1 in merged if r0 > header_index and (r0 < r1 or c0 < c1))
    remaining = (pad + r if offset else r for r in rows)
    data = chain(enumerate(top[header_index + 1:], start=header_index + 2),
                 enumerate(remaining, start=len(top) + 1))
    return SheetData(
        name=info.name,
        header_row=header_index + 1,
        headers=headers,
        rows=_data_rows(workbook.filename, info.name, data, len(headers), first_column,
                        row_number_column, data_merges),
        visible=info.visible,
        engine=engine,
        merged_filled=bool(data_merges),
        row_number_column=row_number_column,
        first_column=first_column,
        last_row=last_row + 1 if last_row is not None and last_row >= 0 else None,
    )


def _data_rows(filename: str, sheet_name: str, numbered: Iterator[tuple[int, list]], width: int,
               first_column: int, row_number_column: int | None,
               merges: list[tuple[int, int, int, int]]) -> Iterator[tuple[int, list]]:
    pending = iter(merges)
    next_merge = next(pending, None)
    active: list[list] = []  # [r0, c0, r1, c1, value]
    try:
        for number, cells in numbered:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if next_merge is not None or active:
                r = number - 1
                while next_merge is not None and next_merge[0] <= r:
                    r0, c0, r1, c1 = next_merge
                    if r0 == r:
                        value = cells[c0] if c0 < len(cells) else ""
                        active.append([r0, c0, r1, c1, value])
                    next_merge = next(pending, None)
                if active:
                    active = [m for m in active if m[2] >= r]
            count, first = _filled_cells(cells)
            if count == 0:
                continue
            if count == 1 and (first == row_number_column or (
                    first == first_column and _is_number_like(cells[first]))):
                continue
            if active:
                _fill_merged(cells, active, number - 1)
            yield number, cells
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile(
            f"文件“{filename}”的工作表“{sheet_name}”读取时出错，文件可能已损坏。", repr(exc)) from exc


def _fill_merged(cells: list, active: list[list], r: int) -> None:
    for r0, c0, _r1, c1, value in active:
        if value == "" or c0 >= len(cells):
            continue
        for c in range(c0, min(c1, len(cells) - 1) + 1):
            if (c != c0 or r != r0) and cells[c] == "":
                cells[c] = value
