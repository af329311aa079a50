{#- Weibo statuses (snapshot mode, key (account, post_ref = idstr)): every fetched row kept as history;
    is_export_winner / is_latest as in stg_douyin_videos. 转发/评论/赞 are shares/comments/likes; Weibo has
    no view count (views stay NULL downstream). The title is the first line of the tag-stripped text. -#}
with ranked as (
    {{ fanops.content_snapshot_rows(source('raw', 'weibo_posts'), ['platform', 'account', 'post_ref']) }}
)

select
    _file_sha256 || ':' || cast(_row_number as {{ dbt.type_string() }}) as snapshot_row_key,
    platform,
    account,
    post_ref,
    platform || ':' || account || ':' || post_ref as post_ref_key,
    platform_post_id,
    text_plain as title_caption,
    {{ fanops.content_title('text_plain') }} as title,
    text_masked,
    published_at,
    published_date,
    'second' as published_at_precision,
    shares,
    comments,
    likes,
    is_truncated,
    reposted_post_id,
    is_repost,
    region,
    author_followers,
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
