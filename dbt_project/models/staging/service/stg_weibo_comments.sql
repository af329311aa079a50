-- Weibo comments (contract §3.13, mode events: raw keeps the winning row per (account, comment_id)).
-- `parent_comment_id` is the `reply_comment` the row answers; `is_from_account` marks the account's own
-- comments (its replies), computed by the loader before pseudonymisation.
with source as (
    select * from {{ source('raw', 'weibo_comments') }}
),

renamed as (
    select
        platform || ':' || account || ':' || comment_id as comment_key,
        platform,
        account,
        comment_id,
        post_ref,
        platform_post_id,
        parent_comment_id,
        parent_comment_id is not null as is_reply,
        parent_fan_key,
        root_comment_id,
        fan_key,
        coalesce(is_from_account, false) as is_from_account,
        created_at,
        created_date,
        text_masked,
        region_raw,
        _file_sha256,
        _row_number,
        _loaded_at,
        _export_at
    from source
)

select * from renamed
