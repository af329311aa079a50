{#-
  Sentiment scores of the masked texts (sentiment.text_scores, written by the sentiment asset before dbt):
  one row per distinct text, key text_hash = md5(text_masked). Models join it on md5(text_masked).
-#}
select
    text_hash,
    model_version,
    sentiment_score,
    sentiment_label,
    crisis_terms,
    coalesce(crisis_weight, 0) as crisis_weight,
    coalesce(crisis_max_weight, 0) as crisis_max_weight,
    scored_at
from {{ source('sentiment', 'text_scores') }}
