{#- Kuaishou 作品列表明细 export (snapshot mode): every delivered row kept as history; is_export_winner /
    is_latest as in stg_douyin_videos. Kuaishou content is always a video. -#}
with source as (
    select * from {{ source('raw', 'kuaishou_videos') }}
),

deliveries as (
    {{ fanops.content_file_deliveries() }}
),

joined as (
    select
        source.*,
        deliveries.delivered_at as _delivered_at,
        deliveries.path as _file_path
    from source
    left join deliveries
        on deliveries.sha256 = source._file_sha256
),

ranked as (
    select
        joined.*,
        row_number() over (
            partition by platform, account, post_ref, _export_at
            order by _delivered_at desc, _file_path desc, _row_number desc
        ) as rn_export,
        row_number() over (
            partition by platform, account, post_ref
            order by _export_at desc, _delivered_at desc, _file_path desc, _row_number desc
        ) as rn_latest,
        {{ fanops.content_file_precision('published_at') }} as published_at_precision
    from joined
)

select
    _file_sha256 || ':' || cast(_row_number as {{ dbt.type_string() }}) as snapshot_row_key,
    platform,
    account,
    post_ref,
    platform || ':' || account || ':' || post_ref as post_ref_key,
    title_caption,
    {{ fanops.content_title('title_caption') }} as title,
    published_at,
    published_date,
    published_at_precision,
    'video' as format,
    views,
    views_is_capped,
    completion_rate,
    likes,
    comments,
    saves,
    shares,
    new_followers,
    _export_at as snapshot_at,
    rn_export = 1 as is_export_winner,
    rn_latest = 1 as is_latest,
    _file_sha256,
    _row_number,
    _file_path,
    _delivered_at,
    _loaded_at,
    _export_at
from ranked
