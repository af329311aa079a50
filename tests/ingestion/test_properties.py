"""Property tests (hypothesis, bounded) through the FULL ingest: nothing is lost, delivered forms round-trip,
and the reader never raises on arbitrary or mutated bytes."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.engine import check_files
from tests.ingestion import contract_examples as ce
from tests.ingestion.test_support import REJECTION_REASONS, put, query_many, reconcile_rows, run

TMP_BASE = "/dev/shm" if Path("/dev/shm").is_dir() else None
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

UG_REL = "wechat/qinghe_wx/user_growth/gen.csv"
UG_HEAD = "时间,新关注人数,取消关注人数,净增关注人数,累积关注人数"

# (cell as delivered, is it a valid count, is it a valid signed value) — all five columns are required
COUNT_CELLS = [
    ("128", True, True), ("\"3,593\"", True, True), ("1.2万", True, True),
    ("10万+", True, True), ("0", True, True), ("１２８", True, True), ("-", False, False), ("", False, False),
    ("null", False, False), ("abc", False, False), ("-5", False, True), ("1.5", False, False),
    ("12%", False, False), ("3k", False, False), ("1 2", False, False),
]
DATE_CELLS = ["ok", "ok", "ok", "", "2024-13-01", "2024-02-30", "abc", "-"]


def _landing(root: Path) -> Path:
    put(root, "ops/accounts/accounts.csv", ce.ACCOUNTS)
    return root


row_st = st.tuples(st.sampled_from(DATE_CELLS), *[st.sampled_from(COUNT_CELLS) for _ in range(4)])


@SETTINGS
@given(rows=st.lists(row_st, min_size=1, max_size=12))
def test_every_generated_row_is_loaded_or_quarantined(rows: list) -> None:
    lines = [UG_HEAD]
    expect_loaded: set[int] = set()
    expect_rows: set[int] = set()
    for i, (d, new, lost, net, total) in enumerate(rows):
        rn = i + 2
        dcell = (date(2024, 1, 1) + timedelta(days=i)).isoformat() if d == "ok" else d
        cells = [dcell, new[0], lost[0], net[0], total[0]]
        lines.append(",".join(cells))
        if all(c == "" for c in cells):
            continue  # a fully empty row is not a row
        expect_rows.add(rn)
        if d == "ok" and new[1] and lost[1] and net[2] and total[1]:
            expect_loaded.add(rn)
    with tempfile.TemporaryDirectory(dir=TMP_BASE) as tmp:
        root = Path(tmp)
        land = _landing(root / "landing")
        put(land, UG_REL, "\n".join(lines) + "\n")
        wh = root / "wh.duckdb"
        run(land, wh)
        res = query_many(wh, {"m": "SELECT * FROM ops.file_manifest",
                              "l": "SELECT _row_number AS r FROM raw.wechat_user_growth",
                              "q": "SELECT row_number AS r FROM ops.quarantine"})
        m = next(x for x in res["m"] if x["path"] == UG_REL)
        assert m["status"] == "loaded", m["message"]
        loaded = [r["r"] for r in res["l"]]
        quarantined = [r["r"] for r in res["q"]]
        # a bijection: every row exactly once, loaded or quarantined
        assert len(loaded) == len(set(loaded)) and len(quarantined) == len(set(quarantined))
        assert set(loaded) | set(quarantined) == expect_rows
        assert not set(loaded) & set(quarantined)
        assert set(loaded) == expect_loaded
        assert m["rows_read"] == len(expect_rows)
        assert (m["rows_loaded"], m["rows_quarantined"], m["rows_skipped"]) == (len(loaded), len(quarantined), 0)
        reconcile_rows(res["m"], len(quarantined))


# --------------------------------------------------------------------------- delivered forms round-trip

def _date_forms(d: date) -> list[str]:
    serial = (d - date(1899, 12, 30)).days
    return [d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month:02d}.{d.day:02d}",
            f"{d.year}年{d.month:02d}月{d.day:02d}日", f"{d.year}年{d.month}月{d.day}日", d.strftime("%Y%m%d"),
            str(serial), f"{d.isoformat()} 00:00"]


def _count_forms(n: int) -> list[str]:
    forms = [str(n), f"\"{n:,}\"", "".join(chr(ord(c) + 0xFEE0) for c in str(n)), f" {n} "]
    if n % 100 == 0 and n:
        forms.append(f"{n / 10000:g}万")
        forms.append(f"{n / 10000:g}w")
    return forms


@settings(max_examples=15, deadline=None, derandomize=True, database=None)
@given(
    days=st.lists(st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 6, 30)), min_size=1, max_size=10,
                  unique=True),
    data=st.data(),
)
def test_dates_and_numbers_round_trip(days: list[date], data: st.DataObject) -> None:
    lines = ["日期,粉丝总数,新增粉丝数,取消关注数,净增粉丝数"]
    expected = {}
    for d in days:
        total = data.draw(st.one_of(st.integers(0, 10**9), st.integers(1, 10**5).map(lambda k: k * 100)))
        net = data.draw(st.integers(-10**6, 10**6))
        dform = data.draw(st.sampled_from(_date_forms(d)))
        tform = data.draw(st.sampled_from(_count_forms(total)))
        nform = data.draw(st.sampled_from([str(net), f"{net:+d}", str(net).replace("-", "\u2212")]))
        lines.append(f"{dform},{tform},,,{nform}")
        expected[d.isoformat()] = (total, net)
    with tempfile.TemporaryDirectory(dir=TMP_BASE) as tmp:
        root = Path(tmp)
        land = _landing(root / "landing")
        put(land, "weibo/qinghe_wb/fans/gen.csv", "\n".join(lines) + "\n")
        wh = root / "wh.duckdb"
        run(land, wh)
        res = query_many(wh, {
            "q": "SELECT reason, raw_value, message FROM ops.quarantine",
            "f": "SELECT CAST(stat_date AS VARCHAR) AS d, followers_total AS t, followers_net AS n FROM raw.weibo_fans"})
        assert res["q"] == []
        got = {r["d"]: (r["t"], r["n"]) for r in res["f"]}
        assert got == expected


@settings(max_examples=10, deadline=None, derandomize=True, database=None)
@given(rates=st.lists(st.integers(0, 1000), min_size=1, max_size=9, unique=True))
def test_percent_string_rates_round_trip(rates: list[int]) -> None:
    """Kuaishou 完播率 is rate(%s): `20.6%` → 0.206; `％` (full width) too."""
    lines = ["作品,发布时间,播放量,完播率,点赞量,评论量,收藏量,分享量,涨粉量"]
    expected = {}
    for i, tenths in enumerate(rates):
        pct = f"{tenths / 10:g}"
        form = f"{pct}%" if i % 2 == 0 else f"{pct}％"
        title = f"作品{i}"
        lines.append(f"{title},2024-11-0{1 + i % 9} 18:20:05,100,{form},1,1,1,1,1")
        expected[title] = tenths / 1000
    with tempfile.TemporaryDirectory(dir=TMP_BASE) as tmp:
        root = Path(tmp)
        land = _landing(root / "landing")
        put(land, "kuaishou/qinghe_ks/videos/gen.csv", "\n".join(lines) + "\n")
        wh = root / "wh.duckdb"
        run(land, wh)
        res = query_many(wh, {"q": "SELECT reason, raw_value FROM ops.quarantine",
                              "k": "SELECT title_caption AS t, completion_rate AS c FROM raw.kuaishou_videos"})
        assert res["q"] == []
        got = {r["t"]: r["c"] for r in res["k"]}
        assert set(got) == set(expected)
        for k, v in expected.items():
            assert abs(got[k] - v) < 1e-9, (k, got[k], v)


# --------------------------------------------------------------------------- robustness on arbitrary bytes

_EXAMPLES_DIR = Path(tempfile.mkdtemp(prefix="fanops_examples_"))
atexit.register(shutil.rmtree, _EXAMPLES_DIR, True)
ce.write_tree(_EXAMPLES_DIR)
EXAMPLES = sorted(
    (p.relative_to(_EXAMPLES_DIR).as_posix(), p.read_bytes())
    for p in _EXAMPLES_DIR.rglob("*")
    if p.is_file() and not p.name.endswith(".meta.json") and not p.as_posix().endswith("ops/accounts/accounts.csv")
)


def _mutate(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    b = bytearray(data)
    for kind, pos, val in ops:
        if not b:
            b = bytearray([val])
            continue
        i = pos % len(b)
        if kind == 0:
            b[i] = val
        elif kind == 1:
            b.insert(i, val)
        elif kind == 2:
            del b[i]
        else:
            del b[i:]
    return bytes(b)


mutations = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.integers(0, 255)), min_size=1,
                     max_size=6)


def _ingest_and_check(files: list[tuple[str, bytes]]) -> None:
    """Write the files (distinct paths) next to a good ops/accounts, run check_files and ingest: neither may
    raise; each file is loaded (and reconciles) or rejected with a §5.1 reason."""
    with tempfile.TemporaryDirectory(dir=TMP_BASE) as tmp:
        root = Path(tmp)
        land = _landing(root / "landing")
        paths = [put(land, rel, data) for rel, data in files]
        reports = check_files(paths, landing=land, pii_key=b"k")  # must not raise
        assert len(reports) == len(paths)
        for r in reports:
            if r.outcome is not None and r.outcome.status == "rejected":
                assert r.outcome.reason in REJECTION_REASONS, (r.outcome.reason, r.outcome.message)
        wh = root / "wh.duckdb"
        run(land, wh)  # must not raise
        res = query_many(wh, {"m": "SELECT * FROM ops.file_manifest", "q": "SELECT count(*) AS n FROM ops.quarantine"})
        by_path = {x["path"]: x for x in res["m"]}
        for rel, _ in files:
            m = by_path[rel]
            assert m["status"] in ("loaded", "rejected", "duplicate"), m
            if m["status"] == "rejected":
                assert m["reason"] in REJECTION_REASONS
        assert len(res["m"]) == len(files) + 1
        reconcile_rows(res["m"], res["q"][0]["n"])


BATCH = 4
picks = st.lists(st.integers(0, len(EXAMPLES) - 1), min_size=1, max_size=BATCH, unique=True)


@settings(max_examples=15, deadline=None, derandomize=True, database=None)
@given(idx=picks, ops=st.lists(mutations, min_size=BATCH, max_size=BATCH))
def test_mutated_contract_examples_never_crash(idx: list[int], ops: list) -> None:
    files = [(EXAMPLES[i][0], _mutate(EXAMPLES[i][1], o)) for i, o in zip(idx, ops, strict=False)]
    _ingest_and_check(files)


@settings(max_examples=12, deadline=None, derandomize=True, database=None)
@given(idx=picks, blobs=st.lists(st.binary(max_size=300), min_size=BATCH, max_size=BATCH),
       leads=st.lists(st.sampled_from([b"", b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{", b"[",
                                       b"\xef\xbb\xbf{", b"<html><table>", b"\xef\xbb\xbf", b"\xff\xfe",
                                       b'{"fanops_api_dump": 1, "calls": [', b"<?xml ",
                                       "时间,新关注人数\n".encode()]), min_size=BATCH, max_size=BATCH))
def test_arbitrary_bytes_never_crash(idx: list[int], blobs: list[bytes], leads: list[bytes]) -> None:
    files = [(EXAMPLES[i][0], lead + blob) for i, blob, lead in zip(idx, blobs, leads, strict=False)]
    _ingest_and_check(files)
