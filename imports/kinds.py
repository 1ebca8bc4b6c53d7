"""What a kind of sheet is: its columns, how each cell is read, how its headers are written.

A :class:`Kind` is pure data, declared once, next to the handler that checks and writes its
rows (``imports.handlers.<kind>``: ``register(KIND, Handler)``): its name, label and sheet
names, and its columns, each with the header the template writes and the other spellings
seen in real files (``Column.headers``). The import (``imports.run``) recognises a sheet and
its columns from them and reads cells with :meth:`Column.batch_parser`; the templates
(``imports.workbooks``), the upload form, the command line and the mapping step list the
registered kinds, so a new kind is one handler module and nothing else.

Value spellings (code lists: 大学本科/本科, 大专/专科, 在编/是 …) are data in
``imports.synonyms.VALUE_SYNONYMS`` (``Column.synonyms`` names the list); the city adds its
own in the admin (``imports.models.SavedMapping``).

``KINDS`` (name → Kind) and ``KIND_ORDER`` (names in the order sheets are checked and written:
what later kinds refer to first) read the registry, loading the handlers on first use.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from typing import Any, Callable

from . import values as v
from .readers import normalise_header

__all__ = ["Column", "Kind", "KINDS", "KIND_ORDER", "resolve_kind", "kind_for_sheet_kind", "add_kind",
           "remove_kind", "IDENTITY_KEYS", "IDENTITY_COLUMNS", "VALUE_SYNONYMS", "parse_school_year",
           "is_year_month"]


# The built-in value spellings (code lists) are data in imports.synonyms, one list a coded column.
from .synonyms import VALUE_SYNONYMS  # noqa: E402


# --------------------------------------------------------------------------- special values
_YEAR_MONTH_TEXT = re.compile(r"\d{6}|\d{4}\s*[-./年]\s*\d{1,2}\s*月?")


def is_year_month(raw: Any) -> bool:
    """True when a date cell holds only a year and month (198001, 1980-01, 1980年1月…)."""
    if isinstance(raw, bool):
        return False
    if isinstance(raw, (int, float)):
        return 100000 <= raw <= 999999 or (1900 <= raw < 2101 and raw != int(raw))
    if isinstance(raw, str):
        return bool(_YEAR_MONTH_TEXT.fullmatch(v.to_text(raw)))
    return False


_SCHOOL_YEAR_RE = re.compile(r"(\d{4})(?:\s*[-－—~至/]\s*(\d{4}))?\s*(?:学年度?|年度?)?")


def parse_school_year(raw: Any) -> int | None:
    """学年 as its first year: 2025, "2025-2026", "2025-2026学年", "2025学年" → 2025."""
    if v.is_blank(raw):
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if raw != int(raw):
            raise ValueError(f"“{v.to_text(raw)}”不是有效的学年，请写成 2025-2026")
        year, second = int(raw), None
    else:
        m = _SCHOOL_YEAR_RE.fullmatch(v.to_text(raw))
        if not m:
            raise ValueError(f"“{v.to_text(raw)[:30]}”不是有效的学年，请写成 2025-2026")
        year, second = int(m[1]), int(m[2]) if m[2] else None
    if second is not None and second != year + 1:
        raise ValueError(f"“{v.to_text(raw)}”不是有效的学年：后一年应为 {year + 1}")
    if not 2000 <= year <= 2100:
        raise ValueError(f"“{v.to_text(raw)}”不是有效的学年：年份应在 2000–2100 之间")
    return year


# --------------------------------------------------------------------------- columns
_BUILT_IN: Any = object()  # "the column's built-in spellings" (None means "none at all")


@dataclass(frozen=True)
class Column:
    """One column of a kind.

    ``key`` names the column (the field key answers and ``--fill`` use); ``label`` the header
    our template writes; ``headers`` the other headers seen in files for it (the national
    template's wording first; compared after ``readers.normalise_header``); ``type`` one of text, id, date, month, bool, choice,
    int, decimal, year, school_year. ``choices`` (a ``TextChoices`` class) and ``synonyms``
    (a key of ``VALUE_SYNONYMS``) for coded columns. ``required``: the column must be in the
    sheet and filled on every row. ``field``: the model field it fills (None when the
    handler uses it otherwise).
    """

    key: str
    label: str
    type: str = "text"
    required: bool = False
    choices: Any = None
    synonyms: str | None = None
    max_length: int | None = None
    field: str | None = None
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    hint: str = ""
    # a measure depends on it (DOMAIN.md): a sheet that lacks the column and creates records is
    # asked for it (one value for the whole file, recorded with the run), never defaulted
    measure: bool = False
    headers: tuple[str, ...] = ()
    # the column tells which kind a sheet is (``synonyms.detect_sheet_kind``); False for columns
    # a sheet shares with other kinds (a 花名册's 学历 columns are a 学习经历 sheet's too)
    detects: bool = True

    def choice_labels(self) -> list[str]:
        """The labels a template offers in its dropdown (blank choices left out)."""
        if self.type == "bool":
            return ["是", "否"]
        if self.choices is None:
            return []
        return [str(label) for code, label in self.choices.choices if code != ""]

    def parser(self, synonyms: dict | None = _BUILT_IN) -> Callable[[Any], Any]:
        """A function raw cell → value (None when blank) that raises ``ValueError`` with a
        Chinese reason (``values.UnknownValue`` for a value the system does not know). Coded,
        boolean and date columns memoise by raw value: a roster holds the same few values
        thousands of times. ``synonyms``: the spellings of a coded or 是/否 column for this run
        (``imports.mappings.Vocabulary.synonyms``), else the built-in ones."""
        kind = self.type
        if kind == "text":
            limit = self.max_length

            def parse_text(raw):
                text = v.to_text(raw)
                if limit and len(text) > limit:
                    raise ValueError(f"内容过长（{len(text)} 字），最多 {limit} 字")
                return text or None
            return parse_text
        if kind == "id":
            return lambda raw: v.id_number_cell(raw) or None
        if kind in ("int", "decimal"):
            base = v.parse_int if kind == "int" else v.parse_decimal
            low, high = self.minimum, self.maximum

            def parse_number(raw):
                number = base(raw)
                if number is None:
                    return None
                if low is not None and number < low:
                    raise ValueError(f"“{v.to_text(raw)}”不能小于 {low}")
                if high is not None and number > high:
                    raise ValueError(f"“{v.to_text(raw)}”不能大于 {high}")
                return number
            return parse_number
        if kind == "date":
            base = v.parse_date
        elif kind == "month":
            def base(raw):
                return v.parse_date(raw, month_precision=True)
        elif kind == "bool":
            extra = None if synonyms is _BUILT_IN else synonyms

            def base(raw):
                return v.parse_bool(raw, extra)
        elif kind == "choice":
            choices = self.choices
            if synonyms is _BUILT_IN:
                synonyms = self.built_in_synonyms()

            def base(raw):
                return v.parse_choice(raw, choices, synonyms)
        elif kind == "year":
            def base(raw):
                year = v.parse_int(raw)
                if year is not None and not 2000 <= year <= 2100:
                    raise ValueError(f"“{v.to_text(raw)}”不是有效的年度（2000–2100）")
                return year
        elif kind == "school_year":
            base = parse_school_year
        else:  # pragma: no cover - a spec error
            raise ValueError(f"unknown column type {kind!r}")
        return _memoised(base)


    def built_in_synonyms(self) -> dict | None:
        return VALUE_SYNONYMS.get(self.synonyms or "")

    def batch_parser(self, synonyms: dict | None = _BUILT_IN) -> "BatchParser":
        """A :class:`BatchParser` for this column: a whole column of a batch of rows at once."""
        if self.type == "id":
            return BatchParser(self.parser(), memo=False, fast=_fast_id)
        base = self.parser(synonyms)
        parser = BatchParser(getattr(base, "unmemoised", base), memo=True)
        if self.type == "text":
            parser.text_limit = self.max_length or 0
        return parser


_MEMO_LIMIT = 50_000
_MISS = object()


def _fast_id(raw):
    """The common 身份证件号 cell — 18 ASCII characters, 17 digits and a digit or X — as
    ``values.id_number_cell`` returns it, without its general path; None for anything else."""
    if raw.__class__ is str and len(raw) == 18 and raw.isascii() and raw[:17].isdigit():
        last = raw[17]
        if last.isdigit():
            return raw
        if last in "xX":
            return raw.upper()
    return None


class BatchParser:
    """Parses one column of a batch of rows: ``many(raws) -> (values, errors)``.

    A roster holds the same few values in most columns thousands of times, so text cells are
    looked up in a cache keyed by the raw text (one C-level ``map`` over the column); only the
    values not seen before go through the column's parser. Cells of other types (numbers,
    dates, booleans) are cached by (type, value), so ``1``, ``1.0`` and ``True`` stay apart.
    ``values[i]`` is None for a blank cell; ``errors`` lists ``(i, raw, message)``.
    """

    __slots__ = ("parse", "memo", "fast", "cache", "typed", "failures", "hits", "unknown", "text_limit")

    def __init__(self, parse: Callable[[Any], Any], *, memo: bool, fast: Callable[[Any], Any] | None = None):
        self.parse = parse
        self.memo = memo
        self.fast = fast
        self.cache: dict = {"": None}   # text → value (blank → None)
        self.typed: dict = {}           # (type, value) → value, for cells that are not text
        self.failures: dict = {}        # key → message
        self.hits = False               # the last batch was (nearly) all seen before
        self.unknown: set = set()       # keys of the cells that raised values.UnknownValue
        self.text_limit: int | None = None  # a text column: its longest text (0: no limit)

    def is_unknown(self, raw) -> bool:
        """The cell's value is one the system does not know (a question, not a mistake)."""
        return bool(self.unknown) and (raw if raw.__class__ is str else (raw.__class__, raw)) in self.unknown

    def one(self, raw):
        if raw is None or raw == "":
            return None
        if self.fast is not None:
            value = self.fast(raw)
            if value is not None:
                return value
        key = raw if raw.__class__ is str else (raw.__class__, raw)
        message = self.failures.get(key)
        if message is not None:
            raise ValueError(message)
        try:
            value = self.parse(raw)
        except ValueError as exc:
            if len(self.failures) < _MEMO_LIMIT:
                self.failures[key] = str(exc)
                if isinstance(exc, v.UnknownValue):
                    self.unknown.add(key)
            raise
        if value == "":
            value = None
        if self.memo:
            table = self.cache if key is raw else self.typed
            if len(table) < _MEMO_LIMIT:
                table[key] = value
        return value

    def many(self, raws: list) -> tuple[list, list]:
        errors = []
        if self.memo:
            first = raws[0] if raws else None
            if first.__class__ is str and raws[-1] == first and raws.count(first) == len(raws):
                # one text throughout (国籍, 人员状态 …): one lookup, not one a cell
                value = self.cache.get(first, _MISS)
                if value is not _MISS:
                    self.hits = True
                    return [value] * len(raws), errors
            if self.hits:
                try:  # every cell seen before: one pass in C
                    return list(map(self.cache.__getitem__, raws)), errors
                except KeyError:
                    pass
            elif self.text_limit is not None:  # names, staff numbers: each text new
                texts = _clean_texts(raws, self.text_limit)
                if texts is not None:
                    return texts, errors
            out = list(map(self.cache.get, raws, repeat(_MISS)))
            misses = 0
            cache, typed = self.cache, self.typed
            for i, value in enumerate(out):
                if value is not _MISS:
                    continue
                raw = raws[i]
                # seen earlier in this batch, or not text
                value = cache.get(raw, _MISS) if raw.__class__ is str else typed.get((raw.__class__, raw), _MISS)
                if value is not _MISS:
                    out[i] = value
                    continue
                misses += 1
                try:
                    out[i] = self.one(raw)
                except ValueError as exc:
                    out[i] = None
                    errors.append((i, raw, str(exc)))
            # a column of mostly new values (names, staff numbers) skips the one-pass try
            self.hits = misses * 4 < len(raws)
            return out, errors
        out = [None] * len(raws)
        fast, one = self.fast, self.one
        for i, raw in enumerate(raws):
            value = fast(raw) if fast is not None else None
            if value is None:
                try:
                    value = one(raw)
                except ValueError as exc:
                    errors.append((i, raw, str(exc)))
                    continue
            out[i] = value
        return out, errors


_CHANGED_BY_TO_TEXT = re.compile("[" + "".join(re.escape(chr(c)) for c in v.TEXT_TABLE) + "]")


def _clean_texts(raws: list, limit: int) -> list | None:
    """A text column's cells as its parser returns them (``values.to_text``, blank → None),
    worked out for the whole column at once in C: None unless every cell is text that
    ``to_text`` would only strip, within ``limit`` characters — the column of names or staff
    numbers, each text different, that a cache cannot help. Anything else takes the cell by
    cell path, which says what is wrong with which cell."""
    if not raws or raws[0].__class__ is not str or len(set(map(type, raws))) != 1:
        return None
    joined = "\n".join(raws)
    if not joined.isascii() and _CHANGED_BY_TO_TEXT.search(joined):
        return None
    texts = list(map(str.strip, raws))
    if limit and max(map(len, texts)) > limit:
        return None
    if "" in texts:
        texts = [text or None for text in texts]
    return texts


def _memoised(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    cache: dict = {}
    failures: dict = {}

    def parse_memo(raw):
        key = (raw.__class__, raw)
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable (never from the readers)
            return parse(raw)
        if key in failures:
            raise ValueError(failures[key])
        try:
            value = parse(raw)
        except ValueError as exc:
            if len(failures) < _MEMO_LIMIT:
                failures[key] = str(exc)
            raise
        if len(cache) < _MEMO_LIMIT:
            cache[key] = value
        return value
    parse_memo.unmemoised = parse
    return parse_memo


@dataclass(frozen=True)
class Kind:
    """One kind of sheet (``imports.handlers`` registers it with its handler).

    ``name``: the command-line name (``teachers``); ``sheet_kind``: the key saved answers are
    filed under (``SavedMapping.sheet_kind``: never rename one); ``label``: its Chinese name
    (mark it with ``gettext_noop``: pages show it translated); ``sheet_titles``: sheet names that
    say the kind (they break a tie between kinds); ``aliases``: other names for ``--kind``;
    ``row_no``: headers of a row-number column (read, never stored); ``order``: when its sheets
    are checked and written (what others refer to first); ``precedence``: which kind a sheet
    is taken for when the headers fit two kinds equally (lower first).
    """

    name: str
    sheet_kind: str
    label: str
    template_title: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    sheet_titles: tuple[str, ...] = ()
    row_no: tuple[str, ...] = ()
    order: int = 100
    precedence: int = 100
    by_key: dict = field(default_factory=dict, compare=False, repr=False)
    header_index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self.by_key.update({col.key: col for col in self.columns})
        self.header_index.update(build_header_index(self))

    def column(self, key: str) -> Column | None:
        return self.by_key.get(key)

    @property
    def required(self) -> list[Column]:
        return [col for col in self.columns if col.required]

    @property
    def detecting_keys(self) -> frozenset[str]:
        """The columns that tell this kind from others (not the teacher's identity, not 序号)."""
        return frozenset(col.key for col in self.columns if col.detects and col.key not in IDENTITY_KEYS)


def build_header_index(kind: Kind) -> dict[str, str]:
    """Normalised header → column key of a kind (each key, label and spelling; ``row_no`` for
    the row-number headers); a header claimed by two columns is a declaration error."""
    index: dict[str, str] = {}
    spellings = [(col.key, (col.key, col.label, *col.headers)) for col in kind.columns]
    if kind.row_no:
        spellings.append(("row_no", ("row_no", *kind.row_no)))
    for key, texts in spellings:
        for text in texts:
            norm = normalise_header(text)
            other = index.setdefault(norm, key)
            if other != key:
                raise ValueError(f"kind {kind.name}: header {text!r} maps to both {other!r} and {key!r}")
    return index


# --------------------------------------------------------------------------- shared columns
def text_column(key, label, n=None, **kw) -> Column:
    return Column(key, label, "text", max_length=n, **kw)


def bool_column(key, label, field=None, **kw) -> Column:
    return Column(key, label, "bool", field=field or key, **kw)


# Columns that identify the teacher a sub-record belongs to: they never tell one kind from another.
IDENTITY_KEYS = frozenset({"name", "id_number", "staff_no"})
IDENTITY_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "教师姓名", "教职工姓名", "职工姓名", "人员姓名"),
    "id_number": ("身份证件号", "身份证件号码", "身份证号", "身份证号码", "公民身份号码", "公民身份证号",
                  "公民身份证号码", "证件号码", "证件号", "身份证"),
    "staff_no": ("教职工号", "工号", "教工号", "职工号", "教职工编号", "人员编号"),
}

IDENTITY_COLUMNS = (
    text_column("name", "姓名", 50, hint="与身份证件号对应的教师姓名，用于核对", headers=IDENTITY_HEADERS["name"]),
    Column("id_number", "身份证件号", "id", required=True, hint="18位，设为文本格式",
           headers=IDENTITY_HEADERS["id_number"]),
    text_column("staff_no", "教职工号", 30, headers=IDENTITY_HEADERS["staff_no"]),
)


# --------------------------------------------------------------------------- the registry
_REGISTERED: dict[str, Kind] = {}
_ALIASES: dict[str, str] = {}
_loaded = False


def _load() -> dict[str, Kind]:
    """The registered kinds, the built-in handlers (``imports.handlers``) loaded on first use."""
    global _loaded
    if not _loaded:
        _loaded = True
        from . import handlers  # noqa: F401 - importing the package registers every kind in it
    return _REGISTERED


def add_kind(kind: Kind) -> Kind:
    """Register a kind (``imports.handlers.register`` does, with its handler). Its name, sheet
    kind and aliases must not be another kind's."""
    for other in _REGISTERED.values():
        if other.name == kind.name:
            continue
        if other.sheet_kind == kind.sheet_kind:
            raise ValueError(f"kind {kind.name}: sheet kind {kind.sheet_kind!r} is {other.name}'s")
    aliases = {normalise_header(alias) for alias in (kind.name, kind.sheet_kind, *kind.aliases)}
    taken = {alias for alias in aliases if _ALIASES.get(alias, kind.name) != kind.name}
    if taken:
        raise ValueError(f"kind {kind.name}: names {sorted(taken)} belong to other kinds")
    remove_kind(kind.name)
    _REGISTERED[kind.name] = kind
    for alias in aliases:
        _ALIASES[alias] = kind.name
    return kind


def remove_kind(name: str) -> None:
    if _REGISTERED.pop(name, None) is not None:
        for alias in [a for a, n in _ALIASES.items() if n == name]:
            del _ALIASES[alias]


class _Kinds(Mapping):
    """name → Kind of every registered kind, in the order of ``KIND_ORDER``."""

    def __getitem__(self, name: str) -> Kind:
        return _load()[name]

    def __iter__(self):
        return iter(_ordered())

    def __len__(self) -> int:
        return len(_load())

    def __contains__(self, name) -> bool:
        return name in _load()

    def __repr__(self) -> str:
        return f"KINDS({', '.join(_ordered())})"


class _Order(Sequence):
    """The kinds' names in the order sheets are checked and written (``Kind.order``)."""

    def __getitem__(self, index):
        return _ordered()[index]

    def __len__(self) -> int:
        return len(_load())

    def __repr__(self) -> str:
        return repr(_ordered())


def _ordered() -> list[str]:
    return [kind.name for kind in sorted(_load().values(), key=lambda k: (k.order, k.name))]


KINDS: Mapping[str, Kind] = _Kinds()
KIND_ORDER: Sequence[str] = _Order()


def kinds_by_precedence() -> list[Kind]:
    """Every kind, in the order a sheet's headers are tried against them (``Kind.precedence``)."""
    return sorted(_load().values(), key=lambda k: (k.precedence, k.order, k.name))


def resolve_kind(text: str | None) -> str | None:
    """Kind name from a name, an alias or a Chinese name; None for blank; ValueError if unknown."""
    if text is None or not str(text).strip():
        return None
    _load()
    name = _ALIASES.get(normalise_header(text))
    if name is None:
        raise ValueError(f"未知的导入类别“{text}”，可选：{'、'.join(KIND_ORDER)}")
    return name


def kind_for_sheet_kind(sheet_kind: str) -> Kind:
    for kind in _load().values():
        if kind.sheet_kind == sheet_kind:
            return kind
    raise KeyError(sheet_kind)
