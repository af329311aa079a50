"""How dbt resources become Dagster assets, so the UI shows ONE graph: landing dataset -> raw -> staging ->
intermediate -> marts.

- A `raw` source table maps to the ingestion asset of its landing dataset (`meta.dataset` in the generated
  sources.yml; the several tables of one dataset, e.g. a registry and its `_history`, share that key).
- An `ops` source table (`ops.file_manifest`, `ops.quarantine`) maps to the asset `ops/<table>`, which
  depends on every ingestion asset (every dataset writes those tables).
- A model's key is `<layer>/<name>` (`marts/fct_content`), its group `<layer>_<area>` (`marts_content`).
- Models tagged `daily` (incremental daily facts) are partitioned by Asia/Shanghai day.
- dbt tests are asset checks, blocking when their severity is error (dagster-dbt's default).
- Marts carry a freshness policy, so the UI shows a stale mart: the nightly marts warn after 26 h and fail
  after 30 h without a materialisation, the crisis marts (hourly crisis job) fail after 3 h.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from dagster import AssetKey, AssetSpec, FreshnessPolicy, PartitionsDefinition
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.ingestion.assets import dataset_asset_key

DAILY_TAG = "daily"
OPS_SOURCE = "ops"
RAW_SOURCE = "raw"
CRISIS_AREA = "crisis"
# marts built by the nightly run: a day plus the run's slack (warn), plus a failed night's rerun (fail)
NIGHTLY_FRESHNESS = FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=30), warn_window=dt.timedelta(hours=26)
)
# crisis marts: the crisis job runs hourly; three missed hours fail
CRISIS_FRESHNESS = FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=3), warn_window=dt.timedelta(hours=2)
)


def ops_table_key(table: str) -> AssetKey:
    return AssetKey(["ops", table])


def model_layer_and_area(props: Mapping[str, Any]) -> tuple[str, str | None]:
    """('marts', 'content') for models/marts/content/fct_content.sql; area None for a model at a layer's root."""
    fqn = list(props.get("fqn") or [])
    layer = fqn[1] if len(fqn) > 2 else props.get("resource_type", "model")
    area = fqn[2] if len(fqn) > 3 else None
    return str(layer), area


def freshness_policy(props: Mapping[str, Any]) -> FreshnessPolicy | None:
    """The freshness policy of a dbt model: marts only (crisis marts on the hourly window)."""
    if props.get("resource_type") != "model":
        return None
    layer, area = model_layer_and_area(props)
    if layer != "marts":
        return None
    return CRISIS_FRESHNESS if area == CRISIS_AREA else NIGHTLY_FRESHNESS


def is_daily(props: Mapping[str, Any]) -> bool:
    tags = set(props.get("tags") or []) | set((props.get("config") or {}).get("tags") or [])
    return DAILY_TAG in tags


class FanopsDbtTranslator(DagsterDbtTranslator):
    def __init__(self, daily_partitions: PartitionsDefinition | None = None) -> None:
        super().__init__(
            DagsterDbtTranslatorSettings(
                enable_asset_checks=True,
                # a dataset writes several raw tables (registry + _history, WeChat growth + cumulate ...)
                enable_duplicate_source_asset_keys=True,
            )
        )
        self.daily_partitions = daily_partitions

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        props = dbt_resource_props
        if props["resource_type"] == "source":
            if props["source_name"] == RAW_SOURCE:
                dataset = (props.get("meta") or {}).get("dataset")
                if not dataset:
                    raise ValueError(
                        f"dbt source raw.{props['name']} has no meta.dataset (regenerate sources.yml)"
                    )
                return dataset_asset_key(dataset)
            if props["source_name"] == OPS_SOURCE:
                return ops_table_key(props["name"])
            return AssetKey([props["source_name"], props["name"]])
        if props["resource_type"] == "model":
            layer, _area = model_layer_and_area(props)
            return AssetKey([layer, props["name"]])
        return AssetKey([props["resource_type"], props["name"]])

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        policy = freshness_policy(self.get_resource_props(manifest, unique_id))
        return spec if policy is None else spec.replace_attributes(freshness_policy=policy)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] != "model":
            return "dbt"
        layer, area = model_layer_and_area(dbt_resource_props)
        return f"{layer}_{area}" if area else layer

    def get_partitions_def(self, dbt_resource_props: Mapping[str, Any]) -> PartitionsDefinition | None:
        if self.daily_partitions is not None and is_daily(dbt_resource_props):
            return self.daily_partitions
        return None
