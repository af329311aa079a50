{#-
  A campaign's linked posts (DESIGN Arithmetic "Campaigns": the calendar items and KOL posts with its
  campaign_id), one row per link:
    calendar  a content-calendar item with campaign_id (int_calendar_links). Its post's views /
              interactions / platform_post_id come from fct_content when the item links to a post; an item
              whose own 内容链接 names a post id but links to no post keeps that id (platform_post_id =
              the item's ref_platform_post_id) so an order's content id can still match it (rule 3), with
              no metrics. Items with neither a linked post nor a post id are not linked posts.
    kol       a KOL collaboration (ops/kol_posts, latest snapshot) with campaign_id.
  platform_post_id is what an order's content id (ref_platform_post_id) is matched against.
-#}
with calendar_items as (
    select
        plan_id,
        campaign_id,
        content_key,
        platform,
        account,
        ref_platform_post_id,
        ref_platform,
        published_at,
        _source_loaded_at
    from {{ ref('int_calendar_links') }}
    where campaign_id is not null
        and (content_key is not null or ref_platform_post_id is not null)
),

content as (
    select
        content_key,
        platform,
        account,
        platform_post_id,
        published_at,
        views,
        interactions,
        _source_loaded_at
    from {{ ref('fct_content') }}
),

calendar_posts as (
    select
        calendar_items.campaign_id,
        'calendar' as link_source,
        calendar_items.plan_id as link_id,
        calendar_items.content_key,
        calendar_items.plan_id,
        cast(null as {{ dbt.type_string() }}) as collab_id,
        cast(null as {{ dbt.type_string() }}) as kol_id,
        coalesce(content.platform, calendar_items.ref_platform, calendar_items.platform) as platform,
        coalesce(content.account, calendar_items.account) as account,
        coalesce(content.platform_post_id, calendar_items.ref_platform_post_id) as platform_post_id,
        coalesce(content.published_at, calendar_items.published_at) as published_at,
        content.views,
        content.interactions,
        greatest(
            calendar_items._source_loaded_at,
            coalesce(content._source_loaded_at, calendar_items._source_loaded_at)
        ) as _source_loaded_at
    from calendar_items
    left join content
        on content.content_key = calendar_items.content_key
),

kol_posts as (
    select
        campaign_id,
        'kol' as link_source,
        collab_id as link_id,
        cast(null as {{ dbt.type_string() }}) as content_key,
        cast(null as {{ dbt.type_string() }}) as plan_id,
        collab_id,
        kol_id,
        platform,
        cast(null as {{ dbt.type_string() }}) as account,
        ref_platform_post_id as platform_post_id,
        published_at,
        views,
        interactions,
        _source_loaded_at
    from {{ ref('int_kol_collabs') }}
    where campaign_id is not null
),

unioned as (
    select * from calendar_posts
    union all
    select * from kol_posts
)

select
    campaign_id || '|' || link_source || '|' || link_id as linked_post_key,
    campaign_id,
    link_source,
    content_key,
    plan_id,
    collab_id,
    kol_id,
    platform,
    account,
    platform_post_id,
    published_at,
    views,
    interactions,
    _source_loaded_at
from unioned
