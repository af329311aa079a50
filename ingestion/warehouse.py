"""DuckDB warehouse: raw/ops DDL from the declarations, the account registry, and delivery-mode writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingestion.contracts import TableDecl, load_contract

MANIFEST_COLUMNS: list[tuple[str, str]] = [
    ("path", "VARCHAR"),
    ("sha256", "VARCHAR"),
    ("platform", "VARCHAR"),
    ("account", "VARCHAR"),
    ("dataset", "VARCHAR"),
    ("status", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("message", "VARCHAR"),
    ("rows_read", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_quarantined", "BIGINT"),
    ("rows_skipped", "BIGINT"),
    ("delivered_at", "TIMESTAMP"),
    ("export_at", "TIMESTAMP"),
    ("export_at_source", "VARCHAR"),
    ("is_sample", "BOOLEAN"),
    ("loaded_at", "TIMESTAMP"),
    ("file_type", "VARCHAR"),
    ("extension", "VARCHAR"),
    ("encoding", "VARCHAR"),
    ("size_bytes", "BIGINT"),
    ("sheet", "VARCHAR"),
    ("header_row", "INTEGER"),
    ("preamble", "VARCHAR[]"),
    ("unmapped_columns", "VARCHAR[]"),
    ("dropped_columns", "VARCHAR[]"),
    ("period_start", "DATE"),
    ("period_end", "DATE"),
    ("key_version", "VARCHAR"),
    ("warnings", "VARCHAR[]"),
    ("raw_tables", "VARCHAR[]"),
    ("detail", "VARCHAR"),
]

QUARANTINE_COLUMNS: list[tuple[str, str]] = [
    ("file_sha256", "VARCHAR"),
    ("row_number", "BIGINT"),
    ("dataset", "VARCHAR"),
    ("raw_table", "VARCHAR"),
    ("column_name", "VARCHAR"),
    ("raw_value", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("all_reasons", "VARCHAR[]"),
    ("message", "VARCHAR"),
    ("row_json", "VARCHAR"),
    ("path", "VARCHAR"),
    ("sheet", "VARCHAR"),  # multi-sheet workbooks: row numbers repeat across sheets
    ("quarantined_at", "TIMESTAMP"),
]

COVERAGE_TABLE = "wechat_user_source_coverage"


def _ddl(qualified: str, cols: Iterable[tuple[str, str]]) -> str:
    body = ", ".join(f'"{n}" {t}' for n, t in cols)
    return f"CREATE TABLE IF NOT EXISTS {qualified} ({body})"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    con.execute(_ddl("ops.file_manifest", MANIFEST_COLUMNS))
    con.execute(_ddl("ops.quarantine", QUARANTINE_COLUMNS))
    for t in load_contract().all_tables():
        con.execute(_ddl(t.qualified, t.ddl_columns()))
        if t.mode == "registry":
            con.execute(_ddl(f"raw.{t.name}_history", t.ddl_columns()))
        if t.coverage == "requested_dates":
            con.execute(
                _ddl(
                    f"raw.{COVERAGE_TABLE}",
                    [("platform", "VARCHAR"), ("account", "VARCHAR"), ("stat_date", "DATE"),
                     ("_file_sha256", "VARCHAR"), ("_loaded_at", "TIMESTAMP"), ("_export_at", "TIMESTAMP")],
                )
            )


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only)


# --------------------------------------------------------------------------- account registry

SHOP_PLATFORMS = ("taobao", "tmall", "douyin_shop")


@dataclass
class AccountRegistry:
    rows: list[tuple[str, str, str | None]]  # (platform, account, platform_account_id)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> AccountRegistry:
        try:
            rows = con.execute(
                "SELECT platform, account, platform_account_id FROM raw.ops_accounts ORDER BY 1, 2"
            ).fetchall()
        except duckdb.Error:
            rows = []
        return cls([(str(a), str(b), c) for a, b, c in rows])

    def _platforms_for_group(self, group: str | None) -> tuple[str, ...]:
        if group == "shop":
            return SHOP_PLATFORMS
        return (group,) if group else ()

    def is_registered(self, group: str | None, slug: str | None) -> bool:
        plats = self._platforms_for_group(group)
        return any(p in plats and a == slug for p, a, _ in self.rows)

    def shop_platform(self, slug: str | None) -> str | None:
        for p, a, _ in self.rows:
            if a == slug and p in SHOP_PLATFORMS:
                return p
        return None

    def platform_of(self, group: str | None, slug: str | None) -> str | None:
        if group == "shop":
            return self.shop_platform(slug)
        return group

    def platform_account_id(self, group: str | None, slug: str | None) -> str | None:
        plats = self._platforms_for_group(group)
        for p, a, pid in self.rows:
            if p in plats and a == slug and pid:
                return str(pid)
        return None

    def resolve(self, ref: str) -> tuple[str, str] | str:
        ref = ref.strip()
        if "/" in ref:
            plat, slug = ref.split("/", 1)
            for p, a, _ in self.rows:
                if p == plat and a == slug:
                    return (p, a)
            return "unknown_account"
        hits = [(p, a) for p, a, _ in self.rows if a == ref]
        if not hits:
            return "unknown_account"
        if len(hits) > 1:
            return "ambiguous_account"
        return hits[0]

    def has(self, platform: str | None, account: str | None) -> bool:
        return any(p == platform and a == account for p, a, _ in self.rows)


# --------------------------------------------------------------------------- writes


def _unit_cols(t: TableDecl) -> tuple[str, ...]:
    return t.replace_unit or t.key


def _eq(a: str, b: str, cols: Iterable[str]) -> str:
    return " AND ".join(f'{a}."{c}" IS NOT DISTINCT FROM {b}."{c}"' for c in cols)


ORDER_FMT = "%Y-%m-%dT%H:%M:%S.%f"


def write_rows(
    con: duckdb.DuckDBPyConnection,
    t: TableDecl,
    rows: pa.Table,
    *,
    coverage: pa.Table | None = None,
) -> None:
    """Insert the loaded rows of several files honouring the delivery mode (contract §1 rules 5–6).

    "Newer" is decided per row: the row's export time (`_export_at`: the file's, a wrapper call's
    `fetched_at`, or the record's own `fetched_at`/数据截至时间), then the file's delivered_at, then its
    path (``_dp`` carries "delivered_at|path"). For replaced modes, per unit (natural key, or the
    dataset's wider replace unit) only the newest rows survive: rows already in the table that are older
    are deleted, incoming rows of a unit already held by a newer row are not inserted, and among incoming
    rows the newest wins. The batch's manifest rows must already be written.
    """
    target = t.qualified
    con.register("_incoming_raw", rows)
    if t.mode == "snapshot":
        if rows.num_rows:
            con.execute(f"INSERT INTO {target} BY NAME SELECT * EXCLUDE (_dp) FROM _incoming_raw")
        con.unregister("_incoming_raw")
        return
    unit = _unit_cols(t)
    ucols = ", ".join(f'"{c}"' for c in unit)
    order = f"strftime(_export_at, '{ORDER_FMT}') || '|' || _dp"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _incoming AS SELECT *, {order} AS _order FROM _incoming_raw")
    con.unregister("_incoming_raw")
    if coverage is not None:
        con.register("_coverage_raw", coverage)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _coverage AS SELECT *, {order} AS _order FROM _coverage_raw")
        con.unregister("_coverage_raw")
    src = "_coverage" if coverage is not None else "_incoming"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _units AS SELECT {ucols}, max(_order) AS mo FROM {src} GROUP BY ALL")
    existing_order = (
        f"strftime(r._export_at, '{ORDER_FMT}') || '|' || substr(m.order_key, strpos(m.order_key, '|') + 1)"
    )
    targets = [(target, "_incoming")]
    if coverage is not None:
        targets.append((f"raw.{COVERAGE_TABLE}", "_coverage"))
    for tbl, inc in targets:
        con.execute(
            f"DELETE FROM {tbl} AS r USING _units AS u, ops.file_manifest AS m "
            f"WHERE m.sha256 = r._file_sha256 AND m.status IN ('loaded', 'superseded') "
            f"AND {existing_order} < u.mo AND {_eq('r', 'u', unit)}"
        )
        con.execute(
            f"INSERT INTO {tbl} BY NAME SELECT i.* EXCLUDE (_order, _dp) FROM {inc} AS i JOIN _units AS u "
            f"ON {_eq('i', 'u', unit)} AND i._order = u.mo "
            f"WHERE NOT EXISTS (SELECT 1 FROM {tbl} AS r WHERE {_eq('r', 'i', unit)})"
        )
    if t.mode == "registry" and rows.num_rows:
        con.execute(f"INSERT INTO raw.{t.name}_history BY NAME SELECT * EXCLUDE (_order, _dp) FROM _incoming")
    con.execute("DROP TABLE _units")
    con.execute("DROP TABLE _incoming")
    if coverage is not None:
        con.execute("DROP TABLE _coverage")


def delete_file_rows(con: duckdb.DuckDBPyConnection, sha: str, tables: Iterable[TableDecl]) -> None:
    """Remove every trace of one file (before re-processing it)."""
    for t in tables:
        con.execute(f"DELETE FROM {t.qualified} WHERE _file_sha256 = ?", [sha])
        if t.mode == "registry":
            con.execute(f"DELETE FROM raw.{t.name}_history WHERE _file_sha256 = ?", [sha])
        if t.coverage == "requested_dates":
            con.execute(f"DELETE FROM raw.{COVERAGE_TABLE} WHERE _file_sha256 = ?", [sha])
    con.execute("DELETE FROM ops.quarantine WHERE file_sha256 = ?", [sha])


def insert_manifest(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    types = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int32(), "TIMESTAMP": pa.timestamp("us"),
             "BOOLEAN": pa.bool_(), "DATE": pa.date32(), "VARCHAR[]": pa.list_(pa.string())}
    cols = [*MANIFEST_COLUMNS, ("order_key", "VARCHAR"), ("run_id", "VARCHAR"), ("mtime_ns", "BIGINT")]
    tbl = pa.table({c: pa.array([r.get(c) for r in rows], type=types[t]) for c, t in cols})
    con.register("_m", tbl)
    names = ", ".join(c for c, _ in cols)
    con.execute(f"INSERT INTO ops.file_manifest ({names}) SELECT {names} FROM _m")
    con.unregister("_m")


def ensure_manifest_order_column(con: duckdb.DuckDBPyConnection) -> None:
    cols = {r[0] for r in con.execute("DESCRIBE ops.file_manifest").fetchall()}
    if "order_key" not in cols:
        con.execute("ALTER TABLE ops.file_manifest ADD COLUMN order_key VARCHAR")
    if "run_id" not in cols:
        con.execute("ALTER TABLE ops.file_manifest ADD COLUMN run_id VARCHAR")
    if "mtime_ns" not in cols:
        con.execute("ALTER TABLE ops.file_manifest ADD COLUMN mtime_ns BIGINT")
