{#-
  Order attribution (DESIGN Arithmetic "Attribution"), one row per order (latest snapshot). First matching
  rule wins; the rule is recorded:
    1 coupon          the coupon code's campaign, whatever the payment time;
    2 kol             the campaign of a collaboration of the order's 达人ID whose window
                      [kol post published_at, + kol_window_days days] holds the payment time;
    3 content         the campaign the order's content id (ref_platform_post_id) is linked to: a calendar
                      item's post or a KOL post (int_campaign_linked_posts), whatever the payment time;
    4 traffic_source  a campaign running on the traffic-source platform at payment time (only the five
                      social platforms; 直播/搜索/自然流量/其他 never match);
    unattributed      none of the above.
  Cancelled campaigns never match. Among several campaigns matching the winning rule: the latest-starting,
  then the greatest campaign_id (then, for the post evidence, the latest-published post, then its key).
  attributed_platform: rule 4 the traffic-source platform; rules 2/3 the matched KOL post's / linked post's
  platform; rule 1 the platform of the order's own KOL-window or content evidence for the SAME campaign when
  there is one (KOL post before linked post, as in the rule order), else NULL (a coupon-only order has no
  platform). attributed_kol_id = the order's 达人ID when ops/kols knows it, whichever rule won.
-#}
with orders as (
    select
        platform,
        account,
        order_id,
        paid_at,
        coupon_code,
        kol_id,
        traffic_source,
        ref_platform_post_id,
        ref_platform,
        _loaded_at
    from {{ ref('stg_shop_orders') }}
    where is_latest
),

campaigns as (
    select
        campaign_id,
        starts_at,
        window_end_at
    from {{ ref('int_campaign_windows') }}
    where not is_cancelled
),

coupon_candidates as (
    select
        o.platform,
        o.account,
        o.order_id,
        1 as rule_priority,
        'coupon' as attribution_rule,
        c.campaign_id,
        c.starts_at,
        cast(null as {{ dbt.type_string() }}) as evidence_platform,
        cast(null as {{ dbt.type_timestamp() }}) as evidence_published_at,
        cc.coupon_code as evidence_ref
    from orders as o
    inner join {{ ref('int_campaign_coupons') }} as cc
        on cc.coupon_code_normalized = upper(o.coupon_code)
    inner join campaigns as c
        on c.campaign_id = cc.campaign_id
),

kol_candidates as (
    select
        o.platform,
        o.account,
        o.order_id,
        2 as rule_priority,
        'kol' as attribution_rule,
        c.campaign_id,
        c.starts_at,
        k.platform as evidence_platform,
        k.published_at as evidence_published_at,
        k.collab_id as evidence_ref
    from orders as o
    inner join {{ ref('int_kol_collabs') }} as k
        on k.kol_id = o.kol_id
        and o.paid_at >= k.published_at
        and o.paid_at <= k.window_end_at
    inner join campaigns as c
        on c.campaign_id = k.campaign_id
),

content_candidates as (
    select
        o.platform,
        o.account,
        o.order_id,
        3 as rule_priority,
        'content' as attribution_rule,
        c.campaign_id,
        c.starts_at,
        lp.platform as evidence_platform,
        lp.published_at as evidence_published_at,
        lp.linked_post_key as evidence_ref
    from orders as o
    inner join {{ ref('int_campaign_linked_posts') }} as lp
        on lp.platform_post_id = o.ref_platform_post_id
        and (o.ref_platform is null or lp.platform = o.ref_platform)
    inner join campaigns as c
        on c.campaign_id = lp.campaign_id
),

traffic_candidates as (
    select
        o.platform,
        o.account,
        o.order_id,
        4 as rule_priority,
        'traffic_source' as attribution_rule,
        c.campaign_id,
        c.starts_at,
        o.traffic_source as evidence_platform,
        cast(null as {{ dbt.type_timestamp() }}) as evidence_published_at,
        o.traffic_source as evidence_ref
    from orders as o
    inner join {{ ref('int_campaign_platforms') }} as cp
        on cp.platform = o.traffic_source
    inner join campaigns as c
        on c.campaign_id = cp.campaign_id
        and o.paid_at >= c.starts_at
        and o.paid_at <= c.window_end_at
    where o.traffic_source in ('wechat', 'douyin', 'kuaishou', 'xiaohongshu', 'weibo')
),

candidates as (
    select * from coupon_candidates
    union all
    select * from kol_candidates
    union all
    select * from content_candidates
    union all
    select * from traffic_candidates
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by platform, account, order_id
            order by
                rule_priority,
                starts_at desc,
                campaign_id desc,
                evidence_published_at desc nulls last,
                evidence_ref desc
        ) as rn
    from candidates
),

winners as (
    select
        platform,
        account,
        order_id,
        attribution_rule,
        campaign_id,
        evidence_platform,
        evidence_ref
    from ranked
    where rn = 1
),

-- Platform evidence for coupon winners: the order's KOL-window or content match for the same campaign.
coupon_platform_evidence as (
    select
        w.platform,
        w.account,
        w.order_id,
        r.evidence_platform,
        row_number() over (
            partition by w.platform, w.account, w.order_id
            order by r.rule_priority, r.evidence_published_at desc nulls last, r.evidence_ref desc
        ) as rn
    from winners as w
    inner join ranked as r
        on r.platform = w.platform
        and r.account = w.account
        and r.order_id = w.order_id
        and r.campaign_id = w.campaign_id
        and r.attribution_rule in ('kol', 'content')
    where w.attribution_rule = 'coupon'
),

kols as (
    select kol_id from {{ ref('stg_ops_kols') }}
)

select
    o.platform || ':' || o.account || ':' || o.order_id as order_key,
    o.platform,
    o.account,
    o.order_id,
    w.campaign_id as attributed_campaign_id,
    coalesce(w.attribution_rule, 'unattributed') as attribution_rule,
    case
        when w.attribution_rule = 'coupon' then cpe.evidence_platform
        else w.evidence_platform
    end as attributed_platform,
    kols.kol_id as attributed_kol_id,
    w.evidence_ref as attribution_evidence,
    o._loaded_at as _source_loaded_at
from orders as o
left join winners as w
    on w.platform = o.platform
    and w.account = o.account
    and w.order_id = o.order_id
left join coupon_platform_evidence as cpe
    on cpe.platform = o.platform
    and cpe.account = o.account
    and cpe.order_id = o.order_id
    and cpe.rn = 1
left join kols
    on kols.kol_id = o.kol_id
