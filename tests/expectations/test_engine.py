"""The validation engine: GX on pandas and DuckDB SQL give the same figures (parity), figures match hand
computation, failing-row samples are JSON-safe and deterministic, and a broken check never breaks a suite.

Real DuckDB files, real GX (no mocks)."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expectations.engine import SuiteValidation, json_safe, validate_suite, validate_suites
from expectations.model import Check, Suite
from ingestion.config import QualityConfig

ENGINES = ("gx_pandas", "sql")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = Path(tmp_path_factory.mktemp("engine")) / "wh.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        """
        create table t as select * from (values
          (1, 'acc1', 1,    1.0,            'x', 'a',  date '2024-01-01', timestamp '2024-01-01 08:00:00', 1.50::decimal(18,2)),
          (2, 'acc1', 2,    2.0,            'y', 'a',  date '2024-01-02', timestamp '2024-01-02 08:00:00', 2.50::decimal(18,2)),
          (3, 'acc2', null, null,           'y', null, date '2024-01-03', null,                            null),
          (4, 'acc2', 5,    'nan'::double,  null, null, null,             timestamp '2023-06-30 23:59:59', 9.99::decimal(18,2)),
          (5, 'acc3', 5,    5.0,            'z', 'b',  date '2025-02-01', timestamp '2024-01-01 08:00:00', -1.00::decimal(18,2)),
          (5, 'acc3', 0,    0.0,            'x', 'b',  date '2024-01-05', timestamp '2024-12-31 00:00:00', 0.00::decimal(18,2))
        ) v(id, account, n, rate, code, grp, day, ts, amount)
        """
    )
    con.execute("create table empty as select * from t where false")
    con.execute("create table allnull as select null::integer as n, null::varchar as s from range(3)")
    return con


def _suite(
    name: str, checks: Sequence[Check], sql: str = "select * from t", ids: tuple[str, ...] = ("id",)
) -> Suite:
    return Suite(
        name=name,
        kind="mart",
        asset_key=("marts", name),
        table=f"main.{name}",
        batch_sql=sql,
        checks=tuple(checks),
        id_columns=ids,
        dataset="test/ds",
    )


def _c(name: str, etype: str, severity: str = "error", label_zh: str = "", **kwargs: Any) -> Check:
    return Check(name=name, expectation_type=etype, kwargs=kwargs, severity=severity, label_zh=label_zh)


def _figures(v: SuiteValidation) -> dict[str, tuple[Any, ...]]:
    return {
        r.check: (
            r.success,
            r.element_count,
            r.failing_count,
            r.failing_percent,
            r.observed_value,
            r.exception is None,
        )
        for r in v.results
    }


def _assert_parity(
    con: duckdb.DuckDBPyConnection, suite: Suite, quality: QualityConfig | None = None
) -> SuiteValidation:
    gx = validate_suite(con, suite, run_id="parity", engine="gx_pandas", quality=quality)
    sql = validate_suite(con, suite, run_id="parity", engine="sql", quality=quality)
    assert gx.engine == "gx_pandas" and sql.engine == "sql"
    assert not [r.exception for r in [*gx.results, *sql.results] if r.exception]
    assert _figures(gx) == _figures(sql)
    assert {r.check: r.sample for r in gx.results} == {r.check: r.sample for r in sql.results}
    return sql


# ---------------------------------------------------------------------------------------------- parity

NN = "expect_column_values_to_not_be_null"
BETWEEN = "expect_column_values_to_be_between"
IN_SET = "expect_column_values_to_be_in_set"
UNIQUE = "expect_column_values_to_be_unique"
COMPOUND = "expect_compound_columns_to_be_unique"
ROWS = "expect_table_row_count_to_be_between"

PARITY_CHECKS: list[Check] = [
    _c("p.n.nn", NN, column="n"),
    _c("p.n.nn_mostly", NN, column="n", mostly=0.8),
    _c("p.rate.nn", NN, column="rate"),  # NaN counts as missing
    _c("p.n.between", BETWEEN, column="n", min_value=0, max_value=2),
    _c("p.n.strict", BETWEEN, column="n", min_value=0, max_value=5, strict_min=True, strict_max=True),
    _c("p.n.min_only", BETWEEN, column="n", min_value=1),
    _c("p.n.max_only_strict", BETWEEN, column="n", max_value=5, strict_max=True),
    _c("p.rate.between", BETWEEN, column="rate", min_value=0.5, max_value=2.0, mostly=0.5),
    _c("p.amount.nonneg", BETWEEN, column="amount", min_value=0),
    _c("p.day.range", BETWEEN, column="day", min_value="2024-01-01", max_value="2024-12-31"),
    _c("p.ts.range", BETWEEN, column="ts", min_value=dt.date(2024, 1, 1), max_value="2024-12-31 00:00:00"),
    _c("p.ts.strict", BETWEEN, column="ts", min_value=dt.datetime(2024, 1, 1, 8), strict_min=True),
    _c("p.code.set", IN_SET, column="code", value_set=["x", "y"]),
    _c("p.code.set_mostly", IN_SET, column="code", value_set=["x", "y"], mostly=0.75),
    _c("p.code.set_empty", IN_SET, column="code", value_set=[]),
    _c("p.n.set_numbers", IN_SET, column="n", value_set=[0, 1, 2, "5"]),
    _c("p.id.unique", UNIQUE, column="id"),
    _c("p.n.unique", UNIQUE, column="n"),
    _c("p.n.unique_mostly", UNIQUE, column="n", mostly=0.5),
    _c("p.rate.unique", UNIQUE, column="rate"),
    _c("p.key", COMPOUND, column_list=["account", "grp"]),
    _c("p.key_any", COMPOUND, column_list=["account", "grp"], ignore_row_if="any_value_is_missing"),
    _c("p.key_never", COMPOUND, column_list=["code", "grp"], ignore_row_if="never"),
    _c("p.key_all", COMPOUND, column_list=["code", "grp"]),
    _c("p.key_ok", COMPOUND, column_list=["id", "account", "n"]),
    _c("p.rows", ROWS, min_value=1, max_value=10),
    _c("p.rows_strict", ROWS, min_value=6, strict_min=True),
    _c("p.rows_max", ROWS, max_value=5),
]


def test_parity_on_hand_built_batch(db: duckdb.DuckDBPyConnection) -> None:
    v = _assert_parity(db, _suite("parity", PARITY_CHECKS, ids=("id", "account")))
    failed = {r.check for r in v.results if not r.success}
    assert {"p.n.nn", "p.rate.nn", "p.n.strict", "p.ts.strict", "p.key", "p.rows_strict"} <= failed
    assert {"p.n.nn_mostly", "p.rate.between", "p.n.unique_mostly", "p.key_never", "p.rows"}.isdisjoint(
        failed
    )
    by = {r.check: r for r in v.results}
    assert by["p.rate.nn"].failing_count == 2  # NULL and NaN are both missing
    assert by["p.rows"].observed_value == 6


@pytest.mark.parametrize(
    "sql",
    ["select * from empty", "select * from t where id = 3", "select n, s as code from allnull"],
    ids=["empty", "one-row-with-nulls", "all-null"],
)
def test_parity_edge_batches(db: duckdb.DuckDBPyConnection, sql: str) -> None:
    checks = [
        _c("e.n.nn", NN, column="n"),
        _c("e.n.between", BETWEEN, column="n", min_value=0),
        _c("e.code.set", IN_SET, column="code", value_set=["x"]),
        _c("e.n.unique", UNIQUE, column="n"),
        _c("e.rows", ROWS, min_value=1),
    ]
    _assert_parity(db, _suite("edge", checks, sql=sql, ids=()))


def test_parity_derived_batch_with_trailing_comment(db: duckdb.DuckDBPyConnection) -> None:
    sql = "select id, n - coalesce(rate, 0) as gap, upper(code) as code from t -- derived columns;"
    checks = [
        _c("d.gap", BETWEEN, column="gap", min_value=-0.5, max_value=0.5),
        _c("d.code", IN_SET, column="code", value_set=["X", "Y"]),
    ]
    _assert_parity(db, _suite("derived", checks, sql=sql))


# ---------------------------------------------------------------------------------------------- by hand


@pytest.mark.parametrize("engine", ENGINES)
def test_hand_computed_figures(tmp_path: Path, engine: Any) -> None:
    con = duckdb.connect(str(tmp_path / "h.duckdb"))
    con.execute("create table h as select * from (values (1, 'a'), (2, 'a'), (null, null), (5, 'b')) v(x, s)")
    checks = [
        _c("h.x.between", BETWEEN, column="x", min_value=0, max_value=2),
        _c("h.x.nn", NN, column="x"),
        _c("h.s.unique", UNIQUE, column="s"),
        _c("h.x.between_mostly", BETWEEN, column="x", min_value=0, max_value=2, mostly=0.6),
        _c("h.rows", ROWS, min_value=1, max_value=3),
    ]
    v = validate_suite(con, _suite("h", checks, sql="select * from h", ids=()), run_id="r", engine=engine)
    by = {r.check: r for r in v.results}
    r = by["h.x.between"]
    assert (r.success, r.element_count, r.failing_count) == (False, 4, 1)
    assert r.failing_percent == pytest.approx(100 / 3)
    assert r.observed_value == pytest.approx(100 / 3)
    assert r.sample == [{"x": 5}]
    r = by["h.x.nn"]
    assert (r.success, r.failing_count, r.failing_percent) == (False, 1, 25.0)
    r = by["h.s.unique"]  # both 'a' rows fail, NULL ignored: 2 of 3
    assert (r.success, r.failing_count) == (False, 2)
    assert r.failing_percent == pytest.approx(200 / 3)
    assert r.sample == [{"s": "a"}, {"s": "a"}]
    assert by["h.x.between_mostly"].success  # 2 of 3 in range >= 0.6
    assert by["h.x.between_mostly"].sample == []  # samples only for failed checks
    r = by["h.rows"]
    assert (r.success, r.observed_value, r.failing_count, r.failing_percent) == (False, 4, 0, None)
    assert v.batch_rows == 4
    assert all(x.engine == engine for x in v.results)


@pytest.mark.parametrize("engine", ENGINES)
def test_compound_key_with_partial_nulls(tmp_path: Path, engine: Any) -> None:
    con = duckdb.connect(str(tmp_path / "k.duckdb"))
    con.execute(
        "create table k as select * from (values ('a', 1), ('a', 1), ('a', null), (null, null), (null, null),"
        " ('b', null), ('b', null)) v(k1, k2)"
    )
    checks = [
        _c("k.all", COMPOUND, column_list=["k1", "k2"]),  # GX default: drop rows where all are missing
        _c("k.any", COMPOUND, column_list=["k1", "k2"], ignore_row_if="any_value_is_missing"),
        _c("k.never", COMPOUND, column_list=["k1", "k2"], ignore_row_if="never"),
    ]
    v = validate_suite(con, _suite("k", checks, sql="select * from k", ids=()), run_id="r", engine=engine)
    got = {r.check: (r.failing_count, r.failing_percent) for r in v.results}
    assert got["k.all"] == (4, pytest.approx(80.0))  # (a,1)x2 + (b,NULL)x2 of 5 considered
    assert got["k.any"] == (2, pytest.approx(100.0))  # only (a,1)x2 considered
    assert got["k.never"] == (6, pytest.approx(600 / 7))
    sample = next(r.sample for r in v.results if r.check == "k.all")
    assert sample == [
        {"k1": "a", "k2": 1},
        {"k1": "a", "k2": 1},
        {"k1": "b", "k2": None},
        {"k1": "b", "k2": None},
    ]


# ---------------------------------------------------------------------------------------------- samples


@pytest.mark.parametrize("engine", ENGINES)
def test_samples_json_safe_ordered_and_limited(db: duckdb.DuckDBPyConnection, engine: Any) -> None:
    checks = [
        _c("s.amount", BETWEEN, column="amount", min_value=0, max_value=2),
        _c("s.day", BETWEEN, column="day", max_value="2024-01-02"),
        _c("s.id", UNIQUE, column="id"),
    ]
    quality = QualityConfig(sample_rows=2)
    v = validate_suite(
        db, _suite("s", checks, ids=("account", "id")), run_id="r", engine=engine, quality=quality
    )
    by = {r.check: r.sample for r in v.results}
    assert by["s.amount"] == [
        {"account": "acc1", "id": 2, "amount": 2.5},
        {"account": "acc2", "id": 4, "amount": 9.99},
    ]
    assert by["s.day"] == [
        {"account": "acc2", "id": 3, "day": "2024-01-03"},
        {"account": "acc3", "id": 5, "day": "2024-01-05"},
    ]
    assert by["s.id"] == [{"id": 5, "account": "acc3"}, {"id": 5, "account": "acc3"}]
    json.dumps([r.sample for r in v.results], allow_nan=False)


def test_json_safe() -> None:
    assert json_safe(Decimal("1.25")) == 1.25
    assert json_safe(dt.date(2024, 1, 2)) == "2024-01-02"
    assert json_safe(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05"
    assert json_safe(float("nan")) is None
    assert json_safe({"a": [1, (2, Decimal("3"))]}) == {"a": [1, [2, 3.0]]}


# ---------------------------------------------------------------------------------------------- robustness


@pytest.mark.parametrize("engine", ENGINES)
def test_unevaluable_checks_fail_alone(db: duckdb.DuckDBPyConnection, engine: Any) -> None:
    checks = [
        _c("x.ok", NN, column="id"),
        _c("x.missing_column", NN, column="no_such_column"),
        _c("x.bad_kwarg", NN, column="id", row_condition="id > 1"),
        _c("x.between_on_text", BETWEEN, column="code", min_value=0),
        _c("x.bounds_swapped", BETWEEN, column="n", min_value=5, max_value=1),
        _c("x.unsupported", "expect_column_values_to_match_regex", column="code", regex="x"),
        _c("x.bad_mostly", NN, column="id", mostly=1.5),
    ]
    v = validate_suite(db, _suite("x", checks), run_id="r", engine=engine)
    by = {r.check: r for r in v.results}
    assert by["x.ok"].success and by["x.ok"].exception is None
    for name in list(by)[1:]:
        assert not by[name].success and by[name].exception, name
        assert by[name].blocking_failure
    assert "no_such_column" in (by["x.missing_column"].exception or "")
    assert len(v.gx_result.results) == len(checks)


@pytest.mark.parametrize("engine", ["auto", *ENGINES])
def test_failing_batch_fails_every_check(db: duckdb.DuckDBPyConnection, engine: Any) -> None:
    checks = [_c("b.one", NN, column="id"), _c("b.rows", ROWS, min_value=1)]
    v = validate_suite(db, _suite("b", checks, sql="select * from no_such_table"), run_id="r", engine=engine)
    assert v.exception and "no_such_table" in v.exception
    assert v.batch_rows is None
    assert [r.success for r in v.results] == [False, False]
    assert all(r.exception == v.exception for r in v.results)
    assert v.status == "error" and not v.success
    assert len(v.gx_result.results) == 2


def test_auto_engine_by_row_count(db: duckdb.DuckDBPyConnection) -> None:
    suite = _suite("a", [_c("a.id", NN, column="id")])
    assert validate_suite(db, suite, run_id="r").engine == "gx_pandas"
    big = validate_suite(db, suite, run_id="r", quality=QualityConfig(pandas_max_rows=5))
    assert big.engine == "sql" and big.batch_rows == 6
    with pytest.raises(ValueError):
        validate_suite(db, suite, run_id="r", engine="spark")


@pytest.mark.parametrize("engine", ENGINES)
def test_result_metadata_and_severity_override(db: duckdb.DuckDBPyConnection, engine: Any) -> None:
    checks = [
        _c("m.id.unique", UNIQUE, column="id", label_zh="编号唯一"),
        _c("m.code.set", IN_SET, column="code", value_set=["x"], severity="warn"),
        _c("m.n.nn", NN, column="n", severity="warn"),
    ]
    quality = QualityConfig(severity={"m.id.*": "warn", "m.n.*": "error"})
    v = validate_suite(db, _suite("m", checks), run_id="run-7", engine=engine, quality=quality)
    by = {r.check: r for r in v.results}
    assert [by[n].severity for n in ("m.id.unique", "m.code.set", "m.n.nn")] == ["warn", "warn", "error"]
    assert [r.check for r in v.blocking_failures] == ["m.n.nn"]
    assert {r.check for r in v.warnings} == {"m.id.unique", "m.code.set"}
    assert not v.success and not v.all_passed and v.status == "error"
    r = by["m.id.unique"]
    assert (r.run_id, r.suite, r.asset_key, r.table_name, r.dataset) == (
        "run-7",
        "m",
        "marts/m",
        "main.m",
        "test/ds",
    )
    assert (r.expectation_type, r.column_name, r.label_zh) == (UNIQUE, "id", "编号唯一")
    assert r.validated_at is not None and r.validated_at.tzinfo is None
    assert abs((dt.datetime.now(dt.UTC).replace(tzinfo=None) - r.validated_at).total_seconds()) < 120
    assert r.duration_s >= 0 and v.duration_s >= 0
    # the GX result carries the fanops check name and the mapped GX severity
    evrs = {e.expectation_config.meta["fanops_check"]: e for e in v.gx_result.results}
    assert set(evrs) == set(by)
    assert str(getattr(evrs["m.id.unique"].expectation_config.severity, "value", "")) == "warning"
    assert str(getattr(evrs["m.n.nn"].expectation_config.severity, "value", "")) == "critical"
    assert v.gx_result.success is False and v.gx_result.suite_name == "m"


def test_validate_suites_all_pass(db: duckdb.DuckDBPyConnection) -> None:
    suites = [
        _suite("v1", [_c("v1.id", NN, column="id")]),
        _suite("v2", [_c("v2.rows", ROWS, min_value=1)]),
    ]
    out = validate_suites(db, suites, run_id="r", quality=QualityConfig())
    assert [v.suite.name for v in out] == ["v1", "v2"]
    assert all(v.success and v.all_passed and v.status == "pass" for v in out)


# ---------------------------------------------------------------------------------------------- property

_ints = st.one_of(st.none(), st.integers(min_value=-3, max_value=3))
_floats = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 2.5, -1.0, float("inf")]),
    st.floats(min_value=-10, max_value=10, allow_nan=False),
)
_strs = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "", "北京"]))


@st.composite
def _batches(draw: st.DrawFn) -> tuple[dict[str, list[Any]], list[Check]]:
    size = draw(st.integers(min_value=0, max_value=12))
    cols = {
        "i": draw(st.lists(_ints, min_size=size, max_size=size)),
        "f": draw(st.lists(_floats, min_size=size, max_size=size)),
        "s": draw(st.lists(_strs, min_size=size, max_size=size)),
    }
    mostly = draw(st.sampled_from([None, 0.5, 0.75, 0.9]))
    more = {} if mostly is None else {"mostly": mostly}
    lo = draw(st.one_of(st.none(), st.integers(-3, 3)))
    hi = draw(st.one_of(st.none(), st.integers(-3, 3)).filter(lambda h: h is None or lo is None or h >= lo))
    if lo is None and hi is None:
        lo = 0
    bounds = {k: v for k, v in (("min_value", lo), ("max_value", hi)) if v is not None}
    strict = {"strict_min": draw(st.booleans()), "strict_max": draw(st.booleans())}
    value_set = draw(st.lists(st.sampled_from(["a", "b", "c", "北京"]), max_size=3, unique=True))
    checks = [
        _c("h.i.between", BETWEEN, column="i", **bounds, **strict, **more),
        _c("h.f.between", BETWEEN, column="f", **bounds, **strict, **more),
        _c("h.i.nn", NN, column="i", **more),
        _c("h.f.nn", NN, column="f", **more),
        _c("h.s.set", IN_SET, column="s", value_set=value_set, **more),
        _c("h.i.unique", UNIQUE, column="i", **more),
        _c("h.f.unique", UNIQUE, column="f", **more),
        _c("h.s.unique", UNIQUE, column="s"),
        _c(
            "h.key",
            COMPOUND,
            column_list=["i", "s"],
            ignore_row_if=draw(st.sampled_from(["all_values_are_missing", "any_value_is_missing", "never"])),
            **more,
        ),
        _c("h.key3", COMPOUND, column_list=["s", "f", "i"]),
        _c("h.rows", ROWS, min_value=draw(st.integers(0, 6)), strict_max=draw(st.booleans()), max_value=10),
    ]
    return cols, checks


@pytest.fixture(scope="module")
def prop_db(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(Path(tmp_path_factory.mktemp("prop")) / "prop.duckdb"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=_batches())
def test_parity_property(
    prop_db: duckdb.DuckDBPyConnection, batch: tuple[dict[str, list[Any]], list[Check]]
) -> None:
    cols, checks = batch
    table = pa.table(
        {
            "i": pa.array(cols["i"], type=pa.int64()),
            "f": pa.array(cols["f"], type=pa.float64(), from_pandas=False),
            "s": pa.array(cols["s"], type=pa.string()),
        }
    )
    prop_db.register("__src", table)
    prop_db.execute("create or replace table prop as select * from __src")
    prop_db.unregister("__src")
    suite = _suite("prop", checks, sql="select * from prop", ids=())
    gx = validate_suite(prop_db, suite, run_id="p", engine="gx_pandas")
    sql = validate_suite(prop_db, suite, run_id="p", engine="sql")
    for a, b in zip(gx.results, sql.results):
        assert a.exception is None and b.exception is None, (a.exception, b.exception)
        assert (a.check, a.success, a.element_count, a.failing_count) == (
            b.check,
            b.success,
            b.element_count,
            b.failing_count,
        )
        if a.failing_percent is None or b.failing_percent is None:
            assert a.failing_percent is b.failing_percent
        else:
            assert math.isclose(a.failing_percent, b.failing_percent, rel_tol=1e-12)
        assert a.observed_value == b.observed_value or math.isclose(a.observed_value, b.observed_value)
