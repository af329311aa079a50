"""Fuzzing drill (issue 7): mutated real sample files and generated cell values through the full reader.

Property: the reader never raises. Every file comes out either rejected with a §5.1 reason and a message, or
read with every record accounted for (rows_read = loaded + quarantined + skipped, each quarantined record
with a §5.2 reason and a message); through `ingest`, the manifest and `ops.quarantine` reconcile (the same
identity and the blocking `ops.file_manifest` suite).

`tests/ingestion/test_properties.py` mutates the small contract examples at the byte level; here the inputs
are real files of the bundled sample (GBK and UTF-8 CSV, multi-sheet xlsx, BIFF and HTML xls, JSON API
dumps with sidecars, JSONL), the mutations include line-level edits and edits of the XML *inside* an xlsx
(which get past the zip layer into the sheet reader), and generated cells (unicode text, numbers with 万/亿/%/commas,
dates in many shapes, missing markers, NUL, lone surrogates in JSON) go into a real dataset's CSV and JSONL.

The default profile is small (the module runs in well under a minute on 2 cores); `make drills`
(`pytest -m drill`) runs the same properties with many more, non-derandomized examples.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from expectations.suites import suites_by_kind
from ingestion.config import SAMPLE_CONFIG, load_config
from ingestion.engine import FileOutcome, IngestOptions, ingest, read_file
from ingestion.landing import classify
from tests.conftest import TEST_PII_KEY
from tests.ingestion.test_support import REJECTION_REASONS, reconcile_rows

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample" / "landing"
TMP_BASE = "/dev/shm" if Path("/dev/shm").is_dir() else None
KEY = TEST_PII_KEY.encode()
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)

# contract §5.2
QUARANTINE_REASONS = {
    "missing_key", "missing_required_value", "invalid_number", "negative_count", "invalid_rate",
    "rate_unit_ambiguous", "rate_out_of_range", "invalid_duration", "invalid_date", "invalid_timestamp",
    "epoch_unit_mismatch", "implausible_timestamp", "relative_time_without_export_time", "incomplete_period",
    "id_in_scientific_notation", "id_precision_lost", "unknown_enum_value", "unknown_account",
    "ambiguous_account", "missing_agent_id", "foreign_author", "conflicting_duplicate_key", "too_many_fields",
    "invalid_json_line",
}

ACCOUNTS = "ops/accounts/账号清单.xlsx"
# one real file per format (sidecars travel with their file)
FILES = [
    "shop/qinghe_tmall/orders/2026-05/订单导出_20260515-20260517.csv",  # GBK CSV
    "weibo/qinghe_wb/fans/粉丝数据_2026-05.csv",  # UTF-8 CSV with a BOM
    "kuaishou/qinghe_ks/videos/2026-05/作品列表明细_20260526.csv",  # UTF-8 CSV, rates and durations
    "douyin/qinghe_dy/live_sessions/直播数据_20260624.csv",  # UTF-8 CSV
    "douyin/qinghe_dy/videos/2026-07/作品列表_20260706.xlsx",  # xlsx
    "xiaohongshu/qinghe_xhs/fans/2026-07/涨粉数据.xlsx",  # xlsx, three metric sheets, sidecar
    "wechat/qinghe_wx/articles/2026-07/内容分析_已通知内容_20260713.xls",  # xls (BIFF)
    "wechat/qinghe_wx/user_growth/2026-07/用户分析_用户增长.xls",  # HTML (gb2312) saved as .xls
    "douyin/qinghe_dy/fans/fans_30d_20260713.json",  # JSON API dump (wrapper)
    "weibo/qinghe_wb/posts/2026-07/statuses_20260719.json",  # bare response array, sidecar
    "listening/mentions/2026-07/mentions_20260716.jsonl",  # JSONL
    "ops/kols/达人库.csv",  # GBK ops sheet
]
DATA = {rel: (SAMPLE / rel).read_bytes() for rel in [ACCOUNTS, *FILES]}
SIDECARS = {rel: (SAMPLE / f"{rel}.meta.json").read_bytes() for rel in FILES
            if (SAMPLE / f"{rel}.meta.json").is_file()}
assert all(rel.endswith(".xlsx") or not DATA[rel].startswith(b"PK") for rel in FILES)


def _profile(n: int, heavy: bool) -> Callable[[Any], Any]:
    return settings(max_examples=n, deadline=None, derandomize=not heavy, database=None, print_blob=heavy,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


# --------------------------------------------------------------------------- checks


def check_outcome(out: FileOutcome) -> None:
    """A file read by the full reader is rejected with a reason, or every record is accounted for."""
    assert out.status in ("loaded", "rejected"), out.status
    if out.status == "rejected":
        assert out.reason in REJECTION_REASONS, (out.reason, out.message)
        assert isinstance(out.message, str) and out.message.strip(), out.reason
        assert out.results == []
        return
    for rr in out.results:
        assert rr.rows_read == rr.records_loaded + len(rr.quarantine) + rr.rows_skipped, rr.table.name
        for q in rr.quarantine:
            assert q["reason"] in QUARANTINE_REASONS, q
            assert q["message"], q
            assert q["reason"] in (q.get("all_reasons") or [q["reason"]]), q
        # what is loaded is UTF-8 encodable text (the warehouse and BI clients store and show it)
        for column in rr.rows.columns:
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                for v in column.to_pylist():
                    if v is not None:
                        v.encode("utf-8")


def read_one(root: Path, rel: str, data: bytes) -> FileOutcome:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if rel in SIDECARS:
        (root / f"{rel}.meta.json").write_bytes(SIDECARS[rel])
    return read_file(data, classify(rel), sha="0" * 64, full_path=path, delivered_at=T0, loaded_at=T0,
                     pii_key=KEY, registry=None)


[OPS_SUITE] = suites_by_kind(load_config(SAMPLE_CONFIG), "ops")


def ops_suite_violations(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """The blocking reconciliation suite (`ops.file_manifest`, run by dq_ops) evaluated straight on its batch
    query: check name -> failing rows (without the Great Expectations set-up, which costs seconds)."""
    batch = f"({OPS_SUITE.batch_sql}) AS b"
    out: dict[str, list[tuple]] = {}
    for check in OPS_SUITE.checks:
        col, kw = f'"{check.kwargs["column"]}"', check.kwargs
        if check.expectation_type == "expect_column_values_to_be_in_set":
            values = ", ".join("'" + v.replace("'", "''") + "'" for v in kw["value_set"])
            sql = f"SELECT {col} FROM {batch} WHERE {col} NOT IN ({values})"
        elif check.expectation_type == "expect_column_values_to_be_unique":
            sql = f"SELECT {col}, count(*) FROM {batch} WHERE {col} IS NOT NULL GROUP BY 1 HAVING count(*) > 1"
        else:
            assert check.expectation_type == "expect_column_values_to_be_between", check.expectation_type
            bounds = [f"{col} < {kw['min_value']}" if kw.get("min_value") is not None else "false",
                      f"{col} > {kw['max_value']}" if kw.get("max_value") is not None else "false"]
            sql = f"SELECT * FROM {batch} WHERE {' OR '.join(bounds)}"
        failing = con.execute(sql).fetchall()
        if failing:
            out[check.name] = failing
    return out


def ingest_and_reconcile(files: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    """`files` (landing path -> bytes) next to the sample's registry, ingested into a fresh warehouse: the
    run must not raise, each file has one manifest row and everything reconciles. Returns the manifest."""
    with tempfile.TemporaryDirectory(dir=TMP_BASE) as tmp:
        land = Path(tmp) / "landing"
        for rel, data in {ACCOUNTS: DATA[ACCOUNTS], **files}.items():
            path = land / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            if rel in SIDECARS:
                (land / f"{rel}.meta.json").write_bytes(SIDECARS[rel])
        wh = Path(tmp) / "wh.duckdb"
        ingest(IngestOptions(landing=land, warehouse=wh, pii_key=KEY, key_version="fuzz", now=T0))
        with duckdb.connect(str(wh)) as con:
            cur = con.execute("SELECT * FROM ops.file_manifest")
            cols = [d[0] for d in cur.description]
            man = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
            [(n_quarantine,)] = con.execute("SELECT count(*) FROM ops.quarantine").fetchall()
            reasons = con.execute("SELECT DISTINCT reason FROM ops.quarantine").fetchall()
            violations = ops_suite_violations(con)
    by_path = {m["path"]: m for m in man}
    assert sorted(by_path) == sorted({ACCOUNTS, *files}) and len(man) == len(by_path)
    reconcile_rows(man, n_quarantine)
    assert {r for (r,) in reasons} <= QUARANTINE_REASONS
    assert violations == {}
    return by_path


# --------------------------------------------------------------------------- (a) byte-level mutations


def _line_bounds(b: bytearray, i: int) -> tuple[int, int]:
    start = b.rfind(b"\n", 0, i) + 1
    end = b.find(b"\n", i)
    return start, len(b) if end < 0 else end + 1


def mutate(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    """Apply edits: overwrite a byte, flip a bit, insert a byte, delete a short run, truncate, duplicate /
    delete / swap lines."""
    b = bytearray(data)
    for kind, pos, val in ops:
        if not b:
            b = bytearray([val])
            continue
        i = pos % len(b)
        if kind == 0:
            b[i] = val
        elif kind == 1:
            b[i] ^= 1 << (val % 8)
        elif kind == 2:
            b.insert(i, val)
        elif kind == 3:
            del b[i : i + 1 + val % 8]
        elif kind == 4:
            del b[i:]
        else:
            start, end = _line_bounds(b, i)
            line = bytes(b[start:end])
            if kind == 5:  # a line delivered twice
                b[end:end] = line if line.endswith(b"\n") else b"\n" + line
            elif kind == 6:
                del b[start:end]
            else:  # swap with the next line
                nstart, nend = end, _line_bounds(b, min(end, len(b) - 1))[1] if end < len(b) else end
                b[start:nend] = bytes(b[nstart:nend]) + line
    return bytes(b)


def mutate_inside_zip(data: bytes, member: int, ops: list[tuple[int, int, int]]) -> bytes:
    """Edit one XML part of an xlsx and zip it again (valid zip, damaged or odd sheet XML)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    xml = [n for n in names if n.endswith(".xml") or n.endswith(".rels")]
    target = xml[member % len(xml)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in names:
            body = src.read(n)
            dst.writestr(n, mutate(body, ops) if n == target else body)
    return buf.getvalue()


edits = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 2**20), st.integers(0, 255)), min_size=1,
                 max_size=5)
mutated_files = st.tuples(st.integers(0, len(FILES) - 1), edits, st.booleans(), st.integers(0, 50))


def mutated(pick: int, ops: list[tuple[int, int, int]], inner: bool, member: int) -> tuple[str, bytes]:
    rel = FILES[pick]
    data = DATA[rel]
    if inner and data.startswith(b"PK"):
        return rel, mutate_inside_zip(data, member, ops)
    return rel, mutate(data, ops)


def _one_mutated_file(case: tuple[int, list[tuple[int, int, int]], bool, int]) -> None:
    rel, data = mutated(*case)
    with tempfile.TemporaryDirectory(dir=TMP_BASE) as tmp:
        check_outcome(read_one(Path(tmp), rel, data))


def _mutated_batch(cases: list[tuple[int, list[tuple[int, int, int]], bool, int]]) -> None:
    files = dict(mutated(*c) for c in cases)  # one mutated copy per sample file
    man = ingest_and_reconcile(files)
    for rel in files:
        assert man[rel]["status"] in ("loaded", "rejected"), man[rel]


batches = st.lists(mutated_files, min_size=1, max_size=4, unique_by=lambda c: c[0])

# regressions this drill found (fixed in ingestion/, see the issue 7 notes): a JSONL record delivered twice in
# one file (identical duplicates: matched_keywords is a list) crashed the duplicate-key check
JSONL_PICK = FILES.index("listening/mentions/2026-07/mentions_20260716.jsonl")
_one_mutated_file = example((JSONL_PICK, [(5, 0, 0)], False, 0))(_one_mutated_file)
_mutated_batch = example([(JSONL_PICK, [(5, 0, 0)], False, 0)])(_mutated_batch)

test_mutated_sample_file_is_read_or_rejected = _profile(300, heavy=False)(given(mutated_files)(_one_mutated_file))
test_mutated_sample_files_ingest_and_reconcile = _profile(12, heavy=False)(given(batches)(_mutated_batch))


@pytest.mark.drill  # skipped unless selected (tests/drills/conftest.py)
def test_drill_mutated_sample_files() -> None:
    _profile(2000, heavy=True)(given(mutated_files)(_one_mutated_file))()
    _profile(200, heavy=True)(given(batches)(_mutated_batch))()


# --------------------------------------------------------------------------- (b) generated cells


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in s)


def _number_forms(x: float, n: int) -> list[str]:
    return [str(n), f"{n:,}", f"+{n}", f"{n:+,}", _fullwidth(str(n)), f" {n} ", f"{x:g}", f"{x:.2f}",
            f"{x:g}万", f"{x:.1f}万", f"{x:g}亿", f"{x:g}w", f"{x:g}W", f"{x:g}万+", f"{n}+", f"{x:g}k",
            f"{x:g}%", f"{x:.2f}％", f"{x:e}", f"({n})", f"{n}\u2212", f"\u2212{n}", f"¥{n:,}", f"{n}元"]


numbers = st.builds(lambda x, n, i: _number_forms(x, n)[i % 24],
                    st.floats(-1e13, 1e13, allow_nan=False), st.integers(-(10**15), 10**16), st.integers(0, 23))
odd_floats = st.floats(allow_nan=True, allow_infinity=True).map(repr)

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y/%-m/%-d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y年%-m月%-d日",
                "%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S",
                "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S+08:00", "%Y-%m-%dT%H:%M:%SZ", "%H:%M", "%m-%d %H:%M",
                "%a %b %d %H:%M:%S +0800 %Y", "%Y-%m-%d %H:%M:%S.%f"]


def _date_form(d: datetime, i: int) -> str:
    extra = [str(int(d.timestamp())), str(int(d.timestamp() * 1000)),
             f"{(d - datetime(1899, 12, 30, tzinfo=UTC)).total_seconds() / 86400:.5f}", "昨天 12:00", "刚刚",
             "3天前", "5分钟前", "2024-02-30", "2024-13-01", "0000-00-00", "24:00"]
    forms = len(DATE_FORMATS) + len(extra)
    i %= forms
    return d.strftime(DATE_FORMATS[i]) if i < len(DATE_FORMATS) else extra[i - len(DATE_FORMATS)]


dates = st.builds(_date_form, st.datetimes(datetime(1900, 1, 1), datetime(2100, 12, 31), timezones=st.just(UTC)),
                  st.integers(0, 40))
durations = st.sampled_from(["0分36秒", "1分02秒", "1:02:03", "02:03", "36s", "36秒", "1小时2分", "-", "3min", "-5"])
markers = st.sampled_from(["", " ", "-", "--", "null", "NULL", "N/A", "None", "合计", "总计", "Total", "平均",
                           "注：数据仅供参考", "导出时间：2026-11-20 10:00", "=SUM(A1:A3)", "'0123", "`123",
                           "\ufeff", "\u3000", "1.2e+17", "3.7e15", "0x1F", "True", "是", "否"])
unicode_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
# control characters (NUL included): a CSV holding a NUL is rejected as binary, so they are rare here
control_text = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=10),
                         st.builds(lambda a, b: f"{a}\x00{b}", unicode_text, unicode_text))
regular_cells = st.one_of(numbers, dates, durations, markers, unicode_text, odd_floats)
cells = st.integers(0, 39).flatmap(lambda i: control_text if i == 0 else regular_cells)

CSV_DATASET = "douyin/qinghe_dy/videos/2026-06/作品列表_20260601.csv"  # 16 columns: counts, rates, durations
JSONL_DATASET = "listening/mentions/2026-07/mentions_20260716.jsonl"
CSV_ROWS = list(csv.reader(io.StringIO((SAMPLE / CSV_DATASET).read_text(encoding="utf-8"))))
JSONL_ROWS = [json.loads(line) for line in (SAMPLE / JSONL_DATASET).read_text(encoding="utf-8").splitlines()]
BASE_ROWS = 6


def _write_csv(rows: list[list[str]], crlf: bool) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _generated_csv(edits_: list[tuple[int, int, str]], crlf: bool) -> None:
    header, body = CSV_ROWS[0], [list(r) for r in CSV_ROWS[1 : 1 + BASE_ROWS]]
    for r, c, cell in edits_:
        body[r % BASE_ROWS][c % len(header)] = cell
    data = _write_csv([header, *body], crlf)
    with tempfile.TemporaryDirectory(dir=TMP_BASE) as tmp:
        out = read_one(Path(tmp), CSV_DATASET, data)
    check_outcome(out)
    if b"\x00" in data:
        assert (out.status, out.reason) == ("rejected", "unsupported_file_type"), out.message
        return
    control = sum(1 for b in data[:4096] if b < 32 and b not in (9, 10, 11, 12, 13, 26, 27))
    if out.status == "rejected":  # only a text full of control characters reads as binary
        assert out.reason == "unsupported_file_type" and control > 1, (out.reason, out.message)
        return
    [rr] = out.results
    assert rr.rows_read <= BASE_ROWS
    if any(_summary_like(cell) for _, _, cell in edits_):
        return  # a summary/footer row skips itself and maybe the rows after it (§2.12)
    # every row is a record; the sample's own rows (not edited) still load, at their row numbers
    assert rr.rows_read == sum(1 for row in body if any(cell.strip() for cell in row))
    untouched = set(range(BASE_ROWS)) - {r % BASE_ROWS for r, _, _ in edits_}
    loaded = set(rr.rows["_row_number"].to_pylist())
    assert {i + 2 for i in untouched} <= loaded


SUMMARY = {"合计", "总计", "汇总", "小计", "总数", "平均", "平均值", "均值", "total", "sum", "average"}
FOOTERS = ("注", "说明", "数据来源", "导出时间")


def _summary_like(cell: str) -> bool:
    c = cell.strip().lstrip("`")
    return c.lower() in SUMMARY or c.startswith(FOOTERS)


def _generated_jsonl(edits_: list[tuple[int, str, Any]], ascii_only: bool) -> None:
    records = [dict(r) for r in JSONL_ROWS[:BASE_ROWS]]
    for r, key, value in edits_:
        records[r % BASE_ROWS][key] = value
    data = "".join(json.dumps(r, ensure_ascii=ascii_only) + "\n" for r in records).encode("utf-8",
                                                                                      "surrogatepass")
    with tempfile.TemporaryDirectory(dir=TMP_BASE) as tmp:
        out = read_one(Path(tmp), JSONL_DATASET, data)
    check_outcome(out)
    if out.status == "loaded":
        [rr] = out.results
        assert rr.rows_read == BASE_ROWS  # one record per line, each loaded or quarantined


JSONL_KEYS = sorted({k for r in JSONL_ROWS for k in r})
# text holding a lone UTF-16 surrogate, as platform APIs that cut strings by UTF-16 units send them
lone_surrogates = st.builds(lambda a, ch, b: a + ch + b, st.text(max_size=5),
                            st.integers(0xD800, 0xDFFF).map(chr), st.text(max_size=5))
json_values = st.one_of(
    cells, st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.booleans(), st.none(),
    lone_surrogates,  # written escaped (`\\ud83d`, ascii) or raw (invalid UTF-8 bytes, surrogatepass)
    st.lists(cells, max_size=3), st.dictionaries(st.text(max_size=5), cells, max_size=2),
)
csv_edits = st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100), cells), min_size=1, max_size=12)
jsonl_edits = st.lists(st.tuples(st.integers(0, 100), st.sampled_from(JSONL_KEYS), json_values), min_size=1,
                       max_size=8)

# regression: an escaped lone surrogate in a JSON string (the stdlib parser takes lines with 19+ digit runs)
# crashed the run when the value reached Arrow
_generated_jsonl = example([(0, "author_id", "\ud800")], True)(_generated_jsonl)

test_generated_cells_in_a_real_csv = _profile(150, heavy=False)(
    given(csv_edits, st.booleans())(_generated_csv))
test_generated_values_in_a_real_jsonl = _profile(150, heavy=False)(
    given(jsonl_edits, st.booleans())(_generated_jsonl))


def _generated_batch(csv_e: list[tuple[int, int, str]], jsonl_e: list[tuple[int, str, Any]]) -> None:
    """The generated CSV and JSONL together through `ingest`: written, they reconcile."""
    header, body = CSV_ROWS[0], [list(r) for r in CSV_ROWS[1 : 1 + BASE_ROWS]]
    for r, c, cell in csv_e:
        body[r % BASE_ROWS][c % len(header)] = cell
    records = [dict(r) for r in JSONL_ROWS[:BASE_ROWS]]
    for r, key, value in jsonl_e:
        records[r % BASE_ROWS][key] = value
    jsonl = "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")
    ingest_and_reconcile({CSV_DATASET: _write_csv([header, *body], False), JSONL_DATASET: jsonl})


test_generated_values_ingest_and_reconcile = _profile(10, heavy=False)(
    given(csv_edits, jsonl_edits)(_generated_batch))


@pytest.mark.drill
def test_drill_generated_values() -> None:
    _profile(2000, heavy=True)(given(csv_edits, st.booleans())(_generated_csv))()
    _profile(1500, heavy=True)(given(jsonl_edits, st.booleans())(_generated_jsonl))()
    _profile(200, heavy=True)(given(csv_edits, jsonl_edits)(_generated_batch))()


def test_profiles_reach_every_format() -> None:
    """Guards the fuzzing inputs: every format the readers know is among the mutated files."""
    kinds = set()
    for rel in FILES:
        with tempfile.TemporaryDirectory(dir=TMP_BASE) as tmp:
            out = read_one(Path(tmp), rel, DATA[rel])
        assert out.status == "loaded", (rel, out.reason, out.message)
        kinds.add((out.meta.get("file_type"), out.meta.get("encoding")))
    assert {k for k, _ in kinds} >= {"csv", "xlsx", "xls", "html", "json", "jsonl"}
    assert {e for _, e in kinds} >= {"gb18030", "utf-8", "utf-8-sig"}
