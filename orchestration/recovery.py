"""Durability of the working warehouse: the open test before a run, the CHECKPOINT after it, and the
recovery path when DuckDB cannot open the file (`fanops rebuild`).

The landing files are immutable and every raw row, manifest row and quarantine record is derived from
them (with the same FANOPS_PII_KEY), so a warehouse that cannot be opened is rebuilt, not repaired: the
broken file and its write-ahead log are moved aside to `<name>.broken-<UTC timestamp>` (kept for
inspection, never deleted) and a full `fanops run --full-refresh` loads everything again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.retry import is_lock_conflict

# DuckDB's own file lock (another program, e.g. a BI tool or the duckdb shell, has the file open)


@dataclass(frozen=True)
class OpenCheck:
    """The outcome of opening the warehouse the way a run does (read-write, replaying its WAL)."""

    ok: bool
    locked: bool = False  # held by another program: not broken, try again later
    error: str = ""


def wal_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".wal")


def check_opens(warehouse: Path) -> OpenCheck:
    """Open the warehouse read-write (DuckDB replays a leftover WAL, as after a crash) and read the
    catalog. A missing file is fine (the run creates it). Run it holding the warehouse lock."""
    if not warehouse.exists():
        return OpenCheck(ok=True)
    try:
        con = duckdb.connect(str(warehouse))
        try:
            con.execute("select count(*) from duckdb_tables()").fetchone()
            con.execute("select count(*) from duckdb_columns()").fetchone()
        finally:
            con.close()
    except duckdb.Error as exc:
        text = " ".join(str(exc).split())
        if is_lock_conflict(text):
            return OpenCheck(ok=False, locked=True, error=text)
        return OpenCheck(ok=False, error=f"{type(exc).__name__}: {text}")
    return OpenCheck(ok=True)


def cannot_open_message(warehouse: Path, check: OpenCheck) -> str:
    if check.locked:
        return (
            f"fanops: warehouse {warehouse} is open in another program ({check.error}); close it "
            "(BI tools read warehouse/published/, not the working file) and rerun"
        )
    return (
        f"fanops: the warehouse {warehouse} cannot be opened: {check.error}\n"
        "Its data can be rebuilt from the immutable landing files: run `fanops rebuild` (same --landing/"
        "--warehouse/--config and FANOPS_PII_KEY as the normal runs). It moves the broken file aside "
        "(<name>.broken-<time>) and reloads everything."
    )


def checkpoint(warehouse: Path) -> str | None:
    """`CHECKPOINT` the warehouse (the WAL is folded into the database file). Returns an error text
    instead of raising: the run's own outcome is already decided."""
    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        return " ".join(str(exc).split())
    return None


def move_aside(warehouse: Path, now: dt.datetime | None = None) -> list[tuple[Path, Path]]:
    """Rename the warehouse and its WAL to `<name>.broken-<UTC timestamp>[.wal]`; returns (from, to)."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = warehouse.with_name(f"{warehouse.name}.broken-{stamp}")
    n = 1
    while target.exists() or wal_path(target).exists():
        n += 1
        target = warehouse.with_name(f"{warehouse.name}.broken-{stamp}-{n}")
    moved: list[tuple[Path, Path]] = []
    for src, dst in ((warehouse, target), (wal_path(warehouse), wal_path(target))):
        if src.exists():
            src.rename(dst)
            moved.append((src, dst))
    return moved
