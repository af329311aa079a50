{#-
  One row per campaign (ops/campaigns). List cells (platforms, accounts, coupon_codes, hashtags) are text,
  comma-separated in delivered order. ends_at is the inclusive end instant as parsed (a date-only end =
  23:59:59.999 Asia/Shanghai of that day, a minute end = hh:mm:59.999); window_end_at repeats it as the
  attribution / participation window end.
-#}
select
    campaign_id,
    campaign_name,
    campaign_type,
    starts_at,
    starts_date,
    ends_at,
    ends_date,
    ends_at_precision,
    window_end_at,
    budget,
    platforms_text as platforms,
    accounts_text as accounts,
    coupon_codes_text as coupon_codes,
    hashtags_text as hashtags,
    status,
    is_cancelled,
    owner_member_id,
    _loaded_at as _source_loaded_at
from {{ ref('stg_ops_campaigns') }}
