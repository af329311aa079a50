"""The crisis path end to end on the bundled sample: its negative burst (2026-09-16 from 20:00, Weibo ->
Xiaohongshu -> Douyin, 1.52 M- and 120 M-follower authors) opens exactly one incident at level 1; its
messages land once on a real HTTP receiver on 127.0.0.1 (webhook and WeCom robot shapes, masked text only);
the crisis job picks up a new mentions file alone and notifies only the new alert."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from dagster import DagsterInstance

from ingestion.config import SAMPLE_CONFIG, SAMPLE_LANDING, Settings, resolve_settings
from orchestration.crisis.assets import NOTIFICATIONS_KEY
from orchestration.crisis.jobs import pending_text_files, unevaluated_mark
from orchestration.pipeline import pipeline_assets, run_pipeline
from tests.expectations.dqlib import copy_warehouse, sample_warehouse
from tests.notify.receiver import Receiver

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
BURST_DAY = "2026-09-16"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_warehouse(tmp_path_factory)


@pytest.fixture
def receiver():
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


def _rows(warehouse: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _settings(
    tmp_path: Path, warehouse: Path, receiver: Receiver, landing: Path = SAMPLE_LANDING, wecom: bool = True
) -> Settings:
    """The sample's fanops.yaml with notification channels pointed at the local receiver."""
    channels = [{"name": "local-webhook", "type": "webhook", "url": f"{receiver.base}/webhook"}]
    if wecom:
        channels.append(
            {"name": "duty-wecom", "type": "wecom", "url": f"{receiver.base}/wecom", "token_env": "T_WECOM"}
        )
    raw = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    raw.update({"notifications": channels, "landing": str(landing)})
    config = tmp_path / "fanops.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    settings = resolve_settings(config, None, str(warehouse), env={}, export_env=False)
    assert [c.name for c in settings.config.notifications] == [c["name"] for c in channels]
    return settings


def test_sample_burst_opens_exactly_one_level_1_incident(sample: Path) -> None:
    alerts = _rows(sample, "select * from marts.fct_crisis_alerts")
    assert len(alerts) == 1, alerts
    (alert,) = alerts
    assert alert["level"] == 1 and alert["level_name"] == "特别严重"
    assert str(alert["opened_date"]) == BURST_DAY
    assert set(alert["platforms"].split(",")) >= {"weibo", "xiaohongshu", "douyin"}
    assert alert["status"] == "closed"  # the data run on for weeks after it: the cool-down ended
    assert alert["calendar_action"] == "pause"
    assert "过敏" in alert["top_terms"] or "假货" in alert["top_terms"]
    assert alert["playbook"] and alert["playbook_codes"].split("|")[0] == "emergency_plan"
    events = _rows(sample, "select * from marts.fct_crisis_alert_events order by event_seq")
    assert [e["event_seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["event"] == "opened" and events[-1]["event"] == "closed"
    assert min(e["level"] for e in events) == 1
    # no alert anywhere else: quiet weeks, promotions and weekly cycles stay silent
    hours = _rows(
        sample,
        "select min(hour_at) as first_hour, max(hour_at) as last_hour from intermediate.int_crisis_hourly "
        "where level is not null",
    )[0]
    assert str(hours["first_hour"])[:10] == BURST_DAY


def test_sample_texts_all_scored(sample: Path) -> None:
    (row,) = _rows(
        sample,
        "select count(*) as n, count(sentiment_label) as labelled from marts.fct_interactions "
        "where text_masked is not null and text_masked <> ''",
    )
    assert row["n"] > 0 and row["labelled"] == row["n"]


def test_sample_alert_messages_land_once_with_masked_text(
    sample: Path, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_WECOM", "wecom-test-key")
    warehouse = copy_warehouse(sample, tmp_path / "wh")
    settings = _settings(tmp_path, warehouse, receiver)
    graph = pipeline_assets(settings.config)
    events = _rows(warehouse, "select alert_id, event_seq, event, level from marts.fct_crisis_alert_events")
    with DagsterInstance.ephemeral() as instance:
        result = run_pipeline(settings, "run", instance=instance, assets=graph, selection=[NOTIFICATIONS_KEY])
        assert result.success
        hooks = [r for r in receiver.requests if r.route == "webhook"]
        wecom = [r for r in receiver.requests if r.route == "wecom"]
        assert len(hooks) == len(events) and len(wecom) == len(events)
        first = hooks[0].json
        assert first["source"] == "fanops" and first["kind"] == "crisis_alert"
        assert first["event"]["event"] == "opened" and first["alert"]["alert_id"] == events[0]["alert_id"]
        assert wecom[0].query["key"] == ["wecom-test-key"]
        assert wecom[0].json["msgtype"] == "markdown" and "舆情预警" in wecom[0].json["markdown"]["content"]
        for r in receiver.requests:
            assert not PHONE.search(r.body.decode("utf-8")), "an unmasked phone number reached a message"
        # a second evaluation sends nothing: one message per alert event and channel
        again = run_pipeline(settings, "run", instance=instance, assets=graph, selection=[NOTIFICATIONS_KEY])
        assert again.success
        assert len(receiver.requests) == 2 * len(events)
    sent = _rows(warehouse, "select status, count(*) as n from crisis.notifications group by status")
    assert sent == [{"status": "sent", "n": 2 * len(events)}]


def _burst_file(landing: Path, day: str, n: int) -> Path:
    """A new listening delivery: n negative mentions of the own brand from 20:00 on three platforms, one
    by a 2-million-follower author."""
    out = landing / "listening" / "mentions" / day[:7] / f"mentions_{day.replace('-', '')}_late.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    platforms = ["weibo", "xiaohongshu", "douyin"]
    for i in range(n):
        minute = 5 + (i * 37) % 55
        rec = {
            "platform": platforms[i % 3],
            "mention_id": f"late{i:05d}",
            "author_id": f"u{i:06d}",
            "author_followers": 2_000_000 if i == 0 else 300 + i,
            "text": "青禾的桂花乌龙喝出异物，过敏了，买到假货要求退货，已投诉到12315",
            "created_at": f"{day}T20:{minute:02d}:00+08:00",
            "fetched_at": f"{day}T23:30:00+08:00",
            "url": f"https://example.com/p/late{i:05d}",
            "is_repost": False,
        }
        lines.append(json.dumps(rec, ensure_ascii=False))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def test_crisis_job_loads_only_new_texts_and_notifies_the_new_alert(
    sample: Path, tmp_path: Path, receiver: Receiver
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_LANDING, landing)  # copy2 keeps the mtimes the manifest knows
    warehouse = copy_warehouse(sample, tmp_path / "wh")
    settings = _settings(tmp_path, warehouse, receiver, landing=landing, wecom=False)
    graph = pipeline_assets(settings.config)
    with DagsterInstance.ephemeral() as instance:
        # the sample's own alert is delivered first
        assert run_pipeline(settings, "run", instance=instance, assets=graph, selection=[NOTIFICATIONS_KEY]).success
        delivered = len(receiver.requests)
        assert unevaluated_mark(str(warehouse)) is None
        new = _burst_file(landing, "2026-11-14", 90)
        assert pending_text_files([new.relative_to(landing).as_posix(), "ops/accounts/accounts.csv"]) == [
            new.relative_to(landing).as_posix()
        ]
        result = run_pipeline(settings, "crisis", instance=instance, assets=graph)
        assert result.success
        done = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "raw/listening/mentions" in done and "marts/fct_crisis_alerts" in done
    assert not any(k.startswith("marts/kpi") or k == "marts/fct_content" for k in done)
    manifest = _rows(warehouse, f"select status from ops.file_manifest where path like '%{new.name}'")
    assert manifest == [{"status": "loaded"}]
    alerts = _rows(warehouse, "select * from marts.fct_crisis_alerts order by opened_at")
    assert len(alerts) == 2
    late = alerts[-1]
    assert str(late["opened_date"]) == "2026-11-14" and late["status"] == "open" and late["level"] <= 2
    new_messages = [r.json for r in receiver.requests[delivered:]]
    assert new_messages and {m["alert"]["alert_id"] for m in new_messages} == {late["alert_id"]}
    assert unevaluated_mark(str(warehouse)) is None  # this evaluation is recorded: the sensor stays quiet
