{#- WeChat follower portrait (series): one row per account, snapshot_date, dimension and bucket. share is
    the loader's 人数 / Σ 人数 of the sheet (else the delivered 占比); share_reported keeps 占比. -#}
with source as (
    select * from {{ source('raw', 'wechat_fans_portrait') }}
),

ranked as (
    select
        source.*,
        row_number() over (
            partition by platform, account, snapshot_date, dimension, bucket, coalesce(bucket_raw, '')
            order by _export_at desc, _loaded_at desc, _file_sha256 desc, _row_number desc
        ) as rn
    from source
),

{#- Several delivered items can map to one bucket (e.g. gender codes other than 1/2 -> unknown): summed. -#}
buckets as (
    select
        platform,
        account,
        snapshot_date,
        dimension,
        bucket,
        min(bucket_raw) as bucket_raw,
        cast(sum(fans) as {{ dbt.type_bigint() }}) as fans,
        max(case when fans_is_capped then 1 else 0 end) = 1 as fans_is_capped,
        sum(share) as share,
        sum(share_reported) as share_reported,
        max(_file_sha256) as _file_sha256,
        min(_row_number) as _row_number,
        max(_loaded_at) as _loaded_at,
        max(_export_at) as _export_at
    from ranked
    where rn = 1
    group by
        platform,
        account,
        snapshot_date,
        dimension,
        bucket
)

select
    platform || '/' || account || '/' || cast(snapshot_date as {{ dbt.type_string() }})
    || '/' || dimension || '/' || bucket as portrait_key,
    platform,
    account,
    snapshot_date,
    dimension,
    bucket,
    bucket_raw,
    fans,
    fans_is_capped,
    share_reported,
    share,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from buckets
