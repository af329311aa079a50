"""`lake:` in fanops.yaml (ingestion.config.LakeConfig), its resolved root, and `fanops lake`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.config import ConfigError, FanopsConfig, LakeConfig, lake_root, parse_config
from orchestration.dbt.assets import build_args


def test_lake_is_off_by_default_and_parses() -> None:
    assert FanopsConfig().lake == LakeConfig(enabled=False, root=None, dbt_reads_lake=False)
    cfg = parse_config({"lake": {"enabled": True, "root": " s3://b/fanops ", "dbt_reads_lake": True}}, "t")
    assert cfg.lake == LakeConfig(enabled=True, root="s3://b/fanops", dbt_reads_lake=True)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"enabled": "yes"}, "lake.enabled: expected true or false"),
        ({"dbt_reads_lake": 1}, "lake.dbt_reads_lake: expected true or false"),
        ({"root": ""}, "lake.root: expected a path or URL"),
        ({"root": 3}, "lake.root: expected a path or URL"),
        ({"bucket": "x"}, "lake.bucket: unknown key"),
    ],
)
def test_bad_lake_values_name_their_key(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"lake": raw}, "t")
    assert message in str(info.value)


def test_lake_root_resolution(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "fanops.duckdb"
    config_path = tmp_path / "conf" / "fanops.yaml"
    off = FanopsConfig()
    assert lake_root(off, config_path, warehouse) is None
    on = parse_config({"lake": {"enabled": True}}, "t")
    assert lake_root(on, config_path, warehouse) == str(tmp_path / "wh" / "lake")
    rel = parse_config({"lake": {"enabled": True, "root": "../lake"}}, "t")
    assert lake_root(rel, config_path, warehouse) == str(tmp_path / "lake")
    url = parse_config({"lake": {"enabled": True, "root": "s3://bucket/fanops/"}}, "t")
    assert lake_root(url, config_path, warehouse) == "s3://bucket/fanops"


def test_dbt_reads_the_lake_only_when_asked() -> None:
    reads = parse_config({"lake": {"enabled": True, "dbt_reads_lake": True}}, "t")
    publishes_only = parse_config({"lake": {"enabled": True}}, "t")
    assert json.loads(build_args(reads, None, None, lake_root="/l")[2])["lake_root"] == "/l"
    assert "lake_root" not in json.loads(build_args(publishes_only, None, None, lake_root="/l")[2])
    assert "lake_root" not in json.loads(build_args(reads, None, None)[2])


def _fanops(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "fanops"
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(cwd), "DAGSTER_DISABLE_TELEMETRY": "1"}
    return subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_fanops_lake_cli(tmp_path: Path) -> None:
    config = tmp_path / "fanops.yaml"
    config.write_text("lake: {enabled: false}\n", encoding="utf-8")
    off = _fanops("lake", "--config", str(config), "--warehouse", str(tmp_path / "w.duckdb"), cwd=tmp_path)
    assert off.returncode == 1 and "the lake is not enabled" in off.stderr
    vars_only = _fanops(
        "lake", "--config", str(config), "--root", "s3://b/l", "--read-root", "s3a://b/l", "--print-vars",
        cwd=tmp_path,
    )
    assert vars_only.returncode == 0, vars_only.stderr
    values = json.loads(vars_only.stdout)
    assert values["lake_root"] == "s3a://b/l" and values["timezone_offset_hours"] == 8
    missing = _fanops("lake", "--config", str(config), "--root", str(tmp_path / "lake"),
                      "--warehouse", str(tmp_path / "none.duckdb"), cwd=tmp_path)  # fmt: skip
    assert missing.returncode == 1 and "no warehouse at" in missing.stderr


def test_fanops_lake_exports_a_warehouse(tmp_path: Path) -> None:
    import duckdb

    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.shop_orders (platform varchar, account varchar, _file_sha256 varchar, "
            "_row_number bigint, _loaded_at timestamp, amount decimal(18,2))"
        )
        con.execute(
            "insert into raw.shop_orders values ('shop', 'a', 'f1', 1, '2026-11-01 23:59:59', 12.50), "
            "('shop', 'a', 'f1', 2, '2026-11-02 00:00:01', 7.00)"
        )
    config = tmp_path / "fanops.yaml"
    config.write_text("landing: landing\nlake: {enabled: true, root: lake}\n", encoding="utf-8")
    first = _fanops("lake", "--config", str(config), "--warehouse", str(warehouse), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "lake: 1 table(s); 2 partition(s) written (2 rows), 0 removed, 0 unchanged" in first.stdout
    assert f"lake root: {tmp_path / 'lake'}" in first.stdout
    parts = sorted(p.parent.name for p in (tmp_path / "lake" / "raw" / "shop_orders").glob("*/part-*.parquet"))
    assert parts == ["_load_date=2026-11-01", "_load_date=2026-11-02"]
    again = _fanops("lake", "--config", str(config), "--warehouse", str(warehouse), cwd=tmp_path)
    assert "0 partition(s) written (0 rows), 0 removed, 2 unchanged" in again.stdout


def test_kpi_models_read_no_source() -> None:
    """The KPI dbt op does not publish the lake again (orchestration.dbt.assets): its models read marts only."""
    from orchestration.dbt.assets import KPI_TAG
    from orchestration.dbt.project import load_manifest, prepare_manifest

    prepare_manifest()
    manifest, _ = load_manifest()
    kpi = [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and KPI_TAG in n["tags"]]
    assert len(kpi) >= 5
    assert not [(n["name"], d) for n in kpi for d in n["depends_on"]["nodes"] if d.startswith("source.")]
