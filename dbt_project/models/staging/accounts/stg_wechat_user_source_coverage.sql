{#- Dates inside the requested ranges of WeChat getusersummary dumps: a covered date without source rows
    had 0 new / 0 lost followers; a date outside every range is unknown (contract §3.1 B). -#}
with source as (
    select * from {{ source('raw', 'wechat_user_source_coverage') }}
),

ranked as (
    select
        source.*,
        row_number() over (
            partition by platform, account, stat_date
            order by _export_at desc, _loaded_at desc, _file_sha256 desc
        ) as rn
    from source
)

select
    platform || '/' || account || '/' || cast(stat_date as {{ dbt.type_string() }}) as account_day_key,
    platform,
    account,
    stat_date,
    _file_sha256,
    _loaded_at,
    _export_at
from ranked
where rn = 1
