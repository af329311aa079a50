"""The Spark equivalence test (`@pytest.mark.spark`) runs only when selected: `make test-spark`
(pytest -m spark, in .venv-spark with the `spark` extra and Java 17+)."""

from __future__ import annotations

import pytest

from tests.opt_in import skip_unless_selected


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_unless_selected(
        config, items, "spark", "Spark build of the dbt project: `make test-spark` (pytest -m spark)"
    )
