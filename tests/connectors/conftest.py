"""Fixtures of the connector tests: the mock API server and small landing trees."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingestion.config import SAMPLE_LANDING
from tests.connectors.mock_api import MockApi


@pytest.fixture
def api() -> Iterator[MockApi]:
    server = MockApi().start()
    try:
        yield server
    finally:
        server.stop()


def accounts_tree(root: Path) -> Path:
    """A landing root holding only the sample's ops/accounts registry (so the pulled files' accounts load)."""
    src = SAMPLE_LANDING / "ops" / "accounts"
    shutil.copytree(src, root / "ops" / "accounts")
    return root
