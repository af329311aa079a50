{#- WeChat 用户增长 backend export (series): one row per account and stat_date. Raw keeps the winning
    delivery per key; identical duplicates inside one file are collapsed. -#}
with source as (
    select * from {{ source('raw', 'wechat_user_growth') }}
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
    followers_new,
    followers_new_is_capped,
    followers_lost,
    followers_lost_is_capped,
    followers_net,
    followers_net_is_capped,
    followers_total,
    followers_total_is_capped,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from ranked
where rn = 1
