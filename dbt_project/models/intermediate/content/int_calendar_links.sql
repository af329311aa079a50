{#-
  Content calendar item -> its post (DESIGN Arithmetic "Calendar"). One row per plan item.
  1. 'post_id': the item's ref_platform_post_id equals a post's platform_post_id on the URL's platform (or the
     item's platform for a bare id). Any status may link by id.
  2. 'time_window': otherwise the same platform + account's post with |published_at - 实际发布时间| <= 30 minutes,
     the nearest. Only items with an 实际发布时间 and posts not already linked by id; posts whose publish time is
     only a date (WeChat without a calendar link) never link by time.
  One post links to at most one item and one item to at most one post. Tie-breaks (deterministic):
  an item with several id matches takes the smallest content_key; a post claimed by several items (id or
  time) keeps the item whose 实际发布时间 is nearest to the post's published_at, then the earliest planned_at,
  then the smallest plan_id; an item's nearest post ties go to the earlier post, then the smallest
  content_key. Time matching runs in two rounds: items that lost their nearest post to a nearer item choose
  again among the posts still free.
-#}
{%- set window_seconds = 30 * 60 -%}
with items as (
    select * from {{ ref('stg_ops_content_calendar') }}
),

posts as (
    select
        content_key,
        platform,
        account,
        platform_post_id,
        published_at,
        published_at_precision
    from {{ ref('int_content_posts') }}
),

id_candidates as (
    select
        items.plan_id,
        items.planned_at,
        posts.content_key,
        posts.published_at as post_published_at,
        case
            when items.published_at is not null and posts.published_at_precision <> 'day'
                then abs({{ dbt.datediff('items.published_at', 'posts.published_at', 'second') }})
        end as diff_seconds
    from items
    inner join posts
        on posts.platform_post_id = items.ref_platform_post_id
        and posts.platform = coalesce(items.ref_platform, items.platform)
    where items.ref_platform_post_id is not null
),

id_per_item as (
    select
        * from (
        select
            id_candidates.*,
            row_number() over (partition by plan_id order by content_key) as rn_item
        from id_candidates
    ) as ranked_items
    where rn_item = 1
),

id_links as (
    select
        plan_id,
        content_key,
        post_published_at,
        diff_seconds
    from (
        select
            id_per_item.*,
            row_number() over (
                partition by content_key
                order by case when diff_seconds is null then 1 else 0 end, diff_seconds, planned_at, plan_id
            ) as rn_post
        from id_per_item
    ) as ranked_posts
    where rn_post = 1
),

time_candidates as (
    select
        items.plan_id,
        items.planned_at,
        posts.content_key,
        posts.published_at as post_published_at,
        abs({{ dbt.datediff('items.published_at', 'posts.published_at', 'second') }}) as diff_seconds
    from items
    inner join posts
        on posts.platform = items.platform
        and posts.account = items.account
    left join id_links as linked_items
        on linked_items.plan_id = items.plan_id
    left join id_links as linked_posts
        on linked_posts.content_key = posts.content_key
    where items.published_at is not null
        and posts.published_at is not null
        and posts.published_at_precision <> 'day'
        and linked_items.plan_id is null
        and linked_posts.content_key is null
        and abs({{ dbt.datediff('items.published_at', 'posts.published_at', 'second') }}) <= {{ window_seconds }}
),

round_1 as (
    select
        plan_id,
        content_key,
        post_published_at,
        diff_seconds
    from (
        select
            nearest.*,
            row_number() over (
                partition by content_key
                order by diff_seconds, planned_at, plan_id
            ) as rn_post
        from (
            select
                time_candidates.*,
                row_number() over (
                    partition by plan_id
                    order by diff_seconds, post_published_at, content_key
                ) as rn_item
            from time_candidates
        ) as nearest
        where rn_item = 1
    ) as claimed
    where rn_post = 1
),

round_2_candidates as (
    select time_candidates.*
    from time_candidates
    left join round_1 as linked_items
        on linked_items.plan_id = time_candidates.plan_id
    left join round_1 as linked_posts
        on linked_posts.content_key = time_candidates.content_key
    where linked_items.plan_id is null
        and linked_posts.content_key is null
),

round_2 as (
    select
        plan_id,
        content_key,
        post_published_at,
        diff_seconds
    from (
        select
            nearest.*,
            row_number() over (
                partition by content_key
                order by diff_seconds, planned_at, plan_id
            ) as rn_post
        from (
            select
                round_2_candidates.*,
                row_number() over (
                    partition by plan_id
                    order by diff_seconds, post_published_at, content_key
                ) as rn_item
            from round_2_candidates
        ) as nearest
        where rn_item = 1
    ) as claimed
    where rn_post = 1
),

links as (
    select plan_id, content_key, post_published_at, diff_seconds, 'post_id' as link_rule from id_links
    union all
    select plan_id, content_key, post_published_at, diff_seconds, 'time_window' as link_rule from round_1
    union all
    select plan_id, content_key, post_published_at, diff_seconds, 'time_window' as link_rule from round_2
)

select
    items.plan_id,
    items.platform,
    items.account,
    items.account_key,
    items.planned_at,
    items.planned_date,
    items.title,
    items.content_type,
    items.campaign_id,
    items.owner_member_id,
    items.status,
    items.published_at,
    items.published_date,
    items.published_at_precision,
    items.content_ref,
    items.ref_platform_post_id,
    items.ref_platform,
    links.content_key,
    links.link_rule,
    links.post_published_at,
    cast(links.diff_seconds as double) / 60.0 as link_minutes,
    items._loaded_at as _source_loaded_at
from items
left join links
    on links.plan_id = items.plan_id
