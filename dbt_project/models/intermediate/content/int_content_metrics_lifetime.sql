{#-
  Lifetime metrics per post (DESIGN Arithmetic "Content metrics are lifetime metrics"): per post and per
  metric, the latest non-NULL value by metrics_as_of across the post's sources (int_content_metric_values
  order). metrics_as_of = the latest snapshot time among the values used. WeChat comments = the number of
  the article's wechat/comments rows (0 when the account has comment deliveries but none for the article;
  NULL when the account has no comment data at all); comment rows are events, so they do not move
  metrics_as_of. WeChat likes stay NULL (no declared source delivers them).
-#}
{%- set metrics = ['views', 'impressions', 'likes', 'comments', 'shares', 'saves', 'completion_rate', 'new_followers'] -%}
with items as (
    select
        content_key,
        platform,
        account,
        post_ref
    from {{ ref('int_content_items') }}
),

metric_values as (
    select * from {{ ref('int_content_metric_values') }}
),

latest as (
    select
        content_key,
        metric,
        metric_value,
        metrics_as_of
    from (
        select
            metric_values.*,
            row_number() over (
                partition by content_key, metric
                order by
                    metrics_as_of desc,
                    _export_at desc,
                    _delivered_at desc,
                    _file_path desc,
                    _row_number desc,
                    source_name desc
            ) as rn
        from metric_values
    ) as ranked
    where rn = 1
),

wide as (
    select
        content_key,
        {% for m in metrics %}
            max(case when metric = '{{ m }}' then metric_value end) as {{ m }},
        {% endfor %}
        max(metrics_as_of) as metrics_as_of
    from latest
    group by content_key
),

loaded as (
    select
        content_key,
        max(_loaded_at) as _loaded_at
    from metric_values
    group by content_key
),

comment_fetches as (
    {{ fanops.content_wechat_comment_fetches() }}
),

comment_counts as (
    select
        platform,
        account,
        post_ref,
        count(*) as comment_rows,
        max(_loaded_at) as _loaded_at
    from {{ source('raw', 'wechat_comments') }}
    group by
        platform,
        account,
        post_ref
)

select
    items.content_key,
    wide.views,
    wide.impressions,
    wide.likes,
    case
        when items.platform = 'wechat' and comment_fetches.account is not null
            then cast(coalesce(comment_counts.comment_rows, 0) as double)
        when items.platform = 'wechat' then null
        else wide.comments
    end as comments,
    wide.shares,
    wide.saves,
    wide.completion_rate,
    wide.new_followers,
    wide.metrics_as_of,
    case
        when comment_counts._loaded_at is null or loaded._loaded_at >= comment_counts._loaded_at
            then loaded._loaded_at
        else comment_counts._loaded_at
    end as _source_loaded_at
from items
left join wide
    on wide.content_key = items.content_key
left join loaded
    on loaded.content_key = items.content_key
left join comment_fetches
    on comment_fetches.platform = items.platform
    and comment_fetches.account = items.account
left join comment_counts
    on comment_counts.platform = items.platform
    and comment_counts.account = items.account
    and comment_counts.post_ref = items.post_ref
