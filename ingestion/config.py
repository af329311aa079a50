"""Load, validate and resolve ``fanops.yaml`` (DESIGN.md, "`fanops.yaml` (shape)").

Everything a run needs besides secrets comes from here: the parsed config as frozen dataclasses, and
the resolved landing root, warehouse file and whether the run uses the bundled sample (`Settings`).
Unknown keys and out-of-range values raise `ConfigError`, whose lines each name the key path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

if TYPE_CHECKING:  # the channel type lives with the notifier (parsed lazily: no import cycle)
    from orchestration.notify.config import Channel

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO_ROOT / "data" / "sample"
SAMPLE_LANDING = SAMPLE_DIR / "landing"
SAMPLE_CONFIG = SAMPLE_DIR / "fanops.yaml"
DEFAULT_WAREHOUSE = Path("warehouse") / "fanops.duckdb"
CONFIG_NAME = "fanops.yaml"

ENV_CONFIG = "FANOPS_CONFIG"
ENV_LANDING = "FANOPS_LANDING"
ENV_WAREHOUSE = "FANOPS_WAREHOUSE"
ENV_PII_KEY = "FANOPS_PII_KEY"

HORIZONS = ("3m", "6m")
SCOPES = ("overall", "platform", "account")
# KPI targets that are fractions (0.30 = 30 %); growth and uplift targets above 1 are almost surely percents.
FRACTION_TARGETS = (
    "fan_growth",
    "fan_growth_gross",
    "interaction_rate_uplift",
    "content_quality_share",
    "share_of_voice",
    "positive_share",
    "conversion_rate_by_exposures",
)
RATIO_TARGETS = ("roas", "roi")  # multiples, not fractions: ROAS 3.0, ROI 0.5 or 2.0
TARGET_KEYS = FRACTION_TARGETS + RATIO_TARGETS
SLA_CHANNELS = ("comment", "message")


class ConfigError(ValueError):
    """One or more problems in a config file; each line names the key path."""

    def __init__(self, problems: list[str], source: Path | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source is not None else ""
        if len(self.problems) == 1:
            text = f"{where}{self.problems[0]}"
        else:
            text = f"{where}{len(self.problems)} problems:\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(text)


# --------------------------------------------------------------------------------------------------- model


def _default_targets() -> Mapping[str, Mapping[str, float]]:
    return MappingProxyType(
        {
            "3m": MappingProxyType({"fan_growth": 0.30, "interaction_rate_uplift": 0.20}),
            "6m": MappingProxyType({"fan_growth": 0.50, "interaction_rate_uplift": 0.30}),
        }
    )


@dataclass(frozen=True)
class PlanConfig:
    start_date: dt.date = dt.date(2026, 7, 1)
    baseline_days: int = 28
    metric_age_days: int = 7
    # horizon ('3m' | '6m') -> KPI -> target (fractions); a KPI absent here has status no_target
    targets: Mapping[str, Mapping[str, float]] = field(default_factory=_default_targets)
    scopes: tuple[str, ...] = SCOPES  # scorecard scopes: overall, platform, account
    at_risk_ratio: float = (
        0.8  # on_track: actual >= expected_by_now; at_risk: >= this x expected; else off_track
    )
    max_data_age_days: int = 2  # a scope account's latest followers_total counts when at most this old
    trend_days: int = 28  # days of kpi_daily whose least-squares slope projects to the deadline
    quality_high_percentile: float = 0.75  # content tier high: engagement rate >= this baseline percentile
    quality_standard_percentile: float = 0.25  # standard: >= this percentile; low below
    quality_min_baseline_posts: int = 10  # fewer baseline posts per account+format: use the platform's

    def target(self, horizon: str, kpi: str) -> float | None:
        return self.targets.get(horizon, {}).get(kpi)


@dataclass(frozen=True)
class ServiceConfig:
    sla_minutes: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({"comment": 120, "message": 30})
    )


@dataclass(frozen=True)
class CalendarConfig:
    grace_minutes: int = 60


@dataclass(frozen=True)
class FansConfig:
    new_days: int = 30
    active_days: int = 30
    dormant_days: int = 90


@dataclass(frozen=True)
class AttributionConfig:
    kol_window_days: int = 15


# ------------------------------------------------------------------------------------------------ crisis
# The plan's four crisis levels and their playbooks (DESIGN "crisis levels"): the ONE place of their labels.
# dbt gets the Chinese texts as the var `crisis_levels` (orchestration/dbt/project.py); the notifier reads
# the English labels from here.


@dataclass(frozen=True)
class CrisisLevel:
    level: int  # 1 = most severe ... 4 = general
    name_zh: str
    name_en: str
    playbook: tuple[str, ...]  # step codes (PLAYBOOK_STEPS), in order


# step code -> (Chinese label, English label)
PLAYBOOK_STEPS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "emergency_plan": ("启动应急预案", "Start the emergency plan"),
        "crisis_team": ("成立危机处理小组", "Convene the crisis team"),
        "pause_related_content": ("暂停所有相关排期内容", "Pause all related scheduled content"),
        "coordinate_partners_media": ("协调合作方与媒体", "Coordinate with partners and the media"),
        "investigate_fix": ("调查原因并整改", "Investigate and fix the cause"),
        "publish_corrections": ("发布澄清与更正", "Publish corrections"),
        "adjust_related_content": ("调整相关内容", "Adjust related content"),
        "internal_communication": ("内部通报", "Communicate internally"),
        "publish_facts": ("发布事实说明", "Publish the facts"),
        "investigate": ("调查核实", "Investigate"),
        "moderate_content_adjustment": ("适度调整内容", "Adjust content moderately"),
        "preliminary_investigation": ("初步调查", "Carry out a preliminary investigation"),
        "watch": ("持续监测", "Keep watching"),
        "adjust_content_if_needed": ("必要时调整内容", "Adjust content where needed"),
    }
)

CRISIS_LEVELS: Mapping[int, CrisisLevel] = MappingProxyType(
    {
        1: CrisisLevel(
            1,
            "特别严重",
            "most severe",
            (
                "emergency_plan",
                "crisis_team",
                "pause_related_content",
                "coordinate_partners_media",
                "investigate_fix",
                "publish_corrections",
            ),
        ),
        2: CrisisLevel(
            2,
            "严重",
            "severe",
            (
                "emergency_plan",
                "adjust_related_content",
                "internal_communication",
                "publish_facts",
                "investigate",
            ),
        ),
        3: CrisisLevel(
            3,
            "较重",
            "serious",
            (
                "internal_communication",
                "moderate_content_adjustment",
                "publish_facts",
                "preliminary_investigation",
            ),
        ),
        4: CrisisLevel(4, "一般", "general", ("watch", "adjust_content_if_needed", "publish_facts")),
    }
)

# The signals a level rule can name (int_crisis_hourly), with whether their thresholds are whole numbers.
CRISIS_SIGNALS: Mapping[str, bool] = MappingProxyType(
    {
        "negative": True,  # negative own-brand texts in the hour (all platforms)
        "anomaly_score": False,  # (negative - baseline) / sqrt(baseline + 1)
        "share_jump": False,  # negative share - its trailing share_baseline_days baseline
        "platforms": True,  # platforms anomalous in the trailing window_hours
        "severe_texts": True,  # negative texts with a severe crisis term in the hour
        "reach": True,  # most followers of a negative text's author in the trailing window_hours
        "velocity": False,  # negative(h) / max(negative(h - 1), 1)
    }
)

CrisisRule = Mapping[str, float]


def _rules(*rules: dict[str, float]) -> tuple[CrisisRule, ...]:
    return tuple(MappingProxyType(dict(r)) for r in rules)


def _default_crisis_levels() -> Mapping[int, tuple[CrisisRule, ...]]:
    # each level: rules OR-ed; a rule: signal -> minimum, AND-ed (README "Crisis detection" explains them)
    return MappingProxyType(
        {
            1: _rules(
                {"negative": 40, "anomaly_score": 8.0, "platforms": 3, "reach": 1_000_000},
                {"negative": 100, "anomaly_score": 10.0, "platforms": 3, "severe_texts": 30},
            ),
            2: _rules(
                {"negative": 30, "anomaly_score": 8.0, "platforms": 2},
                {"negative": 15, "anomaly_score": 5.0, "reach": 1_000_000},
            ),
            3: _rules(
                {"negative": 15, "anomaly_score": 5.0, "severe_texts": 5},
                {"negative": 15, "anomaly_score": 5.0, "velocity": 3.0},
            ),
            4: _rules(
                {"negative": 8, "anomaly_score": 3.0, "share_jump": 0.15},
                {"severe_texts": 3, "negative": 5, "anomaly_score": 3.0},
            ),
        }
    )


@dataclass(frozen=True)
class CrisisScorerConfig:
    negative_below: float = -0.2  # label negative when sentiment_score < this
    positive_above: float = 0.2  # label positive when sentiment_score > this (neutral in between)


@dataclass(frozen=True)
class CrisisConfig:
    """Crisis detection (`crisis:` in fanops.yaml; defaults in the README, models in dbt models/*/crisis)."""

    scorer: CrisisScorerConfig = field(default_factory=CrisisScorerConfig)
    baseline_days: int = 14  # baseline: median negatives at the same hour of day over these previous days ...
    baseline_weeks: int = 4  # ... or at the same hour of week over these previous weeks, whichever is higher
    share_baseline_days: int = 7  # negative share baseline: the previous days' negatives / texts
    window_hours: int = 3  # trailing hours of the spread (platforms) and reach signals
    platform_floor: int = 3  # a platform counts as anomalous with at least this many negatives in an hour ...
    platform_anomaly: float = 3.0  # ... and at least this anomaly_score
    severe_weight: float = 3.0  # a text is severe when its heaviest crisis term weighs at least this
    cooldown_hours: int = 24  # an incident closes after this many hours without a triggered hour
    deescalate_hours: int = 6  # the effective level drops after this many hours without the higher level
    calendar_days: int = 3  # calendar items planned in [opened_date, + this] on affected platforms
    levels: Mapping[int, tuple[CrisisRule, ...]] = field(default_factory=_default_crisis_levels)

    def rules(self, level: int) -> tuple[CrisisRule, ...]:
        return self.levels.get(level, ())


QUALITY_SEVERITIES = ("error", "warn")
SLOW_DATASET_SLA_DAYS = {
    "wechat/fans_portrait": 62,
    "douyin/fans_portrait": 62,
    "ops/competitor_observations": 8,
    "douyin/live_sessions": 7,
}


@dataclass(frozen=True)
class VolumeConfig:
    """Rows per dataset and day against a band learned from the trailing days (robust: median and MAD)."""

    trailing_days: int = 28  # history the band is learned from (days before the checked day)
    min_history_days: int = 14  # fewer days with data in that history: the day is not judged
    recent_days: int = 7  # the newest days of each dataset that are checked
    mad_k: float = 5.0  # band half-width: mad_k x 1.4826 x MAD ...
    min_relative: float = 0.5  # ... but at least this fraction of the median ...
    min_rows: int = 20  # ... and at least this many rows (small bases)


@dataclass(frozen=True)
class FreshnessConfig:
    """Each account's newest data date per dataset may lag the reference date by at most `sla_days`."""

    sla_days: int = 2
    # per-dataset SLA for datasets that are not exported daily (portraits ~ every two months, competitor
    # observations weekly, live sessions when the account goes live); a config `datasets` block adds to these
    datasets: Mapping[str, int] = field(default_factory=lambda: MappingProxyType(dict(SLOW_DATASET_SLA_DAYS)))

    def sla_for(self, dataset: str) -> int:
        return int(self.datasets.get(dataset, self.sla_days))


@dataclass(frozen=True)
class QualityConfig:
    pandas_max_rows: int = 1_000_000  # larger batches are validated in DuckDB SQL, not copied into pandas
    sample_rows: int = 5  # failing rows kept per check (dq.validation_results.sample)
    severity: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # check glob -> level
    engagement_rate_max: Mapping[str, float] = field(  # plausible upper bound of engagement_rate_by_views
        default_factory=lambda: MappingProxyType(
            {"wechat": 1.0, "douyin": 1.0, "kuaishou": 1.0, "xiaohongshu": 1.0, "weibo": 1.0}
        )
    )
    identity_tolerance: float = 0.01  # |net - (new - lost)| allowed: max(1, this x (new + lost))
    unattributed_share_jump: float = 0.20  # max day-on-day rise of the unattributed share of orders
    volume: VolumeConfig = field(default_factory=VolumeConfig)
    freshness: FreshnessConfig = field(default_factory=FreshnessConfig)

    def severity_for(self, check: str, default: str) -> str:
        """The severity of a check: the last matching glob of `quality.severity`, else its default."""
        from fnmatch import fnmatchcase

        level = default
        for pattern, value in self.severity.items():
            if fnmatchcase(check, pattern):
                level = value
        return level


@dataclass(frozen=True)
class SchedulesConfig:
    """Cron expressions (5 fields, in `timezone`) of the Dagster schedules; all start stopped (the UI starts them)."""

    nightly: str = "30 2 * * *"  # nightly_run: the whole graph for the latest partitions, 02:30
    crisis: str = "5 * * * *"  # crisis_hourly: the crisis job, five minutes past every hour
    weekly_report: str = "0 8 * * 1"  # weekly_report: last week's operations report, Mondays 08:00
    pull: str = "0 2 * * *"  # pull_daily: the API pull connectors (when enabled), 02:00, before nightly


@dataclass(frozen=True)
class LakeConfig:
    """`lake:` in fanops.yaml (ingestion/lake.py; README "Scale out"). With `enabled`, every build first
    publishes the tables dbt reads as sources to Parquet under `root` (raw.* Hive-partitioned by table and
    load date); `root` is a path (relative to the config file's folder; default: `lake` next to the
    warehouse) or an fsspec URL. `dbt_reads_lake`: the DuckDB build reads its sources from the lake too
    (Spark always does)."""

    enabled: bool = False
    root: str | None = None
    dbt_reads_lake: bool = False


@dataclass(frozen=True)
class RetryConfig:
    """Retries of a step after a transient failure only (a locked warehouse, a busy landing file): at most
    `max_retries`, waiting delay_seconds x 2^(retry number) before each (orchestration/retry.py)."""

    max_retries: int = 3
    delay_seconds: float = 30.0


@dataclass(frozen=True)
class FanopsConfig:
    timezone: str = "Asia/Shanghai"
    landing: str | None = None
    warehouse: str | None = None
    plan: PlanConfig = field(default_factory=PlanConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    fans: FansConfig = field(default_factory=FansConfig)
    crisis: CrisisConfig = field(default_factory=CrisisConfig)
    attribution: AttributionConfig = field(default_factory=AttributionConfig)
    notifications: tuple[Channel, ...] = ()
    quality: QualityConfig = field(default_factory=QualityConfig)
    schedules: SchedulesConfig = field(default_factory=SchedulesConfig)
    retries: RetryConfig = field(default_factory=RetryConfig)
    connectors: ConnectorsConfig = field(default_factory=lambda: ConnectorsConfig())
    lake: LakeConfig = field(default_factory=LakeConfig)


# ------------------------------------------------------------------------------------------ pull connectors
# The API families and the landing datasets each can pull (ingestion/connectors; README "Pull connectors").
CONNECTOR_DATASETS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "wechat": ("user_growth", "articles", "comments"),
        "douyin": ("fans", "comments", "fans_portrait"),
        "kuaishou": ("videos",),
        "weibo": ("posts", "comments"),
    }
)


@dataclass(frozen=True)
class ConnectorAccount:
    platform: str
    account: str
    enabled: bool = True
    datasets: tuple[str, ...] = ()  # empty = every dataset of the platform


@dataclass(frozen=True)
class ConnectorsConfig:
    """`connectors:` in fanops.yaml. Credentials never live here (environment or a secrets file)."""

    accounts: tuple[ConnectorAccount, ...] = ()
    base_urls: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # platform -> URL
    timeout_seconds: float = 30.0
    max_attempts: int = 5  # per request, on rate limits and transient errors
    backoff_seconds: float = 2.0  # first wait; doubles per attempt, jitter x [0.5, 1)
    backoff_max_seconds: float = 60.0
    initial_days: int = 7  # first pull of an account: this many days up to yesterday
    max_backfill_days: int = 31  # catching up after a gap pulls at most this many days
    lookback_days: int = 7  # current-state pulls (comments, videos, posts) cover items of these last days

    def pulls(self) -> list[tuple[str, str, str]]:
        """(platform, account, dataset) of every enabled connector, in config order."""
        return [
            (a.platform, a.account, ds)
            for a in self.accounts
            if a.enabled
            for ds in (a.datasets or CONNECTOR_DATASETS[a.platform])
        ]


def _parse_connectors(c: _Checker, raw: Any) -> ConnectorsConfig:
    import re

    d = c.mapping(
        raw,
        "connectors",
        ("accounts", "base_urls", "timeout_seconds", "max_attempts", "backoff_seconds", "backoff_max_seconds",
         "initial_days", "max_backfill_days", "lookback_days"),
    )
    values: dict[str, Any] = {}
    for key, lo, hi in (("max_attempts", 1, 20), ("initial_days", 1, 366), ("max_backfill_days", 1, 366),
                        ("lookback_days", 1, 90)):
        if key in d:
            values[key] = c.integer(d[key], f"connectors.{key}", lo, hi)
    for key, top in (("timeout_seconds", 600.0), ("backoff_seconds", 3600.0), ("backoff_max_seconds", 3600.0)):
        if key in d:
            number = c.number(d[key], f"connectors.{key}")
            if number is not None and not 0 <= number <= top:
                c.error(f"connectors.{key}", f"{_fmt(number)} is out of range (0..{_fmt(top)})")
            elif number is not None:
                values[key] = number
    if "base_urls" in d:
        urls = c.mapping(d["base_urls"], "connectors.base_urls", tuple(CONNECTOR_DATASETS))
        for family, url in urls.items():
            if not isinstance(url, str) or not re.match(r"^https?://[^/\s?#]+", url) or "?" in url:
                c.error(f"connectors.base_urls.{family}", f"expected an http(s) URL without a query, got "
                        f"{_describe(url)}")
        values["base_urls"] = MappingProxyType({k: v.rstrip("/") for k, v in urls.items() if isinstance(v, str)})
    accounts: list[ConnectorAccount] = []
    seen: set[tuple[str, str]] = set()
    raw_accounts = d.get("accounts") or []
    if not isinstance(raw_accounts, list):
        c.error("connectors.accounts", f"expected a list, got {_describe(raw_accounts)}")
        raw_accounts = []
    for i, item in enumerate(raw_accounts):
        path = f"connectors.accounts[{i}]"
        ad = c.mapping(item, path, ("platform", "account", "enabled", "datasets"))
        given, account = ad.get("platform"), ad.get("account")
        if given not in CONNECTOR_DATASETS:
            c.error(f"{path}.platform", f"expected one of {', '.join(CONNECTOR_DATASETS)}, got {_describe(given)}")
            continue
        platform = str(given)
        if not isinstance(account, str) or not re.match(r"^[a-z0-9][a-z0-9_-]{1,47}$", account):
            c.error(f"{path}.account", f"expected an account slug (^[a-z0-9][a-z0-9_-]{{1,47}}$), got "
                    f"{_describe(account)}")
            continue
        if (platform, account) in seen:
            c.error(path, f"{platform}/{account} is listed twice")
        seen.add((platform, account))
        enabled = ad.get("enabled", True)
        if not isinstance(enabled, bool):
            c.error(f"{path}.enabled", f"expected true or false, got {_describe(enabled)}")
            enabled = False
        datasets = ad.get("datasets") or []
        allowed = CONNECTOR_DATASETS[platform]
        if not isinstance(datasets, list) or any(x not in allowed for x in datasets):
            c.error(f"{path}.datasets", f"expected a list of {', '.join(allowed)}, got {_describe(datasets)}")
            datasets = []
        accounts.append(ConnectorAccount(platform, account, enabled, tuple(x for x in allowed if x in datasets)))
    values["accounts"] = tuple(accounts)
    return ConnectorsConfig(**{k: v for k, v in values.items() if v is not None})


@dataclass(frozen=True)
class Settings:
    """A resolved run setting: config plus the paths it applies to (all absolute)."""

    config: FanopsConfig
    config_path: Path | None  # the file the config was read from; None = built-in defaults
    landing: Path
    warehouse: Path
    is_sample: bool


# ---------------------------------------------------------------------------------------------- validation


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(path, f"expected a mapping, got {_describe(value)}")
            return {}
        out: dict[str, Any] = {}
        for key, item in value.items():
            skey = str(key)
            if skey not in allowed:
                self.error(_join(path, skey), f"unknown key (allowed: {', '.join(allowed)})")
            else:
                out[skey] = item
        return out

    def integer(self, value: Any, path: str, lo: int, hi: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                self.error(path, f"expected a whole number, got {_describe(value)}")
                return None
        if not lo <= value <= hi:
            self.error(path, f"{value} is out of range ({lo}..{hi})")
            return None
        return int(value)

    def number(self, value: Any, path: str) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            if isinstance(value, str) and value.strip().endswith("%"):
                self.error(path, f"{value!r} is a percent string; write a fraction (30 % is 0.30)")
            else:
                self.error(path, f"expected a number, got {_describe(value)}")
            return None
        return float(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"{type(value).__name__} {value!r}"


def _fmt(value: float) -> str:
    return f"{value:g}"


def _parse_plan(c: _Checker, raw: Any) -> PlanConfig:
    d = c.mapping(
        raw,
        "plan",
        (
            "start_date",
            "baseline_days",
            "metric_age_days",
            "targets",
            "scopes",
            "at_risk_ratio",
            "max_data_age_days",
            "trend_days",
            "quality_tiers",
        ),
    )
    defaults = PlanConfig()
    start = defaults.start_date
    if "start_date" in d:
        value = d["start_date"]
        if isinstance(value, dt.datetime):
            c.error("plan.start_date", "expected a date (YYYY-MM-DD), got a date-time")
        elif isinstance(value, dt.date):
            start = value
        elif isinstance(value, str):
            try:
                start = dt.date.fromisoformat(value.strip())
            except ValueError:
                c.error("plan.start_date", f"{value!r} is not a date (YYYY-MM-DD)")
        else:
            c.error("plan.start_date", f"expected a date (YYYY-MM-DD), got {_describe(value)}")
    baseline = defaults.baseline_days
    if "baseline_days" in d:
        baseline = c.integer(d["baseline_days"], "plan.baseline_days", 7, 366) or baseline
    age = defaults.metric_age_days
    if "metric_age_days" in d:
        parsed = c.integer(d["metric_age_days"], "plan.metric_age_days", 0, 90)
        age = age if parsed is None else parsed
    targets = defaults.targets
    if "targets" in d:
        targets = _parse_targets(c, d["targets"])
    extra: dict[str, Any] = {}
    if "scopes" in d:
        scopes = d["scopes"]
        if not isinstance(scopes, list) or not scopes or any(x not in SCOPES for x in scopes):
            c.error(
                "plan.scopes", f"expected a non-empty list of {', '.join(SCOPES)}, got {_describe(scopes)}"
            )
        else:
            extra["scopes"] = tuple(x for x in SCOPES if x in scopes)
    if "at_risk_ratio" in d:
        ratio = c.number(d["at_risk_ratio"], "plan.at_risk_ratio")
        if ratio is not None and not 0 < ratio < 1:
            c.error(
                "plan.at_risk_ratio", f"{_fmt(ratio)} is out of range (a fraction of expected_by_now, 0..1)"
            )
        elif ratio is not None:
            extra["at_risk_ratio"] = ratio
    for key, lo, hi in (("max_data_age_days", 0, 60), ("trend_days", 2, 366)):
        if key in d:
            parsed = c.integer(d[key], f"plan.{key}", lo, hi)
            if parsed is not None:
                extra[key] = parsed
    if "quality_tiers" in d:
        qd = c.mapping(
            d["quality_tiers"],
            "plan.quality_tiers",
            ("high_percentile", "standard_percentile", "min_baseline_posts"),
        )
        for key in ("high_percentile", "standard_percentile"):
            if key in qd:
                number = c.number(qd[key], f"plan.quality_tiers.{key}")
                if number is not None and not 0 < number < 1:
                    c.error(
                        f"plan.quality_tiers.{key}", f"{_fmt(number)} is out of range (a percentile, 0..1)"
                    )
                elif number is not None:
                    extra[f"quality_{key}"] = number
        if "min_baseline_posts" in qd:
            parsed = c.integer(qd["min_baseline_posts"], "plan.quality_tiers.min_baseline_posts", 1, 10000)
            if parsed is not None:
                extra["quality_min_baseline_posts"] = parsed
        high = extra.get("quality_high_percentile", defaults.quality_high_percentile)
        standard = extra.get("quality_standard_percentile", defaults.quality_standard_percentile)
        if standard >= high:
            c.error(
                "plan.quality_tiers.standard_percentile",
                f"{_fmt(standard)} is not below high_percentile ({_fmt(high)})",
            )
    return PlanConfig(start_date=start, baseline_days=baseline, metric_age_days=age, targets=targets, **extra)


def _parse_targets(c: _Checker, raw: Any) -> Mapping[str, Mapping[str, float]]:
    horizons = c.mapping(raw, "plan.targets", HORIZONS)
    out: dict[str, Mapping[str, float]] = {}
    for horizon, body in horizons.items():
        base = f"plan.targets.{horizon}"
        kpis = c.mapping(body, base, TARGET_KEYS)
        parsed: dict[str, float] = {}
        for kpi, value in kpis.items():
            path = f"{base}.{kpi}"
            if value is None:  # an explicit null means "no target"
                continue
            number = c.number(value, path)
            if number is None:
                continue
            if kpi in FRACTION_TARGETS:
                if number > 1:
                    c.error(path, f"{_fmt(number)} is not a fraction (did you mean {number / 100:.2f}?)")
                    continue
                if number <= 0:
                    c.error(path, f"{_fmt(number)} is out of range (a target must be above 0, at most 1)")
                    continue
            elif kpi == "roas" and number <= 0:
                c.error(path, f"{_fmt(number)} is out of range (ROAS is GMV / cost, above 0)")
                continue
            elif kpi == "roi" and number <= -1:
                c.error(path, f"{_fmt(number)} is out of range (ROI is above -1)")
                continue
            parsed[kpi] = number
        out[horizon] = MappingProxyType(parsed)
    return MappingProxyType(out)


def _parse_service(c: _Checker, raw: Any) -> ServiceConfig:
    d = c.mapping(raw, "service", ("sla_minutes",))
    sla = dict(ServiceConfig().sla_minutes)
    if "sla_minutes" in d:
        for channel, value in c.mapping(d["sla_minutes"], "service.sla_minutes", SLA_CHANNELS).items():
            parsed = c.integer(value, f"service.sla_minutes.{channel}", 1, 7 * 24 * 60)
            if parsed is not None:
                sla[channel] = parsed
    return ServiceConfig(sla_minutes=MappingProxyType(sla))


def _parse_fans(c: _Checker, raw: Any) -> FansConfig:
    d = c.mapping(raw, "fans", ("new_days", "active_days", "dormant_days"))
    base = FansConfig()
    values = {"new_days": base.new_days, "active_days": base.active_days, "dormant_days": base.dormant_days}
    for key in values:
        if key in d:
            parsed = c.integer(d[key], f"fans.{key}", 1, 3650)
            if parsed is not None:
                values[key] = parsed
    if values["dormant_days"] < values["active_days"]:
        c.error(
            "fans.dormant_days",
            f"{values['dormant_days']} is below fans.active_days ({values['active_days']}); "
            "dormant fans are those inactive longer than active_days",
        )
    return FansConfig(**values)


CRISIS_INT_KEYS = {  # key -> (lowest, highest)
    "baseline_days": (1, 90),
    "baseline_weeks": (0, 52),
    "share_baseline_days": (1, 90),
    "window_hours": (1, 72),
    "platform_floor": (1, 1_000_000),
    "cooldown_hours": (1, 24 * 30),
    "deescalate_hours": (1, 24 * 30),
    "calendar_days": (0, 60),
}


def _parse_crisis(c: _Checker, raw: Any) -> CrisisConfig:
    d = c.mapping(raw, "crisis", tuple(CrisisConfig.__dataclass_fields__))
    base = CrisisConfig()
    values: dict[str, Any] = {}
    if "scorer" in d:
        sd = c.mapping(d["scorer"], "crisis.scorer", ("negative_below", "positive_above"))
        scorer: dict[str, float] = {}
        for key in ("negative_below", "positive_above"):
            if key in sd:
                number = c.number(sd[key], f"crisis.scorer.{key}")
                if number is not None and not -1 <= number <= 1:
                    c.error(f"crisis.scorer.{key}", f"{_fmt(number)} is out of range (a score, -1..1)")
                elif number is not None:
                    scorer[key] = number
        parsed_scorer = CrisisScorerConfig(**scorer)
        if parsed_scorer.negative_below > parsed_scorer.positive_above:
            c.error(
                "crisis.scorer.negative_below",
                f"{_fmt(parsed_scorer.negative_below)} is above crisis.scorer.positive_above "
                f"({_fmt(parsed_scorer.positive_above)})",
            )
        values["scorer"] = parsed_scorer
    for key, (lo, hi) in CRISIS_INT_KEYS.items():
        if key in d:
            parsed = c.integer(d[key], f"crisis.{key}", lo, hi)
            if parsed is not None:
                values[key] = parsed
    for key in ("platform_anomaly", "severe_weight"):
        if key in d:
            number = c.number(d[key], f"crisis.{key}")
            if number is not None and not 0 <= number <= 1000:
                c.error(f"crisis.{key}", f"{_fmt(number)} is out of range (0..1000)")
            elif number is not None:
                values[key] = number
    if "levels" in d:
        values["levels"] = _parse_crisis_levels(c, d["levels"], base.levels)
    deescalate = values.get("deescalate_hours", base.deescalate_hours)
    cooldown = values.get("cooldown_hours", base.cooldown_hours)
    if deescalate > cooldown:
        c.error(
            "crisis.deescalate_hours",
            f"{deescalate} is above crisis.cooldown_hours ({cooldown}); an incident closes before it de-escalates",
        )
    return CrisisConfig(**values)


def _parse_crisis_levels(
    c: _Checker, raw: Any, defaults: Mapping[int, tuple[CrisisRule, ...]]
) -> Mapping[int, tuple[CrisisRule, ...]]:
    """`crisis.levels: {1: {rules: [{signal: minimum, ...}, ...]}, ...}`: a level given replaces its rules."""
    out = dict(defaults)
    if raw is None:
        return MappingProxyType(out)
    if not isinstance(raw, Mapping):
        c.error(
            "crisis.levels", f"expected a mapping of level (1..4) to {{rules: [...]}}, got {_describe(raw)}"
        )
        return MappingProxyType(out)
    for key, body in raw.items():
        path = f"crisis.levels.{key}"
        level = int(key) if isinstance(key, int | str) and str(key).strip() in ("1", "2", "3", "4") else None
        if level is None or isinstance(key, bool):
            c.error(path, "unknown key (allowed: 1, 2, 3, 4)")
            continue
        ld = c.mapping(body, path, ("rules",))
        if "rules" not in ld:
            if isinstance(body, Mapping) and not body:  # other keys were reported as unknown
                c.error(f"{path}.rules", "missing (a list of rules; [] never triggers the level)")
            continue
        rules_raw = ld["rules"]
        if rules_raw is None:
            rules_raw = []
        if not isinstance(rules_raw, list):
            c.error(f"{path}.rules", f"expected a list of rules, got {_describe(rules_raw)}")
            continue
        rules: list[CrisisRule] = []
        for i, rule in enumerate(rules_raw):
            rpath = f"{path}.rules[{i}]"
            rd = c.mapping(rule, rpath, tuple(CRISIS_SIGNALS))
            if not rd:
                if isinstance(rule, Mapping) and not rule:
                    c.error(rpath, f"a rule needs at least one signal ({', '.join(CRISIS_SIGNALS)})")
                continue
            parsed: dict[str, float] = {}
            for signal, value in rd.items():
                spath = f"{rpath}.{signal}"
                if CRISIS_SIGNALS[signal]:
                    whole = c.integer(value, spath, 0, 10**12)
                    if whole is not None:
                        parsed[signal] = whole
                    continue
                number = c.number(value, spath)
                if number is None:
                    continue
                lo = -1.0 if signal == "share_jump" else 0.0
                hi = 1.0 if signal == "share_jump" else 1e6
                if not lo <= number <= hi:
                    c.error(spath, f"{_fmt(number)} is out of range ({_fmt(lo)}..{_fmt(hi)})")
                else:
                    parsed[signal] = number
            if len(parsed) == len(rd):
                rules.append(MappingProxyType(parsed))
        out[level] = tuple(rules)
    return MappingProxyType(dict(sorted(out.items())))


def _parse_notifications(c: _Checker, raw: Any) -> tuple[Channel, ...]:
    """The notification channels (orchestration.notify.config: WeCom, DingTalk, Feishu, webhook); secrets
    are named by environment variable, never written here."""
    from orchestration.notify.config import NotificationConfigError, parse_notifications

    try:
        return parse_notifications([] if raw is None else raw)
    except NotificationConfigError as exc:
        c.problems.extend(exc.problems)
        return ()


def _parse_quality(c: _Checker, raw: Any) -> QualityConfig:
    keys = (
        "pandas_max_rows",
        "sample_rows",
        "severity",
        "engagement_rate_max",
        "identity_tolerance",
        "unattributed_share_jump",
        "volume",
        "freshness",
    )
    d = c.mapping(raw, "quality", keys)
    base = QualityConfig()
    values: dict[str, Any] = {}
    if "pandas_max_rows" in d:
        values["pandas_max_rows"] = c.integer(d["pandas_max_rows"], "quality.pandas_max_rows", 0, 10**9)
    if "sample_rows" in d:
        values["sample_rows"] = c.integer(d["sample_rows"], "quality.sample_rows", 0, 100)
    if "severity" in d:
        sev = d["severity"] or {}
        if not isinstance(sev, Mapping):
            c.error(
                "quality.severity",
                f"expected a mapping of check name (glob) to error|warn, got {_describe(sev)}",
            )
        else:
            parsed_sev: dict[str, str] = {}
            for pattern, level in sev.items():
                if level not in QUALITY_SEVERITIES:
                    c.error(
                        f"quality.severity.{pattern}", f"{_describe(level)} is not a severity (error, warn)"
                    )
                else:
                    parsed_sev[str(pattern)] = str(level)
            values["severity"] = MappingProxyType(parsed_sev)
    if "engagement_rate_max" in d:
        bands = dict(base.engagement_rate_max)
        allowed = tuple(bands)
        for platform, value in c.mapping(
            d["engagement_rate_max"], "quality.engagement_rate_max", allowed
        ).items():
            number = c.number(value, f"quality.engagement_rate_max.{platform}")
            if number is not None and not 0 < number <= 100:
                c.error(f"quality.engagement_rate_max.{platform}", f"{_fmt(number)} is out of range (0..100]")
            elif number is not None:
                bands[platform] = number
        values["engagement_rate_max"] = MappingProxyType(bands)
    for key, hi in (("identity_tolerance", 1.0), ("unattributed_share_jump", 1.0)):
        if key in d:
            number = c.number(d[key], f"quality.{key}")
            if number is not None and not 0 <= number <= hi:
                c.error(f"quality.{key}", f"{_fmt(number)} is out of range (a fraction, 0..1)")
            elif number is not None:
                values[key] = number
    if "volume" in d:
        vd = c.mapping(d["volume"], "quality.volume", tuple(VolumeConfig.__dataclass_fields__))
        vol: dict[str, Any] = {}
        for key, lo, hi in (
            ("trailing_days", 7, 366),
            ("min_history_days", 1, 366),
            ("recent_days", 1, 366),
            ("min_rows", 0, 10**9),
        ):
            if key in vd:
                vol[key] = c.integer(vd[key], f"quality.volume.{key}", lo, hi)
        for key in ("mad_k", "min_relative"):
            if key in vd:
                number = c.number(vd[key], f"quality.volume.{key}")
                if number is not None and number < 0:
                    c.error(f"quality.volume.{key}", f"{_fmt(number)} is out of range (at least 0)")
                elif number is not None:
                    vol[key] = number
        vol = {k: v for k, v in vol.items() if v is not None}
        values["volume"] = VolumeConfig(**vol)
        if values["volume"].min_history_days > values["volume"].trailing_days:
            c.error("quality.volume.min_history_days", "is above quality.volume.trailing_days")
    if "freshness" in d:
        fd = c.mapping(d["freshness"], "quality.freshness", ("sla_days", "datasets"))
        sla = base.freshness.sla_days
        if "sla_days" in fd:
            sla = c.integer(fd["sla_days"], "quality.freshness.sla_days", 0, 366) or sla
        per: dict[str, int] = dict(SLOW_DATASET_SLA_DAYS)
        if "datasets" in fd:
            from ingestion.contracts import load_contract

            known = tuple(load_contract().datasets)
            for ds, days in c.mapping(fd["datasets"], "quality.freshness.datasets", known).items():
                parsed = c.integer(days, f"quality.freshness.datasets.{ds}", 0, 366)
                if parsed is not None:
                    per[ds] = parsed
        values["freshness"] = FreshnessConfig(sla_days=sla, datasets=MappingProxyType(per))
    values = {k: v for k, v in values.items() if v is not None}
    return QualityConfig(**values)


# ------------------------------------------------------------------------------------- schedules, retries

# (field name, lowest, highest, names in order from `lowest`); day of week 0 and 7 are both Sunday
CRON_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    ("day of week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)


def cron_problem(expr: str) -> str | None:
    """Why `expr` is not a 5-field cron expression (minute hour day-of-month month day-of-week), else None.

    Fields take `*`, numbers, names (jan, mon), ranges `a-b`, steps `*/n` `a-b/n` `a/n` and lists `a,b`
    (`?` in the day fields); no macros (@daily) or extensions (L, #). Everything accepted here Dagster
    accepts too (tests/orchestration/test_fanops_config.py checks it against dagster's own validator),
    without importing dagster: the config loads in `fanops check` too."""
    fields = expr.split()
    if len(fields) != 5:
        return f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}"
    singles: list[int | None] = []
    for text, (name, lo, hi, names) in zip(fields, CRON_FIELDS):
        single: int | None = None
        for item in text.split(","):
            base, slash, step = item.partition("/")
            if slash and (not step.isdigit() or int(step) == 0):
                return f"{name} {text!r}: the step after / must be a whole number above 0"
            if base == "*" or (base == "?" and name.startswith("day ") and not slash):
                continue
            bounds = base.split("-")
            if len(bounds) > 2:
                return f"{name} {text!r}: {item!r} is not a value, range or step"
            values = []
            for bound in bounds:
                if bound.isdigit():
                    value = int(bound)
                elif bound.lower() in names:
                    value = lo + names.index(bound.lower())
                else:
                    return f"{name} {text!r}: {bound!r} is not a value ({lo}..{hi})"
                if not lo <= value <= hi:
                    return f"{name} {text!r}: {value} is out of range ({lo}..{hi})"
                values.append(value)
            if len(values) == 1 and not slash and len(text.split(",")) == 1:
                single = values[0]
        singles.append(single)
    if singles[3] == 2 and singles[2] in (30, 31):
        return f"day of month {singles[2]} never occurs in February"
    return None


def _parse_schedules(c: _Checker, raw: Any) -> SchedulesConfig:
    keys = tuple(SchedulesConfig.__dataclass_fields__)
    d = c.mapping(raw, "schedules", keys)
    values: dict[str, str] = {}
    for key in keys:
        if key not in d:
            continue
        value = d[key]
        if not isinstance(value, str):
            c.error(
                f"schedules.{key}", f"expected a cron expression such as '30 2 * * *', got {_describe(value)}"
            )
            continue
        problem = cron_problem(value)
        if problem is not None:
            c.error(f"schedules.{key}", f"{value!r} is not a cron expression: {problem}")
        else:
            values[key] = " ".join(value.split())
    return SchedulesConfig(**values)


def _parse_retries(c: _Checker, raw: Any) -> RetryConfig:
    d = c.mapping(raw, "retries", ("max_retries", "delay_seconds"))
    values: dict[str, Any] = {}
    if "max_retries" in d:
        values["max_retries"] = c.integer(d["max_retries"], "retries.max_retries", 0, 20)
    if "delay_seconds" in d:
        number = c.number(d["delay_seconds"], "retries.delay_seconds")
        if number is not None and not 0 <= number <= 3600:
            c.error("retries.delay_seconds", f"{_fmt(number)} is out of range (0..3600)")
        elif number is not None:
            values["delay_seconds"] = number
    return RetryConfig(**{k: v for k, v in values.items() if v is not None})


def _parse_lake(c: _Checker, raw: Any) -> LakeConfig:
    d = c.mapping(raw, "lake", ("enabled", "root", "dbt_reads_lake"))
    values: dict[str, Any] = {}
    for key in ("enabled", "dbt_reads_lake"):
        if key in d:
            if isinstance(d[key], bool):
                values[key] = d[key]
            else:
                c.error(f"lake.{key}", f"expected true or false, got {_describe(d[key])}")
    if d.get("root") is not None:
        if isinstance(d["root"], str) and d["root"].strip():
            values["root"] = d["root"].strip()
        else:
            c.error("lake.root", f"expected a path or URL, got {_describe(d['root'])}")
    return LakeConfig(**values)


def lake_root(cfg: FanopsConfig, config_path: Path | None, warehouse: Path) -> str | None:
    """The resolved lake root of an enabled lake (None when disabled): an fsspec URL as written, a path
    absolute (relative to the config file's folder), or `lake` next to the warehouse by default."""
    if not cfg.lake.enabled:
        return None
    root = cfg.lake.root
    if root is None:
        return str(warehouse.parent / "lake")
    if "://" in root:
        return root.rstrip("/")
    base = config_path.parent if config_path is not None else Path.cwd()
    return str(_abs(root, base))


TOP_KEYS = (
    "timezone",
    "landing",
    "warehouse",
    "plan",
    "service",
    "calendar",
    "fans",
    "crisis",
    "attribution",
    "notifications",
    "quality",
    "schedules",
    "retries",
    "connectors",
    "lake",
)


def parse_config(raw: Any, source: Path | None = None) -> FanopsConfig:
    """Validate a parsed YAML document; raise `ConfigError` listing every problem."""
    c = _Checker()
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(["the file must hold a mapping (key: value) at the top level"], source)
    d = c.mapping(raw, "", TOP_KEYS)

    timezone = FanopsConfig.timezone
    if "timezone" in d:
        value = d["timezone"]
        if not isinstance(value, str):
            c.error("timezone", f"expected an IANA zone name, got {_describe(value)}")
        else:
            try:
                ZoneInfo(value)
                timezone = value
            except (ZoneInfoNotFoundError, ValueError):
                c.error("timezone", f"{value!r} is not a known time zone (e.g. Asia/Shanghai)")

    paths: dict[str, str | None] = {"landing": None, "warehouse": None}
    for key in paths:
        if key in d and d[key] is not None:
            if isinstance(d[key], str) and d[key].strip():
                paths[key] = d[key].strip()
            else:
                c.error(key, f"expected a path, got {_describe(d[key])}")

    calendar = CalendarConfig()
    if "calendar" in d:
        cd = c.mapping(d["calendar"], "calendar", ("grace_minutes",))
        if "grace_minutes" in cd:
            parsed = c.integer(cd["grace_minutes"], "calendar.grace_minutes", 0, 7 * 24 * 60)
            if parsed is not None:
                calendar = CalendarConfig(grace_minutes=parsed)

    attribution = AttributionConfig()
    if "attribution" in d:
        ad = c.mapping(d["attribution"], "attribution", ("kol_window_days",))
        if "kol_window_days" in ad:
            parsed = c.integer(ad["kol_window_days"], "attribution.kol_window_days", 1, 365)
            if parsed is not None:
                attribution = AttributionConfig(kol_window_days=parsed)

    config = FanopsConfig(
        timezone=timezone,
        landing=paths["landing"],
        warehouse=paths["warehouse"],
        plan=_parse_plan(c, d.get("plan")),
        service=_parse_service(c, d.get("service")),
        calendar=calendar,
        fans=_parse_fans(c, d.get("fans")),
        crisis=_parse_crisis(c, d.get("crisis")),
        attribution=attribution,
        notifications=_parse_notifications(c, d.get("notifications")),
        quality=_parse_quality(c, d.get("quality")),
        schedules=_parse_schedules(c, d.get("schedules")),
        retries=_parse_retries(c, d.get("retries")),
        connectors=_parse_connectors(c, d.get("connectors")),
        lake=_parse_lake(c, d.get("lake")),
    )
    if c.problems:
        raise ConfigError(c.problems, source)
    return config


def load_config(path: Path) -> FanopsConfig:
    """Read and validate one config file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(["config file not found"], path) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError([f"not valid YAML: {exc}"], path) from None
    return parse_config(raw, path)


# ---------------------------------------------------------------------------------------------- resolution


def _abs(value: str | os.PathLike[str], base: Path) -> Path:
    p = Path(value).expanduser()
    return (p if p.is_absolute() else base / p).resolve()


def find_config(
    config: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> tuple[Path | None, bool]:
    """The config file to use and whether it was named explicitly (argument or FANOPS_CONFIG)."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    if config:
        return _abs(config, cwd), True
    if env.get(ENV_CONFIG):
        return _abs(env[ENV_CONFIG], cwd), True
    for candidate in (cwd / CONFIG_NAME, REPO_ROOT / CONFIG_NAME):
        if candidate.is_file():
            return candidate.resolve(), False
    return None, False


def resolve_settings(
    config: str | os.PathLike[str] | None = None,
    landing: str | os.PathLike[str] | None = None,
    warehouse: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    export_env: bool = True,
) -> Settings:
    """Resolve config, landing root, warehouse and sample mode (DESIGN.md, "Command line").

    - config: `config`, else FANOPS_CONFIG, else `fanops.yaml` in the cwd, else at the repo root,
      else the built-in defaults.
    - landing: `landing`, else FANOPS_LANDING (both relative to the cwd), else the config's `landing`
      (relative to the config file's folder); when none is set, the bundled sample
      `data/sample/landing` with the sample's own `data/sample/fanops.yaml`, and `is_sample=True`.
    - warehouse: `warehouse`, else FANOPS_WAREHOUSE (relative to the cwd), else the config's `warehouse`
      (relative to the config file's folder), else `warehouse/fanops.duckdb` under the cwd.

    With `export_env`, FANOPS_WAREHOUSE is set to the resolved absolute path for child tools (dbt).
    """
    env = os.environ if env is None else env
    cwd = (Path.cwd() if cwd is None else cwd).resolve()
    config_path, _explicit = find_config(config, env, cwd)
    cfg = load_config(config_path) if config_path is not None else FanopsConfig()
    config_dir = config_path.parent if config_path is not None else cwd

    if warehouse:
        warehouse_path = _abs(warehouse, cwd)
    elif env.get(ENV_WAREHOUSE):
        warehouse_path = _abs(env[ENV_WAREHOUSE], cwd)
    elif cfg.warehouse:
        warehouse_path = _abs(cfg.warehouse, config_dir)
    else:
        warehouse_path = _abs(DEFAULT_WAREHOUSE, cwd)

    is_sample = False
    if landing:
        landing_path = _abs(landing, cwd)
    elif env.get(ENV_LANDING):
        landing_path = _abs(env[ENV_LANDING], cwd)
    elif cfg.landing:
        landing_path = _abs(cfg.landing, config_dir)
    else:
        landing_path = SAMPLE_LANDING.resolve()
        is_sample = True
        if SAMPLE_CONFIG.is_file():
            config_path = SAMPLE_CONFIG.resolve()
            cfg = load_config(config_path)

    if export_env:
        os.environ[ENV_WAREHOUSE] = str(warehouse_path)
    return Settings(
        config=cfg,
        config_path=config_path,
        landing=landing_path,
        warehouse=warehouse_path,
        is_sample=is_sample,
    )


# ------------------------------------------------------------------------------------------------- PII key


def default_key_file() -> Path:
    return Path.home() / ".config" / "fanops" / "pii.key"


def key_version(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


def resolve_pii_key(
    is_sample: bool,
    env: Mapping[str, str] | None = None,
    key_file: Path | None = None,
    warn: Callable[[str], None] = _warn,
    export_env: bool = True,
) -> tuple[bytes, str]:
    """The pseudonymisation key and its version (first 8 hex of its sha256).

    FANOPS_PII_KEY wins. Without it a run on the bundled sample gets a local key, made once at
    ~/.config/fanops/pii.key (mode 0600, outside the repo), with a loud warning; any other run fails with
    `PiiKeyError`, because pseudonyms made with a throw-away key cannot be joined with later loads.
    """
    env = os.environ if env is None else env
    value = env.get(ENV_PII_KEY)
    if not value:
        if not is_sample:
            raise PiiKeyError(
                f"{ENV_PII_KEY} is not set. Real landing data is pseudonymised with a secret key: set "
                f"{ENV_PII_KEY} (e.g. `export {ENV_PII_KEY}=$(python3 -c 'import secrets; "
                "print(secrets.token_hex(32))')`) and keep it: the same key must be used for every load."
            )
        path = key_file or default_key_file()
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
            created = "generated a new"
        else:
            created = "using the"
        value = path.read_text(encoding="utf-8").strip()
        bar = "!" * 78
        warn(
            f"{bar}\n!! WARNING: {ENV_PII_KEY} is not set; {created} LOCAL key at {path}\n"
            f"!! for the bundled SAMPLE data only. Pseudonyms made with it are not for real data.\n{bar}"
        )
        env = {**env, ENV_PII_KEY: value}
        if export_env:
            os.environ[ENV_PII_KEY] = value  # child tools (dagster dev) see the same key
    return _load_key(env)


class PiiKeyError(RuntimeError):
    pass


def _load_key(env: Mapping[str, str]) -> tuple[bytes, str]:
    from ingestion.pii import load_key  # local import: config must load without pyarrow

    return load_key(env)
