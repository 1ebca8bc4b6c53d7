"""身份证件号 (GB 11643-1999 resident ID): normalisation, check digit, birth date, sex, masking.

One function, ``parse_id_number``, is used by model validation and by every import, so a
number is judged the same way everywhere (DOMAIN.md, "The teacher record").
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from functools import lru_cache
from operator import mul
from typing import NamedTuple

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


class IdNumberError(ValueError):
    """The number is not a valid resident ID; the message says why, in Chinese."""


class ResidentId(NamedTuple):
    """A valid number and what it says (a named tuple: a city roster builds 50,000 of them)."""

    number: str
    birth_date: dt.date
    sex: str  # "1" 男 (odd 17th digit) or "2" 女 (even)
    region: str


def normalise_id_number(raw: object) -> str:
    """Full-width digits and letters to ASCII, spaces and dashes removed, ``x`` upper-cased."""
    if type(raw) is str and raw.isascii() and raw.isalnum():
        # Fast path, the usual cell (``320702199001011234``): plain ASCII letters and digits
        # are left alone by NFKC and by the filter below, so only the upper-casing remains.
        return raw.upper()
    return _normalise_slow(raw)


def _normalise_slow(raw: object) -> str:
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", str(raw))
    text = "".join(ch for ch in text if not ch.isspace() and ch not in "-'‘’\"")
    return text.upper()


_ASCII_ZERO_WEIGHT = ord("0") * sum(WEIGHTS)


def check_digit(first17: str) -> str:
    if len(first17) == 17 and first17.isascii():
        # Same sum on the character codes (one C-level pass), minus what the "0"s add.
        total = sum(map(mul, first17.encode(), WEIGHTS)) - _ASCII_ZERO_WEIGHT
    else:  # other Unicode digits (int() reads them): kept for identical results
        total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def parse_id_number(raw: object) -> ResidentId:
    """Validate an 18-character resident ID and read its birth date and sex."""
    return _parse_normalised(normalise_id_number(raw))


def _parse_normalised(number: str) -> ResidentId:
    if not number:
        raise IdNumberError("身份证件号为空")
    if len(number) != 18:
        raise IdNumberError(f"身份证件号应为18位，实为{len(number)}位")
    body, last = number[:17], number[17]
    if not body.isdigit() or not (last.isdigit() or last == "X"):
        raise IdNumberError("身份证件号前17位须为数字，末位为数字或X")
    birth = _birth_date(body[6:14])
    expected = check_digit(body)
    if last != expected:
        raise IdNumberError(f"身份证件号校验位错误（应为 {expected}）")
    sex = "1" if int(body[16]) % 2 == 1 else "2"
    return ResidentId(number, birth, sex, body[:6])


@lru_cache(maxsize=65536)
def _birth_date(digits: str) -> dt.date:
    """The date of ``YYYYMMDD`` (a roster repeats birth dates: each is worked out once)."""
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError(f"身份证件号中的出生日期 {digits} 不存在") from None
    if birth.year < 1900:
        raise IdNumberError(f"身份证件号中的出生日期 {digits} 不合理")
    return birth


def is_valid_id_number(raw: object) -> bool:
    try:
        parse_id_number(raw)
    except IdNumberError:
        return False
    return True


def mask_id_number(number: str | None) -> str:
    """``320702199001011234`` → ``320702********1234`` (DOMAIN.md)."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_birth_date(value: dt.date | None) -> str:
    return f"{value.year}-**-**" if value else ""


def make_id_number(region: str, birth: dt.date, sequence: int, sex: str) -> str:
    """Build a valid number (for the demo city and tests): ``sequence`` 0–99, odd digit for 男."""
    sex_digit = (sequence % 5) * 2 + (1 if sex == "1" else 0)
    body = f"{region}{birth:%Y%m%d}{sequence // 5 % 100:02d}{sex_digit}"
    return body + check_digit(body)
