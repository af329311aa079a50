"""Ingestion benchmark: fanops against DuckDB's own readers on the same bytes, in the same process.

    .venv/bin/python bench/ingest.py --scale 400 --days 184 [--tree DIR] [--keep]

Generates (or reuses) a synthetic landing tree with `fanops synth`, ingests it into a fresh warehouse,
then loads the same CSV / JSON / JSONL files with DuckDB's readers (`read_csv`, `read_json`) into tables,
and prints wall time, CPU time, rows/s, MB/s and peak RSS per file family, the ratio fanops ÷ DuckDB,
and a rerun with nothing new. Not part of `make test` (`make bench`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.measure import PeakRSS, TreeSampler
from ingestion.engine import IngestOptions, ingest
from ingestion.landing import classify, iter_deliveries
from ingestion.readers.detect import read_document


def families(landing: Path) -> dict[str, list[Path]]:
    """Files DuckDB can read directly, grouped by (dataset, format): UTF-8 CSV, JSON wrappers, JSONL."""
    out: dict[str, list[Path]] = defaultdict(list)
    for p in iter_deliveries(landing):
        info = classify(p.relative_to(landing).as_posix())
        if info.dataset is None:
            continue
        head = p.open("rb").read(4)
        if head.startswith(b"PK") or head.startswith(b"\xd0\xcf"):
            continue
        try:
            doc = read_document(p.read_bytes())
        except Exception:
            continue
        if doc.file_type == "csv" and doc.encoding in ("utf-8", "utf-8-sig"):
            out[f"{info.dataset.id}|csv"].append(p)
        elif doc.file_type == "jsonl":
            out[f"{info.dataset.id}|jsonl"].append(p)
        elif doc.file_type == "json":
            out[f"{info.dataset.id}|json"].append(p)
    return out


def duckdb_load(files: dict[str, list[Path]], con: duckdb.DuckDBPyConnection) -> dict[str, tuple[float, int, int]]:
    """Load each family with DuckDB's own reader into tables: (seconds, rows, bytes).

    DuckDB keeps every file of a multi-file read open, so families are read in batches of 4,000 files
    (one table per batch) to stay under the open-files limit."""
    res: dict[str, tuple[float, int, int]] = {}
    for i, (fam, paths) in enumerate(sorted(files.items())):
        size = sum(p.stat().st_size for p in paths)
        kind = fam.rsplit("|", 1)[1]
        total_s, rows = 0.0, 0
        try:
            for k in range(0, len(paths), 4000):
                lst = "[" + ", ".join(f"'{p}'" for p in paths[k : k + 4000]) + "]"
                if kind == "csv":
                    sql = f"SELECT * FROM read_csv({lst}, all_varchar = true, union_by_name = true)"
                elif kind == "jsonl":
                    sql = f"SELECT * FROM read_json({lst}, format = 'newline_delimited', union_by_name = true)"
                else:
                    sql = f"SELECT * FROM read_json({lst}, maximum_object_size = 1000000000, union_by_name = true)"
                t = time.perf_counter()
                con.execute(f"CREATE TABLE t{i}_{k} AS {sql}")
                total_s += time.perf_counter() - t
                rows += con.execute(f"SELECT count(*) FROM t{i}_{k}").fetchone()[0]  # type: ignore[index]
        except duckdb.Error as exc:
            print(f"  duckdb could not read {fam}: {exc}".splitlines()[0])
            continue
        res[fam] = (total_s, rows, size)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=50.0)
    ap.add_argument("--days", type=int, default=184)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tree", type=Path, help="landing tree to (re)use; generated when missing")
    ap.add_argument("--keep", action="store_true", help="keep the warehouse")
    ap.add_argument("--json", type=Path, help="write the figures as JSON here")
    ap.add_argument("--no-formats", action="store_true", help="only the full ingest and the rerun")
    ap.add_argument("--workers", type=int, default=None,
                    help="worker processes for ingestion (default: automatic; 0 = in this process)")
    ap.add_argument("--formats-only", action="store_true",
                    help="skip the full ingest and the rerun; only the per-format comparison with DuckDB")
    args = ap.parse_args(argv)
    # DuckDB keeps every file of a multi-file read_csv open: lift the soft open-files limit to the hard one
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    work = Path(tempfile.mkdtemp(prefix="fanops-bench-"))
    tree = args.tree or work / "landing"
    if not tree.exists():
        from ingestion.synth import generate

        t = time.perf_counter()
        counts = generate(tree, days=args.days, scale=args.scale, seed=args.seed)
        print(f"synth: {time.perf_counter() - t:.1f}s  {json.dumps(counts, ensure_ascii=False)}")
    files = list(iter_deliveries(tree))
    total_bytes = sum(p.stat().st_size for p in files)
    print(f"tree: {tree}  files {len(files)}  {total_bytes / 1e6:.1f} MB")

    wh = work / "wh.duckdb"
    key = b"bench-key-0123456789abcdef0123456789"
    wall = cpu_s = rerun = 0.0
    peak = 0
    rows_total = 0
    if not args.formats_only:
        # this process and its ingestion workers: RSS summed over the tree, CPU of all of them
        sampler = TreeSampler(os.getpid(), 0.05).start()
        t0 = time.perf_counter()
        s0 = time.time()
        result = ingest(IngestOptions(tree, wh, key, "bench", workers=args.workers))
        wall = time.perf_counter() - t0
        s1 = time.time()
        sampler.stop()
        cpu_s, peak = sampler.window(s0, s1)
        tot = result.totals()
        rows_total = tot.rows_read
        print(f"fanops ingest: wall {wall:.1f}s cpu {cpu_s:.1f}s rows read {tot.rows_read} "
              f"({tot.rows_read / wall:,.0f} rows/s, {total_bytes / 1e6 / wall:.1f} MB/s) peak RSS {peak / 1e9:.2f} GB")
        t0 = time.perf_counter()
        again = ingest(IngestOptions(tree, wh, key, "bench", workers=args.workers))
        rerun = time.perf_counter() - t0
        print(f"rerun with nothing new: {rerun:.2f}s (files new: {again.totals().files_new})")

    if args.no_formats:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    # per-family fanops figures from the manifest, against DuckDB on the same bytes
    fams = families(tree)
    ref = duckdb.connect(str(work / "baseline.duckdb"))
    with PeakRSS(0.05) as rss2:
        base = duckdb_load(fams, ref)
    ref.close()
    # fanops time per file format is not separable inside one run: ingest each format's files alone
    print(f"\n{'format':8} {'files':>7} {'MB':>8} {'rows fanops':>12} {'rows duckdb':>12} {'fanops s':>9} "
          f"{'duckdb s':>9} {'fanops MB/s':>12} {'duckdb MB/s':>12} {'ratio':>6}")
    summary: dict[str, dict[str, float]] = {}
    accounts = [q for q in files if "/ops/accounts/" in q.as_posix()]
    for kind in ("csv", "json", "jsonl"):
        fams_k = {f: p for f, p in fams.items() if f.endswith("|" + kind) and f in base}
        paths = [p for ps in fams_k.values() for p in ps]
        if not paths:
            continue
        sub = work / f"sub_{kind}" / "landing"
        for p in [*paths, *accounts]:
            dst = sub / p.relative_to(tree)
            dst.parent.mkdir(parents=True, exist_ok=True)
            if not dst.exists():
                os.link(p, dst)
        t0 = time.perf_counter()
        sub_res = ingest(IngestOptions(sub, sub.parent / "wh.duckdb", key, "bench", workers=args.workers))
        ft = time.perf_counter() - t0
        bt = sum(base[f][0] for f in fams_k)
        rows_d = sum(base[f][1] for f in fams_k)
        size = sum(base[f][2] for f in fams_k)
        rows_f = sub_res.totals().rows_read
        shutil.rmtree(sub.parent, ignore_errors=True)
        summary[kind] = {"files": len(paths), "bytes": size, "rows_fanops": rows_f, "rows_duckdb": rows_d,
                         "fanops_s": ft, "duckdb_s": bt, "ratio": bt / ft}
        print(f"{kind:8} {len(paths):7d} {size / 1e6:8.1f} {rows_f:12d} {rows_d:12d} {ft:9.1f} {bt:9.1f} "
              f"{size / 1e6 / ft:12.1f} {size / 1e6 / bt:12.1f} {bt / ft:6.2f}")
    print("ratio = fanops throughput ÷ DuckDB's own reader on the same bytes (goal ≥ 0.50)")
    print(f"duckdb baseline peak RSS {rss2.peak / 1e9:.2f} GB")
    if args.json:
        args.json.write_text(json.dumps({"wall": wall, "cpu": cpu_s, "rows": rows_total, "bytes": total_bytes,
                                         "peak_rss": peak, "rerun": rerun, "by_kind": summary},
                                        indent=2, default=str))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
