"""Number formatting for Chinese and English readers, hand-computed."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from orchestration.reports.format import (
    MISSING,
    fmt_count,
    fmt_date,
    fmt_hour,
    fmt_minutes,
    fmt_money,
    fmt_pct,
    fmt_pp,
    fmt_range,
    fmt_ratio,
    is_missing,
)


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (12345, "1.2万", "12.3K"),  # 1.2345万 -> one decimal
        (9876, "9,876", "9,876"),  # below 10,000: in full
        (10000, "1万", "10K"),  # a trailing .0 is dropped
        (15500, "1.6万", "15.5K"),  # round half up at 1.55 (binary 1.55 is 1.5500000000000000444)
        (99_999, "10万", "100K"),
        (99_999_999, "1亿", "100M"),  # rounds up into the next unit, never "10000万"
        (123_456_789, "1.2亿", "123.5M"),
        (2_500_000_000, "25亿", "2.5B"),
        (-23456, "-2.3万", "-23.5K"),
        (0, "0", "0"),
        (1234.5, "1,234.5", "1,234.5"),
    ],
)
def test_fmt_count(value: float, zh: str, en: str) -> None:
    assert fmt_count(value) == zh
    assert fmt_count(value, "en") == en


def test_fmt_count_signed_and_missing() -> None:
    assert fmt_count(35400, signed=True) == "+3.5万"
    assert fmt_count(-426, signed=True) == "-426"
    assert fmt_count(0, signed=True) == "0"
    for missing in (None, float("nan"), pd.NA, pd.NaT):
        assert fmt_count(missing) == MISSING
        assert fmt_pct(missing) == MISSING
        assert fmt_money(missing) == MISSING


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.3126, "31.3%"),
        (0.05, "5.0%"),
        (1.5, "150.0%"),
        (-0.47469, "-47.5%"),
        (0, "0.0%"),
        (-0.0004, "-<0.1%"),  # non-zero but under half a unit: said, not rounded to 0
        (0.000043, "<0.1%"),
    ],
)
def test_fmt_pct(value: float, text: str) -> None:
    assert fmt_pct(value) == text


def test_fmt_pct_decimals_and_sign() -> None:
    assert fmt_pct(0.000256, decimals=2) == "0.03%"
    assert fmt_pct(0.000043, decimals=2) == "<0.01%"
    assert fmt_pct(0.241, signed=True) == "+24.1%"
    assert fmt_pct(-0.015, signed=True) == "-1.5%"
    assert fmt_pct(0.00001, signed=True) == "+<0.1%"


def test_fmt_money_ratio_minutes_pp() -> None:
    assert fmt_money(6525.69) == "¥6,525.69"
    assert fmt_money(155688.9) == "¥15.6万"
    assert fmt_money(155688.9, "en") == "¥155.7K"
    assert fmt_money(-3200) == "-¥3,200.00"
    assert fmt_ratio(0.525308) == "0.53"
    assert fmt_ratio(2.5, 1) == "2.5"
    assert fmt_minutes(35.24) == "35.2 分钟"
    assert fmt_minutes(35.24, "en") == "35.2 min"
    assert fmt_minutes(125) == "2.1 小时"  # from 90 minutes on, in hours
    assert fmt_minutes(125, "en") == "2.1 h"
    assert fmt_pp(0.012) == "+1.2 个百分点"
    assert fmt_pp(-0.0333, "en") == "-3.3 pp"


def test_dates_and_hours() -> None:
    assert fmt_date(date(2026, 11, 2)) == "2026年11月2日"
    assert fmt_date(date(2026, 11, 2), "en") == "2026-11-02"
    assert fmt_date(None) == MISSING
    assert fmt_range(date(2026, 11, 2), date(2026, 11, 8)) == "2026年11月2日—11月8日"
    assert fmt_range(date(2026, 12, 28), date(2027, 1, 3)) == "2026年12月28日—2027年1月3日"
    assert fmt_range(date(2026, 11, 2), date(2026, 11, 8), "en") == "2026-11-02 – 2026-11-08"
    assert fmt_hour(9) == "09:00"
    assert fmt_hour(None) == MISSING


def test_is_missing() -> None:
    assert is_missing(None) and is_missing(float("nan")) and is_missing(pd.NA) and is_missing(pd.NaT)
    assert not is_missing(0) and not is_missing("") and not is_missing(date(2026, 1, 1))
