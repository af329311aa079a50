"""The crisis sensor: a crisis run when comment, message or mention files land, or when another run loaded
some that no crisis evaluation has seen (crisis.runs), and not twice for the same files."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from dagster import DagsterInstance, SensorResult, SkipReason, build_sensor_context

from ingestion.engine import IngestOptions, ingest
from orchestration.crisis.jobs import (
    build_crisis_job,
    build_crisis_sensor,
    pending_text_files,
    text_manifest_mark,
)
from orchestration.crisis.notify_run import RUNS_TABLE, ensure_runs_table
from orchestration.resources import FanopsSettings
from tests.conftest import TEST_PII_KEY, write_tiny_landing

MANIFEST = {"nodes": {}}  # no dbt models: the sensor does not depend on the dbt graph


def _mentions(landing: Path, name: str) -> Path:
    path = landing / "listening" / "mentions" / "2026-11" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    rec = {
        "platform": "weibo",
        "mention_id": name,
        "author_id": "5523187046",
        "text": "青禾的桂花乌龙喝出异物",
        "created_at": "2026-11-14T20:12:44+08:00",
        "url": f"https://m.weibo.cn/status/{name}",
        "is_repost": False,
    }
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _tick(landing: Path, warehouse: Path, cursor: str | None) -> SensorResult | SkipReason:
    sensor = build_crisis_sensor(build_crisis_job(MANIFEST))
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(
            instance=instance,
            cursor=cursor,
            resources={"fanops": FanopsSettings(landing=str(landing), warehouse=str(warehouse))},
        )
        return sensor(context)


def _ingest(landing: Path, warehouse: Path) -> None:
    ingest(IngestOptions(landing=landing, warehouse=warehouse, pii_key=TEST_PII_KEY.encode(), key_version="t"))


def test_only_text_datasets_count() -> None:
    assert pending_text_files(
        ["listening/mentions/2026-11/a.jsonl", "ops/messages/2026-11/m.jsonl", "weibo/qinghe_wb/comments/c.json",
         "ops/accounts/accounts.csv", "wechat/qinghe_wx/user_growth/g.csv"]
    ) == ["listening/mentions/2026-11/a.jsonl", "ops/messages/2026-11/m.jsonl", "weibo/qinghe_wb/comments/c.json"]


def test_new_text_files_request_one_run_and_loaded_ones_another(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_tiny_landing(landing)
    warehouse = tmp_path / "wh.duckdb"
    _ingest(landing, warehouse)  # accounts and non-text files: nothing for the crisis job
    assert isinstance(_tick(landing, warehouse, None), SensorResult)
    first = _tick(landing, warehouse, None)
    assert isinstance(first, SensorResult) and not first.run_requests  # nothing pending, nothing loaded

    _mentions(landing, "m1.jsonl")
    pending = _tick(landing, warehouse, None)
    assert isinstance(pending, SensorResult) and len(pending.run_requests) == 1
    assert pending.run_requests[0].tags["fanops/pending_text_files"] == "1"
    again = _tick(landing, warehouse, pending.cursor)
    assert isinstance(again, SkipReason)  # the same files are not requested twice

    _ingest(landing, warehouse)  # another run (the ingest job) loads them: not evaluated yet
    loaded = _tick(landing, warehouse, pending.cursor)
    assert isinstance(loaded, SensorResult) and len(loaded.run_requests) == 1
    assert loaded.run_requests[0].run_key != pending.run_requests[0].run_key

    with duckdb.connect(str(warehouse)) as con:  # a crisis evaluation records what it has seen
        ensure_runs_table(con)
        con.execute(
            f"insert into {RUNS_TABLE} values ('r1', now(), ?, 0, 0, 0, 0)", [text_manifest_mark(con)]
        )
    quiet = _tick(landing, warehouse, loaded.cursor)
    assert isinstance(quiet, SensorResult) and not quiet.run_requests
