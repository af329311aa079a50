"""One alert event rendered into each robot's payload, and the signed HTTP request that carries it.

Pure functions (no I/O): `render_alert` turns an `AlertEvent` into a platform-neutral `Rendered`
(title, label/value lines, lists, link); `build_payload` shapes it for WeCom (markdown), DingTalk
(markdown), Feishu/Lark (post) or a generic JSON webhook; `build_request` adds the token and signature
the platform expects. Chinese wording by default, English with ``language: en``. Level names and
playbook steps arrive in the event (one constant upstream; one text or a {"zh": ..., "en": ...} mapping
each); only the UI words live here.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from ingestion.pii import mask_text
from orchestration.notify.config import EVENTS, TOKEN_QUERY_PARAM, Channel, Secrets
from orchestration.reports.format import Lang, fmt_count, is_missing

TZ = ZoneInfo("Asia/Shanghai")
WECOM_MAX_BYTES = 4096  # WeCom markdown content limit (UTF-8 bytes)
DINGTALK_MAX_BYTES = 20000  # our own cap for DingTalk markdown text (the robot rejects very large bodies)
FEISHU_MAX_BYTES = 20000  # Feishu/Lark custom bots reject request bodies over 20 KB
MAX_SAMPLES = 3
SAMPLE_CHARS = 120
MAX_CALENDAR_ITEMS = 10
SIGNATURE_HEADER = "X-Fanops-Signature"
USER_AGENT = "fanops-notify/1"

# ---------------------------------------------------------------------------------------------- words

LEVEL_WORDS = {
    "zh": {1: "一级", 2: "二级", 3: "三级", 4: "四级"},
    "en": {1: "Level 1", 2: "Level 2", 3: "Level 3", 4: "Level 4"},
}
PLATFORM_NAMES = {
    "zh": {
        "wechat": "微信公众号",
        "douyin": "抖音",
        "kuaishou": "快手",
        "xiaohongshu": "小红书",
        "weibo": "微博",
        "bilibili": "B站",
        "zhihu": "知乎",
        "tmall": "天猫",
        "taobao": "淘宝",
        "douyin_shop": "抖音小店",
        "news": "新闻",
        "all": "全平台",
    },
    "en": {
        "wechat": "WeChat OA",
        "douyin": "Douyin",
        "kuaishou": "Kuaishou",
        "xiaohongshu": "Xiaohongshu",
        "weibo": "Weibo",
        "bilibili": "Bilibili",
        "zhihu": "Zhihu",
        "tmall": "Tmall",
        "taobao": "Taobao",
        "douyin_shop": "Douyin Shop",
        "news": "News",
        "all": "All platforms",
    },
}
WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "alert": "舆情预警",
        "opened": "新开",
        "escalated": "升级",
        "deescalated": "降级",
        "closed": "关闭",
        "title_escalated": "升级至",
        "title_deescalated": "降级至",
        "title_closed": "已关闭",
        "event": "事件",
        "level": "级别",
        "brand": "品牌",
        "platforms": "平台",
        "opened_at": "发现时间",
        "event_at": "变更时间",
        "figures": "数据",
        "trigger": "触发条件",
        "top_terms": "高频词",
        "samples": "样例（已脱敏）",
        "playbook": "处置步骤",
        "calendar_pause": "暂停以下排期内容",
        "calendar_review": "复核以下排期内容",
        "calendar_more": "……等共 {n} 条",
        "report": "报告",
        "view_report": "查看报告",
        "alert_id": "预警编号",
        "tz": "（北京时间）",
        "truncated": "……（内容过长，已截断）",
        "list_sep": "、",
        "fig_sep": "；",
        "negative": "负面文本 {v} 条",
        "mentions": "提及 {v} 条",
        "baseline": "基线 {v}",
        "anomaly_score": "异常分 {v}",
        "severe_texts": "含严重词 {v} 条",
        "reach": "作者触达 {v}",
    },
    "en": {
        "alert": "Crisis alert",
        "opened": "Opened",
        "escalated": "Escalated",
        "deescalated": "De-escalated",
        "closed": "Closed",
        "title_escalated": "escalated to ",
        "title_deescalated": "de-escalated to ",
        "title_closed": "closed",
        "event": "Event",
        "level": "Level",
        "brand": "Brand",
        "platforms": "Platforms",
        "opened_at": "Opened at",
        "event_at": "Changed at",
        "figures": "Figures",
        "trigger": "Trigger",
        "top_terms": "Top terms",
        "samples": "Samples (masked)",
        "playbook": "Playbook",
        "calendar_pause": "Pause these scheduled posts",
        "calendar_review": "Review these scheduled posts",
        "calendar_more": "... {n} in all",
        "report": "Report",
        "view_report": "Open the report",
        "alert_id": "Alert",
        "tz": " (Beijing time)",
        "truncated": "... (truncated)",
        "list_sep": ", ",
        "fig_sep": "; ",
        "negative": "{v} negative texts",
        "mentions": "{v} mentions",
        "baseline": "baseline {v}",
        "anomaly_score": "anomaly score {v}",
        "severe_texts": "{v} with severe terms",
        "reach": "author reach {v}",
    },
}
FIGURE_ORDER = ("negative", "mentions", "baseline", "anomaly_score", "severe_texts", "reach")


# ---------------------------------------------------------------------------------------------- input


@dataclass(frozen=True)
class AlertEvent:
    """One level change of one alert (a row of marts.fct_crisis_alert_events joined with its alert).
    Texts in `samples` are masked upstream; they are masked once more here as a safety net."""

    alert_id: str
    event_seq: int
    event: str  # opened | escalated | deescalated | closed
    level: int
    level_name: str | Mapping[str, str]  # one text, or {"zh": "特别严重", "en": "most severe"}
    brand: str
    platforms: tuple[str, ...]
    opened_at: dt.datetime  # UTC (naive = UTC)
    event_at: dt.datetime  # UTC (naive = UTC)
    previous_level: int | None = None
    figures: Mapping[str, Any] = field(default_factory=dict)
    trigger: str = ""
    top_terms: str = ""
    samples: tuple[str, ...] = ()
    playbook: tuple[str, ...] | Mapping[str, Sequence[str]] = ()  # step labels, or per language
    calendar_action: str | None = None  # pause | review | None
    calendar_items: tuple[str, ...] = ()
    status: str = "open"
    report_url: str | None = None

    def __post_init__(self) -> None:
        if self.event not in EVENTS:
            raise ValueError(f"alert {self.alert_id}: event {self.event!r} is not one of {', '.join(EVENTS)}")
        if self.level not in (1, 2, 3, 4):
            raise ValueError(f"alert {self.alert_id}: level {self.level!r} is not 1..4")
        if self.calendar_action not in (None, "pause", "review"):
            raise ValueError(f"alert {self.alert_id}: calendar_action {self.calendar_action!r}")

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> AlertEvent:
        """From a dict (e.g. a DataFrame record): platforms may be comma-separated text, lists may be
        None, numpy scalars are turned into Python ones."""

        def seq(v: object, sep: str | None = None) -> tuple[str, ...]:
            if v is None or (not isinstance(v, str | list | tuple) and is_missing(v)):
                return ()
            if isinstance(v, str):
                parts = v.split(sep) if sep else [v]
                return tuple(p.strip() for p in parts if p.strip())
            return tuple(str(x) for x in v if x is not None)  # type: ignore[attr-defined]

        def opt_int(v: object) -> int | None:
            return None if v is None or is_missing(v) else int(v)  # type: ignore[call-overload]

        def opt_str(v: object) -> str | None:
            return None if v is None or is_missing(v) or str(v) == "" else str(v)

        return cls(
            alert_id=str(d["alert_id"]),
            event_seq=int(d["event_seq"]),
            event=str(d["event"]),
            level=int(d["level"]),
            level_name=_texts(d["level_name"]),
            brand=str(d.get("brand") or ""),
            platforms=seq(d.get("platforms"), ","),
            opened_at=_as_datetime(d["opened_at"]),
            event_at=_as_datetime(d["event_at"]),
            previous_level=opt_int(d.get("previous_level")),
            figures=dict(d.get("figures") or {}),
            trigger=opt_str(d.get("trigger")) or "",
            top_terms=opt_str(d.get("top_terms")) or "",
            samples=seq(d.get("samples")),
            playbook=(
                {str(k): seq(v) for k, v in d["playbook"].items()}
                if isinstance(d.get("playbook"), Mapping)
                else seq(d.get("playbook"))
            ),
            calendar_action=opt_str(d.get("calendar_action")),
            calendar_items=seq(d.get("calendar_items")),
            status=opt_str(d.get("status")) or "open",
            report_url=opt_str(d.get("report_url")),
        )

    def level_name_in(self, language: str) -> str:
        """The level name in `language` (the zh text, else any, when that language is not given)."""
        return _in_language(self.level_name, language)

    def playbook_in(self, language: str) -> tuple[str, ...]:
        v = self.playbook
        if isinstance(v, Mapping):
            got = v.get(language) or v.get("zh") or next(iter(v.values()), ())
            return tuple(str(s) for s in got)
        return tuple(v)

    def as_json(self, language: str = "zh") -> dict[str, Any]:
        """The alert's fields for the generic webhook (ISO-8601 UTC times, plain numbers)."""
        return {
            "alert_id": self.alert_id,
            "level": self.level,
            "level_name": self.level_name_in(language),
            "brand": self.brand,
            "platforms": list(self.platforms),
            "opened_at": _iso(self.opened_at),
            "figures": {k: _plain(v) for k, v in self.figures.items()},
            "trigger": self.trigger,
            "top_terms": self.top_terms,
            "samples": [_safe_sample(s) for s in self.samples[:MAX_SAMPLES]],
            "playbook": list(self.playbook_in(language)),
            "calendar_action": self.calendar_action,
            "calendar_items": list(self.calendar_items),
            "status": self.status,
            "report_url": self.report_url,
        }


# ------------------------------------------------------------------------------------------ rendering


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    strong: bool = False  # rendered emphasised where the platform can (level, event)


@dataclass(frozen=True)
class Block:
    heading: str
    items: tuple[str, ...]
    numbered: bool = True


@dataclass(frozen=True)
class Rendered:
    """Platform-neutral message: a title, label/value lines, lists, an optional link, a footer."""

    title: str
    lines: tuple[Line, ...] = ()
    blocks: tuple[Block, ...] = ()
    link: tuple[str, str] | None = None  # (label, href)
    footer: str = ""
    language: str = "zh"
    severe: bool = False  # level 1-2 (WeCom colours it as a warning)


def render_alert(event: AlertEvent, language: str = "zh", report_url: str | None = None) -> Rendered:
    """The message for one alert event; `report_url` (the channel's) overrides the event's link."""
    w = WORDS[language]
    lv = LEVEL_WORDS[language]
    level_text = f"{lv[event.level]} {event.level_name_in(language)}".strip()
    platforms = w["list_sep"].join(PLATFORM_NAMES[language].get(p, p) for p in event.platforms)
    sep = "·" if language == "zh" else " · "
    if event.event == "opened":
        head = f"{w['alert']}{sep}{level_text}"
    elif event.event == "closed":
        head = f"{w['alert']}{sep}{w['title_closed']}{sep}{level_text}"
    else:
        head = f"{w['alert']}{sep}{w['title_' + event.event]}{level_text}"
    subject = " ".join(x for x in (event.brand, platforms) if x)
    title = f"【{head}】{subject}" if language == "zh" else f"[{head}] {subject}".rstrip()

    event_text = w[event.event]
    if event.event in ("escalated", "deescalated") and event.previous_level in lv:
        arrow = f"{lv[event.previous_level]} → {lv[event.level]}"  # type: ignore[index]
        event_text += f"（{arrow}）" if language == "zh" else f" ({arrow})"
    lines = [
        Line(w["event"], event_text, strong=True),
        Line(w["level"], level_text, strong=True),
        Line(w["brand"], event.brand),
        Line(w["platforms"], platforms),
        Line(w["opened_at"], _local(event.opened_at) + w["tz"]),
    ]
    if event.event != "opened":
        lines.append(Line(w["event_at"], _local(event.event_at) + w["tz"]))
    figures = _figures(event.figures, language)
    if figures:
        lines.append(Line(w["figures"], figures))
    if event.trigger:
        lines.append(Line(w["trigger"], _one_line(event.trigger)))
    if event.top_terms:
        lines.append(Line(w["top_terms"], _one_line(event.top_terms).replace("|", w["list_sep"])))
    lines = [x for x in lines if x.value]

    blocks: list[Block] = []
    if event.event != "closed":  # a closed incident needs no steps and no calendar changes
        playbook = event.playbook_in(language)
        if playbook:
            blocks.append(Block(w["playbook"], tuple(_one_line(s) for s in playbook)))
        if event.calendar_action and event.calendar_items:
            items = [_one_line(s) for s in event.calendar_items[:MAX_CALENDAR_ITEMS]]
            if len(event.calendar_items) > MAX_CALENDAR_ITEMS:
                items.append(w["calendar_more"].format(n=len(event.calendar_items)))
            blocks.append(Block(w[f"calendar_{event.calendar_action}"], tuple(items), numbered=False))
    samples = tuple(_safe_sample(s) for s in event.samples[:MAX_SAMPLES] if s and s.strip())
    if samples:
        blocks.append(Block(w["samples"], samples))

    href = report_url or event.report_url
    return Rendered(
        title=title,
        lines=tuple(lines),
        blocks=tuple(blocks),
        link=(w["view_report"], href) if href else None,
        footer=f"{w['alert_id']} {event.alert_id} #{event.event_seq}",
        language=language,
        severe=event.level <= 2 and event.event != "closed",
    )


def render_notice(title: str, text: str, language: str = "zh", link: str | None = None) -> Rendered:
    """A free-form notice (e.g. a failed run): the title and one line per paragraph of `text`."""
    w = WORDS[language]
    paragraphs = tuple(p.strip() for p in text.splitlines() if p.strip())
    return Rendered(
        title=_one_line(title),
        blocks=(Block("", paragraphs, numbered=False),) if paragraphs else (),
        link=(w["report"], link) if link else None,
        language=language,
    )


def plain_text(r: Rendered) -> str:
    """The message as plain text (the webhook's `text`, logs and previews)."""
    out = [r.title]
    out += [f"{x.label}：{x.value}" if r.language == "zh" else f"{x.label}: {x.value}" for x in r.lines]
    for b in r.blocks:
        if b.heading:
            out.append(f"{b.heading}：" if r.language == "zh" else f"{b.heading}:")
        out += [f"{i}. {s}" if b.numbered else f"- {s}" for i, s in enumerate(b.items, 1)]
    if r.link:
        out.append(f"{r.link[0]}：{r.link[1]}" if r.language == "zh" else f"{r.link[0]}: {r.link[1]}")
    if r.footer:
        out.append(r.footer)
    return "\n".join(out)


# ------------------------------------------------------------------------------------------- payloads


def build_payload(
    channel_type: str, r: Rendered, *, kind: str = "crisis_alert", event: AlertEvent | None = None
) -> dict[str, Any]:
    """The JSON body (before signing) for one channel type."""
    if channel_type == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": wecom_markdown(r)}}
    if channel_type == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": r.title, "text": dingtalk_markdown(r)}}
    if channel_type == "feishu":
        return feishu_post(r)
    if channel_type == "webhook":
        body: dict[str, Any] = {"source": "fanops", "kind": kind, "title": r.title, "language": r.language}
        if event is not None:
            body["alert"] = event.as_json(r.language)
            body["event"] = {
                "alert_id": event.alert_id,
                "event_seq": event.event_seq,
                "event": event.event,
                "level": event.level,
                "level_name": event.level_name_in(r.language),
                "previous_level": event.previous_level,
                "event_at": _iso(event.event_at),
            }
        body["text"] = plain_text(r)
        return body
    raise ValueError(f"unknown channel type {channel_type!r}")


def wecom_markdown(r: Rendered, max_bytes: int = WECOM_MAX_BYTES) -> str:
    """WeCom's markdown subset: headings, bold, quotes, <font color>, links; at most `max_bytes`."""
    colour = "warning" if r.severe else "comment"
    head = [f"## {_md(r.title)}"]
    body: list[str] = []
    for x in r.lines:
        value = f'<font color="{colour}">{_md(x.value)}</font>' if x.strong else _md(x.value)
        body.append(f"> {x.label}：{value}" if r.language == "zh" else f"> {x.label}: {value}")
    for b in r.blocks:
        if b.heading:
            body.append(f"**{b.heading}**")
        body += [f"{i}. {_md(s)}" if b.numbered else f"- {_md(s)}" for i, s in enumerate(b.items, 1)]
    tail = []
    if r.link:
        tail.append(f"[{r.link[0]}]({r.link[1]})")
    if r.footer:
        tail.append(f'<font color="comment">{r.footer}</font>')
    return _fit(head + body, tail, "\n", max_bytes, WORDS[r.language]["truncated"])


def dingtalk_markdown(r: Rendered, max_bytes: int = DINGTALK_MAX_BYTES) -> str:
    """DingTalk markdown: a blank line between lines (a single newline does not break a line there)."""
    head = [f"#### {_md(r.title)}"]
    body: list[str] = []
    for x in r.lines:
        value = f"**{_md(x.value)}**" if x.strong else _md(x.value)
        body.append(f"{x.label}：{value}" if r.language == "zh" else f"{x.label}: {value}")
    for b in r.blocks:
        items = [f"{i}. {_md(s)}" if b.numbered else f"- {_md(s)}" for i, s in enumerate(b.items, 1)]
        body.append(((f"**{b.heading}**\n\n") if b.heading else "") + "\n".join(items))
    tail = []
    if r.link:
        tail.append(f"[{r.link[0]}]({r.link[1]})")
    if r.footer:
        tail.append(r.footer)
    return _fit(head + body, tail, "\n\n", max_bytes, WORDS[r.language]["truncated"])


def feishu_post(r: Rendered, max_bytes: int = FEISHU_MAX_BYTES) -> dict[str, Any]:
    """Feishu/Lark rich-text `post`: paragraphs of text and link elements, zh_cn or en_us."""
    zh = r.language == "zh"
    paragraphs: list[list[dict[str, str]]] = []
    for x in r.lines:
        paragraphs.append(
            [{"tag": "text", "text": f"{x.label}：{x.value}" if zh else f"{x.label}: {x.value}"}]
        )
    for b in r.blocks:
        if b.heading:
            paragraphs.append([{"tag": "text", "text": f"{b.heading}：" if zh else f"{b.heading}:"}])
        for i, s in enumerate(b.items, 1):
            paragraphs.append([{"tag": "text", "text": f"{i}. {s}" if b.numbered else f"- {s}"}])
    tail: list[list[dict[str, str]]] = []
    if r.link:
        label = WORDS[r.language]["report"]
        tail.append(
            [
                {"tag": "text", "text": f"{label}：" if zh else f"{label}: "},
                {"tag": "a", "text": r.link[0], "href": r.link[1]},
            ]
        )
    if r.footer:
        tail.append([{"tag": "text", "text": r.footer}])
    locale = "zh_cn" if zh else "en_us"

    def wrap(ps: list[list[dict[str, str]]]) -> dict[str, Any]:
        return {"msg_type": "post", "content": {"post": {locale: {"title": r.title, "content": ps}}}}

    # too long: drop paragraphs from the end (samples first) and say so; the title and the link stay
    limit = max_bytes - 200  # room for the signature fields
    if len(_json_bytes(wrap(paragraphs + tail))) > limit:
        marker = [[{"tag": "text", "text": WORDS[r.language]["truncated"]}]]
        while paragraphs and len(_json_bytes(wrap(paragraphs + marker + tail))) > limit:
            paragraphs.pop()
        paragraphs += marker
    return wrap(paragraphs + tail)


# -------------------------------------------------------------------------------------------- request


@dataclass(frozen=True)
class OutgoingRequest:
    """What goes on the wire. `url` and, when signed, `body`/`headers` hold secrets: never log them."""

    url: str
    body: bytes
    headers: Mapping[str, str]
    payload_sha256: str  # of the unsigned body: the same event renders the same hash on every attempt

    def __repr__(self) -> str:
        return f"OutgoingRequest(<redacted>, {len(self.body)} bytes, sha256={self.payload_sha256[:12]})"


def build_request(
    channel: Channel, secrets: Secrets, payload: Mapping[str, Any], *, now_s: float
) -> OutgoingRequest:
    """URL with the token (and DingTalk's timestamp/sign), body (Feishu's timestamp/sign inside) and
    headers (the webhook's HMAC signature). `now_s` is the Unix time of this attempt."""
    unsigned = _json_bytes(payload)
    digest = hashlib.sha256(unsigned).hexdigest()
    url = secrets.base_url
    body_obj: dict[str, Any] = dict(payload)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    if secrets.token is not None:
        if channel.type in TOKEN_QUERY_PARAM:
            url = _add_query(url, [(TOKEN_QUERY_PARAM[channel.type], secrets.token)])
        else:  # feishu: the token is the last path segment of .../bot/v2/hook/<token>
            parts = urlsplit(url)
            path = parts.path.rstrip("/") + "/" + quote(secrets.token, safe="")
            url = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    if secrets.secret is not None:
        if channel.type == "dingtalk":
            ts_ms = str(int(now_s * 1000))
            url = _add_query(url, [("timestamp", ts_ms), ("sign", dingtalk_sign(secrets.secret, ts_ms))])
        elif channel.type == "feishu":
            ts = str(int(now_s))
            body_obj = {"timestamp": ts, "sign": feishu_sign(secrets.secret, ts), **body_obj}
    body = unsigned if body_obj == dict(payload) else _json_bytes(body_obj)
    if secrets.secret is not None and channel.type == "webhook":
        mac = hmac.new(secrets.secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        headers[SIGNATURE_HEADER] = f"sha256={mac}"
    return OutgoingRequest(url=url, body=body, headers=headers, payload_sha256=digest)


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    """base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")) (URL-encoded when put in the URL)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def feishu_sign(secret: str, timestamp_s: str) -> str:
    """Feishu/Lark: base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")) — the key is the string."""
    mac = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


# ------------------------------------------------------------------------------------------- helpers


def truncate_utf8(text: str, max_bytes: int, marker: str = "…") -> str:
    """`text` cut to at most `max_bytes` UTF-8 bytes on a character boundary, `marker` appended if cut."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    room = max(0, max_bytes - len(marker.encode("utf-8")))
    return raw[:room].decode("utf-8", errors="ignore") + (marker if room or not marker else "")


def _fit(head: list[str], tail: list[str], sep: str, max_bytes: int, marker: str) -> str:
    """Join head + tail; when too long, drop whole lines from the end of `head` (keeping the title and
    the tail: link and alert id) and say so; as a last resort cut on a character boundary."""
    full = sep.join(head + tail)
    if len(full.encode("utf-8")) <= max_bytes:
        return full
    kept = list(head)
    while len(kept) > 1:
        kept.pop()
        text = sep.join([*kept, marker, *tail])
        if len(text.encode("utf-8")) <= max_bytes:
            return text
    return truncate_utf8(sep.join([*kept, marker, *tail]), max_bytes)


_MD_SPECIAL = str.maketrans({"<": "＜", ">": "＞", "*": "＊", "`": "｀"})
_MD_LINK = re.compile(r"\]\s*\(")
_SPACE = re.compile(r"\s+")


def _md(text: str) -> str:
    """User text inside markdown: control characters swapped for full-width look-alikes, so a comment
    cannot inject a link, bold text or a <font> tag into the alert ([PHONE] stays as it is)."""
    return _MD_LINK.sub("］(", text.translate(_MD_SPECIAL))


def _one_line(text: object) -> str:
    return _SPACE.sub(" ", str(text)).strip()


def _safe_sample(text: str) -> str:
    """A sample for the message: masked again (idempotent: [PHONE] stays [PHONE]), one line, shortened."""
    t = _one_line(mask_text(str(text)))
    return t if len(t) <= SAMPLE_CHARS else t[: SAMPLE_CHARS - 1] + "…"


def _figures(figures: Mapping[str, Any], language: str) -> str:
    w = WORDS[language]
    lang: Lang = "zh" if language == "zh" else "en"
    parts = []
    for key in FIGURE_ORDER:
        v = figures.get(key)
        if v is None or is_missing(v):
            continue
        if key == "anomaly_score":
            text = f"{float(v):.2f}"
        elif key == "baseline":
            text = f"{float(v):.1f}"
        else:
            text = fmt_count(v, lang)
        parts.append(w[key].format(v=text))
    return w["fig_sep"].join(parts)


def _in_language(v: str | Mapping[str, str], language: str) -> str:
    if isinstance(v, Mapping):
        return str(v.get(language) or v.get("zh") or next(iter(v.values()), ""))
    return str(v)


def _texts(v: object) -> str | Mapping[str, str]:
    return {str(k): str(x) for k, x in v.items()} if isinstance(v, Mapping) else str(v)


def _as_datetime(v: object) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, str):
        return dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    to_py = getattr(v, "to_pydatetime", None)  # pandas Timestamp
    if callable(to_py):
        out = to_py()
        if isinstance(out, dt.datetime):
            return out
    raise ValueError(f"expected a datetime, got {type(v).__name__}")


def _utc(v: dt.datetime) -> dt.datetime:
    return v.replace(tzinfo=dt.UTC) if v.tzinfo is None else v.astimezone(dt.UTC)


def _local(v: dt.datetime) -> str:
    return _utc(v).astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def _iso(v: dt.datetime) -> str:
    return _utc(v).isoformat().replace("+00:00", "Z")


def _plain(v: object) -> object:
    if v is None or isinstance(v, bool | int | str):
        return v
    if is_missing(v):
        return None
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)
    return int(f) if f.is_integer() and not isinstance(v, float) else f


def _json_bytes(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _add_query(url: str, params: Sequence[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    extra = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
