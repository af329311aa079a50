{#- ops/accounts registry: raw already keeps the winning row per (platform, account); identical duplicates
    inside one file are collapsed here. Shops (taobao, tmall, douyin_shop) are flagged. -#}
with source as (
    select * from {{ source('raw', 'ops_accounts') }}
),

ranked as (
    select
        source.*,
        row_number() over (
            partition by platform, account
            order by _export_at desc, _loaded_at desc, _file_sha256 desc, _row_number desc
        ) as rn
    from source
)

select
    platform || '/' || account as account_key,
    platform,
    account,
    account_name,
    platform_account_id,
    brand,
    owner_member_id,
    active_from,
    active_to,
    followers_anchor,
    followers_anchor_is_capped,
    followers_anchor_date,
    status,
    status_raw,
    platform in ('taobao', 'tmall', 'douyin_shop') as is_shop,
    platform in ('wechat', 'douyin', 'kuaishou', 'xiaohongshu', 'weibo') as is_social,
    _file_sha256,
    _row_number,
    _loaded_at,
    _export_at
from ranked
where rn = 1
