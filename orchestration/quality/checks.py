"""The data-quality suites (`expectations/`) as Dagster asset checks.

Each suite is one asset check on the asset it guards (a landing dataset's raw asset, `ops/file_manifest`, a
mart), named `gx_<suite>` (`gx_raw__douyin_videos`). A stage validates its suites in one step (one warehouse
connection):

- `dq_accounts` after `raw/ops/accounts` (every other ingestion asset depends on it);
- `dq_raw` after the other ingestion assets: the raw suites generated from the contract, volume, freshness;
- `dq_ops` after `ops/file_manifest`: the reconciliation of files and rows;
- `dq_marts` after the dbt build: the business expectations on the marts.

A suite fails with ERROR severity when one of its `error` expectations fails (WARN when only `warn` ones do).
Blocking: a stage's step FAILS when any of its suites fails with ERROR, and every asset that waits for the
step does not run. Assets wait for a step through Dagster's blocking checks, which are declared `blocking`
where that does not cut an op in two: a check on an asset that has downstream assets inside its own op (a
mart another mart reads, inside the one dbt build) is declared non-blocking, or Dagster would split the dbt
build into several invocations; the step's failure still stops everything downstream of the stage's other
(blocking) checks, i.e. all Python assets after the marts (tests/orchestration/test_definitions.py keeps every
non-dbt asset downstream of a mart behind a blocking check). The raw stage blocks the dbt build as a whole.

Every result is written to `dq.validation_results` (history) and the Data Docs site is rebuilt under
`<warehouse folder>/dq/data_docs/` after each stage, linked from every check's metadata.
"""

import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetsDefinition,
    Failure,
    MetadataValue,
    multi_asset_check,
)
from dagster_duckdb import DuckDBResource

from expectations.model import Suite
from ingestion.config import FanopsConfig
from orchestration.dbt.state import nothing_new_line
from orchestration.resources import FanopsSettings

STAGES = ("dq_accounts", "dq_raw", "dq_ops", "dq_marts")
# stages before dbt that a run skips when their data is unchanged since the last complete build (dq_marts is
# skipped by Dagster when the dbt build yields nothing)
SKIPPABLE_STAGES = ("dq_accounts", "dq_raw", "dq_ops")
ACCOUNTS_DATASET = "ops/accounts"
ACCOUNTS_ASSET = ("raw", "ops", "accounts")
DOCS_DIR = Path("dq") / "data_docs"
SAMPLE_ROWS_SHOWN = 3

# Validations of the current run by stage, so the Data Docs built after the marts stage also show the raw
# stage's suites (all stages of a run execute in this process: the in-process executor).
_RUN_VALIDATIONS: dict[str, dict[str, Any]] = {}
_RUN_LOCK = threading.Lock()


def check_name(suite_name: str) -> str:
    """The Dagster check name of a suite: `raw.douyin_videos` -> `gx_raw__douyin_videos`."""
    return "gx_" + re.sub(r"[^A-Za-z0-9_]", "__", suite_name)


def docs_dir(warehouse: str | Path) -> Path:
    return Path(warehouse).resolve().parent / DOCS_DIR


def _suites(config: FanopsConfig) -> list[Suite]:
    from expectations.suites import all_suites

    return list(all_suites(config))


def stage_of(suite: Suite) -> str:
    if suite.kind == "mart":
        return "dq_marts"
    if suite.kind == "ops":
        return "dq_ops"
    return "dq_accounts" if tuple(suite.asset_key) == ACCOUNTS_ASSET else "dq_raw"


def stage_suites(
    config: FanopsConfig, stage: str, asset_keys: Iterable[AssetKey] | None = None
) -> list[Suite]:
    """The suites of a stage whose guarded asset is in the graph (all when `asset_keys` is None)."""
    keys = None if asset_keys is None else set(asset_keys)
    return [
        s
        for s in _suites(config)
        if stage_of(s) == stage and (keys is None or AssetKey(list(s.asset_key)) in keys)
    ]


def _spec(suite: Suite, blocking: bool) -> AssetCheckSpec:
    errors = sum(1 for c in suite.checks if c.severity == "error")
    return AssetCheckSpec(
        check_name(suite.name),
        asset=AssetKey(list(suite.asset_key)),
        blocking=blocking,
        description=(
            f"Great Expectations suite `{suite.name}` on {suite.table}: {len(suite.checks)} expectations "
            f"({errors} blocking). {suite.description}".strip()
        ),
        metadata={"suite": suite.name, "table": suite.table, "kind": suite.kind},
    )


def _fmt_row(row: Any) -> str:
    if isinstance(row, dict):
        return ", ".join(f"{k}={v}" for k, v in row.items())
    return str(row)


def check_result(validation: Any, page: Path | None) -> AssetCheckResult:
    """One suite validation as a Dagster check result: fails with ERROR when an error check failed, WARN when
    only warn checks did."""
    suite: Suite = validation.suite
    failed = [r for r in validation.results if not r.success]
    blocking = [r for r in failed if r.severity == "error"]
    lines = []
    for r in sorted(failed, key=lambda r: (r.severity != "error", r.check)):
        sample = "; ".join(_fmt_row(x) for x in list(r.sample)[:SAMPLE_ROWS_SHOWN])
        what = r.exception or f"{r.failing_count} failing of {r.element_count}"
        lines.append(f"| {r.severity} | `{r.check}` | {r.label_zh} | {what} | {sample} |")
    table = (
        "| severity | check | 检查项 | result | failing rows (sample) |\n|---|---|---|---|---|\n"
        + "\n".join(lines)
        if lines
        else "all expectations met"
    )
    metadata: dict[str, Any] = {
        "table": suite.table,
        "expectations": len(validation.results),
        "failed_error": len(blocking),
        "failed_warn": len(failed) - len(blocking),
        "batch_rows": int(validation.batch_rows or 0),
        "engine": str(validation.engine),
        "duration_s": round(float(validation.duration_s), 3),
        "failures": MetadataValue.md(table),
    }
    if page is not None:
        metadata["data_docs"] = MetadataValue.path(str(page))
    return AssetCheckResult(
        asset_key=AssetKey(list(suite.asset_key)),
        check_name=check_name(suite.name),
        passed=not failed,
        severity=AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN,
        metadata=metadata,
        description=(
            f"{len(blocking)} blocking and {len(failed) - len(blocking)} warning expectation(s) failed"
            if failed
            else f"all {len(validation.results)} expectations met"
        ),
    )


def run_stage(
    context: AssetCheckExecutionContext,
    stage: str,
    suites: Sequence[Suite],
    fanops: FanopsSettings,
    duckdb: DuckDBResource,
) -> Iterator[AssetCheckResult]:
    config = fanops.fanops_config()
    if stage in SKIPPABLE_STAGES:
        since = _unchanged_since(context, stage, fanops)
        if since is not None:  # no result: the checks are not evaluated in this run, nothing downstream waits
            context.log.info(f"{stage}: {nothing_new_line(since)} (its data unchanged; not validated again)")
            return

    from expectations import docs, store
    from expectations.engine import validate_suites

    # the run's own config decides thresholds; the definitions' suites decide which checks exist
    current = {s.name: s for s in stage_suites(config, stage)}
    selected_names = {k.name for k in context.selected_asset_check_keys}
    chosen = [current.get(s.name, s) for s in suites if check_name(s.name) in selected_names]
    run_id = context.op_execution_context.run_id
    started = time.monotonic()
    with duckdb.get_connection() as con:
        store.ensure_schema(con)
        validations = validate_suites(con, chosen, run_id=run_id, quality=config.quality)
        store.write_results(con, [r for v in validations for r in v.results])
    with _RUN_LOCK:
        for key in [k for k in _RUN_VALIDATIONS if k != run_id]:
            del _RUN_VALIDATIONS[key]  # keep the current run only
        run = _RUN_VALIDATIONS.setdefault(run_id, {})
        run.update({v.suite.name: v for v in validations})
        all_validations = list(run.values())
    site = docs_dir(fanops.warehouse)
    try:
        docs.build_data_docs(all_validations, site, run_id=run_id)
        pages: dict[str, Path | None] = {
            v.suite.name: docs.suite_page(site, v.suite.name) for v in validations
        }
    except Exception as exc:  # Data Docs are a view of the results; never lose the results over them
        context.log.warning(f"Data Docs not built: {exc}")
        pages = {}
    failed = sum(1 for v in validations for r in v.results if not r.success)
    context.log.info(
        f"{stage}: {len(validations)} suite(s), {sum(len(v.results) for v in validations)} expectation(s), "
        f"{failed} failed, in {time.monotonic() - started:.1f} s; Data Docs: {site / 'index.html'}"
    )
    for v in validations:
        yield check_result(v, pages.get(v.suite.name))
    blocking = [r for v in validations for r in v.results if r.severity == "error" and not r.success]
    if blocking:
        names = ", ".join(f"{r.check} ({r.table_name}, {r.failing_count} rows)" for r in blocking[:5])
        raise Failure(
            description=(
                f"{len(blocking)} blocking data-quality expectation(s) failed: {names}"
                + (f" and {len(blocking) - 5} more" if len(blocking) > 5 else "")
            ),
            metadata={"failing_checks": MetadataValue.json([r.check for r in blocking])},
        )


def _unchanged_since(context: AssetCheckExecutionContext, stage: str, fanops: FanopsSettings) -> str | None:
    """The run since which a stage's data is unchanged (orchestration.dbt.state), else None."""
    from orchestration.dbt.state import SENTIMENT_KEY, unchanged_since

    run = context.op_execution_context.run
    # dq_accounts reads the account registry; dq_raw and dq_ops every landing dataset (after all ingestion)
    datasets = [ACCOUNTS_DATASET] if stage == "dq_accounts" else None
    since, why = unchanged_since(
        context.instance, run.tags, run.run_id, fanops.warehouse, fanops.fanops_config(), fanops.as_of,
        datasets, ignore=(SENTIMENT_KEY,),
    )
    if since is None:
        context.log.debug(f"{stage}: validating ({why})")
    return since


def _stage_check(stage: str, suites: Sequence[Suite], non_blocking: set[AssetKey]) -> AssetChecksDefinition:
    @multi_asset_check(
        specs=[_spec(s, AssetKey(list(s.asset_key)) not in non_blocking) for s in suites],
        can_subset=True,
        name=stage,
        description=f"Great Expectations suites of stage {stage} (expectations/), results in dq.validation_results",
    )
    def _check(
        context: AssetCheckExecutionContext, fanops: FanopsSettings, duckdb: DuckDBResource
    ) -> Iterator[AssetCheckResult]:
        yield from run_stage(context, stage, suites, fanops, duckdb)

    return _check


def inner_upstream_keys(assets: Iterable[AssetsDefinition]) -> set[AssetKey]:
    """Keys that another asset of the SAME op depends on (a mart another mart reads in the one dbt build): a
    blocking check on them would split the op into several steps."""
    out: set[AssetKey] = set()
    for a in assets:
        own = set(a.keys)
        for key in own:
            out |= {d for d in a.asset_deps.get(key, set()) if d in own and d != key}
    return out


def build_quality_checks(
    config: FanopsConfig, assets: Iterable[AssetsDefinition]
) -> list[AssetChecksDefinition]:
    """One multi-asset check per stage over the suites whose assets are in the graph."""
    assets = list(assets)
    keys = {k for a in assets for k in a.keys}
    non_blocking = inner_upstream_keys(assets)
    out = []
    for stage in STAGES:
        suites = stage_suites(config, stage, keys)
        if suites:
            out.append(_stage_check(stage, suites, non_blocking))
    return out


def check_keys(checks: Iterable[AssetChecksDefinition]) -> list[AssetCheckKey]:
    return [key for c in checks for key in c.check_keys]
