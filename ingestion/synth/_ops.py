"""Shop orders, ops sheets, private messages and the listening feed."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from . import _text as tx
from ._util import (
    JsonlChunks,
    Out,
    digits,
    hexid,
    iso_local,
    iso_z,
    money,
    money_k,
    poisson,
    rng,
    ts,
    ts_min,
    wan,
    weibo_time,
)
from ._world import PLATFORM_CN, POST_RATE, SHOP, Post, World

BIG_SCALE = 3.0
CHUNK = 200_000  # lines per JSONL part file

# ================================================================================================ orders
ORDER_COLS = ["订单编号", "订单状态", "买家实付金额", "买家应付邮费", "总金额", "退款金额", "订单创建时间", "订单付款时间 ",
              "发货时间", "确认收货时间", "订单关闭原因", "买家ID", "优惠券码", "流量来源", "达人ID", "内容ID", "收货人姓名",
              "联系手机", "收货地址 "]
SOURCES = [("抖音", 25), ("小红书", 14), ("微信", 8), ("微博", 5), ("快手", 7), ("直播", 10), ("搜索", 15), ("自然流量", 13),
           ("其他", 3)]
PRICES = [39.0, 59.0, 69.0, 89.0, 128.0, 199.0]
SURNAMES = "王李张刘陈杨赵黄周吴"
CITIES = ["浙江省杭州市西湖区文三路", "广东省深圳市南山区科技园", "上海市徐汇区漕溪北路", "江苏省南京市鼓楼区中山路",
          "四川省成都市武侯区人民南路"]


def _content_refs(w: World) -> list[tuple[datetime, str]]:
    refs: list[tuple[datetime, str]] = []
    for kp in w.kol_posts:
        refs.append((kp.published, kp.url))
    for p in w.all_posts():
        if p.campaign and p.platform in ("weibo", "xiaohongshu", "wechat"):
            ref = {"weibo": p.ids.get("mid", ""), "xiaohongshu": p.ids.get("note_id", ""),
                   "wechat": p.ids.get("url", "")}[p.platform]
            refs.append((p.published, ref))
    return refs


def _orders_for_day(w: World, d: date, refs: list[tuple[datetime, str]]) -> list[dict[str, Any]]:
    return list(_iter_orders(w, d, refs))


def _iter_orders(w: World, d: date, refs: list[tuple[datetime, str]]) -> Iterator[dict[str, Any]]:
    r = rng(w.seed, "orders", d)
    n = poisson(r, 7.0 * w.s_orders * w.activity(d) * (1.6 if d in w.peaks else 1.0))
    for i in range(n):
        hour = r.choices(range(24), weights=[3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 6, 5, 5, 6, 7, 8, 10, 12, 13, 11, 7])[0]
        created = datetime.combine(d, time(hour, r.randint(0, 59), r.randint(0, 59)))
        if d in w.peaks and r.random() < 0.3:
            created = datetime.combine(d, time(0, r.randint(0, 20), r.randint(0, 59)))
        paid = created + timedelta(seconds=r.randint(15, 900)) if r.random() < 0.92 else None
        qty = r.choice([1, 1, 1, 2, 2, 3])
        total = sum(r.choice(PRICES) for _ in range(qty))
        o: dict[str, Any] = {"id": digits(w.seed, 19, "oid", d, i, first="38"), "created": created, "paid": paid,
                             "total": total, "ship_fee": 0.0 if total >= 59 else 6.0, "coupon": "", "kol": "",
                             "content": "", "buyer": "tb_" + hexid(w.seed, 8, "buyer", r.randint(0, 40000 * max(1, int(
                                 w.scale)))), "name": r.choice(SURNAMES) + "**", "phone": f"1{r.randint(30, 99)}****"
                                                                                     f"{r.randint(1000, 9999)}",
                             "addr": r.choice(CITIES) + f"{r.randint(1, 300)}号"}
        t = paid or created
        discount = 0.0
        running = [c for c in w.campaigns if c.coupons and c.start <= t <= c.end and c.status != "已取消"]
        kols = [kp for kp in w.kol_posts if kp.published <= t <= kp.published + timedelta(days=15)]
        x = r.random()
        if running and x < 0.3:
            o["coupon"] = r.choice(running[-1].coupons)
            discount = 20.0 if o["coupon"].endswith("20") else (50.0 if o["coupon"].endswith("50") else 10.0)
        elif kols and x < 0.45:
            kp = r.choice(kols)
            o["kol"] = kp.kol.kid
            if r.random() < 0.5:
                o["content"] = kp.url
        elif refs and x < 0.52:
            cands = [ref for pub, ref in refs if pub <= t <= pub + timedelta(days=10)]
            if cands:
                o["content"] = r.choice(cands)
        o["source"] = r.choices([s for s, _ in SOURCES], weights=[wt for _, wt in SOURCES])[0]
        o["paid_amount"] = max(9.9, total - min(discount, total / 2)) + o["ship_fee"]
        if paid:
            o["shipped"] = paid + timedelta(hours=r.uniform(3, 40))
            o["confirmed"] = o["shipped"] + timedelta(days=r.uniform(2.5, 7))
            o["refund_at"] = o["shipped"] + timedelta(days=r.uniform(1, 5)) if r.random() < 0.06 else None
            o["refund_partial"] = r.random() < 0.3
        yield o


def _order_row(o: dict[str, Any], at: datetime) -> list[Any] | None:
    if o["created"] >= at:
        return None
    paid = o["paid"] if o["paid"] and o["paid"] < at else None
    shipped = confirmed = ""
    refund: str = ""
    close = "订单未关闭"
    if not o["paid"]:
        if at < o["created"] + timedelta(minutes=30):
            status = "等待买家付款"
        else:
            status, close = "交易关闭", "超时未付款"
        amount = 0.0
    elif paid is None:
        status, amount = "等待买家付款", 0.0
    else:
        amount = o["paid_amount"]
        status = "买家已付款,等待卖家发货"
        if o["shipped"] < at:
            status, shipped = "卖家已发货,等待买家确认", ts(o["shipped"])
        if o["refund_at"] and o["refund_at"] < at:
            status, close = "退款成功", "退款"
            refund = money(amount * 0.5) if o["refund_partial"] else ("" if o["id"].endswith(("1", "2")) else money(
                amount))
        elif o["confirmed"] < at:
            status, confirmed = "交易成功", ts(o["confirmed"])
    return [o["id"], status, money(amount), money(o["ship_fee"]), money(o["total"] + o["ship_fee"]),
            refund if refund else ("0.00" if status != "交易关闭" and paid else ""), ts(o["created"]),
            ts(paid) if paid else ("null" if status == "交易关闭" else ""), shipped, confirmed, close, o["buyer"],
            o["coupon"], o["source"], o["kol"], o["content"], o["name"], o["phone"], o["addr"]]


def orders(w: World, out: Out) -> None:
    base = f"shop/{SHOP}/orders"
    refs = _content_refs(w)
    big = w.scale > BIG_SCALE
    if big:
        for d in w.dates:
            first = datetime.combine(d + timedelta(days=1), time(8, 0))
            redo = min(datetime.combine(d + timedelta(days=21), time(8, 0)), w.last_export)
            for tag, at in (("", first), ("_复核", redo))[: 2 if redo > first else 1]:
                # streamed: the day's orders are regenerated (same RNG) and written row by row
                rows_iter = (x for x in (_order_row(o, at) for o in _iter_orders(w, d, refs)) if x)
                n = out.stream_csv(f"{base}/{month_dir(d)}/订单导出_{d:%Y%m%d}{tag}.csv", ORDER_COLS, rows_iter,
                                   encoding="gb18030")
                out.count("shop/orders", n)
        return
    weeks: list[list[date]] = []
    for d in w.dates:
        if not weeks or d.weekday() == 0:
            weeks.append([])
        weeks[-1].append(d)
    for wi, wk in enumerate(weeks):
        os_ = [o for d in wk for o in _orders_for_day(w, d, refs)]
        first = datetime.combine(wk[-1] + timedelta(days=1), time(8, 0))
        redo = min(first + timedelta(days=21), w.last_export)
        for tag, at in (("", first), ("_复核", redo))[: 2 if wi % 2 == 0 and redo > first else 1]:
            rows = [x for x in (_order_row(o, at) for o in os_) if x]
            if wi == 2 and not tag:
                for row in rows:
                    row[0] = "`" + row[0]  # WeChat-Pay-style backtick guard (quirk 33)
            if wi == 3 and not tag and rows:
                sci = list(rows[0])
                sci[0] = "3.87262E+18"  # long id in scientific notation -> id_in_scientific_notation
                rows.append(sci)
            enc = "utf-8-sig" if wi % 4 == 1 else "gb18030"
            out.write_csv(f"{base}/{month_dir(wk[0])}/订单导出_{wk[0]:%Y%m%d}-{wk[-1]:%Y%m%d}{tag}.csv", ORDER_COLS, rows,
                          encoding=enc)
            out.count("shop/orders", len(rows))
    # a 子订单 (line-item) export dropped into orders/: unsupported_layout
    wk = weeks[0]
    os_ = _orders_for_day(w, wk[0], refs)[:5]
    out.write_csv(f"{base}/子订单导出_{wk[0]:%Y%m%d}.csv",
                  ["订单编号", "子订单编号", "商品标题", "购买数量", "商品价格", "订单状态"],
                  [[o["id"], o["id"][:-2] + "01", "青禾桂花乌龙冷泡茶 12袋", 1, money(o["total"]), "交易成功"] for o in os_],
                  encoding="gb18030")


def month_dir(d: date | datetime) -> str:
    return f"{d.year}-{d.month:02d}"


# ================================================================================================ ops
TEAM = [("T001", "阿青", "运营经理", "qinghe_tmall|qinghe_dy", "2022-08-15", "", "在职"),
        ("T002", "小禾", "内容策划", "qinghe_wx", "2023-02-20", "", "在职"),
        ("T003", "阿川", "内容策划", "qinghe_dy|qinghe_ks", "2023-05-04", "", "在职"),
        ("T004", "木木", "市场推广", "qinghe_wb", "2023-03-01", "", "在职"),
        ("T005", "桃子", "内容策划", "qinghe_xhs", "2023-06-12", "", "在职"),
        ("T006", "大鹏", "运营经理", "douyin/qinghe_live|kuaishou/qinghe_live", "2025-02-17", "", "在职"),
        ("T007", "小满", "客户服务", "qinghe_dy|qinghe_wx", "2024-03-04", "", "在职"),
        ("T008", "阿岚", "客户服务", "qinghe_xhs|qinghe_wb|qinghe_ks", "2024-09-09", "", "在职"),
        ("T009", "豆豆", "客户服务", "qinghe_dy", "2025-01-06", "LEFT", "离职"),
        ("T010", "七七", "数据分析师", "", "2024-05-20", "", "在职"),
        ("T011", "阿布", "美术设计", "", "2023-09-01", "", "在职")]
OWNER = {("wechat", "qinghe_wx"): "T002", ("douyin", "qinghe_dy"): "T003", ("kuaishou", "qinghe_ks"): "T003",
         ("xiaohongshu", "qinghe_xhs"): "T005", ("weibo", "qinghe_wb"): "T004", ("kuaishou", "qinghe_live"): "T006"}
CTYPES = ["产品推广", "行业资讯", "用户互动", "品牌故事", "娱乐休闲"]


def _owner(w: World, platform: str, slug: str) -> str:
    return OWNER.get((platform, slug)) or w.account(platform, slug).owner


def _team(w: World) -> list[tuple[str, str, str, str, str, str, str]]:
    """TEAM, with every extra account (--accounts) added to its owner's 负责账号."""
    extra: dict[str, list[str]] = {}
    for a in w.accounts:
        if not w.is_main(a):
            extra.setdefault(a.owner, []).append(a.slug)
    return [(m, n, role, "|".join([accs, *extra[m]]) if m in extra else accs, j, lv, st)
            for m, n, role, accs, j, lv, st in TEAM]


def _cal_code(w: World, p: Post) -> str:
    """Platform code of a calendar id; accounts other than today's posting ones add their index."""
    code = p.platform[:2].upper()
    if (p.platform, p.account) in POST_RATE:
        return code
    short = {"wechat": "WX", "douyin": "DY", "kuaishou": "KS", "xiaohongshu": "XHS", "weibo": "WB"}[p.platform]
    return f"{short}{[a.slug for a in w.accounts_of(p.platform)].index(p.account)}-"


def _slug_ref(platform: str, slug: str) -> str:
    return f"{platform}/{slug}" if slug == "qinghe_live" else slug


def _post_link(p: Post) -> str:
    if p.platform == "wechat":
        return p.ids["url"]
    if p.platform == "weibo":
        return f"https://m.weibo.cn/detail/{p.ids['mid']}"
    if p.platform == "kuaishou":
        return f"https://www.kuaishou.com/short-video/{p.ids['photo_id']}"
    return ""  # Douyin/XHS exports carry no id: the calendar links by time


def ops(w: World, out: Out) -> None:
    y = w.start.year
    anchor = w.start - timedelta(days=1)
    # ---- accounts ----
    acc_rows: list[list[Any]] = [["平台", "账号标识", "账号名称", "平台账号ID", "品牌", "负责人ID", "启用日期", "停用日期", "粉丝基数",
                                  "基数日期", "状态"]]
    for a in w.accounts:
        owner = OWNER.get((a.platform, a.slug), a.owner)
        base_cnt = wan(a.base_total) if a.platform == "xiaohongshu" else ""
        acc_rows.append([PLATFORM_CN[a.platform], a.slug, a.name, a.platform_id, "青禾", owner, a.active_from, "",
                         base_cnt, anchor.isoformat() if base_cnt else "", "启用"])
    acc_rows.append(["天猫", SHOP, "青禾旗舰店", "", "青禾", "T001", "2022-09-01", "", "", "", "启用"])
    acc_rows.append(["微博", "qinghe_wb_old", "青禾茶饮旧号", "7712000001", "青禾", "T004", "2021-01-01", "2023-02-28", "", "",
                     "停用"])
    out.write_xlsx("ops/accounts/账号清单.xlsx", [("账号", acc_rows)])
    out.count("ops/accounts", len(acc_rows) - 1)
    # ---- campaigns (one row with an unknown 状态: unknown_enum_value) ----
    cols = ["活动ID", "活动名称", "活动类型", "平台", "账号标识", "开始时间", "结束时间", "预算(元)", "优惠券码", "话题标签",
            "负责人ID", "状态"]
    rows: list[list[Any]] = []
    for c in w.campaigns:
        rows.append([c.cid, c.name, c.ctype, "、".join(PLATFORM_CN[p] for p in c.platforms), "、".join(c.accounts),
                     c.start_text, c.end_text, money_k(c.budget), "|".join(c.coupons), " ".join(c.tags), c.owner,
                     c.status])
    rows.append([f"CMP-{y}-10-XX99", "会员日暂停活动", "限时抢购", "天猫", SHOP, f"{y}-10-15", f"{y}-10-16", "5,000.00", "",
                 "", "T001", "暂停"])
    out.write_csv("ops/campaigns/活动清单.csv", cols, rows, encoding="utf-8-sig")
    out.count("ops/campaigns", len(rows))
    # ---- campaign costs: kol_fee lines, ads, prizes, a void line and a credit note ----
    ccols = ["费用ID", "活动ID", "费用日期", "费用类型", "金额(元)", "平台", "达人ID", "合作ID", "状态", "备注"]
    crow: list[list[Any]] = []
    n = 0
    for c in w.campaigns:
        r = rng(w.seed, "cost", c.cid)
        if c.status == "已取消":
            n += 1
            crow.append([f"FY-{c.start:%Y%m%d}-{n:03d}", c.cid, c.start.date().isoformat(), "物料", "3,200.00", "", "",
                         "", "有效", "联名包装打样（已产生）"])
            continue
        for kp in [k for k in w.kol_posts if k.campaign == c.cid]:
            n += 1
            crow.append([f"FY-{kp.published:%Y%m%d}-{n:03d}", c.cid, (kp.published - timedelta(days=1)).date().isoformat(),
                         "KOL费用", money_k(kp.kol.fee), PLATFORM_CN[kp.kol.platform], kp.kol.kid, kp.collab, "有效",
                         f"{kp.kol.name}合作，联系人电话13900001111"])
        for ctype, share in (("广告投放", 0.35), ("奖品", 0.08), ("物料", 0.05), ("人力", 0.06), ("平台服务费", 0.03)):
            if r.random() < 0.8:
                n += 1
                crow.append([f"FY-{c.start:%Y%m%d}-{n:03d}", c.cid, c.start.date().isoformat(), ctype,
                             money_k(c.budget * share * r.uniform(0.7, 1.1)), PLATFORM_CN[c.platforms[0]], "", "",
                             "有效", ""])
    n += 1
    fs = w.campaigns[0]
    crow.append([f"FY-{fs.start:%Y%m%d}-{n:03d}", fs.cid, fs.start.date().isoformat(), "广告投放", "12,000.00", "抖音", "",
                 "", "作废", "重复录入，作废"])
    n += 1
    crow.append([f"FY-{fs.end:%Y%m%d}-{n:03d}", fs.cid, fs.end.date().isoformat(), "广告投放", "-1,850.00", "抖音", "", "",
                 "有效", "千川返点（红冲）"])
    out.write_xlsx("ops/campaign_costs/活动费用台账.xlsx", [("费用", [ccols, *crow])])
    out.count("ops/campaign_costs", len(crow))
    # ---- kols (GB18030 CSV) ----
    kcols = ["达人ID", "达人昵称", "平台", "平台账号ID", "主页链接", "粉丝数", "粉丝数统计日期", "层级", "领域", "报价(元)", "合作状态"]
    krows = []
    for k in w.kols:
        url = {"douyin": f"https://www.douyin.com/user/MS4wLjABAAAA{hexid(w.seed, 10, k.kid)}",
               "xiaohongshu": f"https://www.xiaohongshu.com/user/profile/{hexid(w.seed, 24, k.kid)}",
               "weibo": f"https://weibo.com/u/{digits(w.seed, 10, k.kid, first='6')}",
               "kuaishou": f"https://www.kuaishou.com/profile/3x{hexid(w.seed, 13, k.kid)}"}[k.platform]
        krows.append([k.kid, k.name, PLATFORM_CN[k.platform], "", url, k.followers, w.start.isoformat(), k.tier,
                      k.category, money_k(k.fee), "合作中" if k.kid != "KOL-0201" else "已结束"])
    krows.append(["KOL-0300", "茶友老周", "微博", "", "", "1.1万", w.start.isoformat(), "素人", "茶文化", "500.00", "储备"])
    out.write_csv("ops/kols/达人库.csv", kcols, krows, encoding="gb18030")
    out.count("ops/kols", len(krows))
    # ---- kol_posts: snapshots, the row's 数据截至时间 is its export time ----
    pcols = ["合作ID", "达人ID", "活动ID", "平台", "内容链接", "发布时间", "数据截至时间", "播放量", "点赞数", "评论数", "收藏数",
             "分享数"]
    for days_after in (3, 10, 30):
        prow = []
        for kp in w.kol_posts:
            at = kp.published + timedelta(days=days_after)
            at = at.replace(hour=10, minute=0)
            if at.date() > w.end + timedelta(days=1):
                continue
            v = int(kp.final_views * (1 - math.exp(-days_after / 3)))
            views: Any = wan(v) if v >= 10000 and days_after != 10 else (wan(v, "w") if v >= 10000 else v)
            prow.append([kp.collab, kp.kol.kid, kp.campaign, PLATFORM_CN[kp.kol.platform], kp.url, ts_min(kp.published),
                         ts_min(at), views, int(v * .04), int(v * .003), int(v * .006), int(v * .002)])
        if prow:
            out.write_csv(f"ops/kol_posts/达人内容数据_T+{days_after}.csv", pcols, prow)
            out.count("ops/kol_posts", len(prow))
    # ---- content calendar: two deliveries (mid-period and final) ----
    ccols2 = ["排期ID", "账号标识", "计划发布时间", "内容标题", "内容类型", "活动ID", "负责人ID", "状态", "实际发布时间", "内容链接"]
    items: list[tuple[str, str, datetime, str, str, str, str, datetime | None, str, bool]] = []
    for p in w.all_posts():
        r = rng(w.seed, "cal", p.platform, p.account, p.n)
        if r.random() > 0.6:
            continue
        late = r.random() < 0.15
        planned = p.published.replace(minute=0, second=0) - timedelta(hours=(r.randint(2, 6) if late else 0))
        actual = p.published + timedelta(minutes=r.randint(0, 3))
        ctype = "产品推广" if p.campaign else r.choice(CTYPES)
        items.append((f"CC-{p.published:%Y%m%d}-{_cal_code(w, p)}{p.n:03d}",
                      _slug_ref(p.platform, p.account), planned, p.title, ctype, p.campaign or "",
                      _owner(w, p.platform, p.account), actual, _post_link(p), False))
    for j in range(12):  # not yet published (future) and cancelled items
        r = rng(w.seed, "calf", j)
        planned = datetime.combine(w.end + timedelta(days=j - 4), time(r.choice([12, 18, 20])))
        acc = r.choice(["qinghe_wx", "qinghe_dy", "qinghe_xhs", "qinghe_wb", "kuaishou/qinghe_live"])
        owner = {"qinghe_wx": "T002", "qinghe_dy": "T003", "qinghe_xhs": "T005", "qinghe_wb": "T004"}.get(acc, "T006")
        items.append((f"CC-{planned:%Y%m%d}-PL{j:02d}", acc, planned, tx.title(r), r.choice(CTYPES), "", owner, None,
                      "", j % 5 == 0))

    def cal_rows(at: datetime) -> list[list[Any]]:
        rows_: list[list[Any]] = []
        for pid, acc, planned, title, ctype, camp, owner, actual, link, cancelled in items:
            if planned - timedelta(days=14) > at:
                continue
            if cancelled:
                status, act, lk = "已取消", "", ""
            elif actual is not None and actual <= at:
                status, act, lk = "已发布", ts_min(actual), link
            else:
                status, act, lk = ("审核" if planned - at < timedelta(days=3) else "创作"), "", ""
            pl = ts_min(planned)
            if pid.endswith("7"):  # slash form without zero padding: 2026/8/1 9:05
                pl = f"{planned.year}/{planned.month}/{planned.day} {planned.hour}:{planned.minute:02d}"
            rows_.append([pid, acc, pl, title, ctype, camp, owner, status, act, lk])
        return rows_

    mid = datetime.combine(w.start + timedelta(days=w.days // 2), time(18, 0))
    r1 = cal_rows(mid)
    r1.append([f"CC-{mid:%Y%m%d}-AMB1", "qinghe_live", ts_min(mid + timedelta(days=2)), "周年庆直播预告", "产品推广", "",
               "T006", "策划", "", ""])  # bare slug on two platforms -> ambiguous_account
    out.write_xlsx(f"ops/content_calendar/内容排期_{mid:%Y%m%d}.xlsx", [("排期", [ccols2, *r1])])
    out.count("ops/content_calendar", len(r1))
    final = datetime.combine(w.end, time(21, 0)) if w.daily else datetime.combine(w.end + timedelta(days=1), time(9, 0))
    r2 = cal_rows(final)
    out.write_xlsx(f"ops/content_calendar/内容排期_{final:%Y%m%d}.xlsx", [("排期", [ccols2, *r2])])
    out.count("ops/content_calendar", len(r2))
    # ---- competitor brands ----
    bcols = ["品牌ID", "品牌名称", "是否本品", "品牌关键词", "平台", "账号名称", "平台账号ID"]
    brows = [["B-QH", "青禾", "是", "|".join(tx.OWN_KEYWORDS), "", "", ""],
             ["B-SY", "山云茶舍", "否", "山云茶舍|山云冷泡", "", "", ""],
             ["B-SY", "山云茶舍", "否", "", "微博", "山云茶舍官方微博", "6012345678"],
             ["B-SY", "山云茶舍", "否", "", "抖音", "山云茶舍旗舰店", ""],
             ["B-QC", "栖茶", "否", "栖茶、栖茶Qitea", "", "", ""],
             ["B-QC", "栖茶", "否", "", "小红书", "栖茶Qitea", ""]]
    out.write_csv("ops/competitor_brands/竞品品牌.csv", bcols, brows)
    out.count("ops/competitor_brands", len(brows))
    # ---- competitor observations: weekly rows ending Sundays, one 30-day row ----
    ocols = ["品牌ID", "平台", "统计日期", "统计周期天数", "粉丝数", "周期内发布数", "周期内互动数"]
    orows: list[list[Any]] = []
    base_f = {("B-SY", "微博"): 412000, ("B-SY", "抖音"): 268000, ("B-SY", "小红书"): 51000, ("B-QC", "小红书"): 88000,
              ("B-QC", "抖音"): 143000}
    sundays = [d for d in w.dates if d.weekday() == 6]
    for (bid, plat), f0 in base_f.items():
        for i, d in enumerate(sundays):
            r = rng(w.seed, "obs", bid, plat, d)
            f = int(f0 * (1 + 0.004 * i * w.promo(d)))
            orows.append([bid, plat, d.isoformat(), 7, wan(f) if i % 2 else f, r.randint(4, 14),
                          int(r.uniform(3000, 15000) * w.promo(d))])
    if sundays:
        # a 30-day period (not a whole ISO week: stays in raw), ending on a Saturday
        orows.append(["B-SY", "微博", (sundays[-1] - timedelta(days=1)).isoformat(), 30, wan(500000), 41, 53120])
    out.write_csv("ops/competitor_observations/竞品周数据.csv", ocols, orows)
    out.count("ops/competitor_observations", len(orows))
    # ---- team ----
    tcols = ["成员ID", "显示名", "角色", "负责账号", "入职日期", "离职日期", "状态"]
    left = (w.start + timedelta(days=w.days // 2)).isoformat()
    trows = [[m, n_, role, accs, j, left if lv else "", st] for m, n_, role, accs, j, lv, st in _team(w)]
    out.write_csv("ops/team/团队成员.csv", tcols, trows, encoding="utf-8-sig")
    out.count("ops/team", len(trows))


# ================================================================================================ messages
MSG_ACCOUNTS = [("wechat", "qinghe_wx", 0.25), ("douyin", "qinghe_dy", 0.3), ("douyin", "qinghe_live", 0.08),
                ("xiaohongshu", "qinghe_xhs", 0.17), ("weibo", "qinghe_wb", 0.12), ("kuaishou", "qinghe_ks", 0.08)]


def _fan_id(w: World, platform: str, k: int) -> str:
    if platform == "wechat":
        return "oQ7k" + hexid(w.seed, 24, "wxopen", k)
    if platform == "weibo":
        return str(5000000000 + k)
    if platform == "douyin":
        return hexid(w.seed, 36, "dyuser", k)
    return "_000" + hexid(w.seed, 16, platform, k)


def _msg_accounts(w: World) -> list[tuple[str, str, float]]:
    """Who receives messages: today's six accounts, or (--accounts) every account, a platform's weight shared
    by its accounts (the main account twice an extra's share)."""
    if not w.daily:
        return MSG_ACCOUNTS
    weight = {(p, a): x for p, a, x in MSG_ACCOUNTS}
    out: list[tuple[str, str, float]] = []
    for a in w.accounts:
        if (a.platform, a.slug) in weight:
            out.append((a.platform, a.slug, weight[(a.platform, a.slug)]))
        elif a.slug == "qinghe_live":
            out.append((a.platform, a.slug, 0.04))
        else:
            main_w = next(x for p, _s, x in MSG_ACCOUNTS if p == a.platform)
            out.append((a.platform, a.slug, main_w / 2))
    return out


def messages(w: World, out: Out) -> None:
    agents_all = ["T007", "T008", "T009"]
    msg_accounts = _msg_accounts(w)
    left_day = w.start + timedelta(days=w.days // 2)
    writer: JsonlChunks | None = None
    cur = ""
    seq = 0
    for d in w.dates:
        # one file a month, or (daily deliveries, --accounts) one a day
        if (f"{d:%Y%m%d}" if w.daily else month_dir(d)) != cur:
            if writer:
                out.count("ops/messages", writer.total)
                writer.close()
            cur = f"{d:%Y%m%d}" if w.daily else month_dir(d)
            writer = JsonlChunks(out, f"ops/messages/{month_dir(d)}/messages_{cur.replace('-', '')}", CHUNK)
        assert writer is not None
        cw: JsonlChunks = writer
        r = rng(w.seed, "msg", d)
        lam = 4.0 * w.s_messages * w.activity(d)
        if d == w.burst_day:
            lam *= 3
        agents = [a for a in agents_all if a != "T009" or d < left_day]
        for c in range(poisson(r, lam)):
            plat, acc, _ = r.choices(msg_accounts, weights=[x[2] for x in msg_accounts])[0]
            fan = _fan_id(w, plat, r.randint(0, 6000 * max(1, int(w.scale))))
            conv = "c_" + hexid(w.seed, 10, "conv", d, c)
            hour = r.choices(range(24), weights=[2, 1, 1, 1, 1, 1, 1, 2, 4, 6, 7, 7, 6, 6, 6, 6, 6, 7, 7, 8, 9, 9, 8, 5])[0]
            t = datetime.combine(d, time(hour, r.randint(0, 59), r.randint(0, 59)))
            if d == w.burst_day and r.random() < 0.6:
                t = w.burst_start + timedelta(minutes=r.randint(0, 230))
            base = {"platform": plat, "account": acc, "conversation_id": conv}

            def emit(direction: str, when: datetime, text: str, base: dict[str, Any] = base, fan: str = fan,
                     wr: JsonlChunks = cw, **kw: Any) -> None:
                nonlocal seq
                seq += 1
                rec = {**base, "message_id": f"m_{seq:09d}", "fan_id": fan, "direction": direction, **kw,
                       "sent_at": iso_local(when) if seq % 17 else ts(when).replace(" ", "T"), "text": text}
                wr.add(rec)

            crisis = d == w.burst_day and t >= w.burst_start
            first_text = tx.fill(r, r.choice(tx.CRISIS_T)) if crisis else tx.fill(r, r.choice(tx.MSG_IN_T))
            if r.random() < 0.05:
                emit("in", t, "", msg_type="image")
            else:
                emit("in", t, first_text)
            working = 9 <= t.hour < 22
            if not working:
                emit("out", t + timedelta(seconds=r.randint(1, 5)), tx.AUTO_T[0], is_auto_reply=True)
            elif r.random() < 0.3:
                emit("out", t + timedelta(seconds=2), tx.AUTO_T[1], is_auto_reply=True)
            if r.random() < 0.05:
                continue  # never answered
            if working:
                rt = t + timedelta(minutes=math.exp(r.gauss(math.log(11), 0.9)))
            else:
                nxt = t.date() + timedelta(days=1) if t.hour >= 22 else t.date()
                rt = datetime.combine(nxt, time(9, 0)) + timedelta(minutes=r.randint(1, 60))
            emit("out", rt, tx.fill(r, r.choice(tx.MSG_OUT_T)), agent_id=r.choice(agents), is_auto_reply=False)
            if r.random() < 0.15:
                t2 = rt + timedelta(minutes=r.randint(1, 30))
                emit("in", t2, "好的谢谢")
                emit("out", t2 + timedelta(minutes=math.exp(r.gauss(math.log(6), 0.7))), "不客气～",
                     agent_id=r.choice(agents), is_auto_reply=False)
        if d == w.dates[min(len(w.dates) - 1, 10)]:
            # deliberate bad rows: an unregistered account, and a human out-message without agent_id
            t = datetime.combine(d, time(15, 0))
            writer.add({"platform": "douyin", "account": "qinghe_dy_test", "conversation_id": "c_badacct01",
                        "message_id": "m_bad_000001", "fan_id": _fan_id(w, "douyin", 1), "direction": "in",
                        "sent_at": iso_local(t), "text": "测试账号的消息"})
            writer.add({"platform": "wechat", "account": "qinghe_wx", "conversation_id": "c_noagent01",
                        "message_id": "m_bad_000002", "fan_id": _fan_id(w, "wechat", 2), "direction": "out",
                        "is_auto_reply": False, "sent_at": iso_local(t), "text": "您好，已为您处理"})
    if writer:
        out.count("ops/messages", writer.total)
        writer.close()


# ================================================================================================ mentions
M_PLATFORMS = [("weibo", 40), ("xiaohongshu", 25), ("douyin", 18), ("kuaishou", 5), ("bilibili", 4), ("zhihu", 4),
               ("news", 4)]


def _mention(w: World, r: random.Random, plat: str, created: datetime, text: str, kws: list[str], senti: str,
             followers: int | None = None, precise: bool = False) -> dict[str, Any]:
    fetched = created + timedelta(minutes=r.randint(8, 600))
    key = (created.isoformat(), r.random())
    author = (str(5000000000 + r.randint(0, 10 ** 8)) if plat == "weibo" else hexid(w.seed, 24, "author", *key))
    if plat == "weibo":
        mid_ = digits(w.seed, 16, "mmid", *key, first="51")
        url = f"https://weibo.com/{author}/{hexid(w.seed, 9, 'bid', *key)}"
    elif plat == "xiaohongshu":
        mid_ = hexid(w.seed, 24, "mxhs", *key)
        url = f"https://www.xiaohongshu.com/explore/{mid_}"
    elif plat == "douyin":
        mid_ = digits(w.seed, 19, "mdy", *key, first="74")
        url = f"https://www.douyin.com/video/{mid_}"
    elif plat == "kuaishou":
        mid_ = "3x" + hexid(w.seed, 13, "mks", *key)
        url = f"https://www.kuaishou.com/short-video/{mid_}"
    else:
        mid_ = hexid(w.seed, 16, "mo", *key)
        url = f"https://www.{plat}.com/p/{mid_}"
    f = followers if followers is not None else int(math.exp(r.gauss(math.log(800), 2.0)))
    fv: Any = f
    x = r.random()
    if f >= 100000 and x < 0.3:
        fv = "10万+"
    elif f >= 10000 and x < 0.6:
        fv = wan(f)
    form = r.random()
    ca: str
    if precise or form < 0.75:
        if plat == "weibo" and form < 0.4:
            ca = weibo_time(created)
        elif form < 0.55:
            ca = iso_z(created)
        else:
            ca = iso_local(created)
    else:
        gap = fetched - created
        mins = int(gap.total_seconds() // 60)
        if mins < 1:
            ca = "刚刚"
        elif mins < 60:
            ca = f"{mins}分钟前"
        elif fetched.date() == created.date():
            ca = f"{mins // 60}小时前"
        elif (fetched.date() - created.date()).days == 1:
            ca = f"昨天 {created:%H:%M}"
        else:
            ca = f"{(fetched.date() - created.date()).days}天前"
    likes = int(math.exp(r.gauss(math.log(20), 1.8)))
    rec: dict[str, Any] = {"platform": plat, "mention_id": mid_, "author_id": author, "author_followers": fv}
    if r.random() < 0.15:
        rec["author_name"] = f"用户{author[-4:]}"  # a drop column: never stored
    rec.update({"text": text, "created_at": ca, "fetched_at": iso_local(fetched), "url": url,
                "is_repost": r.random() < 0.15,
                           "likes": ("1千+" if 1000 <= likes < 10000 and r.random() < 0.5 else
                                     ("1万+" if likes >= 10000 else likes)),
                "comments": int(likes * r.uniform(0.05, 0.3)), "reposts": int(likes * r.uniform(0, 0.2)),
                "matched_keywords": kws})
    for k in ("comments", "reposts"):
        if rec[k] == 0:
            del rec[k]  # absent key = NULL
    if r.random() < 0.3:  # vendor sentiment on some records only
        rec["sentiment_label"] = senti
        rec["sentiment_score"] = {"positive": 0.7, "neutral": 0.0, "negative": -0.75}[senti]
    if f > 50000:
        rec["author_verified"] = True
    return rec


def mentions(w: World, out: Out) -> None:
    comp_names = list(tx.COMPETITORS)
    for d in w.dates:
        r = rng(w.seed, "mention", d)
        wr = JsonlChunks(out, f"listening/mentions/{month_dir(d)}/mentions_{d:%Y%m%d}", CHUNK)
        n = poisson(r, 16.0 * w.s_mentions * w.activity(d))
        for _ in range(n):
            plat = r.choices([p for p, _ in M_PLATFORMS], weights=[x for _, x in M_PLATFORMS])[0]
            created = datetime.combine(d, time(r.randint(7, 23), r.randint(0, 59), r.randint(0, 59)))
            who = r.random()
            if who < 0.62:
                brand, kws = "青禾", [r.choice(tx.OWN_KEYWORDS)]
            else:
                bid = comp_names[0] if who < 0.84 else comp_names[1]
                brand = r.choice(tx.COMPETITORS[bid])
                kws = [brand]
            s = r.random()
            tmpl, senti = ((tx.MENTION_POS, "positive") if s < 0.45 else
                           (tx.MENTION_NEU, "neutral") if s < 0.85 else (tx.MENTION_NEG, "negative"))
            text = tx.fill(r, r.choice(tmpl), brand=kws[0] if brand == "青禾" else brand)
            if r.random() < 0.05:
                text += " #" + r.choice(["冷泡茶", "双11", "618"]) + "#"
            if r.random() < 0.08 and brand == "青禾":
                text += "，对比了山云茶舍"
                kws = [*kws, "山云茶舍"]
            wr.add(_mention(w, r, plat, created, text, kws, senti))
        if d == w.burst_day:
            # NEGATIVE BURST: Weibo from 20:00, spreading to XHS (21:00) and Douyin (22:00)
            nb = poisson(r, 260.0 * w.s_mentions)
            for i in range(nb):
                plat = "weibo" if i % 5 < 3 else ("xiaohongshu" if i % 5 == 3 else "douyin")
                start = {"weibo": 0, "xiaohongshu": 60, "douyin": 120}[plat]
                created = w.burst_start + timedelta(minutes=start + int(r.triangular(0, 239 - start, 40)),
                                                    seconds=r.randint(0, 59))
                text = tx.fill(r, r.choice(tx.CRISIS_T))
                kw = [k for k in ("假货", "投诉", "退货", "过敏") if k in text]
                wr.add(_mention(w, r, plat, created, text, ["青禾", *kw], "negative", precise=True))
            big_v = _mention(w, r, "weibo", w.burst_start + timedelta(minutes=12, seconds=44),
                             "青禾的桂花乌龙喝出异物？？客服电话打不通，已经过敏了，要求退货并投诉！", ["青禾", "退货", "投诉", "过敏"],
                             "negative", followers=1520000, precise=True)
            big_v.update({"author_verified": True, "reposts": 3120, "comments": 958, "likes": 12044})
            wr.add(big_v)
            star = _mention(w, r, "weibo", w.burst_start + timedelta(minutes=95), "转发：大家注意一下青禾这批茶叶，假货还是质量问题？",
                            ["青禾", "假货"], "negative", followers=120000000, precise=True)
            star["author_followers"] = "1.2亿"
            wr.add(star)
        out.count("listening/mentions", wr.total)
        wr.close()


def stray_files(w: World, out: Out) -> None:
    """Files that must be rejected or ignored (documented in data/sample/README.md)."""
    # a file directly inside an account folder: unknown_dataset
    out.write_csv("douyin/qinghe_dy/作品列表_误放.csv", ["作品名称", "发布时间", "播放量"],
                  [["放错目录的导出", ts(datetime.combine(w.start, time(12))), 100]])
    # a file for an account that ops/accounts does not register: unknown_account
    out.write_csv("weibo/qinghe_wb2/fans/粉丝数据.csv", ["日期", "粉丝总数"], [[w.start.isoformat(), 1000]])
    # a temporary download (not a delivery)
    out.write_bytes("listening/mentions/mentions_next.jsonl.part", b'{"platform":"weibo"')
