"""The heavy failure drills (`@pytest.mark.drill`) run only when selected: `make drills` (pytest -m drill).
Their light variants (unmarked) run with the rest of the suite."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "drill" in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason="heavy failure drill: `make drills` (pytest -m drill)")
    for item in items:
        if item.get_closest_marker("drill") is not None:
            item.add_marker(skip)
