{#-
  Quality tiers (DESIGN "content quality" + Arithmetic "Quality tiers"). Baseline posts: published (Asia/
  Shanghai date) in the baseline_days days before plan start, i.e. [plan start - baseline_days, plan start - 1],
  with an at-age engagement_rate_by_views. A post's baseline distribution is that of the baseline posts of the
  same account and format; with fewer than 10 of them, those of all own accounts on the platform with that
  format (baseline_scope 'account' / 'platform'). p25 and p75 are continuous percentiles. Tier of every post
  with an at-age rate: high >= p75, standard >= p25, low below; NULL without an at-age rate or without any
  baseline post (Weibo has no views: always NULL).
-#}
{%- set min_account_baseline = var('quality_min_baseline_posts') -%}
with items as (
    select
        content_key,
        platform,
        account,
        format,
        published_date
    from {{ ref('int_content_items') }}
),

at_age as (
    select
        content_key,
        engagement_rate_at_age
    from {{ ref('int_content_metrics_at_age') }}
),

rated as (
    select
        items.content_key,
        items.platform,
        items.account,
        items.format,
        items.published_date,
        at_age.engagement_rate_at_age
    from items
    inner join at_age
        on at_age.content_key = items.content_key
),

baseline_posts as (
    select * from rated
    where engagement_rate_at_age is not null
        and format is not null
        and published_date >= {{ dbt.dateadd('day', -1 * var('baseline_days'), fanops.plan_start_date()) }}
        and published_date < {{ fanops.plan_start_date() }}
),

account_baseline as (
    select
        platform,
        account,
        format,
        count(*) as baseline_posts,
        {{ fanops.percentile_cont('engagement_rate_at_age', var('quality_standard_percentile')) }} as p25,
        {{ fanops.percentile_cont('engagement_rate_at_age', var('quality_high_percentile')) }} as p75
    from baseline_posts
    group by
        platform,
        account,
        format
),

platform_baseline as (
    select
        platform,
        format,
        count(*) as baseline_posts,
        {{ fanops.percentile_cont('engagement_rate_at_age', var('quality_standard_percentile')) }} as p25,
        {{ fanops.percentile_cont('engagement_rate_at_age', var('quality_high_percentile')) }} as p75
    from baseline_posts
    group by
        platform,
        format
),

chosen as (
    select
        rated.content_key,
        rated.engagement_rate_at_age,
        case
            when account_baseline.baseline_posts >= {{ min_account_baseline }} then 'account'
            when platform_baseline.baseline_posts >= 1 then 'platform'
        end as baseline_scope,
        case
            when account_baseline.baseline_posts >= {{ min_account_baseline }} then account_baseline.baseline_posts
            else platform_baseline.baseline_posts
        end as baseline_posts,
        case
            when account_baseline.baseline_posts >= {{ min_account_baseline }} then account_baseline.p25
            else platform_baseline.p25
        end as baseline_p25,
        case
            when account_baseline.baseline_posts >= {{ min_account_baseline }} then account_baseline.p75
            else platform_baseline.p75
        end as baseline_p75
    from rated
    left join account_baseline
        on account_baseline.platform = rated.platform
        and account_baseline.account = rated.account
        and account_baseline.format = rated.format
    left join platform_baseline
        on platform_baseline.platform = rated.platform
        and platform_baseline.format = rated.format
)

select
    content_key,
    engagement_rate_at_age,
    baseline_scope,
    baseline_posts,
    baseline_p25,
    baseline_p75,
    case
        when engagement_rate_at_age is null or baseline_p25 is null then null
        when engagement_rate_at_age >= baseline_p75 then 'high'
        when engagement_rate_at_age >= baseline_p25 then 'standard'
        else 'low'
    end as quality_tier
from chosen
