"""The `notifications:` list: defaults, the README example, and errors that name the key path."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from orchestration.notify import Channel, NotificationConfigError, parse_notifications, resolve_env_names
from orchestration.notify.config import EVENTS, MissingSecretError, resolve_secrets

README_EXAMPLE = """
notifications:
  - name: duty-wecom            # 值班群 (WeCom group robot)
    type: wecom
    token_env: FANOPS_WECOM_KEY # the robot's key=... from its webhook URL
    min_level: 2                # 一级 and 二级 only
  - name: pr-dingtalk
    type: dingtalk
    token_env: FANOPS_DINGTALK_TOKEN
    secret_env: FANOPS_DINGTALK_SECRET   # 加签
    events: [opened, escalated]
  - name: ops-feishu
    type: feishu
    url: https://open.larksuite.com/open-apis/bot/v2/hook   # Lark; the default is open.feishu.cn
    token_env: FANOPS_FEISHU_TOKEN
    secret_env: FANOPS_FEISHU_SECRET     # 签名校验
    language: en
    report_url: https://bi.example.cn/fanops/report/latest
  - name: bi-webhook
    type: webhook
    url_env: FANOPS_ALERT_WEBHOOK_URL
    secret_env: FANOPS_ALERT_WEBHOOK_SECRET
    timeout_seconds: 5
    max_attempts: 3
    backoff_seconds: 2
    enabled: false
"""


def test_readme_example_parses_with_defaults() -> None:
    raw = yaml.safe_load(README_EXAMPLE)["notifications"]
    wecom, ding, feishu, hook = parse_notifications(raw)
    assert wecom == Channel(name="duty-wecom", type="wecom", token_env="FANOPS_WECOM_KEY", min_level=2)
    assert (wecom.language, wecom.events, wecom.timeout_seconds, wecom.max_attempts) == (
        "zh",
        EVENTS,
        10.0,
        5,
    )
    assert (wecom.backoff_seconds, wecom.backoff_max_seconds, wecom.enabled) == (1.0, 30.0, True)
    assert ding.events == ("opened", "escalated") and ding.secret_env == "FANOPS_DINGTALK_SECRET"
    assert ding.min_level == 4
    assert feishu.url == "https://open.larksuite.com/open-apis/bot/v2/hook" and feishu.language == "en"
    assert feishu.report_url == "https://bi.example.cn/fanops/report/latest"
    assert (hook.url_env, hook.timeout_seconds, hook.max_attempts, hook.backoff_seconds) == (
        "FANOPS_ALERT_WEBHOOK_URL",
        5.0,
        3,
        2.0,
    )
    assert hook.enabled is False
    # disabled channels read nothing
    assert resolve_env_names((wecom, ding, feishu, hook)) == (
        "FANOPS_DINGTALK_SECRET",
        "FANOPS_DINGTALK_TOKEN",
        "FANOPS_FEISHU_SECRET",
        "FANOPS_FEISHU_TOKEN",
        "FANOPS_WECOM_KEY",
    )


def test_empty_and_missing_give_no_channels() -> None:
    assert parse_notifications([]) == ()
    assert parse_notifications(None) == ()


def test_name_defaults_to_type_and_events_keep_canonical_order() -> None:
    (c,) = parse_notifications(
        [{"type": "wecom", "token_env": "FANOPS_WECOM_KEY", "events": ["closed", "opened"]}]
    )
    assert c.name == "wecom" and c.events == ("opened", "closed")


def test_accepts_by_level_event_and_enabled() -> None:
    (c,) = parse_notifications([{"type": "wecom", "token_env": "K", "min_level": 2, "events": ["opened"]}])
    assert c.accepts(1, "opened") and c.accepts(2, "opened")
    assert not c.accepts(3, "opened")
    assert not c.accepts(1, "escalated")
    (off,) = parse_notifications([{"type": "wecom", "token_env": "K", "enabled": False}])
    assert not off.accepts(1, "opened")


W = {"type": "wecom", "token_env": "FANOPS_WECOM_KEY"}


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ({"a": 1}, "notifications: expected a list"),
        ([[1]], "notifications[0]: expected a mapping"),
        ([{"token_env": "X"}], "notifications[0].type: required"),
        ([{"type": "slack", "url": "https://x"}], "notifications[0].type: 'slack' is not one of"),
        (
            [W, {**W, "name": "b", "secret_env": "FANOPS_X"}],
            "notifications[1].secret_env: wecom group robots",
        ),
        ([{**W, "token": "abc"}], "notifications[0].token: secrets are not allowed"),
        ([{**W, "secret": "abc"}], "notifications[0].secret: secrets are not allowed"),
        ([{**W, "key": "abc"}], "notifications[0].key: secrets are not allowed"),
        ([W, W], "notifications[1].name: duplicate channel name 'wecom'"),
        ([{**W, "colour": "red"}], "notifications[0].colour: unknown key"),
        ([{**W, "min_level": 0}], "notifications[0].min_level: 0 is outside 1..4"),
        ([{**W, "min_level": "2"}], "notifications[0].min_level: expected a whole number"),
        ([{**W, "min_level": True}], "notifications[0].min_level: expected a whole number"),
        ([{**W, "language": "fr"}], "notifications[0].language: 'fr' is not one of zh, en"),
        ([{**W, "events": ["opened", "reopened"]}], "notifications[0].events: 'reopened' not among"),
        ([{**W, "events": []}], "notifications[0].events: expected a non-empty list"),
        ([{**W, "timeout_seconds": 0}], "notifications[0].timeout_seconds: 0 is outside"),
        ([{**W, "max_attempts": 11}], "notifications[0].max_attempts: 11 is outside 1..10"),
        ([{**W, "backoff_seconds": -1}], "notifications[0].backoff_seconds: -1 is outside"),
        ([{**W, "enabled": "yes"}], "notifications[0].enabled: expected true or false"),
        ([{**W, "report_url": ""}], "notifications[0].report_url: expected a link"),
        ([{"type": "wecom"}], "notifications[0]: a wecom channel needs token_env"),
        ([{"type": "webhook"}], "notifications[0].url: a webhook needs url or url_env"),
        ([{"type": "webhook", "url": "https://h.example/x", "token_env": "T"}], "notifications[0].token_env"),
        (
            [{"type": "webhook", "url": "https://h.example/x", "url_env": "U"}],
            "notifications[0].url_env: give either",
        ),
        ([{"type": "webhook", "url": "ftp://h.example/x"}], "notifications[0].url: expected an http"),
        ([{**W, "url_env": "fanops_url"}], "notifications[0].url_env: expected the name of an environment"),
        ([{**W, "name": ""}], "notifications[0].name: expected a non-empty name"),
    ],
)
def test_errors_name_the_key(raw: Any, path: str) -> None:
    with pytest.raises(NotificationConfigError) as err:
        parse_notifications(raw)
    assert path in str(err.value)
    assert isinstance(err.value, ValueError)


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(NotificationConfigError) as err:
        parse_notifications([{**W, "min_level": 9}, {**W, "name": "b", "language": "de"}])
    assert len(err.value.problems) == 2
    assert err.value.problems[0].startswith("notifications[0].min_level")
    assert err.value.problems[1].startswith("notifications[1].language")


@pytest.mark.parametrize(
    ("item", "leaked"),
    [
        # a token pasted into token_env instead of a variable name
        (
            {"type": "wecom", "token_env": "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"},
            "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
        ),
        # credentials inside a literal url
        (
            {"type": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcd-SECRET"},
            "abcd-SECRET",
        ),
        (
            {"type": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=ffSECRET"},
            "ffSECRET",
        ),
        (
            {"type": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/0f0f-SECRET"},
            "0f0f-SECRET",
        ),
        ({"type": "webhook", "url": "https://user:pwSECRET@h.example/x"}, "pwSECRET"),
        ({"type": "webhook", "url": "h.example/x?token=tSECRET"}, "tSECRET"),
    ],
)
def test_secrets_in_the_file_are_refused_without_echoing_them(item: dict[str, Any], leaked: str) -> None:
    with pytest.raises(NotificationConfigError) as err:
        parse_notifications([item])
    assert "notifications[0]" in str(err.value)
    assert leaked not in str(err.value)


def test_repr_holds_no_url_and_secrets_resolve_only_at_send_time() -> None:
    (c,) = parse_notifications(
        [{"type": "webhook", "url": "https://h.example/hooks/abc", "secret_env": "FANOPS_HOOK_SECRET"}]
    )
    assert "h.example" not in repr(c) and "FANOPS_HOOK_SECRET" in repr(c)
    with pytest.raises(MissingSecretError) as err:
        resolve_secrets(c, env={})
    assert "FANOPS_HOOK_SECRET" in str(err.value) and "'webhook'" in str(err.value)
    sec = resolve_secrets(c, env={"FANOPS_HOOK_SECRET": "s3cr3t-value"})
    assert sec.secret == "s3cr3t-value" and "s3cr3t" not in repr(sec)
    assert sec.base_url == "https://h.example/hooks/abc"


def test_default_hosts_and_url_env() -> None:
    wecom, feishu, hook = parse_notifications(
        [
            {"type": "wecom", "token_env": "K"},
            {"type": "feishu", "token_env": "F"},
            {"type": "webhook", "url_env": "U"},
        ]
    )
    assert resolve_secrets(wecom, {"K": "k1"}).base_url == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    assert resolve_secrets(feishu, {"F": "f1"}).base_url == "https://open.feishu.cn/open-apis/bot/v2/hook"
    assert resolve_secrets(hook, {"U": "https://h.example/x?sig=1"}).base_url == "https://h.example/x?sig=1"
    with pytest.raises(MissingSecretError, match="U does not hold an http"):
        resolve_secrets(hook, {"U": "not-a-url"})
