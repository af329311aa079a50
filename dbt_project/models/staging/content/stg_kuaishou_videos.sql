{#- Kuaishou 作品列表明细 export (snapshot mode): every delivered row kept as history; is_export_winner /
    is_latest as in stg_douyin_videos. Kuaishou content is always a video. -#}
with ranked as (
    {{ fanops.content_snapshot_rows(source('raw', 'kuaishou_videos'), ['platform', 'account', 'post_ref'], 'published_at') }}
)

select
    _file_sha256 || ':' || cast(_row_number as {{ dbt.type_string() }}) as snapshot_row_key,
    platform,
    account,
    post_ref,
    platform || ':' || account || ':' || post_ref as post_ref_key,
    title_caption,
    {{ fanops.content_title('title_caption') }} as title,
    published_at,
    published_date,
    published_at_precision,
    'video' as format,
    views,
    views_is_capped,
    completion_rate,
    likes,
    comments,
    saves,
    shares,
    new_followers,
    _export_at as snapshot_at,
    rn_export = 1 as is_export_winner,
    rn_latest = 1 as is_latest,
    _file_sha256,
    _row_number,
    _file_path,
    _delivered_at,
    _loaded_at,
    _export_at
from ranked
