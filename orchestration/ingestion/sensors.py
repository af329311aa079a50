"""Sensor: start `ingest_job` when new files show up under the landing root."""

from __future__ import annotations

import hashlib

from dagster import (
    DagsterRunStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from ingestion.engine import pending_files
from orchestration.jobs import ingest_job
from orchestration.resources import FanopsSettings

ACTIVE_STATUSES = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


def active_run_skip(context: SensorEvaluationContext) -> SkipReason | None:
    """DuckDB: one writer per file, and a reader blocks writers; do not read while a run may be writing.
    A run whose process died (SIGKILL, power cut) is marked failed here rather than blocking the sensors
    until the next `fanops` command does it (orchestration.lock.active_runs)."""
    from orchestration.lock import active_runs, fail_dead_runs

    queued = context.instance.get_runs(filters=RunsFilter(statuses=ACTIVE_STATUSES[:2]), limit=1)
    if queued:
        return SkipReason(f"run {queued[0].run_id} is in progress; checking again later")
    live, dead = active_runs(context.instance)
    if dead:
        fail_dead_runs(context.instance, dead)
    if live:
        return SkipReason(f"run {live[0].run_id} is in progress; checking again later")
    return None


def pending_digest(paths: list[str]) -> str:
    """Cursor value: sha256 of the sorted pending paths, so one set of new files fires once."""
    return hashlib.sha256("\n".join(sorted(paths)).encode("utf-8")).hexdigest()


@sensor(
    job=ingest_job,
    minimum_interval_seconds=60,
    description="Requests an ingest run when files not yet in ops.file_manifest appear under the landing root.",
)
def landing_sensor(context: SensorEvaluationContext, fanops: FanopsSettings) -> SensorResult | SkipReason:
    busy = active_run_skip(context)
    if busy is not None:
        return busy
    try:
        pending = pending_files(fanops.landing_path, fanops.warehouse_path)
    except Exception as exc:  # a locked warehouse or a missing landing root: try again next tick
        return SkipReason(f"could not list pending files: {exc}")
    digest = pending_digest(pending)
    if not pending:
        return SensorResult(skip_reason=SkipReason("no new files under the landing root"), cursor=digest)
    if digest == context.cursor:
        return SkipReason(f"{len(pending)} pending file(s) already requested")
    return SensorResult(
        run_requests=[
            RunRequest(
                run_key=f"landing-{digest[:16]}",
                tags={"fanops/trigger": "landing_sensor", "fanops/pending_files": str(len(pending))},
            )
        ],
        cursor=digest,
    )
