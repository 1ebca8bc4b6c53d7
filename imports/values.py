"""Pure coercion of spreadsheet cell values, used by import validation.

Each function takes a raw cell value as a reader produced it (``str``, ``int``, ``float``,
``bool``, ``date``/``datetime`` or blank) and returns a Python value, or raises
``ValueError`` with a short Chinese message saying what is wrong; the caller adds the file,
sheet, row and column. Blank input (``None``, ``""``, only spaces) gives ``""`` from
:func:`to_text` and :func:`id_number_cell` and ``None`` from the ``parse_*`` functions:
whether a blank is allowed is the caller's decision.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from core.i18n import data_language

__all__ = [
    "UnknownValue",
    "to_text",
    "is_blank",
    "parse_date",
    "parse_bool",
    "parse_choice",
    "parse_decimal",
    "parse_int",
    "id_number_cell",
    "excel_serial_to_date",
]

MIN_YEAR, MAX_YEAR = 1900, 2100


class UnknownValue(ValueError):
    """A coded or 是/否 value the system does not know: a question for the officer (the import's
    mapping step), not a mistake in the file."""


# --------------------------------------------------------------------------- text

def _build_text_table() -> dict[int, int | None]:
    table: dict[int, int | None] = {0xFF01 + i: 0x21 + i for i in range(94)}
    table[0x3000] = 0x20  # ideographic space
    table[0xA0] = 0x20    # no-break space
    for ch in "\u200b\u200c\u200d\u2060\ufeff":  # zero-width characters, BOM
        table[ord(ch)] = None
    return table


_TEXT_TABLE = _build_text_table()
TEXT_TABLE = _TEXT_TABLE  # what to_text maps (full-width → half-width) and removes (zero-width)


def to_text(v: Any) -> str:
    """Cell value as clean text.

    Strips, maps full-width ASCII (letters, digits, punctuation, ideographic space) to
    half-width and removes zero-width characters. ``None``/blank → ``""``; an integral
    float ``12.0`` → ``"12"``; dates → ``1980-01-15``; booleans → ``TRUE``/``FALSE``.
    """
    if v is None:
        return ""
    if isinstance(v, str):
        text = v
    elif isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    elif isinstance(v, float):
        if v.is_integer():
            return str(int(v))
        return repr(v)
    elif isinstance(v, datetime.datetime):
        return v.date().isoformat() if v.time() == datetime.time() else v.isoformat(sep=" ")
    elif isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    else:
        text = str(v)
    if text.isascii():
        return text.strip()
    return text.translate(_TEXT_TABLE).strip()


def is_blank(v: Any) -> bool:
    """True for None, "" and text made only of spaces."""
    if v is None or v == "":
        return True
    return isinstance(v, str) and not to_text(v)


def _shown(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)


# --------------------------------------------------------------------------- dates

_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_MAX_SERIAL = (datetime.date(MAX_YEAR, 12, 31) - _EXCEL_EPOCH).days

_TIME_SUFFIX = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_YEAR_MONTH_RE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?")
_FULL_DATE_RE = re.compile(
    r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?" + _TIME_SUFFIX)
_COMPACT_RE = re.compile(r"(\d{4})(\d{2})(\d{2})?" + _TIME_SUFFIX)
_YEAR_ONLY_RE = re.compile(r"(\d{4})\s*年?")

_DATE_HINT = "请写成 1980-01 或 1980-01-15 这样的格式"


def excel_serial_to_date(serial: float) -> datetime.date:
    """Date of an Excel serial number (1900 date system, including its 1900-02-29 bug)."""
    day = int(math.floor(serial))
    if day < 1 or day > _MAX_SERIAL:
        raise ValueError(f"日期无效：{_shown(to_text(serial))} 不是有效的 Excel 日期序号")
    if day == 60:
        raise ValueError("日期无效：Excel 日期序号 60 对应不存在的 1900-02-29")
    if day < 60:
        return datetime.date(1899, 12, 31) + datetime.timedelta(days=day)
    return _EXCEL_EPOCH + datetime.timedelta(days=day)


def _make_date(year: int, month: int, day: int, shown: str) -> datetime.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"日期无效：“{shown}”的年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")
    if not 1 <= month <= 12:
        raise ValueError(f"日期无效：“{shown}”的月份应为 1–12")
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(f"日期无效：“{shown}”这一天不存在") from None


def _date_from_number(v: float | int | Decimal) -> datetime.date:
    shown = to_text(float(v) if isinstance(v, Decimal) else v)
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError(f"日期无效：“{shown}”")
    if v == int(v):
        n = int(v)
        if 100000 <= n <= 999999:            # 198001 → year-month
            return _make_date(n // 100, n % 100, 1, shown)
        if 10000000 <= n <= 99999999:        # 19800115 → full date
            return _make_date(n // 10000, n // 100 % 100, n % 100, shown)
        if MIN_YEAR <= n <= MAX_YEAR:
            raise ValueError(f"日期无效：只有年份“{shown}”，缺少月份")
        return excel_serial_to_date(n)
    if MIN_YEAR <= v < MAX_YEAR + 1:
        # A year-month typed as 1980.01 and stored as a number.
        text = repr(float(v))
        year, _, frac = text.partition(".")
        if len(frac) == 1 and frac == "1":
            raise ValueError(
                f"日期无效：数字 {text} 分不清是 1 月还是 10 月（Excel 把 1980.10 存成了 1980.1），"
                f"请写成 {year}-01 或 {year}-10")
        if len(frac) > 2:
            raise ValueError(f"日期无效：无法识别“{text}”，{_DATE_HINT}")
        return _make_date(int(year), int(frac), 1, text)
    return excel_serial_to_date(float(v))


def _date_from_text(text: str) -> datetime.date:
    m = _COMPACT_RE.fullmatch(text)
    if m:
        day = int(m[3]) if m[3] else 1
        return _make_date(int(m[1]), int(m[2]), day, text)
    m = _FULL_DATE_RE.fullmatch(text)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), text)
    m = _YEAR_MONTH_RE.fullmatch(text)
    if m:
        return _make_date(int(m[1]), int(m[2]), 1, text)
    if _YEAR_ONLY_RE.fullmatch(text):
        raise ValueError(f"日期无效：只有年份“{text}”，缺少月份")
    raise ValueError(f"日期无效：无法识别“{_shown(text)}”，{_DATE_HINT}")


def parse_date(v: Any, *, month_precision: bool = False) -> datetime.date | None:
    """Parse a date cell; year-month forms give day 1.

    Accepts ``date``/``datetime``; numbers: ``198001`` (year-month), ``19800115`` (date),
    other values as Excel serials (``44197`` → 2021-01-01); text: ``198001``, ``1980-01``,
    ``1980.1``, ``1980/1``, ``1980年1月``, ``1980-01-15``, ``19800115``, ``1980/1/15``,
    ``1980年1月15日``, ``1980.01.15`` (a trailing time is ignored). Years outside
    1900–2100, impossible months or days, and a year alone raise ``ValueError("日期无效：…")``.
    A *number* 1980.1 is refused as ambiguous (typed 1980.1 or 1980.10). With
    ``month_precision`` the result is the first of its month (for 年月 columns).
    """
    if isinstance(v, datetime.datetime):
        result = v.date()
    elif isinstance(v, datetime.date):
        result = v
    elif _is_number(v):
        result = _date_from_number(v)
    else:
        text = to_text(v)
        if not text:
            return None
        result = _date_from_text(text)
    if not MIN_YEAR <= result.year <= MAX_YEAR:
        raise ValueError(f"日期无效：“{result.isoformat()}”的年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")
    if month_precision and result.day != 1:
        result = result.replace(day=1)
    return result


# --------------------------------------------------------------------------- booleans

_TRUE = frozenset({"是", "有", "y", "yes", "1", "true", "t", "在编", "√", "✓", "✔", "对", "是的"})
_FALSE = frozenset({"否", "无", "n", "no", "0", "false", "f", "不在编", "非在编", "编外", "×",
                    "✗", "✘", "没有", "不是"})
_CODED_BOOL_RE = re.compile(r"([01])[-.、:：_]?(是|否)")


def _key(text: str) -> str:
    return "".join(text.split()).casefold()


def parse_bool(v: Any, extra: Mapping[str, Any] | None = None) -> bool | None:
    """是/否, 有/无, Y/N, yes/no, 1/0, true/false, 在编/不在编, √/× → True/False."""
    if isinstance(v, bool):
        return v
    if _is_number(v):
        if v == 1:
            return True
        if v == 0:
            return False
        raise ValueError(f"“{to_text(v)}”不是有效的是/否值，请填写“是”或“否”")
    text = to_text(v)
    if not text:
        return None
    key = _key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    m = _CODED_BOOL_RE.fullmatch(key)  # "1-是", "0否"
    if m and (m[1] == "1") == (m[2] == "是"):
        return m[2] == "是"
    if extra:  # an organisation's answers: "有编制" → 是
        for spelling, answer in extra.items():
            if _key(to_text(spelling)) == key:
                return parse_bool(answer)
    raise UnknownValue(f"“{_shown(text)}”不是有效的是/否值，请填写“是”或“否”")


# --------------------------------------------------------------------------- choices

_MISSING = object()
_AMBIGUOUS = object()
_CODE_LABEL_RE = re.compile(r"(\d+)[-_:.、]?(\D.*)")  # "100-在本单位任职", "100 在本单位任职"
_CHOICE_CACHE: dict[tuple[int, int], tuple[Any, Any, "_ChoiceLookup"]] = {}
_CHOICE_CACHE_MAX = 256
_MAX_LISTED = 8


_NOTE_RE = re.compile(r"^(.+?)[(\[【〔<《].*[)\]】〕>》]?$")


def _without_note(key: str) -> str:
    """A value with a bracketed note after it, as offices write them (``网络研修（远程）``,
    ``公办[教育部门办]``), without the note; ``""`` when there is none."""
    m = _NOTE_RE.match(key)
    return m[1] if m else ""


def _code_key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = to_text(value)
    if re.fullmatch(r"[+-]?\d+\.0+", text):
        text = text.split(".")[0]
    return _key(text)


def _flatten_choices(choices: Any) -> list[tuple[Any, str]]:
    """(code, label) pairs; labels in Chinese whatever the page language (rosters are Chinese,
    and the lookup built from them is cached)."""
    if hasattr(choices, "choices") and not isinstance(choices, (list, tuple, Mapping)):
        choices = choices.choices  # Django TextChoices / IntegerChoices class
    if isinstance(choices, Mapping):
        choices = list(choices.items())
    flat = []
    with data_language():
        for code, label in choices:
            if isinstance(label, (list, tuple)):  # Django named group
                flat.extend(_flatten_choices(label))
            else:
                flat.append((code, str(label)))
    return flat


class _ChoiceLookup:
    def __init__(self, choices: Any, synonyms: Mapping[str, Any] | None):
        self.pairs = _flatten_choices(choices)
        self.by_code: dict[str, Any] = {}
        self.by_label: dict[str, Any] = {}
        for code, label in self.pairs:
            self.by_code.setdefault(_code_key(code), code)
            key = _key(to_text(label))
            if self.by_label.get(key, code) != code:
                self.by_label[key] = _AMBIGUOUS
            else:
                self.by_label[key] = code
        self.by_synonym: dict[str, Any] = {}
        for variant, target in (synonyms or {}).items():
            code = self.by_code.get(_code_key(target), _MISSING)
            if code is _MISSING:
                code = self.by_label.get(_key(to_text(target)), _MISSING)
            if code is _MISSING or code is _AMBIGUOUS:
                raise ValueError(f"synonym {variant!r} points to unknown choice {target!r}")
            self.by_synonym[_key(to_text(variant))] = code
        labels = [label for _, label in self.pairs]
        listed = "、".join(labels[:_MAX_LISTED])
        if len(labels) > _MAX_LISTED:
            listed += f" 等 {len(labels)} 项"
        self.allowed = listed

    def find(self, key: str) -> Any:
        for table in (self.by_code, self.by_label, self.by_synonym):
            code = table.get(key, _MISSING)
            if code is not _MISSING:
                return code
        return _MISSING


def _lookup_for(choices: Any, synonyms: Mapping[str, Any] | None) -> _ChoiceLookup:
    cache_key = (id(choices), id(synonyms))
    cached = _CHOICE_CACHE.get(cache_key)
    # The cache keeps the objects alive, so their ids cannot be reused by others.
    if cached is not None and cached[0] is choices and cached[1] is synonyms:
        return cached[2]
    lookup = _ChoiceLookup(choices, synonyms)
    if len(_CHOICE_CACHE) >= _CHOICE_CACHE_MAX:
        _CHOICE_CACHE.clear()
    _CHOICE_CACHE[cache_key] = (choices, synonyms, lookup)
    return lookup


def parse_choice(v: Any, choices: Iterable | Mapping, synonyms: Mapping[str, Any] | None = None
                 ) -> Any:
    """Return the code of a choice given as code, label, synonym or "code label".

    ``choices`` is a Django-style list of ``(code, label)`` pairs (groups, dicts and
    ``TextChoices`` classes work too); ``synonyms`` maps variant texts to a code (or a
    label). A code may be written as text or number (``100``, ``"100"``, ``100.0``);
    ``"100-在本单位任职"`` is accepted when code and label agree. Spaces, full-width
    characters and letter case are ignored. The lookup tables are cached per
    ``choices``/``synonyms`` object, so pass constants, not freshly built lists.
    """
    lookup = _lookup_for(choices, synonyms)
    key = _code_key(v)
    if not key:
        return None
    code = lookup.find(key)
    if code is _AMBIGUOUS:
        raise ValueError(f"“{_shown(to_text(v))}”对应多个选项，请填写代码")
    if code is not _MISSING:
        return code
    m = _CODE_LABEL_RE.fullmatch(key)
    if m:
        by_code = lookup.by_code.get(m[1], _MISSING)
        rest = lookup.find(m[2])
        if by_code is not _MISSING and rest is not _AMBIGUOUS and by_code == rest:
            return by_code
    bare = _without_note(key)
    if bare and bare != key:  # 网络研修(远程), 公办【教育部门办】: the value before its note
        code = lookup.find(bare)
        if code is _AMBIGUOUS:
            raise ValueError(f"“{_shown(to_text(v))}”对应多个选项，请填写代码")
        if code is not _MISSING:
            return code
    raise UnknownValue(f"“{_shown(to_text(v))}”不是有效选项，可选：{lookup.allowed}")


# --------------------------------------------------------------------------- numbers

_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _number_text(v: Any) -> str:
    text = to_text(v)
    return text.replace(",", "").replace(" ", "")


def parse_decimal(v: Any) -> Decimal | None:
    """A number as ``Decimal``; accepts ``1,234.5``, full-width digits, numeric cells."""
    if isinstance(v, bool):
        raise ValueError(f"“{to_text(v)}”不是有效的数字")
    if isinstance(v, Decimal):
        result = v
    elif isinstance(v, int):
        return Decimal(v)
    elif isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"“{to_text(v)}”不是有效的数字")
        return Decimal(repr(v))
    else:
        text = _number_text(v)
        if not text:
            return None
        if not _NUMBER_RE.fullmatch(text):
            raise ValueError(f"“{_shown(to_text(v))}”不是有效的数字")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"“{_shown(to_text(v))}”不是有效的数字") from None
    if not result.is_finite():
        raise ValueError(f"“{to_text(v)}”不是有效的数字")
    return result


def parse_int(v: Any) -> int | None:
    """A whole number; ``12``, ``12.0``, ``"12"``, ``"1,200"`` are fine, ``12.5`` is not."""
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    number = parse_decimal(v)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"“{_shown(to_text(v))}”不是整数")
    return int(number)


# --------------------------------------------------------------------------- ID numbers

_SCIENTIFIC_RE = re.compile(r"\d(\.\d+)?[eE]\+?\d+")


def id_number_cell(v: Any) -> str:
    """The text of a 身份证件号 cell; numeric cells are refused.

    Excel stores a typed 18-digit number as a float with 15 significant digits, so the
    last digits are already gone: any numeric cell (and text in scientific notation, as
    a CSV saved by Excel holds) is refused. Spaces and a leading apostrophe are removed,
    ``x`` is upper-cased; the check digit is validated elsewhere. Blank → ``""``.
    """
    if isinstance(v, bool):
        raise ValueError("身份证件号不能是逻辑值，请填写证件号码")
    if _is_number(v):
        digits = len(str(abs(int(v)))) if not (isinstance(v, float) and not math.isfinite(v)) else 0
        if digits >= 15:
            raise ValueError("身份证件号被 Excel 存成了数字，末几位已丢失，请把该列设为文本后重新填写")
        raise ValueError("身份证件号被 Excel 存成了数字（开头的 0 可能已丢失），请把该列设为文本后重新填写")
    text = to_text(v)
    if not text:
        return ""
    text = "".join(text.split()).lstrip("'‘’`")
    if _SCIENTIFIC_RE.fullmatch(text):
        raise ValueError(
            f"身份证件号“{text}”是科学计数法，Excel 已把它存成数字，末几位已丢失，"
            f"请把该列设为文本后重新填写")
    return text.upper()
