{#-
  One row per KOL collaboration (ops/kol_posts collab_id) from its latest snapshot (latest metrics_as_of).
  The KOL attribution window (rule 2) is [published_at, published_at + kol_window_days days], inclusive.
-#}
select
    collab_id,
    kol_id,
    campaign_id,
    platform,
    content_ref,
    ref_platform_post_id,
    ref_platform,
    published_at,
    published_date,
    {{ dbt.dateadd('day', var('kol_window_days'), 'published_at') }} as window_end_at,
    metrics_as_of,
    views,
    impressions,
    likes,
    comments,
    saves,
    shares,
    interactions,
    _loaded_at as _source_loaded_at
from {{ ref('stg_ops_kol_posts') }}
where is_latest
