"""The periodic operations report (`fanops report`, the Dagster report asset).

    from orchestration.reports import write_report
    result = write_report(warehouse, out_dir, period="week", lang="zh")

Modules: build (read-only data gathering and periods), charts (inline SVG), format (万/亿, %, ¥),
i18n (zh / en wording), suggestions (rule-based optimisation suggestions and their thresholds),
render (HTML and write_report), pdf (headless Chromium). Imported lazily so loading Dagster definitions
does not pay for pandas/jinja2 until a report is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestration.reports.render import ReportResult, write_report

__all__ = ["ReportResult", "write_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from orchestration.reports import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
