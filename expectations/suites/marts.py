"""Mart suites: the business expectations of issue 4 on the marts BI reads (kind ``mart``).

Each suite guards the dbt asset of its mart, ``("marts", "<model>")`` (`orchestration.dbt.translator`:
``<layer>/<model>``). dbt tests already hold keys, not-nulls, accepted values and relationships; these
suites hold what dbt tests do not: identities, continuity, plausible bands and consistency of derived
figures with their parts.

Severity (what blocks the KPI, report and publish assets):

- ``error``: impossible values and figures inconsistent with their own parts, i.e. a model bug or a value
  no KPI may be built on: a missing day inside an account's range, rates outside [0, 1] or outside the
  platform's plausible band, negative costs, totals or response times, ROAS / ROI / engagement rate /
  interactions / net amount that do not follow from the columns they are computed from.
- ``warn``: findings in the platforms' own figures (contract §5.3: identity mismatches are reported, not
  errors) and data gaps to chase: ``net = new - lost`` in the delivered follower figures, a day without
  follower data inside an account's follower range (an export day missing upstream), a jump of the
  unattributed share of orders, live-session funnel rates above 1, campaign conversion above 1.

Identities use the tolerance of `quality.identity_tolerance` where the figures come from platforms
(max(1, tolerance x (new + lost)) followers) and `RELATIVE_TOLERANCE` where a mart column is recomputed from
its own parts (floating point only).

The unattributed-share suite (`marts.fct_orders_attribution`) validates shop-days, not orders: the share of
counted orders whose attribution rule is ``unattributed`` on a paid date, against the pooled share of the
7 days before it. A day is judged when it and its baseline each hold at least `MIN_ORDERS_PER_DAY` counted
orders (smaller days swing by chance far beyond any useful threshold) and it is one of the newest
`quality.volume.recent_days` paid dates of its shop; it fails when the share rose by more than
`quality.unattributed_share_jump`.
"""

from __future__ import annotations

from collections.abc import Mapping

from expectations.model import Check, Severity, Suite, SuiteKind
from ingestion.config import FanopsConfig

KIND: SuiteKind = "mart"
RELATIVE_TOLERANCE = 1e-6  # recomputed ratios: |value - expected| <= this x max(1, |expected|)
MIN_ORDERS_PER_DAY = 20  # a shop-day (and its 7-day baseline) needs this many counted orders to be judged
BASELINE_DAYS = 7
INTERACTION_PARTS = ("likes", "comments", "shares", "saves")


def _asset(model: str) -> tuple[str, ...]:
    return ("marts", model)


def _between(
    name: str,
    column: str,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    severity: Severity = "error",
    description: str,
    label_zh: str,
) -> Check:
    kwargs: dict[str, object] = {"column": column}
    if min_value is not None:
        kwargs["min_value"] = min_value
    if max_value is not None:
        kwargs["max_value"] = max_value
    return Check(
        name=name,
        expectation_type="expect_column_values_to_be_between",
        kwargs=kwargs,
        severity=severity,
        description=description,
        label_zh=label_zh,
    )


# ------------------------------------------------------------------------------------------ SQL pieces


def parts_gap_sql(total: str, parts: tuple[str, ...] = INTERACTION_PARTS) -> str:
    """`total - Σ parts` with NULL parts absent (DESIGN: a metric a platform lacks is NULL, and sums treat it as
    absent); NULL when the total and every part are NULL. A NULL total beside a non-NULL part (or the reverse)
    gives a non-zero gap: counts are >= 0, so the -1 stand-in never cancels out."""
    any_part = " OR ".join(f"{p} IS NOT NULL" for p in parts)
    summed = " + ".join(f"coalesce({p}, 0)" for p in parts)
    return (
        f"CASE WHEN {total} IS NULL AND NOT ({any_part}) THEN NULL "
        f"ELSE coalesce({total}, -1) - (CASE WHEN {any_part} THEN {summed} ELSE -1 END) END"
    )


def ratio_gap_sql(value: str, numerator: str, denominator: str) -> str:
    """Relative gap between a stored ratio and numerator / denominator recomputed (NULL when the denominator is
    0 or NULL, as `fanops.safe_divide` does). NULL when both are NULL; 1 when exactly one is."""
    expected = f"(CAST({numerator} AS DOUBLE) / nullif(CAST({denominator} AS DOUBLE), 0))"
    return (
        f"CASE WHEN {value} IS NULL AND {expected} IS NULL THEN NULL "
        f"WHEN {value} IS NULL OR {expected} IS NULL THEN 1.0 "
        f"ELSE abs({value} - {expected}) / greatest(1.0, abs({expected})) END"
    )


def platform_band_sql(column: str, bands: Mapping[str, float], platform: str = "platform") -> str:
    """column / the platform's plausible maximum (quality.engagement_rate_max): in [0, 1] when plausible.
    A platform without a configured maximum gets 1.0 (a rate by views above 1 is implausible anywhere)."""
    whens = " ".join(f"WHEN '{p}' THEN {float(v)!r}" for p, v in sorted(bands.items()))
    return f"{column} / (CASE {platform} {whens} ELSE 1.0 END)"


def _band_text(bands: Mapping[str, float]) -> str:
    return ", ".join(f"{p} {v:g}" for p, v in sorted(bands.items()))


# ------------------------------------------------------------------------------------------------ suites


def _interactions_sum_check(suite: str) -> Check:
    return _between(
        f"{suite}.interactions.sum_of_parts",
        "interactions_gap",
        min_value=0,
        max_value=0,
        description=(
            "interactions = likes + comments + shares + saves, a missing part counted as absent (equal to "
            "the sum of all parts where all parts exist); NULL only when every part is NULL."
        ),
        label_zh="互动数 = 点赞 + 评论 + 分享 + 收藏",
    )


def _engagement_band_check(suite: str, bands: Mapping[str, float], why: str = "") -> Check:
    return _between(
        f"{suite}.engagement_rate_by_views.within_platform_band",
        "engagement_rate_band_position",
        min_value=0,
        max_value=1,
        description=(
            "engagement_rate_by_views within [0, the platform's plausible maximum] "
            f"(quality.engagement_rate_max: {_band_text(bands)}); the column is rate / maximum. {why}"
        ).strip(),
        label_zh="互动率(按播放)在平台合理范围内",
    )


def account_daily_suite(config: FanopsConfig) -> Suite:
    name = "marts.fct_account_daily"
    q = config.quality
    tol = float(q.identity_tolerance)
    bands = q.engagement_rate_max
    batch = f"""
WITH mart AS (SELECT * FROM marts.fct_account_daily),
spans AS (
    SELECT platform, account, min(date_day) AS first_day, max(date_day) AS last_day,
           min(date_day) FILTER (WHERE followers_source IS NOT NULL) AS first_followers_day,
           max(date_day) FILTER (WHERE followers_source IS NOT NULL) AS last_followers_day
    FROM mart GROUP BY platform, account
),
spine AS (
    SELECT platform, account, first_followers_day, last_followers_day,
           CAST(unnest(generate_series(first_day, last_day, INTERVAL 1 DAY)) AS DATE) AS date_day
    FROM spans
)
SELECT s.platform, s.account, s.date_day,
       m.followers_total, m.followers_new, m.followers_lost, m.followers_net, m.interactions,
       m.engagement_rate_by_views,
       CASE WHEN m.date_day IS NULL THEN 1 ELSE 0 END AS day_missing,
       CASE WHEN m.date_day IS NOT NULL AND s.date_day BETWEEN s.first_followers_day AND s.last_followers_day
            THEN CASE WHEN m.followers_source IS NULL THEN 1 ELSE 0 END END AS followers_gap,
       CASE WHEN m.followers_new IS NOT NULL AND m.followers_lost IS NOT NULL AND m.followers_net IS NOT NULL
            THEN abs(m.followers_net - (m.followers_new - m.followers_lost))
                 - greatest(1.0, {tol!r} * (m.followers_new + m.followers_lost)) END AS net_identity_excess,
       {parts_gap_sql("m.interactions", tuple(f"m.{p}" for p in INTERACTION_PARTS))} AS interactions_gap,
       {platform_band_sql("m.engagement_rate_by_views", bands, "s.platform")}
           AS engagement_rate_band_position
FROM spine AS s
LEFT JOIN mart AS m ON m.platform = s.platform AND m.account = s.account AND m.date_day = s.date_day
"""
    checks = (
        _between(
            f"{name}.no_missing_day",
            "day_missing",
            max_value=0,
            description=(
                "Every day between an account's first and last day has a row (the mart keeps days without "
                "data). A missing row breaks daily trends and KPI windows."
            ),
            label_zh="账号日表在账号首末日期之间不缺天",
        ),
        _between(
            f"{name}.followers.no_gap",
            "followers_gap",
            max_value=0,
            severity="warn",
            description=(
                "No day without follower data between an account's first and last day with follower data: a gap "
                "is a follower export day missing upstream."
            ),
            label_zh="粉丝数据在首末日期之间不缺天",
        ),
        _between(
            f"{name}.followers.net_identity",
            "net_identity_excess",
            max_value=0,
            severity="warn",
            description=(
                "Where new, lost and net followers all exist: |net - (new - lost)| <= max(1, "
                f"{tol:g} x (new + lost)) (quality.identity_tolerance). Platform figures: a finding, not an error "
                "(contract §5.3); the column is the excess over the tolerance."
            ),
            label_zh="净增粉丝 = 新增 − 取关（容差内）",
        ),
        _between(
            f"{name}.followers_total.non_negative",
            "followers_total",
            min_value=0,
            description="Total followers are never negative (Xiaohongshu totals are rebuilt from an anchor).",
            label_zh="粉丝总数不能为负",
        ),
        _interactions_sum_check(name),
        _engagement_band_check(name, bands),
    )
    return Suite(
        name=name,
        kind=KIND,
        asset_key=_asset("fct_account_daily"),
        table="marts.fct_account_daily",
        batch_sql=batch.strip(),
        checks=checks,
        id_columns=("platform", "account", "date_day"),
        description="Account-day identities, day continuity and plausible engagement rates.",
    )


def content_suite(config: FanopsConfig) -> Suite:
    name = "marts.fct_content"
    bands = config.quality.engagement_rate_max
    batch = f"""
SELECT content_key, platform, account, published_date, views, interactions,
       engagement_rate_by_views, engagement_rate_by_followers, completion_rate,
       {platform_band_sql("engagement_rate_by_views", bands)} AS engagement_rate_band_position,
       {ratio_gap_sql("engagement_rate_by_views", "interactions", "views")} AS engagement_rate_gap,
       {parts_gap_sql("interactions")} AS interactions_gap
FROM marts.fct_content
"""
    checks = (
        _engagement_band_check(
            name, bands, "Content quality tiers and the interaction-rate KPI are built on it."
        ),
        _between(
            f"{name}.engagement_rate_by_views.consistent",
            "engagement_rate_gap",
            max_value=RELATIVE_TOLERANCE,
            description="engagement_rate_by_views = interactions / views (NULL when views is 0 or NULL); "
            "the column is the relative gap.",
            label_zh="互动率(按播放) = 互动数 / 播放量",
        ),
        _between(
            f"{name}.engagement_rate_by_followers.non_negative",
            "engagement_rate_by_followers",
            min_value=0,
            description="engagement_rate_by_followers is never negative.",
            label_zh="互动率(按粉丝)不能为负",
        ),
        _between(
            f"{name}.completion_rate.between_0_and_1",
            "completion_rate",
            min_value=0,
            max_value=1,
            description="completion_rate is a fraction in [0, 1].",
            label_zh="完播率须在 0 到 1 之间",
        ),
        _interactions_sum_check(name),
    )
    return Suite(
        name=name,
        kind=KIND,
        asset_key=_asset("fct_content"),
        table="marts.fct_content",
        batch_sql=batch.strip(),
        checks=checks,
        id_columns=("content_key", "platform", "account", "published_date"),
        description="Per-post engagement rates within plausible bands and consistent with their parts.",
    )


def _roas_roi_checks(name: str, cost: str, cost_zh: str) -> tuple[Check, ...]:
    return (
        _between(
            f"{name}.{cost}.non_negative",
            cost,
            min_value=0,
            description=f"{cost} is never negative (credit notes may be, their total may not).",
            label_zh=f"{cost_zh}不能为负",
        ),
        _between(
            f"{name}.roas.consistent",
            "roas_gap",
            max_value=RELATIVE_TOLERANCE,
            description=f"roas = gmv / {cost} (NULL when {cost} is 0 or NULL); the column is the relative gap.",
            label_zh=f"ROAS = GMV / {cost_zh}",
        ),
        _between(
            f"{name}.roi.consistent",
            "roi_gap",
            max_value=RELATIVE_TOLERANCE,
            description=f"roi = (net_gmv - {cost}) / {cost} (NULL when {cost} is 0 or NULL); the column is the "
            "relative gap.",
            label_zh=f"ROI = (净GMV − {cost_zh}) / {cost_zh}",
        ),
    )


def campaign_suite(config: FanopsConfig) -> Suite:
    del config
    name = "marts.fct_campaign_performance"
    batch = f"""
SELECT campaign_id, campaign_name, cost, gmv, net_gmv, roas, roi, orders, exposures, conversion_rate_by_exposures,
       {ratio_gap_sql("roas", "gmv", "cost")} AS roas_gap,
       {ratio_gap_sql("roi", "net_gmv - cost", "cost")} AS roi_gap
FROM marts.fct_campaign_performance
"""
    checks = (
        *_roas_roi_checks(name, "cost", "活动成本"),
        _between(
            f"{name}.conversion_rate_by_exposures.between_0_and_1",
            "conversion_rate_by_exposures",
            min_value=0,
            max_value=1,
            severity="warn",
            description="Attributed orders / exposures in [0, 1]: more orders than exposures means exposures "
            "are incomplete (a linked post or live session missing).",
            label_zh="曝光转化率须在 0 到 1 之间",
        ),
    )
    return Suite(
        name=name,
        kind=KIND,
        asset_key=_asset("fct_campaign_performance"),
        table="marts.fct_campaign_performance",
        batch_sql=batch.strip(),
        checks=checks,
        id_columns=("campaign_id", "campaign_name"),
        description="Campaign cost >= 0 and ROAS / ROI consistent with GMV and cost.",
    )


def kol_suite(config: FanopsConfig) -> Suite:
    del config
    name = "marts.fct_kol_performance"
    batch = f"""
SELECT kol_performance_key, campaign_id, kol_id, fee, gmv, net_gmv, roas, roi,
       {ratio_gap_sql("roas", "gmv", "fee")} AS roas_gap,
       {ratio_gap_sql("roi", "net_gmv - fee", "fee")} AS roi_gap
FROM marts.fct_kol_performance
"""
    return Suite(
        name=name,
        kind=KIND,
        asset_key=_asset("fct_kol_performance"),
        table="marts.fct_kol_performance",
        batch_sql=batch.strip(),
        checks=_roas_roi_checks(name, "fee", "达人费用"),
        id_columns=("kol_performance_key", "campaign_id", "kol_id"),
        description="KOL fee >= 0 and ROAS / ROI consistent with GMV and fee.",
    )


def orders_suite(config: FanopsConfig) -> Suite:
    del config
    name = "marts.fct_orders"
    batch = """
SELECT order_key, platform, account, paid_date, status, amount, refund, net_amount,
       CAST(net_amount AS DOUBLE) - (CAST(amount AS DOUBLE) - CAST(refund AS DOUBLE)) AS net_amount_gap,
       CAST(refund AS DOUBLE) - CAST(amount AS DOUBLE) AS refund_excess
FROM marts.fct_orders
"""
    checks = (
        _between(
            f"{name}.amount.non_negative",
            "amount",
            min_value=0,
            description="The paid amount of an order is never negative.",
            label_zh="实付金额不能为负",
        ),
        _between(
            f"{name}.refund.non_negative",
            "refund",
            min_value=0,
            description="The refund of an order is never negative.",
            label_zh="退款金额不能为负",
        ),
        _between(
            f"{name}.net_amount.consistent",
            "net_amount_gap",
            min_value=-0.005,
            max_value=0.005,
            description="net_amount = amount - refund (to the fen).",
            label_zh="净额 = 实付 − 退款",
        ),
        _between(
            f"{name}.refund.not_above_amount",
            "refund_excess",
            max_value=0,
            severity="warn",
            description="A refund does not exceed the paid amount (a shop-export finding); the column is "
            "refund - amount.",
            label_zh="退款不超过实付金额",
        ),
    )
    return Suite(
        name=name,
        kind=KIND,
        asset_key=_asset("fct_orders"),
        table="marts.fct_orders",
        batch_sql=batch.strip(),
        checks=checks,
        id_columns=("order_key", "platform", "account", "paid_date", "status"),
        description="Order amounts, refunds and net amounts that GMV and ROI are built on.",
    )


def orders_attribution_suite(config: FanopsConfig) -> Suite:
    name = "marts.fct_orders_attribution"
    q = config.quality
    jump = float(q.unattributed_share_jump)
    recent = int(q.volume.recent_days)
    batch = f"""
WITH days AS (
    SELECT platform, account, paid_date, count(*) AS orders,
           count(*) FILTER (WHERE attribution_rule = 'unattributed') AS unattributed
    FROM marts.fct_orders
    WHERE is_counted AND paid_date IS NOT NULL
    GROUP BY platform, account, paid_date
),
windows AS (
    SELECT d.*,
           sum(orders) OVER w AS baseline_orders,
           sum(unattributed) OVER w AS baseline_unattributed,
           row_number() OVER (PARTITION BY platform, account ORDER BY paid_date DESC) AS recency
    FROM days AS d
    WINDOW w AS (PARTITION BY platform, account ORDER BY paid_date
                 RANGE BETWEEN INTERVAL {BASELINE_DAYS} DAYS PRECEDING AND INTERVAL 1 DAYS PRECEDING)
)
SELECT platform, account, paid_date, orders, unattributed, baseline_orders, baseline_unattributed,
       CAST(unattributed AS DOUBLE) / orders AS unattributed_share,
       CAST(baseline_unattributed AS DOUBLE) / nullif(baseline_orders, 0) AS baseline_share,
       CASE WHEN recency <= {recent} AND orders >= {MIN_ORDERS_PER_DAY}
                 AND coalesce(baseline_orders, 0) >= {MIN_ORDERS_PER_DAY}
            THEN CAST(unattributed AS DOUBLE) / orders - CAST(baseline_unattributed AS DOUBLE) / baseline_orders
       END AS unattributed_share_rise
FROM windows
"""
    check = _between(
        f"{name}.unattributed_share.no_jump",
        "unattributed_share_rise",
        max_value=jump,
        severity="warn",
        description=(
            "The share of a shop's counted orders left unattributed on a paid date rises by at most "
            f"{jump:g} (quality.unattributed_share_jump) over its pooled share of the {BASELINE_DAYS} days "
            f"before. Judged on the newest {recent} paid dates (quality.volume.recent_days) with at least "
            f"{MIN_ORDERS_PER_DAY} orders on the day and in the baseline. A jump usually means attribution "
            "inputs went missing (coupon codes, KOL ids, content ids in the export)."
        ),
        label_zh="未归因订单占比未出现突增",
    )
    return Suite(
        name=name,
        kind=KIND,
        asset_key=_asset("fct_orders"),
        table="marts.fct_orders",
        batch_sql=batch.strip(),
        checks=(check,),
        id_columns=("platform", "account", "paid_date", "orders", "unattributed_share", "baseline_share"),
        description="Day-on-day rise of the unattributed share of orders per shop.",
    )


def service_daily_suite(config: FanopsConfig) -> Suite:
    del config
    name = "marts.fct_service_daily"
    batch = """
SELECT service_day_key, platform, account, channel, date_day, inbound, responded, response_rate,
       sla_attainment, median_response_minutes, p90_response_minutes,
       p90_response_minutes - median_response_minutes AS p90_minus_median
FROM marts.fct_service_daily
"""
    checks = (
        _between(
            f"{name}.response_rate.between_0_and_1",
            "response_rate",
            min_value=0,
            max_value=1,
            description="response_rate = responded / inbound is a fraction in [0, 1].",
            label_zh="回复率须在 0 到 1 之间",
        ),
        _between(
            f"{name}.sla_attainment.between_0_and_1",
            "sla_attainment",
            min_value=0,
            max_value=1,
            description="sla_attainment is a fraction in [0, 1].",
            label_zh="SLA 达成率须在 0 到 1 之间",
        ),
        _between(
            f"{name}.median_response_minutes.non_negative",
            "median_response_minutes",
            min_value=0,
            description="Response times are never negative (a reply before the message).",
            label_zh="回复时长中位数不能为负",
        ),
        _between(
            f"{name}.p90_response_minutes.not_below_median",
            "p90_minus_median",
            min_value=0,
            description="The 90th percentile of response minutes is not below the median.",
            label_zh="回复时长 P90 不低于中位数",
        ),
    )
    return Suite(
        name=name,
        kind=KIND,
        asset_key=_asset("fct_service_daily"),
        table="marts.fct_service_daily",
        batch_sql=batch.strip(),
        checks=checks,
        id_columns=("platform", "account", "channel", "date_day"),
        description="Service rates in [0, 1] and non-negative response times.",
    )


def interactions_suite(config: FanopsConfig) -> Suite:
    del config
    name = "marts.fct_interactions"
    return Suite(
        name=name,
        kind=KIND,
        asset_key=_asset("fct_interactions"),
        table="marts.fct_interactions",
        batch_sql=(
            "SELECT interaction_key, platform, account, channel, created_at, first_response_at, response_minutes\n"
            "FROM marts.fct_interactions"
        ),
        checks=(
            _between(
                f"{name}.response_minutes.non_negative",
                "response_minutes",
                min_value=0,
                description="The first response never comes before the comment or message it answers.",
                label_zh="回复时长不能为负",
            ),
        ),
        id_columns=("interaction_key", "platform", "account", "channel"),
        description="Response times are non-negative.",
    )


def live_sessions_suite(config: FanopsConfig) -> Suite:
    del config
    name = "marts.fct_live_sessions"
    checks = (
        _between(
            f"{name}.duration_seconds.non_negative",
            "duration_seconds",
            min_value=0,
            description="A live session does not end before it starts.",
            label_zh="直播时长不能为负",
        ),
        _between(
            f"{name}.click_rate.between_0_and_1",
            "click_rate",
            min_value=0,
            max_value=1,
            severity="warn",
            description="click_rate = product_click_users / product_impression_users in [0, 1] (export finding).",
            label_zh="商品点击率须在 0 到 1 之间",
        ),
        _between(
            f"{name}.order_rate.between_0_and_1",
            "order_rate",
            min_value=0,
            max_value=1,
            severity="warn",
            description="order_rate = buyers / product_click_users in [0, 1] (export finding).",
            label_zh="点击成交率须在 0 到 1 之间",
        ),
    )
    return Suite(
        name=name,
        kind=KIND,
        asset_key=_asset("fct_live_sessions"),
        table="marts.fct_live_sessions",
        batch_sql=(
            "SELECT live_id, platform, account, started_date, duration_seconds, click_rate, order_rate\n"
            "FROM marts.fct_live_sessions"
        ),
        checks=checks,
        id_columns=("live_id", "platform", "account", "started_date"),
        description="Live-session durations and funnel rates.",
    )


def shares_suite(model: str, column: str, label: str, key: str, extra_ids: tuple[str, ...]) -> Suite:
    name = f"marts.{model}"
    ids = (key, *extra_ids)
    return Suite(
        name=name,
        kind=KIND,
        asset_key=_asset(model),
        table=f"marts.{model}",
        batch_sql=f"SELECT {', '.join(ids)}, {column}\nFROM marts.{model}",
        checks=(
            _between(
                f"{name}.{column}.between_0_and_1",
                column,
                min_value=0,
                max_value=1,
                description=f"{column} is a share in [0, 1].",
                label_zh=f"{label}须在 0 到 1 之间",
            ),
        ),
        id_columns=ids,
        description=f"{column} is a share in [0, 1].",
    )


def mart_suites(config: FanopsConfig) -> list[Suite]:
    return [
        account_daily_suite(config),
        content_suite(config),
        campaign_suite(config),
        kol_suite(config),
        orders_suite(config),
        orders_attribution_suite(config),
        service_daily_suite(config),
        interactions_suite(config),
        live_sessions_suite(config),
        shares_suite("fct_fan_portrait", "share", "粉丝占比", "portrait_key", ("platform", "account")),
        shares_suite(
            "fct_competitor_benchmark",
            "share_of_voice",
            "声量份额",
            "benchmark_key",
            ("brand_id", "platform"),
        ),
    ]
