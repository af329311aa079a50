-- Service per platform × account × channel × service day (the inbound's Asia/Shanghai date); a day
-- appears when it has at least one inbound row. Response figures do not depend on the as-of date;
-- sla_attainment counts only inbound whose SLA window ended by as-of 24:00 Asia/Shanghai.
with interactions as (
    select * from {{ ref('fct_interactions') }}
),

as_of as (
    select {{ fanops.as_of_end_utc() }} as as_of_end_at
),

flagged as (
    select
        i.platform,
        i.account,
        i.channel,
        i.created_date as date_day,
        i.is_responded,
        i.response_minutes,
        i.sla_due_at <= a.as_of_end_at as is_sla_eligible,
        i.sla_due_at <= a.as_of_end_at
        and i.is_responded
        and i.first_response_at <= i.sla_due_at as is_sla_met
    from interactions as i
    cross join as_of as a
),

daily as (
    select
        platform,
        account,
        channel,
        date_day,
        cast(count(*) as {{ dbt.type_bigint() }}) as inbound,
        cast(sum(case when is_responded then 1 else 0 end) as {{ dbt.type_bigint() }}) as responded,
        {{ fanops.percentile_cont('response_minutes', 0.5) }} as median_response_minutes,
        {{ fanops.percentile_cont('response_minutes', 0.9) }} as p90_response_minutes,
        cast(sum(case when is_sla_eligible then 1 else 0 end) as {{ dbt.type_bigint() }}) as sla_eligible,
        cast(sum(case when is_sla_met then 1 else 0 end) as {{ dbt.type_bigint() }}) as sla_met_count
    from flagged
    group by
        platform,
        account,
        channel,
        date_day
)

select
    platform || ':' || account || ':' || channel || ':' || cast(date_day as {{ dbt.type_string() }})
        as service_day_key,
    platform,
    account,
    platform || '/' || account as account_key,
    channel,
    date_day,
    inbound,
    responded,
    {{ fanops.safe_divide('responded', 'inbound') }} as response_rate,
    median_response_minutes,
    p90_response_minutes,
    sla_eligible,
    sla_met_count,
    {{ fanops.safe_divide('sla_met_count', 'sla_eligible') }} as sla_attainment
from daily
