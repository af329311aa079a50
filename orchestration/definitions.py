"""The one `Definitions` of fanops: merges the per-concern modules (assets, checks, sensors, jobs).

Settings are resolved at import from the environment (`FANOPS_CONFIG`, `FANOPS_LANDING`,
`FANOPS_WAREHOUSE`, else `fanops.yaml`, else the bundled sample); `fanops` commands set those variables
for the processes they start, so `fanops ui` and `fanops run` see the same warehouse.
"""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from ingestion.config import resolve_settings
from orchestration.ingestion.assets import INGESTION_ASSETS
from orchestration.ingestion.sensors import landing_sensor
from orchestration.jobs import JOBS
from orchestration.resources import build_resources

settings = resolve_settings()

ALL_ASSETS = [*INGESTION_ASSETS]
ALL_ASSET_CHECKS: list = []
ALL_SENSORS = [landing_sensor]
ALL_SCHEDULES: list = []

defs = Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_ASSET_CHECKS,
    sensors=ALL_SENSORS,
    schedules=ALL_SCHEDULES,
    jobs=JOBS,
    resources=build_resources(settings),
    executor=in_process_executor,
)
