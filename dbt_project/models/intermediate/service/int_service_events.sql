{{ config(materialized='view') }}
-- Every service event on one vocabulary: fans' inbound comments and messages, the account's replies and
-- its automatic replies. One row per event; a WeChat comment row yields two events (the comment and, when
-- present, its nested reply).
--   thread_id: conversation_id (messages), item_id (Douyin comments), post_ref (WeChat, Weibo comments)
--   parent_id: the comment a reply answers (comments only; NULL for messages, which link by time);
--   parent_event_key: that comment's event_key (= its interaction_key when it is inbound)
--   is_inbound: a fan's comment or message (comments by the account itself never are)
--   is_brand_reply: an event that can be a first response (by the account, not an automatic reply)
with wechat_comments as (
    select
        platform,
        account,
        'comment' as channel,
        post_ref as thread_id,
        comment_id as source_id,
        cast(null as {{ dbt.type_string() }}) as parent_id,
        created_at as event_at,
        cast(true as boolean) as is_inbound,
        cast(false as boolean) as is_brand_reply,
        cast(false as boolean) as is_auto_reply,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        fan_key,
        post_ref,
        text_masked,
        _loaded_at,
        _export_at
    from {{ ref('stg_wechat_comments') }}
),

wechat_replies as (
    select
        platform,
        account,
        'comment' as channel,
        post_ref as thread_id,
        comment_id || ':reply' as source_id,
        comment_id as parent_id,
        replied_at as event_at,
        cast(false as boolean) as is_inbound,
        cast(true as boolean) as is_brand_reply,
        cast(false as boolean) as is_auto_reply,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        cast(null as {{ dbt.type_string() }}) as fan_key,
        post_ref,
        reply_text_masked as text_masked,
        _loaded_at,
        _export_at
    from {{ ref('stg_wechat_comments') }}
    where replied_at is not null
),

douyin_comments as (
    select
        platform,
        account,
        'comment' as channel,
        item_id as thread_id,
        comment_id as source_id,
        parent_comment_id as parent_id,
        created_at as event_at,
        not is_from_account as is_inbound,
        is_from_account and parent_comment_id is not null as is_brand_reply,
        cast(false as boolean) as is_auto_reply,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        fan_key,
        item_post_ref as post_ref,
        text_masked,
        _loaded_at,
        _export_at
    from {{ ref('stg_douyin_comments') }}
),

weibo_comments as (
    select
        platform,
        account,
        'comment' as channel,
        post_ref as thread_id,
        comment_id as source_id,
        parent_comment_id as parent_id,
        created_at as event_at,
        not is_from_account as is_inbound,
        is_from_account and parent_comment_id is not null as is_brand_reply,
        cast(false as boolean) as is_auto_reply,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        fan_key,
        post_ref,
        text_masked,
        _loaded_at,
        _export_at
    from {{ ref('stg_weibo_comments') }}
),

messages as (
    select
        platform,
        account,
        'message' as channel,
        conversation_id as thread_id,
        message_id as source_id,
        cast(null as {{ dbt.type_string() }}) as parent_id,
        sent_at as event_at,
        is_inbound,
        is_human_reply as is_brand_reply,
        is_auto_reply,
        agent_id,
        fan_key,
        cast(null as {{ dbt.type_string() }}) as post_ref,
        text_masked,
        _loaded_at,
        _export_at
    from {{ ref('stg_ops_messages') }}
),

unioned as (
    select * from wechat_comments
    union all
    select * from wechat_replies
    union all
    select * from douyin_comments
    union all
    select * from weibo_comments
    union all
    select * from messages
)

select
    platform || ':' || account || ':' || channel || ':' || thread_id || ':' || source_id as event_key,
    platform,
    account,
    channel,
    thread_id,
    source_id,
    parent_id,
    case
        when parent_id is not null
            then platform || ':' || account || ':' || channel || ':' || thread_id || ':' || parent_id
    end as parent_event_key,
    event_at,
    {{ fanops.to_local_date('event_at') }} as event_date,
    is_inbound,
    is_brand_reply,
    is_auto_reply,
    agent_id,
    fan_key,
    post_ref,
    text_masked,
    _loaded_at,
    _export_at,
    -- how far the delivered data reaches: the event itself, or the export (fetch) time of its file when later
    -- (an unanswered comment fetched after its SLA deadline is known to be unanswered at that time)
    case when _export_at > event_at then _export_at else event_at end as observed_at
from unioned
