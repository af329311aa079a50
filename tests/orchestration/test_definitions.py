"""The one Definitions loads; its asset keys, groups, jobs and sensors match the reviewed snapshot.

Update the snapshot after an intended lineage change with:
    FANOPS_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/orchestration/test_definitions.py
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import AssetKey, Definitions

from ingestion.contracts import all_datasets

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.txt"


def load_defs() -> Definitions:
    from orchestration.definitions import defs

    return defs


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
    assert set(defs.resources or {}) >= {"fanops", "duckdb"}


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
    for name in ("ingest_job", "all_assets"):
        assert defs.resolve_job_def(name).executor_def.name == "in_process"


def test_snapshot_of_asset_keys_groups_jobs_and_sensors() -> None:
    current = render_snapshot(load_defs())
    if os.environ.get("FANOPS_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.exists(), f"missing {SNAPSHOT}: run with FANOPS_UPDATE_SNAPSHOTS=1"
    assert current == SNAPSHOT.read_text(encoding="utf-8"), (
        "asset graph changed: review the diff and rerun with FANOPS_UPDATE_SNAPSHOTS=1"
    )
