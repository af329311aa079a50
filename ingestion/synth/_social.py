"""Platform datasets: WeChat, Douyin, Kuaishou, Xiaohongshu and Weibo landing files."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from . import _text as tx
from ._util import (
    Out,
    cn_date,
    cn_datetime,
    digits,
    epoch_s,
    excel_serial,
    hexid,
    hhmmss,
    iso_local,
    mmss,
    poisson,
    rng,
    thousands,
    ts,
    ts_min,
    wan,
    weibo_time,
)
from ._world import Account, Post, World

COMMENTS_PER_FILE = 5000  # comment dumps are split so a viral post never sits in memory whole
BIG_SCALE = 3.0  # above this, big datasets are written as CSV/JSON instead of spreadsheets


def reps(w: World) -> int:
    return max(1, round(w.s_snapshots))


def occasions(w: World, weekday: int, hour: int, minute: int = 0) -> list[datetime]:
    """Weekly export times (local) from the first such weekday after the start until the day after the end.

    Daily deliveries (--accounts): nothing is exported after the last day."""
    out = []
    d = w.start + timedelta(days=1)
    while d <= w.end + timedelta(days=1):
        if d.weekday() == weekday:
            out.append(datetime.combine(d, time(hour, minute)))
        d += timedelta(days=1)
    if w.daily:
        return [t for t in out if t.date() <= w.end]
    if not out or out[-1].date() < w.end:
        out.append(datetime.combine(w.end + timedelta(days=1), time(hour, minute)))
    return out


def window(posts: list[Post], at: datetime, days: int = 28) -> list[Post]:
    return [p for p in posts if at - timedelta(days=days) <= p.published < at]


def repeated(w: World, at: datetime) -> Iterator[tuple[int, datetime]]:
    """At scale S each export occasion is re-exported S times (minutes apart): S x the snapshot rows."""
    n = reps(w)
    step = max(1, (6 * 24 * 60) // n)
    for k in range(n):
        t = at + timedelta(minutes=k * step)
        if w.daily and t.date() > w.end:
            break
        yield k, t


def comment_fetch(w: World, due: datetime) -> datetime | None:
    """When a post's comments are fetched: at ``due``, capped at the last fetch; daily deliveries
    (--accounts) fetch only what is due by the last day (the rest would come later)."""
    if w.daily:
        return due if due.date() <= w.end else None
    return min(due, w.last_fetch)


def comment_name(w: World, stem: str, ident: str, fetched: datetime) -> str:
    """Daily deliveries put the fetch day first in the name (the stamp the benchmark holds back by)."""
    return f"{stem}_{fetched:%Y%m%d}_{ident}" if w.daily else f"{stem}_{ident}"


def salt(w: World, a: Account) -> tuple[str, ...]:
    """Extra RNG key for an extra account (empty for today's accounts: their output stays unchanged)."""
    return () if w.is_main(a) else (a.slug,)


def month_dir(d: date | datetime) -> str:
    return f"{d.year}-{d.month:02d}"


# ================================================================================================ WeChat
def wechat(w: World, out: Out) -> None:
    for a in w.accounts_of("wechat"):
        _wechat(w, out, a)


def _wechat(w: World, out: Out, a: Account) -> None:
    rows: Any
    acc = a.slug
    main = w.is_main(a)
    sk = salt(w, a)
    base = f"wechat/{acc}"
    fans = w.followers[f"{acc}@wechat"]
    # ---- user_growth: monthly HTML-xls exports; the last days come only as datacube dumps ----
    header = ["时间", "新关注人数", "取消关注人数", "净增关注人数", "累积关注人数"]
    alias = ["日期", "新关注", "取消关注", "净增关注", "累计关注人数"]
    months: list[list[tuple[date, int, int, int]]] = []
    for row in fans:
        if not months or months[-1][0][0].month != row[0].month:
            months.append([])
        months[-1].append(row)
    html_months = months[:-1] if len(months) > 1 else []
    for i, rows in enumerate(html_months):
        exp = datetime.combine(rows[-1][0] + timedelta(days=1), time(10, 5))
        hdr = alias if i == 1 and main else header  # alias names + 新关注 without 人数 (quirks 8, 9)
        out.write_html_xls(
            f"{base}/user_growth/{month_dir(rows[0][0])}/用户分析_用户增长.xls",
            ["用户增长", f"导出时间：{ts(exp)}"], hdr,
            [[d.isoformat(), n, lo, n - lo, t] for d, n, lo, t in rows],
        )
        out.count("wechat/user_growth", len(rows))
    if len(html_months) >= 2 and main:
        # corrected re-delivery of month 2 (overlapping dates, three changed values) with a sidecar
        rows = html_months[1]
        exp = datetime.combine(rows[-1][0] + timedelta(days=9), time(16, 0))
        fixed = []
        for j, (d, n, lo, t) in enumerate(rows):
            if j in (3, 10, 17):
                n += 5
                t += 5 * 0  # total stays: the correction moves followers between new and lost
                lo += 5
            fixed.append([d.isoformat(), n, lo, n - lo, t])
        rel = f"{base}/user_growth/更正/用户增长_{month_dir(rows[0][0])}_更正.csv"
        out.write_csv(rel, header, fixed, encoding="utf-8-sig")
        out.write_json(rel + ".meta.json", {"exported_at": iso_local(exp), "period_start": rows[0][0].isoformat(),
                                            "period_end": rows[-1][0].isoformat()})
        out.count("wechat/user_growth", len(fixed))
    # datacube dumps for the last (partial) month, ranges of <= 7 days, two ranges per file
    last = months[-1] if html_months else fans
    chunks = [last[i:i + 7] for i in range(0, len(last), 7)]
    for ci in range(0, len(chunks), 2):
        pair = chunks[ci:ci + 2]
        fetched = datetime.combine(pair[-1][-1][0] + timedelta(days=1), time(9, 10))
        calls: list[dict[str, Any]] = []
        for ch in pair:
            rq = {"begin_date": ch[0][0].isoformat(), "end_date": ch[-1][0].isoformat()}
            summ: list[dict[str, Any]] = []
            for d, n, lo, _t in ch:
                r = rng(w.seed, "usersrc", d, *sk)
                shares = {0: 0.3, 1: 0.25, 30: 0.15, 57: 0.12, 161: 0.08, 200: 0.1}
                left_new, left_lost = n, lo
                for src, s in shares.items():
                    nn = left_new if src == 200 else int(n * s * r.uniform(0.7, 1.2))
                    nn = max(0, min(nn, left_new))
                    ll = left_lost if src == 0 else 0
                    left_new -= nn
                    left_lost -= ll
                    if nn or ll:
                        summ.append({"ref_date": d.isoformat(), "user_source": src, "new_user": nn, "cancel_user": ll})
            calls.append({"api": "datacube/getusersummary", "request": rq, "response": {"list": summ}})
            calls.append({"api": "datacube/getusercumulate", "request": rq, "response": {"list": [
                {"ref_date": d.isoformat(), "user_source": 0, "cumulate_user": t} for d, _n, _l, t in ch]}})
            out.count("wechat/user_growth", len(summ) + len(ch))
        out.write_json(f"{base}/user_growth/datacube/usersummary_{pair[0][0][0]:%Y%m%d}.json",
                       {"fanops_api_dump": 1, "platform": "wechat", "account": acc, "fetched_at": iso_local(fetched),
                        "calls": calls})

    # ---- articles ----
    posts = w.posts[("wechat", acc)]
    cols16 = ["内容标题", "发表时间", "总阅读人数", "总阅读次数", "总分享人数", "总分享次数", "阅读后关注人数", "送达人数",
              "公众号消息阅读次数", "送达阅读率", "首次分享次数", "分享产生阅读次数", "首次分享率", "每次分享带来阅读次数",
              "阅读完成率", "内容url"]
    cols14 = [c for c in cols16 if c not in ("送达人数", "送达阅读率")]
    big = w.scale > BIG_SCALE
    for oi, at0 in enumerate(occasions(w, 0, 9, 30)):
        for k, at in repeated(w, at0):
            sel = window(posts, at, 14)
            if not sel:
                continue
            delivered = w.followers[f"{acc}@wechat"]
            for notified in ("1", "0"):
                group = [p for p in sel if p.ids["notified"] == notified]
                if not group:
                    continue
                cols = cols16 if notified == "1" else cols14
                rows = []
                for p in group:
                    reads = p.metric("views", at)
                    users = int(reads * 0.87)
                    sh = p.metric("shares", at)
                    tgt = next((t for d, _n, _l, t in delivered if d == p.published.date()), 50000)
                    msg_reads = min(int(reads * 0.7), int(tgt * 0.4))  # 送达阅读率 stays a rate
                    first = int(sh * 0.6)
                    from_sh = int(reads * 0.18)
                    vals: dict[str, Any] = {
                        "内容标题": p.title, "发表时间": int(p.published.strftime("%Y%m%d")), "总阅读人数": users,
                        "总阅读次数": reads, "总分享人数": int(sh * 0.8), "总分享次数": sh,
                        "阅读后关注人数": p.metric("new_followers", at), "送达人数": tgt, "公众号消息阅读次数": msg_reads,
                        "送达阅读率": round(msg_reads / tgt, 4), "首次分享次数": first, "分享产生阅读次数": from_sh,
                        "首次分享率": round(first / msg_reads, 4) if msg_reads else 0,
                        "每次分享带来阅读次数": round(from_sh / sh, 2) if sh else 0,
                        "阅读完成率": round(p.final["completion5"] + 0.2, 4), "内容url": p.ids["url"]}
                    rows.append([vals[c] for c in cols])
                name = "已通知内容" if notified == "1" else "未开启通知内容"
                stamp = f"{at:%Y%m%d}" + (f"_{k:04d}" if k else "")
                rel = f"{base}/articles/{month_dir(at)}/内容分析_{name}_{stamp}"
                if big:
                    out.write_csv(rel + ".csv", cols, rows)
                elif oi == 3 and notified == "1" and main:
                    # HTML-xls variant: URLs carry &amp; entities (quirk 38), a 10万+ floored display
                    for r_ in rows:
                        if isinstance(r_[3], int) and r_[3] >= 100000:
                            r_[3] = "10万+"
                    out.write_html_xls(rel + ".xls", [f"导出时间：{ts(at)}"], cols, rows)
                else:
                    pre = [["内容分析-" + name], [f"导出时间：{ts(at)}"]]
                    tail: list[list[Any]] = []
                    if oi == 2 and notified == "1" and main:
                        tail = [["合计", "", sum(r_[2] for r_ in rows), sum(r_[3] for r_ in rows)]]
                    out.write_xls(rel + ".xls", name, [*pre, cols, *rows, *tail])
                out.count("wechat/articles", len(rows))
    # getarticletotal: one dump per publish day, 7 cumulative daily details, fetched on day 8
    by_day: dict[date, list[Post]] = {}
    for p in posts:
        by_day.setdefault(p.published.date(), []).append(p)
    for i, (d, group) in enumerate(sorted(by_day.items())):
        fetched = min(datetime.combine(d + timedelta(days=8), time(9, 0)), w.last_fetch)
        lst = []
        n = 0
        for p in group:
            details = []
            for s in range(7):
                sd = d + timedelta(days=s)
                if sd >= fetched.date():
                    break
                at = datetime.combine(sd, time(23, 59, 59))
                v = p.metric("views", at)
                details.append({"stat_date": sd.isoformat(), "target_user": 50000, "int_page_read_user": int(v * 0.87),
                                "int_page_read_count": v, "ori_page_read_user": int(v * 0.01),
                                "ori_page_read_count": int(v * 0.012), "share_user": int(p.metric("shares", at) * 0.8),
                                "share_count": p.metric("shares", at), "add_to_fav_user": int(p.metric("saves", at) * .9),
                                "add_to_fav_count": p.metric("saves", at)})
            n += len(details)
            lst.append({"ref_date": d.isoformat(), "msgid": p.ids["post_ref"], "title": p.title, "details": details})
        resp = {"list": lst}
        rel = f"{base}/articles/datacube/getarticletotal_{d:%Y%m%d}.json"
        if i % 2:
            out.write_json(rel, resp)  # bare response (export time = delivered_at)
        else:
            out.write_json(rel, {"fanops_api_dump": 1, "platform": "wechat", "account": acc,
                                 "fetched_at": iso_local(fetched), "calls": [
                                     {"api": "datacube/getarticletotal",
                                      "request": {"begin_date": d.isoformat(), "end_date": d.isoformat()},
                                      "response": resp}]})
        out.count("wechat/articles", n)
    # ---- comments ----
    for p in posts:
        fetch = comment_fetch(w, (p.published + timedelta(days=10)).replace(hour=9, minute=0, second=0))
        if fetch is None:
            continue
        fetched = fetch
        r = rng(w.seed, "wxc", p.ids["post_ref"], *sk)
        n_total = poisson(r, 5.0 * w.s_comments * math.exp(r.gauss(0, 0.8)))
        chunk = COMMENTS_PER_FILE
        for part in range(0, max(1, n_total), chunk):
            comments = []
            for cid in range(part + 1, min(n_total, part + chunk) + 1):
                created = min(p.published + timedelta(minutes=int(r.expovariate(1 / 600)) + 1),
                              fetched - timedelta(hours=2))
                c: dict[str, Any] = {"user_comment_id": cid}
                if r.random() > 0.08:  # absent openid: commented under a non-WeChat identity
                    c["openid"] = "oQ7k" + hexid(w.seed, 24, "wxopen", r.randint(0, 5000 * max(1, int(w.scale))))
                c["create_time"] = epoch_s(created)
                c["content"] = tx.comment(r, emoji=True)
                c["comment_type"] = 1 if r.random() < 0.1 else 0
                if r.random() < 0.6:
                    delay = math.exp(r.gauss(math.log(70), 1.0))
                    rt = created + timedelta(minutes=delay)
                    if rt < fetched:
                        c["reply"] = {"content": r.choice(tx.REPLY_T), "create_time": epoch_s(rt)}
                comments.append(c)
            if not comments and part:
                break
            calls = []
            for b in range(0, max(1, len(comments)), 49):
                page = comments[b:b + 49]
                calls.append({"api": "cgi-bin/comment/list",
                              "request": {"msg_data_id": int(p.ids["mid"]), "index": int(p.ids["idx"]) - 1,
                                          "begin": part + b, "count": 49, "type": 0},
                              "response": {"errcode": 0, "errmsg": "ok", "total": len(page), "comment": page}})
            suffix = f"_{part // chunk + 1:03d}" if n_total > chunk else ""
            name = comment_name(w, "comment", p.ids["post_ref"], fetched)
            out.write_json(f"{base}/comments/{month_dir(p.published)}/{name}{suffix}.json",
                           {"fanops_api_dump": 1, "platform": "wechat", "account": acc,
                            "fetched_at": iso_local(fetched), "calls": calls})
            out.count("wechat/comments", len(comments))
    # ---- fans_portrait: xlsx with a sidecar for the export time ----
    for i, off in enumerate(sorted({min(w.days - 1, x) for x in (29, 89, 149)})):
        d = w.start + timedelta(days=off)
        exp = datetime.combine(d, time(11, 0))
        total = next(t for dd, _n, _l, t in fans if dd == d)
        r = rng(w.seed, "wxportrait", d, *sk)
        male = int(total * r.uniform(0.27, 0.31))
        gender: list[list[Any]] = [["性别", "人数", "占比"], ["男", male, f"{male / total:.2%}"], ["女", total - male - 900,
                                                                        f"{(total - male - 900) / total:.2%}"],
                  ["未知", 900, f"{900 / total:.2%}"]]
        ages = [("18岁以下", .04), ("18-25岁", .27), ("26-35岁", .38), ("36-45岁", .2), ("46-60岁", .09), ("60岁以上", .02)]
        age: list[list[Any]] = [["年龄", "人数", "占比"]] + [[a, int(total * s), round(s, 4)] for a, s in ages]
        provs = [("广东", .15), ("浙江", .11), ("上海", .09), ("江苏", .08), ("北京", .07), ("四川", .05)]
        region: list[list[Any]] = [["省份/直辖市", "人数", "占比"]] + [[p_, int(total * s * r.uniform(.95, 1.05)), s] for p_, s in provs]
        rel = f"{base}/fans_portrait/粉丝画像_{d:%Y%m%d}.xlsx"
        out.write_xlsx(rel, [("性别分布", gender), ("年龄分布", age), ("地域分布", region)])
        out.write_json(rel + ".meta.json", {"exported_at": iso_local(exp)})
        out.count("wechat/fans_portrait", len(gender) + len(age) + len(region) - 3)
        _ = i


# ================================================================================================ Douyin
DY_A = ["作品名称", "发布时间", "体裁", "发布状态", "播放量", "完播率", "5s完播率", "作品时长", "2s跳出率", "平均播放时长",
        "点赞量", "评论量", "分享量", "收藏量", "主页访问量", "粉丝增量"]
DY_B = ["作品名称", "发布时间", "体裁", "审核状态", "播放量", "完播率", "5s完播率", "封面点击率", "2s跳出率",
        "平均播放时长（秒）", "点赞量", "分享量", "评论量", "收藏量", "主页访问量", "粉丝增量"]


def _dy_row(p: Post, at: datetime, cols: list[str], style: int) -> list[Any]:
    img = p.fmt == "image_text"
    v = p.metric("views", at)

    def cnt(x: int) -> Any:
        return thousands(x) if style == 2 else x

    vals: dict[str, Any] = {
        "作品名称": p.text,
        "发布时间": ts_min(p.published) if style == 2 else ts(p.published),
        "体裁": "图文" if img else ("1-3min视频" if p.final["duration"] >= 60 else "1min以内视频"),
        "发布状态": "公开", "审核状态": "审核通过",
        "播放量": cnt(v),
        "完播率": round(p.final["completion"], 4),
        "5s完播率": "-" if img else round(p.final["completion5"], 4),
        "作品时长": "-" if img else (f"{p.final['duration'] // 60}分{p.final['duration'] % 60}秒" if style == 2
                                  else mmss(p.final["duration"])),
        "2s跳出率": "-" if img else round(p.final["bounce2"], 4),
        "平均播放时长": "-" if img else p.final["avg_watch"],
        "封面点击率": "-" if img else round(p.final["cover_ctr"], 4),
        "点赞量": cnt(p.metric("likes", at)), "评论量": cnt(p.metric("comments", at)),
        "分享量": cnt(p.metric("shares", at)), "收藏量": cnt(p.metric("saves", at)),
        "主页访问量": cnt(p.metric("profile_visits", at)), "粉丝增量": cnt(p.metric("new_followers", at)),
    }
    vals["平均播放时长（秒）"] = vals["平均播放时长"]
    if style == 1 and not img:
        vals["完播率"] = ("pct", round(p.final["completion"], 4))  # xlsx cell with a % number format (quirk 20)
    return [vals[c] for c in cols]


def douyin(w: World, out: Out) -> None:
    for a in w.accounts_of("douyin"):
        if ("douyin", a.slug) in w.posts:
            _douyin(w, out, a)


def _douyin(w: World, out: Out, a: Account) -> None:
    rows: Any
    acc = a.slug
    main = acc == "qinghe_dy"  # the quirks and bad rows belong to the brand account
    sk = salt(w, a)
    base = f"douyin/{acc}"
    posts = w.posts[("douyin", acc)]
    big = w.scale > BIG_SCALE
    first_rel = ""
    for oi, at0 in enumerate(occasions(w, 0, 10)):
        for k, at in repeated(w, at0):
            sel = window(posts, at)
            if not sel and (w.daily or not main):
                continue  # (a header-only export would repeat another's bytes: a duplicate)
            cols = DY_A if oi % 2 == 0 else DY_B
            style = 2 if oi == 2 else (1 if oi % 2 == 1 else 0)
            rows = [_dy_row(p, at, cols, 0 if big else style) for p in sel]
            stamp = f"{at:%Y%m%d}" + (f"_{k:04d}" if k else "")
            rel = f"{base}/videos/{month_dir(at)}/作品列表_{stamp}"
            if oi == 4 and not big and rows and main:
                # deliberate bad rows (documented in data/sample/README.md)
                dup = list(rows[0])
                dup[4] = (dup[4] if isinstance(dup[4], int) else 0) + 17  # same post, different 播放量
                fake = [f"测试作品{j} 异常行" for j in range(3)]
                base_row = list(rows[-1])
                bad_rate = [fake[0], "2026-08-20 10:00:00", *base_row[2:]]
                bad_rate[5] = 35.6  # bare 35.6 in a rate(f) column -> rate_out_of_range
                bad_neg = [fake[1], "2026-08-21 10:00:00", *base_row[2:]]
                bad_neg[10] = -3  # negative 点赞量 -> negative_count
                bad_date = [fake[2], "2026-09-31 10:00:00", *base_row[2:]]  # -> invalid_timestamp
                rows = [*rows, dup, bad_rate, bad_neg, bad_date]
            if big or style == 2:
                out.write_csv(rel + ".csv", cols, rows)
            else:
                out.write_xlsx(rel + ".xlsx", [("作品列表", [cols, *rows])])
                if not first_rel:
                    first_rel = rel + ".xlsx"
            out.count("douyin/videos", len(rows))
    if first_rel and not big and main:
        # exact duplicate delivery under another name (status duplicate)
        src = out.root / first_rel
        out.write_bytes(first_rel.replace(".xlsx", "_副本.xlsx"), src.read_bytes())
    # ---- fans: overlapping 7/15/30-day pulls, wrapped and bare ----
    fans = w.followers.get(f"{acc}@douyin", [])
    for dtype, step, wrapped in ((7, 7, True), (15, 15, False), (30, 30, True)):
        for end_i in range(step - 1, len(fans), step):
            rows = fans[end_i - dtype + 1:end_i + 1]
            fetched = datetime.combine(rows[-1][0] + timedelta(days=1), time(10, 30 + dtype % 10))
            r = rng(w.seed, "dyfans", dtype, end_i, *sk)
            lst = [{"date": d.isoformat(), "new_fans": n, "total_fans": t + int(r.gauss(0, 3))}
                   for d, n, _l, t in rows]
            resp = {"data": {"error_code": 0, "description": "", "result_list": lst},
                    "extra": {"logid": f"{fetched:%Y%m%d%H%M%S}" + hexid(w.seed, 12, "logid", dtype, end_i,
                                                                         *sk).upper(),
                              "now": epoch_s(fetched) * 1000, "error_code": 0, "description": "",
                              "sub_error_code": 0, "sub_description": ""}}
            rel = f"{base}/fans/fans_{dtype}d_{rows[-1][0]:%Y%m%d}.json"
            if wrapped:
                out.write_json(rel, {"fanops_api_dump": 1, "platform": "douyin", "account": acc,
                                     "fetched_at": iso_local(fetched),
                                     "calls": [{"api": "data/external/user/fans", "request": {"date_type": dtype},
                                                "response": resp}]})
            else:
                out.write_json(rel, resp)
            out.count("douyin/fans", len(lst))
    # ---- comments with the account's replies ----
    dy_acc = a
    for p in posts:
        fetch = comment_fetch(w, (p.published + timedelta(days=7)).replace(hour=9, minute=30, second=0))
        if fetch is None:
            continue
        fetched = fetch
        r = rng(w.seed, "dyc", p.ids["item_id"])
        n_total = poisson(r, 6.0 * w.s_comments * math.exp(r.gauss(0, 0.8)))
        chunk = COMMENTS_PER_FILE
        req_base = {"item_id": p.ids["item_id"], "item_create_time": epoch_s(p.published), "item_title": p.text}
        for part in range(0, max(1, n_total), chunk):
            items: list[dict[str, Any]] = []
            replies: list[tuple[str, dict[str, Any]]] = []
            for ci in range(part, min(n_total, part + chunk)):
                created = min(p.published + timedelta(minutes=int(r.expovariate(1 / 500)) + 1),
                              fetched - timedelta(hours=2))
                cid = "@" + hexid(w.seed, 44, "dyc", p.ids["item_id"], ci) + "=="
                reply = None
                if r.random() < 0.45:
                    rt = created + timedelta(minutes=math.exp(r.gauss(math.log(80), 1.1)))
                    if rt < fetched:
                        reply = {"comment_id": "@" + hexid(w.seed, 44, "dyr", cid) + "==",
                                 "comment_user_id": dy_acc.platform_id, "content": r.choice(tx.REPLY_T),
                                 "create_time": epoch_s(rt), "digg_count": r.randint(0, 5),
                                 "reply_comment_total": 0, "top": False}
                        replies.append((cid, reply))
                items.append({"comment_id": cid, "comment_user_id": hexid(w.seed, 36, "dyuser",
                                                                          r.randint(0, 8000 * max(1, int(w.scale)))),
                              "content": tx.comment(r), "create_time": epoch_s(created),
                              "digg_count": int(math.exp(r.gauss(1, 1.3))), "reply_comment_total": 1 if reply else 0,
                              "top": r.random() < 0.02})
            calls: list[dict[str, Any]] = []
            for b in range(0, max(1, len(items)), 50):
                page = items[b:b + 50]
                calls.append({"api": "item/comment/list", "request": {**req_base, "cursor": b, "count": 50},
                              "response": {"data": {"error_code": 0, "description": "", "cursor": b + len(page),
                                                    "has_more": b + 50 < len(items), "list": page},
                                           "extra": {"logid": hexid(w.seed, 26, "lg", p.ids["item_id"], part, b),
                                                     "now": epoch_s(fetched) * 1000, "error_code": 0}}})
            for parent, rep in replies:
                calls.append({"api": "item/comment/reply/list",
                              "request": {"item_id": p.ids["item_id"], "comment_id": parent, "cursor": 0, "count": 20},
                              "response": {"data": {"error_code": 0, "description": "", "cursor": 1,
                                                    "has_more": False, "list": [rep]},
                                           "extra": {"logid": hexid(w.seed, 26, "lgr", parent),
                                                     "now": epoch_s(fetched) * 1000, "error_code": 0}}})
            suffix = f"_{part // chunk + 1:03d}" if n_total > chunk else ""
            name = comment_name(w, "comments", f"{p.n:05d}", fetched)
            out.write_json(f"{base}/comments/{month_dir(p.published)}/{name}{suffix}.json",
                           {"fanops_api_dump": 1, "platform": "douyin", "account": acc,
                            "fetched_at": iso_local(fetched), "calls": calls})
            out.count("douyin/comments", len(items) + len(replies))
    # ---- live sessions (qinghe_live, and the brand account during promotions) ----
    if acc == "qinghe_dy":
        _live_sessions(w, out)
    # ---- fans portrait ----
    for off in sorted({min(w.days - 1, x) for x in (30, 90, 150)} if fans else ()):
        d = w.start + timedelta(days=off)
        total = next(t for dd, _n, _l, t in fans if dd == d)
        r = rng(w.seed, "dyportrait", d, *sk)
        male = int(total * r.uniform(0.27, 0.31))
        ages = [("1-23", .23), ("24-30", .39), ("31-40", .27), ("41-50", .08), ("50-", .03)]
        geo = [("广东", .15), ("浙江", .11), ("江苏", .07), ("上海", .06)]  # top buckets only -> loader adds other
        fd = {"all_fans_num": total,
              "gender_distributions": [{"item": "1", "value": male}, {"item": "2", "value": total - male}],
              "age_distributions": [{"item": a, "value": int(total * s)} for a, s in ages],
              "geographical_distributions": [{"item": g, "value": int(total * s * r.uniform(.95, 1.05))} for g, s in geo],
              "device_distributions": [{"item": "iPhone", "value": int(total * .41)},
                                       {"item": "华为", "value": int(total * .27)}],
              "interest_distributions": [{"item": "美食", "value": int(total * .33)},
                                         {"item": "生活", "value": int(total * .21)}]}
        n = sum(len(v) for v in fd.values() if isinstance(v, list))
        fetched = datetime.combine(d, time(9, 0))
        out.write_json(f"{base}/fans_portrait/fans_data_{d:%Y%m%d}.json",
                       {"fanops_api_dump": 1, "platform": "douyin", "account": acc, "fetched_at": iso_local(fetched),
                        "calls": [{"api": "fans_data", "request": {},
                                   "response": {"data": {"error_code": 0, "description": "", "fans_data": fd}}}]})
        out.count("douyin/fans_portrait", n)


LIVE_COLS = ["直播场次ID", "直播标题", "开播时间", "下播时间", "直播时长", "累计观看人数", "观看次数", "最高在线人数",
             "平均在线人数", "人均观看时长", "新增粉丝数", "评论次数", "点赞次数", "分享次数", "商品曝光人数", "商品点击人数",
             "成交订单数", "成交人数", "成交金额(元)", "关联活动ID"]


def _live_sessions(w: World, out: Out) -> None:
    rows: Any
    sessions: list[tuple[str, str, datetime, float, int, str]] = []  # (account, id, start, hours, viewers, campaign)
    for d in w.dates:
        r = rng(w.seed, "live", d)
        camp = ""
        for c in w.campaigns:
            if "douyin" in c.platforms and c.ctype in ("直播互动", "限时抢购") and c.start.date() <= d <= c.end.date() \
                    and c.status != "已取消":
                camp = c.cid
        if d.weekday() in (1, 4) or (camp and r.random() < 0.5):
            st = datetime.combine(d, time(20, 0 if d.weekday() == 1 else 30))
            hours = r.uniform(1.5, 3.8)
            viewers = int(math.exp(r.gauss(math.log(9000), 0.6)) * w.promo(d))
            sessions.append(("qinghe_live", f"LS{d:%Y%m%d}{'AB'[d.weekday() % 2]}", st, hours, viewers, camp))
        if d in w.peaks:
            sessions.append(("qinghe_dy", f"LS{d:%Y%m%d}D", datetime.combine(d, time(19, 30)), 3.6,
                             int(48000 * r.uniform(.8, 1.2)), camp))
    for acc in ("qinghe_live", "qinghe_dy"):
        mine = [s for s in sessions if s[0] == acc]
        for oi, at in enumerate(occasions(w, 2, 11)):
            sel = [s for s in mine if at - timedelta(days=14) <= s[2] and s[2] + timedelta(hours=s[3]) < at]
            if not sel:
                continue
            rows = []
            for _a, lid, st, hours, viewers, camp in sel:
                r = rng(w.seed, "livem", lid)
                settle = min(1.0, 0.9 + 0.02 * (at - st).days)
                v = int(viewers * settle)
                en = st + timedelta(hours=hours)
                orders = int(v * r.uniform(.02, .05))
                dur = (en - st).total_seconds()
                rows.append([lid, f"{tx.PRODUCTS[r.randint(0, 7)]}专场", ts(st), ts(en),
                             hhmmss(dur) if oi % 2 == 0 else f"{int(dur // 3600)}小时{int(dur % 3600 // 60)}分", v,
                             int(v * 1.3), int(v * .05), int(v * .02), mmss(r.uniform(60, 200)), int(v * .027),
                             int(v * .2), int(v * 3.8), int(v * .015), int(v * .64), int(v * .13), orders,
                             int(orders * .91), f"{orders * r.uniform(95, 130):,.2f}", camp])
            if acc == "qinghe_live" and oi == 3:
                # numeric live id >= 1e15 stored as a number: id_precision_lost
                rows.append([7433012285546614066.0, *rows[0][1:]])
            rel = f"douyin/{acc}/live_sessions/直播数据_{at:%Y%m%d}"
            if oi % 3 == 2:
                out.write_csv(rel + ".csv", LIVE_COLS, rows)
            else:
                out.write_xlsx(rel + ".xlsx", [("直播场次", [LIVE_COLS, *rows])])
            out.count("douyin/live_sessions", len(rows))


# ============================================================================================== Kuaishou
KS_COLS = ["作品", "发布时间", "播放量", "完播率", "点赞量", "评论量", "收藏量", "分享量", "涨粉量"]


def kuaishou(w: World, out: Out) -> None:
    big = w.scale > BIG_SCALE
    for a in w.accounts_of("kuaishou"):
        acc = a.slug
        posts = w.posts[("kuaishou", acc)]
        base = f"kuaishou/{acc}/videos"
        for oi, at0 in enumerate(occasions(w, 1, 10)):
            for k, at in repeated(w, at0):
                sel = window(posts, at)
                if not sel:
                    continue
                rows = []
                for j, p in enumerate(sel):
                    v = p.metric("views", at)
                    vs: Any = v
                    if v >= 10000 and not big:
                        vs = wan(v, ("万", "w", "W")[j % 3])  # 1.2万 / 3.1w / 3.1W (quirk 12)
                    rows.append([p.caption, ts(p.published), vs, f"{p.final['completion'] * 100:.1f}%",
                                 p.metric("likes", at), p.metric("comments", at), p.metric("saves", at),
                                 p.metric("shares", at), p.metric("new_followers", at)])
                stamp = f"{at:%Y%m%d}" + (f"_{k:04d}" if k else "")
                rel = f"{base}/{month_dir(at)}/作品列表明细_{stamp}"
                if big or oi % 2:
                    out.write_csv(rel + ".csv", KS_COLS, rows, encoding="utf-8" if oi % 4 == 1 else "utf-8-sig")
                else:
                    out.write_xlsx(rel + ".xlsx", [("作品列表明细", [KS_COLS, *rows])])
                out.count("kuaishou/videos", len(rows))
        # open API photo/list, epoch ms; wrapper and bare forms
        for oi, at0 in enumerate(occasions(w, 2, 9)[::2]):
            for k, at in repeated(w, at0):
                sel = window(posts, at)
                if not sel:
                    continue
                vl = [{"photo_id": p.ids["photo_id"], "caption": p.caption,
                       "cover": f"https://p2.a.yximgs.com/upic/{p.published:%Y/%m/%d}/cover_{p.ids['photo_id']}.jpg",
                       "play_url": f"https://v2.kwaicdn.com/upic/{p.published:%Y/%m/%d}/{p.ids['photo_id']}.mp4",
                       "create_time": epoch_s(p.published) * 1000, "like_count": p.metric("likes", at),
                       "comment_count": p.metric("comments", at), "view_count": p.metric("views", at),
                       "pending": False} for p in sel]
                resp = {"result": 1, "video_list": vl}
                stamp = f"{at:%Y%m%d}" + (f"_{k:04d}" if k else "")
                rel = f"{base}/api/photo_list_{stamp}.json"
                if oi % 2:
                    out.write_json(rel, resp)
                    out.write_json(rel + ".meta.json", {"exported_at": iso_local(at)})
                else:
                    out.write_json(rel, {"fanops_api_dump": 1, "platform": "kuaishou", "account": acc,
                                         "fetched_at": iso_local(at),
                                         "calls": [{"api": "openapi/photo/list", "request": {"cursor": "", "count": 50},
                                                    "response": resp}]})
                out.count("kuaishou/videos", len(vl))


# =========================================================================================== Xiaohongshu
XHS_COLS = ["笔记标题", "首次发布时间", "体裁", "曝光", "观看量", "封面点击率", "点赞", "评论", "收藏", "涨粉", "分享",
            "人均观看时长", "弹幕"]
XHS_ALIAS = ["笔记标题", "首次发布时间", "类型", "曝光数", "浏览数", "封面点击率", "点赞数", "评论数", "收藏数", "涨粉",
             "分享数", "人均观看时长(秒)", "弹幕"]


def xiaohongshu(w: World, out: Out) -> None:
    for a in w.accounts_of("xiaohongshu"):
        _xiaohongshu(w, out, a)


def _xiaohongshu(w: World, out: Out, a: Account) -> None:
    rows: Any
    acc = a.slug
    main = w.is_main(a)
    base = f"xiaohongshu/{acc}"
    posts = w.posts[("xiaohongshu", acc)]
    for oi, at in enumerate(occasions(w, 3, 11)):
        sel = window(posts, at)
        if not sel:
            continue
        cols = XHS_ALIAS if oi == 5 and main else XHS_COLS
        rows = []
        for j, p in enumerate(sel):
            aw = p.final["avg_watch"]
            rows.append([p.title, cn_datetime(p.published), "视频" if p.fmt == "video" else "图文",
                         p.metric("impressions", at), p.metric("views", at), round(p.final["cover_ctr"], 4),
                         p.metric("likes", at), p.metric("comments", at), p.metric("saves", at),
                         p.metric("new_followers", at), p.metric("shares", at),
                         (f"{round(aw)}秒" if j % 4 == 2 else f"{aw}秒") if j % 2 == 0 else f"{round(aw, 1)}s",
                         p.metric("danmaku", at)])
        hint = ["最多导出最近30天发布的笔记数据，数据更新至" + cn_date((at - timedelta(days=1)).date())]
        out.write_xlsx(f"{base}/notes/{month_dir(at)}/笔记列表明细_{at:%Y%m%d}.xlsx",
                       [("笔记列表明细", [hint, cols, *rows])])
        out.count("xiaohongshu/notes", len(rows))
    # Excel lock file next to an export (not a delivery)
    if main:
        out.write_bytes(f"{base}/notes/~$笔记列表明细.xlsx", b"\x0bfanops  \x00" + b"\x00" * 153)
    # fans workbook: five trend sheets per month; the last export includes its own (partial) day
    fans = w.followers[f"{acc}@xiaohongshu"]
    months: list[list[tuple[date, int, int, int]]] = []
    for row in fans:
        if not months or months[-1][0][0].month != row[0].month:
            months.append([])
        months[-1].append(row)
    for mi, rows in enumerate(months):
        last = mi == len(months) - 1
        exp_day = rows[-1][0] if last else rows[-1][0] + timedelta(days=1)
        r = rng(w.seed, "xhsvisit", mi, *salt(w, a))
        visitors = [int(n * r.uniform(8, 14)) for _d, n, _l, _t in rows]
        sheets: list[tuple[str, list[list[Any]]]] = [
            ("净涨粉趋势", [["日期", "净涨粉"], *[[cn_date(d), n - lo] for d, n, lo, _t in rows]]),
            ("新增关注趋势", [["日期", "新增关注"], *[[cn_date(d), n] for d, n, _l, _t in rows]]),
            ("取消关注趋势", [["日期", "取消关注"], *[[cn_date(d), lo] for d, _n, lo, _t in rows]]),
            ("主页访客趋势", [["日期", "主页访客"], *[[cn_date(d), v] for (d, _n, _l, _t), v in zip(rows, visitors)]]),
            ("主页转粉率趋势", [["日期", "主页转粉率"], *[[cn_date(d), f"{round(n / v * 100) if v else 0}%"]
                                                for (d, n, _l, _t), v in zip(rows, visitors)]]),
        ]
        rel = f"{base}/fans/{month_dir(rows[0][0])}/涨粉数据.xlsx"
        out.write_xlsx(rel, sheets)
        out.write_json(rel + ".meta.json", {"exported_at": iso_local(datetime.combine(exp_day, time(10, 0)))})
        out.count("xiaohongshu/fans", 5 * len(rows))
    # a 观看数据 workbook dropped into fans/: missing_required_sheet
    d0 = fans[0][0]
    if main:
        out.write_xlsx(f"{base}/fans/观看数据.xlsx", [("观看趋势", [["日期", "观看数"], [cn_date(d0), 1520]])])


# ================================================================================================ Weibo
def _status(w: World, a: Account, p: Post, at: datetime, followers: int) -> dict[str, Any]:
    mid = p.ids["mid"]
    text = p.title + "，" + p.caption.replace("#", " #")
    long = len(text) > 40
    if long:
        text = text[:38] + "…全文"
    s: dict[str, Any] = {
        "created_at": weibo_time(p.published), "id": int(mid), "idstr": mid, "mid": mid,
        "text": text + ' <a href="https://s.weibo.com/weibo?q=%23青禾茶饮%23">#青禾茶饮#</a>',
        "source": '<a href="https://app.weibo.com/t/feed/6vtZb0" rel="nofollow">微博网页版</a>',
        "reposts_count": p.metric("shares", at), "comments_count": p.metric("comments", at),
        "attitudes_count": p.metric("likes", at), "isLongText": long, "region_name": "发布于 上海",
        "user": {"id": int(a.platform_id), "idstr": a.platform_id, "screen_name": a.name, "followers_count": followers},
    }
    return s


def weibo(w: World, out: Out) -> None:
    for a in w.accounts_of("weibo"):
        _weibo(w, out, a)


def _weibo(w: World, out: Out, a: Account) -> None:
    rows: Any
    acc = a.slug
    main = w.is_main(a)
    base = f"weibo/{acc}"
    posts = w.posts[("weibo", acc)]
    fans = w.followers[f"{acc}@weibo"]
    fmap = {d: t for d, _n, _l, t in fans}
    for oi, at0 in enumerate(occasions(w, 6, 21)):
        for k, at in repeated(w, at0):
            sel = window(posts, at)
            sel = window(sel, at, 14)
            if not sel:
                continue
            fol = fmap.get(at.date(), fans[-1][3])
            sts = [_status(w, a, p, at, fol) for p in sel]
            stamp = f"{at:%Y%m%d}" + (f"_{k:04d}" if k else "")
            rel = f"{base}/posts/{month_dir(at)}/statuses_{stamp}"
            form = oi % 4
            if form == 0:
                out.write_json(rel + ".json", {"fanops_api_dump": 1, "platform": "weibo", "account": acc,
                                               "fetched_at": iso_local(at),
                                               "calls": [{"api": "2/statuses/user_timeline",
                                                          "request": {"uid": a.platform_id, "count": 100},
                                                          "response": {"statuses": sts, "total_number": len(sts)}}]})
            elif form == 1:
                if oi == 1 and k == 0 and main:  # a status by another user in the brand's timeline file: foreign_author
                    f = dict(sts[0])
                    f.update({"idstr": "5" + digits(w.seed, 15, "foreign"), "user": {
                        "id": 6012345678, "idstr": "6012345678", "screen_name": "山云茶舍官方微博",
                        "followers_count": 412000}})
                    f["mid"] = f["idstr"]
                    f["id"] = int(f["idstr"])
                    sts.append(f)
                out.write_json(rel + ".json", {"statuses": sts, "total_number": len(sts)})
                out.write_json(rel + ".json.meta.json", {"exported_at": iso_local(at)})
            elif form == 2:
                out.write_json(rel + ".json", sts)
                out.write_json(rel + ".json.meta.json", {"exported_at": iso_local(at)})
            else:
                out.write_jsonl(rel + ".jsonl", sts)
                out.write_json(rel + ".jsonl.meta.json", {"exported_at": iso_local(at)})
            out.count("weibo/posts", len(sts))
    # ---- fans (TEMPLATE daily CSV; one xlsx with serial dates; one CSV with slash/dot dates) ----
    months: list[list[tuple[date, int, int, int]]] = []
    for row in fans:
        if not months or months[-1][0][0].month != row[0].month:
            months.append([])
        months[-1].append(row)
    hdr = ["日期", "粉丝总数", "新增粉丝数", "取消关注数", "净增粉丝数"]
    for mi, rows in enumerate(months):
        rel = f"{base}/fans/粉丝数据_{month_dir(rows[0][0])}"
        if mi == 2 and main:
            sheet: list[list[Any]] = [hdr]
            for j, (d, n, lo, t) in enumerate(rows):
                sheet.append([excel_serial(d) if j % 2 else ("date", d), t, n, lo, n - lo])
            out.write_xlsx(rel + ".xlsx", [("粉丝趋势", sheet)])
            out.count("weibo/fans", len(rows))
        else:
            body: list[list[Any]] = []
            for j, (d, n, lo, t) in enumerate(rows):
                ds = d.isoformat()
                if mi == 3 and main:
                    ds = f"{d.year}/{d.month}/{d.day}" if j % 2 else f"{d:%Y.%m.%d}"
                lost: Any = lo
                net: Any = n - lo
                if mi == 1 and j in (4, 5, 6):
                    lost, net = ("-", "--", "null")[j - 4], ""  # missing markers -> NULL, never 0
                body.append([ds, thousands(t) if mi == 3 and main else t, n, lost, net])
            if mi == 4 and main:
                body.append([f"{rows[0][0].year}-09-31", rows[-1][3], 1, 1, 0])  # invalid_date (bad row)
            out.write_csv(rel + ".csv", hdr, body, encoding="utf-8-sig" if mi == 0 else "utf-8")
            out.count("weibo/fans", len(body))
    # ---- comments, with the account's replies through reply_comment ----
    for pi, p in enumerate(posts):
        fetch = comment_fetch(w, (p.published + timedelta(days=5)).replace(hour=22, minute=0, second=0))
        if fetch is None:
            continue
        fetched = fetch
        r = rng(w.seed, "wbc", p.ids["mid"])
        lam = 6.0 * w.s_comments * math.exp(r.gauss(0, 0.8))
        if p.published.date() in (w.burst_day, w.burst_day - timedelta(days=1)):
            lam *= 6
        n_total = poisson(r, lam)
        chunk = COMMENTS_PER_FILE
        for part in range(0, max(1, n_total), chunk):
            cms: list[dict[str, Any]] = []
            for ci in range(part, min(n_total, part + chunk)):
                created = min(p.published + timedelta(minutes=int(r.expovariate(1 / 400)) + 1),
                              fetched - timedelta(hours=2))
                if created >= w.burst_start and created.date() == w.burst_day:
                    text = tx.fill(r, r.choice(tx.CRISIS_T))
                else:
                    text = tx.comment(r)
                cid = digits(w.seed, 16, "wbcid", p.ids["mid"], ci, first="51")
                uid = str(5000000000 + r.randint(0, 900000 * max(1, int(w.scale))))
                c: dict[str, Any] = {"created_at": weibo_time(created), "id": int(cid), "idstr": cid, "text": text,
                     "source": "来自" + r.choice(["上海", "广东", "浙江", "北京", "四川"]),
                     "user": {"idstr": uid, "screen_name": f"喝茶的用户{uid[-4:]}", "followers_count": r.randint(3, 900)},
                     "status": {"idstr": p.ids["mid"]}}
                cms.append(c)
                if r.random() < 0.4:
                    rt = created + timedelta(minutes=math.exp(r.gauss(math.log(90), 1.0)))
                    if rt < fetched:
                        rid = digits(w.seed, 16, "wbrid", cid, first="51")
                        cms.append({"created_at": weibo_time(rt), "id": int(rid), "idstr": rid,
                                    "text": f"回复@{c['user']['screen_name']}:{r.choice(tx.REPLY_T)}",
                                    "user": {"idstr": a.platform_id, "screen_name": a.name},
                                    "status": {"idstr": p.ids["mid"]},
                                    "reply_comment": {"idstr": cid, "user": {"idstr": uid}}})
            suffix = f"_{part // chunk + 1:03d}" if n_total > chunk else ""
            rel = f"{base}/comments/{month_dir(p.published)}/{comment_name(w, 'comments', p.ids['mid'], fetched)}{suffix}.json"
            bare = {"comments": cms, "previous_cursor": 0, "next_cursor": 0, "total_number": len(cms)}
            if pi % 3 == 2 and cms:  # (an empty bare page would be byte-identical to other empty pages)
                out.write_json(rel, bare)
                out.write_json(rel + ".meta.json", {"exported_at": iso_local(fetched)})
            else:
                out.write_json(rel, {"fanops_api_dump": 1, "platform": "weibo", "account": acc,
                                     "fetched_at": iso_local(fetched),
                                     "calls": [{"api": "2/comments/show", "request": {"id": p.ids["mid"], "count": 200},
                                                "response": bare}]})
            out.count("weibo/comments", len(cms))
