{#- ops/content_calendar registry history: every delivered version of every plan item (status history comes
    from successive deliveries). version_no counts a plan item's versions from 1 in delivery order;
    is_latest marks the current version. -#}
with source as (
    select * from {{ source('raw', 'ops_content_calendar_history') }}
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
            order by _export_at, _delivered_at, _file_path, _row_number
        ) as version_no,
        row_number() over (
            partition by plan_id
            order by {{ fanops.delivery_order_desc() }}
        ) as rn_latest
    from joined
)

select
    plan_id || ':' || _file_sha256 || ':' || cast(_row_number as {{ dbt.type_string() }}) as plan_version_key,
    plan_id,
    version_no,
    rn_latest = 1 as is_latest,
    platform,
    account,
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
    content_ref,
    ref_platform_post_id,
    ref_platform,
    _export_at as valid_from,
    _file_sha256,
    _row_number,
    _file_path,
    _delivered_at,
    _loaded_at,
    _export_at
from ranked
