-- One row per pseudonymised fan (a commenter or messager: inbound only; fan_key namespaces are per
-- platform, so a fan_key belongs to one platform). first/last seen and the counts cover all inbound rows;
-- lifecycle_stage, engagement_tier and interactions_30d are as of the as-of date and ignore interactions
-- after it (a fan first seen after the as-of date has NULL there).
-- days ago = as-of date − the interaction's Asia/Shanghai date (0 = on the as-of day):
--   new      first seen at most fans_new_days ago
--   active   else last interaction (on or before as-of) at most fans_active_days ago
--   dormant  else at most fans_dormant_days ago
--   churned  otherwise
-- engagement_tier over the 30 days ending at as-of (as-of − 29 … as-of): high ≥ 5 comments + messages,
-- medium 2–4, low ≤ 1.
with interactions as (
    select
        fan_key,
        platform,
        channel,
        created_at,
        created_date
    from {{ ref('fct_interactions') }}
    where fan_key is not null
),

as_of as (
    select {{ fanops.as_of_date() }} as as_of_date
),

fans as (
    select
        i.fan_key,
        i.platform,
        min(i.created_at) as first_seen_at,
        max(i.created_at) as last_seen_at,
        cast(sum(case when i.channel = 'comment' then 1 else 0 end) as {{ dbt.type_bigint() }}) as comments,
        cast(sum(case when i.channel = 'message' then 1 else 0 end) as {{ dbt.type_bigint() }}) as messages,
        max(case when i.created_date <= a.as_of_date then i.created_date end) as last_seen_date_by_as_of,
        cast(sum(
            case
                when
                    i.created_date <= a.as_of_date
                    and i.created_date >= {{ dbt.dateadd('day', -29, 'a.as_of_date') }}
                    then 1
                else 0
            end
        ) as {{ dbt.type_bigint() }}) as interactions_in_30d
    from interactions as i
    cross join as_of as a
    group by
        i.fan_key,
        i.platform
),

aged as (
    select
        f.*,
        a.as_of_date,
        {{ fanops.to_local_date('f.first_seen_at') }} as first_seen_date,
        {{ fanops.to_local_date('f.last_seen_at') }} as last_seen_date,
        {{ dbt.datediff(fanops.to_local_date('f.first_seen_at'), 'a.as_of_date', 'day') }} as days_since_first_seen,
        {{ dbt.datediff('f.last_seen_date_by_as_of', 'a.as_of_date', 'day') }} as days_since_last_seen
    from fans as f
    cross join as_of as a
)

select
    fan_key,
    platform,
    first_seen_at,
    first_seen_date,
    last_seen_at,
    last_seen_date,
    comments,
    messages,
    comments + messages as interactions,
    case
        when days_since_first_seen < 0 then null
        when days_since_first_seen <= {{ var('fans_new_days') }} then 'new'
        when days_since_last_seen <= {{ var('fans_active_days') }} then 'active'
        when days_since_last_seen <= {{ var('fans_dormant_days') }} then 'dormant'
        else 'churned'
    end as lifecycle_stage,
    case
        when days_since_first_seen < 0 then null
        when interactions_in_30d >= 5 then 'high'
        when interactions_in_30d >= 2 then 'medium'
        else 'low'
    end as engagement_tier,
    case when days_since_first_seen >= 0 then interactions_in_30d end as interactions_30d,
    case when days_since_first_seen >= 0 then days_since_first_seen end as days_since_first_seen,
    days_since_last_seen,
    as_of_date
from aged
