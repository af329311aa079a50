"""The durability helpers behind `fanops run` and `fanops rebuild` (orchestration.recovery), on real DuckDB
files; the whole recovery path (garbage warehouse -> run refuses -> rebuild) is the reference build of
tests/drills/test_kill_drills.py."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from orchestration.recovery import cannot_open_message, check_opens, checkpoint, move_aside, wal_path
from tests.drills.drill_lib import REPO


def _small_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema ops")
        con.execute("create table ops.t as select range as i from range(1000)")
    return path


def test_check_opens(tmp_path: Path) -> None:
    assert check_opens(tmp_path / "missing.duckdb").ok  # a first run creates it
    good = _small_warehouse(tmp_path / "good.duckdb")
    assert check_opens(good).ok

    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(os.urandom(64 * 1024))
    check = check_opens(broken)
    assert not check.ok and not check.locked and "not a valid DuckDB database file" in check.error
    message = cannot_open_message(broken, check)
    assert f"the warehouse {broken} cannot be opened" in message and "`fanops rebuild`" in message

    header = tmp_path / "header.duckdb"  # a torn write over the second header block
    header.write_bytes(good.read_bytes())
    with open(header, "r+b") as fh:
        fh.seek(4096)
        fh.write(os.urandom(8192))
    assert not check_opens(header).ok


def test_another_program_holding_the_file_is_not_broken(tmp_path: Path) -> None:
    good = _small_warehouse(tmp_path / "good.duckdb")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys, time, duckdb
                con = duckdb.connect(sys.argv[1])
                print("open", flush=True)
                time.sleep(60)
                """
            ),
            str(good),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        check = check_opens(good)
        assert not check.ok and check.locked
        message = cannot_open_message(good, check)
        assert "is open in another program" in message and "rebuild" not in message
    finally:
        holder.kill()
        holder.wait()
    assert check_opens(good).ok


def test_checkpoint_folds_the_wal_into_the_file(tmp_path: Path) -> None:
    warehouse = _small_warehouse(tmp_path / "wh.duckdb")
    con = duckdb.connect(str(warehouse))
    con.execute("set checkpoint_threshold = '1GB'")
    con.execute("insert into ops.t select range from range(10)")
    # a killed writer leaves its WAL behind: copy the pair as the kill would leave it
    crashed = tmp_path / "crashed.duckdb"
    crashed.write_bytes(warehouse.read_bytes())
    assert wal_path(warehouse).exists()
    wal_path(crashed).write_bytes(wal_path(warehouse).read_bytes())
    con.close()
    assert checkpoint(crashed) is None
    assert not wal_path(crashed).exists()
    with duckdb.connect(str(crashed), read_only=True) as ro:
        assert ro.execute("select count(*) from ops.t").fetchone() == (1010,)
    assert checkpoint(tmp_path / "missing.duckdb") is None


def test_move_aside_keeps_the_file_and_its_wal(tmp_path: Path) -> None:
    warehouse = tmp_path / "fanops.duckdb"
    warehouse.write_bytes(b"broken")
    wal_path(warehouse).write_bytes(b"log")
    now = dt.datetime(2026, 11, 27, 3, 4, 5, tzinfo=dt.UTC)
    moved = move_aside(warehouse, now=now)
    target = tmp_path / "fanops.duckdb.broken-20261127T030405Z"
    assert moved == [(warehouse, target), (wal_path(warehouse), wal_path(target))]
    assert target.read_bytes() == b"broken" and wal_path(target).read_bytes() == b"log"
    assert not warehouse.exists() and not wal_path(warehouse).exists()
    warehouse.write_bytes(b"broken again")  # the same second: a new name, nothing overwritten
    ((_, second),) = move_aside(warehouse, now=now)
    assert second.name == "fanops.duckdb.broken-20261127T030405Z-2" and target.read_bytes() == b"broken"
