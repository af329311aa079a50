"""The heavy failure drills (`@pytest.mark.drill`) run only when selected: `make drills` (pytest -m drill).
Their light variants (unmarked) run with the rest of the suite."""

from __future__ import annotations

import pytest

from tests.opt_in import skip_unless_selected


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_unless_selected(config, items, "drill", "heavy failure drill: `make drills` (pytest -m drill)")
