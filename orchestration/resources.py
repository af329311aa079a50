"""Shared resources: the DuckDB warehouse, the resolved fanops settings and the dbt CLI.

The DuckDB resource opens the resolved warehouse (`Settings.warehouse`: --warehouse, FANOPS_WAREHOUSE, the
config); dbt's profile reads `env_var('FANOPS_WAREHOUSE')`, which the dbt op sets from the same `fanops`
resource for the dbt process it starts (orchestration.dbt.project), so both always touch the same file
whatever the caller's environment.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

from ingestion.config import FanopsConfig, Settings, lake_root, load_config, resolve_pii_key
from orchestration.dbt.project import DBT_PROJECT_DIR, dbt_executable
from orchestration.dbt.resource import FanopsDbtCliResource


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

    def fanops_config(self) -> FanopsConfig:
        """The parsed fanops.yaml this run uses (built-in defaults when there is none)."""
        return load_config(Path(self.config_path)) if self.config_path else FanopsConfig()

    def lake_root(self) -> str | None:
        """The Parquet lake's root when `lake.enabled` in fanops.yaml (ingestion.config.lake_root), else None."""
        config_path = Path(self.config_path) if self.config_path else None
        return lake_root(self.fanops_config(), config_path, self.warehouse_path)

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
        # the resolved path itself (resolve_settings also exports it as FANOPS_WAREHOUSE for dbt and the UI)
        "duckdb": DuckDBResource(database=str(settings.warehouse)),
        "dbt": FanopsDbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
        ),
    }
