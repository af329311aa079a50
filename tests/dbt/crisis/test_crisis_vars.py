"""The crisis settings reach dbt unchanged: dbt_project.yml's var defaults (a bare `dbt build`) equal the
vars orchestration passes for the built-in config, and overrides from fanops.yaml arrive as written."""

from __future__ import annotations

from pathlib import Path

import yaml

from ingestion.config import CRISIS_LEVELS, PLAYBOOK_STEPS, FanopsConfig, parse_config
from orchestration.dbt.project import crisis_dbt_vars, dbt_vars

DBT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"


def test_dbt_project_defaults_equal_the_config_defaults() -> None:
    declared = yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    passed = dbt_vars(FanopsConfig())
    crisis = {k: v for k, v in passed.items() if k.startswith("crisis_")}
    assert crisis == crisis_dbt_vars(FanopsConfig().crisis)
    assert sorted(crisis) == sorted(k for k in declared if k.startswith("crisis_"))
    for key, value in crisis.items():
        assert declared[key] == value, key


def test_levels_var_carries_names_rules_and_playbooks() -> None:
    levels = crisis_dbt_vars(FanopsConfig().crisis)["crisis_levels"]
    assert [lv["level"] for lv in levels] == [1, 2, 3, 4]
    for lv in levels:
        info = CRISIS_LEVELS[lv["level"]]
        assert lv["name"] == info.name_zh
        assert [s["code"] for s in lv["playbook"]] == list(info.playbook)
        assert [s["step"] for s in lv["playbook"]] == [PLAYBOOK_STEPS[c][0] for c in info.playbook]


def test_overrides_arrive_in_the_vars() -> None:
    cfg = parse_config({"crisis": {"cooldown_hours": 12, "levels": {2: {"rules": [{"negative": 20}]}}}})
    values = dbt_vars(cfg)
    assert values["crisis_cooldown_hours"] == 12
    assert values["crisis_levels"][1]["rules"] == [{"negative": 20}]
    assert values["crisis_levels"][0]["rules"] == [dict(r) for r in cfg.crisis.rules(1)]
