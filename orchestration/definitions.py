"""The one `Definitions` of fanops: merges the per-concern modules (assets, checks, sensors, jobs).

Settings are resolved at import from the environment (`FANOPS_CONFIG`, `FANOPS_LANDING`,
`FANOPS_WAREHOUSE`, else `fanops.yaml`, else the bundled sample); `fanops` commands set those variables
for the processes they start, so `fanops ui` and `fanops run` see the same warehouse. Loading this module
prepares the dbt manifest (`dbt parse`) when it is missing or stale.
"""

from __future__ import annotations

from dagster import AssetsDefinition, Definitions, in_process_executor

from ingestion.config import resolve_settings
from orchestration.alerts import run_failure_notice
from orchestration.connectors.assets import build_pull_assets, build_pull_job, pull_schedule
from orchestration.crisis.jobs import build_crisis_job, build_crisis_sensor, crisis_schedule
from orchestration.ingestion.sensors import landing_sensor
from orchestration.jobs import JOBS, all_assets_job
from orchestration.pipeline import pipeline_assets
from orchestration.reports.assets import weekly_report_job, weekly_report_schedule
from orchestration.resources import build_resources
from orchestration.schedules import nightly_run_schedule

settings = resolve_settings()
PIPELINE = pipeline_assets(settings.config)

DAILY_PARTITIONS = PIPELINE.partitions
DBT_ASSETS = PIPELINE.dbt
ALL_ASSETS: list[AssetsDefinition] = PIPELINE.all
# the data-quality suites (orchestration.quality.checks); dbt tests are checks of the dbt multi-asset itself
ALL_ASSET_CHECKS = PIPELINE.checks
# the crisis job: texts -> sentiment -> alerts -> notifications, hourly and on new text files
crisis_job = build_crisis_job(PIPELINE.manifest)
# pull connectors (fanops.yaml `connectors:`): one asset per enabled connector, their job and schedule
PULL_ASSETS = build_pull_assets(settings.config, PIPELINE.partitions)
PULL_JOBS = [build_pull_job(PULL_ASSETS)] if PULL_ASSETS else []
# run_failure_notice: a failed run is reported through the notification channels (orchestration.alerts)
ALL_SENSORS = [landing_sensor, build_crisis_sensor(crisis_job), run_failure_notice]
CRONS = settings.config.schedules  # schedules: in fanops.yaml
ALL_SCHEDULES = [
    nightly_run_schedule(all_assets_job, PIPELINE.partitions, settings.config.timezone, CRONS.nightly),
    crisis_schedule(crisis_job, settings.config.timezone, CRONS.crisis),
]
if PULL_JOBS:
    ALL_SCHEDULES.append(pull_schedule(PULL_JOBS[0], PIPELINE.partitions, settings.config.timezone, CRONS.pull))
if PIPELINE.reports:
    ALL_SCHEDULES.append(weekly_report_schedule(settings.config.timezone, CRONS.weekly_report))

defs = Definitions(
    assets=[*ALL_ASSETS, *PULL_ASSETS],
    asset_checks=ALL_ASSET_CHECKS,
    sensors=ALL_SENSORS,
    schedules=ALL_SCHEDULES,
    jobs=[*JOBS, crisis_job, *([weekly_report_job] if PIPELINE.reports else []), *PULL_JOBS],
    resources=build_resources(settings),
    executor=in_process_executor,
)
