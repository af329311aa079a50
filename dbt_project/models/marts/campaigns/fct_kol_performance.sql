{#-
  One row per campaign × KOL: every (campaign_id, kol_id) of an ops/kol_posts collaboration or of a valid
  kol_fee cost line. DESIGN "Metric definitions" / Arithmetic "Campaigns":
    fee          = Σ valid (non-void) kol_fee lines with this (campaign_id, kol_id), credit notes negative;
                   NULL when there is no valid line;
    views / interactions = Σ over its collaborations' latest snapshots (NULL when none has the metric);
    orders / buyers / gmv / refunds / net_gmv = counted fct_orders rows with attributed_campaign_id = its
                   campaign AND attributed_kol_id = its KOL, whichever rule won;
    cpm = fee / views × 1000; cpe = fee / interactions; cpa = fee / orders; roas = gmv / fee;
    roi = (net_gmv − fee) / fee; conversion_rate_by_exposures = orders / views.
  Every divisor goes through safe_divide (NULL on 0 or NULL).
-#}
with collabs as (
    select
        campaign_id,
        kol_id,
        count(*) as collabs,
        sum(views) as views,
        sum(interactions) as interactions,
        max(_source_loaded_at) as _source_loaded_at
    from {{ ref('int_kol_collabs') }}
    where campaign_id is not null
        and kol_id is not null
    group by
        campaign_id,
        kol_id
),

fees as (
    select
        campaign_id,
        kol_id,
        sum(amount) as fee,
        max(_loaded_at) as _source_loaded_at
    from {{ ref('stg_ops_campaign_costs') }}
    where is_valid
        and cost_type = 'kol_fee'
        and kol_id is not null
    group by
        campaign_id,
        kol_id
),

pairs as (
    select campaign_id, kol_id from collabs
    union
    select campaign_id, kol_id from fees
),

orders as (
    select
        attributed_campaign_id as campaign_id,
        attributed_kol_id as kol_id,
        count(distinct order_id) as orders,
        count(distinct buyer_key) as buyers,
        sum(amount) as gmv,
        sum(refund) as refunds,
        sum(net_amount) as net_gmv,
        max(_source_loaded_at) as _source_loaded_at
    from {{ ref('fct_orders') }}
    where is_counted
        and attributed_campaign_id is not null
        and attributed_kol_id is not null
    group by
        attributed_campaign_id,
        attributed_kol_id
),

kols as (
    select
        kol_id,
        kol_name,
        platform,
        tier
    from {{ ref('stg_ops_kols') }}
),

joined as (
    select
        pairs.campaign_id,
        pairs.kol_id,
        kols.kol_name,
        kols.platform as kol_platform,
        kols.tier,
        coalesce(collabs.collabs, 0) as collabs,
        fees.fee,
        collabs.views,
        collabs.interactions,
        coalesce(orders.orders, 0) as orders,
        coalesce(orders.buyers, 0) as buyers,
        coalesce(orders.gmv, 0) as gmv,
        coalesce(orders.refunds, 0) as refunds,
        coalesce(orders.net_gmv, 0) as net_gmv,
        greatest(
            coalesce(collabs._source_loaded_at, fees._source_loaded_at, orders._source_loaded_at),
            coalesce(fees._source_loaded_at, collabs._source_loaded_at, orders._source_loaded_at),
            coalesce(orders._source_loaded_at, collabs._source_loaded_at, fees._source_loaded_at)
        ) as _source_loaded_at
    from pairs
    left join collabs
        on collabs.campaign_id = pairs.campaign_id
        and collabs.kol_id = pairs.kol_id
    left join fees
        on fees.campaign_id = pairs.campaign_id
        and fees.kol_id = pairs.kol_id
    left join orders
        on orders.campaign_id = pairs.campaign_id
        and orders.kol_id = pairs.kol_id
    left join kols
        on kols.kol_id = pairs.kol_id
)

select
    campaign_id || '|' || kol_id as kol_performance_key,
    campaign_id,
    kol_id,
    kol_name,
    kol_platform,
    tier,
    cast(collabs as {{ dbt.type_bigint() }}) as collabs,
    cast(fee as decimal(18, 2)) as fee,
    cast(views as {{ dbt.type_bigint() }}) as views,
    cast(interactions as {{ dbt.type_bigint() }}) as interactions,
    cast(orders as {{ dbt.type_bigint() }}) as orders,
    cast(buyers as {{ dbt.type_bigint() }}) as buyers,
    cast(gmv as decimal(18, 2)) as gmv,
    cast(refunds as decimal(18, 2)) as refunds,
    cast(net_gmv as decimal(18, 2)) as net_gmv,
    {{ fanops.safe_divide('fee', 'views') }} * 1000 as cpm,
    {{ fanops.safe_divide('fee', 'interactions') }} as cpe,
    {{ fanops.safe_divide('fee', 'orders') }} as cpa,
    {{ fanops.safe_divide('gmv', 'fee') }} as roas,
    {{ fanops.safe_divide('net_gmv - fee', 'fee') }} as roi,
    {{ fanops.safe_divide('orders', 'views') }} as conversion_rate_by_exposures,
    _source_loaded_at
from joined
