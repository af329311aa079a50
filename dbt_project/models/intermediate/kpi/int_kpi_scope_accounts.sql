{#-
  Scorecard scopes (DESIGN Conventions `scope`) and the own social accounts each one covers, one row per
  (scope, account): 'overall' covers every account, 'platform:<p>' the platform's accounts,
  'account:<p>/<a>' the account itself. Accounts are dim_accounts' social accounts (shops excluded) that
  were active at some point from the baseline window on (active_to NULL or >= plan start - baseline_days).
  Only the scope levels listed in var('plan_scopes') are kept.
-#}
with accounts as (
    select
        platform,
        account
    from {{ ref('dim_accounts') }}
    where not is_shop
        and (
            active_to is null
            or active_to >= {{ dbt.dateadd('day', -1 * (var('baseline_days') | int), fanops.plan_start_date()) }}
        )
),

scoped as (
    select
        'overall' as scope,
        'overall' as scope_level,
        cast(null as {{ dbt.type_string() }}) as scope_platform,
        cast(null as {{ dbt.type_string() }}) as scope_account,
        platform,
        account
    from accounts

    union all

    select
        'platform:' || platform as scope,
        'platform' as scope_level,
        platform as scope_platform,
        cast(null as {{ dbt.type_string() }}) as scope_account,
        platform,
        account
    from accounts

    union all

    select
        'account:' || platform || '/' || account as scope,
        'account' as scope_level,
        platform as scope_platform,
        account as scope_account,
        platform,
        account
    from accounts
)

select
    scope || '|' || platform || '/' || account as scope_account_key,
    scope,
    scope_level,
    scope_platform,
    scope_account,
    platform,
    account,
    platform || '/' || account as account_key
from scoped
where {{ fanops.kpi_scope_enabled('scope_level') }}
