"""One asset per landing dataset of the contract (`ingestion.contracts.all_datasets()`).

Key `raw/<group>/<name>` (dataset `wechat/user_growth` -> `raw/wechat/user_growth`), group = the
dataset's platform group. Every asset depends on `raw/ops/accounts`: the account registry decides which
landing folders are known (contract §1 rule 2), so it loads first.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from dagster import AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from ingestion.contracts import all_datasets
from ingestion.engine import DatasetResult, IngestOptions, ingest_with
from ingestion.landing import LandingScan, scan_landing
from orchestration.resources import FanopsSettings
from orchestration.retry import retry_transient

ACCOUNTS_DATASET = "ops/accounts"
MANIFEST_STATUSES = ("loaded", "duplicate", "superseded", "rejected")


def dataset_asset_key(dataset_id: str) -> AssetKey:
    return AssetKey(["raw", *dataset_id.split("/")])


ACCOUNTS_KEY = dataset_asset_key(ACCOUNTS_DATASET)


def result_metadata(dataset_id: str, raw_tables: Iterable[str], res: DatasetResult | None) -> dict:
    """Asset metadata for one dataset's part of an ingest run (zeros when it had no files)."""
    by_status = dict(res.by_status) if res is not None else {}
    meta: dict = {
        "dataset": dataset_id,
        "files_seen": res.files_seen if res is not None else 0,
        "files_new": res.files_new if res is not None else 0,
    }
    for status in MANIFEST_STATUSES:
        meta[f"files_{status}"] = int(by_status.get(status, 0))
    for status, count in by_status.items():  # statuses the engine adds later still show
        meta.setdefault(f"files_{status}", int(count))
    for name in ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped"):
        meta[name] = int(getattr(res, name, 0) or 0) if res is not None else 0
    meta["raw_tables"] = MetadataValue.json(list(raw_tables))
    return meta


_SCAN: tuple[str, Path, LandingScan] | None = None


def landing_scan(run_id: str, landing: Path) -> LandingScan:
    """One walk of the landing tree per run, shared by the run's dataset assets (each would otherwise walk
    and classify every file of the tree: seconds per asset on a large tree). A new run walks it again."""
    global _SCAN
    root = landing.resolve()
    if _SCAN is None or _SCAN[0] != run_id or _SCAN[1] != root:
        _SCAN = None  # the previous run's scan is not kept alive while the new one is built
        _SCAN = (run_id, root, scan_landing(root))
    return _SCAN[2]


def _build_asset(decl) -> AssetsDefinition:
    dataset_id: str = decl.id
    raw_tables = list(decl.raw_tables)
    deps = [] if dataset_id == ACCOUNTS_DATASET else [ACCOUNTS_KEY]

    @asset(
        key=dataset_asset_key(dataset_id),
        group_name=decl.group,
        deps=deps,
        description=f"{decl.title} — landing dataset `{dataset_id}` loaded into {', '.join(raw_tables)}.",
        kinds={"python", "duckdb"},
        metadata={"dataset": dataset_id, "raw_tables": MetadataValue.json(raw_tables)},
    )
    def _ingest_dataset(context, fanops: FanopsSettings, duckdb: DuckDBResource) -> MaterializeResult:
        key, key_version = fanops.pii_key()
        opts = IngestOptions(
            landing=fanops.landing_path,
            warehouse=fanops.warehouse_path,
            pii_key=key,
            key_version=key_version,
            is_sample=fanops.is_sample,
            datasets={dataset_id},
            scan=landing_scan(context.run.run_id, fanops.landing_path),
        )
        # writes go through the shared DuckDB resource: the same FANOPS_WAREHOUSE file dbt will use
        try:
            with duckdb.get_connection() as con:
                result = ingest_with(con, opts)
        except Exception as exc:  # a locked warehouse or a busy landing file: retried (orchestration.retry)
            retry_transient(context, exc, fanops.fanops_config().retries)
            raise
        meta = result_metadata(dataset_id, raw_tables, result.datasets.get(dataset_id))
        log = context.log.info if meta["files_seen"] else context.log.debug
        log(
            f"{dataset_id}: files seen {meta['files_seen']} (new {meta['files_new']}), rows read "
            f"{meta['rows_read']}, loaded {meta['rows_loaded']}, quarantined {meta['rows_quarantined']}"
        )
        return MaterializeResult(metadata=meta)

    return _ingest_dataset


INGESTION_ASSETS: list[AssetsDefinition] = [_build_asset(d) for d in all_datasets()]
INGESTION_ASSET_KEYS: list[AssetKey] = [dataset_asset_key(d.id) for d in all_datasets()]
