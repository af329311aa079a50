{#- One row per live-stream session: the latest snapshot of each (account, live_id) (export time, then the
    newer delivery). live_id is Douyin's platform-wide 直播场次ID; should one id ever be delivered under two
    accounts, the latest snapshot across them wins so live_id stays the key (docs/decisions/accounts.md).
    Rates are computed here, never delivered: gpm = gmv × 1000 / views, uv_value = gmv / viewers,
    click_rate = product_click_users / product_impression_users, order_rate = buyers / product_click_users
    (NULL when the denominator is 0 or NULL). -#}
with latest as (
    select * from {{ ref('stg_douyin_live_sessions') }}
    where is_latest
),

loaded as (
    select
        platform,
        account,
        live_id,
        max(_loaded_at) as _source_loaded_at
    from {{ ref('stg_douyin_live_sessions') }}
    group by
        platform,
        account,
        live_id
),

one_per_live_id as (
    select
        latest.*,
        loaded._source_loaded_at,
        row_number() over (
            partition by latest.live_id
            order by latest._export_at desc, latest.delivery_order_key desc, latest.account desc
        ) as rn
    from latest
    inner join loaded
        on latest.platform = loaded.platform
        and latest.account = loaded.account
        and latest.live_id = loaded.live_id
)

select
    live_id,
    platform,
    account,
    platform || '/' || account as account_key,
    title,
    started_at,
    started_date,
    ended_at,
    ended_date,
    cast(
        coalesce(duration_seconds, {{ dbt.datediff('started_at', 'ended_at', 'second') }})
        as double
    ) as duration_seconds,
    viewers,
    views,
    peak_concurrent,
    avg_concurrent,
    avg_watch_seconds,
    new_followers,
    comments,
    likes,
    shares,
    product_impression_users,
    product_click_users,
    orders,
    buyers,
    gmv,
    {{ fanops.safe_divide('gmv * 1000', 'views') }} as gpm,
    {{ fanops.safe_divide('gmv', 'viewers') }} as uv_value,
    {{ fanops.safe_divide('product_click_users', 'product_impression_users') }} as click_rate,
    {{ fanops.safe_divide('buyers', 'product_click_users') }} as order_rate,
    campaign_id,
    metrics_as_of,
    _source_loaded_at
from one_per_live_id
where rn = 1
