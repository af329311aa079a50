{#- Douyin live sessions (snapshot mode): every (account, live_id, export) is kept as history. The current
    row (is_latest) has the latest export time; for equal export times the newer delivery wins (contract §1
    rule 5: ops.file_manifest.order_key = export time | delivered_at | path). -#}
with source as (
    select * from {{ source('raw', 'douyin_live_sessions') }}
),

manifest as (
    select
        sha256,
        max(order_key) as order_key
    from {{ source('ops', 'file_manifest') }}
    group by sha256
),

deduped as (
    select
        source.*,
        manifest.order_key,
        row_number() over (
            partition by source.platform, source.account, source.live_id, source._file_sha256
            order by source._row_number desc
        ) as rn_in_file
    from source
    left join manifest
        on source._file_sha256 = manifest.sha256
),

ranked as (
    select
        deduped.*,
        row_number() over (
            partition by platform, account, live_id
            order by _export_at desc, order_key desc, _loaded_at desc, _file_sha256 desc
        ) as snapshot_desc
    from deduped
    where rn_in_file = 1
)

select
    platform || '/' || account || '/' || live_id || '@' || _file_sha256 as live_snapshot_key,
    platform,
    account,
    live_id,
    title,
    started_at,
    started_date,
    ended_at,
    ended_date,
    duration_seconds,
    viewers,
    viewers_is_capped,
    views,
    views_is_capped,
    peak_concurrent,
    peak_concurrent_is_capped,
    avg_concurrent,
    avg_concurrent_is_capped,
    avg_watch_seconds,
    new_followers,
    new_followers_is_capped,
    comments,
    comments_is_capped,
    likes,
    likes_is_capped,
    shares,
    shares_is_capped,
    product_impression_users,
    product_impression_users_is_capped,
    product_click_users,
    product_click_users_is_capped,
    orders,
    orders_is_capped,
    buyers,
    buyers_is_capped,
    gmv,
    campaign_id,
    _export_at as metrics_as_of,
    order_key as delivery_order_key,
    snapshot_desc = 1 as is_latest,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from ranked
