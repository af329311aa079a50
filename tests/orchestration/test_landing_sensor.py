"""The landing sensor fires once per new set of pending files."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterInstance, build_sensor_context, materialize

from ingestion.config import Settings, parse_config
from orchestration.ingestion.assets import INGESTION_ASSETS
from orchestration.ingestion.sensors import landing_sensor, pending_digest
from orchestration.resources import build_resources


@pytest.fixture
def resources(tiny_landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    warehouse = tmp_path / "fanops.duckdb"
    monkeypatch.setenv("FANOPS_WAREHOUSE", str(warehouse))
    settings = Settings(
        config=parse_config({}), config_path=None, landing=tiny_landing, warehouse=warehouse, is_sample=False
    )
    return build_resources(settings)


def evaluate(instance: DagsterInstance, resources: dict, cursor: str | None):
    context = build_sensor_context(
        instance=instance, cursor=cursor, resources={"fanops": resources["fanops"]}
    )
    return landing_sensor.evaluate_tick(context)


def test_sensor_fires_once_per_new_file_set(tiny_landing: Path, resources: dict) -> None:
    with DagsterInstance.ephemeral() as instance:
        # a fresh warehouse: the three tiny files are pending -> one run request
        first = evaluate(instance, resources, None)
        assert len(first.run_requests) == 1
        assert first.run_requests[0].job_name in (None, "ingest_job")
        assert first.cursor is not None

        # same files, same cursor -> no second request
        again = evaluate(instance, resources, first.cursor)
        assert not again.run_requests and again.skip_message

        # a new file changes the pending set -> fires again, once
        extra = tiny_landing / "douyin" / "qinghe_dy" / "fans" / "fans_2024-11-03.json"
        extra.write_text(
            '{"data": {"error_code": 0, "result_list": [{"date": "2024-11-03", "new_fans": 5, "total_fans": 86295}]}}',
            encoding="utf-8",
        )
        second = evaluate(instance, resources, first.cursor)
        assert len(second.run_requests) == 1 and second.cursor != first.cursor
        assert not evaluate(instance, resources, second.cursor).run_requests

        # after ingesting, nothing is pending
        assert materialize(INGESTION_ASSETS, resources=resources, instance=instance).success
        done = evaluate(instance, resources, second.cursor)
        assert not done.run_requests
        assert done.cursor == pending_digest([])


def test_sensor_skips_when_the_landing_root_is_missing(tmp_path: Path) -> None:
    settings = Settings(
        config=parse_config({}),
        config_path=None,
        landing=tmp_path / "nope",
        warehouse=tmp_path / "w.duckdb",
        is_sample=False,
    )
    with DagsterInstance.ephemeral() as instance:
        result = evaluate(instance, build_resources(settings), None)
    assert not result.run_requests
    assert isinstance(result.skip_message, str)


def test_pending_digest_ignores_order() -> None:
    assert pending_digest(["b", "a"]) == pending_digest(["a", "b"]) != pending_digest(["a"])
