"""Contract §5.1: one deliberately broken file per file-rejection reason.

All broken files sit in ONE landing tree next to a good ops/accounts CSV and a good Weibo fans file; the tree
is ingested once (module fixture) and each case checks its own manifest row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.ingestion import contract_examples as ce
from tests.ingestion.test_support import (
    GOOD_REL,
    assert_reconciles,
    base_tree,
    manifest,
    manifest_for,
    put,
    query,
    run,
    xlsx_bytes,
)


def _copy(obj: Any) -> Any:
    return json.loads(json.dumps(obj, ensure_ascii=False))


def _wx_comments(**top: Any) -> dict:
    c = _copy(ce.WECHAT_COMMENTS)
    c.update(top)
    return c


def _wx_comment_error() -> dict:
    c = _copy(ce.WECHAT_COMMENTS)
    c["calls"][0]["response"] = {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
    return c


def _datacube(api: str | None = None, drop_param: str | None = None) -> dict:
    d = _copy(ce.DATACUBE)
    if api:
        d["calls"][0]["api"] = api
    if drop_param:
        del d["calls"][0]["request"][drop_param]
    return d


UG_HEADER = "时间,新关注人数,取消关注人数,净增关注人数,累积关注人数"
UG_BIG5 = ce.USER_GROWTH.replace(UG_HEADER, "時間,新關注人數,取消關注人數,淨增關注人數,累積關注人數")
UG_XLSX = xlsx_bytes({"Sheet1": [UG_HEADER.split(","), ["2024-11-01", 128, 37, 91, 52310],
                                  ["2024-11-02", 96, 41, 55, 52365]]})
XML2003 = (
    '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="用户增长"><Table>'
    '<Row><Cell><Data ss:Type="String">时间</Data></Cell><Cell><Data ss:Type="String">新关注人数</Data></Cell>'
    '<Cell><Data ss:Type="String">取消关注人数</Data></Cell><Cell><Data ss:Type="String">净增关注人数</Data></Cell>'
    '<Cell><Data ss:Type="String">累积关注人数</Data></Cell></Row>'
    '<Row><Cell><Data ss:Type="String">2024-11-01</Data></Cell><Cell><Data ss:Type="Number">128</Data></Cell>'
    '<Cell><Data ss:Type="Number">37</Data></Cell><Cell><Data ss:Type="Number">91</Data></Cell>'
    '<Cell><Data ss:Type="Number">52310</Data></Cell></Row></Table></Worksheet></Workbook>'
)
WX_PORTRAIT = xlsx_bytes({
    "性别分布": [["性别", "人数", "占比"], ["男", 10, "40%"], ["女", 15, "60%"]],
    "年龄分布": [["年龄", "人数", "占比"], ["18-24", 25, "100%"]],
    "地域分布": [["省份/直辖市", "人数", "占比"], ["广东", 25, "100%"]],
})

# (case id, landing-relative path, bytes/str/json, expected reason, substrings the message must contain)
CASES: list[tuple[str, str, Any, str, tuple[str, ...]]] = [
    ("unknown_dataset-in-account-folder", "wechat/qinghe_wx/用户增长.csv", ce.USER_GROWTH, "unknown_dataset", ()),
    ("unknown_dataset-unknown-folder", "wechat/qinghe_wx/growth/用户增长.csv",
     ce.USER_GROWTH.replace("2024-11-03", "2024-11-04"), "unknown_dataset", ("growth",)),
    ("unknown_dataset-unknown-platform", "tiktok/qinghe_tt/videos/v.csv", ce.DOUYIN_VIDEOS, "unknown_dataset", ()),
    ("unknown_account", "weibo/nobody_wb/fans/fans.csv", ce.WEIBO_FANS.replace("2024-11-0", "2024-10-0"),
     "unknown_account", ("nobody_wb",)),
    ("unknown_account-wrong-platform", "douyin/qinghe_wx/fans/fans.json", ce.DOUYIN_FANS, "unknown_account",
     ("qinghe_wx",)),
    ("unknown_account-invalid-slug", "wechat/Qinghe_WX/user_growth/u.csv", ce.USER_GROWTH.replace("2024-11-0", "2024-07-0"),
     "unknown_account", ("Qinghe_WX",)),
    ("unknown_account-not-a-shop", "shop/qinghe_wx/orders/o.csv", ce.ORDERS, "unknown_account", ("qinghe_wx",)),
    ("account_mismatch-account", "wechat/qinghe_wx/comments/mismatch.json", _wx_comments(account="other_wx"),
     "account_mismatch", ("other_wx",)),
    ("account_mismatch-platform", "wechat/qinghe_wx/comments/mismatch_p.json", _wx_comments(platform="douyin"),
     "account_mismatch", ("douyin",)),
    ("unsupported_file_type-pdf", "wechat/qinghe_wx/user_growth/用户增长.xls",
     b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n",
     "unsupported_file_type", ()),
    ("unsupported_file_type-xml2003", "wechat/qinghe_wx/user_growth/用户增长_2003.xls", XML2003,
     "unsupported_file_type", ()),
    ("unsupported_file_type-png", "weibo/qinghe_wb/fans/chart.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40),
     "unsupported_file_type", ()),
    ("unreadable_file-empty", "wechat/qinghe_wx/user_growth/empty.csv", b"", "unreadable_file", ()),
    ("unreadable_file-truncated-xlsx", "wechat/qinghe_wx/user_growth/trunc.xlsx", UG_XLSX[: len(UG_XLSX) // 2],
     "unreadable_file", ()),
    ("unsupported_encoding-utf16", "wechat/qinghe_wx/user_growth/u16.csv", ce.USER_GROWTH.encode("utf-16"),
     "unsupported_encoding", ()),
    ("encoding_undetected", "wechat/qinghe_wx/user_growth/undetected.csv",
     ce.USER_GROWTH.encode("utf-8") + b"2024-11-09,\xff\xfe\xff,1,1,1\n", "encoding_undetected", ()),
    ("encoding_suspect-big5", "wechat/qinghe_wx/user_growth/big5.csv", UG_BIG5.encode("big5"),
     "encoding_suspect", ()),
    ("malformed_csv", "wechat/qinghe_wx/user_growth/malformed.csv",
     ce.USER_GROWTH + '2024-11-05,"12,3,4,5\n2024-11-06,1,1,0,4\n', "malformed_csv", ("5",)),
    ("invalid_json-cut-mid-array", "weibo/qinghe_wb/comments/cut.json",
     json.dumps(ce.WEIBO_COMMENTS, ensure_ascii=False, indent=2)[:400], "invalid_json", ("offset",)),
    ("invalid_json-cut-array", "weibo/qinghe_wb/posts/cut.json",
     "[" + json.dumps(ce.WEIBO_POSTS, ensure_ascii=False)[:300], "invalid_json", ("offset",)),
    ("header_not_found", "weibo/qinghe_wb/fans/nohead.csv", "foo,bar,baz\n1,2,3\n", "header_not_found",
     ("日期", "粉丝总数")),
    ("missing_required_column", "wechat/qinghe_wx/user_growth/missing.csv",
     "时间,新关注人数,净增关注人数\n2024-11-05,1,1\n", "missing_required_column", ("取消关注人数", "累积关注人数")),
    ("missing_required_sheet", "xiaohongshu/qinghe_xhs/fans/one_sheet.xlsx",
     xlsx_bytes({"净涨粉趋势": [["日期", "净涨粉"], ["2026年08月14日", 23]]}), "missing_required_sheet",
     ("新增关注趋势", "取消关注趋势")),
    ("ambiguous_header-two-aliases", "wechat/qinghe_wx/user_growth/amb.csv",
     "时间,日期,新关注人数,取消关注人数,净增关注人数,累积关注人数\n2024-11-05,2024-11-05,1,1,0,5\n",
     "ambiguous_header", ("时间", "日期")),
    ("ambiguous_header-repeated", "wechat/qinghe_wx/user_growth/rep.csv",
     "时间,新关注人数,新关注人数,取消关注人数,净增关注人数,累积关注人数\n2024-11-05,1,1,1,0,5\n",
     "ambiguous_header", ("新关注人数",)),
    ("unsupported_layout-suborders", "shop/qinghe_tmall/orders/sub.csv",
     "订单编号,子订单编号,订单状态,买家实付金额,订单创建时间\n"
     "3872615590218446871,3872615590218446872,交易成功,1.00,2024-11-11 00:03:12\n",
     "unsupported_layout", ("子订单编号",)),
    ("missing_wrapper", "wechat/qinghe_wx/comments/bare.json", ce.WECHAT_COMMENTS["calls"][0]["response"],
     "missing_wrapper", ()),
    ("unsupported_api", "wechat/qinghe_wx/user_growth/api.json", _datacube(api="datacube/getusershare"),
     "unsupported_api", ("datacube/getusershare",)),
    ("missing_request_param", "wechat/qinghe_wx/user_growth/param.json", _datacube(drop_param="begin_date"),
     "missing_request_param", ("begin_date",)),
    ("missing_export_time", "wechat/qinghe_wx/fans_portrait/portrait.xlsx", WX_PORTRAIT, "missing_export_time", ()),
    ("api_error-wechat", "wechat/qinghe_wx/comments/err.json", _wx_comment_error(), "api_error", ("45009",)),
    ("api_error-douyin-data", "douyin/qinghe_dy/fans/err.json",
     {"data": {"error_code": 2190008, "description": "access_token过期"},
      "extra": {"logid": "x", "now": 1730597400000, "error_code": 0}}, "api_error", ("2190008",)),
    ("api_error-douyin-extra", "douyin/qinghe_dy/fans/err_extra.json",
     {"data": {"error_code": 0, "description": "", "result_list": []},
      "extra": {"logid": "x", "now": 1730597400000, "error_code": 2190002, "description": "bad token"}},
     "api_error", ("2190002",)),
    ("api_error-kuaishou", "kuaishou/qinghe_ks/videos/err.json",
     {"result": 100200100, "error_msg": "access_token is invalid"}, "api_error", ("100200100",)),
    ("api_error-weibo", "weibo/qinghe_wb/posts/err.json",
     {"request": "/2/statuses/user_timeline.json", "error_code": 21327, "error": "expired_token"},
     "api_error", ("21327",)),
]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rejections")
    land = base_tree(root / "landing")
    for _, rel, content, _, _ in CASES:
        put(land, rel, content)
    wh = root / "wh.duckdb"
    run(land, wh)
    return wh


@pytest.mark.parametrize(("rel", "reason", "needles"), [pytest.param(c[1], c[3], c[4], id=c[0]) for c in CASES])
def test_broken_file_is_rejected_with_reason(broken: Path, rel: str, reason: str, needles: tuple[str, ...]) -> None:
    rows = manifest_for(broken, rel)
    assert len(rows) == 1, rows
    m = rows[0]
    assert (m["status"], m["reason"]) == ("rejected", reason), m["message"]
    assert m["message"], "a rejection must explain itself"
    for needle in needles:
        assert needle in m["message"], (needle, m["message"])
    assert (m["rows_read"], m["rows_loaded"], m["rows_quarantined"], m["rows_skipped"]) == (None, None, None, None)
    assert m["sha256"] and len(m["sha256"]) == 64


def test_good_files_still_load_next_to_broken_ones(broken: Path) -> None:
    good = manifest_for(broken, GOOD_REL)[0]
    assert (good["status"], good["rows_read"], good["rows_loaded"]) == ("loaded", 2, 2)
    acc = manifest_for(broken, "ops/accounts/accounts.csv")[0]
    assert (acc["status"], acc["rows_loaded"]) == ("loaded", 6)
    fans = query(broken, "SELECT CAST(stat_date AS VARCHAR) AS d, followers_total AS t FROM raw.weibo_fans ORDER BY 1")
    assert fans == [{"d": "2024-11-01", "t": 284113}, {"d": "2024-11-02", "t": 284470}]
    # every delivered file has exactly one manifest row; nothing from rejected files reached raw.*
    assert len(manifest(broken)) == len(CASES) + 2
    rejected = {r["sha256"] for r in manifest(broken) if r["status"] == "rejected"}
    for t in ("raw.wechat_user_growth", "raw.wechat_comments", "raw.douyin_fans", "raw.weibo_posts",
              "raw.weibo_comments", "raw.shop_orders", "raw.xiaohongshu_fans", "raw.wechat_fans_portrait",
              "raw.wechat_user_source_daily"):
        shas = {r["s"] for r in query(broken, f"SELECT DISTINCT _file_sha256 AS s FROM {t}")}
        assert not (shas & rejected), t
    assert_reconciles(broken)


def test_rejected_file_reevaluated_after_account_registered(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    rel = "weibo/newbrand_wb/fans/fans.csv"
    put(land, rel, ce.WEIBO_FANS)
    run(land, wh)
    first = manifest_for(wh, rel)
    assert [(r["status"], r["reason"]) for r in first] == [("rejected", "unknown_account")]
    # unchanged tree: still rejected, still one manifest row
    run(land, wh)
    assert [(r["status"], r["reason"]) for r in manifest_for(wh, rel)] == [("rejected", "unknown_account")]
    # a NEW ops/accounts delivery registers the account; the same file (no new delivery) loads on the next run
    put(land, "ops/accounts/accounts_2024-11-20.csv",
        "平台,账号标识,账号名称,平台账号ID,品牌,负责人ID,启用日期,停用日期,粉丝基数,基数日期,状态\n"
        "微博,newbrand_wb,新品牌,7700000001,新品牌,T004,2024-11-20,,,,启用\n")
    run(land, wh)
    rows = manifest_for(wh, rel)
    assert len(rows) == 1, rows
    assert (rows[0]["status"], rows[0]["reason"], rows[0]["rows_loaded"]) == ("loaded", None, 2)
    n = query(wh, "SELECT count(*) AS n FROM raw.weibo_fans WHERE account = 'newbrand_wb'")[0]["n"]
    assert n == 2
    # the old registry file was not superseded (its keys were not replaced) and both accounts are registered
    assert manifest_for(wh, "ops/accounts/accounts.csv")[0]["status"] == "loaded"
    assert_reconciles(wh)


def test_unknown_account_rejection_recorded_once_per_file(tmp_path: Path) -> None:
    """Re-evaluation every run must not pile up manifest rows for the same delivery."""
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    put(land, "weibo/ghost_wb/fans/fans.csv", ce.WEIBO_FANS)
    for _ in range(3):
        run(land, wh)
    assert len(manifest_for(wh, "weibo/ghost_wb/fans/fans.csv")) == 1


@pytest.mark.parametrize("variant", ["dump_version_2", "no_fetched_at", "empty_calls"])
def test_invalid_wrapper_is_rejected(tmp_path: Path, variant: str) -> None:
    """§2.14 makes fanops_api_dump = 1, fetched_at and calls[] (>= 1) required; §5.1 names no reason for a
    wrapper that breaks this, so only 'rejected with a §5.1 reason' is asserted."""
    from tests.ingestion.test_support import REJECTION_REASONS

    c = _copy(ce.WECHAT_COMMENTS)
    if variant == "dump_version_2":
        c["fanops_api_dump"] = 2
    elif variant == "no_fetched_at":
        del c["fetched_at"]
    else:
        c["calls"] = []
    land = base_tree(tmp_path / "landing")
    rel = "wechat/qinghe_wx/comments/w.json"
    put(land, rel, c)
    wh = tmp_path / "wh.duckdb"
    run(land, wh)
    m = manifest_for(wh, rel)[0]
    assert m["status"] == "rejected" and m["reason"] in REJECTION_REASONS, m
