"""Session fixtures of the orchestration tests: the dbt manifest, prepared by the same function the `fanops`
commands and the definitions module use, and ONE in-process build of the bundled sample shared by the tests
that read it (copy it before writing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance

from orchestration.dbt.project import prepare_manifest
from orchestration.pipeline import pipeline_assets, run_pipeline
from tests.orchestration.pipeline_testlib import SampleBuild, mart_hashes, sample_settings

TEST_PII_KEY = "fanops-test-key-0123456789abcdef0123456789abcdef"  # = tests/conftest.py


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    return prepare_manifest()


@pytest.fixture(scope="session")
def sample_build(dbt_manifest: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleBuild]:
    warehouse = tmp_path_factory.mktemp("sample") / "fanops.duckdb"
    settings = sample_settings(warehouse)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FANOPS_PII_KEY", TEST_PII_KEY)
        mp.setenv("FANOPS_WAREHOUSE", str(warehouse))  # the DuckDB resource of the ingestion assets
        graph = pipeline_assets(settings.config)
        with DagsterInstance.ephemeral() as instance:
            result = run_pipeline(settings, "run", instance=instance, assets=graph)
    yield SampleBuild(settings=settings, graph=graph, result=result, hashes=mart_hashes(warehouse))
