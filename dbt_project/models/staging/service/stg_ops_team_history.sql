-- Every delivered version of every team member (registry history). `is_latest` marks the version the
-- loader chose as current (the row raw.ops_team holds: contract §1 rule 5), so the two never disagree.
with source as (
    select * from {{ source('raw', 'ops_team_history') }}
),

current_version as (
    select
        member_id,
        _file_sha256,
        _row_number
    from {{ source('raw', 'ops_team') }}
),

renamed as (
    select
        s.member_id || ':' || s._file_sha256 || ':' || cast(s._row_number as {{ dbt.type_string() }})
            as member_version_key,
        s.member_id,
        s.display_name,
        s.role,
        s.role_raw,
        s.accounts,
        s.joined_on,
        s.left_on,
        s.status,
        s.status_raw,
        s.status = 'active' as is_active,
        c.member_id is not null as is_latest,
        s._file_sha256,
        s._row_number,
        s._loaded_at,
        s._export_at
    from source as s
    left join current_version as c
        on
        s.member_id = c.member_id
        and s._file_sha256 = c._file_sha256
        and s._row_number = c._row_number
)

select * from renamed
