"""The ingestion's fast paths give exactly what the plain paths give.

- `scan_landing` (one walk of the tree, shared by a run's dataset assets) == `iter_deliveries` + `classify`;
- bare-record JSONL extracted column by column == record by record (hypothesis, bad lines included);
- worker processes (parse in 2 processes, one writer) == one process, table for table;
- a worker exits when the process that started it dies (SIGKILL included).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion import engine
from ingestion.contracts import load_contract
from ingestion.extract import extract_json
from ingestion.landing import classify, iter_deliveries, scan_landing
from ingestion.readers import read_document
from tests.ingestion import contract_examples as ce
from tests.ingestion.test_support import put, run

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- the landing scan


def test_scan_equals_walk_and_classify(tmp_path: Path) -> None:
    land = tmp_path / "landing"
    put(land, "ops/accounts/accounts.csv", ce.ACCOUNTS)
    put(land, "weibo/qinghe_wb/fans/fans.csv", ce.WEIBO_FANS)
    put(land, "weibo/qinghe_wb/fans/2026-11/b.csv", ce.WEIBO_FANS)
    put(land, "weibo/qinghe_wb/fans/a.csv.meta.json", "{}")  # sidecar: not a delivery
    put(land, "weibo/qinghe_wb/fans/~$lock.xlsx", "x")
    put(land, "weibo/qinghe_wb/fans/.hidden.csv", "x")
    put(land, "weibo/qinghe_wb/.git/x.csv", "x")  # dot folders are not walked
    put(land, "weibo/Bad Slug/fans/x.csv", "x")  # problem: every file classified on its own
    put(land, "weibo/Bad Slug/fans/y.csv", "x")
    put(land, "weibo/qinghe_wb/nosuch/z.csv", "x")
    put(land, "weibo/qinghe_wb/loose.csv", "x")
    put(land, "stray.txt", "x")
    put(land, "listening/mentions/m.jsonl", '{"a": 1}\n')
    (land / "weibo/qinghe_wb/link").symlink_to(land / "weibo/qinghe_wb/fans")  # not followed, like os.walk
    root = land.resolve()
    scan = scan_landing(land)
    want = [(str(p), p.relative_to(root).as_posix()) for p in iter_deliveries(root)]
    assert [(a, r) for a, r, _ in scan.entries] == want
    assert [i for _, _, i in scan.entries] == [classify(r) for _, r in want]
    assert scan.root == root


def test_assets_share_one_scan_per_run(tmp_path: Path) -> None:
    from orchestration.ingestion.assets import landing_scan

    land = tmp_path / "landing"
    put(land, "ops/accounts/accounts.csv", ce.ACCOUNTS)
    a = landing_scan("run-1", land)
    assert landing_scan("run-1", land) is a
    put(land, "weibo/qinghe_wb/fans/fans.csv", ce.WEIBO_FANS)
    b = landing_scan("run-2", land)  # a new run walks again and sees the new file
    assert b is not a and len(b.entries) == len(a.entries) + 1


def test_reused_scan_gives_the_same_warehouse(tmp_path: Path) -> None:
    land = tmp_path / "landing"
    put(land, "ops/accounts/accounts.csv", ce.ACCOUNTS)
    put(land, "weibo/qinghe_wb/fans/fans.csv", ce.WEIBO_FANS)
    put(land, "weibo/qinghe_wb/nosuch/z.csv", "x")
    scan = scan_landing(land)
    res_a = run(land, tmp_path / "a.duckdb", workers=0)
    res_b = run(land, tmp_path / "b.duckdb", workers=0, datasets={"ops/accounts"}, scan=scan)
    res_b2 = run(land, tmp_path / "b.duckdb", workers=0, datasets={"weibo/fans"}, scan=scan)
    assert res_b.datasets["unknown"].files_seen == 1
    assert res_b2.datasets["weibo/fans"].files_new == 1
    assert _fingerprint(tmp_path / "a.duckdb") == _fingerprint(tmp_path / "b.duckdb")
    assert res_a.totals().rows_loaded == res_b.totals().rows_loaded + res_b2.totals().rows_loaded


# --------------------------------------------------------------------------- bare-record JSONL

_FIELDS = {
    "platform": st.sampled_from(["weibo", "xiaohongshu", "douyin", "bilibili", "WEIBO", "", None, 3]),
    "mention_id": st.one_of(st.text("0123456789abcxe+.", max_size=20), st.integers(0, 10**20), st.none()),
    "author_id": st.one_of(st.text("0123456789", min_size=1, max_size=12), st.floats(allow_nan=False,
                                                                                        allow_infinity=False)),
    "author_followers": st.one_of(st.integers(-5, 10**6), st.sampled_from(["1.2万", "3,400", "-", "abc"])),
    "text": st.text(max_size=30),
    "created_at": st.sampled_from(["2026-07-13T14:21:23+08:00", "Mon Jul 13 08:59:14 +0800 2026", "3分钟前",
                                   "昨天 12:30", "07-12 10:00", "2030-01-01 00:00:00", "bad", ""]),
    "fetched_at": st.sampled_from(["2026-07-13T16:32:23+08:00", "2026-07-14 01:00:31", None, "x"]),
    "url": st.sampled_from(["https://weibo.com/5096561577/5d0d2647b", "https://www.xiaohongshu.com/explore/f6",
                            "", None, "not a url"]),
    "is_repost": st.sampled_from([True, False, "true", "是", None, 1]),
    "likes": st.one_of(st.integers(0, 1000), st.sampled_from(["10万+", "1.2w", None])),
    "matched_keywords": st.one_of(st.lists(st.sampled_from(["青禾", "桂花乌龙", " ", ""]), max_size=3),
                                  st.sampled_from(["青禾,冷泡", None])),
    "sentiment_label": st.sampled_from(["positive", "neutral", "negative", "bad", None]),
    "fanops_api_dump_not": st.just(1),
    "nested": st.fixed_dictionaries({"a": st.integers(0, 3)}),
}

_record = st.fixed_dictionaries({}, optional=_FIELDS)
_line = st.one_of(
    _record.map(lambda r: json.dumps(r, ensure_ascii=False)),
    st.sampled_from(["", "   ", '{"platform": "weibo", bad', "[1, 2]", '{"a": 1} {"b": 2}', '{"x": "\\ud800"}']),
)


def _batches(ex):
    return [(b.table.name, b.row_numbers, b.cells, b.sources, b.rows_read, b.rows_skipped,
             [(p.row_number, p.reason, p.message, p.row) for p in b.pre], b.row_export_at, b.coverage,
             b.meta.get("records")) for b in ex.batches], ex.meta, ex.export_hint


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(_line, min_size=1, max_size=12), ds_id=st.sampled_from(["listening/mentions",
                                                                              "ops/messages"]))
def test_bare_jsonl_columnar_equals_record_by_record(lines: list[str], ds_id: str) -> None:
    data = "\n".join(lines).encode()
    try:
        doc = read_document(data)
    except Exception:
        return  # rejected files never reach extraction
    if doc.file_type != "jsonl":
        return
    ds = load_contract().datasets[ds_id]
    group = ds_id.split("/")[0]
    try:
        slow = _batches(extract_json(doc, ds, group, None, columnar=False))
    except Exception as exc:
        with pytest.raises(type(exc)):
            extract_json(doc, ds, group, None)
        return
    assert _batches(extract_json(doc, ds, group, None)) == slow


def test_bare_jsonl_with_a_bad_line_loads_like_before(tmp_path: Path) -> None:
    """One bad line among good ones: the same rows, row numbers and `invalid_json_line` quarantine."""
    rec = {"platform": "weibo", "mention_id": "5128475856566752", "author_id": "5096561577", "text": "青禾好喝",
           "created_at": "2026-10-13T08:59:14+08:00", "fetched_at": "2026-10-13T14:21:14+08:00",
           "url": "https://weibo.com/5096561577/5d0d2647b", "is_repost": False, "matched_keywords": ["青禾"]}
    lines = [json.dumps(dict(rec, mention_id=str(5128475856566752 + i)), ensure_ascii=False) for i in range(5)]
    lines.insert(2, '{"platform": "weibo", "mention_id": ')
    lines.insert(4, "")
    land = tmp_path / "landing"
    put(land, "ops/accounts/accounts.csv", ce.ACCOUNTS)
    put(land, "listening/mentions/2026-10/m.jsonl", "\n".join(lines) + "\n")
    run(land, tmp_path / "wh.duckdb", workers=0)
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT _row_number, mention_id FROM raw.listening_mentions ORDER BY 1").fetchall()
        quar = con.execute("SELECT row_number, reason FROM ops.quarantine").fetchall()
    finally:
        con.close()
    assert [r[0] for r in rows] == [1, 2, 4, 6, 7]
    assert quar == [(3, "invalid_json_line")]


# --------------------------------------------------------------------------- worker processes


def _fingerprint(wh: Path) -> dict[str, tuple[int, str]]:
    con = duckdb.connect(str(wh), read_only=True)
    out = {}
    try:
        for s, t in con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                                "WHERE table_schema IN ('raw', 'ops') ORDER BY 1, 2").fetchall():
            sel = f"SELECT * EXCLUDE (run_id) FROM {s}.{t}" if t == "file_manifest" else f"SELECT * FROM {s}.{t}"
            out[f"{s}.{t}"] = con.execute(
                f"SELECT count(*), md5(coalesce(string_agg(v, chr(10) ORDER BY v), '')) "
                f"FROM (SELECT x::VARCHAR AS v FROM ({sel}) AS x)"
            ).fetchone()
    finally:
        con.close()
    return out


def test_workers_give_the_same_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingestion.synth import generate

    land = tmp_path / "landing"
    generate(land, days=14, scale=0.5, seed=3)
    put(land, "weibo/qinghe_wb/comments/broken.json", '{"fanops_api_dump": 1, "calls": [')
    put(land, "listening/mentions/2026-01/bad_line.jsonl",
        '{"platform": "weibo", "mention_id": "1", "text": "x"}\n{oops\n')
    put(land, "douyin/qinghe_dy/videos/copy_a.csv", "a,b\n1,2\n")
    put(land, "douyin/qinghe_dy/videos/copy_b.csv", "a,b\n1,2\n")  # identical bytes: one is a duplicate
    monkeypatch.setattr(engine, "UNIT_FILES", 7)  # many units, so that results come back out of order
    monkeypatch.setattr(engine, "CHUNK_FILES", 23)  # several chunks per dataset
    serial = run(land, tmp_path / "serial.duckdb", workers=0)
    parallel = run(land, tmp_path / "parallel.duckdb", workers=2)
    assert parallel.summary_lines() == serial.summary_lines()
    fp = _fingerprint(tmp_path / "serial.duckdb")
    assert fp["raw.listening_mentions"][0] > 0 and fp["ops.quarantine"][0] > 0
    assert _fingerprint(tmp_path / "parallel.duckdb") == fp
    again = run(land, tmp_path / "parallel.duckdb", workers=2)
    assert again.totals().files_new == 0


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent's reaping is pending


def test_worker_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from ingestion import engine
        pool = engine._pool(1)
        print(pool.submit(engine.os.getpid).result(), flush=True)
        time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert proc.stdout is not None
        worker = int(proc.stdout.readline())
        os.kill(worker, 0)  # alive
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if not _alive(worker):
                return
            time.sleep(0.1)
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the worker outlived its killed parent")
    finally:
        if proc.poll() is None:
            proc.kill()


# --------------------------------------------------------------------------- JSONL lines


def _reference_lines(text: str) -> tuple[bool, list, list]:
    """The line walk as first written (spans of a regex over line breaks, then two passes)."""
    import re

    from ingestion.readers.jsondoc import _error_pos, _loads

    brk = re.compile(r"\r\n|\r|\n")
    exact = re.search(r"\d{19,}", text) is not None
    spans, line_no, pos = [], 0, 0
    for m in brk.finditer(text):
        line_no += 1
        spans.append((line_no, pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((line_no + 1, pos, len(text)))
    nonblank = []
    for span in spans:
        stripped = text[span[1]:span[2]].strip()
        if not stripped:
            continue
        if not stripped.startswith("{"):
            return False, [], []
        nonblank.append(span)
    records, bad = [], []
    for n, a, b in nonblank:
        line = text[a:b]
        try:
            obj = _loads(line, exact and re.search(r"\d{19,}", line) is not None)
        except RecursionError:
            bad.append((n, "line is not valid JSON: nesting too deep"))
            continue
        except ValueError:
            cpos, msg = _error_pos(line)
            bad.append((n, f"line is not valid JSON: {msg} (column {cpos + 1})"))
            continue
        if not isinstance(obj, dict):
            bad.append((n, f"line is JSON {type(obj).__name__}, not one JSON object"))
            continue
        records.append((n, obj))
    return bool(nonblank) and bool(records or len(nonblank) > 1), records, bad


_piece = st.sampled_from(['{"a": 1}', '{"a": 12345678901234567890}', " {\"b\": [1, 2]} ", "{bad", "[1]", "x",
                          "", "  ", "\u3000", '{"c": "\\ud800"}', '{"d": NaN}', "{}", '{"e": 1} {"f": 2}'])
_brk = st.sampled_from(["\n", "\r\n", "\r", "\n\n"])


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.tuples(_piece, _brk), min_size=1, max_size=8), tail=st.booleans())
def test_jsonl_line_walk_equals_reference(parts: list[tuple[str, str]], tail: bool) -> None:
    from ingestion.readers import FileRejected
    from ingestion.readers.jsondoc import read_json

    text = "".join(p + b for p, b in parts)
    if not tail:
        text = text.rstrip("\r\n")
    is_jsonl, records, bad = _reference_lines(text)
    try:
        doc = read_json(text, "utf-8", 0)
    except FileRejected:
        assert not is_jsonl
        return
    if doc.file_type == "json":
        return  # the whole text parsed as one JSON value: lines never looked at
    assert is_jsonl and doc.json_lines == records and doc.bad_lines == bad
