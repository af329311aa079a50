"""`dq.validation_results`: schema, idempotent writes per (run_id, check), history across runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from expectations import store
from expectations.model import CheckResult


def _result(run_id: str, check: str, *, success: bool = True, failing: int = 0, **extra: Any) -> CheckResult:
    fields: dict[str, Any] = {
        "run_id": run_id,
        "suite": check.rsplit(".", 1)[0],
        "check": check,
        "asset_key": "marts/fct_x",
        "table_name": "marts.fct_x",
        "dataset": None,
        "expectation_type": "expect_column_values_to_be_between",
        "column_name": "rate",
        "severity": "error",
        "success": success,
        "observed_value": failing * 10.0,
        "element_count": 10,
        "failing_count": failing,
        "failing_percent": failing * 10.0,
        "sample": [{"id": 1, "day": dt.date(2024, 1, 2), "rate": 1.7}] if failing else [],
        "engine": "sql",
        "validated_at": dt.datetime(2024, 1, 2, 3, 4, 5),
        "duration_s": 0.01,
        "label_zh": "互动率在合理区间",
    }
    fields.update(extra)
    return CheckResult(**fields)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(tmp_path / "wh.duckdb"))


def _count(con: duckdb.DuckDBPyConnection, where: str = "true") -> int:
    return int(con.execute(f"select count(*) from dq.validation_results where {where}").fetchall()[0][0])


def test_schema_is_created_idempotently(con: duckdb.DuckDBPyConnection) -> None:
    store.ensure_schema(con)
    store.ensure_schema(con)
    cols = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'dq' and table_name = 'validation_results' order by ordinal_position"
    ).fetchall()
    types = dict(cols)
    assert list(types) == list(store.COLUMN_NAMES)
    assert types["validated_at"] == "TIMESTAMP"
    assert types["success"] == "BOOLEAN"
    assert types["element_count"] == types["failing_count"] == "BIGINT"
    assert types["failing_percent"] == types["duration_s"] == "DOUBLE"
    assert types["observed_value"] == types["sample"] == "VARCHAR"


def test_rerun_replaces_and_history_is_kept(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        store.write_results(con, [_result("r1", "s.a", success=False, failing=3), _result("r1", "s.b")]) == 2
    )
    # the same run again: its rows are replaced, not duplicated
    store.write_results(con, [_result("r1", "s.a", success=True, failing=0)])
    assert _count(con) == 2
    assert con.execute(
        "select success, failing_count from dq.validation_results where run_id = 'r1' and check_name = 's.a'"
    ).fetchall() == [(True, 0)]
    # a new run appends
    later = dt.datetime(2024, 1, 3)
    store.write_results(
        con, [_result("r2", "s.a", success=False, failing=2, validated_at=later), _result("r2", "s.c")]
    )
    assert _count(con) == 4
    assert _count(con, "run_id = 'r1'") == 2

    latest = store.latest_results(con)
    assert list(latest.columns) == list(store.COLUMN_NAMES)
    assert sorted(latest["check_name"]) == ["s.a", "s.b", "s.c"]
    row = latest.set_index("check_name").loc["s.a"]
    assert row["run_id"] == "r2" and not row["success"] and row["failing_count"] == 2
    assert json.loads(row["sample"]) == [{"id": 1, "day": "2024-01-02", "rate": 1.7}]
    assert json.loads(row["observed_value"]) == 20.0
    assert row["label_zh"] == "互动率在合理区间"

    run1 = store.run_results(con, "r1")
    assert list(run1["check_name"]) == ["s.a", "s.b"]
    assert store.run_results(con, "nope").empty


def test_duplicate_results_in_one_call_keep_the_last(con: duckdb.DuckDBPyConnection) -> None:
    store.write_results(con, [_result("r1", "s.a", failing=1), _result("r1", "s.a", failing=4)])
    assert con.execute("select failing_count from dq.validation_results").fetchall() == [(4,)]


def test_aware_timestamps_are_stored_as_utc(con: duckdb.DuckDBPyConnection) -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    store.write_results(
        con, [_result("r1", "s.a", validated_at=dt.datetime(2024, 1, 2, 8, 0, tzinfo=shanghai))]
    )
    assert con.execute("select validated_at from dq.validation_results").fetchall() == [
        (dt.datetime(2024, 1, 2, 0, 0),)
    ]


def test_exception_and_nulls_round_trip(con: duckdb.DuckDBPyConnection) -> None:
    store.write_results(
        con,
        [
            _result(
                "r1",
                "s.broken",
                success=False,
                observed_value=None,
                failing_percent=None,
                exception="KeyError: column 'x' not in the batch",
            )
        ],
    )
    row = store.run_results(con, "r1").iloc[0]
    assert row["exception"].startswith("KeyError")
    assert row["observed_value"] is None or row["observed_value"] != row["observed_value"]  # NULL
    assert json.loads(row["sample"]) == []


def test_reads_on_an_empty_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    assert store.latest_results(con).empty
    assert list(store.run_results(con, "r1").columns) == list(store.COLUMN_NAMES)
    assert store.write_results(con, []) == 0
    assert _count(con) == 0


def test_failed_write_rolls_back(con: duckdb.DuckDBPyConnection) -> None:
    store.write_results(con, [_result("r1", "s.a")])
    bad = _result("r1", "s.a", failing=1)
    bad.suite = None  # type: ignore[assignment]  # NOT NULL violation after the delete
    with pytest.raises(duckdb.Error):
        store.write_results(con, [bad])
    assert _count(con) == 1  # the delete was rolled back with the failed insert


def test_dbt_source_declares_exactly_the_store_columns() -> None:
    """The dbt source of marts.dq_daily and the store's DDL name the same columns in the same order."""
    import yaml

    from expectations.store import COLUMN_NAMES

    path = Path(__file__).resolve().parents[2] / "dbt_project/models/staging/quality/_quality__sources.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    (source,) = doc["sources"]
    (table,) = source["tables"]
    assert (source["name"], table["name"]) == ("dq", "validation_results")
    assert tuple(c["name"] for c in table["columns"]) == COLUMN_NAMES
