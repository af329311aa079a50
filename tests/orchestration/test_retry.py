"""Retries for transient failures only (orchestration/retry.py), on real failures: DuckDB's file lock held by
another process, a real flock conflict, a real dbt invocation against a locked warehouse, and real in-process
Dagster runs whose asset fails transiently and is retried by `retry_transient`.

No `from __future__ import annotations`: Dagster reads the context annotation of the assets defined here."""

import errno
import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from dagster import AssetExecutionContext, DagsterEventType, DagsterInstance, asset, materialize

from ingestion.config import RetryConfig
from orchestration.retry import (
    LOCK_TEXT,
    DbtLockConflict,
    backoff_seconds,
    dbt_lock_conflict,
    log_mark,
    retry_transient,
    transient,
)

HOLDER = """
import pathlib, sys, time
import duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
release = pathlib.Path(sys.argv[2])
deadline = time.time() + 120
while not release.exists() and time.time() < deadline:
    time.sleep(0.02)
con.close()
"""


@contextmanager
def held_warehouse(path: Path) -> Iterator[Path]:
    """Another process holds DuckDB's write lock on `path` until the yielded release file exists."""
    release = path.with_name(path.name + ".release")
    release.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(release)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield release
    finally:
        release.touch()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def lock_error(path: Path) -> duckdb.Error:
    with pytest.raises(duckdb.Error) as info:
        duckdb.connect(str(path))
    return info.value


# ------------------------------------------------------------------------------------------ classification


def test_a_warehouse_locked_by_another_process_is_transient(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    duckdb.connect(str(warehouse)).close()
    with held_warehouse(warehouse):
        err = lock_error(warehouse)
        assert isinstance(err, duckdb.IOException) and LOCK_TEXT in str(err)
        assert transient(err)
        try:  # wrapped by the code that met it: the cause still counts
            raise RuntimeError("ingest failed") from err
        except RuntimeError as wrapped:
            assert transient(wrapped)
    duckdb.connect(str(warehouse)).close()  # released: opens again


def test_a_busy_file_is_transient(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with path.open("rb") as first, path.open("rb") as second:
        fcntl.flock(first.fileno(), fcntl.LOCK_EX)
        with pytest.raises(BlockingIOError) as info:
            fcntl.flock(second.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert info.value.errno in (errno.EAGAIN, errno.EWOULDBLOCK) and transient(info.value)
    assert transient(OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(path)))
    assert transient(DbtLockConflict("dbt build: " + LOCK_TEXT))


def test_permanent_failures_are_not_transient(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.duckdb"
    not_a_db.write_bytes(b"this is not a DuckDB file" * 100)
    with pytest.raises(duckdb.Error) as corrupt:
        duckdb.connect(str(not_a_db))
    with pytest.raises(duckdb.Error) as missing_table:
        duckdb.connect(":memory:").execute("select * from raw.nowhere")
    with pytest.raises(FileNotFoundError) as missing_file:
        (tmp_path / "nope.csv").read_bytes()
    with pytest.raises(ValueError) as bad_value:
        int("lots")
    for exc in (corrupt.value, missing_table.value, missing_file.value, bad_value.value):
        assert not transient(exc), exc


def test_backoff_doubles_from_the_configured_delay() -> None:
    assert [backoff_seconds(n, 30) for n in range(4)] == [30, 60, 120, 240]
    assert backoff_seconds(30, 30) == 3600  # capped at an hour


# ------------------------------------------------------------------------------------------ Dagster runs


def run_asset(tmp_path: Path, body, policy: RetryConfig):
    """A real in-process run of one asset whose failures go through retry_transient."""
    attempts: list[int] = []

    @asset
    def probe(context: AssetExecutionContext) -> None:
        attempts.append(context.retry_number)
        try:
            body(context)
        except Exception as exc:
            retry_transient(context, exc, policy)
            raise

    with DagsterInstance.ephemeral() as instance:
        result = materialize([probe], instance=instance, raise_on_error=False)
    retries = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY]
    return result, attempts, retries


def test_a_transient_failure_is_retried_and_the_run_succeeds(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    duckdb.connect(str(warehouse)).close()
    with held_warehouse(warehouse) as release:

        def body(context: AssetExecutionContext) -> None:
            try:
                con = duckdb.connect(str(warehouse))
            except duckdb.Error:
                release.touch()  # the other writer finishes while we wait for the retry
                raise
            with con:
                con.execute("create table done as select 1 as ok")

        result, attempts, retries = run_asset(tmp_path, body, RetryConfig(max_retries=3, delay_seconds=0.5))
    assert result.success
    assert attempts[:2] == [0, 1] and len(attempts) == len(retries) + 1
    assert retries[0].event_specific_data.seconds_to_wait == 0.5  # delay x 2^0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select ok from done").fetchone() == (1,)


def test_a_permanent_failure_is_not_retried(tmp_path: Path) -> None:
    def body(context: AssetExecutionContext) -> None:
        raise ValueError("a broken export")

    result, attempts, retries = run_asset(tmp_path, body, RetryConfig(max_retries=3, delay_seconds=0.01))
    assert not result.success and attempts == [0] and retries == []
    (failure,) = result.get_step_failure_events()
    assert "a broken export" in failure.event_specific_data.error.to_string()


def test_a_transient_failure_fails_after_the_last_retry(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    duckdb.connect(str(warehouse)).close()
    with held_warehouse(warehouse):

        def body(context: AssetExecutionContext) -> None:
            duckdb.connect(str(warehouse)).close()

        result, attempts, retries = run_asset(tmp_path, body, RetryConfig(max_retries=2, delay_seconds=0.05))
    assert not result.success and attempts == [0, 1, 2]
    assert [r.event_specific_data.seconds_to_wait for r in retries] == [0.05, 0.1]
    (failure,) = result.get_step_failure_events()
    assert LOCK_TEXT in failure.event_specific_data.error.to_string()  # the real error, not "retry requested"


# --------------------------------------------------------------------------------------------------- dbt


def test_dbt_exit_on_a_locked_warehouse_is_recognised(tmp_path: Path, dbt_manifest: Path) -> None:
    """A real dbt invocation against a warehouse another process holds exits non-zero with the lock error in
    its dbt.log; the next invocation into the same target (a retry) is judged on its own log part only."""
    from orchestration.dbt.project import DBT_PROJECT_DIR, dbt_environment, dbt_executable

    warehouse = tmp_path / "wh.duckdb"
    duckdb.connect(str(warehouse)).close()
    target = tmp_path / "target"
    target.mkdir()
    argv = [
        dbt_executable(), "run", "--select", "stg_ops_accounts",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target), "--log-path", str(target),
    ]  # fmt: skip

    def dbt_run() -> tuple[int, tuple[int, float]]:
        mark = log_mark(target)
        with dbt_environment(warehouse):
            proc = subprocess.run(argv, cwd=DBT_PROJECT_DIR, env=dict(os.environ), capture_output=True, timeout=300)
        return proc.returncode, mark

    with held_warehouse(warehouse):
        code, mark = dbt_run()
    assert code != 0 and dbt_lock_conflict(target, mark)
    code, mark = dbt_run()  # unlocked now: fails for another reason (no raw tables in an empty warehouse)
    assert code != 0 and not dbt_lock_conflict(target, mark)
    assert LOCK_TEXT in (target / "dbt.log").read_text(encoding="utf-8")  # the first invocation's part
