{#- Weibo daily fans CSV (series, TEMPLATE): total always, new / lost / net optional, as delivered. -#}
with source as (
    select * from {{ source('raw', 'weibo_fans') }}
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
    followers_new,
    followers_new_is_capped,
    followers_lost,
    followers_lost_is_capped,
    followers_net,
    followers_net_is_capped,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from ranked
where rn = 1
