{#-
  One row per (campaign, own account) from the campaign's 账号标识 list. A cell is a bare slug when that slug
  is unique across platforms, or `<platform>/<slug>` (contract §1 rule 2); it is resolved against
  ops/accounts. A bare slug registered on several platforms resolves to none (ingestion quarantines such
  rows as ambiguous_account). Used for participants (fans who messaged one of its accounts).
-#}
with unnested as (
    {{ campaigns_unnest_list(ref('stg_ops_campaigns'), ['campaign_id'], 'accounts', 'account_ref') }}
),

accounts as (
    select
        platform,
        account
    from {{ ref('stg_ops_accounts') }}
),

qualified as (
    select
        unnested.campaign_id,
        unnested.account_ref,
        accounts.platform,
        accounts.account
    from unnested
    inner join accounts
        on unnested.account_ref = accounts.platform || '/' || accounts.account
),

bare as (
    select
        unnested.campaign_id,
        unnested.account_ref,
        accounts.platform,
        accounts.account,
        count(*) over (partition by unnested.campaign_id, unnested.account_ref) as n_matches
    from unnested
    inner join accounts
        on unnested.account_ref = accounts.account
    where {{ dbt.position("'/'", 'unnested.account_ref') }} = 0
),

resolved as (
    select
        campaign_id,
        account_ref,
        platform,
        account
    from qualified

    union all

    select
        campaign_id,
        account_ref,
        platform,
        account
    from bare
    where n_matches = 1
)

select distinct
    campaign_id || '|' || platform || '/' || account as campaign_account_key,
    campaign_id,
    account_ref,
    platform,
    account
from resolved
