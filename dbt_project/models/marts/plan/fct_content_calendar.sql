{#-
  fct_content_calendar — one row per planned content item (ops/content_calendar, current version), planned vs
  published (DESIGN Arithmetic "Calendar"; docs in _plan__models.yml):
  - published_at: the linked post's published_at (fct_content, via int_calendar_links) when it carries a time
    (precision second / minute), else the item's 实际发布时间; published_date: its Asia/Shanghai date, else
    the date of a linked date-only post (WeChat without a time).
  - published_on_time = published_at <= planned_at + calendar_grace_minutes; NULL while there is no publish time.
  - days_late = max(0, published_date - planned_date); unpublished: max(0, as-of - planned_date);
    NULL when cancelled.
  - review_rounds: how often the item entered 审核 (in_review) across the sheet's successive deliveries
    (stg_ops_content_calendar_history); the contract has no review / approval timestamps.
-#}
with items as (
    select * from {{ ref('int_calendar_links') }}
),

posts as (
    select
        content_key,
        published_at,
        published_at_precision,
        published_date
    from {{ ref('fct_content') }}
),

team as (
    select
        member_id,
        role
    from {{ ref('stg_ops_team') }}
),

history as (
    select
        plan_id,
        version_no,
        status,
        lag(status) over (partition by plan_id order by version_no) as previous_status
    from {{ ref('stg_ops_content_calendar_history') }}
),

reviews as (
    select
        plan_id,
        sum(
            case
                when status = 'in_review' and (previous_status is null or previous_status <> 'in_review') then 1
                else 0
            end
        ) as review_rounds
    from history
    group by plan_id
),

as_of as (
    select {{ fanops.as_of_date() }} as as_of_date
),

resolved as (
    select
        items.plan_id,
        items.platform,
        items.account,
        items.account_key,
        items.planned_at,
        items.planned_date,
        items.title,
        items.content_type,
        items.campaign_id,
        items.owner_member_id,
        team.role as owner_role,
        items.status,
        items.content_key,
        items.link_rule,
        items.published_at as calendar_published_at,
        case
            when posts.published_at_precision in ('second', 'minute') then posts.published_at
            else items.published_at
        end as published_at,
        case
            when posts.published_at_precision in ('second', 'minute') then 'post'
            when items.published_at is not null then 'calendar'
            when posts.published_date is not null then 'post_date'
        end as published_at_source,
        posts.published_date as post_published_date,
        items.status = 'cancelled' as is_cancelled,
        cast(coalesce(reviews.review_rounds, 0) as {{ dbt.type_int() }}) as review_rounds,
        as_of.as_of_date
    from items
    cross join as_of
    left join posts
        on items.content_key = posts.content_key
    left join team
        on items.owner_member_id = team.member_id
    left join reviews
        on items.plan_id = reviews.plan_id
),

dated as (
    select
        resolved.*,
        coalesce({{ fanops.to_local_date('published_at') }}, post_published_date) as published_date
    from resolved
)

select
    plan_id,
    planned_date,
    platform,
    account,
    account_key,
    content_type,
    owner_member_id,
    owner_role,
    status,
    content_key,
    published_on_time,
    days_late,
    planned_at,
    published_at,
    published_date,
    published_at_source,
    calendar_published_at,
    link_rule,
    publish_delay_minutes,
    title,
    campaign_id,
    review_rounds,
    is_published,
    is_cancelled,
    as_of_date
from (
    select
        dated.*,
        published_date is not null as is_published,
        case
            when published_at is not null
                then published_at <= {{ dbt.dateadd('minute', var('calendar_grace_minutes'), 'planned_at') }}
        end as published_on_time,
        {{ fanops.minutes_between('planned_at', 'published_at') }} as publish_delay_minutes,
        cast(
            case
                when is_cancelled then null
                when published_date is not null and published_date > planned_date
                    then {{ dbt.datediff('planned_date', 'published_date', 'day') }}
                when published_date is not null then 0
                when as_of_date > planned_date then {{ dbt.datediff('planned_date', 'as_of_date', 'day') }}
                else 0
            end as {{ dbt.type_int() }}
        ) as days_late
    from dated
) as final
