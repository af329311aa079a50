"""Sentiment benchmark: fanops' scorer against snownlp's own scorer, in the same process.

    .venv/bin/python bench/sentiment.py [--cache-dir DIR] [--snownlp-texts 500] [--warehouse wh.duckdb]

Trains the model from scratch into a fresh cache directory (unless --cache-dir is given), evaluates it on
the held-out test split (accuracy, macro-F1, confusion, split sizes) and measures the scoring throughput
per core (texts / CPU second, one thread) on the test texts and on short sample-like social texts. The
baseline is snownlp's `sentiment.classify` on the first N texts of each set (its own model was trained
on the whole corpus, the test split included, so its accuracy here is optimistic). With --warehouse, a
copy of that DuckDB file is scored twice with `score_new_texts` (the second run must score nothing).
Prints wall time, CPU time and peak RSS per phase. Not part of `make test` (`make bench`).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.measure import PeakRSS, cpu
from ingestion.sentiment.evaluate import binary_metrics, evaluate, format_report, short_social_texts
from ingestion.sentiment.model import load_corpus, load_scorer


def phase(name: str, fn: Callable[[], Any]) -> Any:
    c0, w0 = cpu(), time.perf_counter()
    with PeakRSS() as rss:
        out = fn()
    print(
        f"[{name}] wall {time.perf_counter() - w0:.2f} s, cpu {cpu() - c0:.2f} s, "
        f"peak RSS {rss.peak / 2**20:.0f} MiB",
        flush=True,
    )
    return out


def snownlp_rate(texts: Sequence[str]) -> tuple[float, list[float]]:
    from snownlp import sentiment

    t0 = time.process_time()
    probs = [sentiment.classify(t) for t in texts]
    return len(texts) / (time.process_time() - t0), probs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--cache-dir", default=None, help="reuse this model cache (default: train into a temp dir)"
    )
    ap.add_argument("--snownlp-texts", type=int, default=500, help="texts per set for the snownlp baseline")
    ap.add_argument("--warehouse", default=None, help="score a copy of this DuckDB warehouse")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="fanops-sentiment-bench-"))
    try:
        cache = Path(args.cache_dir) if args.cache_dir else tmp / "cache"
        phase("load or train the model", lambda: load_scorer(cache))
        report = phase("evaluate (test split + throughput)", lambda: evaluate(cache))
        print(format_report(report), flush=True)

        scorer = load_scorer(cache)
        test = load_corpus().part("test")[: args.snownlp_texts]
        short = short_social_texts(args.snownlp_texts, seed=1)
        tp = report["throughput_per_core"]
        assert isinstance(tp, dict)
        # snownlp loads its model on import: keep that out of the timed loop
        phase("import snownlp", lambda: __import__("snownlp.sentiment"))
        for name, texts, ours in (
            ("corpus test texts", [e.text for e in test], tp["corpus_test_texts"]),
            ("short social texts", short, tp["short_social_texts"]),
        ):
            rate, probs = phase(f"snownlp on {len(texts)} {name}", lambda t=texts: snownlp_rate(t))  # type: ignore[misc]
            print(f"  snownlp {rate:,.0f} texts/s per core; fanops {ours:,} texts/s = {ours / rate:,.0f}x")
            if name == "corpus test texts":
                y = [e.label for e in test]
                sn = binary_metrics(y, [p - 0.5 for p in probs])
                fo = binary_metrics(y, scorer.scores(texts))
                print(
                    f"  on these {len(texts)} test texts: snownlp accuracy {sn.accuracy:.4f} (trained on them), "
                    f"fanops {fo.accuracy:.4f}"
                )

        if args.warehouse:
            import duckdb

            from ingestion.sentiment.store import score_new_texts

            db = tmp / "wh.duckdb"
            shutil.copyfile(args.warehouse, db)
            con = duckdb.connect(str(db))
            try:
                for run in (1, 2):
                    r = phase(f"score_new_texts run {run}", lambda: score_new_texts(con, cache_dir=cache))
                    print(
                        f"  texts_seen {r.texts_seen}, texts_scored {r.texts_scored}, "
                        f"seconds {r.seconds:.2f}, labels {r.labels}"
                    )
            finally:
                con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
