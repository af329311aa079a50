{#- Own platform accounts and shops from the ops/accounts registry (competitors never appear here; they live in
    fct_competitor_benchmark). One row per (platform, account), key account_key = platform/account. -#}
with accounts as (
    select * from {{ ref('stg_ops_accounts') }}
)

select
    account_key,
    platform,
    account,
    account_name,
    brand,
    platform_account_id,
    status,
    active_from,
    active_to,
    owner_member_id,
    is_shop,
    followers_anchor,
    followers_anchor_date,
    _loaded_at as _source_loaded_at
from accounts
