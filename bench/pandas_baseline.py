"""The pandas baseline of the benchmark (issue 8, scope 3(b)): three representative computations written the
way an analyst would (read the landing files with pandas, parse, group), from the same landing files to the
same numbers as fanops' marts, with equality asserted against a warehouse built from that landing tree.

    .venv/bin/python bench/pandas_baseline.py --landing DIR --warehouse FILE [--json OUT] [--no-e2e]

Computations (and the subset each one compares; see SCOPE):
  account_daily   followers_total and interactions per platform × account × date (marts.fct_account_daily)
  content_latest  latest-snapshot metrics per content_key (marts.fct_content)
  campaign_roi    orders, gmv, net_gmv, cost, roi per campaign from attributed orders
                  (marts.fct_campaign_performance)

Timings: each pandas computation (wall, CPU, peak RSS above the level before it), and fanops' own time for
the same numbers in two views (see `fanops_view_a` / `fanops_view_b` and BENCHMARKS.md):
  A  compute from loaded data: the dbt models that produce these marts (the whole upstream chain from the
     raw tables), re-run with --full-refresh on a copy of the warehouse; both the dbt wall time and the sum
     of the models' own execution times (run_results.json) are reported;
  B  end to end from the landing files: fanops ingestion of only the datasets these computations read into a
     scratch warehouse, then the same dbt models on it.
Not part of `make test` (the fast equality test on the bundled sample is tests/bench/test_pandas_baseline.py).
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import html
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.measure import PeakRSS, cpu

COMPUTATIONS = ("account_daily", "content_latest", "campaign_roi")
SCOPE = {
    "account_daily": (
        "Douyin and Weibo accounts (every registered one): followers_total and interactions per account-day "
        "of fct_account_daily. WeChat (HTML/BIFF xls user-growth exports + datacube fill), Xiaohongshu "
        "(totals rebuilt from the ops/accounts anchor) and Kuaishou (no follower data; export+API posts) are "
        "left out of the pandas re-implementation."
    ),
    "content_latest": (
        "Douyin videos and Weibo posts: views, likes, comments, shares, saves, interactions per content_key "
        "of fct_content (latest non-NULL value per metric by metrics_as_of; Douyin edited captions merged)."
    ),
    "campaign_roi": (
        "Every campaign: orders, gmv, net_gmv, cost, roi of fct_campaign_performance, from every shop's "
        "orders with the four attribution rules (coupon, KOL window, content id, traffic source)."
    ),
}
SOCIAL = ("wechat", "douyin", "kuaishou", "xiaohongshu", "weibo")
PLATFORM_LABELS = {
    "微信公众号": "wechat", "微信": "wechat", "抖音": "douyin", "快手": "kuaishou", "小红书": "xiaohongshu",
    "微博": "weibo", "淘宝": "taobao", "天猫": "tmall", "抖店": "douyin_shop",
}
PLATFORM_LABELS.update({v: v for v in list(PLATFORM_LABELS.values())})
TRAFFIC = {"抖音": "douyin", "快手": "kuaishou", "小红书": "xiaohongshu", "微信": "wechat", "微博": "weibo",
           "直播": "live", "搜索": "search", "自然流量": "organic", "其他": "other"}
ORDER_STATUS = {"交易成功": "completed", "买家已付款,等待卖家发货": "paid_awaiting_shipment", "退款成功": "refunded",
                "等待买家付款": "pending_payment", "卖家已发货,等待买家确认": "shipped", "交易关闭": "closed"}
CAMPAIGN_TYPES = {"限时抢购", "有奖问答", "话题互动", "抽奖", "直播互动", "用户投稿", "跨界合作", "KOL合作", "线上线下联动",
                  "flash_sale", "qa_prize", "topic", "lottery", "live", "ugc", "collab", "o2o"}
CAMPAIGN_STATUS = {"筹备中": "planned", "进行中": "running", "已结束": "ended", "已取消": "cancelled"}
CAMPAIGN_STATUS.update({v: v for v in list(CAMPAIGN_STATUS.values())})
COST_STATUS = {"有效": "valid", "作废": "void", "valid": "valid", "void": "void"}
SUMMARY = {"合计", "总计", "汇总", "小计", "总数", "平均", "平均值", "均值", "total", "sum", "average"}
FOOTER = re.compile(r"^(注|说明|数据来源|导出时间)[:：]")
EXPORT_HINT = re.compile(r"导出时间[:：]\s*(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?[ T]?[\d:时分秒]*)")
KOL_WINDOW_DAYS = 15
TZ_HOURS = 8


# ------------------------------------------------------------------------------------------ reading files


def deliveries(landing: Path, pattern: str) -> list[Path]:
    """Delivered files under landing/<pattern> (glob of dataset folders), any depth, in path order, skipping
    lock/temp files and sidecars, and keeping only the first path of each distinct content (sha256)."""
    out, seen = [], set()
    files = []
    for folder in sorted(landing.glob(pattern)):
        if folder.is_dir():
            files += [p for p in folder.rglob("*") if p.is_file()]
    for p in sorted(files, key=lambda x: x.relative_to(landing).as_posix()):
        n = p.name
        if n.startswith((".", "~$")) or n.endswith((".tmp", ".part", ".crdownload", ".meta.json")) \
                or n == "Thumbs.db":
            continue
        sha = hashlib.sha256(p.read_bytes()).hexdigest()
        if sha in seen:
            continue
        seen.add(sha)
        out.append(p)
    return out


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


@functools.lru_cache(maxsize=4096)
def norm_header(h: object) -> str:
    s = unicodedata.normalize("NFKC", str(h))
    s = re.sub(r"[\s\u200b-\u200d\u2060\ufeff]+", "", s)
    return s.lower()


def sidecar_export(p: Path) -> pd.Timestamp | None:
    side = p.with_name(p.name + ".meta.json")
    if side.is_file():
        meta = json.loads(side.read_text(encoding="utf-8"))
        if meta.get("exported_at"):
            return utc(meta["exported_at"])
    return None


@functools.lru_cache(maxsize=65536)
def utc(value: str) -> pd.Timestamp:
    """An ISO time (offset honoured; none = Asia/Shanghai) as naive UTC."""
    t = pd.Timestamp(value)
    if t.tzinfo is None:
        return t - pd.Timedelta(hours=TZ_HOURS)
    return t.tz_convert("UTC").tz_localize(None)


def read_sheet(p: Path, aliases: dict[str, str]) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """A CSV/TSV or xlsx export as text columns renamed to canonical names (header located among the first
    20 rows by known names; only the known columns are kept), without summary/footer rows, plus the export
    time written in the file (a 导出时间 hint or footer)."""
    data = p.read_bytes()
    known = {norm_header(k) for k in aliases}
    export = None
    if data[:4] == b"PK\x03\x04":
        raw = pd.read_excel(io.BytesIO(data), header=None, dtype=str, sheet_name=0)
        rows = [[c for c in raw.iloc[i] if isinstance(c, str)] for i in range(min(20, len(raw)))]
    else:
        text = decode(data)
        lines = text.split("\n", 20)[:20]
        sep = "\t" if "\t" in lines[0] and "," not in lines[0] else ","
        rows = [next(csv.reader([ln.rstrip("\r")], delimiter=sep), []) for ln in lines]
    header = next((i for i, r in enumerate(rows) if len({norm_header(c) for c in r} & known) >= 2), None)
    if header is None:
        return pd.DataFrame(columns=list(set(aliases.values()))), None
    for r in rows[:header]:
        for cell in r:
            m = EXPORT_HINT.search(str(cell))
            if m:
                export = utc(_cn_dt(m.group(1)))
    names = [norm_header(c) for c in rows[header]]
    use = sorted({j for j, n in enumerate(names) if n in known} | {0})
    if data[:4] == b"PK\x03\x04":
        body = raw.iloc[header + 1:, use]
    else:
        body = pd.read_csv(io.StringIO(text), header=None, dtype=str, sep=sep, skiprows=header + 1, usecols=use,
                           keep_default_na=False, na_values=[""])
    body.columns = [names[j] for j in use]
    body = body.dropna(how="all")
    # summary / footer rows: their first cell is 合计/总计/… or starts 注：/导出时间：…
    first = body.iloc[:, 0].astype("string").str.strip().str.lstrip("`")
    stop = (first.str.lower().isin(SUMMARY) | first.str.match(FOOTER)).fillna(False)
    if stop.any():
        for cell in first[stop]:
            m = EXPORT_HINT.search(str(cell))
            if m:
                export = utc(_cn_dt(m.group(1)))
        body = body[~stop]
    norm_alias = {norm_header(k): v for k, v in aliases.items()}
    body = body.rename(columns=norm_alias)
    return body.loc[:, ~body.columns.duplicated()], export


def read_sheets(files: Sequence[tuple[str | None, Path]], aliases: dict[str, str], required: Collection[str] = (),
                reject_if: str | None = None) -> pd.DataFrame:
    """Every (account, file) read and stacked, with account, _file, _export_at (in the file, else its sidecar,
    else the delivery time) and _row_number (the row's order inside its file). A file without a required
    column, or with the `reject_if` column, is skipped (the loader rejects it)."""
    frames, meta = [], []
    for acct, p in files:
        df, exp = read_sheet(p, aliases)
        if any(c not in df.columns for c in required) or (reject_if is not None and reject_if in df.columns):
            continue
        frames.append(df)
        meta.append((acct, p.as_posix(), exp or sidecar_export(p) or NOW, len(df)))
    if not frames:
        return pd.DataFrame(columns=[*set(aliases.values()), "account", "_file", "_export_at", "_row_number"])
    out = pd.concat(frames, ignore_index=True)
    n = [m[3] for m in meta]
    if any(m[0] is not None for m in meta):  # account from the path; ops sheets carry their own
        out["account"] = np.repeat(np.array([m[0] for m in meta], dtype=object), n)
    out["_file"] = np.repeat(np.array([m[1] for m in meta], dtype=object), n)
    out["_export_at"] = np.repeat(np.array([m[2] for m in meta], dtype="datetime64[ns]"), n)
    out["_row_number"] = np.concatenate([np.arange(k) for k in n]) if n else []
    return out


def _cn_dt(s: str) -> str:
    s = re.sub(r"[年月/.]", "-", s).replace("日", " ").replace("时", ":").replace("分", ":").replace("秒", "")
    return s.strip().rstrip(":")


# ---------------------------------------------------------------------------------------- parsing values

_NUM = re.compile(r"^([+\-\u2212]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?([万wW千亿]?)(\+?)$")
_MULT = {"": 1.0, "万": 1e4, "w": 1e4, "W": 1e4, "千": 1e3, "亿": 1e8}


def missing(s: pd.Series) -> pd.Series:
    t = s.astype("string").str.strip()
    return t.isna() | t.str.lower().isin(["", "-", "--", "null", "nan", "none"])


def to_count(s: pd.Series, *, signed: bool = False) -> tuple[pd.Series, pd.Series]:
    """`1.2万` → 12000, `10万+` → 100000, `"3,593"` → 3593 (contract §2.6); (values, invalid mask)."""
    t = s.astype("string").str.normalize("NFKC").str.strip()
    miss = missing(s)
    m = t.str.extract(_NUM)
    sign = np.where(m[0].isin(["-", "\u2212"]), -1.0, 1.0)
    base = pd.to_numeric(m[1].str.replace(",", "", regex=False) + m[2].fillna(""), errors="coerce")
    mult = m[3].fillna("").map(_MULT).astype(float)
    val = base * mult
    val = np.where(m[3].fillna("") != "", np.floor(val + 0.5), val) * sign
    val = pd.Series(val, index=s.index)
    frac = (m[3].fillna("") == "") & (m[2].fillna("").str.strip(".0") != "") & m[2].notna()
    bad = ~miss & (m[1].isna() | frac | (~pd.Series(signed, index=s.index) & (val < 0)))
    return val.where(~miss & ~bad), bad


def to_money(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    t = s.astype("string").str.normalize("NFKC").str.strip().str.replace(r"^[¥￥]|元$", "", regex=True)
    miss = missing(s)
    v = pd.to_numeric(t.str.replace(",", "", regex=False), errors="coerce")
    bad = ~miss & v.isna()
    # half-up to 2 decimals, in integer cents
    cents = np.floor(v.abs() * 100 + 0.5 + 1e-9) * np.sign(v)
    return (cents / 100).where(~miss), bad


def to_rate(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """rate(f): a fraction, or a `%` string; must land in [0, 1]."""
    t = s.astype("string").str.strip()
    miss = missing(s)
    pct = t.str.endswith("%").fillna(False)
    v = pd.to_numeric(t.str.rstrip("%"), errors="coerce")
    v = v.where(~pct, v / 100)
    bad = ~miss & (v.isna() | (v < 0) | (v > 1))
    return v.where(~miss), bad


def to_local_ts(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Local Asia/Shanghai date-times in the export forms (ISO, slash/dot dates, 年月日, no seconds, Excel
    cells) → naive UTC; (values, invalid mask)."""
    t = s.astype("string").str.strip()
    miss = missing(s)
    t = t.str.replace(r"^(\d{4})[./年](\d{1,2})[./月](\d{1,2})日?", r"\1-\2-\3", regex=True)
    t = t.str.replace("时", ":").str.replace("分", ":").str.replace("秒", "").str.rstrip(":")
    out = pd.to_datetime(t, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    rest = out.isna() & ~miss
    if rest.any():
        out.loc[rest] = pd.to_datetime(t[rest], format="mixed", errors="coerce")
    bad = ~miss & out.isna()
    return out - pd.Timedelta(hours=TZ_HOURS), bad


def to_date(s: pd.Series) -> pd.Series:
    """Calendar dates as delivered: ISO / slash / dot / 年月日, a spreadsheet date cell, yyyymmdd, or an
    Excel serial number (day 0 = 1899-12-30); NaT when none of these."""
    t = s.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    t = t.str.replace(r"^(\d{4})[./年](\d{1,2})[./月](\d{1,2})日?", r"\1-\2-\3", regex=True)
    t = t.str.replace(r" 00:00:00$", "", regex=True)
    out = pd.to_datetime(t, format="%Y-%m-%d", errors="coerce")
    ymd = out.isna() & t.str.fullmatch(r"(19|20)\d{6}").fillna(False)
    out[ymd] = pd.to_datetime(t[ymd], format="%Y%m%d", errors="coerce")
    n = pd.to_numeric(t, errors="coerce")
    serial = out.isna() & n.between(32874, 73050) & (n == n.round())
    out[serial] = pd.Timestamp("1899-12-30") + pd.to_timedelta(n[serial], unit="D")
    return out


def norm_text(s: str) -> str:
    return re.sub(r"[\s\u200b-\u200d\u2060\ufeff]+", "", unicodedata.normalize("NFKC", s))


def hashed_ref(published_utc: pd.Timestamp, text: str) -> str:
    minute = (published_utc + pd.Timedelta(hours=TZ_HOURS)).strftime("%Y-%m-%d %H:%M")
    return "h" + hashlib.sha256(f"{minute}|{norm_text(text)}".encode()).hexdigest()[:16]


_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def bid_to_mid(bid: str) -> str:
    groups, s = [], bid
    while s:
        chunk, s = s[-4:], s[:-4]
        n = 0
        for ch in chunk:
            n = n * 62 + _B62.index(ch)
        groups.append(n)
    out = "".join(str(n) if i == 0 else str(n).zfill(7) for i, n in enumerate(reversed(groups)))
    return out.lstrip("0")


_URLS = [
    ("douyin", re.compile(r"douyin\.com/(?:video|note)/(\d{19})")),
    ("kuaishou", re.compile(r"kuaishou\.com/short-video/([0-9A-Za-z]+)")),
    ("xiaohongshu", re.compile(r"xiaohongshu\.com/(?:explore|discovery/item)/([0-9a-f]{24})")),
    ("weibo", re.compile(r"m\.weibo\.cn/(?:detail|status)/([0-9A-Za-z]+)")),
    ("weibo", re.compile(r"weibo\.com/\d+/([0-9A-Za-z]+)")),
]


def post_id_of(value: object) -> tuple[str | None, str | None]:
    """(platform post id, platform) of a content link or a bare id (contract §2.15)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return None, None
    v = html.unescape(str(value).strip())
    if not v:
        return None, None
    if "mp.weixin.qq.com" in v:
        mid, idx = re.search(r"[?&]mid=(\d+)", v), re.search(r"[?&]idx=(\d+)", v)
        return (f"{mid.group(1)}_{idx.group(1)}", "wechat") if mid and idx else (None, "wechat")
    for platform, pat in _URLS:
        m = pat.search(v)
        if m:
            pid = m.group(1)
            if platform == "weibo" and not pid.isdigit() and all(c in _B62 for c in pid):
                pid = bid_to_mid(pid) or pid
            return pid, platform
    for name, shape in (("wechat", r"\d+_\d+"), ("weibo", r"\d{16}"), ("douyin", r"\d{19}"),
                        ("xiaohongshu", r"[0-9a-f]{24}"), ("kuaishou", r"3x[0-9a-z]{13}")):
        if re.fullmatch(shape, v):
            return v, name
    return None, None


def clean_id(s: pd.Series) -> pd.Series:
    t = s.astype("string").str.strip().str.replace(r"^`", "", regex=True).str.strip()
    return t.where(~missing(s))


def latest(df: pd.DataFrame, key: list[str], order: list[str]) -> pd.DataFrame:
    """The newest row per key: sorted by `order` (export time, then path, then row), last wins."""
    return df.sort_values(order, kind="stable").drop_duplicates(key, keep="last")


def drop_conflicting(df: pd.DataFrame, key: list[str], file_col: str = "_file") -> pd.DataFrame:
    """Same key twice in one file: identical rows load once, differing rows are all quarantined."""
    values = [c for c in df.columns if not c.startswith("_")]
    dup = df.duplicated([*key, file_col], keep=False)
    if not dup.any():
        return df
    d = df[dup]
    distinct = d.drop_duplicates([*values, file_col]).groupby([*key, file_col], dropna=False).size()
    bad = distinct[distinct > 1].reset_index()[[*key, file_col]]
    out = df.merge(bad.assign(_bad=True), on=[*key, file_col], how="left")
    out = out[out["_bad"].isna()].drop(columns="_bad")
    return out.drop_duplicates([*key, file_col], keep="first")


# -------------------------------------------------------------------------------------- registry sheets


def accounts(landing: Path) -> pd.DataFrame:
    aliases = {"平台": "platform", "账号标识": "account", "平台账号ID": "platform_account_id",
               "粉丝基数": "followers_anchor", "基数日期": "anchor_date", "状态": "status", "platform": "platform",
               "account": "account"}
    df = read_sheets([(None, p) for p in deliveries(landing, "ops/accounts")], aliases)
    df["platform"] = df["platform"].str.strip().map(PLATFORM_LABELS)
    df["account"] = clean_id(df["account"])
    df = df.dropna(subset=["platform", "account"])
    df = latest(df, ["platform", "account"], ["_export_at", "_file", "_row_number"])
    df["platform_account_id"] = clean_id(df.get("platform_account_id", pd.Series(index=df.index, dtype=str)))
    return df[["platform", "account", "platform_account_id"]].reset_index(drop=True)


def registered(landing: Path, reg: pd.DataFrame, platform: str, dataset: str,
               shop: bool = False) -> list[tuple[str, Path]]:
    """(account, folder) of registered accounts having that dataset folder."""
    out = []
    for folder in sorted((landing / platform).glob(f"*/{dataset}")):
        acct = folder.parent.name
        plats = {"taobao", "tmall", "douyin_shop"} if shop else {platform}
        if ((reg["account"] == acct) & reg["platform"].isin(plats)).any():
            out.append((acct, folder))
    return out


NOW = pd.Timestamp.now(tz="UTC").tz_localize(None)  # delivered_at of files with no export time of their own


# --------------------------------------------------------------------------------- 1–2 content & followers


def douyin_posts(landing: Path, reg: pd.DataFrame) -> pd.DataFrame:
    aliases = {"作品名称": "title_caption", "发布时间": "published_at", "体裁": "format", "播放量": "views",
               "完播率": "completion_rate", "5s完播率": "completion_rate_5s", "2s跳出率": "bounce_rate_2s",
               "封面点击率": "cover_ctr", "点赞量": "likes", "评论量": "comments", "分享量": "shares",
               "收藏量": "saves", "主页访问量": "profile_visits", "粉丝增量": "new_followers"}
    files = [(a, p) for a, folder in registered(landing, reg, "douyin", "videos")
             for p in deliveries(folder.parent, "videos")]
    df = read_sheets(files, aliases, required=("title_caption", "published_at", "views", "likes", "comments",
                                               "shares", "saves"))
    df["title_caption"] = df["title_caption"].astype("string").str.strip()
    df["published_at"], bad = to_local_ts(df["published_at"])
    bad |= df["title_caption"].isna() | df["published_at"].isna()
    for c in ("views", "likes", "comments", "shares", "saves", "profile_visits", "new_followers"):
        if c in df:
            df[c], b = to_count(df[c])
            bad |= b
    for c in ("views", "likes", "comments", "shares", "saves"):
        bad |= df[c].isna()
    for c in ("completion_rate", "completion_rate_5s", "bounce_rate_2s", "cover_ctr"):
        if c in df:
            df[c], b = to_rate(df[c])
            bad |= b
    df = df[~bad].copy()
    df["post_ref"] = [hashed_ref(t, x) for t, x in zip(df["published_at"], df["title_caption"], strict=True)]
    df = drop_conflicting(df, ["account", "post_ref"])
    # edited captions: one post per (account, publish minute, normalised first line); the newest row's key
    df["_minute"] = (df["published_at"] + pd.Timedelta(hours=TZ_HOURS)).dt.floor("min")
    df["_first"] = [norm_text(x.split("\n", 1)[0]) for x in df["title_caption"]]
    df = df.sort_values(["_export_at", "_file", "_row_number"], kind="stable")
    newest = df.drop_duplicates(["account", "_minute", "_first"], keep="last")
    canon = newest.set_index(["account", "_minute", "_first"])["post_ref"]
    df["post_ref"] = canon.reindex(pd.MultiIndex.from_frame(df[["account", "_minute", "_first"]])).to_numpy()
    df["platform"] = "douyin"
    df["content_key"] = "douyin:" + df["account"] + ":" + df["post_ref"]
    df["metrics_as_of"] = df["_export_at"]
    return df


def _weibo_statuses(doc: Any) -> list[tuple[dict[str, Any], str | None]]:
    """(status, fetched_at) from a wrapper, a bare {"statuses": [...]}, or a bare array."""
    out: list[tuple[dict[str, Any], str | None]] = []
    if isinstance(doc, dict) and doc.get("fanops_api_dump"):
        for call in doc["calls"]:
            fetched = call.get("fetched_at") or doc.get("fetched_at")
            resp = call["response"]
            items = resp.get("statuses", []) if isinstance(resp, dict) else resp
            if isinstance(resp, dict) and "idstr" in resp:
                items = [resp]
            out += [(s, fetched) for s in items]
    elif isinstance(doc, dict) and ("idstr" in doc or "mid" in doc):
        out.append((doc, doc.get("fetched_at")))  # JSONL: one status per line
    elif isinstance(doc, dict):
        out += [(s, None) for s in doc.get("statuses", [])]
    elif isinstance(doc, list):
        out += [(s, None) for s in doc]
    return out


def weibo_posts(landing: Path, reg: pd.DataFrame) -> pd.DataFrame:
    fields = ("idstr", "mid", "created_at", "reposts_count", "comments_count", "attitudes_count")
    records = []
    for acct, folder in registered(landing, reg, "weibo", "posts"):
        uid = reg.loc[(reg["platform"] == "weibo") & (reg["account"] == acct), "platform_account_id"].iloc[0]
        for p in deliveries(folder.parent, "posts"):
            text = decode(p.read_bytes())
            try:
                docs = [json.loads(text)]
            except json.JSONDecodeError:
                docs = [json.loads(line) for line in text.splitlines() if line.strip()]
            side = sidecar_export(p)
            for n, (st, fetched) in enumerate((x for d in docs for x in _weibo_statuses(d)), start=1):
                rec = {f: st.get(f) for f in fields}
                rec["user.idstr"] = (st.get("user") or {}).get("idstr")
                rec.update(account=acct, _uid=uid, _file=p.as_posix(), _row_number=n,
                           _export_at=utc(fetched) if fetched else (side or NOW))
                records.append(rec)
    if not records:
        return pd.DataFrame()
    df = pd.DataFrame.from_records(records)
    ref = df["idstr"] if "idstr" in df else df["mid"]
    df["post_ref"] = clean_id(ref.fillna(df.get("mid")).astype("string"))
    author = df["user.idstr"].astype("string") if "user.idstr" in df else pd.Series(pd.NA, index=df.index)
    foreign = df["_uid"].notna() & author.notna() & (author != df["_uid"])
    df["published_at"] = pd.to_datetime(df["created_at"], format="%a %b %d %H:%M:%S %z %Y", errors="coerce")
    df["published_at"] = df["published_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    bad = foreign | df["post_ref"].isna() | df["published_at"].isna()
    for src, dst in (("reposts_count", "shares"), ("comments_count", "comments"), ("attitudes_count", "likes")):
        df[dst], b = to_count(df[src].astype("string"))
        bad |= b | df[dst].isna()
    df = df[~bad].copy()
    df["views"] = np.nan
    df["saves"] = np.nan
    df["platform"] = "weibo"
    df["content_key"] = "weibo:" + df["account"] + ":" + df["post_ref"]
    df["metrics_as_of"] = df["_export_at"]
    return drop_conflicting(df[["platform", "account", "post_ref", "content_key", "published_at", "views",
                                "likes", "comments", "shares", "saves", "metrics_as_of", "_export_at",
                                "_file", "_row_number"]], ["account", "post_ref"])


METRICS = ["views", "likes", "comments", "shares", "saves"]


def content_latest(landing: Path, reg: pd.DataFrame) -> pd.DataFrame:
    """Per content_key: the latest non-NULL value of each metric by metrics_as_of (then delivery order),
    interactions = the sum of the parts present; plus the publish date of the newest snapshot."""
    snaps = pd.concat([douyin_posts(landing, reg), weibo_posts(landing, reg)], ignore_index=True)
    snaps = snaps.sort_values(["metrics_as_of", "_export_at", "_file", "_row_number"], kind="stable")
    long = snaps.melt(id_vars=["content_key"], value_vars=METRICS, var_name="metric").dropna(subset=["value"])
    wide = long.drop_duplicates(["content_key", "metric"], keep="last").pivot(
        index="content_key", columns="metric", values="value")
    posts = snaps.drop_duplicates("content_key", keep="last").set_index("content_key")
    out = posts[["platform", "account", "published_at"]].join(wide.reindex(columns=METRICS))
    parts = out[["likes", "comments", "shares", "saves"]]
    out["interactions"] = parts.sum(axis=1, min_count=1)
    out["published_date"] = (out["published_at"] + pd.Timedelta(hours=TZ_HOURS)).dt.normalize()
    return out.reset_index()


def series_latest(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    return latest(df, key, ["_export_at", "_file", "_row_number"])


def douyin_followers(landing: Path, reg: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for acct, folder in registered(landing, reg, "douyin", "fans"):
        for p in deliveries(folder.parent, "fans"):
            doc = json.loads(decode(p.read_bytes()))
            calls = doc["calls"] if isinstance(doc, dict) and doc.get("fanops_api_dump") else [
                {"response": doc, "fetched_at": None}]
            side = sidecar_export(p)
            n = 0
            for call in calls:
                fetched = call.get("fetched_at") or (doc.get("fetched_at") if isinstance(doc, dict) else None)
                exp = utc(fetched) if fetched else (side or NOW)
                for item in call["response"]["data"]["result_list"]:
                    n += 1
                    rows.append({"account": acct, "date": item.get("date"), "total": item.get("total_fans"),
                                 "new": item.get("new_fans"), "_export_at": exp, "_file": p.as_posix(),
                                 "_row_number": n})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df["date_day"] = pd.to_datetime(df["date"], format="%Y-%m-%d", errors="coerce")
    df["followers_total"], bad = to_count(df["total"].astype("string"))
    _, bad2 = to_count(df["new"].astype("string"))
    export_day = (df["_export_at"] + pd.Timedelta(hours=TZ_HOURS)).dt.normalize()
    complete = (df["date_day"] < export_day) | (df["_export_at"] == NOW)
    df = df[~bad & ~bad2 & df["date_day"].notna() & df["followers_total"].notna() & complete
            & df["new"].notna()]
    df = series_latest(df, ["account", "date_day"])
    return df.assign(platform="douyin")[["platform", "account", "date_day", "followers_total"]]


def weibo_followers(landing: Path, reg: pd.DataFrame) -> pd.DataFrame:
    aliases = {"日期": "date", "时间": "date", "粉丝总数": "followers_total", "粉丝数": "followers_total",
               "新增粉丝数": "new", "新增粉丝": "new", "取消关注数": "lost", "减少粉丝": "lost", "减少粉丝数": "lost",
               "净增粉丝数": "net", "净增粉丝": "net"}
    files = [(a, p) for a, folder in registered(landing, reg, "weibo", "fans") for p in deliveries(folder.parent, "fans")]
    df = read_sheets(files, aliases, required=("date", "followers_total"))
    df["date_day"] = to_date(df["date"])
    bad = df["date_day"].isna()
    df["followers_total"], b = to_count(df["followers_total"])
    bad |= b | df["followers_total"].isna()
    for c in ("new", "lost"):
        if c in df:
            bad |= to_count(df[c])[1]
    if "net" in df:
        bad |= to_count(df["net"], signed=True)[1]
    export_day = (df["_export_at"] + pd.Timedelta(hours=TZ_HOURS)).dt.normalize()
    bad |= (df["date_day"] >= export_day) & (df["_export_at"] != NOW)
    df = series_latest(df[~bad], ["account", "date_day"])
    return df.assign(platform="weibo")[["platform", "account", "date_day", "followers_total"]]


def account_daily(landing: Path, reg: pd.DataFrame, content: pd.DataFrame | None = None) -> pd.DataFrame:
    """followers_total and Σ interactions of the posts published that day, per account-day (days with either)."""
    if content is None:
        content = content_latest(landing, reg)
    followers = pd.concat([douyin_followers(landing, reg), weibo_followers(landing, reg)], ignore_index=True)
    posts = content.dropna(subset=["published_date"]).groupby(
        ["platform", "account", "published_date"], as_index=False).agg(
        interactions=("interactions", lambda s: s.sum(min_count=1)), posts_published=("content_key", "size"))
    posts = posts.rename(columns={"published_date": "date_day"})
    out = followers.merge(posts, on=["platform", "account", "date_day"], how="outer")
    return out


# ------------------------------------------------------------------------------------------ 3 campaign ROI


def orders(landing: Path, reg: pd.DataFrame) -> pd.DataFrame:
    aliases = {"订单编号": "order_id", "订单号": "order_id", "主订单编号": "order_id", "订单状态": "status",
               "买家实付金额": "paid_amount", "买家实际支付金额": "paid_amount", "退款金额": "refund_amount",
               "订单创建时间": "created_at", "订单提交时间": "created_at", "订单付款时间": "paid_at", "支付时间": "paid_at",
               "优惠券码": "coupon_code", "流量来源": "traffic_source", "达人ID": "kol_id", "内容ID": "content_ref",
               "子订单编号": "sub_order_id"}
    files = [(a, p) for a, folder in registered(landing, reg, "shop", "orders", shop=True)
             for p in deliveries(folder.parent, "orders")]
    # a 子订单 (line-item) export is not this dataset: the loader rejects it
    df = read_sheets(files, aliases, required=("order_id", "status", "paid_amount", "created_at"),
                     reject_if="sub_order_id")
    oid = df["order_id"].astype("string").str.strip().str.lstrip("`")
    bad = missing(df["order_id"]) | oid.str.contains(r"[eE][+\-]?\d", regex=True).fillna(False)
    df["order_id"] = oid
    df["paid_amount"], b = to_money(df["paid_amount"])
    bad |= b | df["paid_amount"].isna() | missing(df["status"])
    df["refund_amount"], b = to_money(df["refund_amount"]) if "refund_amount" in df else (np.nan, False)
    bad |= b
    df["paid_at"], b = to_local_ts(df["paid_at"])
    bad |= b
    created, b = to_local_ts(df["created_at"])
    bad |= b | created.isna()
    df = df[~bad].copy()
    df = drop_conflicting(df, ["account", "order_id"])
    df = latest(df, ["account", "order_id"], ["_export_at", "_file", "_row_number"])
    status = df["status"].str.strip().str.replace("，", ",").map(ORDER_STATUS)
    df["refund"] = df["refund_amount"].where(df["refund_amount"].notna(),
                                             np.where(status == "refunded", df["paid_amount"], 0.0))
    df["coupon_code"] = df["coupon_code"].astype("string").str.strip().str.upper().where(~missing(df["coupon_code"]))
    df["kol_id"] = clean_id(df["kol_id"])
    df["traffic_source"] = df["traffic_source"].astype("string").str.strip().map(TRAFFIC)
    refs = {v: post_id_of(v) for v in df["content_ref"].dropna().unique()}
    df["ref_post_id"] = df["content_ref"].map(lambda v: refs.get(v, (None, None))[0])
    df["ref_platform"] = df["content_ref"].map(lambda v: refs.get(v, (None, None))[1])
    return df[df["paid_at"].notna()].reset_index(drop=True)


def _window_end(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """End of a campaign: date-only = the whole day, no seconds = the whole minute (naive UTC)."""
    t = s.astype("string").str.strip()
    ts, bad = to_local_ts(t)
    date_only = t.str.fullmatch(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?").fillna(False)
    minute = t.str.fullmatch(r".*\d{1,2}[:时]\d{1,2}分?").fillna(False)
    pad = np.where(date_only, 86_400_000 - 1, np.where(minute, 59_999, 0))
    end = ts + pd.to_timedelta(pad, unit="ms")
    return end, bad


def split_list(s: object) -> list[str]:
    if s is None or pd.isna(s):
        return []
    return [x.strip() for x in re.split(r"[|、,，;；]", str(s)) if x.strip()]


def campaigns(landing: Path) -> pd.DataFrame:
    aliases = {"活动ID": "campaign_id", "活动名称": "campaign_name", "活动类型": "campaign_type", "平台": "platforms",
               "开始时间": "starts_at", "结束时间": "ends_at", "优惠券码": "coupon_codes", "状态": "status"}
    df = read_sheets([(None, p) for p in deliveries(landing, "ops/campaigns")], aliases)
    df["campaign_id"] = clean_id(df["campaign_id"])
    df["starts_at"], b1 = to_local_ts(df["starts_at"])
    df["window_end_at"], b2 = _window_end(df["ends_at"])
    status = df["status"].astype("string").str.strip().map(CAMPAIGN_STATUS)
    plats = df["platforms"].map(split_list)
    bad_plat = plats.map(lambda xs: any(x not in PLATFORM_LABELS for x in xs))
    bad = b1 | b2 | status.isna() | ~df["campaign_type"].astype("string").str.strip().isin(CAMPAIGN_TYPES) \
        | bad_plat | df["campaign_id"].isna() | df["starts_at"].isna() | df["window_end_at"].isna()
    df = df.assign(status=status, platforms=plats.map(lambda xs: sorted({PLATFORM_LABELS[x] for x in xs
                                                                         if x in PLATFORM_LABELS})))[~bad]
    return latest(df, ["campaign_id"], ["_export_at", "_file", "_row_number"]).reset_index(drop=True)


def kol_posts(landing: Path) -> pd.DataFrame:
    aliases = {"合作ID": "collab_id", "达人ID": "kol_id", "活动ID": "campaign_id", "平台": "platform",
               "内容链接": "content_ref", "发布时间": "published_at", "数据截至时间": "metrics_as_of"}
    df = read_sheets([(None, p) for p in deliveries(landing, "ops/kol_posts")], aliases)
    if df.empty:
        return pd.DataFrame(columns=["collab_id", "kol_id", "campaign_id", "platform", "published_at",
                                     "ref_post_id"])
    df["collab_id"], df["kol_id"], df["campaign_id"] = (clean_id(df[c]) for c in ("collab_id", "kol_id",
                                                                                   "campaign_id"))
    df["published_at"], b1 = to_local_ts(df["published_at"])
    df["metrics_as_of"], b2 = to_local_ts(df["metrics_as_of"])
    df["platform"] = df["platform"].astype("string").str.strip().map(PLATFORM_LABELS)
    df = df[~b1 & ~b2 & df["collab_id"].notna()]
    df = latest(df, ["collab_id"], ["metrics_as_of", "_file", "_row_number"])
    df["ref_post_id"] = [post_id_of(v)[0] for v in df["content_ref"]]
    return df.reset_index(drop=True)


def calendar_links(landing: Path, reg: pd.DataFrame, weibo: pd.DataFrame) -> pd.DataFrame:
    """Calendar items with a campaign and a post id: their own 内容链接, else the Weibo post of the same
    account published within 30 minutes of 实际发布时间 (the nearest)."""
    aliases = {"排期ID": "plan_id", "账号标识": "account", "活动ID": "campaign_id", "状态": "status",
               "实际发布时间": "published_at", "内容链接": "content_ref"}
    df = read_sheets([(None, p) for p in deliveries(landing, "ops/content_calendar")], aliases)
    if df.empty:
        return pd.DataFrame(columns=["campaign_id", "platform", "post_id"])
    df["plan_id"] = clean_id(df["plan_id"])
    df = latest(df.dropna(subset=["plan_id"]), ["plan_id"], ["_export_at", "_file", "_row_number"])
    df["campaign_id"] = clean_id(df["campaign_id"])
    df = df[df["campaign_id"].notna()].copy()
    acct = df["account"].astype("string").str.strip()
    plat = acct.str.extract(r"^([a-z_]+)/")[0]
    slug = acct.str.replace(r"^[a-z_]+/", "", regex=True)
    by_slug = reg.groupby("account")["platform"].agg(list)
    df["platform"] = [p if isinstance(p, str) else (by_slug.get(s, [None])[0] if len(by_slug.get(s, [])) == 1
                                                   else None) for p, s in zip(plat, slug, strict=True)]
    df["account"] = slug
    refs = [post_id_of(v) for v in df["content_ref"]]
    df["post_id"] = [r[0] for r in refs]
    df["platform"] = [r[1] or p for r, p in zip(refs, df["platform"], strict=True)]
    df["published_at"], _ = to_local_ts(df["published_at"])
    if not weibo.empty:
        cand = df[df["post_id"].isna() & (df["platform"] == "weibo") & df["published_at"].notna()]
        wb = weibo.drop_duplicates("content_key", keep="last")[["account", "post_ref", "published_at"]]
        m = cand.reset_index().merge(wb, on="account", suffixes=("", "_post"))
        m["gap"] = (m["published_at_post"] - m["published_at"]).abs()
        m = m[m["gap"] <= pd.Timedelta(minutes=30)].sort_values(["index", "gap", "published_at_post"])
        m = m.drop_duplicates("index")
        df.loc[m["index"], "post_id"] = m["post_ref"].to_numpy()
    return df[df["post_id"].notna()][["campaign_id", "platform", "post_id"]]


def campaign_costs(landing: Path) -> pd.DataFrame:
    aliases = {"费用ID": "cost_id", "活动ID": "campaign_id", "金额(元)": "amount", "状态": "status",
               "费用日期": "cost_date", "费用类型": "cost_type"}
    df = read_sheets([(None, p) for p in deliveries(landing, "ops/campaign_costs")], aliases)
    df["cost_id"], df["campaign_id"] = clean_id(df["cost_id"]), clean_id(df["campaign_id"])
    df["amount"], bad = to_money(df["amount"])
    status = df["status"].astype("string").str.strip().map(COST_STATUS)
    bad |= status.isna() | df["amount"].isna() | df["cost_id"].isna()
    df = latest(df.assign(status=status)[~bad], ["cost_id"], ["_export_at", "_file", "_row_number"])
    return df[df["status"] == "valid"].groupby("campaign_id", as_index=False)["amount"].sum().rename(
        columns={"amount": "cost"})


def campaign_roi(landing: Path, reg: pd.DataFrame, weibo: pd.DataFrame | None = None) -> pd.DataFrame:
    """Attribute every paid order (coupon → KOL window → content id → traffic source; cancelled campaigns
    never match; among several, the latest-starting then greatest campaign_id) and sum per campaign."""
    o = orders(landing, reg)
    camps = campaigns(landing)
    live = camps[camps["status"] != "cancelled"].sort_values(["starts_at", "campaign_id"])
    rank = {c: i for i, c in enumerate(live["campaign_id"])}  # higher = preferred
    best: dict[str, pd.Series] = {}

    def keep_best(rule: str, idx: pd.Index, cid: str) -> None:
        s = best.setdefault(rule, pd.Series(pd.NA, index=o.index, dtype="object"))
        s.loc[idx] = cid  # campaigns are visited in preference order: the last write wins

    coupon_of: dict[str, str] = {}
    for _, c in live.iterrows():
        for code in split_list(c.get("coupon_codes")):
            coupon_of[code.upper()] = c["campaign_id"]  # visited in preference order: the last one wins
        in_window = (o["paid_at"] >= c["starts_at"]) & (o["paid_at"] <= c["window_end_at"])
        social = [p for p in c["platforms"] if p in SOCIAL]
        keep_best("traffic", o.index[in_window & o["traffic_source"].isin(social)], c["campaign_id"])
    best["coupon"] = o["coupon_code"].map(coupon_of).astype("object")
    kp = kol_posts(landing)
    kp = kp[kp["campaign_id"].isin(rank)].copy()
    kp["_rank"] = kp["campaign_id"].map(rank)
    kp["_end"] = kp["published_at"] + pd.Timedelta(days=KOL_WINDOW_DAYS)
    with_kol = o.loc[o["kol_id"].notna(), ["kol_id", "paid_at"]].reset_index()
    m = with_kol.merge(kp[["kol_id", "campaign_id", "published_at", "_end", "_rank"]], on="kol_id")
    m = m[(m["paid_at"] >= m["published_at"]) & (m["paid_at"] <= m["_end"])]
    m = m.sort_values("_rank").drop_duplicates("index", keep="last")
    best["kol"] = pd.Series(m["campaign_id"].to_numpy(), index=m["index"]).reindex(o.index)
    if weibo is None:
        weibo = weibo_posts(landing, reg)
    links = pd.concat([calendar_links(landing, reg, weibo),
                       kp.rename(columns={"ref_post_id": "post_id"})[["campaign_id", "platform", "post_id"]]])
    links = links[links["campaign_id"].isin(rank)].dropna(subset=["post_id"])
    m = o[o["ref_post_id"].notna()].reset_index().merge(links, left_on="ref_post_id", right_on="post_id")
    m = m[m["ref_platform"].isna() | (m["ref_platform"] == m["platform"])]
    m = m.assign(_rank=m["campaign_id"].map(rank)).sort_values("_rank").drop_duplicates("index", keep="last")
    best["content"] = pd.Series(m["campaign_id"].to_numpy(), index=m["index"]).reindex(o.index)
    attributed = pd.Series(pd.NA, index=o.index, dtype="object")
    for rule in ("coupon", "kol", "content", "traffic"):
        if rule in best:
            attributed = attributed.fillna(best[rule])
    o["campaign_id"] = attributed
    o["net_amount"] = o["paid_amount"] - o["refund"]
    per = o.dropna(subset=["campaign_id"]).groupby("campaign_id").agg(
        orders=("order_id", "size"), gmv=("paid_amount", "sum"), net_gmv=("net_amount", "sum"))
    out = camps[["campaign_id"]].set_index("campaign_id").join(per).fillna(0).join(
        campaign_costs(landing).set_index("campaign_id"))
    out["orders"] = out["orders"].astype("int64")
    out["roi"] = (out["net_gmv"] - out["cost"]) / out["cost"].where(out["cost"] != 0)
    return out.reset_index()


# ------------------------------------------------------------------------------------- comparing to marts


def _close(a: pd.Series, b: pd.Series, rel: float) -> pd.Series:
    a, b = pd.to_numeric(a, errors="coerce").astype(float), pd.to_numeric(b, errors="coerce").astype(float)
    both_null = a.isna() & b.isna()
    ok = (a - b).abs() <= rel * np.maximum(a.abs(), b.abs()) + 1e-9
    return both_null | ok.fillna(False)


def compare(ours: pd.DataFrame, mart: pd.DataFrame, key: list[str], exact: list[str],
            approx: list[str]) -> tuple[int, int, list[dict[str, Any]]]:
    """(rows compared, mismatching rows, up to 10 examples). Rows on only one side are mismatches."""
    m = ours.merge(mart, on=key, how="outer", suffixes=("_pandas", "_fanops"), indicator=True)
    bad = m["_merge"] != "both"
    for c in exact:
        a, b = m[f"{c}_pandas"], m[f"{c}_fanops"]
        bad |= ~((a.isna() & b.isna()) | (pd.to_numeric(a, errors="coerce") == pd.to_numeric(b, errors="coerce")))
    for c in approx:
        bad |= ~_close(m[f"{c}_pandas"], m[f"{c}_fanops"], 1e-6)
    ex = m[bad].head(10).astype(object).where(m[bad].head(10).notna(), None)
    examples = [{k: (str(v) if not isinstance(v, int | float | str | type(None)) else v)
                 for k, v in r.items()} for r in ex.to_dict("records")]
    return len(m), int(bad.sum()), examples


def mart_frames(warehouse: Path, platforms: Collection[str]) -> dict[str, pd.DataFrame]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        plats = ", ".join(f"'{p}'" for p in platforms)
        content = con.execute(
            f"select content_key, {', '.join(METRICS)}, interactions from marts.fct_content "
            f"where platform in ({plats})").df()
        daily = con.execute(
            "select platform, account, cast(date_day as timestamp) as date_day, followers_total, interactions "
            f"from marts.fct_account_daily where platform in ({plats}) "
            "and (followers_total is not null or interactions is not null)").df()
        roi = con.execute(
            "select campaign_id, orders, cast(gmv as double) as gmv, cast(net_gmv as double) as net_gmv, "
            "cast(cost as double) as cost, roi from marts.fct_campaign_performance").df()
    finally:
        con.close()
    return {"content_latest": content, "account_daily": daily, "campaign_roi": roi}


# ------------------------------------------------------------------------------------------------ timing


def timed(fn: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    import psutil

    base = psutil.Process().memory_info().rss
    c0, t0 = cpu(), time.perf_counter()
    with PeakRSS() as peak:
        value = fn()
    wall, used = time.perf_counter() - t0, cpu() - c0
    return value, {"wall_s": round(wall, 3), "cpu_s": round(used, 3),
                   "peak_rss_delta_mb": round(max(0, peak.peak - base) / 2**20, 1)}


DBT_SELECT = ["+fct_account_daily", "+fct_content", "+fct_campaign_performance"]
NEEDED_DATASETS = ("ops/accounts", "douyin/videos", "douyin/fans", "weibo/posts", "weibo/fans", "shop/orders",
                   "ops/campaigns", "ops/campaign_costs", "ops/kol_posts", "ops/content_calendar", "ops/kols")


def _config_for(landing: Path) -> Any:
    from ingestion.config import SAMPLE_CONFIG, SAMPLE_LANDING, resolve_settings

    cfg = SAMPLE_CONFIG if landing.resolve() == SAMPLE_LANDING.resolve() else None
    return resolve_settings(cfg, landing, None, export_env=False).config


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def dbt_models(warehouse: Path, landing: Path, log_dir: Path) -> dict[str, Any]:
    """`dbt run --full-refresh` of the three marts and their whole upstream chain on `warehouse`: wall time
    of the dbt process (includes dbt's start-up and parse) and Σ of the models' execution times."""
    from orchestration.dbt.project import (
        DBT_PROJECT_DIR,
        dbt_environment,
        dbt_executable,
        dbt_vars,
        target_dir,
    )

    argv = [dbt_executable(), "run", "--full-refresh", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
            str(DBT_PROJECT_DIR), "--target-path", str(log_dir / "target"), "--log-path", str(log_dir / "logs"),
            "--vars", json.dumps(dbt_vars(_config_for(landing)), sort_keys=True), "--select", *DBT_SELECT]
    parsed = target_dir() / "partial_parse.msgpack"  # what fanops' own dbt op starts from, too
    if parsed.is_file():
        (log_dir / "target").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(parsed, log_dir / "target" / "partial_parse.msgpack")
    t0, c0 = time.perf_counter(), _children_cpu()
    with dbt_environment(warehouse):
        proc = subprocess.run(argv, cwd=DBT_PROJECT_DIR, env=dict(os.environ), capture_output=True, text=True)
    wall, used = time.perf_counter() - t0, _children_cpu() - c0
    if proc.returncode != 0:
        raise RuntimeError("dbt run failed:\n" + (proc.stdout + proc.stderr)[-3000:])
    results = json.loads((log_dir / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {"dbt_wall_s": round(wall, 3), "dbt_cpu_s": round(used, 3), "models": len(results),
            "models_exec_s": round(sum(r["execution_time"] for r in results), 3)}


def fanops_view_a(warehouse: Path, landing: Path, scratch: Path) -> dict[str, Any]:
    copy = scratch / "view_a.duckdb"
    shutil.copyfile(warehouse, copy)
    try:
        return dbt_models(copy, landing, scratch / "dbt_a")
    finally:
        copy.unlink(missing_ok=True)


def _empty_python_asset_tables(scratch_wh: Path, reference: Path) -> list[str]:
    """Tables the dbt chain reads that Python assets write (sentiment.text_scores…), created empty in the
    scratch warehouse from the reference warehouse's columns: the three computations do not use them, and
    view B times ingestion + dbt only."""
    import duckdb

    own = ("raw", "ops", "dq", "staging", "intermediate", "marts", "main", "information_schema", "pg_catalog")
    con = duckdb.connect(str(scratch_wh))
    made = []
    try:
        con.execute(f"ATTACH '{reference}' AS ref (READ_ONLY)")
        present = {(s, t) for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = current_database()"
        ).fetchall()}
        for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables where table_catalog = 'ref'"
        ).fetchall():
            if schema in own or (schema, table) in present:
                continue
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            con.execute(f'CREATE TABLE "{schema}"."{table}" AS SELECT * FROM ref."{schema}"."{table}" LIMIT 0')
            made.append(f"{schema}.{table}")
    finally:
        con.close()
    return made


def fanops_view_b(landing: Path, scratch: Path, reference: Path) -> dict[str, Any]:
    from ingestion.config import key_version
    from ingestion.engine import IngestOptions, ingest

    wh = scratch / "view_b.duckdb"
    key = os.urandom(32)  # a throw-away key: this scratch warehouse is discarded, pseudonyms don't matter here
    version = key_version(key)
    c0, t0 = cpu(), time.perf_counter()
    ingest(IngestOptions(landing=landing, warehouse=wh, pii_key=key, key_version=version,
                         datasets=NEEDED_DATASETS))
    ingest_wall, ingest_cpu = time.perf_counter() - t0, cpu() - c0
    try:
        empty = _empty_python_asset_tables(wh, reference)
        dbt = dbt_models(wh, landing, scratch / "dbt_b")
    finally:
        wh.unlink(missing_ok=True)
    return {"ingest_wall_s": round(ingest_wall, 3), "ingest_cpu_s": round(ingest_cpu, 3), **dbt,
            "total_s": round(ingest_wall + dbt["dbt_wall_s"], 3), "datasets": list(NEEDED_DATASETS),
            "empty_tables": empty}


# --------------------------------------------------------------------------------------------------- run


def run(landing: Path, warehouse: Path, *, limit_to: Collection[str] | None = None, fanops_e2e: bool = True,
        fanops_timing: bool = True, scratch: Path | None = None) -> dict[str, Any]:
    """Time the pandas computations and fanops' own, and compare the pandas numbers with the marts.

    `limit_to`: names from COMPUTATIONS (None = all). `fanops_timing` False skips both fanops views (the
    equality check alone); `fanops_e2e` False skips view B. `scratch`: where the warehouse copies go
    (default a temp dir, removed afterwards). The warehouse itself is only read."""
    landing, warehouse = Path(landing), Path(warehouse)
    wanted = [c for c in COMPUTATIONS if limit_to is None or c in limit_to]
    result: dict[str, Any] = {"landing": str(landing), "warehouse": str(warehouse), "computations": {}}
    marts = mart_frames(warehouse, ["douyin", "weibo"])
    total = {"wall_s": 0.0, "cpu_s": 0.0, "peak_rss_delta_mb": 0.0}

    def record(name: str, frame: pd.DataFrame, fig: dict[str, float], key: list[str], exact: list[str],
               approx: list[str]) -> None:
        n, bad, ex = compare(frame, marts[name], key, exact, approx)
        result["computations"][name] = {"pandas": {**fig, "rows_out": len(frame)}, "compared_rows": n,
                                        "mismatches": bad, "mismatch_examples": ex, "scope": SCOPE[name]}
        for k in total:
            total[k] = max(total[k], fig[k]) if k.startswith("peak") else total[k] + fig[k]

    # each computation reads what it needs on its own (an analyst's three scripts): no shared cache
    if "account_daily" in wanted:
        frame, fig = timed(lambda: account_daily(landing, accounts(landing)))
        record("account_daily", frame[["platform", "account", "date_day", "followers_total", "interactions"]],
               fig, ["platform", "account", "date_day"], ["followers_total", "interactions"], [])
    if "content_latest" in wanted:
        frame, fig = timed(lambda: content_latest(landing, accounts(landing)))
        record("content_latest", frame[["content_key", *METRICS, "interactions"]], fig, ["content_key"],
               [*METRICS, "interactions"], [])
    if "campaign_roi" in wanted:
        frame, fig = timed(lambda: campaign_roi(landing, accounts(landing)))
        record("campaign_roi", frame[["campaign_id", "orders", "gmv", "net_gmv", "cost", "roi"]], fig,
               ["campaign_id"], ["orders"], ["gmv", "net_gmv", "cost", "roi"])
    result["pandas_total"] = {k: round(v, 3) for k, v in total.items()}
    result["ok"] = all(c["mismatches"] == 0 for c in result["computations"].values())
    if not fanops_timing:
        return result
    own = scratch is None
    scratch = Path(tempfile.mkdtemp(prefix="pandas_baseline_")) if scratch is None else Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        a = fanops_view_a(warehouse, landing, scratch)
        result["fanops_view_a"] = a
        b = fanops_view_b(landing, scratch, warehouse) if fanops_e2e else None
        result["fanops_view_b"] = b
    finally:
        if own:
            shutil.rmtree(scratch, ignore_errors=True)
    pw = result["pandas_total"]["wall_s"]
    result["ratios"] = {
        "pandas_over_view_a_models_exec": round(pw / a["models_exec_s"], 2) if a["models_exec_s"] else None,
        "pandas_over_view_a_dbt_wall": round(pw / a["dbt_wall_s"], 2),
        "pandas_over_view_b_total": round(pw / b["total_s"], 2) if b else None,
        # CPU seconds: steadier than wall time on a shared machine (dbt's CPU is its process's)
        "pandas_cpu_over_view_a_dbt_cpu": round(result["pandas_total"]["cpu_s"] / a["dbt_cpu_s"], 2)
        if a["dbt_cpu_s"] else None,
        "pandas_cpu_over_view_b_cpu": round(result["pandas_total"]["cpu_s"] / (b["ingest_cpu_s"] + b["dbt_cpu_s"]), 2)
        if b else None,
    }
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--landing", type=Path, required=True)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--json", type=Path, help="write the result here")
    ap.add_argument("--only", action="append", choices=COMPUTATIONS, help="limit to these computations")
    ap.add_argument("--no-e2e", action="store_true", help="skip view B (ingest + dbt into a scratch warehouse)")
    ap.add_argument("--no-fanops", action="store_true", help="equality and pandas timings only (no dbt/ingest)")
    ap.add_argument("--scratch", type=Path, help="scratch dir for the fanops timings (default: a temp dir)")
    args = ap.parse_args(argv)
    res = run(args.landing, args.warehouse, limit_to=args.only, fanops_e2e=not args.no_e2e,
              fanops_timing=not args.no_fanops, scratch=args.scratch)
    text = json.dumps(res, ensure_ascii=False, indent=2, default=str)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
