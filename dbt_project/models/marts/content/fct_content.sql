{#-
  fct_content — one row per own post / video / note / article (live sessions and KOL posts are not own
  content). DESIGN "Metric definitions" and Arithmetic; details in docs/decisions/content.md.
  - Lifetime metrics (int_content_metrics_lifetime): per metric the latest non-NULL value across sources.
  - interactions = likes + comments + shares + saves over the parts the platform provides (NULL only when
    none); engagement_rate_by_views = interactions / views; engagement_rate_by_followers = interactions /
    followers_at_publish, the account's followers_total at the end of the day before the publish date
    (int_followers_daily; NULL when that day has no total).
  - At-age values and the quality tier come from int_content_metrics_at_age / int_content_quality_tiers.
-#}
with items as (
    select * from {{ ref('int_content_items') }}
),

lifetime as (
    select * from {{ ref('int_content_metrics_lifetime') }}
),

at_age as (
    select * from {{ ref('int_content_metrics_at_age') }}
),

tiers as (
    select * from {{ ref('int_content_quality_tiers') }}
),

followers as (
    select
        platform,
        account,
        date_day,
        followers_total
    from {{ ref('int_followers_daily') }}
),

joined as (
    select
        items.content_key,
        items.platform,
        items.account,
        items.published_at,
        items.published_at_precision,
        items.published_date,
        items.title,
        items.format,
        items.content_type,
        items.content_type_source,
        items.campaign_id,
        items.plan_id,
        items.link_rule,
        items.post_ref,
        items.platform_post_id,
        lifetime.views,
        lifetime.impressions,
        lifetime.likes,
        lifetime.comments,
        lifetime.shares,
        lifetime.saves,
        {{ fanops.content_sum_parts(['lifetime.likes', 'lifetime.comments', 'lifetime.shares', 'lifetime.saves']) }}
            as interactions,
        lifetime.completion_rate,
        lifetime.new_followers,
        lifetime.metrics_as_of,
        at_age.views_at_age,
        at_age.interactions_at_age,
        at_age.engagement_rate_at_age,
        at_age.age_at,
        tiers.quality_tier,
        tiers.baseline_scope,
        followers.followers_total as followers_at_publish,
        case
            when lifetime._source_loaded_at is null or items._source_loaded_at >= lifetime._source_loaded_at
                then items._source_loaded_at
            else lifetime._source_loaded_at
        end as _source_loaded_at
    from items
    left join lifetime
        on lifetime.content_key = items.content_key
    left join at_age
        on at_age.content_key = items.content_key
    left join tiers
        on tiers.content_key = items.content_key
    left join followers
        on followers.platform = items.platform
        and followers.account = items.account
        and followers.date_day = {{ dbt.dateadd('day', -1, 'items.published_date') }}
)

select
    cast(content_key as {{ dbt.type_string() }}) as content_key,
    cast(platform as {{ dbt.type_string() }}) as platform,
    cast(account as {{ dbt.type_string() }}) as account,
    cast(published_at as timestamp) as published_at,
    cast(published_at_precision as {{ dbt.type_string() }}) as published_at_precision,
    cast(title as {{ dbt.type_string() }}) as title,
    cast(format as {{ dbt.type_string() }}) as format,
    cast(content_type as {{ dbt.type_string() }}) as content_type,
    cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
    cast(views as {{ dbt.type_bigint() }}) as views,
    cast(impressions as {{ dbt.type_bigint() }}) as impressions,
    cast(likes as {{ dbt.type_bigint() }}) as likes,
    cast(comments as {{ dbt.type_bigint() }}) as comments,
    cast(shares as {{ dbt.type_bigint() }}) as shares,
    cast(saves as {{ dbt.type_bigint() }}) as saves,
    cast(interactions as {{ dbt.type_bigint() }}) as interactions,
    {{ fanops.safe_divide('interactions', 'views') }} as engagement_rate_by_views,
    {{ fanops.safe_divide('interactions', 'followers_at_publish') }} as engagement_rate_by_followers,
    cast(completion_rate as double) as completion_rate,
    cast(new_followers as {{ dbt.type_bigint() }}) as new_followers,
    cast(quality_tier as {{ dbt.type_string() }}) as quality_tier,
    cast(metrics_as_of as timestamp) as metrics_as_of,
    cast(published_date as date) as published_date,
    cast(post_ref as {{ dbt.type_string() }}) as post_ref,
    cast(platform_post_id as {{ dbt.type_string() }}) as platform_post_id,
    cast(plan_id as {{ dbt.type_string() }}) as plan_id,
    cast(content_type_source as {{ dbt.type_string() }}) as content_type_source,
    cast(views_at_age as {{ dbt.type_bigint() }}) as views_at_age,
    cast(interactions_at_age as {{ dbt.type_bigint() }}) as interactions_at_age,
    cast(engagement_rate_at_age as double) as engagement_rate_at_age,
    cast(followers_at_publish as {{ dbt.type_bigint() }}) as followers_at_publish,
    cast(_source_loaded_at as timestamp) as _source_loaded_at,
    cast(platform || '/' || account as {{ dbt.type_string() }}) as account_key,
    cast(link_rule as {{ dbt.type_string() }}) as calendar_link_rule,
    cast(age_at as timestamp) as metric_age_at,
    cast(baseline_scope as {{ dbt.type_string() }}) as quality_baseline_scope
from joined
