"""Project-wide guards for the dbt models (DESIGN "Fixed choices", issue 3 "Quality in dbt").

- Portable SQL everywhere: no `::` casts, QUALIFY, GROUP BY ALL or EXCLUDE in any model.
- Every raw table has exactly one staging model `stg_<table>`.
- Every DESIGN mart of this issue exists; every mart has an enforced contract, a data_type and a description
  whose leading label (before ' — ') is Chinese for every column, and a unique + not_null test on a key column.
- Every model has a unique + not_null key.
- Every mart formula area has dbt unit tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingestion.contracts import dbt_sources

DBT = Path(__file__).resolve().parents[2] / "dbt_project"
MODELS = DBT / "models"
FORBIDDEN = {
    "cast with ::": re.compile(r"::"),
    "QUALIFY": re.compile(r"\bqualify\b", re.I),
    "GROUP BY ALL": re.compile(r"\bgroup\s+by\s+all\b", re.I),
    "EXCLUDE": re.compile(r"\bexclude\s*\(", re.I),
    # found building on Spark (make test-spark): DuckDB-only forms that dbt's dispatch does not cover
    "a series table function (no Spark equivalent; join a digits table)": re.compile(
        r"\b(generate_series|range)\s*\(", re.I
    ),
    "cast to varchar (Spark needs a length: dbt.type_string() or string)": re.compile(r"\bas\s+varchar\b", re.I),
    "the TIME type (Spark has none)": re.compile(r"\bas\s+time\b", re.I),
    "unquoted interval literal (interval '8' hour is portable)": re.compile(r"\binterval\s+\d", re.I),
}
CJK = re.compile(r"[\u3400-\u9fff]")
DESIGN_MARTS = (
    "dim_accounts", "fct_account_daily", "fct_content", "fct_live_sessions", "fct_fan_portrait", "dim_fans",
    "fct_interactions", "fct_service_daily", "dim_campaigns", "fct_campaign_performance",
    "fct_kol_performance", "fct_orders", "fct_competitor_benchmark",
    "fct_content_calendar", "fct_team_weekly", "kpi_daily", "kpi_scorecard", "fct_sentiment_hourly",
    "fct_crisis_alerts",
)


def _yml_models() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for path in MODELS.rglob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for m in doc.get("models") or []:
            out[m["name"]] = m
    return out


def _unit_tests() -> list[dict]:
    out: list[dict] = []
    for path in MODELS.rglob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out.extend(doc.get("unit_tests") or [])
    return out


def _tests_of(column: dict) -> set[str]:
    names = set()
    for t in (column.get("data_tests") or column.get("tests") or []):
        names.add(t if isinstance(t, str) else next(iter(t)))
    return names


def test_portable_sql_in_every_model() -> None:
    problems = []
    for path in [*MODELS.rglob("*.sql"), *(DBT / "macros").glob("*.sql")]:
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"--[^\n]*", "", text)
        if path.parent.name == "macros":  # an engine's own branch of a dispatched macro may use its dialect
            text = re.sub(r"\{% macro (duckdb|spark|trino)__.*?\{%-? endmacro %\}", "", text, flags=re.S)
        text = re.sub(r"\{%.*?%\}", "", text, flags=re.S)  # Jinja statements (a Jinja range() is no SQL)
        for label, pattern in FORBIDDEN.items():
            if pattern.search(text):
                problems.append(f"{path.relative_to(DBT)}: {label}")
    assert not problems, problems


def test_portable_sql_in_unit_test_fixtures() -> None:
    """`format: sql` fixtures run on every engine too (make test-spark runs the unit tests on Spark)."""
    problems = []
    for path in MODELS.rglob("*unit_tests.yml"):
        for test in yaml.safe_load(path.read_text(encoding="utf-8")).get("unit_tests") or []:
            blocks = [g for g in test.get("given") or [] if g.get("format") == "sql"]
            if (test.get("expect") or {}).get("format") == "sql":
                blocks.append(test["expect"])
            for block in blocks:
                sql = re.sub(r"--[^\n]*", "", block["rows"])
                for label, pattern in FORBIDDEN.items():
                    if pattern.search(sql):
                        problems.append(f"{path.relative_to(DBT)} {test['name']}: {label}")
    assert not problems, problems


# sources written by fanops itself rather than by ingestion (hand-written source YAML next to their staging)
OWN_SOURCES = {"dq": ("validation_results",), "sentiment": ("text_scores",)}


def test_one_staging_model_per_raw_table() -> None:
    doc = yaml.safe_load(dbt_sources.render())
    raw_tables = {t["name"] for s in doc["sources"] if s["name"] == "raw" for t in s["tables"]}
    own = {f"{source}_{table}" for source, tables in OWN_SOURCES.items() for table in tables}
    staging = {p.stem for p in (MODELS / "staging").rglob("stg_*.sql")}
    assert {f"stg_{t}" for t in raw_tables | own} == staging


def test_design_marts_have_enforced_documented_contracts() -> None:
    models = _yml_models()
    marts = {p.stem for p in (MODELS / "marts").rglob("*.sql")}
    assert set(DESIGN_MARTS) <= marts
    for name in sorted(marts):
        spec = models[name]
        assert spec.get("config", {}).get("contract", {}).get("enforced") is True, name
        assert spec.get("description"), name
        for col in spec["columns"]:
            assert col.get("data_type"), f"{name}.{col['name']} lacks data_type"
            label = col.get("description", "").split(" — ")[0]
            assert CJK.search(label), f"{name}.{col['name']}: description lacks a leading Chinese label"


def test_every_model_has_a_unique_not_null_key() -> None:
    models = _yml_models()
    missing = []
    for path in MODELS.rglob("*.sql"):
        spec = models.get(path.stem)
        cols = (spec or {}).get("columns") or []
        if not any({"unique", "not_null"} <= _tests_of(c) for c in cols):
            missing.append(path.stem)
    assert not missing, missing


def test_every_mart_area_has_unit_tests() -> None:
    tested = {u["model"] for u in _unit_tests()}
    for mart in ("fct_account_daily", "fct_content", "fct_live_sessions", "fct_fan_portrait", "fct_interactions",
                 "fct_service_daily", "dim_fans", "fct_orders", "fct_campaign_performance",
                 "fct_kol_performance", "fct_competitor_benchmark", "dq_daily", "fct_content_calendar",
                 "fct_team_weekly", "kpi_daily", "kpi_scorecard", "fct_sentiment_hourly", "fct_crisis_alerts",
                 "fct_crisis_alert_events"):
        assert mart in tested, f"no dbt unit test for {mart}"
