{#-
  Shop orders (shop/orders, mode `snapshot`): raw keeps every (shop, order_id, export time). This view keeps
  one row per (shop, order_id, file) — identical duplicates inside one file load twice and the first row is
  kept — and ranks the snapshots of an order: the current one has the latest export time; for equal export
  times the newer delivery wins (later delivered_at, then the lexically greater landing path; contract §1
  rules 5–6). `is_latest` marks the current snapshot.
-#}
with manifest as (
    {{ fanops.file_deliveries() }}
),

orders as (
    select
        o.platform,
        o.account,
        o.order_id,
        o.status,
        o.status_raw,
        o.paid_amount,
        o.shipping_fee,
        o.order_amount,
        o.refund_amount,
        o.created_at,
        o.created_date,
        o.paid_at,
        o.paid_date,
        o.shipped_at,
        o.shipped_date,
        o.confirmed_at,
        o.confirmed_date,
        o.close_reason,
        o.buyer_key,
        nullif(trim(o.coupon_code), '') as coupon_code,
        o.traffic_source,
        o.traffic_source_raw,
        nullif(trim(o.kol_id), '') as kol_id,
        o.content_ref,
        o.ref_platform_post_id,
        o.ref_platform,
        o._file_sha256,
        o._row_number,
        o._loaded_at,
        o._export_at,
        m.delivered_at as _delivered_at,
        m.path as _file_path,
        row_number() over (
            partition by o.platform, o.account, o.order_id, o._file_sha256
            order by o._row_number
        ) as rn_in_file
    from {{ source('raw', 'shop_orders') }} as o
    left join manifest as m
        on m.sha256 = o._file_sha256
),

ranked as (
    select
        orders.*,
        row_number() over (
            partition by platform, account, order_id
            order by {{ fanops.delivery_order_desc() }}
        ) as snapshot_rank
    from orders
    where rn_in_file = 1
)

select
    platform || ':' || account || ':' || order_id || ':' || _file_sha256 as order_snapshot_key,
    platform,
    account,
    order_id,
    status,
    status_raw,
    paid_amount,
    shipping_fee,
    order_amount,
    refund_amount,
    created_at,
    created_date,
    paid_at,
    paid_date,
    shipped_at,
    shipped_date,
    confirmed_at,
    confirmed_date,
    close_reason,
    buyer_key,
    coupon_code,
    traffic_source,
    traffic_source_raw,
    kol_id,
    content_ref,
    ref_platform_post_id,
    ref_platform,
    _export_at as snapshot_at,
    snapshot_rank,
    snapshot_rank = 1 as is_latest,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at,
    _delivered_at,
    _file_path
from ranked
