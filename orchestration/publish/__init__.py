"""Publishing the marts for BI: a separate read-only DuckDB file (and optionally Parquet) swapped in atomically
after a run whose blocking checks passed (orchestration.publish.publish; the asset in .assets)."""

from orchestration.publish.publish import (
    PublishError,
    PublishResult,
    blocking_dq_failures,
    default_target,
    manual_run_id,
    missing_marts,
    publish,
    read_publish_info,
)

__all__ = [
    "PublishError",
    "PublishResult",
    "blocking_dq_failures",
    "default_target",
    "manual_run_id",
    "missing_marts",
    "publish",
    "read_publish_info",
]
