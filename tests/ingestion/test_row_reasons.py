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


# --------------------------------------------------------------------------- row numbers in other layouts


def _xhs_notes_bytes() -> bytes:
    head = ["笔记标题", "首次发布时间", "体裁", "曝光", "观看量", "封面点击率", "点赞", "评论", "收藏", "涨粉", "分享",
            "人均观看时长", "弹幕"]
    return xlsx_bytes({"笔记列表明细": [
        ["最多导出1000条笔记数据（提示语，内容会变）"],  # 1 hint row
        head,  # 2 header
        ["秋冬办公室茶单", "2024年11月01日12时30分05秒", "图文", 48210, 3954, 0.082, 612, 47, 389, 21, 35, "7.03秒", 0],
        ["坏时间", "2024年13月01日12时30分05秒", "视频", 1, 1, 0.1, 1, 1, 1, 1, 1, "9.2s", 0],  # 4 invalid
        [None] * 13,  # 5 fully empty: not a row
        ["冷泡", "2024年11月03日20时05分41秒", "视频", 120533, 9870, 0.0819, 1024, 86, 540, 57, 112, "1分23秒", 14],  # 6
    ]})


def test_row_numbers_count_hint_rows_multiline_records_and_json_calls(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    put(land, "xiaohongshu/qinghe_xhs/notes/n.xlsx", _xhs_notes_bytes())
    put(land, "douyin/qinghe_dy/videos/v.csv", ce.DOUYIN_VIDEOS + "坏,2026-07-28 10:00,图文,公开,abc,0.1,-,-,-,-,1,1,1,1,1,1\n")
    put(land, "wechat/qinghe_wx/user_growth/dc.json", ce.DATACUBE)
    w = tmp_path / "wh.duckdb"
    run(land, w)
    notes = query(w, "SELECT _row_number AS r, avg_watch_seconds AS s FROM raw.xiaohongshu_notes ORDER BY 1")
    assert [r["r"] for r in notes] == [3, 6]
    assert [r["s"] for r in notes] == [7.03, 83.0]
    q = _q(w, "xiaohongshu/qinghe_xhs/notes/n.xlsx")
    assert list(q) == [4] and q[4]["reason"] == "invalid_timestamp"
    m = manifest_for(w, "xiaohongshu/qinghe_xhs/notes/n.xlsx")[0]
    assert m["header_row"] == 2 and m["preamble"] and "最多导出" in m["preamble"][0]
    assert m["rows_read"] == 3
    # a quoted multi-line CSV record is ONE row: header 1, records 2 and 3 (spanning lines 2-5), bad row 4
    vids = query(w, "SELECT _row_number AS r FROM raw.douyin_videos ORDER BY 1")
    assert [r["r"] for r in vids] == [2, 3]
    qv = _q(w, "douyin/qinghe_dy/videos/v.csv")
    assert list(qv) == [4] and qv[4]["reason"] == "invalid_number"
    # JSON: document order across all calls of the file
    src = query(w, "SELECT _row_number AS r FROM raw.wechat_user_source_daily ORDER BY 1")
    cum = query(w, "SELECT _row_number AS r FROM raw.wechat_user_cumulate ORDER BY 1")
    assert [r["r"] for r in src] == [1, 2, 3] and [r["r"] for r in cum] == [4]
    assert_reconciles(w)


def test_summary_block_then_data_again_and_ascii_colon_footer(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    rel = "weibo/qinghe_wb/fans/sum.csv"
    put(land, rel,
        "日期,粉丝总数,新增粉丝数,取消关注数,净增粉丝数\n"
        "2024-11-01,284113,530,112,418\n"  # 2
        "小计,1,1,1,1\n"  # 3 summary
        ",5,5,5,5\n"  # 4 empty key after summary: skipped
        "2024-11-02,284470,461,104,357\n"  # 5 data again (has a key)
        ",6,6,6,6\n"  # 6 empty key NOT directly after a summary row: missing_key
        "`合计,9,9,9,9\n"  # 7 summary (leading backtick removed)
        "注：数据仅供参考\n"  # 8 footer
        "导出时间: 2024-11-03 09:00\n")  # 9 footer, ASCII colon
    w = tmp_path / "wh.duckdb"
    run(land, w)
    m = manifest_for(w, rel)[0]
    assert (m["rows_read"], m["rows_loaded"], m["rows_quarantined"], m["rows_skipped"]) == (8, 2, 1, 5)
    q = _q(w, rel)
    assert list(q) == [6] and q[6]["reason"] == "missing_key"
    assert m["export_at_source"] == "in_file" and str(m["export_at"]) == "2024-11-03 01:00:00"


def test_relative_time_with_sidecar_export_time_loads(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    rel = "listening/mentions/rel.jsonl"
    line = {"platform": "weibo", "mention_id": "5097012345670009", "author_id": "5523187046", "text": "青禾",
            "created_at": "3小时前", "url": "https://m.weibo.cn/status/OyZ1a2b3Z", "is_repost": False}
    put(land, rel, json.dumps(line, ensure_ascii=False) + "\n")
    put(land, rel + ".meta.json", {"exported_at": "2024-11-06T09:30:00+08:00"})
    w = tmp_path / "wh.duckdb"
    run(land, w)
    assert _q(w, rel) == {}
    r = query(w, "SELECT CAST(created_at AS VARCHAR) AS c, created_at_precision AS p FROM raw.listening_mentions")
    assert r == [{"c": "2024-11-05 22:30:00", "p": "hour"}]
    # the §3.17 example: 昨天 19:30 against fetched_at 2024-11-06 09:30 +08:00 → 2024-11-05 19:30 +08:00, minute
    put(land, "listening/mentions/ex.jsonl", ce.MENTIONS)
    run(land, w)
    r = query(w, "SELECT CAST(created_at AS VARCHAR) AS c, created_at_precision AS p, likes, likes_is_capped AS cap, "
                 "url FROM raw.listening_mentions WHERE platform = 'xiaohongshu'")
    assert r == [{"c": "2024-11-05 11:30:00", "p": "minute", "likes": 1000, "cap": True,
                  "url": "https://www.xiaohongshu.com/explore/67270d3a000000001a03c9f2"}]
    wb = query(w, "SELECT url FROM raw.listening_mentions WHERE mention_id = '5097012345678901'")
    assert wb == [{"url": "https://m.weibo.cn/status/OyZ1a2b3C"}]


def test_html_xls_title_rows_footer_and_tsv(tmp_path: Path) -> None:
    """§2.2 HTML-xls (gb2312 meta charset, title rows, entities, footer 导出时间) and TSV detection."""
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>'
            '<table><tr><td colspan="5">用户增长</td></tr><tr><td>导出时间：2024-11-05 10:00:00</td></tr>'
            '<tr><th>时间</th><th>新关注人数</th><th>取消关注人数</th><th>净增关注人数</th><th>累积关注人数</th></tr>'
            '<tr><td>2024-11-01</td><td>128</td><td>37</td><td>91</td><td>52310</td></tr>'
            '<tr><td>2024-11-02</td><td>1&amp;2</td><td>41</td><td>55</td><td>52365</td></tr>'
            '<tr><td>合计</td><td>224</td><td></td><td></td><td></td></tr></table></body></html>')
    land = base_tree(tmp_path / "landing")
    x = "wechat/qinghe_wx/user_growth/用户分析_用户增长.xls"
    t = "wechat/qinghe_wx/user_growth/t.tsv"
    put(land, x, html.encode("gb18030"))
    put(land, t, ce.USER_GROWTH.replace(",", "\t").replace("2024-11-0", "2024-10-0"))
    w = tmp_path / "wh.duckdb"
    run(land, w)
    mx = manifest_for(w, x)[0]
    assert (mx["file_type"], mx["encoding"], mx["header_row"], mx["extension"]) == ("html", "gb18030", 3, "xls")
    assert (mx["rows_read"], mx["rows_loaded"], mx["rows_quarantined"], mx["rows_skipped"]) == (3, 1, 1, 1)
    assert (mx["export_at_source"], str(mx["export_at"])) == ("in_file", "2024-11-05 02:00:00")
    q = _q(w, x)
    assert list(q) == [5] and q[5]["raw_value"] == "1&2" and q[5]["reason"] == "invalid_number"
    mt = manifest_for(w, t)[0]
    assert (mt["status"], mt["file_type"], mt["rows_loaded"]) == ("loaded", "csv", 3)


def _ks_xlsx(date1904: bool) -> bytes:
    import io
    from datetime import datetime as dt

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "date_1904": date1904})
    pct = wb.add_format({"num_format": "0.0%"})
    dfmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    hidden = wb.add_worksheet("隐藏")
    hidden.write_row(0, 0, ["作品", "发布时间", "播放量", "完播率", "点赞量", "评论量", "涨粉量"])
    hidden.write_row(1, 0, ["隐藏行", "2024-11-01 00:00:00", 1, "1%", 1, 1, 1])
    hidden.hide()
    ws = wb.add_worksheet("作品列表")
    ws.activate()
    ws.write_row(0, 0, ["作品", "发布时间", "播放量", "完播率", "点赞量", "评论量", "涨粉量"])
    ws.write(1, 0, "百分比格式")
    ws.write_datetime(1, 1, dt(2024, 11, 3, 18, 20, 5), dfmt)
    ws.write_number(1, 2, 12873)
    ws.write_number(1, 3, 0.206, pct)  # a %-formatted numeric cell already holds a fraction
    ws.write_row(1, 4, [386, 41, 12])
    ws.write(2, 0, "裸数字")
    ws.write(2, 1, "2024-11-12 12:02:47")
    ws.write_number(2, 2, 5402.0)
    ws.write_number(2, 3, 0.149)  # bare number in a rate(%s) column → rate_unit_ambiguous
    ws.write_row(2, 4, [97, 15, 2])
    wb.close()
    return buf.getvalue()


@pytest.mark.parametrize("date1904", [False, True], ids=["date1900", "date1904"])
def test_xlsx_percent_format_date_cells_and_hidden_sheets(tmp_path: Path, date1904: bool) -> None:
    land = base_tree(tmp_path / "landing")
    rel = "kuaishou/qinghe_ks/videos/k.xlsx"
    put(land, rel, _ks_xlsx(date1904))
    w = tmp_path / "wh.duckdb"
    run(land, w)
    m = manifest_for(w, rel)[0]
    assert m["status"] == "loaded", m["message"]
    assert m["sheet"] == "作品列表"
    rows = query(w, "SELECT title_caption AS t, completion_rate AS c, CAST(published_at AS VARCHAR) AS p, views AS v "
                    "FROM raw.kuaishou_videos")
    assert len(rows) == 1
    assert rows[0]["t"] == "百分比格式" and abs(rows[0]["c"] - 0.206) < 1e-12 and rows[0]["v"] == 12873
    assert rows[0]["p"] == "2024-11-03 10:20:05"  # Shanghai local → UTC, honouring date1904
    q = _q(w, rel)
    assert list(q) == [3] and q[3]["reason"] == "rate_unit_ambiguous"


def test_csv_line_endings_short_rows_and_one_line_json(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    body = "日期,粉丝总数,新增粉丝数,取消关注数,净增粉丝数\n2024-10-01,100,1,1,0\n2024-10-02,101\n"
    put(land, "weibo/qinghe_wb/fans/crlf.csv", body.replace("\n", "\r\n"))
    put(land, "weibo/qinghe_wb/fans/cr.csv", body.replace("2024-10", "2024-09").replace("\n", "\r"))
    put(land, "weibo/qinghe_wb/posts/one_line.jsonl", json.dumps(ce.WEIBO_POSTS, ensure_ascii=False) + "\n")
    w = tmp_path / "wh.duckdb"
    run(land, w)
    for rel in ("weibo/qinghe_wb/fans/crlf.csv", "weibo/qinghe_wb/fans/cr.csv"):
        m = manifest_for(w, rel)[0]
        assert (m["status"], m["rows_loaded"], m["rows_quarantined"]) == ("loaded", 2, 0), (rel, m["message"])
    short = query(w, "SELECT followers_new AS n FROM raw.weibo_fans WHERE stat_date = DATE '2024-10-02'")
    assert short == [{"n": None}]  # short rows are padded: missing optional value is NULL, never 0
    mj = manifest_for(w, "weibo/qinghe_wb/posts/one_line.jsonl")[0]
    assert (mj["status"], mj["rows_loaded"]) == ("loaded", 2)


def test_dataset_specific_row_rules(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    # wechat articles: short URL -> s_<token>; no parseable URL -> missing_key
    arts = ce.ARTICLES_TSV.splitlines()
    bad_url = arts[2].rsplit("\t", 1)[0] + "\tnot a url"
    short = arts[2].rsplit("\t", 1)[0].replace("双11囤茶攻略", "短链文章") + "\thttps://mp.weixin.qq.com/s/AbC_dEf-123"
    put(land, "wechat/qinghe_wx/articles/a.tsv", "\n".join([arts[0], arts[1], bad_url, short]) + "\n")
    # wechat comments: a create_time more than a day after fetched_at is implausible; index 0 -> post_ref _1
    c = json.loads(json.dumps(ce.WECHAT_COMMENTS, ensure_ascii=False))
    c["calls"][0]["response"]["comment"].append(
        {"user_comment_id": 3, "create_time": 1730436069 + 5 * 86400, "content": "未来", "comment_type": 0})
    put(land, "wechat/qinghe_wx/comments/c.json", c)
    # XHS fans: a stat_date on the export date is incomplete
    x = {s: [["日期", h], ["2026年08月15日", 1], ["2026年08月16日", 2]]
         for s, h in (("净涨粉趋势", "净涨粉"), ("新增关注趋势", "新增关注"), ("取消关注趋势", "取消关注"))}
    put(land, "xiaohongshu/qinghe_xhs/fans/f.xlsx", xlsx_bytes(x))
    put(land, "xiaohongshu/qinghe_xhs/fans/f.xlsx.meta.json", {"exported_at": "2026-08-16T10:00:00+08:00"})
    # mentions: a year-less date in the future of the export time belongs to the previous year
    m = {"platform": "weibo", "mention_id": "5097012345670077", "author_id": "1", "text": "t",
         "created_at": "12-31 23:00", "fetched_at": "2025-01-02T09:00:00+08:00",
         "url": "https://m.weibo.cn/status/OyZ1a2b3Q", "is_repost": False}
    put(land, "listening/mentions/y.jsonl", json.dumps(m, ensure_ascii=False) + "\n")
    w = tmp_path / "wh.duckdb"
    run(land, w)

    qa = _q(w, "wechat/qinghe_wx/articles/a.tsv")
    assert list(qa) == [3] and qa[3]["reason"] == "missing_key"
    refs = {r["t"]: (r["p"], r["s"]) for r in query(
        w, "SELECT title AS t, post_ref AS p, post_ref_source AS s FROM raw.wechat_articles")}
    assert refs["秋冬第一杯｜桂花乌龙上新"][0] == "2247489321_1"
    assert refs["短链文章：3款口粮茶怎么选"] == ("s_AbC_dEf-123", "short_url")

    qc = _q(w, "wechat/qinghe_wx/comments/c.json")
    assert list(qc) == [3] and qc[3]["reason"] == "implausible_timestamp"
    assert {r["p"] for r in query(w, "SELECT post_ref AS p FROM raw.wechat_comments")} == {"2247489321_1"}

    # one record per data row of each sheet: row 3 of each of the three sheets
    qx = query(w, "SELECT row_number, reason FROM ops.quarantine WHERE path = 'xiaohongshu/qinghe_xhs/fans/f.xlsx'")
    assert sorted((r["row_number"], r["reason"]) for r in qx) == [(3, "incomplete_period")] * 3
    mx = manifest_for(w, "xiaohongshu/qinghe_xhs/fans/f.xlsx")[0]
    assert (mx["rows_read"], mx["rows_loaded"], mx["rows_quarantined"]) == (6, 3, 3)

    got = query(w, "SELECT CAST(created_at AS VARCHAR) AS c FROM raw.listening_mentions")
    assert got == [{"c": "2024-12-31 15:00:00"}]


def test_jsonl_of_wrappers_and_bare_array(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    rel = "wechat/qinghe_wx/user_growth/dc.jsonl"
    put(land, rel, json.dumps(ce.DATACUBE, ensure_ascii=False) + "\n" + '{"fanops_api_dump": 1, "calls": [\n')
    put(land, "weibo/qinghe_wb/posts/arr.json", ce.WEIBO_POSTS["statuses"])
    w = tmp_path / "wh.duckdb"
    run(land, w)
    q = query(w, "SELECT row_number, reason FROM ops.quarantine WHERE path = ?", [rel])
    assert q == [{"row_number": 2, "reason": "invalid_json_line"}]
    m = manifest_for(w, rel)[0]
    assert (m["status"], m["rows_loaded"], m["rows_quarantined"], m["export_at_source"]) == ("loaded", 4, 1, "in_file")
    assert manifest_for(w, "weibo/qinghe_wb/posts/arr.json")[0]["rows_loaded"] == 2
    assert_reconciles(w)
