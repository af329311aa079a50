"""Shared fixtures: a hermetic environment (fixed test PII key, temp DAGSTER_HOME, no FANOPS_* paths
leaking in from the shell) and a tiny landing tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TEST_PII_KEY = "fanops-test-key-0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def fanops_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in ("FANOPS_CONFIG", "FANOPS_LANDING", "FANOPS_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FANOPS_PII_KEY", TEST_PII_KEY)
    monkeypatch.setenv("DAGSTER_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "false")
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))


ACCOUNTS_CSV = (
    "平台,账号标识,账号名称,平台账号ID,品牌,负责人ID,启用日期,停用日期,粉丝基数,基数日期,状态\n"
    "微信公众号,qinghe_wx,青禾茶饮,gh_3f8a2c91d7e0,青禾,T002,2023-03-01,,,,启用\n"
    "抖音,qinghe_dy,青禾茶饮官方旗舰店,ba253642-0590-40bc-9bdf-9a1334b94059,青禾,T003,2023-05-12,,,,启用\n"
)

# the last row is bad (a count that is not a number): quarantined, the rest loads
WECHAT_USER_GROWTH_CSV = (
    "时间,新关注人数,取消关注人数,净增关注人数,累积关注人数\n"
    "2024-11-01,128,37,91,52310\n"
    "2024-11-02,96,41,55,52365\n"
    "2024-11-03,74,88,-14,52351\n"
    "2024-11-04,lots,10,5,52356\n"
)

DOUYIN_FANS = {
    "data": {
        "error_code": 0,
        "description": "",
        "result_list": [
            {"date": "2024-11-01", "new_fans": 143, "total_fans": 86215},
            {"date": "2024-11-02", "new_fans": 97, "total_fans": 86290},
        ],
    },
    "extra": {"logid": "202411030930000102030405AB", "now": 1730597400000, "error_code": 0},
}


def write_tiny_landing(root: Path) -> dict[str, Path]:
    """ops/accounts + one WeChat 用户增长 CSV (4 rows, 1 bad) + one Douyin fans JSON (2 rows)."""
    files = {
        "ops/accounts": root / "ops" / "accounts" / "accounts.csv",
        "wechat/user_growth": root / "wechat" / "qinghe_wx" / "user_growth" / "用户增长.csv",
        "douyin/fans": root / "douyin" / "qinghe_dy" / "fans" / "fans_2024-11-02.json",
    }
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    files["ops/accounts"].write_text(ACCOUNTS_CSV, encoding="utf-8")
    files["wechat/user_growth"].write_text(WECHAT_USER_GROWTH_CSV, encoding="utf-8")
    files["douyin/fans"].write_text(json.dumps(DOUYIN_FANS, ensure_ascii=False), encoding="utf-8")
    return files


@pytest.fixture
def tiny_landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    write_tiny_landing(root)
    return root
