"""fanops.yaml validation, defaults, resolution order and the PII key rule."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from ingestion import config as cfgmod
from ingestion.config import (
    CRISIS_LEVELS,
    CRISIS_SIGNALS,
    PLAYBOOK_STEPS,
    ConfigError,
    CrisisConfig,
    FanopsConfig,
    PiiKeyError,
    find_config,
    load_config,
    parse_config,
    resolve_pii_key,
    resolve_settings,
)

REPO = Path(__file__).resolve().parents[2]


def problems(raw: object) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    return info.value.problems


def test_defaults_follow_design() -> None:
    cfg = parse_config({})
    assert cfg == FanopsConfig()
    assert cfg.timezone == "Asia/Shanghai"
    assert cfg.plan.start_date == dt.date(2026, 7, 1)
    assert (cfg.plan.baseline_days, cfg.plan.metric_age_days) == (28, 7)
    assert cfg.plan.target("3m", "fan_growth") == 0.30
    assert cfg.plan.target("3m", "interaction_rate_uplift") == 0.20
    assert cfg.plan.target("6m", "fan_growth") == 0.50
    assert cfg.plan.target("6m", "interaction_rate_uplift") == 0.30
    assert cfg.plan.target("6m", "roas") is None
    assert dict(cfg.service.sla_minutes) == {"comment": 120, "message": 30}
    assert cfg.calendar.grace_minutes == 60
    assert (cfg.fans.new_days, cfg.fans.active_days, cfg.fans.dormant_days) == (30, 30, 90)
    assert cfg.attribution.kol_window_days == 15
    assert cfg.notifications == () and cfg.crisis == CrisisConfig()


def test_repo_fanops_yaml_is_the_default_shape() -> None:
    cfg = load_config(REPO / "fanops.yaml")
    assert cfg.landing is None  # so the bundled sample is the default landing
    assert cfg == FanopsConfig(warehouse="warehouse/fanops.duckdb")


def test_config_is_frozen() -> None:
    cfg = parse_config({})
    with pytest.raises(AttributeError):
        cfg.timezone = "UTC"  # type: ignore[misc]


def test_unknown_keys_name_their_path() -> None:
    assert problems({"planx": 1})[0].startswith("planx: unknown key")
    assert problems({"plan": {"start": "2026-07-01"}})[0].startswith("plan.start: unknown key")
    assert problems({"plan": {"targets": {"9m": {}}}})[0].startswith("plan.targets.9m: unknown key")
    assert problems({"plan": {"targets": {"3m": {"followers": 0.3}}}})[0].startswith(
        "plan.targets.3m.followers: unknown key"
    )
    assert problems({"service": {"sla_minutes": {"phone": 5}}})[0].startswith("service.sla_minutes.phone")


def test_percent_instead_of_fraction() -> None:
    assert problems({"plan": {"targets": {"3m": {"fan_growth": 30}}}}) == [
        "plan.targets.3m.fan_growth: 30 is not a fraction (did you mean 0.30?)"
    ]
    msg = problems({"plan": {"targets": {"6m": {"interaction_rate_uplift": "30%"}}}})[0]
    assert msg.startswith("plan.targets.6m.interaction_rate_uplift:") and "fraction" in msg


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ({"fans": {"new_days": 0}}, "fans.new_days"),
        ({"fans": {"active_days": 60, "dormant_days": 30}}, "fans.dormant_days"),
        ({"service": {"sla_minutes": {"comment": -5}}}, "service.sla_minutes.comment"),
        ({"calendar": {"grace_minutes": "an hour"}}, "calendar.grace_minutes"),
        ({"calendar": {"grace_minutes": True}}, "calendar.grace_minutes"),
        ({"attribution": {"kol_window_days": 1000}}, "attribution.kol_window_days"),
        ({"plan": {"metric_age_days": -1}}, "plan.metric_age_days"),
        ({"plan": {"start_date": "July 1st"}}, "plan.start_date"),
        ({"plan": {"targets": {"3m": {"fan_growth": -0.1}}}}, "plan.targets.3m.fan_growth"),
        ({"plan": {"targets": {"3m": {"roas": 0}}}}, "plan.targets.3m.roas"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"crisis": [1, 2]}, "crisis"),
        ({"crisis": {"cooldown": 6}}, "crisis.cooldown"),
        ({"crisis": {"cooldown_hours": 0}}, "crisis.cooldown_hours"),
        ({"crisis": {"baseline_days": 400}}, "crisis.baseline_days"),
        ({"crisis": {"platform_anomaly": -1}}, "crisis.platform_anomaly"),
        ({"crisis": {"severe_weight": "heavy"}}, "crisis.severe_weight"),
        ({"crisis": {"deescalate_hours": 30}}, "crisis.deescalate_hours"),
        ({"crisis": {"scorer": {"negative_below": -2}}}, "crisis.scorer.negative_below"),
        ({"crisis": {"scorer": {"negative_below": 0.3}}}, "crisis.scorer.negative_below"),
        ({"crisis": {"scorer": {"threshold": 0.3}}}, "crisis.scorer.threshold"),
        ({"crisis": {"levels": {5: {"rules": []}}}}, "crisis.levels.5"),
        ({"crisis": {"levels": {1: {"when": []}}}}, "crisis.levels.1.when"),
        ({"crisis": {"levels": {1: {"rules": {"negative": 3}}}}}, "crisis.levels.1.rules"),
        ({"crisis": {"levels": {2: {"rules": [{"negativ": 3}]}}}}, "crisis.levels.2.rules[0].negativ"),
        ({"crisis": {"levels": {2: {"rules": [{}]}}}}, "crisis.levels.2.rules[0]"),
        ({"crisis": {"levels": {3: {"rules": [{"negative": 2.5}]}}}}, "crisis.levels.3.rules[0].negative"),
        ({"crisis": {"levels": {4: {"rules": [{"share_jump": 15}]}}}}, "crisis.levels.4.rules[0].share_jump"),
        ({"crisis": {"levels": {"1": {"rules": [{"anomaly_score": -3}]}}}}, "crisis.levels.1.rules[0].anomaly_score"),
        ({"notifications": {"a": 1}}, "notifications"),
        ({"notifications": [{"type": "wecom", "token": "abc", "token_env": "FANOPS_WECOM_KEY"}]}, "notifications[0].token"),
        ({"plan": {"scopes": ["overall", "region"]}}, "plan.scopes"),
        ({"plan": {"at_risk_ratio": 80}}, "plan.at_risk_ratio"),
        ({"plan": {"trend_days": 1}}, "plan.trend_days"),
        ({"plan": {"quality_tiers": {"high_percentile": 75}}}, "plan.quality_tiers.high_percentile"),
        ({"plan": {"quality_tiers": {"standard_percentile": 0.8}}}, "plan.quality_tiers.standard_percentile"),
        ({"quality": {"severity": {"volume.*": "fatal"}}}, "quality.severity.volume.*"),
        ({"quality": {"volume": {"mad_k": -1}}}, "quality.volume.mad_k"),
        (
            {"quality": {"freshness": {"datasets": {"douyin/nope": 3}}}},
            "quality.freshness.datasets.douyin/nope",
        ),
        ({"quality": {"engagement_rate_max": {"douyin": "50%"}}}, "quality.engagement_rate_max.douyin"),
    ],
)
def test_out_of_range_values_name_their_key(raw: dict, path: str) -> None:
    found = problems(raw)
    assert len(found) == 1 and found[0].startswith(f"{path}: "), found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "fanops.yaml"
    bad.write_text(
        "fans: {new_days: 0}\nplan: {targets: {3m: {fan_growth: 30}}}\nextra: 1\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert len(info.value.problems) == 3
    assert str(bad) in str(info.value)


def test_plan_and_quality_overrides() -> None:
    cfg = parse_config(
        {
            "plan": {
                "scopes": ["account", "overall"],
                "at_risk_ratio": 0.9,
                "quality_tiers": {"high_percentile": 0.8},
            },
            "quality": {"severity": {"freshness.*": "error"}, "freshness": {"datasets": {"weibo/fans": 1}}},
        }
    )
    assert cfg.plan.scopes == ("overall", "account") and cfg.plan.at_risk_ratio == 0.9
    assert cfg.plan.quality_high_percentile == 0.8 and cfg.plan.quality_standard_percentile == 0.25
    assert cfg.quality.severity_for("freshness.weibo_fans.lag_within_sla", "warn") == "error"
    assert cfg.quality.severity_for("volume.weibo_fans.daily_rows", "warn") == "warn"
    # a datasets block adds to the cadence SLAs of the slow datasets
    assert (
        cfg.quality.freshness.sla_for("weibo/fans") == 1
        and cfg.quality.freshness.sla_for("wechat/fans_portrait") == 62
    )


def test_valid_overrides(tmp_path: Path) -> None:
    f = tmp_path / "fanops.yaml"
    f.write_text(
        "plan:\n  start_date: 2026-08-01\n  targets:\n    3m: {fan_growth: 0.25, roas: 3}\n"
        "service: {sla_minutes: {message: 15}}\ncrisis: {cooldown_hours: 6}\n"
        "notifications: [{type: wecom, token_env: FANOPS_WECOM_TOKEN}]\n",
        encoding="utf-8",
    )
    cfg = load_config(f)
    assert cfg.plan.start_date == dt.date(2026, 8, 1)
    assert dict(cfg.plan.targets["3m"]) == {"fan_growth": 0.25, "roas": 3.0}
    assert "6m" not in cfg.plan.targets  # a targets block replaces the defaults: 6m has no target
    assert dict(cfg.service.sla_minutes) == {"comment": 120, "message": 15}
    assert cfg.crisis.cooldown_hours == 6
    assert cfg.notifications[0].token_env == "FANOPS_WECOM_TOKEN"


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "fanops.yaml"
    f.write_text("plan: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(f)
    with pytest.raises(ConfigError, match="not found"):
        resolve_settings(tmp_path / "nope.yaml", export_env=False)


# ------------------------------------------------------------------------------------------ resolution


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cwd with its own fanops.yaml, plus a stand-in bundled sample."""
    sample = tmp_path / "sample"
    (sample / "landing").mkdir(parents=True)
    (sample / "fanops.yaml").write_text("plan: {start_date: 2024-12-01}\n", encoding="utf-8")
    monkeypatch.setattr(cfgmod, "SAMPLE_LANDING", sample / "landing")
    monkeypatch.setattr(cfgmod, "SAMPLE_CONFIG", sample / "fanops.yaml")
    cwd = tmp_path / "cwd"
    (cwd / "conf").mkdir(parents=True)
    (cwd / "fanops.yaml").write_text("calendar: {grace_minutes: 10}\n", encoding="utf-8")
    (cwd / "conf" / "fanops.yaml").write_text(
        "landing: ../land\nwarehouse: wh/x.duckdb\ncalendar: {grace_minutes: 20}\n", encoding="utf-8"
    )
    (cwd / "env.yaml").write_text("calendar: {grace_minutes: 30}\n", encoding="utf-8")
    return cwd


def test_config_resolution_order(layout: Path) -> None:
    assert find_config(None, {}, layout) == (layout / "fanops.yaml", False)  # cwd's fanops.yaml
    assert find_config(None, {"FANOPS_CONFIG": "env.yaml"}, layout) == (layout / "env.yaml", True)
    assert find_config("conf/fanops.yaml", {"FANOPS_CONFIG": "env.yaml"}, layout)[0] == (
        layout / "conf" / "fanops.yaml"
    )
    s = resolve_settings(cwd=layout, env={"FANOPS_LANDING": "l"}, export_env=False)
    assert s.config_path == layout / "fanops.yaml" and s.config.calendar.grace_minutes == 10
    s = resolve_settings("conf/fanops.yaml", cwd=layout, env={"FANOPS_CONFIG": "env.yaml"}, export_env=False)
    assert s.config_path == layout / "conf" / "fanops.yaml"
    assert s.config.calendar.grace_minutes == 20


def test_config_falls_back_to_repo_root(tmp_path: Path) -> None:
    s = resolve_settings(cwd=tmp_path, env={"FANOPS_LANDING": "l"}, export_env=False)
    assert s.config_path == REPO / "fanops.yaml"
    assert s.warehouse == REPO / "warehouse" / "fanops.duckdb"  # config paths are relative to its folder


def test_landing_resolution_order(layout: Path) -> None:
    conf = "conf/fanops.yaml"
    s = resolve_settings(conf, cwd=layout, env={}, export_env=False)
    assert (s.landing, s.is_sample) == (layout / "land", False)  # relative to the config's folder
    s = resolve_settings(conf, cwd=layout, env={"FANOPS_LANDING": "envland"}, export_env=False)
    assert s.landing == layout / "envland"
    s = resolve_settings(conf, "argland", cwd=layout, env={"FANOPS_LANDING": "envland"}, export_env=False)
    assert s.landing == layout / "argland"


def test_sample_only_when_no_landing_is_set(layout: Path) -> None:
    s = resolve_settings(cwd=layout, env={}, export_env=False)
    assert s.is_sample
    assert s.landing == cfgmod.SAMPLE_LANDING
    assert s.config_path == cfgmod.SAMPLE_CONFIG  # the sample's own config (plan inside its period)
    assert s.config.plan.start_date == dt.date(2024, 12, 1)
    assert s.warehouse == layout / "warehouse" / "fanops.duckdb"  # default: relative to the cwd


def test_warehouse_resolution_order_and_export(layout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = "conf/fanops.yaml"
    assert (
        resolve_settings(conf, cwd=layout, env={}, export_env=False).warehouse == layout / "conf/wh/x.duckdb"
    )
    env = {"FANOPS_WAREHOUSE": "envwh.duckdb"}
    assert resolve_settings(conf, cwd=layout, env=env, export_env=False).warehouse == layout / "envwh.duckdb"
    s = resolve_settings(conf, warehouse="/tmp/argwh.duckdb", cwd=layout, env=env, export_env=False)
    assert s.warehouse == Path("/tmp/argwh.duckdb")
    monkeypatch.setenv("FANOPS_WAREHOUSE", "x")
    s = resolve_settings(conf, warehouse="a/b.duckdb", cwd=layout, env={})
    assert os.environ["FANOPS_WAREHOUSE"] == str(layout / "a" / "b.duckdb") == str(s.warehouse)


# --------------------------------------------------------------------------------------------- PII key


def test_pii_key_from_env() -> None:
    key, version = resolve_pii_key(False, env={"FANOPS_PII_KEY": "secret"}, export_env=False)
    assert key == b"secret"
    assert version == cfgmod.key_version(b"secret") and len(version) == 8


def test_pii_key_required_outside_the_sample(tmp_path: Path) -> None:
    with pytest.raises(PiiKeyError, match="FANOPS_PII_KEY"):
        resolve_pii_key(False, env={}, key_file=tmp_path / "k", export_env=False)
    assert not (tmp_path / "k").exists()


def test_sample_key_is_made_once_with_a_warning(tmp_path: Path) -> None:
    warnings: list[str] = []
    path = tmp_path / "cfg" / "fanops" / "pii.key"
    first = resolve_pii_key(True, env={}, key_file=path, warn=warnings.append, export_env=False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = resolve_pii_key(True, env={}, key_file=path, warn=warnings.append, export_env=False)
    assert first == second
    assert len(warnings) == 2 and "WARNING" in warnings[0] and "SAMPLE" in warnings[0]


def test_crisis_defaults_and_level_labels() -> None:
    crisis = parse_config({"crisis": {}}).crisis
    assert crisis == CrisisConfig()
    assert (crisis.scorer.negative_below, crisis.scorer.positive_above) == (-0.2, 0.2)
    assert (crisis.baseline_days, crisis.baseline_weeks, crisis.share_baseline_days) == (14, 4, 7)
    assert (crisis.window_hours, crisis.platform_floor, crisis.platform_anomaly) == (3, 3, 3.0)
    assert (crisis.severe_weight, crisis.cooldown_hours, crisis.deescalate_hours, crisis.calendar_days) == (
        3.0, 24, 6, 3)
    assert [dict(r) for r in crisis.rules(1)] == [
        {"negative": 40, "anomaly_score": 8.0, "platforms": 3, "reach": 1_000_000},
        {"negative": 100, "anomaly_score": 10.0, "platforms": 3, "severe_texts": 30},
    ]
    assert [dict(r) for r in crisis.rules(4)] == [
        {"negative": 8, "anomaly_score": 3.0, "share_jump": 0.15},
        {"severe_texts": 3, "negative": 5, "anomaly_score": 3.0},
    ]
    assert all(signal in CRISIS_SIGNALS for level in (1, 2, 3, 4) for r in crisis.rules(level) for signal in r)
    # the plan's four levels, most severe first, with zh and en labels for every playbook step
    assert [(lv.level, lv.name_zh, lv.name_en) for lv in CRISIS_LEVELS.values()] == [
        (1, "特别严重", "most severe"), (2, "严重", "severe"), (3, "较重", "serious"), (4, "一般", "general")]
    assert CRISIS_LEVELS[1].playbook[:3] == ("emergency_plan", "crisis_team", "pause_related_content")
    assert CRISIS_LEVELS[4].playbook == ("watch", "adjust_content_if_needed", "publish_facts")
    for level in CRISIS_LEVELS.values():
        for code in level.playbook:
            zh, en = PLAYBOOK_STEPS[code]
            assert zh and en


def test_crisis_overrides_replace_a_levels_rules_only() -> None:
    crisis = parse_config({
        "crisis": {
            "cooldown_hours": 12,
            "deescalate_hours": 12,
            "scorer": {"negative_below": -0.3},
            "levels": {"2": {"rules": [{"negative": 20, "velocity": 2.5}]}, 3: {"rules": []}},
        }
    }).crisis
    assert (crisis.cooldown_hours, crisis.deescalate_hours) == (12, 12)
    assert (crisis.scorer.negative_below, crisis.scorer.positive_above) == (-0.3, 0.2)
    assert [dict(r) for r in crisis.rules(2)] == [{"negative": 20, "velocity": 2.5}]
    assert crisis.rules(3) == ()  # an empty list never triggers the level
    assert crisis.rules(1) == CrisisConfig().rules(1) and crisis.rules(4) == CrisisConfig().rules(4)
    with pytest.raises(AttributeError):
        crisis.cooldown_hours = 1  # type: ignore[misc]


# ------------------------------------------------------------------------------------- schedules, retries


def test_schedule_and_retry_defaults() -> None:
    cfg = parse_config({})
    assert (cfg.schedules.nightly, cfg.schedules.crisis, cfg.schedules.weekly_report) == (
        "30 2 * * *",  # 02:30 in `timezone` (Asia/Shanghai)
        "5 * * * *",
        "0 8 * * 1",
    )
    assert (cfg.retries.max_retries, cfg.retries.delay_seconds) == (3, 30.0)
    for path in (REPO / "fanops.yaml", cfgmod.SAMPLE_CONFIG):  # both spell the defaults out
        loaded = load_config(path)
        assert (loaded.schedules, loaded.retries) == (cfg.schedules, cfg.retries)


def test_schedule_and_retry_overrides() -> None:
    cfg = parse_config(
        {
            "schedules": {"nightly": "0  3 * * *", "crisis": "*/15 * * * *", "weekly_report": "0 9 * * mon"},
            "retries": {"max_retries": 0, "delay_seconds": 2.5},
        }
    )
    assert cfg.schedules.nightly == "0 3 * * *"  # whitespace normalised
    assert (cfg.schedules.crisis, cfg.schedules.weekly_report) == ("*/15 * * * *", "0 9 * * mon")
    assert (cfg.retries.max_retries, cfg.retries.delay_seconds) == (0, 2.5)


@pytest.mark.parametrize(
    ("raw", "path", "words"),
    [
        ({"schedules": {"daily": "0 3 * * *"}}, "schedules.daily", "unknown key"),
        ({"schedules": {"nightly": "0 3 * *"}}, "schedules.nightly", "expected 5 fields"),
        ({"schedules": {"nightly": "0 24 * * *"}}, "schedules.nightly", "hour '24': 24 is out of range"),
        ({"schedules": {"crisis": 5}}, "schedules.crisis", "expected a cron expression"),
        ({"schedules": {"crisis": "@hourly"}}, "schedules.crisis", "expected 5 fields"),
        ({"schedules": {"weekly_report": "0 8 * * 8"}}, "schedules.weekly_report", "day of week"),
        ({"schedules": {"weekly_report": "0 8 30 2 *"}}, "schedules.weekly_report", "February"),
        ({"schedules": ["30 2 * * *"]}, "schedules", "expected a mapping"),
        ({"retries": {"max_retries": -1}}, "retries.max_retries", "out of range"),
        ({"retries": {"max_retries": 2.5}}, "retries.max_retries", "whole number"),
        ({"retries": {"delay_seconds": "30s"}}, "retries.delay_seconds", "expected a number"),
        ({"retries": {"delay_seconds": 7200}}, "retries.delay_seconds", "out of range"),
        ({"retries": {"backoff": 2}}, "retries.backoff", "unknown key"),
    ],
)
def test_schedule_and_retry_problems_name_their_key(raw: dict, path: str, words: str) -> None:
    found = problems(raw)
    assert len(found) == 1 and found[0].startswith(f"{path}: ") and words in found[0], found


CRON_SAMPLES = (
    "30 2 * * *", "5 * * * *", "0 8 * * 1", "*/15 * * * *", "1/5 * * * *", "0,30 9-17/2 * * 1-5",
    "0 0 1 jan *", "0 0 * JAN-MAR *", "0 0 * * mon-fri", "0 0 * * fri-mon", "0 0 * * 0-7", "0 0 * * 7",
    "0 0 ? * *", "0 0 29 2 *", "0 0 30,31 2 *", "0 0 1-31/10 * *", "5-1 * * * *", " 0 0 * * * ",
    # invalid for both
    "0 0 * * 8", "0 0 30 2 *", "0 0 31 feb *", "* * * * * *", "0 0 0 * *", "60 * * * *", "0 24 * * *",
    "0 0 * 13 *", "*/0 * * * *", "1-5/0 * * * *", "? * * * *", "a * * * *", "-1 * * * *", "5--6 * * * *",
    "1,,2 * * * *", "*/5/2 * * * *", "",
)


@pytest.mark.parametrize("expr", CRON_SAMPLES)
def test_cron_check_never_accepts_what_dagster_rejects(expr: str) -> None:
    """The config's own cron check (no dagster import) agrees with Dagster's on these; Dagster's extensions
    (L, #, @daily) are refused by the config, never the other way round."""
    from dagster._utils.schedules import is_valid_cron_string

    assert (cfgmod.cron_problem(expr) is None) == is_valid_cron_string(expr), expr
    for extension in ("0 0 L * *", "0 0 * * 1#2", "@daily"):
        assert is_valid_cron_string(extension) and cfgmod.cron_problem(extension) is not None
