"""One writer per warehouse (orchestration.lock): a second command refuses at once (exit 75) or waits with
--wait; a killed holder leaves no stale lock; a Dagster run whose process died is marked failed; the
instance's run queue starts one run at a time. Real processes, real flocks, a real Dagster instance."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, asset, materialize

from orchestration.cli import DAGSTER_YAML, EXIT_BUSY, build_parser, dagster_home_for
from orchestration.lock import (
    EXIT_TEMPFAIL,
    WarehouseBusy,
    active_runs,
    lock_path,
    pid_alive,
    wait_for_idle_instance,
    warehouse_in_use,
    warehouse_lock,
)
from tests.drills.drill_lib import REPO, fanops_env, start_fanops

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from orchestration.lock import warehouse_lock
    with warehouse_lock(Path(sys.argv[1]), wait_seconds=0, command="fanops run"):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
    print("released", flush=True)
    """
)


def hold_lock(warehouse: Path, seconds: float = 120) -> subprocess.Popen:
    """Another process holding the warehouse lock (as a running `fanops run` does)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), str(seconds)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen]]:
    warehouse = tmp_path / "wh" / "fanops.duckdb"
    proc = hold_lock(warehouse)
    yield warehouse, proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_a_second_writer_is_refused_with_the_holder_named(holder: tuple[Path, subprocess.Popen]) -> None:
    warehouse, proc = holder
    assert lock_path(warehouse) == warehouse.with_name("fanops.duckdb.lock")
    in_use = warehouse_in_use(warehouse)
    assert in_use is not None and in_use.pid == proc.pid and in_use.command == "fanops run"
    with pytest.raises(WarehouseBusy) as refused, warehouse_lock(warehouse, wait_seconds=0, command="fanops build"):
        pass
    message = refused.value.message
    assert message.startswith(f"fanops: warehouse {warehouse} is in use by `fanops run` (pid {proc.pid}, since ")
    assert message.endswith(" UTC); rerun later or pass --wait SECONDS")

    notices: list[str] = []
    started = time.monotonic()
    with (
        pytest.raises(WarehouseBusy) as waited,
        warehouse_lock(warehouse, wait_seconds=1.0, command="fanops build", notice=notices.append),
    ):
        pass
    assert 0.9 <= time.monotonic() - started < 5
    assert len(notices) == 1 and notices[0].endswith("; waiting up to 1 s")
    assert "(waited 1 s)" in waited.value.message


def test_sigkill_of_the_holder_leaves_no_stale_lock(holder: tuple[Path, subprocess.Popen]) -> None:
    warehouse, proc = holder
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert lock_path(warehouse).read_text(encoding="utf-8")  # its record is still in the file ...
    assert warehouse_in_use(warehouse) is None  # ... but the kernel dropped its flock
    with warehouse_lock(warehouse, wait_seconds=0, command="fanops run") as me:
        assert me.pid == os.getpid()
        with warehouse_lock(warehouse, wait_seconds=0, command="fanops rebuild"):  # re-entrant in-process
            pass
        assert f'"pid": {os.getpid()}' in lock_path(warehouse).read_text(encoding="utf-8")
    assert lock_path(warehouse).read_text(encoding="utf-8") == ""  # released cleanly: no record left


def test_wait_gets_the_lock_when_the_holder_finishes(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "fanops.duckdb"
    proc = hold_lock(warehouse, seconds=1.5)
    notices: list[str] = []
    try:
        with warehouse_lock(warehouse, wait_seconds=60, command="fanops run", notice=notices.append) as me:
            assert me.pid == os.getpid()
    finally:
        proc.wait(timeout=30)
    assert len(notices) == 1 and "waiting up to 60 s" in notices[0]


def test_writing_commands_take_wait(tmp_path: Path) -> None:
    parser = build_parser()
    for command in ("run", "build", "ingest", "crisis", "publish", "rebuild"):
        assert parser.parse_args([command]).wait == 0.0
        assert parser.parse_args([command, "--wait", "30"]).wait == 30.0
    assert EXIT_BUSY == EXIT_TEMPFAIL == 75


def test_cli_refuses_with_exit_75_then_waits(holder: tuple[Path, subprocess.Popen], tiny_landing: Path) -> None:
    warehouse, proc = holder
    args = ("ingest", "--landing", str(tiny_landing), "--warehouse", str(warehouse))
    refused = start_fanops(*args)
    assert refused.wait(120) == 75, refused.output
    assert f"is in use by `fanops run` (pid {proc.pid}, since " in refused.output
    assert "rerun later or pass --wait SECONDS" in refused.output
    assert not warehouse.exists()  # nothing was opened, let alone written

    waiting = start_fanops(*args, "--wait", "120")
    deadline = time.monotonic() + 120
    while "waiting up to 120 s" not in waiting.output:  # it found the lock taken and waits
        assert time.monotonic() < deadline and waiting.popen.poll() is None, waiting.output
        time.sleep(0.1)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)  # the holder dies: the waiting command goes on at once
    proc.wait()
    assert waiting.wait(300) == 0, waiting.output
    assert waiting.output.count("waiting up to 120 s") == 1
    assert "succeeded" in waiting.output


def test_the_run_queue_starts_one_run_at_a_time(tmp_path: Path) -> None:
    from ingestion.config import resolve_settings

    settings = resolve_settings(None, None, str(tmp_path / "wh" / "fanops.duckdb"), env={}, export_env=False)
    home = dagster_home_for(settings)
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == DAGSTER_YAML
    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1


def test_a_run_whose_process_died_is_marked_failed(tmp_path: Path) -> None:
    """A `fanops run` killed with SIGKILL leaves its Dagster run STARTED for ever; the next command marks it
    failed (else it would block the run queue and the sensors for good). A live run makes it wait/refuse."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    script = textwrap.dedent(
        """
        import os, sys, time
        from dagster import DagsterInstance, asset, materialize
        @asset
        def slow() -> None:
            print("running", flush=True)
            time.sleep(120)
        with DagsterInstance.from_config(sys.argv[1]) as instance:
            materialize([slow], instance=instance)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(home)],
        cwd=REPO,
        env=fanops_env(),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        while "running" not in proc.stdout.readline():
            assert proc.poll() is None
        with DagsterInstance.from_config(str(home)) as instance:
            live, dead = active_runs(instance)
            assert [r.pid for r in live] == [proc.pid] and dead == []
            message = wait_for_idle_instance(instance, tmp_path / "wh.duckdb", wait_seconds=0)
            assert message is not None and f"is in use by Dagster run {live[0].run_id}" in message
            assert f"pid {proc.pid}" in message
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    notices: list[str] = []
    with DagsterInstance.from_config(str(home)) as instance:
        assert wait_for_idle_instance(instance, tmp_path / "wh.duckdb", wait_seconds=0, notice=notices.append) is None
        (run,) = instance.get_runs()
        assert run.status == DagsterRunStatus.FAILURE
        assert len(notices) == 1 and "its process is gone" in notices[0]
        assert active_runs(instance) == ([], [])

        @asset
        def quick() -> int:
            return 1

        assert materialize([quick], instance=instance).success  # the instance works on


def test_pid_alive() -> None:
    assert pid_alive(os.getpid())
    assert not pid_alive(os.getpid(), not_started_after=time.time() - 3600 * 24 * 365 * 30)  # "reused" pid
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)
