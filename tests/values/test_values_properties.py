"""Hypothesis: round-trips through delivered forms, vectorised == reference, never raises."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.cells import Num
from ingestion.types import ColumnType
from ingestion.values import parse_column, parse_column_reference
from tests.values.values_testlib import EXPORT_AT, assert_equivalent, ctx, parse

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# ------------------------------------------------------------------------------------------ round trips


@SETTINGS
@given(st.integers(0, 10**15))
def test_count_round_trip(v):
    forms = [str(v), f"{v:,}", v, f" {v} ", f"{v}+"]
    if v < 2**53:
        forms += [Num(float(v)), float(v)]
    out = parse(forms, kind="count")
    assert out.values.to_pylist() == [v] * len(forms)
    assert out.capped.to_pylist() == [False] * 4 + [True] + [False] * (len(forms) - 5)


@SETTINGS
@given(st.integers(-(10**12), 10**12))
def test_signed_round_trip(v):
    forms = [str(v), str(v).replace("-", "\u2212"), v, Num(float(v))]
    assert parse(forms, kind="signed").values.to_pylist() == [v] * 4


@SETTINGS
@given(st.integers(0, 10**6), st.integers(0, 2), st.sampled_from([("万", 10**4), ("w", 10**4), ("W", 10**4),
                                                                   ("千", 10**3), ("亿", 10**8)]))
def test_count_unit_round_trip(mantissa, scale, unit):
    text = str(Decimal(mantissa).scaleb(-scale))
    want = int((Decimal(text) * unit[1]).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    out = parse([text + unit[0], text + unit[0] + "+"], kind="count")
    assert out.values.to_pylist() == [want, want]
    assert out.capped.to_pylist() == [False, True]


@SETTINGS
@given(st.integers(-(10**12), 10**12), st.integers(0, 4))
def test_money_round_trip(cents, extra):
    d = Decimal(cents).scaleb(-2)
    want = d.quantize(Decimal("0.01"))
    forms = [str(d), f"¥{d}", f"￥{d}元", f"{d:,}"]
    assert parse(forms, kind="money").values.to_pylist() == [want] * 4


@SETTINGS
@given(st.integers(0, 10**6))
def test_rate_round_trip(k):
    f = Decimal(k).scaleb(-6)  # a fraction in [0, 1] with up to 6 decimals
    pct = f.scaleb(2)
    want = float(f)
    assert parse([str(f)], kind="rate", rate_unit="f").values.to_pylist() == [want]
    assert parse([f"{pct}%", f"{pct}％"], kind="rate", rate_unit="%s").values.to_pylist() == [want, want]
    assert parse([str(pct), f"{pct}%"], kind="rate", rate_unit="%n").values.to_pylist() == [want, want]
    assert parse([Num(want, "percent")], kind="rate", rate_unit="%s").values.to_pylist() == [want]


@SETTINGS
@given(st.integers(0, 99 * 3600 + 3599))
def test_duration_round_trip(s):
    h, m, sec = s // 3600, s // 60 % 60, s % 60
    forms = [str(s), f"{s}秒", f"{s}s", f"{s} sec", f"{h}:{m:02d}:{sec:02d}", f"{h}小时{m}分{sec}秒",
             f"{h * 60 + m}分{sec}秒"]
    if s < 1000 * 60:
        forms.append(f"{s // 60:02d}:{sec:02d}")
    out = parse(forms, kind="dur")
    assert out.values.to_pylist() == [float(s)] * len(forms)


@SETTINGS
@given(st.dates(date(1990, 1, 1), date(2099, 12, 31)))
def test_date_round_trip(d):
    serial = (d - date(1899, 12, 30)).days
    forms = [d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month:02d}.{d.day:02d}",
             f"{d.year}年{d.month:02d}月{d.day:02d}日", d.strftime("%Y%m%d"), int(d.strftime("%Y%m%d")),
             f"{d.strftime('%Y%m%d')}.0", str(serial), serial, Num(float(serial), "date"),
             Num(float((d - date(1904, 1, 1)).days), "date", True), Num(serial + 0.75, "datetime")]
    assert parse(forms, kind="date").values.to_pylist() == [d] * len(forms)


SH = timedelta(hours=8)


@SETTINGS
@given(st.datetimes(datetime(2009, 1, 1), datetime(2024, 11, 8)))
def test_ts_round_trip(local):
    local = local.replace(microsecond=0)
    want = local - SH  # naive UTC
    aware = want.replace(tzinfo=UTC)
    forms = [
        local.strftime("%Y-%m-%d %H:%M:%S"),
        local.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
        want.strftime("%Y-%m-%dT%H:%M:%SZ"),
        want.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        (local - timedelta(hours=13)).strftime("%Y-%m-%dT%H:%M:%S-05:00"),
        local.strftime("%Y年%m月%d日%H时%M分%S秒"),
        f"{local.year}/{local.month}/{local.day} {local.hour}:{local.minute:02d}:{local.second:02d}",
        f"{WEEKDAYS[local.weekday()]} {MONTHS[local.month - 1]} {local.day:02d} "
        f"{local:%H:%M:%S} +0800 {local.year}",
    ]
    out = parse(forms, kind="ts")
    assert out.values.to_pylist() == [want] * len(forms)
    assert out.precision.to_pylist() == ["second"] * len(forms)
    epoch = int(aware.timestamp())
    assert parse([str(epoch), epoch], kind="ts", epoch="epoch_s").values.to_pylist() == [want] * 2
    assert parse([str(epoch * 1000), epoch * 1000], kind="ts", epoch="epoch_ms").values.to_pylist() == [want] * 2


# ----------------------------------------------------------------------------------- vectorised == reference

DIG = "[0-9]"
CANONICAL = st.one_of(
    st.from_regex(rf"\A{DIG}{{4}}-{DIG}{{2}}-{DIG}{{2}}\Z"),
    st.from_regex(rf"\A20[0-2]{DIG}-[01]{DIG}-[0-3]{DIG}( |T)[0-2]{DIG}:[0-6]{DIG}(:[0-6]{DIG}(\.{DIG}{{3}}|\.{DIG}{{6}})?)?"
                  r"(Z|[+-][0-2][0-9]:[0-6][0-9])?\Z"),
    st.from_regex(rf"\A-?{DIG}{{1,20}}(\.{DIG}{{1,14}})?%?\Z"),
    st.from_regex(rf"\A{DIG}{{1,3}}(,{DIG}{{3}}){{1,6}}\Z"),
    st.from_regex(r"\A[0-9A-Za-z_=@.\-]{1,12}\Z"),
    st.sampled_from(["", "-", "--", "null", "NULL", "nuLL", " 1 ", "1e5", "7.43299E+18", "`123", "\u3000x",
                     "x\x1f", "1万+", "２０.６％", "2024-02-30", "2023-02-29 10:00", "1730629205", "1730629205000"]),
    st.text(max_size=8),
)
CTYPES = [
    ColumnType("count"), ColumnType("signed"), ColumnType("int"), ColumnType("num"), ColumnType("ratio"),
    ColumnType("money"), ColumnType("rate", rate_unit="f"), ColumnType("rate", rate_unit="%s"),
    ColumnType("rate", rate_unit="%n"), ColumnType("dur"), ColumnType("dur", dur_unit="min"), ColumnType("date"),
    ColumnType("ts"), ColumnType("ts", end_of_period=True), ColumnType("ts", planned=True),
    ColumnType("ts", epoch="epoch_s"), ColumnType("ts", epoch="epoch_ms"), ColumnType("id"), ColumnType("key"),
    ColumnType("text"), ColumnType("text_masked"), ColumnType("bool"),
    ColumnType("enum", enum_map={"图文": "image_text"}), ColumnType("list", item_enum={"a": "A"}),
]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), CANONICAL), max_size=30), st.sampled_from(CTYPES), st.booleans())
def test_vectorised_equals_reference_strings(cells, ctype, as_arrow):
    c = ctx()
    src = pa.array(cells, pa.string()) if as_arrow else cells
    assert_equivalent(parse_column(src, ctype, c), parse_column_reference(cells, ctype, c))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), st.integers(0, 2 * 10**13),
                          st.integers(-(10**20), 10**20)), max_size=30), st.sampled_from(CTYPES))
def test_vectorised_equals_reference_ints(cells, ctype):
    c = ctx()
    assert_equivalent(parse_column(cells, ctype, c), parse_column_reference(cells, ctype, c))


# ---------------------------------------------------------------------------------------- never raises

ANY_CELL = st.one_of(
    st.none(), st.text(max_size=12), st.booleans(), st.integers(), st.floats(),
    st.builds(Num, st.floats(), st.sampled_from(["general", "percent", "date", "time", "datetime"]), st.booleans()),
    CANONICAL,
)
CTX_STRAT = st.sampled_from([ctx(), ctx(in_file=False), ctx(export_at=None, in_file=False),
                             ctx(export_at=EXPORT_AT + timedelta(days=4000))])
ALL_CTYPES = [*CTYPES, ColumnType("ts", allow_relative=True), ColumnType("enum", enum_map={"x": "y"}, strict=True),
              ColumnType("list", item_enum={"a": "A"}, strict=True), ColumnType("rate")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANY_CELL, max_size=12), st.sampled_from(ALL_CTYPES), CTX_STRAT)
def test_never_raises(cells, ctype, c):
    out = parse_column(cells, ctype, c)
    assert len(out.values) == len(cells)
    for i, (code, message) in out.errors.items():
        assert out.values[i].as_py() is None
        assert "could not be parsed" not in message, message  # no parser bug behind the reason
        assert message.startswith(f"column {c.column}: ")
        assert code
    assert_equivalent(out, parse_column_reference(cells, ctype, c))


def test_large_mixed_column_vectorised_equals_reference():
    import random

    rnd = random.Random(3)
    pool = ["2024-11-01", "2024-11-01 12:30", "2024-11-01T12:30:05Z", "2024-11-01T12:30:05.123+08:00",
            "2024-02-30", "2024/11/1 9:05", "-", "", None, "1730629205", "45597", "2008-01-01 00:00:00",
            "2024-11-07 23:59:59.123456", "2024年11月01日12时30分05秒", "x", "3,593", "1万+", "12", "-14", "0.5",
            "20.6%", "7.03秒", "`123", "7.43299E+18"]
    cells = [rnd.choice(pool) for _ in range(2000)]
    for ctype in CTYPES:
        for src in (cells, pa.array(cells, pa.string())):
            assert_equivalent(parse_column(src, ctype, ctx()), parse_column_reference(cells, ctype, ctx()))
