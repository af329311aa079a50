"""The run-failure sensor (orchestration/alerts.py) on a real failed in-process run: one notice per configured
channel, delivered over HTTP to a real receiver on 127.0.0.1, naming the job, run, failed step, first error
line and the UI link; nothing is sent (a skip) without channels.

No `from __future__ import annotations`: Dagster reads the context annotation of the assets defined here."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from dagster import (
    AssetExecutionContext,
    DagsterInstance,
    SkipReason,
    asset,
    build_run_status_sensor_context,
    materialize,
)

from orchestration.alerts import SENSOR_NAME, run_failure_notice
from orchestration.resources import FanopsSettings
from tests.notify.notify_testlib import ENV, SECRET_VALUES, channel_dicts
from tests.notify.receiver import Receiver

UI_URL = "http://127.0.0.1:3999"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


@asset
def upstream_ok() -> int:
    return 1


@asset
def broken_export(context: AssetExecutionContext, upstream_ok: int) -> int:
    raise ValueError(f"landing export truncated after row {upstream_ok + 41}\nsecond line not sent")


def failure_context(instance: DagsterInstance, config_path: Path | None):
    result = materialize([upstream_ok, broken_export], instance=instance, raise_on_error=False)
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    assert run is not None
    fanops = FanopsSettings(
        landing="/nonexistent",
        warehouse="/nonexistent/wh.duckdb",
        config_path=str(config_path) if config_path else None,
    )
    context = build_run_status_sensor_context(
        sensor_name=SENSOR_NAME,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=run,
        resources={"fanops": fanops},
    ).for_run_failure()
    return context, run


def test_a_failed_run_is_notified_on_every_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FANOPS_UI_URL", UI_URL + "/")
    channels = channel_dicts(receiver.base)
    channels[3]["language"] = "en"  # the webhook reads English
    config = tmp_path / "fanops.yaml"
    config.write_text(yaml.safe_dump({"notifications": channels}, allow_unicode=True), encoding="utf-8")

    with DagsterInstance.ephemeral() as instance:
        context, run = failure_context(instance, config)
        assert run_failure_notice(context) is None

    assert sorted(r.route for r in receiver.requests) == ["dingtalk", "feishu", "webhook", "wecom"]
    link = f"{UI_URL}/runs/{run.run_id}"
    wecom = receiver.on("wecom")[0].json["markdown"]["content"]
    assert "fanops 运行失败" in wecom
    for text in ("作业", "__ephemeral_asset_job__", run.run_id, "失败步骤", "broken_export", link):
        assert text in wecom, text
    assert "ValueError: landing export truncated after row 42" in wecom
    assert "second line not sent" not in wecom and "upstream_ok" not in wecom.split("失败步骤")[1]
    hook = receiver.on("webhook")[0].json
    assert (hook["kind"], hook["title"], hook["language"]) == ("run_failure", "fanops run failed", "en")
    assert "Failed steps: broken_export" in hook["text"] and f"Dagster UI: {link}" in hook["text"]
    feishu = json.dumps(receiver.on("feishu")[0].json, ensure_ascii=False)
    assert "fanops 运行失败" in feishu and run.run_id in feishu
    for request in receiver.requests:  # secrets travel in the URL or signature only, never in the text
        assert not any(secret in request.body.decode("utf-8") for secret in SECRET_VALUES)


def test_no_channel_no_notice(tmp_path: Path, receiver: Receiver) -> None:
    with DagsterInstance.ephemeral() as instance:
        context, _run = failure_context(instance, None)
        outcome = run_failure_notice(context)
    assert isinstance(outcome, SkipReason) and "no notification channel" in (outcome.skip_message or "")
    assert receiver.requests == []


def test_the_sensor_is_registered_and_on() -> None:
    from orchestration.definitions import defs

    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    assert sensor.default_status.value == "RUNNING"
