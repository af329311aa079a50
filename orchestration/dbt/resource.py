"""The dbt CLI resource fanops uses."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as package_version
from typing import Any

from dagster_dbt import DbtCliResource
from packaging import version


class FanopsDbtCliResource(DbtCliResource):
    """`DbtCliResource` minus two per-invocation costs of dagster-dbt 0.29 that fanops does not need:

    - the in-process dbt adapter it opens before every invocation (for row-count and column-metadata
      helpers we do not use): 6-13 s per run here, and a second DuckDB handle must never touch the
      warehouse while the dbt process writes it. Row counts are read after dbt exits instead
      (orchestration.dbt.assets.row_counts);
    - `dbt --version` in a subprocess to learn the dbt version (another dbt start-up, 3-8 s): the
      executable is the dbt-core of this environment (orchestration.dbt.project.dbt_executable), so the
      installed package's version is the answer.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(package_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None
