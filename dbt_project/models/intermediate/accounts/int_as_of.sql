{#-
  The default as-of date: "the latest date for which every scope has data". For each own, active social
  account (ops/accounts status active, not a shop) that has a follower series, its latest day with follower
  data; as_of_date is the minimum over those accounts (accounts without a follower dataset, e.g. Kuaishou,
  do not hold it back). Used by the macro fanops.as_of_date() when the var `as_of` is unset.
-#}
with accounts as (
    select
        platform,
        account
    from {{ ref('stg_ops_accounts') }}
    where status = 'active'
        and is_social
),

latest_per_account as (
    select
        followers.platform,
        followers.account,
        max(followers.date_day) as latest_date
    from {{ ref('int_followers_daily') }} as followers
    inner join accounts
        on followers.platform = accounts.platform
        and followers.account = accounts.account
    where followers.followers_total is not null
        or followers.followers_new is not null
        or followers.followers_lost is not null
        or followers.followers_net is not null
    group by
        followers.platform,
        followers.account
)

select
    min(latest_date) as as_of_date,
    max(latest_date) as latest_data_date,
    count(*) as accounts_considered
from latest_per_account
