{#- Every delivered version of every tracked-brand row (ops/competitor_brands registry history). -#}
with history as (
    select
        versions.*,
        deliveries.delivered_at as _delivered_at,
        deliveries.path as _file_path
    from {{ source('raw', 'ops_competitor_brands_history') }} as versions
    left join ({{ fanops.file_deliveries() }}) as deliveries
        on deliveries.sha256 = versions._file_sha256
),

current_rows as (
    select
        _file_sha256,
        _row_number
    from {{ source('raw', 'ops_competitor_brands') }}
)

select
    history.brand_id || '|' || coalesce(history.platform, '') || '|' || coalesce(history.account_name, '')
    || '@' || history._file_sha256 || ':' || cast(history._row_number as {{ dbt.type_string() }}) as brand_version_key,
    history.brand_id || '|' || coalesce(history.platform, '') || '|' || coalesce(history.account_name, '') as brand_account_key,
    history.brand_id,
    history.brand_name,
    coalesce(history.is_own_brand, false) as is_own_brand,
    {{ campaigns_list_to_text('history.keywords') }} as keywords_text,
    history.platform,
    history.account_name,
    history.platform_account_id,
    row_number() over (
        partition by history.brand_id, history.platform, history.account_name
        order by {{ fanops.delivery_order_desc('history') }}
    ) as version_rank,
    current_rows._file_sha256 is not null as is_current,
    history._file_sha256,
    history._row_number,
    history._loaded_at,
    history._export_at
from history
left join current_rows
    on current_rows._file_sha256 = history._file_sha256
    and current_rows._row_number = history._row_number
