{#-
  docs — kpi_scorecard: one row per as-of date × scope × KPI × horizon (3m, 6m) for the run's as-of date
  (fanops.as_of_date()); every scope of int_kpi_scope_accounts × every KPI × every horizon, so a KPI that
  cannot exist at a scope is listed as not_applicable rather than missing. DESIGN "pace and projection",
  "scorecard values", Arithmetic "plan start" / horizons / elapsed share.
    deadline         = plan start + horizon months (calendar) - 1 day (2026-07-01 -> 2026-09-30 for 3m);
    elapsed_share    = days from plan start to as-of inclusive / days in the horizon, clamped to [0, 1];
    actual           = kpi_daily.value on the as-of date (window [plan start, as-of], also after the
                       deadline; actual_at_deadline keeps the value the horizon closed with);
    baseline, data_through_date, note = the same kpi_daily row;
    target           = var('plan_targets')[horizon][kpi] (fan_growth -> fan_growth_net), NULL when absent;
    expected_by_now  = target × elapsed_share;
    projected_at_deadline = actual + trend_slope × days from as-of to the deadline, trend_slope = least-squares
                       slope (per day) of kpi_daily.value over the trend_days days as-of - trend_days + 1 …
                       as-of (days without a value are left out; NULL with fewer than 2 points), clamped to
                       the range the KPI can take (shares [0, 1], ROAS >= 0, growth / uplift / ROI >= -1:
                       macro kpi_bounds); after the deadline = actual;
    attainment       = actual / target (NULL without a target or when the target is 0);
    status           = not_applicable when the KPI cannot exist at the scope (Weibo rate KPIs, account-level
                       brand awareness), else no_target when the plan sets no target, else not_applicable
                       before the plan starts (elapsed 0, expected_by_now 0: nothing to judge yet) or when the
                       actual is NULL (no data, stale followers, zero baseline — reason says which), else
                       on_track when actual >= expected_by_now, at_risk when actual >= at_risk_ratio ×
                       expected_by_now, off_track below.
  Extras: elapsed_share, days_elapsed, days_in_horizon, days_to_deadline, trend_slope, trend_points,
  actual_at_deadline, gap_to_target (target - actual), reason, note, kpi_order.
  The table holds the current as-of only (rebuilt every run); history can be rebuilt from kpi_daily.
-#}
{%- set start = fanops.plan_start_date() -%}
{%- set trend_days = var('trend_days') | int -%}
with run as (
    select
        {{ fanops.as_of_date() }} as as_of_date,
        {{ start }} as plan_start_date
),

scopes as (
    select distinct
        scope,
        scope_level,
        scope_platform,
        scope_account
    from {{ ref('int_kpi_scope_accounts') }}
),

kpis as (
    select
        kpi_catalog.kpi,
        kpi_catalog.kpi_order,
        kpi_catalog.min_value,
        kpi_catalog.max_value
    from {{ fanops.kpi_catalog() }} as kpi_catalog
),

horizons as (
    select
        horizon_list.horizon,
        horizon_list.horizon_months,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', 'horizon_list.horizon_months', start)) }} as date
        ) as deadline
    from {{ fanops.kpi_horizons() }} as horizon_list
),

targets as (
    select
        plan_targets.horizon,
        plan_targets.kpi,
        plan_targets.target
    from {{ fanops.kpi_plan_targets() }} as plan_targets
),

daily as (
    select
        scope,
        kpi,
        date_day,
        value,
        baseline,
        data_through_date,
        note
    from {{ ref('kpi_daily') }}
),

trend_points as (
    select
        daily.scope,
        daily.kpi,
        daily.value as y,
        cast(
            {{ dbt.datediff(dbt.dateadd('day', -1 * (trend_days - 1), 'run.as_of_date'), 'daily.date_day', 'day') }}
            as double
        ) as x
    from daily
    cross join run
    where daily.value is not null
        and daily.date_day <= run.as_of_date
        and daily.date_day >= {{ dbt.dateadd('day', -1 * (trend_days - 1), 'run.as_of_date') }}
),

trends as (
    select
        scope,
        kpi,
        count(*) as trend_points,
        -- rounded: a parallel sum adds in any order, and its last bits would make reruns differ
        round(
            {{ fanops.safe_divide('count(*) * sum(x * y) - sum(x) * sum(y)', 'count(*) * sum(x * x) - sum(x) * sum(x)') }},
            12
        ) as trend_slope
    from trend_points
    group by
        scope,
        kpi
),

grid as (
    select
        run.as_of_date,
        run.plan_start_date,
        scopes.scope,
        scopes.scope_level,
        scopes.scope_platform,
        scopes.scope_account,
        kpis.kpi,
        kpis.kpi_order,
        kpis.min_value,
        kpis.max_value,
        horizons.horizon,
        horizons.deadline,
        {{ dbt.datediff('run.plan_start_date', 'horizons.deadline', 'day') }} + 1 as days_in_horizon,
        {{ dbt.datediff('run.plan_start_date', 'run.as_of_date', 'day') }} + 1 as days_since_start,
        {{ dbt.datediff('run.as_of_date', 'horizons.deadline', 'day') }} as days_before_deadline,
        {{ fanops.kpi_not_applicable_reason('kpis.kpi', 'scopes.scope_level', 'scopes.scope_platform') }}
            as not_applicable_reason
    from run
    cross join scopes
    cross join kpis
    cross join horizons
),

joined as (
    select
        grid.*,
        case when grid.not_applicable_reason is null then at_as_of.value end as actual,
        case when grid.not_applicable_reason is null then at_as_of.baseline end as baseline,
        case when grid.not_applicable_reason is null then at_as_of.data_through_date end as data_through_date,
        at_as_of.note,
        case
            when grid.not_applicable_reason is null and grid.days_before_deadline <= 0 then at_deadline.value
        end as actual_at_deadline,
        targets.target,
        trends.trend_slope,
        coalesce(trends.trend_points, 0) as trend_points,
        least(greatest(grid.days_since_start, 0), grid.days_in_horizon) as days_elapsed,
        greatest(grid.days_before_deadline, 0) as days_to_deadline
    from grid
    left join daily as at_as_of
        on at_as_of.scope = grid.scope
        and at_as_of.kpi = grid.kpi
        and at_as_of.date_day = grid.as_of_date
    left join daily as at_deadline
        on at_deadline.scope = grid.scope
        and at_deadline.kpi = grid.kpi
        and at_deadline.date_day = grid.deadline
    left join targets
        on targets.horizon = grid.horizon
        and targets.kpi = grid.kpi
    left join trends
        on trends.scope = grid.scope
        and trends.kpi = grid.kpi
),

projected as (
    select
        joined.*,
        case
            when days_since_start < 1 or actual is null then null
            when days_before_deadline <= 0 then actual
            else actual + trend_slope * days_to_deadline
        end as raw_projection
    from joined
),

paced as (
    select
        projected.*,
        {{ fanops.safe_divide('days_elapsed', 'days_in_horizon') }} as elapsed_share,
        target * {{ fanops.safe_divide('days_elapsed', 'days_in_horizon') }} as expected_by_now,
        case
            when raw_projection < min_value then min_value
            when raw_projection > max_value then max_value
            else raw_projection
        end as projected_at_deadline
    from projected
),

statused as (
    select
        paced.*,
        case
            when not_applicable_reason is not null then 'not_applicable'
            when target is null then 'no_target'
            when days_since_start < 1 then 'not_applicable'
            when actual is null then 'not_applicable'
            when actual >= expected_by_now then 'on_track'
            when actual >= {{ var('at_risk_ratio') }} * expected_by_now then 'at_risk'
            else 'off_track'
        end as status,
        case
            when not_applicable_reason is not null then not_applicable_reason
            when target is null then 'no target for this KPI and horizon in fanops.yaml plan.targets'
            when days_since_start < 1
                then
                    'the plan starts on ' || cast(plan_start_date as {{ dbt.type_string() }})
                    || ': nothing to measure yet'
            when actual is null then coalesce(note, 'no value on the as-of date')
            when days_before_deadline < 0
                then
                    'horizon ended on ' || cast(deadline as {{ dbt.type_string() }})
                    || ': actual is the value at as-of, actual_at_deadline the value it closed with'
        end as reason
    from paced
)

select
    cast(
        cast(as_of_date as {{ dbt.type_string() }}) || '|' || scope || '|' || kpi || '|' || horizon
        as {{ dbt.type_string() }}
    ) as scorecard_key,
    cast(as_of_date as date) as as_of_date,
    cast(scope as {{ dbt.type_string() }}) as scope,
    cast(scope_level as {{ dbt.type_string() }}) as scope_level,
    cast(scope_platform as {{ dbt.type_string() }}) as platform,
    cast(scope_account as {{ dbt.type_string() }}) as account,
    cast(kpi as {{ dbt.type_string() }}) as kpi,
    cast(horizon as {{ dbt.type_string() }}) as horizon,
    cast(plan_start_date as date) as plan_start_date,
    cast(deadline as date) as deadline,
    cast(data_through_date as date) as data_through_date,
    cast(baseline as double) as baseline,
    cast(actual as double) as actual,
    cast(target as double) as target,
    cast(expected_by_now as double) as expected_by_now,
    cast(projected_at_deadline as double) as projected_at_deadline,
    cast({{ fanops.safe_divide('actual', 'target') }} as double) as attainment,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(reason as {{ dbt.type_string() }}) as reason,
    cast(note as {{ dbt.type_string() }}) as note,
    cast(elapsed_share as double) as elapsed_share,
    cast(days_elapsed as {{ dbt.type_int() }}) as days_elapsed,
    cast(days_in_horizon as {{ dbt.type_int() }}) as days_in_horizon,
    cast(days_to_deadline as {{ dbt.type_int() }}) as days_to_deadline,
    cast(trend_slope as double) as trend_slope,
    cast(trend_points as {{ dbt.type_int() }}) as trend_points,
    cast(actual_at_deadline as double) as actual_at_deadline,
    cast(target - actual as double) as gap_to_target,
    cast(kpi_order as {{ dbt.type_int() }}) as kpi_order
from statused
