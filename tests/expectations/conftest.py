"""Fixtures of the data-quality suite tests: per module, a copy of the sample build (`clean`), the failures
of every suite on it (`baseline`), and a fresh copy per test to seed defects into (`seeded`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations.model import CheckResult
from expectations.suites import all_suites
from tests.expectations.dqlib import copy_warehouse, dq_config, failures, sample_warehouse


@pytest.fixture(scope="module")
def clean(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    name = request.module.__name__.rsplit(".", 1)[-1]
    return copy_warehouse(sample_warehouse(tmp_path_factory), tmp_path_factory.mktemp(f"{name}_clean"))


@pytest.fixture(scope="module")
def baseline(clean: Path) -> dict[str, CheckResult]:
    return failures(clean, all_suites(dq_config()), dq_config())


@pytest.fixture
def seeded(clean: Path, tmp_path: Path) -> Path:
    return copy_warehouse(clean, tmp_path / "wh")
