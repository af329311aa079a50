"""The whole graph on the bundled sample in ONE in-process Dagster run (the code path of `fanops run`), shared
by every test here through the `sample_build` session fixture; tests that write work on a copy.

- the run succeeds, builds every dbt model and every mart, and every dbt test is an asset check that passed;
- the daily-partitioned facts are marked for the last FULL_RUN_PARTITIONS days only, without window vars;
- a rerun (ingestion a no-op, dbt incremental) leaves every marts.* table identical, and the dbt unit tests
  pass on it;
- an explicit backfill of a date range is ONE dbt invocation with window_start/window_end and gives the same
  marts (the daily models recompute those dates from the same data);
- a failing dbt test of severity error is a blocking check: the run fails and `fanops` exits 1;
- the data-quality suites run as asset checks, write dq.validation_results, marts.dq_daily and the Data Docs;
  a failing blocking suite (raw stage or marts stage) or dbt test stops every Python asset downstream, and
  `fanops run` names the check, the table and failing rows;
- `fanops docs` generates the dbt docs (with the exposures) from the built warehouse and serves them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, AssetsDefinition, DagsterInstance, asset

from orchestration.cli import _report_result, main, stop_process_group
from orchestration.dbt.assets import (
    ALL_PARTITIONS_TAG,
    FULL_RUN_PARTITIONS,
    run_results_path,
    run_results_paths,
)
from orchestration.pipeline import run_pipeline
from orchestration.publish.assets import PUBLISH_KEY
from orchestration.publish.publish import default_target, last_run_blockers, publish, read_publish_info
from tests.orchestration.pipeline_testlib import SampleBuild, mart_hashes, sample_settings

# One module, so `pytest --dist loadfile` (make test) keeps the one sample build on one worker.
pytestmark = pytest.mark.slow

# DESIGN.md marts (issue 3, the plan marts, the sentiment and crisis marts of issue 6; KPI marts are tested apart)
EXPECTED_MARTS = {
    "dim_accounts",
    "fct_account_daily",
    "fct_content",
    "fct_live_sessions",
    "fct_fan_portrait",
    "dim_fans",
    "fct_interactions",
    "fct_service_daily",
    "dim_campaigns",
    "fct_campaign_performance",
    "fct_kol_performance",
    "fct_orders",
    "fct_competitor_benchmark",
    "fct_content_calendar",
    "fct_team_weekly",
    "fct_sentiment_hourly",
    "fct_crisis_alerts",
    "fct_crisis_alert_events",
}
DAILY_KEYS = {AssetKey(["marts", "fct_account_daily"]), AssetKey(["marts", "fct_interactions"])}


def materialized(result) -> Counter:
    return Counter(e.asset_key for e in result.get_asset_materialization_events())


def copy_warehouse(build: SampleBuild, tmp_path: Path) -> Path:
    target = tmp_path / "wh" / "fanops.duckdb"
    target.parent.mkdir(parents=True)
    shutil.copy2(build.warehouse, target)
    return target


def run_results(result) -> dict:
    return json.loads(run_results_path(result.run_id).read_text(encoding="utf-8"))


def test_sample_run_builds_every_mart_and_passes_every_check(sample_build: SampleBuild) -> None:
    result = sample_build.result
    assert result.success
    assert set(sample_build.hashes) >= EXPECTED_MARTS
    assert all(rows > 0 for name, (rows, _) in sample_build.hashes.items() if name in EXPECTED_MARTS)

    counts = materialized(result)
    dbt_keys = {k for op in sample_build.graph.dbt_ops for k in op.keys}
    assert dbt_keys <= set(counts), sorted(k.to_user_string() for k in dbt_keys - set(counts))
    # the daily facts: one event per partition of the last days, not one per day of history
    specs = {k: s for op in sample_build.graph.dbt_ops for k, s in op.specs_by_key.items()}
    assert {k for k in dbt_keys if specs[k].partitions_def} == DAILY_KEYS
    for key in DAILY_KEYS:
        assert counts[key] == FULL_RUN_PARTITIONS
    assert result.dagster_run.tags[ALL_PARTITIONS_TAG] == "true"
    # a green run publishes the marts for BI (tests/publish/ covers the file itself)
    assert counts[PUBLISH_KEY] == 1
    published = default_target(sample_build.warehouse)
    assert read_publish_info(published)["run_id"] == result.run_id
    marts = {k: v for k, v in mart_hashes(published).items() if k in sample_build.hashes}
    assert marts == sample_build.hashes

    evaluations = [e for e in result.get_asset_check_evaluations() if not e.check_name.startswith("gx_")]
    assert {(e.asset_key, e.check_name) for e in evaluations} == {
        (k.asset_key, k.name) for op in sample_build.graph.dbt_ops for k in op.check_keys
    }
    assert all(e.passed for e in evaluations)

    results = run_results(result)
    assert results["args"]["vars"].get("window_start") is None  # a full run stays incremental by load
    assert results["args"]["exclude_resource_types"] == ["unit_test"]
    built_or_tested = [r for r in results["results"] if r["unique_id"].split(".")[0] in ("model", "test")]
    assert {r["status"] for r in built_or_tested} == {"success", "pass"}


def test_summary_lists_marts_tests_and_as_of(
    sample_build: SampleBuild, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _report_result(sample_build.result, sample_build.settings, 1.0, dbt_ran=True) == 0
    out = capsys.readouterr().out
    assert "dbt: " in out and " model(s) built (intermediate " in out
    rows, _ = sample_build.hashes["fct_orders"]
    assert any(line.split() == ["fct_orders", str(rows)] for line in out.splitlines())
    assert " 0 error" in out.split("dbt tests:")[1].splitlines()[0]
    with duckdb.connect(str(sample_build.warehouse), read_only=True) as con:
        (as_of,) = con.execute("select as_of_date from intermediate.int_as_of").fetchone()
    assert f"As-of date: {as_of}" in out
    assert "succeeded" in out and "bundled SAMPLE" in out


def test_rerun_gives_identical_marts_and_passes_the_unit_tests(
    sample_build: SampleBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dbt_manifest: Path
) -> None:
    """A second `fanops run` (ingestion a no-op, the daily facts incremental) leaves every mart identical.
    It also runs the dbt unit tests (`--unit-tests`): those of incremental models need their table built
    once, which is why a normal run leaves them out."""
    warehouse = copy_warehouse(sample_build, tmp_path)
    monkeypatch.setenv("FANOPS_WAREHOUSE", str(warehouse))
    with DagsterInstance.ephemeral() as instance:
        result = run_pipeline(
            sample_settings(warehouse), "run", instance=instance, assets=sample_build.graph, unit_tests=True
        )
    assert result.success
    assert mart_hashes(warehouse) == sample_build.hashes
    every = [r for path in run_results_paths(result.run_id) for r in json.loads(path.read_text())["results"]]
    units = [r for r in every if r["unique_id"].startswith("unit_test.")]  # both dbt ops (models, KPI)
    assert len(units) == len(json.loads(dbt_manifest.read_text(encoding="utf-8"))["unit_tests"]) > 0
    assert {r["status"] for r in units} == {"pass"}


def test_backfill_recomputes_a_window_in_one_invocation(sample_build: SampleBuild, tmp_path: Path) -> None:
    warehouse = copy_warehouse(sample_build, tmp_path)
    with DagsterInstance.ephemeral() as instance:
        result = run_pipeline(
            sample_settings(warehouse),
            "build",
            instance=instance,
            assets=sample_build.graph,
            selection=sorted(DAILY_KEYS, key=str),
            partition_range=("2026-07-01", "2026-07-07"),
        )
    assert result.success
    counts = materialized(result)
    assert set(counts) == DAILY_KEYS and all(n == 7 for n in counts.values())
    # one dbt op (one dbt invocation), then the data-quality checks of the selected marts
    assert {e.step_key for e in result.all_events if e.step_key} == {"dbt_models", "dq_marts"}
    results = run_results(result)
    assert (results["args"]["vars"]["window_start"], results["args"]["vars"]["window_end"]) == (
        "2026-07-01",
        "2026-07-07",
    )
    built = {r["unique_id"] for r in results["results"] if r["unique_id"].startswith("model.")}
    assert built == {"model.fanops.fct_account_daily", "model.fanops.fct_interactions"}
    assert mart_hashes(warehouse) == sample_build.hashes


def test_a_failing_error_test_blocks_and_fails_the_run(
    sample_build: SampleBuild, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = copy_warehouse(sample_build, tmp_path)
    with duckdb.connect(str(warehouse)) as con:  # an account status outside accepted_values
        con.execute("update raw.ops_accounts set status = 'zombie' where status = 'inactive'")
    settings = sample_settings(warehouse)
    with DagsterInstance.ephemeral() as instance:
        result = run_pipeline(
            settings,
            "build",
            instance=instance,
            assets=sample_build.graph,
            selection=[AssetKey(["staging", "stg_ops_accounts"]), AssetKey(["marts", "dim_accounts"])],
        )
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed and all(e.blocking for e in failed)
    assert all("accepted_values" in e.check_name and "status" in e.check_name for e in failed)
    # dbt skips what is downstream of the failed test: dim_accounts is not built when staging fails
    built = set(materialized(result))
    assert all(
        e.asset_key not in built or e.asset_key == AssetKey(["staging", "stg_ops_accounts"]) for e in failed
    )
    assert _report_result(result, settings, 1.0, dbt_ran=True) == 1
    out = capsys.readouterr()
    first = failed[0]
    assert f"check BLOCKING ERROR failed: {first.asset_key.to_user_string()} {first.check_name}" in out.out
    assert "FAILED step dbt_models" in out.err


# ---------------------------------------------------------------------------------------------- docs

REPO = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=10) as response:
        assert response.status == 200
        return response.read()


def test_docs_are_generated_and_served(sample_build: SampleBuild, tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "fanops.duckdb"
    warehouse.parent.mkdir()
    shutil.copy2(sample_build.warehouse, warehouse)  # docs generate opens the warehouse for its catalog
    port = free_port()
    log_path = tmp_path / "docs.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orchestration.cli",
                "docs",
                "--warehouse",
                str(warehouse),
                "--port",
                str(port),
            ],
            cwd=REPO,
            env=dict(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            catalog: dict = {}
            deadline = time.monotonic() + DEADLINE_SECONDS
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    catalog = json.loads(fetch(port, "catalog.json"))
                    break
                except (urllib.error.URLError, ConnectionError, OSError):
                    time.sleep(1)
            assert proc.poll() is None, log_path.read_text()
            assert b"<html" in fetch(port, "index.html").lower()
            assert "model.fanops.fct_content" in catalog["nodes"], log_path.read_text()
            manifest = json.loads(fetch(port, "manifest.json"))
            exposures = manifest.get("exposures", {})
            assert any(e["type"] == "dashboard" for e in exposures.values())
            assert any(e["name"] == "periodic_report" for e in exposures.values())
        finally:
            stop_process_group(proc, timeout=10)
    assert proc.poll() is not None
    assert "dbt docs on http://127.0.0.1:" in log_path.read_text()


def test_docs_need_a_built_warehouse(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "docs", "--warehouse", str(tmp_path / "none.duckdb")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "build it first" in proc.stderr


# ------------------------------------------------------------------------------------------- data quality


def dq_rows(warehouse: Path, run_id: str) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cur = con.execute(
            "select * from dq.validation_results where run_id = ? order by check_name", [run_id]
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def probe(upstream: AssetKey) -> AssetsDefinition:
    """A Python asset downstream of `upstream`, standing for the KPI, report and publish assets."""

    @asset(key=AssetKey(["probe", "_".join(upstream.path)]), deps=[upstream])
    def _probe() -> None:
        return None

    return _probe


def test_sample_run_validates_every_suite_and_writes_history_and_docs(
    sample_build: SampleBuild, capsys: pytest.CaptureFixture[str]
) -> None:
    result = sample_build.result
    gx = [e for e in result.get_asset_check_evaluations() if e.check_name.startswith("gx_")]
    expected = {(k.asset_key, k.name) for c in sample_build.graph.checks for k in c.check_keys}
    assert {(e.asset_key, e.check_name) for e in gx} == expected
    assert all(e.passed or e.severity.value == "WARN" for e in gx)  # nothing blocks on the clean sample

    rows = dq_rows(sample_build.warehouse, result.run_id)
    suites = {r["suite"] for r in rows}
    assert len(suites) == len(expected)
    assert {r["severity"] for r in rows if not r["success"]} <= {"warn"}
    assert all(r["element_count"] is not None and r["engine"] in ("gx_pandas", "sql") for r in rows)
    index = sample_build.warehouse.parent / "dq" / "data_docs" / "index.html"
    assert index.exists()
    assert "ops.file_manifest" in index.read_text(encoding="utf-8")
    # reachable from the Dagster metadata: the history asset and every suite's check result
    (history,) = [
        e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == AssetKey(["dq", "validation_results"])
    ]
    assert history.metadata["data_docs"].value == str(index)
    pages = {e.check_name: e.metadata["data_docs"].value for e in gx}
    assert all(Path(page).is_file() for page in pages.values())

    with duckdb.connect(str(sample_build.warehouse), read_only=True) as con:
        daily = con.execute(
            "select count(*), sum(checks_evaluated), count(distinct suite) from marts.dq_daily "
            "where latest_run_id = ?",
            [result.run_id],
        ).fetchone()
    assert daily == (len(suites), len(rows), len(suites))

    assert _report_result(result, sample_build.settings, 1.0, dbt_ran=True) == 0
    out = capsys.readouterr().out
    assert f"Data quality: {len(suites)} suite(s), {len(rows)} expectation(s)" in out
    assert "0 error (blocking)" in out and f"Data Docs: {index}" in out

    assert main(["dq", "--warehouse", str(sample_build.warehouse), "--lang", "en"]) == 0
    status = capsys.readouterr().out
    assert any(ln.startswith("ops.file_manifest ") and ln.split()[1] == "pass" for ln in status.splitlines())
    assert any(ln.startswith("douyin/videos ") for ln in status.splitlines())


def test_a_failing_mart_check_blocks_downstream_python_assets(
    sample_build: SampleBuild,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Douyin video with more interactions than plays (engagement rate 1.7 by views): the marts build, the
    fct_content suite fails with ERROR (and fct_account_daily's, on the day that post is the only one), and
    nothing downstream of the marts runs."""
    warehouse = copy_warehouse(sample_build, tmp_path)
    monkeypatch.setenv("FANOPS_WAREHOUSE", str(warehouse))
    previous = publish(warehouse, run_id="before").target.read_bytes()  # the last good publication
    with duckdb.connect(str(warehouse)) as con:
        post = con.execute(
            "select post_ref from raw.douyin_videos where views > 100 order by post_ref limit 1"
        ).fetchone()[0]
        con.execute(
            "update raw.douyin_videos set likes = cast(views * 1.7 as bigint), comments = 0, shares = 0, "
            "saves = 0 where post_ref = ?",
            [post],
        )
    settings = sample_settings(warehouse)
    # Python assets after the marts (KPI, reports, publishing) read the marts that no other mart reads;
    # test_definitions.py keeps every such asset behind a blocking check
    probes = [
        probe(AssetKey(["marts", "fct_account_daily"])),
        probe(AssetKey(["marts", "fct_kol_performance"])),
    ]
    with DagsterInstance.ephemeral() as instance:
        result = run_pipeline(
            settings, "build", instance=instance, assets=sample_build.graph, extra_assets=probes
        )
    assert not result.success
    built = set(materialized(result))
    assert AssetKey(["marts", "fct_content"]) in built  # the mart itself was built ...
    assert not {p.key for p in probes} & built  # ... but nothing downstream of the marts ran
    assert PUBLISH_KEY not in built and default_target(warehouse).read_bytes() == previous  # BI keeps the old
    failed = [
        e for e in result.get_asset_check_evaluations() if not e.passed and e.check_name.startswith("gx_")
    ]
    assert {(e.asset_key.path[1], e.severity.value) for e in failed if e.severity.value == "ERROR"} == {
        ("fct_content", "ERROR"),
        ("fct_account_daily", "ERROR"),
    }

    rows = [r for r in dq_rows(warehouse, result.run_id) if not r["success"] and r["severity"] == "error"]
    assert {r["table_name"] for r in rows} == {"marts.fct_content", "marts.fct_account_daily"}
    assert all(".engagement_rate_by_views." in r["check_name"] for r in rows)
    content = next(
        r
        for r in rows
        if r["check_name"].endswith("fct_content.engagement_rate_by_views.within_platform_band")
    )
    assert content["failing_count"] == 1 and post in content["sample"]

    assert _report_result(result, settings, 1.0, dbt_ran=True) == 1
    out = capsys.readouterr()
    assert f"ERROR {content['check_name']}" in out.out and "on marts.fct_content" in out.out
    assert "e.g. " in out.out and post in out.out
    assert f"blocked by {len(rows)} failing data-quality check(s)" in out.err
    assert content["check_name"] in out.err

    # `fanops dq` shows the mart as blocked (exit 1) with the failing check named
    assert main(["dq", "--warehouse", str(warehouse), "--lang", "en"]) == 1
    status = capsys.readouterr().out
    line = next(ln for ln in status.splitlines() if ln.startswith("marts.fct_content "))
    assert line.split()[1] == "error"
    assert f"    - {content['check_name']}" in status


def test_a_failing_raw_check_stops_the_dbt_build(
    sample_build: SampleBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A duplicated key in a raw series table (raw holds one winning row per key): the raw stage blocks, so
    no model is rebuilt and nothing downstream runs."""
    warehouse = copy_warehouse(sample_build, tmp_path)
    monkeypatch.setenv("FANOPS_WAREHOUSE", str(warehouse))
    with duckdb.connect(str(warehouse)) as con:
        # the same day delivered again with a different figure (an identical copy from one file would be
        # one version of the key: contract §5.2)
        con.execute(
            "insert into raw.wechat_user_growth select * replace (followers_new + 1 as followers_new) "
            "from raw.wechat_user_growth order by stat_date limit 1"
        )
    settings = sample_settings(warehouse)
    marts_probe = probe(AssetKey(["marts", "fct_account_daily"]))
    with DagsterInstance.ephemeral() as instance:
        result = run_pipeline(
            settings, "run", instance=instance, assets=sample_build.graph, extra_assets=[marts_probe]
        )
    assert not result.success
    built = set(materialized(result))
    assert not any(k.path[0] in ("staging", "intermediate", "marts") for k in built)
    assert marts_probe.key not in built and PUBLISH_KEY not in built
    rows = [r for r in dq_rows(warehouse, result.run_id) if not r["success"] and r["severity"] == "error"]
    assert {r["table_name"] for r in rows} == {"raw.wechat_user_growth"}
    assert [r["check_name"] for r in rows] == ["raw.wechat_user_growth.key.unique"]
    assert rows[0]["failing_count"] == 2  # both versions of the key


def test_a_failing_dbt_test_blocks_downstream_python_assets(
    sample_build: SampleBuild, tmp_path: Path
) -> None:
    """The known gap (dagster-io/dagster#25112): a failing dbt test must stop Python assets downstream too."""
    warehouse = copy_warehouse(sample_build, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.ops_accounts set status = 'zombie' where status = 'inactive'")
    accounts_probe = probe(AssetKey(["marts", "dim_accounts"]))
    other_probe = probe(AssetKey(["marts", "fct_kol_performance"]))
    with DagsterInstance.ephemeral() as instance:
        result = run_pipeline(
            sample_settings(warehouse),
            "build",
            instance=instance,
            assets=sample_build.graph,
            extra_assets=[accounts_probe, other_probe],
        )
        # `fanops publish` refuses after such a run (its dbt step did not succeed)
        assert last_run_blockers(instance) == (result.run_id, ["dbt_models"])
    assert not result.success
    built = set(materialized(result))
    assert not {accounts_probe.key, other_probe.key, PUBLISH_KEY} & built


# ------------------------------------------------------------------------------------ scorecard and report


def test_sample_run_leaves_a_scorecard_and_a_report(
    sample_build: SampleBuild, capsys: pytest.CaptureFixture[str]
) -> None:
    """The KPI marts are a second dbt step after the marts' quality checks; the scorecard is in the asset's
    metadata and in the summary; the report asset writes a self-contained HTML report."""
    result = sample_build.result
    steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]
    assert steps.index("dq_marts") < steps.index("dbt_kpi") < steps.index("reports__operations_report")
    mats = {
        e.asset_key: e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    scorecard = mats[AssetKey(["marts", "kpi_scorecard"])]["scorecard"].value
    assert "| 粉丝净增长率 | 3m |" in scorecard and "互动率提升" in scorecard
    report = Path(mats[AssetKey(["reports", "operations_report"])]["report"].value)
    assert report.is_file() and report.parent == sample_build.warehouse.parent / "reports"
    html = report.read_text(encoding="utf-8")
    assert "<svg" in html and "http://" not in html and "https://" not in html

    with duckdb.connect(str(sample_build.warehouse), read_only=True) as con:
        statuses = dict(
            con.execute(
                "select kpi || ':' || horizon, status from marts.kpi_scorecard where scope = 'overall'"
            ).fetchall()
        )
    assert statuses["fan_growth_net:3m"] in ("on_track", "at_risk", "off_track")
    assert statuses["roas:3m"] == "no_target"  # the default plan sets no ROAS target

    assert _report_result(result, sample_build.settings, 1.0, dbt_ran=True) == 0
    out = capsys.readouterr().out
    assert "KPI scorecard (overall, as of " in out and f"Report: {report}" in out


def test_fanops_report_writes_both_languages(sample_build: SampleBuild, tmp_path: Path) -> None:
    for lang, heading in (("zh", "KPI"), ("en", "KPI")):
        assert (
            main(
                ["report", "--warehouse", str(sample_build.warehouse), "--lang", lang, "--out", str(tmp_path)]
            )
            == 0
        )
        (page,) = tmp_path.glob(f"report_week_*_{lang}.html")
        assert heading in page.read_text(encoding="utf-8")
    assert main(["report", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
