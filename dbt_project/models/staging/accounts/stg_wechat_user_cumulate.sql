{#- WeChat datacube getusercumulate (series): total followers per account and stat_date. -#}
with source as (
    select * from {{ source('raw', 'wechat_user_cumulate') }}
),

ranked as (
    select
        source.*,
        row_number() over (
            partition by platform, account, stat_date
            order by _export_at desc, _loaded_at desc, _file_sha256 desc, _row_number desc
        ) as rn
    from source
)

select
    platform || '/' || account || '/' || cast(stat_date as {{ dbt.type_string() }}) as account_day_key,
    platform,
    account,
    stat_date,
    followers_total,
    followers_total_is_capped,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from ranked
where rn = 1
