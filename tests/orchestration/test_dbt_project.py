"""orchestration.dbt: the manifest preparation, the --vars from fanops.yaml, the dbt arguments, the partitions
and the translator's keys (no warehouse needed)."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest
import yaml
from dagster import AssetKey

from ingestion.config import ConfigError, CrisisConfig, FanopsConfig, parse_config
from orchestration.dbt.assets import (
    ALL_PARTITIONS_TAG,
    FULL_RUN_PARTITIONS,
    RANGE_END_TAG,
    RANGE_START_TAG,
    build_args,
    daily_partitions,
    full_run_tags,
)
from orchestration.dbt.project import (
    DBT_PROJECT_DIR,
    HASH_FILE,
    ManifestError,
    crisis_dbt_vars,
    dbt_vars,
    manifest_is_fresh,
    prepare_manifest,
    project_hash,
    run_target_dir,
    timezone_offset_hours,
)
from orchestration.dbt.translator import FanopsDbtTranslator

TINY_PROJECT = {
    "dbt_project.yml": "name: tiny\nversion: '1.0.0'\nconfig-version: 2\nprofile: tiny\n",
    "profiles.yml": (
        "tiny:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: \"{{ env_var('FANOPS_WAREHOUSE', 'tiny.duckdb') }}\"\n      threads: 1\n"
    ),
    "models/one.sql": "select 1 as id\n",
}


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    root = tmp_path / "tiny"
    for name, text in TINY_PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_manifest_is_parsed_when_missing_or_stale_and_reused_when_fresh(tiny_project: Path) -> None:
    assert not manifest_is_fresh(tiny_project)
    path = prepare_manifest(tiny_project)
    assert json.loads(path.read_text())["nodes"]["model.tiny.one"]["name"] == "one"
    assert (path.parent / HASH_FILE).read_text().strip() == project_hash(tiny_project)
    assert not (tiny_project / "tiny.duckdb").exists()  # parsing never opens the warehouse

    stamp = path.stat().st_mtime_ns
    assert prepare_manifest(tiny_project) == path and path.stat().st_mtime_ns == stamp  # fresh: no parse

    (tiny_project / "models" / "two.sql").write_text("select 2 as id\n", encoding="utf-8")
    assert not manifest_is_fresh(tiny_project)
    assert "model.tiny.two" in json.loads(prepare_manifest(tiny_project).read_text())["nodes"]
    assert manifest_is_fresh(tiny_project)

    (tiny_project / "models" / "two.sql").write_text("select {{ ref('nowhere') }}\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="nowhere"):
        prepare_manifest(tiny_project)
    assert not manifest_is_fresh(tiny_project)  # a failed parse never leaves a "fresh" stamp


def test_project_hash_covers_every_parsed_input(tiny_project: Path) -> None:
    before = project_hash(tiny_project)
    (tiny_project / "target").mkdir()
    (tiny_project / "target" / "x.json").write_text("{}")  # build output is not an input
    assert project_hash(tiny_project) == before
    (tiny_project / "macros").mkdir()
    (tiny_project / "macros" / "m.sql").write_text("{% macro m() %}1{% endmacro %}")
    assert project_hash(tiny_project) != before


def test_the_real_project_hash_includes_the_generated_sources() -> None:
    assert (DBT_PROJECT_DIR / "models" / "sources.yml").is_file()
    assert len(project_hash()) == 64


def test_vars_from_the_default_config_equal_the_dbt_project_defaults() -> None:
    defaults = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    values = dbt_vars(FanopsConfig())
    assert values == {k: v for k, v in defaults.items() if v is not None}
    assert "as_of" not in values and "window_start" not in values


def test_vars_follow_fanops_yaml_as_of_and_window() -> None:
    config = parse_config(
        {
            "plan": {"start_date": "2025-03-01", "baseline_days": 14, "metric_age_days": 3},
            "service": {"sla_minutes": {"comment": 60, "message": 10}},
            "calendar": {"grace_minutes": 15},
            "fans": {"new_days": 7, "active_days": 14, "dormant_days": 60},
            "attribution": {"kol_window_days": 5},
        }
    )
    values = dbt_vars(config, as_of=dt.date(2025, 4, 2), window=("2025-03-01", "2025-03-03"))
    assert values == {
        "timezone_offset_hours": 8,
        "plan_start_date": "2025-03-01",
        "baseline_days": 14,
        "metric_age_days": 3,
        "sla_minutes_comment": 60,
        "sla_minutes_message": 10,
        "calendar_grace_minutes": 15,
        "fans_new_days": 7,
        "fans_active_days": 14,
        "fans_dormant_days": 60,
        "kol_window_days": 5,
        "plan_targets": {
            "3m": {"fan_growth": 0.30, "interaction_rate_uplift": 0.20},
            "6m": {"fan_growth": 0.50, "interaction_rate_uplift": 0.30},
        },
        "plan_scopes": ["overall", "platform", "account"],
        "at_risk_ratio": 0.8,
        "max_data_age_days": 2,
        "trend_days": 28,
        "quality_high_percentile": 0.75,
        "quality_standard_percentile": 0.25,
        "quality_min_baseline_posts": 10,
        **crisis_dbt_vars(CrisisConfig()),  # the crisis defaults (tests/dbt/crisis check their values)
        "as_of": "2025-04-02",
        "window_start": "2025-03-01",
        "window_end": "2025-03-03",
    }


def test_timezone_offset_must_be_fixed_whole_hours() -> None:
    assert timezone_offset_hours("Asia/Shanghai", dt.date(2026, 7, 1)) == 8
    assert timezone_offset_hours("UTC", dt.date(2026, 7, 1)) == 0
    with pytest.raises(ConfigError, match="daylight saving"):
        timezone_offset_hours("Europe/Berlin", dt.date(2026, 7, 1))
    with pytest.raises(ConfigError, match="whole number of hours"):
        timezone_offset_hours("Asia/Kolkata", dt.date(2026, 7, 1))


def test_build_args() -> None:
    args = build_args(FanopsConfig(), None, None)
    assert args[0] == "build" and args[1] == "--vars"
    assert args[3:] == ["--exclude-resource-type", "unit_test"]
    args = build_args(FanopsConfig(), "2026-08-01", ("2026-07-01", "2026-07-02"), True, True)
    assert json.loads(args[2])["as_of"] == "2026-08-01"
    assert json.loads(args[2])["window_end"] == "2026-07-02"
    assert args[3:] == ["--full-refresh"]


def test_daily_partitions_and_full_run_tags() -> None:
    parts = daily_partitions(FanopsConfig())  # plan 2026-07-01: a year of history before it
    assert parts.timezone == "Asia/Shanghai"
    assert parts.get_first_partition_key() == "2025-07-01"
    # 2026-07-10 01:00 UTC is 09:00 in Shanghai: today's partition (end_offset=1) is 2026-07-10
    now = dt.datetime(2026, 7, 10, 1, 0, tzinfo=dt.UTC)
    tags = full_run_tags(parts, now)
    assert FULL_RUN_PARTITIONS == 2
    assert (tags[RANGE_START_TAG], tags[RANGE_END_TAG], tags[ALL_PARTITIONS_TAG]) == (
        "2026-07-09",
        "2026-07-10",
        "true",
    )
    with pytest.raises(Exception, match="in the future"):
        full_run_tags(parts, dt.datetime(2025, 6, 1, tzinfo=dt.UTC))


def test_run_target_dirs_are_per_run_and_old_ones_pruned(tmp_path: Path) -> None:
    runs = tmp_path / "target" / "runs"
    old = time.time() - 7 * 3600
    for i in range(8):
        (runs / f"old{i}").mkdir(parents=True)
        os.utime(runs / f"old{i}", (old + i, old + i))
    (runs / "recent").mkdir()
    path = run_target_dir("run-1", tmp_path)
    assert path == runs / "run-1" and path.is_dir()
    left = {p.name for p in runs.iterdir()}
    assert "recent" in left and "run-1" in left
    assert len(left) == 6  # the newest 5 before this run (one recent, four old) + this run


def test_translator_keys_and_groups() -> None:
    t = FanopsDbtTranslator()
    raw = {"resource_type": "source", "source_name": "raw", "name": "ops_kols_history"}
    assert t.get_asset_key({**raw, "meta": {"dataset": "ops/kols"}}) == AssetKey(["raw", "ops", "kols"])
    with pytest.raises(ValueError, match=r"meta\.dataset"):
        t.get_asset_key({**raw, "meta": {}})
    ops = {"resource_type": "source", "source_name": "ops", "name": "file_manifest"}
    assert t.get_asset_key(ops) == AssetKey(["ops", "file_manifest"])
    model = {
        "resource_type": "model",
        "name": "fct_content",
        "fqn": ["fanops", "marts", "content", "fct_content"],
    }
    assert t.get_asset_key(model) == AssetKey(["marts", "fct_content"])
    assert t.get_group_name(model) == "marts_content"
    flat = {"resource_type": "model", "name": "x", "fqn": ["fanops", "marts", "x"]}
    assert t.get_group_name(flat) == "marts"
    assert t.get_partitions_def({**model, "config": {"tags": ["daily"]}}) is None  # no partitions given
