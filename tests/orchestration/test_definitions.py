"""The one Definitions loads; its asset keys, groups, lineage edges, checks, jobs, sensors and schedules match
the reviewed snapshot, and the dbt models hang off the ingestion assets (one connected graph).

Update the snapshot after an intended lineage change (a new model or dbt test) with:
    FANOPS_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/orchestration/test_definitions.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, Definitions, build_schedule_context

from ingestion.contracts import all_datasets
from orchestration.ingestion.assets import dataset_asset_key

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.txt"


@pytest.fixture(autouse=True)
def _manifest(dbt_manifest: Path) -> None:
    """Loading the definitions needs the dbt manifest (the session fixture prepares it)."""


def load_defs() -> Definitions:
    from orchestration.definitions import defs

    return defs


# Datasets whose models feed no mart yet.
NO_MART_YET: set[str] = set()
# One proof per area that a landing dataset reaches the mart it feeds through its dbt source.
EXPECTED_REACH = {
    "wechat/user_growth": "fct_account_daily",
    "douyin/fans": "fct_account_daily",
    "xiaohongshu/fans": "fct_account_daily",
    "douyin/videos": "fct_content",
    "wechat/articles": "fct_content",
    "douyin/live_sessions": "fct_live_sessions",
    "wechat/fans_portrait": "fct_fan_portrait",
    "weibo/comments": "fct_interactions",
    "ops/messages": "fct_service_daily",
    "shop/orders": "fct_orders",
    "ops/campaign_costs": "fct_campaign_performance",
    "ops/kols": "fct_kol_performance",
    "listening/mentions": "fct_competitor_benchmark",
    "ops/accounts": "dim_accounts",
    "ops/team": "fct_team_weekly",
    "ops/content_calendar": "fct_content_calendar",
    "ops/campaigns": "dim_campaigns",
}


def dbt_descendants(graph, key: AssetKey) -> set[AssetKey]:
    """Assets reached from `key` through dbt models only (not through the ops/* tables every dataset
    writes): the lineage that goes through the dataset's own dbt sources."""
    todo = [c for c in graph.get(key).child_keys if c.path[0] not in ("raw", "ops")]
    seen = set(todo)
    while todo:
        for child in graph.get(todo.pop()).child_keys:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def render_snapshot(defs: Definitions) -> str:
    graph = defs.resolve_asset_graph()
    lines = ["# assets: key | group | upstream"]
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        parents = ",".join(sorted(p.to_user_string() for p in node.parent_keys)) or "-"
        lines.append(f"{key.to_user_string()} | {node.group_name} | {parents}")
    lines.append("# asset checks")
    for check in sorted(graph.asset_check_keys, key=lambda c: (c.asset_key.to_user_string(), c.name)):
        lines.append(f"{check.asset_key.to_user_string()} : {check.name}")
    lines.append("# jobs: name | assets")
    for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name):
        if job.name.startswith("__"):
            continue
        keys = job.asset_layer.executable_asset_keys if job.asset_layer else set()
        lines.append(f"{job.name} | {len(keys)} | executor={job.executor_def.name}")
    lines.append("# sensors: name | job")
    for sensor in sorted(defs.sensors or [], key=lambda s: s.name):
        resolved = defs.resolve_sensor_def(sensor.name)
        lines.append(f"{sensor.name} | {','.join(sorted(t.job_name for t in resolved.targets))}")
    lines.append("# schedules: name | cron | job")
    for schedule in sorted(defs.schedules or [], key=lambda s: s.name):
        resolved_schedule = defs.resolve_schedule_def(schedule.name)
        lines.append(f"{schedule.name} | {resolved_schedule.cron_schedule} | {resolved_schedule.job_name}")
    return "\n".join(lines) + "\n"


def test_definitions_load() -> None:
    defs = load_defs()
    Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("ingest_job") is not None
    assert defs.resolve_job_def("all_assets") is not None
    assert defs.resolve_sensor_def("landing_sensor") is not None
    assert defs.resolve_schedule_def("nightly_run") is not None
    assert set(defs.resources or {}) >= {"fanops", "duckdb", "dbt"}


def test_one_asset_per_landing_dataset_after_accounts() -> None:
    graph = load_defs().resolve_asset_graph()
    accounts = AssetKey(["raw", "ops", "accounts"])
    for decl in all_datasets():
        key = AssetKey(["raw", *decl.id.split("/")])
        node = graph.get(key)
        assert node.group_name == decl.group
        if key != accounts:
            assert accounts in node.parent_keys, decl.id


def test_jobs_use_the_in_process_executor() -> None:
    defs = load_defs()
    for name in ("ingest_job", "all_assets", "crisis_job"):
        assert defs.resolve_job_def(name).executor_def.name == "in_process"


def test_snapshot_of_asset_keys_groups_jobs_and_sensors() -> None:
    current = render_snapshot(load_defs())
    if os.environ.get("FANOPS_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.exists(), f"missing {SNAPSHOT}: run with FANOPS_UPDATE_SNAPSHOTS=1"
    assert current == SNAPSHOT.read_text(encoding="utf-8"), (
        "asset graph changed: review the diff and rerun with FANOPS_UPDATE_SNAPSHOTS=1"
    )


def test_every_dbt_source_maps_onto_an_ingestion_asset() -> None:
    graph = load_defs().resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    # no stub assets: every upstream of a dbt model is a real, materialisable asset
    assert all(graph.get(k).is_materializable for k in keys)
    ingestion = {dataset_asset_key(d.id) for d in all_datasets()}
    assert {k for k in keys if k.path[0] == "raw"} == ingestion
    assert {k.path[0] for k in keys} == {
        "raw", "ops", "dq", "sentiment", "staging", "intermediate", "marts", "crisis", "reports", "publish"
    }


def test_each_landing_dataset_reaches_the_marts_through_its_sources() -> None:
    graph = load_defs().resolve_asset_graph()
    for decl in all_datasets():
        reached = dbt_descendants(graph, dataset_asset_key(decl.id))
        assert any(k.path[0] == "staging" for k in reached), decl.id
        marts = {k.path[1] for k in reached if k.path[0] == "marts"}
        assert bool(marts) != (decl.id in NO_MART_YET), (decl.id, sorted(marts))
        if decl.id in EXPECTED_REACH:
            assert EXPECTED_REACH[decl.id] in marts, (decl.id, sorted(marts))


def test_dbt_models_layers_groups_partitions_and_checks(dbt_manifest: Path) -> None:
    from orchestration.definitions import DAILY_PARTITIONS, PIPELINE

    # two dbt ops: the models, then the KPI models (tag kpi) after the marts' data-quality checks
    assert PIPELINE.dbt_kpi is not None
    check_specs = [c for op in PIPELINE.dbt_ops for c in op.check_specs]
    kpi_keys = set(PIPELINE.dbt_kpi.keys)
    assert AssetKey(["marts", "kpi_scorecard"]) in kpi_keys and not kpi_keys & set(PIPELINE.dbt.keys)

    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    nodes = manifest["nodes"].values()
    daily = {n["name"] for n in nodes if n["resource_type"] == "model" and "daily" in n["config"]["tags"]}
    assert {"fct_account_daily", "fct_interactions"} <= daily
    graph = load_defs().resolve_asset_graph()
    for key in [k for op in PIPELINE.dbt_ops for k in op.keys]:
        node = graph.get(key)
        assert key.path[0] in ("staging", "intermediate", "marts") and len(key.path) == 2
        assert node.group_name.startswith(key.path[0] + "_")
        assert node.partitions_def == (DAILY_PARTITIONS if key.path[1] in daily else None), key
    assert DAILY_PARTITIONS.timezone == "Asia/Shanghai"

    # every dbt data test is an asset check, blocking exactly when its severity is error
    severity = {n["name"]: n["config"]["severity"].lower() for n in nodes if n["resource_type"] == "test"}
    checks = {c.name: c for c in check_specs}
    assert set(checks) == set(severity)
    assert {name for name, c in checks.items() if c.blocking} == {
        name for name, sev in severity.items() if sev == "error"
    }


def test_nightly_schedule_requests_what_fanops_run_does() -> None:
    from orchestration.definitions import DAILY_PARTITIONS
    from orchestration.pipeline import run_tags

    defs = load_defs()
    schedule = defs.resolve_schedule_def("nightly_run")
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.cron_schedule == "30 2 * * *"  # 02:30 Asia/Shanghai (schedules.nightly)
    assert defs.resolve_job_def("all_assets").partitions_def == DAILY_PARTITIONS
    assert schedule.default_status.value == "STOPPED"
    when = dt.datetime(2026, 11, 20, 18, 30, tzinfo=dt.UTC)  # 02:30 on 11-21 in Shanghai
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=when)
        result = schedule.evaluate_tick(context)
    (request,) = result.run_requests
    assert request.tags.items() >= run_tags("run", DAILY_PARTITIONS, now=when).items()
    assert request.tags["dagster/asset_partition_range_end"] == "2026-11-21"
    assert request.tags["fanops/all_partitions"] == "true"


def test_quality_checks_run_in_four_stage_steps_and_never_split_an_op() -> None:
    """One step per stage; blocking checks only where they do not cut an op in two (a blocking check on a mart
    another mart reads would split the one dbt build into several invocations)."""
    from orchestration.definitions import ALL_ASSET_CHECKS, DBT_ASSETS
    from orchestration.quality.checks import STAGES, inner_upstream_keys

    assert [c.node_def.name for c in ALL_ASSET_CHECKS] == list(STAGES)
    inner = inner_upstream_keys([DBT_ASSETS])
    assert AssetKey(["marts", "fct_content"]) in inner  # fct_account_daily reads it
    specs = [s for c in ALL_ASSET_CHECKS for s in c.check_specs]
    assert all(s.name.startswith("gx_") for s in specs)
    assert {s.asset_key for s in specs if not s.blocking} == {s.asset_key for s in specs} & inner
    raw = [s for s in specs if s.asset_key.path[0] in ("raw", "ops")]
    assert raw and all(s.blocking for s in raw)


def test_python_assets_after_the_marts_wait_for_a_blocking_quality_check() -> None:
    """Every asset outside the dbt build that reads a mart is downstream of a mart with a blocking
    data-quality check, so a failing `dq_marts` stage stops it (KPI, reports, publishing)."""
    from orchestration.definitions import ALL_ASSET_CHECKS, DBT_ASSETS

    graph = load_defs().resolve_asset_graph()
    blocking = {s.asset_key for c in ALL_ASSET_CHECKS for s in c.check_specs if s.blocking}
    dbt_keys = set(DBT_ASSETS.keys)
    for key in graph.get_all_asset_keys():
        if key in dbt_keys or key.path[0] in ("raw", "ops", "dq"):
            continue
        upstream = set(graph.get_ancestor_asset_keys(key))
        if any(k.path[0] == "marts" for k in upstream):
            assert upstream & blocking, key.to_user_string()


def test_schedules_take_their_crons_from_the_config() -> None:
    """Every schedule starts stopped with the cron of `schedules:` in the resolved fanops.yaml; another cron
    in the config gives schedules at that cron (definitions built from it)."""
    from ingestion.config import parse_config
    from orchestration.crisis.jobs import crisis_schedule
    from orchestration.definitions import DAILY_PARTITIONS, crisis_job, settings
    from orchestration.jobs import all_assets_job
    from orchestration.reports.assets import weekly_report_schedule
    from orchestration.schedules import nightly_run_schedule

    defs = load_defs()
    crons = settings.config.schedules
    expected = {
        "nightly_run": crons.nightly,
        "crisis_hourly": crons.crisis,
        "weekly_report": crons.weekly_report,
    }
    for name, cron in expected.items():
        schedule = defs.resolve_schedule_def(name)
        assert (schedule.cron_schedule, schedule.execution_timezone) == (cron, "Asia/Shanghai"), name
        assert schedule.default_status.value == "STOPPED"
    other = parse_config(
        {"timezone": "UTC", "schedules": {"nightly": "15 1 * * *", "crisis": "*/10 * * * *", "weekly_report": "0 9 * * 5"}}
    )
    built = [
        nightly_run_schedule(all_assets_job, DAILY_PARTITIONS, other.timezone, other.schedules.nightly),
        crisis_schedule(crisis_job, other.timezone, other.schedules.crisis),
        weekly_report_schedule(other.timezone, other.schedules.weekly_report),
    ]
    assert [(s.cron_schedule, s.execution_timezone) for s in built] == [
        ("15 1 * * *", "UTC"),
        ("*/10 * * * *", "UTC"),
        ("0 9 * * 5", "UTC"),
    ]


def test_marts_carry_freshness_policies() -> None:
    """The UI marks a mart stale: nightly marts warn after 26 h and fail after 30 h without a
    materialisation, the crisis marts (hourly crisis job) fail after 3 h; other layers have no policy."""
    from dagster._core.definitions.freshness import TimeWindowFreshnessPolicy

    graph = load_defs().resolve_asset_graph()
    windows: dict[str, set[tuple[dt.timedelta, dt.timedelta | None]]] = {}
    for key in graph.get_all_asset_keys():
        policy = graph.get(key).freshness_policy
        if key.path[0] != "marts":
            assert policy is None, key
            continue
        assert isinstance(policy, TimeWindowFreshnessPolicy), key
        fail = policy.fail_window.to_timedelta()
        warn = policy.warn_window.to_timedelta() if policy.warn_window else None
        windows.setdefault(key.path[1], set()).add((fail, warn))
    hours = dt.timedelta(hours=1)
    crisis = {name for name, w in windows.items() if w == {(3 * hours, 2 * hours)}}
    assert crisis == {"fct_crisis_alerts", "fct_crisis_alert_events", "fct_sentiment_hourly"}
    nightly = {name for name, w in windows.items() if w == {(30 * hours, 26 * hours)}}
    assert nightly == set(windows) - crisis
    assert {"fct_content", "fct_account_daily", "kpi_scorecard"} <= nightly
