{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        tags=['daily'],
        **fanops.replace_by_date('date_day')
    )
}}
{#-
  One row per own social account (ops/accounts, shops excluded) and Asia/Shanghai day, from the account's
  first day with data (a follower row or a published post) to the last day with data over all own accounts;
  days without data inside that span are kept (followers NULL, posts_published 0).
  Followers come from int_followers_daily as they are. Post metrics come from fct_content (lifetime metrics
  attributed to the publish date): posts_published = posts published that day; views … interactions = Σ over
  those posts (NULL when no post has the metric); engagement_rate_by_views = Σ interactions / Σ views over the
  posts where both are non-NULL.

  Incremental (delete+insert by whole date_day): a backfill window (vars window_start / window_end)
  recomputes exactly its dates; otherwise the model recomputes the dates whose freshly computed rows differ
  from the stored ones (a row added or removed, or any column changed, _source_loaded_at included). Because
  _source_loaded_at is compared, every date touched by rows loaded after the last build is recomputed, and
  so is every older date that new data can change (XHS totals rebuilt from an anchor, Douyin net of the next
  day, an ops/accounts change, a re-snapshotted old post): the result equals a full refresh. The inputs are
  one row per account-day and one aggregate per account-day of fct_content, so the comparison is cheap.
-#}
with accounts as (
    select
        platform,
        account
    from {{ ref('stg_ops_accounts') }}
    where is_social
),

followers as (
    select
        followers.platform,
        followers.account,
        followers.date_day,
        followers.followers_total,
        followers.followers_new,
        followers.followers_lost,
        followers.followers_net,
        followers.followers_source,
        followers._source_loaded_at
    from {{ ref('int_followers_daily') }} as followers
    inner join accounts
        on followers.platform = accounts.platform
        and followers.account = accounts.account
),

post_days as (
    select
        posts.platform,
        posts.account,
        posts.published_date as date_day,
        count(*) as posts_published,
        sum(posts.views) as views,
        sum(posts.likes) as likes,
        sum(posts.comments) as comments,
        sum(posts.shares) as shares,
        sum(posts.saves) as saves,
        sum(posts.interactions) as interactions,
        sum(
            case when posts.interactions is not null and posts.views is not null then posts.interactions end
        ) as rate_interactions,
        sum(
            case when posts.interactions is not null and posts.views is not null then posts.views end
        ) as rate_views,
        max(posts._source_loaded_at) as _source_loaded_at
    from {{ ref('fct_content') }} as posts
    inner join accounts
        on posts.platform = accounts.platform
        and posts.account = accounts.account
    where posts.published_date is not null
    group by
        posts.platform,
        posts.account,
        posts.published_date
),

data_days as (
    select
        platform,
        account,
        date_day
    from followers

    union all

    select
        platform,
        account,
        date_day
    from post_days
),

account_spans as (
    select
        platform,
        account,
        min(date_day) as first_day
    from data_days
    group by
        platform,
        account
),

bounds as (
    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from data_days
),

{#- 0 … 99 999 days (≈ 273 years) without an engine-specific series generator. -#}
digits as (
    select digit_values.d
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as digit_values (d)
),

day_numbers as (
    select
        d1.d + 10 * d2.d + 100 * d3.d + 1000 * d4.d + 10000 * d5.d as n
    from digits as d1
    cross join digits as d2
    cross join digits as d3
    cross join digits as d4
    cross join digits as d5
),

calendar as (
    select
        cast({{ dbt.dateadd('day', 'day_numbers.n', 'bounds.first_day') }} as date) as date_day
    from day_numbers
    cross join bounds
    where day_numbers.n <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}
),

spine as (
    select
        account_spans.platform,
        account_spans.account,
        calendar.date_day
    from account_spans
    inner join calendar
        on calendar.date_day >= account_spans.first_day
),

computed as (
    select
        spine.platform || '/' || spine.account || '/' || cast(spine.date_day as {{ dbt.type_string() }})
            as account_day_key,
        spine.platform || '/' || spine.account as account_key,
        spine.platform,
        spine.account,
        spine.date_day,
        followers.followers_total,
        followers.followers_new,
        followers.followers_lost,
        followers.followers_net,
        followers.followers_source,
        cast(coalesce(post_days.posts_published, 0) as {{ dbt.type_bigint() }}) as posts_published,
        cast(post_days.views as {{ dbt.type_bigint() }}) as views,
        cast(post_days.likes as {{ dbt.type_bigint() }}) as likes,
        cast(post_days.comments as {{ dbt.type_bigint() }}) as comments,
        cast(post_days.shares as {{ dbt.type_bigint() }}) as shares,
        cast(post_days.saves as {{ dbt.type_bigint() }}) as saves,
        cast(post_days.interactions as {{ dbt.type_bigint() }}) as interactions,
        {{ fanops.safe_divide('post_days.rate_interactions', 'post_days.rate_views') }}
            as engagement_rate_by_views,
        case
            when post_days._source_loaded_at is null then followers._source_loaded_at
            when followers._source_loaded_at is null then post_days._source_loaded_at
            when post_days._source_loaded_at > followers._source_loaded_at then post_days._source_loaded_at
            else followers._source_loaded_at
        end as _source_loaded_at
    from spine
    left join followers
        on spine.platform = followers.platform
        and spine.account = followers.account
        and spine.date_day = followers.date_day
    left join post_days
        on spine.platform = post_days.platform
        and spine.account = post_days.account
        and spine.date_day = post_days.date_day
)

{% if is_incremental() %}
    ,

    affected_dates as (
        {% if fanops.has_window() %}
            select distinct
                date_day
            from computed
            where {{ fanops.in_window('date_day') }}
        {% else %}
            select distinct
                computed.date_day
            from computed
            left join {{ this }} as existing
                on computed.account_day_key = existing.account_day_key
            where existing.account_day_key is null
        {%- for column in [
            'followers_total', 'followers_new', 'followers_lost', 'followers_net', 'followers_source',
            'posts_published', 'views', 'likes', 'comments', 'shares', 'saves', 'interactions',
            'engagement_rate_by_views', '_source_loaded_at'] %}
                    or computed.{{ column }} is distinct from existing.{{ column }}
                {%- endfor %}

            union

            select distinct
                existing.date_day
            from {{ this }} as existing
            left join computed
                on existing.account_day_key = computed.account_day_key
            where computed.account_day_key is null
        {% endif %}
    )
{% endif %}

select
    computed.account_day_key,
    computed.account_key,
    computed.platform,
    computed.account,
    computed.date_day,
    computed.followers_total,
    computed.followers_new,
    computed.followers_lost,
    computed.followers_net,
    computed.followers_source,
    computed.posts_published,
    computed.views,
    computed.likes,
    computed.comments,
    computed.shares,
    computed.saves,
    computed.interactions,
    computed.engagement_rate_by_views,
    computed._source_loaded_at
from computed
{% if is_incremental() %}
    where computed.date_day in (select affected_dates.date_day from affected_dates)
{% endif %}
