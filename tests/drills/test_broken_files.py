"""Failure drill (issue 7): broken deliveries next to good ones, through one real in-process Dagster ingest run.

The landing tree holds real files of the bundled sample (GBK and UTF-8 CSV, xlsx, compact JSON API dumps,
JSONL) plus the ways a delivery breaks in practice, each made from a real sample file:

- an xlsx cut to half its bytes (a copy interrupted);
- a CSV renamed from `.part` too early: cut mid-line inside a multibyte character (UTF-8 and GBK), or at an
  ASCII boundary (its partial last row misses a required value);
- a JSON API dump cut mid-array (the sample's compact one-line wrapper, and a bare response array);
- a JSONL feed cut mid-record (the contract quarantines that line, the other lines load);
- a 0-byte file; a CSV and a JSON holding a NUL byte;
- a `.part` file still being written (not a delivery: never recorded).

`tests/ingestion/test_rejections.py` covers every §5.1 reason on tiny hand-made files through the engine;
this drill checks the operator's view of one run over real files: each broken file has its manifest row with
a reason and message that say what to do, nothing of it reaches raw.*, every good file loads exactly as it
does alone, the run and its blocking raw checks succeed, every file reconciles (the blocking `ops` suite), a
rerun changes nothing, and the complete files, once the sender finishes them, load on the next run.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import DagsterInstance

from expectations.engine import validate_suites
from expectations.suites import suites_by_kind
from ingestion.config import SAMPLE_CONFIG, Settings, load_config, resolve_pii_key, resolve_settings
from ingestion.engine import IngestOptions, ingest
from ingestion.landing import classify
from ingestion.readers import FileRejected, read_document
from orchestration.pipeline import run_pipeline
from tests.conftest import TEST_PII_KEY

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample" / "landing"

# good deliveries: copied unchanged from the sample (sidecars travel with their file)
GOOD = [
    "ops/accounts/账号清单.xlsx",  # the registry (xlsx)
    "shop/qinghe_tmall/orders/2026-05/订单导出_20260515-20260517.csv",  # GBK CSV
    "douyin/qinghe_dy/videos/2026-07/作品列表_20260706.xlsx",  # xlsx
    "douyin/qinghe_dy/fans/fans_30d_20260713.json",  # compact JSON API dump
    "weibo/qinghe_wb/posts/2026-07/statuses_20260719.json",  # compact JSON with a sidecar
    "listening/mentions/2026-07/mentions_20260716.jsonl",  # JSONL
    "weibo/qinghe_wb/fans/粉丝数据_2026-05.csv",  # UTF-8 CSV with a BOM
    "kuaishou/qinghe_ks/videos/2026-06/作品列表明细_20260609.csv",  # UTF-8 CSV
]
# a file still being written by the sender: ignored by every run (contract §1), never in the manifest
IN_PROGRESS = "listening/mentions/mentions_next.jsonl.part"


NUL = b"\x00"


def sample(rel: str) -> bytes:
    return (SAMPLE / rel).read_bytes()


def _mid_line_start(data: bytes) -> int:
    """Byte offset of the start of the line that holds the middle of `data`."""
    return data.rindex(b"\n", 0, len(data) // 2) + 1


def cut_inside_utf8_char(data: bytes) -> tuple[bytes, int]:
    """`data` cut mid-line, after the first 2 bytes of a 3-byte UTF-8 character; and that character's offset."""
    start = _mid_line_start(data)
    line = data[start:data.index(b"\n", start)].decode("utf-8")
    k = next(i for i, ch in enumerate(line) if len(ch.encode("utf-8")) == 3)
    offset = start + len(line[:k].encode("utf-8"))
    return data[: offset + 2], offset


def cut_inside_gbk_char(data: bytes) -> tuple[bytes, int]:
    """`data` (GBK) cut mid-line after the lead byte of a 2-byte character; and that byte's offset."""
    start = _mid_line_start(data)
    offset = next(i for i in range(start, len(data)) if data[i] >= 0x81)  # after ASCII: a lead byte
    return data[: offset + 1], offset


def cut_after_first_field(data: bytes) -> bytes:
    """`data` cut mid-line right after the first field (and its comma) of the middle line."""
    start = _mid_line_start(data)
    return data[: data.index(b",", start) + 1]


def rows_up_to_cut(data: bytes) -> tuple[int, int, int]:
    """(read, loaded, quarantined) of a one-header CSV cut inside its middle line: the complete data rows
    load, the partial one is quarantined."""
    complete = data[: _mid_line_start(data)].count(b"\n") - 1
    return complete + 1, complete, 1


def cut_json_mid_array(data: bytes, array_key: bytes | None = None) -> bytes:
    """`data` cut halfway through the array under `array_key` (the top-level array when None)."""
    begin = data.index(b"[") if array_key is None else data.index(b'"' + array_key + b'"')
    end = data.rindex(b"]")
    return data[: (begin + end) // 2]


def cut_jsonl_mid_record(data: bytes) -> bytes:
    start = _mid_line_start(data)
    end = data.index(b"\n", start)
    return data[: (start + end) // 2]


def with_nul(data: bytes, at: int) -> bytes:
    return data[:at] + NUL + data[at:]


def nul_needle(data: bytes) -> tuple[str, ...]:
    return (f"NUL byte at byte offset {data.index(NUL)}",)


@dataclass(frozen=True)
class Case:
    id: str
    rel: str  # landing path of the broken delivery
    complete: bytes  # the file as the sender meant it (what `make` starts from)
    make: Callable[[bytes], bytes]
    status: str  # manifest status
    reason: str | None  # rejection reason, or the quarantine reason of the partial rows
    needles: Callable[[bytes], tuple[str, ...]]  # what the message must say, from the broken bytes
    partial_rows: tuple[int, int, int] | None = None  # (read, loaded, quarantined) when not rejected

    @property
    def broken(self) -> bytes:
        return self.make(self.complete)


XLSX = "douyin/qinghe_dy/videos/2026-07/作品列表_20260713.xlsx"
CSV_UTF8 = "douyin/qinghe_dy/videos/2026-06/作品列表_20260601.csv"
CSV_GBK = "shop/qinghe_tmall/orders/2026-05/订单导出_20260525-20260531.csv"
CSV_UTF8_BOM = "shop/qinghe_tmall/orders/2026-05/订单导出_20260518-20260524.csv"
CSV_ASCII_CUT = "weibo/qinghe_wb/fans/粉丝数据_2026-06.csv"
JSON_WRAPPER = "douyin/qinghe_dy/comments/2026-07/comments_00057.json"
JSON_ARRAY = "weibo/qinghe_wb/posts/2026-07/statuses_20260726.json"
JSONL = "listening/mentions/2026-07/mentions_20260715.jsonl"
EMPTY = "weibo/qinghe_wb/fans/粉丝数据_2026-08.csv"
CSV_NUL = "kuaishou/qinghe_ks/videos/2026-06/作品列表明细_20260623.csv"
JSON_NUL = "douyin/qinghe_dy/fans/fans_30d_20260812.json"

_JSONL_CUT_LINE = sample(JSONL)[: _mid_line_start(sample(JSONL))].count(b"\n") + 1  # the line cut in two

CASES = [
    Case("truncated-xlsx", XLSX, sample(XLSX), lambda b: b[: len(b) // 2], "rejected", "unreadable_file",
         lambda b: ("truncated",)),
    # a `.part` renamed before the copy finished: the file ends inside a character, so it is not valid UTF-8
    # and the message points at that byte
    Case("half-written-csv-utf8", CSV_UTF8, sample(CSV_UTF8), lambda b: cut_inside_utf8_char(b)[0], "rejected",
         "encoding_undetected", lambda b: (f"UTF-8 (invalid byte at offset {len(b) - 2})",)),
    Case("half-written-csv-utf8-bom", CSV_UTF8_BOM, sample(CSV_UTF8_BOM), lambda b: cut_inside_utf8_char(b)[0],
         "rejected", "encoding_undetected", lambda b: (f"not valid UTF-8 (byte offset {len(b) - 2})",)),
    Case("half-written-csv-gbk", CSV_GBK, sample(CSV_GBK), lambda b: cut_inside_gbk_char(b)[0], "rejected",
         "encoding_undetected", lambda b: (f"GB18030 (invalid byte at offset {len(b) - 1})",)),
    # cut between two characters, inside the last row: that row misses a required value and is quarantined
    Case("half-written-csv-ascii-cut", CSV_ASCII_CUT, sample(CSV_ASCII_CUT), cut_after_first_field, "loaded",
         "missing_required_value", lambda b: ("粉丝总数",),
         partial_rows=rows_up_to_cut(sample(CSV_ASCII_CUT))),
    # the sample's API dumps are one line: cut, that line is a JSON file that does not parse (not a
    # one-record JSONL with a bad line); a bare response array (Weibo statuses) likewise
    Case("json-cut-mid-array-wrapper", JSON_WRAPPER, sample(JSON_WRAPPER),
         lambda b: cut_json_mid_array(b, b"calls"), "rejected", "invalid_json", lambda b: ("byte offset",)),
    Case("json-cut-mid-array-bare", JSON_ARRAY, sample(JSON_ARRAY), cut_json_mid_array, "rejected",
         "invalid_json", lambda b: ("byte offset",)),
    Case("jsonl-cut-mid-record", JSONL, sample(JSONL), cut_jsonl_mid_record, "loaded", "invalid_json_line",
         lambda b: (f"line {_JSONL_CUT_LINE} ",), partial_rows=(_JSONL_CUT_LINE, _JSONL_CUT_LINE - 1, 1)),
    Case("zero-byte", EMPTY, sample(EMPTY), lambda b: b"", "rejected", "unreadable_file",
         lambda b: ("empty (0 bytes)",)),
    Case("nul-byte-csv", CSV_NUL, sample(CSV_NUL), lambda b: with_nul(b, _mid_line_start(b) + 3), "rejected",
         "unsupported_file_type", nul_needle),
    Case("nul-byte-json", JSON_NUL, sample(JSON_NUL), lambda b: with_nul(b, len(b) // 2), "rejected",
         "unsupported_file_type", nul_needle),
]
BY_ID = {c.id: c for c in CASES}
REJECTED = [c for c in CASES if c.status == "rejected"]
PARTIAL = [c for c in CASES if c.status != "rejected"]
SIDE_CARS = [rel for rel in (*GOOD, *(c.rel for c in CASES)) if (SAMPLE / f"{rel}.meta.json").is_file()]


# --------------------------------------------------------------------------- helpers


def put(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def good_tree(root: Path) -> Path:
    for rel in GOOD:
        put(root, rel, sample(rel))
    for rel in SIDE_CARS:
        put(root, f"{rel}.meta.json", sample(f"{rel}.meta.json"))
    return root


def drill_tree(root: Path) -> Path:
    good_tree(root)
    for case in CASES:
        if case.id.startswith("half-written"):  # written as `.part`, renamed before the copy finished
            put(root, f"{case.rel}.part", case.broken)
            (root / f"{case.rel}.part").rename(root / case.rel)
        else:
            put(root, case.rel, case.broken)
    put(root, IN_PROGRESS, sample(IN_PROGRESS))
    return root


def rows(wh: Path, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    with duckdb.connect(str(wh), read_only=True) as con:
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def manifest(wh: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for m in rows(wh, "SELECT * FROM ops.file_manifest ORDER BY path, delivered_at"):
        out.setdefault(m["path"], []).append(m)
    return out


COUNTS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped")


def raw_rows_by_file(wh: Path) -> dict[str, dict[str, list[tuple]]]:
    """sha256 -> raw table -> that file's rows (as text, sorted), without the run-time `_` columns."""
    keep = ("_file_sha256", "_row_number")
    out: dict[str, dict[str, list[tuple]]] = {}
    with duckdb.connect(str(wh), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns WHERE table_schema = 'raw' "
            "AND column_name = '_file_sha256' ORDER BY 1").fetchall()]
        for t in tables:
            cols = [r[0] for r in con.execute(f'DESCRIBE raw."{t}"').fetchall()
                    if not r[0].startswith("_") or r[0] in keep]
            sel = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols)
            for r in con.execute(f'SELECT {sel} FROM raw."{t}"').fetchall():
                sha = r[cols.index("_file_sha256")]
                out.setdefault(sha, {}).setdefault(t, []).append(r)
    for tables_ in out.values():
        for t, rs in tables_.items():
            tables_[t] = sorted(rs, key=lambda r: tuple("" if v is None else v for v in r))
    return out


def warehouse_state(wh: Path) -> tuple[list[tuple], list[tuple], dict[str, dict[str, list[tuple]]]]:
    man = rows(wh, "SELECT path, sha256, status, reason, message, rows_read, rows_loaded, rows_quarantined, "
                   "rows_skipped, delivered_at FROM ops.file_manifest ORDER BY ALL")
    quar = rows(wh, "SELECT file_sha256, row_number, reason, message FROM ops.quarantine ORDER BY ALL")
    return [tuple(m.values()) for m in man], [tuple(q.values()) for q in quar], raw_rows_by_file(wh)


def assert_reconciles(wh: Path) -> None:
    """rows_read = loaded + quarantined + skipped for every counted file, NULL counts for the others, and the
    blocking reconciliation suite (`ops.file_manifest`, run by dq_ops after a full run) passes."""
    gaps = rows(wh, "SELECT path, status, rows_read, rows_loaded, rows_quarantined, rows_skipped "
                    "FROM ops.file_manifest WHERE CASE WHEN status IN ('loaded', 'superseded') THEN "
                    "rows_read IS DISTINCT FROM rows_loaded + rows_quarantined + rows_skipped "
                    "ELSE coalesce(rows_read, rows_loaded, rows_quarantined, rows_skipped) IS NOT NULL END")
    assert gaps == []
    config = load_config(SAMPLE_CONFIG)
    with duckdb.connect(str(wh)) as con:
        validations = validate_suites(con, suites_by_kind(config, "ops"), run_id="drill",
                                      quality=config.quality, engine="sql")
    failed = {r.check: (r.failing_count, r.sample) for v in validations for r in v.results if not r.success}
    assert validations and failed == {}


def ingest_run(settings: Settings) -> Any:
    with pytest.MonkeyPatch.context() as mp, DagsterInstance.ephemeral() as instance:
        mp.setenv("FANOPS_PII_KEY", TEST_PII_KEY)
        return run_pipeline(settings, "ingest", instance=instance)


def pii_key() -> tuple[bytes, str]:
    return resolve_pii_key(False, env={"FANOPS_PII_KEY": TEST_PII_KEY}, export_env=False)


@dataclass
class Drill:
    base: Path
    landing: Path
    warehouse: Path
    settings: Settings
    result: Any  # the Dagster ExecuteInProcessResult of the drill run
    control: Path  # the good files alone, ingested by the engine


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drill]:
    base = tmp_path_factory.mktemp("broken_files")
    landing = drill_tree(base / "landing")
    warehouse = base / "wh" / "fanops.duckdb"
    warehouse.parent.mkdir()
    settings = resolve_settings(None, landing, warehouse, env={}, export_env=False)
    assert not settings.is_sample
    result = ingest_run(settings)
    control = base / "control" / "fanops.duckdb"
    control.parent.mkdir()
    key, version = pii_key()
    ingest(IngestOptions(landing=good_tree(base / "control_landing"), warehouse=control, pii_key=key,
                         key_version=version))
    yield Drill(base, landing, warehouse, settings, result, control)


# --------------------------------------------------------------------------- the drill run


def test_the_cases_are_what_they_claim() -> None:
    """Guards the drill itself: each broken file really is broken the way its case says."""
    for case in CASES:
        assert case.broken != case.complete and len(case.broken) < len(case.complete) + 2, case.id
    b, at = cut_inside_utf8_char(sample(CSV_UTF8))
    assert b[:at].decode("utf-8") and b[at] >= 0xE0 and len(b) == at + 2  # two bytes of a 3-byte character
    assert not b.endswith(b"\n")  # mid-line
    g, at = cut_inside_gbk_char(sample(CSV_GBK))
    assert g[:at].decode("gb18030") and len(g) == at + 1
    for cid in ("json-cut-mid-array-wrapper", "json-cut-mid-array-bare"):
        cut = BY_ID[cid].broken
        assert cut.count(b"[") > cut.count(b"]") and cut.count(b"\n") == 0  # one line, inside the array
    # a one-line JSON file cut mid-array is a JSON file that does not parse (contract §2.2: a one-line file
    # reads the same either way), the reader's own verdict
    with pytest.raises(FileRejected) as err:
        read_document(BY_ID["json-cut-mid-array-wrapper"].broken)
    assert err.value.reason == "invalid_json"


def test_run_succeeds_and_reports_the_rejections(drill: Drill) -> None:
    result = drill.result
    assert result.success
    errors = [e.check_name for e in result.get_asset_check_evaluations()
              if not e.passed and e.severity.value == "ERROR"]
    assert errors == []  # the blocking raw checks pass: nothing of a broken file reached raw.*
    meta: dict[str, dict[str, Any]] = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        meta["/".join(mat.asset_key.path[1:])] = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
    rejected: dict[str, int] = {}
    for case in REJECTED:
        info = classify(case.rel)
        assert info.dataset is not None
        ds = info.dataset.id
        rejected[ds] = rejected.get(ds, 0) + 1
    for ds, m in meta.items():
        assert m["files_rejected"] == rejected.get(ds, 0), ds
    assert meta["listening/mentions"]["rows_quarantined"] == 1
    assert meta["ops/accounts"]["files_loaded"] == 1


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in REJECTED])
def test_broken_file_is_rejected_with_its_reason(drill: Drill, case: Case) -> None:
    [m] = manifest(drill.warehouse)[case.rel]
    assert (m["status"], m["reason"]) == ("rejected", case.reason), m["message"]
    for needle in case.needles(case.broken):
        assert needle in m["message"], (needle, m["message"])
    assert tuple(m[c] for c in COUNTS) == (None, None, None, None)
    assert m["size_bytes"] == len(case.broken) and len(m["sha256"]) == 64
    assert m["sha256"] not in raw_rows_by_file(drill.warehouse)
    assert rows(drill.warehouse, "SELECT count(*) AS n FROM ops.quarantine WHERE file_sha256 = ?",
                [m["sha256"]]) == [{"n": 0}]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in PARTIAL])
def test_half_written_rows_are_quarantined_and_the_rest_loads(drill: Drill, case: Case) -> None:
    [m] = manifest(drill.warehouse)[case.rel]
    assert m["status"] == "loaded", m["message"]
    assert case.partial_rows is not None
    assert (m["rows_read"], m["rows_loaded"], m["rows_quarantined"], m["rows_skipped"]) == (*case.partial_rows, 0)
    q = rows(drill.warehouse, "SELECT row_number, reason, message FROM ops.quarantine WHERE file_sha256 = ?",
             [m["sha256"]])
    assert len(q) == 1 and q[0]["reason"] == case.reason, q
    for needle in case.needles(case.broken):
        assert needle in q[0]["message"], (needle, q[0]["message"])
    last = case.broken.count(b"\n") + 1  # the physical line the file stops in
    assert q[0]["row_number"] == last
    loaded = sum(len(r) for r in raw_rows_by_file(drill.warehouse)[m["sha256"]].values())
    assert loaded == m["rows_loaded"]


def test_file_still_being_written_is_not_recorded(drill: Drill) -> None:
    assert (drill.landing / IN_PROGRESS).is_file()
    assert IN_PROGRESS not in manifest(drill.warehouse)


def test_good_files_load_exactly_as_they_do_alone(drill: Drill) -> None:
    got, alone = manifest(drill.warehouse), manifest(drill.control)
    assert set(alone) == set(GOOD)
    for rel in GOOD:
        [m], [c] = got[rel], alone[rel]
        assert m["status"] == c["status"] == "loaded", (rel, m["message"])
        assert m["sha256"] == c["sha256"]
        assert tuple(m[k] for k in COUNTS) == tuple(c[k] for k in COUNTS), rel
    # the rows themselves, file by file (pseudonyms included: same key)
    raw, raw_alone = raw_rows_by_file(drill.warehouse), raw_rows_by_file(drill.control)
    for rel in GOOD:
        sha = got[rel][0]["sha256"]
        assert raw[sha] == raw_alone[sha], rel
    # sanity: the counts are the sample's
    assert got["shop/qinghe_tmall/orders/2026-05/订单导出_20260515-20260517.csv"][0]["rows_loaded"] == 20
    assert got["douyin/qinghe_dy/fans/fans_30d_20260713.json"][0]["rows_loaded"] == 30
    assert got["listening/mentions/2026-07/mentions_20260716.jsonl"][0]["rows_loaded"] == 16
    assert got["ops/accounts/账号清单.xlsx"][0]["rows_loaded"] == 9
    # every delivery has exactly one manifest row; the sidecars and the .part file none
    assert sorted(got) == sorted([*GOOD, *(c.rel for c in CASES)])
    assert all(len(v) == 1 for v in got.values())


def test_every_file_reconciles(drill: Drill) -> None:
    assert_reconciles(drill.warehouse)


def test_rerun_is_a_no_op(drill: Drill) -> None:
    before = warehouse_state(drill.warehouse)
    again = ingest_run(drill.settings)
    assert again.success
    for event in again.get_asset_materialization_events():
        meta = event.event_specific_data.materialization.metadata
        assert meta["files_new"].value == 0 and meta["rows_loaded"].value == 0, event.asset_key
    assert warehouse_state(drill.warehouse) == before


def test_completed_files_load_on_the_next_run(drill: Drill, tmp_path: Path) -> None:
    """The sender finishes the interrupted copies (same paths, complete bytes): the next run loads them, the
    rejected records stay as history, the partial JSONL's rows give way to the complete file's."""
    landing = tmp_path / "landing"
    shutil.copytree(drill.landing, landing)
    warehouse = tmp_path / "fanops.duckdb"
    shutil.copy(drill.warehouse, warehouse)
    finished = [c for c in CASES if c.id not in ("zero-byte", "nul-byte-csv", "nul-byte-json")]
    for case in finished:
        put(landing, case.rel, case.complete)
    (landing / IN_PROGRESS).unlink()
    key, version = pii_key()
    ingest(IngestOptions(landing=landing, warehouse=warehouse, pii_key=key, key_version=version))
    got = manifest(warehouse)
    for case in finished:
        old, new = got[case.rel]
        assert old["size_bytes"] == len(case.broken) and new["size_bytes"] == len(case.complete)
        assert old["status"] == ("rejected" if case.status == "rejected" else "superseded"), case.id
        assert new["status"] == "loaded" and "path_reused" in (new["warnings"] or []), (case.id, new["message"])
        assert new["rows_loaded"] > 0
    # a rejected delivery never comes back: the broken copies stay rejected next to their complete files
    for case in CASES:
        if case not in finished:
            assert [m["status"] for m in got[case.rel]] == ["rejected"]
    assert_reconciles(warehouse)
