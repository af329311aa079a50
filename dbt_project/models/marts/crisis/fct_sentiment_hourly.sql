{#-
  docs — fct_sentiment_hourly: brand × platform × hour (UTC hour start) over the sentiment series
  (int_sentiment_texts; texts of minute precision or finer). mentions = texts in the hour (own brand: its
  mentions + inbound comments + messages; competitors: their mentions); negative / positive / neutral by
  label; negative_share = negative / mentions. Dense: every hour from the pair's first text to the latest
  text hour of all data, zeros where nothing came.
  baseline (macros/crisis.sql) = greatest(median of negative at the same hour on each of the previous
  crisis_baseline_days days, median at the same hour of week on each of the previous crisis_baseline_weeks
  weeks), over the hours the pair's series has (NULL without history); anomaly_score = (negative −
  baseline) / sqrt(baseline + 1). The hour-of-week median keeps a regular weekly peak from being anomalous.
-#}
with texts as (
    select
        brand_id,
        brand_name,
        is_own_brand,
        platform,
        hour_at,
        sentiment_label,
        is_severe,
        author_followers
    from {{ ref('int_sentiment_texts') }}
    where hour_at is not null
),

data_hours as (
    select
        min(hour_at) as first_hour_at,
        max(hour_at) as last_hour_at
    from texts
),

spine as (
    select hours.hour_at
    from {{ fanops.crisis_hour_spine(
        '(select first_hour_at from data_hours)', '(select last_hour_at from data_hours)'
    ) }} as hours
),

pairs as (
    select
        brand_id,
        brand_name,
        is_own_brand,
        platform,
        min(hour_at) as first_hour_at
    from texts
    group by
        brand_id,
        brand_name,
        is_own_brand,
        platform
),

counts as (
    select
        brand_id,
        platform,
        hour_at,
        count(*) as mentions,
        sum(case when sentiment_label = 'negative' then 1 else 0 end) as negative,
        sum(case when sentiment_label = 'positive' then 1 else 0 end) as positive,
        sum(case when sentiment_label = 'neutral' then 1 else 0 end) as neutral,
        sum(case when sentiment_label = 'negative' and is_severe then 1 else 0 end) as severe_texts,
        max(case when sentiment_label = 'negative' then author_followers end) as max_author_followers
    from texts
    group by
        brand_id,
        platform,
        hour_at
),

hourly as (
    select
        pairs.brand_id,
        pairs.brand_name,
        pairs.is_own_brand,
        pairs.platform,
        spine.hour_at,
        coalesce(counts.mentions, 0) as mentions,
        coalesce(counts.negative, 0) as negative,
        coalesce(counts.positive, 0) as positive,
        coalesce(counts.neutral, 0) as neutral,
        coalesce(counts.severe_texts, 0) as severe_texts,
        counts.max_author_followers
    from pairs
    inner join spine
        on spine.hour_at >= pairs.first_hour_at
    left join counts
        on
        counts.brand_id = pairs.brand_id
        and counts.platform = pairs.platform
        and counts.hour_at = spine.hour_at
),

offsets as (
    select
        baseline_offsets.baseline_kind,
        baseline_offsets.offset_hours
    from {{ fanops.crisis_baseline_offsets() }} as baseline_offsets
),

-- the past hour each baseline offset points at, as a column: the join below is then an equi-join on
-- (brand, platform, hour) on every engine (Spark plans the inline expression as a cross join + filter)
lookbacks as (
    select
        current_hour.brand_id,
        current_hour.platform,
        current_hour.hour_at,
        offsets.baseline_kind,
        {{ dbt.dateadd('hour', '-1 * offsets.offset_hours', 'current_hour.hour_at') }} as past_hour_at
    from hourly as current_hour
    cross join offsets
),

history as (
    select
        lookbacks.brand_id,
        lookbacks.platform,
        lookbacks.hour_at,
        lookbacks.baseline_kind,
        past.negative
    from lookbacks
    inner join hourly as past
        on
        past.brand_id = lookbacks.brand_id
        and past.platform = lookbacks.platform
        and past.hour_at = lookbacks.past_hour_at
),

medians as (
    select
        brand_id,
        platform,
        hour_at,
        {{ fanops.percentile_cont("case when baseline_kind = 'day' then negative end", 0.5) }} as day_median,
        {{ fanops.percentile_cont("case when baseline_kind = 'week' then negative end", 0.5) }} as week_median
    from history
    group by
        brand_id,
        platform,
        hour_at
),

scored as (
    select
        hourly.*,
        cast(medians.day_median as double) as baseline_day_median,
        cast(medians.week_median as double) as baseline_week_median,
        cast({{ fanops.crisis_baseline('medians.day_median', 'medians.week_median') }} as double) as baseline
    from hourly
    left join medians
        on
        medians.brand_id = hourly.brand_id
        and medians.platform = hourly.platform
        and medians.hour_at = hourly.hour_at
)

select
    brand_id || '|' || platform || '|' || cast(hour_at as {{ dbt.type_string() }}) as sentiment_hourly_key,
    brand_id,
    brand_name as brand,
    is_own_brand,
    platform,
    hour_at,
    {{ fanops.to_local_date('hour_at') }} as hour_date,
    cast(extract(hour from {{ fanops.to_local_ts('hour_at') }}) as {{ dbt.type_int() }}) as hour_of_day,
    cast(mentions as {{ dbt.type_bigint() }}) as mentions,
    cast(negative as {{ dbt.type_bigint() }}) as negative,
    cast(positive as {{ dbt.type_bigint() }}) as positive,
    cast(neutral as {{ dbt.type_bigint() }}) as neutral,
    {{ fanops.safe_divide('negative', 'mentions') }} as negative_share,
    baseline,
    baseline_day_median,
    baseline_week_median,
    {{ fanops.crisis_anomaly_score('negative', 'baseline') }} as anomaly_score,
    cast(severe_texts as {{ dbt.type_bigint() }}) as severe_texts,
    cast(max_author_followers as {{ dbt.type_bigint() }}) as max_author_followers
from scored
