{#-
  One row per (listening mention, tracked brand) whose text contains a keyword of the brand
  (case-insensitive substring of text_masked). A mention counts for every brand it matches; share of voice
  counts it once in the denominator. Inbound comments and messages are never mentions.
-#}
with mentions as (
    select
        mention_key,
        platform,
        mention_id,
        text_masked,
        created_at,
        created_date,
        created_week_start,
        _loaded_at
    from {{ ref('stg_listening_mentions') }}
    where text_masked is not null
),

keywords as (
    select
        brand_id,
        keyword
    from {{ ref('int_brand_keywords') }}
),

matches as (
    select
        mentions.mention_key,
        mentions.platform,
        mentions.created_at,
        mentions.created_date,
        mentions.created_week_start,
        mentions._loaded_at,
        keywords.brand_id,
        keywords.keyword
    from mentions
    inner join keywords
        on {{ campaigns_text_contains('mentions.text_masked', 'keywords.keyword') }}
)

select
    mention_key || '|' || brand_id as brand_mention_key,
    mention_key,
    brand_id,
    platform,
    created_at,
    created_date,
    created_week_start,
    min(keyword) as first_matched_keyword,
    count(*) as matched_keywords,
    max(_loaded_at) as _source_loaded_at
from matches
group by
    mention_key,
    brand_id,
    platform,
    created_at,
    created_date,
    created_week_start
