"""Test groups that run only when their marker is selected (`pytest -m <marker>`): the drills, the Spark build."""

from __future__ import annotations

import pytest


def skip_unless_selected(config: pytest.Config, items: list[pytest.Item], marker: str, reason: str) -> None:
    """Skip every item carrying `marker` unless the run's -m expression names it."""
    if marker in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if item.get_closest_marker(marker) is not None:
            item.add_marker(skip)
