"""The pull assets in real Dagster runs against the local API server: state (only new windows), a failed
pull retried next run with nothing landed meanwhile, explicit ranges, no credential in the run's events,
and `run_pipeline(mode="run")` pulling every connector first and loading what it landed."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster import DagsterInstance

from ingestion.config import resolve_settings
from ingestion.timeutil import SHANGHAI
from orchestration.connectors.run import run_pulls
from orchestration.dbt.assets import daily_partitions
from tests.connectors.conftest import accounts_tree
from tests.connectors.mock_api import SECRETS, MockApi, credentials_env, read_docs, seed
from tests.connectors.test_pull import seed_growth
from tests.connectors.test_sample_equivalence import DY_COMMENTS, WB_COMMENTS, WX_ART, _statuses_by_id
from tests.ingestion.test_support import query

S = Path(__file__).resolve().parents[2] / "data" / "sample" / "landing"


def write_config(tmp_path: Path, api: MockApi, accounts: list[dict[str, Any]]) -> Path:
    cfg = {
        "landing": "landing",
        "warehouse": "wh.duckdb",
        "connectors": {"base_urls": api.base_urls(), "backoff_seconds": 0.001, "backoff_max_seconds": 0.01,
                       "max_attempts": 2, "accounts": accounts},
    }
    path = tmp_path / "fanops.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    accounts_tree(tmp_path / "landing")
    return path


def meta(result: Any) -> dict[str, dict[str, Any]]:
    out = {}
    for ev in result.get_asset_materialization_events():
        mat = ev.event_specific_data.materialization
        out["/".join(mat.asset_key.path)] = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
    return out


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in credentials_env().items():
        monkeypatch.setenv(k, v)


def test_pull_assets_request_only_new_windows_and_retry_failed_ones(api: MockApi, tmp_path: Path, env: None) -> None:
    today = dt.datetime.now(SHANGHAI).date()
    yesterday = today - dt.timedelta(days=1)
    api.today = today
    seed_growth(api, today - dt.timedelta(days=40), yesterday)
    path = write_config(tmp_path, api, [{"platform": "wechat", "account": "qinghe_wx", "datasets": ["user_growth"]}])
    settings = resolve_settings(config=path, export_env=False)
    partitions = daily_partitions(settings.config)
    key = "pull/wechat/qinghe_wx/user_growth"
    with DagsterInstance.ephemeral() as instance:
        api.fail("/wechat/datacube/getusercumulate", (200, {"errcode": 61501, "errmsg": "date range error"}))
        failed = run_pulls(settings, instance, partitions)
        assert failed is not None and not failed.success
        assert not list((tmp_path / "landing" / "wechat").rglob("*.json"))  # nothing landed, state unchanged
        n_before = len(api.calls("/wechat/datacube/getusersummary"))

        ok = run_pulls(settings, instance, partitions)
        assert ok.success
        m = meta(ok)[key]
        assert (m["window_start"], m["window_end"]) == ((yesterday - dt.timedelta(days=6)).isoformat(),
                                                          yesterday.isoformat())  # the failed window, again
        assert m["pulled_through"] == yesterday.isoformat() and m["calls"] == 2
        assert (tmp_path / "landing" / m["file"]).is_file()
        assert len(api.calls("/wechat/datacube/getusersummary")) == n_before + 1

        again = run_pulls(settings, instance, partitions)
        assert meta(again)[key]["status"] == "up to date"
        assert len(api.calls("/wechat/datacube/getusersummary")) == n_before + 1  # nothing requested

        ranged = run_pulls(settings, instance, partitions, start=yesterday - dt.timedelta(days=20), end=yesterday)
        m = meta(ranged)[key]
        assert m["calls"] == 6 and m["pulled_through"] == yesterday.isoformat()  # 21 days = 3 spans x 2 APIs

        events = [str(e) for r in (failed, ok, again, ranged) for e in instance.all_logs(r.run_id)]
        text = "\n".join(events)
        assert "61501" in text  # the failure is explained ...
        for secret in (*SECRETS, "do-not-leak"):  # ... and no credential is anywhere in the runs
            assert secret not in text


def _recent_data(api: MockApi, today: dt.date) -> None:
    """Sample responses moved into the last days (the pulls of a real-time run look back from yesterday)."""
    yesterday = today - dt.timedelta(days=1)
    noon = dt.datetime.combine(yesterday, dt.time(12), tzinfo=SHANGHAI)
    seed_growth(api, today - dt.timedelta(days=10), yesterday)
    art = copy.deepcopy(read_docs(WX_ART)[0]["calls"][0]["response"]["list"][0])
    art["ref_date"] = yesterday.isoformat()
    for i, d in enumerate(art["details"][:1]):
        d["stat_date"] = (yesterday + dt.timedelta(days=i)).isoformat()
    art["details"] = art["details"][:1]
    api.data.wx_articles[yesterday.isoformat()] = [art]
    mid, idx = art["msgid"].split("_")
    api.data.wx_comments[(int(mid), int(idx) - 1)] = [
        {"user_comment_id": 1, "openid": "oQ7kS5xYz2B8", "create_time": int(noon.timestamp()) + 600,
         "content": "好喝吗", "comment_type": 0}]
    for i in range(7):
        d = (yesterday - dt.timedelta(days=i)).isoformat()
        api.data.dy_fans[d] = {"date": d, "new_fans": 100 + i, "total_fans": 9000 - 10 * i}
    seed(api.data, [DY_COMMENTS, WB_COMMENTS, S / "douyin/qinghe_dy/fans_portrait/fans_data_20260614.json",
                    S / "kuaishou/qinghe_ks/videos/api/photo_list_20260520.json"])
    api.data.dy_items[0]["create_time"] = int(noon.timestamp())
    for i, v in enumerate(api.data.ks_videos):
        v["create_time"] = int(noon.timestamp() * 1000) - i * 3_600_000
    status = copy.deepcopy(_statuses_by_id()[read_docs(WB_COMMENTS)[0]["calls"][0]["request"]["id"]])
    status["created_at"] = noon.strftime("%a %b %d %H:%M:%S +0800 %Y")
    api.data.wb_statuses = [status]


@pytest.mark.slow
def test_run_pipeline_pulls_lands_and_loads_every_connector(
    api: MockApi, tmp_path: Path, env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.ingestion.assets import INGESTION_ASSETS
    from orchestration.pipeline import run_pipeline

    monkeypatch.setenv("FANOPS_PII_KEY", "ab" * 32)
    today = dt.datetime.now(SHANGHAI).date()
    api.today = today
    _recent_data(api, today)
    path = write_config(tmp_path, api, [
        {"platform": "wechat", "account": "qinghe_wx"},
        {"platform": "douyin", "account": "qinghe_dy"},
        {"platform": "kuaishou", "account": "qinghe_ks"},
        {"platform": "weibo", "account": "qinghe_wb"},
        {"platform": "kuaishou", "account": "qinghe_live", "enabled": False},
    ])
    settings = resolve_settings(config=path, export_env=False)
    with DagsterInstance.ephemeral() as instance:
        # the ingestion part of a run (the whole graph also passed once, by hand: ~90 s CPU, too slow for CI)
        raw_keys = [k for a in INGESTION_ASSETS for k in a.keys]
        result = run_pipeline(settings, "run", instance=instance, selection=raw_keys)
        assert result.success
        pulls = [r for r in instance.get_runs() if r.tags.get("fanops/command") == "pull"]
        assert len(pulls) == 1 and pulls[0].is_success
    counts = {t: query(settings.warehouse, f"SELECT count(*) AS n FROM raw.{t}")[0]["n"] for t in (
        "wechat_user_source_daily", "wechat_user_cumulate", "wechat_article_daily", "wechat_comments",
        "douyin_fans", "douyin_comments", "douyin_fans_portrait", "kuaishou_photos", "weibo_posts", "weibo_comments")}
    assert all(n > 0 for n in counts.values()), counts
    statuses = query(settings.warehouse, "SELECT status, count(*) AS n FROM ops.file_manifest "
                                         "WHERE path LIKE '%/pull/%' GROUP BY 1")
    assert statuses == [{"status": "loaded", "n": 9}]
    landed = sorted((tmp_path / "landing").rglob("pull/*/*.json"))
    assert len(landed) == 9 and not list((tmp_path / "landing").rglob(".*.part"))
    assert all(json.loads(p.read_text("utf-8"))["fanops_api_dump"] == 1 for p in landed)


def test_fanops_pull_command(api: MockApi, tmp_path: Path, env: None, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.cli import main

    for var in ("DAGSTER_HOME", "FANOPS_CONFIG", "FANOPS_WAREHOUSE"):  # the command exports these: restore them
        monkeypatch.setenv(var, str(tmp_path / "unused"))
    today = dt.datetime.now(SHANGHAI).date()
    api.today = today
    seed_growth(api, today - dt.timedelta(days=40), today - dt.timedelta(days=1))
    path = write_config(tmp_path, api, [{"platform": "wechat", "account": "qinghe_wx", "datasets": ["user_growth"]},
                                        {"platform": "weibo", "account": "qinghe_wb", "datasets": ["posts"]}])
    start = (today - dt.timedelta(days=9)).isoformat()
    assert main(["pull", "--config", str(path), "--from", start, "--connector", "wechat"]) == 0
    out = capsys.readouterr().out
    assert f"wechat/qinghe_wx/user_growth: {start}.." in out and "weibo" not in out
    assert len(api.calls("/wechat/datacube/getusersummary")) == 2  # 9 days: two spans
    assert main(["pull", "--config", str(path), "--connector", "douyin"]) == 2  # nothing enabled matches
    api.weibo_token_valid = False
    assert main(["pull", "--config", str(path), "--connector", "weibo/qinghe_wb"]) == 1
    err = capsys.readouterr().err
    assert "21327" in err and "WB-TOKEN" not in err
