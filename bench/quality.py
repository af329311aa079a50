"""Data-quality benchmark: every suite (expectations/) over a built warehouse, as the asset checks run them.

    .venv/bin/python bench/quality.py --warehouse /tmp/big/build/wh.duckdb [--pipeline-seconds 835]
        [--compare N] [--json out.json]
    .venv/bin/python bench/quality.py          # make bench: builds the bundled sample first (`fanops run`,
                                               # timed: the pipeline's wall time at size S)

Works on a COPY of the warehouse (validation writes nothing but this benchmark never touches the original).
Prints per suite: engine (GX on pandas or DuckDB SQL), batch rows, seconds; the total wall and CPU time, peak
RSS, and the total as a share of the pipeline's wall time (`--pipeline-seconds`: the measured full run at the
same size, see BENCHMARKS.md). `--compare N` also validates the N largest suites with the other engine in the
same process (SQL vs a full copy into pandas), the evidence for the engine choice.
Not part of `make test` (`make bench`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from expectations.engine import validate_suite  # noqa: E402
from expectations.suites import all_suites  # noqa: E402
from ingestion.config import FanopsConfig, load_config  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warehouse", type=Path, help="a built warehouse (default: build the sample first)")
    ap.add_argument("--config", type=Path, help="fanops.yaml (default: built-in defaults)")
    ap.add_argument("--pipeline-seconds", type=float, help="wall time of the full pipeline run at this size")
    ap.add_argument(
        "--compare", type=int, default=0, help="also run the N largest suites with the other engine"
    )
    ap.add_argument("--json", type=Path)
    ap.add_argument("--work", type=Path, help="folder for the warehouse copy (default: a temp dir)")
    args = ap.parse_args(argv)

    config = load_config(args.config) if args.config else FanopsConfig()
    work = Path(tempfile.mkdtemp(prefix="fanops-bench-dq-", dir=args.work))
    if args.warehouse is None:  # size S: the sample, with the whole pipeline timed in the same process
        args.warehouse = work / "sample" / "fanops.duckdb"
        args.warehouse.parent.mkdir(parents=True)
        env = {**os.environ, "DAGSTER_HOME": str(work / "sample"), "DAGSTER_DISABLE_TELEMETRY": "1"}
        env.setdefault("FANOPS_PII_KEY", "bench-key-0123456789abcdef0123456789abcdef")
        (work / "sample" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        t = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "orchestration.cli", "run", "--warehouse", str(args.warehouse)],
            cwd=REPO,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        args.pipeline_seconds = args.pipeline_seconds or time.monotonic() - t
        print(f"sample pipeline (fanops run, all stages incl. its own checks): {args.pipeline_seconds:.1f} s")
        from ingestion.config import SAMPLE_CONFIG

        config = load_config(SAMPLE_CONFIG)
    copy = work / "wh.duckdb"
    t = time.monotonic()
    shutil.copy2(args.warehouse, copy)
    print(
        f"copied {args.warehouse} ({args.warehouse.stat().st_size / 1e9:.2f} GB) in {time.monotonic() - t:.1f} s"
    )

    suites = all_suites(config)
    con = duckdb.connect(str(copy))
    rows = []
    wall0, cpu0 = time.monotonic(), time.process_time()
    for suite in suites:
        v = validate_suite(con, suite, run_id="bench", quality=config.quality)
        failed = sum(1 for r in v.results if not r.success)
        rows.append(
            {
                "suite": suite.name,
                "engine": str(v.engine),
                "rows": int(v.batch_rows or 0),
                "checks": len(v.results),
                "failed": failed,
                "seconds": round(float(v.duration_s), 3),
                "outcomes": [x.success for x in v.results],
            }
        )
    wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    print(f"\n{'suite':48} {'engine':10} {'rows':>12} {'checks':>6} {'failed':>6} {'s':>8}")
    for r in sorted(rows, key=lambda r: -r["seconds"]):
        print(
            f"{r['suite']:48} {r['engine']:10} {r['rows']:>12,} {r['checks']:>6} {r['failed']:>6} {r['seconds']:>8.2f}"
        )
    checks = sum(r["checks"] for r in rows)
    print(
        f"\nall suites: {len(rows)} suites, {checks} expectations, wall {wall:.1f} s, CPU {cpu:.1f} s, "
        f"peak RSS {peak_rss_mb():.0f} MB"
    )
    out: dict = {
        "suites": rows,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(peak_rss_mb()),
    }
    if args.pipeline_seconds:
        share = wall / args.pipeline_seconds
        out["share_of_pipeline"] = round(share, 4)
        print(
            f"share of the pipeline's wall time ({args.pipeline_seconds:.0f} s): {share:.1%} (goal <= 20 %)"
        )

    if args.compare:
        by_name = {s.name: s for s in suites}
        biggest = sorted(rows, key=lambda r: -r["rows"])[: args.compare]
        print("\nengine comparison (same process):")
        comparisons = []
        for r in biggest:
            other = "gx_pandas" if r["engine"] == "sql" else "sql"
            rss_before = peak_rss_mb()
            t = time.monotonic()
            v = validate_suite(
                con, by_name[r["suite"]], run_id="bench-compare", quality=config.quality, engine=other
            )  # type: ignore[arg-type]
            seconds = time.monotonic() - t
            comparisons.append(
                {
                    "suite": r["suite"],
                    "rows": r["rows"],
                    r["engine"]: r["seconds"],
                    other: round(seconds, 3),
                    "peak_rss_mb_after": round(peak_rss_mb()),
                    "same_outcome": [x.success for x in v.results] == r["outcomes"],
                }
            )
            print(
                f"  {r['suite']:44} {r['rows']:>12,} rows: {r['engine']} {r['seconds']:.2f} s, {other} {seconds:.2f} s "
                f"(x{seconds / max(r['seconds'], 1e-9):.1f}); peak RSS {rss_before:.0f} -> {peak_rss_mb():.0f} MB"
            )
        out["compare"] = comparisons
    con.close()
    shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
