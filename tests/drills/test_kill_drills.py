"""Failure drills with real `fanops` processes on a small synthetic landing tree (21 days, scale 0.3).

The clean reference is made by the recovery path itself: the working warehouse is garbage, `fanops run`
refuses naming `fanops rebuild`, and `fanops rebuild --yes` moves the file aside and builds everything from
the landing files. Then a run is SIGKILLed (its whole process group, dbt included) at seeded points while
it ingests, builds the dbt models or publishes; the rerun must converge to the reference: the same marts
(order-independent hash per table, load-time columns aside), the same manifest (each landing file once,
same status), the same raw and quarantine row counts.

CI runs the light variant (two runs started together, the winner killed during ingestion, the rerun
killed during dbt, then a rerun to completion); `make drills` runs the seeded trials marked `drill`.
"""

from __future__ import annotations

import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.drills.drill_lib import (
    WarehouseState,
    crash_invariants,
    first_to_exit,
    make_landing,
    plan_kill,
    record,
    run_and_kill,
    run_fanops,
    start_fanops,
    state_differences,
    warehouse_state,
)

GARBAGE = b"\x00not a DuckDB file: what a torn write leaves\x00" * 4096


@dataclass(frozen=True)
class Reference:
    landing: Path
    warehouse: Path
    state: WarehouseState
    seconds: float
    run_id: str


def _run_id(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Run ") and " in " in line]
    assert lines, output[-2000:]
    return lines[-1].split()[1]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    root = tmp_path_factory.mktemp("drill")
    landing = make_landing(root / "landing")
    warehouse = root / "reference" / "fanops.duckdb"
    warehouse.parent.mkdir()
    warehouse.write_bytes(GARBAGE)
    paths = ("--landing", str(landing), "--warehouse", str(warehouse))

    rc, out, _ = run_fanops("run", *paths)
    assert rc == 1, out
    assert f"the warehouse {warehouse} cannot be opened" in out and "`fanops rebuild`" in out
    assert warehouse.read_bytes() == GARBAGE  # refused before touching anything

    rc, out, _ = run_fanops("rebuild", *paths)  # stdin is not a terminal: no prompt, no change
    assert rc == 2 and "pass --yes" in out, out
    assert warehouse.read_bytes() == GARBAGE

    rc, out, seconds = run_fanops("rebuild", "--yes", *paths)
    assert rc == 0, out[-3000:]
    (broken,) = warehouse.parent.glob("fanops.duckdb.broken-*")
    assert broken.read_bytes() == GARBAGE  # kept for inspection
    assert f"moved {warehouse} -> {broken}" in out and "rebuilt in" in out
    record({"drill": "rebuild", "seconds": round(seconds, 1)})
    return Reference(landing, warehouse, warehouse_state(warehouse), seconds, _run_id(out))


def _paths(reference: Reference, warehouse: Path) -> tuple[str, ...]:
    return ("--landing", str(reference.landing), "--warehouse", str(warehouse))


def _rerun_and_compare(reference: Reference, warehouse: Path, trial: str, kills: list[dict]) -> float:
    rc, out, seconds = run_fanops("run", *_paths(reference, warehouse))
    assert rc == 0, out[-3000:]
    assert state_differences(warehouse_state(warehouse), reference.state) == []
    record({"drill": "kill", "trial": trial, "kills": kills, "rerun_seconds": round(seconds, 1),
            "clean_seconds": round(reference.seconds, 1)})
    return seconds


def test_two_runs_together_then_kills_during_ingestion_and_dbt_converge(
    reference: Reference, tmp_path: Path
) -> None:
    rng = random.Random(20261127)
    warehouse = tmp_path / "wh" / "fanops.duckdb"
    paths = _paths(reference, warehouse)

    # two `fanops run` at once: one refuses at once with exit 75, the other goes on ...
    loser, winner = first_to_exit(start_fanops("run", *paths), start_fanops("run", *paths))
    assert loser.popen.returncode == 75, loser.output[-3000:]
    assert f"fanops: warehouse {warehouse} is in use by `fanops run` (pid {winner.popen.pid}, since " in loser.output
    assert "rerun later or pass --wait SECONDS" in loser.output

    # ... and is killed while it ingests
    kills = []
    first = run_and_kill(winner, plan_kill(rng, "ingestion"), warehouse)
    assert first.killed, first
    assert crash_invariants(warehouse, tmp_path / "after-1") == []
    kills.append({"plan": first.plan.describe(), "at_s": round(first.at_seconds, 1), "last": first.last_line})

    # the rerun is killed during the dbt build; it found the first run dead and marked it failed
    second = start_fanops("run", *paths)
    outcome = run_and_kill(second, plan_kill(rng, "dbt"), warehouse)
    assert outcome.killed, outcome
    assert "its process is gone" in second.output  # the first run's Dagster record
    assert crash_invariants(warehouse, tmp_path / "after-2") == []
    kills.append({"plan": outcome.plan.describe(), "at_s": round(outcome.at_seconds, 1), "last": outcome.last_line})

    _rerun_and_compare(reference, warehouse, "ci", kills)


# ---------------------------------------------------------------------------- make drills (seeded trials)

TRIALS = {
    1: ["ingestion"],
    2: ["dbt"],
    3: ["publish"],
    4: ["ingestion", "ingestion"],
    5: ["dbt", "ingestion"],
    6: ["dbt", "publish"],
}


def _published_run_ids(warehouse: Path) -> set[str]:
    published = warehouse.parent / "published" / "fanops.duckdb"
    if not published.exists():
        return set()
    with duckdb.connect(str(published), read_only=True) as con:
        return {r[0] for r in con.execute("select distinct run_id from marts.publish_info").fetchall()}


@pytest.mark.drill
@pytest.mark.parametrize("seed", sorted(TRIALS))
def test_seeded_kill_trial(reference: Reference, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    phases = TRIALS[seed]
    warehouse = tmp_path / "wh" / "fanops.duckdb"
    warehouse.parent.mkdir()
    if "publish" in phases:  # start from the reference build and its publication: old or new, never a mix
        shutil.copy2(reference.warehouse, warehouse)
        shutil.copytree(reference.warehouse.parent / "published", warehouse.parent / "published")
    before = _published_run_ids(warehouse)
    kills = []
    for n, phase in enumerate(phases, 1):
        proc = start_fanops("run", *_paths(reference, warehouse))
        outcome = run_and_kill(proc, plan_kill(rng, phase), warehouse)
        assert outcome.killed, outcome
        assert crash_invariants(warehouse, tmp_path / f"after-{n}") == []
        if n > 1:
            assert "its process is gone" in proc.output
        ids = _published_run_ids(warehouse)  # opens: the file is whole
        assert len(ids) <= 1 and (not ids or ids == before or ids == {_dagster_run_id(proc.output)}), ids
        before = ids or before
        kills.append({"plan": outcome.plan.describe(), "at_s": round(outcome.at_seconds, 1),
                      "last": outcome.last_line, "published": sorted(ids)})
    _rerun_and_compare(reference, warehouse, f"seed {seed}", kills)
    assert len(_published_run_ids(warehouse)) == 1


def _dagster_run_id(output: str) -> str:
    for line in output.splitlines():
        if " - dagster - " in line and "__ephemeral_asset_job__ - " in line:
            return line.split("__ephemeral_asset_job__ - ", 1)[1].split(" - ", 1)[0]
    return ""


@pytest.mark.drill
def test_two_runs_with_wait_both_complete(reference: Reference, tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "fanops.duckdb"
    paths = _paths(reference, warehouse)
    started = time.monotonic()
    a = start_fanops("run", "--wait", "1800", *paths)
    b = start_fanops("run", "--wait", "1800", *paths)
    assert a.wait(1800) == 0, a.output[-3000:]
    assert b.wait(1800) == 0, b.output[-3000:]
    waited = [p for p in (a, b) if "waiting up to 1800 s" in p.output]
    assert len(waited) == 1
    assert state_differences(warehouse_state(warehouse), reference.state) == []
    record({"drill": "two runs --wait", "seconds": round(time.monotonic() - started, 1)})
