"""Contract §1 rules 4–7: idempotent reruns, duplicates, corrections, supersession, snapshots, the datacube
wider replace unit, path reuse, export-time sources, and the §5 reconciliation identity."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

from tests.ingestion import contract_examples as ce
from tests.ingestion.test_support import (
    T0,
    all_raw_contents,
    assert_reconciles,
    base_tree,
    manifest,
    manifest_for,
    put,
    query,
    run,
)

UG_HEAD = "时间,新关注人数,取消关注人数,净增关注人数,累积关注人数\n"


def _ug(rows: list[tuple[str, int]], footer: str | None = None) -> str:
    body = "".join(f"{d},{n},1,{n - 1},{50000 + n}\n" for d, n in rows)
    return UG_HEAD + body + (f"导出时间：{footer}\n" if footer else "")


def _growth(wh: Path) -> dict[str, tuple[int, str]]:
    rows = query(wh, "SELECT CAST(stat_date AS VARCHAR) AS d, followers_new AS n, _file_sha256 AS s "
                     "FROM raw.wechat_user_growth ORDER BY 1")
    out: dict[str, tuple[int, str]] = {}
    for r in rows:
        assert r["d"] not in out, f"series key {r['d']} held twice"
        out[r["d"]] = (r["n"], r["s"])
    return out


def _sha(wh: Path, rel: str) -> str:
    return manifest_for(wh, rel)[-1]["sha256"]


# --------------------------------------------------------------------------- reruns and copies


def test_rerun_and_byte_identical_copy_change_nothing(tmp_path: Path) -> None:
    land = ce.write_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    run(land, wh)
    raw1 = all_raw_contents(wh)
    man1 = manifest(wh)
    assert raw1["raw.wechat_user_growth"], "sanity: something loaded"

    run(land, wh, now=T0 + timedelta(hours=1))
    assert all_raw_contents(wh) == raw1
    man2 = manifest(wh)
    assert len(man2) == len(man1)
    assert [(m["path"], m["status"], m["rows_loaded"]) for m in man2] == [
        (m["path"], m["status"], m["rows_loaded"]) for m in man1]

    # a byte-identical copy of every file under other paths (sidecars copied alongside their data file)
    originals = [p for p in land.rglob("*") if p.is_file()]
    for p in originals:
        shutil.copyfile(p, p.with_name("copy_" + p.name))
    run(land, wh, now=T0 + timedelta(hours=2))
    man3 = manifest(wh)
    new = [m for m in man3 if m["path"].split("/")[-1].startswith("copy_")]
    assert len(new) == len(man1)
    assert {m["status"] for m in new} == {"duplicate"}
    for m in new:
        assert (m["rows_read"], m["rows_loaded"], m["rows_quarantined"], m["rows_skipped"]) == (None,) * 4
    assert all_raw_contents(wh) == raw1
    old = {m["path"]: m["status"] for m in man3 if not m["path"].split("/")[-1].startswith("copy_")}
    assert set(old.values()) == {"loaded"}
    assert_reconciles(wh)


def test_path_reused_with_new_bytes_is_a_new_delivery(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    rel = "wechat/qinghe_wx/user_growth/用户增长.csv"
    put(land, rel, _ug([("2024-11-01", 10), ("2024-11-02", 20)]))
    run(land, wh)
    put(land, rel, _ug([("2024-11-03", 30)]))
    run(land, wh, now=T0 + timedelta(days=1))
    rows = manifest_for(wh, rel)
    assert len(rows) == 2
    assert rows[0]["sha256"] != rows[1]["sha256"]
    assert "path_reused" in (rows[1]["warnings"] or [])
    assert "path_reused" not in (rows[0]["warnings"] or [])
    assert rows[1]["status"] == "loaded"
    assert set(_growth(wh)) == {"2024-11-01", "2024-11-02", "2024-11-03"}
    assert_reconciles(wh)


# --------------------------------------------------------------------------- corrections (series)

A = "wechat/qinghe_wx/user_growth/a_2024-11-05.csv"
B = "wechat/qinghe_wx/user_growth/b_2024-11-08.csv"
C = "wechat/qinghe_wx/user_growth/c_2024-11-09.csv"
D = "wechat/qinghe_wx/user_growth/d_late_2024-11-06.csv"


def _write_a(land: Path) -> None:
    put(land, A, _ug([("2024-11-01", 11), ("2024-11-02", 12), ("2024-11-03", 13), ("2024-11-04", 14)],
                     footer="2024-11-05 10:00:00"))


def _write_b(land: Path) -> None:
    put(land, B, _ug([("2024-11-03", 113), ("2024-11-04", 114), ("2024-11-05", 115), ("2024-11-06", 116),
                      ("2024-11-07", 117)]))
    put(land, B + ".meta.json", {"exported_at": "2024-11-08T10:00:00+08:00"})


def test_corrected_redelivery_replaces_only_overlapping_keys(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    _write_a(land)
    run(land, wh)
    _write_b(land)
    run(land, wh, now=T0 + timedelta(days=1))
    a, b = _sha(wh, A), _sha(wh, B)
    assert _growth(wh) == {"2024-11-01": (11, a), "2024-11-02": (12, a), "2024-11-03": (113, b),
                           "2024-11-04": (114, b), "2024-11-05": (115, b), "2024-11-06": (116, b),
                           "2024-11-07": (117, b)}
    assert manifest_for(wh, A)[0]["status"] == "loaded"  # keys 11-01/02 only in A stay
    assert manifest_for(wh, B)[0]["export_at_source"] == "sidecar"
    assert manifest_for(wh, A)[0]["export_at_source"] == "in_file"

    # C (export 11-09) replaces A's remaining keys -> A superseded, keeping its original counts
    put(land, C, _ug([("2024-11-01", 211), ("2024-11-02", 212)], footer="2024-11-09 09:00"))
    run(land, wh, now=T0 + timedelta(days=2))
    c = _sha(wh, C)
    g = _growth(wh)
    assert g["2024-11-01"] == (211, c) and g["2024-11-02"] == (212, c) and g["2024-11-03"] == (113, b)
    ma = manifest_for(wh, A)[0]
    assert ma["status"] == "superseded"
    assert (ma["rows_read"], ma["rows_loaded"], ma["rows_quarantined"], ma["rows_skipped"]) == (5, 4, 0, 1)
    assert manifest_for(wh, B)[0]["status"] == "loaded"
    assert_reconciles(wh)


def test_late_arriving_older_export_does_not_overwrite(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    _write_b(land)
    run(land, wh)
    # delivered later, but exported earlier (11-06) than B (11-08)
    put(land, D, _ug([("2024-11-05", 999), ("2024-11-04", 998)], footer="2024-11-06 08:00:00"))
    run(land, wh, now=T0 + timedelta(days=3))
    b = _sha(wh, B)
    g = _growth(wh)
    assert g["2024-11-05"] == (115, b) and g["2024-11-04"] == (114, b)
    md = manifest_for(wh, D)[0]
    # every key of the older file is held by the newer B: it is superseded, with the counts it was read with
    assert md["status"] == "superseded"
    assert (md["rows_read"], md["rows_loaded"], md["rows_quarantined"], md["rows_skipped"]) == (3, 2, 0, 1)
    assert manifest_for(wh, B)[0]["status"] == "loaded"
    assert_reconciles(wh)


def test_same_run_order_is_export_time_not_path(tmp_path: Path) -> None:
    """Files first seen in one run are applied by export time, then delivered_at, then path (§1 rule 5)."""
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    newer = "wechat/qinghe_wx/user_growth/0_newer.csv"  # lexically first, exported later
    older = "wechat/qinghe_wx/user_growth/9_older.csv"
    put(land, newer, _ug([("2024-11-01", 500)], footer="2024-11-10 10:00"))
    put(land, older, _ug([("2024-11-01", 100), ("2024-11-02", 101)], footer="2024-11-03 10:00"))
    run(land, wh)
    g = _growth(wh)
    assert g["2024-11-01"] == (500, _sha(wh, newer))
    assert g["2024-11-02"] == (101, _sha(wh, older))

    # a fresh warehouse fed the files one per run in the other order gives the same rows
    wh2 = tmp_path / "wh2.duckdb"
    land2 = base_tree(tmp_path / "landing2")
    put(land2, newer, _ug([("2024-11-01", 500)], footer="2024-11-10 10:00"))
    run(land2, wh2)
    put(land2, older, _ug([("2024-11-01", 100), ("2024-11-02", 101)], footer="2024-11-03 10:00"))
    run(land2, wh2, now=T0 + timedelta(days=1))
    assert {k: v[0] for k, v in _growth(wh2).items()} == {k: v[0] for k, v in g.items()}


def test_equal_export_time_later_delivery_wins(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    first = "wechat/qinghe_wx/user_growth/z_first.csv"
    second = "wechat/qinghe_wx/user_growth/a_second.csv"  # lexically smaller, delivered later
    put(land, first, _ug([("2024-11-01", 1)], footer="2024-11-05 10:00"))
    run(land, wh)
    put(land, second, _ug([("2024-11-01", 2)], footer="2024-11-05 10:00"))
    run(land, wh, now=T0 + timedelta(days=1))
    assert _growth(wh)["2024-11-01"] == (2, _sha(wh, second))
    assert manifest_for(wh, first)[0]["status"] == "superseded"


# --------------------------------------------------------------------------- snapshots keep history

V1 = "douyin/qinghe_dy/videos/v_0801.csv"
V2 = "douyin/qinghe_dy/videos/v_0810.csv"


def test_snapshot_files_keep_history_and_are_never_superseded(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    put(land, V1, ce.DOUYIN_VIDEOS)
    put(land, V1 + ".meta.json", {"exported_at": "2026-08-01T10:00:00+08:00"})
    run(land, wh)
    put(land, V2, ce.DOUYIN_VIDEOS.replace(",18342,", ",25000,").replace(",5120,", ",7000,"))
    put(land, V2 + ".meta.json", {"exported_at": "2026-08-10T10:00:00+08:00"})
    run(land, wh, now=T0 + timedelta(days=1))
    assert manifest_for(wh, V1)[0]["status"] == "loaded"
    assert manifest_for(wh, V2)[0]["status"] == "loaded"
    rows = query(wh, "SELECT post_ref, views, CAST(_export_at AS VARCHAR) AS e FROM raw.douyin_videos ORDER BY 1, 3")
    assert len(rows) == 4
    refs = {r["post_ref"] for r in rows}
    assert len(refs) == 2
    assert "hfd24bcd597c95d15" in refs  # §2.15 worked example
    by = {(r["post_ref"], r["e"][:10]): r["views"] for r in rows}
    assert by[("hfd24bcd597c95d15", "2026-08-01")] == 18342
    assert by[("hfd24bcd597c95d15", "2026-08-10")] == 25000
    # an OLDER snapshot arriving late is still history, never superseded
    v0 = "douyin/qinghe_dy/videos/v_0728.csv"
    put(land, v0, ce.DOUYIN_VIDEOS.replace(",18342,", ",9000,"))
    put(land, v0 + ".meta.json", {"exported_at": "2026-07-28T10:00:00+08:00"})
    run(land, wh, now=T0 + timedelta(days=2))
    assert manifest_for(wh, v0)[0]["status"] == "loaded"
    assert query(wh, "SELECT count(*) AS n FROM raw.douyin_videos")[0]["n"] == 6
    assert_reconciles(wh)


# --------------------------------------------------------------------------- datacube wider replace unit

def _summary_dump(fetched: str, begin: str, end: str, items: list[tuple[str, int, int]]) -> dict:
    return {"fanops_api_dump": 1, "account": "qinghe_wx", "fetched_at": fetched, "calls": [
        {"api": "datacube/getusersummary", "request": {"begin_date": begin, "end_date": end},
         "response": {"list": [{"ref_date": d, "user_source": s, "new_user": n, "cancel_user": 0}
                               for d, s, n in items]}}]}


def test_getusersummary_replaces_every_source_row_of_its_requested_dates(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    d1 = "wechat/qinghe_wx/user_growth/dc_1.json"
    d2 = "wechat/qinghe_wx/user_growth/dc_2.json"
    put(land, d1, _summary_dump("2024-11-04T09:00:00+08:00", "2024-11-01", "2024-11-03",
                                [("2024-11-01", 0, 41), ("2024-11-01", 1, 52), ("2024-11-01", 30, 35),
                                 ("2024-11-02", 0, 5), ("2024-11-03", 1, 7)]))
    run(land, wh)
    # newer dump, range 11-01..11-02 only: 11-01 now has only source 0; 11-02 had no summary rows (0 new / 0 lost)
    put(land, d2, _summary_dump("2024-11-05T09:00:00+08:00", "2024-11-01", "2024-11-02",
                                [("2024-11-01", 0, 40)]))
    run(land, wh, now=T0 + timedelta(days=1))
    rows = query(wh, "SELECT CAST(stat_date AS VARCHAR) AS d, user_source AS s, followers_new AS n "
                     "FROM raw.wechat_user_source_daily ORDER BY 1, 2")
    assert [(r["d"], r["s"], r["n"]) for r in rows] == [("2024-11-01", 0, 40), ("2024-11-03", 1, 7)]
    assert manifest_for(wh, d1)[0]["status"] == "loaded"  # 11-03 still comes from d1
    # a third dump covering 11-03 with no rows at all leaves nothing of d1: superseded
    d3 = "wechat/qinghe_wx/user_growth/dc_3.json"
    put(land, d3, _summary_dump("2024-11-06T09:00:00+08:00", "2024-11-03", "2024-11-03", []))
    run(land, wh, now=T0 + timedelta(days=2))
    rows = query(wh, "SELECT CAST(stat_date AS VARCHAR) AS d, user_source AS s FROM raw.wechat_user_source_daily")
    assert [(r["d"], r["s"]) for r in rows] == [("2024-11-01", 0)]
    assert manifest_for(wh, d1)[0]["status"] == "superseded"
    assert manifest_for(wh, d1)[0]["rows_loaded"] == 5
    assert manifest_for(wh, d3)[0]["status"] == "loaded" and manifest_for(wh, d3)[0]["rows_read"] == 0
    assert_reconciles(wh)


# --------------------------------------------------------------------------- export time sources

def test_export_at_source_in_file_sidecar_delivered(tmp_path: Path) -> None:
    land = ce.write_tree(tmp_path / "landing")
    put(land, "weibo/qinghe_wb/fans/sidecar.csv", ce.WEIBO_FANS.replace("2024-11-0", "2024-10-0"))
    put(land, "weibo/qinghe_wb/fans/sidecar.csv.meta.json",
        {"exported_at": "2024-10-05T10:05:00+08:00", "period_start": "2024-10-01", "period_end": "2024-10-02"})
    wh = tmp_path / "wh.duckdb"
    run(land, wh)
    m = {r["path"]: r for r in manifest(wh)}
    dc = m["wechat/qinghe_wx/user_growth/datacube_20241102.json"]
    assert (dc["export_at_source"], str(dc["export_at"])) == ("in_file", "2024-11-02 01:10:00")
    sc = m["weibo/qinghe_wb/fans/sidecar.csv"]
    assert (sc["export_at_source"], str(sc["export_at"])) == ("sidecar", "2024-10-05 02:05:00")
    xf = m["xiaohongshu/qinghe_xhs/fans/涨粉数据.xlsx"]
    assert (xf["export_at_source"], str(xf["export_at"])) == ("sidecar", "2026-08-16 02:00:00")
    wf = m["weibo/qinghe_wb/fans/fans.csv"]
    assert wf["export_at_source"] == "delivered"
    assert wf["export_at"] == wf["delivered_at"] == T0.replace(tzinfo=None)
    # the sidecar is read with its data file, never recorded itself
    assert not any(p.endswith(".meta.json") for p in m)
    # every raw row carries the file's export time
    rows = query(wh, "SELECT DISTINCT CAST(_export_at AS VARCHAR) AS e FROM raw.weibo_fans WHERE _file_sha256 = ?",
                 [sc["sha256"]])
    assert [r["e"] for r in rows] == ["2024-10-05 02:05:00"]
    # JSONL records' fetched_at is an in-file export time (§1 rule 7a)
    assert m["listening/mentions/mentions.jsonl"]["export_at_source"] == "in_file"
    assert_reconciles(wh)


def test_rebuild_reuses_delivered_at(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    run(land, wh)
    first = {m["path"]: m["delivered_at"] for m in manifest(wh)}
    run(land, wh, now=T0 + timedelta(days=30))
    assert {m["path"]: m["delivered_at"] for m in manifest(wh)} == first


def test_not_deliveries_are_never_recorded(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    for name in (".hidden.csv", "~$用户增长.xlsx", "x.csv.tmp", "x.csv.part", "x.csv.crdownload", "Thumbs.db"):
        put(land, f"wechat/qinghe_wx/user_growth/{name}", b"junk")
    wh = tmp_path / "wh.duckdb"
    run(land, wh)
    assert {m["path"] for m in manifest(wh)} == {"ops/accounts/accounts.csv", "weibo/qinghe_wb/fans/fans.csv"}


def test_events_redelivery_updates_mutable_fields(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    put(land, "listening/mentions/m1.jsonl", ce.MENTIONS.splitlines()[0] + "\n")
    run(land, wh)
    line = json.loads(ce.MENTIONS.splitlines()[0])
    line["fetched_at"] = "2024-11-04T14:20:00+08:00"
    line["likes"] = 5000
    put(land, "listening/mentions/m2.jsonl", json.dumps(line, ensure_ascii=False) + "\n")
    run(land, wh, now=T0 + timedelta(days=1))
    rows = query(wh, "SELECT likes FROM raw.listening_mentions WHERE mention_id = '5097012345678901'")
    assert [r["likes"] for r in rows] == [5000]
    assert manifest_for(wh, "listening/mentions/m1.jsonl")[0]["status"] == "superseded"
    assert_reconciles(wh)


def test_events_older_fetch_delivered_later_does_not_overwrite(tmp_path: Path) -> None:
    """Newer = later export time; for JSONL the export time is the records' fetched_at (§1 rule 7a)."""
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    line = json.loads(ce.MENTIONS.splitlines()[0])
    newer = dict(line, fetched_at="2024-11-04T14:20:00+08:00", likes=5000)
    put(land, "listening/mentions/newer.jsonl", json.dumps(newer, ensure_ascii=False) + "\n")
    run(land, wh)
    put(land, "listening/mentions/older.jsonl", ce.MENTIONS.splitlines()[0] + "\n")  # fetched 11-03, likes 1204
    run(land, wh, now=T0 + timedelta(days=1))
    rows = query(wh, "SELECT likes, CAST(_export_at AS VARCHAR) AS e FROM raw.listening_mentions "
                     "WHERE mention_id = '5097012345678901'")
    assert [r["likes"] for r in rows] == [5000], rows


def test_portrait_delivery_replaces_every_bucket_of_its_dimensions(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    p1 = "douyin/qinghe_dy/fans_portrait/p1.json"
    put(land, p1, ce.DOUYIN_PORTRAIT)
    run(land, wh)
    p2 = json.loads(json.dumps(ce.DOUYIN_PORTRAIT, ensure_ascii=False))
    p2["fetched_at"] = "2024-11-08T18:00:00+08:00"  # same snapshot date, later export
    fd = p2["calls"][0]["response"]["data"]["fans_data"]
    fd["geographical_distributions"] = [{"item": "广东", "value": 30000}]
    del fd["age_distributions"], fd["gender_distributions"]
    put(land, "douyin/qinghe_dy/fans_portrait/p2.json", p2)
    run(land, wh, now=T0 + timedelta(days=1))
    rows = query(wh, "SELECT dimension AS d, bucket AS b, fans AS f FROM raw.douyin_fans_portrait ORDER BY 1, 2")
    region = {r["b"]: r["f"] for r in rows if r["d"] == "region"}
    assert region == {"广东": 30000, "other": 182033 - 30000}  # 浙江 (stale) removed
    ages = {r["b"] for r in rows if r["d"] == "age"}
    assert ages == {"1-23", "24-30", "31-40", "41-50", "50-"}  # dimension not in p2: kept from p1
    assert manifest_for(wh, p1)[0]["status"] == "loaded"
    assert_reconciles(wh)


def test_registry_upsert_keeps_history(tmp_path: Path) -> None:
    land = base_tree(tmp_path / "landing")
    wh = tmp_path / "wh.duckdb"
    run(land, wh)
    put(land, "ops/accounts/accounts_v2.csv", ce.ACCOUNTS.replace("2023-06-18,,2.38万,2024-10-31,启用",
                                                                  "2023-06-18,2024-12-01,2.38万,2024-10-31,停用"))
    run(land, wh, now=T0 + timedelta(days=1))
    cur = query(wh, "SELECT status FROM raw.ops_accounts WHERE account = 'qinghe_xhs'")
    assert len(cur) == 1 and cur[0]["status"] != "active"
    hist = query(wh, "SELECT count(*) AS n FROM raw.ops_accounts_history WHERE account = 'qinghe_xhs'")
    assert hist[0]["n"] == 2
    # every key of the first accounts file was re-delivered by the newer one
    assert manifest_for(wh, "ops/accounts/accounts.csv")[0]["status"] == "superseded"
    assert_reconciles(wh)


def test_pending_files_and_manifest_summary(tmp_path: Path) -> None:
    from ingestion.engine import manifest_summary, pending_files

    land = base_tree(tmp_path / "landing")
    put(land, "weibo/qinghe_wb/fans/x.csv.meta.json", {"exported_at": "2024-11-08T10:00:00+08:00"})
    put(land, "weibo/qinghe_wb/fans/~$lock.xlsx", b"junk")
    wh = tmp_path / "wh.duckdb"
    assert sorted(pending_files(land, wh)) == ["ops/accounts/accounts.csv", "weibo/qinghe_wb/fans/fans.csv"]
    run(land, wh)
    assert pending_files(land, wh) == []
    text = manifest_summary(wh)
    assert "weibo/fans" in text
