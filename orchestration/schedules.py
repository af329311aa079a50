"""The daily schedule: the whole graph, once a day, with the same tags as `fanops run` (stopped by default;
start it in the UI)."""

from __future__ import annotations

from dagster import (
    DailyPartitionsDefinition,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from orchestration.pipeline import run_tags

DAILY_RUN_CRON = "0 6 * * *"  # 06:00 local time: after the overnight exports have landed


def daily_run_schedule(
    job: UnresolvedAssetJobDefinition, partitions: DailyPartitionsDefinition, timezone: str
) -> ScheduleDefinition:
    @schedule(
        name="daily_run",
        job=job,
        cron_schedule=DAILY_RUN_CRON,
        execution_timezone=timezone,
        default_status=DefaultScheduleStatus.STOPPED,
        description="Ingest new landing files and build every model (what `fanops run` does), daily.",
    )
    def _daily_run(context: ScheduleEvaluationContext) -> RunRequest:
        return RunRequest(tags=run_tags("run", partitions, now=context.scheduled_execution_time))

    return _daily_run
