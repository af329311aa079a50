"""The Parquet lake: the tables dbt reads as sources, as Parquet files under a lake root.

Ingestion stays transactional in DuckDB: the file manifest, the quarantine and the delivery-order merge of
the raw tables (older rows of a key deleted when a newer delivery arrives) commit together there. With
`lake.enabled` in fanops.yaml, every run then *publishes* the source tables to the lake, where dbt on Spark
(or on DuckDB, with `lake.dbt_reads_lake`) reads them:

    <root>/raw/<table>/_load_date=YYYY-MM-DD/part-<digest>.parquet    raw.*: Hive-partitioned by table
                                                                      (= dataset) and load date (UTC)
    <root>/<schema>/<table>/part-<digest>.parquet                     ops.*, dq.*, sentiment.*: one file

The root is a local path or any fsspec URL (s3://, gs://, abfs://, ...; the filesystem's own package
must be installed). Exports are incremental and idempotent: a partition is rewritten only when its
content fingerprint (row count, the sum of the rows' (file, row number) hashes, the latest load time)
differs from the one recorded in `ops.lake_partitions` for it, so a rerun with nothing new writes nothing.
A partition's new file is written before its old files are removed and the digest in the name changes
with the content, so a reader between two runs always sees whole files; the export runs before dbt in the
same single-writer run (a reader must not scan the lake while a run exports).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

PARTITION_COLUMN = "_load_date"
LOADED_AT = "_loaded_at"
STATE_TABLE = "ops.lake_partitions"
WHOLE = ""  # the partition value recorded for an unpartitioned table
EMPTY_MARKER = "_EMPTY"


@dataclass(frozen=True)
class LakeExport:
    """What one export did: partitions written and removed, rows written, partitions unchanged."""

    tables: int
    written: int
    removed: int
    unchanged: int
    rows_written: int
    seconds: float

    def line(self) -> str:
        return (
            f"lake: {self.tables} table(s); {self.written} partition(s) written ({self.rows_written} rows), "
            f"{self.removed} removed, {self.unchanged} unchanged in {self.seconds:.1f}s"
        )


def _fs(root: str) -> tuple[Any, str]:
    """(fsspec filesystem, path) for a lake root; local paths without fsspec."""
    if "://" not in root:
        return None, os.path.abspath(root)
    import fsspec

    fs, path = fsspec.core.url_to_fs(root)
    return fs, path.rstrip("/")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]  # type: ignore[index]
    )


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def ensure_state_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists ops")
    con.execute(
        f"create table if not exists {STATE_TABLE} (table_name varchar, partition_value varchar, "
        "fingerprint varchar, file_name varchar, row_count bigint, exported_at timestamp, lake_root varchar)"
    )


def _fingerprints(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, cols: Sequence[str]
) -> dict[str, tuple[str, int]]:
    """partition value -> (fingerprint, rows) of the table's current content."""
    q = f"{_quote(schema)}.{_quote(table)}"
    partitioned = schema == "raw" and LOADED_AT in cols
    if "_file_sha256" in cols and "_row_number" in cols:  # a raw row never changes in place
        row_hash = "hash(_file_sha256, _row_number)"
    else:  # coverage and bookkeeping tables: the whole row
        row_hash = "hash(" + ", ".join(_quote(c) for c in cols) + ")"
    latest = f"max({_quote(LOADED_AT)})" if LOADED_AT in cols else "null"
    part = f"cast(cast({_quote(LOADED_AT)} as date) as varchar)" if partitioned else "''"
    rows = con.execute(
        f"select {part} as p, count(*), sum(cast({row_hash} as hugeint)), cast({latest} as varchar) from {q} group by p"
    ).fetchall()
    out = {}
    for p, n, x, mx in rows:
        out[p or WHOLE] = (hashlib.sha256(f"{n}|{x}|{mx}|{','.join(cols)}".encode()).hexdigest()[:16], int(n))
    if not partitioned and WHOLE not in out:  # an empty bookkeeping table still gets its (empty) file
        out[WHOLE] = (hashlib.sha256(f"0|{','.join(cols)}".encode()).hexdigest()[:16], 0)
    return out


def _write_partition(
    con: duckdb.DuckDBPyConnection,
    fs: Any,
    table_dir: str,
    schema: str,
    table: str,
    cols: Sequence[str],
    partition: str,
    fingerprint: str,
    tmpdir: str,
) -> tuple[str, str]:
    """Write one partition's file; returns (its directory, its file name)."""
    q = f"{_quote(schema)}.{_quote(table)}"
    select = ", ".join(_quote(c) for c in cols)
    if partition == WHOLE:
        where, directory = "", table_dir
    else:
        where = f" where cast({_quote(LOADED_AT)} as date) = cast('{partition}' as date)"
        directory = f"{table_dir}/{PARTITION_COLUMN}={partition}"
    name = f"part-{fingerprint}.parquet"
    order = " order by _file_sha256, _row_number" if {"_file_sha256", "_row_number"} <= set(cols) else ""
    if fs is None:  # straight into the partition as a hidden temp file, then one rename
        os.makedirs(directory, exist_ok=True)
        target = os.path.join(directory, f".{name}.tmp")
    else:  # object storage: a local file, then one upload
        target = os.path.join(tmpdir, name)
    con.execute(
        f"copy (select {select} from {q}{where}{order}) to '{target}' "
        "(format parquet, compression zstd, row_group_size 122880)"
    )
    if fs is None:
        with open(target, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(target, os.path.join(directory, name))
    else:
        fs.makedirs(directory, exist_ok=True)
        fs.put_file(target, f"{directory}/{name}")
        os.unlink(target)
    return directory, name


def _mark_empty(fs: Any, table_dir: str, *, empty: bool) -> None:
    """`<table>/_EMPTY` (ignored by Spark and by the `*/*.parquet` glob) while a raw table has no rows."""
    marker = f"{table_dir}/{EMPTY_MARKER}"
    if fs is None:
        if empty and not os.path.exists(marker):
            os.makedirs(table_dir, exist_ok=True)
            open(marker, "wb").close()
        elif not empty and os.path.exists(marker):
            os.unlink(marker)
    elif empty and not fs.exists(marker):
        fs.makedirs(table_dir, exist_ok=True)
        fs.pipe_file(marker, b"")
    elif not empty and fs.exists(marker):
        fs.rm(marker)


def _list_parquet(fs: Any, directory: str) -> list[str]:
    if fs is None:
        if not os.path.isdir(directory):
            return []
        return [e for e in os.listdir(directory) if e.endswith(".parquet") or e.endswith(".parquet.tmp")]
    if not fs.exists(directory):
        return []
    return [p.rsplit("/", 1)[-1] for p in fs.ls(directory, detail=False) if p.endswith(".parquet")]


def _list_partitions(fs: Any, table_dir: str) -> list[str]:
    """The load dates of the `_load_date=...` directories under a raw table's folder."""
    prefix = f"{PARTITION_COLUMN}="
    if fs is None:
        if not os.path.isdir(table_dir):
            return []
        names = [e for e in os.listdir(table_dir) if os.path.isdir(os.path.join(table_dir, e))]
    elif not fs.exists(table_dir):
        return []
    else:
        names = [
            e["name"].rstrip("/").rsplit("/", 1)[-1]
            for e in fs.ls(table_dir, detail=True)
            if e.get("type") == "directory"
        ]
    return [n[len(prefix) :] for n in names if n.startswith(prefix)]


def _remove(fs: Any, path: str) -> None:
    if fs is None:
        if os.path.isdir(path):
            import shutil

            shutil.rmtree(path)
        elif os.path.exists(path):
            os.unlink(path)
    elif fs.exists(path):
        fs.rm(path, recursive=True)


def export_lake(
    con: duckdb.DuckDBPyConnection,
    root: str,
    tables: Iterable[tuple[str, str]],
) -> LakeExport:
    """Publish `tables` ((schema, table) pairs: the dbt sources) from the warehouse to the lake at `root`.

    Tables missing from the warehouse are skipped (dbt creates e.g. dq.validation_results on first use).
    The caller holds the warehouse's one write connection; `ops.lake_partitions` is updated in one
    transaction at the end, after every file is in place, so an interrupted export is redone by the next.
    """
    started = time.perf_counter()
    fs, base = _fs(root)
    ensure_state_table(con)
    state: dict[tuple[str, str], tuple[str, str]] = {
        (t, p): (fp, fn)
        for t, p, fp, fn in con.execute(
            f"select table_name, partition_value, fingerprint, file_name from {STATE_TABLE} where lake_root = ?",
            [root],
        ).fetchall()
    }
    written = removed = unchanged = rows_written = n_tables = 0
    new_state: list[tuple[str, str, str, str, int]] = []
    dropped: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="fanops-lake-") as tmpdir:
        for schema, table in tables:
            if not _has_table(con, schema, table):
                continue
            n_tables += 1
            qualified = f"{schema}.{table}"
            cols = [c for c in _columns(con, schema, table) if c != PARTITION_COLUMN]
            table_dir = f"{base}/{schema}/{table}"
            current = _fingerprints(con, schema, table, cols)
            known = {p: v for (t, p), v in state.items() if t == qualified}
            for partition, (fp, n) in sorted(current.items()):
                directory = table_dir if partition == WHOLE else f"{table_dir}/{PARTITION_COLUMN}={partition}"
                name = f"part-{fp}.parquet"
                present = _list_parquet(fs, directory)
                if known.get(partition, ("", ""))[0] == fp and present == [name]:
                    unchanged += 1
                    continue
                _write_partition(con, fs, table_dir, schema, table, cols, partition, fp, tmpdir)
                for old in present:
                    if old != name:
                        _remove(fs, f"{directory}/{old}")
                new_state.append((qualified, partition, fp, name, n))
                written += 1
                rows_written += n
            if schema == "raw":  # an empty raw table is a directory with a marker, so engines can list it
                _mark_empty(fs, table_dir, empty=not current)
            gone = set(known) - set(current)  # every row of a load date superseded
            if schema == "raw" and LOADED_AT in cols:  # and dates an uncommitted export wrote, or lost state
                gone |= set(_list_partitions(fs, table_dir)) - set(current)
            for partition in sorted(gone):
                directory = table_dir if partition == WHOLE else f"{table_dir}/{PARTITION_COLUMN}={partition}"
                _remove(fs, directory)
                dropped.append((qualified, partition))
                removed += 1
    con.execute("begin")
    try:
        for t, p in dropped + [(t, p) for t, p, *_ in new_state]:
            con.execute(
                f"delete from {STATE_TABLE} where table_name = ? and partition_value = ? and lake_root = ?",
                [t, p, root],
            )
        if new_state:
            con.executemany(
                f"insert into {STATE_TABLE} values (?, ?, ?, ?, ?, now()::timestamp, ?)",
                [(*row, root) for row in new_state],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return LakeExport(n_tables, written, removed, unchanged, rows_written, time.perf_counter() - started)


def lake_paths(root: str, schema: str, table: str) -> str:
    """The glob DuckDB reads a lake table with (every partition)."""
    base = root.rstrip("/") if "://" in root else os.path.abspath(root)  # a URL keeps its protocol
    partitioned = schema == "raw"
    return f"{base}/{schema}/{table}/" + ("*/*.parquet" if partitioned else "*.parquet")


def source_tables(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (schema, table) of every dbt source in a parsed manifest: what the lake must hold."""
    out = {(s["schema"], s.get("identifier") or s["name"]) for s in manifest.get("sources", {}).values()}
    return sorted(out)
