"""Delivery against a real HTTP server on 127.0.0.1: payloads and signatures as each platform checks them,
retries with backoff, once per (alert, level change, channel), failures recorded and retried, no secret
anywhere it could leak."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import re
import time
from typing import Any
from urllib.parse import quote_plus

import duckdb
import pytest

from orchestration.notify import deliver_pending, parse_notifications, send_text
from orchestration.notify.messages import SIGNATURE_HEADER
from tests.notify.notify_testlib import (
    DING_SECRET,
    DING_TOKEN,
    FEISHU_SECRET,
    FEISHU_TOKEN,
    HOOK_SECRET,
    REPORT,
    SECRET_VALUES,
    WECOM_KEY,
    channel_dicts,
    make_event,
    timeline,
)
from tests.notify.receiver import Receiver, Reply

NOW = dt.datetime(2026, 9, 16, 12, 5)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cur = con.execute("select * from crisis.notifications order by alert_id, event_seq, channel")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def channels(receiver: Receiver, only: str | None = None, **common: Any):  # type: ignore[no-untyped-def]
    items = [c for c in channel_dicts(receiver.base, **common) if only is None or c["type"] == only]
    return parse_notifications(items)


# ---------------------------------------------------------------------------------- shapes and signatures


def test_each_platform_receives_its_payload_and_valid_signature(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    before = time.time()
    summary = deliver_pending(con, channels(receiver), [make_event()], now=NOW, sleep=Sleeps())
    after = time.time()
    assert (summary.sent, summary.failed, summary.skipped) == (4, 0, 0) and summary.ok
    assert sorted(r.route for r in receiver.requests) == ["dingtalk", "feishu", "webhook", "wecom"]

    (wecom,) = receiver.on("wecom")
    assert wecom.path == "/wecom" and wecom.query == {"key": [WECOM_KEY]}
    body = wecom.json
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["content"].startswith("## 【舆情预警·一级 特别严重】青禾 微博、小红书、抖音")
    assert len(body["markdown"]["content"].encode("utf-8")) <= 4096

    (ding,) = receiver.on("dingtalk")
    assert ding.query["access_token"] == [DING_TOKEN]
    ts = ding.query["timestamp"][0]
    assert before * 1000 - 1 <= int(ts) <= after * 1000 + 1
    expected = base64.b64encode(
        hmac.new(DING_SECRET.encode(), f"{ts}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert ding.query["sign"] == [expected]  # parse_qs undid the URL encoding exactly once
    assert ding.json["msgtype"] == "markdown"
    assert ding.json["markdown"]["title"] == "【舆情预警·一级 特别严重】青禾 微博、小红书、抖音"
    assert f"[查看报告]({REPORT})" in ding.json["markdown"]["text"]

    (feishu,) = receiver.on("feishu")
    assert feishu.path == f"/feishu/hook/{FEISHU_TOKEN}" and feishu.query == {}
    fbody = feishu.json
    fts = fbody["timestamp"]
    assert isinstance(fts, str) and before - 1 <= int(fts) <= after + 1
    fexpected = base64.b64encode(
        hmac.new(f"{fts}\n{FEISHU_SECRET}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert fbody["sign"] == fexpected
    assert fbody["msg_type"] == "post"
    assert fbody["content"]["post"]["zh_cn"]["title"] == "【舆情预警·一级 特别严重】青禾 微博、小红书、抖音"

    (hook,) = receiver.on("webhook")
    mac = hmac.new(HOOK_SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
    assert hook.headers[SIGNATURE_HEADER] == f"sha256={mac}"
    assert hook.headers["Content-Type"].startswith("application/json")
    assert hook.path == "/webhook/fanops"
    assert hook.json["source"] == "fanops" and hook.json["kind"] == "crisis_alert"
    assert (
        hook.json["alert"]["alert_id"] == "crisis-20260916-qinghe-01" and hook.json["event"]["event_seq"] == 1
    )

    table = rows(con)
    assert [(r["channel"], r["channel_type"], r["status"], r["attempts"]) for r in table] == [
        ("bi-webhook", "webhook", "sent", 1),
        ("duty-dingtalk", "dingtalk", "sent", 1),
        ("duty-feishu", "feishu", "sent", 1),
        ("duty-wecom", "wecom", "sent", 1),
    ]
    for r in table:
        assert (r["level"], r["event"], r["http_status"], r["last_error"]) == (1, "opened", 200, None)
        assert (
            r["sent_at"] == NOW
            and r["first_attempt_at"] == NOW
            and re.fullmatch(r"[0-9a-f]{64}", r["payload_sha256"])
        )
    assert {r["response_code"] for r in table if r["channel_type"] != "webhook"} == {"0"}


def test_without_secrets_nothing_is_signed(
    receiver: Receiver, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANOPS_DINGTALK_TOKEN", DING_TOKEN)
    monkeypatch.setenv("FANOPS_FEISHU_TOKEN", FEISHU_TOKEN)
    items = [{k: v for k, v in c.items() if k != "secret_env"} for c in channel_dicts(receiver.base)[1:]]
    deliver_pending(con, parse_notifications(items), [make_event()], now=NOW, sleep=Sleeps())
    (ding,) = receiver.on("dingtalk")
    assert set(ding.query) == {"access_token"}
    (feishu,) = receiver.on("feishu")
    assert "sign" not in feishu.json and "timestamp" not in feishu.json
    (hook,) = receiver.on("webhook")
    assert SIGNATURE_HEADER not in hook.headers


def test_english_channel(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    deliver_pending(
        con, channels(receiver, "feishu", language="en"), [make_event(level_name="Critical")], now=NOW
    )
    (feishu,) = receiver.on("feishu")
    post = feishu.json["content"]["post"]
    assert list(post) == ["en_us"]
    assert post["en_us"]["title"] == "[Crisis alert · Level 1 Critical] 青禾 Weibo, Xiaohongshu, Douyin"


def test_env_proxies_do_not_capture_the_local_receiver(
    receiver: Receiver,
    secrets_env: dict[str, str],
    con: duckdb.DuckDBPyConnection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    summary = deliver_pending(con, channels(receiver, "webhook"), [make_event()], now=NOW, sleep=Sleeps())
    assert summary.sent == 1


# ------------------------------------------------------------------------------------ retries and backoff


def test_rate_limit_then_success_backs_off_exponentially(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    limited = Reply(body={"errcode": 45009, "errmsg": "api freq out of limit"})
    receiver.queue("wecom", limited, limited)
    sleeps = Sleeps()
    chans = channels(receiver, "wecom", backoff_seconds=0.5, max_attempts=5)
    summary = deliver_pending(con, chans, [make_event()], now=NOW, sleep=sleeps)
    assert summary.sent == 1 and len(receiver.on("wecom")) == 3
    # delays 0.5 * 2**(n-1) with jitter in [0.5, 1.0)
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] < 0.5 and 0.5 <= sleeps[1] < 1.0
    (row,) = rows(con)
    assert (row["status"], row["attempts"], row["response_code"], row["last_error"]) == ("sent", 3, "0", None)


def test_dingtalk_rate_limit_and_http_500_are_transient(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    receiver.queue("dingtalk", Reply(body={"errcode": 130101, "errmsg": "send too fast"}), Reply(status=500))
    sleeps = Sleeps()
    summary = deliver_pending(con, channels(receiver, "dingtalk"), [make_event()], now=NOW, sleep=sleeps)
    assert summary.sent == 1 and len(receiver.on("dingtalk")) == 3 and len(sleeps) == 2
    # each attempt is signed afresh: the three requests all carry a valid signature for their own timestamp
    for req in receiver.on("dingtalk"):
        ts = req.query["timestamp"][0]
        mac = hmac.new(DING_SECRET.encode(), f"{ts}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
        assert req.query["sign"] == [base64.b64encode(mac).decode()]


def test_backoff_is_capped_and_retry_after_is_honoured(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    receiver.queue("webhook", Reply(status=429, headers={"Retry-After": "3"}), *[Reply(status=503)] * 3)
    sleeps = Sleeps()
    chans = channels(receiver, "webhook", backoff_seconds=2, backoff_max_seconds=4, max_attempts=5)
    deliver_pending(con, chans, [make_event()], now=NOW, sleep=sleeps, rng=random.Random(7))
    assert len(sleeps) == 4
    assert sleeps[0] >= 3  # Retry-After: 3 beats the first backoff (2 s * jitter)
    assert 2 <= sleeps[1] < 4 and 2 <= sleeps[2] <= 4 and 2 <= sleeps[3] <= 4  # 4, 8, 16 capped at 4


def test_permanent_error_is_not_retried(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    receiver.default("wecom", Reply(body={"errcode": 93000, "errmsg": "invalid webhook url"}))
    sleeps = Sleeps()
    summary = deliver_pending(con, channels(receiver, "wecom"), [make_event()], now=NOW, sleep=sleeps)
    assert (summary.sent, summary.failed) == (0, 1) and not summary.ok
    assert len(receiver.on("wecom")) == 1 and sleeps == []
    (row,) = rows(con)
    assert (row["status"], row["attempts"], row["http_status"], row["response_code"]) == (
        "failed",
        1,
        200,
        "93000",
    )
    assert row["last_error"] == "HTTP 200 code 93000: invalid webhook url" and row["sent_at"] is None
    assert "duty-wecom" in summary.describe() and "93000" in summary.describe()


def test_feishu_sign_mismatch_is_permanent(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    receiver.default(
        "feishu",
        Reply(
            status=200,
            body={
                "code": 19021,
                "msg": "sign match fail or timestamp is not within one hour from current time",
            },
        ),
    )
    summary = deliver_pending(con, channels(receiver, "feishu"), [make_event()], now=NOW, sleep=Sleeps())
    assert summary.failed == 1 and len(receiver.on("feishu")) == 1
    assert rows(con)[0]["response_code"] == "19021"


def test_slow_answer_is_a_timeout_and_transient(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    receiver.default("webhook", Reply(delay=1.0))
    sleeps = Sleeps()
    start = time.monotonic()
    chans = channels(receiver, "webhook", timeout_seconds=0.2, max_attempts=2)
    summary = deliver_pending(con, chans, [make_event()], now=NOW, sleep=sleeps)
    assert time.monotonic() - start < 0.9
    assert summary.failed == 1 and len(sleeps) == 1
    (row,) = rows(con)
    assert (
        row["attempts"] == 2
        and row["last_error"].startswith("timeout after 0.2 s")
        and row["http_status"] is None
    )


def test_connection_refused_is_transient(secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection) -> None:
    dead = Receiver()  # bound, never started, then closed: nothing listens on its port
    base = dead.base
    dead.server.server_close()
    chans = parse_notifications([{**channel_dicts(base)[3], "max_attempts": 3}])
    sleeps = Sleeps()
    summary = deliver_pending(con, chans, [make_event()], now=NOW, sleep=sleeps)
    assert summary.failed == 1 and len(sleeps) == 2
    assert rows(con)[0]["last_error"].startswith("ConnectError")


# ---------------------------------------------------------------------------- once, and never lost silently


def test_dedupe_across_calls(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    events = timeline()
    first = deliver_pending(con, channels(receiver), events, now=NOW, sleep=Sleeps())
    assert first.sent == 16 and len(receiver.requests) == 16
    second = deliver_pending(con, channels(receiver), events, now=NOW, sleep=Sleeps())
    assert second.results == () and second.already_sent == 16
    assert len(receiver.requests) == 16
    assert len(rows(con)) == 16
    # messages arrive in timeline order on each channel
    seqs = [r.json["event"]["event_seq"] for r in receiver.on("webhook")]
    assert seqs == [1, 2, 3, 4]


def test_failed_delivery_is_recorded_and_sent_on_the_next_call(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    receiver.default("webhook", Reply(status=500))
    chans = channels(receiver, "webhook", max_attempts=3)
    later = NOW + dt.timedelta(hours=1)
    s1 = deliver_pending(con, chans, [make_event()], now=NOW, sleep=Sleeps())
    assert s1.failed == 1 and len(receiver.requests) == 3
    (row,) = rows(con)
    assert (row["status"], row["attempts"], row["http_status"], row["first_attempt_at"]) == (
        "failed",
        3,
        500,
        NOW,
    )
    assert row["last_error"].startswith("HTTP 500")

    receiver.default("webhook", None)  # the receiver recovers
    s2 = deliver_pending(con, chans, [make_event()], now=later, sleep=Sleeps())
    assert s2.sent == 1 and len(receiver.requests) == 4
    (row,) = rows(con)
    assert (row["status"], row["attempts"], row["first_attempt_at"], row["sent_at"]) == (
        "sent",
        4,
        NOW,
        later,
    )
    assert row["last_error"] is None and row["http_status"] == 200

    s3 = deliver_pending(con, chans, [make_event()], now=later, sleep=Sleeps())
    assert s3.results == () and s3.already_sent == 1 and len(receiver.requests) == 4


def test_unavailable_channel_defers_the_rest_of_the_run(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    receiver.default("webhook", Reply(status=502))
    chans = channels(receiver, "webhook", max_attempts=2)
    summary = deliver_pending(con, chans, timeline(), now=NOW, sleep=Sleeps())
    assert len(receiver.requests) == 2  # the first event used its attempts; the other three wait
    assert summary.failed == 4
    table = rows(con)
    assert [r["attempts"] for r in table] == [2, 0, 0, 0]
    assert all(r["status"] == "failed" for r in table)
    assert all(r["last_error"].startswith("deferred to the next run") for r in table[1:])
    receiver.default("webhook", None)
    assert deliver_pending(con, chans, timeline(), now=NOW, sleep=Sleeps()).sent == 4


def test_missing_env_var_is_a_recorded_failure_naming_the_variable(
    receiver: Receiver, con: duckdb.DuckDBPyConnection, caplog: pytest.LogCaptureFixture
) -> None:
    summary = deliver_pending(con, channels(receiver, "dingtalk"), timeline()[:2], now=NOW, sleep=Sleeps())
    assert summary.failed == 2 and receiver.requests == []
    table = rows(con)
    assert (
        table[0]["last_error"]
        == "environment variable FANOPS_DINGTALK_TOKEN is not set (channel 'duty-dingtalk', token_env)"
    )
    assert table[0]["attempts"] == 0 and table[1]["last_error"].startswith("deferred to the next run")
    assert "FANOPS_DINGTALK_TOKEN" in caplog.text


def test_old_events_are_skipped_for_a_new_channel(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    chans = channels(receiver, "webhook")
    now = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    summary = deliver_pending(
        con, chans, timeline(), now=now, sleep=Sleeps(), max_event_age=dt.timedelta(hours=72)
    )
    assert summary.skipped == 4 and receiver.requests == []
    assert {r["status"] for r in rows(con)} == {"skipped"}
    again = deliver_pending(
        con, chans, timeline(), now=now, sleep=Sleeps(), max_event_age=dt.timedelta(hours=72)
    )
    assert again.results == () and receiver.requests == []
    # a replay measures the age from the data's as-of time, not the wall clock
    replay = deliver_pending(
        con,
        channels(receiver, "webhook", name="replay"),
        timeline(),
        now=now,
        sleep=Sleeps(),
        max_event_age=dt.timedelta(hours=72),
        as_of=dt.datetime(2026, 9, 18, 3, 0),
    )
    assert replay.sent == 4 and len(receiver.requests) == 4
    # within the age limit it is sent
    fresh = make_event(alert_id="a-fresh", event_at=dt.datetime(2026, 11, 27, 8, 0))
    assert (
        deliver_pending(
            con, chans, [fresh], now=now, sleep=Sleeps(), max_event_age=dt.timedelta(hours=72)
        ).sent
        == 1
    )


# -------------------------------------------------------------------------------------------------- routing


def test_routing_by_level_events_and_follow_ups(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    items = channel_dicts(receiver.base)
    serious = {**items[3], "name": "serious", "min_level": 2}  # 一级/二级 only
    openings = {
        **items[3],
        "name": "openings",
        "url": f"{receiver.base}/webhook/openings",
        "events": ["opened"],
    }
    off = {**items[3], "name": "off", "url": f"{receiver.base}/webhook/off", "enabled": False}
    chans = parse_notifications([serious, openings, off])
    summary = deliver_pending(con, chans, timeline(), now=NOW, sleep=Sleeps())
    got = sorted((r.channel, r.event_seq) for r in summary.results)
    # serious: not the level-3 opening; the escalation to 1; the de-escalation to 2 and the closing follow
    # openings: only the opening; off: nothing
    assert got == [("openings", 1), ("serious", 2), ("serious", 3), ("serious", 4)]
    assert summary.not_routed == 8 - 4  # pairs of the two enabled channels not taken; "off" is not counted

    # a channel that never heard of the alert is not told it de-escalated below its level
    quiet = parse_notifications([{**items[3], "name": "quiet", "min_level": 1}])
    tail = [
        make_event(
            alert_id="b", event_seq=3, event="deescalated", level=3, level_name="较重", previous_level=2
        )
    ]
    assert deliver_pending(con, quiet, tail, now=NOW, sleep=Sleeps()).results == ()


# ---------------------------------------------------------------------------------------------- no leaks


def test_secrets_never_reach_the_table_logs_or_errors(
    receiver: Receiver,
    secrets_env: dict[str, str],
    con: duckdb.DuckDBPyConnection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # every robot answers with an error that echoes the request path and query (token, sign) back
    for route in ("wecom", "dingtalk", "feishu"):
        receiver.default(
            route, Reply(status=400, body={"errcode": 300001, "code": 300001}, echo_request=True)
        )
    receiver.default("webhook", Reply(status=418, echo_request=True))
    chans = channels(receiver)
    summary = deliver_pending(con, chans, [make_event()], now=NOW, sleep=Sleeps())
    assert summary.failed == 4
    errors = [r["last_error"] for r in rows(con)]
    assert all("invalid request" in e for e in errors)  # the echoed text is there, redacted
    table_text = json.dumps(rows(con), default=str)
    haystacks = [table_text, caplog.text, summary.describe(), repr(summary), repr(chans), str(chans)]
    # and the notice path
    haystacks.append(repr(send_text(chans[0], "fanops 运行失败", "dbt build failed", sleep=Sleeps())))
    (ding,) = receiver.on("dingtalk")
    sign = ding.query["sign"][0]
    for hay in haystacks:
        for secret in (*SECRET_VALUES, sign, quote_plus(sign)):
            assert secret not in hay
    # httpx request logs were captured with the URL cut to the host
    assert any("HTTP Request: POST http://127.0.0.1" in m and "/***" in m for m in caplog.messages)


def test_masked_texts_only(
    receiver: Receiver, secrets_env: dict[str, str], con: duckdb.DuckDBPyConnection
) -> None:
    ev = make_event(
        samples=("已脱敏 [PHONE] 的投诉", "漏网的 13912345678 手机号", "＋８６ １３８ １２３４ ５６７８")
    )
    deliver_pending(con, channels(receiver), [ev], now=NOW, sleep=Sleeps())
    assert len(receiver.requests) == 4
    for req in receiver.requests:
        text = req.body.decode("utf-8")
        assert not re.search(r"\d{11}", text), req.route
        assert "1391234" not in text and "１３８" not in text


# ------------------------------------------------------------------------------------------------- notices


def test_send_text_for_run_failures(receiver: Receiver, secrets_env: dict[str, str]) -> None:
    wecom, ding, feishu, hook = channels(receiver)
    res = send_text(
        hook,
        "fanops 运行失败",
        "run 42 failed at dbt build\nsee the Dagster UI",
        kind="run_failure",
        sleep=Sleeps(),
    )
    assert res.ok and res.attempts == 1
    (req,) = receiver.on("webhook")
    assert req.json["kind"] == "run_failure" and req.json["title"] == "fanops 运行失败"
    assert req.json["text"] == "fanops 运行失败\n- run 42 failed at dbt build\n- see the Dagster UI"
    assert (
        req.headers[SIGNATURE_HEADER]
        == "sha256=" + hmac.new(HOOK_SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    )
    assert send_text(wecom, "fanops 运行失败", "x", sleep=Sleeps()).ok
    assert receiver.on("wecom")[0].json["markdown"]["content"].startswith("## fanops 运行失败")
    assert send_text(ding, "fanops 运行失败", "x", sleep=Sleeps()).ok
    assert send_text(feishu, "fanops 运行失败", "x", sleep=Sleeps()).ok

    receiver.default("webhook", Reply(status=503))
    sleeps = Sleeps()
    failed = send_text(hook, "t", "x", sleep=sleeps)
    assert (
        not failed.ok
        and failed.attempts == 5
        and len(sleeps) == 4
        and failed.error == 'HTTP 503: {"ok": true}'
    )


def test_send_text_missing_env_var_does_not_raise(receiver: Receiver) -> None:
    (wecom,) = channels(receiver, "wecom")
    res = send_text(wecom, "t", "x", env={})
    assert not res.ok and res.attempts == 0 and "FANOPS_WECOM_KEY" in (res.error or "")
    assert receiver.requests == []
