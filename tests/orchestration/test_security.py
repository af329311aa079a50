"""Security of a run (issue 7, scope 5), on one real `fanops crisis` run of a copy of the sample (new mention
file -> pseudonymisation with FANOPS_PII_KEY -> sentiment -> the crisis dbt build -> notifications to all four
channel types on a real receiver on 127.0.0.1, their tokens and signing secrets from environment variables):

- no secret value and not the pseudonymisation key appears in the command's stdout/stderr, in any Dagster
  event log record of the run (asset metadata included), in any file of the warehouse folder (run storage,
  compute logs, Data Docs), in the run's dbt target folder or in `crisis.notifications`;
- the run opens no network connection but to the configured notification endpoint: a Python audit hook
  (`sys.addaudithook`, installed through a `sitecustomize` on PYTHONPATH, so the dbt process and every other
  Python child process is audited too) records every socket connect / sendto / getaddrinfo;
- the pseudonymisation key is required outside the sample mode, also for runs launched from the Dagster UI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml
from dagster import DagsterInstance
from dagster_shared.serdes import serialize_value

from ingestion.config import SAMPLE_CONFIG, SAMPLE_LANDING, PiiKeyError, key_version, resolve_settings
from orchestration.dbt.assets import run_results_paths
from orchestration.resources import FanopsSettings
from tests.expectations.dqlib import REPO, TEST_PII_KEY, copy_warehouse, sample_warehouse
from tests.notify.notify_testlib import ENV, SECRET_VALUES, channel_dicts
from tests.notify.receiver import Receiver

pytestmark = pytest.mark.slow

SECRETS = (*SECRET_VALUES, TEST_PII_KEY)
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")
AUDIT_ENV = "FANOPS_NET_AUDIT"
SITECUSTOMIZE = """
import json, os, sys
_LOG = os.environ.get("FANOPS_NET_AUDIT")
if _LOG:
    def _write(record):
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\\n")
    _write({"event": "start", "pid": os.getpid(), "argv": [str(a) for a in sys.argv[:2]]})
    def _hook(event, args):
        if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            sock, address = args[0], (args[1] if len(args) > 1 else None)
            if not isinstance(address, (str, tuple)):
                address = repr(address)
            _write({"event": event, "pid": os.getpid(), "family": int(getattr(sock, "family", -1)),
                    "address": address})
        elif event == "socket.getaddrinfo":
            _write({"event": event, "pid": os.getpid(), "host": str(args[0]), "port": str(args[1])})
    sys.addaudithook(_hook)
"""


@dataclass(frozen=True)
class AuditedRun:
    proc: subprocess.CompletedProcess
    run_id: str
    warehouse: Path
    receiver_port: int
    requests: list  # what the receiver got (the secrets travel there, by design)
    network: list[dict]


def mention_file(landing: Path, n: int = 6) -> Path:
    """A new listening delivery: authors are pseudonymised with FANOPS_PII_KEY when it loads."""
    out = landing / "listening" / "mentions" / "2026-11" / "mentions_20261114_security.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "platform": "weibo",
            "mention_id": f"sec{i:04d}",
            "author_id": f"secu{i:05d}",
            "author_followers": 500 + i,
            "text": "青禾的新品桂花乌龙不错，包装也好看",
            "created_at": f"2026-11-14T1{i % 10}:15:00+08:00",
            "fetched_at": "2026-11-14T23:30:00+08:00",
            "url": f"https://example.com/p/sec{i:04d}",
            "is_repost": False,
        }
        for i in range(n)
    ]
    out.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def audited_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditedRun]:
    base = tmp_path_factory.mktemp("security")
    warehouse = copy_warehouse(sample_warehouse(tmp_path_factory), base / "wh")
    landing = base / "landing"
    shutil.copytree(SAMPLE_LANDING, landing)  # copy2 keeps the mtimes the manifest knows
    mention_file(landing)
    audit_dir = base / "audit"
    audit_dir.mkdir()
    (audit_dir / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    receiver = Receiver().start()
    try:
        raw = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
        raw.update({"notifications": channel_dicts(receiver.base), "landing": str(landing)})
        config = base / "fanops.yaml"
        config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FANOPS_", "DAGSTER_"))}
        env.update(ENV)  # the channels' tokens and signing secrets: environment variables only
        env.update(
            {
                "FANOPS_PII_KEY": TEST_PII_KEY,
                AUDIT_ENV: str(base / "network.jsonl"),
                "PYTHONPATH": os.pathsep.join([str(audit_dir), str(REPO)]),
                "DAGSTER_DISABLE_TELEMETRY": "1",
                "GX_ANALYTICS_ENABLED": "false",
            }
        )
        proc = subprocess.run(
            [sys.executable, "-m", "orchestration.cli", "crisis", "--config", str(config), "--warehouse",
             str(warehouse)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        requests = list(receiver.requests)
    finally:
        receiver.stop()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    match = re.search(r"^Run (\S+) succeeded", proc.stdout, re.MULTILINE)
    assert match, proc.stdout[-2000:]
    network = [json.loads(line) for line in (base / "network.jsonl").read_text(encoding="utf-8").splitlines()]
    yield AuditedRun(proc, match.group(1), warehouse, receiver.port, requests, network)


def leaks(text: str | bytes) -> list[str]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return [secret[:6] + "…" for secret in SECRETS if secret.encode("utf-8") in data]


def test_the_run_used_the_secrets_and_the_key(audited_run: AuditedRun) -> None:
    """The positive control: the channels were sent to with their secrets, the new file was pseudonymised."""
    routes = {r.route for r in audited_run.requests}
    assert routes == {"wecom", "dingtalk", "feishu", "webhook"}
    wecom = next(r for r in audited_run.requests if r.route == "wecom")
    assert wecom.query["key"] == [ENV["FANOPS_WECOM_KEY"]]
    feishu = next(r for r in audited_run.requests if r.route == "feishu")
    assert feishu.path.endswith(ENV["FANOPS_FEISHU_TOKEN"])
    with duckdb.connect(str(audited_run.warehouse), read_only=True) as con:
        versions = con.execute(
            "select distinct key_version from ops.file_manifest where path like '%security.jsonl'"
        ).fetchall()
    assert versions == [(key_version(TEST_PII_KEY.encode()),)]


def test_no_secret_in_output_event_log_metadata_or_files(audited_run: AuditedRun) -> None:
    assert leaks(audited_run.proc.stdout) == [] and leaks(audited_run.proc.stderr) == []
    home = audited_run.warehouse.parent / ".dagster_home"
    with DagsterInstance.from_config(str(home)) as instance:
        records = instance.all_logs(audited_run.run_id)
        assert len(records) > 100  # the whole run's event log
        for record in records:
            assert leaks(serialize_value(record)) == [], record.dagster_event_type
        materializations = [
            r.dagster_event.event_specific_data.materialization
            for r in records
            if r.dagster_event is not None and r.dagster_event.is_step_materialization
        ]
        assert any(m.asset_key.path == ["crisis", "notifications"] for m in materializations)
        for mat in materializations:
            assert leaks(json.dumps({k: str(v) for k, v in mat.metadata.items()}, ensure_ascii=False)) == []
    folders = [audited_run.warehouse.parent, *{p.parent for p in run_results_paths(audited_run.run_id)}]
    scanned = 0
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.endswith((".duckdb", ".wal")):
                scanned += 1
                assert leaks(path.read_bytes()) == [], path
    assert scanned > 10
    with duckdb.connect(str(audited_run.warehouse), read_only=True) as con:
        rows = con.execute("select * from crisis.notifications").fetchall()
    assert rows and leaks(repr(rows)) == []


def test_no_network_access_but_the_notification_endpoint(audited_run: AuditedRun) -> None:
    starts = [r for r in audited_run.network if r["event"] == "start"]
    assert any("orchestration.cli" in " ".join(r["argv"]) or r["argv"][:1] == ["-m"] for r in starts)
    assert any(any(a.endswith("dbt") for a in r["argv"]) for r in starts), "the dbt process was not audited"
    inet = (int(socket.AF_INET), int(socket.AF_INET6))
    sends = ("socket.connect", "socket.sendto", "socket.sendmsg")
    connects = [r for r in audited_run.network if r["event"] in sends]
    outside = [
        r
        for r in connects
        if r["family"] in inet
        and not (r["address"][0] in LOCAL_HOSTS and r["address"][1] == audited_run.receiver_port)
    ]
    assert outside == []
    assert sum(1 for r in connects if r["family"] in inet) >= len(audited_run.requests) > 0
    lookups = {r["host"] for r in audited_run.network if r["event"] == "socket.getaddrinfo"}
    assert lookups <= set(LOCAL_HOSTS), lookups


def test_the_pseudonymisation_key_is_required_outside_the_sample(
    tiny_landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run of real landing data without FANOPS_PII_KEY fails in the ingestion asset (the path of runs
    launched from the Dagster UI or a schedule); nothing is loaded. (`fanops` refuses before it starts:
    tests/orchestration/test_fanops_cli.py.)"""
    from orchestration.pipeline import run_pipeline

    monkeypatch.delenv("FANOPS_PII_KEY", raising=False)
    settings = resolve_settings(None, str(tiny_landing), str(tmp_path / "wh.duckdb"), env={}, export_env=False)
    assert not settings.is_sample
    with pytest.raises(PiiKeyError):
        FanopsSettings(landing=str(tiny_landing), warehouse=str(settings.warehouse)).pii_key()
    monkeypatch.setenv("FANOPS_WAREHOUSE", str(settings.warehouse))
    with DagsterInstance.ephemeral() as instance:
        result = run_pipeline(settings, "ingest", instance=instance)
    assert not result.success
    errors = [f.event_specific_data.error.to_string() for f in result.get_step_failure_events()]
    assert errors and all("FANOPS_PII_KEY is not set" in e for e in errors)
    if settings.warehouse.exists():
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            tables = con.execute("select count(*) from information_schema.tables where table_schema = 'raw'")
            assert tables.fetchone() == (0,)
