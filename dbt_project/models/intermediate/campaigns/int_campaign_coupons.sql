{#- One row per (campaign, coupon code) from the campaign's 优惠券码 list (coupon attribution, rule 1). -#}
with unnested as (
    {{ campaigns_unnest_list(ref('stg_ops_campaigns'), ['campaign_id'], 'coupon_codes', 'coupon_code') }}
)

select distinct
    campaign_id || '|' || coupon_code as campaign_coupon_key,
    campaign_id,
    coupon_code,
    upper(coupon_code) as coupon_code_normalized
from unnested
