"""§2.5 rows 22–31, §2.10 dates and times."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from ingestion.cells import Num
from tests.values.values_testlib import ctx, one, parse, reason

LATE = ctx(export_at=datetime(2026, 8, 20, 2, 0, tzinfo=UTC))


def utc(*a: int) -> datetime:
    return datetime(*a)  # naive UTC, as stored


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("20220329", date(2022, 3, 29)),  # row 22
        ("20220329.0", date(2022, 3, 29)),
        (20220329, date(2022, 3, 29)),
        (Num(20220329.0), date(2022, 3, 29)),
        ("45597", date(2024, 11, 1)),  # row 23
        ("45597.5208333", date(2024, 11, 1)),
        (45597, date(2024, 11, 1)),
        (Num(45597.0, "date"), date(2024, 11, 1)),
        (Num(44135.0, "date", date1904=True), date(2024, 11, 1)),
        ("2024年11月01日", date(2024, 11, 1)),  # row 25
        ("2026年08月14日", date(2026, 8, 14)),
        ("2024年11月1日", date(2024, 11, 1)),
        ("2024/11/01", date(2024, 11, 1)),  # row 26
        ("2024.11.01", date(2024, 11, 1)),
        ("2024/11/1", date(2024, 11, 1)),
        ("2024-1-5", date(2024, 1, 5)),
        ("2024-11-01", date(2024, 11, 1)),
        (" 2024-11-01 ", date(2024, 11, 1)),
        ("2024-11-01 23:30", date(2024, 11, 1)),  # local wall date, not converted
        ("2024-02-29", date(2024, 2, 29)),
        ("19900101", date(1990, 1, 1)),
        ("20991231", date(2099, 12, 31)),
        ("32874", date(1990, 1, 1)),
        ("73050", date(2099, 12, 31)),
    ],
)
def test_date_examples(cell, value):
    assert one(cell, kind="date") == value


@pytest.mark.parametrize(
    "cell",
    ["2026-09-31", "2023-02-29", "2024-13-01", "20221399", "19891231", "21000101", "32873", "73051", "1234567",
     "合计", "2024/11-01", "11-01", "昨天 12:00", "2024-11-01 25:10", Num(0.5, "time"), True, "1730629205"],
)
def test_date_errors(cell):
    assert reason(cell, kind="date") == "invalid_date"


def test_date_type():
    assert parse(["2024-11-01"], kind="date").values.type == pa.date32()


@pytest.mark.parametrize(
    ("cell", "value", "precision"),
    [
        ("2024年11月01日12时30分05秒", utc(2024, 11, 1, 4, 30, 5), "second"),  # row 24
        ("2024年11月01日12时30分", utc(2024, 11, 1, 4, 30), "minute"),
        ("2024年11月01日 12:30", utc(2024, 11, 1, 4, 30), "minute"),
        ("2024/11/1 9:05", utc(2024, 11, 1, 1, 5), "minute"),  # row 26
        ("2024.11.01 09:05:07", utc(2024, 11, 1, 1, 5, 7), "second"),
        ("2024-11-07 14:47", utc(2024, 11, 7, 6, 47), "minute"),  # row 27: seconds = 00
        ("Wed Apr 16 18:58:11 +0800 2014", utc(2014, 4, 16, 10, 58, 11), "second"),  # row 28
        ("Sun Nov 03 06:12:44 +0000 2024", utc(2024, 11, 3, 6, 12, 44), "second"),
        ("2024-09-18T14:10:21.000Z", utc(2024, 9, 18, 14, 10, 21), "second"),  # row 29
        ("2024-09-18T14:10:21.123456Z", utc(2024, 9, 18, 14, 10, 21, 123456), "second"),
        ("2024-11-01T12:30:05+08:00", utc(2024, 11, 1, 4, 30, 5), "second"),
        ("2024-11-01T12:30:05+0800", utc(2024, 11, 1, 4, 30, 5), "second"),
        ("2024-11-01T04:30:05-02:30", utc(2024, 11, 1, 7, 0, 5), "second"),
        ("2024-11-01 12:30:05", utc(2024, 11, 1, 4, 30, 5), "second"),
        ("2024-11-01", utc(2024, 10, 31, 16, 0), "day"),
        ("45597.5208333", utc(2024, 11, 1, 4, 30), "second"),  # row 23
        ("45597", utc(2024, 10, 31, 16, 0), "day"),
        (Num(45597.5208333, "datetime"), utc(2024, 11, 1, 4, 30), "second"),
        ("20241101", utc(2024, 10, 31, 16, 0), "day"),
    ],
)
def test_ts_examples(cell, value, precision):
    out = parse([cell], kind="ts")
    assert not out.errors, out.errors
    assert out.values.to_pylist() == [value]
    assert out.precision.to_pylist() == [precision]
    assert out.values.type == pa.timestamp("us")


@pytest.mark.parametrize(
    "cell", ["2026-09-31 10:00", "2024-11-01 25:10", "25:10", "2024-11-01 12:60", "Wed Foo 16 18:58:11 +0800 2014",
             "2024-11-01T12:30:05+25:00", "yesterday", "1730629205", "Num", True]
)
def test_ts_invalid(cell):
    assert reason(cell, kind="ts") == "invalid_timestamp"


def test_weibo_form_ignores_locale_and_needs_english_names():
    assert reason("周三 4月 16 18:58:11 +0800 2014", kind="ts") == "invalid_timestamp"


def test_epochs_declared_per_column():  # row 30
    s = parse(["1730629205", 1730629205, Num(1730629205.0), "1730629205000"], kind="ts", epoch="epoch_s")
    assert s.values.to_pylist()[:3] == [utc(2024, 11, 3, 10, 20, 5)] * 3
    assert s.errors[3][0] == "epoch_unit_mismatch"
    ms = parse(["1730629205000", 1730629205123, "1730629205"], kind="ts", epoch="epoch_ms")
    assert ms.values.to_pylist()[:2] == [utc(2024, 11, 3, 10, 20, 5), utc(2024, 11, 3, 10, 20, 5, 123000)]
    assert ms.errors[2][0] == "epoch_unit_mismatch"
    assert ms.precision.to_pylist() == ["second", "second", None]


@pytest.mark.parametrize(
    ("cell", "value", "precision"),
    [
        ("刚刚", utc(2024, 11, 8, 1, 30), "minute"),  # row 31; export 2024-11-08 09:30 +08:00
        ("30秒前", utc(2024, 11, 8, 1, 29, 30), "second"),
        ("5分钟前", utc(2024, 11, 8, 1, 25), "minute"),
        ("半小时前", utc(2024, 11, 8, 1, 0), "minute"),
        ("3小时前", utc(2024, 11, 7, 22, 30), "hour"),
        ("今天 08:15", utc(2024, 11, 8, 0, 15), "minute"),
        ("昨天 12:00", utc(2024, 11, 7, 4, 0), "minute"),
        ("昨天 19:30", utc(2024, 11, 7, 11, 30), "minute"),
        ("前天 12:00", utc(2024, 11, 6, 4, 0), "minute"),
        ("2天前", utc(2024, 11, 6, 1, 30), "day"),
        ("11-01 20:33", utc(2024, 11, 1, 12, 33), "minute"),  # year-less: the export year
        ("11月01日 20:33", utc(2024, 11, 1, 12, 33), "minute"),
        ("12-25 10:00", utc(2023, 12, 25, 2, 0), "minute"),  # would be > 1 day after export: previous year
        ("11-09 08:00", utc(2024, 11, 9, 0, 0), "minute"),  # within a day after export: this year
    ],
)
def test_relative_and_yearless(cell, value, precision):
    out = parse([cell], kind="ts", allow_relative=True)
    assert not out.errors, out.errors
    assert out.values.to_pylist() == [value]
    assert out.precision.to_pylist() == [precision]


def test_relative_example_from_listening_contract():  # §3.17 second line
    c = ctx(export_at=datetime(2024, 11, 6, 1, 30, tzinfo=UTC))
    out = parse(["昨天 19:30"], c, kind="ts", allow_relative=True)
    assert out.values.to_pylist() == [utc(2024, 11, 5, 11, 30)]
    assert out.precision.to_pylist() == ["minute"]


@pytest.mark.parametrize("cell", ["刚刚", "3小时前", "昨天 12:00", "11-01 20:33"])
def test_relative_needs_export_time_from_file(cell):
    assert reason(cell, ctx(in_file=False), kind="ts", allow_relative=True) == "relative_time_without_export_time"
    assert reason(cell, ctx(export_at=None, in_file=False), kind="ts", allow_relative=True) == (
        "relative_time_without_export_time"
    )
    assert reason(cell, kind="ts") == "invalid_timestamp"  # not accepted by the column at all


def test_plausibility():
    assert reason("2008-12-31 23:59:59", kind="ts") == "implausible_timestamp"
    assert one("2009-01-01 00:00:00", kind="ts") == utc(2008, 12, 31, 16, 0)
    assert reason("2024-11-09 09:31", kind="ts") == "implausible_timestamp"  # > export + 1 day
    assert one("2024-11-09 09:30", kind="ts") == utc(2024, 11, 9, 1, 30)
    assert one("2030-01-01", kind="ts", planned=True) == utc(2029, 12, 31, 16, 0)
    assert one("2001-01-01", kind="ts", planned=True) == utc(2000, 12, 31, 16, 0)
    assert one("2030-01-01", ctx(export_at=None, in_file=False), kind="ts") == utc(2029, 12, 31, 16, 0)
    assert reason(1000000000, kind="ts", epoch="epoch_s") == "implausible_timestamp"


def test_end_of_period():
    out = parse(["2024-11-01", "2024-11-01 23:59", "2024-11-01 10:00:05", "20241101", "2024年11月01日"],
                kind="ts", end_of_period=True, planned=True)
    assert out.values.to_pylist() == [
        utc(2024, 11, 1, 15, 59, 59, 999000),
        utc(2024, 11, 1, 15, 59, 59, 999000),
        utc(2024, 11, 1, 2, 0, 5),
        utc(2024, 11, 1, 15, 59, 59, 999000),
        utc(2024, 11, 1, 15, 59, 59, 999000),
    ]
    assert out.precision.to_pylist() == ["day", "minute", "second", "day", "day"]


def test_summary_row_value_is_not_a_timestamp_but_an_error_only_if_parsed():
    assert reason("合计", kind="ts") == "invalid_timestamp"


def test_date_column_with_offset_datetime_is_shanghai_date():
    assert one("2024-11-01T20:00:00Z", kind="date") == date(2024, 11, 2)
