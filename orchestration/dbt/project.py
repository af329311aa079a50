"""The dbt project as Dagster sees it: paths, the prepared manifest, and the `--vars` of every invocation.

`prepare_manifest()` is the ONE way the manifest is made: `fanops` commands, the definitions module (so
`dagster dev` / `fanops ui` too), the test session and CI all call it. It runs `dbt parse` when
`target/manifest.json` is missing or stale, stale meaning that the content hash of everything dbt parses
(dbt_project.yml, models/ including the generated sources.yml, macros/, tests/, ...) or the dbt / dagster-dbt
versions differ from the hash stored beside the manifest. A file lock makes concurrent callers (pytest
workers, a UI reload during a run) parse once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.config import (
    CRISIS_LEVELS,
    ENV_WAREHOUSE,
    PLAYBOOK_STEPS,
    REPO_ROOT,
    ConfigError,
    CrisisConfig,
    FanopsConfig,
)

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# Everything dbt reads when it parses the project (paths relative to the project dir).
PARSE_INPUTS = (
    "dbt_project.yml",
    "packages.yml",
    "dependencies.yml",
    "selectors.yml",
    "models",
    "macros",
    "tests",
    "seeds",
    "snapshots",
    "analyses",
)
HASH_FILE = "fanops_manifest.sha256"
LOCK_FILE = ".fanops_manifest.lock"
RUNS_DIR = "runs"  # per-invocation target dirs of Dagster's dbt runs, under the target dir
KEEP_RUN_DIRS = 5  # the newest run dirs kept; older ones go once they are STALE_RUN_DIR_SECONDS old
STALE_RUN_DIR_SECONDS = 6 * 3600
# Environment of every dbt process started by fanops (on top of os.environ).
DBT_ENV = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}


class ManifestError(RuntimeError):
    """`dbt parse` failed: the message carries dbt's own error lines."""


def target_dir(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """dbt_project/target (git-ignored): the manifest, its hash and the per-run target dirs."""
    return project_dir / "target"


def manifest_path(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    return target_dir(project_dir) / "manifest.json"


def _versions() -> str:
    from importlib.metadata import version

    return f"dbt-core {version('dbt-core')}; dbt-duckdb {version('dbt-duckdb')}; dagster-dbt {version('dagster-dbt')}"


def project_hash(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """sha256 over the path and bytes of every file dbt parses, plus the tool versions."""
    h = hashlib.sha256(_versions().encode())
    for name in PARSE_INPUTS:
        root = project_dir / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if any(
                part.startswith(".") or part == "__pycache__" for part in path.relative_to(project_dir).parts
            ):
                continue
            h.update(b"\0" + path.relative_to(project_dir).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()


def dbt_executable() -> str:
    """The dbt of this interpreter's environment (the venv), else the one on PATH."""
    local = Path(sys.executable).parent / "dbt"
    if local.exists():
        return str(local)
    found = shutil.which("dbt")
    if found is None:
        raise ManifestError("the dbt executable was not found (install the project: make setup)")
    return found


def manifest_is_fresh(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    target = target_dir(project_dir)
    stored = target / HASH_FILE
    return (
        (target / "manifest.json").is_file()
        and stored.is_file()
        and stored.read_text(encoding="utf-8").strip() == project_hash(project_dir)
    )


def prepare_manifest(project_dir: Path = DBT_PROJECT_DIR, *, quiet: bool = True) -> Path:
    """Return the path of an up-to-date manifest.json, running `dbt parse` first when it is missing or stale."""
    from filelock import FileLock

    target = target_dir(project_dir)
    target.mkdir(parents=True, exist_ok=True)
    if manifest_is_fresh(project_dir):
        return target / "manifest.json"
    with FileLock(str(target / LOCK_FILE), timeout=600):
        current = project_hash(project_dir)
        if manifest_is_fresh(project_dir):  # another process parsed while we waited
            return target / "manifest.json"
        if not quiet:
            print("dbt: parsing the project (manifest missing or stale)", file=sys.stderr, flush=True)
        (target / HASH_FILE).unlink(missing_ok=True)
        env = {**os.environ, **DBT_ENV, "DBT_LOG_FORMAT": "text", "DBT_USE_COLORS": "false"}
        # parse does not open the warehouse; give the profile a path anyway so env_var() resolves
        env.setdefault(ENV_WAREHOUSE, str(REPO_ROOT / "warehouse" / "fanops.duckdb"))
        proc = subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(project_dir),
                "--target-path",
                str(target),
                "--log-path",
                str(target / "logs"),
            ],
            cwd=project_dir,
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0 or not (target / "manifest.json").is_file():
            lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
            first = next((i for i, ln in enumerate(lines) if "Encountered an error" in ln), 0)
            raise ManifestError(f"dbt parse of {project_dir} failed:\n" + "\n".join(lines[first:][-40:]))
        (target / HASH_FILE).write_text(current + "\n", encoding="utf-8")
    return target / "manifest.json"


def load_manifest(project_dir: Path = DBT_PROJECT_DIR) -> tuple[dict[str, Any], str]:
    """The prepared manifest and the project hash it was made from."""
    path = prepare_manifest(project_dir)
    digest = (path.parent / HASH_FILE).read_text(encoding="utf-8").strip()
    return json.loads(path.read_text(encoding="utf-8")), digest


# ---------------------------------------------------------------------------------------------------- vars


def timezone_offset_hours(timezone: str, on: dt.date) -> int:
    """The fixed UTC offset the models use (macros `to_local_*`): whole hours, no daylight saving."""
    zone = ZoneInfo(timezone)
    offsets = {zone.utcoffset(dt.datetime(on.year, month, 15, 12)) for month in (1, 4, 7, 10)}
    if len(offsets) != 1:
        raise ConfigError([f"timezone: {timezone} observes daylight saving; the marts need a fixed offset"])
    (offset,) = offsets
    assert offset is not None
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    if rest:
        raise ConfigError([f"timezone: {timezone} is not a whole number of hours from UTC"])
    return hours


def dbt_vars(
    config: FanopsConfig,
    as_of: str | dt.date | None = None,
    window: tuple[str | dt.date, str | dt.date] | None = None,
    lake_root: str | None = None,
) -> dict[str, Any]:
    """The `--vars` of a dbt invocation, from the resolved fanops.yaml (names as in dbt_project.yml).

    `as_of` None leaves the as-of date to the model `int_as_of`; `window` (inclusive dates) is passed only
    for an explicit partition run (a backfill), so the daily models recompute exactly those dates.
    `lake_root`: the sources are the Parquet lake's files under it, not the warehouse's tables.
    """
    values: dict[str, Any] = {
        "timezone_offset_hours": timezone_offset_hours(config.timezone, config.plan.start_date),
        "plan_start_date": config.plan.start_date.isoformat(),
        "baseline_days": config.plan.baseline_days,
        "metric_age_days": config.plan.metric_age_days,
        "sla_minutes_comment": config.service.sla_minutes["comment"],
        "sla_minutes_message": config.service.sla_minutes["message"],
        "calendar_grace_minutes": config.calendar.grace_minutes,
        "fans_new_days": config.fans.new_days,
        "fans_active_days": config.fans.active_days,
        "fans_dormant_days": config.fans.dormant_days,
        "kol_window_days": config.attribution.kol_window_days,
        # KPI scorecard (issue 5): targets as {horizon: {kpi: fraction}}; absent = no target
        "plan_targets": {h: dict(kpis) for h, kpis in config.plan.targets.items()},
        "plan_scopes": list(config.plan.scopes),
        "at_risk_ratio": config.plan.at_risk_ratio,
        "max_data_age_days": config.plan.max_data_age_days,
        "trend_days": config.plan.trend_days,
        "quality_high_percentile": config.plan.quality_high_percentile,
        "quality_standard_percentile": config.plan.quality_standard_percentile,
        "quality_min_baseline_posts": config.plan.quality_min_baseline_posts,
        # crisis detection (issue 6): models/*/crisis
        **crisis_dbt_vars(config.crisis),
    }
    if as_of is not None:
        values["as_of"] = str(as_of)
    if window is not None:
        values["window_start"], values["window_end"] = str(window[0]), str(window[1])
    if lake_root is not None:  # sources read the Parquet lake (macros/lake.sql)
        values["lake_root"] = lake_root
    return values


def crisis_dbt_vars(crisis: CrisisConfig) -> dict[str, Any]:
    """The crisis settings as dbt vars (names as in dbt_project.yml). `crisis_levels` is a list, most severe
    first, of {level, name (Chinese), rules: [{signal: minimum}], playbook: [{code, step (Chinese)}]}: the
    level names and playbook steps come from ingestion.config.CRISIS_LEVELS / PLAYBOOK_STEPS."""
    return {
        "crisis_baseline_days": crisis.baseline_days,
        "crisis_baseline_weeks": crisis.baseline_weeks,
        "crisis_share_baseline_days": crisis.share_baseline_days,
        "crisis_window_hours": crisis.window_hours,
        "crisis_platform_floor": crisis.platform_floor,
        "crisis_platform_anomaly": crisis.platform_anomaly,
        "crisis_severe_weight": crisis.severe_weight,
        "crisis_cooldown_hours": crisis.cooldown_hours,
        "crisis_deescalate_hours": crisis.deescalate_hours,
        "crisis_calendar_days": crisis.calendar_days,
        "crisis_levels": [
            {
                "level": level,
                "name": info.name_zh,
                "rules": [dict(rule) for rule in crisis.rules(level)],
                "playbook": [{"code": code, "step": PLAYBOOK_STEPS[code][0]} for code in info.playbook],
            }
            for level, info in sorted(CRISIS_LEVELS.items())
        ],
    }


@contextmanager
def dbt_environment(warehouse: str | os.PathLike[str]) -> Iterator[None]:
    """os.environ for a dbt process started in this block: the warehouse its profile opens
    (profiles.yml reads FANOPS_WAREHOUSE) and no usage statistics. Restored afterwards."""
    wanted: Mapping[str, str] = {ENV_WAREHOUSE: os.fspath(warehouse), **DBT_ENV}
    previous = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_target_dir(run_id: str, project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """A fresh target dir for one Dagster run's dbt invocation (concurrent runs never share one). Dirs
    beyond the newest few are removed once they are hours old (never one a running build still uses)."""
    import time

    runs = target_dir(project_dir) / RUNS_DIR
    runs.mkdir(parents=True, exist_ok=True)
    old = sorted((p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in old[KEEP_RUN_DIRS:]:
        if time.time() - stale.stat().st_mtime > STALE_RUN_DIR_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)
    path = runs / run_id
    path.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":  # `python -m orchestration.dbt.project`: prepare the manifest (CI, make)
    print(prepare_manifest(quiet=False))
