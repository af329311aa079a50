"""`dq.validation_results`: the history of every validated check, one row per (run_id, check_name).

Each run appends its rows; validating the same check again under the same run_id replaces that row (delete
+ insert in one transaction), so a retried Dagster step does not duplicate results and other runs' history
is kept. `validated_at` is a naive TIMESTAMP in UTC. `observed_value` is JSON text (a number, usually);
`sample` is a JSON array of failing rows (objects of id columns + checked columns).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from expectations.engine import json_safe
from expectations.model import CheckResult

SCHEMA = "dq"
TABLE = "validation_results"
QUALIFIED = f"{SCHEMA}.{TABLE}"

# (column, DuckDB type, pyarrow type) in table order
COLUMNS: tuple[tuple[str, str, pa.DataType], ...] = (
    ("run_id", "VARCHAR NOT NULL", pa.string()),
    ("validated_at", "TIMESTAMP", pa.timestamp("us")),
    ("suite", "VARCHAR NOT NULL", pa.string()),
    ("check_name", "VARCHAR NOT NULL", pa.string()),
    ("asset_key", "VARCHAR", pa.string()),
    ("table_name", "VARCHAR", pa.string()),
    ("dataset", "VARCHAR", pa.string()),
    ("expectation_type", "VARCHAR", pa.string()),
    ("column_name", "VARCHAR", pa.string()),
    ("severity", "VARCHAR", pa.string()),
    ("success", "BOOLEAN", pa.bool_()),
    ("observed_value", "VARCHAR", pa.string()),
    ("element_count", "BIGINT", pa.int64()),
    ("failing_count", "BIGINT", pa.int64()),
    ("failing_percent", "DOUBLE", pa.float64()),
    ("sample", "VARCHAR", pa.string()),
    ("engine", "VARCHAR", pa.string()),
    ("duration_s", "DOUBLE", pa.float64()),
    ("label_zh", "VARCHAR", pa.string()),
    ("exception", "VARCHAR", pa.string()),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c[0] for c in COLUMNS)

DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA};\n"
    f"CREATE TABLE IF NOT EXISTS {QUALIFIED} (\n"
    + ",\n".join(f"    {name} {sql_type}" for name, sql_type, _ in COLUMNS)
    + ",\n    PRIMARY KEY (run_id, check_name)\n);"
)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `dq` and `dq.validation_results` when missing (idempotent)."""
    con.execute(DDL)


def _dumps(value: Any) -> str:
    return json.dumps(json_safe(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _row(r: CheckResult) -> dict[str, Any]:
    return {
        "run_id": r.run_id,
        "validated_at": r.validated_at,
        "suite": r.suite,
        "check_name": r.check,
        "asset_key": r.asset_key,
        "table_name": r.table_name,
        "dataset": r.dataset,
        "expectation_type": r.expectation_type,
        "column_name": r.column_name,
        "severity": r.severity,
        "success": bool(r.success),
        "observed_value": None if r.observed_value is None else _dumps(r.observed_value),
        "element_count": int(r.element_count),
        "failing_count": int(r.failing_count),
        "failing_percent": None if r.failing_percent is None else float(r.failing_percent),
        "sample": _dumps(list(r.sample or [])),
        "engine": r.engine,
        "duration_s": float(r.duration_s),
        "label_zh": r.label_zh,
        "exception": r.exception,
    }


def _to_arrow(results: Sequence[CheckResult]) -> pa.Table:
    rows = [_row(r) for r in results]
    for row in rows:  # TIMESTAMP is UTC naive
        ts = row["validated_at"]
        if ts is not None and ts.tzinfo is not None:
            row["validated_at"] = ts.astimezone(dt.UTC).replace(tzinfo=None)
    schema = pa.schema([(name, arrow_type) for name, _, arrow_type in COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


def write_results(con: duckdb.DuckDBPyConnection, results: Iterable[CheckResult]) -> int:
    """Store results; a (run_id, check) already stored is replaced. Returns the rows written.

    Runs its own transaction (delete + insert), so call it outside an open transaction."""
    batch = list(results)
    ensure_schema(con)
    if not batch:
        return 0
    # last result wins when a check appears twice in one call
    unique = list({(r.run_id, r.check): r for r in batch}.values())
    table = _to_arrow(unique)
    view = "__fanops_dq_new_results"
    con.register(view, table)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                f"DELETE FROM {QUALIFIED} WHERE (run_id, check_name) IN (SELECT run_id, check_name FROM {view})"
            )
            cols = ", ".join(COLUMN_NAMES)
            con.execute(f"INSERT INTO {QUALIFIED} ({cols}) SELECT {cols} FROM {view}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister(view)
    return len(unique)


def _exists(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [SCHEMA, TABLE],
    ).fetchall()  # DuckDB 2.0: consume every result before the next statement
    return bool(rows and rows[0][0])


def _empty() -> pd.DataFrame:
    return pa.schema([(name, arrow_type) for name, _, arrow_type in COLUMNS]).empty_table().to_pandas()


def latest_results(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The latest stored row of every check (by validated_at, then run_id), ordered by suite and check."""
    if not _exists(con):
        return _empty()
    return con.execute(
        f"SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY check_name "
        f"ORDER BY validated_at DESC NULLS LAST, run_id DESC) AS __rn FROM {QUALIFIED}) "
        f"WHERE __rn = 1 ORDER BY suite, check_name"
    ).df()[list(COLUMN_NAMES)]


def run_results(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """Every stored row of one run, ordered by suite and check."""
    if not _exists(con):
        return _empty()
    return con.execute(
        f"SELECT {', '.join(COLUMN_NAMES)} FROM {QUALIFIED} WHERE run_id = ? ORDER BY suite, check_name",
        [run_id],
    ).df()
