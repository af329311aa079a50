"""The dbt project's declarations stay in step with their single sources of truth."""

from __future__ import annotations

from pathlib import Path

import yaml

from ingestion.config import FanopsConfig
from ingestion.contracts import dbt_sources, load_contract

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


def test_sources_file_is_generated_from_the_contract() -> None:
    current = dbt_sources.SOURCES_FILE.read_text(encoding="utf-8")
    assert current == dbt_sources.render(), "run: python -m ingestion.contracts.dbt_sources"


def test_every_raw_table_is_a_source_with_its_columns() -> None:
    doc = yaml.safe_load(dbt_sources.render())
    raw = {t["name"]: t for t in next(s for s in doc["sources"] if s["name"] == "raw")["tables"]}
    for table in load_contract().all_tables():
        assert table.name in raw
        names = [c["name"] for c in raw[table.name]["columns"]]
        assert names == [n for n, _ in table.ddl_columns()]
        assert raw[table.name]["meta"]["dataset"] == table.dataset
        if table.mode == "registry":
            assert f"{table.name}_history" in raw


def test_dbt_var_defaults_equal_the_config_defaults() -> None:
    """dbt_project.yml's var defaults (for a bare `dbt build`) equal ingestion/config.py's defaults."""
    v = yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    c = FanopsConfig()
    assert v["plan_start_date"] == c.plan.start_date.isoformat()
    assert v["baseline_days"] == c.plan.baseline_days
    assert v["metric_age_days"] == c.plan.metric_age_days
    assert v["sla_minutes_comment"] == c.service.sla_minutes["comment"]
    assert v["sla_minutes_message"] == c.service.sla_minutes["message"]
    assert v["calendar_grace_minutes"] == c.calendar.grace_minutes
    assert v["fans_new_days"] == c.fans.new_days
    assert v["fans_active_days"] == c.fans.active_days
    assert v["fans_dormant_days"] == c.fans.dormant_days
    assert v["kol_window_days"] == c.attribution.kol_window_days
    assert v["timezone_offset_hours"] == 8 and c.timezone == "Asia/Shanghai"
    assert v["as_of"] is None and v["window_start"] is None and v["window_end"] is None


def test_profile_uses_the_warehouse_setting_with_one_thread() -> None:
    prof = yaml.safe_load((DBT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    out = prof["fanops"]["outputs"][prof["fanops"]["target"]]
    assert out["type"] == "duckdb"
    assert "env_var('FANOPS_WAREHOUSE'" in out["path"]
    assert out["threads"] == 1


def test_no_hub_packages() -> None:
    pk = DBT_DIR / "packages.yml"
    if pk.exists():
        pkgs = yaml.safe_load(pk.read_text(encoding="utf-8")).get("packages") or []
        assert all("local" in p for p in pkgs), "dbt hub packages cannot be fetched here"
