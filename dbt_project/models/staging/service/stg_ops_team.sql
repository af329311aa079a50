-- Team registry, current version per member (contract §3.15.9; raw keeps the winning row per member_id).
-- `accounts` stays a list of account references (a bare slug or `<platform>/<slug>`).
with source as (
    select * from {{ source('raw', 'ops_team') }}
),

renamed as (
    select
        member_id,
        display_name,
        role,
        role_raw,
        accounts,
        joined_on,
        left_on,
        status,
        status_raw,
        status = 'active' as is_active,
        _file_sha256,
        _row_number,
        _loaded_at,
        _export_at
    from source
)

select * from renamed
