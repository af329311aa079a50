{#- Follower portraits of Douyin and WeChat accounts: one row per platform × account × snapshot_date ×
    dimension × bucket. share_change = share − the same bucket's share in the previous snapshot of that
    account and dimension; NULL when there is no previous snapshot or the bucket is absent from it. -#}
with buckets as (
    select
        portrait_key,
        platform,
        account,
        snapshot_date,
        dimension,
        bucket,
        bucket_raw,
        fans,
        share,
        is_computed_other,
        _loaded_at
    from {{ ref('stg_douyin_fans_portrait') }}

    union all

    select
        portrait_key,
        platform,
        account,
        snapshot_date,
        dimension,
        bucket,
        bucket_raw,
        fans,
        share,
        false as is_computed_other,
        _loaded_at
    from {{ ref('stg_wechat_fans_portrait') }}
),

snapshots as (
    select
        platform,
        account,
        dimension,
        snapshot_date,
        lag(snapshot_date) over (
            partition by platform, account, dimension
            order by snapshot_date
        ) as previous_snapshot_date
    from (
        select distinct
            platform,
            account,
            dimension,
            snapshot_date
        from buckets
    ) as distinct_snapshots
)

select
    cur.portrait_key,
    cur.platform,
    cur.account,
    cur.platform || '/' || cur.account as account_key,
    cur.snapshot_date,
    cur.dimension,
    cur.bucket,
    cur.bucket_raw,
    cur.fans,
    cast(cur.share as double) as share,
    cast(cur.share - prev.share as double) as share_change,
    snapshots.previous_snapshot_date,
    cur.is_computed_other,
    case
        when prev._loaded_at > cur._loaded_at then prev._loaded_at
        else cur._loaded_at
    end as _source_loaded_at
from buckets as cur
inner join snapshots
    on cur.platform = snapshots.platform
    and cur.account = snapshots.account
    and cur.dimension = snapshots.dimension
    and cur.snapshot_date = snapshots.snapshot_date
left join buckets as prev
    on prev.platform = cur.platform
    and prev.account = cur.account
    and prev.dimension = cur.dimension
    and prev.bucket = cur.bucket
    and prev.snapshot_date = snapshots.previous_snapshot_date
