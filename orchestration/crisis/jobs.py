"""The crisis job: new comments, messages and mentions -> sentiment -> hourly series -> alerts -> notifications,
hourly and on new text files, so an alert does not wait for the nightly run.

It selects only what the alerts need: the ingestion assets of the text datasets (plus the account and brand
registries they depend on; each loads only files the manifest does not hold yet), `sentiment/text_scores`
(scores only texts not scored yet), the dbt models of the crisis area with the upstream tables on the text
path (read as last built beyond that: marts such as the content calendar are refreshed by the nightly run),
and `crisis/notifications` (one message per alert event and channel, never twice).
"""

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    in_process_executor,
    sensor,
)

from ingestion.landing import classify
from ingestion.sentiment.store import text_dataset_ids
from orchestration.crisis.assets import NOTIFICATIONS_KEY, TEXT_SCORES_KEY
from orchestration.dbt.translator import FanopsDbtTranslator, is_daily, model_layer_and_area
from orchestration.ingestion.assets import ACCOUNTS_DATASET, dataset_asset_key
from orchestration.ingestion.sensors import active_run_skip
from orchestration.resources import FanopsSettings

CRISIS_JOB_NAME = "crisis_job"
CRISIS_AREA = "crisis"
CRISIS_CRON = "5 * * * *"  # hourly, five minutes past the hour (schedules.crisis in fanops.yaml)
REGISTRY_DATASETS = (ACCOUNTS_DATASET, "ops/competitor_brands")  # accounts and brand keywords


def crisis_dbt_keys(manifest: Mapping[str, Any]) -> list[AssetKey]:
    """The dbt models a crisis run builds: every model of the crisis area, and upstream of them the models
    on the text path, not descending into marts of other areas (read as last built) nor into the daily
    incremental facts (rebuilt by the nightly run)."""
    nodes = {uid: n for uid, n in manifest.get("nodes", {}).items() if n.get("resource_type") == "model"}
    translator = FanopsDbtTranslator()

    def area(node: Mapping[str, Any]) -> tuple[str, str | None]:
        return model_layer_and_area(node)

    start = [uid for uid, n in nodes.items() if area(n)[1] == CRISIS_AREA]
    seen: set[str] = set()
    stack = list(start)
    while stack:
        uid = stack.pop()
        if uid in seen:
            continue
        seen.add(uid)
        for dep in (nodes[uid].get("depends_on") or {}).get("nodes", []):
            node = nodes.get(dep)
            if node is None or dep in seen:
                continue
            layer, node_area = area(node)
            if layer == "marts" and node_area != CRISIS_AREA:
                continue
            if is_daily(node) or (node.get("config") or {}).get("materialized") == "incremental":
                continue
            stack.append(dep)
    return sorted((translator.get_asset_key(nodes[uid]) for uid in seen), key=lambda k: k.to_user_string())


def crisis_selection(manifest: Mapping[str, Any]) -> AssetSelection:
    datasets = [*REGISTRY_DATASETS, *text_dataset_ids()]
    keys = [dataset_asset_key(d) for d in datasets]
    return AssetSelection.assets(*keys, TEXT_SCORES_KEY, *crisis_dbt_keys(manifest), NOTIFICATIONS_KEY)


def build_crisis_job(manifest: Mapping[str, Any]):
    return define_asset_job(
        CRISIS_JOB_NAME,
        selection=crisis_selection(manifest),
        description=(
            "舆情预警 — ingest new comments/messages/mentions, score their sentiment, rebuild the hourly sentiment "
            "series and the crisis alerts, and notify the configured channels (hourly and on new text files)."
        ),
        executor_def=in_process_executor,
        tags={"fanops/command": "crisis"},
    )


def crisis_schedule(job, timezone: str, cron: str = CRISIS_CRON) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="crisis_hourly",
        job=job,
        cron_schedule=cron,
        execution_timezone=timezone,
        default_status=DefaultScheduleStatus.STOPPED,
        description=(
            f"The crisis job at `{cron}` ({timezone}; schedules.crisis in fanops.yaml): alerts from the texts "
            "that arrived since the last run."
        ),
    )


def _text_folder_datasets() -> set[str]:
    return set(text_dataset_ids())


def pending_text_files(pending: Iterable[str]) -> list[str]:
    """The pending landing paths that belong to a text dataset (comments, messages, mentions)."""
    wanted = _text_folder_datasets()
    out = []
    for rel in pending:
        info = classify(rel)
        if info.dataset is not None and info.dataset.id in wanted:
            out.append(rel)
    return sorted(out)


def text_manifest_mark(con) -> str:
    """A fingerprint of the text files the manifest holds (count and newest load time)."""
    ids = sorted(_text_folder_datasets())
    placeholders = ", ".join("?" for _ in ids)
    row = con.execute(
        f"select count(*), max(loaded_at) from ops.file_manifest where dataset in ({placeholders})", ids
    ).fetchone()
    return f"{row[0]}@{row[1]}" if row else "0@None"


def unevaluated_mark(warehouse: str) -> str | None:
    """The manifest mark of the text files when some were loaded (by any run) after the last crisis
    evaluation (`crisis.runs.manifest_mark`, written by `crisis/notifications`), else None."""
    import duckdb

    try:
        con = duckdb.connect(warehouse, read_only=True)
    except duckdb.Error:
        return None
    try:
        mark = text_manifest_mark(con)
        try:
            row = con.execute("select manifest_mark from crisis.runs order by evaluated_at desc limit 1").fetchone()
        except duckdb.Error:
            row = None
    except duckdb.Error:
        return None
    finally:
        con.close()
    return mark if mark != "0@None" and (row is None or row[0] != mark) else None


def build_crisis_sensor(job):
    @sensor(
        name="crisis_sensor",
        job=job,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.STOPPED,
        description=(
            "Requests a crisis run when new comment, message or mention files land (or were loaded by another "
            "run) since the last request."
        ),
    )
    def _crisis_sensor(context: SensorEvaluationContext, fanops: FanopsSettings) -> SensorResult | SkipReason:
        from ingestion.engine import pending_files

        busy = active_run_skip(context)
        if busy is not None:
            return busy
        try:
            pending = pending_text_files(pending_files(fanops.landing_path, fanops.warehouse_path))
        except Exception as exc:
            return SkipReason(f"could not list pending files: {exc}")
        digest = hashlib.sha256("\n".join(pending).encode()).hexdigest()
        if not pending:
            mark = unevaluated_mark(fanops.warehouse)
            if mark is None:
                return SensorResult(skip_reason=SkipReason("no new text files"), cursor="")
            # loaded by another run (the ingest job) and not evaluated yet
            digest = "loaded-" + hashlib.sha256(mark.encode()).hexdigest()
        if digest == context.cursor:
            return SkipReason("these text files were already requested")
        return SensorResult(
            run_requests=[
                RunRequest(
                    run_key=f"crisis-{digest[:23]}",
                    tags={"fanops/trigger": "crisis_sensor", "fanops/pending_text_files": str(len(pending))},
                )
            ],
            cursor=digest,
        )

    return _crisis_sensor
