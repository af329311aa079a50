{#-
  Service-area helpers (owner: service helper).

  service_first_responses(inbound, events): the first brand response of each inbound row, as one
  `select` (interaction_key, first_response_at, responded_by, response_loaded_at). `inbound` and `events`
  name relations or CTEs shaped like int_inbound / int_service_events. Used by int_first_responses (the
  full set) and by fct_interactions over only the inbound rows it recomputes, so an incremental run pays
  for the affected dates only.

  Rules (DESIGN Arithmetic "Service"): a response is an event with is_brand_reply (by the account, not an
  automatic reply) in the same platform / account / channel / thread, and
    - comments: it answers this comment (its parent_event_key is the comment's interaction_key) and was
      made at or after it (an explicit reply cannot precede its comment: one with an earlier timestamp is
      ignored); responded_by NULL;
    - messages: it was sent strictly after the inbound message (conversations link by time only, so an
      out-message at the very same second is not taken as an answer to it). Several inbound messages
      before one reply all get that reply. Ties on time go to the smaller message_id; responded_by is
      that reply's agent_id.
  response_loaded_at = the latest _loaded_at among the candidate replies (drives _source_loaded_at).
  Comments aggregate (no window: a reply answers one comment); messages rank their few candidates.
-#}
{% macro service_first_responses(inbound, events) -%}
select
    comment_candidates.interaction_key,
    min(comment_candidates.response_at) as first_response_at,
    cast(null as {{ dbt.type_string() }}) as responded_by,
    max(comment_candidates.response_loaded_at) as response_loaded_at
from (
    select
        i.interaction_key,
        r.event_at as response_at,
        r._loaded_at as response_loaded_at
    from {{ inbound }} as i
    inner join {{ events }} as r
        on i.interaction_key = r.parent_event_key
    where
        i.channel = 'comment'
        and r.is_brand_reply
        and r.event_at >= i.created_at
) as comment_candidates
group by comment_candidates.interaction_key
union all
select
    ranked.interaction_key,
    ranked.response_at as first_response_at,
    ranked.responded_by,
    ranked.response_loaded_at
from (
    select
        message_candidates.interaction_key,
        message_candidates.response_at,
        message_candidates.responded_by,
        max(message_candidates.reply_loaded_at) over (
            partition by message_candidates.interaction_key
        ) as response_loaded_at,
        row_number() over (
            partition by message_candidates.interaction_key
            order by message_candidates.response_at, message_candidates.response_source_id
        ) as response_rank
    from (
        select
            i.interaction_key,
            r.event_at as response_at,
            r.agent_id as responded_by,
            r.source_id as response_source_id,
            r._loaded_at as reply_loaded_at
        from {{ inbound }} as i
        inner join {{ events }} as r
            on
                i.platform = r.platform
                and i.account = r.account
                and i.channel = r.channel
                and i.thread_id = r.thread_id
        where
            i.channel = 'message'
            and r.is_brand_reply
            and r.event_at > i.created_at
    ) as message_candidates
) as ranked
where ranked.response_rank = 1
{%- endmacro %}

{#- SLA minutes of a channel ('comment' | 'message'), from the vars orchestration passes (fanops.yaml). -#}
{% macro service_sla_minutes(channel_expr) -%}
    (case
        when {{ channel_expr }} = 'comment' then {{ var('sla_minutes_comment') }}
        when {{ channel_expr }} = 'message' then {{ var('sla_minutes_message') }}
    end)
{%- endmacro %}

{#-
  service_interactions_affected_dates(): on an incremental run of fct_interactions, the created_dates to
  recompute (a `select created_date`), called from that model only ({{ this }} is fct_interactions).
    (a) a Dagster backfill window (vars window_start / window_end): exactly its dates; otherwise
    (b) the dates of every inbound row in a thread (post, item or conversation) that got any event loaded
        after the last build (new comments, replies, re-deliveries: a later reply changes older rows),
    (c) the dates of stored rows still open (sla_met NULL): their data horizon may have moved, and of
        stored unanswered FALSE rows the current horizon no longer covers (a corrected re-delivery moved
        the latest event back),
    (d) the dates of stored Douyin comments whose content_key is no longer canonical (the post_ref map now
        merges their post_ref into another post: an edited caption), and
    (e) every date when the stored SLA minutes differ from the current settings.
-#}
{% macro service_interactions_affected_dates() -%}
    {%- if fanops.has_window() -%}
select distinct created_date
from {{ ref('int_inbound') }}
where {{ fanops.in_window('created_date') }}
    {%- else -%}
select inbound.event_date as created_date
from {{ ref('int_service_events') }} as inbound
inner join (
    select distinct
        platform,
        account,
        channel,
        thread_id
    from {{ ref('int_service_events') }}
    where
        _loaded_at > (select max(_source_loaded_at) from {{ this }})
        or (select max(_source_loaded_at) from {{ this }}) is null
) as touched_threads
    on
        inbound.platform = touched_threads.platform
        and inbound.account = touched_threads.account
        and inbound.channel = touched_threads.channel
        and inbound.thread_id = touched_threads.thread_id
where inbound.is_inbound
union
select created_date
from {{ this }}
where sla_met is null
union
select stored.created_date
from {{ this }} as stored
inner join (
    select
        platform,
        account,
        channel,
        max(observed_at) as data_through_at
    from {{ ref('int_service_events') }}
    group by
        platform,
        account,
        channel
) as horizon
    on
        stored.platform = horizon.platform
        and stored.account = horizon.account
        and stored.channel = horizon.channel
where
    not stored.is_responded
    and stored.sla_met = false
    and stored.sla_due_at >= horizon.data_through_at
union
select stored.created_date
from {{ this }} as stored
inner join {{ ref('int_post_ref_map') }} as post_ref_map
    on
        stored.content_key = post_ref_map.platform || ':' || post_ref_map.account || ':' || post_ref_map.post_ref
where
    stored.platform = 'douyin'
    and stored.channel = 'comment'
    and post_ref_map.platform = 'douyin'
    and post_ref_map.is_remapped
union
select created_date
from {{ ref('int_inbound') }}
where exists (
    select 1
    from {{ this }}
    where sla_minutes <> {{ fanops.service_sla_minutes('channel') }}
)
    {%- endif -%}
{%- endmacro %}
