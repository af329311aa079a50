{#-
  Incidents (gaps and islands over the own brand's triggered hours, int_crisis_hourly.level not NULL): the
  triggered hours of a brand form one incident while the gap between consecutive triggered hours is at
  most crisis_cooldown_hours. One row per incident and hour from opened_at (the first triggered hour) to
  closed_at, or to the latest data hour while the incident is open.
    alert_id         = the first 16 hex of md5(brand_id || '|' || opened_at): stable across runs (more hours
                       arriving do not move opened_at);
    closed_at        = last triggered hour + 1 h + crisis_cooldown_hours once the data reach it (the latest
                       data hour >= it), else NULL (open); the closing hour is the incident's last row
                       (is_active false);
    effective_level  = the most severe level triggered in the hour or the crisis_deescalate_hours hours
                       before it, within the incident: escalation is immediate, de-escalation comes once
                       the higher level has been quiet for deescalate_hours full hours; NULL in the cool-down
                       tail after that.
-#}
{%- set cooldown = var('crisis_cooldown_hours') | int -%}
{%- set deescalate = var('crisis_deescalate_hours') | int -%}
with hourly as (
    select
        brand_id,
        hour_at,
        level
    from {{ ref('int_crisis_hourly') }}
),

data_end as (
    select max(hour_at) as last_hour_at
    from hourly
),

triggered as (
    select
        brand_id,
        hour_at,
        level,
        lag(hour_at) over (partition by brand_id order by hour_at) as previous_triggered_at
    from hourly
    where level is not null
),

numbered as (
    select
        brand_id,
        hour_at,
        level,
        sum(
            case
                when previous_triggered_at is null
                    or {{ dbt.datediff('previous_triggered_at', 'hour_at', 'hour') }} > {{ cooldown }}
                    then 1
                else 0
            end
        ) over (
            partition by brand_id
            order by hour_at
            rows between unbounded preceding and current row
        ) as incident_number
    from triggered
),

incidents as (
    select
        brand_id,
        incident_number,
        min(hour_at) as opened_at,
        max(hour_at) as last_triggered_at,
        min(level) as peak_level,
        count(*) as triggered_hours
    from numbered
    group by
        brand_id,
        incident_number
),

bounded as (
    select
        incidents.brand_id,
        incidents.opened_at,
        incidents.last_triggered_at,
        incidents.peak_level,
        incidents.triggered_hours,
        substr(
            {{ dbt.hash("incidents.brand_id || '|' || cast(incidents.opened_at as " ~ dbt.type_string() ~ ")") }},
            1,
            16
        ) as alert_id,
        case
            when {{ dbt.dateadd('hour', 1 + cooldown, 'incidents.last_triggered_at') }} <= data_end.last_hour_at
                then {{ dbt.dateadd('hour', 1 + cooldown, 'incidents.last_triggered_at') }}
        end as closed_at,
        data_end.last_hour_at as data_through_at
    from incidents
    cross join data_end
),

incident_hours as (
    select
        bounded.alert_id,
        bounded.brand_id,
        bounded.opened_at,
        bounded.last_triggered_at,
        bounded.closed_at,
        bounded.peak_level,
        bounded.triggered_hours,
        bounded.data_through_at,
        hourly.hour_at,
        -- the closing hour belongs to the cool-down: a trigger there opens the next incident
        case when bounded.closed_at is null or hourly.hour_at < bounded.closed_at then hourly.level end as level,
        bounded.closed_at is null or hourly.hour_at < bounded.closed_at as is_active
    from bounded
    inner join hourly
        on
        hourly.brand_id = bounded.brand_id
        and hourly.hour_at >= bounded.opened_at
        and hourly.hour_at <= coalesce(bounded.closed_at, bounded.data_through_at)
)

select
    alert_id || '|' || cast(hour_at as {{ dbt.type_string() }}) as incident_hour_key,
    alert_id,
    brand_id,
    opened_at,
    last_triggered_at,
    closed_at,
    peak_level,
    triggered_hours,
    data_through_at,
    hour_at,
    level,
    is_active,
    min(level) over (
        partition by alert_id
        order by hour_at
        rows between {{ deescalate }} preceding and current row
    ) as effective_level
from incident_hours
