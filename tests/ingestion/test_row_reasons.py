"""Contract §5.2: one row per quarantine reason, with row numbers (§2.13), all_reasons, row_json after §4,
summary/footer rows (§2.12), and the rest of each file loading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.ingestion import contract_examples as ce
from tests.ingestion.test_support import (
    assert_reconciles,
    base_tree,
    manifest_for,
    put,
    query,
    run,
    xlsx_bytes,
)

UG = "wechat/qinghe_wx/user_growth/ug.csv"
UG_TEXT = (
    "时间,新关注人数,取消关注人数,净增关注人数,累积关注人数\n"  # 1 header
    "2024-11-01,128,37,91,52310\n"  # 2 ok
    ",10,1,9,52319\n"  # 3 missing_key
    "2024-11-04,,1,9,52320\n"  # 4 missing_required_value
    "2024-11-05,lots,1,9,52320\n"  # 5 invalid_number
    "2024-11-06,-5,1,9,52320\n"  # 6 negative_count
    "2024-11-31,1,1,0,52320\n"  # 7 invalid_date
    "2024-11-08,1.5,1,0,52320\n"  # 8 invalid_number (fractional count without unit)
    "2024-11-09,abc,-3,x,52320\n"  # 9 three problems, one record
    "2024-11-10,1,1,0,52320,9\n"  # 10 too_many_fields
    "2024-11-11,1,1,0,52320,,\n"  # 11 trailing empty extra fields are ignored: loads
    "2024-11-12,5,1,4,100\n"  # 12 conflicting_duplicate_key
    "2024-11-12,6,1,5,101\n"  # 13 conflicting_duplicate_key
    "2024-11-13,5,1,4,100\n"  # 14 identical duplicate: loads
    "2024-11-13,5,1,4,100\n"  # 15 identical duplicate: loads
    "2024-11-20,5,1,4,100\n"  # 16 incomplete_period (export date 2024-11-20)
    "合计,300,50,250,\n"  # 17 summary: skipped
    ",,,,\n"  # 18 fully empty: not a row
    ",1,,,\n"  # 19 after a summary row with an empty key: skipped
    "导出时间：2024-11-20 10:00:00\n"  # 20 footer: skipped, gives the export time
)

DY = "douyin/qinghe_dy/videos/v.csv"
DY_HEAD = "作品名称,发布时间,体裁,发布状态,播放量,完播率,5s完播率,作品时长,2s跳出率,平均播放时长,点赞量,评论量,分享量,收藏量,主页访问量,粉丝增量\n"
DY_TEXT = (
    DY_HEAD
    + "平均每天一杯茶,2026-07-26 03:33:18,1-3min视频,公开,100,0.08,0.41,01:12,0.37,19.6,1,1,1,1,1,1\n"  # 2 data
    + "b,2026-07-26 04:00:00,1-3min视频,公开,100,abc,0.41,01:12,0.37,19.6,1,1,1,1,1,1\n"  # 3 invalid_rate
    + "c,2026-07-26 05:00:00,1-3min视频,公开,100,1.5,0.41,01:12,0.37,19.6,1,1,1,1,1,1\n"  # 4 rate_out_of_range
    + "d,2026-07-26 06:00:00,1-3min视频,公开,100,0.08,0.41,很久,0.37,19.6,1,1,1,1,1,1\n"  # 5 invalid_duration
    + "e,2026-07-26 25:10,1-3min视频,公开,100,0.08,0.41,01:12,0.37,19.6,1,1,1,1,1,1\n"  # 6 invalid_timestamp
    + "f,2008-05-01 10:00:00,1-3min视频,公开,100,0.08,0.41,01:12,0.37,19.6,1,1,1,1,1,1\n"  # 7 implausible
    + "Total,2026-07-26 03:33:18,,,500,,,,,,5,5,5,5,5,5\n"  # 8 summary (any case, English): skipped
)

KS = "kuaishou/qinghe_ks/videos/k.csv"
KS_TEXT = (
    "作品,发布时间,播放量,完播率,点赞量,评论量,收藏量,分享量,涨粉量\n"
    "办公室冷泡茶3步搞定 #冷泡茶,2024-11-03 18:20:05,12873,20.6%,386,41,57,23,12\n"  # 2 ok
    "桂花乌龙开箱 双11到货啦,2024-11-12 12:02:47,5402,0.5,97,15,8,4,2\n"  # 3 rate_unit_ambiguous
)


def _wx_comments() -> dict:
    c = json.loads(json.dumps(ce.WECHAT_COMMENTS, ensure_ascii=False))
    lst = c["calls"][0]["response"]["comment"]
    lst.append({"user_comment_id": 3, "create_time": 1730470123000, "content": "13位", "comment_type": 0})
    lst.append({"user_comment_id": 4, "create_time": 1200000000, "content": "2008", "comment_type": 0})
    return c


WXC = "wechat/qinghe_wx/comments/c.json"

LM = "listening/mentions/m.jsonl"
LM_TEXT = (
    ce.MENTIONS.splitlines()[0] + "\n"  # 1 ok
    + '{"platform":"weibo","mention_id":"5097012345670002","author_id":"5523187046","text":"青禾","created_at":"3小时前","url":"https://m.weibo.cn/status/OyZ1a2b3D","is_repost":false}\n'  # 2
    + '{"platform":"weibo","mention_id":"50970123\n'  # 3 invalid_json_line
    + "\n"  # 4 empty: not a record
    + ce.MENTIONS.splitlines()[1] + "\n"  # 5 ok
)

MSG = "ops/messages/msg.jsonl"
_M = ('{"platform":"douyin","account":"%s","conversation_id":"c1","message_id":"%s","fan_id":"_000Hx3kP2aQ9vT7sLw",'
      '"direction":"%s",%s"sent_at":"2024-11-11T20:14:05+08:00","text":"hi"}\n')
MSG_TEXT = (
    _M % ("qinghe_dy", "m1", "in", "")  # 1 ok
    + _M % ("qinghe_dy", "m2", "out", '"is_auto_reply":false,')  # 2 missing_agent_id
    + _M % ("ghost_dy", "m3", "in", "")  # 3 unknown_account
    + _M % ("qinghe_dy", "m4", "out", '"is_auto_reply":true,')  # 4 auto-reply: no agent needed
)

EXTRA_ACCOUNTS = (
    "平台,账号标识,账号名称,平台账号ID,品牌,负责人ID,启用日期,停用日期,粉丝基数,基数日期,状态\n"
    "微信公众号,brand_main,主品牌,gh_000000000001,青禾,T002,2024-01-01,,,,启用\n"
    "抖音,brand_main,主品牌,00000000-0000-0000-0000-000000000001,青禾,T003,2024-01-01,,,,启用\n"
)
CAL = "ops/content_calendar/cal.csv"
CAL_HEAD = "排期ID,账号标识,计划发布时间,内容标题,内容类型,活动ID,负责人ID,状态,实际发布时间,内容链接\n"
CAL_TEXT = (
    CAL_HEAD
    + "CC-1,qinghe_wx,2024-11-01 12:00,标题1,产品推广,,T002,策划,,\n"  # 2 ok
    + "CC-2,ghost_acct,2024-11-01 12:00,标题2,产品推广,,T002,策划,,\n"  # 3 unknown_account
    + "CC-3,brand_main,2024-11-01 12:00,标题3,产品推广,,T002,策划,,\n"  # 4 ambiguous_account
    + "CC-4,douyin/brand_main,2024-11-01 12:00,标题4,产品推广,,T003,策划,,\n"  # 5 ok (qualified)
    + "CC-5,qinghe_wx,2024-11-01 12:00,标题5,奇怪类型,,T002,策划,,\n"  # 6 unknown_enum_value
)

ORD = "shop/qinghe_tmall/orders/o.csv"
ORD_HEAD = "订单编号,订单状态,买家实付金额,订单创建时间,买家ID\n"
ORD_TEXT = (
    ORD_HEAD
    + "3872615590218446871,交易成功,1.00,2024-11-11 00:03:12,tb_q8m2k1x7\n"  # 2 ok
    + "3.87262E+18,交易成功,1.00,2024-11-11 00:03:12,tb_q8m2k1x7\n"  # 3 id_in_scientific_notation
    + "`3872615590218446872,交易成功,1.00,2024-11-31 00:03:12,tb_q8m2k1x7\n"  # 4 invalid_timestamp
)
ORDX = "shop/qinghe_tmall/orders/o.xlsx"
ORDX_BYTES = xlsx_bytes({"订单": [
    ["订单编号", "订单状态", "买家实付金额", "订单创建时间", "买家ID"],
    [3872615590218446871, "交易成功", 1, "2024-11-11 00:03:12", "tb_a"],  # 2 id_precision_lost
    [2247485082, "交易成功", 2, "2024-11-11 00:04:12", "tb_b"],  # 3 numeric id < 1e15: "2247485082"
    ["3872615590218446899", "交易成功", 3, "2024-11-11 00:05:12", "tb_c"],  # 4 ok
]})

WBP = "weibo/qinghe_wb/posts/p.json"


def _weibo_posts() -> dict:
    p = json.loads(json.dumps(ce.WEIBO_POSTS, ensure_ascii=False))
    p["statuses"][1]["user"] = {"id": 1234567890, "idstr": "1234567890", "screen_name": "别人家", "followers_count": 5}
    return p


# path -> (rows_loaded, rows_skipped, {row_number: (reason, column_name, all_reasons or None)})
EXPECT: dict[str, tuple[int, int, dict[int, tuple[str, str | None, list[str] | None]]]] = {
    UG: (4, 3, {
        3: ("missing_key", "时间", None),
        4: ("missing_required_value", "新关注人数", None),
        5: ("invalid_number", "新关注人数", None),
        6: ("negative_count", "新关注人数", None),
        7: ("invalid_date", "时间", None),
        8: ("invalid_number", "新关注人数", None),
        9: ("invalid_number", "新关注人数", ["invalid_number", "negative_count", "invalid_number"]),
        10: ("too_many_fields", None, None),
        12: ("conflicting_duplicate_key", None, None),
        13: ("conflicting_duplicate_key", None, None),
        16: ("incomplete_period", "时间", None),
    }),
    DY: (1, 1, {
        3: ("invalid_rate", "完播率", None),
        4: ("rate_out_of_range", "完播率", None),
        5: ("invalid_duration", "作品时长", None),
        6: ("invalid_timestamp", "发布时间", None),
        7: ("implausible_timestamp", "发布时间", None),
    }),
    KS: (1, 0, {3: ("rate_unit_ambiguous", "完播率", None)}),
    WXC: (2, 0, {3: ("epoch_unit_mismatch", "create_time", None), 4: ("implausible_timestamp", "create_time", None)}),
    LM: (2, 0, {2: ("relative_time_without_export_time", "created_at", None), 3: ("invalid_json_line", None, None)}),
    MSG: (2, 0, {2: ("missing_agent_id", "agent_id", None), 3: ("unknown_account", "account", None)}),
    CAL: (2, 0, {3: ("unknown_account", "账号标识", None), 4: ("ambiguous_account", "账号标识", None),
                 6: ("unknown_enum_value", "内容类型", None)}),
    ORD: (1, 0, {3: ("id_in_scientific_notation", "订单编号", None), 4: ("invalid_timestamp", "订单创建时间", None)}),
    ORDX: (2, 0, {2: ("id_precision_lost", "订单编号", None)}),
    WBP: (1, 0, {2: ("foreign_author", None, None)}),
}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rowreasons")
    land = base_tree(root / "landing")
    put(land, "ops/accounts/accounts_extra.csv", EXTRA_ACCOUNTS)
    put(land, UG, UG_TEXT)
    put(land, DY, DY_TEXT)
    put(land, KS, KS_TEXT)
    put(land, WXC, _wx_comments())
    put(land, LM, LM_TEXT)
    put(land, MSG, MSG_TEXT)
    put(land, CAL, CAL_TEXT)
    put(land, ORD, ORD_TEXT)
    put(land, ORDX, ORDX_BYTES)
    put(land, WBP, _weibo_posts())
    w = root / "wh.duckdb"
    run(land, w)
    return w


def _q(wh: Path, rel: str) -> dict[int, dict[str, Any]]:
    rows = query(wh, "SELECT * FROM ops.quarantine WHERE path = ? ORDER BY row_number", [rel])
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        assert r["row_number"] not in out, f"row {r['row_number']} of {rel} quarantined twice (one record per row)"
        out[r["row_number"]] = r
    return out


@pytest.mark.parametrize("rel", list(EXPECT))
def test_file_counts_and_loaded_rows(wh: Path, rel: str) -> None:
    loaded, skipped, q = EXPECT[rel]
    m = manifest_for(wh, rel)
    assert len(m) == 1
    m0 = m[0]
    assert m0["status"] == "loaded", (m0["reason"], m0["message"])
    assert (m0["rows_loaded"], m0["rows_quarantined"], m0["rows_skipped"]) == (loaded, len(q), skipped)
    assert m0["rows_read"] == loaded + len(q) + skipped


CASES = [(rel, rn, exp) for rel, (_, _, q) in EXPECT.items() for rn, exp in q.items()]


@pytest.mark.parametrize(("rel", "row_number", "exp"), CASES, ids=[f"{c[2][0]}-{c[0].split('/')[-1]}-r{c[1]}" for c in CASES])
def test_row_is_quarantined_with_reason(wh: Path, rel: str, row_number: int, exp: tuple) -> None:
    reason, column, all_reasons = exp
    q = _q(wh, rel)
    assert row_number in q, f"row {row_number} not quarantined; quarantined: {[(k, v['reason']) for k, v in q.items()]}"
    rec = q[row_number]
    assert rec["reason"] == reason, rec
    if column is not None:
        assert rec["column_name"] == column, rec
    assert rec["all_reasons"][0] == reason
    if all_reasons is not None:
        assert list(rec["all_reasons"]) == all_reasons, rec
    assert rec["message"]
    assert rec["file_sha256"] == manifest_for(wh, rel)[0]["sha256"]
    assert rec["row_json"] is not None
    if reason not in ("invalid_json_line",):
        json.loads(rec["row_json"])


def test_quarantine_reasons_are_exactly_the_expected_rows(wh: Path) -> None:
    for rel, (_, _, q) in EXPECT.items():
        got = {k: v["reason"] for k, v in _q(wh, rel).items()}
        assert got == {k: v[0] for k, v in q.items()}, rel
    assert_reconciles(wh)


def test_multi_problem_row_is_one_record_listing_every_problem(wh: Path) -> None:
    rec = _q(wh, UG)[9]
    assert rec["column_name"] == "新关注人数" and rec["raw_value"] == "abc"
    assert list(rec["all_reasons"]) == ["invalid_number", "negative_count", "invalid_number"]


def test_user_growth_loaded_rows(wh: Path) -> None:
    rows = query(wh, "SELECT CAST(stat_date AS VARCHAR) AS d, followers_new AS n, _row_number AS r "
                     "FROM raw.wechat_user_growth ORDER BY r")
    assert [(r["d"], r["n"], r["r"]) for r in rows] == [
        ("2024-11-01", 128, 2), ("2024-11-11", 1, 11), ("2024-11-13", 5, 14), ("2024-11-13", 5, 15)]
    m = manifest_for(wh, UG)[0]
    assert m["export_at_source"] == "in_file"
    assert str(m["export_at"]) == "2024-11-20 02:00:00"


def test_summary_rows_skipped_and_title_like_summary_is_data(wh: Path) -> None:
    titles = [r["t"] for r in query(wh, "SELECT title_caption AS t FROM raw.douyin_videos")]
    assert "平均每天一杯茶" in titles
    assert "Total" not in titles
    raws = [r["v"] for r in query(wh, "SELECT raw_value AS v FROM ops.quarantine")]
    assert "合计" not in raws and "Total" not in raws


def test_jsonl_row_numbers_are_physical_lines(wh: Path) -> None:
    rows = query(wh, "SELECT _row_number AS r FROM raw.listening_mentions WHERE _file_sha256 = ? ORDER BY 1",
                 [manifest_for(wh, LM)[0]["sha256"]])
    assert [r["r"] for r in rows] == [1, 5]


def test_json_record_row_numbers_in_document_order(wh: Path) -> None:
    rows = query(wh, "SELECT _row_number AS r FROM raw.wechat_comments WHERE _file_sha256 = ? ORDER BY 1",
                 [manifest_for(wh, WXC)[0]["sha256"]])
    assert [r["r"] for r in rows] == [1, 2]


def test_numeric_xlsx_id_below_1e15_becomes_integer_string(wh: Path) -> None:
    ids = {r["o"] for r in query(wh, "SELECT order_id AS o FROM raw.shop_orders")}
    assert "2247485082" in ids and "3872615590218446899" in ids


def test_quarantine_row_json_holds_no_clear_text_personal_data(wh: Path) -> None:
    text = json.dumps([r["row_json"] for r in query(wh, "SELECT row_json FROM ops.quarantine")] +
                      [r["raw_value"] for r in query(wh, "SELECT raw_value FROM ops.quarantine")], ensure_ascii=False)
    for secret in ("_000Hx3kP2aQ9vT7sLw", "tb_q8m2k1x7", "5523187046", "oQ7kS5xYz2B8mN1pL4rT6vW9aC3e", "别人家"):
        assert secret not in text, secret


def test_unknown_account_ops_rows_are_retried(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    w = tmp_path / "wh.duckdb"
    put(land, MSG, MSG_TEXT)
    run(land, w)
    assert {r["row_number"] for r in _q(w, MSG).values() if r["reason"] == "unknown_account"} == {3}
    put(land, "ops/accounts/accounts_ghost.csv",
        "平台,账号标识,账号名称,平台账号ID,品牌,负责人ID,启用日期,停用日期,粉丝基数,基数日期,状态\n"
        "抖音,ghost_dy,幽灵,,青禾,T003,2024-01-01,,,,启用\n")
    run(land, w)
    assert 3 not in _q(w, MSG)
    ids = {r["m"] for r in query(w, "SELECT message_id AS m FROM raw.ops_messages")}
    assert "m3" in ids
    assert_reconciles(w)


@pytest.mark.parametrize("marker", ["-", "--", "null", "NULL", "   "], ids=["dash", "dashdash", "null", "NULL", "blank"])
@pytest.mark.parametrize("column", ["新关注人数", "净增关注人数", "累积关注人数", "时间"],
                         ids=["followers_new", "followers_net", "followers_total", "stat_date-key"])
def test_missing_markers_in_required_columns_quarantine(tmp_path: Path, marker: str, column: str) -> None:
    """§2.7: `-`, `--`, `null` (any case) and whitespace are missing; missing required → missing_required_value,
    missing key → missing_key. NULL is never loaded for a required column."""
    head = ["时间", "新关注人数", "取消关注人数", "净增关注人数", "累积关注人数"]
    good = ["2024-11-01", "128", "37", "91", "52310"]
    bad = ["2024-11-02", "96", "41", "55", "52365"]
    bad[head.index(column)] = marker
    land = base_tree(tmp_path / "landing")
    rel = "wechat/qinghe_wx/user_growth/markers.csv"
    put(land, rel, "\n".join(",".join(r) for r in (head, good, bad)) + "\n")
    w = tmp_path / "wh.duckdb"
    run(land, w)
    q = _q(w, rel)
    assert list(q) == [3], f"row 3 with {column}={marker!r} must be quarantined"
    assert q[3]["reason"] == ("missing_key" if column == "时间" else "missing_required_value")
    assert q[3]["column_name"] == column
    assert manifest_for(w, rel)[0]["rows_loaded"] == 1
