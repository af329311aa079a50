"""Fixtures of the notification tests: a real HTTP receiver on 127.0.0.1, a real DuckDB file and known
secrets in the environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.notify.notify_testlib import ENV
from tests.notify.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    return dict(ENV)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(tmp_path / "wh.duckdb"))
    try:
        yield c
    finally:
        c.close()
