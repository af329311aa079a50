"""Text views of `dq.validation_results` for the command line: a run's data-quality summary (`fanops run`)
and the latest status per dataset (`fanops dq`). Read-only; the warehouse must not be held by a writer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from orchestration.quality.checks import docs_dir

SAMPLE_ROWS = 3
LABELS = {
    "zh": {"pass": "通过", "warn": "警告", "error": "阻断", "none": "无结果"},
    "en": {"pass": "pass", "warn": "warn", "error": "error", "none": "no results"},
}


@dataclass(frozen=True)
class Failure:
    check: str
    label_zh: str
    severity: str
    table: str
    failing_count: int
    element_count: int
    sample: list[Any]
    exception: str | None

    def lines(self, indent: str = "  ") -> list[str]:
        tag = "ERROR" if self.severity == "error" else "WARN "
        label = f" ({self.label_zh})" if self.label_zh else ""
        what = (
            f"could not be evaluated: {self.exception}"
            if self.exception
            else f"{self.failing_count} failing of {self.element_count} row(s)"
        )
        out = [f"{indent}{tag} {self.check}{label} on {self.table}: {what}"]
        for row in self.sample[:SAMPLE_ROWS]:
            text = ", ".join(f"{k}={v}" for k, v in row.items()) if isinstance(row, dict) else str(row)
            out.append(f"{indent}      e.g. {text}")
        return out


def _read(warehouse: Path, run_id: str | None) -> pd.DataFrame:
    """dq.validation_results rows of one run, or the latest row of every check (expectations.store)."""
    from expectations.store import latest_results, run_results

    if not warehouse.exists():
        return pd.DataFrame()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return run_results(con, run_id) if run_id else latest_results(con)


def _failure(row: Any) -> Failure:
    try:
        sample = json.loads(row.sample) if row.sample else []
    except ValueError:
        sample = [row.sample]
    return Failure(
        row.check_name,
        row.label_zh or "",
        row.severity,
        row.table_name or "",
        int(row.failing_count or 0),
        int(row.element_count or 0),
        sample,
        row.exception if isinstance(row.exception, str) else None,
    )


def run_failures(warehouse: Path, run_id: str) -> tuple[int, int, list[Failure]]:
    """(suites, expectations, failed expectations of the run, errors first)."""
    df = _read(warehouse, run_id)
    if df.empty:
        return 0, 0, []
    failed = df[~df["success"].astype(bool)]
    failed = failed.assign(_error=failed["severity"] != "error").sort_values(["_error", "check_name"])
    return int(df["suite"].nunique()), len(df), [_failure(r) for r in failed.itertuples()]


def run_summary(warehouse: Path, run_id: str, max_warnings: int = 10) -> tuple[list[str], list[Failure]]:
    """Lines for the `fanops run` summary, and the run's blocking failures."""
    suites, total, failures = run_failures(warehouse, run_id)
    if not total:
        return ["Data quality: no suites ran in this run"], []
    errors = [f for f in failures if f.severity == "error"]
    warns = [f for f in failures if f.severity != "error"]
    lines = [
        f"Data quality: {suites} suite(s), {total} expectation(s): {total - len(failures)} passed, "
        f"{len(warns)} warn, {len(errors)} error (blocking)"
    ]
    for f in errors:
        lines.extend(f.lines())
    for f in warns[:max_warnings]:
        lines.extend(f.lines())
    if len(warns) > max_warnings:
        lines.append(f"  ... {len(warns) - max_warnings} more warning(s): `fanops dq --all`")
    index = docs_dir(warehouse) / "index.html"
    if index.exists():
        lines.append(f"Data Docs: {index}")
    return lines, errors


def blocked_message(errors: Sequence[Failure]) -> str:
    checks = ", ".join(f"{f.check} ({f.table})" for f in errors[:5])
    more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
    return (
        f"fanops: blocked by {len(errors)} failing data-quality check(s): {checks}{more}. Assets downstream of "
        "those tables were not built. Fix the input (see the failing rows above and the Data Docs), or change "
        "the check's severity in fanops.yaml (quality.severity) if it is a known, accepted finding."
    )


def status_by_dataset(warehouse: Path, run_id: str | None = None) -> list[dict[str, Any]]:
    """Latest status per dataset (raw, volume, freshness suites) and per mart/ops table: the newest result of
    each check (or of one run), grouped."""
    df = _read(warehouse, run_id)
    if df.empty:
        return []
    df = df.assign(scope=df["dataset"].where(df["dataset"].notna(), df["table_name"]))
    out = []
    for scope, group in df.groupby("scope", sort=True):
        failed = group[~group["success"].astype(bool)]
        errors = int((failed["severity"] == "error").sum())
        warns = len(failed) - errors
        out.append(
            {
                "scope": scope,
                "status": "error" if errors else "warn" if warns else "pass",
                "checks": len(group),
                "failed_error": errors,
                "failed_warn": warns,
                "validated_at": group["validated_at"].max(),
                "failing": sorted(failed["check_name"]),
            }
        )
    return out


def _width(text: str) -> int:
    """Terminal columns of a text: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def format_status(rows: Sequence[dict[str, Any]], lang: str = "zh", show_all: bool = False) -> list[str]:
    labels = LABELS.get(lang, LABELS["zh"])
    if not rows:
        return ["no data-quality results yet: run `fanops run` first"]
    head = (
        ("数据集/表", "状态", "检查", "阻断", "警告", "校验时间 (UTC)")
        if lang == "zh"
        else ("dataset/table", "status", "checks", "error", "warn", "validated (UTC)")
    )
    width = max(_width(str(r["scope"])) for r in [*rows, {"scope": head[0]}]) + 2
    lines = [
        _pad(head[0], width)
        + _pad(head[1], 8)
        + "".join(_pad(h, 7, right=True) for h in head[2:5])
        + "  "
        + head[5]
    ]
    for r in rows:
        when = r["validated_at"].strftime("%Y-%m-%d %H:%M") if pd.notna(r["validated_at"]) else "-"
        lines.append(
            _pad(str(r["scope"]), width)
            + _pad(labels[r["status"]], 8)
            + "".join(_pad(str(r[k]), 7, right=True) for k in ("checks", "failed_error", "failed_warn"))
            + f"  {when}"
        )
        failing = r["failing"] if show_all else r["failing"][:3]
        for name in failing:
            lines.append(f"    - {name}")
        if not show_all and len(r["failing"]) > 3:
            lines.append(f"    ... {len(r['failing']) - 3} more (--all)")
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("pass", "warn", "error")}
    lines.append(" · ".join(f"{labels[s]} {n}" for s, n in counts.items()))
    return lines
