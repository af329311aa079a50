"""Publishing the marts for BI: a separate, read-only DuckDB file swapped in atomically.

`publish(warehouse, run_id=...)` copies every table and view of schema `marts` of the working warehouse (views
materialised as tables) into a NEW DuckDB file next to the publication, adds `marts.publish_info` (one row: the
run, the time, the data freshness, rows per mart), `marts.table_docs` / `marts.column_docs` (the dbt
descriptions with their Chinese labels) and DuckDB COMMENTs, checkpoints and closes it (no .wal), fsyncs it,
makes it read-only (0o444) and `os.replace`s it over `<warehouse folder>/published/fanops.duckdb`:

- the swap is one rename (atomic on POSIX): a BI connection opened before it keeps reading the old file to the
  end (the old inode lives while open), one opened after reads the new one; nobody ever sees half a build;
- a failure at any step (a mart that cannot be read, a full disk, a kill) leaves the previous publication
  untouched; the temporary file is removed (by this call, or by the next publish when the process was
  killed), so the folder never grows beyond the current file (plus the Parquet folder when asked for);
- with `parquet=True` every mart (and publish_info, table_docs, column_docs) is also written as
  `published/parquet/<table>.parquet`, built in a temporary folder and swapped in by TWO renames (the old
  folder away, the new one in) just before the DuckDB swap: a Parquet reader may find the folder missing for
  a moment (microseconds), and should read `publish_info.parquet` to know which run it reads. The DuckDB file
  is the consistent interface; Parquet is for tools that cannot open DuckDB files. A publish without Parquet
  removes the previous Parquet folder (it would describe an older run).

The working warehouse is checkpointed first (its WAL merged) through a connection opened and closed here;
the caller guarantees that no other process writes the warehouse meanwhile (the Dagster asset runs inside the
one writer run; `fanops publish` fails cleanly on DuckDB's file lock when a run holds it).

DuckDB 2.x writes the file; `STORAGE_VERSION` keeps it readable by the DuckDB 1.x builds that BI drivers
(JDBC in DBeaver, Metabase, the duckdb-engine of Superset) may still bundle.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

PUBLISHED_DIR = "published"
PUBLISHED_NAME = "fanops.duckdb"
PARQUET_DIR = "parquet"
MARTS = "marts"
INFO_TABLE = "publish_info"
TABLE_DOCS = "table_docs"
COLUMN_DOCS = "column_docs"
META_TABLES = (INFO_TABLE, TABLE_DOCS, COLUMN_DOCS)
FILE_MODE = 0o444
# The oldest DuckDB storage format that holds every type the marts use: DuckDB >= 1.0 (and 2.x) can open the
# published file, while the working warehouse (written by DuckDB 2.x's default format) needs 2.x.
STORAGE_VERSION = "v1.0.0"
SRC_ALIAS = "fanops_working"
PUB_ALIAS = "fanops_published"
SKIPPED_SUFFIXES = ("__dbt_tmp", "__dbt_backup")  # relations a killed dbt run may leave behind

# publish_info freshness columns: (column, mart, source column, DuckDB type)
DATA_THROUGH: tuple[tuple[str, str, str, str], ...] = (
    ("account_daily_through", "fct_account_daily", "date_day", "DATE"),
    ("content_through", "fct_content", "published_date", "DATE"),
    ("interactions_through", "fct_interactions", "created_date", "DATE"),
    ("orders_through", "fct_orders", "created_date", "DATE"),
    ("sentiment_through", "fct_sentiment_hourly", "hour_at", "TIMESTAMP"),
)

# publish_info: (column, DuckDB type, description)
INFO_COLUMNS: tuple[tuple[str, str, str], ...] = (
    (
        "run_id",
        "VARCHAR NOT NULL",
        "发布运行 — the Dagster run id (or manual-<UTC time> for `fanops publish`)",
    ),
    ("published_at", "TIMESTAMP NOT NULL", "发布时间 — when this file was published (UTC)"),
    ("source_warehouse", "VARCHAR", "来源仓库 — the working warehouse the marts were copied from"),
    ("as_of_date", "DATE", "数据基准日 — the as-of date of the marts (intermediate.int_as_of)"),
    ("latest_data_date", "DATE", "最新数据日 — the latest day any account has data (intermediate.int_as_of)"),
    *(
        (name, sql_type, f"数据截至 — max {column} of marts.{mart} (local time as in the mart)")
        for name, mart, column, sql_type in DATA_THROUGH
    ),
    (
        "marts",
        "INTEGER",
        "数据表数 — number of marts in this file (publish_info and the docs tables excluded)",
    ),
    ("total_rows", "BIGINT", "总行数 — rows over all marts"),
    ("rows_per_mart", "VARCHAR", "各表行数 — JSON object {mart: rows}"),
    ("duckdb_version", "VARCHAR", "DuckDB 版本 — the DuckDB that wrote this file"),
    (
        "storage_version",
        "VARCHAR",
        "存储格式 — the DuckDB storage format (readable by DuckDB >= this version)",
    ),
)
TABLE_DOCS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("table_name", "VARCHAR NOT NULL", "表名 — the table in schema marts"),
    ("label_zh", "VARCHAR", "中文名 — the table's Chinese label"),
    ("description", "VARCHAR", "说明 — the dbt description"),
    ("rows", "BIGINT", "行数 — rows in this publication"),
)
COLUMN_DOCS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("table_name", "VARCHAR NOT NULL", "表名 — the table in schema marts"),
    ("column_name", "VARCHAR NOT NULL", "字段名 — the column"),
    ("ordinal_position", "INTEGER", "字段顺序 — position of the column in the table (1 = first)"),
    ("data_type", "VARCHAR", "数据类型 — the DuckDB type"),
    ("description", "VARCHAR", "说明 — the dbt description"),
    ("label_zh", "VARCHAR", "中文名 — the column's Chinese label"),
)
META_LAYOUT = (
    (INFO_TABLE, INFO_COLUMNS),
    (TABLE_DOCS, TABLE_DOCS_COLUMNS),
    (COLUMN_DOCS, COLUMN_DOCS_COLUMNS),
)
META_DOCS = {
    INFO_TABLE: (
        "发布信息",
        "One row: which run this publication holds, when it was published, data freshness.",
    ),
    TABLE_DOCS: ("表说明", "One row per table of this file: Chinese label, dbt description, rows."),
    COLUMN_DOCS: (
        "字段说明",
        "One row per column of every table of this file: type, dbt description, Chinese label.",
    ),
}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class PublishError(RuntimeError):
    """The working warehouse cannot be published (no marts, marts missing); nothing was written."""


@dataclass(frozen=True)
class PublishResult:
    target: Path
    run_id: str
    published_at: dt.datetime  # UTC, naive (as stored in publish_info)
    rows: dict[str, int]  # rows per mart (publish_info and the docs tables excluded)
    seconds: float
    bytes: int
    parquet_dir: Path | None = None
    info: dict[str, Any] = field(default_factory=dict)  # the publish_info row


# --------------------------------------------------------------------------------------------------- paths


def default_target(warehouse: str | os.PathLike[str]) -> Path:
    """`<warehouse folder>/published/fanops.duckdb`."""
    return Path(warehouse).resolve().parent / PUBLISHED_DIR / PUBLISHED_NAME


def manual_run_id(now: dt.datetime | None = None) -> str:
    """The run id of a publish by hand: `manual-<UTC timestamp>`."""
    now = now or dt.datetime.now(dt.UTC)
    return "manual-" + now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def _safe(run_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", run_id)[:80] or "run"


def temp_path(target: Path, run_id: str) -> Path:
    return target.with_name(f".{target.name}.{_safe(run_id)}.tmp")


def _parquet_paths(target: Path, run_id: str) -> tuple[Path, Path, Path]:
    """(the Parquet folder, its temporary build folder, where the previous one goes during the swap)."""
    folder = target.parent / PARQUET_DIR
    return (
        folder,
        target.parent / f".{PARQUET_DIR}.{_safe(run_id)}.tmp",
        target.parent / f".{PARQUET_DIR}.{_safe(run_id)}.old",
    )


def _sql_str(value: str | os.PathLike[str]) -> str:
    return "'" + os.fspath(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _remove(path: Path) -> None:
    """Remove a file, or a folder tree; missing is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def clean_stale(target: Path) -> list[Path]:
    """Remove what a killed publish left in the published folder (temporary DuckDB files and their WALs,
    temporary or set-aside Parquet folders), after putting a set-aside Parquet folder back when the kill came
    between the two renames of its swap. Only names this module makes; only the matching kind (a file, a
    folder). Returns what was removed."""
    folder = target.parent
    if not folder.is_dir():
        return []
    parquet = folder / PARQUET_DIR
    old_dirs = sorted(
        (p for p in folder.glob(f".{PARQUET_DIR}.*.old") if p.is_dir()), key=lambda p: p.stat().st_mtime
    )
    if old_dirs and not parquet.exists():
        old_dirs.pop().rename(parquet)  # the swap was cut between its renames: the previous folder returns
    removed = []
    for path in folder.glob(f".{target.name}.*.tmp*"):
        if path.is_file() and (path.name.endswith(".tmp") or path.name.endswith(".tmp.wal")):
            path.unlink(missing_ok=True)
            removed.append(path)
    for path in [*folder.glob(f".{PARQUET_DIR}.*.tmp"), *old_dirs]:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------------------------ manifest


def load_manifest_docs(manifest: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """{mart: {"description", "label_zh", "columns": {column: (description, label_zh)}}} of the dbt models in
    schema marts, from `manifest` or dbt_project/target/manifest.json; {} when there is none (never parses)."""
    if manifest is None:
        from orchestration.dbt.project import manifest_path

        path = manifest_path()
        if not path.is_file():
            return {}
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
    out: dict[str, dict[str, Any]] = {}
    for node in (manifest or {}).get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("schema") != MARTS:
            continue
        config = node.get("config") or {}
        if config.get("enabled") is False or config.get("materialized") == "ephemeral":
            continue
        name = node.get("alias") or node.get("name")
        meta = {**(config.get("meta") or {}), **(node.get("meta") or {})}
        columns = {}
        for col_name, col in (node.get("columns") or {}).items():
            col_meta = {**((col.get("config") or {}).get("meta") or {}), **(col.get("meta") or {})}
            description = (col.get("description") or "").strip()
            columns[col_name] = (description or None, col_meta.get("label_zh") or label_of(description))
        description = (node.get("description") or "").strip()
        out[name] = {
            "description": description or None,
            "label_zh": meta.get("label_zh") or label_of(description),
            "columns": columns,
        }
    return out


def label_of(description: str | None) -> str | None:
    """The Chinese label of a dbt description written as `中文名 — English text`."""
    if not description:
        return None
    head = description.split(" — ", 1)[0].strip() if " — " in description else ""
    return head if head and _CJK.search(head) and len(head) <= 40 else None


def expected_marts(manifest: Mapping[str, Any] | None = None) -> list[str]:
    """The marts the dbt project builds (empty when there is no manifest)."""
    return sorted(load_manifest_docs(manifest))


# ----------------------------------------------------------------------------------------------- preflight


def _marts_in(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_catalog = ? AND table_schema = ? ORDER BY table_name",
        [catalog, MARTS],
    ).fetchall()
    return [(str(n), str(t)) for n, t in rows if not str(n).endswith(SKIPPED_SUFFIXES)]


def missing_marts(warehouse: Path, manifest: Mapping[str, Any] | None = None) -> list[str]:
    """Marts of the dbt project that the warehouse lacks (all of them when it holds no marts schema)."""
    expected = expected_marts(manifest)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        catalog = con.execute("SELECT current_database()").fetchall()[0][0]
        present = {n for n, _ in _marts_in(con, catalog)}
    return [m for m in expected if m not in present]


def blocking_dq_failures(warehouse: Path, run_id: str | None = None) -> list[str]:
    """Data-quality checks that currently block (`fanops dq` exits 1 on them): the latest result of every
    check in dq.validation_results (or one run's results) that failed with severity error."""
    from expectations.store import latest_results, run_results

    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        df = run_results(con, run_id) if run_id else latest_results(con)
    if df.empty:
        return []
    failed = df[(~df["success"].astype(bool)) & (df["severity"] == "error")]
    return [f"{r.check_name} ({r.table_name})" for r in failed.itertuples()]


# ------------------------------------------------------------------------------------------------- publish


def publish(
    warehouse: Path,
    *,
    run_id: str,
    target: Path | None = None,
    parquet: bool = False,
    config: Any = None,
    manifest: Mapping[str, Any] | None = None,
) -> PublishResult:
    """Publish the marts of `warehouse` (see the module doc). `config` (a FanopsConfig) may carry a `publish`
    section (`parquet`, `target`); explicit arguments win. `manifest` defaults to the prepared dbt manifest
    (target/manifest.json; tolerated absent: then the DuckDB comments are the docs). Raises PublishError when
    the warehouse has no marts or lacks marts of the dbt project, before writing anything."""
    started = time.monotonic()
    section = getattr(config, "publish", None)
    parquet = bool(parquet or getattr(section, "parquet", False))
    configured = getattr(section, "target", None) or getattr(section, "path", None)
    warehouse = Path(warehouse).resolve()
    target = Path(target or configured or default_target(warehouse)).resolve()
    if not warehouse.is_file():
        raise PublishError(f"no warehouse at {warehouse}: build it first (fanops run)")
    if target == warehouse:
        raise PublishError("the publication cannot be the working warehouse itself")
    docs = load_manifest_docs(manifest)

    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    tmp = temp_path(target, run_id)
    tmp_wal = tmp.with_name(tmp.name + ".wal")
    parquet_dir, parquet_tmp, parquet_old = _parquet_paths(target, run_id)
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    created: list[Path] = []
    try:
        con = duckdb.connect(str(warehouse))
        try:
            con.execute("CHECKPOINT").fetchall()
            catalog = con.execute("SELECT current_database()").fetchall()[0][0]
            marts = _marts_in(con, catalog)
            if not marts:
                raise PublishError(f"{warehouse} has no marts: build it first (fanops run)")
            clash = sorted({n for n, _ in marts} & set(META_TABLES))
            if clash:
                raise PublishError(f"marts named like the publication's own tables: {', '.join(clash)}")
            missing = [m for m in docs if m not in {n for n, _ in marts}]
            if missing:
                raise PublishError(
                    f"{len(missing)} mart(s) of the dbt project are missing from {warehouse}: "
                    f"{', '.join(missing)} (a run failed before building them?)"
                )
            if tmp.exists() or tmp_wal.exists():
                raise PublishError(f"cannot write the new publication: {tmp} is in the way")
            created += [tmp, tmp_wal]
            con.execute(
                f"ATTACH {_sql_str(tmp)} AS {PUB_ALIAS} (STORAGE_VERSION {_sql_str(STORAGE_VERSION)})"
            ).fetchall()
            try:
                info, rows = _copy(con, catalog, marts, docs, run_id, warehouse, published_at)
                if parquet:
                    if parquet_tmp.exists():
                        raise PublishError(f"cannot write the Parquet files: {parquet_tmp} is in the way")
                    created.append(parquet_tmp)
                    _write_parquet(con, parquet_tmp, [*rows, *META_TABLES])
                con.execute(f"CHECKPOINT {PUB_ALIAS}").fetchall()
            finally:
                con.execute(f"DETACH {PUB_ALIAS}").fetchall()
        finally:
            con.close()
        if tmp_wal.exists():  # the checkpoint merged it; a WAL here would be applied to the next reader
            raise PublishError(f"{tmp_wal} was left after the checkpoint")
        _fsync(tmp)
        os.chmod(tmp, FILE_MODE)
        _swap(target, tmp, parquet, parquet_dir, parquet_tmp, parquet_old)
    except BaseException:
        for path in created:  # only what this call made
            _remove(path)
        raise
    return PublishResult(
        target=target,
        run_id=run_id,
        published_at=published_at,
        rows=rows,
        seconds=round(time.monotonic() - started, 3),
        bytes=target.stat().st_size,
        parquet_dir=parquet_dir if parquet else None,
        info=info,
    )


def _swap(
    target: Path, tmp: Path, parquet: bool, parquet_dir: Path, parquet_tmp: Path, parquet_old: Path
) -> None:
    """The Parquet folder first (two renames, undone when the DuckDB swap fails), then the DuckDB file (one
    atomic rename); the previous Parquet folder is deleted last. A publish without Parquet removes the
    previous Parquet folder: it would describe an older run than the DuckDB file."""
    folder = target.parent
    moved_old = False
    if parquet:
        for path in parquet_tmp.iterdir():
            _fsync(path)
        _fsync(parquet_tmp, directory=True)
    if parquet_dir.exists():
        parquet_dir.rename(parquet_old)
        moved_old = True
    moved_new = False
    try:
        if parquet:
            parquet_tmp.rename(parquet_dir)
            moved_new = True
        # a WAL beside the target belongs to the file being replaced: DuckDB would replay it into the new one
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, target)
    except BaseException:  # put the previous Parquet folder back: the old publication stays whole
        if moved_new:
            parquet_dir.rename(parquet_tmp)
        if moved_old:
            parquet_old.rename(parquet_dir)
        raise
    _fsync(folder, directory=True)
    if moved_old:
        shutil.rmtree(parquet_old, ignore_errors=True)


def _copy(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    marts: Sequence[tuple[str, str]],
    docs: Mapping[str, Mapping[str, Any]],
    run_id: str,
    warehouse: Path,
    published_at: dt.datetime,
) -> tuple[dict[str, Any], dict[str, int]]:
    """Copy the marts into the attached new file in ONE transaction (one snapshot of the warehouse) with the
    docs tables, the COMMENTs and publish_info. Returns (the publish_info row, rows per mart)."""
    src = f"{_ident(catalog)}.{MARTS}"
    pub = f"{PUB_ALIAS}.{MARTS}"
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        con.execute(f"CREATE SCHEMA {PUB_ALIAS}.{MARTS}").fetchall()
        rows: dict[str, int] = {}
        for name, _kind in marts:  # views are materialised: BI needs no other schema
            con.execute(f"CREATE TABLE {pub}.{_ident(name)} AS SELECT * FROM {src}.{_ident(name)}").fetchall()
            rows[name] = int(con.execute(f"SELECT count(*) FROM {pub}.{_ident(name)}").fetchall()[0][0])

        # docs: the dbt manifest first, the warehouse's own comments (dbt persist_docs) where it has none
        table_comments = dict(
            con.execute(
                "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
                "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE database_name = ? "
                "AND schema_name = ?",
                [catalog, MARTS, catalog, MARTS],
            ).fetchall()
        )
        column_comments = {
            (t, c): comment
            for t, c, comment in con.execute(
                "SELECT table_name, column_name, comment FROM duckdb_columns() "
                "WHERE database_name = ? AND schema_name = ?",
                [catalog, MARTS],
            ).fetchall()
        }
        layout = con.execute(
            "SELECT table_name, column_name, column_index, data_type FROM duckdb_columns() "
            "WHERE database_name = ? AND schema_name = ? ORDER BY table_name, column_index",
            [PUB_ALIAS, MARTS],
        ).fetchall()
        table_rows = []
        for name in rows:
            doc = docs.get(name, {})
            description = doc.get("description") or _clean(table_comments.get(name))
            table_rows.append((name, doc.get("label_zh") or label_of(description), description, rows[name]))
        column_rows = []
        for table, column, position, data_type in layout:
            col_doc = docs.get(table, {}).get("columns", {}).get(column)
            description = (col_doc[0] if col_doc else None) or _clean(column_comments.get((table, column)))
            label = (col_doc[1] if col_doc else None) or label_of(description)
            column_rows.append((table, column, int(position), str(data_type), description, label))

        info = _info_row(con, catalog, pub, rows, run_id, warehouse, published_at)
        for table, columns in META_LAYOUT:
            ddl = ", ".join(f"{_ident(c)} {t}" for c, t, _ in columns)
            con.execute(f"CREATE TABLE {pub}.{_ident(table)} ({ddl})").fetchall()
        con.execute(
            f"INSERT INTO {pub}.{INFO_TABLE} VALUES ({', '.join('?' * len(INFO_COLUMNS))})",
            [info[c] for c, _, _ in INFO_COLUMNS],
        ).fetchall()
        meta_rows = [
            (t, label, text, 1 if t == INFO_TABLE else None) for t, (label, text) in META_DOCS.items()
        ]
        con.executemany(f"INSERT INTO {pub}.{TABLE_DOCS} VALUES (?, ?, ?, ?)", [*table_rows, *meta_rows])
        meta_columns = [
            (t, c, i, sql_type.replace(" NOT NULL", ""), text, label_of(text))
            for t, columns in META_LAYOUT
            for i, (c, sql_type, text) in enumerate(columns, start=1)
        ]
        con.executemany(
            f"INSERT INTO {pub}.{COLUMN_DOCS} VALUES (?, ?, ?, ?, ?, ?)", [*column_rows, *meta_columns]
        )
        # The docs as DuckDB COMMENTs too (DBeaver and the DuckDB CLI's .schema show them)
        for name, label, description, _ in [*table_rows, *meta_rows]:
            text = description or label
            if text:
                con.execute(f"COMMENT ON TABLE {pub}.{_ident(name)} IS {_sql_str(text)}").fetchall()
        for table, column, _, _, description, label in [*column_rows, *meta_columns]:
            text = description or label
            if text:
                con.execute(
                    f"COMMENT ON COLUMN {pub}.{_ident(table)}.{_ident(column)} IS {_sql_str(text)}"
                ).fetchall()
        con.execute("COMMIT").fetchall()
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # gone already after a failed COMMIT: keep the first error
            con.execute("ROLLBACK").fetchall()
        raise
    return info, rows


def _clean(text: Any) -> str | None:
    return text.strip() or None if isinstance(text, str) else None


def _info_row(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    pub: str,
    rows: Mapping[str, int],
    run_id: str,
    warehouse: Path,
    published_at: dt.datetime,
) -> dict[str, Any]:
    as_of = latest = None
    has_as_of = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_catalog = ? AND table_schema = "
        "'intermediate' AND table_name = 'int_as_of' AND column_name IN ('as_of_date', 'latest_data_date')",
        [catalog],
    ).fetchall()[0][0]
    if has_as_of == 2:
        found = con.execute(
            f"SELECT max(as_of_date), max(latest_data_date) FROM {_ident(catalog)}.intermediate.int_as_of"
        ).fetchall()
        as_of, latest = found[0] if found else (None, None)
    through: dict[str, Any] = {}
    for column, mart, source, _type in DATA_THROUGH:
        through[column] = None
        if mart in rows:
            has = con.execute(
                "SELECT count(*) FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
                "AND table_name = ? AND column_name = ?",
                [PUB_ALIAS, MARTS, mart, source],
            ).fetchall()[0][0]
            if has:
                through[column] = con.execute(
                    f"SELECT max({_ident(source)}) FROM {pub}.{_ident(mart)}"
                ).fetchall()[0][0]
    return {
        "run_id": run_id,
        "published_at": published_at,
        "source_warehouse": str(warehouse),
        "as_of_date": as_of,
        "latest_data_date": latest,
        **through,
        "marts": len(rows),
        "total_rows": sum(rows.values()),
        "rows_per_mart": json.dumps(dict(sorted(rows.items())), ensure_ascii=False, separators=(",", ":")),
        "duckdb_version": duckdb.__version__,
        "storage_version": STORAGE_VERSION,
    }


def _write_parquet(con: duckdb.DuckDBPyConnection, folder: Path, tables: Sequence[str]) -> None:
    folder.mkdir()
    for name in tables:
        path = folder / f"{name}.parquet"
        con.execute(
            f"COPY {PUB_ALIAS}.{MARTS}.{_ident(name)} TO {_sql_str(path)} (FORMAT parquet, COMPRESSION zstd)"
        ).fetchall()
        os.chmod(path, FILE_MODE)


# ---------------------------------------------------------------------------------------------------- read


def read_publish_info(target: Path) -> dict[str, Any] | None:
    """The publish_info row of a published file (None when there is none), read-only."""
    if not target.is_file():
        return None
    with duckdb.connect(str(target), read_only=True) as con:
        cur = con.execute(f"SELECT * FROM {MARTS}.{INFO_TABLE}")
        names = [d[0] for d in cur.description or []]
        found = cur.fetchall()
    return dict(zip(names, found[0])) if found else None


# ------------------------------------------------------------------------------------- the last Dagster run

# Steps whose failure means the marts are not a whole, checked build: the dbt ops (an error-severity dbt test
# or a model failed) and the data-quality stages (a blocking suite failed).
BLOCKING_STEPS = ("dbt_models", "dbt_kpi", "dq_accounts", "dq_raw", "dq_ops", "dq_marts")
COMMAND_TAG = "fanops/command"  # = orchestration.pipeline.COMMAND_TAG (not imported: it loads dbt)
SKIPPED_COMMANDS = ("ingest", "crisis")
SKIPPED_JOBS = ("ingest_job", "crisis_job", "weekly_report")
RUNS_LOOKED_AT = 25


def last_run_blockers(instance: Any) -> tuple[str, list[str]] | None:
    """(run id, steps) when the latest run that built the marts (a `fanops run`/`build`, the all_assets job;
    ingest, crisis and report runs are skipped) started a dbt or data-quality step that did not succeed: it
    failed, or the run was killed in it. None when that run's steps all succeeded, or no such run exists."""
    from dagster import DagsterEventType, DagsterRunStatus, RunsFilter

    runs = instance.get_runs(
        filters=RunsFilter(
            statuses=[
                DagsterRunStatus.SUCCESS,
                DagsterRunStatus.FAILURE,
                DagsterRunStatus.CANCELED,
                DagsterRunStatus.STARTED,  # a run killed with SIGKILL stays STARTED
                DagsterRunStatus.CANCELING,
            ]
        ),
        limit=RUNS_LOOKED_AT,
    )
    for run in runs:  # newest first
        if run.tags.get(COMMAND_TAG) in SKIPPED_COMMANDS or run.job_name in SKIPPED_JOBS:
            continue
        started: set[str] = set()
        succeeded: set[str] = set()
        for entry in instance.all_logs(
            run.run_id, of_type={DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS}
        ):
            step = entry.step_key or ""
            if step not in BLOCKING_STEPS:
                continue
            event_type = entry.dagster_event.event_type if entry.dagster_event is not None else None
            (started if event_type == DagsterEventType.STEP_START else succeeded).add(step)
        if not started:
            continue  # built no marts (a publish-only or report-only run)
        unfinished = sorted(started - succeeded)
        return (run.run_id, unfinished) if unfinished else None
    return None
