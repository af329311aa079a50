{#- Weibo statuses (snapshot mode, key (account, post_ref = idstr)): every fetched row kept as history;
    is_export_winner / is_latest as in stg_douyin_videos. 转发/评论/赞 are shares/comments/likes; Weibo has
    no view count (views stay NULL downstream). The title is the first line of the tag-stripped text. -#}
with source as (
    select * from {{ source('raw', 'weibo_posts') }}
),

deliveries as (
    {{ fanops.content_file_deliveries() }}
),

joined as (
    select
        source.*,
        deliveries.delivered_at as _delivered_at,
        deliveries.path as _file_path
    from source
    left join deliveries
        on deliveries.sha256 = source._file_sha256
),

ranked as (
    select
        joined.*,
        row_number() over (
            partition by platform, account, post_ref, _export_at
            order by _delivered_at desc, _file_path desc, _row_number desc
        ) as rn_export,
        row_number() over (
            partition by platform, account, post_ref
            order by _export_at desc, _delivered_at desc, _file_path desc, _row_number desc
        ) as rn_latest
    from joined
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
