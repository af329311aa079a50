"""`dq/validation_results`: the data-quality history table as an asset.

The rows are written by the data-quality asset checks (orchestration.quality.checks); this asset creates the
table when missing (so the dbt source of `marts.dq_daily` always binds) and reports its size and the Data Docs
site, so the lineage dq.validation_results -> staging -> marts.dq_daily is whole in the UI.
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from orchestration.quality.checks import docs_dir
from orchestration.resources import FanopsSettings

VALIDATION_RESULTS_KEY = AssetKey(["dq", "validation_results"])


@asset(
    key=VALIDATION_RESULTS_KEY,
    group_name="quality",
    kinds={"duckdb"},
    description=(
        "dq.validation_results — one row per expectation per run, written by the data-quality asset checks "
        "(dq_accounts, dq_raw, dq_ops, dq_marts); history for trends and marts.dq_daily."
    ),
)
def validation_results(
    context: AssetExecutionContext, fanops: FanopsSettings, duckdb: DuckDBResource
) -> MaterializeResult:
    from expectations.store import ensure_schema

    with duckdb.get_connection() as con:
        ensure_schema(con)
        rows, runs, last = con.execute(
            "select count(*), count(distinct run_id), max(validated_at) from dq.validation_results"
        ).fetchall()[0]
    context.log.debug(f"dq.validation_results: {rows} rows from {runs} runs")
    return MaterializeResult(
        metadata={
            "dagster/row_count": int(rows),
            "runs": int(runs),
            "last_validated_at": str(last or "-"),
            # rebuilt by every check stage of a run (GX Data Docs, Chinese; offline)
            "data_docs": MetadataValue.path(str(docs_dir(fanops.warehouse) / "index.html")),
        }
    )
