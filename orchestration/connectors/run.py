"""Pull before a run: `fanops run` (and `run_pipeline(mode="run")`) materialises the enabled pull assets in
a run of their own first, so the ingestion assets of the main run see the new files. `fanops pull` uses
the same function with an explicit range or connector filter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from dagster import AssetKey, DagsterInstance, DailyPartitionsDefinition, materialize

from ingestion.config import Settings
from orchestration.connectors.assets import build_pull_assets
from orchestration.resources import build_resources

PULL_COMMAND = "pull"


def pull_keys(settings: Settings, partitions: DailyPartitionsDefinition) -> list[AssetKey]:
    return [k for a in build_pull_assets(settings.config, partitions) for k in a.keys]


def run_pulls(
    settings: Settings,
    instance: DagsterInstance,
    partitions: DailyPartitionsDefinition,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    only: Sequence[str] = (),
) -> Any | None:
    """Materialise the enabled pull assets (or those whose `platform[/account[/dataset]]` starts with one of
    `only`) in one in-process run; None when no connector is enabled. Failures do not raise: the result
    says which pulls failed, and their windows are requested again next time."""
    from orchestration.pipeline import COMMAND_TAG, run_tags

    assets = build_pull_assets(settings.config, partitions)
    if only:
        assets = [a for a in assets if any(_matches(a.key, o) for o in only)]
    if not assets:
        return None
    cfg: dict[str, Any] = {}
    if start is not None or end is not None:
        op_cfg = {"config": {"start": start.isoformat() if start else None, "end": end.isoformat() if end else None}}
        cfg = {"ops": {a.node_def.name: op_cfg for a in assets}}
    tags = {**run_tags("run", partitions), COMMAND_TAG: PULL_COMMAND}
    return materialize(
        assets,
        resources={"fanops": build_resources(settings)["fanops"]},
        instance=instance,
        raise_on_error=False,
        run_config=cfg,
        tags=tags,
    )


def _matches(key: AssetKey, selector: str) -> bool:
    parts = selector.strip("/").split("/")
    return key.path[1 : 1 + len(parts)] == parts
