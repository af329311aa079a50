"""`fanops run --from DATE --to DATE`: a single-run backfill of the daily facts from the command line, on a copy of
the sample build: one run tagged with the partition range, one dbt invocation per dbt op with the window vars,
the daily models recompute exactly those dates, and the marts stay identical. Bad windows are usage errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import DagsterInstance

from orchestration.cli import _backfill_window, build_parser
from orchestration.dbt.assets import ALL_PARTITIONS_TAG, RANGE_END_TAG, RANGE_START_TAG, run_results_paths
from tests.expectations.dqlib import REPO, copy_warehouse, sample_warehouse
from tests.orchestration.pipeline_testlib import mart_hashes, sample_settings

pytestmark = pytest.mark.slow

WINDOW = ("2026-07-01", "2026-07-07")
DAILY_MODELS = {"model.fanops.fct_account_daily", "model.fanops.fct_interactions"}


def dbt_invocations(target: Path) -> set[str]:
    """The dbt invocation ids in a target folder's JSON log (dbt.log and its rotated parts)."""
    ids = set()
    for log in target.glob("dbt.log*"):
        for line in log.read_text(encoding="utf-8").splitlines():
            ids.add(json.loads(line)["info"]["invocation_id"])
    return ids


def test_run_from_to_backfills_a_window_in_one_run(tmp_path_factory: pytest.TempPathFactory) -> None:
    warehouse = copy_warehouse(sample_warehouse(tmp_path_factory), tmp_path_factory.mktemp("backfill"))
    before = mart_hashes(warehouse)
    env = {k: v for k, v in os.environ.items() if k not in ("FANOPS_CONFIG", "FANOPS_LANDING", "FANOPS_WAREHOUSE")}
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run", "--warehouse", str(warehouse), "--from", WINDOW[0],
         "--to", WINDOW[1]],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"backfill window: {WINDOW[0]} .. {WINDOW[1]} (7 day(s))" in proc.stdout
    run_id = re.search(r"^Run (\S+) succeeded", proc.stdout, re.MULTILINE).group(1)  # type: ignore[union-attr]

    with DagsterInstance.from_config(str(warehouse.parent / ".dagster_home")) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None
        assert (run.tags[RANGE_START_TAG], run.tags[RANGE_END_TAG]) == WINDOW
        assert ALL_PARTITIONS_TAG not in run.tags  # an explicit range: the window vars, not incremental by load
        partitions: dict[str, set[str]] = {}
        for record in instance.all_logs(run_id):
            event = record.dagster_event
            if event is not None and event.is_step_materialization and event.partition:
                key = event.event_specific_data.materialization.asset_key.to_user_string()
                partitions.setdefault(key, set()).add(event.partition)
    days = {f"2026-07-0{d}" for d in range(1, 8)}
    assert partitions == {"marts/fct_account_daily": days, "marts/fct_interactions": days}

    paths = run_results_paths(run_id)
    assert paths, "no dbt run results"
    for path in paths:  # each dbt op ran dbt once, with the window
        assert dbt_invocations(path.parent) == {json.loads(path.read_text())["metadata"]["invocation_id"]}
        results = json.loads(path.read_text(encoding="utf-8"))
        assert (results["args"]["vars"]["window_start"], results["args"]["vars"]["window_end"]) == WINDOW
    main = json.loads(paths[0].read_text(encoding="utf-8"))
    assert {r["unique_id"] for r in main["results"] if r["status"] == "success"} >= DAILY_MODELS
    assert mart_hashes(warehouse) == before  # the same data: recomputing a window changes nothing


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2026-07-09", "--to", "2026-07-01"], "--from 2026-07-09 is after --to 2026-07-01"),
        (["--from", "2026-7-1"], "--from '2026-7-1' is not a date (YYYY-MM-DD)"),
        (["--to", "2026-07-01"], "--to needs --from"),
        (["--from", "2019-01-01", "--to", "2026-07-01"], "is outside the daily partitions 2025-07-01 .. "),
        (["--from", "2026-07-01", "--to", "2999-01-01"], "is outside the daily partitions"),
        (["--from", "2026-07-01", "--full-refresh"], "--full-refresh rebuilds every date"),
    ],
)
def test_bad_windows_are_usage_errors(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = sample_settings(tmp_path / "wh.duckdb")
    for command in ("run", "build"):
        args = build_parser().parse_args([command, *argv])
        assert _backfill_window(args, settings) == "invalid"
        assert message in capsys.readouterr().err


def test_a_window_defaults_to_today_and_no_flags_is_a_full_run(tmp_path: Path) -> None:
    from orchestration.dbt.assets import daily_partitions

    settings = sample_settings(tmp_path / "wh.duckdb")
    last = daily_partitions(settings.config).get_last_partition_key()
    parse = build_parser().parse_args
    assert _backfill_window(parse(["run", "--from", "2026-07-01"]), settings) == ("2026-07-01", last)
    assert _backfill_window(parse(["build", "--from", "2026-07-01", "--to", "2026-07-01"]), settings) == (
        "2026-07-01",
        "2026-07-01",
    )
    assert _backfill_window(parse(["run"]), settings) is None
