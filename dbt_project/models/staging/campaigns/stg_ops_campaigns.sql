{#-
  Campaigns registry (ops/campaigns, mode `registry`): raw keeps the winning row per campaign_id.
  Window: starts_at (a date-only start is 00:00 Asia/Shanghai) .. window_end_at, inclusive. Ingestion
  parses 结束时间 as an end-of-period timestamp (contract type `ts(planned,end)`): a date-only end is stored
  as 23:59:59.999 Asia/Shanghai of that day and an end without seconds as hh:mm:59.999, so the precision
  survives in raw.ends_at and window_end_at = ends_at. `ends_at_precision` reads it back from the
  sub-second part: 'day' (local 23:59:59.999 — a date-only end or a 23:59 minute end, the same instant),
  'minute' (hh:mm:59.999), 'second' (an end given to the second).
-#}
with campaigns as (
    select * from {{ source('raw', 'ops_campaigns') }}
),

typed as (
    select
        campaigns.*,
        {{ dbt.datediff(dbt.date_trunc('second', 'ends_at'), 'ends_at', 'millisecond') }} as ends_at_subsecond_ms,
        {{ dbt.datediff(dbt.date_trunc('day', fanops.to_local_ts('ends_at')), fanops.to_local_ts('ends_at'), 'second') }}
            as ends_at_local_second
    from campaigns
)

select
    campaign_id,
    campaign_name,
    campaign_type,
    campaign_type_raw,
    platforms,
    accounts,
    coupon_codes,
    hashtags,
    {{ campaigns_list_to_text('platforms') }} as platforms_text,
    {{ campaigns_list_to_text('accounts') }} as accounts_text,
    {{ campaigns_list_to_text('coupon_codes') }} as coupon_codes_text,
    {{ campaigns_list_to_text('hashtags') }} as hashtags_text,
    starts_at,
    starts_date,
    ends_at,
    ends_date,
    case
        when ends_at is null then null
        when ends_at_subsecond_ms = 999 and ends_at_local_second >= 86399 then 'day'
        when ends_at_subsecond_ms = 999 then 'minute'
        else 'second'
    end as ends_at_precision,
    ends_at as window_end_at,
    budget,
    owner_member_id,
    status,
    status_raw,
    status = 'cancelled' as is_cancelled,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from typed
