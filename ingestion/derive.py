"""Derived raw columns: the few genuinely dataset-specific quirks (post refs, URL ids, formats).

Each function takes the batch's parsed columns (Python lists, ids still in clear text: pseudonymisation
happens after derivation) and returns new columns by name, plus per-row problems where a derivation can
fail. Registered by the names used in ``contracts/datasets.yaml``.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ingestion.contracts import ColumnDecl, TableDecl

_ZW = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_WS = re.compile(r"\s+")


@dataclass
class DeriveContext:
    table: TableDecl
    group: str | None
    account: str | None
    cols: dict[str, list[Any]]  # parsed values by column name (Python objects)
    n: int
    registry: Any  # AccountRegistry
    problems: dict[int, list[tuple[str, str, str, Any]]] = field(default_factory=dict)

    def problem(self, i: int, column: str, reason: str, message: str, raw: Any) -> None:
        self.problems.setdefault(i, []).append((column, reason, message, raw))


Derive = Callable[[DeriveContext, ColumnDecl], dict[str, list[Any]]]
REGISTRY: dict[str, Derive] = {}


def derive(name: str) -> Callable[[Derive], Derive]:
    def deco(fn: Derive) -> Derive:
        REGISTRY[name] = fn
        return fn

    return deco


# --------------------------------------------------------------------------- post references (§2.15)


def norm_text(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text).translate(_ZW))


def hashed_ref(published_utc: datetime, text: str) -> str:
    local = published_utc + timedelta(hours=8)
    minute = local.strftime("%Y-%m-%d %H:%M")
    digest = hashlib.sha256(f"{minute}|{norm_text(text)}".encode()).hexdigest()
    return "h" + digest[:16]


@derive("hashed_post_ref")
def _hashed_post_ref(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    times = ctx.cols.get(col.args["time"]) or [None] * ctx.n
    texts = ctx.cols.get(col.args["text"]) or [None] * ctx.n
    cache: dict[tuple[Any, Any], str] = {}  # comments of one video share its (time, title)
    out: list[str | None] = []
    for t, x in zip(times, texts):
        if t is None or x is None:
            out.append(None)
            continue
        k = (t, x)
        v = cache.get(k)
        if v is None:
            v = cache[k] = hashed_ref(t, x)
        out.append(v)
    return {col.name: out}


_MP_RE = re.compile(r"mp\.weixin\.qq\.com/s/([A-Za-z0-9_-]+)")


def wechat_url(url: str | None) -> tuple[str | None, str | None, str | None]:
    """(post_ref, source, biz) from an article URL (after HTML-unescaping)."""
    if not url:
        return None, None, None
    u = html.unescape(url.strip())
    parts = urlsplit(u)
    if "mp.weixin.qq.com" in parts.netloc:
        q = parse_qs(parts.query)
        mid, idx = q.get("mid", [None])[0], q.get("idx", [None])[0]
        biz = q.get("__biz", [None])[0]
        if mid and idx and mid.isdigit() and idx.isdigit():
            return f"{mid}_{idx}", "url", biz
        m = _MP_RE.search(u)
        if m and parts.path.startswith("/s/"):
            return f"s_{m.group(1)}", "short_url", biz
    return None, None, None


@derive("wechat_url_post_ref")
def _wechat_url_post_ref(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    if "post_ref" in ctx.cols and "post_ref_source" in ctx.cols:
        return {}
    refs, srcs, bizs = [], [], []
    for u in ctx.cols.get("content_url") or [None] * ctx.n:
        r, s, b = wechat_url(u)
        refs.append(r)
        srcs.append(s)
        bizs.append(b)
    return {"post_ref": refs, "post_ref_source": srcs, "biz": bizs,
            "platform_post_id": [r if s == "url" else None for r, s in zip(refs, srcs)]}


@derive("wechat_comment_post_ref")
def _wechat_comment_post_ref(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    mids = ctx.cols.get("msg_data_id") or [None] * ctx.n
    idxs = ctx.cols.get("article_index") or [0] * ctx.n
    return {col.name: [f"{m}_{int(i if i is not None else 0) + 1}" if m else None for m, i in zip(mids, idxs)]}


@derive("copy_post_ref")
def _copy_post_ref(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    return {col.name: list(ctx.cols.get("post_ref") or [None] * ctx.n)}


@derive("copy_item_id")
def _copy_item_id(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    return {col.name: list(ctx.cols.get("item_id") or [None] * ctx.n)}


@derive("douyin_format")
def _douyin_format(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    fmts: list[str | None] = []
    buckets: list[str | None] = []
    for v in ctx.cols.get("format_raw") or [None] * ctx.n:
        if v is None:
            fmts.append(None)
            buckets.append(None)
        elif v == "图文":
            fmts.append("image_text")
            buckets.append(None)
        elif v.endswith("视频"):
            fmts.append("video")
            buckets.append(v)
        else:
            fmts.append("other")
            buckets.append(None)
    return {"format": fmts, "duration_bucket": buckets}


_HEX24 = re.compile(r"(?<![0-9a-fA-F])([0-9a-f]{24})(?![0-9a-fA-F])")


@derive("xhs_note_id")
def _xhs_note_id(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    out = []
    for v in ctx.cols.get("note_ref") or [None] * ctx.n:
        m = _HEX24.search(v) if v else None
        out.append(m.group(1) if m else None)
    return {col.name: out}


_TAG = re.compile(r"<[^>]+>")


@derive("strip_html")
def _strip_html(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    src = ctx.cols.get(col.args["from"]) or [None] * ctx.n
    return {col.name: [html.unescape(_TAG.sub("", v)).strip() if v is not None else None for v in src]}


@derive("strip_prefix")
def _strip_prefix(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    src = ctx.cols.get(col.args["from"]) or [None] * ctx.n
    prefix = col.args["prefix"]
    return {col.name: [v.removeprefix(prefix).strip() if v is not None else None for v in src]}


@derive("any_true")
def _any_true(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    """True when any source is true, False when all known sources are false, NULL when none is known."""
    srcs = [ctx.cols.get(name) or [None] * ctx.n for name in col.args["from"].split(",")]
    out: list[bool | None] = []
    for vals in zip(*srcs):
        known = [v for v in vals if v is not None]
        out.append(any(known) if known else None)
    return {col.name: out}


@derive("is_not_null")
def _is_not_null(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    src = ctx.cols.get(col.args["from"]) or [None] * ctx.n
    return {col.name: [v is not None for v in src]}


WECHAT_USER_SOURCES = {
    0: "其他合计", 1: "公众号搜索", 3: "搜索微信号", 17: "名片分享", 30: "扫描二维码", 35: "搜索公众号名称",
    43: "图文页右上角菜单", 51: "支付后关注", 57: "文章内账号名称", 100: "微信广告", 149: "小程序关注",
    161: "他人转载", 200: "视频号", 201: "直播",
}


@derive("wechat_user_source_name")
def _user_source_name(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    return {col.name: [WECHAT_USER_SOURCES.get(v) if v is not None else None
                       for v in ctx.cols.get("user_source") or [None] * ctx.n]}


# --------------------------------------------------------------------------- URL references (§2.15)

_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def weibo_bid_to_mid(bid: str) -> str | None:
    """Base62 bid (e.g. FmHnoB8cb) to the numeric mid, decoded in groups of 4 from the right."""
    if not bid or any(ch not in _B62 for ch in bid):
        return None
    parts = []
    s = bid
    while s:
        chunk, s = s[-4:], s[:-4]
        n = 0
        for ch in chunk:
            n = n * 62 + _B62.index(ch)
        parts.append(n)
    out = ""
    for i, n in enumerate(reversed(parts)):
        out += str(n) if i == 0 else str(n).zfill(7)
    return out.lstrip("0") or None


_URL_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("douyin", re.compile(r"(?:www\.)?douyin\.com/(?:video|note)/(\d{19})")),
    ("kuaishou", re.compile(r"(?:www\.)?kuaishou\.com/short-video/([0-9A-Za-z]+)")),
    ("xiaohongshu", re.compile(r"xiaohongshu\.com/(?:explore|discovery/item)/([0-9a-f]{24})")),
    ("weibo", re.compile(r"m\.weibo\.cn/(?:detail|status)/([0-9A-Za-z]+)")),
    ("weibo", re.compile(r"(?:www\.)?weibo\.com/\d+/([0-9A-Za-z]+)")),
]


def ref_post_id(value: str | None) -> tuple[str | None, str | None]:
    """(platform post id, platform) from a URL or a bare id (§2.15); (None, None) when unknown/short link."""
    if not value:
        return None, None
    v = html.unescape(value.strip())
    if "mp.weixin.qq.com" in v:
        ref, src, _ = wechat_url(v)
        return (ref, "wechat") if src == "url" else (None, "wechat")
    for platform, pat in _URL_PATTERNS:
        m = pat.search(v)
        if m:
            pid = m.group(1)
            if platform == "weibo" and not pid.isdigit():
                pid = weibo_bid_to_mid(pid) or pid
            return pid, platform
    if re.search(r"(v\.douyin\.com|v\.kuaishou\.com|xhslink\.com)/", v):
        return None, None
    if re.fullmatch(r"\d+_\d+", v):
        return v, "wechat"
    if re.fullmatch(r"\d{16}", v):
        return v, "weibo"
    if re.fullmatch(r"\d{19}", v):
        return v, "douyin"
    if re.fullmatch(r"[0-9a-f]{24}", v):
        return v, "xiaohongshu"
    if re.fullmatch(r"3x[0-9a-z]{13}", v):
        return v, "kuaishou"
    return None, None


@derive("ref_platform_post_id")
def _ref_platform_post_id(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    ids, plats = [], []
    for v in ctx.cols.get(col.args["from"]) or [None] * ctx.n:
        a, b = ref_post_id(v)
        ids.append(a)
        plats.append(b)
    return {"ref_platform_post_id": ids, "ref_platform": plats}


_WEIBO_UID_URL = re.compile(r"^https?://(?:www\.)?weibo\.com/(\d+)/([0-9A-Za-z]+)")


def listening_url(url: str, author_id: str | None) -> str:
    """The public post link without the author's uid (§3.17)."""
    u = url.strip()
    m = _WEIBO_UID_URL.match(u)
    if m:
        return f"https://m.weibo.cn/status/{m.group(2)}"
    if author_id:
        parts = urlsplit(u)
        segs = [s for s in parts.path.split("/")]
        if author_id in segs:
            path = "/".join(s for s in segs if s != author_id)
            u = parts._replace(path=path or "/").geturl()
    return u


@derive("listening_url")
def _listening_url(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    urls = ctx.cols.get("url_raw") or [None] * ctx.n
    authors = ctx.cols.get("author_key") or [None] * ctx.n
    return {col.name: [listening_url(u, a) if u is not None else None for u, a in zip(urls, authors)]}


# --------------------------------------------------------------------------- registry-aware derivations


@derive("is_from_account")
def _is_from_account(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    own = ctx.registry.platform_account_id(ctx.group, ctx.account) if ctx.registry else None
    ids = ctx.cols.get(col.args["id"]) or [None] * ctx.n
    return {col.name: [(v is not None and own is not None and str(v) == own) for v in ids]}


@derive("account_ref")
def _account_ref(ctx: DeriveContext, col: ColumnDecl) -> dict[str, list[Any]]:
    if "platform" in ctx.cols and "account" in ctx.cols and ctx.cols.get("_account_ref_done"):
        return {}
    plats: list[Any] = []
    accts: list[Any] = []
    for i, ref in enumerate(ctx.cols.get("account_ref") or [None] * ctx.n):
        if ref is None:
            plats.append(None)
            accts.append(None)
            continue
        res = ctx.registry.resolve(ref) if ctx.registry else None
        if res is None or isinstance(res, str):
            reason = res or "unknown_account"
            msg = (f"账号标识 '{ref}' matches accounts on several platforms: write <platform>/<slug>"
                   if reason == "ambiguous_account"
                   else f"账号标识 '{ref}' is not registered in ops/accounts")
            ctx.problem(i, "account_ref", reason, msg, ref)
            plats.append(None)
            accts.append(None)
        else:
            plats.append(res[0])
            accts.append(res[1])
    ctx.cols["_account_ref_done"] = [True]
    return {"platform": plats, "account": accts}
