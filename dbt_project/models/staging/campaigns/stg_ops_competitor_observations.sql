{#-
  Competitors' public figures (ops/competitor_observations, mode `series`, key (brand_id, platform,
  stat_date)). The period is the period_days days ending on stat_date (period_days defaults to 7). Only a
  period that is a whole ISO week — 7 days ending on a Sunday — maps to a benchmark week_start (Monday,
  stat_date − 6); other rows keep week_start NULL.
-#}
with observations as (
    select
        brand_id,
        platform,
        stat_date,
        coalesce(period_days, 7) as period_days,
        followers,
        followers_is_capped,
        posts,
        posts_is_capped,
        interactions,
        interactions_is_capped,
        _file_sha256,
        _row_number,
        _loaded_at,
        _export_at
    from {{ source('raw', 'ops_competitor_observations') }}
),

typed as (
    select
        observations.*,
        cast({{ dbt.dateadd('day', '1 - period_days', 'stat_date') }} as date) as period_start_date,
        cast({{ dbt.date_trunc('week', 'stat_date') }} as date) as stat_week_monday
    from observations
)

select
    brand_id || '|' || platform || '|' || cast(stat_date as {{ dbt.type_string() }}) as observation_key,
    brand_id,
    platform,
    stat_date,
    period_days,
    period_start_date,
    period_days = 7 and period_start_date = stat_week_monday as is_whole_iso_week,
    case
        when period_days = 7 and period_start_date = stat_week_monday then period_start_date
    end as week_start,
    followers,
    followers_is_capped,
    posts,
    posts_is_capped,
    interactions,
    interactions_is_capped,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from typed
