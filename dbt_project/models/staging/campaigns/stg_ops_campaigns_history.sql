{#- Every delivered version of every campaign (ops/campaigns registry history); is_current = the version raw keeps. -#}
with history as (
    select
        versions.*,
        deliveries.delivered_at as _delivered_at,
        deliveries.path as _file_path
    from {{ source('raw', 'ops_campaigns_history') }} as versions
    left join ({{ fanops.file_deliveries() }}) as deliveries
        on deliveries.sha256 = versions._file_sha256
),

current_rows as (
    select
        campaign_id,
        _file_sha256,
        _row_number
    from {{ source('raw', 'ops_campaigns') }}
)

select
    history.campaign_id || '@' || history._file_sha256 || ':' || cast(history._row_number as {{ dbt.type_string() }}) as campaign_version_key,
    history.campaign_id,
    history.campaign_name,
    history.campaign_type,
    history.campaign_type_raw,
    {{ campaigns_list_to_text('history.platforms') }} as platforms_text,
    {{ campaigns_list_to_text('history.accounts') }} as accounts_text,
    {{ campaigns_list_to_text('history.coupon_codes') }} as coupon_codes_text,
    {{ campaigns_list_to_text('history.hashtags') }} as hashtags_text,
    history.starts_at,
    history.starts_date,
    history.ends_at,
    history.ends_date,
    history.budget,
    history.owner_member_id,
    history.status,
    history.status_raw,
    row_number() over (
        partition by history.campaign_id
        order by {{ fanops.delivery_order_desc('history') }}
    ) as version_rank,
    current_rows.campaign_id is not null as is_current,
    history._file_sha256,
    history._row_number,
    history._loaded_at,
    history._export_at
from history
left join current_rows
    on current_rows.campaign_id = history.campaign_id
    and current_rows._file_sha256 = history._file_sha256
    and current_rows._row_number = history._row_number
