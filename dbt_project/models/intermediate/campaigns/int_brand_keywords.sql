{#-
  One row per (tracked brand, keyword): a brand's keywords are the union of its ops/competitor_brands rows'
  品牌关键词 (contract §3.15.7). is_own_brand is true when any row of the brand says so.
-#}
with unnested as (
    {{ campaigns_unnest_list(ref('stg_ops_competitor_brands'), ['brand_id'], 'keywords', 'keyword') }}
),

brands as (
    select
        brand_id,
        max(brand_name) as brand_name,
        max(case when is_own_brand then 1 else 0 end) = 1 as is_own_brand
    from {{ ref('stg_ops_competitor_brands') }}
    group by brand_id
)

select distinct
    unnested.brand_id || '|' || unnested.keyword as brand_keyword_key,
    unnested.brand_id,
    brands.brand_name,
    brands.is_own_brand,
    unnested.keyword
from unnested
inner join brands
    on brands.brand_id = unnested.brand_id
