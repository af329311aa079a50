{#- One row per (campaign, platform) from the campaign's 平台 list (traffic-source attribution, rule 4). -#}
with unnested as (
    {{ campaigns_unnest_list(ref('stg_ops_campaigns'), ['campaign_id'], 'platforms', 'platform') }}
)

select distinct
    campaign_id || '|' || platform as campaign_platform_key,
    campaign_id,
    platform
from unnested
