{#-
  KOL collaboration posts (ops/kol_posts, mode `snapshot`, key collab_id). The snapshot time is the row's
  数据截至时间 (metrics_as_of), not the file's export time. One row per (collab_id, metrics_as_of): when two
  deliveries carry the same snapshot time the newer delivery wins (later delivered_at, then the lexically
  greater path, then the later row). `is_latest` = the snapshot with the latest metrics_as_of.
  interactions = likes + comments + saves + shares over the parts present (NULL only when all are NULL).
-#}
with manifest as (
    {{ fanops.file_deliveries() }}
),

posts as (
    select
        p.*,
        m.delivered_at as _delivered_at,
        m.path as _file_path
    from {{ source('raw', 'ops_kol_posts') }} as p
    left join manifest as m
        on m.sha256 = p._file_sha256
),

deduped as (
    select
        posts.*,
        row_number() over (
            partition by collab_id, metrics_as_of
            order by {{ fanops.delivery_order_desc() }}
        ) as rn_snapshot
    from posts
),

ranked as (
    select
        deduped.*,
        row_number() over (
            partition by collab_id
            order by metrics_as_of desc
        ) as snapshot_rank
    from deduped
    where rn_snapshot = 1
)

select
    collab_id || '@' || cast(metrics_as_of as {{ dbt.type_string() }}) as collab_snapshot_key,
    collab_id,
    kol_id,
    campaign_id,
    platform,
    content_ref,
    ref_platform_post_id,
    ref_platform,
    published_at,
    published_date,
    metrics_as_of,
    metrics_as_of_date,
    views,
    views_is_capped,
    impressions,
    impressions_is_capped,
    likes,
    likes_is_capped,
    comments,
    comments_is_capped,
    saves,
    saves_is_capped,
    shares,
    shares_is_capped,
    case
        when likes is null and comments is null and saves is null and shares is null then null
        else coalesce(likes, 0) + coalesce(comments, 0) + coalesce(saves, 0) + coalesce(shares, 0)
    end as interactions,
    snapshot_rank,
    snapshot_rank = 1 as is_latest,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at,
    _delivered_at,
    _file_path
from ranked
