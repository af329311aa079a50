{#-
  The own brand's crisis signals per hour, all platforms together (fct_sentiment_hourly rows of
  is_own_brand; dense hours from the brand's first text to the latest data hour):
    negative, mentions, severe_texts = sums over the platforms; baseline = sum of the platforms' baselines
      (NULL when none has one); anomaly_score = (negative − baseline) / sqrt(baseline + 1) on those sums;
    negative_share = negative / mentions; share_baseline = Σ negative / Σ mentions over the previous
      crisis_share_baseline_days days (hours h − 24·days … h − 1); share_jump = negative_share − share_baseline;
    platforms = platforms with an hour in the trailing crisis_window_hours hours (h − window + 1 … h) with
      negative >= crisis_platform_floor and anomaly_score >= crisis_platform_anomaly;
    reach = most followers of a negative text's author in those trailing hours;
    velocity = negative(h) / greatest(negative(h − 1), 1).
  level = the most severe level whose rule holds (var crisis_levels, macros/crisis.sql), NULL when none;
  trigger names the rule and its figures.
-#}
{%- set window_rows = (var('crisis_window_hours') | int) - 1 -%}
{%- set share_rows = (var('crisis_share_baseline_days') | int) * 24 -%}
with platform_hours as (
    select
        brand_id,
        brand,
        platform,
        hour_at,
        mentions,
        negative,
        baseline,
        severe_texts,
        max_author_followers,
        case
            when negative >= {{ var('crisis_platform_floor') }}
                and anomaly_score >= {{ var('crisis_platform_anomaly') }}
                then 1
            else 0
        end as is_anomalous
    from {{ ref('fct_sentiment_hourly') }}
    where is_own_brand
),

platform_windows as (
    select
        brand_id,
        brand,
        platform,
        hour_at,
        mentions,
        negative,
        baseline,
        severe_texts,
        max_author_followers,
        max(is_anomalous) over (
            partition by brand_id, platform
            order by hour_at
            rows between {{ window_rows }} preceding and current row
        ) as anomalous_in_window
    from platform_hours
),

hours as (
    select
        brand_id,
        max(brand) as brand,
        hour_at,
        sum(mentions) as mentions,
        sum(negative) as negative,
        sum(baseline) as baseline,
        sum(severe_texts) as severe_texts,
        max(max_author_followers) as max_author_followers,
        sum(anomalous_in_window) as platforms
    from platform_windows
    group by
        brand_id,
        hour_at
),

windows as (
    select
        brand_id,
        brand,
        hour_at,
        mentions,
        negative,
        baseline,
        severe_texts,
        platforms,
        sum(negative) over (
            partition by brand_id
            order by hour_at
            rows between {{ share_rows }} preceding and 1 preceding
        ) as share_base_negative,
        sum(mentions) over (
            partition by brand_id
            order by hour_at
            rows between {{ share_rows }} preceding and 1 preceding
        ) as share_base_mentions,
        max(max_author_followers) over (
            partition by brand_id
            order by hour_at
            rows between {{ window_rows }} preceding and current row
        ) as reach,
        lag(negative) over (partition by brand_id order by hour_at) as previous_negative
    from hours
),

signals as (
    select
        brand_id,
        brand,
        hour_at,
        cast(mentions as {{ dbt.type_bigint() }}) as mentions,
        cast(negative as {{ dbt.type_bigint() }}) as negative,
        cast(baseline as double) as baseline,
        {{ fanops.crisis_anomaly_score('negative', 'baseline') }} as anomaly_score,
        {{ fanops.safe_divide('negative', 'mentions') }} as negative_share,
        {{ fanops.safe_divide('share_base_negative', 'share_base_mentions') }} as share_baseline,
        cast(platforms as {{ dbt.type_bigint() }}) as platforms,
        cast(severe_texts as {{ dbt.type_bigint() }}) as severe_texts,
        cast(reach as {{ dbt.type_bigint() }}) as reach,
        cast(negative as double) / case
            when previous_negative >= 1 then previous_negative
            else 1
        end as velocity
    from windows
),

with_jump as (
    select
        signals.*,
        negative_share - share_baseline as share_jump
    from signals
)

select
    brand_id || '|' || cast(hour_at as {{ dbt.type_string() }}) as crisis_hourly_key,
    brand_id,
    brand,
    hour_at,
    {{ fanops.to_local_date('hour_at') }} as hour_date,
    mentions,
    negative,
    baseline,
    anomaly_score,
    negative_share,
    share_baseline,
    share_jump,
    platforms,
    severe_texts,
    reach,
    velocity,
    {{ fanops.crisis_level_case() }} as level,
    {{ fanops.crisis_trigger_case() }} as trigger
from with_jump
