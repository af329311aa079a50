{#- Every delivered version of an ops/accounts row (registry history), ordered by the delivery order of
    contract §1 rule 5 (export time, then delivered_at, then path: ops.file_manifest.order_key). -#}
with source as (
    select * from {{ source('raw', 'ops_accounts_history') }}
),

manifest as (
    select
        sha256,
        max(order_key) as order_key
    from {{ source('ops', 'file_manifest') }}
    group by sha256
),

deduped as (
    select
        source.*,
        manifest.order_key,
        row_number() over (
            partition by source.platform, source.account, source._file_sha256
            order by source._row_number desc
        ) as rn_in_file
    from source
    left join manifest
        on source._file_sha256 = manifest.sha256
),

versions as (
    select
        deduped.*,
        row_number() over (
            partition by platform, account
            order by order_key desc, _export_at desc, _loaded_at desc, _file_sha256 desc
        ) as version_desc
    from deduped
    where rn_in_file = 1
)

select
    platform || '/' || account || '@' || _file_sha256 as account_version_key,
    platform || '/' || account as account_key,
    platform,
    account,
    account_name,
    platform_account_id,
    brand,
    owner_member_id,
    active_from,
    active_to,
    followers_anchor,
    followers_anchor_is_capped,
    followers_anchor_date,
    status,
    status_raw,
    order_key as delivery_order_key,
    version_desc = 1 as is_latest,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from versions
