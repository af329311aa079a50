"""§2.5 rows 11–16 and §2.6 numbers; §2.7 missing markers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingestion.cells import Num
from ingestion.values import is_missing
from tests.values.values_testlib import one, parse, reason


@pytest.mark.parametrize(
    ("cell", "value", "capped"),
    [
        ("3,593", 3593, False),  # row 11
        ("1.2万", 12000, False),  # row 12
        ("3.1w", 31000, False),
        ("3.1W", 31000, False),
        ("1.5亿", 150_000_000, False),  # row 13
        ("1万+", 10000, True),  # row 14
        ("1千+", 1000, True),
        ("10万+", 100000, True),
        ("1.25万", 12500, False),
        ("1.23456万", 12346, False),  # rounded half-up after the unit
        ("1.00005万", 10001, False),
        ("0.00005万", 1, False),
        ("3593.0", 3593, False),
        (" 42 ", 42, False),
        ("４２", 42, False),  # NFKC
        ("+7", 7, False),
        ("1,234,567", 1234567, False),
        (Num(3593.0), 3593, False),
        (3593, 3593, False),
        (3593.0, 3593, False),
        ("999+", 999, True),
    ],
)
def test_count_examples(cell, value, capped):
    out = parse([cell], kind="count")
    assert out.values.to_pylist() == [value]
    assert out.capped is not None and out.capped.to_pylist() == [capped]
    assert not out.errors


@pytest.mark.parametrize("cell", ["-", "--", "", "   ", "null", "NULL", "Null", "nUlL", None, "\t", "\u3000"])
@pytest.mark.parametrize("kind", ["count", "signed", "num", "money", "rate", "dur", "date", "ts", "id", "key",
                                  "text", "text_masked", "bool", "enum", "list", "int", "ratio"])
def test_missing_markers_are_null_for_every_kind(cell, kind):  # row 15, §2.7
    kw = {"rate_unit": "f"} if kind == "rate" else {}
    out = parse([cell], kind=kind, **kw)
    assert out.values.to_pylist() == [None]
    assert out.errors == {}
    if out.capped is not None:
        assert out.capped.to_pylist() == [None]
    assert is_missing(cell)


def test_lone_minus_is_missing_but_minus_14_is_a_number():  # row 16
    out = parse(["-14", "-", "−14", "--"], kind="signed")
    assert out.values.to_pylist() == [-14, None, -14, None]
    assert not is_missing("-14")


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("3.5", "invalid_number"),  # fractional count without unit
        ("5%", "invalid_number"),
        ("1k", "invalid_number"),
        ("很多", "invalid_number"),
        ("1 2", "invalid_number"),
        ("12,34", "invalid_number"),
        ("1,2345", "invalid_number"),
        ("1万万", "invalid_number"),
        ("++1", "invalid_number"),
        (".5", "invalid_number"),
        ("-14", "negative_count"),
        ("−3", "negative_count"),
        ("-1万+", "negative_count"),
        (Num(3.5), "invalid_number"),
        (Num(-2.0), "negative_count"),
        (True, "invalid_number"),
        (-5, "negative_count"),
        (float("nan"), "invalid_number"),
        ("99999999999999999999", "invalid_number"),
    ],
)
def test_count_errors(cell, code):
    assert reason(cell, kind="count") == code


def test_count_message_names_column_and_value():
    from tests.values.values_testlib import ctx

    out = parse(["5%"], ctx("播放量"), kind="count")
    assert out.errors[0][1].startswith("column 播放量: '5%'")


def test_signed_allows_negatives_and_caps():
    out = parse(["-14", "+3", "1万+", "-1.5万"], kind="signed")
    assert out.values.to_pylist() == [-14, 3, 10000, -15000]
    assert out.capped.to_pylist() == [False, False, True, False]


def test_int_codes():
    out = parse(["0", "17", "-3", 149, Num(30.0), "1万", "1.5", "3+"], kind="int")
    assert out.values.to_pylist()[:5] == [0, 17, -3, 149, 30]
    assert {k: v[0] for k, v in out.errors.items()} == {5: "invalid_number", 6: "invalid_number", 7: "invalid_number"}
    assert out.capped is None


@pytest.mark.parametrize(
    ("cell", "value"),
    [("3,593.25", 3593.25), ("1.2万", 12000.0), ("-0.5", -0.5), ("−2", -2.0), (Num(0.25), 0.25), (7, 7.0), (1.5, 1.5)],
)
def test_num(cell, value):
    assert one(cell, kind="num") == value


@pytest.mark.parametrize("cell", ["10万+", "abc", "1%", "1k", True])
def test_num_errors(cell):
    assert reason(cell, kind="num") == "invalid_number"


def test_ratio_unbounded():
    assert parse(["3.5", "120", "-1"], kind="ratio").values.to_pylist() == [3.5, 120.0, -1.0]


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("¥12.345", Decimal("12.35")),  # half-up
        ("￥1,234.5元", Decimal("1234.50")),
        ("12.344元", Decimal("12.34")),
        ("-3.005", Decimal("-3.01")),
        ("¥-3", Decimal("-3.00")),
        ("-¥3", Decimal("-3.00")),
        ("1.2万元", Decimal("12000.00")),
        ("0.125", Decimal("0.13")),
        (Num(19.9), Decimal("19.90")),
        (2.675, Decimal("2.68")),  # the JSON number as written, not its binary value 2.67499..
        (12, Decimal("12.00")),
    ],
)
def test_money(cell, value):
    assert one(cell, kind="money") == value


@pytest.mark.parametrize("cell", ["10+", "¥¥1", "1元元", "USD 5", "1%", "1e5"])
def test_money_errors(cell):
    assert reason(cell, kind="money") == "invalid_number"


def test_money_type():
    import pyarrow as pa

    assert parse(["1.5"], kind="money").values.type == pa.decimal128(18, 2)
