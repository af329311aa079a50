"""Helpers of the orchestration tests that build the sample (used by conftest.py and the test modules)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ingestion.config import Settings, resolve_settings
from orchestration.pipeline import PipelineAssets


def mart_hashes(warehouse: Path) -> dict[str, tuple[int, int]]:
    """Per marts.* table (views excluded): (rows, order-independent content hash of every row)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_type = 'BASE TABLE' order by 1"  # not the views over run history (dq_daily)
            ).fetchall()
        ]
        out = {}
        for table in tables:
            rows, digest = con.execute(
                f'select count(*), coalesce(sum(hash(t)::hugeint), 0) from marts."{table}" as t'
            ).fetchone()
            out[table] = (int(rows), int(digest))
    return out


@dataclass(frozen=True)
class SampleBuild:
    settings: Settings
    graph: PipelineAssets
    result: Any  # ExecuteInProcessResult of the first run
    hashes: dict[str, tuple[int, int]]

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse


def sample_settings(warehouse: Path) -> Settings:
    """The bundled sample (its own fanops.yaml) into `warehouse`, resolved like `fanops run --warehouse`."""
    settings = resolve_settings(None, None, str(warehouse), env={}, export_env=False)
    assert settings.is_sample
    return settings
