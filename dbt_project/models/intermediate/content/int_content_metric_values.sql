{#-
  Post metric observations, long: one row per (snapshot row, metric) with a non-NULL value, from the
  snapshot rows that count (is_export_winner). metric in views, impressions, likes, comments, shares, saves,
  completion_rate, new_followers. WeChat comments are counted from wechat/comments rows elsewhere
  (int_content_metrics_lifetime / _at_age), never from here.
  Order of observations (lifetime = last, at-age = first at or after the age instant): metrics_as_of, then
  for equal times the newer delivery (_export_at, _delivered_at, _file_path, _row_number), then source_name.
-#}
{%- set metrics = ['views', 'impressions', 'likes', 'comments', 'shares', 'saves', 'completion_rate', 'new_followers'] -%}
with snapshots as (
    select * from {{ ref('int_content_snapshots') }}
    where is_export_winner
),

long as (
    {%- for m in metrics %}
        select
            snapshot_key,
            content_key,
            platform,
            account,
            source_name,
            '{{ m }}' as metric,
            {{ m }} as metric_value,
            metrics_as_of,
            _export_at,
            _delivered_at,
            _file_path,
            _row_number,
            _loaded_at
        from snapshots
        where {{ m }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select
    snapshot_key || ':' || metric as metric_value_key,
    content_key,
    platform,
    account,
    source_name,
    metric,
    metric_value,
    metrics_as_of,
    _export_at,
    _delivered_at,
    _file_path,
    _row_number,
    _loaded_at
from long
