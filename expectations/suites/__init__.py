"""The data-quality suites, versioned as code: what is checked (issue 4 scope 1 and 5).

`all_suites(config)` builds every suite without touching a database; thresholds come from the config
(`config.quality`, `config.timezone`), the raw checks from the landing contract. Check and suite names do
not depend on the config, so Dagster asset checks and `dq.validation_results` history stay stable when a
threshold changes.

| kind | suites | guards | default severity |
|---|---|---|---|
| ``raw`` | `raw.<table>`, one per raw table of the contract (`expectations.suites.raw`) | the dataset's ingestion asset | error |
| ``ops`` | `ops.file_manifest` reconciliation (`expectations.suites.ops`) | ``ops/file_manifest`` | error |
| ``volume`` | `volume.<table>`, one per dated raw table (`expectations.suites.volume`) | the dataset's ingestion asset | warn |
| ``freshness`` | `freshness.<dataset>`, one per dataset with a dated table | the dataset's ingestion asset | warn |
| ``mart`` | `marts.<model>` business expectations (`expectations.suites.marts`) | ``marts/<model>`` | error / warn |
"""

from __future__ import annotations

from expectations.model import Suite, SuiteKind
from expectations.suites.marts import mart_suites
from expectations.suites.ops import ops_suites
from expectations.suites.raw import raw_suites
from expectations.suites.volume import freshness_suites, volume_suites
from ingestion.config import FanopsConfig

__all__ = ["KINDS", "all_suites", "suites_by_kind"]

KINDS: tuple[SuiteKind, ...] = ("raw", "ops", "volume", "freshness", "mart")


def all_suites(config: FanopsConfig) -> list[Suite]:
    """Every suite, in stage order: raw, ops, volume, freshness, then the marts."""
    suites = [
        *raw_suites(config),
        *ops_suites(config),
        *volume_suites(config),
        *freshness_suites(config),
        *mart_suites(config),
    ]
    _assert_unique(suites)
    return suites


def suites_by_kind(config: FanopsConfig, kind: str) -> list[Suite]:
    if kind not in KINDS:
        raise ValueError(f"unknown suite kind {kind!r} (one of {', '.join(KINDS)})")
    return [s for s in all_suites(config) if s.kind == kind]


def _assert_unique(suites: list[Suite]) -> None:
    seen_suites: set[str] = set()
    seen_checks: set[str] = set()
    for s in suites:
        if s.name in seen_suites:
            raise ValueError(f"duplicate suite name {s.name}")
        seen_suites.add(s.name)
        for c in s.checks:
            if c.name in seen_checks:
                raise ValueError(f"duplicate check name {c.name}")
            if not c.name.startswith(s.name + "."):
                raise ValueError(f"check {c.name} is not named after its suite {s.name}")
            seen_checks.add(c.name)
