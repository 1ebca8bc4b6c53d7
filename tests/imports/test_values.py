"""Cell value coercion (imports.values): pure functions, no database."""

import datetime
from decimal import Decimal

import pytest

from imports.values import (
    excel_serial_to_date,
    id_number_cell,
    is_blank,
    parse_bool,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_int,
    to_text,
)

D = datetime.date

STATUS_CHOICES = [
    (100, "在本单位任职"), (201, "借出到机关"), (202, "借出到事业单位"), (203, "长病假"),
    (204, "进修"), (205, "交流轮岗"), (206, "企业实践"), (207, "因公出国"), (208, "离岗创业"),
    (209, "待退休"), (210, "待岗"), (211, "下落不明"), (299, "其他"),
]
CONTRACT_CHOICES = [("0", "未签合同"), ("1", "聘用合同"), ("2", "劳动合同"), ("3", "其他合同")]
CONTRACT_SYNONYMS = {"未签": "0", "聘用": "1", "劳动合同制": "劳动合同"}


# --------------------------------------------------------------------------- text

@pytest.mark.parametrize("raw, expected", [
    (None, ""),
    ("", ""),
    ("  张三 ", "张三"),
    ("\u3000张三\u3000", "张三"),
    ("ＡＢＣ１２３（一）", "ABC123(一)"),
    ("\ufeff海州\u200b区", "海州区"),
    (12.0, "12"),
    (12, "12"),
    (1.5, "1.5"),
    (True, "TRUE"),
    (D(1980, 1, 15), "1980-01-15"),
    (datetime.datetime(1980, 1, 15), "1980-01-15"),
    (datetime.datetime(1980, 1, 15, 8, 30), "1980-01-15 08:30:00"),
])
def test_to_text(raw, expected):
    assert to_text(raw) == expected


def test_is_blank():
    assert is_blank(None) and is_blank("") and is_blank(" \u3000 ")
    assert not is_blank(0) and not is_blank("0")


# --------------------------------------------------------------------------- dates

@pytest.mark.parametrize("raw, expected", [
    (D(1980, 1, 15), D(1980, 1, 15)),
    (datetime.datetime(1980, 1, 15, 10, 0), D(1980, 1, 15)),
    (44197, D(2021, 1, 1)),
    (44197.0, D(2021, 1, 1)),
    (44197.75, D(2021, 1, 1)),            # serial with a time of day
    (29235, D(1980, 1, 15)),
    (59, D(1900, 2, 28)),                 # before Excel's fictitious 1900-02-29
    (61, D(1900, 3, 1)),
    (198001, D(1980, 1, 1)),              # a number of six digits is year-month
    (198001.0, D(1980, 1, 1)),
    (19800115, D(1980, 1, 15)),           # eight digits is a date
    (Decimal("198012"), D(1980, 12, 1)),
    (1980.01, D(1980, 1, 1)),             # typed 1980.01, stored as a number
    (1980.12, D(1980, 12, 1)),
    (1980.2, D(1980, 2, 1)),
    ("198001", D(1980, 1, 1)),
    ("1980-01", D(1980, 1, 1)),
    ("1980-1", D(1980, 1, 1)),
    ("1980.1", D(1980, 1, 1)),            # text keeps its digits: January
    ("1980.10", D(1980, 10, 1)),
    ("1980/1", D(1980, 1, 1)),
    ("1980年1月", D(1980, 1, 1)),
    ("1980 年 01 月", D(1980, 1, 1)),
    ("1980年1", D(1980, 1, 1)),
    ("1980-01-15", D(1980, 1, 15)),
    ("19800115", D(1980, 1, 15)),
    ("1980/1/15", D(1980, 1, 15)),
    ("1980年1月15日", D(1980, 1, 15)),
    ("1980.01.15", D(1980, 1, 15)),
    ("1980-01-15 00:00:00", D(1980, 1, 15)),
    ("１９８０－０１", D(1980, 1, 1)),         # full-width digits
    (" 2000-02-29 ", D(2000, 2, 29)),
])
def test_parse_date_accepts(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw, fragment", [
    ("1980-13", "月份"),
    ("198013", "月份"),
    (198000, "月份"),
    ("1980-02-30", "不存在"),
    ("1900-02-29", "不存在"),
    ("19800230", "不存在"),
    ("1899-12", "年份"),
    ("2101-01-01", "年份"),
    (189912, "年份"),
    ("1980", "只有年份"),
    ("1980年", "只有年份"),
    (1980, "只有年份"),
    (1980.1, "1 月还是 10 月"),
    ("abc", "无法识别"),
    ("80-01", "无法识别"),
    ("1/15/1980", "无法识别"),
    ("44197", "无法识别"),
    (0, "Excel 日期序号"),
    (-5, "Excel 日期序号"),
    (60, "1900-02-29"),
    (123456789, "Excel 日期序号"),
    (float("nan"), "日期无效"),
])
def test_parse_date_refuses(raw, fragment):
    with pytest.raises(ValueError, match="^日期无效：") as info:
        parse_date(raw)
    assert fragment in str(info.value)


def test_parse_date_blank_and_month_precision():
    assert parse_date(None) is None
    assert parse_date("  ") is None
    assert parse_date("1980-01-15", month_precision=True) == D(1980, 1, 1)
    assert parse_date(D(1980, 1, 15), month_precision=True) == D(1980, 1, 1)
    assert parse_date("1980-01", month_precision=True) == D(1980, 1, 1)


def test_excel_serial_to_date():
    assert excel_serial_to_date(1) == D(1900, 1, 1)
    assert excel_serial_to_date(45658) == D(2025, 1, 1)


# --------------------------------------------------------------------------- booleans

@pytest.mark.parametrize("raw", ["是", "有", "Y", "y", "Yes", "1", 1, 1.0, "true", "TRUE", True,
                                 "在编", "√", " 是 ", "1-是"])
def test_parse_bool_true(raw):
    assert parse_bool(raw) is True


@pytest.mark.parametrize("raw", ["否", "无", "N", "no", "0", 0, 0.0, "false", False, "不在编",
                                 "非在编", "编外", "×", "0-否"])
def test_parse_bool_false(raw):
    assert parse_bool(raw) is False


@pytest.mark.parametrize("raw", ["可能", "2", 2, "1-否", "是否"])
def test_parse_bool_refuses(raw):
    with pytest.raises(ValueError, match="不是有效的是/否值"):
        parse_bool(raw)


def test_parse_bool_blank():
    assert parse_bool("") is None and parse_bool(None) is None


# --------------------------------------------------------------------------- choices

@pytest.mark.parametrize("raw, expected", [
    (100, 100), ("100", 100), (100.0, 100), ("100.0", 100), ("１００", 100),
    ("在本单位任职", 100), (" 在本单位 任职 ", 100), ("交流轮岗", 205),
    ("100-在本单位任职", 100), ("100 在本单位任职", 100), ("205交流轮岗", 205),
])
def test_parse_choice_status(raw, expected):
    assert parse_choice(raw, STATUS_CHOICES) == expected


@pytest.mark.parametrize("raw, expected", [
    ("0", "0"), (0, "0"), (1.0, "1"), ("聘用合同", "1"), ("未签", "0"), ("聘用", "1"),
    ("劳动合同制", "2"),
])
def test_parse_choice_contract_with_synonyms(raw, expected):
    assert parse_choice(raw, CONTRACT_CHOICES, CONTRACT_SYNONYMS) == expected


def test_parse_choice_refuses_and_lists_labels():
    with pytest.raises(ValueError) as info:
        parse_choice("退休", STATUS_CHOICES)
    message = str(info.value)
    assert message.startswith("“退休”不是有效选项，可选：在本单位任职、借出到机关")
    assert "等 13 项" in message and "下落不明" not in message
    with pytest.raises(ValueError, match="可选：未签合同、聘用合同、劳动合同、其他合同$"):
        parse_choice("口头约定", CONTRACT_CHOICES)
    with pytest.raises(ValueError):
        parse_choice("100-交流轮岗", STATUS_CHOICES)  # code and label disagree
    with pytest.raises(ValueError):
        parse_choice(999, STATUS_CHOICES)


def test_parse_choice_blank_groups_and_bad_synonym():
    assert parse_choice("", STATUS_CHOICES) is None
    grouped = [("公办", [("public", "公办")]), ("民办", [("private", "民办")])]
    assert parse_choice("民办", grouped) == "private"
    assert parse_choice("公办", {"public": "公办", "private": "民办"}) == "public"
    with pytest.raises(ValueError, match="unknown choice"):
        parse_choice("x", CONTRACT_CHOICES, {"口头": "9"})


# --------------------------------------------------------------------------- numbers

@pytest.mark.parametrize("raw, expected", [
    (12, Decimal(12)), (1.5, Decimal("1.5")), (0.1, Decimal("0.1")), ("1,234.50", Decimal("1234.50")),
    ("１２．５", Decimal("12.5")), (" -3 ", Decimal(-3)), ("1e3", Decimal("1e3")),
    (Decimal("2.25"), Decimal("2.25")), ("", None), (None, None),
])
def test_parse_decimal(raw, expected):
    assert parse_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "12个月", "1.2.3", True, float("inf"), "NaN"])
def test_parse_decimal_refuses(raw):
    with pytest.raises(ValueError, match="不是有效的数字"):
        parse_decimal(raw)


@pytest.mark.parametrize("raw, expected", [
    (12, 12), (12.0, 12), ("12", 12), ("12.0", 12), ("1,200", 1200), ("３６", 36), ("", None),
])
def test_parse_int(raw, expected):
    assert parse_int(raw) == expected


def test_parse_int_refuses():
    with pytest.raises(ValueError, match="不是整数"):
        parse_int(12.5)
    with pytest.raises(ValueError, match="不是整数"):
        parse_int("7.5")
    with pytest.raises(ValueError, match="不是有效的数字"):
        parse_int("十二")
    with pytest.raises(ValueError, match="不是有效的数字"):
        parse_int(True)


# --------------------------------------------------------------------------- ID numbers

def test_id_number_cell_text():
    assert id_number_cell("320702198001151234") == "320702198001151234"
    assert id_number_cell(" 32070219850203122x ") == "32070219850203122X"
    assert id_number_cell("3207 0219 8001 151234") == "320702198001151234"
    assert id_number_cell("'320702198001151234") == "320702198001151234"
    assert id_number_cell("３２０７０２１９８００１１５１２３４") == "320702198001151234"
    assert id_number_cell(None) == ""
    assert id_number_cell("") == ""


@pytest.mark.parametrize("raw", [3.207021980011512e17, 320702198001151234, 320702198001151,
                                 Decimal("320702198001151234")])
def test_id_number_cell_refuses_long_numbers(raw):
    with pytest.raises(ValueError) as info:
        id_number_cell(raw)
    assert str(info.value) == "身份证件号被 Excel 存成了数字，末几位已丢失，请把该列设为文本后重新填写"


@pytest.mark.parametrize("raw", [12345678, 123456.0])
def test_id_number_cell_refuses_short_numbers(raw):
    with pytest.raises(ValueError, match="身份证件号被 Excel 存成了数字.*设为文本"):
        id_number_cell(raw)


@pytest.mark.parametrize("raw", ["3.20702E+17", "3.20702198001151e+17", "3E17"])
def test_id_number_cell_refuses_scientific_text(raw):
    with pytest.raises(ValueError, match="科学计数法"):
        id_number_cell(raw)


def test_id_number_cell_refuses_booleans():
    with pytest.raises(ValueError, match="身份证件号"):
        id_number_cell(True)
