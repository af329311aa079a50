"""In-process materialisation of the ingestion assets on a tiny landing tree and a tmp DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from ingestion.config import Settings, parse_config
from orchestration.ingestion.assets import INGESTION_ASSETS
from orchestration.resources import build_resources


def tiny_settings(landing: Path, warehouse: Path) -> Settings:
    return Settings(
        config=parse_config({}), config_path=None, landing=landing, warehouse=warehouse, is_sample=False
    )


def metadata_by_key(result) -> dict[AssetKey, dict]:
    out = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        out[mat.asset_key] = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
    return out


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "wh" / "fanops.duckdb"
    path.parent.mkdir()
    monkeypatch.setenv("FANOPS_WAREHOUSE", str(path))  # the DuckDB resource reads it
    return path


def run_ingest(landing: Path, warehouse: Path):
    with DagsterInstance.ephemeral() as instance:
        return materialize(
            INGESTION_ASSETS,
            resources=build_resources(tiny_settings(landing, warehouse)),
            instance=instance,
        )


def test_materialize_ingestion_assets(tiny_landing: Path, warehouse: Path) -> None:
    result = run_ingest(tiny_landing, warehouse)
    assert result.success
    meta = metadata_by_key(result)
    assert len(meta) == len(INGESTION_ASSETS)  # every dataset materialises, with or without files

    accounts = meta[AssetKey(["raw", "ops", "accounts"])]
    assert (accounts["files_seen"], accounts["files_new"], accounts["files_loaded"]) == (1, 1, 1)
    assert accounts["rows_loaded"] == 2

    growth = meta[AssetKey(["raw", "wechat", "user_growth"])]
    assert (growth["files_seen"], growth["files_new"], growth["files_loaded"], growth["files_rejected"]) == (
        1,
        1,
        1,
        0,
    )
    assert (growth["rows_read"], growth["rows_loaded"], growth["rows_quarantined"]) == (4, 3, 1)
    assert growth["raw_tables"] == [
        "raw.wechat_user_growth",
        "raw.wechat_user_source_daily",
        "raw.wechat_user_cumulate",
    ]

    fans = meta[AssetKey(["raw", "douyin", "fans"])]
    assert (fans["files_seen"], fans["rows_read"], fans["rows_loaded"], fans["rows_quarantined"]) == (
        1,
        2,
        2,
        0,
    )

    empty = meta[AssetKey(["raw", "weibo", "posts"])]
    assert (empty["files_seen"], empty["rows_loaded"]) == (0, 0)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.wechat_user_growth").fetchone() == (3,)
        assert con.execute("select count(*) from raw.douyin_fans").fetchone() == (2,)
        assert con.execute("select count(*) from raw.ops_accounts").fetchone() == (2,)
        assert con.execute("select count(*) from ops.quarantine").fetchone() == (1,)
        statuses = dict(con.execute("select status, count(*) from ops.file_manifest group by 1").fetchall())
        assert statuses == {"loaded": 3}


def test_second_run_is_a_no_op(tiny_landing: Path, warehouse: Path) -> None:
    assert run_ingest(tiny_landing, warehouse).success
    result = run_ingest(tiny_landing, warehouse)
    assert result.success
    growth = metadata_by_key(result)[AssetKey(["raw", "wechat", "user_growth"])]
    assert growth["files_new"] == 0 and growth["rows_loaded"] == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.wechat_user_growth").fetchone() == (3,)
