{#-
  docs — fct_crisis_alert_events: one row per event of an alert (int_crisis_incident_hours), event_seq
  1 … n in time order:
    opened      at the first triggered hour, with its effective level;
    escalated / deescalated  whenever the effective level changes while the incident is active (the
                NULL effective level of the cool-down tail is skipped: a later trigger in the tail is
                compared with the last level);
    closed      at closed_at (level = the last effective level).
  Figures (negative, mentions, anomaly_score, share_jump, platforms, severe_texts, reach, velocity) are the
  event hour's (int_crisis_hourly). trigger = the rule text of the latest hour at the event's level in the
  de-escalation window (for opened / escalated the event hour itself); closed names the cool-down.
-#}
{%- set deescalate = var('crisis_deescalate_hours') | int -%}
{%- set cooldown = var('crisis_cooldown_hours') | int -%}
with incident_hours as (
    select
        alert_id,
        brand_id,
        hour_at,
        level,
        effective_level,
        is_active,
        last_triggered_at,
        closed_at
    from {{ ref('int_crisis_incident_hours') }}
),

active_levels as (
    select
        alert_id,
        brand_id,
        hour_at,
        effective_level,
        lag(effective_level) over (partition by alert_id order by hour_at) as previous_level,
        row_number() over (partition by alert_id order by hour_at desc) as recency
    from incident_hours
    where is_active and effective_level is not null
),

changes as (
    select
        alert_id,
        brand_id,
        hour_at as event_at,
        case
            when previous_level is null then 'opened'
            when effective_level < previous_level then 'escalated'
            else 'deescalated'
        end as event,
        effective_level as level,
        previous_level
    from active_levels
    where previous_level is null or effective_level <> previous_level
),

closings as (
    select distinct
        incident_hours.alert_id,
        incident_hours.brand_id,
        incident_hours.closed_at as event_at,
        'closed' as event,
        last_level.effective_level as level,
        last_level.effective_level as previous_level,
        incident_hours.last_triggered_at
    from incident_hours
    inner join active_levels as last_level
        on
        last_level.alert_id = incident_hours.alert_id
        and last_level.recency = 1
    where incident_hours.closed_at is not null
),

events as (
    select
        alert_id,
        brand_id,
        event_at,
        event,
        level,
        previous_level,
        cast(null as {{ dbt.type_string() }}) as closing_trigger
    from changes
    union all
    select
        alert_id,
        brand_id,
        event_at,
        event,
        level,
        previous_level,
        'closed: no level rule held in the {{ cooldown }} h cool-down after the last triggered hour ('
        || cast(last_triggered_at as {{ dbt.type_string() }}) || ' UTC)' as closing_trigger
    from closings
),

trigger_hours as (
    select
        events.alert_id,
        events.event_at,
        max(incident_hours.hour_at) as trigger_hour_at
    from events
    inner join incident_hours
        on
        incident_hours.alert_id = events.alert_id
        and incident_hours.level = events.level
        and incident_hours.hour_at <= events.event_at
        and incident_hours.hour_at >= {{ dbt.dateadd('hour', -1 * deescalate, 'events.event_at') }}
    where events.event <> 'closed'
    group by
        events.alert_id,
        events.event_at
),

sequenced as (
    select
        events.*,
        row_number() over (
            partition by events.alert_id
            order by events.event_at, case when events.event = 'closed' then 1 else 0 end
        ) as event_seq
    from events
)

select
    sequenced.alert_id || ':' || cast(sequenced.event_seq as {{ dbt.type_string() }}) as alert_event_key,
    sequenced.alert_id,
    cast(sequenced.event_seq as {{ dbt.type_int() }}) as event_seq,
    sequenced.brand_id,
    sequenced.event_at,
    {{ fanops.to_local_date('sequenced.event_at') }} as event_date,
    sequenced.event,
    cast(sequenced.level as {{ dbt.type_int() }}) as level,
    {{ fanops.crisis_level_name('sequenced.level') }} as level_name,
    cast(sequenced.previous_level as {{ dbt.type_int() }}) as previous_level,
    hourly.negative,
    hourly.mentions,
    hourly.anomaly_score,
    hourly.share_jump,
    hourly.platforms,
    hourly.severe_texts,
    hourly.reach,
    hourly.velocity,
    coalesce(sequenced.closing_trigger, trigger_hour.trigger) as trigger
from sequenced
left join {{ ref('int_crisis_hourly') }} as hourly
    on
    hourly.brand_id = sequenced.brand_id
    and hourly.hour_at = sequenced.event_at
left join trigger_hours
    on
    trigger_hours.alert_id = sequenced.alert_id
    and trigger_hours.event_at = sequenced.event_at
    and sequenced.event <> 'closed'
left join {{ ref('int_crisis_hourly') }} as trigger_hour
    on
    trigger_hour.brand_id = sequenced.brand_id
    and trigger_hour.hour_at = trigger_hours.trigger_hour_at
