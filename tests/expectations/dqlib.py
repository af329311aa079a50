"""Shared helpers of the data-quality suite tests: the sample built once per test process (`fanops run`),
copies of it, and the validation helpers (through expectations.engine). Fixtures are in conftest.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import duckdb
import pytest

from expectations.model import CheckResult, Suite
from expectations.suites import all_suites
from ingestion.config import SAMPLE_CONFIG, FanopsConfig, load_config

REPO = Path(__file__).resolve().parents[2]
TEST_PII_KEY = "fanops-test-key-0123456789abcdef0123456789abcdef"  # = tests/conftest.py
READY = "built.ok"
PREBUILT_ENV = "FANOPS_DQ_TEST_WAREHOUSE"
EngineName = Literal["auto", "gx_pandas", "sql"]

pytestmark = pytest.mark.slow

# Warn failures of the clean sample under its own config (slow datasets have their cadence as freshness SLA,
# ingestion.config.SLOW_DATASET_SLA_DAYS), each a real finding:
# - shop/orders 2026-11-11: 37 orders against a band of 9 ± 21.2 (双十一, the flash-sale day).
CLEAN_WARNINGS = {
    "volume.shop_orders.daily_rows.not_above_band": 1,
}


# ------------------------------------------------------------------------------------------------ helpers


def dq_config() -> FanopsConfig:
    return load_config(SAMPLE_CONFIG)


def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample built by `fanops run` once per test process (cached in the session's base temp);
    read-only for callers: copy it before writing. FANOPS_DQ_TEST_WAREHOUSE names a sample build to use
    instead (faster local iterations; it must be a full `fanops run` of the bundled sample)."""
    prebuilt = os.environ.get(PREBUILT_ENV)
    if prebuilt:
        return Path(prebuilt)
    folder = tmp_path_factory.getbasetemp() / "dq_sample"
    target = folder / "fanops.duckdb"
    if (folder / READY).exists():
        return target
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    home = folder / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FANOPS_CONFIG", "FANOPS_LANDING", "FANOPS_WAREHOUSE")
    }
    env.update(
        {
            "FANOPS_PII_KEY": TEST_PII_KEY,
            "DAGSTER_HOME": str(home),
            "DAGSTER_DISABLE_TELEMETRY": "1",
            "GX_ANALYTICS_ENABLED": "false",
        }
    )
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run", "--warehouse", str(target)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    (folder / READY).write_text("ok", encoding="utf-8")
    return target


def copy_warehouse(src: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / "fanops.duckdb"
    shutil.copy2(src, dst)
    wal = src.with_name(src.name + ".wal")
    if wal.exists():
        shutil.copy2(wal, folder / wal.name)
    return dst


def failures(
    warehouse: Path, suites: Sequence[Suite], config: FanopsConfig, *, engine: EngineName = "sql"
) -> dict[str, CheckResult]:
    """check name -> result of every failed check (validated through expectations.engine)."""
    from expectations.engine import validate_suites

    con = duckdb.connect(str(warehouse))
    try:
        validations = validate_suites(con, suites, run_id="test", quality=config.quality, engine=engine)
    finally:
        con.close()
    out: dict[str, CheckResult] = {}
    for v in validations:
        for r in v.results:
            assert r.exception is None, (r.check, r.exception)
            if not r.success:
                out[r.check] = r
    return out


def assert_new_failures(
    warehouse: Path,
    config: FanopsConfig,
    expected: Mapping[str, tuple[str, int]],
    baseline: Mapping[str, CheckResult],
) -> dict[str, CheckResult]:
    """Every suite on the seeded copy (DuckDB SQL path): the failures beyond the clean baseline are exactly
    `expected` (check -> (severity, failing count)); the suites of those checks agree on GX's pandas path."""
    suites = all_suites(config)
    failed = failures(warehouse, suites, config)
    new = {name: r for name, r in failed.items() if name not in baseline}
    assert {n: (r.severity, r.failing_count) for n, r in new.items()} == dict(expected)
    assert set(baseline) <= set(failed), "a clean-sample finding disappeared"
    involved = [s for s in suites if any(c.name in expected for c in s.checks)]
    gx = failures(warehouse, involved, config, engine="gx_pandas")
    gx_new = {n: (r.severity, r.failing_count) for n, r in gx.items() if n not in baseline}
    assert gx_new == dict(expected)
    return new


def execute(warehouse: Path, *sql: str) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        for statement in sql:
            con.execute(statement)
    finally:
        con.close()
