{#- WeChat datacube getusersummary (series): new / cancelled followers per account, stat_date and
    user_source. Only non-zero sources are delivered (contract §3.1 B). -#}
with source as (
    select * from {{ source('raw', 'wechat_user_source_daily') }}
),

ranked as (
    select
        source.*,
        row_number() over (
            partition by platform, account, stat_date, user_source
            order by _export_at desc, _loaded_at desc, _file_sha256 desc, _row_number desc
        ) as rn
    from source
)

select
    platform || '/' || account || '/' || cast(stat_date as {{ dbt.type_string() }})
    || '/' || cast(user_source as {{ dbt.type_string() }}) as account_day_source_key,
    platform,
    account,
    stat_date,
    user_source,
    user_source_name,
    followers_new,
    followers_new_is_capped,
    followers_lost,
    followers_lost_is_capped,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from ranked
where rn = 1
