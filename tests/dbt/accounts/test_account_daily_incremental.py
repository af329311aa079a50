"""fct_account_daily: an incremental build after a second delivery equals a full refresh (incremental.md).

The bundled sample's follower and content datasets are split at a cut-off date: run 1 ingests the files up
to it and builds; run 2 ingests the rest (new days, re-snapshots of old posts, the WeChat June correction,
and a new ops/accounts delivery that moves the Xiaohongshu anchor, which changes every XHS total) and builds
incrementally. The same warehouse rebuilt with --full-refresh must then hold exactly the same rows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingestion.engine import IngestOptions, ingest

REPO = Path(__file__).resolve().parents[3]
DBT_DIR = REPO / "dbt_project"
SAMPLE = REPO / "data" / "sample" / "landing"
CUTOFF = date(2026, 10, 15)
DBT = Path(sys.executable).with_name("dbt")
PII_KEY = b"fanops-test-key-0123456789abcdef0123456789abcdef"

# the datasets fct_account_daily reads, directly or through fct_content
DATASET_DIRS = (
    "ops/accounts",
    "ops/content_calendar",
    "ops/campaigns",
    "wechat/qinghe_wx/user_growth",
    "wechat/qinghe_wx/articles",
    "wechat/qinghe_wx/comments",
    "douyin/qinghe_dy/fans",
    "douyin/qinghe_dy/videos",
    "kuaishou/qinghe_ks/videos",
    "kuaishou/qinghe_live/videos",
    "xiaohongshu/qinghe_xhs/fans",
    "xiaohongshu/qinghe_xhs/notes",
    "weibo/qinghe_wb/fans",
    "weibo/qinghe_wb/posts",
)

# run 2: a newer ops/accounts delivery that moves the Xiaohongshu anchor (all XHS totals change)
ACCOUNTS_UPDATE_CSV = (
    "平台,账号标识,账号名称,平台账号ID,品牌,负责人ID,启用日期,停用日期,粉丝基数,基数日期,状态\n"
    "小红书,qinghe_xhs,青禾茶饮,5812047731,青禾,T005,2023-06-18,,30000,2026-06-30,启用\n"
)


def _file_date(rel: str) -> date | None:
    if m := re.search(r"(20\d\d)(\d\d)(\d\d)", rel):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.search(r"(20\d\d)-(\d\d)", rel):
        return date(int(m[1]), int(m[2]), 1)
    return None


def _split_landing(run1: Path, run2: Path) -> None:
    for top in DATASET_DIRS:
        for src in sorted((SAMPLE / top).rglob("*")):
            if not src.is_file():
                continue
            rel = src.relative_to(SAMPLE).as_posix()
            day = _file_date(rel)
            late = "更正" in rel or (day is not None and day > CUTOFF)
            dest = (run2 if late else run1) / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
    update = run2 / "ops" / "accounts" / "账号清单_更新.csv"
    update.parent.mkdir(parents=True, exist_ok=True)
    update.write_text(ACCOUNTS_UPDATE_CSV, encoding="utf-8")


def _ingest(landing: Path, warehouse: Path) -> None:
    ingest(IngestOptions(landing=landing, warehouse=warehouse, pii_key=PII_KEY, key_version="test"))


def _dbt(warehouse: Path, tmp: Path, *args: str) -> None:
    # a subprocess per invocation: dbt-duckdb keeps its connection open in-process
    env = {**os.environ, "FANOPS_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [
        str(DBT),
        *args,
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(tmp / "target"),
        "--log-path",
        str(tmp / "logs"),
    ]
    proc = subprocess.run(cmd, cwd=DBT_DIR, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"dbt {' '.join(args)} failed:\n{proc.stdout[-4000:]}"


def _rows(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select * from marts.fct_account_daily order by account_day_key").fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_incremental_build_equals_full_refresh(tmp_path: Path) -> None:
    landing, run2 = tmp_path / "landing", tmp_path / "run2"
    _split_landing(landing, run2)
    warehouse = tmp_path / "wh.duckdb"

    _ingest(landing, warehouse)
    _dbt(warehouse, tmp_path, "run", "--select", "+fct_account_daily")
    before = _rows(warehouse)
    assert before

    shutil.copytree(run2, landing, dirs_exist_ok=True)
    _ingest(landing, warehouse)
    _dbt(warehouse, tmp_path, "run", "--select", "+fct_account_daily")
    incremental = _rows(warehouse)

    # the same warehouse (same inputs) rebuilt from scratch
    _dbt(warehouse, tmp_path, "run", "--full-refresh", "--select", "fct_account_daily")
    assert incremental == _rows(warehouse)

    # the second delivery did reach old dates: XHS totals (new anchor) and the corrected WeChat June
    old = {r[0]: r for r in before}
    new = {r[0]: r for r in incremental}
    assert old["xiaohongshu/qinghe_xhs/2026-06-01"][5] != new["xiaohongshu/qinghe_xhs/2026-06-01"][5]
    assert old["wechat/qinghe_wx/2026-06-04"][6] + 5 == new["wechat/qinghe_wx/2026-06-04"][6]
    assert max(r[4] for r in incremental) > max(r[4] for r in before)
