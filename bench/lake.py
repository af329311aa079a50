"""Benchmark of the Parquet lake export (ingestion/lake.py): first export, nothing new, one more load day.

A synthetic raw table shaped like raw.douyin_comments (lineage columns, ids, text, timestamps, counts, flags)
with N rows over D load dates, in a DuckDB file; the export writes it to a local lake. Prints wall time,
rows/s, the lake's size and peak RSS; the baseline in the same process is DuckDB's own
`COPY ... (FORMAT parquet, PARTITION_BY ...)` of the same table.

    .venv/bin/python bench/lake.py --rows 5000000 --days 30 --out /tmp/lakebench
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from pathlib import Path

import duckdb

from ingestion.lake import export_lake


def build(con: duckdb.DuckDBPyConnection, rows: int, days: int, start: int = 0, first_day: int = 0) -> None:
    con.execute("create schema if not exists raw")
    con.execute(
        "create table if not exists raw.bench_comments (platform varchar, account varchar, _file_sha256 varchar, "
        "_row_number bigint, _loaded_at timestamp, _export_at timestamp, item_id varchar, comment_id varchar, "
        "text_masked varchar, created_at timestamp, digg_count bigint, reply_count bigint, is_top boolean, "
        "amount decimal(18,2))"
    )
    con.execute(
        f"""insert into raw.bench_comments select 'douyin', 'acct_' || (i % 4), md5(cast(i // 5000 as varchar)),
        i % 5000, timestamp '2026-06-01 02:30:00' + to_days(cast({first_day} + ((i - {start}) * {days}) // {rows} as integer))
        + to_microseconds(i % 1000),
        timestamp '2026-06-01 01:00:00', 'item_' || (i % 20000), 'c_' || i,
        repeat('好喝的茶', cast(1 + i % 7 as integer)), timestamp '2026-05-01 00:00:00' + to_seconds(i),
        i % 997, i % 13, i % 17 = 0, cast((i % 10000) / 100.0 as decimal(18,2))
        from range({start}, {start + rows}) as t(i)"""
    )


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--out", default="/tmp/lakebench")
    args = ap.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    con = duckdb.connect(str(out / "wh.duckdb"))
    t = time.perf_counter()
    build(con, args.rows, args.days)
    print(f"built {args.rows:,} rows over {args.days} load dates in {time.perf_counter() - t:.1f} s")
    tables = [("raw", "bench_comments")]

    def run(label: str) -> None:
        r = export_lake(con, str(out / "lake"), tables)
        rate = r.rows_written / r.seconds if r.seconds and r.rows_written else 0
        print(f"{label:<28} {r.seconds:7.2f} s  written {r.written:>3} partitions  {r.rows_written:>11,} rows "
              f" {rate:>12,.0f} rows/s  unchanged {r.unchanged}")

    run("first export")
    run("nothing new")
    build(con, max(1, args.rows // args.days), 1, start=args.rows, first_day=args.days)
    run("one more load day")
    con.execute(  # a newer delivery supersedes rows loaded on 3 earlier days
        "delete from raw.bench_comments where _row_number < 50 and cast(_loaded_at as date) in "
        "(date '2026-06-02', date '2026-06-10', date '2026-06-20')"
    )
    run("rows of 3 days superseded")
    t = time.perf_counter()
    con.execute(
        f"copy (select *, cast(_loaded_at as date) as _load_date from raw.bench_comments) to '{out / 'baseline'}' "
        "(format parquet, compression zstd, partition_by (_load_date))"
    )
    base = time.perf_counter() - t
    n = con.execute("select count(*) from raw.bench_comments").fetchone()[0]
    print(f"{'DuckDB COPY PARTITION_BY':<28} {base:7.2f} s  (all {n:,} rows, {n / base:,.0f} rows/s)")
    print(f"lake {size_mb(out / 'lake'):.0f} MB, baseline {size_mb(out / 'baseline'):.0f} MB; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
