"""Jobs. All use the in-process executor: one process writes the DuckDB warehouse, and it is
about twice as fast as the multiprocess default on small graphs.

`all_assets` holds the daily-partitioned dbt facts too, so a launch needs a partition or a range: the
`nightly_run` schedule (and `fanops run`) target the last days with the tag `fanops/all_partitions`
(orchestration.dbt.assets.full_run_tags)."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job, in_process_executor

from orchestration.ingestion.assets import INGESTION_ASSET_KEYS

ingest_job = define_asset_job(
    "ingest_job",
    selection=AssetSelection.assets(*INGESTION_ASSET_KEYS),
    description="Load every landing dataset into raw.* (ops/accounts first).",
    executor_def=in_process_executor,
)

# the pull connectors (group `connectors`) run before it in their own run (`pull_daily` at 02:00, and `fanops run`
# pulls first): inside this run nothing would order them before the ingestion assets
all_assets_job = define_asset_job(
    "all_assets",
    selection=AssetSelection.all() - AssetSelection.groups("connectors"),
    description="Materialise the whole asset graph (what `fanops run` does); the pull connectors run before it.",
    executor_def=in_process_executor,
)

JOBS = [ingest_job, all_assets_job]
