"""Shared helpers for the ingestion contract tests (plus a sanity test of the contract-examples tree).

Everything runs the real engine on real files in ``tmp_path`` and reads the real DuckDB warehouse."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter

from ingestion.engine import IngestOptions, IngestResult, ingest
from tests.ingestion import contract_examples as ce

KEY = b"contract-test-key-AAAAAAAAAAAAAAAA"
KEY2 = b"contract-test-key-BBBBBBBBBBBBBBBB"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

REJECTION_REASONS = {
    "unknown_dataset", "unknown_account", "account_mismatch", "unsupported_file_type", "unreadable_file",
    "unsupported_encoding", "encoding_undetected", "encoding_suspect", "malformed_csv", "invalid_json",
    "header_not_found", "missing_required_column", "missing_required_sheet", "ambiguous_header",
    "unsupported_layout", "missing_wrapper", "unsupported_api", "missing_request_param", "missing_export_time",
    "api_error",
}

GOOD_REL = "weibo/qinghe_wb/fans/fans.csv"


def put(root: Path, rel: str, content: str | bytes | dict | list, encoding: str = "utf-8") -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, (dict, list)):
        p.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    elif isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_bytes(content.encode(encoding))
    return p


def base_tree(root: Path) -> Path:
    """ops/accounts + one good file (Weibo fans, 2 rows)."""
    put(root, "ops/accounts/accounts.csv", ce.ACCOUNTS)
    put(root, GOOD_REL, ce.WEIBO_FANS)
    return root


def run(landing: Path, wh: Path, key: bytes = KEY, now: datetime | None = T0, **kw: Any) -> IngestResult:
    return ingest(IngestOptions(landing=landing, warehouse=wh, pii_key=key, key_version="test", now=now, **kw))


def query(wh: Path, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def query_many(wh: Path, sqls: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Several queries over one read-only connection (cheaper in property tests)."""
    con = duckdb.connect(str(wh), read_only=True)
    try:
        out = {}
        for name, sql in sqls.items():
            cur = con.execute(sql)
            cols = [d[0] for d in cur.description]
            out[name] = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        return out
    finally:
        con.close()


def reconcile_rows(man: list[dict[str, Any]], n_quarantine: int) -> None:
    """assert_reconciles on already-fetched manifest rows."""
    total_q = 0
    for m in man:
        if m["status"] in ("loaded", "superseded"):
            assert None not in (m["rows_read"], m["rows_loaded"], m["rows_quarantined"], m["rows_skipped"]), m
            assert m["rows_read"] == m["rows_loaded"] + m["rows_quarantined"] + m["rows_skipped"], m
            total_q += m["rows_quarantined"]
        else:
            assert m["status"] in ("rejected", "duplicate"), m
            assert (m["rows_read"], m["rows_loaded"], m["rows_quarantined"], m["rows_skipped"]) == (
                None, None, None, None), m
            if m["status"] == "rejected":
                assert m["reason"] in REJECTION_REASONS, m
    assert n_quarantine == total_q


def manifest(wh: Path) -> list[dict[str, Any]]:
    return query(wh, "SELECT * FROM ops.file_manifest ORDER BY path, delivered_at")


def manifest_for(wh: Path, rel: str) -> list[dict[str, Any]]:
    return query(wh, "SELECT * FROM ops.file_manifest WHERE path = ? ORDER BY delivered_at", [rel])


def quarantine(wh: Path) -> list[dict[str, Any]]:
    return query(wh, "SELECT * FROM ops.quarantine ORDER BY path, row_number")


def raw_tables(wh: Path) -> list[str]:
    return [r["t"] for r in query(
        wh, "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'ops') ORDER BY 1")]


def _table_rows(con: duckdb.DuckDBPyConnection, table: str, exclude: tuple[str, ...]) -> list[tuple]:
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    sel = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols if c not in exclude)
    rows = con.execute(f"SELECT {sel} FROM {table}").fetchall()
    return sorted(rows, key=lambda r: tuple("" if v is None else v for v in r))


def table_rows(wh: Path, table: str, exclude: tuple[str, ...] = ("_loaded_at",)) -> list[tuple]:
    """Sorted contents of one table as text, without ``exclude`` columns."""
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return _table_rows(con, table, exclude)
    finally:
        con.close()


def all_raw_contents(wh: Path) -> dict[str, list[tuple]]:
    """Every raw.* table's sorted contents, excluding _loaded_at (one connection)."""
    tables = [t for t in raw_tables(wh) if t.startswith("raw.")]
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return {t: _table_rows(con, t, ("_loaded_at",)) for t in tables}
    finally:
        con.close()


def assert_reconciles(wh: Path) -> None:
    """§5: rows_read = loaded + quarantined + skipped for every loaded/superseded file; rejected/duplicate NULL;
    ops.quarantine rows = Σ rows_quarantined of the files that are loaded or superseded."""
    r = query_many(wh, {"m": "SELECT * FROM ops.file_manifest", "q": "SELECT count(*) AS n FROM ops.quarantine"})
    reconcile_rows(r["m"], r["q"][0]["n"])


def xlsx_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None:
                    ws.write(i, j, v)
    wb.close()
    return buf.getvalue()


def test_contract_examples_tree_loads_cleanly_and_reconciles(tmp_path: Path) -> None:
    land = ce.write_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    run(land, wh)
    m = manifest(wh)
    assert len(m) == 29  # 29 data files (the .meta.json sidecar is not a delivery)
    assert {r["status"] for r in m} == {"loaded"}
    assert quarantine(wh) == []
    assert_reconciles(wh)
