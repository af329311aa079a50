"""Sentiment tests share one trained model per test session: the cache lives under the session's base temp
dir (shared by the xdist workers: writes are atomic), never in ~/.cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.sentiment.model import SentimentScorer, load_scorer


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.getbasetemp()
    # under xdist the base temp is per worker (popen-gwN): share its parent between workers
    if root.name.startswith("popen-gw"):
        root = root.parent
    path = root / "sentiment-model-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _model_cache_env(monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> None:
    monkeypatch.setenv("FANOPS_MODEL_CACHE", str(model_cache))


@pytest.fixture(scope="session")
def scorer(model_cache: Path) -> SentimentScorer:
    return load_scorer(model_cache)
