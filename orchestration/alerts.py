"""Run-failure notices: a failed Dagster run is reported through every configured notification channel (the
same `notifications:` channels as the crisis alerts), one free-form notice per channel (`send_text`, kind
`run_failure`): job, run id, failed steps, the first line of the first error, and a link to the run in the
Dagster UI when FANOPS_UI_URL is set (e.g. http://127.0.0.1:3000).

The sensor runs in the Dagster daemon (`fanops ui` starts one) and sees the runs of this code location:
schedules, sensors and UI launches. It is on by default (it sends nothing while no channel is configured).

No `from __future__ import annotations`: Dagster reads the sensor's context annotation.
"""

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dagster import DefaultSensorStatus, RunFailureSensorContext, SkipReason, run_failure_sensor

from orchestration.notify import Channel, SendResult, send_text
from orchestration.resources import FanopsSettings

SENSOR_NAME = "run_failure_notice"
ENV_UI_URL = "FANOPS_UI_URL"
KIND = "run_failure"
TITLES = {"zh": "fanops 运行失败", "en": "fanops run failed"}
LABELS = {
    "zh": {"job": "作业", "run": "运行", "steps": "失败步骤", "error": "错误", "ui": "Dagster 界面", "none": "无"},
    "en": {
        "job": "Job",
        "run": "Run",
        "steps": "Failed steps",
        "error": "Error",
        "ui": "Dagster UI",
        "none": "none",
    },
}
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class RunFailure:
    job_name: str
    run_id: str
    failed_steps: tuple[str, ...]
    error: str  # the first line of the first error (the innermost cause: the user's exception)
    ui_link: str | None = None


def first_error_line(error: Any) -> str:
    """The first line of the innermost cause of a SerializableErrorInfo (the user code's own exception,
    not Dagster's "Error occurred while executing op" wrapper)."""
    while error is not None and getattr(error, "cause", None) is not None:
        error = error.cause
    message = str(getattr(error, "message", "") or "").strip()
    line = message.splitlines()[0] if message else "unknown error"
    return line[:MAX_ERROR_CHARS]


def run_link(run_id: str, env: Mapping[str, str] | None = None) -> str | None:
    base = (os.environ if env is None else env).get(ENV_UI_URL, "").strip().rstrip("/")
    return f"{base}/runs/{run_id}" if base else None


def describe_failure(context: RunFailureSensorContext, env: Mapping[str, str] | None = None) -> RunFailure:
    run = context.dagster_run
    steps = context.get_step_failure_events()
    failed = tuple(dict.fromkeys(e.step_key for e in steps if e.step_key))
    if steps:
        error = first_error_line(getattr(steps[0].event_specific_data, "error", None))
    else:  # the run failed outside a step (launch, resources): the run failure's own message
        error = first_error_line(getattr(context.failure_event.event_specific_data, "error", None))
        if error == "unknown error" and context.failure_event.message:
            error = context.failure_event.message.strip().splitlines()[0][:MAX_ERROR_CHARS]
    return RunFailure(run.job_name, run.run_id, failed, error, run_link(run.run_id, env))


def notice_text(failure: RunFailure, language: str = "zh") -> tuple[str, str]:
    """(title, text) of the notice in a channel's language."""
    lang = language if language in LABELS else "zh"
    label = LABELS[lang]
    lines = [
        f"{label['job']}: {failure.job_name}",
        f"{label['run']}: {failure.run_id}",
        f"{label['steps']}: {', '.join(failure.failed_steps) or label['none']}",
        f"{label['error']}: {failure.error}",
    ]
    if failure.ui_link:
        lines.append(f"{label['ui']}: {failure.ui_link}")
    return TITLES[lang], "\n".join(lines)


def notify_run_failure(
    channels: Sequence[Channel], failure: RunFailure, env: Mapping[str, str] | None = None
) -> dict[str, SendResult]:
    """Send the notice to every enabled channel; channel name -> result (never raises for delivery)."""
    results: dict[str, SendResult] = {}
    for channel in channels:
        if not channel.enabled:
            continue
        title, text = notice_text(failure, channel.language)
        results[channel.name] = send_text(channel, title, text, kind=KIND, env=env)  # UI link: in the text
    return results


@run_failure_sensor(
    name=SENSOR_NAME,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "运行失败通知 — sends a notice (job, run, failed steps, first error, UI link) through every "
        "configured notification channel when a run fails."
    ),
)
def run_failure_notice(context: RunFailureSensorContext, fanops: FanopsSettings) -> SkipReason | None:
    channels = [c for c in fanops.fanops_config().notifications if c.enabled]
    if not channels:
        return SkipReason("no notification channel configured (notifications: in fanops.yaml)")
    failure = describe_failure(context)
    results = notify_run_failure(channels, failure)
    for name, result in results.items():
        if result.ok:
            context.log.info(f"run failure notice for {failure.run_id} sent to {name}")
        else:
            context.log.warning(f"run failure notice for {failure.run_id} to {name} failed: {result.error}")
    return None
