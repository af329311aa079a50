"""The simulated brand 青禾: accounts, posts, follower series, campaigns, KOLs and the calendar of events.

Everything here is small (hundreds of posts, a few hundred days); the high-volume datasets (comments,
mentions, messages, orders, snapshot re-exports) are generated later, day by day or post by post, from it.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from . import _text as tx
from ._util import digits, hexid, rng

SOCIAL = ("wechat", "douyin", "kuaishou", "xiaohongshu", "weibo")

PLATFORM_CN = {"wechat": "微信公众号", "douyin": "抖音", "kuaishou": "快手", "xiaohongshu": "小红书", "weibo": "微博",
               "tmall": "天猫"}


@dataclass
class Account:
    platform: str
    slug: str
    name: str
    platform_id: str
    owner: str
    active_from: str
    base_total: int  # followers at the start of the period (0 = no follower export)


ACCOUNTS = [
    Account("wechat", "qinghe_wx", "青禾茶饮", "gh_3f8a2c91d7e0", "T002", "2023-03-01", 52310),
    Account("douyin", "qinghe_dy", "青禾茶饮官方旗舰店", "ba253642-0590-40bc-9bdf-9a1334b94059", "T003", "2023-05-12",
            182033),
    Account("kuaishou", "qinghe_ks", "青禾茶饮", "3xqinghe0001", "T003", "2024-01-08", 0),
    Account("xiaohongshu", "qinghe_xhs", "青禾茶饮", "5812047731", "T005", "2023-06-18", 23800),
    Account("weibo", "qinghe_wb", "青禾茶饮", "7712345678", "T004", "2023-03-01", 284113),
    Account("douyin", "qinghe_live", "青禾直播间", "5f0c2d1e-77aa-4b3c-9e21-0d6a1b2c3d4e", "T006", "2025-03-01", 0),
    Account("kuaishou", "qinghe_live", "青禾直播间", "3xqinghelive02", "T006", "2025-03-01", 0),
]
SHOP = "qinghe_tmall"

# posts per day (mean) per (platform, account)
POST_RATE = {("wechat", "qinghe_wx"): 0.45, ("douyin", "qinghe_dy"): 1.0, ("kuaishou", "qinghe_ks"): 0.7,
             ("xiaohongshu", "qinghe_xhs"): 0.7, ("weibo", "qinghe_wb"): 1.4, ("kuaishou", "qinghe_live"): 0.25}
LIVE_RATE = 0.25  # a live-room account's short videos (with --accounts also on Douyin)
EXTRA_RATE = 0.8  # an extra account posts at this share of its platform's main account rate

# With --accounts the high-volume datasets are weighted to the benchmark's L mix (issue 8: >= 400 k post
# snapshots, >= 10 M comments + mentions, >= 2 M orders, >= 1 M messages at one scale); 1.0 otherwise.
# Measured per scale unit (180 days, 4 accounts, before weighting): comments 20.9 k, mentions 3.6 k, orders 2.95 k,
# messages 2.3 k, post snapshots 7.4 k; so scale 420 gives 10.3 M, 2.1 M, 1.06 M and ~0.44 M.
MIX = {"comments": 1.0, "mentions": 1.0, "orders": 1.7, "messages": 1.1, "snapshots": 0.14}


def _platform_id(platform: str, slug: str) -> str:
    """A distinct, well-formed platform account id for an extra account (independent of the seed)."""
    h = hexid(0, 32, "account", platform, slug)
    if platform == "wechat":
        return "gh_" + h[:12]
    if platform == "douyin":
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-9{h[17:20]}-{h[20:32]}"
    if platform == "kuaishou":
        return "3xqh" + h[:10]
    if platform == "xiaohongshu":
        return digits(0, 10, "account", platform, slug, first="58")
    return digits(0, 10, "account", platform, slug, first="77")


def layout(accounts: int | None) -> tuple[list[Account], dict[tuple[str, str], float]]:
    """Own accounts and posting rates: today's layout, or ``accounts`` per social platform.

    With ``accounts`` = N (>= 2) every social platform has N accounts: the main one, ``qinghe_live`` on
    Douyin and Kuaishou, then ``<main>_2``, ``<main>_3``, ... (same owner as the main account, a smaller
    follower base, posting at EXTRA_RATE of the main rate). Every account posts.
    """
    if accounts is None:
        return list(ACCOUNTS), dict(POST_RATE)
    if accounts < 2:
        raise ValueError("accounts must be at least 2 (the live rooms are one of Douyin's and Kuaishou's)")
    out: list[Account] = []
    rates: dict[tuple[str, str], float] = {}
    for plat in SOCIAL:
        main = next(a for a in ACCOUNTS if a.platform == plat and a.slug != "qinghe_live")
        accs = [main, *[a for a in ACCOUNTS if a.platform == plat and a.slug == "qinghe_live"]]
        main_rate = POST_RATE[(plat, main.slug)]
        for a in accs:
            rates[(plat, a.slug)] = main_rate if a is main else LIVE_RATE
        i = 2
        while len(accs) < accounts:
            slug = f"{main.slug}_{i}"
            accs.append(Account(plat, slug, f"{main.name}{i}号", _platform_id(plat, slug), main.owner,
                                main.active_from, main.base_total // i))
            rates[(plat, slug)] = main_rate * EXTRA_RATE
            i += 1
        out.extend(accs)
    return out, rates


@dataclass
class Post:
    platform: str
    account: str
    n: int
    published: datetime
    title: str
    caption: str
    fmt: str  # video / image_text / article
    final: dict[str, float]
    tau: float
    ids: dict[str, str] = field(default_factory=dict)
    campaign: str | None = None

    def metric(self, name: str, at: datetime) -> int:
        age = (at - self.published).total_seconds() / 86400.0
        if age <= 0:
            return 0
        if self.platform == "wechat":
            age = min(age, 7.0)
        frac = 1.0 - math.exp(-age / self.tau)
        return int(self.final.get(name, 0.0) * frac)

    @property
    def text(self) -> str:
        """Douyin 作品名称 = title + space + the whole caption."""
        return f"{self.title} {self.caption}"


@dataclass
class Campaign:
    cid: str
    name: str
    ctype: str
    platforms: list[str]
    accounts: list[str]
    start: datetime
    end: datetime
    start_text: str
    end_text: str
    budget: float
    coupons: list[str]
    tags: list[str]
    owner: str
    status: str  # 已结束 / 进行中 / 筹备中 / 已取消 (set relative to the end of the period)


@dataclass
class Kol:
    kid: str
    name: str
    platform: str
    followers: str
    tier: str
    category: str
    fee: float


@dataclass
class KolPost:
    collab: str
    kol: Kol
    campaign: str
    url: str
    published: datetime
    final_views: int


class World:
    def __init__(self, seed: int, start: date, days: int, scale: float, accounts: int | None = None) -> None:
        self.seed, self.start, self.days, self.scale = seed, start, days, scale
        # --accounts: N accounts per platform, the benchmark mix, and daily deliveries (every dated file is
        # stamped on or before the last day, so the last day's files can be held back as "+1 day")
        self.daily = accounts is not None
        self.accounts, self.post_rate = layout(accounts)
        mix = MIX if self.daily else dict.fromkeys(MIX, 1.0)
        self.s_comments = scale * mix["comments"]
        self.s_mentions = scale * mix["mentions"]
        self.s_orders = scale * mix["orders"]
        self.s_messages = scale * mix["messages"]
        self.s_snapshots = scale * mix["snapshots"]
        self.end = start + timedelta(days=days - 1)  # last day with data
        # nothing is exported or fetched after the morning after the last day
        self.last_export = datetime.combine(self.end + timedelta(days=1), time(8, 0))
        self.last_fetch = datetime.combine(self.end + timedelta(days=1), time(9, 30))
        self.dates = [start + timedelta(days=i) for i in range(days)]
        y = start.year
        self.peaks = [date(y, 6, 18), date(y, 11, 11), date(y + 1, 6, 18)]
        self.burst_day = date(y, 9, 16) if start <= date(y, 9, 16) <= self.end else start + timedelta(
            days=max(1, int(days * 0.67)))
        self.burst_start = datetime.combine(self.burst_day, time(20, 0))
        self.campaigns = self._campaigns()
        self.kols = self._kols()
        self.posts: dict[tuple[str, str], list[Post]] = {}
        for (plat, acc), rate in self.post_rate.items():
            self.posts[(plat, acc)] = self._posts(plat, acc, rate)
        self.kol_posts = self._kol_posts()
        self.followers = {a.slug + "@" + a.platform: self._followers(a) for a in self.accounts if a.base_total}

    # ---------------------------------------------------------------------------------------- accounts
    def accounts_of(self, platform: str) -> list[Account]:
        return [a for a in self.accounts if a.platform == platform]

    def account(self, platform: str, slug: str) -> Account:
        return next(a for a in self.accounts if a.platform == platform and a.slug == slug)

    @staticmethod
    def is_main(a: Account) -> bool:
        """One of today's accounts (they carry the deliberate quirks and bad rows; extras do not)."""
        return a in ACCOUNTS

    def extra_index(self, platform: str, slug: str) -> int:
        """0 for today's accounts, k for the k-th extra account of the platform."""
        extras = [a.slug for a in self.accounts_of(platform) if not self.is_main(a)]
        return extras.index(slug) + 1 if slug in extras else 0

    # ---------------------------------------------------------------------------------------- seasonality
    def promo(self, d: date) -> float:
        f = 1.0
        for p in self.peaks:
            gap = (d - p).days
            if -20 <= gap <= 1:
                f += 0.35 + 2.2 * math.exp(-abs(gap) / 2.5)
        return f

    def weekly(self, d: date) -> float:
        return (0.9, 0.92, 0.95, 0.97, 1.05, 1.18, 1.12)[d.weekday()]

    def activity(self, d: date) -> float:
        return self.promo(d) * self.weekly(d)

    def in_period(self, t: datetime) -> bool:
        return self.start <= t.date() <= self.end

    # ---------------------------------------------------------------------------------------- posts
    def _posts(self, plat: str, acc: str, rate: float) -> list[Post]:
        out: list[Post] = []
        n = 0
        xi = self.extra_index(plat, acc)
        wx_mid = 2247489000 + xi * 10_000_000  # msgids are per official account: keep extras apart
        for d in self.dates:
            r = rng(self.seed, "posts", plat, acc, d)
            k = 0
            if plat == "wechat":
                if r.random() < rate * (1.3 if self.promo(d) > 1.2 else 1.0):
                    k = 1 if r.random() < 0.6 else r.randint(2, 3)
            else:
                lam = rate * (1.4 if self.promo(d) > 1.2 else 1.0)
                k = min(4, int(lam) + (1 if r.random() < lam - int(lam) else 0))
            if plat == "wechat" and k:
                wx_mid += r.randint(3, 40)
                pub = datetime.combine(d, time(r.choice([8, 12, 20]), r.randint(0, 9), r.randint(0, 59)))
            for j in range(k):
                n += 1
                if plat != "wechat":
                    pub = datetime.combine(d, time(r.choice([7, 9, 12, 12, 18, 19, 20, 21, 22]),
                                                   r.randint(0, 59), r.randint(0, 59)))
                out.append(self._post(plat, acc, n, pub, r, wx_mid if plat == "wechat" else 0, j + 1, xi))
        return out

    def _post(self, plat: str, acc: str, n: int, pub: datetime, r, mid: int, idx: int,  # type: ignore[no-untyped-def]
              xi: int = 0) -> Post:
        promo = self.promo(pub.date())
        gbk = plat == "wechat"  # WeChat titles go into GBK HTML exports: no emoji
        ttl = tx.title(r)
        cap = tx.caption(r, emoji=not gbk)
        if plat == "douyin" and r.random() < 0.5:
            cap = tx.fill(r, r.choice(tx.CAPTION_T)) + "\n" + tx.caption(r)  # multi-line caption
        fmt = {"wechat": "article", "weibo": "text"}.get(plat, "video")
        if plat in ("douyin", "xiaohongshu") and r.random() < 0.3:
            fmt = "image_text"
        median = {"wechat": 2400, "douyin": 8000, "kuaishou": 5000, "xiaohongshu": 3000, "weibo": 9000}[plat]
        if acc == "qinghe_live":
            median = 2500
        views = math.exp(r.gauss(math.log(median), 1.1)) * promo
        y = pub.year
        if plat == "wechat" and idx == 1 and date(y, 6, 1) <= pub.date() <= date(y, 6, 5):
            views = max(views, 260000.0)  # a viral 618 article: shown as 10万+ in the export
        eng = math.exp(r.gauss(math.log(0.045), 0.45))
        final = {
            "views": views,
            "likes": views * eng,
            "comments": views * eng * 0.09,
            "shares": views * eng * 0.12,
            "saves": views * eng * 0.25,
            "new_followers": views * eng * 0.05,
            "profile_visits": views * eng * 0.5,
            "impressions": views * math.exp(r.gauss(math.log(9), 0.3)),
            "danmaku": views * 0.001 * r.random(),
        }
        post = Post(plat, acc, n, pub, ttl, cap, fmt, final, tau=r.uniform(1.2, 4.0))
        post.final["completion"] = r.uniform(0.13, 0.25) if fmt == "image_text" else r.uniform(0.02, 0.12)
        post.final["completion5"] = r.uniform(0.3, 0.6)
        post.final["bounce2"] = r.uniform(0.2, 0.45)
        post.final["cover_ctr"] = r.uniform(0.04, 0.12)
        post.final["duration"] = r.randint(15, 200)
        post.final["avg_watch"] = round(r.uniform(5, 40), 2)
        key = (plat, acc, n)
        if plat == "wechat":
            post.ids["post_ref"] = f"{mid}_{idx}"
            biz = "MzI0NjE3NzY1Mg==" if not xi else base64.b64encode(str(3246177652 + xi).encode()).decode()
            post.ids["url"] = (f"https://mp.weixin.qq.com/s?__biz={biz}&mid={mid}&idx={idx}"
                               f"&sn={hexid(self.seed, 32, 'sn', *key)}&chksm={hexid(self.seed, 8, 'ck', *key)}#rd")
            post.ids["mid"] = str(mid)
            post.ids["idx"] = str(idx)
            post.final["delivered"] = 0.0
            post.ids["notified"] = "0" if r.random() < 0.15 else "1"
        elif plat == "douyin":
            b = hexid(self.seed, 40, "dyitem", *key)
            post.ids["item_id"] = "@" + "".join(c.upper() if i % 3 == 0 else c for i, c in enumerate(b)) + "=="
            post.ids["aweme_id"] = digits(self.seed, 19, "aweme", *key, first="74")
        elif plat == "kuaishou":
            post.ids["photo_id"] = "3x" + hexid(self.seed, 13, "ks", *key)
        elif plat == "xiaohongshu":
            post.ids["note_id"] = f"{int((pub - datetime(1970, 1, 1, 8)).total_seconds()):08x}" + hexid(
                self.seed, 16, "xhs", *key)
        elif plat == "weibo":
            post.ids["mid"] = digits(self.seed, 16, "wbmid", *key, first="51")
        # link to a running campaign on that platform (content planning)
        for c in self.campaigns:
            if plat in c.platforms and c.start <= pub <= c.end and c.status != "已取消" and r.random() < 0.6:
                post.campaign = c.cid
                break
        return post

    def all_posts(self) -> list[Post]:
        return [p for k in sorted(self.posts) for p in self.posts[k]]

    # ---------------------------------------------------------------------------------------- followers
    def _followers(self, a: Account) -> list[tuple[date, int, int, int]]:
        """(date, new, lost, total at end of day), net = new - lost, totals continuous."""
        total = a.base_total
        rows = []
        for i, d in enumerate(self.dates):
            r = rng(self.seed, "fans", a.slug, a.platform, d)
            trend = 1.0 + 0.5 * i / max(1, self.days)
            new = int(a.base_total * 0.0042 * trend * self.activity(d) * math.exp(r.gauss(0, 0.2)))
            lost = int(a.base_total * 0.0011 * math.exp(r.gauss(0, 0.25)))
            if d == self.burst_day + timedelta(days=1) or d == self.burst_day:
                lost += int(a.base_total * 0.006)  # unfollow wave after the negative burst: negative net
            total += new - lost
            rows.append((d, new, lost, total))
        return rows

    # ---------------------------------------------------------------------------------------- campaigns
    def _campaigns(self) -> list[Campaign]:
        y = self.start.year

        def c(cid: str, name: str, ctype: str, plats: list[str], accs: list[str], s: str, e: str, budget: float,
              coupons: list[str], tags: list[str], owner: str, cancelled: bool = False) -> Campaign:
            s2, e2 = s.replace("YYYY", str(y)), e.replace("YYYY", str(y))
            st = datetime.fromisoformat(s2 if " " in s2 else s2 + " 00:00")
            en = datetime.fromisoformat(e2 + ":59" if " " in e2 else e2 + " 23:59:59")
            if cancelled:
                status = "已取消"
            elif en.date() <= self.end:
                status = "已结束"
            elif st.date() <= self.end:
                status = "进行中"
            else:
                status = "筹备中"
            return Campaign(cid.replace("YYYY", str(y)), name, ctype, plats, accs, st, en, s2, e2, budget, coupons,
                            tags, owner, status)

        return [
            c("CMP-YYYY-06-FS01", "618桂花乌龙限时抢购", "限时抢购", ["douyin", "tmall"], ["qinghe_dy", "qinghe_tmall"],
              "YYYY-06-01 20:00", "YYYY-06-18 23:59", 120000, ["QH618-20", "QH618-50"], ["#青禾618#"], "T001"),
            c("CMP-YYYY-06-LT01", "转发抽奖送新品礼盒", "抽奖", ["weibo"], ["qinghe_wb"], "YYYY-06-05 12:00",
              "YYYY-06-12 23:59", 8000, [], ["#青禾桂花乌龙#"], "T004"),
            c("CMP-YYYY-07-QA01", "茶知识有奖问答", "有奖问答", ["wechat"], ["qinghe_wx"], "YYYY-07-08 12:00",
              "YYYY-07-15 23:59", 5000, ["QHQA-10"], [], "T002"),
            c("CMP-YYYY-07-TP01", "冷泡茶挑战话题", "话题互动", ["xiaohongshu"], ["qinghe_xhs"], "YYYY-07-20",
              "YYYY-08-10", 15000, [], ["#冷泡茶挑战#"], "T005"),
            c("CMP-YYYY-08-KL01", "夏日达人种草", "KOL合作", ["douyin", "xiaohongshu"], ["qinghe_dy", "qinghe_xhs"],
              "YYYY-08-15 00:00", "YYYY-09-05 23:59", 90000, ["QHKOL-15"], ["#青禾夏日茶#"], "T003"),
            c("CMP-YYYY-08-LV01", "周年庆直播专场", "直播互动", ["douyin", "kuaishou"],
              ["douyin/qinghe_live", "kuaishou/qinghe_live"], "YYYY-08-28 19:00", "YYYY-08-28 23:59", 30000, [],
              ["#青禾周年庆#"], "T006"),
            c("CMP-YYYY-09-UG01", "晒出你的茶桌", "用户投稿", ["xiaohongshu", "weibo"], ["qinghe_xhs", "qinghe_wb"],
              "YYYY-09-01", "YYYY-09-30", 12000, [], ["#我的茶桌#"], "T005"),
            c("CMP-YYYY-09-CB01", "青禾×山野咖啡联名", "跨界合作", ["weibo", "douyin"], ["qinghe_wb", "qinghe_dy"],
              "YYYY-09-20", "YYYY-10-07", 60000, ["QHCB-30"], ["#青禾联名#"], "T001", cancelled=True),
            c("CMP-YYYY-10-OO01", "国庆门店快闪联动", "线上线下联动", ["wechat"], ["qinghe_wx"], "YYYY-10-01",
              "YYYY-10-07", 40000, ["QHO2O-15"], [], "T002"),
            c("CMP-YYYY-11-FS01", "双11桂花乌龙限时抢购", "限时抢购", ["douyin", "kuaishou", "tmall"],
              ["qinghe_dy", "qinghe_ks", "qinghe_tmall"], "YYYY-10-20 20:00", "YYYY-11-11 23:59", 150000,
              ["QH1111-20", "QH1111-50"], ["#青禾双11#"], "T001"),
            c("CMP-YYYY-11-KL02", "双11达人专场", "KOL合作", ["douyin", "xiaohongshu", "weibo"],
              ["qinghe_dy", "qinghe_xhs", "qinghe_wb"], "YYYY-11-01", "YYYY-11-12", 80000, [], ["#青禾双11#"], "T003"),
        ]

    def _kols(self) -> list[Kol]:
        return [
            Kol("KOL-0042", "茶小白的日常", "douyin", "326.5万", "头部", "美食饮品", 38000),
            Kol("KOL-0107", "喝茶的阿柚", "xiaohongshu", "8.6万", "腰部", "生活方式", 6500),
            Kol("KOL-0123", "阿梨爱喝茶", "douyin", "42.3万", "腰部", "美食饮品", 12000),
            Kol("KOL-0150", "小鹿的茶话会", "weibo", "3.2万", "尾部", "生活方式", 2500),
            Kol("KOL-0201", "周末煮茶局", "xiaohongshu", "6800", "素人", "家居", 800),
            Kol("KOL-0066", "快手茶掌柜", "kuaishou", "512万", "头部", "美食饮品", 45000),
        ]

    def _kol_posts(self) -> list[KolPost]:
        plan = [("CMP-YYYY-06-FS01", ["KOL-0042", "KOL-0107"]), ("CMP-YYYY-08-KL01", ["KOL-0123", "KOL-0107", "KOL-0201"]),
                ("CMP-YYYY-11-FS01", ["KOL-0042", "KOL-0066"]), ("CMP-YYYY-11-KL02", ["KOL-0123", "KOL-0150", "KOL-0201"])]
        by_id = {k.kid: k for k in self.kols}
        camps = {c.cid: c for c in self.campaigns}
        out: list[KolPost] = []
        n = 190
        for cid_t, kids in plan:
            cid = cid_t.replace("YYYY", str(self.start.year))
            camp = camps[cid]
            for j, kid in enumerate(kids):
                n += 1
                k = by_id[kid]
                r = rng(self.seed, "kolpost", cid, kid)
                pub = (camp.start + timedelta(days=2 + 3 * j, hours=r.randint(0, 4))).replace(
                    hour=19, minute=r.choice([0, 30]), second=0)
                if k.platform == "douyin":
                    url = f"https://www.douyin.com/video/{digits(self.seed, 19, 'kolaw', cid, kid, first='74')}"
                elif k.platform == "xiaohongshu":
                    url = f"https://www.xiaohongshu.com/explore/{hexid(self.seed, 24, 'kolxhs', cid, kid)}"
                elif k.platform == "weibo":
                    url = f"https://m.weibo.cn/detail/{digits(self.seed, 16, 'kolwb', cid, kid, first='51')}"
                else:
                    url = f"https://www.kuaishou.com/short-video/3x{hexid(self.seed, 13, 'kolks', cid, kid)}"
                scale = {"头部": 900000, "腰部": 150000, "尾部": 30000, "素人": 6000}[k.tier]
                out.append(KolPost(f"KP-{n:04d}", k, cid, url, pub, int(scale * r.uniform(0.5, 1.8))))
        return out

    def campaign(self, cid: str) -> Campaign:
        return next(c for c in self.campaigns if c.cid == cid)
