{#- Every delivered version of every cost line (ops/campaign_costs registry history); is_current = the version raw keeps. -#}
with history as (
    select
        versions.*,
        deliveries.delivered_at as _delivered_at,
        deliveries.path as _file_path
    from {{ source('raw', 'ops_campaign_costs_history') }} as versions
    left join ({{ fanops.file_deliveries() }}) as deliveries
        on deliveries.sha256 = versions._file_sha256
),

current_rows as (
    select
        cost_id,
        _file_sha256,
        _row_number
    from {{ source('raw', 'ops_campaign_costs') }}
)

select
    history.cost_id || '@' || history._file_sha256 || ':' || cast(history._row_number as {{ dbt.type_string() }}) as cost_version_key,
    history.cost_id,
    history.campaign_id,
    history.cost_date,
    history.cost_type,
    history.cost_type_raw,
    history.amount,
    history.platform,
    history.kol_id,
    history.collab_id,
    history.status,
    history.status_raw,
    history.note_masked,
    row_number() over (
        partition by history.cost_id
        order by {{ fanops.delivery_order_desc('history') }}
    ) as version_rank,
    current_rows.cost_id is not null as is_current,
    history._file_sha256,
    history._row_number,
    history._loaded_at,
    history._export_at
from history
left join current_rows
    on current_rows.cost_id = history.cost_id
    and current_rows._file_sha256 = history._file_sha256
    and current_rows._row_number = history._row_number
