"""身份证件号 (GB 11643): published examples, normalisation, and properties (hypothesis)."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.identity import (
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
    # A changed birth-date digit may still give a real date; the check digit must catch it.
    with pytest.raises(IdNumberError):
        parse_id_number(changed)


@given(st.text(max_size=30))
def test_normalise_never_raises_and_parse_only_raises_id_errors(text):
    normalise_id_number(text)
    try:
        parse_id_number(text)
    except IdNumberError:
        pass


# The fast path (plain ASCII letters and digits skip NFKC and the character filter) must give
# exactly what the full normalisation gives: same number, same parse, same error message.
id_like = st.text(
    alphabet=st.sampled_from(list("0123456789xX") + ["Ｘ", "１", "９", " ", "-", "\u3000", "'", "a", "é", "Ⅻ", "²", "٣"]),
    min_size=0, max_size=20,
)


def _outcome(parse, raw):
    try:
        return parse(raw)
    except IdNumberError as error:
        return ("error", str(error))


@given(st.one_of(id_like, st.text(max_size=20), st.builds(
    make_id_number, st.sampled_from(["320706", "110105"]), birth_dates, st.integers(0, 499), st.sampled_from(["1", "2"]),
)))
def test_fast_and_slow_normalisation_agree(raw):
    from core.identity import _normalise_slow, _parse_normalised

    assert normalise_id_number(raw) == _normalise_slow(raw)
    for variant in (raw, raw.lower()):
        assert _outcome(parse_id_number, variant) == _outcome(lambda r: _parse_normalised(_normalise_slow(r)), variant)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_on_character_codes_agrees_with_the_weighted_sum(first17):
    expected = "10X98765432"[sum(int(d) * w for d, w in zip(first17, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2))) % 11]
    assert check_digit(first17) == expected
