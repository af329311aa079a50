"""`publish/bi_snapshot`: the marts published for BI after a run whose blocking checks passed.

The asset depends on every mart of both dbt ops, so in a run it executes after the dbt build (whose failing
error-severity tests fail the dbt step) and after the `dq_marts` stage (whose blocking failures fail that step):
either failure skips it and the previous publication stays as it was. As a second guard it refuses when the
run's own data-quality results hold a blocking failure. It is part of `fanops run` / `fanops build` and the
`all_assets` job (the nightly schedule), not of crisis runs.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.resources import FanopsSettings

PUBLISH_KEY = AssetKey(["publish", "bi_snapshot"])


class PublishConfig(Config):
    """Run config of the publish asset (launchpad: ops.publish__bi_snapshot.config)."""

    # also write published/parquet/<mart>.parquet; None = fanops.yaml `publish.parquet` (default false)
    parquet: bool | None = None


def mart_keys(assets: Iterable[AssetsDefinition]) -> list[AssetKey]:
    """Every `marts/*` key of the given (dbt) assets."""
    keys = {k for a in assets for k in a.keys if k.path[0] == "marts"}
    return sorted(keys, key=lambda k: k.to_user_string())


def build_publish_asset(marts: Iterable[AssetKey]) -> AssetsDefinition:
    upstream = sorted(set(marts), key=lambda k: k.to_user_string())

    @asset(
        key=PUBLISH_KEY,
        deps=upstream,
        group_name="publish",
        kinds={"duckdb"},
        description=(
            "BI 发布 — the marts copied to <warehouse folder>/published/fanops.duckdb (read-only, swapped in "
            "atomically; marts.publish_info names the run and the data freshness, marts.column_docs the "
            "columns), optionally Parquet per mart. BI tools open only this file. Runs after the marts' "
            "blocking checks; a run whose blocking checks fail leaves the previous publication untouched."
        ),
    )
    def bi_snapshot(
        context: AssetExecutionContext, config: PublishConfig, fanops: FanopsSettings
    ) -> MaterializeResult:
        from orchestration.publish.publish import blocking_dq_failures, publish

        warehouse = Path(fanops.warehouse)
        run_id = context.run_id
        blocked = blocking_dq_failures(warehouse, run_id=run_id)
        if blocked:  # Dagster skips this asset then; this guards a hand-made selection too
            raise Failure(
                description=f"not published: {len(blocked)} blocking data-quality check(s) failed in this run: "
                + ", ".join(blocked[:5])
            )
        cfg = fanops.fanops_config()
        section = getattr(cfg, "publish", None)
        parquet = config.parquet if config.parquet is not None else bool(getattr(section, "parquet", False))
        result = publish(warehouse, run_id=run_id, parquet=parquet, config=cfg)
        context.log.info(
            f"published {len(result.rows)} marts ({sum(result.rows.values())} rows) to {result.target} "
            f"in {result.seconds:.2f} s"
        )
        metadata: dict[str, Any] = {
            "path": MetadataValue.path(str(result.target)),
            "run_id": result.run_id,
            "published_at_utc": result.published_at.isoformat(),
            "dagster/row_count": sum(result.rows.values()),
            "rows_per_mart": MetadataValue.json(dict(sorted(result.rows.items()))),
            "seconds": result.seconds,
            "bytes": result.bytes,
            "as_of_date": str(result.info.get("as_of_date") or "-"),
        }
        if result.parquet_dir is not None:
            metadata["parquet"] = MetadataValue.path(str(result.parquet_dir))
        return MaterializeResult(metadata=metadata)

    return bi_snapshot
