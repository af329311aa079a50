"""dbt build benchmark: the marts over a large warehouse, full and incremental (one more day of data).

    .venv/bin/python bench/build.py --tree /tmp/big/landing [--work /tmp/big/build] [--json out.json]
    .venv/bin/python bench/build.py --scale 20            # synthesises a small tree first (make bench)

The tree is a synthetic landing tree (`fanops synth`, see BENCHMARKS.md). The benchmark:
1. ingests every file except the last day's (names stamped YYYYMMDD / YYYY-MM-DD of the newest day) into a
   base warehouse, kept in --work and reused by later runs (`--base` to point at one);
2. copies it and runs the project's dbt build (the same `dbt build` arguments Dagster uses, unit tests
   excluded) from scratch: wall time, peak RSS of the dbt process tree, per-model times from run_results;
3. ingests the held-back day into the copy (not timed as part of the build) and runs the build again,
   incremental: wall time, peak RSS, the ratio incremental ÷ full measured in the same process;
4. reports interaction rows (raw comments + messages, and fct_interactions) so the scale is on record.
`--runs-only` measures whole `fanops run`s instead (base, +1 day, nothing new, --force, from scratch) and proves
that the incremental marts equal the from-scratch ones (hash per table; exit 1 when they differ).
Not part of `make test` (`make bench`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingestion.config import FanopsConfig, load_config  # noqa: E402
from orchestration.dbt.project import (  # noqa: E402
    DBT_ENV,
    DBT_PROJECT_DIR,
    dbt_executable,
    dbt_vars,
    prepare_manifest,
)

DAY_RE = re.compile(r"(20\d\d)-?(\d\d)-?(\d\d)")
BENCH_KEY = "bench-key-0123456789abcdef0123456789abcdef"


class TreePeak:
    """Peak RSS of a process and its children, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self._proc = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self._proc, *self._proc.children(recursive=True)]
                total = 0
                for p in procs:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak



def measured(args: list[str], env: dict[str, str], what: str) -> tuple[str, float, int]:
    """Run `args`, return (combined output, wall seconds, peak RSS bytes of the process tree); exit on failure."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = TreePeak(proc.pid)
    out, _ = proc.communicate()
    wall = time.perf_counter() - t0
    rss = peak.stop()
    if proc.returncode != 0:
        sys.exit(f"{what} failed ({proc.returncode}):\n{out[-5000:]}")
    return out, wall, rss

def file_day(path: Path) -> str | None:
    m = DAY_RE.search(path.name)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def split_tree(tree: Path, first: Path) -> tuple[str, int]:
    """Hard-link every file of `tree` except the newest day's into `first`; returns (day, files held back)."""
    days = {d for p in tree.rglob("*") if p.is_file() and (d := file_day(p))}
    last = max(days)
    held = 0
    for p in tree.rglob("*"):
        if not p.is_file():
            continue
        if file_day(p) == last:
            held += 1
            continue
        dst = first / p.relative_to(tree)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists():
            os.link(p, dst)
    return last, held


def ingest(landing: Path, warehouse: Path) -> float:
    env = {**os.environ, "FANOPS_PII_KEY": os.environ.get("FANOPS_PII_KEY", BENCH_KEY),
           "DAGSTER_DISABLE_TELEMETRY": "1", "DAGSTER_HOME": str(warehouse.parent / ".dagster_home")}
    (warehouse.parent / ".dagster_home").mkdir(exist_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run([str(REPO / ".venv" / "bin" / "fanops"), "ingest", "--landing", str(landing),
                           "--warehouse", str(warehouse)], env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"ingest failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t0


def dbt_build(warehouse: Path, target: Path, config: FanopsConfig, full_refresh: bool) -> dict:
    args = [dbt_executable(), "build", "--exclude-resource-type", "unit_test", "--vars",
            json.dumps(dbt_vars(config), sort_keys=True), "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path",
            str(target / "logs")]
    if full_refresh:
        args.append("--full-refresh")
    env = {**os.environ, **DBT_ENV, "FANOPS_WAREHOUSE": str(warehouse)}
    _out, wall, rss = measured(args, env, "dbt build")
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    models = [r for r in results if r["unique_id"].startswith("model.")]
    tests = [r for r in results if r["unique_id"].startswith("test.")]
    per_model = sorted(((r["unique_id"].split(".")[-1], r["execution_time"]) for r in models),
                       key=lambda x: -x[1])
    node_time = sum(r["execution_time"] for r in results)
    return {
        "wall_s": round(wall, 2),
        "peak_rss_gb": round(rss / 1e9, 2),
        "models": len(models),
        "tests": len(tests),
        "model_time_s": round(sum(t for _, t in per_model), 2),
        "test_time_s": round(sum(r["execution_time"] for r in tests), 2),
        "overhead_s": round(wall - node_time, 2),
        "overhead_per_node_s": round((wall - node_time) / max(1, len(results)), 3),
        "slowest_models": [(n, round(t, 2)) for n, t in per_model[:8]],
    }


def counts(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        raw = con.execute(
            "select (select count(*) from raw.douyin_comments) + (select count(*) from raw.wechat_comments)"
            " + (select count(*) from raw.weibo_comments) + (select count(*) from raw.ops_messages)"
        ).fetchone()[0]
        fct = con.execute("select count(*) from marts.fct_interactions").fetchone()[0]
        content = con.execute("select count(*) from marts.fct_content").fetchone()[0]
        orders = con.execute("select count(*) from marts.fct_orders").fetchone()[0]
    finally:
        con.close()
    return {"raw_interaction_rows": raw, "fct_interactions_rows": fct, "fct_content_rows": content,
            "fct_orders_rows": orders}


def mart_hashes(warehouse: Path) -> dict[str, list[int]]:
    """Per marts.* table (views excluded): [rows, order-independent hash of every row]."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_type = 'BASE TABLE' order by 1").fetchall()]
        out = {}
        for t in tables:
            n, h = con.execute(f'select count(*), coalesce(sum(hash(x)::hugeint), 0) from marts."{t}" x').fetchone()
            out[t] = [int(n), int(h)]
    finally:
        con.close()
    return out


def fanops_run(landing: Path, warehouse: Path, config: Path, *extra: str) -> dict:
    """One whole `fanops run` (ingest, quality, dbt, KPI, report, publish): wall time, peak RSS, exit code and
    the summary line of a run with nothing new."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FANOPS_PII_KEY": os.environ.get("FANOPS_PII_KEY", BENCH_KEY)}
    args = [str(REPO / ".venv" / "bin" / "fanops"), "run", "--landing", str(landing), "--warehouse",
            str(warehouse), "--config", str(config), *extra]
    out, wall, rss = measured(args, env, "fanops run")
    nothing_new = next((ln.strip() for ln in out.splitlines() if ln.startswith("nothing new since run")), None)
    return {"wall_s": round(wall, 2), "peak_rss_gb": round(rss / 1e9, 2), "nothing_new": nothing_new}


def whole_runs(tree: Path, work: Path, config: Path) -> dict:
    """`fanops run` on all but the last day, then with the last day (+1 day), then with nothing new, and a
    from-scratch run of the whole tree; the marts of the incremental warehouse must equal the from-scratch ones
    (hash per table)."""
    first = work / "first"
    if not first.exists():
        split_tree(tree, first)
    inc = work / "runs_inc" / "fanops.duckdb"
    scratch = work / "runs_scratch" / "fanops.duckdb"
    for path in (inc.parent, scratch.parent):
        shutil.rmtree(path, ignore_errors=True)
    out: dict = {}
    out["base_run"] = fanops_run(first, inc, config)
    print(f"fanops run, all but the last day: {out['base_run']}", flush=True)
    out["plus_one_day_run"] = fanops_run(tree, inc, config)
    print(f"fanops run, +1 day: {out['plus_one_day_run']}", flush=True)
    out["nothing_new_run"] = fanops_run(tree, inc, config)
    print(f"fanops run, nothing new: {out['nothing_new_run']}", flush=True)
    out["forced_run"] = fanops_run(tree, inc, config, "--force")
    print(f"fanops run --force, nothing new: {out['forced_run']}", flush=True)
    out["scratch_run"] = fanops_run(tree, scratch, config)
    print(f"fanops run from scratch, whole tree: {out['scratch_run']}", flush=True)
    a, b = mart_hashes(inc), mart_hashes(scratch)
    out["marts_compared"] = len(b)
    out["marts_differing"] = sorted(t for t in set(a) | set(b) if a.get(t) != b.get(t))
    print(f"marts equal (incremental vs from scratch): {not out['marts_differing']} "
          f"({len(b)} tables; differing: {out['marts_differing'] or '-'})", flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", type=Path, default=None,
                    help="synthetic landing tree (fanops synth); default: synthesise --scale in the work dir")
    ap.add_argument("--scale", type=float, default=20, help="scale of the tree made when --tree is absent")
    ap.add_argument("--work", type=Path, default=None, help="work dir (base warehouse kept here)")
    ap.add_argument("--base", type=Path, default=None, help="an already ingested base warehouse")
    ap.add_argument("--config", type=Path, default=REPO / "fanops.yaml")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--runs-only", action="store_true",
                    help="only the whole-pipeline runs: `fanops run` base, +1 day, nothing new, --force, and a "
                    "from-scratch run whose marts must equal the incremental ones")
    a = ap.parse_args()

    work = a.work or Path(tempfile.mkdtemp(prefix="fanops_build_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    config = load_config(a.config)
    prepare_manifest()

    if a.tree is None:
        a.tree = work / "tree"
        if not a.tree.exists():
            subprocess.run([str(REPO / ".venv" / "bin" / "fanops"), "synth", "--out", str(a.tree), "--days", "184",
                            "--scale", str(a.scale), "--seed", "7"], check=True, capture_output=True)
    base = a.base or work / "base.duckdb"
    report: dict = {"tree": str(a.tree)}
    if a.runs_only:
        report["runs"] = whole_runs(a.tree, work, a.config)
        if a.json:
            a.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        return 0 if not report["runs"]["marts_differing"] else 1
    if not base.exists():
        first = work / "first"
        day, held = split_tree(a.tree, first)
        report["held_back_day"], report["held_back_files"] = day, held
        report["base_ingest_s"] = round(ingest(first, base), 1)
        print(f"base ingest (all but {day}): {report['base_ingest_s']} s", flush=True)

    wh = work / "wh.duckdb"
    shutil.copyfile(base, wh)
    print("full build ...", flush=True)
    report["full"] = dbt_build(wh, work / "target_full", config, full_refresh=True)
    report["full_counts"] = counts(wh)
    print(json.dumps(report["full"], ensure_ascii=False), flush=True)

    report["day_ingest_s"] = round(ingest(a.tree, wh), 1)
    print(f"ingest of the last day: {report['day_ingest_s']} s; incremental build ...", flush=True)
    report["incremental"] = dbt_build(wh, work / "target_incr", config, full_refresh=False)
    report["incremental_counts"] = counts(wh)
    report["incremental_over_full"] = round(report["incremental"]["wall_s"] / report["full"]["wall_s"], 3)
    print(json.dumps(report["incremental"], ensure_ascii=False), flush=True)

    print()
    print("| measure | full | incremental (+1 day) |")
    print("|---|---|---|")
    f, i = report["full"], report["incremental"]
    for label, key in (("wall time (s)", "wall_s"), ("peak RSS (GB)", "peak_rss_gb"), ("models", "models"),
                       ("data tests", "tests"), ("Σ model time (s)", "model_time_s"),
                       ("Σ test time (s)", "test_time_s"), ("dbt overhead (s)", "overhead_s"),
                       ("overhead per node (s)", "overhead_per_node_s")):
        print(f"| {label} | {f[key]} | {i[key]} |")
    print(f"| interaction rows (raw / fct_interactions) | {report['full_counts']['raw_interaction_rows']:,} / "
          f"{report['full_counts']['fct_interactions_rows']:,} | "
          f"{report['incremental_counts']['raw_interaction_rows']:,} / "
          f"{report['incremental_counts']['fct_interactions_rows']:,} |")
    print(f"incremental ÷ full = {report['incremental_over_full']}")
    if a.json:
        a.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
