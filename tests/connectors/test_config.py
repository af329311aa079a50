"""`connectors:` in fanops.yaml: validation, defaults (nothing enabled), and the Dagster definitions it adds."""

from __future__ import annotations

import pytest
from dagster import AssetKey, Definitions

from ingestion.config import REPO_ROOT, ConfigError, load_config, parse_config
from orchestration.connectors.assets import (
    PULL_JOB,
    PULL_SCHEDULE,
    build_pull_assets,
    build_pull_job,
    pull_schedule,
)
from orchestration.dbt.assets import daily_partitions


def test_repo_config_lists_the_connectors_disabled() -> None:
    cfg = load_config(REPO_ROOT / "fanops.yaml")
    assert cfg.connectors.accounts == () and cfg.connectors.pulls() == []
    assert cfg.schedules.pull == "0 2 * * *"
    assert parse_config({}).connectors.pulls() == []


def test_config_problems_name_their_key() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config({"connectors": {
            "accounts": [{"platform": "wechat", "account": "qinghe_wx", "datasets": ["videos"]},
                         {"platform": "tiktok", "account": "x1"},
                         {"platform": "weibo", "account": "Bad Slug"},
                         {"platform": "wechat", "account": "qinghe_wx", "enabled": "yes"}],
            "base_urls": {"wechat": "https://api.weixin.qq.com?access_token=abc", "baidu": "http://x"},
            "backoff_seconds": -1, "token": "abc"}})
    text = str(exc.value)
    for key in ("connectors.accounts[0].datasets", "connectors.accounts[1].platform", "connectors.accounts[2].account",
                "connectors.accounts[3]: wechat/qinghe_wx is listed twice", "connectors.accounts[3].enabled",
                "connectors.base_urls.wechat", "connectors.base_urls.baidu", "connectors.backoff_seconds",
                "connectors.token: unknown key"):
        assert key in text, key


def test_enabled_connectors_become_assets_a_job_and_a_stopped_schedule() -> None:
    cfg = parse_config({"connectors": {"accounts": [
        {"platform": "douyin", "account": "qinghe_dy", "datasets": ["fans", "comments"]},
        {"platform": "weibo", "account": "qinghe_wb"},
        {"platform": "wechat", "account": "qinghe_wx", "enabled": False}]}})
    partitions = daily_partitions(cfg)
    assets = build_pull_assets(cfg, partitions)
    keys = [k for a in assets for k in a.keys]
    assert keys == [AssetKey(["pull", "douyin", "qinghe_dy", "fans"]), AssetKey(["pull", "douyin", "qinghe_dy", "comments"]),
                    AssetKey(["pull", "weibo", "qinghe_wb", "posts"]), AssetKey(["pull", "weibo", "qinghe_wb", "comments"])]
    job = build_pull_job(assets)
    sched = pull_schedule(job, partitions, cfg.timezone, cfg.schedules.pull)
    from orchestration.resources import FanopsSettings

    defs = Definitions(assets=assets, jobs=[job], schedules=[sched],
                       resources={"fanops": FanopsSettings(landing="/tmp/x", warehouse="/tmp/x.duckdb")})
    assert defs.resolve_job_def(PULL_JOB).name == PULL_JOB
    s = defs.resolve_schedule_def(PULL_SCHEDULE)
    assert s.cron_schedule == "0 2 * * *" and s.execution_timezone == "Asia/Shanghai"
    assert s.default_status.value == "STOPPED"
