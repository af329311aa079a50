"""Runs after the first: nothing new skips the downstream steps, new data rebuilds to the from-scratch marts,
`--force` rebuilds (orchestration.dbt.state).

The nothing-new and force tests start from a copy of the shared sample build (warehouse and publication) and an
instance that holds that build's run record (the run really succeeded; the fixture's own instance is gone)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, DagsterRun, DagsterRunStatus

from ingestion.config import SAMPLE_CONFIG, resolve_settings
from orchestration.cli import _report_result
from orchestration.dbt.state import FORCE_TAG, read_state, run_may_skip
from orchestration.pipeline import run_pipeline
from orchestration.publish.assets import PUBLISH_KEY
from orchestration.publish.publish import default_target, read_publish_info
from tests.orchestration.pipeline_testlib import SampleBuild, mart_hashes, sample_settings

pytestmark = pytest.mark.slow

SKIPPED_AFTER_THE_MARTS = {"dq_marts", "dbt_kpi", "reports__operations_report", "publish__bi_snapshot"}
DBT_LAYERS = {"staging", "intermediate", "marts"}


def copy_build(build: SampleBuild, tmp_path: Path) -> Path:
    """The sample build's warehouse and its publication, in a new folder."""
    target = tmp_path / "wh" / "fanops.duckdb"
    target.parent.mkdir(parents=True)
    shutil.copy2(build.warehouse, target)
    shutil.copytree(build.warehouse.parent / "published", target.parent / "published")
    return target


def instance_knowing(build: SampleBuild) -> DagsterInstance:
    instance = DagsterInstance.ephemeral()
    run = build.result.dagster_run
    assert build.result.success
    instance.add_run(
        DagsterRun(job_name=run.job_name, run_id=run.run_id, status=DagsterRunStatus.SUCCESS, tags=run.tags)
    )
    return instance


# columns that record WHEN a file was loaded (lineage), not what it holds: two loads of the same files differ there
LOAD_TIME_COLUMNS = ("_source_loaded_at", "metrics_as_of", "snapshot_at")


def load_stable_hashes(warehouse: Path) -> dict[str, tuple[int, int]]:
    """Per marts.* table: (rows, order-independent hash of every row without the load-time columns)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select c.table_name, c.column_name from information_schema.columns c join information_schema.tables t "
            "using (table_schema, table_name) where c.table_schema = 'marts' and t.table_type = 'BASE TABLE' "
            "order by c.table_name, c.ordinal_position"
        ).fetchall():
            if column not in LOAD_TIME_COLUMNS:
                columns.setdefault(table, []).append(f'"{column}"')
        out = {}
        for table, cols in columns.items():
            rows, digest = con.execute(
                f'select count(*), coalesce(sum(hash(row({", ".join(cols)}))::hugeint), 0) from marts."{table}"'
            ).fetchone()
            out[table] = (int(rows), int(digest))
    return out


def dbt_built(result) -> set[AssetKey]:
    return {e.asset_key for e in result.get_asset_materialization_events() if e.asset_key.path[0] in DBT_LAYERS}


def steps(result, event_type: str) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type_value == event_type and e.step_key}


def test_only_a_plain_full_run_may_skip() -> None:
    plain = {"fanops/command": "run", "fanops/all_partitions": "true"}
    assert run_may_skip(plain)
    assert not run_may_skip({**plain, FORCE_TAG: "true"})
    assert not run_may_skip({**plain, "fanops/command": "build"})
    assert not run_may_skip({"fanops/command": "run"})  # a backfill window: no all-partitions tag
    assert not run_may_skip({"fanops/command": "crisis"})


def test_nothing_new_skips_everything_downstream_and_keeps_the_marts(
    sample_build: SampleBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = copy_build(sample_build, tmp_path)
    monkeypatch.setenv("FANOPS_WAREHOUSE", str(warehouse))
    published = default_target(warehouse)
    before = published.read_bytes()
    wh_before = mart_hashes(warehouse)
    settings = sample_settings(warehouse)
    with instance_knowing(sample_build) as instance:
        result = run_pipeline(settings, "run", instance=instance, assets=sample_build.graph)
    assert result.success
    assert not dbt_built(result)
    assert steps(result, "STEP_SKIPPED") >= SKIPPED_AFTER_THE_MARTS
    assert {"dbt_models", "dq_accounts", "dq_raw", "dq_ops"} <= steps(result, "STEP_SUCCESS")
    assert not [e for e in result.get_asset_check_evaluations()]  # no suite or dbt test evaluated again
    assert PUBLISH_KEY not in {e.asset_key for e in result.get_asset_materialization_events()}
    assert published.read_bytes() == before and mart_hashes(warehouse) == wh_before
    assert read_publish_info(published)["run_id"] == sample_build.result.run_id

    assert _report_result(result, settings, 1.0, dbt_ran=True) == 0
    out = capsys.readouterr().out
    assert f"nothing new since run {sample_build.result.run_id}: marts unchanged" in out
    assert "BI publication: not updated in this run" in out


def test_force_rebuilds_to_the_same_marts(
    sample_build: SampleBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = copy_build(sample_build, tmp_path)
    monkeypatch.setenv("FANOPS_WAREHOUSE", str(warehouse))
    with instance_knowing(sample_build) as instance:
        result = run_pipeline(sample_settings(warehouse), "run", instance=instance, assets=sample_build.graph,
                              force=True)  # fmt: skip
    assert result.success
    assert result.dagster_run.tags[FORCE_TAG] == "true"
    assert AssetKey(["marts", "fct_orders"]) in dbt_built(result)
    assert read_publish_info(default_target(warehouse))["run_id"] == result.run_id
    assert mart_hashes(warehouse) == sample_build.hashes
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert read_state(con).run_id == result.run_id  # the forced build is now the reference


def test_a_new_file_rebuilds_to_the_from_scratch_marts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the sample landing built from scratch; the same landing without its last orders file built,
    then the file arrives: the next plain run sees new data (no skip) and its marts equal the from-scratch
    ones but for the columns that record the load time; one more run with nothing new skips."""
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_CONFIG.parent / "landing", landing)

    def settings_for(name: str):
        warehouse = tmp_path / name / "fanops.duckdb"
        warehouse.parent.mkdir()
        return resolve_settings(str(SAMPLE_CONFIG), str(landing), str(warehouse), env={}, export_env=False)

    scratch, incremental = settings_for("scratch"), settings_for("incremental")
    with DagsterInstance.ephemeral() as instance:
        monkeypatch.setenv("FANOPS_WAREHOUSE", str(scratch.warehouse))
        assert run_pipeline(scratch, "run", instance=instance).success

        held = sorted(landing.glob("shop/*/orders/*/*"))[-1]
        held_back = tmp_path / held.name
        held.rename(held_back)
        monkeypatch.setenv("FANOPS_WAREHOUSE", str(incremental.warehouse))
        assert run_pipeline(incremental, "run", instance=instance).success
        held_back.rename(held)
        second = run_pipeline(incremental, "run", instance=instance)
        assert second.success
        assert AssetKey(["marts", "fct_orders"]) in dbt_built(second)
        got, want = load_stable_hashes(incremental.warehouse), load_stable_hashes(scratch.warehouse)
        third = run_pipeline(incremental, "run", instance=instance)
        assert third.success and not dbt_built(third)
    assert read_publish_info(default_target(incremental.warehouse))["run_id"] == second.run_id
    assert got == want
