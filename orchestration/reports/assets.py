"""The periodic operations report as a Dagster asset (`reports/operations_report`), and its weekly schedule.

The asset runs after the KPI marts (so after the marts' blocking data-quality checks), writes the
self-contained HTML report (and a PDF when a headless Chromium is available) into `<warehouse folder>/reports/`
through the same `write_report` as `fanops report`, and shows the report path and the scorecard in its metadata.
"""


from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    Config,
    DefaultScheduleStatus,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    define_asset_job,
    in_process_executor,
)

from orchestration.resources import FanopsSettings

REPORT_KEY = AssetKey(["reports", "operations_report"])
REPORTS_DIR = "reports"
WEEKLY_REPORT_CRON = "0 8 * * 1"  # Mondays 08:00 local time (schedules.weekly_report in fanops.yaml)


def reports_dir(warehouse: str | Path) -> Path:
    return Path(warehouse).resolve().parent / REPORTS_DIR


class ReportConfig(Config):
    """Run config of the report asset (launchpad: ops.reports__operations_report.config)."""

    period: str = "week"  # week | month
    lang: str = "zh"  # zh | en


def build_report_asset(upstream: list[AssetKey]):
    @asset(
        key=REPORT_KEY,
        deps=upstream,
        group_name="reports",
        kinds={"html"},
        description=(
            "运营报告 — the periodic operations report (KPI scorecard with pace, fan growth, content, campaigns "
            "and KOLs, service, competitors, data quality, plan execution, optimisation suggestions), a "
            "self-contained HTML file (charts inline) in <warehouse folder>/reports/, PDF when Chromium exists."
        ),
    )
    def operations_report(
        context: AssetExecutionContext, config: ReportConfig, fanops: FanopsSettings
    ) -> MaterializeResult:
        from orchestration.reports import write_report

        if config.period not in ("week", "month") or config.lang not in ("zh", "en"):
            raise ValueError(f"period must be week|month and lang zh|en, got {config.period}/{config.lang}")
        result = write_report(
            Path(fanops.warehouse),
            reports_dir(fanops.warehouse),
            period=config.period,  # type: ignore[arg-type]
            lang=config.lang,  # type: ignore[arg-type]
        )
        context.log.info(f"report written: {result.html_path}")
        metadata: dict[str, Any] = {
            "report": MetadataValue.path(str(result.html_path)),
            "report_url": MetadataValue.url(Path(result.html_path).resolve().as_uri()),
            "period": f"{result.period_start} .. {result.period_end}",
            "suggestions": int(result.suggestion_count),
            "scorecard": MetadataValue.md(result.scorecard_markdown or "-"),
        }
        if result.pdf_path is not None:
            metadata["pdf"] = MetadataValue.path(str(result.pdf_path))
        return MaterializeResult(metadata=metadata)

    return operations_report


weekly_report_job = define_asset_job(
    "weekly_report",
    selection=AssetSelection.assets(REPORT_KEY),
    description="Write last week's operations report from the current marts.",
    executor_def=in_process_executor,
)


def weekly_report_schedule(timezone: str, cron: str = WEEKLY_REPORT_CRON) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="weekly_report",
        job=weekly_report_job,
        cron_schedule=cron,
        execution_timezone=timezone,
        default_status=DefaultScheduleStatus.STOPPED,
        description=(
            f"The weekly operations report at `{cron}` ({timezone}; schedules.weekly_report in fanops.yaml), "
            "after the nightly run; start it in the UI."
        ),
    )
