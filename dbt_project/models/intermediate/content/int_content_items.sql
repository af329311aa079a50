{#-
  One row per own post with its final attributes: the calendar link (plan_id, campaign_id, content_type),
  the final published_at and the content_type.
  - WeChat published_at (DESIGN Arithmetic "fct_content"): the linked calendar item's 实际发布时间 (precision of
    that sheet: 'minute' or 'second'), else the export's date at 00:00 Asia/Shanghai with precision 'day'.
    Other platforms keep the export/API publish time.
  - content_type: the linked calendar item's 内容类型 (content_type_source 'calendar'), else the keyword rule
    over title + caption (macro content_type_rule; content_type_source 'rule').
-#}
with posts as (
    select * from {{ ref('int_content_posts') }}
),

links as (
    select * from {{ ref('int_calendar_links') }}
    where content_key is not null
),

resolved as (
    select
        posts.content_key,
        posts.platform,
        posts.account,
        posts.post_ref,
        posts.platform_post_id,
        case
            when posts.platform = 'wechat' and links.published_at is not null then links.published_at
            else posts.published_at
        end as published_at,
        case
            when posts.platform = 'wechat' and links.published_at is not null then links.published_at_precision
            else posts.published_at_precision
        end as published_at_precision,
        posts.title,
        posts.caption,
        posts.format,
        links.plan_id,
        links.campaign_id,
        links.link_rule,
        links.content_type as calendar_content_type,
        coalesce(posts.title, '') || ' ' || coalesce(posts.caption, '') as rule_text,
        posts.first_snapshot_at,
        posts.last_snapshot_at,
        posts._source_loaded_at as posts_loaded_at,
        links._source_loaded_at as calendar_loaded_at
    from posts
    left join links
        on links.content_key = posts.content_key
)

select
    content_key,
    platform,
    account,
    post_ref,
    platform_post_id,
    published_at,
    published_at_precision,
    {{ fanops.to_local_date('published_at') }} as published_date,
    title,
    caption,
    format,
    coalesce(calendar_content_type, {{ fanops.content_type_rule('rule_text') }}) as content_type,
    case when calendar_content_type is not null then 'calendar' else 'rule' end as content_type_source,
    plan_id,
    campaign_id,
    link_rule,
    first_snapshot_at,
    last_snapshot_at,
    case
        when calendar_loaded_at is null or posts_loaded_at >= calendar_loaded_at then posts_loaded_at
        else calendar_loaded_at
    end as _source_loaded_at
from resolved
