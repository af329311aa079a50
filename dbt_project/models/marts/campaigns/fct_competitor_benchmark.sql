{#-
  One row per tracked brand × platform × ISO week (week_start = Monday, Asia/Shanghai), plus a platform
  'all' row per brand × week (DESIGN Arithmetic "Competitor weeks", "share_of_voice"):
    competitors  followers / posts / interactions from ops/competitor_observations rows whose period is that
                 whole ISO week (7 days ending on the Sunday);
    own brand    from the own marts over every own social account on the platform: followers = Σ
                 followers_total at the end of the Sunday (int_followers_daily; NULL when no account has a
                 total), posts = posts published in the week (fct_content.published_date), interactions = Σ
                 their interactions (0 when there are no posts, NULL when posts have none);
    mentions     listening mentions of the week (created_date) on the platform whose text contains a
                 keyword of the brand; 0 when listening has mentions on that platform-week but none of the
                 brand, NULL when listening has none at all;
    share_of_voice = mentions / mentions on the platform-week matching any tracked brand (each counted once);
    follower_growth = followers − the previous week's followers of the same brand and platform.
  The 'all' row sums the platform rows (followers / posts / interactions over the platforms present,
  mentions over every listening platform) — convenient for the overall share-of-voice KPI; BI summing rows
  must filter platform <> 'all'.
-#}
with brands as (
    select
        brand_id,
        max(brand_name) as brand_name,
        max(case when is_own_brand then 1 else 0 end) = 1 as is_own_brand
    from {{ ref('stg_ops_competitor_brands') }}
    group by brand_id
),

competitor_weeks as (
    select
        o.brand_id,
        o.platform,
        o.week_start,
        o.followers,
        o.posts,
        o.interactions,
        o._loaded_at as _source_loaded_at
    from {{ ref('stg_ops_competitor_observations') }} as o
    inner join brands
        on brands.brand_id = o.brand_id
    where o.week_start is not null
        and not brands.is_own_brand
),

own_accounts as (
    select
        platform,
        account
    from {{ ref('stg_ops_accounts') }}
    where is_social
),

own_follower_days as (
    select
        f.platform,
        f.date_day,
        cast({{ dbt.date_trunc('week', 'f.date_day') }} as date) as week_start,
        f.followers_total
    from {{ ref('int_followers_daily') }} as f
    inner join own_accounts as a
        on a.platform = f.platform
        and a.account = f.account
),

own_followers as (
    select
        platform,
        week_start,
        sum(
            case
                when date_day = cast({{ dbt.dateadd('day', 6, 'week_start') }} as date) then followers_total
            end
        ) as followers
    from own_follower_days
    group by
        platform,
        week_start
),

own_posts as (
    select
        c.platform,
        cast({{ dbt.date_trunc('week', 'c.published_date') }} as date) as week_start,
        count(*) as posts,
        sum(c.interactions) as interactions
    from {{ ref('fct_content') }} as c
    inner join own_accounts as a
        on a.platform = c.platform
        and a.account = c.account
    where c.published_date is not null
    group by
        c.platform,
        cast({{ dbt.date_trunc('week', 'c.published_date') }} as date)
),

own_spine as (
    select platform, week_start from own_followers
    union
    select platform, week_start from own_posts
),

own_weeks as (
    select
        brands.brand_id,
        own_spine.platform,
        own_spine.week_start,
        own_followers.followers,
        coalesce(own_posts.posts, 0) as posts,
        case
            when own_posts.posts is null then 0
            else own_posts.interactions
        end as interactions,
        cast(null as {{ dbt.type_timestamp() }}) as _source_loaded_at
    from own_spine
    cross join brands
    left join own_followers
        on own_followers.platform = own_spine.platform
        and own_followers.week_start = own_spine.week_start
    left join own_posts
        on own_posts.platform = own_spine.platform
        and own_posts.week_start = own_spine.week_start
    where brands.is_own_brand
),

figures as (
    select brand_id, platform, week_start, followers, posts, interactions, 'observation' as figures_source, _source_loaded_at
    from competitor_weeks
    union all
    select brand_id, platform, week_start, followers, posts, interactions, 'own_marts' as figures_source, _source_loaded_at
    from own_weeks
),

brand_mentions as (
    select
        brand_id,
        platform,
        created_week_start as week_start,
        count(distinct mention_key) as mentions,
        max(_source_loaded_at) as _source_loaded_at
    from {{ ref('int_brand_mentions') }}
    group by
        brand_id,
        platform,
        created_week_start
),

tracked_mentions as (
    select
        platform,
        created_week_start as week_start,
        count(distinct mention_key) as tracked_mentions
    from {{ ref('int_brand_mentions') }}
    group by
        platform,
        created_week_start
),

listening_weeks as (
    select
        platform,
        created_week_start as week_start,
        count(*) as listening_mentions
    from {{ ref('stg_listening_mentions') }}
    group by
        platform,
        created_week_start
),

spine as (
    select brand_id, platform, week_start from figures
    union
    select brand_id, platform, week_start from brand_mentions
),

platform_rows as (
    select
        spine.brand_id,
        spine.platform,
        spine.week_start,
        figures.figures_source,
        figures.followers,
        figures.posts,
        figures.interactions,
        case
            when brand_mentions.mentions is not null then brand_mentions.mentions
            when listening_weeks.listening_mentions is not null then 0
        end as mentions,
        case
            when tracked_mentions.tracked_mentions is not null then tracked_mentions.tracked_mentions
            when listening_weeks.listening_mentions is not null then 0
        end as tracked_mentions,
        coalesce(brand_mentions._source_loaded_at, figures._source_loaded_at) as _source_loaded_at
    from spine
    left join figures
        on figures.brand_id = spine.brand_id
        and figures.platform = spine.platform
        and figures.week_start = spine.week_start
    left join brand_mentions
        on brand_mentions.brand_id = spine.brand_id
        and brand_mentions.platform = spine.platform
        and brand_mentions.week_start = spine.week_start
    left join tracked_mentions
        on tracked_mentions.platform = spine.platform
        and tracked_mentions.week_start = spine.week_start
    left join listening_weeks
        on listening_weeks.platform = spine.platform
        and listening_weeks.week_start = spine.week_start
),

all_tracked as (
    select
        week_start,
        sum(tracked_mentions) as tracked_mentions
    from tracked_mentions
    group by week_start
),

all_listening as (
    select
        week_start,
        sum(listening_mentions) as listening_mentions
    from listening_weeks
    group by week_start
),

all_rows as (
    select
        p.brand_id,
        'all' as platform,
        p.week_start,
        max(p.figures_source) as figures_source,
        sum(p.followers) as followers,
        sum(p.posts) as posts,
        sum(p.interactions) as interactions,
        sum(p.mentions) as brand_mentions,
        max(p._source_loaded_at) as _source_loaded_at
    from platform_rows as p
    group by
        p.brand_id,
        p.week_start
),

all_platform_rows as (
    select
        all_rows.brand_id,
        all_rows.platform,
        all_rows.week_start,
        all_rows.figures_source,
        all_rows.followers,
        all_rows.posts,
        all_rows.interactions,
        case
            when all_rows.brand_mentions is not null then all_rows.brand_mentions
            when all_listening.listening_mentions is not null then 0
        end as mentions,
        case
            when all_tracked.tracked_mentions is not null then all_tracked.tracked_mentions
            when all_listening.listening_mentions is not null then 0
        end as tracked_mentions,
        all_rows._source_loaded_at
    from all_rows
    left join all_tracked
        on all_tracked.week_start = all_rows.week_start
    left join all_listening
        on all_listening.week_start = all_rows.week_start
),

unioned as (
    select * from platform_rows
    union all
    select * from all_platform_rows
)

select
    u.brand_id || '|' || u.platform || '|' || cast(u.week_start as {{ dbt.type_string() }}) as benchmark_key,
    u.brand_id,
    brands.brand_name as brand,
    brands.brand_name,
    brands.is_own_brand,
    u.platform,
    u.week_start,
    cast({{ dbt.dateadd('day', 6, 'u.week_start') }} as date) as week_end,
    u.figures_source,
    cast(u.followers as {{ dbt.type_bigint() }}) as followers,
    cast(u.followers - previous_week.followers as {{ dbt.type_bigint() }}) as follower_growth,
    cast(u.posts as {{ dbt.type_bigint() }}) as posts,
    cast(u.interactions as {{ dbt.type_bigint() }}) as interactions,
    cast(u.mentions as {{ dbt.type_bigint() }}) as mentions,
    cast(u.tracked_mentions as {{ dbt.type_bigint() }}) as tracked_mentions,
    {{ fanops.safe_divide('u.mentions', 'u.tracked_mentions') }} as share_of_voice,
    u._source_loaded_at
from unioned as u
inner join brands
    on brands.brand_id = u.brand_id
left join unioned as previous_week
    on previous_week.brand_id = u.brand_id
    and previous_week.platform = u.platform
    and previous_week.week_start = cast({{ dbt.dateadd('day', -7, 'u.week_start') }} as date)
