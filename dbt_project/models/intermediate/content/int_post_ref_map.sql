{#-
  Post references -> one content key per post (contract §2.15 "Edited captions").
  Douyin, Kuaishou and Xiaohongshu exports carry no post id: post_ref hashes the publish minute and the whole
  caption, so an edited caption gives a new post_ref. Two post_refs of one account are one post when their
  publish minute (Asia/Shanghai) is equal and the first lines of their text (up to the first line break,
  normalised: content_first_line_norm) are equal; the post keeps the key of the newer snapshot (export time,
  then delivered_at, then path, then row) and older keys map to it.
  Rows: every post_ref seen in douyin/kuaishou/xiaohongshu post tables (ref_source 'post'), plus Douyin comment
  post_refs (from item_create_time + item_title) not seen there (ref_source 'comment'; mapped to a post of the
  same minute and first line, else to themselves). WeChat and Weibo refs are platform ids: identity rows.
  Join: content_key = coalesce(map.content_key, platform || ':' || account || ':' || post_ref).
-#}
with post_rows as (
    select
        platform, account, post_ref, published_at, title_caption as post_text,
        _export_at, _delivered_at, _file_path, _row_number
    from {{ ref('stg_douyin_videos') }}
    union all
    select
        platform, account, post_ref, published_at, title_caption,
        _export_at, _delivered_at, _file_path, _row_number
    from {{ ref('stg_kuaishou_videos') }}
    union all
    select
        platform, account, post_ref, published_at, title_caption,
        _export_at, _delivered_at, _file_path, _row_number
    from {{ ref('stg_kuaishou_photos') }}
    where post_ref is not null
    union all
    select
        platform, account, post_ref, published_at, title_caption,
        _export_at, _delivered_at, _file_path, _row_number
    from {{ ref('stg_xiaohongshu_notes') }}
),

post_refs as (
    -- the newest snapshot row of each post_ref
    select
        platform,
        account,
        post_ref,
        published_at,
        post_text,
        _export_at,
        _delivered_at,
        _file_path,
        _row_number
    from (
        select
            post_rows.*,
            row_number() over (
                partition by platform, account, post_ref
                order by {{ fanops.delivery_order_desc() }}
            ) as rn
        from post_rows
    ) as ranked_posts
    where rn = 1
),

comment_refs as (
    select
        platform,
        account,
        post_ref,
        max(item_created_at) as published_at,
        max(item_title) as post_text
    from {{ source('raw', 'douyin_comments') }}
    where post_ref is not null
        and item_created_at is not null
        and item_title is not null
    group by
        platform,
        account,
        post_ref
),

all_refs as (
    select
        platform,
        account,
        post_ref,
        'post' as ref_source,
        published_at,
        post_text,
        _export_at,
        _delivered_at,
        _file_path,
        _row_number
    from post_refs
    union all
    select
        comment_refs.platform,
        comment_refs.account,
        comment_refs.post_ref,
        'comment' as ref_source,
        comment_refs.published_at,
        comment_refs.post_text,
        cast(null as timestamp) as _export_at,
        cast(null as timestamp) as _delivered_at,
        cast(null as {{ dbt.type_string() }}) as _file_path,
        cast(null as {{ dbt.type_bigint() }}) as _row_number
    from comment_refs
    left join post_refs
        on post_refs.platform = comment_refs.platform
        and post_refs.account = comment_refs.account
        and post_refs.post_ref = comment_refs.post_ref
    where post_refs.post_ref is null
),

keyed as (
    select
        all_refs.*,
        {{ dbt.date_trunc('minute', fanops.to_local_ts('published_at')) }} as publish_minute_local,
        {{ fanops.content_first_line_norm('post_text') }} as first_line_norm
    from all_refs
),

grouped as (
    select
        keyed.*,
        -- an empty first line never merges two posts
        case
            when first_line_norm is null or first_line_norm = '' then post_ref
            else cast(publish_minute_local as {{ dbt.type_string() }}) || '|' || first_line_norm
        end as match_group
    from keyed
),

canonical as (
    select
        platform,
        account,
        match_group,
        post_ref as canonical_post_ref
    from (
        select
            grouped.*,
            row_number() over (
                partition by platform, account, match_group
                order by {{ fanops.delivery_order_desc() }}, post_ref desc
            ) as rn
        from grouped
        where ref_source = 'post'
    ) as ranked_refs
    where rn = 1
),

mapped as (
    select
        grouped.platform,
        grouped.account,
        grouped.post_ref,
        coalesce(canonical.canonical_post_ref, grouped.post_ref) as canonical_post_ref,
        grouped.ref_source,
        grouped.publish_minute_local,
        grouped.first_line_norm
    from grouped
    left join canonical
        on canonical.platform = grouped.platform
        and canonical.account = grouped.account
        and canonical.match_group = grouped.match_group
),

id_refs as (
    select distinct
        platform,
        account,
        post_ref,
        post_ref as canonical_post_ref,
        'post' as ref_source,
        cast(null as timestamp) as publish_minute_local,
        cast(null as {{ dbt.type_string() }}) as first_line_norm
    from {{ ref('stg_wechat_articles') }}
    union
    select distinct
        platform,
        account,
        post_ref,
        post_ref,
        'post',
        cast(null as timestamp),
        cast(null as {{ dbt.type_string() }})
    from {{ ref('stg_wechat_article_daily') }}
    union
    select distinct
        platform,
        account,
        post_ref,
        post_ref,
        'post',
        cast(null as timestamp),
        cast(null as {{ dbt.type_string() }})
    from {{ ref('stg_weibo_posts') }}
),

final as (
    select * from mapped
    union all
    select * from id_refs
)

select
    platform || ':' || account || ':' || post_ref as post_ref_key,
    platform,
    account,
    post_ref,
    canonical_post_ref,
    platform || ':' || account || ':' || canonical_post_ref as content_key,
    post_ref <> canonical_post_ref as is_remapped,
    ref_source,
    publish_minute_local,
    first_line_norm
from final
