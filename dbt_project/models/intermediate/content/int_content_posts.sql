{#-
  One row per own post (content_key), attributes from its snapshots (before calendar links).
  - published_at: from the snapshot with the finest precision (second > minute), then the newest; WeChat
    exports give only a date: that date at 00:00 Asia/Shanghai with precision 'day' (int_content_items
    replaces it with the linked calendar item's 实际发布时间).
  - title / caption: the newest snapshot's text; format: the newest non-NULL delivered format, else 'other'
    (Douyin, Xiaohongshu); Kuaishou video; WeChat article; Weibo NULL.
  - platform_post_id: the newest non-NULL id (Kuaishou photo_id, XHS note id, WeChat/Weibo post_ref); Douyin
    exports have none, so the item_id of the Douyin comment calls whose post_ref maps to the post (the
    smallest when several).
-#}
with snapshots as (
    select * from {{ ref('int_content_snapshots') }}
),

post_map as (
    select * from {{ ref('int_post_ref_map') }}
),

posts as (
    select
        content_key,
        platform,
        account
    from snapshots
    group by
        content_key,
        platform,
        account
),

newest as (
    select
        content_key,
        title_caption,
        title
    from (
        select
            snapshots.*,
            row_number() over (
                partition by content_key
                order by {{ fanops.delivery_order_desc() }}, source_name
            ) as rn
        from snapshots
        where title_caption is not null
    ) as ranked_text
    where rn = 1
),

timed as (
    select
        content_key,
        published_at,
        published_at_precision
    from (
        select
            snapshots.*,
            row_number() over (
                partition by content_key
                order by
                    case published_at_precision when 'second' then 1 when 'minute' then 2 else 3 end,
                    {{ fanops.delivery_order_desc() }}, source_name
            ) as rn
        from snapshots
        where published_at is not null
    ) as ranked_time
    where rn = 1
),

dated as (
    select
        content_key,
        max(publish_date) as publish_date
    from snapshots
    where publish_date is not null
    group by content_key
),

formats as (
    select
        content_key,
        format
    from (
        select
            snapshots.*,
            row_number() over (
                partition by content_key
                order by {{ fanops.delivery_order_desc() }}, source_name
            ) as rn
        from snapshots
        where format is not null
    ) as ranked_format
    where rn = 1
),

ids as (
    select
        content_key,
        platform_post_id
    from (
        select
            snapshots.*,
            row_number() over (
                partition by content_key
                order by {{ fanops.delivery_order_desc() }}, source_name
            ) as rn
        from snapshots
        where platform_post_id is not null
    ) as ranked_id
    where rn = 1
),

douyin_items as (
    select
        coalesce(post_map.content_key, comments.platform || ':' || comments.account || ':' || comments.post_ref)
            as content_key,
        min(comments.item_id) as item_id
    from {{ source('raw', 'douyin_comments') }} as comments
    left join post_map
        on post_map.platform = comments.platform
        and post_map.account = comments.account
        and post_map.post_ref = comments.post_ref
    where comments.post_ref is not null
        and comments.item_id is not null
    group by
        coalesce(post_map.content_key, comments.platform || ':' || comments.account || ':' || comments.post_ref)
),

loaded as (
    select
        content_key,
        min(metrics_as_of) as first_snapshot_at,
        max(metrics_as_of) as last_snapshot_at,
        max(_loaded_at) as _source_loaded_at
    from snapshots
    group by content_key
),

canonical_refs as (
    select distinct
        content_key,
        canonical_post_ref
    from post_map
)

select
    posts.content_key,
    posts.platform,
    posts.account,
    canonical_refs.canonical_post_ref as post_ref,
    coalesce(ids.platform_post_id, douyin_items.item_id) as platform_post_id,
    coalesce(
        timed.published_at,
        {{ fanops.local_day_start_utc('dated.publish_date') }}
    ) as published_at,
    case
        when timed.published_at is not null then timed.published_at_precision
        when dated.publish_date is not null then 'day'
    end as published_at_precision,
    newest.title,
    newest.title_caption as caption,
    case
        when posts.platform in ('douyin', 'xiaohongshu') then coalesce(formats.format, 'other')
        when posts.platform = 'kuaishou' then 'video'
        when posts.platform = 'wechat' then 'article'
    end as format,
    loaded.first_snapshot_at,
    loaded.last_snapshot_at,
    loaded._source_loaded_at
from posts
left join newest
    on newest.content_key = posts.content_key
left join timed
    on timed.content_key = posts.content_key
left join dated
    on dated.content_key = posts.content_key
left join formats
    on formats.content_key = posts.content_key
left join ids
    on ids.content_key = posts.content_key
left join douyin_items
    on douyin_items.content_key = posts.content_key
left join loaded
    on loaded.content_key = posts.content_key
left join canonical_refs
    on canonical_refs.content_key = posts.content_key
