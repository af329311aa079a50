"""The dbt project as Dagster assets: ONE `@dbt_assets` op runs ONE `dbt build` per run.

Models tagged `daily` (the incremental daily facts) carry a `DailyPartitionsDefinition` (Asia/Shanghai days)
through the translator, every other model is unpartitioned; both live in the same multi-asset (Dagster allows
different partitions definitions per spec when the multi-asset can subset), so a run that builds everything
is still one dbt invocation and there is no op-level cycle (staging -> daily fact -> mart). See
docs/decisions/orchestration.md.

Partition semantics:
- an explicit partition run (one day, or a backfill range with the single-run policy) passes the vars
  `window_start`/`window_end` = that range: the daily models recompute exactly those dates;
- a full run (`fanops run`, the daily schedule) targets every partition and carries the tag
  `fanops/all_partitions=true`: no window vars, the daily models stay incremental by load (they recompute
  the dates touched by files loaded since their last build);
- run config `full_refresh: true` adds `--full-refresh`.

Nothing new: a plain `fanops run` / nightly run whose data, config and code are unchanged since the last complete
build yields nothing from `dbt_models` (no dbt invocation), so Dagster skips everything after the marts; every
other build records what it reads in `ops.pipeline_state` first (orchestration.dbt.state).
"""

import datetime as dt
import json
import signal
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Config,
    DailyPartitionsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    Output,
    multi_asset,
)
from dagster_dbt import DbtProject, dbt_assets
from dagster_duckdb import DuckDBResource

from ingestion.config import FanopsConfig
from ingestion.lake import LakeExport, export_lake, source_tables
from orchestration.dbt.project import (
    DBT_PROJECT_DIR,
    dbt_environment,
    dbt_vars,
    project_hash,
    run_target_dir,
)
from orchestration.dbt.resource import FanopsDbtCliResource
from orchestration.dbt.state import COMMAND_TAG, fingerprint, nothing_new_line, record_build, unchanged_since
from orchestration.dbt.translator import FanopsDbtTranslator, ops_table_key
from orchestration.ingestion.assets import INGESTION_ASSET_KEYS
from orchestration.resources import FanopsSettings
from orchestration.retry import LOCK_TEXT, DbtLockConflict, dbt_lock_conflict, log_mark, retry_transient

DBT_OP_NAME = "dbt_models"
KPI_OP_NAME = "dbt_kpi"
KPI_TAG = "kpi"  # models built by the second dbt op, after the marts' data-quality checks
ALL_PARTITIONS_TAG = "fanops/all_partitions"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
ROW_COUNT_MATERIALIZATIONS = ("table", "incremental")
FULL_RUN_PARTITIONS = 2
PARTITION_HISTORY_DAYS = 365


# ------------------------------------------------------------------------------------------------ partitions


def daily_partitions(config: FanopsConfig) -> DailyPartitionsDefinition:
    """Local (Asia/Shanghai) days from a year before the plan start (history exports, the baseline) to today.

    The start only bounds what can be backfilled by partition: full runs mark the last days only, so an early
    start costs nothing per run, and a plan that starts months from now still has partitions today."""
    start = config.plan.start_date - dt.timedelta(days=max(PARTITION_HISTORY_DAYS, config.plan.baseline_days))
    return DailyPartitionsDefinition(
        start_date=start.isoformat(),
        timezone=config.timezone,
        end_offset=1,  # today's (partial) day is a partition too: exports arrive during the day
    )


def full_run_tags(partitions: DailyPartitionsDefinition, now: dt.datetime | None = None) -> dict[str, str]:
    """Tags of a run that builds everything (`fanops run`, the schedule).

    It targets the last FULL_RUN_PARTITIONS days (yesterday and today, Asia/Shanghai), marked so the daily
    models run incrementally by load (recomputing whichever dates the new files touch) instead of
    recomputing that range. Not the whole range: Dagster writes two events per partition and asset (~0.1 s
    each on this machine's disk), so marking every day would make each run slower as history grows.
    """
    keys = partitions.get_partition_keys(current_time=now)[-FULL_RUN_PARTITIONS:]
    if not keys:
        raise Failure(
            description=(
                f"no daily partitions yet: they start on {partitions.start.date()} (a year before "
                "plan.start_date), which is in the future"
            )
        )
    return {RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1], ALL_PARTITIONS_TAG: "true"}


# ---------------------------------------------------------------------------------------------- ops tables

OPS_TABLE_SPECS = [
    AssetSpec(
        ops_table_key("file_manifest"),
        deps=INGESTION_ASSET_KEYS,
        group_name="ops",
        kinds={"duckdb"},
        description="ops.file_manifest — one row per delivered file, written by every ingestion asset.",
    ),
    AssetSpec(
        ops_table_key("quarantine"),
        deps=INGESTION_ASSET_KEYS,
        group_name="ops",
        kinds={"duckdb"},
        description="ops.quarantine — one row per rejected row, written by every ingestion asset.",
    ),
]


@multi_asset(specs=OPS_TABLE_SPECS, can_subset=True, name="ops_tables")
def ops_tables(context: AssetExecutionContext, duckdb: DuckDBResource) -> Iterator[MaterializeResult]:
    """The bookkeeping tables every ingestion asset writes; dbt sources `ops.*` read them. Materialised after
    all ingestion assets, with their current counts as metadata."""
    with duckdb.get_connection() as con:
        by_status = dict(con.execute("select status, count(*) from ops.file_manifest group by 1").fetchall())
        by_reason = dict(con.execute("select reason, count(*) from ops.quarantine group by 1").fetchall())
    selected = context.selected_asset_keys
    if ops_table_key("file_manifest") in selected:
        yield MaterializeResult(
            asset_key=ops_table_key("file_manifest"),
            metadata={
                "dagster/row_count": sum(by_status.values()),
                **{f"files_{status}": int(n) for status, n in sorted(by_status.items())},
            },
        )
    if ops_table_key("quarantine") in selected:
        yield MaterializeResult(
            asset_key=ops_table_key("quarantine"),
            metadata={
                "dagster/row_count": sum(by_reason.values()),
                "by_reason": MetadataValue.json({str(k): int(v) for k, v in sorted(by_reason.items())}),
            },
        )


# ----------------------------------------------------------------------------------------------- dbt build


class DbtBuildConfig(Config):
    """Run config of the dbt op (launchpad: ops.dbt_models.config)."""

    full_refresh: bool = False  # rebuild incremental models from scratch (`dbt build --full-refresh`)
    as_of: str | None = None  # YYYY-MM-DD; overrides the fanops resource's as_of; None = int_as_of decides
    # dbt unit tests are for development and CI (dbt's advice); those of incremental models need the
    # model's table to exist already, so they cannot run in the first build of a fresh warehouse.
    unit_tests: bool = False


def partition_window(context: AssetExecutionContext) -> tuple[str, str] | None:
    """The inclusive date window of an explicit partition run, None for unpartitioned and full runs."""
    if context.run.tags.get(ALL_PARTITIONS_TAG) == "true":
        return None
    if not context.has_partition_key_range:
        return None
    keys = context.partition_key_range
    return keys.start, keys.end


def build_args(
    config: FanopsConfig,
    as_of: str | None,
    window: tuple[str, str] | None,
    full_refresh: bool = False,
    unit_tests: bool = False,
    lake_root: str | None = None,
) -> list[str]:
    """`lake_root`: the published lake, passed to dbt only with `lake.dbt_reads_lake`."""
    reads_lake = lake_root if config.lake.dbt_reads_lake else None
    values = dbt_vars(config, as_of=as_of, window=window, lake_root=reads_lake)
    args = ["build", "--vars", json.dumps(values, sort_keys=True)]
    if full_refresh:
        args.append("--full-refresh")
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    return args


def table_relations(manifest: Mapping[str, Any], translator: FanopsDbtTranslator) -> dict[AssetKey, str]:
    """Asset key -> `schema.table` of every model materialised as a table (row counts after the build)."""
    out: dict[AssetKey, str] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        if (node.get("config") or {}).get("materialized") in ROW_COUNT_MATERIALIZATIONS:
            out[translator.get_asset_key(node)] = f'"{node["schema"]}"."{node["alias"] or node["name"]}"'
    return out


def row_counts(warehouse: str, relations: Mapping[AssetKey, str]) -> dict[AssetKey, int]:
    """count(*) of each built table, read after dbt has exited (DuckDB: one process holds the file)."""
    import duckdb

    if not relations:
        return {}
    counts: dict[AssetKey, int] = {}
    con = duckdb.connect(warehouse, read_only=True)
    try:
        for key, relation in relations.items():
            try:
                row = con.execute(f"select count(*) from {relation}").fetchone()
            except duckdb.Error:
                continue
            if row is not None:
                counts[key] = int(row[0])
    finally:
        con.close()
    return counts


def failure_lines(run_results: Mapping[str, Any]) -> list[str]:
    lines = []
    for result in run_results.get("results", []):
        if result.get("status") in ("error", "fail"):
            message = " ".join(str(result.get("message") or "").split())[:300]
            lines.append(f"{result['unique_id']}: {result['status']}: {message}")
    return lines


def has_kpi_models(manifest: Mapping[str, Any]) -> bool:
    return any(
        n.get("resource_type") == "model" and KPI_TAG in (n.get("tags") or [])
        for n in manifest.get("nodes", {}).values()
    )


def build_dbt_assets(
    manifest: Mapping[str, Any],
    partitions: DailyPartitionsDefinition,
    project_dir: Path = DBT_PROJECT_DIR,
    project_digest: str | None = None,
    *,
    name: str = DBT_OP_NAME,
    select: str = "fqn:*",
    exclude: str | None = None,
    metadata_hooks: Mapping[AssetKey, Any] | None = None,
):
    """A dbt multi-asset (one `dbt build` per run) for a parsed manifest and the daily partitions of the
    resolved config: `dbt_models` (everything but the KPI models) and `dbt_kpi` (tag `kpi`), which runs after
    the marts' data-quality checks so a failing blocking check stops the KPIs.

    `project_digest` (orchestration.dbt.project.project_hash when the manifest was made): a run refuses to
    start when the project has changed since, with a clear message instead of dagster-dbt failing on a
    model or test the loaded manifest does not know. `metadata_hooks`: asset key -> function(warehouse) ->
    extra metadata for that asset after the build (the scorecard table of kpi_scorecard).
    """
    translator = FanopsDbtTranslator(daily_partitions=partitions)
    relations = table_relations(manifest, translator)
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    hooks = dict(metadata_hooks or {})

    @dbt_assets(
        manifest=manifest,
        project=project,
        name=name,
        select=select,
        exclude=exclude,
        dagster_dbt_translator=translator,
        backfill_policy=BackfillPolicy.single_run(),
    )
    def dbt_models(
        context: AssetExecutionContext,
        config: DbtBuildConfig,
        dbt: FanopsDbtCliResource,
        fanops: FanopsSettings,
    ) -> Iterator[Any]:
        if project_digest is not None and project_hash(project_dir) != project_digest:
            raise Failure(
                description=(
                    f"the dbt project in {project_dir} changed since these definitions were loaded: reload "
                    "the definitions (Dagster UI: Reload) or rerun the fanops command"
                )
            )
        window = partition_window(context)
        as_of = config.as_of or fanops.as_of
        cfg = fanops.fanops_config()
        tags = context.run.tags
        crisis_run = tags.get(COMMAND_TAG) == "crisis"
        if name == DBT_OP_NAME and not (config.full_refresh or config.unit_tests or crisis_run):
            since, why = unchanged_since(
                context.instance, tags, context.run.run_id, fanops.warehouse, cfg, as_of,
                project_digest=project_digest,
            )
            if since is not None:  # yield nothing: Dagster skips every step after the marts
                context.log.info(nothing_new_line(since) + " (dbt build, quality of the marts, KPI, report "
                                 "and publication skipped; --force rebuilds)")
                return
            context.log.info(f"dbt build needed: {why}")
        lake = fanops.lake_root()
        args = build_args(cfg, as_of, window, config.full_refresh, config.unit_tests, lake_root=lake)
        context.log.info(
            f"dbt {' '.join(args[:1] + args[3:])}; as_of={as_of or 'int_as_of'}; "
            f"window={f'{window[0]}..{window[1]}' if window else 'none (incremental by load)'}"
        )
        target = run_target_dir(target_name(context.run.run_id, name), project_dir)
        try:
            ensure_dq_schema(fanops.warehouse)  # the dq source of marts.dq_daily must exist before dbt binds it
            # lake.enabled: publish the sources to Parquet before anything reads them (not again for the KPI
            # op of the same run: the KPI models read marts only, tests/orchestration/test_lake_config.py)
            if lake is not None and name != KPI_OP_NAME:
                context.log.info(publish_lake(fanops.warehouse, lake, manifest).line())
            if not crisis_run:  # what this build reads (orchestration.dbt.state); a crisis run adds no state
                whole = window is None and set(context.selected_asset_keys) == set(context.assets_def.keys)
                record_state(fanops.warehouse, context.run.run_id, whole, fingerprint(cfg, as_of, project_digest))
        except Exception as exc:  # a locked warehouse: retried (orchestration.retry)
            retry_transient(context, exc, fanops.fanops_config().retries)
            raise
        mark = log_mark(target)
        with dbt_environment(fanops.warehouse):
            invocation = dbt.cli(args, context=context, target_path=target, raise_on_error=False)
            try:
                # Buffered: row counts can only be read once dbt has released the DuckDB file.
                events = list(invocation.stream())
            except BaseException:
                stop_process(invocation.process)  # never leave a dbt process holding the warehouse
                raise
            returncode = invocation.process.wait()
        if returncode != 0 and dbt_lock_conflict(target, mark):  # another process held the warehouse
            conflict = DbtLockConflict(f"dbt build: {LOCK_TEXT} {fanops.warehouse}")
            retry_transient(context, conflict, fanops.fanops_config().retries)
        built = {_output_key(context, e) for e in events}
        counts = row_counts(fanops.warehouse, {k: v for k, v in relations.items() if k in built})
        for event in events:
            key = _output_key(context, event)
            if key is not None and key in counts:
                extra: dict[str, Any] = {"dagster/row_count": counts[key]}
                if key in hooks:
                    try:
                        extra.update(hooks[key](fanops.warehouse))
                    except Exception as exc:  # metadata must never fail a build
                        context.log.warning(f"metadata of {key.to_user_string()}: {exc}")
                event = event.with_metadata({**event.metadata, **extra})
            yield event
        if returncode != 0:
            results_path = target / "run_results.json"
            lines = failure_lines(json.loads(results_path.read_text())) if results_path.exists() else []
            raise Failure(
                description=f"dbt build failed (exit {returncode}); {len(lines)} failing node(s)",
                metadata={"failures": MetadataValue.md("\n".join(f"- {ln}" for ln in lines) or "-")},
            )

    return dbt_models


def publish_lake(warehouse: str, root: str, manifest: Mapping[str, Any]) -> LakeExport:
    """Export every dbt source table of the warehouse to the Parquet lake (ingestion/lake.py)."""
    import duckdb

    con = duckdb.connect(warehouse)
    try:
        return export_lake(con, root, source_tables(manifest))
    finally:
        con.close()


def record_state(warehouse: str, run_id: str, full: bool, fp: str) -> None:
    import duckdb

    con = duckdb.connect(warehouse)
    try:
        record_build(con, run_id, full, fp)
    finally:
        con.close()


def ensure_dq_schema(warehouse: str) -> None:
    """Create the non-dbt tables the dbt sources read when missing (a warehouse whose checks or scorer have
    not run yet): dq.validation_results and sentiment.text_scores."""
    import duckdb

    from expectations.store import ensure_schema
    from ingestion.sentiment.store import ensure_schema as ensure_sentiment_schema

    con = duckdb.connect(warehouse)
    try:
        ensure_schema(con)
        ensure_sentiment_schema(con)
    finally:
        con.close()


def stop_process(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """Terminate a dbt process that is still running (interrupt first, then kill)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue


def _output_key(context: AssetExecutionContext, event: Any) -> AssetKey | None:
    if isinstance(event, Output):
        return context.asset_key_for_output(event.output_name)
    return None


def target_name(run_id: str, op_name: str = DBT_OP_NAME) -> str:
    """The target folder of one dbt op in one run (runs/<run_id>, runs/<run_id>-dbt_kpi)."""
    return run_id if op_name == DBT_OP_NAME else f"{run_id}-{op_name}"


def run_results_path(run_id: str, project_dir: Path = DBT_PROJECT_DIR, op_name: str = DBT_OP_NAME) -> Path:
    from orchestration.dbt.project import RUNS_DIR, target_dir

    return target_dir(project_dir) / RUNS_DIR / target_name(run_id, op_name) / "run_results.json"


def run_results_paths(run_id: str, project_dir: Path = DBT_PROJECT_DIR) -> list[Path]:
    """run_results.json of every dbt op that ran in a run."""
    paths = [run_results_path(run_id, project_dir, op) for op in (DBT_OP_NAME, KPI_OP_NAME)]
    return [p for p in paths if p.exists()]
