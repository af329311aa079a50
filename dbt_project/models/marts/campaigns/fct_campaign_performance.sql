{#-
  One row per campaign (DESIGN "Metric definitions" and Arithmetic "Campaigns"):
    cost          = Σ valid (non-void) cost lines, credit notes negative; NULL when it has no valid line;
    exposures     = Σ views of its linked posts (calendar items' posts from fct_content, KOL posts' latest
                    snapshot) + Σ views of its live sessions (fct_live_sessions.campaign_id); parts without
                    views (Weibo) are absent, NULL only when no part has views;
    interactions  = Σ interactions of its linked posts (live sessions excluded);
    participants  = distinct fan_keys that commented on a linked post, or messaged one of its accounts,
                    with created_at inside [starts_at, window_end_at];
    orders, buyers, gmv, refunds, net_gmv = counted fct_orders rows attributed to it (0 when none);
    conversion_rate_by_exposures = orders / exposures; roas = gmv / cost; roi = (net_gmv − cost) / cost;
    cpm = cost / exposures × 1000; cpe = cost / interactions; cpa = cost / orders; budget_used = cost / budget.
  Every divisor goes through safe_divide (NULL when 0 or NULL).
-#}
with campaigns as (
    select
        campaign_id,
        campaign_name,
        campaign_type,
        status,
        starts_at,
        window_end_at,
        budget,
        _source_loaded_at
    from {{ ref('int_campaign_windows') }}
),

costs as (
    select
        campaign_id,
        sum(amount) as cost,
        max(_loaded_at) as _source_loaded_at
    from {{ ref('stg_ops_campaign_costs') }}
    where is_valid
    group by campaign_id
),

linked_posts as (
    select
        campaign_id,
        count(*) as linked_posts,
        sum(views) as post_views,
        sum(interactions) as interactions,
        max(_source_loaded_at) as _source_loaded_at
    from {{ ref('int_campaign_linked_posts') }}
    group by campaign_id
),

live as (
    select
        campaign_id,
        count(*) as live_sessions,
        sum(views) as live_views,
        max(_source_loaded_at) as _source_loaded_at
    from {{ ref('fct_live_sessions') }}
    where campaign_id is not null
    group by campaign_id
),

commenters as (
    select
        c.campaign_id,
        i.fan_key,
        i._source_loaded_at
    from campaigns as c
    inner join {{ ref('int_campaign_linked_posts') }} as lp
        on lp.campaign_id = c.campaign_id
    inner join {{ ref('fct_interactions') }} as i
        on i.content_key = lp.content_key
        and i.channel = 'comment'
        and i.created_at >= c.starts_at
        and i.created_at <= c.window_end_at
    where lp.content_key is not null
),

messagers as (
    select
        c.campaign_id,
        i.fan_key,
        i._source_loaded_at
    from campaigns as c
    inner join {{ ref('int_campaign_accounts') }} as ca
        on ca.campaign_id = c.campaign_id
    inner join {{ ref('fct_interactions') }} as i
        on i.platform = ca.platform
        and i.account = ca.account
        and i.channel = 'message'
        and i.created_at >= c.starts_at
        and i.created_at <= c.window_end_at
),

participants as (
    select
        campaign_id,
        count(distinct fan_key) as participants,
        max(_source_loaded_at) as _source_loaded_at
    from (
        select campaign_id, fan_key, _source_loaded_at from commenters
        union all
        select campaign_id, fan_key, _source_loaded_at from messagers
    ) as fans
    where fan_key is not null
    group by campaign_id
),

orders as (
    select
        attributed_campaign_id as campaign_id,
        count(distinct order_id) as orders,
        count(distinct buyer_key) as buyers,
        sum(amount) as gmv,
        sum(refund) as refunds,
        sum(net_amount) as net_gmv,
        max(_source_loaded_at) as _source_loaded_at
    from {{ ref('fct_orders') }}
    where is_counted
        and attributed_campaign_id is not null
    group by attributed_campaign_id
),

joined as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.status,
        campaigns.budget,
        costs.cost,
        coalesce(linked_posts.linked_posts, 0) as linked_posts,
        coalesce(live.live_sessions, 0) as live_sessions,
        linked_posts.post_views,
        live.live_views,
        case
            when linked_posts.post_views is null and live.live_views is null then null
            else coalesce(linked_posts.post_views, 0) + coalesce(live.live_views, 0)
        end as exposures,
        linked_posts.interactions,
        coalesce(participants.participants, 0) as participants,
        coalesce(orders.orders, 0) as orders,
        coalesce(orders.buyers, 0) as buyers,
        coalesce(orders.gmv, 0) as gmv,
        coalesce(orders.refunds, 0) as refunds,
        coalesce(orders.net_gmv, 0) as net_gmv,
        greatest(
            campaigns._source_loaded_at,
            coalesce(costs._source_loaded_at, campaigns._source_loaded_at),
            coalesce(linked_posts._source_loaded_at, campaigns._source_loaded_at),
            coalesce(live._source_loaded_at, campaigns._source_loaded_at),
            coalesce(participants._source_loaded_at, campaigns._source_loaded_at),
            coalesce(orders._source_loaded_at, campaigns._source_loaded_at)
        ) as _source_loaded_at
    from campaigns
    left join costs
        on costs.campaign_id = campaigns.campaign_id
    left join linked_posts
        on linked_posts.campaign_id = campaigns.campaign_id
    left join live
        on live.campaign_id = campaigns.campaign_id
    left join participants
        on participants.campaign_id = campaigns.campaign_id
    left join orders
        on orders.campaign_id = campaigns.campaign_id
)

select
    campaign_id,
    campaign_name,
    campaign_type,
    status,
    cast(budget as decimal(18, 2)) as budget,
    cast(cost as decimal(18, 2)) as cost,
    cast(exposures as {{ dbt.type_bigint() }}) as exposures,
    cast(post_views as {{ dbt.type_bigint() }}) as post_views,
    cast(live_views as {{ dbt.type_bigint() }}) as live_views,
    cast(interactions as {{ dbt.type_bigint() }}) as interactions,
    cast(participants as {{ dbt.type_bigint() }}) as participants,
    cast(orders as {{ dbt.type_bigint() }}) as orders,
    cast(buyers as {{ dbt.type_bigint() }}) as buyers,
    cast(gmv as decimal(18, 2)) as gmv,
    cast(refunds as decimal(18, 2)) as refunds,
    cast(net_gmv as decimal(18, 2)) as net_gmv,
    {{ fanops.safe_divide('orders', 'exposures') }} as conversion_rate_by_exposures,
    {{ fanops.safe_divide('gmv', 'cost') }} as roas,
    {{ fanops.safe_divide('net_gmv - cost', 'cost') }} as roi,
    {{ fanops.safe_divide('cost', 'exposures') }} * 1000 as cpm,
    {{ fanops.safe_divide('cost', 'interactions') }} as cpe,
    {{ fanops.safe_divide('cost', 'orders') }} as cpa,
    {{ fanops.safe_divide('cost', 'budget') }} as budget_used,
    cast(linked_posts as {{ dbt.type_bigint() }}) as linked_posts,
    cast(live_sessions as {{ dbt.type_bigint() }}) as live_sessions,
    _source_loaded_at
from joined
