{#- Xiaohongshu 涨粉数据 (series): the long metric rows (one per sheet, date) pivoted to one row per account
    and stat_date. A date missing from one sheet is NULL for that metric, never 0 (contract §3.10). -#}
with source as (
    select * from {{ source('raw', 'xiaohongshu_fans') }}
),

ranked as (
    select
        source.*,
        row_number() over (
            partition by platform, account, metric, stat_date
            order by _export_at desc, _loaded_at desc, _file_sha256 desc, _row_number desc
        ) as rn
    from source
),

pivoted as (
    select
        platform,
        account,
        stat_date,
        max(case when metric = 'followers_new' then value end) as followers_new,
        max(case when metric = 'followers_lost' then value end) as followers_lost,
        max(case when metric = 'followers_net' then value end) as followers_net,
        max(case when metric = 'profile_visitors' then value end) as profile_visitors,
        max(case when metric = 'profile_follow_rate' then value end) as profile_follow_rate,
        max(case when value_is_capped then 1 else 0 end) = 1 as any_value_is_capped,
        max(_loaded_at) as _loaded_at,
        max(_export_at) as _export_at
    from ranked
    where rn = 1
    group by
        platform,
        account,
        stat_date
)

select
    platform || '/' || account || '/' || cast(stat_date as {{ dbt.type_string() }}) as account_day_key,
    platform,
    account,
    stat_date,
    cast(followers_new as {{ dbt.type_bigint() }}) as followers_new,
    cast(followers_lost as {{ dbt.type_bigint() }}) as followers_lost,
    cast(followers_net as {{ dbt.type_bigint() }}) as followers_net,
    cast(profile_visitors as {{ dbt.type_bigint() }}) as profile_visitors,
    cast(profile_follow_rate as double) as profile_follow_rate,
    any_value_is_capped,
    _loaded_at,
    _export_at
from pivoted
