"""The Parquet lake (ingestion/lake.py): round trip, idempotence, incremental partitions, recovery from an
interrupted export, fsspec roots and per-root state, on real DuckDB warehouses built by hand."""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import fsspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.lake import EMPTY_MARKER, LakeExport, export_lake, lake_paths, source_tables

RAW_T = ("raw", "t")
MANIFEST = ("ops", "file_manifest")
PART_FILE = re.compile(r"^part-[0-9a-f]{16}\.parquet$")

RAW_DDL = (
    "create table raw.{name} (platform varchar, account varchar, _file_sha256 varchar, _row_number bigint, "
    "_loaded_at timestamp, _export_at timestamp, amount decimal(18,2), tags varchar[], n bigint)"
)
MANIFEST_DDL = (
    "create table ops.file_manifest (sha256 varchar, path varchar, status varchar, rows_loaded bigint, "
    "loaded_at timestamp, warnings varchar[])"
)

D1 = datetime(2024, 3, 1, 23, 59, 59, 999999)  # the last microsecond of 2024-03-01 (UTC)
D2 = datetime(2024, 3, 2, 0, 0, 0, 1)  # the first microsecond after midnight
D3 = datetime(2024, 3, 5, 8, 30, 15, 250001)


# --------------------------------------------------------------------------- helpers


def new_warehouse(path: Path, raw_tables: tuple[str, ...] = ("t",)) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute("create schema ops")
    for name in raw_tables:
        con.execute(RAW_DDL.format(name=name))
    con.execute(MANIFEST_DDL)
    return con


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = new_warehouse(tmp_path / "warehouse.duckdb")
    yield c
    c.close()


def row_values(sha: str, row: int, loaded_at: datetime) -> tuple[Any, ...]:
    """A raw row whose payload is a function of (file, row number), with NULLs in every third row."""
    nulls = row % 3 == 0
    return (
        "douyin" if row % 2 else "wechat",
        None if nulls else f"acct-{sha}",
        sha,
        row,
        loaded_at,
        None if nulls else loaded_at - timedelta(days=1, microseconds=row),
        None if nulls else Decimal(f"{row * 1000 + len(sha)}.{row % 100:02d}") * (-1 if row % 4 == 1 else 1),
        None if nulls else ([sha, None, f"r{row}"] if row % 2 else []),
        None if nulls else row * 10**12 + 7,
    )


def insert_file(
    con: duckdb.DuckDBPyConnection, sha: str, loaded_at: datetime, rows: int, table: str = "t"
) -> None:
    con.executemany(
        f"insert into raw.{table} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row_values(sha, r, loaded_at) for r in range(1, rows + 1)],
    )
    con.execute(
        "insert into ops.file_manifest values (?, ?, 'loaded', ?, ?, ?)",
        [sha, f"landing/{sha}.csv", rows, loaded_at, [] if rows % 2 else [f"warn {sha}"]],
    )


def delete_file(con: duckdb.DuckDBPyConnection, sha: str, table: str = "t") -> None:
    con.execute(f"delete from raw.{table} where _file_sha256 = ?", [sha])
    con.execute("delete from ops.file_manifest where sha256 = ?", [sha])


def warehouse_raw(con: duckdb.DuckDBPyConnection, table: str = "t") -> list[tuple[Any, ...]]:
    """The warehouse rows plus the `_load_date` a Hive reader adds: the UTC date of `_loaded_at`."""
    return con.execute(f"select *, cast(_loaded_at as date) as _load_date from raw.{table} order by all").fetchall()


def warehouse_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[Any, ...]]:
    return con.execute(f"select * from {schema}.{table} order by all").fetchall()


def reader(root: str) -> duckdb.DuckDBPyConnection:
    r = duckdb.connect()
    if "://" in root:
        r.register_filesystem(fsspec.filesystem(root.split("://", 1)[0]))
    return r


def read_lake(root: str, schema: str, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(column names, rows in order) of a lake table, read the way dbt-duckdb reads it."""
    hive = "true" if schema == "raw" else "false"
    r = reader(root)
    try:
        rel = r.sql(f"select * from read_parquet('{lake_paths(root, schema, table)}', hive_partitioning = {hive})")
        return list(rel.columns), rel.order("all").fetchall()
    finally:
        r.close()


def lake_types(root: str, schema: str, table: str) -> dict[str, str]:
    hive = "true" if schema == "raw" else "false"
    r = reader(root)
    try:
        rel = r.sql(f"select * from read_parquet('{lake_paths(root, schema, table)}', hive_partitioning = {hive})")
        return {c: str(t) for c, t in zip(rel.columns, rel.types)}
    finally:
        r.close()


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under the root: relative path -> (bytes, mtime_ns)."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = Path(dirpath) / f
            out[str(p.relative_to(root))] = (p.read_bytes(), p.stat().st_mtime_ns)
    return out


def files_under(root: Path) -> list[str]:
    return sorted(snapshot(root))


def partition_dirs(root: Path, table: str = "t") -> list[str]:
    d = root / "raw" / table
    return sorted(p.name for p in d.iterdir() if p.is_dir()) if d.is_dir() else []


def state(con: duckdb.DuckDBPyConnection, root: str, table: str = "raw.t") -> dict[str, tuple[str, int]]:
    """partition value -> (file name, row count) recorded for a table at a root."""
    rows = con.execute(
        "select partition_value, file_name, row_count from ops.lake_partitions "
        "where lake_root = ? and table_name = ?",
        [root, table],
    ).fetchall()
    assert len(rows) == len({p for p, _, _ in rows}), f"duplicate state rows: {rows}"
    return {p: (f, n) for p, f, n in rows}


def assert_lake_matches(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """raw.t and ops.file_manifest in the lake == the warehouse, and the state names exactly the files."""
    wh_rows = warehouse_raw(con)
    table_dir = root / "raw" / "t"
    st_raw = state(con, str(root))
    if wh_rows:
        cols, rows = read_lake(str(root), *RAW_T)
        assert cols == [*[c[0] for c in con.execute("describe raw.t").fetchall()], "_load_date"]
        assert rows == wh_rows
        assert not (table_dir / EMPTY_MARKER).exists()
    else:
        assert (table_dir / EMPTY_MARKER).is_file()
        assert (table_dir / EMPTY_MARKER).stat().st_size == 0
    dates = sorted({str(r[-1]) for r in wh_rows})
    assert partition_dirs(root) == [f"_load_date={d}" for d in dates]
    assert sorted(st_raw) == dates
    expected = {f"raw/t/_load_date={p}/{f}" for p, (f, _) in st_raw.items()}
    counts = dict(con.execute("select cast(cast(_loaded_at as date) as varchar), count(*) from raw.t group by 1").fetchall())
    assert {p: n for p, (_, n) in st_raw.items()} == counts
    st_manifest = state(con, str(root), "ops.file_manifest")
    assert list(st_manifest) == [""]
    expected.add(f"ops/file_manifest/{st_manifest[''][0]}")
    if not wh_rows:
        expected.add(f"raw/t/{EMPTY_MARKER}")
    assert set(files_under(root)) == expected  # nothing stray: no temp files, no superseded parts
    assert read_lake(str(root), *MANIFEST)[1] == warehouse_table(con, *MANIFEST)


def export(con: duckdb.DuckDBPyConnection, root: Path | str, tables: list[tuple[str, str]] | None = None) -> LakeExport:
    return export_lake(con, str(root), tables if tables is not None else [RAW_T])


def three_files(con: duckdb.DuckDBPyConnection) -> None:
    insert_file(con, "aaa", D1, 3)
    insert_file(con, "bbb", D1 - timedelta(hours=5), 2)
    insert_file(con, "ccc", D2, 4)


# --------------------------------------------------------------------------- 1. round trip


def test_round_trip_partitions_raw_by_utc_load_date_and_keeps_every_value(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    three_files(con)
    con.execute("insert into raw.t (platform, _file_sha256, _row_number, _loaded_at) values ('weibo', 'ddd', 1, ?)", [D3])
    con.execute("create table ops.quarantine (file_sha256 varchar, row_number bigint, reason varchar)")
    root = tmp_path / "lake"

    result = export(con, root, [RAW_T, MANIFEST, ("ops", "quarantine")])

    assert (result.tables, result.written, result.removed, result.unchanged, result.rows_written) == (3, 5, 0, 0, 13)
    assert partition_dirs(root) == ["_load_date=2024-03-01", "_load_date=2024-03-02", "_load_date=2024-03-05"]
    for d in partition_dirs(root):
        assert [PART_FILE.match(f) is not None for f in os.listdir(root / "raw" / "t" / d)] == [True]
    cols, rows = read_lake(str(root), *RAW_T)
    assert cols == ["platform", "account", "_file_sha256", "_row_number", "_loaded_at", "_export_at", "amount",
                    "tags", "n", "_load_date"]
    assert rows == warehouse_raw(con)
    assert len(rows) == 10
    by_key = {(r[2], r[3]): r for r in rows}
    assert by_key[("aaa", 1)][4] == D1 and by_key[("aaa", 1)][9] == date(2024, 3, 1)
    assert by_key[("ccc", 1)][4] == D2 and by_key[("ccc", 1)][9] == date(2024, 3, 2)
    assert by_key[("aaa", 1)][6] == Decimal("-1003.01")
    assert by_key[("aaa", 1)][7] == ["aaa", None, "r1"]
    assert by_key[("aaa", 2)][7] == []
    assert by_key[("aaa", 3)][1:2] + by_key[("aaa", 3)][5:9] == (None, None, None, None, None)
    assert by_key[("ddd", 1)][9] == date(2024, 3, 5)
    types = lake_types(str(root), *RAW_T)
    assert (types["amount"], types["tags"], types["_loaded_at"], types["n"], types["_load_date"]) == (
        "DECIMAL(18,2)", "VARCHAR[]", "TIMESTAMP", "BIGINT", "DATE",
    )
    # non-raw tables: one file directly in the table's folder (an empty one too), no partitions
    for table in ("file_manifest", "quarantine"):
        entries = os.listdir(root / "ops" / table)
        assert len(entries) == 1 and PART_FILE.match(entries[0]), entries
    assert read_lake(str(root), *MANIFEST) == (
        ["sha256", "path", "status", "rows_loaded", "loaded_at", "warnings"], warehouse_table(con, *MANIFEST)
    )
    assert read_lake(str(root), "ops", "quarantine") == (["file_sha256", "row_number", "reason"], [])
    assert not (root / "raw" / "t" / EMPTY_MARKER).exists()
    assert state(con, str(root)) == {
        "2024-03-01": (os.listdir(root / "raw/t/_load_date=2024-03-01")[0], 5),
        "2024-03-02": (os.listdir(root / "raw/t/_load_date=2024-03-02")[0], 4),
        "2024-03-05": (os.listdir(root / "raw/t/_load_date=2024-03-05")[0], 1),
    }
    assert "5 partition(s) written (13 rows), 0 removed, 0 unchanged" in result.line()


# --------------------------------------------------------------------------- 2. idempotence


def test_second_export_without_changes_writes_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    three_files(con)
    con.execute("create table ops.quarantine (file_sha256 varchar, row_number bigint, reason varchar)")
    root = tmp_path / "lake"
    tables = [RAW_T, MANIFEST, ("ops", "quarantine")]
    first = export(con, root, tables)
    assert first.written == 4
    before = snapshot(root)
    recorded = con.execute("select * from ops.lake_partitions order by all").fetchall()

    again = export(con, root, tables)

    assert (again.tables, again.written, again.removed, again.unchanged, again.rows_written) == (3, 0, 0, 4, 0)
    assert snapshot(root) == before  # same names, same bytes, not even touched (mtime)
    assert con.execute("select * from ops.lake_partitions order by all").fetchall() == recorded


# --------------------------------------------------------------------------- 3. incremental


def test_a_new_load_date_writes_only_its_partition(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    three_files(con)
    root = tmp_path / "lake"
    export(con, root)
    before = snapshot(root)

    insert_file(con, "eee", D3, 2)
    result = export(con, root)

    assert (result.written, result.removed, result.unchanged, result.rows_written) == (1, 0, 2, 2)
    after = snapshot(root)
    new = sorted(set(after) - set(before))
    assert len(new) == 1 and new[0].startswith("raw/t/_load_date=2024-03-05/part-")
    assert {k: v for k, v in after.items() if k in before} == before
    assert sorted(state(con, str(root))) == ["2024-03-01", "2024-03-02", "2024-03-05"]
    assert state(con, str(root))["2024-03-05"] == (new[0].rsplit("/", 1)[1], 2)
    assert read_lake(str(root), *RAW_T)[1] == warehouse_raw(con)


def test_deleting_some_rows_of_a_date_rewrites_only_that_partition(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    three_files(con)
    root = tmp_path / "lake"
    export(con, root)
    before = snapshot(root)
    old_name = state(con, str(root))["2024-03-01"][0]

    con.execute("delete from raw.t where _file_sha256 = 'bbb'")
    result = export(con, root)

    assert (result.written, result.removed, result.unchanged, result.rows_written) == (1, 0, 1, 3)
    new_name = state(con, str(root))["2024-03-01"][0]
    assert new_name != old_name
    assert os.listdir(root / "raw/t/_load_date=2024-03-01") == [new_name]
    after = snapshot(root)
    untouched = [k for k in before if "2024-03-02" in k]
    assert len(untouched) == 1 and after[untouched[0]] == before[untouched[0]]
    assert state(con, str(root))["2024-03-01"] == (new_name, 3)
    assert read_lake(str(root), *RAW_T)[1] == warehouse_raw(con)
    assert {r[2] for r in read_lake(str(root), *RAW_T)[1]} == {"aaa", "ccc"}


def test_deleting_every_row_of_a_date_removes_its_partition(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    three_files(con)
    root = tmp_path / "lake"
    export(con, root)
    kept = snapshot(root)

    con.execute("delete from raw.t where _file_sha256 = 'ccc'")
    result = export(con, root)

    assert (result.written, result.removed, result.unchanged, result.rows_written) == (0, 1, 1, 0)
    assert partition_dirs(root) == ["_load_date=2024-03-01"]
    assert sorted(state(con, str(root))) == ["2024-03-01"]
    assert snapshot(root) == {k: v for k, v in kept.items() if "2024-03-02" not in k}
    assert read_lake(str(root), *RAW_T)[1] == warehouse_raw(con)


def test_an_empty_raw_table_is_a_marker_until_it_is_refilled(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    root = tmp_path / "lake"
    first = export(con, root)  # never had rows
    assert (first.written, first.removed) == (0, 0)
    assert files_under(root) == [f"raw/t/{EMPTY_MARKER}"]

    three_files(con)
    filled = export(con, root)
    assert (filled.written, filled.removed) == (2, 0)
    assert not (root / "raw" / "t" / EMPTY_MARKER).exists()

    con.execute("delete from raw.t")
    emptied = export(con, root)
    assert (emptied.written, emptied.removed, emptied.unchanged, emptied.rows_written) == (0, 2, 0, 0)
    assert files_under(root) == [f"raw/t/{EMPTY_MARKER}"]
    assert (root / "raw" / "t" / EMPTY_MARKER).stat().st_size == 0
    assert state(con, str(root)) == {}
    assert export(con, root).written == 0 and files_under(root) == [f"raw/t/{EMPTY_MARKER}"]

    insert_file(con, "fff", D3, 1)
    refilled = export(con, root)
    assert (refilled.written, refilled.removed, refilled.rows_written) == (1, 0, 1)
    files = files_under(root)
    assert len(files) == 1 and files[0].startswith("raw/t/_load_date=2024-03-05/part-")
    assert read_lake(str(root), *RAW_T)[1] == warehouse_raw(con)


# --------------------------------------------------------------------------- 4. an interrupted export is redone


def test_a_lost_partition_file_is_restored_exactly(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    three_files(con)
    root = tmp_path / "lake"
    export(con, root)
    before = snapshot(root)
    lost = next(k for k in before if "2024-03-02" in k)
    (root / lost).unlink()

    result = export(con, root)

    assert (result.written, result.removed, result.unchanged, result.rows_written) == (1, 0, 1, 4)
    after = snapshot(root)
    assert sorted(after) == sorted(before)
    assert after[lost][0] == before[lost][0]  # same name, same bytes
    assert read_lake(str(root), *RAW_T)[1] == warehouse_raw(con)


def test_stray_temp_and_superseded_files_in_a_partition_are_cleaned_up(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    three_files(con)
    root = tmp_path / "lake"
    export(con, root)
    before = snapshot(root)
    d1 = root / "raw/t/_load_date=2024-03-01"
    d2 = root / "raw/t/_load_date=2024-03-02"
    (name1,) = os.listdir(d1)
    (name2,) = os.listdir(d2)
    # a crash mid-write leaves a temp file; a crash between writing a new part and removing the old one
    # leaves two parts (a reader would see every row twice)
    (d1 / f".{name1}.tmp").write_bytes(b"half a parquet file")
    (d2 / "part-0123456789abcdef.parquet").write_bytes((d2 / name2).read_bytes())
    assert len(read_lake(str(root), *RAW_T)[1]) == 9 + 4

    result = export(con, root)

    assert (result.written, result.removed, result.unchanged) == (2, 0, 0)
    after = snapshot(root)
    assert sorted(after) == sorted(before)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert read_lake(str(root), *RAW_T)[1] == warehouse_raw(con)
    assert export(con, root).written == 0


def test_a_partition_written_by_an_export_that_never_committed_is_removed_once_its_rows_are_gone(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A real interruption: the export fails on the second partition (its directory is blocked by a file),
    after the first partition's file is in place but before `ops.lake_partitions` is committed. The next
    run's ingestion then supersedes every row of that first load date: the lake must not keep them."""
    three_files(con)
    root = tmp_path / "lake"
    (root / "raw" / "t").mkdir(parents=True)
    blocker = root / "raw" / "t" / "_load_date=2024-03-02"
    blocker.write_bytes(b"")
    with pytest.raises(OSError):
        export(con, root)
    assert os.listdir(root / "raw/t/_load_date=2024-03-01")  # written, ...
    assert state(con, str(root)) == {}  # ... but never recorded
    blocker.unlink()

    con.execute("delete from raw.t where _file_sha256 in ('aaa', 'bbb')")  # all of 2024-03-01 superseded
    result = export(con, root, [RAW_T, MANIFEST])

    assert (result.written, result.removed) == (2, 1)
    assert partition_dirs(root) == ["_load_date=2024-03-02"]
    assert_lake_matches(con, root)


def test_lost_state_with_a_stale_lake_converges(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """The warehouse's `ops.lake_partitions` is gone (a rebuilt warehouse) but the lake is still there."""
    three_files(con)
    root = tmp_path / "lake"
    export(con, root, [RAW_T, MANIFEST])
    con.execute("drop table ops.lake_partitions")
    delete_file(con, "ccc")
    insert_file(con, "ggg", D3, 2)

    result = export(con, root, [RAW_T, MANIFEST])

    assert (result.written, result.removed) == (3, 1)
    assert_lake_matches(con, root)


# --------------------------------------------------------------------------- 5. random operation sequences

OPS = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 5), st.integers(0, 2), st.integers(1, 3)),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("export")),
)
TMP_BASE = "/dev/shm" if Path("/dev/shm").is_dir() else None  # fsync-free: the examples stay fast
LOAD_DAYS = [datetime(2024, 5, 1, 23, 0), datetime(2024, 5, 2, 0, 0), datetime(2024, 5, 7, 12, 0)]


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, min_size=1, max_size=14))
def test_random_operation_sequences_keep_the_lake_equal_to_the_warehouse(ops: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory(prefix="fanops-lake-test-", dir=TMP_BASE) as tmp:
        root = Path(tmp) / "lake"
        con = new_warehouse(Path(tmp) / "warehouse.duckdb")
        try:
            clock = 0  # every delivery is loaded later than the one before, as in ingestion
            present: set[str] = set()
            for op in [*ops, ("export",)]:
                if op[0] == "insert":
                    sha = f"sha{op[1]}"
                    if sha in present:  # a file is loaded once (the manifest dedups by sha256)
                        continue
                    clock += 1
                    insert_file(con, sha, LOAD_DAYS[op[2]] + timedelta(seconds=clock, microseconds=clock), op[3])
                    present.add(sha)
                elif op[0] == "delete":
                    delete_file(con, f"sha{op[1]}")
                    present.discard(f"sha{op[1]}")
                else:
                    result = export(con, root, [RAW_T, MANIFEST])
                    assert result.tables == 2
                    assert_lake_matches(con, root)
                    again = export(con, root, [RAW_T, MANIFEST])
                    assert (again.written, again.removed, again.unchanged) == (0, 0, result.written + result.unchanged)
        finally:
            con.close()


# --------------------------------------------------------------------------- 6. fsspec roots


def test_an_fsspec_root_gets_the_same_layout_and_is_incremental(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL.format(name="e"))
    three_files(con)
    root = f"memory://lake-{uuid.uuid4().hex}"
    fs = fsspec.filesystem("memory")
    base = "/" + root.split("://", 1)[1]
    tables = [RAW_T, ("raw", "e"), MANIFEST]
    try:
        first = export(con, root, tables)
        assert (first.tables, first.written, first.removed, first.rows_written) == (3, 3, 0, 9 + 3)
        found = sorted(p[len(base) + 1:] for p in fs.find(base))
        assert len(found) == 4
        assert found[0] == f"ops/file_manifest/{state(con, root, 'ops.file_manifest')[''][0]}"
        assert found[1] == f"raw/e/{EMPTY_MARKER}"
        assert found[2:] == [f"raw/t/_load_date={p}/{f}" for p, (f, _) in sorted(state(con, root).items())]
        assert fs.cat_file(f"{base}/raw/e/{EMPTY_MARKER}") == b""
        assert read_lake(root, *RAW_T)[1] == warehouse_raw(con)
        assert read_lake(root, *MANIFEST)[1] == warehouse_table(con, *MANIFEST)

        again = export(con, root, tables)
        assert (again.written, again.removed, again.unchanged) == (0, 0, 3)
        assert sorted(p[len(base) + 1:] for p in fs.find(base)) == found

        # a superseded part left next to the current one is cleaned up, a vanished date is removed
        stale = f"{base}/{found[3].rsplit('/', 1)[0]}/part-0123456789abcdef.parquet"
        fs.pipe_file(stale, fs.cat_file(f"{base}/{found[3]}"))
        delete_file(con, "aaa")
        delete_file(con, "bbb")
        insert_file(con, "hhh", D2 + timedelta(hours=1), 1, table="e")
        third = export(con, root, tables)
        assert (third.written, third.removed) == (3, 1)  # raw.t 03-02 (stale part), raw.e 03-02, manifest
        assert not fs.exists(f"{base}/raw/t/_load_date=2024-03-01")
        assert not fs.exists(stale) and not fs.exists(f"{base}/raw/e/{EMPTY_MARKER}")
        assert fs.ls(f"{base}/raw/t/_load_date=2024-03-02", detail=False) == [f"{base}/{found[3]}"]
        assert read_lake(root, *RAW_T)[1] == warehouse_raw(con)
        assert read_lake(root, "raw", "e")[1] == warehouse_raw(con, "e")
    finally:
        if fs.exists(base):
            fs.rm(base, recursive=True)


def test_lake_paths() -> None:
    assert lake_paths("/data/lake/", "raw", "t") == "/data/lake/raw/t/*/*.parquet"
    assert lake_paths("/data/lake", "ops", "file_manifest") == "/data/lake/ops/file_manifest/*.parquet"
    assert lake_paths("lake", "dq", "x") == os.path.abspath("lake") + "/dq/x/*.parquet"
    assert lake_paths("s3://bucket/lake/", "raw", "t") == "s3://bucket/lake/raw/t/*/*.parquet"
    assert lake_paths("memory://lake-1", "sentiment", "s") == "memory://lake-1/sentiment/s/*.parquet"


# --------------------------------------------------------------------------- 7. missing tables, dbt sources


def test_tables_missing_from_the_warehouse_are_skipped(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    insert_file(con, "aaa", D1, 2)
    root = tmp_path / "lake"
    result = export(con, root, [("dq", "validation_results"), RAW_T, ("raw", "nope"), ("sentiment", "scores")])
    assert (result.tables, result.written, result.rows_written) == (1, 1, 2)
    assert sorted(os.listdir(root)) == ["raw"]
    assert sorted(os.listdir(root / "raw")) == ["t"]
    assert con.execute("select distinct table_name from ops.lake_partitions").fetchall() == [("raw.t",)]


def test_source_tables_of_a_manifest() -> None:
    assert source_tables({"sources": {"source.fanops.raw.t": {"schema": "raw", "name": "t", "identifier": "t"}}}) == [
        ("raw", "t")
    ]
    manifest = {
        "sources": {
            "source.fanops.raw.z": {"schema": "raw", "name": "z", "identifier": "z"},
            "source.fanops.ops.file_manifest": {"schema": "ops", "name": "file_manifest", "identifier": None},
            "source.fanops.raw.alias": {"schema": "raw", "name": "alias", "identifier": "a_table"},
            "source.other.raw.z": {"schema": "raw", "name": "z", "identifier": "z"},
        },
        "nodes": {"model.fanops.m": {"schema": "marts", "name": "m"}},
    }
    assert source_tables(manifest) == [("ops", "file_manifest"), ("raw", "a_table"), ("raw", "z")]
    assert source_tables({}) == []


# --------------------------------------------------------------------------- 8. state per lake root


def test_two_roots_keep_separate_state(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    three_files(con)
    a, b = tmp_path / "lake-a", tmp_path / "lake-b"
    first_a = export(con, a, [RAW_T, MANIFEST])
    first_b = export(con, b, [RAW_T, MANIFEST])
    assert (first_a.written, first_b.written) == (3, 3)
    assert (first_b.unchanged, first_b.rows_written) == (0, 9 + 3)
    assert files_under(a) == files_under(b)
    assert_lake_matches(con, a)
    assert_lake_matches(con, b)
    assert export(con, a, [RAW_T, MANIFEST]).unchanged == 3

    delete_file(con, "ccc")
    only_a = export(con, a, [RAW_T, MANIFEST])
    assert (only_a.written, only_a.removed) == (1, 1)
    assert sorted(state(con, str(b))) == ["2024-03-01", "2024-03-02"]  # b not exported since: unchanged
    assert partition_dirs(b) == ["_load_date=2024-03-01", "_load_date=2024-03-02"]
    then_b = export(con, b, [RAW_T, MANIFEST])
    assert (then_b.written, then_b.removed, then_b.unchanged) == (1, 1, 1)
    assert_lake_matches(con, a)
    assert_lake_matches(con, b)
    assert files_under(a) == files_under(b)
