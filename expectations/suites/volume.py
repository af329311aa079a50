"""Volume and freshness suites (kinds ``volume`` and ``freshness``), default severity ``warn``.

Both guard the ingestion asset of their landing dataset (``("raw", *dataset.split("/"))``), so a short,
spiky or late export shows on that dataset in Dagster and in `fanops dq`.

**Volume** (`volume.<table>`, one suite per dated raw table; thresholds `quality.volume`). The unit is rows
per table per data day, the day being the table's period column (its Asia/Shanghai ``_date`` twin for a
``ts`` period): the stat date of a series (one row per key and day), the event date of events (created /
sent), the publish / start / created date of snapshots. Snapshot tables count *distinct natural keys* per day
(posts published, orders created, article-days), because a snapshot row repeats for every export.
Registries and ops/kol_posts have no period column: no volume suite.

- Checked days: the `recent_days` newest days of the table, ending at its newest day with data; a day in
  that range without rows counts 0 rows.
- A day is judged only when complete. Series rows are whole days (export-day rows are quarantined
  ``incomplete_period``). For events and snapshots the newest day may be the export day itself (comments
  fetched at 09:30 hold a morning), which would read as a drop: it is judged only when a row of it comes
  from an export whose time is known (in the file or a sidecar, not the loader's ``delivered_at``) and falls
  on a later Asia/Shanghai date. Older days are complete: the newest day's rows were exported after them.
  Days inside the range without rows count 0 and are judged.
- Band, from the `trailing_days` days before the checked day that have rows: median and MAD of their row
  counts; half-width = max(mad_k x 1.4826 x MAD, min_relative x median, min_rows); fewer than
  `min_history_days` days with rows: not judged. Sparse tables (weekly competitor figures, monthly portraits)
  therefore never reach a judgement.
- ``band_position`` = (rows - median) / half-width; two checks: not below the band (>= -1), not above (<= 1).

**Freshness** (`freshness.<dataset>`, one suite per dataset with a dated table; SLA
`quality.freshness.sla_for(dataset)`). One row per account of the dataset (platform and account from the
landing path); datasets without account folders (ops/*, listening) are one delivery feed and one row
(their per-row accounts and platforms are not deliveries: a quiet account is not a late export).

- An account's *newest date* is the newest day its deliveries are known to cover, over the dataset's dated
  tables: for ``series`` the newest period date (a series has a row every day); for ``events`` and
  ``snapshot`` also the day before the export date when the export time comes from the file or a sidecar
  (an export at 2026-11-15 09:30 observed the account through 2026-11-14, even on days without events).
  Export times that are only the loader's ``delivered_at`` say nothing about coverage and are not used.
- The *reference date* is the later of the newest date over all accounts of the dataset and the warehouse's
  data horizon: the newest period date of any ``series`` table (daily series are complete through the day
  before their export, and ``incomplete_period`` keeps export-day rows out). The horizon makes a dataset
  whose every account stopped (or a single-account dataset) show as late. Not the run's as-of date: the
  as-of is decided by dbt after this stage, from the same follower series.
- ``lag_days`` = reference date - newest date must be <= the SLA; a failing row names the dataset, platform,
  account, newest date, reference date and lag. Datasets refreshed less often than daily (portraits,
  weekly competitor figures) need their own SLA under `quality.freshness.datasets`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from expectations.model import Check, Suite
from expectations.suites.raw import (
    dataset_asset_key,
    dataset_slug,
    dated_tables,
    day_column,
    lit,
    q,
)
from ingestion.config import FanopsConfig
from ingestion.contracts import DatasetDecl, TableDecl, load_contract

KINDS = ("volume", "freshness")
MAD_TO_SIGMA = 1.4826
EXPORT_COVERAGE_SOURCES = ("in_file", "sidecar")


def utc_offset_hours(timezone: str) -> float:
    """The zone's UTC offset in hours (Asia/Shanghai: 8, no DST), for local dates of UTC timestamps."""
    offset = ZoneInfo(timezone).utcoffset(dt.datetime(2026, 1, 1))
    return offset.total_seconds() / 3600 if offset is not None else 0.0


def _local_date(ts: str, offset_hours: float) -> str:
    minutes = round(offset_hours * 60)
    return f"CAST({ts} + INTERVAL {minutes} MINUTE AS DATE)"


def sources_sql() -> str:
    """sha256 -> where its export time came from (in_file, sidecar, delivered), for loaded files."""
    return (
        "SELECT sha256, max(export_at_source) AS export_at_source FROM ops.file_manifest "
        "WHERE status IN ('loaded', 'superseded') GROUP BY sha256"
    )


# ---------------------------------------------------------------------------------------------- volume


def _count_expr(t: TableDecl) -> str:
    if t.mode == "snapshot":
        return f"count(DISTINCT ({', '.join(q(k) for k in t.key)}))"
    return "count(*)"


def volume_suite(t: TableDecl, config: FanopsConfig) -> Suite:
    v = config.quality.volume
    day = day_column(t)
    assert day is not None
    name = f"volume.{t.name}"
    offset = utc_offset_hours(config.timezone)
    known = ", ".join(lit(s) for s in EXPORT_COVERAGE_SOURCES)
    # series rows are whole days by definition; otherwise the newest day may be the export day itself
    complete = "TRUE" if t.mode == "series" else "(r.day < r.newest OR d.known_export_day > r.day)"
    batch = f"""
WITH sources AS ({sources_sql()}),
daily AS (
    SELECT r.{q(day)} AS day, {_count_expr(t)} AS rows,
           max(CASE WHEN s.export_at_source IN ({known}) THEN {_local_date("r._export_at", offset)} END)
               AS known_export_day
    FROM {t.qualified} AS r LEFT JOIN sources AS s ON s.sha256 = r._file_sha256
    WHERE r.{q(day)} IS NOT NULL
    GROUP BY 1
),
recent AS (
    SELECT CAST(unnest(generate_series(newest - {int(v.recent_days) - 1}, newest, INTERVAL 1 DAY)) AS DATE) AS day,
           newest
    FROM (SELECT max(day) AS newest FROM daily) AS b
    WHERE newest IS NOT NULL
),
checked AS (
    SELECT r.day, coalesce(d.rows, 0) AS rows,
           {complete} AS is_complete
    FROM recent AS r LEFT JOIN daily AS d ON d.day = r.day
),
history AS (
    SELECT c.day, h.rows
    FROM checked AS c JOIN daily AS h ON h.day >= c.day - {int(v.trailing_days)} AND h.day < c.day
),
med AS (SELECT day, count(*) AS history_days, median(rows) AS median_rows FROM history GROUP BY day),
mad AS (
    SELECT h.day, median(abs(h.rows - m.median_rows)) AS mad_rows
    FROM history AS h JOIN med AS m ON m.day = h.day
    GROUP BY h.day
),
band AS (
    SELECT c.day, c.rows, c.is_complete, m.history_days, m.median_rows, d.mad_rows,
           greatest({float(v.mad_k)!r} * {MAD_TO_SIGMA} * d.mad_rows, {float(v.min_relative)!r} * m.median_rows,
                    {float(v.min_rows)!r}) AS half_width
    FROM checked AS c LEFT JOIN med AS m ON m.day = c.day LEFT JOIN mad AS d ON d.day = c.day
)
SELECT {lit(t.dataset)} AS dataset, {lit(t.qualified)} AS raw_table, day, rows, history_days, median_rows, mad_rows,
       median_rows - half_width AS band_lower, median_rows + half_width AS band_upper,
       CASE WHEN coalesce(history_days, 0) >= {int(v.min_history_days)} AND is_complete
            THEN (rows - median_rows) / greatest(half_width, 1e-9) END AS band_position
FROM band
ORDER BY day
"""
    band = (
        f"median ± max({v.mad_k:g} x 1.4826 x MAD, {v.min_relative:g} x median, {v.min_rows}) over the "
        f"{v.trailing_days} days before (at least {v.min_history_days} days with rows), newest "
        f"{v.recent_days} days"
    )
    unit = "distinct keys" if t.mode == "snapshot" else "rows"
    checks = (
        Check(
            name=f"{name}.daily_rows.not_below_band",
            expectation_type="expect_column_values_to_be_between",
            kwargs={"column": "band_position", "min_value": -1},
            severity="warn",
            description=f"Daily {unit} of {t.qualified} by {day} not below the band learned from the trailing "
            f"days ({band}): a short or missing export.",
            label_zh="每日行数未低于历史区间（导出缺失或不全）",
        ),
        Check(
            name=f"{name}.daily_rows.not_above_band",
            expectation_type="expect_column_values_to_be_between",
            kwargs={"column": "band_position", "max_value": 1},
            severity="warn",
            description=f"Daily {unit} of {t.qualified} by {day} not above the band learned from the trailing "
            f"days ({band}): a spike (a duplicated delivery, a wrong period, a bot wave).",
            label_zh="每日行数未高于历史区间（数据突增）",
        ),
    )
    return Suite(
        name=name,
        kind="volume",
        asset_key=dataset_asset_key(t.dataset),
        table=t.qualified,
        batch_sql=batch.strip(),
        checks=checks,
        id_columns=("dataset", "raw_table", "day", "rows", "band_lower", "band_upper"),
        dataset=t.dataset,
        description=f"Daily {unit} of {t.qualified} within a band learned from the trailing days.",
    )


def volume_suites(config: FanopsConfig) -> list[Suite]:
    return [volume_suite(t, config) for t in dated_tables(load_contract().all_tables())]


# ------------------------------------------------------------------------------------------- freshness


def horizon_sql() -> str:
    """The warehouse's data horizon: the newest period date of any series table."""
    parts = [
        f"SELECT max({q(day)}) AS d FROM {t.qualified}"
        for t in dated_tables(load_contract().all_tables())
        if t.mode == "series" and (day := day_column(t)) is not None
    ]
    return "SELECT max(d) AS horizon FROM (" + " UNION ALL ".join(parts) + ")"


def _coverage_sql(ds: DatasetDecl, t: TableDecl, offset: float) -> str:
    day = day_column(t)
    assert day is not None
    if ds.has_account_folder:
        group = f"{q('platform')} AS platform, {q('account')} AS account"
        group_by = "GROUP BY platform, account"
    else:
        group = f"{lit(ds.group)} AS platform, CAST(NULL AS VARCHAR) AS account"
        group_by = ""
    covered = f"max({q(day)})"
    if t.mode != "series":
        sources = ", ".join(lit(s) for s in EXPORT_COVERAGE_SOURCES)
        export_cover = (
            f"max(CASE WHEN s.export_at_source IN ({sources}) "
            f"THEN {_local_date('r._export_at', offset)} - 1 END)"
        )
        covered = f"greatest({covered}, {export_cover})"
    return (
        f"SELECT {group}, {covered} AS newest_date\n"
        f"    FROM {t.qualified} AS r LEFT JOIN sources AS s ON s.sha256 = r._file_sha256\n"
        f"    {group_by}"
    ).rstrip()


def freshness_suite(ds: DatasetDecl, config: FanopsConfig) -> Suite:
    sla = config.quality.freshness.sla_for(ds.id)
    offset = utc_offset_hours(config.timezone)
    name = f"freshness.{dataset_slug(ds.id)}"
    coverage = "\n    UNION ALL\n    ".join(_coverage_sql(ds, t, offset) for t in dated_tables(ds.tables))
    batch = f"""
WITH sources AS ({sources_sql()}),
coverage AS (
    {coverage}
),
accounts AS (
    SELECT platform, account, max(newest_date) AS newest_date
    FROM coverage
    GROUP BY platform, account
),
reference AS (
    SELECT greatest((SELECT max(newest_date) FROM accounts), ({horizon_sql()})) AS reference_date
)
SELECT {lit(ds.id)} AS dataset, a.platform, a.account, a.newest_date, r.reference_date,
       date_diff('day', a.newest_date, r.reference_date) AS lag_days, {int(sla)} AS sla_days
FROM accounts AS a CROSS JOIN reference AS r
WHERE a.newest_date IS NOT NULL
ORDER BY a.platform, a.account
"""
    check = Check(
        name=f"{name}.lag_within_sla",
        expectation_type="expect_column_values_to_be_between",
        kwargs={"column": "lag_days", "max_value": int(sla)},
        severity="warn",
        description=(
            f"Each account's newest covered date of {ds.id} lags the reference date (the newest date over the "
            f"dataset's accounts, or the warehouse's series horizon when later) by at most {sla} day(s) "
            f"(quality.freshness.sla_for('{ds.id}')). A failing row is a late export, named by platform and "
            "account."
        ),
        label_zh="各账号数据时效在 SLA 之内（导出延迟）",
    )
    return Suite(
        name=name,
        kind="freshness",
        asset_key=dataset_asset_key(ds.id),
        table=", ".join(t.qualified for t in dated_tables(ds.tables)),
        batch_sql=batch.strip(),
        checks=(check,),
        id_columns=("dataset", "platform", "account", "newest_date", "reference_date", "lag_days"),
        dataset=ds.id,
        description=f"Each account's newest {ds.id} data within {sla} day(s) of the reference date.",
    )


def freshness_suites(config: FanopsConfig) -> list[Suite]:
    return [
        freshness_suite(ds, config) for ds in load_contract().datasets.values() if dated_tables(ds.tables)
    ]
