"""Data of the periodic report, read from the warehouse (read-only connection, never a write).

Periods (Asia/Shanghai calendar dates): `week` = the ISO week (Monday..Sunday) ending on or before as-of,
compared with the week before; `month` = the calendar month containing as-of, up to as-of, compared with the
same days of the previous month (month-to-date against month-to-date). Analyses that need more posts than one
period holds (formats, posting hours, KOL tiers, trends) use a trailing lookback window ending at the
period's end. Every gatherer returns None when its mart is missing, an empty frame when it has no rows in
the window: the renderer says which."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import pandas as pd

if TYPE_CHECKING:
    from orchestration.reports.render import ReportResult

PeriodKind = Literal["week", "month"]
TZ_OFFSET_HOURS = 8  # Asia/Shanghai, no daylight saving: UTC timestamps + 8 h = local wall clock
LOOKBACK_DAYS: dict[str, int] = {"week": 84, "month": 182}  # trailing window for formats, hours, trends
RATE_KPIS_ROAS = ("roas",)  # scorecard KPIs that are multiples, not fractions


class ReportDataError(RuntimeError):
    """The warehouse cannot give a report (missing file, no as-of date)."""


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    as_of: date
    start: date
    end: date
    prev_start: date
    prev_end: date
    lookback_start: date

    @property
    def lookback_days(self) -> int:
        return (self.end - self.lookback_start).days + 1


def resolve_period(kind: PeriodKind, as_of: date) -> Period:
    if kind == "week":
        end = as_of - timedelta(days=as_of.isoweekday() % 7)  # the Sunday on or before as-of
        start = end - timedelta(days=6)
        prev_start, prev_end = start - timedelta(days=7), start - timedelta(days=1)
    elif kind == "month":
        start, end = as_of.replace(day=1), as_of
        prev_start = (start - timedelta(days=1)).replace(day=1)
        prev_last = calendar.monthrange(prev_start.year, prev_start.month)[1]
        prev_end = prev_start.replace(day=min(as_of.day, prev_last))
    else:
        raise ValueError(f"period must be 'week' or 'month', got {kind!r}")
    lookback_start = end - timedelta(days=LOOKBACK_DAYS[kind] - 1)
    return Period(kind, as_of, start, end, prev_start, prev_end, lookback_start)


@dataclass
class ReportData:
    warehouse: Path
    period: Period
    as_of_source: str  # given | scorecard | int_as_of
    missing: set[str] = field(default_factory=set)  # marts (schema.table) not in the warehouse
    scorecard: pd.DataFrame | None = None
    scorecard_date: date | None = None
    kpi_daily: pd.DataFrame | None = None
    accounts: pd.DataFrame | None = None
    followers_daily: pd.DataFrame | None = None
    account_period: pd.DataFrame | None = None
    portrait: pd.DataFrame | None = None  # each account's latest portrait snapshot per dimension (window)
    portrait_overall: pd.DataFrame | None = None  # dimensions comparable across accounts, combined
    portrait_absent: pd.DataFrame | None = None  # own social accounts without a snapshot in the window
    portrait_reach: pd.DataFrame | None = None  # the period's content per account with a portrait
    portrait_campaigns: pd.DataFrame | None = None  # the period's campaign content per account
    content_by_type: pd.DataFrame | None = None
    content_by_format: pd.DataFrame | None = None
    content_by_hour: pd.DataFrame | None = None
    campaigns: pd.DataFrame | None = None
    kols: pd.DataFrame | None = None
    service: pd.DataFrame | None = None
    service_weekly: pd.DataFrame | None = None
    alerts: pd.DataFrame | None = None  # crisis alerts active in the period (see _sentiment)
    alert_events: pd.DataFrame | None = None
    alert_calendar: pd.DataFrame | None = None  # calendar items the alerts pause / review
    sentiment_daily: pd.DataFrame | None = None  # own brand per day (lookback window)
    sentiment_platforms: pd.DataFrame | None = None  # own brand per platform, period and previous
    sentiment_brands: pd.DataFrame | None = None  # every tracked brand, period and previous
    negative_terms: pd.DataFrame | None = None  # crisis terms of the own brand's negative texts
    competitors: pd.DataFrame | None = None
    dq_suites: pd.DataFrame | None = None
    dq_failures: pd.DataFrame | None = None
    calendar: pd.DataFrame | None = None
    team: pd.DataFrame | None = None
    team_weeks: list[date] = field(default_factory=list)

    def account_names(self) -> dict[tuple[str, str], str]:
        if self.accounts is None:
            return {}
        return {
            (str(r.platform), str(r.account)): str(r.account_name or r.account)
            for r in self.accounts.itertuples()
        }


class _Db:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        rows = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
        ).fetchall()
        self.columns: dict[str, list[str]] = {}
        for schema, table, column in rows:
            self.columns.setdefault(f"{schema}.{table}", []).append(column)

    def has(self, table: str, *columns: str) -> bool:
        have = self.columns.get(table)
        return have is not None and all(c in have for c in columns)

    def first_column(self, table: str, candidates: Sequence[str]) -> str | None:
        have = self.columns.get(table, [])
        return next((c for c in candidates if c in have), None)

    def df(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return self.con.execute(sql, list(params)).df()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.con.execute(sql, list(params)).fetchone()
        return row[0] if row else None


def _as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "date") and not isinstance(value, date):
        return value.date()  # type: ignore[no-any-return]
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def local_time(value: Any) -> datetime | None:
    """A UTC timestamp of the marts as Asia/Shanghai wall-clock time (naive); None when missing."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    stamp = pd.Timestamp(value)
    if stamp is pd.NaT:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return (stamp + pd.Timedelta(hours=TZ_OFFSET_HOURS)).to_pydatetime()


def default_as_of(db: _Db) -> tuple[date, str]:
    """The marts' as-of: the latest kpi_scorecard.as_of_date (it reflects `fanops run --as-of`), else
    intermediate.int_as_of.as_of_date (the latest date for which every scope has data)."""
    if db.has("marts.kpi_scorecard", "as_of_date"):
        found = _as_date(db.scalar("select max(as_of_date) from marts.kpi_scorecard"))
        if found is not None:
            return found, "scorecard"
    if db.has("intermediate.int_as_of", "as_of_date"):
        found = _as_date(db.scalar("select max(as_of_date) from intermediate.int_as_of"))
        if found is not None:
            return found, "int_as_of"
    raise ReportDataError(
        "no as-of date: the warehouse has neither marts.kpi_scorecard nor intermediate.int_as_of rows; "
        "run `fanops run` first or pass as_of"
    )


def gather(warehouse: Path, kind: PeriodKind, as_of: date | None = None) -> ReportData:
    if not warehouse.exists():
        raise ReportDataError(f"warehouse {warehouse} does not exist; run `fanops run` first")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise ReportDataError(
            f"cannot open {warehouse} read-only ({exc}); is a run writing it? Retry when it has finished"
        ) from exc
    try:
        db = _Db(con)
        if as_of is None:
            as_of, source = default_as_of(db)
        else:
            source = "given"
        data = ReportData(warehouse=warehouse, period=resolve_period(kind, as_of), as_of_source=source)
        _scorecard(db, data)
        _growth(db, data)
        _audience(db, data)
        _content(db, data)
        _campaigns(db, data)
        _service(db, data)
        _sentiment(db, data)
        _competitors(db, data)
        _quality(db, data)
        _execution(db, data)
        return data
    finally:
        con.close()


def _need(db: _Db, data: ReportData, table: str, *columns: str) -> bool:
    if db.has(table, *columns):
        return True
    data.missing.add(table)
    return False


# ------------------------------------------------------------------------------------------- sections


def _scorecard(db: _Db, data: ReportData) -> None:
    p = data.period
    cols = ("as_of_date", "scope", "kpi", "horizon", "actual", "target", "status")
    if _need(db, data, "marts.kpi_scorecard", *cols):
        used = _as_date(
            db.scalar("select max(as_of_date) from marts.kpi_scorecard where as_of_date <= ?", [p.as_of])
        )
        data.scorecard_date = used
        if used is None:
            data.scorecard = pd.DataFrame()
        else:
            data.scorecard = db.df(
                "select * from marts.kpi_scorecard where as_of_date = ? order by scope, kpi, horizon", [used]
            )
    if _need(db, data, "marts.kpi_daily", "scope", "kpi", "date_day", "value"):
        data.kpi_daily = db.df(
            """
            select kpi, date_day, value from marts.kpi_daily
            where scope = 'overall' and date_day between ? and ?
            order by kpi, date_day
            """,
            [p.lookback_start, p.end],
        )


def _growth(db: _Db, data: ReportData) -> None:
    p = data.period
    if db.has("marts.dim_accounts", "platform", "account", "account_name"):
        data.accounts = db.df("select platform, account, account_name from marts.dim_accounts")
    if not _need(
        db,
        data,
        "marts.fct_account_daily",
        "platform",
        "account",
        "date_day",
        "followers_total",
        "followers_net",
    ):
        return
    data.followers_daily = db.df(
        """
        select platform, account, date_day, followers_total
        from marts.fct_account_daily
        where date_day between ? and ? and followers_total is not null
        order by platform, account, date_day
        """,
        [p.lookback_start, p.end],
    )
    data.account_period = db.df(
        """
        with days as (
            select platform, account, date_day, followers_total, followers_new, followers_lost, followers_net
            from marts.fct_account_daily
        ),
        accounts as (select distinct platform, account from days)
        select
            a.platform,
            a.account,
            (select d.followers_total from days d
                where d.platform = a.platform and d.account = a.account and d.date_day <= ?
                    and d.followers_total is not null
                order by d.date_day desc limit 1) as followers_end,
            (select d.followers_total from days d
                where d.platform = a.platform and d.account = a.account and d.date_day < ?
                    and d.followers_total is not null
                order by d.date_day desc limit 1) as followers_start,
            (select sum(d.followers_net) from days d
                where d.platform = a.platform and d.account = a.account
                    and d.date_day between ? and ?) as net_new,
            (select sum(d.followers_new) from days d
                where d.platform = a.platform and d.account = a.account
                    and d.date_day between ? and ?) as new,
            (select sum(d.followers_lost) from days d
                where d.platform = a.platform and d.account = a.account
                    and d.date_day between ? and ?) as lost,
            (select sum(d.followers_net) from days d
                where d.platform = a.platform and d.account = a.account
                    and d.date_day between ? and ?) as net_new_prev
        from accounts a
        order by a.platform, a.account
        """,
        [p.end, p.start, p.start, p.end, p.start, p.end, p.start, p.end, p.prev_start, p.prev_end],
    )


PORTRAIT = "marts.fct_fan_portrait"
AUDIENCE_DIMENSIONS = ("gender", "age", "region", "interest")  # shown, in this order
PORTRAIT_TOP_N = 5  # region and interest: the N largest buckets, the rest (and Douyin's remainder) as `other`
PORTRAIT_FOLDED = ("region", "interest")
MOVERS_PER_ACCOUNT = 3


def _audience(db: _Db, data: ReportData) -> None:
    """The audience section (issue 10, marts.fct_fan_portrait). Platforms give follower portraits per account,
    so every figure is at account level:
    - portrait: per own account and dimension (AUDIENCE_DIMENSIONS), the latest snapshot within the lookback
      window ending at the period's end; region and interest keep their PORTRAIT_TOP_N largest buckets and
      fold the rest, with Douyin's computed remainder, into `other` (fans and shares summed; a folded change
      only when every part has one). share_prev = share − share_change (the mart's previous snapshot);
      mover_rank ranks an account's buckets (not `other`) by |share_change|; is_dominant marks each
      dimension's largest named bucket (not `other` / `unknown`).
    - portrait_overall: a dimension combined over accounts (Σ fans per bucket / Σ fans) only where it is
      measured alike: at least two accounts, every list complete (no computed remainder, every bucket
      counted) and either the contract's normalised gender codes or the same bucket set on every account.
    - portrait_absent: own social accounts (dim_accounts, shops excluded) without a snapshot in the window.
    - portrait_reach / portrait_campaigns: the period's posts and interactions per account with a portrait
      (fct_content), its top post, and its campaign-linked posts per campaign."""
    if not _need(
        db, data, PORTRAIT, "platform", "account", "snapshot_date", "dimension", "bucket", "fans", "share"
    ):
        return
    p = data.period
    change = "share_change" if db.has(PORTRAIT, "share_change") else "cast(null as double)"
    previous = (
        "previous_snapshot_date" if db.has(PORTRAIT, "previous_snapshot_date") else "cast(null as date)"
    )
    computed = "is_computed_other" if db.has(PORTRAIT, "is_computed_other") else "false"
    dims = list(AUDIENCE_DIMENSIONS)
    latest = f"""
        latest as (
            select platform, account, dimension, max(snapshot_date) as snapshot_date
            from {PORTRAIT}
            where snapshot_date between ? and ? and list_contains(?, dimension)
            group by platform, account, dimension
        ),
        cur as (
            select
                f.platform, f.account, f.dimension, f.snapshot_date, {previous} as previous_snapshot_date,
                f.bucket, f.fans, f.share, {change} as share_change, {computed} as is_computed_other
            from {PORTRAIT} f
            inner join latest using (platform, account, dimension, snapshot_date)
        )"""
    data.portrait = db.df(
        f"""
        with {latest},
        ranked as (
            select
                *,
                row_number() over (
                    partition by platform, account, dimension
                    order by case bucket when 'other' then 2 when 'unknown' then 1 else 0 end,
                        share desc nulls last, bucket
                ) as bucket_rank
            from cur
        ),
        folded as (
            select
                platform,
                account,
                dimension,
                snapshot_date,
                previous_snapshot_date,
                case
                    when list_contains(?, dimension) and (bucket = 'other' or bucket_rank > ?) then 'other'
                    else bucket
                end as bucket,
                case when count(fans) = count(*) then sum(fans) end as fans,
                case when count(share) = count(*) then sum(share) end as share,
                case when count(share_change) = count(*) then sum(share_change) end as share_change,
                min(bucket_rank) as bucket_rank
            from ranked
            group by all
        ),
        marked as (
            select
                *,
                share - share_change as share_prev,
                bucket <> 'other' and share_change is not null as is_mover_candidate,
                bucket not in ('other', 'unknown') and share is not null as is_named
            from folded
        )
        select
            platform,
            account,
            dimension,
            snapshot_date,
            previous_snapshot_date,
            bucket,
            fans,
            share,
            share_prev,
            share_change,
            case when is_mover_candidate then row_number() over (
                partition by platform, account, is_mover_candidate
                order by abs(share_change) desc, list_position(?, dimension), bucket_rank
            ) end as mover_rank,
            is_named and row_number() over (
                partition by platform, account, dimension, is_named
                order by share desc, bucket_rank
            ) = 1 as is_dominant
        from marked
        order by platform, account, list_position(?, dimension), bucket_rank
        """,
        [p.lookback_start, p.end, dims, list(PORTRAIT_FOLDED), PORTRAIT_TOP_N, dims, dims],
    )
    data.portrait_overall = db.df(
        f"""
        with {latest},
        lists as (
            select
                dimension,
                platform,
                account,
                string_agg(bucket, '|' order by bucket) as buckets,
                bool_or(is_computed_other) or count(fans) < count(*) as incomplete
            from cur
            group by dimension, platform, account
        ),
        comparable as (
            select dimension, count(*) as accounts
            from lists
            group by dimension
            having count(*) >= 2 and not bool_or(incomplete)
                and (dimension = 'gender' or count(distinct buckets) = 1)
        )
        select
            c.dimension,
            c.bucket,
            max(comparable.accounts) as accounts,
            sum(c.fans) as fans,
            sum(c.fans) / sum(sum(c.fans)) over (partition by c.dimension) as share
        from cur c
        inner join comparable using (dimension)
        group by c.dimension, c.bucket
        order by list_position(?, c.dimension), case c.bucket when 'unknown' then 1 else 0 end,
            share desc, c.bucket
        """,
        [p.lookback_start, p.end, dims, dims],
    )
    if db.has("marts.dim_accounts", "platform", "account"):
        shop = "coalesce(a.is_shop, false)" if db.has("marts.dim_accounts", "is_shop") else "false"
        data.portrait_absent = db.df(
            f"""
            select a.platform, a.account
            from marts.dim_accounts a
            where not {shop} and not exists (
                select 1 from {PORTRAIT} f
                where f.platform = a.platform and f.account = a.account
                    and f.snapshot_date between ? and ? and list_contains(?, f.dimension)
            )
            order by a.platform, a.account
            """,
            [p.lookback_start, p.end, dims],
        )
    if not db.has("marts.fct_content", "platform", "account", "published_date", "interactions"):
        return
    title = "title" if db.has("marts.fct_content", "title") else "cast(null as varchar)"
    with_portrait = f"""
        with accounts as (
            select distinct platform, account from {PORTRAIT}
            where snapshot_date between ? and ? and list_contains(?, dimension)
        ),
        posts as (
            select c.*
            from marts.fct_content c
            inner join accounts using (platform, account)
            where c.published_date between ? and ?
        )"""
    params = [p.lookback_start, p.end, dims, p.start, p.end]
    data.portrait_reach = db.df(
        f"""
        {with_portrait}
        select
            a.platform,
            a.account,
            count(posts.account) as posts,
            sum(posts.interactions) as interactions,
            arg_max({title}, posts.interactions) as top_title,
            max(posts.interactions) as top_interactions
        from accounts a
        left join posts using (platform, account)
        group by a.platform, a.account
        order by a.platform, a.account
        """,
        params,
    )
    if db.has("marts.fct_content", "campaign_id"):
        named = db.has("marts.dim_campaigns", "campaign_id", "campaign_name")
        name = "coalesce(max(d.campaign_name), posts.campaign_id)" if named else "posts.campaign_id"
        join = "left join marts.dim_campaigns d using (campaign_id)" if named else ""
        data.portrait_campaigns = db.df(
            f"""
            {with_portrait}
            select
                posts.platform,
                posts.account,
                posts.campaign_id,
                {name} as campaign_name,
                count(*) as posts,
                sum(posts.interactions) as interactions
            from posts {join}
            where posts.campaign_id is not null
            group by posts.platform, posts.account, posts.campaign_id
            order by posts.platform, posts.account, sum(posts.interactions) desc nulls last, posts.campaign_id
            """,
            params,
        )


def _content(db: _Db, data: ReportData) -> None:
    p = data.period
    cols = ("platform", "published_at", "published_date", "format", "content_type", "views", "interactions")
    if not _need(db, data, "marts.fct_content", *cols):
        return
    rated = "views is not null and interactions is not null"
    data.content_by_type = db.df(
        f"""
        select
            content_type,
            count(*) filter (where published_date between ? and ?) as posts,
            sum(views) filter (where published_date between ? and ? and {rated}) as views,
            sum(interactions) filter (where published_date between ? and ? and {rated}) as interactions,
            count(*) filter (where published_date between ? and ?) as posts_prev,
            sum(views) filter (where published_date between ? and ? and {rated}) as views_prev,
            sum(interactions) filter (where published_date between ? and ? and {rated}) as interactions_prev
        from marts.fct_content
        where published_date between ? and ?
        group by content_type
        order by content_type
        """,
        [p.start, p.end] * 3 + [p.prev_start, p.prev_end] * 3 + [p.prev_start, p.end],
    )
    data.content_by_format = db.df(
        f"""
        select
            platform,
            format,
            count(*) as posts,
            count(*) filter (where {rated}) as rated_posts,
            sum(views) filter (where {rated}) as views,
            sum(interactions) filter (where {rated}) as interactions
        from marts.fct_content
        where published_date between ? and ? and format is not null
        group by platform, format
        order by platform, format
        """,
        [p.lookback_start, p.end],
    )
    # posts dated to the day only (WeChat without a calendar time) have no publish hour
    precision = (
        "and published_at_precision <> 'day'" if db.has("marts.fct_content", "published_at_precision") else ""
    )
    data.content_by_hour = db.df(
        f"""
        select
            platform,
            cast(extract(hour from published_at + interval {TZ_OFFSET_HOURS} hour) as integer) as hour,
            count(*) as posts,
            sum(views) as views,
            sum(interactions) as interactions
        from marts.fct_content
        where published_date between ? and ? and published_at is not null {precision} and {rated}
        group by 1, 2
        order by 1, 2
        """,
        [p.lookback_start, p.end],
    )
    for frame in (data.content_by_type, data.content_by_format, data.content_by_hour):
        frame["er"] = _ratio(frame["interactions"], frame["views"])
    data.content_by_type["er_prev"] = _ratio(
        data.content_by_type["interactions_prev"], data.content_by_type["views_prev"]
    )


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    n = pd.to_numeric(num, errors="coerce").astype("float64")
    d = pd.to_numeric(den, errors="coerce").astype("float64")
    return (n / d.where(d != 0)).astype("float64")


def _campaigns(db: _Db, data: ReportData) -> None:
    p = data.period
    if not _need(db, data, "marts.fct_campaign_performance", "campaign_id", "cost", "exposures", "orders"):
        return
    window = ""
    if db.has("marts.dim_campaigns", "campaign_id", "starts_date", "ends_date"):
        window = "left join marts.dim_campaigns d using (campaign_id)"
        starts, ends = "d.starts_date", "d.ends_date"
    else:
        starts, ends = "cast(null as date)", "cast(null as date)"
    # in the period: running on any of its days; in the window: any overlap with the lookback (an unknown
    # window keeps the campaign in the tables, out of the period's funnel)
    frame = db.df(
        f"""
        select
            f.*,
            {starts} as starts_date,
            {ends} as ends_date,
            coalesce({starts} <= ? and {ends} >= ?, false) as in_period,
            coalesce({starts} <= ? and {ends} >= ?, true) as in_window
        from marts.fct_campaign_performance f {window}
        order by {starts} desc nulls last, f.campaign_id
        """,
        [p.end, p.start, p.end, p.lookback_start],
    )
    data.campaigns = frame[frame["in_window"]].reset_index(drop=True)
    if _need(db, data, "marts.fct_kol_performance", "campaign_id", "kol_id", "tier", "fee", "interactions"):
        kols = db.df("select * from marts.fct_kol_performance order by campaign_id, kol_id")
        data.kols = kols[kols["campaign_id"].isin(set(data.campaigns["campaign_id"]))].reset_index(drop=True)


def _service(db: _Db, data: ReportData) -> None:
    p = data.period
    cols = ("platform", "channel", "date_day", "inbound", "responded", "sla_eligible", "sla_met_count")
    if not _need(db, data, "marts.fct_service_daily", *cols):
        return
    service = db.df(
        """
        select
            platform,
            channel,
            sum(inbound) filter (where date_day between ? and ?) as inbound,
            sum(responded) filter (where date_day between ? and ?) as responded,
            sum(sla_eligible) filter (where date_day between ? and ?) as sla_eligible,
            sum(sla_met_count) filter (where date_day between ? and ?) as sla_met,
            sum(sla_eligible) filter (where date_day between ? and ?) as sla_eligible_prev,
            sum(sla_met_count) filter (where date_day between ? and ?) as sla_met_prev
        from marts.fct_service_daily
        where date_day between ? and ?
        group by platform, channel
        order by platform, channel
        """,
        [p.start, p.end] * 4 + [p.prev_start, p.prev_end] * 2 + [p.prev_start, p.end],
    )
    if db.has("marts.fct_interactions", "platform", "channel", "created_date", "response_minutes"):
        minutes = db.df(
            """
            select
                platform,
                channel,
                quantile_cont(response_minutes, 0.5) as median_response_minutes,
                quantile_cont(response_minutes, 0.9) as p90_response_minutes
            from marts.fct_interactions
            where created_date between ? and ? and response_minutes is not null
            group by platform, channel
            """,
            [p.start, p.end],
        )
        service = service.merge(minutes, on=["platform", "channel"], how="left")
    else:
        service["median_response_minutes"] = float("nan")
        service["p90_response_minutes"] = float("nan")
    service["response_rate"] = _ratio(service["responded"], service["inbound"])
    service["sla_attainment"] = _ratio(service["sla_met"], service["sla_eligible"])
    service["sla_attainment_prev"] = _ratio(service["sla_met_prev"], service["sla_eligible_prev"])
    data.service = service
    weekly = db.df(
        """
        select
            cast(date_trunc('week', date_day) as date) as week_start,
            channel,
            sum(sla_eligible) as sla_eligible,
            sum(sla_met_count) as sla_met
        from marts.fct_service_daily
        where date_day between ? and ?
        group by 1, 2
        order by 1, 2
        """,
        [p.lookback_start, p.end],
    )
    weekly["sla_attainment"] = _ratio(weekly["sla_met"], weekly["sla_eligible"])
    data.service_weekly = weekly


def _sentiment(db: _Db, data: ReportData) -> None:
    """The sentiment and crisis section (issue 6 marts; None while a warehouse predates them):
    - alerts: the own brand's crisis alerts active in the period, i.e. opened on or before its end and not
      closed before its start (opened in the period, open at its end, or closed during it), oldest first;
      alert_events: their timelines; alert_calendar: the calendar items they pause or review;
    - sentiment_daily: the own brand's texts per Asia/Shanghai day over the lookback window, with the daily
      negative-share baseline = Σ negative / Σ texts of the previous SHARE_BASELINE_DAYS days;
    - sentiment_platforms / sentiment_brands: texts, negative and positive per own-brand platform / per
      tracked brand in the period and the previous period (fct_sentiment_hourly: texts of minute precision);
    - negative_terms: crisis terms in the own brand's negative texts, period and previous period (from
      intermediate.int_sentiment_texts when the warehouse has it)."""
    alerts_ok = _need(db, data, ALERTS, "alert_id", "opened_at", "level")
    hourly_ok = _need(db, data, HOURLY, "brand", "platform", "mentions", "negative")
    if alerts_ok:
        _crisis_alerts(db, data)
    if hourly_ok:
        _sentiment_series(db, data)
    _negative_terms(db, data)


ALERTS = "marts.fct_crisis_alerts"
ALERT_EVENTS = "marts.fct_crisis_alert_events"
HOURLY = "marts.fct_sentiment_hourly"
SENTIMENT_TEXTS = "intermediate.int_sentiment_texts"
SHARE_BASELINE_DAYS = 7  # = crisis.share_baseline_days (default): the negative-share baseline of the chart
TOP_TERMS = 8  # negative_terms rows kept
ALERT_COLUMNS = (
    "brand_id",
    "opened_date",
    "updated_at",
    "closed_at",
    "status",
    "level_name",
    "current_level",
    "current_level_name",
    "last_triggered_at",
    "platforms",
    "trigger",
    "peak_negative",
    "negative_texts",
    "max_reach",
    "top_terms",
    "sample_interaction_keys",
    "playbook",
    "playbook_codes",
    "calendar_action",
    "calendar_plan_ids",
)


def _local_date(db: _Db, table: str, date_column: str, ts_column: str) -> str:
    if db.has(table, date_column):
        return date_column
    return f"cast({ts_column} + interval {TZ_OFFSET_HOURS} hour as date)"


def split_ids(value: Any) -> list[str]:
    """'a, b,c' -> ['a', 'b', 'c']; None/NaN -> []."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _crisis_alerts(db: _Db, data: ReportData) -> None:
    p = data.period
    opened = _local_date(db, ALERTS, "opened_date", "opened_at")
    if db.has(ALERTS, "closed_at"):
        active = f"(closed_at is null or cast(closed_at + interval {TZ_OFFSET_HOURS} hour as date) >= ?)"
    else:  # without closing times only the alerts opened in the period are known to be active in it
        active = f"{opened} >= ?"
    alerts = db.df(
        f"select * from {ALERTS} where {opened} <= ? and {active} order by opened_at, alert_id",
        [p.end, p.start],
    )
    for column in ALERT_COLUMNS:
        if column not in alerts:
            alerts[column] = None
    data.alerts = alerts
    if _need(db, data, ALERT_EVENTS, "alert_id", "event_seq", "event_at", "event", "level"):
        ids = [str(a) for a in alerts["alert_id"]]
        if ids:
            events = db.df(
                f"select * from {ALERT_EVENTS} where list_contains(?, alert_id) order by event_at, event_seq",
                [ids],
            )
            order = {a: i for i, a in enumerate(ids)}
            events["_alert"] = events["alert_id"].map(order)
            events = events.sort_values(["_alert", "event_seq"], kind="stable").drop(columns="_alert")
            data.alert_events = events.reset_index(drop=True)
        else:
            data.alert_events = pd.DataFrame(columns=["alert_id", "event_seq", "event_at", "event", "level"])
    plan_ids = sorted({i for v in alerts["calendar_plan_ids"] for i in split_ids(v)})
    calendar = "marts.fct_content_calendar"
    if plan_ids and db.has(calendar, "plan_id", "planned_date", "platform"):
        title = "title" if db.has(calendar, "title") else "cast(null as varchar)"
        data.alert_calendar = db.df(
            f"""
            select plan_id, planned_date, platform, {title} as title
            from {calendar} where list_contains(?, plan_id)
            order by planned_date, plan_id
            """,
            [plan_ids],
        )


def _sentiment_series(db: _Db, data: ReportData) -> None:
    p = data.period
    hour_col = db.first_column(HOURLY, ("hour_at", "hour_start", "hour", "date_hour"))
    if db.has(HOURLY, "hour_date"):
        day = "hour_date"
    elif hour_col is not None:
        day = f"cast({hour_col} + interval {TZ_OFFSET_HOURS} hour as date)"
    else:
        data.missing.add(HOURLY)
        return
    own = "is_own_brand" if db.has(HOURLY, "is_own_brand") else "true"
    positive = "positive" if db.has(HOURLY, "positive") else "cast(null as bigint)"
    data.sentiment_daily = db.df(
        f"""
        with days as (
            select {day} as date_day, sum(mentions) as mentions, sum(negative) as negative,
                sum({positive}) as positive
            from {HOURLY}
            where {own} and {day} between ? and ?
            group by 1
        ),
        based as (
            select *, sum(negative) over w as baseline_negative, sum(mentions) over w as baseline_mentions
            from days
            window w as (
                order by date_day
                range between interval {SHARE_BASELINE_DAYS} day preceding and interval 1 day preceding
            )
        )
        select * from based where date_day >= ? order by date_day
        """,
        [p.lookback_start - timedelta(days=SHARE_BASELINE_DAYS), p.end, p.lookback_start],
    )
    d = data.sentiment_daily
    d["negative_share"] = _ratio(d["negative"], d["mentions"])
    d["positive_share"] = _ratio(d["positive"], d["mentions"])
    d["baseline_share"] = _ratio(d["baseline_negative"], d["baseline_mentions"])
    sums = ", ".join(
        f"sum({expr}) filter (where {day} between ? and ?) as {name}{suffix}"
        for suffix in ("", "_prev")
        for expr, name in (("mentions", "mentions"), ("negative", "negative"), (positive, "positive"))
    )
    params = [p.start, p.end] * 3 + [p.prev_start, p.prev_end] * 3 + [p.prev_start, p.end]
    brand_key = "brand_id" if db.has(HOURLY, "brand_id") else "brand"
    data.sentiment_brands = _shares(
        db.df(
            f"""
            select {brand_key} as brand_id, max(brand) as brand, bool_or({own}) as is_own_brand, {sums}
            from {HOURLY}
            where {day} between ? and ?
            group by 1
            order by bool_or({own}) desc, max(brand), 1
            """,
            params,
        )
    )
    data.sentiment_platforms = _shares(
        db.df(
            f"""
            select platform, {sums}
            from {HOURLY}
            where {own} and {day} between ? and ?
            group by platform
            order by platform
            """,
            params,
        )
    )


def _shares(frame: pd.DataFrame) -> pd.DataFrame:
    for suffix in ("", "_prev"):
        frame[f"negative_share{suffix}"] = _ratio(frame[f"negative{suffix}"], frame[f"mentions{suffix}"])
        frame[f"positive_share{suffix}"] = _ratio(frame[f"positive{suffix}"], frame[f"mentions{suffix}"])
    return frame


def _negative_terms(db: _Db, data: ReportData) -> None:
    cols = ("is_own_brand", "sentiment_label", "crisis_terms", "created_date")
    if not db.has(SENTIMENT_TEXTS, *cols):
        return
    p = data.period
    data.negative_terms = db.df(
        f"""
        with terms as (
            select created_date, trim(unnest(string_split(crisis_terms, '|'))) as term
            from {SENTIMENT_TEXTS}
            where is_own_brand and sentiment_label = 'negative' and crisis_terms is not null
                and created_date between ? and ?
        )
        select
            term,
            count(*) filter (where created_date between ? and ?) as texts,
            count(*) filter (where created_date between ? and ?) as texts_prev
        from terms
        where term <> ''
        group by term
        having count(*) filter (where created_date between ? and ?) > 0
        order by texts desc, term
        limit {TOP_TERMS}
        """,
        [p.prev_start, p.end, p.start, p.end, p.prev_start, p.prev_end, p.start, p.end],
    )


def _competitors(db: _Db, data: ReportData) -> None:
    p = data.period
    cols = ("brand", "platform", "week_start", "mentions", "share_of_voice")
    if not _need(db, data, "marts.fct_competitor_benchmark", *cols):
        return
    name = (
        "coalesce(brand_name, brand)" if db.has("marts.fct_competitor_benchmark", "brand_name") else "brand"
    )
    own = "is_own_brand" if db.has("marts.fct_competitor_benchmark", "is_own_brand") else "false"
    tracked = (
        "tracked_mentions"
        if db.has("marts.fct_competitor_benchmark", "tracked_mentions")
        else "cast(null as bigint)"
    )
    optional = [
        c
        for c in ("followers", "follower_growth", "posts", "interactions")
        if db.has("marts.fct_competitor_benchmark", c)
    ]
    extra = "".join(f", sum({c}) as {c}" for c in optional)
    # only complete weeks: an ISO week counts once its Sunday is within the period
    data.competitors = db.df(
        f"""
        with rows as (
            select * from marts.fct_competitor_benchmark
            where week_start between ? and ?
        ),
        has_all as (select count(*) > 0 as yes from rows where platform = 'all')
        select
            week_start,
            brand,
            {name} as brand_name,
            bool_or({own}) as is_own_brand,
            sum(mentions) as mentions,
            sum({tracked}) as tracked_mentions,
            case when (select yes from has_all) then max(share_of_voice) end as sov_all
            {extra}
        from rows
        where platform = 'all' or not (select yes from has_all)
        group by week_start, brand, {name}
        order by week_start, brand
        """,
        [p.lookback_start - timedelta(days=6), p.end - timedelta(days=6)],
    )
    c = data.competitors
    if len(c):
        totals = c.groupby("week_start")["tracked_mentions"].transform("max")
        c["share_of_voice"] = c["sov_all"].where(c["sov_all"].notna(), _ratio(c["mentions"], totals))


def _quality(db: _Db, data: ReportData) -> None:
    if _need(db, data, "marts.dq_daily", "dq_date", "suite", "status"):
        data.dq_suites = db.df(
            """
            select d.* from marts.dq_daily d
            join (select suite, max(dq_date) as dq_date from marts.dq_daily group by suite) latest
                using (suite, dq_date)
            order by d.suite
            """
        )
    if _need(db, data, "dq.validation_results", "check_name", "validated_at", "success", "severity"):
        data.dq_failures = db.df(
            """
            with latest as (
                select *, row_number() over (partition by check_name order by validated_at desc) as rn
                from dq.validation_results
            )
            select check_name, label_zh, severity, table_name, failing_count, element_count, validated_at
            from latest
            where rn = 1 and not coalesce(success, false)
            order by case severity when 'error' then 0 else 1 end, check_name
            """
        )


def _execution(db: _Db, data: ReportData) -> None:
    p = data.period
    cols = ("plan_id", "planned_date", "platform", "status", "published_on_time", "days_late")
    if _need(db, data, "marts.fct_content_calendar", *cols):
        data.calendar = db.df(
            """
            select
                platform,
                count(*) filter (where planned_date between ? and ? and status <> 'cancelled') as planned,
                count(published_on_time) filter (where planned_date between ? and ?) as published,
                count(*) filter (where planned_date between ? and ? and published_on_time) as on_time,
                count(*) filter (where planned_date between ? and ? and status = 'cancelled') as cancelled,
                count(*) filter (
                    where planned_date between ? and ? and status <> 'cancelled'
                        and published_on_time is null and days_late > 0
                ) as overdue,
                avg(days_late) filter (
                    where planned_date between ? and ? and published_on_time is not null
                ) as avg_days_late,
                count(published_on_time) filter (where planned_date between ? and ?) as published_prev,
                count(*) filter (where planned_date between ? and ? and published_on_time) as on_time_prev
            from marts.fct_content_calendar
            where planned_date between ? and ?
            group by platform
            order by platform
            """,
            [p.start, p.end] * 6 + [p.prev_start, p.prev_end] * 2 + [p.prev_start, p.end],
        )
        data.calendar["on_time_rate"] = _ratio(data.calendar["on_time"], data.calendar["published"])
        data.calendar["on_time_rate_prev"] = _ratio(
            data.calendar["on_time_prev"], data.calendar["published_prev"]
        )
    if _need(db, data, "marts.fct_team_weekly", "week_start", "posts_published", "replies"):
        member = db.first_column(
            "marts.fct_team_weekly", ("member_name", "display_name", "member_id", "team_member")
        )
        role = "role" if db.has("marts.fct_team_weekly", "role") else "cast(null as varchar)"
        median = (
            "median_response_minutes"
            if db.has("marts.fct_team_weekly", "median_response_minutes")
            else "cast(null as double)"
        )
        on_time = (
            "on_time_rate" if db.has("marts.fct_team_weekly", "on_time_rate") else "cast(null as double)"
        )
        if member is None:
            data.missing.add("marts.fct_team_weekly")
            return
        weeks = db.df(
            "select distinct week_start from marts.fct_team_weekly where week_start between ? and ? order by 1",
            [p.start, p.end],
        )
        data.team_weeks = [d for d in (_as_date(v) for v in weeks["week_start"]) if d is not None]
        data.team = db.df(
            f"""
            select
                {member} as member,
                max({role}) as role,
                sum(posts_published) as posts_published,
                sum(replies) as replies,
                sum({median} * replies) / nullif(sum(case when {median} is not null then replies end), 0)
                    as median_response_minutes,
                sum({on_time} * posts_published)
                    / nullif(sum(case when {on_time} is not null then posts_published end), 0) as on_time_rate
            from marts.fct_team_weekly
            where week_start between ? and ?
            group by {member}
            order by max({role}), {member}
            """,
            [p.start, p.end],
        )


def write_report(
    warehouse: Path,
    out_dir: Path,
    *,
    period: PeriodKind,
    lang: Literal["zh", "en"],
    as_of: date | None = None,
    pdf: bool = True,
) -> ReportResult:
    """= orchestration.reports.write_report (render.write_report), re-exported here for callers that import it
    from the data module."""
    from orchestration.reports.render import write_report as _write_report

    return _write_report(warehouse, out_dir, period=period, lang=lang, as_of=as_of, pdf=pdf)
