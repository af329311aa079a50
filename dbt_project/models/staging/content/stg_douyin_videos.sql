{#- Douyin 作品列表 export (snapshot mode): every delivered row is kept as history. Flags:
    is_export_winner = the row that counts for its (account, post_ref, export time): among equal export times
    the newer delivery (delivered_at, then path) wins (contract §1 rule 6); is_latest = the current row of the
    post. published_at_precision: 'minute' when the row's file carries no seconds at all, else 'second'. -#}
with ranked as (
    {{ fanops.content_snapshot_rows(source('raw', 'douyin_videos'), ['platform', 'account', 'post_ref'], 'published_at') }}
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
    format_raw,
    format,
    duration_bucket,
    publish_status,
    review_status,
    views,
    views_is_capped,
    completion_rate,
    completion_rate_5s,
    bounce_rate_2s,
    cover_ctr,
    duration_seconds,
    avg_watch_seconds,
    likes,
    comments,
    shares,
    saves,
    profile_visits,
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
