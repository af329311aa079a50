{#-
  The sentiment series (DESIGN "crisis levels"): one row per scored text and brand.
    - the own brand's inbound comments and messages (int_inbound; text_key = interaction_key): they belong to
      the own brand of ops/competitor_brands (is_own_brand; the smallest brand_id when several are marked
      own; without any, a stand-in brand 'own' named 本品牌 so alerts never depend on the brand sheet);
    - listening mentions per matched brand (int_brand_mentions; text_key = mention_key): a mention that
      matches two brands is in both brands' series.
  created_at_precision: mentions carry theirs (relative times such as '3小时前' are 'hour'); inbound
  timestamps are absolute with seconds in every export, so 'second'. hour_at = the UTC hour of created_at
  for texts of minute precision or finer, NULL otherwise (coarser texts stay out of the hourly series).
  Scores join on md5(text_masked) = text_hash (stg_sentiment_text_scores); a text without a score row keeps
  a NULL label (never silently neutral; the data test crisis_every_text_scored fails then). Texts that are
  empty after trimming are left out (nothing to judge).
  is_severe = the heaviest crisis term weighs at least crisis_severe_weight (macro crisis_is_severe).
-#}
with brands as (
    select
        brand_id,
        max(brand_name) as brand_name,
        max(case when is_own_brand then 1 else 0 end) = 1 as is_own_brand
    from {{ ref('stg_ops_competitor_brands') }}
    group by brand_id
),

own_brand as (
    select
        ranked.brand_id,
        ranked.brand_name
    from (
        select
            brand_id,
            brand_name,
            row_number() over (order by brand_id) as brand_rank
        from brands
        where is_own_brand
    ) as ranked
    where ranked.brand_rank = 1
    union all
    select
        cast('own' as {{ dbt.type_string() }}) as brand_id,
        cast('本品牌' as {{ dbt.type_string() }}) as brand_name
    where not exists (select 1 from brands where is_own_brand)
),

inbound as (
    select
        i.interaction_key as text_key,
        own_brand.brand_id,
        own_brand.brand_name,
        cast(true as boolean) as is_own_brand,
        i.platform,
        i.account,
        i.channel,
        i.created_at,
        i.created_date,
        cast('second' as {{ dbt.type_string() }}) as created_at_precision,
        cast(null as {{ dbt.type_bigint() }}) as author_followers,
        i.text_masked
    from {{ ref('int_inbound') }} as i
    cross join own_brand
),

mentions as (
    select
        brand_mentions.mention_key as text_key,
        brand_mentions.brand_id,
        brands.brand_name,
        brands.is_own_brand,
        listening.platform,
        cast(null as {{ dbt.type_string() }}) as account,
        cast('mention' as {{ dbt.type_string() }}) as channel,
        listening.created_at,
        listening.created_date,
        listening.created_at_precision,
        cast(listening.author_followers as {{ dbt.type_bigint() }}) as author_followers,
        listening.text_masked
    from {{ ref('int_brand_mentions') }} as brand_mentions
    inner join {{ ref('stg_listening_mentions') }} as listening
        on listening.mention_key = brand_mentions.mention_key
    inner join brands
        on brands.brand_id = brand_mentions.brand_id
),

texts as (
    select * from inbound
    union all
    select * from mentions
)

select
    texts.text_key || '|' || texts.brand_id as sentiment_text_key,
    texts.text_key,
    texts.brand_id,
    texts.brand_name,
    texts.is_own_brand,
    texts.platform,
    texts.account,
    texts.channel,
    texts.created_at,
    texts.created_date,
    texts.created_at_precision,
    case
        when texts.created_at_precision in ('second', 'minute')
            then {{ dbt.date_trunc('hour', 'texts.created_at') }}
    end as hour_at,
    texts.author_followers,
    texts.text_masked,
    {{ dbt.hash('texts.text_masked') }} as text_hash,
    scores.model_version,
    scores.sentiment_score,
    scores.sentiment_label,
    scores.crisis_terms,
    scores.crisis_weight,
    scores.crisis_max_weight,
    {{ fanops.crisis_is_severe('scores.crisis_max_weight') }} as is_severe
from texts
left join {{ ref('stg_sentiment_text_scores') }} as scores
    on scores.text_hash = {{ dbt.hash('texts.text_masked') }}
where nullif(trim(texts.text_masked), '') is not null
