"""The connectors against the local API server: range splitting and the yesterday rule, token expiry and
refresh, rate-limit backoff, errors that must not be retried, atomic landing (no partial file), re-pulls
that load as corrections, and no credential anywhere in files, logs or exceptions."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from ingestion.config import ConnectorsConfig, parse_config
from ingestion.connectors import plan_window, pull
from ingestion.connectors.base import Window, load_credentials
from ingestion.connectors.http import AuthError, ConnectorError, CredentialsMissing, RateLimited, RequestError
from ingestion.landing import iter_deliveries
from tests.connectors.conftest import accounts_tree
from tests.connectors.mock_api import SECRETS, SH, MockApi, credentials_env
from tests.ingestion.test_support import manifest, query, run

NOW = dt.datetime(2026, 11, 15, 9, 10, tzinfo=SH)  # the server's today is 2026-11-15: yesterday 11-14


def cfg_for(api: MockApi, **kw: Any) -> ConnectorsConfig:
    raw = {"base_urls": api.base_urls(), "backoff_seconds": 0.001, "backoff_max_seconds": 0.01, **kw}
    return parse_config({"connectors": raw}).connectors


def seed_growth(api: MockApi, first: dt.date, last: dt.date) -> None:
    d = first
    total = 50000
    while d <= last:
        day = d.isoformat()
        api.data.wx_summary[day] = [
            {"ref_date": day, "user_source": 0, "new_user": 10 + d.day, "cancel_user": 3},
            {"ref_date": day, "user_source": 30, "new_user": 5, "cancel_user": 0},
        ]
        total += 12 + d.day
        api.data.wx_cumulate[day] = {"ref_date": day, "user_source": 0, "cumulate_user": total}
        d += dt.timedelta(days=1)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def do_pull(api: MockApi, landing: Path, platform: str, account: str, dataset: str, window: Window,
            now: dt.datetime = NOW, sleeps: Sleeps | None = None, cfg: ConnectorsConfig | None = None):
    return pull(cfg or cfg_for(api), landing, platform, account, dataset, window, now=now,
                env=credentials_env(), sleep=sleeps if sleeps is not None else Sleeps())


def landed(landing: Path) -> list[Path]:
    return [p for p in landing.rglob("*") if p.is_file() and "ops" not in p.parts]


# ------------------------------------------------------------------------------------ windows and spans


def test_wechat_user_growth_splits_ranges_into_seven_day_spans(api: MockApi, tmp_path: Path) -> None:
    seed_growth(api, dt.date(2026, 10, 20), dt.date(2026, 11, 14))
    res = do_pull(api, tmp_path, "wechat", "qinghe_wx", "user_growth", Window(dt.date(2026, 10, 20),
                                                                              dt.date(2026, 11, 14)))
    spans = [(c["begin_date"], c["end_date"]) for c in api.calls("/wechat/datacube/getusersummary")]
    assert spans == [("2026-10-20", "2026-10-26"), ("2026-10-27", "2026-11-02"), ("2026-11-03", "2026-11-09"),
                     ("2026-11-10", "2026-11-14")]
    assert len(api.calls("/wechat/datacube/getusercumulate")) == 4
    assert len(api.calls("/wechat/cgi-bin/token")) == 1  # one token for the whole pull
    doc = json.loads(res.path.read_text(encoding="utf-8"))
    assert doc["fanops_api_dump"] == 1 and doc["fetched_at"] == "2026-11-15T09:10:00+08:00"
    assert [c["request"] for c in doc["calls"][:2]] == [{"begin_date": "2026-10-20", "end_date": "2026-10-26"}] * 2
    assert res.path.relative_to(tmp_path).as_posix().startswith("wechat/qinghe_wx/user_growth/pull/2026-11/")


def test_windows_end_yesterday_and_continue_from_state() -> None:
    cfg = ConnectorsConfig(initial_days=7, max_backfill_days=31, lookback_days=7)
    today = dt.date(2026, 11, 15)
    assert plan_window(cfg, "wechat", "user_growth", today=today) == Window(dt.date(2026, 11, 8), dt.date(2026, 11, 14))
    after = plan_window(cfg, "wechat", "user_growth", today=today, pulled_through=dt.date(2026, 11, 11))
    assert after == Window(dt.date(2026, 11, 12), dt.date(2026, 11, 14))
    assert plan_window(cfg, "wechat", "user_growth", today=today, pulled_through=dt.date(2026, 11, 14)) is None
    gap = plan_window(cfg, "wechat", "user_growth", today=today, pulled_through=dt.date(2026, 1, 1))
    assert gap == Window(dt.date(2026, 10, 15), dt.date(2026, 11, 14))  # at most max_backfill_days
    # an explicit range is clamped to yesterday; today itself is never requested
    assert plan_window(cfg, "douyin", "fans", today=today, start=dt.date(2026, 11, 10),
                       end=dt.date(2026, 11, 20)) == Window(dt.date(2026, 11, 10), dt.date(2026, 11, 14))
    assert plan_window(cfg, "weibo", "posts", today=today, start=today) is None
    # current-state datasets: once a day over the lookback
    assert plan_window(cfg, "kuaishou", "videos", today=today) == Window(dt.date(2026, 11, 8), dt.date(2026, 11, 14))
    # articles re-pull the last lookback send dates (their cumulative details grow for 7 days)
    art = plan_window(cfg, "wechat", "articles", today=today, pulled_through=dt.date(2026, 11, 13))
    assert art == Window(dt.date(2026, 11, 8), dt.date(2026, 11, 14))


def test_date_range_error_is_a_request_bug_not_retried(api: MockApi, tmp_path: Path) -> None:
    api.today = dt.date(2026, 11, 14)  # the server's yesterday is 11-13: 11-14 is refused with 61501
    seed_growth(api, dt.date(2026, 11, 8), dt.date(2026, 11, 14))
    sleeps = Sleeps()
    with pytest.raises(RequestError, match="61501"):
        do_pull(api, tmp_path, "wechat", "qinghe_wx", "user_growth",
                Window(dt.date(2026, 11, 8), dt.date(2026, 11, 14)), sleeps=sleeps)
    assert len(api.calls("/wechat/datacube/getusersummary")) == 1 and sleeps == []
    assert landed(tmp_path) == []
    with pytest.raises(ConnectorError, match="after yesterday"):  # the client never asks for today
        do_pull(api, tmp_path, "wechat", "qinghe_wx", "user_growth", Window(dt.date(2026, 11, 15),
                                                                            dt.date(2026, 11, 15)))


# ------------------------------------------------------------------------------------------ tokens


def test_expired_tokens_are_refreshed_once_per_family(api: MockApi, tmp_path: Path) -> None:
    seed_growth(api, dt.date(2026, 11, 1), dt.date(2026, 11, 14))
    api.data.dy_fans = {"2026-11-14": {"date": "2026-11-14", "new_fans": 3, "total_fans": 100}}
    api.data.ks_videos = [{"photo_id": "3xaaaa", "caption": "a", "create_time": 1763000000000}]
    api.fail("/wechat/datacube/getusercumulate", (200, {"errcode": 42001, "errmsg": "access_token expired"}))
    do_pull(api, tmp_path, "wechat", "qinghe_wx", "user_growth", Window(dt.date(2026, 11, 1), dt.date(2026, 11, 14)))
    assert len(api.calls("/wechat/cgi-bin/token")) == 2  # initial + one refresh
    api.fail("/douyin/data/external/user/fans/", (200, MockApi._dy({}, 2190008, "access_token过期")))
    do_pull(api, tmp_path, "douyin", "qinghe_dy", "fans", Window(dt.date(2026, 11, 8), dt.date(2026, 11, 14)))
    assert len(api.calls("/douyin/oauth/refresh_token/")) == 2  # no access_token set: refresh first, then again
    api.expire_tokens()
    api.fail("/kuaishou/openapi/photo/list", (200, {"result": 100200101, "error_msg": "验证出错"}))
    do_pull(api, tmp_path, "kuaishou", "qinghe_ks", "videos", Window(dt.date(2026, 11, 8), dt.date(2026, 11, 14)))
    assert len(api.calls("/kuaishou/oauth2/refresh_token")) == 2
    # a second expiry right after the refresh is not refreshed again: a clear authorisation error
    api.fail("/wechat/datacube/getusersummary", *[(200, {"errcode": 40001, "errmsg": "invalid credential"})] * 2)
    with pytest.raises(ConnectorError, match="40001") as exc:
        do_pull(api, tmp_path, "wechat", "qinghe_wx", "user_growth", Window(dt.date(2026, 11, 14),
                                                                            dt.date(2026, 11, 14)))
    assert not any(s in str(exc.value) for s in SECRETS)


def test_auth_errors_are_not_retried(api: MockApi, tmp_path: Path) -> None:
    api.weibo_token_valid = False
    sleeps = Sleeps()
    with pytest.raises(AuthError, match="21327") as exc:
        do_pull(api, tmp_path, "weibo", "qinghe_wb", "posts", Window(dt.date(2026, 11, 8), dt.date(2026, 11, 14)),
                sleeps=sleeps)
    assert len(api.calls("/weibo/2/statuses/user_timeline.json")) == 1 and sleeps == []
    assert "WB-TOKEN" not in str(exc.value)
    env = {k: v for k, v in credentials_env().items() if "WECHAT" not in k}
    with pytest.raises(CredentialsMissing, match="appid and secret"):
        pull(cfg_for(api), tmp_path, "wechat", "qinghe_wx", "user_growth",
             Window(dt.date(2026, 11, 14), dt.date(2026, 11, 14)), now=NOW, env=env)
    assert landed(tmp_path) == []


def test_secrets_file_outside_the_repo(tmp_path: Path) -> None:
    f = tmp_path / "connectors.yaml"
    f.write_text("wechat/qinghe_wx: {appid: wx1, secret: s3cr3t}\n", encoding="utf-8")
    env = {"FANOPS_CONNECTOR_SECRETS": str(f), "FANOPS_WECHAT_QINGHE_WX_SECRET": "from-env"}
    assert load_credentials("wechat", "qinghe_wx", ("appid", "secret"), env) == {"appid": "wx1", "secret": "from-env"}
    inside = Path(__file__).resolve()
    with pytest.raises(CredentialsMissing, match="outside"):
        load_credentials("wechat", "qinghe_wx", ("appid",), {"FANOPS_CONNECTOR_SECRETS": str(inside)})


# ------------------------------------------------------------------------------------- rate limits


def test_rate_limits_back_off_exponentially_then_give_up(api: MockApi, tmp_path: Path) -> None:
    seed_growth(api, dt.date(2026, 11, 14), dt.date(2026, 11, 14))
    api.fail("/wechat/datacube/getusersummary",
             (200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}),
             (429, {"errcode": 45011, "errmsg": "api minute-quota reach limit"}, {"retry-after": "0.005"}),
             (503, b"<html>busy</html>"))
    sleeps = Sleeps()
    cfg = cfg_for(api, backoff_seconds=0.001, backoff_max_seconds=1.0)
    res = do_pull(api, tmp_path, "wechat", "qinghe_wx", "user_growth",
                  Window(dt.date(2026, 11, 14), dt.date(2026, 11, 14)), sleeps=sleeps, cfg=cfg)
    assert res.path is not None and res.stats["retries"] == 3
    assert len(sleeps) == 3
    assert 0.0005 <= sleeps[0] < 0.001 and sleeps[1] >= 0.005 and 0.002 <= sleeps[2] < 0.004  # 2^n x jitter
    # always rate limited: gives up after max_attempts, lands nothing
    api.fail("/douyin/data/external/user/fans/", *[(429, {"message": "too many requests"})] * 3)
    with pytest.raises(RateLimited, match="gave up after 3 attempts"):
        do_pull(api, tmp_path, "douyin", "qinghe_dy", "fans", Window(dt.date(2026, 11, 8), dt.date(2026, 11, 14)),
                cfg=cfg_for(api, max_attempts=3))
    assert not list((tmp_path / "douyin").rglob("*.json"))


# ---------------------------------------------------------------------------- atomic files, corrections


def test_a_crash_mid_pull_leaves_no_file(api: MockApi, tmp_path: Path) -> None:
    for i in range(120):  # three pages of 50
        api.data.ks_videos.append({"photo_id": f"3x{i:013d}", "caption": f"v{i}", "create_time": 1794000000000 - i})
    original = api.route

    def crash_on_third_page(method: str, path: str, p: dict[str, Any]):
        if path == "/kuaishou/openapi/photo/list" and p.get("cursor") == "3x0000000000099":
            return 400, {"result": 100200100, "error_msg": "参数有误"}, {}
        return original(method, path, p)

    api.route = crash_on_third_page  # type: ignore[method-assign]
    with pytest.raises(RequestError):
        do_pull(api, tmp_path, "kuaishou", "qinghe_ks", "videos", Window(dt.date(2026, 11, 1), dt.date(2026, 11, 14)))
    assert len(api.calls("/kuaishou/openapi/photo/list")) == 3
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # neither the file nor its .part
    api.route = original  # type: ignore[method-assign]
    res = do_pull(api, tmp_path, "kuaishou", "qinghe_ks", "videos", Window(dt.date(2026, 11, 1), dt.date(2026, 11, 14)))
    doc = json.loads(res.path.read_text(encoding="utf-8"))
    assert [c["request"]["cursor"] for c in doc["calls"]] == ["", "3x0000000000049", "3x0000000000099"]
    assert sum(len(c["response"]["video_list"]) for c in doc["calls"]) == 120


def test_a_repull_is_a_correction_not_a_double_count(api: MockApi, tmp_path: Path) -> None:
    land = accounts_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    for i in range(7):
        d = (dt.date(2026, 11, 8) + dt.timedelta(days=i)).isoformat()
        api.data.dy_fans[d] = {"date": d, "new_fans": 100 + i, "total_fans": 5000 + 100 * i}
    w = Window(dt.date(2026, 11, 8), dt.date(2026, 11, 14))
    first = do_pull(api, land, "douyin", "qinghe_dy", "fans", w)
    run(land, wh)
    api.data.dy_fans["2026-11-14"] = {"date": "2026-11-14", "new_fans": 999, "total_fans": 9999}
    second = do_pull(api, land, "douyin", "qinghe_dy", "fans", w, now=NOW + dt.timedelta(hours=2))
    assert second.path != first.path
    run(land, wh)
    rows = query(wh, "SELECT CAST(stat_date AS VARCHAR) AS d, followers_new AS n FROM raw.douyin_fans ORDER BY 1")
    assert len(rows) == 7 and rows[-1] == {"d": "2026-11-14", "n": 999}
    status = {Path(m["path"]).name: m["status"] for m in manifest(wh) if m["path"].startswith("douyin/")}
    assert status == {first.path.name: "superseded", second.path.name: "loaded"}


def test_no_credential_in_files_logs_or_errors(api: MockApi, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seed_growth(api, dt.date(2026, 11, 8), dt.date(2026, 11, 14))
    api.data.dy_items = [{"item_id": "@it1==", "create_time": 1794300000, "title": "t"}]
    api.data.dy_comments = {"@it1==": [{"comment_id": "c1", "comment_user_id": "u1", "content": "hi",
                                        "create_time": 1794300100, "reply_comment_total": 1}]}
    api.data.dy_replies = {("@it1==", "c1"): [{"comment_id": "r1", "comment_user_id": "u2", "content": "yo",
                                                "create_time": 1794300200}]}
    api.data.wb_statuses = [{"idstr": "5096358245224017", "created_at": "Thu Nov 13 12:00:03 +0800 2026",
                             "text": "x", "reposts_count": 0, "comments_count": 0, "attitudes_count": 0}]
    api.fail("/weibo/2/comments/show.json", (503, b"busy"))
    w = Window(dt.date(2026, 11, 8), dt.date(2026, 11, 14))
    api.fail("/wechat/datacube/getusersummary", (200, {"errcode": 42001, "errmsg": "expired"}))
    for platform, account, dataset in (("wechat", "qinghe_wx", "user_growth"), ("douyin", "qinghe_dy", "comments"),
                                       ("douyin", "qinghe_dy", "fans_portrait"), ("kuaishou", "qinghe_ks", "videos"),
                                       ("weibo", "qinghe_wb", "comments")):
        do_pull(api, tmp_path, platform, account, dataset, w)
    issued = [f"TOKEN-{f}-{i:04d}-do-not-leak" for f in ("wechat", "douyin", "kuaishou") for i in range(1, 9)]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 5
    text = "\n".join(p.read_text(encoding="utf-8") for p in files) + "\n" + caplog.text
    for secret in (*SECRETS, *issued, "do-not-leak"):
        assert secret not in text
    assert "access_token=***" in caplog.text  # httpx's request lines are there, masked
    doc = json.loads(next(p for p in files if "comments" in p.parts and "douyin" in p.parts).read_text("utf-8"))
    assert [c["api"] for c in doc["calls"]] == ["item/comment/list", "item/comment/reply/list"]
    assert doc["calls"][1]["request"] == {"item_id": "@it1==", "comment_id": "c1", "cursor": 0, "count": 50}
    assert all(p.name.endswith(".json") for p in iter_deliveries(tmp_path))
