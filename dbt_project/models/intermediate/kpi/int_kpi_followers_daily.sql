{#-
  Fan-growth KPIs per scope and day, each day d computed as if as-of were d (DESIGN "fan growth",
  Arithmetic "followers at plan start", "Scorecard actuals", "overall growth"); days plan start … as-of.
  Per account (fct_account_daily):
    total(d)        = the latest followers_total on or before d when at most max_data_age_days old, else NULL;
    followers at plan start = total(plan start - 1) (same freshness rule);
    new(d)          = Σ followers_new over [plan start, d] (days without a figure are absent, not 0).
  Per scope, over its accounts (ratios of sums, never means of ratios):
    fan_growth_net   = Σ total(d) / Σ total(start) - 1 over accounts with both; data_through_date = the
                       earliest day of the totals used;
    fan_growth_gross = Σ new(d) / Σ total(start) over accounts with a total at start and any followers_new;
                       data_through_date = the earliest of those accounts' latest followers_new day.
  numerator = Σ total(d) - Σ total(start) (net) or Σ new(d) (gross); denominator = Σ total(start) of the same
  accounts (0 -> value NULL); baseline = followers at plan start (Σ over the scope's accounts that have one);
  sample_size = accounts used; note = why the value is NULL and which accounts are left out.
-#}
{%- set max_age = var('max_data_age_days') | int -%}
{%- set start = fanops.plan_start_date() -%}
with scope_accounts as (
    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        platform,
        account
    from {{ ref('int_kpi_scope_accounts') }}
),

accounts as (
    select distinct
        platform,
        account
    from scope_accounts
),

spine as (
    select days.date_day
    from {{ fanops.kpi_day_spine(dbt.dateadd('day', -1 * (max_age + 1), start), fanops.as_of_date()) }} as days
),

account_days as (
    select
        accounts.platform,
        accounts.account,
        spine.date_day,
        daily.followers_total,
        daily.followers_new
    from accounts
    cross join spine
    left join {{ ref('fct_account_daily') }} as daily
        on daily.platform = accounts.platform
        and daily.account = accounts.account
        and daily.date_day = spine.date_day
),

running as (
    select
        platform,
        account,
        date_day,
        max(case when followers_total is not null then date_day end) over (
            partition by platform, account order by date_day
            rows between unbounded preceding and current row
        ) as total_date,
        sum(case when date_day >= {{ start }} then followers_new end) over (
            partition by platform, account order by date_day
            rows between unbounded preceding and current row
        ) as new_since_start,
        max(case when date_day >= {{ start }} and followers_new is not null then date_day end) over (
            partition by platform, account order by date_day
            rows between unbounded preceding and current row
        ) as new_date
    from account_days
),

fresh as (
    select
        running.platform,
        running.account,
        running.date_day,
        running.total_date,
        running.new_since_start,
        running.new_date,
        case
            when {{ dbt.datediff('running.total_date', 'running.date_day', 'day') }} <= {{ max_age }}
                then latest.followers_total
        end as fresh_total
    from running
    left join account_days as latest
        on latest.platform = running.platform
        and latest.account = running.account
        and latest.date_day = running.total_date
),

at_start as (
    select
        platform,
        account,
        fresh_total as start_total
    from fresh
    where date_day = {{ dbt.dateadd('day', -1, start) }}
),

account_kpis as (
    select
        fresh.platform,
        fresh.account,
        fresh.date_day,
        at_start.start_total,
        fresh.fresh_total,
        fresh.total_date,
        fresh.new_since_start,
        fresh.new_date,
        case
            when fresh.total_date is null then 'no followers_total data'
            when at_start.start_total is null then 'no followers_total at plan start'
            when fresh.fresh_total is null then 'no followers_total in the last {{ max_age + 1 }} days'
        end as net_left_out,
        case
            when fresh.total_date is null then 'no followers_total data'
            when at_start.start_total is null then 'no followers_total at plan start'
            when fresh.new_since_start is null then 'no followers_new since plan start'
        end as gross_left_out
    from fresh
    left join at_start
        on at_start.platform = fresh.platform
        and at_start.account = fresh.account
    where fresh.date_day >= {{ start }}
),

scope_days as (
    select
        scope_accounts.scope,
        scope_accounts.scope_level,
        scope_accounts.scope_platform,
        scope_accounts.scope_account,
        account_kpis.date_day,
        sum(account_kpis.start_total) as followers_at_start,
        sum(case when account_kpis.net_left_out is null then account_kpis.fresh_total end) as net_end_total,
        sum(case when account_kpis.net_left_out is null then account_kpis.start_total end) as net_start_total,
        count(case when account_kpis.net_left_out is null then 1 end) as net_accounts,
        min(case when account_kpis.net_left_out is null then account_kpis.total_date end) as net_through,
        {{ dbt.listagg(
            "case when account_kpis.net_left_out is not null then account_kpis.platform || '/' || account_kpis.account || ' (' || account_kpis.net_left_out || ')' end",
            "', '",
            "order by account_kpis.platform, account_kpis.account"
        ) }} as net_left_out,
        sum(case when account_kpis.gross_left_out is null then account_kpis.new_since_start end) as gross_new,
        sum(case when account_kpis.gross_left_out is null then account_kpis.start_total end) as gross_start_total,
        count(case when account_kpis.gross_left_out is null then 1 end) as gross_accounts,
        min(case when account_kpis.gross_left_out is null then account_kpis.new_date end) as gross_through,
        {{ dbt.listagg(
            "case when account_kpis.gross_left_out is not null then account_kpis.platform || '/' || account_kpis.account || ' (' || account_kpis.gross_left_out || ')' end",
            "', '",
            "order by account_kpis.platform, account_kpis.account"
        ) }} as gross_left_out
    from scope_accounts
    inner join account_kpis
        on account_kpis.platform = scope_accounts.platform
        and account_kpis.account = scope_accounts.account
    group by
        scope_accounts.scope,
        scope_accounts.scope_level,
        scope_accounts.scope_platform,
        scope_accounts.scope_account,
        account_kpis.date_day
),

kpis as (
    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        'fan_growth_net' as kpi,
        date_day,
        {{ fanops.safe_divide('net_end_total - net_start_total', 'net_start_total') }} as value,
        cast(net_end_total - net_start_total as double) as numerator,
        cast(net_start_total as double) as denominator,
        cast(followers_at_start as double) as baseline,
        net_through as data_through_date,
        net_accounts as sample_size,
        case
            when net_accounts = 0 then 'no account has followers_total both at plan start and at the day'
            when net_start_total = 0 then 'zero followers at plan start'
        end as null_reason,
        net_left_out as left_out
    from scope_days

    union all

    select
        scope,
        scope_level,
        scope_platform,
        scope_account,
        'fan_growth_gross' as kpi,
        date_day,
        {{ fanops.safe_divide('gross_new', 'gross_start_total') }} as value,
        cast(gross_new as double) as numerator,
        cast(gross_start_total as double) as denominator,
        cast(followers_at_start as double) as baseline,
        gross_through as data_through_date,
        gross_accounts as sample_size,
        case
            when gross_accounts = 0 then 'no account has followers_total at plan start and followers_new'
            when gross_start_total = 0 then 'zero followers at plan start'
        end as null_reason,
        gross_left_out as left_out
    from scope_days
)

{%- set followers_note -%}
    case
        when null_reason is not null and left_out is not null then null_reason || '; left out: ' || left_out
        when null_reason is not null then null_reason
        when left_out is not null then 'left out: ' || left_out
    end
{%- endset %}
select
    {{ fanops.kpi_daily_columns(start, note=followers_note) }}
from kpis
