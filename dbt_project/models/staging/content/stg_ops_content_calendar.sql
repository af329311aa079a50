{#- ops/content_calendar registry: the current version of each plan item (raw keeps the winning row per
    plan_id; identical rows are collapsed here). published_at = 实际发布时间 (UTC); its precision is
    'minute' when the delivered sheet carries no seconds at all, else 'second'. -#}
with source as (
    select * from {{ source('raw', 'ops_content_calendar') }}
),

deliveries as (
    {{ fanops.content_file_deliveries() }}
),

joined as (
    select
        source.*,
        deliveries.delivered_at as _delivered_at,
        deliveries.path as _file_path
    from source
    left join deliveries
        on deliveries.sha256 = source._file_sha256
),

ranked as (
    select
        joined.*,
        row_number() over (
            partition by plan_id
            order by {{ fanops.delivery_order_desc() }}
        ) as rn,
        {{ fanops.content_file_precision('published_at') }} as published_at_precision
    from joined
)

select
    plan_id,
    platform,
    account,
    platform || '/' || account as account_key,
    account_ref,
    planned_at,
    planned_date,
    title,
    content_type,
    content_type_raw,
    campaign_id,
    owner_member_id,
    status,
    status_raw,
    published_at,
    published_date,
    case when published_at is not null then published_at_precision end as published_at_precision,
    content_ref,
    ref_platform_post_id,
    ref_platform,
    _file_sha256,
    _row_number,
    _file_path,
    _delivered_at,
    _loaded_at,
    _export_at
from ranked
where rn = 1
