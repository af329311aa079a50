"""`lake.enabled` + `lake.dbt_reads_lake`: a build publishes the sources to the Parquet lake, and the DuckDB
build reading them from the lake gives the same marts as the build from the warehouse's own tables.
(The same lake on Spark: tests/spark, `make test-spark`.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from ingestion.config import SAMPLE_CONFIG, resolve_settings
from ingestion.lake import EMPTY_MARKER, STATE_TABLE
from orchestration.dbt.assets import run_results_paths
from orchestration.pipeline import run_pipeline
from tests.orchestration.pipeline_testlib import SampleBuild, mart_hashes

pytestmark = pytest.mark.slow


def test_duckdb_build_from_the_lake_equals_the_build_from_the_warehouse(
    sample_build: SampleBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "wh" / "fanops.duckdb"
    warehouse.parent.mkdir()
    shutil.copy2(sample_build.warehouse, warehouse)
    config = tmp_path / "fanops.yaml"
    config.write_text(
        SAMPLE_CONFIG.read_text(encoding="utf-8") + "\nlake: {enabled: true, root: lake, dbt_reads_lake: true}\n",
        encoding="utf-8",
    )
    settings = resolve_settings(
        str(config), str(SAMPLE_CONFIG.parent / "landing"), str(warehouse), env={}, export_env=False
    )
    monkeypatch.setenv("FANOPS_WAREHOUSE", str(warehouse))
    with DagsterInstance.ephemeral() as instance:
        result = run_pipeline(settings, "build", instance=instance, assets=sample_build.graph)
    assert result.success

    lake = tmp_path / "lake"  # relative to the config file's folder
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw_tables = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw'"
        ).fetchone()[0]
        lake_views = {
            r[0] for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'lake_raw'"
            ).fetchall()
        }
        state = con.execute(
            f"select count(*), count(distinct table_name) from {STATE_TABLE} where lake_root = ?", [str(lake)]
        ).fetchone()
        orders_lake = con.execute("select count(*) from lake_raw.shop_orders").fetchone()[0]
        orders_raw = con.execute("select count(*) from raw.shop_orders").fetchone()[0]
    # every raw table is in the lake (a directory of load-date partitions, or the empty marker) ...
    assert len(lake_views) == raw_tables > 30
    for table in lake_views:
        folder = lake / "raw" / table
        assert any(folder.glob("_load_date=*/part-*.parquet")) or (folder / EMPTY_MARKER).is_file(), table
    assert (lake / "ops" / "file_manifest").is_dir() and (lake / "dq" / "validation_results").is_dir()
    assert state[1] >= raw_tables + 2 and orders_lake == orders_raw > 1000
    # ... dbt read its sources from there (the compiled staging SQL names the lake views) ...
    compiled = [
        p for rr in run_results_paths(result.run_id) for p in rr.parent.rglob("compiled/**/stg_shop_orders.sql")
    ]
    assert compiled and "lake_raw" in compiled[0].read_text(encoding="utf-8")
    # ... and built the very same marts
    assert mart_hashes(warehouse) == sample_build.hashes
