"""Crisis job timings: `fanops crisis` (the crisis subset of the graph, in-process) on a built warehouse with
nothing new, then with one new listening file holding a negative burst (a new alert is opened and notified
to a local webhook receiver).

    .venv/bin/python bench/crisis.py --warehouse <a warehouse built by fanops run of the bundled sample>

The warehouse and the sample landing tree are copied to a temporary folder first; nothing is written back.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from bench.measure import PeakRSS, cpu
from ingestion.config import SAMPLE_CONFIG, SAMPLE_LANDING, resolve_settings


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        _Hook.received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


def burst(landing: Path, day: str, n: int) -> None:
    out = landing / "listening" / "mentions" / day[:7] / f"mentions_{day.replace('-', '')}_bench.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    platforms = ["weibo", "xiaohongshu", "douyin"]
    with out.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(
                json.dumps(
                    {
                        "platform": platforms[i % 3],
                        "mention_id": f"bench{i:06d}",
                        "author_id": f"b{i:06d}",
                        "author_followers": 2_000_000 if i == 0 else 500 + i,
                        "text": "青禾的桂花乌龙喝出异物，过敏了，买到假货要求退货，已投诉到12315",
                        "created_at": f"{day}T20:{(5 + i * 37) % 60:02d}:00+08:00",
                        "url": f"https://example.com/p/bench{i:06d}",
                        "is_repost": False,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", required=True, type=Path)
    ap.add_argument("--mentions", type=int, default=90, help="negative mentions in the new file")
    args = ap.parse_args()
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

    from dagster import DagsterInstance

    from orchestration.pipeline import pipeline_assets, run_pipeline

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        landing = root / "landing"
        shutil.copytree(SAMPLE_LANDING, landing)
        warehouse = root / "fanops.duckdb"
        shutil.copy2(args.warehouse, warehouse)
        raw = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
        raw["landing"] = str(landing)
        raw["notifications"] = [
            {"name": "bench", "type": "webhook", "url": f"http://127.0.0.1:{server.server_port}/hook"}
        ]
        (root / "fanops.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        settings = resolve_settings(root / "fanops.yaml", None, str(warehouse), export_env=False)
        graph = pipeline_assets(settings.config)
        with DagsterInstance.ephemeral() as instance:
            for name, prepare in (
                ("first evaluation (delivers the sample's alert)", None),
                ("nothing new", None),
                (f"one new file, {args.mentions} negative mentions", lambda: burst(landing, "2026-11-14", args.mentions)),
            ):
                if prepare is not None:
                    prepare()
                before = len(_Hook.received)
                c0, w0 = cpu(), time.perf_counter()
                with PeakRSS() as rss:
                    result = run_pipeline(settings, "crisis", instance=instance, assets=graph, log_level="WARNING")
                print(
                    f"[{name}] success={result.success} wall {time.perf_counter() - w0:.1f} s, "
                    f"cpu {cpu() - c0:.1f} s (this process; dbt runs in a child), peak RSS "
                    f"{rss.peak / 2**20:.0f} MiB, messages sent {len(_Hook.received) - before}",
                    flush=True,
                )
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
