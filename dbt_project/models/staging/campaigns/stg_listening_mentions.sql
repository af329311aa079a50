{#-
  Social-listening mentions (listening/mentions, mode `events`, key (platform, mention_id)); raw keeps the
  winning row per key. Used for share of voice; inbound comments and messages are never mentions.
-#}
select
    platform || ':' || mention_id as mention_key,
    platform,
    mention_id,
    author_key,
    author_followers,
    author_followers_is_capped,
    text_masked,
    created_at,
    created_date,
    created_at_precision,
    cast({{ dbt.date_trunc('week', 'created_date') }} as date) as created_week_start,
    fetched_at,
    url,
    is_repost,
    author_verified,
    likes,
    likes_is_capped,
    comments,
    comments_is_capped,
    shares,
    shares_is_capped,
    {{ campaigns_list_to_text('matched_keywords') }} as matched_keywords_text,
    vendor_sentiment_label,
    vendor_sentiment_score,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from {{ source('raw', 'listening_mentions') }}
