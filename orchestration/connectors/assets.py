"""One Dagster asset per enabled pull connector: key `pull/<platform>/<account>/<dataset>`, group
`connectors`, the same daily partitions as the dbt facts (single-run backfills).

What a run requests (ingestion.connectors.plan_window):
- a run over the latest partitions (`fanops run`, the nightly and pull schedules: tag fanops/all_partitions)
  continues from the asset's own state, the `pulled_through` date in its latest materialization (the Dagster
  instance), so only new windows are requested;
- a run of chosen partitions (a backfill in the UI) requests exactly those days;
- run config `start`/`end` (YYYY-MM-DD; `fanops pull --from/--to`) requests that range.
Metadata holds the window, the landed file (landing-relative), call and retry counts: never a credential.
"""

import datetime as dt

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    Config,
    DailyPartitionsDefinition,
    DefaultScheduleStatus,
    Failure,
    MaterializeResult,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    asset,
    define_asset_job,
    in_process_executor,
    schedule,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from ingestion.config import FanopsConfig, SchedulesConfig
from ingestion.connectors import ConnectorError, plan_window, pull
from ingestion.connectors.base import local_today
from orchestration.dbt.assets import ALL_PARTITIONS_TAG
from orchestration.resources import FanopsSettings

PULL_GROUP = "connectors"
PULL_JOB = "pull_job"
PULL_SCHEDULE = "pull_daily"
STATE_KEY = "pulled_through"


def pull_asset_key(platform: str, account: str, dataset: str) -> AssetKey:
    return AssetKey(["pull", platform, account, dataset])


class PullConfig(Config):
    start: str | None = None  # YYYY-MM-DD: request this range instead of the new windows
    end: str | None = None


def _pulled_through(context: AssetExecutionContext, key: AssetKey) -> dt.date | None:
    event = context.instance.get_latest_materialization_event(key)
    mat = event.asset_materialization if event is not None else None
    value = mat.metadata.get(STATE_KEY) if mat is not None else None
    text = getattr(value, "value", None)
    return dt.date.fromisoformat(text) if isinstance(text, str) and text else None


def _date(text: str | None, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Failure(description=f"{what} {text!r} is not a date (YYYY-MM-DD)") from None


def _build(platform: str, account: str, dataset: str, partitions: DailyPartitionsDefinition) -> AssetsDefinition:
    key = pull_asset_key(platform, account, dataset)

    @asset(
        key=key,
        group_name=PULL_GROUP,
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        kinds={"python"},
        description=(
            f"Pull `{platform}/{dataset}` of account `{account}` from the platform API and land it as a "
            f"§2.14 dump under `{platform}/{account}/{dataset}/pull/` (only new windows; credentials from the "
            "environment or FANOPS_CONNECTOR_SECRETS)."
        ),
        metadata={"platform": platform, "account": account, "dataset": dataset},
    )
    def _pull(context: AssetExecutionContext, config: PullConfig, fanops: FanopsSettings) -> MaterializeResult:
        cfg = fanops.fanops_config().connectors
        now = dt.datetime.now(dt.UTC)
        today = local_today(now)
        previous = _pulled_through(context, key)
        start, end = _date(config.start, "start"), _date(config.end, "end")
        explicit = start is not None or end is not None
        if not explicit and context.run.tags.get(ALL_PARTITIONS_TAG) != "true" and context.has_partition_key_range:
            rng = context.partition_key_range  # chosen partitions (a backfill): exactly those days
            start, end = dt.date.fromisoformat(rng.start), dt.date.fromisoformat(rng.end)
        window = plan_window(cfg, platform, dataset, today=today, pulled_through=previous, start=start, end=end)
        state = {STATE_KEY: previous.isoformat() if previous else ""}
        if window is None:
            context.log.info(f"{platform}/{account}/{dataset}: nothing new (pulled through {previous})")
            return MaterializeResult(metadata={"status": "up to date", **state})
        try:
            result = pull(cfg, fanops.landing_path, platform, account, dataset, window, now=now)
        except ConnectorError as exc:  # texts are redacted by the client: no credential in them
            raise Failure(
                description=f"{exc} (window {window}; nothing was landed, the next run requests it again)",
                metadata={"window_start": window.start.isoformat(), "window_end": window.end.isoformat()},
            ) from None
        through = max(previous or window.end, window.end)
        rel = result.path.relative_to(fanops.landing_path).as_posix() if result.path is not None else ""
        context.log.info(f"{platform}/{account}/{dataset}: {window}: {result.calls} call(s) -> {rel or 'no file'}")
        return MaterializeResult(
            metadata={
                "status": "pulled",
                "window_start": window.start.isoformat(),
                "window_end": window.end.isoformat(),
                "file": rel,
                "calls": result.calls,
                **{k: int(v) for k, v in result.stats.items()},
                STATE_KEY: through.isoformat(),
            }
        )

    return _pull


def build_pull_assets(config: FanopsConfig, partitions: DailyPartitionsDefinition) -> list[AssetsDefinition]:
    """The pull assets of the enabled connectors (none when `connectors:` enables nothing)."""
    return [_build(p, a, ds, partitions) for p, a, ds in config.connectors.pulls()]


def build_pull_job(assets: list[AssetsDefinition]) -> UnresolvedAssetJobDefinition:
    return define_asset_job(
        PULL_JOB,
        selection=[k for a in assets for k in a.keys],
        description="Pull the enabled API connectors into the landing tree (only new windows).",
        executor_def=in_process_executor,
    )


def pull_schedule(
    job: UnresolvedAssetJobDefinition,
    partitions: DailyPartitionsDefinition,
    timezone: str,
    cron: str = SchedulesConfig.pull,
) -> ScheduleDefinition:
    from orchestration.pipeline import run_tags

    @schedule(
        name=PULL_SCHEDULE,
        job=job,
        cron_schedule=cron,
        execution_timezone=timezone,
        default_status=DefaultScheduleStatus.STOPPED,
        description=(
            f"Pull the enabled API connectors (new windows only) at `{cron}` ({timezone}; schedules.pull in "
            "fanops.yaml), before the nightly run loads them."
        ),
    )
    def _pull_daily(context: ScheduleEvaluationContext) -> RunRequest:
        return RunRequest(tags=run_tags("run", partitions, now=context.scheduled_execution_time))

    return _pull_daily
