"""Message wording (zh/en), each platform's payload shape, size limits and masking — no network here."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from orchestration.notify import AlertEvent, preview
from orchestration.notify.messages import (
    WECOM_MAX_BYTES,
    build_payload,
    dingtalk_markdown,
    feishu_post,
    plain_text,
    render_alert,
    truncate_utf8,
    wecom_markdown,
)
from tests.notify.notify_testlib import REPORT, make_event, timeline

PHONE_RUN = re.compile(r"\d{11}")


def test_opened_title_and_lines_zh() -> None:
    text = plain_text(render_alert(make_event()))
    assert text.splitlines() == [
        "【舆情预警·一级 特别严重】青禾 微博、小红书、抖音",
        "事件：新开",
        "级别：一级 特别严重",
        "品牌：青禾",
        "平台：微博、小红书、抖音",
        # 12:00 UTC = 20:00 Asia/Shanghai
        "发现时间：2026-09-16 20:00（北京时间）",
        # 3.25 -> 3.2 (one decimal, half-even on the binary value), 12.4567 -> 12.46, 120,000,000 -> 1.2亿
        "数据：负面文本 128 条；提及 412 条；基线 3.2；异常分 12.46；含严重词 37 条；作者触达 1.2亿",
        "触发条件：负面量超过基线 12 倍；3 个平台；粉丝过亿作者发帖",
        "高频词：假货、过敏、退款、投诉",
        "处置步骤：",
        "1. 启动应急预案和危机小组",
        "2. 暂停所有相关排期内容",
        "3. 与合作方和媒体沟通",
        "4. 调查并整改",
        "5. 发布更正声明",
        "暂停以下排期内容：",
        "- 2026-09-17 10:00 微博 新品预告",
        "- 2026-09-17 19:00 抖音 直播预热",
        "样例（已脱敏）：",
        "1. 买到假货了，客服电话[PHONE]一直打不通，要求退款！",
        "2. 喝完过敏了，身份证[ID]已经拍照留证，准备投诉到12315",
        "3. @青禾 你们的奶茶是不是有问题？邮箱[EMAIL]回复我",
        f"查看报告：{REPORT}",
        "预警编号 crisis-20260916-qinghe-01 #1",
    ]


def test_titles_per_event_zh_and_en() -> None:
    opened, escalated, deescalated, closed = timeline()
    assert render_alert(opened).title == "【舆情预警·三级 较重】青禾 微博、小红书、抖音"
    assert render_alert(escalated).title == "【舆情预警·升级至一级 特别严重】青禾 微博、小红书、抖音"
    assert render_alert(deescalated).title == "【舆情预警·降级至二级 严重】青禾 微博、小红书、抖音"
    assert render_alert(closed).title == "【舆情预警·已关闭·二级 严重】青禾 微博、小红书、抖音"
    esc = plain_text(render_alert(escalated))
    assert "事件：升级（三级 → 一级）" in esc and "变更时间：2026-09-16 21:35（北京时间）" in esc
    en = render_alert(escalated.__class__(**{**escalated.__dict__, "level_name": "Critical"}), "en")
    assert en.title == "[Crisis alert · escalated to Level 1 Critical] 青禾 Weibo, Xiaohongshu, Douyin"
    en_text = plain_text(en)
    assert "Event: Escalated (Level 3 → Level 1)" in en_text
    assert (
        "Figures: 128 negative texts; 412 mentions; baseline 3.2; anomaly score 12.46; 37 with severe terms; author reach 120M"
        in en_text
    )
    assert "Opened at: 2026-09-16 20:00 (Beijing time)" in en_text


def test_closed_message_has_no_playbook_or_calendar() -> None:
    closed = timeline()[-1]
    text = plain_text(render_alert(closed))
    assert "处置步骤" not in text and "暂停以下排期内容" not in text
    assert "事件：关闭" in text


def test_channel_report_url_overrides_the_events() -> None:
    r = render_alert(make_event(), report_url="https://intranet.example/r")
    assert r.link == ("查看报告", "https://intranet.example/r")
    assert render_alert(make_event(report_url=None)).link is None


def test_samples_are_masked_even_when_given_unmasked() -> None:
    ev = make_event(
        samples=("客服 13812345678 不回", "+86 139-1234-5678 也不回", "身份证 11010519491231002X")
    )
    for kind in ("wecom", "dingtalk", "feishu", "webhook"):
        body = json.dumps(build_payload(kind, render_alert(ev), event=ev), ensure_ascii=False)
        assert not PHONE_RUN.search(body), kind
        assert "[PHONE]" in body or "［PHONE］" in body
    assert "[ID]" in plain_text(render_alert(ev))


def test_only_three_samples_shortened_to_one_line() -> None:
    ev = make_event(samples=("第一条\n换行", "x" * 500, "三", "第四条不应出现"))
    text = plain_text(render_alert(ev))
    assert "第四条不应出现" not in text
    assert "1. 第一条 换行" in text
    assert "2. " + "x" * 119 + "…" in text


def test_markdown_injection_is_neutralised() -> None:
    ev = make_event(samples=('<font color="info">好评</font> [点我](http://evil.example) **粗体**',))
    md = wecom_markdown(render_alert(ev))
    assert "](http://evil.example)" not in md and '<font color="info">' not in md
    assert "**粗体**" not in md
    assert "[PHONE]" in wecom_markdown(render_alert(make_event()))  # placeholders stay readable


def test_wecom_payload_shape_and_4096_byte_limit() -> None:
    ev = make_event(
        samples=tuple("负面内容很长" * 40 for _ in range(3)),
        calendar_items=tuple(f"2026-09-{17 + i % 10} 10:00 微博 {'排期内容标题' * 10}" for i in range(40)),
        playbook=tuple("处置步骤说明" * 30 for _ in range(8)),
    )
    payload = build_payload("wecom", render_alert(ev), event=ev)
    assert set(payload) == {"msgtype", "markdown"} and payload["msgtype"] == "markdown"
    content = payload["markdown"]["content"]
    size = len(content.encode("utf-8"))
    assert 3000 < size <= WECOM_MAX_BYTES
    assert content.startswith("## 【舆情预警·一级 特别严重】")
    # the link and the alert id survive the cut; the cut is announced
    assert content.endswith(
        f'[查看报告]({REPORT})\n<font color="comment">预警编号 crisis-20260916-qinghe-01 #1</font>'
    )
    assert "……（内容过长，已截断）" in content


def test_truncate_utf8_cuts_on_a_character_boundary() -> None:
    assert truncate_utf8("青禾青禾", 7) == "青…"  # 3 + 3 ("…") bytes; the next 3-byte 禾 does not fit
    assert truncate_utf8("青禾", 6) == "青禾"
    cut = truncate_utf8("青" * 3000, WECOM_MAX_BYTES)
    assert len(cut.encode("utf-8")) <= WECOM_MAX_BYTES and cut.endswith("…")
    assert cut.encode("utf-8").decode("utf-8") == cut


def test_dingtalk_payload_shape() -> None:
    ev = make_event()
    payload = build_payload("dingtalk", render_alert(ev), event=ev)
    assert payload["msgtype"] == "markdown" and set(payload["markdown"]) == {"title", "text"}
    assert payload["markdown"]["title"] == "【舆情预警·一级 特别严重】青禾 微博、小红书、抖音"
    text = payload["markdown"]["text"]
    assert text.startswith("#### 【舆情预警") and "事件：**新开**" in text
    assert "\n\n1. 启动应急预案和危机小组\n2. 暂停所有相关排期内容" in text
    assert text.endswith(f"[查看报告]({REPORT})\n\n预警编号 crisis-20260916-qinghe-01 #1")
    assert dingtalk_markdown(render_alert(ev)) == text


@pytest.mark.parametrize(("language", "locale"), [("zh", "zh_cn"), ("en", "en_us")])
def test_feishu_post_shape(language: str, locale: str) -> None:
    ev = make_event()
    payload = build_payload("feishu", render_alert(ev, language), event=ev)
    assert payload["msg_type"] == "post"
    post = payload["content"]["post"]
    assert list(post) == [locale]
    assert post[locale]["title"] == render_alert(ev, language).title
    content = post[locale]["content"]
    assert all(isinstance(p, list) and all({"tag", "text"} <= set(el) for el in p) for p in content)
    links = [el for p in content for el in p if el["tag"] == "a"]
    assert links == [
        {"tag": "a", "text": "查看报告" if language == "zh" else "Open the report", "href": REPORT}
    ]


def test_feishu_post_stays_under_its_size_limit() -> None:
    ev = make_event(
        calendar_items=tuple("排期" * 200 for _ in range(10)), playbook=tuple("步骤" * 300 for _ in range(10))
    )
    payload = feishu_post(render_alert(ev), max_bytes=8000)
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert len(raw) <= 8000 - 200
    texts = [el["text"] for p in payload["content"]["post"]["zh_cn"]["content"] for el in p]
    assert "……（内容过长，已截断）" in texts and "预警编号 crisis-20260916-qinghe-01 #1" in texts


def test_webhook_payload_carries_every_field() -> None:
    ev = make_event()
    payload = build_payload("webhook", render_alert(ev), event=ev)
    assert {"source", "kind", "alert", "event", "text"} <= set(payload)
    assert payload["source"] == "fanops" and payload["kind"] == "crisis_alert"
    assert payload["event"] == {
        "alert_id": "crisis-20260916-qinghe-01",
        "event_seq": 1,
        "event": "opened",
        "level": 1,
        "level_name": "特别严重",
        "previous_level": None,
        "event_at": "2026-09-16T12:00:00Z",
    }
    alert = payload["alert"]
    assert alert["opened_at"] == "2026-09-16T12:00:00Z" and alert["platforms"] == [
        "weibo",
        "xiaohongshu",
        "douyin",
    ]
    assert alert["figures"]["reach"] == 120_000_000 and alert["figures"]["anomaly_score"] == 12.4567
    assert len(alert["samples"]) == 3 and alert["playbook"] == list(ev.playbook)
    assert alert["calendar_action"] == "pause" and alert["report_url"] == REPORT
    assert payload["text"] == plain_text(render_alert(ev))


def test_from_mapping_accepts_mart_shaped_rows() -> None:
    ev = AlertEvent.from_mapping(
        {
            "alert_id": "a1",
            "event_seq": 2,
            "event": "escalated",
            "level": 2,
            "level_name": "严重",
            "previous_level": 4,
            "brand": "青禾",
            "platforms": "weibo, douyin",
            "opened_at": "2026-09-16T12:00:00Z",
            "event_at": dt.datetime(2026, 9, 16, 14, 0, tzinfo=dt.UTC),
            "figures": {"negative": 40, "reach": None},
            "samples": None,
            "playbook": ["启动应急预案"],
            "calendar_action": None,
            "report_url": "",
        }
    )
    assert ev.platforms == ("weibo", "douyin") and ev.samples == () and ev.report_url is None
    text = preview(ev)
    assert text.splitlines()[0] == "【舆情预警·升级至二级 严重】青禾 微博、抖音"
    assert "数据：负面文本 40 条" in text and "触达" not in text
    assert "事件：升级（四级 → 二级）" in text


def test_invalid_event_is_refused() -> None:
    with pytest.raises(ValueError, match="event 'reopened'"):
        make_event(event="reopened")
    with pytest.raises(ValueError, match="level 5"):
        make_event(level=5)


def test_level_name_and_playbook_per_language() -> None:
    ev = make_event(
        level_name={"zh": "特别严重", "en": "most severe"},
        playbook={
            "zh": ("启动应急预案", "成立危机处理小组"),
            "en": ("Start the emergency plan", "Convene the crisis team"),
        },
    )
    zh, en = plain_text(render_alert(ev, "zh")), plain_text(render_alert(ev, "en"))
    assert zh.startswith("【舆情预警·一级 特别严重】") and "1. 启动应急预案\n2. 成立危机处理小组" in zh
    assert en.startswith("[Crisis alert · Level 1 most severe]")
    assert "1. Start the emergency plan\n2. Convene the crisis team" in en
    hook = build_payload("webhook", render_alert(ev, "en"), event=ev)
    assert (
        hook["event"]["level_name"] == "most severe"
        and hook["alert"]["playbook"][0] == "Start the emergency plan"
    )
    # a language that is not given falls back to the Chinese text
    only_zh = make_event(level_name={"zh": "严重"}, level=2)
    assert render_alert(only_zh, "en").title.startswith("[Crisis alert · Level 2 严重]")
    mapped = AlertEvent.from_mapping({**ev.__dict__, "platforms": list(ev.platforms)})
    assert mapped.playbook_in("en") == ("Start the emergency plan", "Convene the crisis team")
