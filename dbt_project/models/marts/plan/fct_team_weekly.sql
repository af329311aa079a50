{#-
  fct_team_weekly — one row per team member × week (week_start = Monday, Asia/Shanghai; DESIGN Arithmetic
  "Team weekly"; docs in _plan__models.yml):
  - posts_planned: the member's calendar items (负责人ID) planned in the week, cancelled ones excluded;
    posts_published: the member's calendar items published in the week (fct_content_calendar.published_date);
    on_time_rate = posts_on_time / posts_on_time_known (published items with a known published_on_time).
  - replies: human (not automatic) out-messages with the member's agent_id sent in the week;
    first_responses / median_response_minutes: inbound messages whose first response (fct_interactions.
    responded_by) is the member's, by the week of that response; continuous median.
  - Dense: every week from the later of the member's join week and the first week with any team activity, to
    the earlier of the leave week and the last week (the as-of week, or the last week with team activity when
    later, e.g. items planned ahead); a member marked left without a leave date: activity weeks only. Weeks
    with activity outside that range (or by an id missing from the team sheet) are kept too.
-#}
with team as (
    select
        member_id,
        display_name,
        role,
        status as member_status,
        joined_on,
        left_on
    from {{ ref('stg_ops_team') }}
),

calendar as (
    select
        owner_member_id,
        planned_date,
        published_date,
        published_on_time,
        is_published,
        is_cancelled
    from {{ ref('fct_content_calendar') }}
    where owner_member_id is not null
),

as_of as (
    select
        as_of_date,
        cast({{ dbt.date_trunc('week', 'as_of_date') }} as date) as as_of_week
    from (select {{ fanops.as_of_date() }} as as_of_date) as as_of_value
),

planned as (
    select
        owner_member_id as member_id,
        cast({{ dbt.date_trunc('week', 'planned_date') }} as date) as week_start,
        count(*) as posts_planned
    from calendar
    where not is_cancelled
    group by
        owner_member_id,
        cast({{ dbt.date_trunc('week', 'planned_date') }} as date)
),

published as (
    select
        owner_member_id as member_id,
        cast({{ dbt.date_trunc('week', 'published_date') }} as date) as week_start,
        count(*) as posts_published,
        sum(case when published_on_time then 1 else 0 end) as posts_on_time,
        sum(case when published_on_time is not null then 1 else 0 end) as posts_on_time_known
    from calendar
    where is_published
    group by
        owner_member_id,
        cast({{ dbt.date_trunc('week', 'published_date') }} as date)
),

replies as (
    select
        agent_id as member_id,
        cast({{ dbt.date_trunc('week', fanops.to_local_date('event_at')) }} as date) as week_start,
        count(*) as replies
    from {{ ref('int_service_events') }}
    where
        channel = 'message'
        and is_brand_reply
        and agent_id is not null
    group by
        agent_id,
        cast({{ dbt.date_trunc('week', fanops.to_local_date('event_at')) }} as date)
),

responses as (
    select
        responded_by as member_id,
        cast({{ dbt.date_trunc('week', fanops.to_local_date('first_response_at')) }} as date) as week_start,
        count(*) as first_responses,
        {{ fanops.percentile_cont('response_minutes', 0.5) }} as median_response_minutes
    from {{ ref('fct_interactions') }}
    where
        responded_by is not null
        and is_responded
    group by
        responded_by,
        cast({{ dbt.date_trunc('week', fanops.to_local_date('first_response_at')) }} as date)
),

activity as (
    select member_id, week_start from planned
    union
    select member_id, week_start from published
    union
    select member_id, week_start from replies
    union
    select member_id, week_start from responses
),

bounds as (
    select
        min(activity.week_start) as first_week,
        case
            when max(activity.week_start) > max(as_of.as_of_week) then max(activity.week_start)
            else max(as_of.as_of_week)
        end as last_week
    from activity
    cross join as_of
),

digits as (
    select 0 as d
    union all
    select 1
    union all
    select 2
    union all
    select 3
    union all
    select 4
    union all
    select 5
    union all
    select 6
    union all
    select 7
    union all
    select 8
    union all
    select 9
),

week_numbers as (
    -- 0 .. 999 weeks (about 19 years) after a member's first week
    select ones.d + 10 * tens.d + 100 * hundreds.d as n
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
),

tenure as (
    select
        team.member_id,
        case
            when team.joined_on is not null
                and cast({{ dbt.date_trunc('week', 'team.joined_on') }} as date) > bounds.first_week
                then cast({{ dbt.date_trunc('week', 'team.joined_on') }} as date)
            else bounds.first_week
        end as from_week,
        case
            when team.left_on is not null
                and cast({{ dbt.date_trunc('week', 'team.left_on') }} as date) < bounds.last_week
                then cast({{ dbt.date_trunc('week', 'team.left_on') }} as date)
            else bounds.last_week
        end as to_week
    from team
    cross join bounds
    where team.member_status = 'active' or team.left_on is not null
),

tenure_weeks as (
    select
        tenure.member_id,
        cast({{ dbt.dateadd('day', 'week_numbers.n * 7', 'tenure.from_week') }} as date) as week_start
    from tenure
    inner join week_numbers
        on week_numbers.n * 7 <= {{ dbt.datediff('tenure.from_week', 'tenure.to_week', 'day') }}
),

member_weeks as (
    select member_id, week_start from tenure_weeks
    union
    select member_id, week_start from activity
)

select
    member_weeks.member_id || ':' || cast(member_weeks.week_start as {{ dbt.type_string() }}) as team_week_key,
    member_weeks.member_id,
    member_weeks.week_start,
    team.display_name,
    team.role,
    team.member_status,
    {{ dbt.dateadd('day', 6, 'member_weeks.week_start') }} <= as_of.as_of_date as is_complete_week,
    cast(coalesce(planned.posts_planned, 0) as {{ dbt.type_bigint() }}) as posts_planned,
    cast(coalesce(published.posts_published, 0) as {{ dbt.type_bigint() }}) as posts_published,
    cast(coalesce(published.posts_on_time, 0) as {{ dbt.type_bigint() }}) as posts_on_time,
    cast(coalesce(published.posts_on_time_known, 0) as {{ dbt.type_bigint() }}) as posts_on_time_known,
    {{ fanops.safe_divide('published.posts_on_time', 'published.posts_on_time_known') }} as on_time_rate,
    cast(coalesce(replies.replies, 0) as {{ dbt.type_bigint() }}) as replies,
    cast(coalesce(responses.first_responses, 0) as {{ dbt.type_bigint() }}) as first_responses,
    responses.median_response_minutes
from member_weeks
cross join as_of
left join team
    on member_weeks.member_id = team.member_id
left join planned
    on member_weeks.member_id = planned.member_id
    and member_weeks.week_start = planned.week_start
left join published
    on member_weeks.member_id = published.member_id
    and member_weeks.week_start = published.week_start
left join replies
    on member_weeks.member_id = replies.member_id
    and member_weeks.week_start = replies.week_start
left join responses
    on member_weeks.member_id = responses.member_id
    and member_weeks.week_start = responses.week_start
