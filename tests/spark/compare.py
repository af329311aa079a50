"""Compare the marts of two builds of the dbt project (DuckDB and Spark), row by row.

A mart is equal when both builds have the same columns and the same multiset of rows: text, integers,
booleans, dates and timestamps exactly; doubles and decimals to a relative 1e-9 (the engines sum in
different orders). The key figures of a mart are its row count and the sum of each numeric column; they
go into the printed summary (BENCHMARKS.md "Spark").
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

REL_TOL = 1e-9
ABS_TOL = 1e-9


def normal(value: Any) -> Any:
    """One engine-neutral Python value: Decimal -> float, tz-aware -> naive UTC, list -> tuple."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, list | tuple):
        return tuple(normal(v) for v in value)
    return value


def _sort_key(row: Sequence[Any]) -> tuple[Any, ...]:
    out = []
    for v in row:
        if v is None:
            out.append((0, ""))
        elif isinstance(v, float):
            out.append((1, f"{v:.6e}" if math.isfinite(v) else str(v)))
        else:
            out.append((1, repr(v)))
    return tuple(out)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        try:
            fa, fb = float(a), float(b)
        except (TypeError, ValueError):
            return False
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        return math.isclose(fa, fb, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)


@dataclass
class MartComparison:
    name: str
    rows: tuple[int, int]  # (duckdb, spark)
    columns_equal: bool
    differing_rows: int
    figures: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # figure -> (duckdb, spark)
    examples: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return (
            self.columns_equal
            and self.rows[0] == self.rows[1]
            and self.differing_rows == 0
            and all(_same(a, b) for a, b in self.figures.values())
        )


def compare_mart(
    name: str,
    duck_columns: Sequence[str],
    duck_rows: Iterable[Sequence[Any]],
    spark_columns: Sequence[str],
    spark_rows: Iterable[Sequence[Any]],
) -> MartComparison:
    """Rows of both engines (any column order: Spark moves partition columns last)."""
    columns_equal = sorted(duck_columns) == sorted(spark_columns)
    order = sorted(duck_columns)
    d_idx = [list(duck_columns).index(c) for c in order]
    d = [tuple(normal(r[i]) for i in d_idx) for r in duck_rows]
    if columns_equal:
        s_idx = [list(spark_columns).index(c) for c in order]
        s = [tuple(normal(r[i]) for i in s_idx) for r in spark_rows]
    else:
        s = [tuple(normal(v) for v in r) for r in spark_rows]
    result = MartComparison(name, (len(d), len(s)), columns_equal, 0)
    if not columns_equal:
        missing = sorted(set(duck_columns) ^ set(spark_columns))
        result.examples.append(f"columns differ: {missing}")
        return result
    result.figures["rows"] = (len(d), len(s))
    for j, col in enumerate(order):
        dv = [r[j] for r in d if isinstance(r[j], int | float) and not isinstance(r[j], bool)]
        sv = [r[j] for r in s if isinstance(r[j], int | float) and not isinstance(r[j], bool)]
        if dv or sv:
            result.figures[f"sum({col})"] = (math.fsum(dv), math.fsum(sv))
    d.sort(key=_sort_key)
    s.sort(key=_sort_key)
    for a, b in zip(d, s):
        if not all(_same(x, y) for x, y in zip(a, b)):
            result.differing_rows += 1
            if len(result.examples) < 3:
                diffs = [f"{c}: {x!r} != {y!r}" for c, x, y in zip(order, a, b) if not _same(x, y)]
                result.examples.append("; ".join(diffs[:4]))
    result.differing_rows += abs(len(d) - len(s))
    return result


# the figures an operations team reads first (BENCHMARKS.md "Spark"): (mart, figure)
KEY_FIGURES = (
    ("fct_account_daily", "sum(followers_net)"),
    ("fct_account_daily", "sum(interactions)"),
    ("fct_orders", "sum(net_amount)"),
    ("fct_campaign_performance", "sum(gmv)"),
    ("fct_campaign_performance", "sum(roi)"),
    ("fct_service_daily", "sum(median_response_minutes)"),
    ("fct_content", "sum(engagement_rate_by_views)"),
    ("kpi_scorecard", "sum(actual)"),
    ("kpi_scorecard", "sum(attainment)"),
    ("dim_fans", "sum(interactions_30d)"),
    ("fct_sentiment_hourly", "sum(negative)"),
    ("fct_crisis_alerts", "sum(peak_negative)"),
)


def _fmt(value: Any) -> str:
    return f"{value:,.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def summary(results: Mapping[str, MartComparison]) -> str:
    """Markdown: the key figures on both engines, then one line per mart with its rows, the figures
    compared (row count and each numeric column's sum) and the row-by-row verdict."""
    lines = ["| key figure | DuckDB | Spark |", "|---|---|---|"]
    for mart, figure in KEY_FIGURES:
        if mart in results and figure in results[mart].figures:
            duck, spark = results[mart].figures[figure]
            lines.append(f"| {mart}.{figure} | {_fmt(duck)} | {_fmt(spark)} |")
    lines += ["", "| mart | rows (DuckDB / Spark) | figures compared | equal |", "|---|---|---|---|"]
    for name, r in sorted(results.items()):
        lines.append(
            f"| {name} | {r.rows[0]:,} / {r.rows[1]:,} | {len(r.figures)} | {'yes' if r.equal else 'NO'} |"
        )
    for name, r in sorted(results.items()):
        for example in r.examples:
            lines.append(f"- {name}: {example}")
    return "\n".join(lines)
