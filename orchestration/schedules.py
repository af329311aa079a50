"""The nightly schedule: the whole graph once a night for the latest partitions, with the same tags as
`fanops run` (stopped by default; start it in the UI). Its cron is `schedules.nightly` of fanops.yaml
(default 02:30 in the config's timezone, Asia/Shanghai)."""

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

from ingestion.config import SchedulesConfig
from orchestration.pipeline import run_tags

NIGHTLY_SCHEDULE = "nightly_run"
NIGHTLY_CRON = SchedulesConfig.nightly  # 02:30 local time: after the overnight exports have landed


def nightly_run_schedule(
    job: UnresolvedAssetJobDefinition,
    partitions: DailyPartitionsDefinition,
    timezone: str,
    cron: str = NIGHTLY_CRON,
) -> ScheduleDefinition:
    @schedule(
        name=NIGHTLY_SCHEDULE,
        job=job,
        cron_schedule=cron,
        execution_timezone=timezone,
        default_status=DefaultScheduleStatus.STOPPED,
        description=(
            f"Ingest new landing files and build every model for the latest daily partitions (what `fanops run` "
            f"does), nightly at `{cron}` ({timezone}; schedules.nightly in fanops.yaml)."
        ),
    )
    def _nightly_run(context: ScheduleEvaluationContext) -> RunRequest:
        return RunRequest(tags=run_tags("run", partitions, now=context.scheduled_execution_time))

    return _nightly_run
