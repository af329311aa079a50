{#-
  One row per campaign with its attribution / participation window: [starts_at, window_end_at], both UTC and
  inclusive. window_end_at is the end-of-period ends_at (a date-only end = 23:59:59.999 Asia/Shanghai of the
  end day, a minute end = hh:mm:59.999; see stg_ops_campaigns). Cancelled campaigns never match an order.
-#}
select
    campaign_id,
    campaign_name,
    campaign_type,
    status,
    is_cancelled,
    starts_at,
    starts_date,
    ends_at,
    ends_date,
    ends_at_precision,
    window_end_at,
    budget,
    _loaded_at as _source_loaded_at
from {{ ref('stg_ops_campaigns') }}
