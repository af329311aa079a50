"""Volume and freshness suites (expectations/suites/volume.py) on the built sample: the learned band, which days
are judged, the freshness reference; a spiky day, a short day and a stale account fail exactly their check."""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from pathlib import Path
from types import MappingProxyType

import duckdb
import pytest

from expectations.model import CheckResult, Suite
from expectations.suites import suites_by_kind
from expectations.suites.raw import dated_tables
from ingestion.config import (
    SLOW_DATASET_SLA_DAYS,
    FanopsConfig,
    FreshnessConfig,
    QualityConfig,
    VolumeConfig,
)
from ingestion.contracts import load_contract
from tests.expectations.dqlib import (
    assert_new_failures,
    copy_warehouse,
    dq_config,
    execute,
    failures,
)

pytestmark = pytest.mark.slow


def suite(kind: str, name: str, config: FanopsConfig | None = None) -> Suite:
    return next(s for s in suites_by_kind(config or dq_config(), kind) if s.name == name)


def batch(warehouse: Path, s: Suite) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute(s.batch_sql)
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------- structure


def test_one_volume_suite_per_dated_table_and_one_freshness_suite_per_dataset() -> None:
    contract = load_contract()
    volume = {s.name: s for s in suites_by_kind(dq_config(), "volume")}
    assert set(volume) == {f"volume.{t.name}" for t in dated_tables(contract.all_tables())}
    freshness = {s.name: s for s in suites_by_kind(dq_config(), "freshness")}
    with_dates = [d for d in contract.datasets.values() if dated_tables(d.tables)]
    assert set(freshness) == {"freshness." + d.id.replace("/", "_") for d in with_dates}
    for s in [*volume.values(), *freshness.values()]:
        assert s.dataset is not None and s.asset_key == ("raw", *s.dataset.split("/"))
        assert all(c.severity == "warn" for c in s.checks)
    # registries and ops/kol_posts have no data date
    assert "volume.ops_accounts" not in volume and "freshness.ops_kol_posts" not in freshness


def test_sla_per_dataset_comes_from_the_config() -> None:
    sla = {s.dataset: s.checks[0].kwargs["max_value"] for s in suites_by_kind(dq_config(), "freshness")}
    assert sla["weibo/fans"] == 2
    assert {d: sla[d] for d in SLOW_DATASET_SLA_DAYS} == SLOW_DATASET_SLA_DAYS
    custom = dataclasses.replace(
        dq_config(),
        quality=QualityConfig(
            freshness=FreshnessConfig(sla_days=5, datasets=MappingProxyType({"weibo/fans": 1}))
        ),
    )
    sla = {s.dataset: s.checks[0].kwargs["max_value"] for s in suites_by_kind(custom, "freshness")}
    assert sla["weibo/fans"] == 1 and sla["douyin/fans"] == 5


# ------------------------------------------------------------------------------------------------ volume


def _band(counts: list[int], v: VolumeConfig) -> tuple[float, float]:
    med = statistics.median(counts)
    mad = statistics.median(abs(c - med) for c in counts)
    half = max(v.mad_k * 1.4826 * mad, v.min_relative * med, v.min_rows)
    return med - half, med + half


def test_band_is_learned_from_the_trailing_days(clean: Path) -> None:
    v = dq_config().quality.volume
    rows = {r["day"]: r for r in batch(clean, suite("volume", "volume.weibo_comments"))}
    con = duckdb.connect(str(clean), read_only=True)
    daily = dict(con.execute("SELECT created_date, count(*) FROM raw.weibo_comments GROUP BY 1").fetchall())
    con.close()
    assert len(rows) == v.recent_days and max(rows) == max(daily)
    for day, r in rows.items():
        history = [n for d, n in daily.items() if day - dt.timedelta(days=v.trailing_days) <= d < day]
        lower, upper = _band(history, v)
        assert r["rows"] == daily.get(day, 0)
        assert (r["band_lower"], r["band_upper"]) == pytest.approx((lower, upper))


def test_partial_export_day_and_short_history_are_not_judged(clean: Path) -> None:
    # weibo comments: the newest day (2026-11-15) was fetched that morning (export time in the file)
    rows = batch(clean, suite("volume", "volume.weibo_comments"))
    newest = max(rows, key=lambda r: r["day"])
    assert newest["day"] == dt.date(2026, 11, 15) and newest["band_position"] is None
    assert all(r["band_position"] is not None for r in rows if r is not newest)
    # WeChat datacube source rows start on 2026-11-01: fewer than 14 days of history, nothing judged
    assert all(
        r["band_position"] is None for r in batch(clean, suite("volume", "volume.wechat_user_source_daily"))
    )


def test_spiky_volume(seeded: Path, baseline: dict[str, CheckResult]) -> None:
    # 40 copies (new comment ids) of each of the 5 comments created on 2026-11-12: 205 rows that day
    execute(
        seeded,
        "INSERT INTO raw.weibo_comments SELECT r.* REPLACE ('spike-' || g.i || '-' || r.comment_id AS comment_id) "
        "FROM raw.weibo_comments AS r, range(40) AS g(i) WHERE r.created_date = DATE '2026-11-12'",
    )
    new = assert_new_failures(
        seeded, dq_config(), {"volume.weibo_comments.daily_rows.not_above_band": ("warn", 1)}, baseline
    )
    [row] = new["volume.weibo_comments.daily_rows.not_above_band"].sample
    assert row["day"] == "2026-11-12" and row["rows"] == 205 and row["band_upper"] < 205


def test_short_day(clean: Path, tmp_path: Path) -> None:
    # Xiaohongshu 涨粉数据 has 5 metric rows a day (MAD 0): with min_rows 0 the band is 5 ± 2.5, and a day
    # delivered with 2 of its 5 metrics is short
    config = dataclasses.replace(
        dq_config(), quality=dataclasses.replace(dq_config().quality, volume=VolumeConfig(min_rows=0))
    )
    before = failures(clean, suites_by_kind(config, "volume"), config)
    seeded = copy_warehouse(clean, tmp_path / "wh")
    execute(
        seeded,
        "DELETE FROM raw.xiaohongshu_fans WHERE stat_date = DATE '2026-11-10' "
        "AND metric NOT IN ('followers_new', 'followers_lost')",
    )
    after = failures(seeded, suites_by_kind(config, "volume"), config)
    new = {n: (r.severity, r.failing_count) for n, r in after.items() if n not in before}
    assert new == {"volume.xiaohongshu_fans.daily_rows.not_below_band": ("warn", 1)}
    [row] = after["volume.xiaohongshu_fans.daily_rows.not_below_band"].sample
    assert (row["day"], row["rows"], row["band_lower"], row["band_upper"]) == ("2026-11-10", 2, 2.5, 7.5)


# --------------------------------------------------------------------------------------------- freshness


def test_freshness_reference_and_export_coverage(clean: Path) -> None:
    rows = {r["dataset"]: r for s in suites_by_kind(dq_config(), "freshness") for r in batch(clean, s)}
    horizon = dt.date(2026, 11, 14)  # newest day of any series (WeChat datacube, Weibo fans)
    assert rows["weibo/fans"]["reference_date"] == horizon and rows["weibo/fans"]["lag_days"] == 0
    # WeChat's newest comment is from 2026-11-09, but the comment dumps fetched 2026-11-15 (in the file)
    # cover the account through 2026-11-14
    assert rows["wechat/comments"]["newest_date"] == horizon
    # Douyin fans (open API) end on 2026-11-12: 2 days behind, within the default SLA of 2
    assert (rows["douyin/fans"]["newest_date"], rows["douyin/fans"]["lag_days"]) == (dt.date(2026, 11, 12), 2)
    # a feed without account folders is one delivery: one row, no account
    messages = batch(clean, suite("freshness", "freshness.ops_messages"))
    assert [(r["platform"], r["account"]) for r in messages] == [("ops", None)]


def test_stale_account(seeded: Path, baseline: dict[str, CheckResult]) -> None:
    # Weibo fans of qinghe_wb lose their newest 5 days (2026-11-10 .. 11-14): newest 11-09, lag 5 > 2
    execute(
        seeded, "DELETE FROM raw.weibo_fans WHERE account = 'qinghe_wb' AND stat_date > DATE '2026-11-09'"
    )
    new = assert_new_failures(
        seeded, dq_config(), {"freshness.weibo_fans.lag_within_sla": ("warn", 1)}, baseline
    )
    assert new["freshness.weibo_fans.lag_within_sla"].sample == [
        {
            "dataset": "weibo/fans",
            "platform": "weibo",
            "account": "qinghe_wb",
            "newest_date": "2026-11-09",
            "reference_date": "2026-11-14",
            "lag_days": 5,
        }
    ]


def test_late_account_among_several(seeded: Path, baseline: dict[str, CheckResult]) -> None:
    # kuaishou qinghe_live: its files with an export time in the file or a sidecar vanish, and its last
    # published videos with them: the account lags its peer qinghe_ks (newest 2026-11-14)
    execute(
        seeded,
        "DELETE FROM raw.kuaishou_videos WHERE account = 'qinghe_live' AND (published_date > DATE '2026-11-05' OR "
        "_file_sha256 IN (SELECT sha256 FROM ops.file_manifest WHERE export_at_source <> 'delivered'))",
        "DELETE FROM raw.kuaishou_photos WHERE account = 'qinghe_live' AND (published_date > DATE '2026-11-05' OR "
        "_file_sha256 IN (SELECT sha256 FROM ops.file_manifest WHERE export_at_source <> 'delivered'))",
    )
    rows = batch(seeded, suite("freshness", "freshness.kuaishou_videos"))
    live = next(r for r in rows if r["account"] == "qinghe_live")
    assert live["newest_date"] <= dt.date(2026, 11, 5) and live["lag_days"] >= 9
    failed = failures(seeded, suites_by_kind(dq_config(), "freshness"), dq_config())
    assert {n: r.failing_count for n, r in failed.items() if n not in baseline} == {
        "freshness.kuaishou_videos.lag_within_sla": 1
    }
