"""Shared constants and builders of the notification tests (known secrets, channels pointed at the local
receiver, the sample burst as alert events)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from orchestration.notify import AlertEvent

WECOM_KEY = "wk-7f3a9c1e-TOKEN-5521"
DING_TOKEN = "dt-0b8e44aa-TOKEN-9173"
DING_SECRET = "SECdd4f2a9c81e0b7TOPSECRET3366"
FEISHU_TOKEN = "fs-a1c2e3f4-TOKEN-8080"
FEISHU_SECRET = "fsSECRET-q9w8e7r6t5"
HOOK_SECRET = "hookSECRET-zz11yy22"
SECRET_VALUES = (WECOM_KEY, DING_TOKEN, DING_SECRET, FEISHU_TOKEN, FEISHU_SECRET, HOOK_SECRET)

ENV = {
    "FANOPS_WECOM_KEY": WECOM_KEY,
    "FANOPS_DINGTALK_TOKEN": DING_TOKEN,
    "FANOPS_DINGTALK_SECRET": DING_SECRET,
    "FANOPS_FEISHU_TOKEN": FEISHU_TOKEN,
    "FANOPS_FEISHU_SECRET": FEISHU_SECRET,
    "FANOPS_HOOK_SECRET": HOOK_SECRET,
}

REPORT = "https://bi.example.cn/fanops/report/latest"
PLAYBOOK_L1 = (
    "启动应急预案和危机小组",
    "暂停所有相关排期内容",
    "与合作方和媒体沟通",
    "调查并整改",
    "发布更正声明",
)


def channel_dicts(base: str, **common: Any) -> list[dict[str, Any]]:
    """One channel of each type, all pointed at the local receiver."""
    return [
        {
            "name": "duty-wecom",
            "type": "wecom",
            "url": f"{base}/wecom",
            "token_env": "FANOPS_WECOM_KEY",
            **common,
        },
        {
            "name": "duty-dingtalk",
            "type": "dingtalk",
            "url": f"{base}/dingtalk",
            "token_env": "FANOPS_DINGTALK_TOKEN",
            "secret_env": "FANOPS_DINGTALK_SECRET",
            **common,
        },
        {
            "name": "duty-feishu",
            "type": "feishu",
            "url": f"{base}/feishu/hook",
            "token_env": "FANOPS_FEISHU_TOKEN",
            "secret_env": "FANOPS_FEISHU_SECRET",
            **common,
        },
        {
            "name": "bi-webhook",
            "type": "webhook",
            "url": f"{base}/webhook/fanops",
            "secret_env": "FANOPS_HOOK_SECRET",
            **common,
        },
    ]


def make_event(**over: Any) -> AlertEvent:
    """The sample's burst: opened at 2026-09-16 20:00 Asia/Shanghai (12:00 UTC), level 1 on three platforms."""
    base: dict[str, Any] = {
        "alert_id": "crisis-20260916-qinghe-01",
        "event_seq": 1,
        "event": "opened",
        "level": 1,
        "level_name": "特别严重",
        "previous_level": None,
        "brand": "青禾",
        "platforms": ("weibo", "xiaohongshu", "douyin"),
        "opened_at": dt.datetime(2026, 9, 16, 12, 0),
        "event_at": dt.datetime(2026, 9, 16, 12, 0),
        "figures": {
            "negative": 128,
            "mentions": 412,
            "baseline": 3.25,
            "anomaly_score": 12.4567,
            "severe_texts": 37,
            "reach": 120_000_000,
        },
        "trigger": "负面量超过基线 12 倍；3 个平台；粉丝过亿作者发帖",
        "top_terms": "假货|过敏|退款|投诉",
        "samples": (
            "买到假货了，客服电话[PHONE]一直打不通，要求退款！",
            "喝完过敏了，身份证[ID]已经拍照留证，准备投诉到12315",
            "@青禾 你们的奶茶是不是有问题？邮箱[EMAIL]回复我",
            "第四条不应出现",
        ),
        "playbook": PLAYBOOK_L1,
        "calendar_action": "pause",
        "calendar_items": ("2026-09-17 10:00 微博 新品预告", "2026-09-17 19:00 抖音 直播预热"),
        "status": "open",
        "report_url": REPORT,
    }
    base.update(over)
    return AlertEvent(**base)


def timeline() -> list[AlertEvent]:
    """opened at level 3, escalated to 1, de-escalated to 2, closed."""
    return [
        make_event(event_seq=1, event="opened", level=3, level_name="较重"),
        make_event(
            event_seq=2,
            event="escalated",
            level=1,
            level_name="特别严重",
            previous_level=3,
            event_at=dt.datetime(2026, 9, 16, 13, 35),
        ),
        make_event(
            event_seq=3,
            event="deescalated",
            level=2,
            level_name="严重",
            previous_level=1,
            event_at=dt.datetime(2026, 9, 17, 2, 0),
        ),
        make_event(
            event_seq=4,
            event="closed",
            level=2,
            level_name="严重",
            previous_level=2,
            event_at=dt.datetime(2026, 9, 18, 2, 0),
            status="closed",
        ),
    ]
