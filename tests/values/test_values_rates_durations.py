"""§2.5 rows 17–21, §2.8 rates, §2.9 durations."""

from __future__ import annotations

import pytest

from ingestion.cells import Num
from tests.values.values_testlib import ctx, one, parse, reason


@pytest.mark.parametrize(
    ("cell", "unit", "value"),
    [
        ("0.0374", "f", 0.0374),  # row 17
        ("0.40", "f", 0.40),
        ("20.6%", "%s", 0.206),  # row 18
        ("8%", "%s", 0.08),
        ("20.6%", "f", 0.206),  # a trailing % divides whatever the declaration
        ("20.6%", "%n", 0.206),
        ("35.6", "%n", 0.356),  # row 19
        (Num(0.206, "percent"), "%s", 0.206),  # row 20
        (Num(0.206, "percent"), "%n", 0.206),
        (Num(0.206), "f", 0.206),
        (Num(20.6), "%n", 0.206),
        ("100%", "%s", 1.0),
        ("0%", "%s", 0.0),
        ("２０.６％", "%s", 0.206),  # full-width
        (" 8 % ", "%s", 0.08),
        (0.5, "f", 0.5),
        (1, "f", 1.0),
        (50, "%n", 0.5),
    ],
)
def test_rate_examples(cell, unit, value):
    assert one(cell, kind="rate", rate_unit=unit) == value


@pytest.mark.parametrize(
    ("cell", "unit", "code"),
    [
        ("35.6", "%s", "rate_unit_ambiguous"),
        ("0.5", "%s", "rate_unit_ambiguous"),
        (Num(0.5), "%s", "rate_unit_ambiguous"),
        (0.5, "%s", "rate_unit_ambiguous"),
        ("35.6", "f", "rate_out_of_range"),  # never inferred from the magnitude
        ("120%", "%s", "rate_out_of_range"),
        ("-5%", "%s", "rate_out_of_range"),
        ("150", "%n", "rate_out_of_range"),
        (Num(1.2, "percent"), "f", "rate_out_of_range"),
        ("abc", "f", "invalid_rate"),
        ("1万%", "%s", "invalid_rate"),
        ("1.2万", "f", "invalid_rate"),
        ("1 2%", "%s", "invalid_rate"),
        ("%", "%s", "invalid_rate"),
        (True, "f", "invalid_rate"),
        (Num(45597.0, "date"), "f", "invalid_rate"),
    ],
)
def test_rate_errors(cell, unit, code):
    assert reason(cell, kind="rate", rate_unit=unit) == code


def test_rate_message_example():  # §5.2 example message
    out = parse(["35.6"], ctx("完播率"), kind="rate", rate_unit="%s")
    assert out.errors[0] == (
        "rate_unit_ambiguous",
        "column 完播率: '35.6' is a bare number but the column is declared as a percent string",
    )


def test_douyin_dash_cover_ctr_is_null():
    out = parse(["-", "0.052"], kind="rate", rate_unit="f")
    assert out.values.to_pylist() == [None, 0.052]


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("7.03秒", 7.03),  # row 21
        ("9.2s", 9.2),
        ("18秒", 18.0),
        ("01:23", 83.0),
        ("1分23秒", 83.0),
        ("18 sec", 18.0),
        ("18S", 18.0),
        ("1:02:03", 3723.0),
        ("3分钟", 180.0),
        ("2小时5分", 7500.0),
        ("1小时2分3秒", 3723.0),
        ("0:05", 5.0),
        ("12", 12.0),
        ("12.5", 12.5),
        (Num(0.5, "time"), 43200.0),
        (Num(1 / 1440, "time"), 60.0),
        (Num(30.0), 30.0),
        (30, 30.0),
    ],
)
def test_duration_examples(cell, value):
    assert one(cell, kind="dur") == pytest.approx(value)


def test_duration_bare_minutes():
    out = parse(["3", "1.5", "01:23", "18秒", Num(2.0)], kind="dur", dur_unit="min")
    assert out.values.to_pylist() == [180.0, 90.0, 83.0, 18.0, 120.0]


@pytest.mark.parametrize("cell", ["abc", "1:60", "1:2:3:4", "5分钟左右", "-3", "1.2.3秒", "秒", True, Num(45597.0, "date")])
def test_duration_errors(cell):
    assert reason(cell, kind="dur") == "invalid_duration"
