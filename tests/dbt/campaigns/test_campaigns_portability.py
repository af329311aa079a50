"""Portable-SQL guard for the campaigns area (DESIGN "Fixed choices").

Models under models/*/campaigns must not use DuckDB-only syntax: `::` casts, QUALIFY, GROUP BY ALL,
EXCLUDE / `* exclude`. List handling lives in macros/campaigns.sql behind adapter.dispatch, so models
never call unnest / array_to_string / list_* directly. Every mart has a yml entry with a data_type and a
description starting with a Chinese label for every column.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DBT = Path(__file__).resolve().parents[3] / "dbt_project"
AREA_DIRS = [DBT / "models" / layer / "campaigns" for layer in ("staging", "intermediate", "marts")]
FORBIDDEN = {
    "cast with ::": re.compile(r"::"),
    "QUALIFY": re.compile(r"\bqualify\b", re.I),
    "GROUP BY ALL": re.compile(r"\bgroup\s+by\s+all\b", re.I),
    "EXCLUDE": re.compile(r"\bexclude\s*\(", re.I),
    "engine list function": re.compile(r"\b(unnest|array_to_string|list_\w+|string_split)\s*\(", re.I),
}
CJK = re.compile(r"^[\u3400-\u9fff（(]")


def _sql_files() -> list[Path]:
    return sorted(p for d in AREA_DIRS for p in d.glob("*.sql"))


def _strip_jinja_comments(text: str) -> str:
    return re.sub(r"\{#.*?#\}", "", text, flags=re.S)


def test_models_exist() -> None:
    names = {p.stem for p in _sql_files()}
    for required in (
        "stg_shop_orders",
        "int_order_attribution",
        "fct_orders",
        "dim_campaigns",
        "fct_campaign_performance",
        "fct_kol_performance",
        "fct_competitor_benchmark",
    ):
        assert required in names


def test_no_engine_specific_sql() -> None:
    problems = []
    for path in _sql_files():
        text = _strip_jinja_comments(path.read_text(encoding="utf-8"))
        for label, pattern in FORBIDDEN.items():
            if pattern.search(text):
                problems.append(f"{path.name}: {label}")
    assert not problems, problems


def test_mart_columns_documented() -> None:
    spec = yaml.safe_load((DBT / "models" / "marts" / "campaigns" / "_campaigns__models.yml").read_text("utf-8"))
    models = {m["name"]: m for m in spec["models"]}
    for path in (DBT / "models" / "marts" / "campaigns").glob("*.sql"):
        model = models[path.stem]
        assert model["config"]["contract"]["enforced"] is True
        for col in model["columns"]:
            assert col.get("data_type"), f"{path.stem}.{col['name']} lacks data_type"
            assert CJK.match(col.get("description", "")), f"{path.stem}.{col['name']} description lacks a Chinese label"
