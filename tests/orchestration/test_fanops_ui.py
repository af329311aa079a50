"""`fanops ui` starts the Dagster UI on 127.0.0.1 and lists the asset keys (ingestion and dbt) through GraphQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from orchestration.cli import stop_process_group

REPO = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_ui_serves_the_asset_graph(tiny_landing: Path, tmp_path: Path) -> None:
    port = free_port()
    warehouse = tmp_path / "wh" / "fanops.duckdb"
    log = (tmp_path / "ui.log").open("w")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "orchestration.cli", "ui", "--port", str(port)),
            *("--landing", str(tiny_landing), "--warehouse", str(warehouse)),
        ],
        cwd=REPO,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        keys: list[str] = []
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as r:
                    assert r.status == 200
                data = post_graphql(port, "{ assetNodes { assetKey { path } } }")
                keys = ["/".join(n["assetKey"]["path"]) for n in data["data"]["assetNodes"]]
                if keys:
                    break
            except (urllib.error.URLError, ConnectionError, OSError, KeyError, TypeError):
                pass
            time.sleep(1)
        assert proc.poll() is None, (tmp_path / "ui.log").read_text()
        assert "raw/ops/accounts" in keys, (tmp_path / "ui.log").read_text()
        assert "raw/wechat/user_growth" in keys
        assert {"ops/file_manifest", "staging/stg_douyin_videos", "marts/fct_content"} <= set(keys)
        assert (warehouse.parent / ".dagster_home" / "dagster.yaml").is_file()
    finally:
        stop_process_group(proc, timeout=30)
        log.close()
    assert proc.poll() is not None
