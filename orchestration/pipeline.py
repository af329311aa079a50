"""The asset graph and the one way to run it in-process (`fanops run` / `build` / `ingest`, the tests).

`pipeline_assets(config)` builds the graph: ingestion assets -> ops tables -> the dbt multi-asset (with the
daily partitions of that config), plus the data-quality asset checks (orchestration.quality.checks): `dq_raw`
between ingestion and dbt, `dq_marts` after dbt. `run_pipeline(...)` materialises a part of it in ONE in-process Dagster run
with the same assets, executor and tags as the `all_assets` job and its schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from dagster import (
    AssetChecksDefinition,
    AssetKey,
    AssetsDefinition,
    DagsterInstance,
    DailyPartitionsDefinition,
    materialize,
)

from ingestion.config import FanopsConfig, Settings
from orchestration.crisis.assets import notifications, text_scores
from orchestration.dbt.assets import (
    DBT_OP_NAME,
    KPI_OP_NAME,
    KPI_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    build_dbt_assets,
    daily_partitions,
    full_run_tags,
    has_kpi_models,
    ops_tables,
)
from orchestration.dbt.project import load_manifest
from orchestration.dbt.state import FORCE_TAG
from orchestration.ingestion.assets import INGESTION_ASSETS
from orchestration.kpi.metadata import scorecard_metadata
from orchestration.publish.assets import build_publish_asset, mart_keys
from orchestration.quality.assets import validation_results
from orchestration.quality.checks import build_quality_checks
from orchestration.reports.assets import build_report_asset
from orchestration.resources import build_resources

Mode = Literal["run", "build", "ingest", "crisis"]
COMMAND_TAG = "fanops/command"


@dataclass(frozen=True)
class PipelineAssets:
    partitions: DailyPartitionsDefinition
    ingestion: list[AssetsDefinition]
    ops_tables: AssetsDefinition
    dbt: AssetsDefinition
    dbt_kpi: AssetsDefinition | None  # the KPI models (tag kpi), built after the marts' quality checks
    checks: list[AssetChecksDefinition]
    quality: list[AssetsDefinition]  # dq/validation_results
    reports: list[AssetsDefinition]  # reports/operations_report (after the KPI marts)
    manifest: Any = None  # the parsed dbt manifest the dbt ops were built from
    sentiment: tuple[AssetsDefinition, ...] = (text_scores,)  # before dbt: scores new texts
    crisis: tuple[AssetsDefinition, ...] = (notifications,)  # after the crisis marts
    publish: tuple[AssetsDefinition, ...] = ()  # publish/bi_snapshot, after every mart (not in crisis runs)

    @property
    def all(self) -> list[AssetsDefinition]:
        return [
            *self.ingestion,
            self.ops_tables,
            *self.quality,
            *self.sentiment,
            *self.dbt_ops,
            *self.crisis,
            *self.reports,
            *self.publish,
        ]

    @property
    def dbt_ops(self) -> list[AssetsDefinition]:
        return [self.dbt] + ([self.dbt_kpi] if self.dbt_kpi is not None else [])

    def for_mode(self, mode: Mode) -> list[AssetsDefinition | AssetChecksDefinition]:
        """What a run of `mode` materialises, with the asset checks of those assets (Dagster runs the checks
        of the selected assets only). Ingest runs need no dbt graph: `ingest_selection`."""
        if mode == "ingest":
            raise ValueError("an ingest run takes ingest_selection(config), not the whole graph")
        if mode == "build":
            return [
                *self.quality,
                *self.sentiment,
                *self.dbt_ops,
                *self.crisis,
                *self.reports,
                *self.publish,
                *self.checks,
            ]
        return [*self.all, *self.checks]

    def crisis_keys(self) -> list[AssetKey]:
        """What a crisis run materialises (orchestration.crisis.jobs.crisis_selection)."""
        from orchestration.crisis.jobs import crisis_selection

        return sorted(crisis_selection(self.manifest).resolve(self.all), key=lambda k: k.to_user_string())


def pipeline_assets(config: FanopsConfig) -> PipelineAssets:
    """The whole graph for a resolved config; prepares the dbt manifest first when it is stale."""
    partitions = daily_partitions(config)
    manifest, digest = load_manifest()
    dbt_kpi = None
    if has_kpi_models(manifest):
        dbt = build_dbt_assets(manifest, partitions, project_digest=digest, exclude=f"tag:{KPI_TAG}")
        dbt_kpi = build_dbt_assets(
            manifest,
            partitions,
            project_digest=digest,
            name=KPI_OP_NAME,
            select=f"tag:{KPI_TAG}",
            metadata_hooks={AssetKey(["marts", "kpi_scorecard"]): scorecard_metadata},
        )
    else:
        dbt = build_dbt_assets(manifest, partitions, project_digest=digest)
    assets: list[AssetsDefinition] = [*INGESTION_ASSETS, ops_tables, dbt, *([dbt_kpi] if dbt_kpi else [])]
    return PipelineAssets(
        partitions=partitions,
        ingestion=list(INGESTION_ASSETS),
        ops_tables=ops_tables,
        dbt=dbt,
        dbt_kpi=dbt_kpi,
        checks=build_quality_checks(config, assets),
        quality=[validation_results],
        reports=[build_report_asset([AssetKey(["marts", "kpi_scorecard"])])] if dbt_kpi is not None else [],
        manifest=manifest,
        publish=(build_publish_asset(mart_keys([dbt, *([dbt_kpi] if dbt_kpi else [])])),),
    )


def ingest_selection(config: FanopsConfig) -> list[AssetsDefinition | AssetChecksDefinition]:
    """The ingestion assets and their raw-stage quality checks (no dbt manifest needed)."""
    ingestion = list(INGESTION_ASSETS)
    return [*ingestion, *build_quality_checks(config, ingestion)]


def run_tags(
    mode: Mode,
    partitions: DailyPartitionsDefinition,
    now: dt.datetime | None = None,
    partition_range: tuple[str, str] | None = None,
) -> dict[str, str]:
    """`fanops/command` plus, for dbt runs, the partition tags: the full-run tags by default, or an explicit
    range (a backfill: the daily models recompute exactly those dates)."""
    tags: dict[str, str] = {COMMAND_TAG: mode}
    if mode in ("ingest", "crisis"):  # a crisis run builds no daily-partitioned model
        return tags
    if partition_range is None:
        tags.update(full_run_tags(partitions, now))
    else:
        tags.update({RANGE_START_TAG: partition_range[0], RANGE_END_TAG: partition_range[1]})
    return tags


def run_config(
    mode: Mode,
    full_refresh: bool = False,
    unit_tests: bool = False,
    log_level: str = "INFO",
    dbt_ops: Sequence[str] = (DBT_OP_NAME,),
) -> dict[str, Any]:
    config: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    if mode != "ingest":
        op_config = {"config": {"full_refresh": full_refresh, "unit_tests": unit_tests}}
        config["ops"] = {op: op_config for op in dbt_ops}
    return config


def run_pipeline(
    settings: Settings,
    mode: Mode,
    *,
    instance: DagsterInstance,
    as_of: str | None = None,
    full_refresh: bool = False,
    unit_tests: bool = False,
    assets: PipelineAssets | None = None,
    selection: Sequence[AssetKey] | None = None,
    partition_range: tuple[str, str] | None = None,
    log_level: str = "INFO",
    extra_assets: Sequence[AssetsDefinition] = (),
    force: bool = False,
):
    """Materialise the assets of `mode` (or only `selection` among them) in one in-process run; returns the
    ExecuteInProcessResult. `partition_range` makes it an explicit partition run (a backfill);
    `extra_assets` join the graph for this run (tests: probes downstream of the marts). A plain run whose data,
    config and code are unchanged since the last complete build skips the quality stages and everything from
    the dbt build on (orchestration.dbt.state); `force` (and `full_refresh`, `unit_tests`) always rebuilds."""
    tags: dict[str, str]
    selected: list[AssetsDefinition | AssetChecksDefinition]
    if mode == "ingest":  # no dbt manifest needed: ingestion and its raw checks only
        selected = ingest_selection(settings.config)
        tags = {COMMAND_TAG: mode}
        dbt_ops: list[str] = []
    else:
        graph = assets or pipeline_assets(settings.config)
        selected = graph.for_mode("run" if mode == "crisis" else mode)
        if mode == "crisis" and selection is None:
            selection = graph.crisis_keys()
        tags = run_tags(mode, graph.partitions, partition_range=partition_range)
        wanted = None if selection is None else set(selection)
        dbt_ops = [op.node_def.name for op in graph.dbt_ops if wanted is None or wanted & set(op.keys)]
    if force or full_refresh or unit_tests:
        tags[FORCE_TAG] = "true"
    ingests = selection is None or any(k.path[0] == "raw" for k in selection)
    if mode == "run" and ingests and settings.config.connectors.pulls():
        from orchestration.connectors.run import run_pulls  # pull first: the ingestion assets see the files

        pulled = run_pulls(settings, instance, graph.partitions)
        if pulled is not None and not pulled.success:
            import logging

            logging.getLogger("fanops").warning("some pull connectors failed (run %s); their windows are "
                                                "requested again next run", pulled.run_id)
    return materialize(
        [*selected, *extra_assets],
        selection=list(selection) if selection is not None else None,
        resources=build_resources(settings, as_of=as_of),
        instance=instance,
        raise_on_error=False,
        run_config=run_config(mode, full_refresh, unit_tests, log_level, dbt_ops=dbt_ops),
        tags=tags,
    )
