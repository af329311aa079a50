{{ config(materialized='view') }}
-- One row per inbound comment or private message (a fan's event; the account's own comments never are).
-- interaction_key = <platform>:<account>:<channel>:<thread>:<id>. content_key: comments
-- <platform>:<account>:<post_ref>; Douyin through the content area's post_ref map (edited captions land on
-- the canonical post): coalesce(map.content_key, <platform>:<account>:<post_ref>). NULL for messages.
with events as (
    select * from {{ ref('int_service_events') }}
    where is_inbound
),

post_ref_map as (
    select
        platform,
        account,
        post_ref,
        content_key
    from {{ ref('int_post_ref_map') }}
    where platform = 'douyin'
)

select
    e.event_key as interaction_key,
    e.platform,
    e.account,
    e.channel,
    e.thread_id,
    e.source_id,
    e.post_ref,
    case
        when e.channel = 'comment' and e.post_ref is not null
            then coalesce(m.content_key, e.platform || ':' || e.account || ':' || e.post_ref)
    end as content_key,
    e.fan_key,
    e.event_at as created_at,
    e.event_date as created_date,
    e.text_masked,
    e._loaded_at
from events as e
left join post_ref_map as m
    on
    e.channel = 'comment'
    and e.platform = m.platform
    and e.account = m.account
    and e.post_ref = m.post_ref
