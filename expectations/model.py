"""The data-quality vocabulary: suites of checks, and their results.

A `Suite` guards one Dagster asset. It names a *batch*: a SQL `select` over the warehouse whose rows the
checks validate (a table, or a query that derives the columns a business rule needs, such as
`followers_net - (followers_new - followers_lost) as net_identity_gap`). Each `Check` holds one Great
Expectations expectation (its GX type name and kwargs) plus a fanops severity:

- ``error``: blocking. The Dagster asset check fails with ERROR severity, downstream assets do not run, and
  `fanops run` exits non-zero naming the check, the table and failing rows;
- ``warn``: reported (asset check WARN, `dq.validation_results`, Data Docs), never blocking.

The engine (`expectations.engine`) validates a batch with GX on a pandas DataFrame when it is small and in
DuckDB SQL otherwise (same semantics, tested for parity); either way each check gives one `CheckResult`,
one row of `dq.validation_results`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warn"]
SuiteKind = Literal["raw", "mart", "volume", "freshness", "ops"]
Engine = Literal["gx_pandas", "sql"]

SEVERITIES: tuple[Severity, ...] = ("error", "warn")
# fanops severity -> GX 1.x expectation severity
GX_SEVERITY: Mapping[str, str] = {"error": "critical", "warn": "warning"}

# GX expectation types the engine validates on both paths (pandas batches through GX, DuckDB SQL).
SUPPORTED_EXPECTATIONS: tuple[str, ...] = (
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
    "expect_table_row_count_to_be_between",
)


@dataclass(frozen=True)
class Check:
    """One expectation with its severity.

    `name` is stable and unique across all suites: `<suite>.<what>`, e.g. `raw.douyin_posts.likes.non_negative`
    or `marts.fct_account_daily.net_identity`. Severity overrides in `fanops.yaml` (`quality.severity`) match
    it by glob.
    """

    name: str
    expectation_type: str  # a SUPPORTED_EXPECTATIONS entry, GX snake_case name
    kwargs: Mapping[str, Any]  # GX kwargs: column / column_list / min_value / value_set / mostly ...
    severity: Severity = "error"
    description: str = ""  # English: what must hold and why
    label_zh: str = ""  # Chinese label for reports, `fanops dq` and Data Docs

    @property
    def column(self) -> str | None:
        col = self.kwargs.get("column")
        if col is not None:
            return str(col)
        cols = self.kwargs.get("column_list")
        return ",".join(cols) if cols else None


@dataclass(frozen=True)
class Suite:
    name: str  # e.g. raw.douyin_posts, marts.fct_account_daily, volume.raw, freshness.accounts, ops.file_manifest
    kind: SuiteKind
    asset_key: tuple[
        str, ...
    ]  # the Dagster asset it guards, e.g. ("raw", "douyin", "posts") / ("marts", "fct_content")
    table: str  # the relation failing rows come from, for messages: raw.douyin_posts
    batch_sql: str  # select ... : the rows the checks validate
    checks: tuple[Check, ...]
    id_columns: tuple[str, ...] = ()  # columns shown with each failing row sample (keys, account, date)
    dataset: str | None = None  # landing dataset id (raw / volume / freshness), for `fanops dq` per dataset
    description: str = ""


@dataclass
class CheckResult:
    """One validated check: one row of `dq.validation_results`."""

    run_id: str
    suite: str
    check: str
    asset_key: str  # slash-joined Dagster asset key
    table_name: str
    dataset: str | None
    expectation_type: str
    column_name: str | None
    severity: Severity
    success: bool
    observed_value: Any  # JSON-able: GX's observed_value (row count, ...) or the unexpected percent
    element_count: int  # rows in the batch
    failing_count: int  # rows failing (GX unexpected_count)
    failing_percent: float | None  # of the non-null rows the check looks at (GX unexpected_percent)
    sample: Sequence[Mapping[str, Any]] = field(default_factory=list)  # failing rows: id_columns + column
    engine: Engine = "gx_pandas"
    validated_at: dt.datetime | None = None  # UTC
    duration_s: float = 0.0
    label_zh: str = ""
    exception: str | None = None  # the check could not be evaluated (counts as failed)

    @property
    def blocking_failure(self) -> bool:
        return self.severity == "error" and not self.success
