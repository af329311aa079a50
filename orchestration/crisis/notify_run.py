"""One crisis evaluation's notifications: the alert events of the crisis marts -> `AlertEvent`s (level names
and playbook steps in both languages from ingestion.config.CRISIS_LEVELS / PLAYBOOK_STEPS, masked sample
texts, calendar items) -> orchestration.notify.deliver_pending (one message per event and channel, failed
ones retried by the next call) -> a row in `crisis.runs` (the crisis sensor's watermark)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingestion.config import CRISIS_LEVELS, PLAYBOOK_STEPS, FanopsConfig
from orchestration.notify import AlertEvent, deliver_pending

RUNS_TABLE = "crisis.runs"
EVENTS_SQL = """
select
    e.alert_id, e.event_seq, e.event, e.event_at, e.level, e.previous_level, e.negative, e.mentions,
    e.anomaly_score, e.share_jump, e.platforms as affected_platforms, e.severe_texts, e.reach, e.velocity,
    e.trigger, a.brand_id, a.opened_at, a.platforms, a.top_terms, a.sample_interaction_keys,
    a.calendar_plan_ids, a.status
from marts.fct_crisis_alert_events as e
inner join marts.fct_crisis_alerts as a on a.alert_id = e.alert_id
order by e.event_at, e.alert_id, e.event_seq
"""


@dataclass(frozen=True)
class NotifySummary:
    open_alerts: int = 0
    events: int = 0
    channels: list[str] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    already_sent: int = 0
    describe: str = ""


def ensure_runs_table(con: Any) -> None:
    con.execute("create schema if not exists crisis")
    con.execute(
        f"""create table if not exists {RUNS_TABLE} (
            run_id varchar, evaluated_at timestamp, manifest_mark varchar, open_alerts integer,
            events integer, sent integer, failed integer)"""
    )


def _rows(con: Any, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _split(value: Any) -> list[str]:
    return [p.strip() for p in str(value).split(",") if p.strip()] if value else []


def _level_labels(level: int) -> tuple[dict[str, str], dict[str, list[str]]]:
    spec = CRISIS_LEVELS[level]
    name = {"zh": spec.name_zh, "en": spec.name_en}
    steps = {
        "zh": [PLAYBOOK_STEPS[c][0] for c in spec.playbook],
        "en": [PLAYBOOK_STEPS[c][1] for c in spec.playbook],
    }
    return name, steps


def _samples(con: Any, keys: list[str], brand_id: str) -> list[str]:
    """The masked texts of an alert's sample keys, in the alert's order."""
    if not keys:
        return []
    marks = ", ".join("?" for _ in keys)
    found = {
        r["text_key"]: r["text_masked"]
        for r in _rows(
            con,
            f"select text_key, any_value(text_masked) as text_masked from intermediate.int_sentiment_texts "
            f"where brand_id = ? and text_key in ({marks}) group by text_key",
            [brand_id, *keys],
        )
    }
    return [str(found[k]) for k in keys if found.get(k)]


def _calendar_items(con: Any, plan_ids: list[str]) -> list[str]:
    if not plan_ids:
        return []
    marks = ", ".join("?" for _ in plan_ids)
    rows = _rows(
        con,
        f"select plan_id, planned_date, platform, account, content_type from marts.fct_content_calendar "
        f"where plan_id in ({marks}) order by planned_date, plan_id",
        plan_ids,
    )
    return [
        f"{r['planned_date']} {r['platform']}/{r['account']} {r['plan_id']} ({r['content_type'] or '-'})"
        for r in rows
    ]


def _brand_names(con: Any) -> dict[str, str]:
    return {
        str(r["brand_id"]): str(r["brand"])
        for r in _rows(con, "select distinct brand_id, brand from marts.fct_sentiment_hourly where is_own_brand")
    }


def latest_report_url(warehouse: str | Path) -> str | None:
    """file:// link of the newest HTML report under <warehouse folder>/reports, if any."""
    from orchestration.reports.assets import reports_dir

    folder = reports_dir(warehouse)
    reports = sorted(folder.glob("*.html"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    return reports[-1].resolve().as_uri() if reports else None


def alert_events(con: Any, report_url: str | None = None) -> list[AlertEvent]:
    """Every event of every alert, oldest first (the notifier skips pairs already sent)."""
    rows = _rows(con, EVENTS_SQL)
    brands = _brand_names(con) if rows else {}
    samples: dict[str, list[str]] = {}
    calendars: dict[str, list[str]] = {}
    out = []
    for r in rows:
        alert_id = str(r["alert_id"])
        if alert_id not in samples:
            samples[alert_id] = _samples(con, _split(r["sample_interaction_keys"]), str(r["brand_id"]))
            calendars[alert_id] = _calendar_items(con, _split(r["calendar_plan_ids"]))
        level = int(r["level"])
        name, steps = _level_labels(level)
        action = "pause" if level == 1 else "review" if level in (2, 3) else None
        out.append(
            AlertEvent(
                alert_id=alert_id,
                event_seq=int(r["event_seq"]),
                event=str(r["event"]),
                level=level,
                level_name=name,
                previous_level=None if r["previous_level"] is None else int(r["previous_level"]),
                brand=brands.get(str(r["brand_id"]), str(r["brand_id"])),
                platforms=tuple(_split(r["platforms"])),
                opened_at=r["opened_at"],
                event_at=r["event_at"],
                figures={
                    k: r[k]
                    for k in ("negative", "mentions", "anomaly_score", "severe_texts", "reach", "velocity")
                    if r.get(k) is not None
                },
                trigger=str(r["trigger"] or ""),
                top_terms=str(r["top_terms"] or ""),
                samples=tuple(samples[alert_id]),
                playbook=steps,
                calendar_action=action if calendars[alert_id] else None,
                calendar_items=tuple(calendars[alert_id]) if action else (),
                status=str(r["status"]),
                report_url=report_url,
            )
        )
    return out


def notify_alerts(
    con: Any,
    config: FanopsConfig,
    *,
    run_id: str,
    warehouse: str | Path | None = None,
    log: Any = None,
    env: Mapping[str, str] | None = None,
    sleep: Any = None,
) -> NotifySummary:
    """Deliver the pending alert events to the configured channels and record this evaluation."""
    from orchestration.crisis.jobs import text_manifest_mark

    ensure_runs_table(con)
    report_url = latest_report_url(warehouse) if warehouse is not None else None
    events = alert_events(con, report_url=report_url)
    open_alerts = con.execute("select count(*) from marts.fct_crisis_alerts where status = 'open'").fetchone()[0]
    channels = [c for c in config.notifications if c.enabled]
    kwargs: dict[str, Any] = {"env": env}
    if sleep is not None:
        kwargs["sleep"] = sleep
    summary = deliver_pending(con, channels, events, **kwargs)
    if log is not None:
        log.info(f"crisis alerts: {len(events)} event(s), {open_alerts} open; notifications: {summary.describe()}")
    con.execute(
        f"insert into {RUNS_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            text_manifest_mark(con),
            int(open_alerts),
            len(events),
            summary.sent,
            summary.failed,
        ],
    )
    return NotifySummary(
        open_alerts=int(open_alerts),
        events=len(events),
        channels=[c.name for c in channels],
        sent=summary.sent,
        failed=summary.failed,
        already_sent=summary.already_sent,
        describe=summary.describe(),
    )
