"""Helpers of the failure drills: a small synthetic landing tree whose export times do not depend on the
wall clock, `fanops` subprocesses killed with SIGKILL at a chosen phase, and the comparisons of a rerun
with a clean build (marts, manifest, raw row counts)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
TEST_PII_KEY = "fanops-test-key-0123456789abcdef0123456789abcdef"  # = tests/conftest.py
# columns that carry the load time itself (`_source_loaded_at`): a rerun after a crash loads later, as a
# clean build made a minute later would
VOLATILE_SUFFIXES = ("loaded_at",)
PHASES = ("ingestion", "dbt", "publish")


# ------------------------------------------------------------------------------------------- the landing


def make_landing(root: Path, seed: int = 11, days: int = 21, scale: float = 0.3) -> Path:
    """`fanops synth` into root, then `pin_export_times`."""
    from ingestion import synth

    with open(os.devnull, "w") as devnull:  # synth prints a table per dataset
        stdout, sys.stdout = sys.stdout, devnull
        try:
            assert synth.main(["--out", str(root), "--days", str(days), "--scale", str(scale), "--seed", str(seed)]) in (0, None)
        finally:
            sys.stdout = stdout
    pin_export_times(root)
    return root


def pin_export_times(landing: Path) -> int:
    """Give every file whose export time would be its delivery time (the wall clock of the run that first
    sees it) a sidecar `<file>.meta.json` with a fixed export time after the data, so two builds of the tree
    made at different times have the same marts. Returns the number of sidecars written."""
    from ingestion.engine import check_files
    from ingestion.landing import iter_deliveries

    files = list(iter_deliveries(landing))
    reports = check_files(files, landing=landing, pii_key=TEST_PII_KEY.encode())
    ends = [r.outcome.period[1] for r in reports if r.outcome is not None and r.outcome.period[1] is not None]
    last = max(ends)
    exported = f"{last.isoformat()[:10]}T23:00:00+08:00"
    written = 0
    for path, report in zip(files, reports, strict=True):
        outcome = report.outcome
        if outcome is None or outcome.status == "rejected" or outcome.export_source != "delivered":
            continue
        side = path.with_name(path.name + ".meta.json")
        side.write_text(json.dumps({"exported_at": exported}), encoding="utf-8")
        written += 1
    return written


# ----------------------------------------------------------------------------------------- comparisons


def stable_mart_hashes(warehouse: Path) -> dict[str, tuple[int, int]]:
    """Per marts.* table: (rows, order-independent hash of every row without its load-time columns)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return _stable_hashes(con, "marts")


def _stable_hashes(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, tuple[int, int]]:
    catalog = con.execute("select current_database()").fetchone()[0]
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? "
            "and table_type = 'BASE TABLE' order by 1",
            [catalog, schema],
        ).fetchall()
    ]
    out = {}
    for table in tables:
        cols = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_catalog = ? "
                "and table_schema = ? and table_name = ? order by ordinal_position",
                [catalog, schema, table],
            ).fetchall()
            if not r[0].endswith(VOLATILE_SUFFIXES)
        ]
        row_expr = "row(" + ", ".join(f'"{c}"' for c in cols) + ")"
        rows, digest = con.execute(
            f'select count(*), coalesce(sum(hash({row_expr})::hugeint), 0) from {schema}."{table}"'
        ).fetchone()
        out[table] = (int(rows), int(digest))
    return out


@dataclass(frozen=True)
class WarehouseState:
    marts: dict[str, tuple[int, int]]
    manifest: list[tuple[str, str, str]]  # (path, sha256, status), sorted
    raw_rows: dict[str, int]  # raw.* table -> rows
    quarantine: int
    manifest_rows: int


def warehouse_state(warehouse: Path) -> WarehouseState:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        manifest = sorted(
            (str(p), str(s), str(st))
            for p, s, st in con.execute("select path, sha256, status from ops.file_manifest").fetchall()
        )
        raw = {
            t: int(con.execute(f'select count(*) from raw."{t}"').fetchone()[0])
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' "
                "and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        }
        quarantine = int(con.execute("select count(*) from ops.quarantine").fetchone()[0])
        manifest_rows = int(con.execute("select count(*) from ops.file_manifest").fetchone()[0])
        marts = _stable_hashes(con, "marts")
    return WarehouseState(marts, manifest, raw, quarantine, manifest_rows)


def state_differences(got: WarehouseState, want: WarehouseState) -> list[str]:
    """What differs from the clean build, in words (empty: converged)."""
    problems = []
    if got.manifest_rows != len(got.manifest) or len({p for p, _, _ in got.manifest}) != len(got.manifest):
        problems.append("a landing file appears more than once in ops.file_manifest")
    if got.manifest != want.manifest:
        lost = sorted(set(want.manifest) - set(got.manifest))
        extra = sorted(set(got.manifest) - set(want.manifest))
        problems.append(f"manifest differs: missing {lost[:5]}, unexpected {extra[:5]}")
    if got.raw_rows != want.raw_rows:
        diff = {t: (got.raw_rows.get(t), n) for t, n in want.raw_rows.items() if got.raw_rows.get(t) != n}
        problems.append(f"raw row counts differ (got, clean): {diff}")
    if got.quarantine != want.quarantine:
        problems.append(f"quarantine rows {got.quarantine} != {want.quarantine}")
    if got.marts != want.marts:
        diff_marts = sorted(t for t in set(got.marts) | set(want.marts) if got.marts.get(t) != want.marts.get(t))
        problems.append(f"marts differ: {diff_marts}")
    return problems


def crash_invariants(warehouse: Path, scratch: Path) -> list[str]:
    """Right after a kill, on a copy (DuckDB replays the leftover WAL there, not in the drill's file):
    the copy opens, no file is twice in the manifest, no raw row belongs to a file the manifest lacks."""
    if not warehouse.exists():
        return []
    scratch.mkdir(parents=True, exist_ok=True)
    copy = scratch / warehouse.name
    shutil.copy2(warehouse, copy)
    wal = warehouse.with_name(warehouse.name + ".wal")
    if wal.exists():
        shutil.copy2(wal, copy.with_name(copy.name + ".wal"))
    problems = []
    try:
        con = duckdb.connect(str(copy))
    except duckdb.Error as exc:
        return [f"the warehouse does not open after the kill: {exc}"]
    try:
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()}
        if "ops" not in schemas:
            return []
        tables = {
            r[0]
            for r in con.execute("select table_name from duckdb_tables() where schema_name = 'ops'").fetchall()
        }
        if "file_manifest" not in tables:
            return []
        doubled = con.execute(
            "select path, count(*) from ops.file_manifest group by 1 having count(*) > 1"
        ).fetchall()
        if doubled:
            problems.append(f"files twice in the manifest: {doubled[:5]}")
        known = {r[0] for r in con.execute("select sha256 from ops.file_manifest").fetchall()}
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw'"
        ).fetchall():
            cols = {r[0] for r in con.execute(f"describe raw.\"{table}\"").fetchall()}
            if "_file_sha256" not in cols:
                continue
            orphans = {
                r[0] for r in con.execute(f'select distinct _file_sha256 from raw."{table}"').fetchall()
            } - known
            if orphans:
                problems.append(f"raw.{table} holds rows of {len(orphans)} file(s) the manifest lacks")
    finally:
        con.close()
    return problems


# ------------------------------------------------------------------------------------------ subprocesses


def fanops_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANOPS_")}
    env.update(
        {
            "FANOPS_PII_KEY": TEST_PII_KEY,
            "DAGSTER_DISABLE_TELEMETRY": "1",
            "GX_ANALYTICS_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


@dataclass
class Proc:
    """A `fanops` subprocess in its own process group, its output collected line by line."""

    argv: list[str]
    popen: subprocess.Popen
    started: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    reader: threading.Thread | None = None
    new_line: threading.Event = field(default_factory=threading.Event)

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def wait(self, timeout: float = 900) -> int:
        rc = self.popen.wait(timeout=timeout)
        if self.reader is not None:
            self.reader.join(timeout=30)
        return rc

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=60)
        if self.reader is not None:
            self.reader.join(timeout=30)
        # every process of the group (the dbt child too) must be gone before the rerun
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(self.popen.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def start_fanops(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> Proc:
    argv = [sys.executable, "-m", "orchestration.cli", *args]
    popen = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env or fanops_env(),
        stdin=subprocess.DEVNULL,  # not a terminal: `fanops rebuild` asks for --yes instead of prompting
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,  # own process group: SIGKILL reaches the dbt child too
    )
    proc = Proc(argv, popen, time.monotonic())

    def read() -> None:
        assert popen.stdout is not None
        for line in popen.stdout:
            proc.lines.append((time.monotonic() - proc.started, line.rstrip("\n")))
            proc.new_line.set()
        proc.new_line.set()

    proc.reader = threading.Thread(target=read, daemon=True)
    proc.reader.start()
    return proc


def run_fanops(*args: str, timeout: float = 900) -> tuple[int, str, float]:
    proc = start_fanops(*args)
    rc = proc.wait(timeout)
    return rc, proc.output, time.monotonic() - proc.started


# ------------------------------------------------------------------------------------------ kill points


def is_ingestion_line(line: str) -> bool:
    """An ingestion asset's log line (`raw__<dataset> - <dataset>: files seen ...`)."""
    return " - raw__" in line and ": files seen " in line


def is_dbt_start_line(line: str) -> bool:
    """dbt starting a node (`12 of 549 START sql table model ...`)."""
    return " START " in line and " of " in line.split(" START ", 1)[0]


@dataclass(frozen=True)
class KillPlan:
    """Kill after the `nth` marker line of `phase` (ingestion: the nth raw asset done; dbt: the nth node
    started; publish: the temporary publication file appeared), then `delay` more seconds."""

    phase: str
    nth: int
    delay: float

    def describe(self) -> str:
        what = {"ingestion": "raw asset logged", "dbt": "dbt node started", "publish": "publish tmp seen"}
        return f"{self.phase}: after #{self.nth} {what[self.phase]} + {self.delay:.2f} s"


def plan_kill(rng: random.Random, phase: str, ingestion_assets: int = 25, dbt_nodes: int = 540) -> KillPlan:
    if phase == "ingestion":
        return KillPlan(phase, rng.randint(1, ingestion_assets), round(rng.uniform(0.0, 0.4), 2))
    if phase == "dbt":
        return KillPlan(phase, rng.randint(1, dbt_nodes), round(rng.uniform(0.0, 0.3), 2))
    if phase == "publish":
        return KillPlan(phase, 1, round(rng.uniform(0.0, 0.4), 2))
    raise ValueError(phase)


@dataclass
class KillOutcome:
    plan: KillPlan
    killed: bool  # False: the run ended before the kill point
    at_seconds: float
    last_line: str
    rc: int | None


def run_and_kill(proc: Proc, plan: KillPlan, warehouse: Path, timeout: float = 600) -> KillOutcome:
    """Watch `proc` and SIGKILL its group at the plan's point."""
    count = 0
    seen = 0
    deadline = time.monotonic() + timeout
    published = warehouse.parent / "published"
    marker: Callable[[str], bool] | None = {
        "ingestion": is_ingestion_line,
        "dbt": is_dbt_start_line,
    }.get(plan.phase)
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None and seen >= len(proc.lines):
            proc.wait()
            return KillOutcome(plan, False, time.monotonic() - proc.started, _last(proc), proc.popen.returncode)
        if marker is not None:
            proc.new_line.wait(0.05)
            proc.new_line.clear()
            lines = proc.lines[seen:]
            seen += len(lines)
            count += sum(1 for _, line in lines if marker(line))
            hit = count >= plan.nth
        else:  # publish: the temporary publication file exists
            seen = len(proc.lines)
            hit = published.is_dir() and any(published.glob(".*.tmp"))
            if not hit:
                time.sleep(0.01)
        if hit:
            if plan.delay:
                time.sleep(plan.delay)
            if proc.popen.poll() is not None:
                proc.wait()
                return KillOutcome(plan, False, time.monotonic() - proc.started, _last(proc), proc.popen.returncode)
            at = time.monotonic() - proc.started
            proc.kill_group()
            return KillOutcome(plan, True, at, _last(proc), None)
    proc.kill_group()
    raise AssertionError(f"no kill point reached in {timeout} s: {plan.describe()}")


def _last(proc: Proc) -> str:
    return proc.lines[-1][1][:160] if proc.lines else ""


def first_to_exit(a: Proc, b: Proc, timeout: float = 180) -> tuple[Proc, Proc]:
    """(the one that exited first, the other) of two processes started together."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for one, other in ((a, b), (b, a)):
            if one.popen.poll() is not None:
                one.wait()
                return one, other
        time.sleep(0.05)
    raise AssertionError(f"neither process exited within {timeout} s")


def record(entry: dict[str, object]) -> None:
    """Append one drill figure (JSON line) to $FANOPS_DRILL_LOG when set (`make drills`)."""
    target = os.environ.get("FANOPS_DRILL_LOG")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
