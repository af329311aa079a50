{#- WeChat datacube getarticletotal (snapshot mode, key (account, post_ref, stat_date)): values are cumulative
    up to stat_date, so a row counts as of the END of its stat_date (stat_date + 1 at 00:00 Asia/Shanghai, in
    UTC) whatever its export time: snapshot_at. is_export_winner: the newer delivery among equal export times
    of one (post_ref, stat_date); is_latest: the current row of the (post_ref, stat_date). -#}
with ranked as (
    {{ fanops.content_snapshot_rows(source('raw', 'wechat_article_daily'), ['platform', 'account', 'post_ref', 'stat_date']) }}
)

select
    _file_sha256 || ':' || cast(_row_number as {{ dbt.type_string() }}) as snapshot_row_key,
    platform,
    account,
    post_ref,
    platform || ':' || account || ':' || post_ref as post_ref_key,
    platform_post_id,
    title as title_caption,
    {{ fanops.content_title('title') }} as title,
    publish_date,
    stat_date,
    delivered_users,
    read_users,
    views,
    views_is_capped,
    source_page_read_users,
    source_page_views,
    share_users,
    shares,
    save_users,
    saves,
    {{ fanops.local_day_start_utc(dbt.dateadd('day', 1, 'stat_date')) }} as snapshot_at,
    rn_export = 1 as is_export_winner,
    rn_latest = 1 as is_latest,
    _file_sha256,
    _row_number,
    _file_path,
    _delivered_at,
    _loaded_at,
    _export_at
from ranked
