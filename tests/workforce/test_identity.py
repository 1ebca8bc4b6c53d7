"""身份证件号 (GB 11643): published examples, normalisation, and properties (hypothesis)."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workforce.identity import (
    IdNumberError, check_digit, make_id_number, mask_id_number, normalise_id_number, parse_id_number,
)

# The worked example of GB 11643-1999 (appendix) and widely published sample numbers.
PUBLISHED = [
    ("11010519491231002X", dt.date(1949, 12, 31), "2"),
    ("440524188001010014", dt.date(1880, 1, 1), None),  # valid check digit but born before 1900
]


def test_standard_example_is_valid_woman_born_1949():
    parsed = parse_id_number("11010519491231002X")
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "2"  # 17th digit 2 is even: female
    assert parsed.region == "110105"


def test_check_digit_of_standard_example():
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"


def test_birth_before_1900_is_refused_even_with_right_check_digit():
    with pytest.raises(IdNumberError, match="不合理"):
        parse_id_number("440524188001010014")


@pytest.mark.parametrize(
    "raw",
    ["11010519491231002x", " 110105 19491231 002X ", "１１０１０５１９４９１２３１００２Ｘ", "110105-19491231-002X"],
)
def test_normalisation_of_full_width_lower_case_and_spaces(raw):
    assert parse_id_number(raw).number == "11010519491231002X"


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "为空"),
        ("1101051949123100", "18位"),
        ("110105194912310021", "校验位"),
        ("110105194902300021", "不存在"),  # 30 February
        ("11010519491231002A", "末位"),
        ("1101051949123100 2X", None),
    ],
)
def test_invalid_numbers_say_why(raw, message):
    if message is None:
        assert parse_id_number(raw).number == "11010519491231002X"
        return
    with pytest.raises(IdNumberError, match=message):
        parse_id_number(raw)


def test_mask_keeps_region_and_last_four():
    assert mask_id_number("320702199001011234") == "320702********1234"
    assert mask_id_number("") == ""


birth_dates = st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2010, 12, 31))


@given(birth=birth_dates, seq=st.integers(0, 499), sex=st.sampled_from(["1", "2"]))
def test_generated_numbers_round_trip(birth, seq, sex):
    number = make_id_number("320706", birth, seq, sex)
    parsed = parse_id_number(number)
    assert parsed.birth_date == birth and parsed.sex == sex and parsed.number == number


@given(birth=birth_dates, seq=st.integers(0, 499), pos=st.integers(0, 16), delta=st.integers(1, 9))
def test_any_single_digit_change_is_detected(birth, seq, pos, delta):
    number = make_id_number("320706", birth, seq, "1")
    digits = list(number)
    digits[pos] = str((int(digits[pos]) + delta) % 10)
    changed = "".join(digits)
    with pytest.raises(IdNumberError):
        parsed = parse_id_number(changed)
        # A changed birth-date digit may still give a real date; the check digit must catch it.
        assert parsed is None


@given(st.text(max_size=30))
def test_normalise_never_raises_and_parse_only_raises_id_errors(text):
    normalise_id_number(text)
    try:
        parse_id_number(text)
    except IdNumberError:
        pass
