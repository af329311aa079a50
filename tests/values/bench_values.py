"""Throughput of ``parse_column`` on 1M-cell canonical columns (not collected by pytest).

Run: ``.venv/bin/python tests/values/bench_values.py``
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import pyarrow as pa

from ingestion.types import ColumnType
from ingestion.values import ParseContext, parse_column

N = 1_000_000


def bench(name: str, cells: object, ctype: ColumnType, ctx: ParseContext) -> None:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        out = parse_column(cells, ctype, ctx)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - t0)
    print(f"{name:<34} {N / best / 1e6:6.2f} M cells/s  ({best * 1000:.0f} ms, {len(out.errors)} errors)")


def main() -> None:
    rnd = random.Random(7)
    ctx = ParseContext("bench", datetime(2026, 7, 28, 1, 30, tzinfo=UTC), True)
    counts = [str(rnd.randrange(0, 10_000_000)) for _ in range(N)]
    counts_int = [rnd.randrange(0, 10_000_000) for _ in range(N)]
    base = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
    ts = [
        datetime.fromtimestamp(base + rnd.randrange(0, 60_000_000), UTC).strftime("%Y-%m-%d %H:%M:%S")
        for _ in range(N)
    ]
    iso = [
        datetime.fromtimestamp(base + rnd.randrange(0, 60_000_000), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        for _ in range(N)
    ]
    epochs = [base + rnd.randrange(0, 60_000_000) for _ in range(N)]
    words = ["桂花乌龙", "冷泡茶", "好喝", "回购", "办公室", "tea", "第三次", "推荐", "#冷泡茶", "@青禾"]
    texts = [" ".join(rnd.choice(words) for _ in range(rnd.randrange(1, 8))) for _ in range(N)]
    for i in range(0, N, 1000):
        texts[i] = f"电话1381234{i % 10000:04d} 谢谢"
    rates = [f"{rnd.random():.4f}" for _ in range(N)]
    money = [f"{rnd.randrange(0, 10**7) / 100:.2f}" for _ in range(N)]

    bench("count (str list)", counts, ColumnType("count"), ctx)
    bench("count (pa.StringArray)", pa.array(counts), ColumnType("count"), ctx)
    bench("count (int list)", counts_int, ColumnType("count"), ctx)
    bench("ts 'YYYY-MM-DD HH:MM:SS' (str list)", ts, ColumnType("ts"), ctx)
    bench("ts ISO ...Z (str list)", iso, ColumnType("ts"), ctx)
    bench("ts epoch_s (int list)", epochs, ColumnType("ts", epoch="epoch_s"), ctx)
    bench("text (str list)", texts, ColumnType("text"), ctx)
    bench("text_masked (str list)", texts, ColumnType("text_masked"), ctx)
    bench("rate(f) (str list)", rates, ColumnType("rate", rate_unit="f"), ctx)
    bench("money (str list)", money, ColumnType("money"), ctx)


if __name__ == "__main__":
    main()
