"""One writer per warehouse: an advisory lock every writing `fanops` command holds for its whole run.

DuckDB allows one writing process per database file. `fanops run|build|ingest|crisis|publish|rebuild`
take an exclusive `fcntl.flock` on a sidecar file `<warehouse>.lock` before they open the warehouse and
keep it until their in-process Dagster run (and the CHECKPOINT after it) is over. A second command on the
same warehouse either refuses at once (exit 75, EX_TEMPFAIL, naming the holder) or, with `--wait SECONDS`,
waits for it. The kernel drops a flock when its holder dies, even on SIGKILL, so a crash never leaves a
stale lock; the pid, command and start time written into the file only make the message useful.

The lock is re-entrant within one process (`fanops rebuild` holds it and then runs the pipeline).
Dagster runs launched from the UI or by the daemon are serialised by the instance's run queue
(`max_concurrent_runs: 1`, orchestration.cli.DAGSTER_YAML), which also counts the in-process runs of
these commands as active; the commands in turn refuse while a queued/UI run is in progress
(`active_runs_message`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

EXIT_TEMPFAIL = 75  # sysexits.h EX_TEMPFAIL: try again later

_held: dict[str, int] = {}  # resolved lock path -> nesting depth in this process
_held_guard = threading.Lock()


def lock_path(warehouse: Path) -> Path:
    """The sidecar lock file of a warehouse: `<warehouse>.lock` next to it."""
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".lock")


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) a warehouse lock, as written into the lock file."""

    pid: int | None
    command: str
    since: str  # ISO time (UTC) the lock was taken

    def describe(self) -> str:
        since = self.since.replace("T", " ").removesuffix("Z") + " UTC" if self.since else "unknown time"
        pid = f"pid {self.pid}" if self.pid is not None else "pid unknown"
        return f"`{self.command}` ({pid}, since {since})"


class WarehouseBusy(Exception):
    """Another process holds the warehouse lock (after waiting `waited` seconds, if asked to wait)."""

    def __init__(self, warehouse: Path, holder: LockHolder | None, waited: float = 0.0) -> None:
        self.warehouse = Path(warehouse)
        self.holder = holder
        self.waited = waited
        super().__init__(self.message)

    @property
    def message(self) -> str:
        who = self.holder.describe() if self.holder is not None else "another fanops command"
        waited = f" (waited {self.waited:.0f} s)" if self.waited > 0 else ""
        return (
            f"fanops: warehouse {self.warehouse} is in use by {who}{waited}; "
            "rerun later or pass --wait SECONDS"
        )


def read_holder(warehouse: Path) -> LockHolder | None:
    """The holder recorded in the lock file (None when empty, missing or unreadable)."""
    try:
        text = lock_path(warehouse).read_text(encoding="utf-8").strip()
        data = json.loads(text) if text else None
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    pid = data.get("pid")
    return LockHolder(
        pid=pid if isinstance(pid, int) else None,
        command=str(data.get("command") or "fanops"),
        since=str(data.get("since") or ""),
    )


def warehouse_in_use(warehouse: Path) -> LockHolder | None:
    """Non-blocking probe: the holder when another process holds the lock, else None (sensors, status)."""
    path = lock_path(warehouse)
    key = str(path.resolve())
    with _held_guard:
        if _held.get(key):
            return None  # this process holds it
    if not path.exists():
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return read_holder(warehouse) or LockHolder(None, "fanops", "")
            raise
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _default_notice(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@contextmanager
def warehouse_lock(
    warehouse: Path,
    *,
    wait_seconds: float,
    command: str,
    poll_seconds: float = 0.5,
    notice: Callable[[str], None] = _default_notice,
) -> Iterator[LockHolder]:
    """Hold the exclusive lock of `warehouse` for the body.

    `wait_seconds` 0 refuses at once when another process holds it; otherwise the first failed attempt
    prints one "waiting for ..." notice and the lock is polled until the deadline. Raises `WarehouseBusy`.
    Re-entrant within a process (a nested call holds nothing new and yields the outer holder's record).
    """
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    with _held_guard:
        depth = _held.get(key, 0)
        if depth:
            _held[key] = depth + 1
    if depth:
        try:
            yield read_holder(warehouse) or LockHolder(os.getpid(), command, "")
        finally:
            with _held_guard:
                _held[key] -= 1
        return

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        started = time.monotonic()
        deadline = started + max(0.0, wait_seconds)
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            holder = read_holder(warehouse)
            now = time.monotonic()
            if now >= deadline:
                raise WarehouseBusy(warehouse, holder, waited=now - started if wait_seconds > 0 else 0.0)
            if not announced:
                who = holder.describe() if holder is not None else "another fanops command"
                notice(
                    f"fanops: warehouse {warehouse} is in use by {who}; waiting up to {wait_seconds:g} s"
                )
                announced = True
            time.sleep(min(poll_seconds, max(0.0, deadline - now)))

        me = LockHolder(os.getpid(), command, dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(me.__dict__) + "\n").encode("utf-8"), 0)
        with _held_guard:
            _held[key] = 1
        try:
            yield me
        finally:
            with _held_guard:
                _held.pop(key, None)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # still ours: nobody sees a released lock with our name in it
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------- the Dagster instance


@dataclass(frozen=True)
class ActiveRun:
    run_id: str
    job_name: str
    pid: int | None  # of the process executing it (its RUN_START event), None before it started
    since: str  # ISO time (UTC) of its last status change

    def describe(self) -> str:
        pid = f"pid {self.pid}, " if self.pid is not None else ""
        return f"Dagster run {self.run_id} (job {self.job_name}, {pid}since {self.since} UTC)"


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def pid_alive(pid: int, not_started_after: float | None = None) -> bool:
    """True when process `pid` exists and is not a zombie; with `not_started_after` (epoch seconds), a
    process that started later is a reused pid, so not the one we ask about (Linux /proc only)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return True  # no /proc: trust kill(0)
    if fields[0] == "Z":
        return False
    boot = _boot_time()
    if not_started_after is not None and boot is not None:
        started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
        if started > not_started_after + 2.0:
            return False
    return True


def active_runs(instance: object) -> tuple[list[ActiveRun], list[ActiveRun]]:
    """(live, dead) runs of the instance in an active status (starting, started, canceling). A run whose
    executing process is gone (a `fanops` command or run worker killed with SIGKILL, a power cut) is dead:
    Dagster never learns it ended, and until it is marked failed it blocks the run queue for good."""
    from dagster import DagsterEventType, DagsterInstance, RunsFilter
    from dagster._core.storage.dagster_run import ACTIVE_RUN_STATUSES

    assert isinstance(instance, DagsterInstance)
    live: list[ActiveRun] = []
    dead: list[ActiveRun] = []
    for record in instance.get_run_records(filters=RunsFilter(statuses=list(ACTIVE_RUN_STATUSES))):
        run = record.dagster_run
        starts = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_START)
        event = starts[-1].dagster_event if starts else None
        pid = event.pid if event is not None else None
        since = record.update_timestamp.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        info = ActiveRun(run.run_id, run.job_name, pid, since)
        started_at = starts[-1].timestamp if starts else None
        if pid is not None and pid != os.getpid() and not pid_alive(pid, started_at):
            dead.append(info)
        else:
            live.append(info)
    return live, dead


def fail_dead_runs(instance: object, dead: list[ActiveRun]) -> None:
    """Mark runs whose process died as failed (frees the run queue; the UI shows why)."""
    from dagster import DagsterInstance

    assert isinstance(instance, DagsterInstance)
    for info in dead:
        run = instance.get_run_by_id(info.run_id)
        if run is not None and not run.is_finished:
            instance.report_run_failed(
                run,
                message=f"the process running it (pid {info.pid}) is gone (killed or crashed); "
                "marked failed by the next fanops command",
            )


def wait_for_idle_instance(
    instance: object,
    warehouse: Path,
    *,
    wait_seconds: float,
    poll_seconds: float = 2.0,
    notice: Callable[[str], None] = _default_notice,
) -> str | None:
    """With the warehouse lock held: fail the dead runs, then wait (up to `wait_seconds`) until no run of
    the instance (UI, schedule, sensor) is in progress. Returns None when idle, else the refusal message."""
    deadline = time.monotonic() + max(0.0, wait_seconds)
    announced = False
    while True:
        live, dead = active_runs(instance)
        if dead:
            fail_dead_runs(instance, dead)
            for info in dead:
                notice(f"fanops: marked {info.describe()} failed: its process is gone")
        if not live:
            return None
        who = live[0].describe()
        if time.monotonic() >= deadline:
            return (
                f"fanops: warehouse {warehouse} is in use by {who}; rerun later or pass --wait SECONDS"
            )
        if not announced:
            notice(f"fanops: warehouse {warehouse} is in use by {who}; waiting up to {wait_seconds:g} s")
            announced = True
        time.sleep(min(poll_seconds, max(0.0, deadline - time.monotonic())))
