{#-
  Content KPIs per scope and day, each day d computed as if as-of were d (DESIGN "interaction-rate
  uplift", "content quality", Arithmetic "Metric age" / "Quality tiers"); days plan start … as-of.
  Posts (fct_content) count by publish date and use their at-age metrics (metric_age_days after
  publishing). A post published on day p reaches that age on p + metric_age_days, so on day d only posts
  published on or before d - metric_age_days can count (newer posts have no at-age value yet).
    interaction_rate_uplift = R(window) / R(baseline) - 1, R = Σ interactions_at_age / Σ views_at_age over
      posts with both; window = posts published in [max(plan start, d - baseline_days + 1),
      d - metric_age_days] (the trailing baseline_days days, 28 by default, of posts already at age);
      baseline = R over posts published in the baseline_days days before plan start.
      numerator / denominator = Σ interactions / Σ views in the window; baseline = the baseline rate.
    content_quality_share = posts not low / posts with a quality tier, published in
      [plan start, d - metric_age_days]; baseline = the same share over the baseline posts.
  Rate KPIs are not built for platforms without views (kpi_not_applicable_reason); on the overall scope
  such posts drop out because they have no views. Values are NULL when the window has no rated post or
  the baseline rate is 0 / missing (see note).
-#}
{%- set window_days = var('baseline_days') | int -%}
{%- set age = var('metric_age_days') | int -%}
{%- set start = fanops.plan_start_date() -%}
with scope_accounts as (
    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        platform,
        account
    from {{ ref('int_kpi_scope_accounts') }}
),

scopes as (
    select distinct
        scope,
        scope_level,
        scope_platform,
        scope_account
    from scope_accounts
),

spine as (
    select days.date_day
    from {{ fanops.kpi_day_spine(dbt.dateadd('day', -1 * window_days, start), fanops.as_of_date()) }} as days
),

posts as (
    select
        platform,
        account,
        published_date,
        quality_tier,
        case when views_at_age is not null and interactions_at_age is not null then 1 else 0 end as is_rated,
        views_at_age,
        interactions_at_age
    from {{ ref('fct_content') }}
    where published_date is not null
),

scope_post_days as (
    select
        scope_accounts.scope,
        posts.published_date as date_day,
        sum(case when posts.is_rated = 1 then posts.interactions_at_age end) as rate_interactions,
        sum(case when posts.is_rated = 1 then posts.views_at_age end) as rate_views,
        sum(posts.is_rated) as rated_posts,
        count(posts.quality_tier) as tiered_posts,
        sum(case when posts.quality_tier in ('high', 'standard') then 1 else 0 end) as not_low_posts
    from scope_accounts
    inner join posts
        on posts.platform = scope_accounts.platform
        and posts.account = scope_accounts.account
    group by
        scope_accounts.scope,
        posts.published_date
),

grid as (
    select
        scopes.scope,
        scopes.scope_level,
        scopes.scope_platform,
        scopes.scope_account,
        spine.date_day,
        case when spine.date_day >= {{ start }} then 1 else 0 end as in_plan,
        scope_post_days.rate_interactions,
        scope_post_days.rate_views,
        coalesce(scope_post_days.rated_posts, 0) as rated_posts,
        coalesce(scope_post_days.tiered_posts, 0) as tiered_posts,
        coalesce(scope_post_days.not_low_posts, 0) as not_low_posts
    from scopes
    cross join spine
    left join scope_post_days
        on scope_post_days.scope = scopes.scope
        and scope_post_days.date_day = spine.date_day
),

windows as (
    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        date_day,
        in_plan,
        {%- if window_days - 1 >= age %}
            sum(case when in_plan = 1 then rate_interactions end) over (
                partition by scope order by date_day
                rows between {{ window_days - 1 }} preceding and {{ age }} preceding
            ) as win_interactions,
            sum(case when in_plan = 1 then rate_views end) over (
                partition by scope order by date_day
                rows between {{ window_days - 1 }} preceding and {{ age }} preceding
            ) as win_views,
            sum(case when in_plan = 1 then rated_posts end) over (
                partition by scope order by date_day
                rows between {{ window_days - 1 }} preceding and {{ age }} preceding
            ) as win_posts,
            max(case when in_plan = 1 and rated_posts > 0 then date_day end) over (
                partition by scope order by date_day
                rows between {{ window_days - 1 }} preceding and {{ age }} preceding
            ) as win_through,
        {%- else %}
            cast(null as double) as win_interactions,
            cast(null as double) as win_views,
            0 as win_posts,
            cast(null as date) as win_through,
        {%- endif %}
        sum(case when in_plan = 0 then rate_interactions end) over (partition by scope) as base_interactions,
        sum(case when in_plan = 0 then rate_views end) over (partition by scope) as base_views,
        sum(case when in_plan = 0 then rated_posts end) over (partition by scope) as base_posts,
        sum(case when in_plan = 1 then not_low_posts end) over (
            partition by scope order by date_day
            rows between unbounded preceding and {{ age }} preceding
        ) as cum_not_low,
        sum(case when in_plan = 1 then tiered_posts end) over (
            partition by scope order by date_day
            rows between unbounded preceding and {{ age }} preceding
        ) as cum_tiered,
        max(case when in_plan = 1 and tiered_posts > 0 then date_day end) over (
            partition by scope order by date_day
            rows between unbounded preceding and {{ age }} preceding
        ) as cum_through,
        sum(case when in_plan = 0 then not_low_posts end) over (partition by scope) as base_not_low,
        sum(case when in_plan = 0 then tiered_posts end) over (partition by scope) as base_tiered
    from grid
),

kpis as (
    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        'interaction_rate_uplift' as kpi,
        date_day,
        {{ fanops.safe_divide(fanops.safe_divide('win_interactions', 'win_views'),
                              fanops.safe_divide('base_interactions', 'base_views')) }} - 1 as value,
        cast(win_interactions as double) as numerator,
        cast(win_views as double) as denominator,
        {{ fanops.safe_divide('base_interactions', 'base_views') }} as baseline,
        case
            when {{ dbt.dateadd('day', -1 * (window_days - 1), 'date_day') }} > {{ start }}
                then {{ dbt.dateadd('day', -1 * (window_days - 1), 'date_day') }}
            else {{ start }}
        end as window_start,
        win_through as data_through_date,
        coalesce(win_posts, 0) as sample_size,
        case
            when coalesce(base_posts, 0) = 0 then 'no baseline post with at-age views and interactions'
            when coalesce(base_views, 0) = 0 or coalesce(base_interactions, 0) = 0 then 'zero baseline rate'
            when coalesce(win_posts, 0) = 0 then 'no post at metric age in the window yet'
            when coalesce(win_views, 0) = 0 then 'zero views in the window'
        end as note
    from windows
    where in_plan = 1

    union all

    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        'content_quality_share' as kpi,
        date_day,
        {{ fanops.safe_divide('cum_not_low', 'cum_tiered') }} as value,
        cast(cum_not_low as double) as numerator,
        cast(cum_tiered as double) as denominator,
        {{ fanops.safe_divide('base_not_low', 'base_tiered') }} as baseline,
        {{ start }} as window_start,
        cum_through as data_through_date,
        coalesce(cum_tiered, 0) as sample_size,
        case
            when coalesce(cum_tiered, 0) = 0 then 'no post with a quality tier at metric age yet'
        end as note
    from windows
    where in_plan = 1
)

select
    {{ fanops.kpi_daily_columns('window_start') }}
from kpis
where {{ fanops.kpi_not_applicable_reason('kpi', 'scope_level', 'scope_platform') }} is null
