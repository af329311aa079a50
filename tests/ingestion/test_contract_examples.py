"""Golden test: every example of the landing contract (§3) loads to the values the contract states."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from ingestion.engine import IngestOptions, ingest
from tests.ingestion.contract_examples import write_tree

KEY = b"contract-examples-test-key-000000"


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    base = tmp_path_factory.mktemp("examples")
    landing = write_tree(base / "landing")
    ingest(IngestOptions(landing, base / "wh.duckdb", KEY, "test", now=datetime.fromisoformat("2026-11-20T00:00:00+00:00")))
    con = duckdb.connect(str(base / "wh.duckdb"), read_only=True)
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    rows = con.execute(sql).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_every_file_loads_without_quarantine(wh: duckdb.DuckDBPyConnection) -> None:
    bad = wh.execute("SELECT path, status, reason FROM ops.file_manifest WHERE status <> 'loaded'").fetchall()
    assert bad == []
    assert wh.execute("SELECT count(*) FROM ops.quarantine").fetchone() == (0,)
    n = wh.execute(
        "SELECT count(*) FROM ops.file_manifest WHERE rows_read <> rows_loaded + rows_quarantined + rows_skipped"
    ).fetchone()
    assert n == (0,)


def test_wechat_user_growth(wh: duckdb.DuckDBPyConnection) -> None:
    assert wh.execute(
        "SELECT stat_date, followers_new, followers_lost, followers_net, followers_total "
        "FROM raw.wechat_user_growth ORDER BY stat_date"
    ).fetchall() == [
        (date(2024, 11, 1), 128, 37, 91, 52310),
        (date(2024, 11, 2), 96, 41, 55, 52365),
        (date(2024, 11, 3), 74, 88, -14, 52351),
    ]
    # the datacube dump: 3 source rows (41+52+35 new, 37 lost) and the cumulate total
    assert one(wh, "SELECT sum(followers_new), sum(followers_lost), count(*) FROM raw.wechat_user_source_daily") == (
        128, 37, 3)
    assert one(wh, "SELECT followers_total FROM raw.wechat_user_cumulate") == (52310,)
    assert one(wh, "SELECT user_source_name FROM raw.wechat_user_source_daily WHERE user_source = 30") == ("扫描二维码",)
    assert wh.execute("SELECT stat_date FROM raw.wechat_user_source_coverage").fetchall() == [(date(2024, 11, 1),)]
    assert one(wh, "SELECT export_at, export_at_source FROM ops.file_manifest WHERE path LIKE '%datacube%'") == (
        datetime(2024, 11, 2, 1, 10), "in_file")


def test_wechat_articles_and_comments(wh: duckdb.DuckDBPyConnection) -> None:
    assert wh.execute(
        "SELECT post_ref, biz, views, read_users, delivery_read_rate, views_per_share, completion_rate, publish_date "
        "FROM raw.wechat_articles ORDER BY post_ref"
    ).fetchall() == [
        ("2247489321_1", "MzI0NjE3NzY1Mg==", 4120, 3593, 0.0549, 6.65, 0.7125, date(2024, 11, 1)),
        ("2247489321_2", "MzI0NjE3NzY1Mg==", 1405, 1287, 0.0172, 5.63, 0.5832, date(2024, 11, 1)),
    ]
    assert one(wh, "SELECT encoding, file_type FROM ops.file_manifest WHERE path LIKE '%articles.csv'") == (
        "gb18030", "csv")
    assert wh.execute(
        "SELECT post_ref, stat_date, views, saves FROM raw.wechat_article_daily ORDER BY stat_date"
    ).fetchall() == [("2247489321_1", date(2024, 11, 1), 2702, 19), ("2247489321_1", date(2024, 11, 2), 3611, 28)]
    rows = wh.execute(
        "SELECT post_ref, comment_id, created_at, text_masked, is_featured, replied_at, fan_key IS NULL "
        "FROM raw.wechat_comments ORDER BY comment_id"
    ).fetchall()
    # index 0 joins the URL idx 1; create_time 1730436069 = 2024-11-01 04:41:09 UTC
    assert rows[0] == ("2247489321_1", "1", datetime(2024, 11, 1, 4, 41, 9), "桂花乌龙冷泡好喝吗？想买两盒，电话[PHONE]",
                       True, datetime(2024, 11, 1, 7, 2, 30), False)
    assert rows[1][0] == "2247489321_1" and rows[1][-1] is True  # no openid: NULL fan_key, not an error


def test_douyin(wh: duckdb.DuckDBPyConnection) -> None:
    v = wh.execute(
        "SELECT post_ref, format, duration_bucket, published_at, completion_rate, completion_rate_5s, "
        "duration_seconds, avg_watch_seconds FROM raw.douyin_videos ORDER BY published_at"
    ).fetchall()
    assert v[0] == ("hfd24bcd597c95d15", "video", "1-3min视频", datetime(2026, 7, 25, 19, 33, 18), 0.08, 0.41, 72.0, 19.6)
    assert v[1][1:4] == ("image_text", None, datetime(2026, 7, 27, 6, 47))
    assert v[1][5:] == (None, None, None)  # '-' is missing, never 0
    # comments join the video through item_create_time + item_title
    c = wh.execute("SELECT post_ref, is_from_account FROM raw.douyin_comments ORDER BY created_at").fetchall()
    assert c == [("hfd24bcd597c95d15", False), ("hfd24bcd597c95d15", True)]
    assert wh.execute("SELECT stat_date, followers_new, followers_total FROM raw.douyin_fans ORDER BY 1").fetchall() == [
        (date(2024, 11, 1), 143, 86215), (date(2024, 11, 2), 97, 86290)]
    live = one(wh, "SELECT duration_seconds, avg_watch_seconds, gmv FROM raw.douyin_live_sessions WHERE live_id = 'LS20241111A'")
    assert live == (12912.0, 161.0, Decimal("215388.60"))


def test_douyin_portrait_shares(wh: duckdb.DuckDBPyConnection) -> None:
    rows = {(d, b): (f, s) for d, b, f, s in wh.execute(
        "SELECT dimension, bucket, fans, share FROM raw.douyin_fans_portrait").fetchall()}
    assert rows[("gender", "male")][0] == 52790
    assert rows[("gender", "male")][1] == pytest.approx(0.290002, abs=1e-6)
    assert rows[("region", "广东")][1] == pytest.approx(0.150000, abs=1e-6)
    assert rows[("region", "浙江")][1] == pytest.approx(0.110002, abs=1e-6)
    assert rows[("region", "other")][0] == 134704
    assert rows[("region", "other")][1] == pytest.approx(0.739998, abs=1e-6)
    assert ("age", "other") not in rows  # the age list covers every follower
    assert one(wh, "SELECT DISTINCT snapshot_date FROM raw.douyin_fans_portrait") == (date(2024, 11, 8),)
    # the computed `other` bucket is not a record: 9 read, 9 loaded
    assert one(wh, "SELECT rows_read, rows_loaded FROM ops.file_manifest WHERE dataset = 'douyin/fans_portrait'") == (9, 9)


def test_kuaishou_export_and_api_share_post_ref(wh: duckdb.DuckDBPyConnection) -> None:
    export = dict(wh.execute("SELECT title_caption, post_ref FROM raw.kuaishou_videos").fetchall())
    api = dict(wh.execute("SELECT title_caption, post_ref FROM raw.kuaishou_photos").fetchall())
    assert export == api
    assert wh.execute("SELECT views, completion_rate FROM raw.kuaishou_videos ORDER BY views").fetchall() == [
        (5402, 0.149), (12873, 0.206)]
    assert one(wh, "SELECT published_at FROM raw.kuaishou_photos WHERE platform_post_id = '3xcezrvdb75jv52'") == (
        datetime(2024, 11, 3, 10, 20, 5),)


def test_xiaohongshu(wh: duckdb.DuckDBPyConnection) -> None:
    n = wh.execute(
        "SELECT published_at, format, impressions, views, avg_watch_seconds, _row_number FROM raw.xiaohongshu_notes "
        "ORDER BY published_at").fetchall()
    assert n == [(datetime(2024, 11, 1, 4, 30, 5), "image_text", 48210, 3954, 7.03, 3),
                 (datetime(2024, 11, 3, 12, 5, 41), "video", 120533, 9870, 9.2, 4)]
    assert one(wh, "SELECT header_row, preamble FROM ops.file_manifest WHERE dataset = 'xiaohongshu/notes'")[0] == 2
    fans = wh.execute("SELECT metric, stat_date, value FROM raw.xiaohongshu_fans ORDER BY 1, 2").fetchall()
    assert (("followers_net", date(2026, 8, 15), -4.0)) in fans
    assert len(fans) == 6


def test_weibo(wh: duckdb.DuckDBPyConnection) -> None:
    p = wh.execute("SELECT post_ref, published_at, shares, comments, likes, region, text_plain FROM raw.weibo_posts "
                   "ORDER BY published_at").fetchall()
    assert p[0][:5] == ("5096358245224017", datetime(2024, 11, 1, 4, 0, 3), 312, 187, 1046)
    assert p[0][6].endswith("#青禾桂花乌龙#") and "<a" not in p[0][6]
    assert p[1][5] == "上海"
    assert wh.execute("SELECT is_truncated FROM raw.weibo_posts ORDER BY published_at").fetchall() == [(False,), (True,)]
    c = wh.execute("SELECT comment_id, is_from_account, parent_comment_id FROM raw.weibo_comments ORDER BY 1").fetchall()
    assert c == [("5096360184302231", False, None), ("5096393512118870", True, "5096360184302231")]


def test_shop_orders(wh: duckdb.DuckDBPyConnection) -> None:
    o = wh.execute("SELECT order_id, status, paid_amount, refund_amount, paid_at, traffic_source, ref_platform_post_id, "
                   "platform FROM raw.shop_orders ORDER BY order_id").fetchall()
    assert o[0] == ("3872615590218446871", "paid_awaiting_shipment", Decimal("128.00"), Decimal("0.00"),
                    datetime(2024, 11, 10, 16, 3, 40), "douyin", "7433012285546614066", "tmall")
    assert o[1][3] is None and o[1][6] == "67270d3a000000001a03c9f2"
    assert o[2][4] is None  # 'null' payment time is missing


def test_ops_sheets(wh: duckdb.DuckDBPyConnection) -> None:
    c = one(wh, "SELECT platforms, accounts, starts_at, ends_at, budget, coupon_codes FROM raw.ops_campaigns "
                "WHERE campaign_id = 'CMP-2024-11-FS01'")
    assert c == (["douyin", "tmall"], ["qinghe_dy", "qinghe_tmall"], datetime(2024, 11, 10, 12, 0),
                 datetime(2024, 11, 11, 15, 59, 59, 999000), Decimal("150000.00"), ["QH1111-20"])
    assert one(wh, "SELECT followers_anchor, followers_anchor_date FROM raw.ops_accounts WHERE account = 'qinghe_xhs'") == (
        23800, date(2024, 10, 31))
    k = wh.execute("SELECT collab_id, views, likes, ref_platform_post_id, _export_at FROM raw.ops_kol_posts ORDER BY 1"
                   ).fetchall()
    assert k[0] == ("KP-0193", 1286000, 42000, "7433012285546614066", datetime(2024, 11, 12, 2, 0))
    assert k[1][1] == 31000
    cal = wh.execute("SELECT plan_id, platform, account, ref_platform_post_id FROM raw.ops_content_calendar ORDER BY 1"
                     ).fetchall()
    assert cal[0] == ("CC-2024-1101-01", "wechat", "qinghe_wx", "2247489321_1")
    assert one(wh, "SELECT followers FROM raw.ops_competitor_observations") == (412000,)
    assert wh.execute("SELECT keywords FROM raw.ops_competitor_brands WHERE brand_id = 'B-QH'").fetchall() == [
        (["青禾", "青禾茶饮", "桂花乌龙"],)]


def test_messages_and_mentions(wh: duckdb.DuckDBPyConnection) -> None:
    m = wh.execute("SELECT message_id, direction, agent_id, is_auto_reply, msg_type, text_masked FROM raw.ops_messages "
                   "ORDER BY message_id").fetchall()
    assert m[0] == ("m_000981", "in", None, False, "text", "请问今晚直播间还有满减券吗？我电话[PHONE]")
    assert m[2][3] is True
    men = wh.execute("SELECT mention_id, url, created_at, created_at_precision, likes, likes_is_capped, "
                     "author_followers FROM raw.listening_mentions ORDER BY created_at").fetchall()
    assert men[0][1] == "https://m.weibo.cn/status/OyZ1a2b3C"
    assert men[0][2] == datetime(2024, 11, 3, 6, 12, 44)
    assert men[1][2:] == (datetime(2024, 11, 5, 11, 30), "minute", 1000, True, 86000)
