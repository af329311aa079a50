"""fct_interactions: incremental builds equal a full refresh (incremental.md).

The bundled sample's service datasets (comments of the three platforms, private messages, Douyin videos for
the post_ref map) are split: run 1 ingests the months up to August plus the FIRST half of the September
messages file and builds; run 2 ingests the second half of that file (answers to conversations opened in
run 1, so older dates change) and the later months, then builds incrementally. A copy of that warehouse
rebuilt with --full-refresh must hold exactly the same rows. A backfill-window run (vars window_start /
window_end) afterwards must leave the table equal to the full refresh too.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.engine import IngestOptions, ingest

REPO = Path(__file__).resolve().parents[3]
DBT_DIR = REPO / "dbt_project"
SAMPLE = REPO / "data" / "sample" / "landing"
PII_KEY = b"fanops-test-key-0123456789abcdef0123456789abcdef"
RUN1_MONTHS = ("2026-05", "2026-06", "2026-07", "2026-08")
SPLIT_MONTH = "2026-09"  # its messages file is cut in two
# run 2 re-fetches a May WeChat article: its comment 2 (created 2026-05-16 06:28:57 UTC, unanswered in run 1)
# now has the account's reply 750 s later -> 12.5 response minutes, within the 120-minute SLA. No other run-2
# event is dated 2026-05-16, so only the thread rule of the incremental model can reach it.
REFETCH = "wechat/qinghe_wx/comments/2026-05/comment_2247489003_1.json"
REFETCH_KEY = "wechat:qinghe_wx:comment:2247489003_1:2"

DATASET_DIRS = (
    "ops/accounts",
    "wechat/qinghe_wx/comments",
    "douyin/qinghe_dy/comments",
    "douyin/qinghe_dy/videos",
    "weibo/qinghe_wb/comments",
    "ops/messages",
)


def _split_landing(run1: Path, run2: Path) -> None:
    for top in DATASET_DIRS:
        for src in sorted((SAMPLE / top).rglob("*")):
            if not src.is_file():
                continue
            rel = src.relative_to(SAMPLE).as_posix()
            if top == "ops/messages" and f"/{SPLIT_MONTH}/" in rel:
                lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
                half = len(lines) // 2
                for root, part, suffix in ((run1, lines[:half], "_a"), (run2, lines[half:], "_b")):
                    dest = root / rel.replace(".jsonl", f"{suffix}.jsonl")
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_text("".join(part), encoding="utf-8")
                continue
            early = top == "ops/accounts" or any(f"/{m}/" in rel for m in RUN1_MONTHS)
            dest = (run1 if early else run2) / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
    doc = json.loads((SAMPLE / REFETCH).read_text(encoding="utf-8"))
    doc["fetched_at"] = "2026-11-20T09:00:00+08:00"
    for c in doc["calls"][0]["response"]["comment"]:
        if c["user_comment_id"] == 2:
            assert "reply" not in c
            c["reply"] = {"content": "亲，已为您处理～", "create_time": c["create_time"] + 750}
    dest = run2 / REFETCH.replace(".json", "_refetch.json")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _ingest(landing: Path, warehouse: Path) -> None:
    """Load the files, then score the new texts, as a run does before dbt (sentiment/text_scores)."""
    from ingestion.sentiment import score_new_texts

    ingest(IngestOptions(landing=landing, warehouse=warehouse, pii_key=PII_KEY, key_version="test"))
    con = duckdb.connect(str(warehouse))
    try:
        score_new_texts(con)
        con.execute("checkpoint")  # the in-process dbt keeps the database open: flush before files are copied
    finally:
        con.close()


def _dbt(warehouse: Path, tmp: Path, *args: str) -> None:
    from dbt.cli.main import dbtRunner

    os.environ["FANOPS_WAREHOUSE"] = str(warehouse)
    result = dbtRunner().invoke([
        *args, "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
        "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--quiet",
    ])
    assert result.success, f"dbt {' '.join(args)} failed: {result.exception}"


def _rows(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse))  # same configuration as the in-process dbt connection
    try:
        return con.execute("select * from marts.fct_interactions order by interaction_key").fetchall()
    finally:
        con.close()


def _columns(warehouse: Path) -> list[str]:
    con = duckdb.connect(str(warehouse))  # same configuration as the in-process dbt connection
    try:
        return [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'fct_interactions' order by ordinal_position").fetchall()]
    finally:
        con.close()


@pytest.mark.slow
def test_incremental_build_equals_full_refresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    monkeypatch.setenv("FANOPS_WAREHOUSE", str(tmp_path / "unused.duckdb"))  # restored after the test
    landing, run2 = tmp_path / "landing", tmp_path / "run2"
    _split_landing(landing, run2)
    warehouse = tmp_path / "wh.duckdb"

    _ingest(landing, warehouse)
    _dbt(warehouse, tmp_path, "run", "--select", "+fct_interactions")
    before = _rows(warehouse)
    cols = _columns(warehouse)
    key, day = cols.index("interaction_key"), cols.index("created_date")
    responded, sla_met = cols.index("first_response_at"), cols.index("sla_met")
    assert before

    shutil.copytree(run2, landing, dirs_exist_ok=True)
    _ingest(landing, warehouse)
    _dbt(warehouse, tmp_path, "run", "--select", "+fct_interactions")
    incremental = _rows(warehouse)

    full = tmp_path / "full.duckdb"
    shutil.copy2(warehouse, full)
    _dbt(full, tmp_path, "run", "--full-refresh", "--select", "fct_interactions")
    expected = _rows(full)
    assert incremental == expected
    # texts are scored before dbt runs: every text has its label, in the incremental build too
    label, text = cols.index("sentiment_label"), cols.index("text_masked")
    assert all(r[label] is not None for r in incremental if r[text] and r[text].strip())

    # run 2 did reach rows built in run 1: answers that arrived later, and SLA outcomes that changed (rows are
    # rarely still open after a load: a file's export time closes every deadline before it)
    old = {r[key]: r for r in before}
    new = {r[key]: r for r in incremental}
    assert len(new) > len(old) and set(old) <= set(new)
    answered_later = [k for k, r in old.items() if r[responded] is None and new[k][responded] is not None]
    outcome_changed = [k for k, r in old.items() if r[sla_met] != new[k][sla_met]]
    assert answered_later and outcome_changed and REFETCH_KEY in answered_later
    minutes, met = cols.index("response_minutes"), cols.index("sla_met")
    assert old[REFETCH_KEY][met] is False and new[REFETCH_KEY][minutes] == 12.5 and new[REFETCH_KEY][met] is True

    # a backfill window recomputes its dates only, and still equals the full refresh
    window_days = sorted({r[day] for r in expected})[10:13]
    _dbt(warehouse, tmp_path, "run", "--select", "fct_interactions", "--vars",
         f"{{window_start: '{window_days[0]}', window_end: '{window_days[-1]}'}}")
    assert _rows(warehouse) == expected

