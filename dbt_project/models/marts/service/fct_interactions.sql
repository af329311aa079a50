{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        tags=['daily'],
        **fanops.replace_by_date('created_date')
    )
}}
-- depends_on: {{ ref('int_post_ref_map') }}
{#
  One row per inbound comment or private message with its first brand response and SLA outcome
  (docs/decisions/service.md). Independent of the as-of date. sla_met: TRUE answered by sla_due_at; FALSE
  answered later, or unanswered while the account's data for that channel (its latest event or export
  time, int_service_events.observed_at) already runs past sla_due_at; NULL while still open.
  Incremental (delete+insert by whole created_date): the dates from
  fanops.service_interactions_affected_dates() (macros/service.sql) are recomputed, and (outside a
  backfill window) the dates whose stored sentiment is out of date (fanops.crisis_rescored_dates(): a new
  scorer model version, or a text scored since); the result equals a full refresh (tests/dbt/service).
  Sentiment: sentiment.text_scores joined on md5(text_masked) (texts are scored before dbt runs); NULL
  label when the text has no score row (never silently neutral).
#}
with inbound as (
    select * from {{ ref('int_inbound') }}
    {% if is_incremental() %}
        where
            created_date in ({{ fanops.service_interactions_affected_dates() }})
            {%- if not fanops.has_window() %}
                or created_date in ({{ fanops.crisis_rescored_dates() }})
            {%- endif %}
    {% endif %}
),

first_responses as (
    -- events are read through the view wherever needed (not a CTE), so each use is filtered and pruned
    select responses.*
    from ({{ fanops.service_first_responses("inbound", ref('int_service_events')) }}) as responses
),

data_horizon as (
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
),

joined as (
    select
        i.interaction_key,
        i.platform,
        i.account,
        i.channel,
        i.thread_id,
        i.source_id,
        i.content_key,
        i.fan_key,
        i.created_at,
        i.created_date,
        i.text_masked,
        scores.sentiment_score,
        scores.sentiment_label,
        scores.crisis_terms,
        scores.model_version as sentiment_model_version,
        f.first_response_at,
        f.responded_by,
        f.interaction_key is not null as is_responded,
        cast({{ fanops.service_sla_minutes('i.channel') }} as {{ dbt.type_int() }}) as sla_minutes,
        {{ dbt.dateadd('minute', fanops.service_sla_minutes('i.channel'), 'i.created_at') }} as sla_due_at,
        h.data_through_at,
        case
            when f.response_loaded_at > i._loaded_at then f.response_loaded_at
            else i._loaded_at
        end as _source_loaded_at
    from inbound as i
    left join first_responses as f
        on i.interaction_key = f.interaction_key
    left join data_horizon as h
        on
        i.platform = h.platform
        and i.account = h.account
        and i.channel = h.channel
    left join {{ ref('stg_sentiment_text_scores') }} as scores
        on scores.text_hash = {{ dbt.hash('i.text_masked') }}
)

select
    interaction_key,
    platform,
    account,
    platform || '/' || account as account_key,
    channel,
    thread_id,
    source_id,
    content_key,
    fan_key,
    created_at,
    created_date,
    text_masked,
    sentiment_score,
    sentiment_label,
    crisis_terms,
    sentiment_model_version,
    first_response_at,
    {{ fanops.to_local_date('first_response_at') }} as first_response_date,
    {{ fanops.minutes_between('created_at', 'first_response_at') }} as response_minutes,
    responded_by,
    is_responded,
    sla_minutes,
    sla_due_at,
    case
        when is_responded then first_response_at <= sla_due_at
        when sla_due_at < data_through_at then false
    end as sla_met,
    _source_loaded_at
from joined
