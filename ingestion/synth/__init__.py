"""Synthetic landing tree for the brand 青禾 in the real export formats of the landing contract.

``generate(out, days, scale, seed, start)`` writes ``<out>/<platform>/<account>/<dataset>/…``, ``shop/…``,
``ops/…`` and ``listening/…`` and returns the number of records written per dataset (contract record units;
deliberately bad rows included, duplicate/rejected files not counted). Output is byte-identical for the same
arguments. ``--scale S`` multiplies comments, mentions, messages, orders and post snapshot re-exports and
streams them to many files, so memory stays bounded; above scale 3 the big datasets are written as
CSV/JSON/JSONL only.

``--accounts N`` (N >= 2; the benchmark's L workload uses 4) gives each social platform N own accounts (the
main account, ``qinghe_live`` on Douyin/Kuaishou, then ``<main>_2``, ``<main>_3``, ... registered in
ops/accounts with their own platform ids and owners, every one posting, with comments, snapshots,
followers and messages), weights the high-volume datasets to the benchmark mix (``_world.MIX``) and
delivers daily: messages in one file a day, comment dumps named ``<stem>_<fetch day>_<id>``, nothing
exported after the last day, so the files stamped with the last day (YYYYMMDD in the name) are that day's
delivery. Without ``--accounts`` the output is unchanged (the committed sample).

CLI: ``fanops synth --out DIR [--days N] [--scale S] [--seed K] [--start YYYY-MM-DD] [--accounts N]``
(``main(argv)``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from . import _ops, _social
from ._util import Out
from ._world import World

DEFAULT_START = date(2026, 5, 15)

__all__ = ["DEFAULT_START", "generate", "main"]


def generate(out: Path, days: int = 150, scale: float = 1.0, seed: int = 7, start: date | None = None,
             accounts: int | None = None) -> dict[str, int]:
    """Write a landing tree under ``out`` (created if needed) and return record counts per dataset."""
    if days < 14:
        raise ValueError("days must be at least 14")
    if scale <= 0:
        raise ValueError("scale must be positive")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    w = World(seed, start or DEFAULT_START, days, scale, accounts)
    o = Out(out)
    _ops.ops(w, o)
    _social.wechat(w, o)
    _social.douyin(w, o)
    _social.kuaishou(w, o)
    _social.xiaohongshu(w, o)
    _social.weibo(w, o)
    _ops.orders(w, o)
    _ops.messages(w, o)
    _ops.mentions(w, o)
    _ops.stray_files(w, o)
    return dict(sorted(o.counts.items()))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="fanops synth", description="write a synthetic landing tree")
    ap.add_argument("--out", required=True, type=Path, help="landing root to write")
    ap.add_argument("--days", type=int, default=150)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", type=date.fromisoformat, default=None, help="first day (default 2026-05-15)")
    ap.add_argument("--accounts", type=int, default=None,
                    help="own accounts per social platform (>= 2; default: the sample's layout)")
    ap.add_argument("--clean", action="store_true", help="delete --out first")
    a = ap.parse_args(list(argv) if argv is not None else None)
    if a.clean and a.out.exists():
        shutil.rmtree(a.out)
    t0 = time.perf_counter()
    counts = generate(a.out, days=a.days, scale=a.scale, seed=a.seed, start=a.start, accounts=a.accounts)
    for k, v in counts.items():
        print(f"{k:32s} {v:>12,d}")
    print(f"{'total':32s} {sum(counts.values()):>12,d}   ({time.perf_counter() - t0:.1f}s)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
