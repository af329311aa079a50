{#- Xiaohongshu 笔记列表明细 export (snapshot mode): every delivered row kept as history; is_export_winner /
    is_latest as in stg_douyin_videos. 观看量 is views, 曝光 impressions. The note's text is its 笔记标题. -#}
with ranked as (
    {{ fanops.content_snapshot_rows(source('raw', 'xiaohongshu_notes'), ['platform', 'account', 'post_ref'], 'published_at') }}
)

select
    _file_sha256 || ':' || cast(_row_number as {{ dbt.type_string() }}) as snapshot_row_key,
    platform,
    account,
    post_ref,
    platform || ':' || account || ':' || post_ref as post_ref_key,
    platform_post_id,
    note_ref,
    title as title_caption,
    {{ fanops.content_title('title') }} as title,
    published_at,
    published_date,
    published_at_precision,
    format_raw,
    format,
    impressions,
    impressions_is_capped,
    views,
    views_is_capped,
    cover_ctr,
    likes,
    comments,
    saves,
    shares,
    new_followers,
    avg_watch_seconds,
    danmaku,
    interactions_reported,
    is_published,
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
