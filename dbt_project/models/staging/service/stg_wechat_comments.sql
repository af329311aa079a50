-- WeChat article comments (contract §3.3, mode events: raw keeps the winning row per
-- (account, post_ref, comment_id)). The comment list API returns readers' comments only; the account's
-- answer is the nested `reply` (in practice the earliest one), so every row is a fan comment.
with source as (
    select * from {{ source('raw', 'wechat_comments') }}
),

renamed as (
    select
        platform || ':' || account || ':' || post_ref || ':' || comment_id as comment_key,
        platform,
        account,
        post_ref,
        msg_data_id,
        article_index,
        platform_post_id,
        comment_id,
        fan_key,
        cast(false as boolean) as is_from_account,
        created_at,
        created_date,
        text_masked,
        coalesce(is_featured, false) as is_featured,
        reply_text_masked,
        replied_at,
        replied_date,
        _file_sha256,
        _row_number,
        _loaded_at,
        _export_at
    from source
)

select * from renamed
