{#-
  One row per shop order (latest snapshot per (shop, order_id)). DESIGN Arithmetic "Orders":
    amount     = 买家实付金额 (paid_amount);
    refund     = 退款金额 when delivered; the paid amount when the status is a full refund (refunded) and
                 退款金额 is empty; else 0;
    net_amount = amount − refund;
    is_counted = the order has a payment time (refunded or not) — gmv / orders count only these.
  platform / account are the shop's (from the landing path, registered in ops/accounts). Attribution from
  int_order_attribution.
-#}
with orders as (
    select * from {{ ref('stg_shop_orders') }}
    where is_latest
),

attribution as (
    select * from {{ ref('int_order_attribution') }}
),

amounts as (
    select
        orders.*,
        paid_amount as amount,
        case
            when refund_amount is not null then refund_amount
            when status = 'refunded' then paid_amount
            else cast(0 as decimal(18, 2))
        end as refund
    from orders
)

select
    a.order_id,
    a.platform || ':' || a.account || ':' || a.order_id as order_key,
    a.platform,
    a.account,
    a.platform || '/' || a.account as account_key,
    a.buyer_key,
    a.created_at,
    a.created_date,
    a.paid_at,
    a.paid_date,
    a.paid_at is not null as is_counted,
    cast(a.amount as decimal(18, 2)) as amount,
    cast(a.refund as decimal(18, 2)) as refund,
    cast(a.amount - a.refund as decimal(18, 2)) as net_amount,
    a.status,
    a.status_raw,
    attribution.attributed_campaign_id,
    attribution.attributed_platform,
    attribution.attributed_kol_id,
    attribution.attribution_rule,
    attribution.attribution_evidence,
    a.coupon_code,
    a.traffic_source,
    a.kol_id,
    a.content_ref,
    a.ref_platform_post_id,
    a.ref_platform,
    a.snapshot_at,
    a._loaded_at as _source_loaded_at
from amounts as a
left join attribution
    on attribution.platform = a.platform
    and attribution.account = a.account
    and attribution.order_id = a.order_id
