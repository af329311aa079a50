{#-
  Tracked brands (ops/competitor_brands, mode `registry`, key (brand_id, platform, account_name)); the own
  brand has is_own_brand. A row without platform registers a brand; a row with platform one of its accounts.
  brand_account_key is the single-column form of the natural key (empty parts written as '').
-#}
select
    brand_id || '|' || coalesce(platform, '') || '|' || coalesce(account_name, '') as brand_account_key,
    brand_id,
    brand_name,
    coalesce(is_own_brand, false) as is_own_brand,
    keywords,
    {{ campaigns_list_to_text('keywords') }} as keywords_text,
    platform,
    account_name,
    platform_account_id,
    platform is null as is_brand_row,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from {{ source('raw', 'ops_competitor_brands') }}
