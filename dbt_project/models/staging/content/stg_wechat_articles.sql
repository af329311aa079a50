{#- WeChat 内容分析 已通知内容 / 未开启通知内容 export (snapshot mode, key (account, post_ref)): every delivered
    row kept as history; is_export_winner / is_latest as in stg_douyin_videos. The export gives only a
    publish date (no time). 总阅读次数 is views; likes do not exist in this source. -#}
with ranked as (
    {{ fanops.content_snapshot_rows(source('raw', 'wechat_articles'), ['platform', 'account', 'post_ref']) }}
)

select
    _file_sha256 || ':' || cast(_row_number as {{ dbt.type_string() }}) as snapshot_row_key,
    platform,
    account,
    post_ref,
    post_ref_source,
    platform || ':' || account || ':' || post_ref as post_ref_key,
    platform_post_id,
    biz,
    title as title_caption,
    {{ fanops.content_title('title') }} as title,
    publish_date,
    read_users,
    views,
    views_is_capped,
    share_users,
    shares,
    new_followers,
    delivered_users,
    views_from_message,
    delivery_read_rate,
    first_shares,
    views_from_shares,
    first_share_rate,
    views_per_share,
    completion_rate,
    content_url,
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
