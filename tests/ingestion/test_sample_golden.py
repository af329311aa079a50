"""Golden test on the committed sample tree: exactly the outcomes `data/sample/README.md` documents."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ingestion.engine import IngestOptions, ingest

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "landing"
KEY = b"sample-golden-test-key-0123456789"
NOW = datetime.fromisoformat("2026-11-20T00:00:00+00:00")

EXPECTED_QUARANTINE = {
    ("douyin/qinghe_dy/videos/2026-06/作品列表_20260615.xlsx", 2, "conflicting_duplicate_key"),
    ("douyin/qinghe_dy/videos/2026-06/作品列表_20260615.xlsx", 36, "conflicting_duplicate_key"),
    ("douyin/qinghe_dy/videos/2026-06/作品列表_20260615.xlsx", 37, "rate_out_of_range"),
    ("douyin/qinghe_dy/videos/2026-06/作品列表_20260615.xlsx", 38, "negative_count"),
    ("douyin/qinghe_dy/videos/2026-06/作品列表_20260615.xlsx", 39, "invalid_timestamp"),
    ("weibo/qinghe_wb/fans/粉丝数据_2026-09.csv", 32, "invalid_date"),
    ("ops/campaigns/活动清单.csv", 13, "unknown_enum_value"),
    ("ops/content_calendar/内容排期_20260815.xlsx", 331, "ambiguous_account"),
    ("ops/messages/2026-05/messages_202605.jsonl", 131, "unknown_account"),
    ("ops/messages/2026-05/messages_202605.jsonl", 132, "missing_agent_id"),
    ("shop/qinghe_tmall/orders/2026-06/订单导出_20260601-20260607.csv", 69, "id_in_scientific_notation"),
    ("douyin/qinghe_live/live_sessions/直播数据_20260610.xlsx", 10, "id_precision_lost"),
}
EXPECTED_REJECTED = {
    "douyin/qinghe_dy/作品列表_误放.csv": "unknown_dataset",
    "weibo/qinghe_wb2/fans/粉丝数据.csv": "unknown_account",
    "shop/qinghe_tmall/orders/子订单导出_20260515.csv": "unsupported_layout",
    "xiaohongshu/qinghe_xhs/fans/观看数据.xlsx": "missing_required_sheet",
}


@pytest.fixture(scope="module")
def sample_wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("sample") / "wh.duckdb"
    ingest(IngestOptions(SAMPLE, wh, KEY, "test", is_sample=True, now=NOW))
    return wh


def q(wh: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_statuses(sample_wh: Path) -> None:
    by = dict(q(sample_wh, "SELECT status, count(*) FROM ops.file_manifest GROUP BY 1"))
    assert by == {"loaded": 1234, "superseded": 33, "duplicate": 1, "rejected": 4}
    rejected = dict(q(sample_wh, "SELECT path, reason FROM ops.file_manifest WHERE status = 'rejected'"))
    assert rejected == EXPECTED_REJECTED
    dup = q(sample_wh, "SELECT path FROM ops.file_manifest WHERE status = 'duplicate'")
    assert dup == [("douyin/qinghe_dy/videos/2026-05/作品列表_20260518_副本.xlsx",)]
    assert q(sample_wh, "SELECT bool_and(is_sample) FROM ops.file_manifest") == [(True,)]
    # lock files and .part files are not deliveries
    assert q(sample_wh, "SELECT count(*) FROM ops.file_manifest WHERE path LIKE '%~$%' OR path LIKE '%.part'") == [(0,)]


def test_superseded_corrections(sample_wh: Path) -> None:
    sup = [p for (p,) in q(sample_wh, "SELECT path FROM ops.file_manifest WHERE status = 'superseded'")]
    assert "wechat/qinghe_wx/user_growth/2026-06/用户分析_用户增长.xls" in sup
    assert sum(1 for p in sup if p.startswith("douyin/qinghe_dy/fans/")) == 31
    assert any(p.startswith("ops/content_calendar/") for p in sup)
    # superseded files keep the row counts they were loaded with
    assert q(sample_wh, "SELECT count(*) FROM ops.file_manifest WHERE status = 'superseded' AND rows_loaded > 0") == [(33,)]


def test_quarantine_is_exactly_the_planted_rows(sample_wh: Path) -> None:
    rows = q(sample_wh, "SELECT path, row_number, reason FROM ops.quarantine")
    got = {(p, r, reason) for p, r, reason in rows}
    xhs = [(p, r, reason) for p, r, reason in rows if p.startswith("xiaohongshu/qinghe_xhs/fans/2026-11/")]
    foreign = {(p, r, reason) for p, r, reason in got if reason == "foreign_author"}
    assert got - set(xhs) - foreign == EXPECTED_QUARANTINE
    # the last row (2026-11-14, the export day) of each of the five metric sheets
    assert len(xhs) == 5 and {(r, reason) for _, r, reason in xhs} == {(15, "incomplete_period")}
    assert len(foreign) == 1 and next(iter(foreign))[0] == "weibo/qinghe_wb/posts/2026-05/statuses_20260524.json"
    assert len(rows) == 18


def test_reconciliation_for_every_file(sample_wh: Path) -> None:
    assert q(sample_wh, "SELECT count(*) FROM ops.file_manifest WHERE status IN ('loaded', 'superseded') AND "
                        "rows_read <> rows_loaded + rows_quarantined + rows_skipped") == [(0,)]
    totals = q(sample_wh, "SELECT sum(rows_read), sum(rows_loaded), sum(rows_quarantined), sum(rows_skipped) "
                          "FROM ops.file_manifest")[0]
    assert totals == (23000, 22981, 18, 1)
    assert q(sample_wh, "SELECT count(*) FROM ops.quarantine") == [(totals[2],)]
    assert q(sample_wh, "SELECT count(*) FROM ops.file_manifest WHERE status IN ('rejected', 'duplicate') "
                        "AND rows_read IS NOT NULL") == [(0,)]


def test_every_raw_table_has_rows_and_lineage(sample_wh: Path) -> None:
    tables = [t for (t,) in q(sample_wh, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' "
                                         "AND table_name NOT LIKE '%_history' AND table_name NOT LIKE '%_coverage'")]
    assert len(tables) >= 31
    for t in tables:
        n, nulls = q(sample_wh, f"SELECT count(*), count(*) FILTER (WHERE _file_sha256 IS NULL OR _row_number IS NULL "
                                f"OR _loaded_at IS NULL OR _export_at IS NULL) FROM raw.{t}")[0]
        assert n > 0, t
        assert nulls == 0, t


def test_rerun_is_a_noop(sample_wh: Path) -> None:
    before = q(sample_wh, "SELECT count(*) FROM ops.file_manifest")
    counts = {t: q(sample_wh, f"SELECT count(*) FROM raw.{t}") for (t,) in
              q(sample_wh, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'")}
    res = ingest(IngestOptions(SAMPLE, sample_wh, KEY, "test", is_sample=True, now=NOW))
    assert res.totals().files_new == 0
    assert q(sample_wh, "SELECT count(*) FROM ops.file_manifest") == before
    assert {t: q(sample_wh, f"SELECT count(*) FROM raw.{t}") for t in counts} == counts


# bounded by non-alphanumerics so hex digests (sha256, pseudonyms) are not mistaken for numbers
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def test_no_clear_text_personal_data(sample_wh: Path) -> None:
    """Every text column of every table: no mobile number, and none of the raw ids the sample delivers."""
    con = duckdb.connect(str(sample_wh), read_only=True)
    try:
        cols = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE table_schema IN ('raw', 'ops') AND data_type IN ('VARCHAR', 'VARCHAR[]')"
        ).fetchall()
        texts: list[str] = []
        for s, t, c in cols:
            texts += [str(v) for (v,) in con.execute(f'SELECT DISTINCT CAST("{c}" AS VARCHAR) FROM {s}.{t} '
                                                      f'WHERE "{c}" IS NOT NULL').fetchall()]
    finally:
        con.close()
    blob = "\n".join(texts)
    hits = PHONE.findall(blob)
    assert not hits, hits[:5]
    # raw identifiers and nicknames that the sample delivers must not appear anywhere
    raw_ids: set[str] = set()
    for f in sorted((SAMPLE / "wechat/qinghe_wx/comments").rglob("*.json"))[:5]:
        for call in json.loads(f.read_text(encoding="utf-8"))["calls"]:
            raw_ids |= {c["openid"] for c in call["response"]["comment"] if c.get("openid")}
    for f in sorted((SAMPLE / "weibo/qinghe_wb/comments").rglob("*.json"))[:5]:
        doc = json.loads(f.read_text(encoding="utf-8"))
        for call in doc.get("calls", [{"response": doc}]):
            for c in call["response"].get("comments", []):
                raw_ids.add(c["user"]["idstr"])
                raw_ids.add(c["user"]["screen_name"])
    for f in sorted((SAMPLE / "listening/mentions").rglob("*.jsonl"))[:3]:
        for line in f.read_text(encoding="utf-8").splitlines():
            m = json.loads(line)
            raw_ids.add(str(m["author_id"]))
            if m.get("author_name"):
                raw_ids.add(m["author_name"])
    assert len(raw_ids) > 50
    # the brand's own account id is business data (ops/accounts 平台账号ID), and `@handles` in text are
    # public content the contract keeps (§4); neither is a leak
    own = {"7712345678", "青禾茶饮"}  # the brand account (uid and name) as registered in ops/accounts
    leaked = sorted(r for r in raw_ids - own if r in blob.replace("@", "\x00@"))
    leaked = [r for r in leaked if any(r in line and f"@{r}" not in line for line in texts)]
    assert not leaked, leaked[:5]
