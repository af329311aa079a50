"""Engine behaviours decided in DECISIONS.md that the contract leaves open."""

from __future__ import annotations

from pathlib import Path

import duckdb
import xlsxwriter

from ingestion.engine import IngestOptions, ingest
from tests.ingestion import contract_examples as ce

KEY = b"engine-extra-test-key-000000000000"


def _ingest(landing: Path, wh: Path) -> None:
    ingest(IngestOptions(landing, wh, KEY, "test"))


def _q(wh: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_rejected_bytes_moved_to_the_right_folder_load(tmp_path: Path) -> None:
    """A file first dropped in the wrong place is not a `duplicate` once moved where it belongs."""
    land = tmp_path / "landing"
    (land / "ops/accounts").mkdir(parents=True)
    (land / "ops/accounts/a.csv").write_text(ce.ACCOUNTS, encoding="utf-8")
    wrong = land / "weibo/qinghe_wb/fans.csv"  # directly in the account folder
    wrong.parent.mkdir(parents=True)
    wrong.write_text(ce.WEIBO_FANS, encoding="utf-8")
    wh = tmp_path / "wh.duckdb"
    _ingest(land, wh)
    assert _q(wh, "SELECT status, reason FROM ops.file_manifest WHERE path LIKE 'weibo/%'") == [
        ("rejected", "unknown_dataset")]
    right = land / "weibo/qinghe_wb/fans/fans.csv"
    right.parent.mkdir(parents=True)
    wrong.rename(right)
    _ingest(land, wh)
    rows = _q(wh, "SELECT path, status FROM ops.file_manifest WHERE path LIKE 'weibo/%' ORDER BY path")
    assert rows == [("weibo/qinghe_wb/fans.csv", "rejected"), ("weibo/qinghe_wb/fans/fans.csv", "loaded")]
    assert _q(wh, "SELECT count(*) FROM raw.weibo_fans") == [(2,)]


def test_quarantine_names_the_sheet_of_multi_sheet_workbooks(tmp_path: Path) -> None:
    land = tmp_path / "landing"
    (land / "ops/accounts").mkdir(parents=True)
    (land / "ops/accounts/a.csv").write_text(ce.ACCOUNTS, encoding="utf-8")
    d = land / "xiaohongshu/qinghe_xhs/fans"
    d.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(d / "涨粉数据.xlsx"))
    for sheet, head in (("净涨粉趋势", "净涨粉"), ("新增关注趋势", "新增关注"), ("取消关注趋势", "取消关注")):
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, ["日期", head])
        ws.write_row(1, 0, ["2026年08月14日", 5])
        ws.write_row(2, 0, ["2026年08月15日", "abc" if sheet == "新增关注趋势" else 7])
    wb.close()
    (d / "涨粉数据.xlsx.meta.json").write_text('{"exported_at": "2026-08-16T10:00:00+08:00"}', encoding="utf-8")
    wh = tmp_path / "wh.duckdb"
    _ingest(land, wh)
    assert _q(wh, "SELECT sheet, row_number, reason FROM ops.quarantine") == [("新增关注趋势", 3, "invalid_number")]
    assert _q(wh, "SELECT rows_read, rows_loaded, rows_quarantined FROM ops.file_manifest "
                  "WHERE dataset = 'xiaohongshu/fans'") == [(6, 5, 1)]


def test_small_files_parsed_together_keep_per_file_plausibility(tmp_path: Path) -> None:
    """Cells of many small files are parsed in one call; the 'a day after the export time' bound stays
    per file (each file's own export time)."""
    land = tmp_path / "landing"
    (land / "ops/accounts").mkdir(parents=True)
    (land / "ops/accounts/a.csv").write_text(ce.ACCOUNTS, encoding="utf-8")
    d = land / "kuaishou/qinghe_ks/videos"
    d.mkdir(parents=True)
    head = "作品,发布时间,播放量,完播率,点赞量,评论量,收藏量,分享量,涨粉量\n"
    # export time 2024-11-04 10:00 (+08): a post published on 2024-11-06 is implausible in file a only
    (d / "a.csv").write_text(head + "a1,2024-11-03 18:20:05,1,1%,1,1,1,1,1\na2,2024-11-06 09:00:00,1,1%,1,1,1,1,1\n"
                             "导出时间：2024-11-04 10:00\n", encoding="utf-8")
    (d / "b.csv").write_text(head + "b1,2024-11-06 09:00:00,2,1%,1,1,1,1,1\n导出时间：2024-11-08 10:00\n",
                             encoding="utf-8")
    wh = tmp_path / "wh.duckdb"
    _ingest(land, wh)
    assert _q(wh, "SELECT path, row_number, reason FROM ops.quarantine") == [
        ("kuaishou/qinghe_ks/videos/a.csv", 3, "implausible_timestamp")]
    assert _q(wh, "SELECT title_caption FROM raw.kuaishou_videos ORDER BY 1") == [("a1",), ("b1",)]


def test_rerun_does_not_rehash_unchanged_files(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A run with nothing new costs a stat per file, not a sha256 of every byte; changed bytes under a
    known path (new size or mtime) are hashed and loaded as a new delivery."""
    import os

    import ingestion.engine as engine

    land = ce.write_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    _ingest(land, wh)
    calls: list[Path] = []
    real = engine.sha256_file

    def counting(p: Path) -> str:
        calls.append(p)
        return real(p)

    monkeypatch.setattr(engine, "sha256_file", counting)
    _ingest(land, wh)
    assert calls == []
    f = land / "weibo/qinghe_wb/fans/fans.csv"
    f.write_text(ce.WEIBO_FANS + "2024-11-03,284800,400,70,330\n", encoding="utf-8")
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 1_000_000_000))
    _ingest(land, wh)
    assert calls == [f]
    rows = _q(wh, "SELECT status, warnings FROM ops.file_manifest WHERE path = 'weibo/qinghe_wb/fans/fans.csv' "
                  "ORDER BY loaded_at, status")
    assert ("loaded", ["path_reused"]) in rows
    assert _q(wh, "SELECT count(*) FROM raw.weibo_fans") == [(3,)]
