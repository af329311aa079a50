{#-
  Brand-awareness KPIs per scope and day, each day d computed as if as-of were d (DESIGN "brand
  awareness"); scopes overall and platform:<p> (listening mentions and sentiment are per brand and
  platform, so account scopes do not exist); days plan start … as-of.
    share_of_voice = listening mentions in [plan start, d] (created_date) whose text contains a keyword of
      the own brand / mentions in the window containing a keyword of any tracked brand (int_brand_mentions:
      a mention counts once in the denominator however many brands it matches; inbound comments and
      messages are never mentions). Overall covers every listening platform (also ones without an own
      account, e.g. zhihu, news); platform:<p> the mentions on p. baseline = the same share over the
      baseline_days days before plan start. NULL when the window has no tracked mention.
    positive_share = own-brand texts labelled positive / all labelled own-brand texts of the sentiment
      series (int_sentiment_texts: the own brand's listening mentions plus inbound comments and messages, any
      time precision; a text counts once) in [plan start, d] (created_date); overall = every platform,
      platform:<p> the texts on p. baseline = the same over the baseline_days days before plan start. NULL
      when the window has no labelled own-brand text.
-#}
{%- set window_days = var('baseline_days') | int -%}
{%- set start = fanops.plan_start_date() -%}
with scopes as (
    select distinct
        scope,
        scope_level,
        scope_platform,
        scope_account
    from {{ ref('int_kpi_scope_accounts') }}
    where scope_level in ('overall', 'platform')
),

spine as (
    select days.date_day
    from {{ fanops.kpi_day_spine(dbt.dateadd('day', -1 * window_days, start), fanops.as_of_date()) }} as days
),

own_brands as (
    select distinct brand_id
    from {{ ref('stg_ops_competitor_brands') }}
    where is_own_brand
),

mentions as (
    select
        brand_mentions.mention_key,
        brand_mentions.platform,
        brand_mentions.created_date,
        max(case when own_brands.brand_id is not null then 1 else 0 end) as is_own
    from {{ ref('int_brand_mentions') }} as brand_mentions
    left join own_brands
        on own_brands.brand_id = brand_mentions.brand_id
    where brand_mentions.created_date is not null
    group by
        brand_mentions.mention_key,
        brand_mentions.platform,
        brand_mentions.created_date
),

own_texts as (
    select distinct
        text_key,
        platform,
        created_date,
        case when sentiment_label = 'positive' then 1 else 0 end as is_positive
    from {{ ref('int_sentiment_texts') }}
    where is_own_brand
        and sentiment_label is not null
        and created_date is not null
),

scope_days as (
    select
        scopes.scope,
        mentions.created_date as date_day,
        sum(mentions.is_own) as own_mentions,
        count(*) as tracked_mentions
    from scopes
    inner join mentions
        on scopes.scope_level = 'overall'
        or mentions.platform = scopes.scope_platform
    group by
        scopes.scope,
        mentions.created_date
),

scope_text_days as (
    select
        scopes.scope,
        own_texts.created_date as date_day,
        sum(own_texts.is_positive) as positive_texts,
        count(*) as labelled_texts
    from scopes
    inner join own_texts
        on scopes.scope_level = 'overall'
        or own_texts.platform = scopes.scope_platform
    group by
        scopes.scope,
        own_texts.created_date
),

grid as (
    select
        scopes.scope,
        scopes.scope_level,
        scopes.scope_platform,
        scopes.scope_account,
        spine.date_day,
        case when spine.date_day >= {{ start }} then 1 else 0 end as in_plan,
        coalesce(scope_days.own_mentions, 0) as own_mentions,
        coalesce(scope_days.tracked_mentions, 0) as tracked_mentions,
        coalesce(scope_text_days.positive_texts, 0) as positive_texts,
        coalesce(scope_text_days.labelled_texts, 0) as labelled_texts
    from scopes
    cross join spine
    left join scope_days
        on scope_days.scope = scopes.scope
        and scope_days.date_day = spine.date_day
    left join scope_text_days
        on scope_text_days.scope = scopes.scope
        and scope_text_days.date_day = spine.date_day
),

windows as (
    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        date_day,
        in_plan,
        sum(case when in_plan = 1 then own_mentions else 0 end) over (
            partition by scope order by date_day
            rows between unbounded preceding and current row
        ) as cum_own,
        sum(case when in_plan = 1 then tracked_mentions else 0 end) over (
            partition by scope order by date_day
            rows between unbounded preceding and current row
        ) as cum_tracked,
        max(case when in_plan = 1 and tracked_mentions > 0 then date_day end) over (
            partition by scope order by date_day
            rows between unbounded preceding and current row
        ) as cum_through,
        sum(case when in_plan = 0 then own_mentions else 0 end) over (partition by scope) as base_own,
        sum(case when in_plan = 0 then tracked_mentions else 0 end) over (partition by scope) as base_tracked,
        sum(case when in_plan = 1 then positive_texts else 0 end) over (
            partition by scope order by date_day
            rows between unbounded preceding and current row
        ) as cum_positive,
        sum(case when in_plan = 1 then labelled_texts else 0 end) over (
            partition by scope order by date_day
            rows between unbounded preceding and current row
        ) as cum_labelled,
        max(case when in_plan = 1 and labelled_texts > 0 then date_day end) over (
            partition by scope order by date_day
            rows between unbounded preceding and current row
        ) as cum_text_through,
        sum(case when in_plan = 0 then positive_texts else 0 end) over (partition by scope) as base_positive,
        sum(case when in_plan = 0 then labelled_texts else 0 end) over (partition by scope) as base_labelled
    from grid
),

kpis as (
    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        'share_of_voice' as kpi,
        date_day,
        {{ fanops.safe_divide('cum_own', 'cum_tracked') }} as value,
        cast(cum_own as double) as numerator,
        cast(cum_tracked as double) as denominator,
        {{ fanops.safe_divide('base_own', 'base_tracked') }} as baseline,
        cum_through as data_through_date,
        cum_tracked as sample_size,
        case when cum_tracked = 0 then 'no listening mention of a tracked brand since plan start' end as note
    from windows
    where in_plan = 1

    union all

    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        'positive_share' as kpi,
        date_day,
        {{ fanops.safe_divide('cum_positive', 'cum_labelled') }} as value,
        cast(cum_positive as double) as numerator,
        cast(cum_labelled as double) as denominator,
        {{ fanops.safe_divide('base_positive', 'base_labelled') }} as baseline,
        cum_text_through as data_through_date,
        cum_labelled as sample_size,
        case when cum_labelled = 0 then 'no labelled own-brand text since plan start' end as note
    from windows
    where in_plan = 1
)

select
    {{ fanops.kpi_daily_columns(start) }}
from kpis
