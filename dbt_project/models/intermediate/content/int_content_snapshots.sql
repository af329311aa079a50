{#-
  Every post-metric snapshot row of every own-content source, on one vocabulary (wide), keyed to its post
  (content_key through int_post_ref_map). metrics_as_of = the time the values hold for: the export/fetch time
  (`_export_at`), or for a WeChat datacube row the end of its stat_date (Asia/Shanghai). Only rows with
  is_export_winner count for metrics (contract §1 rule 6: one row per (key, export time), newer delivery wins);
  all rows are kept for publish-time precision.
  Per source: views = WeChat 总阅读次数 / datacube int_page_read_count, Douyin/Kuaishou 播放量, XHS 观看量; impressions
  = XHS 曝光; likes/comments/shares/saves as delivered (Weibo 赞/评论/转发; WeChat likes absent, WeChat comments
  come from wechat/comments rows, not from here; WeChat saves only from the datacube).
-#}
with post_map as (
    select
        platform,
        account,
        post_ref,
        content_key
    from {{ ref('int_post_ref_map') }}
),

unioned as (
    select
        'douyin_export' as source_name,
        snapshot_row_key, platform, account, post_ref,
        cast(null as {{ dbt.type_string() }}) as platform_post_id,
        published_at, published_at_precision,
        cast(null as date) as publish_date,
        title_caption, title, format,
        cast(views as double) as views,
        cast(null as double) as impressions,
        cast(likes as double) as likes,
        cast(comments as double) as comments,
        cast(shares as double) as shares,
        cast(saves as double) as saves,
        cast(completion_rate as double) as completion_rate,
        cast(new_followers as double) as new_followers,
        snapshot_at, is_export_winner, _export_at, _delivered_at, _file_path, _row_number, _loaded_at
    from {{ ref('stg_douyin_videos') }}

    union all

    select
        'kuaishou_export',
        snapshot_row_key, platform, account, post_ref,
        cast(null as {{ dbt.type_string() }}),
        published_at, published_at_precision,
        cast(null as date),
        title_caption, title, format,
        cast(views as double),
        cast(null as double),
        cast(likes as double),
        cast(comments as double),
        cast(shares as double),
        cast(saves as double),
        cast(completion_rate as double),
        cast(new_followers as double),
        snapshot_at, is_export_winner, _export_at, _delivered_at, _file_path, _row_number, _loaded_at
    from {{ ref('stg_kuaishou_videos') }}

    union all

    select
        'kuaishou_api',
        snapshot_row_key, platform, account, post_ref,
        platform_post_id,
        published_at, published_at_precision,
        cast(null as date),
        title_caption, title, format,
        cast(views as double),
        cast(null as double),
        cast(likes as double),
        cast(comments as double),
        cast(null as double),
        cast(null as double),
        cast(null as double),
        cast(null as double),
        snapshot_at, is_export_winner, _export_at, _delivered_at, _file_path, _row_number, _loaded_at
    from {{ ref('stg_kuaishou_photos') }}
    where post_ref is not null

    union all

    select
        'xiaohongshu_export',
        snapshot_row_key, platform, account, post_ref,
        platform_post_id,
        published_at, published_at_precision,
        cast(null as date),
        title_caption, title, format,
        cast(views as double),
        cast(impressions as double),
        cast(likes as double),
        cast(comments as double),
        cast(shares as double),
        cast(saves as double),
        cast(null as double),
        cast(new_followers as double),
        snapshot_at, is_export_winner, _export_at, _delivered_at, _file_path, _row_number, _loaded_at
    from {{ ref('stg_xiaohongshu_notes') }}

    union all

    select
        'weibo_api',
        snapshot_row_key, platform, account, post_ref,
        platform_post_id,
        published_at, published_at_precision,
        cast(null as date),
        title_caption, title,
        cast(null as {{ dbt.type_string() }}),
        cast(null as double),
        cast(null as double),
        cast(likes as double),
        cast(comments as double),
        cast(shares as double),
        cast(null as double),
        cast(null as double),
        cast(null as double),
        snapshot_at, is_export_winner, _export_at, _delivered_at, _file_path, _row_number, _loaded_at
    from {{ ref('stg_weibo_posts') }}

    union all

    select
        'wechat_export',
        snapshot_row_key, platform, account, post_ref,
        platform_post_id,
        cast(null as timestamp), cast(null as {{ dbt.type_string() }}),
        publish_date,
        title_caption, title, 'article',
        cast(views as double),
        cast(null as double),
        cast(null as double),
        cast(null as double),
        cast(shares as double),
        cast(null as double),
        cast(completion_rate as double),
        cast(new_followers as double),
        snapshot_at, is_export_winner, _export_at, _delivered_at, _file_path, _row_number, _loaded_at
    from {{ ref('stg_wechat_articles') }}

    union all

    select
        'wechat_datacube',
        snapshot_row_key, platform, account, post_ref,
        platform_post_id,
        cast(null as timestamp), cast(null as {{ dbt.type_string() }}),
        publish_date,
        title_caption, title, 'article',
        cast(views as double),
        cast(null as double),
        cast(null as double),
        cast(null as double),
        cast(shares as double),
        cast(saves as double),
        cast(null as double),
        cast(null as double),
        snapshot_at, is_export_winner, _export_at, _delivered_at, _file_path, _row_number, _loaded_at
    from {{ ref('stg_wechat_article_daily') }}
)

select
    unioned.source_name || ':' || unioned.snapshot_row_key as snapshot_key,
    coalesce(
        post_map.content_key,
        unioned.platform || ':' || unioned.account || ':' || unioned.post_ref
    ) as content_key,
    unioned.source_name,
    unioned.snapshot_row_key,
    unioned.platform,
    unioned.account,
    unioned.post_ref,
    unioned.platform_post_id,
    unioned.published_at,
    unioned.published_at_precision,
    unioned.publish_date,
    unioned.title_caption,
    unioned.title,
    unioned.format,
    unioned.views,
    unioned.impressions,
    unioned.likes,
    unioned.comments,
    unioned.shares,
    unioned.saves,
    unioned.completion_rate,
    unioned.new_followers,
    unioned.snapshot_at as metrics_as_of,
    unioned.is_export_winner,
    unioned._export_at,
    unioned._delivered_at,
    unioned._file_path,
    unioned._row_number,
    unioned._loaded_at
from unioned
left join post_map
    on post_map.platform = unioned.platform
    and post_map.account = unioned.account
    and post_map.post_ref = unioned.post_ref
