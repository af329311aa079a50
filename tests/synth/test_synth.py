"""Synthetic landing generator: determinism, coverage, size bound, streaming scale mode, documented quirks."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import openpyxl
import psutil
import pytest

from ingestion.synth import generate

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
LANDING = SAMPLE / "landing"

DATASETS = [
    "wechat/user_growth", "wechat/articles", "wechat/comments", "wechat/fans_portrait",
    "douyin/videos", "douyin/fans", "douyin/comments", "douyin/live_sessions", "douyin/fans_portrait",
    "kuaishou/videos", "xiaohongshu/notes", "xiaohongshu/fans", "weibo/posts", "weibo/fans", "weibo/comments",
    "shop/orders", "ops/accounts", "ops/campaigns", "ops/campaign_costs", "ops/kols", "ops/kol_posts",
    "ops/content_calendar", "ops/competitor_brands", "ops/competitor_observations", "ops/team", "ops/messages",
    "listening/mentions",
]
HIGH_VOLUME = ["wechat/comments", "douyin/comments", "weibo/comments", "listening/mentions", "ops/messages",
               "shop/orders"]


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def dataset_dirs(root: Path, dataset: str) -> list[Path]:
    group, name = dataset.split("/")
    if group in ("ops", "listening"):
        return [d for d in [root / group / name] if d.is_dir()]
    return [d for d in root.glob(f"{group}/*/{name}") if d.is_dir()]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("synth_a")
    return out, generate(out, days=40, seed=11)


def test_deterministic_byte_identical(small: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    out, counts = small
    counts2 = generate(tmp_path, days=40, seed=11)
    assert counts == counts2
    assert tree_hashes(out) == tree_hashes(tmp_path)


def test_other_seed_differs(small: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    generate(tmp_path, days=40, seed=12)
    assert tree_hashes(small[0]) != tree_hashes(tmp_path)


def test_every_dataset_present_with_records(small: tuple[Path, dict[str, int]]) -> None:
    out, counts = small
    for ds in DATASETS:
        assert dataset_dirs(out, ds), f"missing folder for {ds}"
        assert counts.get(ds, 0) > 0, f"no records for {ds}"
    assert sorted(counts) == sorted(DATASETS)


def test_sample_has_every_dataset_and_config() -> None:
    assert LANDING.is_dir(), "run the command in data/sample/README.md"
    for ds in DATASETS:
        assert dataset_dirs(LANDING, ds), f"sample lacks {ds}"
    cfg = (SAMPLE / "fanops.yaml").read_text(encoding="utf-8")
    assert "start_date: 2026-07-01" in cfg
    assert (SAMPLE / "README.md").is_file()


def test_sample_size_bound() -> None:
    files = [p for p in LANDING.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    assert total <= 8 * 1024 * 1024, f"sample is {total} bytes"
    assert 500 <= len(files) <= 3000


@pytest.mark.slow
def test_sample_regenerates_byte_identical(tmp_path: Path) -> None:
    """The documented command reproduces the committed sample exactly."""
    counts = generate(tmp_path, days=184, seed=7, start=date(2026, 5, 15))
    assert sum(counts.values()) > 20000
    assert tree_hashes(tmp_path) == tree_hashes(LANDING)


def test_scale_counts_roughly_linear(tmp_path: Path) -> None:
    c1 = generate(tmp_path / "s1", days=21, scale=1.0, seed=3)
    c4 = generate(tmp_path / "s4", days=21, scale=4.0, seed=3)
    for ds in HIGH_VOLUME:
        ratio = c4[ds] / max(1, c1[ds])
        assert 2.5 <= ratio <= 6.0, (ds, c1[ds], c4[ds])
    snaps = ["douyin/videos", "kuaishou/videos", "weibo/posts"]
    r = sum(c4[d] for d in snaps) / sum(c1[d] for d in snaps)
    assert 3.0 <= r <= 5.0
    # big-scale mode writes no spreadsheets for the big datasets
    assert not list((tmp_path / "s4" / "douyin" / "qinghe_dy" / "videos").rglob("*.xlsx"))
    assert not list((tmp_path / "s4" / "shop").rglob("*.xlsx"))


def _peak_rss(args: list[str]) -> tuple[int, float]:
    t0 = time.perf_counter()
    proc = psutil.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    return peak, time.perf_counter() - t0


def test_scale_mode_streams_with_bounded_memory(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "ingestion.synth", "--days", "21", "--seed", "5"]
    rss1, _ = _peak_rss([*base, "--out", str(tmp_path / "a"), "--scale", "1"])
    rss8, _ = _peak_rss([*base, "--out", str(tmp_path / "b"), "--scale", "8"])
    # 8x the rows must not mean 8x the memory: streaming keeps the peak close to the small run
    assert rss8 < rss1 * 1.6 + 40 * 1024 * 1024, (rss1, rss8)
    assert rss8 < 300 * 1024 * 1024
    # and the rows are spread over many files
    assert len(list((tmp_path / "b" / "listening").rglob("*.jsonl"))) >= 21


# ----------------------------------------------------------------------- documented quirks and bad rows
def _csv(path: Path) -> list[list[str]]:
    b = path.read_bytes()
    if b.startswith(b"\xef\xbb\xbf"):
        text = b.decode("utf-8-sig")
    else:
        try:
            text = b.decode("utf-8")
        except UnicodeDecodeError:
            text = b.decode("gb18030")
    return list(csv.reader(io.StringIO(text)))


def test_sample_documented_bad_rows() -> None:
    ws = openpyxl.load_workbook(LANDING / "douyin/qinghe_dy/videos/2026-06/作品列表_20260615.xlsx").active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 39
    assert rows[1][:2] == rows[35][:2] and rows[1][4] != rows[35][4]  # conflicting_duplicate_key (rows 2, 36)
    assert rows[36][5] == 35.6  # rate_out_of_range
    assert rows[37][10] == -3  # negative_count
    assert rows[38][1] == "2026-09-31 10:00:00"  # invalid_timestamp
    wb_fans = _csv(LANDING / "weibo/qinghe_wb/fans/粉丝数据_2026-09.csv")
    assert wb_fans[-1][0] == "2026-09-31"
    camp = _csv(LANDING / "ops/campaigns/活动清单.csv")
    assert camp[12][0].endswith("XX99") and camp[12][-1] == "暂停"
    assert any(r[-1] == "已取消" for r in camp[1:])
    lines = (LANDING / "ops/messages/2026-05/messages_202605.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[130])["account"] == "qinghe_dy_test"
    assert "agent_id" not in json.loads(lines[131]) and json.loads(lines[131])["direction"] == "out"
    orders = _csv(LANDING / "shop/qinghe_tmall/orders/2026-06/订单导出_20260601-20260607.csv")
    assert len(orders) == 69 and orders[-1][0] == "3.87262E+18"
    assert orders[0][7] == "订单付款时间 "
    backtick = _csv(LANDING / "shop/qinghe_tmall/orders/2026-05/订单导出_20260525-20260531.csv")
    assert all(r[0].startswith("`") for r in backtick[1:])
    live = openpyxl.load_workbook(LANDING / "douyin/qinghe_live/live_sessions/直播数据_20260610.xlsx").active
    assert live is not None
    assert isinstance(live.cell(row=live.max_row, column=1).value, float)
    cal = openpyxl.load_workbook(LANDING / "ops/content_calendar/内容排期_20260815.xlsx").active
    assert cal is not None
    assert cal.cell(row=331, column=2).value == "qinghe_live"


def test_sample_delivery_rule_files() -> None:
    a = LANDING / "douyin/qinghe_dy/videos/2026-05/作品列表_20260518.xlsx"
    b = LANDING / "douyin/qinghe_dy/videos/2026-05/作品列表_20260518_副本.xlsx"
    assert a.read_bytes() == b.read_bytes()
    assert (LANDING / "douyin/qinghe_dy/作品列表_误放.csv").is_file()
    assert (LANDING / "xiaohongshu/qinghe_xhs/notes/~$笔记列表明细.xlsx").is_file()
    sub = _csv(LANDING / "shop/qinghe_tmall/orders/子订单导出_20260515.csv")
    assert "子订单编号" in sub[0]
    corr = LANDING / "wechat/qinghe_wx/user_growth/更正/用户增长_2026-06_更正.csv"
    assert corr.read_bytes().startswith(b"\xef\xbb\xbf")
    meta = json.loads(Path(str(corr) + ".meta.json").read_text(encoding="utf-8"))
    assert meta["exported_at"].startswith("2026-07-09")
    html = (LANDING / "wechat/qinghe_wx/user_growth/2026-06/用户分析_用户增长.xls").read_bytes().decode("gb18030")
    assert html.startswith("<html>") and "<th>新关注</th>" in html and "累计关注人数" in html
    art = (LANDING / "wechat/qinghe_wx/articles/2026-06/内容分析_已通知内容_20260608.xls").read_bytes()
    assert b"&amp;mid=" in art and "10万+".encode("gb18030") in art
    biff = LANDING / "wechat/qinghe_wx/articles/2026-06/内容分析_已通知内容_20260601.xls"
    assert biff.read_bytes().startswith(bytes.fromhex("D0CF11E0A1B11AE1"))


def test_sample_negative_burst() -> None:
    lines = (LANDING / "listening/mentions/2026-09/mentions_20260916.jsonl").read_text(encoding="utf-8").splitlines()
    recs = [json.loads(x) for x in lines]
    neg = [r for r in recs if any(k in r["text"] for k in ("假货", "投诉", "退货", "过敏"))]
    assert len(neg) >= 150
    assert {r["platform"] for r in neg} >= {"weibo", "xiaohongshu", "douyin"}
    assert any(r["author_followers"] == 1520000 for r in recs)


# ----------------------------------------------------------------------- --accounts (benchmark layout)
SOCIAL = ["wechat", "douyin", "kuaishou", "xiaohongshu", "weibo"]
PLATFORM_OF = {"微信公众号": "wechat", "抖音": "douyin", "快手": "kuaishou", "小红书": "xiaohongshu", "微博": "weibo",
               "天猫": "tmall"}
DAY_STAMP = re.compile(r"(20\d\d)(\d\d)(\d\d)")


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("synth_multi")
    return out, generate(out, days=21, scale=4, seed=5, accounts=3)  # scale > 3: daily order files


def _registry(root: Path) -> dict[tuple[str, str], tuple[str, str]]:
    ws = openpyxl.load_workbook(root / "ops/accounts/账号清单.xlsx").active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))[1:]
    return {(PLATFORM_OF[r[0]], r[1]): (str(r[3] or ""), str(r[5])) for r in rows if r[10] == "启用"}


def test_accounts_layout_registered_and_populated(multi: tuple[Path, dict[str, int]]) -> None:
    out, counts = multi
    reg = _registry(out)
    for plat in SOCIAL:
        own = sorted(a for p, a in reg if p == plat)
        assert len(own) == 3, (plat, own)
        # every account folder the synth writes is registered, except the deliberate unknown_account file
        folders = {d.name for d in (out / plat).iterdir() if d.is_dir()}
        assert folders - set(own) == ({"qinghe_wb2"} if plat == "weibo" else set()), plat
        assert set(own) <= folders, plat
        ids = [reg[(plat, a)][0] for a in own]
        assert all(ids) and len(set(ids)) == 3, (plat, ids)
        for a in own:  # every account posts: its platform's post dataset has files
            post_ds = {"wechat": "articles", "douyin": "videos", "kuaishou": "videos", "xiaohongshu": "notes",
                       "weibo": "posts"}[plat]
            assert list((out / plat / a / post_ds).rglob("*.*")), (plat, a)
    # distinct platform ids across all accounts; owners are team members who list the extra accounts
    pids = [pid for (p, _a), (pid, _o) in reg.items() if pid]
    assert len(pids) == len(set(pids))
    team = _csv(out / "ops/team/团队成员.csv")
    listed = {s.split("/")[-1] for r in team[1:] for s in r[3].split("|") if s}
    members = {r[0] for r in team[1:]}
    for (p, a), (_pid, owner) in reg.items():
        assert owner in members
        if p in SOCIAL:
            assert a in listed, a
    # messages reach the extra accounts
    msg_accounts = {json.loads(line)["account"] for f in (out / "ops/messages").rglob("*.jsonl")
                    for line in f.read_text(encoding="utf-8").splitlines()}
    assert {"qinghe_wx_3", "qinghe_dy_2", "qinghe_wb_3"} <= msg_accounts
    assert all(counts.get(ds, 0) > 0 for ds in HIGH_VOLUME)


def test_accounts_daily_deliveries_stamp_last_day(multi: tuple[Path, dict[str, int]]) -> None:
    """Every dated file name is stamped on or before the last day, and the last day's stamp holds files of
    every high-volume dataset (the benchmark holds them back as "+1 day")."""
    out, _ = multi
    last = "20260604"  # 2026-05-15 + 21 days - 1
    stamps: dict[str, set[str]] = {}
    for p in out.rglob("*"):
        m = DAY_STAMP.search(p.name)
        if p.is_file() and m:
            stamps.setdefault("".join(m.groups()), set()).add("/".join(p.relative_to(out).parts[:3]))
    assert max(stamps) == last
    held = {"/".join(x.split("/")[0::2]) if x.split("/")[0] in SOCIAL else x.rsplit("/", 1)[0]
            for x in stamps[last]}
    for ds in ["douyin/comments", "wechat/comments", "weibo/comments", "listening/mentions", "ops/messages",
               "shop/qinghe_tmall"]:
        assert ds in held, (ds, sorted(held))


def test_accounts_default_unchanged_and_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path / "x", days=14, accounts=1)
    a = generate(tmp_path / "a", days=14, seed=2)
    b = generate(tmp_path / "b", days=14, seed=2, accounts=None)
    assert a == b and tree_hashes(tmp_path / "a") == tree_hashes(tmp_path / "b")
    c = generate(tmp_path / "c", days=14, seed=2, accounts=2)
    assert c["ops/accounts"] == a["ops/accounts"] + 3  # WeChat, Xiaohongshu and Weibo gain one account each
