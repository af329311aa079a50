"""The `fanops` command line (DESIGN.md, "Command line").

Heavy imports (dagster, the engine) happen inside the commands so `fanops --help`, `check` and `synth`
start fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ingestion.config import (
    ENV_CONFIG,
    ENV_LANDING,
    REPO_ROOT,
    ConfigError,
    PiiKeyError,
    Settings,
    resolve_pii_key,
    resolve_settings,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 75  # EX_TEMPFAIL: the warehouse is in use (orchestration.lock); rerun later or --wait

# One writer: the UI/daemon run queue starts one run at a time, and it counts the in-process runs of `fanops`
# commands as in progress too (orchestration.lock). Telemetry off.
DAGSTER_YAML = "telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n"


def _quiet_env() -> None:
    os.environ["DAGSTER_DISABLE_TELEMETRY"] = "1"
    os.environ["GX_ANALYTICS_ENABLED"] = "false"


def dagster_home_for(settings: Settings) -> Path:
    """A warehouse-local DAGSTER_HOME (run history next to the warehouse; telemetry off)."""
    home = settings.warehouse.parent / ".dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists() or cfg.read_text(encoding="utf-8") != DAGSTER_YAML:
        cfg.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def _settings(args: argparse.Namespace) -> Settings:
    """Resolve settings from the command line and export them for child processes."""
    settings = resolve_settings(
        args.config, getattr(args, "landing", None), getattr(args, "warehouse", None)
    )  # also exports FANOPS_WAREHOUSE
    # A child process (dagster dev, the definitions module) resolves the same way from these.
    if args.config:
        os.environ[ENV_CONFIG] = str(Path(args.config).resolve())
    if getattr(args, "landing", None):
        os.environ[ENV_LANDING] = str(settings.landing)
    return settings


def _describe_settings(settings: Settings) -> str:
    sample = " (bundled SAMPLE)" if settings.is_sample else ""
    cfg = settings.config_path or "built-in defaults"
    return f"config: {cfg}\nlanding: {settings.landing}{sample}\nwarehouse: {settings.warehouse}"


# ---------------------------------------------------------------------------------------------- run / ingest


def _materialize(args: argparse.Namespace, mode: str) -> int:
    """One writer (orchestration.lock): the whole in-process run holds the warehouse lock, after checking
    that no Dagster run is in progress and that DuckDB opens the file (else naming `fanops rebuild`); the
    warehouse is CHECKPOINTed after the run, still under the lock."""
    settings = _settings(args)

    def body() -> int:
        from orchestration.recovery import cannot_open_message, check_opens, checkpoint

        opens = check_opens(settings.warehouse)
        if not opens.ok:
            print(cannot_open_message(settings.warehouse, opens), file=sys.stderr)
            return EXIT_BUSY if opens.locked else EXIT_FAILED
        code = _run_in_process(args, mode)
        problem = checkpoint(settings.warehouse)
        if problem is not None:
            print(f"fanops: CHECKPOINT of {settings.warehouse} failed: {problem}", file=sys.stderr)
        return code

    return with_warehouse_lock(args, settings, body)


def with_warehouse_lock(args: argparse.Namespace, settings: Settings, body: Callable[[], int]) -> int:
    """Run `body` holding the warehouse lock (`--wait SECONDS`, default: refuse at once with exit 75) once no
    Dagster run of the warehouse's instance is in progress (runs whose process died are marked failed)."""
    from orchestration.lock import WarehouseBusy, wait_for_idle_instance, warehouse_lock

    wait = float(getattr(args, "wait", None) or 0.0)
    command = f"fanops {getattr(args, 'command', None) or 'run'}"
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        with warehouse_lock(settings.warehouse, wait_seconds=wait, command=command):
            os.environ["DAGSTER_HOME"] = str(dagster_home_for(settings))
            from dagster import DagsterInstance

            from orchestration.instance import relax_sqlite_sync

            relax_sqlite_sync()
            with DagsterInstance.get() as instance:
                left = max(0.0, wait - (time.monotonic() - started))
                refusal = wait_for_idle_instance(instance, settings.warehouse, wait_seconds=left)
            if refusal is not None:
                print(refusal, file=sys.stderr)
                return EXIT_BUSY
            return body()
    except WarehouseBusy as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_BUSY


def _run_in_process(args: argparse.Namespace, mode: str) -> int:
    settings = _settings(args)
    as_of = getattr(args, "as_of", None)
    full_refresh = bool(getattr(args, "full_refresh", False))
    unit_tests = bool(getattr(args, "unit_tests", False))
    force = bool(getattr(args, "force", False))
    if mode != "build":
        resolve_pii_key(settings.is_sample)  # fail early (or make the sample key) before dagster loads
        if not settings.landing.is_dir():
            print(f"fanops: landing root {settings.landing} does not exist", file=sys.stderr)
            return EXIT_USAGE
    window = _backfill_window(args, settings) if mode in ("run", "build") else None
    if window == "invalid":
        return EXIT_USAGE
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(dagster_home_for(settings))
    print(_describe_settings(settings), flush=True)
    if isinstance(window, tuple):
        days = (dt.date.fromisoformat(window[1]) - dt.date.fromisoformat(window[0])).days + 1
        print(
            f"backfill window: {window[0]} .. {window[1]} ({days} day(s)): the daily models recompute exactly "
            "these dates, in one dbt invocation",
            flush=True,
        )

    from dagster import DagsterInstance

    from orchestration.instance import relax_sqlite_sync
    from orchestration.pipeline import pipeline_assets, run_pipeline

    relax_sqlite_sync()

    graph = None
    if mode != "ingest":
        from orchestration.dbt.project import ManifestError, prepare_manifest

        try:
            prepare_manifest(quiet=False)
        except ManifestError as exc:
            print(f"fanops: {exc}", file=sys.stderr)
            return EXIT_FAILED
        graph = pipeline_assets(settings.config)
    from dagster import Failure

    started = time.monotonic()
    with DagsterInstance.get() as instance:
        try:
            result = run_pipeline(
                settings,
                mode,  # type: ignore[arg-type]
                instance=instance,
                as_of=as_of,
                full_refresh=full_refresh,
                unit_tests=unit_tests,
                assets=graph,
                partition_range=window if isinstance(window, tuple) else None,
                force=force,
            )
        except Failure as exc:  # raised before the run starts (e.g. no daily partition exists yet)
            print(f"fanops: {exc.description}", file=sys.stderr)
            return EXIT_USAGE
    elapsed = time.monotonic() - started
    return _report_result(result, settings, elapsed, as_of=as_of, dbt_ran=mode != "ingest")


def _report_result(
    result: Any, settings: Settings, elapsed: float, as_of: str | None = None, dbt_ran: bool = False
) -> int:
    from ingestion.engine import manifest_summary

    print("\nAssets:")
    idle: list[str] = []
    built: dict[str, dict[str, Any]] = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        meta = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
        name = mat.asset_key.to_user_string()
        if "files_seen" not in meta:
            built.setdefault(name, meta)
        elif not meta["files_seen"]:
            idle.append(name)
        else:
            statuses = ", ".join(
                f"{k.removeprefix('files_')} {v}"
                for k, v in meta.items()
                if k.startswith("files_") and k not in ("files_seen", "files_new") and v
            )
            print(
                f"  {name}: files {meta['files_seen']} (new {meta['files_new']}"
                + (f"; {statuses}" if statuses else "")
                + f"), rows read {meta.get('rows_read', 0)}, loaded {meta.get('rows_loaded', 0)}, "
                f"quarantined {meta.get('rows_quarantined', 0)}, skipped {meta.get('rows_skipped', 0)}"
            )
    if idle:
        print(f"  no files for {len(idle)} dataset(s): {', '.join(idle)}")
    unchanged = nothing_new_since(result, settings) if dbt_ran else None
    if unchanged is not None:
        print(f"{unchanged}; skipped: {', '.join(skipped_steps(result)) or '-'}")
    elif dbt_ran:
        _print_dbt_summary(result, settings, built, as_of)
    else:
        for name in built:
            print(f"  {name}")

    from orchestration.quality.report import blocked_message, run_summary

    failed_checks = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and not evaluation.check_name.startswith("gx_"):  # dbt tests
            severity = getattr(evaluation.severity, "value", str(evaluation.severity))
            blocking = bool(getattr(evaluation, "blocking", False))
            tag = "BLOCKING " if blocking else ""
            print(
                f"  check {tag}{severity} failed: {evaluation.asset_key.to_user_string()} {evaluation.check_name}"
            )
            if blocking and severity == "ERROR":
                failed_checks.append(evaluation)

    if dbt_ran and unchanged is None:
        _print_scorecard_and_report(result, settings)
        _print_crisis(result, settings)
    if dbt_ran:
        _print_publication(built)

    print()
    dq_lines, dq_errors = run_summary(settings.warehouse, result.run_id)
    for line in dq_lines:
        print(line)

    for failure in result.get_step_failure_events():
        error = failure.event_specific_data.error
        message = error.message.strip() if error is not None else "unknown error"
        if "DagsterAssetCheckFailedError" in (error.cls_name if error is not None else ""):
            continue  # named with their failing rows above
        print(f"  FAILED step {failure.step_key}: {message}", file=sys.stderr)

    print()
    try:
        print(manifest_summary(settings.warehouse))
    except Exception as exc:  # the summary must not hide the run's own outcome
        print(f"  (no manifest summary: {exc})")

    ok = result.success and not failed_checks and not dq_errors
    status = "succeeded" if ok else "FAILED"
    print(f"\nRun {result.run_id} {status} in {elapsed:.1f} s.")
    if dq_errors:
        print(blocked_message(dq_errors), file=sys.stderr)
    if settings.is_sample:
        print("Note: this build was made from the bundled SAMPLE landing data.")
    return EXIT_OK if ok else EXIT_FAILED


def skipped_steps(result: Any) -> list[str]:
    return sorted({e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED" and e.step_key})


def nothing_new_since(result: Any, settings: Settings) -> str | None:
    """"nothing new since run <id>: marts unchanged" when the run's dbt build succeeded without building anything
    (orchestration.dbt.state decided that nothing changed since that run), else None."""
    from orchestration.dbt.assets import DBT_OP_NAME

    ok = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    if DBT_OP_NAME not in ok:
        return None
    dbt_keys = {"staging", "intermediate", "marts"}
    if any(e.asset_key.path[0] in dbt_keys for e in result.get_asset_materialization_events()):
        return None
    import duckdb

    from orchestration.dbt.state import nothing_new_line, read_state

    try:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            state = read_state(con)
    except duckdb.Error:
        state = None
    return nothing_new_line(state.run_id if state is not None else "?")


def _print_dbt_summary(
    result: Any, settings: Settings, built: dict[str, dict[str, Any]], as_of: str | None
) -> None:
    """Models built per layer, rows per mart, dbt test outcomes (run_results.json) and the as-of date."""
    import json

    from orchestration.dbt.assets import run_results_paths

    layers: dict[str, int] = {}
    for name in built:
        layer = name.split("/", 1)[0]
        if layer in ("staging", "intermediate", "marts"):
            layers[layer] = layers.get(layer, 0) + 1
    total = sum(layers.values())
    print(f"dbt: {total} model(s) built (" + ", ".join(f"{k} {v}" for k, v in sorted(layers.items())) + ")")
    marts = sorted((n, m.get("dagster/row_count")) for n, m in built.items() if n.startswith("marts/"))
    if marts:
        print("Marts (rows):")
        for name, rows in marts:
            print(f"  {name.split('/', 1)[1]:32} {rows if rows is not None else '?':>10}")

    paths = run_results_paths(result.run_id)  # dbt_models, then dbt_kpi (after the marts' quality checks)
    if paths:
        results = [r for p in paths for r in json.loads(p.read_text(encoding="utf-8")).get("results", [])]
        tests = [r for r in results if r["unique_id"].split(".")[0] in ("test", "unit_test")]
        models = [r for r in results if r["unique_id"].split(".")[0] in ("model", "seed", "snapshot")]
        count = lambda rows, status: sum(1 for r in rows if r["status"] == status)  # noqa: E731
        units = sum(1 for r in tests if r["unique_id"].startswith("unit_test."))
        print(
            f"dbt tests: {count(tests, 'pass')} pass, {count(tests, 'warn')} warn, "
            f"{count(tests, 'fail') + count(tests, 'error')} error, {count(tests, 'skipped')} skipped "
            f"({units} unit tests); models: {count(models, 'success')} ok, {count(models, 'error')} error, "
            f"{count(models, 'skipped')} skipped"
        )
        for r in results:
            if r["status"] in ("warn", "fail", "error"):
                message = " ".join(str(r.get("message") or "").split())[:200]
                print(f"  {r['status'].upper():5} {r['unique_id']}: {message}")
    print(f"As-of date: {as_of or _model_as_of(settings)}")


def _print_publication(built: dict[str, dict[str, Any]]) -> None:
    """Where BI reads the marts: the publish/bi_snapshot asset's file, or why it is unchanged."""
    meta = built.get("publish/bi_snapshot")
    if meta is None:
        print("BI publication: not updated in this run (the previous one is unchanged)")
        return
    print(f"BI publication: {meta.get('path')} (read-only; {meta.get('seconds')} s)")


def _print_scorecard_and_report(result: Any, settings: Settings) -> None:
    """The overall KPI scorecard at the run's as-of date and the report written by the run."""
    import duckdb

    from orchestration.kpi.metadata import scorecard_rows, scorecard_text

    try:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            rows = scorecard_rows(con)
    except duckdb.Error:
        rows = []
    if rows:
        print()
        for line in scorecard_text(rows):
            print(line)
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.asset_key.path[:1] == ["reports"]:
            report = mat.metadata.get("report")
            if report is not None:
                print(f"Report: {getattr(report, 'value', report)}")
            pdf = mat.metadata.get("pdf")
            if pdf is not None:
                print(f"Report PDF: {getattr(pdf, 'value', pdf)}")


def crisis_lines(warehouse: Path, lang: str = "zh") -> list[str]:
    """Open alerts (and the latest closed one) of marts.fct_crisis_alerts, one line each."""
    import duckdb

    from ingestion.config import CRISIS_LEVELS

    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(
                """select alert_id, level, status, opened_at, closed_at, platforms, peak_negative, top_terms
                from marts.fct_crisis_alerts order by status = 'open' desc, opened_at desc"""
            ).fetchall()
    except duckdb.Error:
        return []
    opened = sum(1 for r in rows if r[2] == "open")
    lines = [f"Crisis alerts: {len(rows)} ({opened} open)"]
    for alert_id, level, status, opened_at, closed_at, platforms, peak, terms in rows[: max(opened, 1)]:
        spec = CRISIS_LEVELS[int(level)]
        name = spec.name_zh if lang == "zh" else spec.name_en
        until = "open" if status == "open" else f"closed {str(closed_at)[:16]} UTC"
        lines.append(
            f"  level {level} {name}: opened {str(opened_at)[:16]} UTC, {until}; {platforms}; "
            f"peak {peak} negative/h; {terms or '-'} [{alert_id}]"
        )
    return lines


def _print_crisis(result: Any, settings: Settings) -> None:
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.asset_key.path == ["crisis", "notifications"]:
            meta = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
            for line in crisis_lines(settings.warehouse):
                print(line)
            print(
                f"Notifications: {meta.get('sent', 0)} sent, {meta.get('failed', 0)} failed (retried next run), "
                f"{meta.get('already_sent', 0)} already sent; channels: {', '.join(meta.get('channels') or []) or 'none'}"
            )


def _model_as_of(settings: Settings) -> str:
    """The as-of date the models chose (intermediate.int_as_of) when --as-of was not given."""
    import duckdb

    try:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            row = con.execute("select max(as_of_date) from intermediate.int_as_of").fetchone()
    except duckdb.Error:
        return "unknown (intermediate.int_as_of not built)"
    return f"{row[0]} (latest date with data for every scope; int_as_of)" if row and row[0] else "unknown"


def _backfill_window(args: argparse.Namespace, settings: Settings) -> tuple[str, str] | str | None:
    """`--from DATE --to DATE` as a partition range (a single-run backfill of the daily facts), None without
    them, "invalid" (after printing why) when the dates are not a range of existing daily partitions.
    `--to` defaults to the last partition (today in the config's timezone)."""
    start, end = getattr(args, "date_from", None), getattr(args, "date_to", None)
    if start is None and end is None:
        return None
    command = f"fanops {args.command}"
    if start is None:
        print(f"{command}: --to needs --from (the first day of the backfill)", file=sys.stderr)
        return "invalid"
    if getattr(args, "full_refresh", False):
        print(f"{command}: --full-refresh rebuilds every date; it does not take --from/--to", file=sys.stderr)
        return "invalid"
    dates: dict[str, dt.date] = {}
    for flag, value in (("--from", start), ("--to", end)):
        if value is None:
            continue
        try:
            dates[flag] = dt.date.fromisoformat(value)
        except ValueError:
            print(f"{command}: {flag} {value!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
            return "invalid"
    from orchestration.dbt.assets import daily_partitions

    partitions = daily_partitions(settings.config)
    first, last = partitions.get_first_partition_key(), partitions.get_last_partition_key()
    if first is None or last is None:
        print(f"{command}: no daily partitions yet (they start on {partitions.start.date()})", file=sys.stderr)
        return "invalid"
    lo = dates["--from"].isoformat()
    hi = dates["--to"].isoformat() if "--to" in dates else last
    if lo > hi:
        print(f"{command}: --from {lo} is after --to {hi}", file=sys.stderr)
        return "invalid"
    if lo < first or hi > last:
        print(
            f"{command}: {lo} .. {hi} is outside the daily partitions {first} .. {last} "
            f"(a year before plan.start_date to today, {settings.config.timezone})",
            file=sys.stderr,
        )
        return "invalid"
    return lo, hi


def _check_as_of(args: argparse.Namespace, command: str) -> int | None:
    if args.as_of is not None:
        try:
            dt.date.fromisoformat(args.as_of)
        except ValueError:
            print(f"fanops {command}: --as-of {args.as_of!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
            return EXIT_USAGE
    return None


def cmd_run(args: argparse.Namespace) -> int:
    error = _check_as_of(args, "run")
    return error if error is not None else _materialize(args, "run")


def cmd_pull(args: argparse.Namespace) -> int:
    """Pull the enabled API connectors into the landing tree (README "Pull connectors"); loads nothing."""
    settings = _settings(args)
    if not settings.config.connectors.pulls():
        print("fanops pull: no connector is enabled (connectors.accounts in fanops.yaml)", file=sys.stderr)
        return EXIT_USAGE
    try:
        start = dt.date.fromisoformat(args.date_from) if args.date_from else None
        end = dt.date.fromisoformat(args.date_to) if args.date_to else None
    except ValueError as exc:
        print(f"fanops pull: {exc}", file=sys.stderr)
        return EXIT_USAGE
    os.environ["DAGSTER_HOME"] = str(dagster_home_for(settings))
    from dagster import DagsterInstance

    from orchestration.connectors.run import run_pulls
    from orchestration.dbt.assets import daily_partitions

    with DagsterInstance.get() as instance:
        result = run_pulls(
            settings, instance, daily_partitions(settings.config), start=start, end=end, only=args.connector or ()
        )
    if result is None:
        print(f"fanops pull: no enabled connector matches {', '.join(args.connector)}", file=sys.stderr)
        return EXIT_USAGE
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        meta = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
        where = f"{meta.get('window_start')}..{meta.get('window_end')} -> {meta.get('file') or 'no file'}"
        detail = where if meta.get("status") == "pulled" else f"up to date ({meta.get('pulled_through')})"
        print(f"  {'/'.join(mat.asset_key.path[1:])}: {detail}")
    for event in result.all_events:
        if event.is_step_failure:
            print(f"  FAILED {event.step_key}: {event.step_failure_data.error.message.strip()}", file=sys.stderr)
    return EXIT_OK if result.success else EXIT_FAILED


def cmd_crisis(args: argparse.Namespace) -> int:
    return _materialize(args, "crisis")


def cmd_build(args: argparse.Namespace) -> int:
    error = _check_as_of(args, "build")
    return error if error is not None else _materialize(args, "build")


def cmd_ingest(args: argparse.Namespace) -> int:
    return _materialize(args, "ingest")


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Recovery (orchestration.recovery): move the working warehouse (and its WAL) aside to
    `<name>.broken-<UTC time>` and rebuild everything from the immutable landing files with a full
    `fanops run --full-refresh`, all under the warehouse lock."""
    from orchestration.recovery import check_opens, move_aside

    settings = _settings(args)
    resolve_pii_key(settings.is_sample)  # the same key as the original loads, or the pseudonyms change
    if not settings.landing.is_dir():
        print(f"fanops rebuild: landing root {settings.landing} does not exist", file=sys.stderr)
        return EXIT_USAGE
    warehouse = settings.warehouse

    def body() -> int:
        opens = check_opens(warehouse)
        if opens.locked:
            print(f"fanops rebuild: {warehouse} is open in another program ({opens.error})", file=sys.stderr)
            return EXIT_BUSY
        if not warehouse.exists():
            state = "does not exist"
        elif opens.ok:
            state = "opens fine (rebuilding anyway, as asked)"
        else:
            state = f"cannot be opened: {opens.error}"
        print(f"fanops rebuild: warehouse {warehouse} {state}")
        print(f"fanops rebuild: every table is rebuilt from the landing files under {settings.landing}")
        if not args.yes:
            if not sys.stdin.isatty():
                print("fanops rebuild: not confirmed; pass --yes to rebuild without asking", file=sys.stderr)
                return EXIT_USAGE
            answer = input("Move the warehouse aside and rebuild it? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                print("fanops rebuild: nothing changed")
                return EXIT_USAGE
        moved = move_aside(warehouse)
        for src, dst in moved:
            print(f"fanops rebuild: moved {src} -> {dst}")
        args.full_refresh, args.as_of, args.unit_tests = True, None, False
        started = time.monotonic()
        code = _materialize(args, "run")  # re-enters the lock this process holds
        kept = f"; the old file is kept at {moved[0][1]} (delete it when no longer needed)" if moved else ""
        outcome = "rebuilt" if code == EXIT_OK else "rebuild FAILED (rerun `fanops rebuild` or `fanops run`)"
        print(f"fanops rebuild: {warehouse} {outcome} in {time.monotonic() - started:.1f} s{kept}")
        return code

    return with_warehouse_lock(args, settings, body)


# ------------------------------------------------------------------------------------------------- check


def cmd_dq(args: argparse.Namespace) -> int:
    """Latest data-quality status per dataset / table (dq.validation_results); exit 1 when a blocking check
    currently fails."""
    from orchestration.quality.checks import docs_dir
    from orchestration.quality.report import format_status, status_by_dataset

    settings = _settings(args)
    try:
        rows = status_by_dataset(settings.warehouse, run_id=args.run)
    except Exception as exc:  # e.g. the warehouse is being written by a run
        print(f"fanops dq: cannot read {settings.warehouse}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for line in format_status(rows, lang=args.lang, show_all=args.all):
        print(line)
    index = docs_dir(settings.warehouse) / "index.html"
    if index.exists():
        print(("Data Docs: " if args.lang == "en" else "数据文档: ") + str(index))
    return EXIT_FAILED if any(r["status"] == "error" for r in rows) else EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish the marts of the working warehouse for BI by hand, as the publish/bi_snapshot asset does after a
    green run: refuses (exit 1) while a blocking check fails (`fanops dq`, or the last run's dbt build or
    data-quality stage did not succeed) or marts are missing, unless --force (the first two only). Holds the
    warehouse lock like the other writing commands (it checkpoints the warehouse)."""
    import duckdb

    from orchestration.publish.publish import (
        PublishError,
        blocking_dq_failures,
        last_run_blockers,
        manual_run_id,
        publish,
    )

    settings = _settings(args)
    warehouse = settings.warehouse
    if not warehouse.is_file():
        print(f"fanops publish: no warehouse at {warehouse}: build it first (fanops run)", file=sys.stderr)
        return EXIT_FAILED

    def body() -> int:
        refusals: list[str] = []
        try:
            blocked = blocking_dq_failures(warehouse)
        except duckdb.Error as exc:  # a run holds the warehouse
            print(f"fanops publish: cannot read {warehouse} (is a run writing it?): {exc}", file=sys.stderr)
            return EXIT_FAILED
        if blocked:
            refusals.append(
                f"{len(blocked)} blocking data-quality check(s) fail (fanops dq): "
                + ", ".join(blocked[:5])
                + (f" and {len(blocked) - 5} more" if len(blocked) > 5 else "")
            )
        home = warehouse.parent / ".dagster_home"
        if (home / "dagster.yaml").is_file():
            from dagster import DagsterInstance

            with DagsterInstance.from_config(str(home)) as instance:
                last = last_run_blockers(instance)
            if last is not None:
                refusals.append(
                    f"the last run {last[0]} did not finish step(s) {', '.join(last[1])} (a failing dbt test or "
                    "data-quality stage, or the run was stopped): its marts may be half built"
                )
        if refusals and not args.force:
            for reason in refusals:
                print(f"fanops publish: refused: {reason}", file=sys.stderr)
            print(
                "fanops publish: the previous publication is unchanged. Fix the input and rerun (fanops run), or "
                "publish anyway with --force.",
                file=sys.stderr,
            )
            return EXIT_FAILED
        for reason in refusals:
            print(f"fanops publish: WARNING (--force): {reason}", file=sys.stderr)
        try:
            result = publish(warehouse, run_id=manual_run_id(), parquet=args.parquet, config=settings.config)
        except PublishError as exc:
            print(f"fanops publish: refused: {exc}", file=sys.stderr)
            return EXIT_FAILED
        except duckdb.Error as exc:
            print(f"fanops publish: failed, the previous publication is unchanged: {exc}", file=sys.stderr)
            return EXIT_FAILED
        info = result.info
        print(f"published: {result.target}")
        print(f"run id: {result.run_id}")
        print(
            f"published at {result.published_at.isoformat()} UTC; as of {info.get('as_of_date') or '-'}; "
            f"{result.bytes / 1e6:.1f} MB in {result.seconds:.2f} s"
        )
        if result.parquet_dir is not None:
            print(f"parquet: {result.parquet_dir}")
        print("Marts (rows):")
        for name, rows in sorted(result.rows.items()):
            print(f"  {name:32} {rows:>10}")
        return EXIT_OK

    return with_warehouse_lock(args, settings, body)


def cmd_lake(args: argparse.Namespace) -> int:
    """Publish the warehouse's dbt sources to the Parquet lake now (as every build does with lake.enabled), and
    print the `--vars` another engine builds the same marts with (README "Scale out")."""
    import json

    import duckdb

    from ingestion.config import lake_root
    from orchestration.dbt.project import ManifestError, dbt_vars, load_manifest, prepare_manifest

    settings = _settings(args)
    root = args.root or lake_root(settings.config, settings.config_path, settings.warehouse)
    if root is None:
        print("fanops lake: the lake is not enabled (lake.enabled in fanops.yaml) and no --root given",
              file=sys.stderr)
        return EXIT_FAILED
    if "://" not in root:
        root = str(Path(root).resolve())
    values = dbt_vars(settings.config, as_of=args.as_of, lake_root=args.read_root or root)
    if args.print_vars:
        print(json.dumps(values, sort_keys=True, ensure_ascii=False))
        return EXIT_OK
    warehouse = settings.warehouse
    if not warehouse.is_file():
        print(f"fanops lake: no warehouse at {warehouse}: build it first (fanops run)", file=sys.stderr)
        return EXIT_FAILED

    def body() -> int:
        from orchestration.dbt.assets import publish_lake

        try:
            prepare_manifest(quiet=False)
            manifest, _digest = load_manifest()
        except ManifestError as exc:
            print(f"fanops lake: {exc}", file=sys.stderr)
            return EXIT_FAILED
        try:
            export = publish_lake(str(warehouse), root, manifest)
        except (duckdb.Error, OSError) as exc:
            print(f"fanops lake: export to {root} failed: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(export.line())
        print(f"lake root: {root}")
        print("build the marts on Spark from it (dbt_project/profiles.yml, target spark or spark_thrift):")
        print(f"  cd dbt_project && dbt build --target spark_thrift --vars '{json.dumps(values, sort_keys=True, ensure_ascii=False)}'")
        return EXIT_OK

    return with_warehouse_lock(args, settings, body)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the periodic operations report from the built warehouse (read-only), as the Dagster asset does."""
    from orchestration.reports import write_report
    from orchestration.reports.assets import reports_dir

    error = _check_as_of(args, "report")
    if error is not None:
        return error
    settings = _settings(args)
    if not settings.warehouse.exists():
        print(
            f"fanops report: no warehouse at {settings.warehouse}: build it first (fanops run)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    out = Path(args.out) if args.out else reports_dir(settings.warehouse)
    result = write_report(
        settings.warehouse,
        out,
        period=args.period,
        lang=args.lang,
        as_of=dt.date.fromisoformat(args.as_of) if args.as_of else None,
    )
    label = "报告" if args.lang == "zh" else "report"
    print(f"{label} ({args.period}, {result.period_start} .. {result.period_end}): {result.html_path}")
    if result.pdf_path is not None:
        print(f"PDF: {result.pdf_path}")
    print(f"suggestions: {result.suggestion_count}")
    return EXIT_OK


def _is_rejected(report: Any) -> bool:
    for attr in ("rejected", "is_rejected"):
        value = getattr(report, attr, None)
        if isinstance(value, bool):
            return value
    return getattr(report, "status", None) == "rejected"


def cmd_check(args: argparse.Namespace) -> int:
    from ingestion.engine import check_files

    paths = [Path(p) for p in args.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"fanops check: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    landing: Path | None = None
    if args.landing:
        landing = Path(args.landing).resolve()
    else:
        settings = resolve_settings(args.config, export_env=False)
        if all(settings.landing in p.resolve().parents for p in paths):
            landing = settings.landing
    reports = check_files(paths, landing=landing)
    for report in reports:
        print(report.render(lang=args.lang))
        print()
    return EXIT_FAILED if any(_is_rejected(r) for r in reports) else EXIT_OK


# ------------------------------------------------------------------------------------------------- synth


def cmd_synth(args: argparse.Namespace) -> int:
    from ingestion import synth

    argv = ["--out", args.out]
    if args.days is not None:
        argv += ["--days", str(args.days)]
    if args.scale is not None:
        argv += ["--scale", str(args.scale)]
    if args.seed is not None:
        argv += ["--seed", str(args.seed)]
    if args.accounts is not None:
        argv += ["--accounts", str(args.accounts)]
    result = synth.main(argv)
    return int(result or 0)


# -------------------------------------------------------------------------------------------------- docs


def docs_generate(settings: Settings, docs_dir: Path) -> subprocess.CompletedProcess:
    """`dbt docs generate` (catalog read from the warehouse) into docs_dir, with the run's --vars."""
    import json

    from orchestration.dbt.project import DBT_PROJECT_DIR, dbt_environment, dbt_executable, dbt_vars

    argv = [
        dbt_executable(),
        "docs",
        "generate",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(docs_dir),
        "--log-path",
        str(docs_dir / "logs"),
        "--vars",
        json.dumps(dbt_vars(settings.config), sort_keys=True),
        "--static",
    ]
    with dbt_environment(settings.warehouse):
        return subprocess.run(argv, cwd=DBT_PROJECT_DIR, env=dict(os.environ), capture_output=True, text=True)


def cmd_docs(args: argparse.Namespace) -> int:
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from orchestration.dbt.project import ManifestError, prepare_manifest, target_dir

    settings = _settings(args)
    if not settings.warehouse.is_file():
        print(
            f"fanops docs: no warehouse at {settings.warehouse}; build it first (fanops run)", file=sys.stderr
        )
        return EXIT_USAGE
    try:
        prepare_manifest(quiet=False)
    except ManifestError as exc:
        print(f"fanops: {exc}", file=sys.stderr)
        return EXIT_FAILED
    docs_dir = target_dir() / "docs"
    print(f"warehouse: {settings.warehouse}\ndbt docs generate -> {docs_dir}", flush=True)
    proc = docs_generate(settings, docs_dir)
    if proc.returncode != 0 or not (docs_dir / "index.html").is_file():
        print((proc.stdout + proc.stderr)[-4000:], file=sys.stderr)
        print("fanops docs: dbt docs generate failed", file=sys.stderr)
        return EXIT_FAILED
    print(f"static single-file docs: {docs_dir / 'static_index.html'}")
    if args.no_serve:
        return EXIT_OK

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, directory=str(docs_dir), **kw)

        def log_message(self, format: str, *a: Any) -> None:  # quiet
            pass

    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with ThreadingHTTPServer(("127.0.0.1", args.port), Handler) as server:
            print(f"dbt docs on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
            server.serve_forever()
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK


# ---------------------------------------------------------------------------------------------------- ui


def ui_command(port: int) -> list[str]:
    dagster = Path(sys.executable).parent / "dagster"
    prefix = [str(dagster)] if dagster.exists() else [sys.executable, "-m", "dagster"]
    return [*prefix, "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)]


def ui_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["DAGSTER_HOME"] = str(dagster_home_for(settings))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: object) -> None:
    raise _Stop(signum)


def cmd_ui(args: argparse.Namespace) -> int:
    from orchestration.dbt.project import ManifestError, prepare_manifest

    settings = _settings(args)
    resolve_pii_key(settings.is_sample)  # exported, so the UI's runs pseudonymise with the same key
    try:
        prepare_manifest(quiet=False)  # here, so a broken dbt project fails in the terminal, not in the UI
    except ManifestError as exc:
        print(f"fanops: {exc}", file=sys.stderr)
        return EXIT_FAILED
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    print(_describe_settings(settings))
    print(f"Dagster UI on http://127.0.0.1:{args.port} (Ctrl-C to stop)", flush=True)
    # `dagster dev` gets its own process group (it ignores SIGTERM otherwise) and we stop the whole
    # group ourselves, also when we are terminated rather than interrupted.
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    proc: subprocess.Popen | None = None
    try:
        proc = subprocess.Popen(ui_command(args.port), env=ui_env(settings), start_new_session=True)
        return proc.wait()
    except (KeyboardInterrupt, _Stop):
        return EXIT_OK
    finally:
        if proc is not None:
            stop_process_group(proc)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def stop_process_group(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Stop a process started with start_new_session=True and everything in its group:
    SIGINT (dagster dev's graceful shutdown), then SIGTERM, then SIGKILL."""
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _group_alive(proc):
            time.sleep(0.2)
        if not _group_alive(proc):
            break


def _group_alive(proc: subprocess.Popen) -> bool:
    """True while the leader runs or any process is left in its group (zombies count as gone)."""
    if proc.poll() is None:
        return True
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # only zombies may be left: check /proc where we can
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return True
    for entry in proc_dir.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == proc.pid and fields[0] != "Z":
            return True
    return False


# ---------------------------------------------------------------------------------------------- argparse


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", metavar="FILE", help="fanops.yaml to use (default: FANOPS_CONFIG, ./fanops.yaml)"
    )

    paths = argparse.ArgumentParser(add_help=False)
    paths.add_argument(
        "--landing", metavar="DIR", help="landing root (default: FANOPS_LANDING, config, sample)"
    )
    paths.add_argument("--warehouse", metavar="FILE", help="DuckDB file (default: FANOPS_WAREHOUSE, config)")

    parser = argparse.ArgumentParser(prog="fanops", description="fanops: fan-operations ELT pipeline.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lock_opts = argparse.ArgumentParser(add_help=False)  # commands that write the warehouse (orchestration.lock)
    lock_opts.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="when another fanops command or Dagster run uses the warehouse, wait up to SECONDS for it "
        "(default 0: refuse at once with exit code 75)",
    )

    dbt_opts = argparse.ArgumentParser(add_help=False)
    dbt_opts.add_argument(
        "--as-of",
        metavar="DATE",
        help="as-of date YYYY-MM-DD (default: the latest date every scope has data)",
    )
    dbt_opts.add_argument(
        "--full-refresh", action="store_true", help="rebuild the incremental models from scratch"
    )
    dbt_opts.add_argument(
        "--from",
        dest="date_from",
        metavar="DATE",
        help="backfill: recompute the daily facts from this day YYYY-MM-DD (one run, one dbt invocation)",
    )
    dbt_opts.add_argument(
        "--to", dest="date_to", metavar="DATE", help="backfill: the last day (default: today)"
    )
    dbt_opts.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run the dbt unit tests (development/CI; needs the incremental models built once)",
    )

    p = sub.add_parser(
        "run",
        parents=[common, paths, dbt_opts, lock_opts],
        help="ingest and build every model in one in-process run",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="build, validate, report and publish even when nothing changed since the last complete run",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "build",
        parents=[common, paths, dbt_opts, lock_opts],
        help="build every dbt model and test (no ingestion)",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser(
        "ingest", parents=[common, paths, lock_opts], help="materialise the ingestion assets only"
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "crisis",
        parents=[common, paths, lock_opts],
        help="the crisis job: new comment/message/mention files -> sentiment -> alerts -> notifications",
    )
    p.set_defaults(func=cmd_crisis)

    p = sub.add_parser(
        "rebuild",
        parents=[common, paths, lock_opts],
        help="recovery: move a warehouse DuckDB cannot open aside and rebuild it from the landing files",
    )
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser(
        "dq", parents=[common, paths], help="latest data-quality status per dataset (dq.validation_results)"
    )
    p.add_argument("--run", metavar="RUN_ID", help="one run's results instead of the latest per check")
    p.add_argument("--all", action="store_true", help="list every failing check")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.set_defaults(func=cmd_dq)

    p = sub.add_parser(
        "lake",
        parents=[common, paths, lock_opts],
        help="publish the dbt sources to the Parquet lake now; print the --vars for Spark / other engines",
    )
    p.add_argument("--root", metavar="URL", help="lake root (default: lake.root of an enabled lake)")
    p.add_argument(
        "--read-root",
        metavar="URL",
        help="the lake root as the other engine reads it, for its --vars (e.g. s3a://... on Spark for s3://...)",
    )
    p.add_argument("--as-of", metavar="DATE", help="as-of date YYYY-MM-DD for the printed --vars")
    p.add_argument("--print-vars", action="store_true", help="only print the dbt --vars JSON (no export)")
    p.set_defaults(func=cmd_lake)

    p = sub.add_parser(
        "report",
        parents=[common, paths],
        help="write the periodic operations report (HTML, PDF with Chromium)",
    )
    p.add_argument("--period", choices=["week", "month"], default="week")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--as-of", metavar="DATE", help="report date YYYY-MM-DD (default: the marts' as-of date)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: <warehouse folder>/reports)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "publish",
        parents=[common, paths, lock_opts],
        help="publish the marts for BI by hand: <warehouse folder>/published/fanops.duckdb (read-only)",
    )
    p.add_argument("--parquet", action="store_true", help="also write published/parquet/<mart>.parquet")
    p.add_argument(
        "--force",
        action="store_true",
        help="publish although a blocking check fails (never with marts missing)",
    )
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser(
        "pull",
        parents=[common, paths],
        help="pull the enabled API connectors into the landing tree (new windows only; loads nothing)",
    )
    p.add_argument("--from", dest="date_from", metavar="DATE", help="request this range instead (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day of the range (default: yesterday)")
    p.add_argument(
        "--connector",
        action="append",
        metavar="PLATFORM[/ACCOUNT[/DATASET]]",
        help="only these connectors (repeatable), e.g. wechat or douyin/qinghe_dy/comments",
    )
    p.set_defaults(func=cmd_pull)

    p = sub.add_parser("check", parents=[common], help="dry-run export files; writes nothing")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--landing", metavar="DIR", help="landing root the files sit under (for path detection)")
    p.add_argument("--lang", choices=["en", "zh"], default="en")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("synth", parents=[common], help="write a synthetic landing tree")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--days", type=int, metavar="N")
    p.add_argument("--scale", type=float, metavar="S")
    p.add_argument("--seed", type=int, metavar="K")
    p.add_argument("--accounts", type=int, metavar="N",
                   help="own accounts per social platform (>= 2; default: the sample's layout)")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser(
        "docs", parents=[common, paths], help="generate the dbt docs and serve them on 127.0.0.1"
    )
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--no-serve", action="store_true", help="generate only (target/docs), do not serve")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("ui", parents=[common, paths], help="start the Dagster UI on 127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_ui)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_env()
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"fanops: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PiiKeyError as exc:
        print(f"fanops: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
