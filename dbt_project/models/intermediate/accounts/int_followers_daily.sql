{#-
  One follower row per own account and Asia/Shanghai day, from each platform's own follower dataset
  (DESIGN Arithmetic "Followers"; docs/decisions/accounts.md):
  - wechat: the 用户增长 export as delivered; the datacube fills the days the export lacks (new / lost =
    Σ over user sources; a requested date without source rows = 0 / 0; a date outside every requested
    range = NULL; total from getusercumulate; net = new − lost).
  - douyin: new from new_fans, lost NULL, total as delivered, net = total(d) − total(d−1), NULL when the
    day before is missing.
  - xiaohongshu: new / lost / net as delivered; total rebuilt from the ops/accounts anchor
    (粉丝基数 / 基数日期) forwards and backwards, NULL across any missing day and without an anchor.
  - weibo: as delivered; net = new − lost only when the CSV lacks net but gives both flows.
  - kuaishou: no follower dataset, so no rows.
-#}
with wechat_export as (
    select
        platform,
        account,
        stat_date as date_day,
        followers_total,
        followers_new,
        followers_lost,
        followers_net,
        'wechat_user_growth' as followers_source,
        _loaded_at as _source_loaded_at
    from {{ ref('stg_wechat_user_growth') }}
),

wechat_cube_rows as (
    select
        platform,
        account,
        stat_date,
        _loaded_at,
        1 as is_covered,
        0 as has_flows,
        cast(null as {{ dbt.type_bigint() }}) as followers_new,
        cast(null as {{ dbt.type_bigint() }}) as followers_lost,
        cast(null as {{ dbt.type_bigint() }}) as followers_total
    from {{ ref('stg_wechat_user_source_coverage') }}

    union all

    select
        platform,
        account,
        stat_date,
        _loaded_at,
        0 as is_covered,
        1 as has_flows,
        followers_new,
        followers_lost,
        cast(null as {{ dbt.type_bigint() }}) as followers_total
    from {{ ref('stg_wechat_user_source_daily') }}

    union all

    select
        platform,
        account,
        stat_date,
        _loaded_at,
        0 as is_covered,
        0 as has_flows,
        cast(null as {{ dbt.type_bigint() }}) as followers_new,
        cast(null as {{ dbt.type_bigint() }}) as followers_lost,
        followers_total
    from {{ ref('stg_wechat_user_cumulate') }}
),

wechat_cube_days as (
    select
        platform,
        account,
        stat_date as date_day,
        max(is_covered) as is_covered,
        max(has_flows) as has_flows,
        sum(followers_new) as sum_new,
        sum(followers_lost) as sum_lost,
        max(followers_total) as followers_total,
        max(_loaded_at) as _source_loaded_at
    from wechat_cube_rows
    group by
        platform,
        account,
        stat_date
),

wechat_cube as (
    select
        cube.platform,
        cube.account,
        cube.date_day,
        cube.followers_total,
        case
            when cube.has_flows = 1 then coalesce(cube.sum_new, 0)
            when cube.is_covered = 1 then 0
        end as followers_new,
        case
            when cube.has_flows = 1 then coalesce(cube.sum_lost, 0)
            when cube.is_covered = 1 then 0
        end as followers_lost,
        'wechat_datacube' as followers_source,
        cube._source_loaded_at
    from wechat_cube_days as cube
    where not exists (
            select 1
            from wechat_export
            where wechat_export.platform = cube.platform
                and wechat_export.account = cube.account
                and wechat_export.date_day = cube.date_day
        )
),

wechat as (
    select
        platform,
        account,
        date_day,
        followers_total,
        followers_new,
        followers_lost,
        followers_net,
        followers_source,
        _source_loaded_at
    from wechat_export

    union all

    select
        platform,
        account,
        date_day,
        followers_total,
        followers_new,
        followers_lost,
        followers_new - followers_lost as followers_net,
        followers_source,
        _source_loaded_at
    from wechat_cube
),

douyin_lagged as (
    select
        platform,
        account,
        stat_date,
        followers_new,
        followers_total,
        _loaded_at,
        lag(stat_date) over (partition by platform, account order by stat_date) as prev_date,
        lag(followers_total) over (partition by platform, account order by stat_date) as prev_total,
        lag(_loaded_at) over (partition by platform, account order by stat_date) as prev_loaded_at
    from {{ ref('stg_douyin_fans') }}
),

douyin as (
    select
        platform,
        account,
        stat_date as date_day,
        followers_total,
        followers_new,
        cast(null as {{ dbt.type_bigint() }}) as followers_lost,
        case
            when {{ dbt.datediff('prev_date', 'stat_date', 'day') }} = 1
                then followers_total - prev_total
        end as followers_net,
        'douyin_fans' as followers_source,
        case
            when {{ dbt.datediff('prev_date', 'stat_date', 'day') }} = 1 and prev_loaded_at > _loaded_at
                then prev_loaded_at
            else _loaded_at
        end as _source_loaded_at
    from douyin_lagged
),

xhs_anchor as (
    select
        platform,
        account,
        followers_anchor,
        followers_anchor_date,
        _loaded_at as anchor_loaded_at
    from {{ ref('stg_ops_accounts') }}
    where platform = 'xiaohongshu'
        and followers_anchor is not null
        and followers_anchor_date is not null
        and not coalesce(followers_anchor_is_capped, false)
),

xhs_running as (
    select
        platform,
        account,
        stat_date,
        followers_new,
        followers_lost,
        followers_net,
        _loaded_at,
        sum(followers_net) over (
            partition by platform, account order by stat_date
            rows between unbounded preceding and current row
        ) as cum_net,
        count(followers_net) over (
            partition by platform, account order by stat_date
            rows between unbounded preceding and current row
        ) as cum_days,
        max(_loaded_at) over (
            partition by platform, account order by stat_date
            rows between unbounded preceding and current row
        ) as loaded_through_here,
        max(_loaded_at) over (
            partition by platform, account order by stat_date
            rows between current row and unbounded following
        ) as loaded_from_here
    from {{ ref('stg_xiaohongshu_fans') }}
),

{#- Σ net and number of days with a net over every day up to and including the anchor date. -#}
xhs_at_anchor as (
    select
        xhs_anchor.platform,
        xhs_anchor.account,
        coalesce(sum(fans.followers_net), 0) as cum_net,
        count(fans.followers_net) as cum_days
    from xhs_anchor
    left join {{ ref('stg_xiaohongshu_fans') }} as fans
        on fans.platform = xhs_anchor.platform
        and fans.account = xhs_anchor.account
        and fans.stat_date <= xhs_anchor.followers_anchor_date
    group by
        xhs_anchor.platform,
        xhs_anchor.account
),

xhs as (
    select
        running.platform,
        running.account,
        running.stat_date as date_day,
        case
            when anchor.followers_anchor is null then null
            when running.stat_date = anchor.followers_anchor_date
                then anchor.followers_anchor
            -- (anchor date, d]: every day must carry a net
            when running.stat_date > anchor.followers_anchor_date
                and running.cum_days - at_anchor.cum_days
                = {{ dbt.datediff('anchor.followers_anchor_date', 'running.stat_date', 'day') }}
                then anchor.followers_anchor + (running.cum_net - at_anchor.cum_net)
            -- (d, anchor date]: every day must carry a net
            when running.stat_date < anchor.followers_anchor_date
                and at_anchor.cum_days - running.cum_days
                = {{ dbt.datediff('running.stat_date', 'anchor.followers_anchor_date', 'day') }}
                then anchor.followers_anchor - (at_anchor.cum_net - coalesce(running.cum_net, 0))
        end as followers_total,
        running.followers_new,
        running.followers_lost,
        running.followers_net,
        'xiaohongshu_fans' as followers_source,
        case
            when anchor.followers_anchor is null then running._loaded_at
            when running.stat_date > anchor.followers_anchor_date
                then
                    case
                        when anchor.anchor_loaded_at > running.loaded_through_here then anchor.anchor_loaded_at
                        else running.loaded_through_here
                    end
            else
                case
                    when anchor.anchor_loaded_at > running.loaded_from_here then anchor.anchor_loaded_at
                    else running.loaded_from_here
                end
        end as _source_loaded_at
    from xhs_running as running
    left join xhs_anchor as anchor
        on running.platform = anchor.platform
        and running.account = anchor.account
    left join xhs_at_anchor as at_anchor
        on running.platform = at_anchor.platform
        and running.account = at_anchor.account
),

weibo as (
    select
        platform,
        account,
        stat_date as date_day,
        followers_total,
        followers_new,
        followers_lost,
        coalesce(followers_net, followers_new - followers_lost) as followers_net,
        'weibo_fans' as followers_source,
        _loaded_at as _source_loaded_at
    from {{ ref('stg_weibo_fans') }}
),

unioned as (
    select * from wechat
    union all
    select * from douyin
    union all
    select * from xhs
    union all
    select * from weibo
)

select
    platform || '/' || account || '/' || cast(date_day as {{ dbt.type_string() }}) as account_day_key,
    platform || '/' || account as account_key,
    platform,
    account,
    date_day,
    cast(followers_total as {{ dbt.type_bigint() }}) as followers_total,
    cast(followers_new as {{ dbt.type_bigint() }}) as followers_new,
    cast(followers_lost as {{ dbt.type_bigint() }}) as followers_lost,
    cast(followers_net as {{ dbt.type_bigint() }}) as followers_net,
    followers_source,
    _source_loaded_at
from unioned
