"""Retries for transient failures only.

A Dagster `RetryPolicy` retries every failure, so a broken file or a failing model would be rerun for
nothing. Instead the assets that touch the warehouse or the landing files catch their failure, ask
`transient(exc)` and, only for a transient one, raise `dagster.RetryRequested` (`retry_transient`): the step
is run again in the same run (the in-process executor supports retries) after delay_seconds x 2^(retry
number), at most `retries.max_retries` times (fanops.yaml `retries:`, default 3 retries after 30, 60, 120 s).
Anything else, and a transient failure after the last retry, fails the step as before.

Transient:
- DuckDB cannot take the warehouse's file lock ("Could not set lock on file": another process writes it)
  or reports the file busy; other DuckDB IO errors (a missing or corrupt file, a full disk) are not;
- an OSError EAGAIN / EWOULDBLOCK / EBUSY, e.g. a landing file another process holds;
- a dbt build that exited because it could not open the warehouse for the same lock (`DbtLockConflict`,
  found in that invocation's dbt.log or run_results.json by `dbt_lock_conflict`).
"""

from __future__ import annotations

import errno
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
from dagster import RetryRequested

from ingestion.config import RetryConfig

LOCK_TEXT = "Could not set lock on file"
LOCK_CONFLICT_TEXTS = (LOCK_TEXT, "Conflicting lock is held")


def is_lock_conflict(text: str) -> bool:
    """DuckDB's message when another process holds the file's write lock."""
    return any(marker in text for marker in LOCK_CONFLICT_TEXTS)
BUSY_TEXTS = (LOCK_TEXT, "Resource temporarily unavailable", "Device or resource busy")
TRANSIENT_ERRNOS = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY})
MAX_BACKOFF_SECONDS = 3600.0


class DbtLockConflict(RuntimeError):
    """dbt could not open the warehouse: another process held DuckDB's write lock."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then its causes / contexts (a wrapped lock error counts too)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 16:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def transient(exc: BaseException) -> bool:
    """Whether a failure is worth retrying as is (see the module docstring for the cases)."""
    for err in _chain(exc):
        if isinstance(err, DbtLockConflict):
            return True
        if isinstance(err, duckdb.Error) and any(text in str(err) for text in BUSY_TEXTS):
            return True
        if isinstance(err, OSError) and err.errno in TRANSIENT_ERRNOS:
            return True
    return False


def backoff_seconds(retry_number: int, delay_seconds: float) -> float:
    """Seconds to wait before retry `retry_number + 1`: delay x 2^retry_number (30, 60, 120 s ...)."""
    return min(delay_seconds * 2.0**retry_number, MAX_BACKOFF_SECONDS)


def retry_transient(context: Any, exc: BaseException, policy: RetryConfig | None = None) -> None:
    """Raise `RetryRequested` from `exc` when it is transient and retries are left; else return, and the
    caller re-raises `exc`:

        except Exception as exc:
            retry_transient(context, exc, fanops.fanops_config().retries)
            raise
    """
    policy = policy or RetryConfig()
    attempt = int(getattr(context, "retry_number", 0) or 0)
    if not transient(exc) or attempt >= policy.max_retries:
        if transient(exc):
            context.log.error(f"transient failure, no retry left ({attempt} of {policy.max_retries} used)")
        return
    wait = backoff_seconds(attempt, policy.delay_seconds)
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    context.log.warning(
        f"transient failure ({type(exc).__name__}: {first_line}); retry {attempt + 1} of "
        f"{policy.max_retries} in {wait:g} s"
    )
    raise RetryRequested(max_retries=policy.max_retries, seconds_to_wait=wait) from exc


def log_mark(target: Path) -> tuple[int, float]:
    """Where a dbt invocation into `target` starts: the size of its dbt.log (appended by every invocation,
    a retry's too) and the time; `dbt_lock_conflict` reads only what came after."""
    log = target / "dbt.log"
    return (log.stat().st_size if log.exists() else 0), time.time()


def dbt_lock_conflict(target: Path, mark: tuple[int, float] = (0, 0.0)) -> bool:
    """Whether the dbt invocation into `target` that started at `mark` failed on the warehouse lock (its part
    of dbt.log, its run_results.json). dbt exits 2 without run_results.json when it cannot open the file."""
    offset, started = mark
    log = target / "dbt.log"
    if log.exists():
        with log.open("rb") as fh:
            fh.seek(offset)
            if LOCK_TEXT.encode() in fh.read():
                return True
    results = target / "run_results.json"
    if results.exists() and results.stat().st_mtime >= started:
        try:
            data = json.loads(results.read_text(encoding="utf-8"))
        except ValueError:
            return False
        return any(LOCK_TEXT in str(r.get("message") or "") for r in data.get("results", []))
    return False
