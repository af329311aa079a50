{#- Douyin open-platform fans series: new fans and total fans per account and stat_date. Overlapping
    7/15/30-day pulls are resolved by ingestion (newest delivery wins per date). -#}
with source as (
    select * from {{ source('raw', 'douyin_fans') }}
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
    followers_total,
    followers_total_is_capped,
    date_type,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from ranked
where rn = 1
