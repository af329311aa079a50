{#- Every delivered version of every KOL (ops/kols registry history); is_current = the version raw keeps. -#}
with history as (
    select
        versions.*,
        deliveries.delivered_at as _delivered_at,
        deliveries.path as _file_path
    from {{ source('raw', 'ops_kols_history') }} as versions
    left join ({{ fanops.file_deliveries() }}) as deliveries
        on deliveries.sha256 = versions._file_sha256
),

current_rows as (
    select
        kol_id,
        _file_sha256,
        _row_number
    from {{ source('raw', 'ops_kols') }}
)

select
    history.kol_id || '@' || history._file_sha256 || ':' || cast(history._row_number as {{ dbt.type_string() }}) as kol_version_key,
    history.kol_id,
    history.kol_name,
    history.platform,
    history.platform_account_id,
    history.profile_url,
    history.followers,
    history.followers_is_capped,
    history.followers_as_of,
    history.tier,
    history.tier_raw,
    history.category,
    history.quoted_fee,
    history.status,
    history.status_raw,
    row_number() over (
        partition by history.kol_id
        order by {{ fanops.delivery_order_desc('history') }}
    ) as version_rank,
    current_rows.kol_id is not null as is_current,
    history._file_sha256,
    history._row_number,
    history._loaded_at,
    history._export_at
from history
left join current_rows
    on current_rows.kol_id = history.kol_id
    and current_rows._file_sha256 = history._file_sha256
    and current_rows._row_number = history._row_number
