{#- KOL registry (ops/kols, mode `registry`, key kol_id). Business-partner data; no contact columns. -#}
select
    kol_id,
    kol_name,
    platform,
    platform_account_id,
    profile_url,
    followers,
    followers_is_capped,
    followers_as_of,
    tier,
    tier_raw,
    category,
    quoted_fee,
    status,
    status_raw,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from {{ source('raw', 'ops_kols') }}
