{#-
  Metrics at age (DESIGN Arithmetic "Metric age"): per post and per metric, the non-NULL value with the
  earliest metrics_as_of >= published_at + metric_age_days days across its sources (equal times: the newer
  delivery, as for lifetime values). WeChat comments at age = the article's comment rows created before that
  instant, known only when the account's comment data was fetched at or after the instant.
  interactions_at_age = the sum of the at-age parts available (NULL when none); engagement_rate_at_age =
  interactions_at_age / views_at_age (NULL without an at-age views value: the post is left out of rate KPIs
  and quality tiers).
-#}
{%- set metrics = ['views', 'impressions', 'likes', 'comments', 'shares', 'saves'] -%}
with items as (
    select
        content_key,
        platform,
        account,
        post_ref,
        published_at,
        {{ dbt.dateadd('day', var('metric_age_days'), 'published_at') }} as age_at
    from {{ ref('int_content_items') }}
),

metric_values as (
    select * from {{ ref('int_content_metric_values') }}
),

first_at_age as (
    select
        content_key,
        metric,
        metric_value,
        metrics_as_of
    from (
        select
            metric_values.*,
            row_number() over (
                partition by metric_values.content_key, metric_values.metric
                order by
                    metric_values.metrics_as_of,
                    metric_values._export_at desc,
                    metric_values._delivered_at desc,
                    metric_values._file_path desc,
                    metric_values._row_number desc,
                    metric_values.source_name desc
            ) as rn
        from metric_values
        inner join items
            on items.content_key = metric_values.content_key
        where metric_values.metrics_as_of >= items.age_at
    ) as ranked
    where rn = 1
),

wide as (
    select
        content_key,
        {% for m in metrics %}
            max(case when metric = '{{ m }}' then metric_value end) as {{ m }}_at_age,
        {% endfor %}
        max(metrics_as_of) as at_age_as_of
    from first_at_age
    group by content_key
),

comment_fetches as (
    {{ fanops.content_wechat_comment_fetches() }}
),

wechat_comments as (
    select
        items.content_key,
        count(*) as comment_rows
    from items
    inner join {{ source('raw', 'wechat_comments') }} as comment_rows
        on comment_rows.platform = items.platform
        and comment_rows.account = items.account
        and comment_rows.post_ref = items.post_ref
    where comment_rows.created_at < items.age_at
    group by items.content_key
),

combined as (
    select
        items.content_key,
        items.age_at,
        wide.views_at_age,
        wide.impressions_at_age,
        wide.likes_at_age,
        case
            when items.platform = 'wechat' and comment_fetches.comments_fetched_at >= items.age_at
                then cast(coalesce(wechat_comments.comment_rows, 0) as double)
            when items.platform = 'wechat' then null
            else wide.comments_at_age
        end as comments_at_age,
        wide.shares_at_age,
        wide.saves_at_age,
        wide.at_age_as_of
    from items
    left join wide
        on wide.content_key = items.content_key
    left join comment_fetches
        on comment_fetches.platform = items.platform
        and comment_fetches.account = items.account
    left join wechat_comments
        on wechat_comments.content_key = items.content_key
),

summed as (
    select
        combined.*,
        {{ fanops.content_sum_parts(['likes_at_age', 'comments_at_age', 'shares_at_age', 'saves_at_age']) }}
            as interactions_at_age
    from combined
)

select
    content_key,
    age_at,
    views_at_age,
    impressions_at_age,
    likes_at_age,
    comments_at_age,
    shares_at_age,
    saves_at_age,
    interactions_at_age,
    {{ fanops.safe_divide('interactions_at_age', 'views_at_age') }} as engagement_rate_at_age,
    at_age_as_of
from summed
