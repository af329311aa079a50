"""Shared resources: the DuckDB warehouse and the resolved fanops settings.

The DuckDB resource reads the same `FANOPS_WAREHOUSE` variable as dbt's profile
(`env_var('FANOPS_WAREHOUSE')`), so both always touch the same file; `resolve_settings` sets it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource, EnvVar
from dagster_duckdb import DuckDBResource

from ingestion.config import ENV_WAREHOUSE, Settings, resolve_pii_key


@functools.cache
def _pii_key(is_sample: bool, _env_value: str | None) -> tuple[bytes, str]:
    # cached per (mode, env value) so the sample-key warning is printed once per process
    return resolve_pii_key(is_sample, export_env=False)


class FanopsSettings(ConfigurableResource):
    """Where this run reads and writes, resolved by `ingestion.config.resolve_settings`."""

    landing: str
    warehouse: str
    config_path: str | None = None
    is_sample: bool = False
    as_of: str | None = None  # YYYY-MM-DD; None = latest date for which every scope has data

    @property
    def landing_path(self) -> Path:
        return Path(self.landing)

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse)

    def pii_key(self) -> tuple[bytes, str]:
        """(key, key_version) from FANOPS_PII_KEY, or the local sample key for the bundled sample."""
        import os

        return _pii_key(self.is_sample, os.environ.get("FANOPS_PII_KEY"))


def build_resources(settings: Settings, as_of: str | None = None) -> dict[str, Any]:
    return {
        "fanops": FanopsSettings(
            landing=str(settings.landing),
            warehouse=str(settings.warehouse),
            config_path=None if settings.config_path is None else str(settings.config_path),
            is_sample=settings.is_sample,
            as_of=as_of,
        ),
        "duckdb": DuckDBResource(database=EnvVar(ENV_WAREHOUSE)),
    }
