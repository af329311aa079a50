"""`fanops` in a subprocess, as a person runs it, on the tiny landing tree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckResult, DagsterInstance, asset, asset_check, materialize

from ingestion.config import Settings, parse_config
from orchestration.cli import _report_result, build_parser

REPO = Path(__file__).resolve().parents[2]


def fanops(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_parser_lists_only_existing_commands() -> None:
    help_text = build_parser().format_help()
    commands = ("run", "build", "ingest", "crisis", "check", "synth", "docs", "ui", "dq", "report", "publish")
    for command in commands:
        assert command in help_text


def test_ingest_then_check(tiny_landing: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "fanops.duckdb"
    proc = fanops("ingest", "--landing", str(tiny_landing), "--warehouse", str(warehouse))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "raw/wechat/user_growth: files 1 (new 1; loaded 1)" in out
    assert "quarantined 1" in out
    assert "Manifest:" in out and "succeeded" in out
    assert (warehouse.parent / ".dagster_home" / "dagster.yaml").is_file()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.wechat_user_growth").fetchone() == (3,)

    growth = tiny_landing / "wechat" / "qinghe_wx" / "user_growth" / "用户增长.csv"
    proc = fanops("check", str(growth), "--landing", str(tiny_landing))
    assert proc.returncode == 0, proc.stdout + proc.stderr  # a quarantined row is not a failure
    assert "wechat/user_growth" in proc.stdout


def test_check_fails_on_a_rejected_file(tiny_landing: Path) -> None:
    bad = tiny_landing / "wechat" / "qinghe_wx" / "user_growth" / "garbage.csv"
    bad.write_text("nothing,we,know\n1,2,3\n", encoding="utf-8")
    proc = fanops("check", str(bad), "--landing", str(tiny_landing))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.strip()


def test_real_landing_without_a_pii_key_is_refused(tiny_landing: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FANOPS_PII_KEY"}
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "ingest", "--landing", str(tiny_landing)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "FANOPS_PII_KEY is not set" in proc.stderr
    assert not (tmp_path / "warehouse").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "--as-of", "last tuesday"), "is not a date"),
        (("build", "--as-of", "2026-13-01"), "is not a date"),
        (("ingest", "--config", "{config}"), "plan.targets.3m.fan_growth: 30 is not a fraction"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    config = tmp_path / "fanops.yaml"
    config.write_text("plan: {targets: {3m: {fan_growth: 30}}}\n", encoding="utf-8")
    proc = fanops(*(a.format(config=config) for a in args), timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr


@pytest.mark.slow
def test_synth_then_run_end_to_end(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    proc = fanops("synth", "--out", str(landing), "--days", "14", "--scale", "0.05", "--seed", "3")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (landing / "ops" / "accounts").is_dir()

    warehouse = tmp_path / "wh" / "fanops.duckdb"
    proc = fanops("run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", "2026-05-28")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "succeeded" in proc.stdout and "(bundled SAMPLE)" not in proc.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (loaded,) = con.execute("select count(*) from ops.file_manifest where status = 'loaded'").fetchone()
        (sample_rows,) = con.execute("select count(*) from ops.file_manifest where is_sample").fetchone()
    assert loaded > 50
    assert sample_rows == 0


def test_a_failing_blocking_check_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    @asset
    def marts_thing() -> None:
        return None

    @asset_check(asset=marts_thing, blocking=True)
    def thing_is_unique() -> AssetCheckResult:
        return AssetCheckResult(passed=False)

    @asset(deps=[marts_thing])
    def report_thing() -> None:
        return None

    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [marts_thing, thing_is_unique, report_thing], instance=instance, raise_on_error=False
        )
    settings = Settings(
        config=parse_config({}),
        config_path=None,
        landing=tmp_path,
        warehouse=tmp_path / "none.duckdb",
        is_sample=False,
    )
    assert _report_result(result, settings, 0.0) == 1
    out = capsys.readouterr().out
    assert "check BLOCKING ERROR failed: marts_thing thing_is_unique" in out
    assert "FAILED" in out
