"""Generate the dbt sources file (`dbt_project/models/sources.yml`) from the dataset contract.

The contract (`datasets.yaml`) is the one declaration of each landing dataset: it drives the parser, the raw
tables and, through this module, the dbt source declarations (tables, columns, Chinese labels, keys, delivery
modes). `python -m ingestion.contracts.dbt_sources` rewrites the file; a test fails when it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from ingestion.contracts import TableDecl, load_contract

SOURCES_FILE = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "sources.yml"
COVERAGE_TABLE = "wechat_user_source_coverage"

_LINEAGE_LABELS = {
    "platform": "平台 — platform (from the landing path, or the row for ops/listening)",
    "account": "账号标识 — account slug (from the landing path, or the row)",
    "_file_sha256": "来源文件 — sha256 of the delivered file (ops.file_manifest)",
    "_row_number": "来源行号 — row number in the delivered file",
    "_loaded_at": "加载时间 — when the row was loaded (UTC)",
    "_export_at": "导出时间 — the file's export time (UTC)",
}


def _column_doc(table: TableDecl, name: str) -> str:
    if name in _LINEAGE_LABELS:
        return _LINEAGE_LABELS[name]
    base = name
    suffix = ""
    for end, what in (
        ("_is_capped", "is capped (a `10万+`-style lower bound)"),
        ("_raw", "as delivered, before enum mapping"),
        ("_precision", "precision of the timestamp"),
    ):
        if name.endswith(end):
            base, suffix = name[: -len(end)], what
            break
    label = None
    for c in table.columns:
        if c.name == base:
            label = c.header or (c.aliases[0] if c.aliases else None) or (c.paths[0] if c.paths else None)
            break
    if label is None and base.endswith("_date"):
        for c in table.columns:
            if c.name.endswith("_at") and c.name[:-3] == base[:-5]:
                label = c.header or (c.paths[0] if c.paths else None)
                suffix = "Asia/Shanghai calendar date of " + c.name
                break
    parts = [p for p in (label, suffix) if p]
    return " — ".join(parts) if parts else name


def _table_entry(table: TableDecl, name: str, description: str, history: bool = False) -> dict[str, Any]:
    cols = table.ddl_columns()
    return {
        "name": name,
        "description": description,
        "meta": {
            "dataset": table.dataset,
            "mode": table.mode,
            "natural_key": list(table.key),
            "period": table.period,
            "history": history,
        },
        "columns": [
            {"name": n, "description": _column_doc(table, n), "data_type": t} for n, t in cols
        ],
    }


def build_sources() -> dict[str, Any]:
    contract = load_contract()
    tables: list[dict[str, Any]] = []
    for ds in contract.datasets.values():
        for t in ds.tables:
            desc = f"{ds.title} — landing dataset `{ds.id}`, mode `{t.mode}`, key ({', '.join(t.key)})."
            tables.append(_table_entry(t, t.name, desc))
            if t.mode == "registry":
                tables.append(
                    _table_entry(
                        t,
                        f"{t.name}_history",
                        f"History of `raw.{t.name}`: every delivered version of every key ({ds.id}).",
                        history=True,
                    )
                )
            if t.coverage == "requested_dates":
                tables.append(
                    {
                        "name": COVERAGE_TABLE,
                        "description": (
                            "Dates inside the requested ranges of WeChat getusersummary dumps: a covered date "
                            "without source rows had 0 new / 0 lost followers (contract §3.1 B)."
                        ),
                        "meta": {"dataset": ds.id, "mode": "series", "natural_key": ["account", "stat_date"],
                                 "period": "stat_date", "history": False},
                        "columns": [
                            {"name": n, "description": _LINEAGE_LABELS.get(n, "统计日期 — requested date"),
                             "data_type": ty}
                            for n, ty in (
                                ("platform", "VARCHAR"), ("account", "VARCHAR"), ("stat_date", "DATE"),
                                ("_file_sha256", "VARCHAR"), ("_loaded_at", "TIMESTAMP"),
                                ("_export_at", "TIMESTAMP"),
                            )
                        ],
                    }
                )
    tables.sort(key=lambda e: e["name"])
    ops_tables = [
        {"name": "file_manifest", "description": "One row per delivered file (ingestion manifest)."},
        {"name": "quarantine", "description": "One row per rejected row, with its reason."},
    ]
    return {
        "version": 2,
        "sources": [
            {
                "name": "raw",
                "schema": "raw",
                "description": "Typed landing data written by fanops ingestion (generated from the contract).",
                "tables": tables,
            },
            {"name": "ops", "schema": "ops", "description": "Ingestion bookkeeping.", "tables": ops_tables},
        ],
    }


HEADER = (
    "# GENERATED from ingestion/contracts/datasets.yaml by `python -m ingestion.contracts.dbt_sources`.\n"
    "# Do not edit by hand: tests fail when this file is stale.\n"
)


def render() -> str:
    return HEADER + yaml.safe_dump(build_sources(), allow_unicode=True, sort_keys=False, width=120)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if args and args[0] == "--check":
        current = SOURCES_FILE.read_text(encoding="utf-8") if SOURCES_FILE.exists() else ""
        if current != text:
            print(f"{SOURCES_FILE} is stale: run python -m ingestion.contracts.dbt_sources", file=sys.stderr)
            return 1
        return 0
    SOURCES_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {SOURCES_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
