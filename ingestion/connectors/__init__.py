"""Pull connectors for the platforms' data APIs (README "Pull connectors").

Each pull requests one window of one dataset of one account and lands what a manual dump would: the
contract's §2.14 wrapper with the verbatim responses, the request parameters without credentials and
`fetched_at`, under `<landing>/<platform>/<account>/<dataset>/pull/…`, written under a temporary name and
renamed when complete. The existing reader, manifest, duplicate and correction rules then apply unchanged:
a re-pull of a window is a later export of the same keys (a correction), never a double count.

`plan_window` decides what a run requests (only new windows, from the last window pulled), `pull` does
one dataset. Families: `wechat`, `douyin`, `kuaishou`, `weibo` (one module each).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ingestion.config import CONNECTOR_DATASETS, ConnectorsConfig
from ingestion.connectors import douyin, kuaishou, wechat, weibo
from ingestion.connectors.base import Session, Window, dump_path, load_credentials, local_today, write_dump
from ingestion.connectors.http import ApiClient, ConnectorError, Redactor, RetryPolicy

FAMILIES: Mapping[str, ModuleType] = {"wechat": wechat, "douyin": douyin, "kuaishou": kuaishou, "weibo": weibo}
assert {k: tuple(m.DATASETS) for k, m in FAMILIES.items()} == dict(CONNECTOR_DATASETS)

__all__ = ["ConnectorError", "PullResult", "Window", "is_range_dataset", "plan_window", "pull"]


def is_range_dataset(platform: str, dataset: str) -> bool:
    """Exact date-range pulls (WeChat datacube); the others read the current state of recent items."""
    return dataset in FAMILIES[platform].RANGE_DATASETS


def plan_window(
    cfg: ConnectorsConfig,
    platform: str,
    dataset: str,
    *,
    today: dt.date,
    pulled_through: dt.date | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Window | None:
    """The window to request, or None when there is nothing new.

    Data is complete for yesterday (Asia/Shanghai) at the latest, so every window ends there or earlier.
    An explicit `start`/`end` (a backfill, `fanops pull --from/--to`) is requested as given (clamped).
    Otherwise range datasets continue after `pulled_through` (first pull: `initial_days`; after a gap at
    most `max_backfill_days`), and current-state datasets are pulled once a day over the last
    `lookback_days` (WeChat articles too: their cumulative per-day details keep growing for 7 days)."""
    yesterday = today - dt.timedelta(days=1)
    if start is not None or end is not None:
        last = min(end or yesterday, yesterday)
        first = start or last
        return Window(first, last) if first <= last else None
    if pulled_through is not None and pulled_through >= yesterday:
        return None
    floor = yesterday - dt.timedelta(days=cfg.max_backfill_days - 1)
    if is_range_dataset(platform, dataset):
        first = (
            pulled_through + dt.timedelta(days=1)
            if pulled_through is not None
            else yesterday - dt.timedelta(days=cfg.initial_days - 1)
        )
        if dataset == "articles":
            first = min(first, yesterday - dt.timedelta(days=cfg.lookback_days - 1))
        return Window(max(first, floor), yesterday)
    return Window(yesterday - dt.timedelta(days=cfg.lookback_days - 1), yesterday)


@dataclass(frozen=True)
class PullResult:
    platform: str
    account: str
    dataset: str
    window: Window
    path: Path | None  # None: the window held nothing to land (a wrapper needs at least one call)
    calls: int
    stats: Mapping[str, int]


def open_session(
    cfg: ConnectorsConfig,
    platform: str,
    account: str,
    *,
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> Session:
    family = FAMILIES[platform]
    redactor = Redactor()
    creds = load_credentials(platform, account, family.CREDENTIAL_FIELDS, env)
    redactor.add(*(v for k, v in creds.items() if k not in ("uid",)))
    policy = RetryPolicy(cfg.timeout_seconds, cfg.max_attempts, cfg.backoff_seconds, cfg.backoff_max_seconds)
    client = ApiClient(
        platform,
        cfg.base_urls.get(platform, family.DEFAULT_BASE_URL),
        family.classify,
        policy,
        redactor,
        sleep=sleep,
        rng=rng,
    )
    return Session(platform, account, client, family.make_tokens(client, creds), creds)


def pull(
    cfg: ConnectorsConfig,
    landing: Path,
    platform: str,
    account: str,
    dataset: str,
    window: Window,
    *,
    now: dt.datetime | None = None,
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> PullResult:
    """Request one window and land it as one file. Every call is made before anything is written, so an
    error anywhere leaves no file (and the caller does not advance its state: the next run retries)."""
    now = now or dt.datetime.now(dt.UTC)
    yesterday = local_today(now) - dt.timedelta(days=1)
    if window.end > yesterday:
        raise ConnectorError(f"{platform}/{account}/{dataset}: window {window} ends after yesterday ({yesterday})")
    session = open_session(cfg, platform, account, env=env, sleep=sleep, rng=rng)
    try:
        FAMILIES[platform].DATASETS[dataset](session, window)
    finally:
        session.client.close()
    path = None
    if session.calls:
        path = write_dump(
            dump_path(landing, platform, account, dataset, window, now), platform, account, session.calls, now
        )
    return PullResult(platform, account, dataset, window, path, len(session.calls), session.stats)
