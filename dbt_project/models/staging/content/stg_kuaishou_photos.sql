{#- Kuaishou open API photo/list (snapshot mode, key (account, photo_id)): every fetched row kept as history;
    is_export_winner / is_latest per (account, photo_id) as in stg_douyin_videos. create_time is an epoch in
    ms, so published_at is precise to the second. post_ref is the loader's §2.15 hash of create_time +
    caption (equal to the export's when the captions are equal). -#}
with ranked as (
    {{ fanops.content_snapshot_rows(source('raw', 'kuaishou_photos'), ['platform', 'account', 'platform_post_id']) }}
)

select
    _file_sha256 || ':' || cast(_row_number as {{ dbt.type_string() }}) as snapshot_row_key,
    platform,
    account,
    platform_post_id,
    post_ref,
    platform || ':' || account || ':' || post_ref as post_ref_key,
    title_caption,
    {{ fanops.content_title('title_caption') }} as title,
    published_at,
    published_date,
    'second' as published_at_precision,
    'video' as format,
    views,
    views_is_capped,
    likes,
    comments,
    is_pending,
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
