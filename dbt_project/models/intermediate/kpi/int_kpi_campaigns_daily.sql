{#-
  Campaign KPIs per scope and day, each day d computed as if as-of were d (DESIGN "ROAS / ROI",
  conversion_rate_by_exposures "at scorecard scopes", scorecard values "orders by paid_date, cost lines by
  cost_date, posts by publish date"); days plan start … as-of; window [plan start, d].
  Campaigns in scope: overall = every campaign; platform:<p> = campaigns whose 平台 list has p or that
  name an account on p; account:<p>/<a> = campaigns naming that account (int_campaign_platforms /
  int_campaign_accounts). Over the campaigns in scope and the window:
    exposures = Σ views of linked posts published in the window (calendar and KOL posts, lifetime views)
                + Σ views of its live sessions started in the window; NULL when no part has views;
    orders / gmv / net_gmv = counted fct_orders attributed to the campaign, paid in the window;
    cost = Σ valid cost lines (credit notes negative) dated in the window.
    conversion_rate_by_exposures = orders / exposures; roas = gmv / cost; roi = (net_gmv - cost) / cost.
  numerator / denominator = those sums (roi: net_gmv - cost and cost); baseline = the same KPI over the
  baseline_days days before plan start; sample_size = attributed orders in the window. Refunds are the
  orders' latest snapshot (net_gmv of an old day can still fall when a refund arrives later).
-#}
{%- set window_days = var('baseline_days') | int -%}
{%- set start = fanops.plan_start_date() -%}
with scopes as (
    select distinct
        scope,
        scope_level,
        scope_platform,
        scope_account
    from {{ ref('int_kpi_scope_accounts') }}
),

spine as (
    select days.date_day
    from {{ fanops.kpi_day_spine(dbt.dateadd('day', -1 * window_days, start), fanops.as_of_date()) }} as days
),

post_exposures as (
    select
        campaign_id,
        {{ fanops.to_local_date('published_at') }} as date_day,
        sum(views) as exposures,
        0 as orders,
        0 as gmv,
        0 as net_gmv,
        0 as cost
    from {{ ref('int_campaign_linked_posts') }}
    where published_at is not null
        and views is not null
    group by
        campaign_id,
        {{ fanops.to_local_date('published_at') }}
),

live_exposures as (
    select
        campaign_id,
        started_date as date_day,
        sum(views) as exposures,
        0 as orders,
        0 as gmv,
        0 as net_gmv,
        0 as cost
    from {{ ref('fct_live_sessions') }}
    where campaign_id is not null
        and started_date is not null
        and views is not null
    group by
        campaign_id,
        started_date
),

order_days as (
    select
        attributed_campaign_id as campaign_id,
        paid_date as date_day,
        cast(null as {{ dbt.type_bigint() }}) as exposures,
        count(*) as orders,
        sum(amount) as gmv,
        sum(net_amount) as net_gmv,
        0 as cost
    from {{ ref('fct_orders') }}
    where is_counted
        and attributed_campaign_id is not null
        and paid_date is not null
    group by
        attributed_campaign_id,
        paid_date
),

cost_days as (
    select
        campaign_id,
        cost_date as date_day,
        cast(null as {{ dbt.type_bigint() }}) as exposures,
        0 as orders,
        0 as gmv,
        0 as net_gmv,
        sum(amount) as cost
    from {{ ref('stg_ops_campaign_costs') }}
    where is_valid
        and campaign_id is not null
        and cost_date is not null
    group by
        campaign_id,
        cost_date
),

campaign_days as (
    select * from post_exposures
    union all
    select * from live_exposures
    union all
    select * from order_days
    union all
    select * from cost_days
),

campaign_scopes as (
    select
        scopes.scope,
        campaigns.campaign_id
    from scopes
    cross join (select distinct campaign_id from campaign_days) as campaigns
    where scopes.scope_level = 'overall'

    union

    select
        scopes.scope,
        campaign_platforms.campaign_id
    from scopes
    inner join (
        select
            campaign_id,
            platform
        from {{ ref('int_campaign_platforms') }}
        union
        select
            campaign_id,
            platform
        from {{ ref('int_campaign_accounts') }}
    ) as campaign_platforms
        on campaign_platforms.platform = scopes.scope_platform
    where scopes.scope_level = 'platform'

    union

    select
        scopes.scope,
        campaign_accounts.campaign_id
    from scopes
    inner join {{ ref('int_campaign_accounts') }} as campaign_accounts
        on campaign_accounts.platform = scopes.scope_platform
        and campaign_accounts.account = scopes.scope_account
    where scopes.scope_level = 'account'
),

scope_days as (
    select
        campaign_scopes.scope,
        campaign_days.date_day,
        sum(campaign_days.exposures) as exposures,
        sum(campaign_days.orders) as orders,
        sum(campaign_days.gmv) as gmv,
        sum(campaign_days.net_gmv) as net_gmv,
        sum(campaign_days.cost) as cost,
        count(case when campaign_days.cost <> 0 or campaign_days.orders <> 0 then 1 end) as money_rows
    from campaign_scopes
    inner join campaign_days
        on campaign_days.campaign_id = campaign_scopes.campaign_id
    group by
        campaign_scopes.scope,
        campaign_days.date_day
),

grid as (
    select
        scopes.scope,
        scopes.scope_level,
        scopes.scope_platform,
        scopes.scope_account,
        spine.date_day,
        case when spine.date_day >= {{ start }} then 1 else 0 end as in_plan,
        scope_days.exposures,
        coalesce(scope_days.orders, 0) as orders,
        coalesce(scope_days.gmv, 0) as gmv,
        coalesce(scope_days.net_gmv, 0) as net_gmv,
        scope_days.cost,
        coalesce(scope_days.money_rows, 0) + case when scope_days.exposures is not null then 1 else 0 end
            as data_rows
    from scopes
    cross join spine
    left join scope_days
        on scope_days.scope = scopes.scope
        and scope_days.date_day = spine.date_day
),

windows as (
    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        date_day,
        in_plan,
        {%- for measure in ['exposures', 'orders', 'gmv', 'net_gmv', 'cost'] %}
            sum(case when in_plan = 1 then {{ measure }} end) over (
                partition by scope order by date_day
                rows between unbounded preceding and current row
            ) as cum_{{ measure }},
            sum(case when in_plan = 0 then {{ measure }} end) over (partition by scope) as base_{{ measure }},
        {%- endfor %}
        max(case when in_plan = 1 and data_rows > 0 then date_day end) over (
            partition by scope order by date_day
            rows between unbounded preceding and current row
        ) as cum_through
    from grid
),

kpis as (
    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        'conversion_rate_by_exposures' as kpi,
        date_day,
        {{ fanops.safe_divide('cum_orders', 'cum_exposures') }} as value,
        cast(cum_orders as double) as numerator,
        cast(cum_exposures as double) as denominator,
        {{ fanops.safe_divide('base_orders', 'base_exposures') }} as baseline,
        cum_through as data_through_date,
        cum_orders as sample_size,
        case
            when coalesce(cum_exposures, 0) = 0 then 'no campaign exposures (views) since plan start'
        end as note
    from windows
    where in_plan = 1

    union all

    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        'roas' as kpi,
        date_day,
        {{ fanops.safe_divide('cum_gmv', 'cum_cost') }} as value,
        cast(cum_gmv as double) as numerator,
        cast(cum_cost as double) as denominator,
        {{ fanops.safe_divide('base_gmv', 'base_cost') }} as baseline,
        cum_through as data_through_date,
        cum_orders as sample_size,
        case when coalesce(cum_cost, 0) = 0 then 'no campaign cost since plan start' end as note
    from windows
    where in_plan = 1

    union all

    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        'roi' as kpi,
        date_day,
        {{ fanops.safe_divide('cum_net_gmv - cum_cost', 'cum_cost') }} as value,
        cast(cum_net_gmv - cum_cost as double) as numerator,
        cast(cum_cost as double) as denominator,
        {{ fanops.safe_divide('base_net_gmv - base_cost', 'base_cost') }} as baseline,
        cum_through as data_through_date,
        cum_orders as sample_size,
        case when coalesce(cum_cost, 0) = 0 then 'no campaign cost since plan start' end as note
    from windows
    where in_plan = 1
)

select
    {{ fanops.kpi_daily_columns(start, sample_size='coalesce(sample_size, 0)') }}
from kpis
where {{ fanops.kpi_not_applicable_reason('kpi', 'scope_level', 'scope_platform') }} is null
