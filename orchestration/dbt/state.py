"""What the marts were last built from, so a run with nothing new can skip the downstream steps.

The dbt op of every run that builds the marts (not crisis runs) writes ONE row to `ops.pipeline_state` when it
starts its `dbt build`: the run id, whether it builds the whole project (no asset subset, no partition window),
the **fingerprint** of everything but the data that decides the marts (the resolved fanops.yaml, the as-of
date asked for, the dbt project hash, the code of the Python steps) and the **data state**: per landing dataset
a digest of its `ops.file_manifest` rows (path, sha256, status: a new, re-delivered, superseded or deleted file
changes it) and one of `sentiment.text_scores`.

A later run is "nothing new" for a step when (`unchanged_since`):

- it is a plain `fanops run` / nightly run (tag `fanops/command=run`, every partition, not forced: `--force`,
  `--full-refresh` and `--unit-tests` set the tag `fanops/force`);
- the row's run is the last run that started a dbt build of this warehouse (any later one overwrote the row),
  it built the whole project, and the Dagster instance records it as SUCCESS (so its quality stages, KPI
  build, report and publication all succeeded); the published file is that run's publication;
- the fingerprint is the same and the data state of the step's datasets is the same.

Then the data-quality stages before dbt and the dbt op yield nothing (the checks are not evaluated, no asset
is materialised) and Dagster skips every step downstream of the marts: dq_marts, the KPI build, the report,
the publication and crisis notifications. Anything uncertain (no row, an unknown run, a row of a killed or
failed run, a subset build) means "rebuild".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion.config import REPO_ROOT, FanopsConfig

STATE_TABLE = "ops.pipeline_state"
FORCE_TAG = "fanops/force"
COMMAND_TAG = "fanops/command"  # = orchestration.pipeline.COMMAND_TAG
ALL_PARTITIONS_TAG = "fanops/all_partitions"  # = orchestration.dbt.assets.ALL_PARTITIONS_TAG
SENTIMENT_KEY = "sentiment/text_scores"
# the Python code of the steps after ingestion (the dbt project is hashed apart; raw data is not re-read)
CODE_DIRS = (
    "expectations",
    "orchestration/dbt",
    "orchestration/quality",
    "orchestration/kpi",
    "orchestration/reports",
    "orchestration/publish",
)
_CODE_HASH: str | None = None


@dataclass(frozen=True)
class BuildState:
    run_id: str
    full: bool
    fingerprint: str
    data: dict[str, str]
    started_at: dt.datetime | None = None


# ------------------------------------------------------------------------------------------------ inputs


def code_hash() -> str:
    """sha256 over the Python sources of the steps after ingestion (quality suites, KPI, report, publication)."""
    global _CODE_HASH
    if _CODE_HASH is None:
        h = hashlib.sha256()
        for name in CODE_DIRS:
            for path in sorted((REPO_ROOT / name).rglob("*.py")):
                h.update(path.relative_to(REPO_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
        _CODE_HASH = h.hexdigest()
    return _CODE_HASH


def fingerprint(config: FanopsConfig, as_of: str | None, project_digest: str | None = None) -> str:
    """Everything but the data that decides the marts, the checks, the report and the publication."""
    from orchestration.dbt.project import DBT_PROJECT_DIR, project_hash

    parts = {
        "config": repr(config),
        "as_of": as_of,
        "dbt": project_digest or project_hash(DBT_PROJECT_DIR),
        "code": code_hash(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _has_table(con: Any, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def data_state(con: Any) -> dict[str, str]:
    """{dataset: digest of its manifest rows} plus the digest of sentiment.text_scores (a few ms at L)."""
    out: dict[str, str] = {}
    if _has_table(con, "ops", "file_manifest"):
        rows = con.execute(
            "select dataset, count(*), coalesce(bit_xor(hash(path, sha256, status)), 0) "
            "from ops.file_manifest group by 1 order by 1"
        ).fetchall()
        out.update({str(d): f"{n}:{x}" for d, n, x in rows})
    if _has_table(con, "sentiment", "text_scores"):
        n, x = con.execute("select count(*), coalesce(bit_xor(hash(t)), 0) from sentiment.text_scores t").fetchone()
        out[SENTIMENT_KEY] = f"{n}:{x}"
    return out


# ----------------------------------------------------------------------------------------------- the row


def ensure_table(con: Any) -> None:
    con.execute("create schema if not exists ops")
    con.execute(
        f"create table if not exists {STATE_TABLE} (run_id varchar not null, started_at timestamp, "
        "full_build boolean, fingerprint varchar, data_state varchar)"
    )


def read_state(con: Any) -> BuildState | None:
    if not _has_table(con, "ops", "pipeline_state"):
        return None
    row = con.execute(
        f"select run_id, full_build, fingerprint, data_state, started_at from {STATE_TABLE} "
        "order by started_at desc limit 1"
    ).fetchone()
    if row is None:
        return None
    return BuildState(str(row[0]), bool(row[1]), str(row[2]), json.loads(row[3] or "{}"), row[4])


def record_build(con: Any, run_id: str, full: bool, fp: str) -> BuildState:
    """The row a dbt build writes when it starts (replacing the previous one)."""
    state = BuildState(run_id, full, fp, data_state(con), dt.datetime.now(dt.UTC).replace(tzinfo=None))
    ensure_table(con)
    con.execute("begin transaction")
    con.execute(f"delete from {STATE_TABLE}")
    con.execute(
        f"insert into {STATE_TABLE} values (?, ?, ?, ?, ?)",
        [state.run_id, state.started_at, state.full, state.fingerprint, json.dumps(state.data, sort_keys=True)],
    )
    con.execute("commit")
    return state


# ------------------------------------------------------------------------------------------------ decision


def run_may_skip(tags: Mapping[str, str]) -> bool:
    """Only a plain `fanops run` / nightly run over every partition skips; --force/--full-refresh never."""
    return (
        tags.get(COMMAND_TAG) == "run"
        and tags.get(ALL_PARTITIONS_TAG) == "true"
        and tags.get(FORCE_TAG) != "true"
    )


def _published_run(warehouse: Path) -> str | None:
    from orchestration.publish.publish import default_target, read_publish_info

    try:
        info = read_publish_info(default_target(warehouse))
    except Exception:
        return None
    return str(info["run_id"]) if info else None


def unchanged_since(
    instance: Any,
    tags: Mapping[str, str],
    run_id: str,
    warehouse: str | Path,
    config: FanopsConfig,
    as_of: str | None,
    datasets: Iterable[str] | None = None,
    project_digest: str | None = None,
    ignore: Iterable[str] = (),
) -> tuple[str | None, str]:
    """(the run id the step's inputs are unchanged since, why) or (None, why not). `datasets`: the data-state
    keys the step reads (None: all, sentiment included, but those in `ignore`)."""
    import duckdb

    if not run_may_skip(tags):
        return None, "not a plain run (forced, a backfill, a build or a crisis run)"
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            state = read_state(con)
            current = data_state(con) if state is not None else {}
    except duckdb.Error as exc:
        return None, f"state not readable: {exc}"
    if state is None:
        return None, "no earlier build recorded"
    if state.run_id == run_id:
        return None, "this run built the marts"
    if not state.full:
        return None, f"the last build (run {state.run_id}) was a partial one"
    if state.fingerprint != fingerprint(config, as_of, project_digest):
        return None, "the configuration, the as-of date, the dbt project or the code changed"
    keys = (set(state.data) | set(current) if datasets is None else set(datasets)) - set(ignore)
    changed = sorted(k for k in keys if state.data.get(k) != current.get(k))
    if changed:
        return None, f"new data in {', '.join(changed[:5])}" + (" ..." if len(changed) > 5 else "")
    from dagster import DagsterRunStatus

    record = instance.get_run_by_id(state.run_id) if instance is not None else None
    if record is None or record.status != DagsterRunStatus.SUCCESS:
        return None, f"the last build (run {state.run_id}) did not complete"
    if _published_run(Path(warehouse)) != state.run_id:
        return None, "the publication is not that run's"
    return state.run_id, "unchanged"


def nothing_new_line(run_id: str) -> str:
    return f"nothing new since run {run_id}: marts unchanged"
